//! Receivables end to end, through the real router on both stores, paying through the real local
//! Stripe-compatible server (localstripe): paying several invoices at once, a bank debit that
//! fails days later, short-pays that open disputes, bank statements applied to invoices, credit
//! holds, statements, dunning around disputes, and the documents (PDF text, UBL validated against
//! the UBL 2.1 schema and the EN 16931 rules in ../shared/validators).

use crate::harness::{STRIPE_WEBHOOK_SECRET, TestApp, World, stripe_url, usd};
use aftercart_payments::testing;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use time::macros::datetime;

/// One order of `prices.len()` lines (gloves, 1 each is enough to bill), and one invoice per
/// price billing line 1 once, issued on 2026-11-20 (due 2026-12-20 on net 30). Returns the
/// invoice ids.
async fn invoices(t: &TestApp, w: &World, prices: &[&str]) -> Vec<String> {
    let order = t.order(w, 10, 1).await.id();
    let mut ids = Vec::new();
    for p in prices {
        let inv = t
            .post(
                "/api/v1/invoices",
                json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-20",
                       "lines": [{"order_id": order, "order_line": 2, "quantity": 1, "unit_price": usd(p)}]}),
            )
            .await
            .ok();
        ids.push(inv.id());
    }
    ids
}

async fn order_of_other(t: &TestApp, w: &World) -> String {
    t.post(
        "/api/v1/orders",
        json!({"account_id": w.other_account, "lines": [{"product_id": w.gloves, "quantity": 1, "ship_to": w.other_ship_to}]}),
    )
    .await
    .ok()
    .id()
}

async fn finance(t: &TestApp, w: &World) -> String {
    t.customer_user(
        &w.account,
        "ap@northwind.example",
        "Fran Finance",
        &["finance"],
        json!({"kind": "all"}),
    )
    .await
    .1
}

async fn add_method(t: &TestApp, w: &World, auth: &str, token: &str) -> String {
    t.post_with(
        &format!("/api/v1/accounts/{}/payment-methods", w.account),
        json!({"token": token}),
        &[("authorization", auth)],
    )
    .await
    .ok()
    .id()
}

async fn balance(t: &TestApp, id: &str) -> Value {
    t.get(&format!("/api/v1/invoices/{id}")).await.ok().body["balance"].clone()
}

async fn timeline_kinds(t: &TestApp, invoice: &str) -> Vec<String> {
    let tl = t
        .get(&format!("/api/v1/invoices/{invoice}/timeline?limit=200"))
        .await
        .ok();
    tl.body["events"]
        .as_array()
        .or(tl.body["items"].as_array())
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn pay_three_invoices_one_partial(t: TestApp) {
    let w = t.world().await;
    let inv = invoices(&t, &w, &["100.00", "200.00", "300.00"]).await;
    let fin = finance(&t, &w).await;
    let card = add_method(&t, &w, &fin, "pm_card_visa").await;
    let profile = t
        .request(
            axum::http::Method::GET,
            &format!("/api/v1/accounts/{}/billing-profile", w.account),
            None,
            &[("authorization", &fin)],
        )
        .await
        .ok();
    assert_eq!(profile.body["methods"][0]["label"], "visa •••• 4242");

    // Paying part of the second without saying why is refused, nothing charged or recorded.
    let body = |short: Option<&str>| {
        json!({"account_id": w.account, "method_id": card, "invoices": [
            {"invoice_id": inv[0], "amount": usd("100.00")},
            {"invoice_id": inv[1], "amount": usd("50.00"), "short_reason": short},
            {"invoice_id": inv[2], "amount": usd("300.00")}
        ]})
    };
    t.post_with("/api/v1/payments/online", body(None), &[("authorization", &fin)])
        .await
        .refused(422, "invalid_value", "invoices[1].short_reason");
    assert_eq!(balance(&t, &inv[0]).await, usd("100.00"), "nothing was applied");

    let key = [("authorization", fin.as_str()), ("idempotency-key", "pay-three-1")];
    let paid = t.post_with("/api/v1/payments/online", body(Some("later")), &key).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(paid.body["state"], "succeeded");
    assert_eq!(paid.body["amount"], usd("450.00"));
    assert_eq!(paid.body["allocations"][1]["short_reason"], "later");
    assert_eq!(balance(&t, &inv[0]).await, usd("0.00"));
    assert_eq!(balance(&t, &inv[1]).await, usd("150.00"));
    assert_eq!(balance(&t, &inv[2]).await, usd("0.00"));
    let kinds = timeline_kinds(&t, &inv[1]).await;
    assert!(kinds.iter().any(|k| k == "invoice.payment_applied"), "{kinds:?}");

    // A retried request (same Idempotency-Key) answers the same and charges nothing more.
    let again = t.post_with("/api/v1/payments/online", body(Some("later")), &key).await;
    assert_eq!(again.body["id"], paid.body["id"], "{}", again.body);
    assert_eq!(balance(&t, &inv[1]).await, usd("150.00"), "not applied twice");
    // Without the key, the paid invoices cannot be paid again.
    t.post_with(
        "/api/v1/payments/online",
        json!({"account_id": w.account, "method_id": card, "invoices": [{"invoice_id": inv[0], "amount": usd("1.00")}]}),
        &[("authorization", &fin)],
    )
    .await
    .refused(409, "invalid_state", "invoices[0].invoice_id");

    // More than is open: refused unless the user says to keep the excess as credit.
    let over = |credit: bool| {
        json!({"account_id": w.account, "method_id": card, "excess_to_credit": credit,
               "invoices": [{"invoice_id": inv[1], "amount": usd("200.00")}]})
    };
    t.post_with("/api/v1/payments/online", over(false), &[("authorization", &fin)])
        .await
        .refused(422, "over_application", "invoices[0].amount");
    let credit = t
        .post_with("/api/v1/payments/online", over(true), &[("authorization", &fin)])
        .await
        .ok();
    assert_eq!(credit.body["state"], "succeeded");
    assert_eq!(credit.body["to_credit"], usd("50.00"));
    assert_eq!(balance(&t, &inv[1]).await, usd("0.00"));
    let open = t
        .get(&format!("/api/v1/accounts/{}/open-invoices", w.account))
        .await
        .ok();
    assert_eq!(open.body["unapplied_payments"], usd("50.00"), "{}", open.body);

    // A declined card says why and changes nothing.
    let more = invoices(&t, &w, &["80.00"]).await;
    let bad = add_method(&t, &w, &fin, "pm_card_chargeCustomerFail").await;
    let declined = t
        .post_with(
            "/api/v1/payments/online",
            json!({"account_id": w.account, "method_id": bad, "invoices": [{"invoice_id": more[0], "amount": usd("80.00")}]}),
            &[("authorization", &fin)],
        )
        .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert_eq!(declined.body["state"], "failed");
    assert_eq!(declined.body["failure_code"], "card_declined");
    assert_eq!(balance(&t, &more[0]).await, usd("80.00"));

    // The account credit pays the new invoice.
    let pid = credit.body["payment_id"].as_str().expect("payment id");
    let applied = t
        .post_with(
            &format!("/api/v1/invoices/{}/apply-credit", more[0]),
            json!({"source": "payment", "source_id": pid, "amount": usd("50.00")}),
            &[("authorization", &fin)],
        )
        .await
        .ok();
    assert_eq!(applied.body["balance"], usd("30.00"));

    // Another account's invoice is not theirs to pay: "no such invoice", on the field.
    let other = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.other_account, "currency": "USD", "lines": [{"order_id": order_of_other(&t, &w).await, "order_line": 1, "quantity": 1, "unit_price": usd("5.00")}]}),
        )
        .await
        .ok()
        .id();
    t.post_with(
        "/api/v1/payments/online",
        json!({"account_id": w.account, "method_id": card, "invoices": [{"invoice_id": other, "amount": usd("5.00")}]}),
        &[("authorization", &fin)],
    )
    .await
    .refused(422, "unknown_reference", "invoices[0].invoice_id");
}

