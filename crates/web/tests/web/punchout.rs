//! The punchout pages: an SAP OCI call opens the catalogue (no sign-in: the call's credentials,
//! then the session's token), the buyer fills a cart at the account's prices — a bad quantity
//! re-renders with the error beside its field —, and the cart goes back in a page that posts it
//! to the SRM under its own Content-Security-Policy.

use crate::both_stores;
use crate::harness::{Session, TestWeb};
use aftercart_app::{Ctx, LinkInput};
use axum::http::{Method, StatusCode};

const USER: &str = "NW-SRM";
const PASSWORD: &str = "srm shared secret 2026";
const HOOK: &str = "https://srm.northwind.example/sap/bc/gui/sap/its/bbpstart";

async fn oci_link(t: &TestWeb) {
    let nw = t.northwind().await;
    let ctx = Ctx::system();
    let input = LinkInput {
        oci_username: Some(USER.into()),
        shared_secret: Some(PASSWORD.into()),
        ..LinkInput::default()
    };
    t.app
        .run(&ctx, || t.app.plan_create_procurement_link(&ctx, nw.id, &input))
        .await
        .expect("link");
}

fn oci_call(password: &str, extra: &str) -> String {
    let q = serde_urlencoded::to_string([
        ("HOOK_URL", HOOK),
        ("USERNAME", USER),
        ("PASSWORD", password),
        ("~TARGET", "_top"),
        ("~OkCode", "ADDI"),
    ])
    .expect("query");
    format!("/punchout/oci?{q}{extra}")
}

/// Opens a session through the OCI call; returns the catalogue's path.
async fn open(t: &TestWeb) -> String {
    let p = t.get(&oci_call(PASSWORD, ""), &Session::default()).await;
    assert!(p.status.is_redirection(), "{} {}", p.status, p.body);
    let loc = p.location().to_owned();
    let path = &loc[loc.find("/punchout/").expect("a punchout URL")..];
    assert_eq!(path.len(), "/punchout/".len() + 64, "{loc}");
    path.to_owned()
}

async fn oci_call_opens_the_catalogue_and_returns_the_cart(t: TestWeb) {
    oci_link(&t).await;
    let public = Session::default();
    let path = open(&t).await;
    let page = t.get(&path, &public).await.ok();
    let rows = page.texts("table tbody tr");
    assert!(!rows.is_empty(), "the catalogue lists products");
    let product = page.attrs("input[name=product_id]", "value")[0].clone();

    // A bad quantity: the catalogue again, the error beside that product's field; cart empty.
    let bad = t
        .post(
            &format!("{path}/cart"),
            &public,
            &[("product_id", &product), ("quantity", "two")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let err = bad
        .field_error(&format!("qty-{product}"))
        .expect("error beside the field");
    assert!(err.contains("whole number"), "{err}");
    assert!(!bad.error_summary().is_empty());

    let ok = t
        .post(
            &format!("{path}/cart"),
            &public,
            &[("product_id", &product), ("quantity", "3")],
        )
        .await;
    assert!(ok.status.is_redirection(), "{} {}", ok.status, ok.body);
    let page = t.get(&path, &public).await.ok();
    assert!(
        page.text("section[aria-labelledby=cart] tbody").contains('3'),
        "the cart shows the line: {}",
        page.text("section[aria-labelledby=cart]")
    );

    // A form from another site is refused and changes nothing.
    let cross = t
        .send(
            Method::POST,
            &format!("{path}/return"),
            Some(String::new()),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);

    // Back to the SRM: a page that posts NEW_ITEM fields to the hook, allowed by its own CSP.
    let back = t.post(&format!("{path}/return"), &public, &[]).await.ok();
    let csp = back.header("content-security-policy");
    assert!(csp.contains("form-action https://srm.northwind.example"), "{csp}");
    assert_eq!(back.attrs("form", "action"), vec![HOOK.to_owned()]);
    assert_eq!(back.attrs("form", "target"), vec!["_top".to_owned()]);
    let names = back.attrs("form input", "name");
    assert!(names.contains(&"NEW_ITEM-QUANTITY[1]".to_owned()), "{names:?}");
    let qty = back.attrs("input[name='NEW_ITEM-QUANTITY[1]']", "value");
    assert_eq!(qty.len(), 1);
    assert_eq!(qty[0].trim().parse::<f64>().ok(), Some(3.0), "{qty:?}");

    // The session is over: its catalogue is gone.
    assert_eq!(t.get(&path, &public).await.status, StatusCode::NOT_FOUND);
}

async fn bad_oci_calls_are_refused_without_saying_which_part(t: TestWeb) {
    oci_link(&t).await;
    let public = Session::default();
    let wrong = t.get(&oci_call("not the password at all", ""), &public).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = t
        .get(&oci_call(PASSWORD, "").replace(USER, "SOMEONE-ELSE"), &public)
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.text("main"), unknown.text("main"), "one answer for either part");
    // Without HOOK_URL: the page names what is missing.
    let incomplete = t.get("/punchout/oci?USERNAME=NW-SRM", &public).await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        incomplete.text("main").contains("HOOK_URL"),
        "{}",
        incomplete.text("main")
    );
    // A made-up token opens nothing.
    let nothing = t.get(&format!("/punchout/{}", "ab".repeat(32)), &public).await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);
}

both_stores!(
    oci_call_opens_the_catalogue_and_returns_the_cart,
    bad_oci_calls_are_refused_without_saying_which_part,
);
