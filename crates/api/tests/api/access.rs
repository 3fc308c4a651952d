//! The access matrix, driven by the OpenAPI document so a new endpoint is covered the moment it
//! exists: every operation refuses a missing or wrong API key with 401 problem+json, except the
//! public health check. (Account-scoped principals extend this matrix in the governance issue.)

use crate::harness::TestApp;
use axum::http::Method;

const PUBLIC: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("post", "/api/v1/session"),
    ("post", "/api/v1/invitations/accept"),
    ("post", "/api/v1/password-resets"),
    ("post", "/api/v1/password-resets/complete"),
    // Authenticated by the provider's signature, not a key (refusals: receivables and isolation).
    ("post", "/api/v1/payments/provider-webhook"),
    // Authenticated by each provider's signature (refusals: carriers).
    ("post", "/api/v1/carriers/{provider}/webhook"),
    // Authenticated by the cXML Sender's shared secret; answered in cXML (refusals: procurement).
    ("post", "/api/v1/punchout/cxml/setup"),
    ("post", "/api/v1/punchout/cxml/order"),
    // Authenticated by the ISA sender id and the link's shared secret; answered in X12 or text
    // (refusals: x12).
    ("post", "/api/v1/edi/x12"),
];

async fn every_endpoint_requires_a_key(t: TestApp) {
    let doc = t.get("/api/v1/openapi.json").await.ok().body;
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for (method, _) in item.as_object().expect("operations") {
            if PUBLIC.contains(&(method.as_str(), path.as_str())) {
                continue;
            }
            // Any id will do: authentication is decided before the resource is looked up.
            let concrete = path
                .split('/')
                .map(|seg| {
                    if seg == "{line}" {
                        "1".to_owned()
                    } else if seg.starts_with('{') {
                        uuid::Uuid::now_v7().to_string()
                    } else {
                        seg.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let body = (m != Method::GET).then(|| serde_json::json!({}));
            for auth in [None, Some("Bearer not-a-valid-key")] {
                let headers: Vec<(&str, &str)> = auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
                let mut r = if auth.is_none() {
                    // The harness adds the valid key unless an authorization header is given;
                    // an empty bearer token stands for "no key".
                    t.request(m.clone(), &concrete, body.as_ref(), &[("authorization", "")])
                        .await
                } else {
                    t.request(m.clone(), &concrete, body.as_ref(), &headers).await
                };
                r.body["path"] = serde_json::Value::String(format!("{method} {concrete}"));
                r.refused(401, "unauthenticated", "");
            }
            checked += 1;
        }
    }
    assert!(checked >= 45, "the matrix covered {checked} operations");
    let health = t.request(Method::GET, "/healthz", None, &[("authorization", "")]).await;
    assert_eq!(health.status, 200, "the health check is public");
}

/// The authorisation table names an action for every documented operation; a new endpoint
/// without a rule fails here (and is refused at run time).
#[test]
fn every_operation_has_an_access_rule() {
    let doc = serde_json::to_value(aftercart_api::openapi()).expect("openapi");
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("operations") {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            if aftercart_api::access::action(&m, path).is_none() {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "operations without an access rule: {missing:?}");
}

both_stores!(every_endpoint_requires_a_key);