/// Captures the webhooks localstripe posts (its registrations are global: every test's events
/// arrive, so callers filter on their own intent).
struct Hooks {
    rx: tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)>,
}

impl Hooks {
    async fn start(id: &str) -> Hooks {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(end) = find(&buf, b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_string();
                            let len = head
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                let sig = head
                                    .lines()
                                    .find_map(|l| {
                                        let (k, v) = l.split_once(':')?;
                                        k.eq_ignore_ascii_case("stripe-signature").then(|| v.trim().to_owned())
                                    })
                                    .unwrap_or_default();
                                let _ = tx.send((sig, buf[end + 4..end + 4 + len].to_vec()));
                                let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
                                break;
                            }
                        }
                    }
                });
            }
        });
        testing::register_webhook(&stripe_url(), id, &url, STRIPE_WEBHOOK_SECRET, &[]).await;
        Hooks { rx }
    }

    /// The first webhook about `intent` of type `kind`, within 20 s.
    async fn wait(&mut self, intent: &str, kind: &str) -> (String, Vec<u8>) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let got = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no {kind} webhook for {intent} within 20 s"))
                .expect("hook channel");
            let v: Value = serde_json::from_slice(&got.1).unwrap_or(Value::Null);
            if v["type"] == kind && v["data"]["object"]["id"] == intent {
                return got;
            }
        }
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

async fn provider_intent(t: &TestApp, online: &str) -> String {
    // The provider's id is not part of our API; read it from the app.
    let p = t
        .app
        .online_payment(
            &aftercart_app::Ctx::system(),
            aftercart_domain::ids::OnlinePaymentId(online.parse().expect("uuid")),
        )
        .await
        .expect("online payment");
    p.value.provider_id.expect("provider id")
}

