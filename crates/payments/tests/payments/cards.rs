//! Cards at localstripe: customers, attaching, charging (settled at once), declines.

use aftercart_app::payments::provider::{ChargeStatus, MethodKind, PaymentProvider, ProviderError};
use aftercart_payments::{Stripe, StripeConfig, testing};

use crate::support::{self, WEBHOOK_SECRET, request, sorted, stored};

#[tokio::test]
async fn card_charge_succeeds_and_retrieve_agrees() {
    let stripe = support::localstripe().await;
    let customer = stripe
        .create_customer("ACC-1001", "Northwind Traders")
        .await
        .expect("customer");
    assert!(customer.starts_with("cus_"), "{customer}");
    let at_stripe = stored(&format!("/v1/customers/{customer}")).await;
    assert_eq!(at_stripe["name"], "Northwind Traders");
    assert_eq!(at_stripe["metadata"]["account_number"], "ACC-1001");

    let method = stripe.attach_method(&customer, "pm_card_visa").await.expect("attached");
    assert_eq!(method.kind, MethodKind::Card);
    assert_eq!(method.label, "visa");
    assert_eq!(method.last4, "4242");
    assert_eq!(method.expires, Some((12, 2030)));
    // Stripe (and localstripe) turn the test token into a method of its own.
    assert!(
        method.provider_id.starts_with("pm_") && method.provider_id != "pm_card_visa",
        "{method:?}"
    );
    assert_eq!(
        stored(&format!("/v1/payment_methods/{}", method.provider_id)).await["customer"],
        customer.as_str()
    );

    let req = request(&customer, &method.provider_id, 12_345, "USD");
    let charge = stripe.charge(&req).await.expect("charged");
    assert_eq!(charge.status, ChargeStatus::Succeeded);
    assert_eq!(charge.amount_minor, 12_345);
    assert_eq!(charge.metadata, sorted(req.metadata.clone()));
    assert!(charge.provider_id.starts_with("pi_"), "{charge:?}");
    let intent = stored(&format!("/v1/payment_intents/{}", charge.provider_id)).await;
    assert_eq!(intent["currency"], "usd");
    assert_eq!(intent["customer"], customer.as_str());
    assert_eq!(intent["payment_method"], method.provider_id.as_str());

    let again = stripe.retrieve(&charge.provider_id).await.expect("retrieved");
    assert_eq!(again, charge);
}

#[tokio::test]
async fn a_card_made_from_its_number_charges_off_session() {
    let stripe = support::localstripe().await;
    let customer = stripe.create_customer("ACC-1002", "Contoso").await.expect("customer");
    let token = testing::create_card_method(&testing::base_url(), testing::SECRET_KEY, "4000056655665556").await;
    let method = stripe.attach_method(&customer, &token).await.expect("attached");
    assert_eq!(
        (method.provider_id.as_str(), method.kind, method.last4.as_str()),
        (token.as_str(), MethodKind::Card, "5556")
    );

    let mut req = request(&customer, &method.provider_id, 990, "EUR");
    req.off_session = true;
    let charge = stripe.charge(&req).await.expect("charged");
    assert_eq!((charge.status, charge.amount_minor), (ChargeStatus::Succeeded, 990));
    assert_eq!(
        stored(&format!("/v1/payment_intents/{}", charge.provider_id)).await["currency"],
        "eur"
    );
}

#[tokio::test]
async fn a_declined_card_is_an_answer_not_an_error() {
    let stripe = support::localstripe().await;
    let customer = stripe.create_customer("ACC-1003", "Fabrikam").await.expect("customer");
    let from_number = testing::create_card_method(&testing::base_url(), testing::SECRET_KEY, "4000000000000341").await;
    for token in ["pm_card_chargeCustomerFail", from_number.as_str()] {
        let method = stripe
            .attach_method(&customer, token)
            .await
            .expect("this card attaches, then declines");
        let req = request(&customer, &method.provider_id, 12_345, "USD");
        let charge = stripe.charge(&req).await.expect("a decline is Ok");
        assert_eq!(
            charge.status,
            ChargeStatus::Failed {
                code: "card_declined".to_owned(),
                message: "Your card was declined.".to_owned()
            },
            "{token}"
        );
        assert_eq!(charge.amount_minor, 12_345);
        assert_eq!(charge.metadata, sorted(req.metadata.clone()));
        // localstripe's 402 does not carry the intent (Stripe's does: see the http module).
        assert_eq!(charge.provider_id, "");
    }
}

#[tokio::test]
async fn a_card_declined_on_attach_is_refused() {
    let stripe = support::localstripe().await;
    let customer = stripe.create_customer("ACC-1004", "Litware").await.expect("customer");
    let token = testing::create_card_method(&testing::base_url(), testing::SECRET_KEY, "4000000000000002").await;
    match stripe.attach_method(&customer, &token).await {
        Err(ProviderError::Refused { code, message }) => {
            assert_eq!(
                (code.as_str(), message.as_str()),
                ("card_declined", "Your card was declined.")
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        stored(&format!("/v1/payment_methods/{token}")).await["customer"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn detaching_and_unknown_ids() {
    let stripe = support::localstripe().await;
    let customer = stripe
        .create_customer("ACC-1005", "Adventure Works")
        .await
        .expect("customer");
    let method = stripe.attach_method(&customer, "pm_card_visa").await.expect("attached");
    stripe.detach_method(&method.provider_id).await.expect("detached");
    assert_eq!(
        stored(&format!("/v1/payment_methods/{}", method.provider_id)).await["customer"],
        serde_json::Value::Null
    );

    let missing = |result: Result<_, ProviderError>| match result {
        Err(ProviderError::Refused { code, .. }) => code,
        Err(other) => panic!("expected a refusal, got {other:?}"),
        Ok(_) => panic!("expected a refusal, got Ok"),
    };
    assert_eq!(
        missing(stripe.retrieve("pi_doesnotexist").await.map(drop)),
        "resource_missing"
    );
    assert_eq!(
        missing(stripe.detach_method("pm_doesnotexist").await),
        "resource_missing"
    );
    assert_eq!(
        missing(stripe.attach_method("cus_doesnotexist", "pm_card_visa").await.map(drop)),
        "resource_missing"
    );
    let req = request(&customer, "pm_doesnotexist", 100, "USD");
    assert_eq!(missing(stripe.charge(&req).await.map(drop)), "resource_missing");
}

/// Why `StripeConfig::send_description` exists: should localstripe start accepting a
/// description, this fails and the switch can go.
#[tokio::test]
async fn localstripe_refuses_a_description() {
    support::localstripe().await;
    let config = StripeConfig {
        send_description: true,
        ..StripeConfig::localstripe(testing::base_url(), testing::SECRET_KEY, WEBHOOK_SECRET)
    };
    let stripe = Stripe::new(config).expect("config");
    let customer = stripe
        .create_customer("ACC-1006", "Tailspin Toys")
        .await
        .expect("customer");
    let method = stripe.attach_method(&customer, "pm_card_visa").await.expect("attached");
    let outcome = stripe
        .charge(&request(&customer, &method.provider_id, 500, "USD"))
        .await;
    assert_eq!(
        outcome,
        Err(ProviderError::Refused {
            code: "invalid_request_error".to_owned(),
            message: "Unexpected description".to_owned()
        })
    );
}
