//! Saved lists: replace (`PUT`, If-Match required) and delete (`DELETE`, If-Match required),
//! on both stores: stale versions are 412, another account's list is 404, bad lines are 422
//! naming the field, and a refusal changes nothing.

use crate::harness::{TestApp, World, usd};
use axum::http::Method;
use serde_json::{Value, json};

/// A customer user's API key: invited by staff, accepted, keyed.
async fn customer_key(t: &TestApp, email: &str, account: &str, roles: &[&str]) -> String {
    t.customer_user(account, email, email, roles, json!({"kind": "all"}))
        .await
        .1
}

async fn weekly(t: &TestApp, w: &World) -> String {
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "Weekly clinic supplies", "lines": [
            {"sku": "GLV-NIT-M", "quantity": 5, "ship_to": w.clinic, "cost_centre": "CC-CLN"},
            {"product_id": w.towels, "quantity": 2, "ship_to": w.store}
        ]}),
    )
    .await
    .ok()
    .id()
}

fn kinds(tl: &Value) -> Vec<String> {
    tl["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn put(t: &TestApp, path: &str, body: Value, headers: &[(&str, &str)]) -> crate::harness::Resp {
    t.request(Method::PUT, path, Some(&body), headers).await
}

async fn replace_a_list_with_if_match(t: TestApp) {
    let w = t.world().await;
    let id = weekly(&t, &w).await;
    let path = format!("/api/v1/saved-lists/{id}");
    // The towels got cheaper since the list was saved; the kept towel line keeps its old price.
    t.put(
        &format!("/api/v1/accounts/{}/contract-prices/{}", w.account, w.towels),
        json!({"unit_price": usd("30.00")}),
    )
    .await
    .ok();
    let r = put(
        &t,
        &path,
        json!({"name": "Clinic, every Monday", "lines": [
            {"product_id": w.towels, "quantity": 4, "ship_to": w.store},
            {"sku": "GLV-NIT-M", "quantity": 10, "ship_to": w.dock}
        ]}),
        &[("if-match", "\"v1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.etag(), "\"v2\"");
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["name"], "Clinic, every Monday");
    assert_eq!(r.body["lines"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["lines"][0]["sku"], "TWL-C-12");
    assert_eq!(r.body["lines"][0]["quantity"], 4);
    assert_eq!(r.body["lines"][0]["unit_price_when_saved"], usd("32.50"));
    assert_eq!(r.body["lines"][1]["ship_to"], w.dock.as_str());
    assert_eq!(r.body["lines"][1]["quantity"], 10);
    assert_eq!(r.body["lines"][1]["cost_centre"], Value::Null);

    let got = t.get(&path).await.ok();
    assert_eq!(got.etag(), "\"v2\"");
    assert_eq!(got.body["name"], "Clinic, every Monday");
    assert_eq!(got.body["lines"][1]["quantity"], 10);
    // The reorder preview still says what changed since the line was first saved.
    let p = t.get(&format!("{path}/reorder")).await.ok();
    assert_eq!(p.body["lines"][0]["change"], "price_changed");
    assert_eq!(p.body["lines"][0]["note"], "price went from USD 32.50 to USD 30.00");

    let tl = t.get(&format!("/api/v1/accounts/{}/timeline", w.account)).await.ok();
    assert!(
        kinds(&tl.body).contains(&"saved_list.updated".to_owned()),
        "{}",
        tl.body
    );
}

async fn a_stale_or_missing_if_match_changes_nothing(t: TestApp) {
    let w = t.world().await;
    let id = weekly(&t, &w).await;
    let path = format!("/api/v1/saved-lists/{id}");
    let body = json!({"name": "Renamed", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    put(&t, &path, body.clone(), &[("if-match", "\"v1\"")]).await.ok();
    // Someone else's change came first: the old ETag is refused.
    put(
        &t,
        &path,
        json!({"name": "Mine", "lines": [{"sku": "GLV-NIT-M", "quantity": 9, "ship_to": w.dock}]}),
        &[("if-match", "\"v1\"")],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");
    t.request(Method::DELETE, &path, None, &[("if-match", "\"v1\"")])
        .await
        .refused(412, "precondition_failed", "If-Match");
    // Without If-Match: 428, naming the header.
    put(&t, &path, body.clone(), &[])
        .await
        .refused(428, "precondition_required", "If-Match");
    t.request(Method::DELETE, &path, None, &[])
        .await
        .refused(428, "precondition_required", "If-Match");
    let got = t.get(&path).await.ok();
    assert_eq!(got.etag(), "\"v2\"");
    assert_eq!(got.body["name"], "Renamed");
    assert_eq!(got.body["lines"][0]["quantity"], 1);
}

async fn delete_then_it_is_gone(t: TestApp) {
    let w = t.world().await;
    let id = weekly(&t, &w).await;
    let keep = t
        .post(
            "/api/v1/saved-lists",
            json!({"account_id": w.account, "name": "Keep me", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]}),
        )
        .await
        .ok()
        .id();
    let path = format!("/api/v1/saved-lists/{id}");
    let r = t.request(Method::DELETE, &path, None, &[("if-match", "\"v1\"")]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    t.get(&path).await.refused(404, "not_found", "");
    t.get(&format!("{path}/reorder")).await.refused(404, "not_found", "");
    t.post(&format!("{path}/reorder"), json!({}))
        .await
        .refused(404, "not_found", "");
    put(
        &t,
        &path,
        json!({"name": "Back", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]}),
        &[("if-match", "*")],
    )
    .await
    .refused(404, "not_found", "");
    t.request(Method::DELETE, &path, None, &[("if-match", "*")])
        .await
        .refused(404, "not_found", "");
    let all = t
        .get(&format!("/api/v1/saved-lists?account_id={}", w.account))
        .await
        .ok();
    let ids: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![keep.as_str()]);
    let tl = t.get(&format!("/api/v1/accounts/{}/timeline", w.account)).await.ok();
    assert!(
        kinds(&tl.body).contains(&"saved_list.deleted".to_owned()),
        "{}",
        tl.body
    );
}

async fn another_accounts_list_is_not_found(t: TestApp) {
    let w = t.world().await;
    let id = weekly(&t, &w).await;
    let path = format!("/api/v1/saved-lists/{id}");
    let contoso = customer_key(&t, "buyer@contoso.test", &w.other_account, &["buyer"]).await;
    let auth = [("authorization", contoso.as_str()), ("if-match", "\"v1\"")];
    put(
        &t,
        &path,
        json!({"name": "Mine now", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.other_ship_to}]}),
        &auth,
    )
    .await
    .refused(404, "not_found", "");
    // Even without If-Match it is a 404, not a 428: nothing says the list exists.
    put(
        &t,
        &path,
        json!({"name": "Mine now", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.other_ship_to}]}),
        &auth[..1],
    )
    .await
    .refused(404, "not_found", "");
    t.request(Method::DELETE, &path, None, &auth)
        .await
        .refused(404, "not_found", "");
    t.request(Method::DELETE, &path, None, &auth[..1])
        .await
        .refused(404, "not_found", "");
    // A viewer of the owning account may read but not change it.
    let viewer = customer_key(&t, "viewer@northwind.test", &w.account, &["viewer"]).await;
    t.request(
        Method::DELETE,
        &path,
        None,
        &[("authorization", &viewer), ("if-match", "\"v1\"")],
    )
    .await
    .refused(403, "forbidden", "");
    let got = t.get(&path).await.ok();
    assert_eq!(got.etag(), "\"v1\"");
    assert_eq!(got.body["name"], "Weekly clinic supplies");
}