async fn ach_payment_fails_two_days_later(t: TestApp) {
    let w = t.world().await;
    let inv = invoices(&t, &w, &["120.00", "80.00"]).await;
    let fin = finance(&t, &w).await;
    let mut hooks = Hooks::start(&format!("api-ach-{}", uuid::Uuid::now_v7().simple())).await;
    let failing = testing::create_sepa_method(&stripe_url(), testing::SECRET_KEY, "DE62370400440532013001").await;
    let debit = add_method(&t, &w, &fin, &failing).await;
    let pay = t
        .post_with(
            "/api/v1/payments/online",
            json!({"account_id": w.account, "method_id": debit, "invoices": [
                {"invoice_id": inv[0], "amount": usd("120.00")}, {"invoice_id": inv[1], "amount": usd("80.00")}]}),
            &[("authorization", &fin)],
        )
        .await;
    assert_eq!(pay.status, 201, "{}", pay.body);
    assert_eq!(pay.body["state"], "processing", "a bank debit settles later");
    let online = pay.id();
    assert_eq!(
        balance(&t, &inv[0]).await,
        usd("120.00"),
        "nothing applied before the money is confirmed"
    );
    // In flight: the invoices cannot be paid twice, and dunning waits.
    let card = add_method(&t, &w, &fin, "pm_card_visa").await;
    t.post_with(
        "/api/v1/payments/online",
        json!({"account_id": w.account, "method_id": card, "invoices": [{"invoice_id": inv[0], "amount": usd("120.00")}]}),
        &[("authorization", &fin)],
    )
    .await
    .refused(409, "invalid_state", "invoices[0].invoice_id");
    t.clock.set(datetime!(2026-12-20 09:00 UTC));
    let pass = t.app.run_dunning().await.expect("dunning");
    assert_eq!(pass.sent, 0, "no reminder while a payment is processing");
    assert_eq!(pass.held, 2);

    // Two days after paying (business time), the provider's webhook says it failed.
    t.clock.set(datetime!(2026-11-22 10:00 UTC));
    let intent = provider_intent(&t, &online).await;
    let (sig, body) = hooks.wait(&intent, "payment_intent.payment_failed").await;
    // A forged or tampered webhook is refused and changes nothing.
    let mut tampered = body.clone();
    let at = find(&tampered, b"payment_failed").expect("type in body");
    tampered[at] = b'P';
    for (s, b) in [
        (sig.as_str(), tampered.as_slice()),
        ("t=1,v1=00", body.as_slice()),
        ("", body.as_slice()),
    ] {
        let r = webhook(&t, s, b).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.code(), "unauthenticated");
    }
    assert_eq!(
        t.get(&format!("/api/v1/payments/online/{online}")).await.ok().body["state"],
        "processing"
    );
    let r = webhook(&t, &sig, &body).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let after = t.get(&format!("/api/v1/payments/online/{online}")).await.ok();
    assert_eq!(after.body["state"], "failed");
    assert_eq!(
        after.body["failure_code"], "card_declined",
        "localstripe reports its decline code"
    );
    assert!(after.body["failure_message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(balance(&t, &inv[0]).await, usd("120.00"));
    let kinds = timeline_kinds(&t, &inv[0]).await;
    for k in ["invoice.payment_processing", "invoice.payment_failed"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
    // The same webhook again is handled once.
    assert_eq!(webhook(&t, &sig, &body).await.status, 204);
    let n = timeline_kinds(&t, &inv[0])
        .await
        .iter()
        .filter(|k| *k == "invoice.payment_failed")
        .count();
    assert_eq!(n, 1);
    // Released: the invoice can be paid again.
    let retry = t
        .post_with(
            "/api/v1/payments/online",
            json!({"account_id": w.account, "method_id": card, "invoices": [{"invoice_id": inv[0], "amount": usd("120.00")}]}),
            &[("authorization", &fin)],
        )
        .await
        .ok();
    assert_eq!(retry.body["state"], "succeeded");

    // A debit that settled and then came back (an ACH return) reverses its payment.
    let good = testing::create_sepa_method(&stripe_url(), testing::SECRET_KEY, "DE89370400440532013000").await;
    let good = add_method(&t, &w, &fin, &good).await;
    let settled = t
        .post_with(
            "/api/v1/payments/online",
            json!({"account_id": w.account, "method_id": good, "invoices": [{"invoice_id": inv[1], "amount": usd("80.00")}]}),
            &[("authorization", &fin)],
        )
        .await
        .ok();
    let sid = settled.id();
    if settled.body["state"] == "processing" {
        let intent = provider_intent(&t, &sid).await;
        let (sig, body) = hooks.wait(&intent, "payment_intent.succeeded").await;
        assert_eq!(webhook(&t, &sig, &body).await.status, 204);
    }
    assert_eq!(
        t.get(&format!("/api/v1/payments/online/{sid}")).await.ok().body["state"],
        "succeeded"
    );
    assert_eq!(balance(&t, &inv[1]).await, usd("0.00"));
    t.clock.set(datetime!(2026-11-24 10:00 UTC));
    let intent = provider_intent(&t, &sid).await;
    let returned = json!({"id": format!("evt_return_{}", uuid::Uuid::now_v7().simple()), "object": "event", "type": "payment_intent.payment_failed",
        "created": time::OffsetDateTime::now_utc().unix_timestamp(),
        "data": {"object": {"id": intent, "object": "payment_intent", "status": "requires_payment_method", "amount": 8000, "currency": "usd",
                 "metadata": {"online_payment": sid},
                 "last_payment_error": {"code": "R01", "message": "Insufficient funds (ACH return R01)"}}}})
    .to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let sig = testing::sign_webhook(STRIPE_WEBHOOK_SECRET, now, returned.as_bytes());
    let r = webhook(&t, &sig, returned.as_bytes()).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let rev = t.get(&format!("/api/v1/payments/online/{sid}")).await.ok();
    assert_eq!(rev.body["state"], "reversed", "{}", rev.body);
    assert_eq!(rev.body["failure_code"], "R01");
    assert_eq!(
        balance(&t, &inv[1]).await,
        usd("80.00"),
        "the reversed payment comes off the invoice"
    );
    assert!(
        timeline_kinds(&t, &inv[1])
            .await
            .iter()
            .any(|k| k == "invoice.payment_reversed")
    );
}

async fn webhook(t: &TestApp, sig: &str, body: &[u8]) -> crate::harness::Resp {
    let mut b = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/payments/provider-webhook")
        .header("content-type", "application/json");
    if !sig.is_empty() {
        b = b.header("stripe-signature", sig);
    }
    t.raw(b.body(axum::body::Body::from(body.to_vec())).expect("request"))
        .await
}

async fn short_pay_opens_a_dispute_that_ends_in_a_credit_memo(t: TestApp) {
    let w = t.world().await;
    let order = t.order(&w, 10, 1).await.id();
    t.post(
        &format!("/api/v1/orders/{order}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 10}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/shipments",
        json!({"order_id": order, "from_location_id": w.dallas, "to_location_id": w.dock, "lines": [{"line": 1, "quantity": 6}], "carrier": "UPS"}),
    )
    .await
    .ok();
    let inv = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-20",
                   "lines": [{"order_id": order, "order_line": 1, "quantity": 10, "unit_price": usd("11.75")}]}),
        )
        .await
        .ok()
        .id();
    let fin = finance(&t, &w).await;
    // The invoice's match prefills the short-pay: billed 10, shipped 6.
    let s = t
        .request(
            axum::http::Method::GET,
            &format!("/api/v1/invoices/{inv}/dispute-suggestions"),
            None,
            &[("authorization", &fin)],
        )
        .await
        .ok();
    assert_eq!(s.body["items"][0]["reason"], "short_shipped", "{}", s.body);
    assert_eq!(s.body["items"][0]["quantity"], 4);
    assert_eq!(s.body["items"][0]["amount"], usd("47.00"));
    let card = add_method(&t, &w, &fin, "pm_card_visa").await;
    let paid = t
        .post_with(
            "/api/v1/payments/online",
            json!({"account_id": w.account, "method_id": card, "invoices": [{"invoice_id": inv, "amount": usd("70.50"),
                   "short_reason": "short_shipped", "lines": [{"invoice_line": 1, "quantity": 4}], "message": "Only 6 of 10 arrived."}]}),
            &[("authorization", &fin)],
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(paid.body["state"], "succeeded");
    let dispute = &paid.body["disputes"][0];
    assert_eq!(dispute["reason"], "short_shipped");
    assert_eq!(dispute["amount"], usd("47.00"));
    assert_eq!(dispute["lines"][0]["quantity"], 4);
    let did = dispute["id"].as_str().expect("dispute id").to_owned();
    assert_eq!(balance(&t, &inv).await, usd("47.00"));

    // Dunning at the due date: everything left is disputed, so nothing is sent.
    t.clock.set(datetime!(2026-12-27 09:00 UTC));
    let pass = t.app.run_dunning().await.expect("dunning");
    assert_eq!(pass.sent, 0);
    assert_eq!(pass.held, 1);

    // The thread, then finance ops credit it.
    t.post(
        &format!("/api/v1/disputes/{did}/messages"),
        json!({"text": "Confirmed with the warehouse: 4 never left."}),
    )
    .await
    .ok();
    t.post_with(
        &format!("/api/v1/disputes/{did}/resolution"),
        json!({"outcome": "credit", "amount": usd("47.00")}),
        &[("authorization", &fin)],
    )
    .await
    .refused(403, "forbidden", "");
    t.post(
        &format!("/api/v1/disputes/{did}/resolution"),
        json!({"outcome": "credit", "amount": usd("47.01")}),
    )
    .await
    .refused(422, "over_application", "amount");
    let done = t
        .post(
            &format!("/api/v1/disputes/{did}/resolution"),
            json!({"outcome": "credit", "amount": usd("47.00")}),
        )
        .await
        .ok();
    assert_eq!(done.body["status"], "resolved");
    assert_eq!(done.body["outcome"], "credited");
    assert_eq!(done.body["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(balance(&t, &inv).await, usd("0.00"));
    let kinds = timeline_kinds(&t, &inv).await;
    for k in [
        "invoice.disputed",
        "invoice.dispute_message",
        "invoice.credited",
        "invoice.dispute_resolved",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
    let memo = done.body["credit_memo_id"].as_str().expect("memo");
    let (status, _, pdf) = t
        .download(&format!("/api/v1/credit-memos/{memo}/pdf"), Some(&fin))
        .await;
    assert_eq!(status, 200);
    let text = pdf_text(&pdf);
    assert!(
        text.contains("Credit memo") || text.contains("Credit Memo") || text.contains("CREDIT MEMO"),
        "{text}"
    );
    assert!(text.contains("USD 47.00"), "{text}");

    // A rejection needs its reason.
    let second = t
        .post_with(
            "/api/v1/disputes",
            json!({"invoice_id": invoices(&t, &w, &["10.00"]).await[0], "reason": "price_differs", "amount": usd("2.00"), "message": "Quoted 8.00"}),
            &[("authorization", &fin)],
        )
        .await
        .ok();
    let sid = second.id();
    t.post(
        &format!("/api/v1/disputes/{sid}/resolution"),
        json!({"outcome": "reject"}),
    )
    .await
    .refused(422, "invalid_value", "reason");
    let rej = t
        .post(
            &format!("/api/v1/disputes/{sid}/resolution"),
            json!({"outcome": "reject", "reason": "The quote expired on 1 Nov."}),
        )
        .await
        .ok();
    assert_eq!(rej.body["outcome"], "rejected");
}

fn camt(entries: &[(&str, &str, &str)]) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-25T08:00:00Z</CreDtTm></GrpHdr>
<Stmt><Id>S-2026-11-25</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>USD</Ccy></Acct>
"#,
    );
    for (i, (amount, strd, ustrd)) in entries.iter().enumerate() {
        let rmt = if strd.is_empty() {
            format!("<Ustrd>{ustrd}</Ustrd>")
        } else {
            format!("<Strd><CdtrRefInf><Ref>{strd}</Ref></CdtrRefInf></Strd><Ustrd>{ustrd}</Ustrd>")
        };
        x.push_str(&format!(
            "<Ntry><Amt Ccy=\"USD\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\
<BookgDt><Dt>2026-11-25</Dt></BookgDt><ValDt><Dt>2026-11-25</Dt></ValDt><AcctSvcrRef>BANK-{i}</AcctSvcrRef>\
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{i}</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>Northwind Clinics</Nm></Pty></Dbtr></RltdPties>\
<RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>\n"
        ));
    }
    x.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    x
}

async fn bank_statement_applies_five_and_queues_one(t: TestApp) {
    let w = t.world().await;
    let inv = invoices(&t, &w, &["110.00", "220.00", "330.00", "440.00", "555.55"]).await;
    let number = |i: usize| {
        let t = &t;
        let id = inv[i].clone();
        async move {
            t.get(&format!("/api/v1/invoices/{id}")).await.ok().body["number"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (n0, n1, n2, n3) = (number(0).await, number(1).await, number(2).await, number(3).await);
    let rf = |n: &str| aftercart_domain::receivables::remittance::rf_reference(n).expect("rf");
    let file = camt(&[
        ("110.00", &rf(&n0), "thanks"),
        ("220.00", &rf(&n1), ""),
        ("330.00", "", &format!("Payment for invoice {n2}")),
        ("440.00", "", &format!("inv {n3} nov")),
        ("555.55", "", "November supplies"),
        ("77.70", "", "no idea what this is"),
    ]);
    // A malformed file is refused naming its line, and nothing is applied.
    let broken = file.replacen("<Amt Ccy=\"USD\">330.00</Amt>", "<Amt Ccy=\"USD\">330,00</Amt>", 1);
    let line = broken.lines().position(|l| l.contains("330,00")).expect("line") + 1;
    let r = t
        .post(
            "/api/v1/bank-statements",
            json!({"file_name": "broken.xml", "content": broken}),
        )
        .await;
    r.refused(422, "invalid_value", "file");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("line {line}")),
        "{}",
        r.body
    );
    assert_eq!(balance(&t, &inv[0]).await, usd("110.00"), "nothing applied");

    let imp = t
        .post(
            "/api/v1/bank-statements",
            json!({"file_name": "nov25.xml", "content": file}),
        )
        .await;
    assert_eq!(imp.status, 201, "{}", imp.body);
    assert_eq!(imp.body["applied"].as_array().map(Vec::len), Some(5), "{}", imp.body);
    assert_eq!(imp.body["unapplied"].as_array().map(Vec::len), Some(1));
    let rules: Vec<&str> = imp.body["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "remittance_reference",
            "remittance_reference",
            "invoice_numbers",
            "invoice_numbers",
            "exact_amount"
        ]
    );
    for id in &inv {
        assert_eq!(balance(&t, id).await, usd("0.00"), "{id}");
    }
    // The same file again applies nothing.
    t.post("/api/v1/bank-statements", json!({"content": file}))
        .await
        .refused(409, "invalid_state", "file");
    // The queue: the receipt finance ops apply by hand; with no invoice named it stays as credit.
    let q = t.get("/api/v1/unapplied-receipts?status=open").await.ok();
    let rid = q.body["items"][0]["id"].as_str().expect("queued").to_owned();
    assert_eq!(q.body["items"][0]["amount"], usd("77.70"));
    let fin = finance(&t, &w).await;
    let r = t
        .request(
            axum::http::Method::GET,
            &format!("/api/v1/unapplied-receipts/{rid}"),
            None,
            &[("authorization", &fin)],
        )
        .await;
    assert_eq!(r.status, 403, "the seller's bank, not the customer's business");
    let later = invoices(&t, &w, &["50.00"]).await;
    let applied = t
        .post(
            &format!("/api/v1/unapplied-receipts/{rid}/apply"),
            json!({"account_id": w.account, "applications": [{"invoice_id": later[0], "amount": usd("50.00")}]}),
        )
        .await
        .ok();
    assert_eq!(applied.body["unapplied"], usd("27.70"), "{}", applied.body);
    assert_eq!(balance(&t, &later[0]).await, usd("0.00"));
    t.post(
        &format!("/api/v1/unapplied-receipts/{rid}/apply"),
        json!({"account_id": w.account}),
    )
    .await
    .refused(409, "invalid_state", "receipt");

    // CSV too, with an error naming its line and column.
    let csv = "date,amount,currency,reference\n2026-11-26,12.00,USD,x\n2026-11-26,twelve,USD,y\n";
    let r = t.post("/api/v1/bank-statements", json!({"content": csv})).await;
    r.refused(422, "invalid_value", "file");
    assert!(r.body["detail"].as_str().unwrap_or("").contains("line 3"), "{}", r.body);
}

async fn credit_limit_holds_an_order_until_released(t: TestApp) {
    let w = t.world().await;
    t.patch_with(
        &format!("/api/v1/accounts/{}", w.account),
        json!({"credit_limit": usd("230.00")}),
        &[],
    )
    .await
    .ok();
    // 200.00 owed on an invoice (its order is invoiced, so it counts once); 4 gloves more (47.00)
    // would make 247.00.
    invoices(&t, &w, &["200.00"]).await;
    let buyer = t
        .customer_user(
            &w.account,
            "buyer@northwind.example",
            "Bo Buyer",
            &["buyer"],
            json!({"kind": "all"}),
        )
        .await
        .1;
    let placed = t
        .post_with(
            "/api/v1/orders",
            json!({"account_id": w.account, "lines": [{"product_id": w.gloves, "quantity": 4, "ship_to": w.dock}]}),
            &[("authorization", &buyer)],
        )
        .await
        .ok();
    let oid = placed.id();
    let st = t
        .request(
            axum::http::Method::GET,
            &format!("/api/v1/orders/{oid}/status"),
            None,
            &[("authorization", &buyer)],
        )
        .await
        .ok();
    let sentence = st.body["summary"]
        .as_str()
        .or(st.body["sentence"].as_str())
        .unwrap_or("")
        .to_owned();
    assert!(sentence.contains("Held for credit review"), "{}", st.body);
    let list = t.get("/api/v1/orders?status=credit_hold").await.ok();
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == oid.as_str())
    );
    // Fulfilment waits.
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 4}),
    )
    .await
    .refused(409, "invalid_state", "credit_hold");
    let holds = t.get("/api/v1/credit-holds").await.ok();
    let held = holds.body.as_array().expect("list");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["limit"], usd("230.00"));
    assert_eq!(held[0]["exposure"], usd("200.00"));
    // The buyer cannot release it; finance ops can.
    t.post_with(
        &format!("/api/v1/orders/{oid}/credit-decision"),
        json!({"release": true}),
        &[("authorization", &buyer)],
    )
    .await
    .refused(403, "forbidden", "");
    t.post(
        &format!("/api/v1/orders/{oid}/credit-decision"),
        json!({"release": false}),
    )
    .await
    .refused(422, "invalid_value", "note");
    t.post(
        &format!("/api/v1/orders/{oid}/credit-decision"),
        json!({"release": true, "note": "Paid by wire yesterday"}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 4}),
    )
    .await
    .ok();
    assert!(
        t.get("/api/v1/credit-holds")
            .await
            .ok()
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    let tl = t.get(&format!("/api/v1/orders/{oid}/timeline")).await.ok();
    let kinds: Vec<&str> = tl.body["events"]
        .as_array()
        .or(tl.body["items"].as_array())
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"order.credit_hold") && kinds.contains(&"order.credit_released"),
        "{kinds:?}"
    );
}