async fn bad_lines_name_the_field_and_nothing_is_written(t: TestApp) {
    let w = t.world().await;
    let id = weekly(&t, &w).await;
    let path = format!("/api/v1/saved-lists/{id}");
    let im = [("if-match", "\"v1\"")];
    let line = |extra: Value| {
        let mut l = json!({"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock});
        for (k, v) in extra.as_object().unwrap() {
            l[k] = v.clone();
        }
        l
    };
    let ok = line(json!({}));
    let cases = [
        (
            json!([ok, ok, line(json!({"quantity": 0}))]),
            "invalid_quantity",
            "lines[2].quantity",
        ),
        (
            json!([ok, line(json!({"quantity": -3}))]),
            "invalid_quantity",
            "lines[1].quantity",
        ),
        (
            json!([line(json!({"sku": "NO-SUCH"}))]),
            "unknown_reference",
            "lines[0].sku",
        ),
        (
            json!([ok, line(json!({"ship_to": w.other_ship_to}))]),
            "foreign_account",
            "lines[1].ship_to",
        ),
        (
            json!([line(json!({"ship_to": w.bill_to}))]),
            "invalid_value",
            "lines[0].ship_to",
        ),
        (json!([]), "invalid_value", "lines"),
    ];
    for (lines, code, field) in cases {
        put(&t, &path, json!({"name": "Changed", "lines": lines}), &im)
            .await
            .refused(422, code, field);
    }
    put(&t, &path, json!({"name": "  ", "lines": [ok]}), &im)
        .await
        .refused(422, "invalid_value", "name");
    put(
        &t,
        &path,
        json!({"name": "x", "lines": [ok], "account_id": w.other_account}),
        &im,
    )
    .await
    .refused(422, "invalid_value", "account_id");
    // A discontinued product cannot be put on a list.
    let old = t
        .post(
            "/api/v1/products",
            json!({"sku": "OLD-9", "name": "Retired widget", "list_price": usd("1.00")}),
        )
        .await
        .ok()
        .id();
    t.post(&format!("/api/v1/products/{old}/discontinue"), json!({}))
        .await
        .ok();
    put(
        &t,
        &path,
        json!({"name": "x", "lines": [ok, line(json!({"sku": "OLD-9"}))]}),
        &im,
    )
    .await
    .refused(409, "invalid_state", "lines[1].sku");
    let got = t.get(&path).await.ok();
    assert_eq!(got.etag(), "\"v1\"", "nothing half-written");
    assert_eq!(got.body["name"], "Weekly clinic supplies");
    assert_eq!(got.body["lines"].as_array().unwrap().len(), 2);
    assert_eq!(got.body["lines"][0]["quantity"], 5);
    let tl = t.get(&format!("/api/v1/accounts/{}/timeline", w.account)).await.ok();
    assert!(!kinds(&tl.body).contains(&"saved_list.updated".to_owned()));
}

both_stores!(
    replace_a_list_with_if_match,
    a_stale_or_missing_if_match_changes_nothing,
    delete_then_it_is_gone,
    another_accounts_list_is_not_found,
    bad_lines_name_the_field_and_nothing_is_written,
);