async fn statement_closing_balance_is_the_open_items(t: TestApp) {
    let w = t.world().await;
    let inv = invoices(&t, &w, &["100.00", "250.00", "75.25"]).await;
    t.post(
        "/api/v1/payments",
        json!({"account_id": w.account, "method": "wire", "amount": usd("180.00"), "reference": "WIRE-1",
               "applications": [{"invoice_id": inv[0], "amount": usd("100.00")}, {"invoice_id": inv[1], "amount": usd("50.00")}]}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/credit-memos",
        json!({"account_id": w.account, "invoice_id": inv[2], "amount": usd("5.25"), "reason": "Damaged box"}),
    )
    .await
    .ok();
    let s = t
        .get(&format!(
            "/api/v1/accounts/{}/statement?from=2026-11-01&to=2026-11-30",
            w.account
        ))
        .await
        .ok();
    let minor = |v: &Value| -> i64 {
        let a = v["amount"].as_str().expect("amount");
        let (u, c) = a.split_once('.').unwrap_or((a, "00"));
        u.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap()
    };
    let open: i64 = s.body["open_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| minor(&o["balance"]))
        .sum();
    assert_eq!(open, 27_000, "200.00 + 70.00 open: {}", s.body);
    assert_eq!(minor(&s.body["unapplied_cash"]), 3_000);
    assert_eq!(minor(&s.body["closing_balance"]), open - 3_000, "{}", s.body);
    assert_eq!(minor(&s.body["opening_balance"]), 0);
    let (status, h, pdf) = t
        .download(
            &format!(
                "/api/v1/accounts/{}/statement?from=2026-11-01&to=2026-11-30&format=pdf",
                w.account
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        h.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let text = pdf_text(&pdf);
    for want in [
        "Opening balance",
        "Closing balance",
        "USD 240.00",
        "WIRE-1",
        "Northwind Clinics",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let (_, _, csv) = t
        .download(
            &format!(
                "/api/v1/accounts/{}/statement?from=2026-11-01&to=2026-11-30&format=csv",
                w.account
            ),
            None,
        )
        .await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().last().unwrap().ends_with(",240.00"), "{csv}");
    let aging = t.get(&format!("/api/v1/accounts/{}/aging", w.account)).await.ok();
    assert_eq!(aging.body["current"], usd("270.00"));
    t.clock.set(datetime!(2027-01-25 09:00 UTC));
    let aging = t.get(&format!("/api/v1/accounts/{}/aging", w.account)).await.ok();
    assert_eq!(aging.body["days_31_60"], usd("270.00"), "due 20 Dec, 36 days later");
    let book = t.get("/api/v1/reports/aging").await.ok();
    assert_eq!(book.body["total"]["total"], usd("270.00"));
}

async fn dunning_skips_the_disputed_amount(t: TestApp) {
    let w = t.world().await;
    let inv = invoices(&t, &w, &["100.00", "100.00", "100.00"]).await;
    for (i, amount) in [(0, None), (1, Some("100.00")), (2, Some("40.00"))] {
        let Some(a) = amount else { continue };
        let _ = i;
        t.post(
            "/api/v1/disputes",
            json!({"invoice_id": inv[i], "reason": "damaged", "amount": usd(a), "message": "crushed"}),
        )
        .await
        .ok();
    }
    // Seven days after the due date (20 Dec): the overdue step.
    t.clock.set(datetime!(2026-12-27 09:00 UTC));
    let pass = t.app.run_dunning().await.expect("dunning");
    assert_eq!((pass.sent, pass.held), (2, 1), "{pass:?}");
    let events = t
        .app
        .store
        .events(aftercart_store::EventFilter::All, 0, 10_000)
        .await
        .expect("events");
    let overdue: Vec<&aftercart_store::EventRow> = events.iter().filter(|e| e.kind == "invoice.overdue").collect();
    let of = |id: &str| {
        overdue
            .iter()
            .find(|e| e.subject_id.to_string() == id)
            .map(|e| serde_json::from_str::<Value>(&e.data).unwrap())
    };
    assert_eq!(of(&inv[0]).expect("undisputed dunned")["open"], "USD 100.00");
    assert!(of(&inv[1]).is_none(), "fully disputed: not dunned");
    assert_eq!(
        of(&inv[2]).expect("partly disputed dunned")["open"],
        "USD 60.00",
        "only the undisputed part"
    );
    // Once per step.
    assert_eq!(t.app.run_dunning().await.expect("dunning").sent, 0);
    // A schedule per account: finance ops set it, nonsense is refused with its field.
    t.put(
        &format!("/api/v1/accounts/{}/dunning", w.account),
        json!({"steps": [{"offset_days": 5, "level": "overdue"}, {"offset_days": 5, "level": "final_notice"}]}),
    )
    .await
    .refused(422, "invalid_value", "steps[1].offset_days");
    t.put(
        &format!("/api/v1/accounts/{}/dunning", w.account),
        json!({"steps": [{"offset_days": 10, "level": "final_notice"}]}),
    )
    .await
    .ok();
    t.clock.set(datetime!(2026-12-31 09:00 UTC));
    assert_eq!(
        t.app.run_dunning().await.expect("dunning").sent,
        2,
        "the new schedule's step"
    );
}

fn validators() -> PathBuf {
    std::env::var("AFTERCART_VALIDATORS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/validators"))
}

/// Validates a UBL document with the UBL 2.1 schema (xmllint) and the EN 16931 rules (Saxon-HE),
/// as ../shared/validators/README.md says; panics with what they report.
fn validate_ubl(xml: &str, credit_note: bool) {
    let dir = std::env::temp_dir().join(format!("aftercart-ubl-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("doc.xml");
    std::fs::write(&f, xml).unwrap();
    let v = validators();
    let xsd = v.join(format!(
        "ubl-2.1/xsd/maindoc/UBL-{}-2.1.xsd",
        if credit_note { "CreditNote" } else { "Invoice" }
    ));
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&f)
        .output()
        .expect("xmllint (libxml2-utils) is missing: run scripts/einvoice-deps.sh");
    assert!(
        out.status.success(),
        "UBL schema: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interchange/tests/en16931.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(v.join("en16931-ubl/EN16931-UBL-validation.xslt"))
        .arg(&f)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "EN 16931: {}{}\n{xml}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Page 1 of a PDF as docs/screenshots/<name>.png (README), with poppler's pdftoppm.
fn screenshot_pdf(pdf: &[u8], name: &str) {
    let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    let tmp = std::env::temp_dir().join(format!("aftercart-shot-{}.pdf", uuid::Uuid::now_v7().simple()));
    std::fs::write(&tmp, pdf).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&tmp)
        .arg(docs.join(name))
        .output()
        .expect("pdftoppm (poppler-utils): run scripts/pdf-deps.sh");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_file(tmp);
}

fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = std::env::temp_dir().join(format!("aftercart-pdf-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("doc.pdf");
    std::fs::write(&f, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&f)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is missing: run scripts/pdf-deps.sh");
    let _ = std::fs::remove_dir_all(dir);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn invoice_documents_pdf_and_validated_ubl(t: TestApp) {
    let w = t.world().await;
    t.put(
        "/api/v1/seller-profile",
        json!({"legal_name": "Northwind Supply GmbH", "address": {"lines": ["Hafenstrasse 12"], "city": "Hamburg", "postal_code": "20457", "country": "DE"},
               "tax_id": "DE123456789", "einvoice_scheme": "9930", "einvoice_id": "DE123456789", "email": "ar@northwind.example",
               "bank_name": "Hamburger Bank", "account_name": "Northwind Supply GmbH", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}),
    )
    .await
    .ok();
    // Customers need a Peppol address before an e-invoice can be written.
    let order = t.order(&w, 10, 4).await.id();
    let rates = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-20",
                   "lines": [{"order_id": order, "order_line": 1, "quantity": 3, "unit_price": usd("11.75"), "tax_rate": "20"},
                             {"order_id": order, "order_line": 2, "quantity": 2, "unit_price": usd("32.50"), "tax_rate": "7"},
                             {"order_id": order, "order_line": 2, "quantity": 1, "unit_price": usd("9.99"), "tax_rate": "0"}]}),
        )
        .await
        .ok();
    let rid = rates.id();
    assert_eq!(
        rates.body["tax"],
        usd("11.60"),
        "7.05 + 4.55, each rate rounded: {}",
        rates.body
    );
    let r = t.download(&format!("/api/v1/invoices/{rid}/ubl"), None).await;
    assert_eq!(r.0, 409, "no Peppol address for the buyer yet");
    t.put(
        &format!("/api/v1/accounts/{}/einvoicing", w.account),
        json!({"scheme": "0088", "id": "4012345000009", "buyer_reference": "PO-7781"}),
    )
    .await
    .ok();
    let (status, h, xml) = t.download(&format!("/api/v1/invoices/{rid}/ubl"), None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&xml));
    assert_eq!(
        h.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/xml")
    );
    let xml = String::from_utf8(xml).unwrap();
    validate_ubl(&xml, false);
    // Peppol rules the validators do not check: endpoint ids with their scheme, a buyer
    // reference, the BIS 3 customization.
    for want in [
        r#"<cbc:EndpointID schemeID="9930">DE123456789</cbc:EndpointID>"#,
        r#"<cbc:EndpointID schemeID="0088">4012345000009</cbc:EndpointID>"#,
        "<cbc:BuyerReference>PO-7781</cbc:BuyerReference>",
        "urn:fdc:peppol.eu:2017:poacc:billing:3.0",
    ] {
        assert!(xml.contains(want), "{want} in {xml}");
    }

    // Freight at its own rate.
    let freight = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-21",
                   "lines": [{"order_id": order, "order_line": 1, "quantity": 5, "unit_price": usd("11.75"), "tax_rate": "19"}],
                   "freight": usd("15.00"), "freight_tax_rate": "19"}),
        )
        .await
        .ok();
    let fid = freight.id();
    let (_, _, xml) = t.download(&format!("/api/v1/invoices/{fid}/ubl"), None).await;
    let xml = String::from_utf8(xml).unwrap();
    validate_ubl(&xml, false);
    assert!(xml.contains("<cbc:ChargeIndicator>true</cbc:ChargeIndicator>"), "{xml}");

    // A credit note naming the invoice it credits.
    let memo = t
        .post(
            "/api/v1/credit-memos",
            json!({"account_id": w.account, "invoice_id": fid, "amount": usd("11.90"), "reason": "One box damaged"}),
        )
        .await
        .ok()
        .id();
    let (status, _, xml) = t.download(&format!("/api/v1/credit-memos/{memo}/ubl"), None).await;
    let xml = String::from_utf8(xml).unwrap();
    assert_eq!(status, 200, "{xml}");
    validate_ubl(&xml, true);
    assert!(xml.contains("<cac:BillingReference>"), "{xml}");

    // The PDF a customer files: lines, totals, the remittance reference.
    let (status, _, pdf) = t.download(&format!("/api/v1/invoices/{rid}/pdf"), None).await;
    assert_eq!(status, 200);
    let text = pdf_text(&pdf);
    if std::env::var("AFTERCART_SCREENSHOTS").as_deref() == Ok("1") {
        screenshot_pdf(&pdf, "invoice-pdf");
    }
    let number = rates.body["number"].as_str().unwrap();
    let reference = aftercart_domain::receivables::remittance::grouped(
        &aftercart_domain::receivables::remittance::rf_reference(number).unwrap(),
    );
    for want in [
        "GLV-NIT-M",
        "TWL-C-12",
        "Tax 20 %",
        "Tax 7 %",
        "USD 121.84",
        number,
        reference.as_str(),
        "DE89 3704 0044 0532 0130 00",
        "SO-",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
}

async fn autopay_pays_what_falls_due_up_to_its_maximum(t: TestApp) {
    let w = t.world().await;
    // Due 20 Dec (net 30 from 20 Nov): three invoices, one disputed in part.
    let inv = invoices(&t, &w, &["100.00", "150.00", "400.00"]).await;
    t.post(
        "/api/v1/disputes",
        json!({"invoice_id": inv[1], "reason": "damaged", "amount": usd("50.00"), "message": "one case crushed"}),
    )
    .await
    .ok();
    let fin = finance(&t, &w).await;
    let card = add_method(&t, &w, &fin, "pm_card_visa").await;
    let path = format!("/api/v1/accounts/{}/autopay", w.account);
    let auth = [("authorization", fin.as_str())];
    t.request(
        axum::http::Method::PUT,
        &path,
        Some(&json!({"method_id": card, "days_before_due": 45, "max_amount": usd("300.00"), "enabled": true})),
        &auth,
    )
    .await
    .refused(422, "invalid_value", "days_before_due");
    t.request(
        axum::http::Method::PUT,
        &path,
        Some(&json!({"method_id": card, "days_before_due": 5, "max_amount": usd("300.00"), "enabled": true})),
        &auth,
    )
    .await
    .ok();
    // Ten days before the due date: outside the 5-day window, nothing is paid.
    t.clock.set(datetime!(2026-12-10 08:00 UTC));
    assert!(t.app.run_autopay().await.expect("autopay").is_empty());
    // Four days before: 100.00 and the undisputed 100.00 fit under 300.00; 400.00 does not.
    t.clock.set(datetime!(2026-12-16 08:00 UTC));
    let made = t.app.run_autopay().await.expect("autopay");
    assert_eq!(made.len(), 1);
    assert!(made[0].value.autopay);
    assert_eq!(made[0].value.state.as_str(), "succeeded");
    assert_eq!(balance(&t, &inv[0]).await, usd("0.00"));
    assert_eq!(balance(&t, &inv[1]).await, usd("50.00"), "the disputed part is left");
    assert_eq!(balance(&t, &inv[2]).await, usd("400.00"), "over the maximum");
    // Switched off, nothing more.
    t.request(axum::http::Method::DELETE, &path, None, &auth).await.ok();
    assert!(t.app.run_autopay().await.expect("autopay").is_empty());
}

/// The open book is read in store pages (1,000 rows each): with 1,050 open invoices, a receipt
/// for one of the oldest (on the second page) is applied by its reference, and the book's aging
/// counts every invoice. Asking the store for more than a page once read only the first.
async fn cash_and_aging_read_the_whole_book_past_one_page(t: TestApp) {
    use aftercart_app::{Ctx, InvoiceLineInput, IssueInvoice};
    use aftercart_domain::ids::{AccountId, OrderId};
    use aftercart_domain::{Currency, Money, Qty};
    use uuid::Uuid;

    const N: usize = 1050;
    let w = t.world().await;
    let order = t.order(&w, 10, 1).await.id();
    let usd_c = Currency::parse("USD", "currency").unwrap();
    let ctx = Ctx::system();
    let mut numbers = Vec::new();
    let mut batch = Vec::new();
    for i in 0..N {
        let input = IssueInvoice {
            account_id: AccountId(Uuid::parse_str(&w.account).unwrap()),
            number: Some(format!("BULK-{i:05}")),
            currency: usd_c,
            issued_on: Some(time::macros::date!(2026 - 11 - 20)),
            lines: vec![InvoiceLineInput {
                order_id: OrderId(Uuid::parse_str(&order).unwrap()),
                order_line: 2,
                shipment_id: None,
                quantity: Qty::new(1),
                // Distinct amounts, so no receipt below matches by amount alone.
                unit_price: Money::from_minor(10_000 + i as i64, usd_c),
                tax_rate_bp: None,
            }],
            tax: Some(Money::zero(usd_c)),
            freight: Money::zero(usd_c),
            freight_tax_rate_bp: None,
        };
        let p = t.app.plan_issue_invoice(&ctx, &input).await.expect("plan invoice");
        numbers.push(p.value.value.number.clone());
        batch.push(p.commit);
        if batch.len() == 150 {
            t.app
                .store
                .commit_all(std::mem::take(&mut batch))
                .await
                .expect("commit invoices");
        }
    }
    t.app.store.commit_all(batch).await.expect("commit invoices");

    let aging = t.get("/api/v1/reports/aging").await.ok();
    assert_eq!(aging.body["total"]["invoices"], json!(N), "{}", aging.body["total"]);
    // 1050 × 100.00 + (0 + 1 + … + 1049) cents.
    let open: i64 = (0..N as i64).map(|i| 10_000 + i).sum();
    assert_eq!(
        aging.body["total"]["total"],
        usd(&format!("{}.{:02}", open / 100, open % 100)),
        "{}",
        aging.body["total"]
    );

    // The first invoices issued are the last the newest-first pages reach.
    let rf = aftercart_domain::receivables::remittance::rf_reference(&numbers[0]).expect("rf");
    let csv = format!(
        "date,amount,currency,reference\n2026-11-26,100.00,USD,{rf}\n2026-11-26,100.01,USD,Invoice {}\n",
        numbers[1]
    );
    let imp = t.post("/api/v1/bank-statements", json!({"content": csv})).await;
    assert_eq!(imp.status, 201, "{}", imp.body);
    let applied: Vec<&str> = imp.body["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert_eq!(applied, ["remittance_reference", "invoice_numbers"], "{}", imp.body);
    assert_eq!(imp.body["unapplied"].as_array().map(Vec::len), Some(0));
    let aging = t.get("/api/v1/reports/aging").await.ok();
    assert_eq!(aging.body["total"]["invoices"], json!(N - 2), "{}", aging.body["total"]);
}

both_stores!(
    autopay_pays_what_falls_due_up_to_its_maximum,
    pay_three_invoices_one_partial,
    ach_payment_fails_two_days_later,
    short_pay_opens_a_dispute_that_ends_in_a_credit_memo,
    bank_statement_applies_five_and_queues_one,
    cash_and_aging_read_the_whole_book_past_one_page,
    credit_limit_holds_an_order_until_released,
    statement_closing_balance_is_the_open_items,
    dunning_skips_the_disputed_amount,
    invoice_documents_pdf_and_validated_ubl,
);
