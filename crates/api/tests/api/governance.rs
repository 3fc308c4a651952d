//! Governance scenarios from the issue, through the HTTP API on both stores: approvals in
//! sequence with a delegate, rejection holding an order from fulfilment, budget impact shown to
//! the approver, reminders and escalation, and self-service user management.

use crate::harness::{TestApp, World, usd};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple 42";

struct Person {
    id: String,
    key: String,
}

impl TestApp {
    /// Invites a customer user of the World's account, activates them and gives them an API key.
    async fn person(&self, w: &World, name: &str, roles: &[&str]) -> Person {
        let email = format!("{}@northwind.example", name.to_lowercase().replace(' ', "."));
        let (id, bearer) = self
            .customer_user(&w.account, &email, name, roles, json!({"kind": "all"}))
            .await;
        Person {
            id,
            key: bearer.trim_start_matches("Bearer ").to_owned(),
        }
    }

    async fn as_(
        &self,
        p: &Person,
        method: axum::http::Method,
        path: &str,
        body: Option<Value>,
    ) -> crate::harness::Resp {
        let auth = format!("Bearer {}", p.key);
        self.request(method, path, body.as_ref(), &[("authorization", &auth)])
            .await
    }
}

use axum::http::Method;

fn big_order(w: &World) -> Value {
    // 50 × 11.75 (contract) = 587.50, over the 500.00 threshold.
    json!({"account_id": w.account, "lines": [{"product_id": w.gloves, "quantity": 50, "ship_to": w.dock, "cost_centre": "CC-ER"}]})
}

async fn approvals_in_sequence_with_a_delegate(t: TestApp) {
    let w = t.world().await;
    let buyer = t.person(&w, "Bea Buyer", &["buyer"]).await;
    let first = t.person(&w, "Ana Approver", &["approver"]).await;
    let second = t.person(&w, "Carl Controller", &["approver"]).await;
    let deputy = t.person(&w, "Dee Deputy", &["approver"]).await;
    let admin = t.person(&w, "Adam Admin", &["account_admin"]).await;

    // The account admin sets the company's own policy: over 500, an approver then the controller.
    let policy = json!({"rules": [{"name": "Orders over USD 500", "condition": {"kind": "order_total_over", "amount": usd("500.00")},
                        "levels": [{"kind": "role"}, {"kind": "user", "user_id": second.id}]}],
                        "remind_after_hours": 24, "escalate_after_hours": 48});
    t.as_(
        &admin,
        Method::PUT,
        &format!("/api/v1/accounts/{}/approval-policy", w.account),
        Some(policy),
    )
    .await
    .ok();
    // A budget the order would exceed; the approver sees it before deciding.
    t.as_(&admin, Method::POST, &format!("/api/v1/accounts/{}/budgets", w.account),
        Some(json!({"dimension": "cost_centre", "value": "CC-ER", "period": "month", "starts_on": "2026-11-01", "amount": usd("400.00")})))
        .await
        .ok();

    let order = t
        .as_(&buyer, Method::POST, "/api/v1/orders", Some(big_order(&w)))
        .await
        .ok();
    let oid = order.id();
    assert_eq!(order.body["status"], "awaiting_approval");
    let got = t.get(&format!("/api/v1/orders/{oid}")).await.ok();
    assert_eq!(got.body["lines"].as_array().unwrap().len(), 1);
    // Held from fulfilment while waiting.
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 50}),
    )
    .await
    .refused(409, "invalid_state", "approval");
    let list = t
        .get(&format!(
            "/api/v1/orders?account_id={}&status=awaiting_approval",
            w.account
        ))
        .await
        .ok();
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    let ap = t
        .as_(&first, Method::GET, &format!("/api/v1/orders/{oid}/approvals"), None)
        .await
        .ok();
    assert_eq!(ap.body["state"], "pending");
    assert_eq!(ap.body["steps"].as_array().unwrap().len(), 2);
    assert!(
        ap.body["steps"][0]["reason"].as_str().unwrap().contains("500"),
        "{}",
        ap.body
    );
    assert_eq!(ap.body["budget_impact"][0]["would_exceed"], true, "{}", ap.body);
    assert_eq!(ap.body["budget_impact"][0]["order_amount"], usd("587.50"));

    // The buyer cannot approve their own order; the controller cannot skip level 1.
    let own = t
        .as_(
            &buyer,
            Method::POST,
            &format!("/api/v1/orders/{oid}/approvals/decision"),
            Some(json!({"approve": true})),
        )
        .await;
    assert_eq!(own.status.as_u16(), 403, "buyers lack the approve role: {}", own.body);
    let l1 = t
        .as_(
            &first,
            Method::POST,
            &format!("/api/v1/orders/{oid}/approvals/decision"),
            Some(json!({"approve": true, "comment": "within policy"})),
        )
        .await;
    assert_eq!(l1.status.as_u16(), 200, "level 1 is any approver: {}", l1.body);
    // Level 2 names Carl; Dee is not Carl.
    let not_carl = t
        .as_(
            &deputy,
            Method::POST,
            &format!("/api/v1/orders/{oid}/approvals/decision"),
            Some(json!({"approve": true})),
        )
        .await;
    assert!(not_carl.status.is_client_error(), "{}", not_carl.body);
    // Carl is away and delegates to Dee, who then approves on his behalf.
    t.as_(
        &second,
        Method::POST,
        &format!("/api/v1/accounts/{}/delegations", w.account),
        Some(json!({"from": second.id, "to": deputy.id, "from_date": "2026-11-20", "until": "2026-11-30"})),
    )
    .await
    .ok();
    t.as_(
        &deputy,
        Method::POST,
        &format!("/api/v1/orders/{oid}/approvals/decision"),
        Some(json!({"approve": true, "comment": "ok while Carl is out"})),
    )
    .await
    .ok();
    let ap = t
        .as_(&first, Method::GET, &format!("/api/v1/orders/{oid}/approvals"), None)
        .await
        .ok();
    assert_eq!(ap.body["state"], "approved", "{}", ap.body);
    assert_eq!(ap.body["steps"][0]["decision"]["by_name"], "Ana Approver");
    assert_eq!(ap.body["steps"][0]["decision"]["comment"], "within policy");
    assert_eq!(ap.body["steps"][1]["decision"]["by_name"], "Dee Deputy");
    assert_eq!(ap.body["steps"][1]["decision"]["on_behalf_of"], second.id);
    assert_eq!(ap.body["steps"][1]["decision"]["comment"], "ok while Carl is out");
    // Released: fulfilment proceeds, and the timeline says who did what.
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 50}),
    )
    .await
    .ok();
    let tl = t.get(&format!("/api/v1/orders/{oid}/timeline")).await.ok();
    let kinds: Vec<&str> = tl.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "order.placed",
            "approval.requested",
            "approval.approved",
            "approval.approved",
            "order.released",
            "line.allocated"
        ]
    );
    assert_eq!(tl.body["items"][0]["actor"]["name"], "Bea Buyer");
}

async fn rejected_order_never_reaches_fulfilment(t: TestApp) {
    let w = t.world().await;
    let buyer = t.person(&w, "Bea Buyer", &["buyer"]).await;
    let approver = t.person(&w, "Ana Approver", &["approver"]).await;
    let policy = json!({"rules": [{"name": "Safety category", "condition": {"kind": "category", "value": "safety"}, "levels": [{"kind": "role"}]}],
                        "remind_after_hours": 24, "escalate_after_hours": 48});
    t.put(&format!("/api/v1/accounts/{}/approval-policy", w.account), policy)
        .await
        .ok();
    let oid = t
        .as_(&buyer, Method::POST, "/api/v1/orders", Some(big_order(&w)))
        .await
        .ok()
        .id();
    let decide = format!("/api/v1/orders/{oid}/approvals/decision");
    t.as_(&approver, Method::POST, &decide, Some(json!({"approve": false})))
        .await
        .refused(422, "invalid_value", "comment");
    t.as_(
        &approver,
        Method::POST,
        &decide,
        Some(json!({"approve": false, "comment": "use the framework contract"})),
    )
    .await
    .ok();
    let alloc = json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 1});
    t.post(&format!("/api/v1/orders/{oid}/allocations"), alloc)
        .await
        .refused(409, "invalid_state", "approval");
    t.post("/api/v1/shipments", json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock, "lines": [{"line": 1, "quantity": 1}], "carrier": "UPS"}))
        .await
        .refused(409, "invalid_state", "approval");
    let o = t
        .get(&format!("/api/v1/orders?account_id={}&status=rejected", w.account))
        .await
        .ok();
    assert_eq!(o.body["items"][0]["id"], oid.as_str());
    // A second decision on a finished workflow is refused.
    t.as_(&approver, Method::POST, &decide, Some(json!({"approve": true})))
        .await
        .refused(409, "invalid_state", "approval");
}

async fn reminders_then_escalation(t: TestApp) {
    let w = t.world().await;
    let buyer = t.person(&w, "Bea Buyer", &["buyer"]).await;
    let policy = json!({"rules": [{"name": "Big", "condition": {"kind": "order_total_over", "amount": usd("100.00")}, "levels": [{"kind": "role"}]}],
                        "remind_after_hours": 24, "escalate_after_hours": 48});
    t.put(&format!("/api/v1/accounts/{}/approval-policy", w.account), policy)
        .await
        .ok();
    let oid = t
        .as_(&buyer, Method::POST, "/api/v1/orders", Some(big_order(&w)))
        .await
        .ok()
        .id();
    assert_eq!(
        t.app.run_approval_reminders().await.expect("run"),
        0,
        "nothing is due yet"
    );
    t.clock.advance(time::Duration::hours(25));
    assert_eq!(t.app.run_approval_reminders().await.expect("run"), 1);
    assert_eq!(
        t.app.run_approval_reminders().await.expect("run"),
        0,
        "a reminder is not repeated at once"
    );
    t.clock.advance(time::Duration::hours(24));
    let n = t.app.run_approval_reminders().await.expect("run");
    assert!(n >= 1, "escalation (and a second reminder) after 49 hours");
    let tl = t.get(&format!("/api/v1/orders/{oid}/timeline")).await.ok();
    let kinds: Vec<&str> = tl.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"approval.reminder_sent") && kinds.contains(&"approval.escalated"),
        "{kinds:?}"
    );
}

async fn policy_and_user_refusals(t: TestApp) {
    let w = t.world().await;
    let path = format!("/api/v1/accounts/{}/approval-policy", w.account);
    // Approver of another account.
    let stranger = t
        .post("/api/v1/users", json!({"email": "x@contoso.example", "name": "X", "type": "customer", "account_id": w.other_account, "roles": ["approver"]}))
        .await
        .ok();
    let sid = stranger.body["user"]["id"].as_str().unwrap();
    let rule = |levels: Value| json!({"rules": [{"name": "Big", "condition": {"kind": "order_total_over", "amount": usd("100.00")}, "levels": levels}]});
    t.put(&path, rule(json!([{"kind": "user", "user_id": sid}])))
        .await
        .refused(422, "unknown_reference", "rules[0].levels[0]");
    // Overlapping rules.
    let overlapping = json!({"rules": [
        {"name": "A", "condition": {"kind": "category", "value": "safety"}, "levels": [{"kind": "role"}]},
        {"name": "B", "condition": {"kind": "category", "value": "safety"}, "levels": [{"kind": "role"}]}]});
    let r = t.put(&path, overlapping).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "invalid_value"), "{}", r.body);
    assert_eq!(
        t.get(&path).await.ok().body["rules"].as_array().unwrap().len(),
        0,
        "nothing was saved"
    );
    // Unknown role, weak password.
    let r = t.post("/api/v1/users", json!({"email": "y@northwind.example", "name": "Y", "type": "customer", "account_id": w.account, "roles": ["overlord"]})).await;
    r.refused(422, "invalid_value", "roles[0]");
    let inv = t
        .post("/api/v1/users", json!({"email": "z@northwind.example", "name": "Z", "type": "customer", "account_id": w.account, "roles": ["viewer"]}))
        .await
        .ok();
    let token = inv.body["invitation_token"].as_str().unwrap();
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": token, "password": "short"}),
    )
    .await
    .refused(422, "invalid_value", "password");
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": "inv_nope", "password": PASSWORD}),
    )
    .await
    .refused(422, "unknown_reference", "token");
    // Nothing changed: the refused password left the invitation usable, and the refused invite
    // created no user.
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .ok();
    let users = t.get(&format!("/api/v1/users?account_id={}", w.account)).await.ok();
    let emails: Vec<&str> = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["z@northwind.example"],
        "only the valid invitation created a user"
    );
}

async fn account_admin_manages_locations_and_users(t: TestApp) {
    let w = t.world().await;
    let admin = t.person(&w, "Adam Admin", &["account_admin"]).await;
    let buyer = t.person(&w, "Bea Buyer", &["buyer"]).await;
    let loc = format!("/api/v1/accounts/{}/locations/{}", w.account, w.store);
    let r = t
        .as_(
            &admin,
            Method::PATCH,
            &loc,
            Some(json!({"name": "Round Rock store #2", "city": "Round Rock, TX"})),
        )
        .await
        .ok();
    let store = r.body["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == w.store.as_str())
        .unwrap()
        .clone();
    assert_eq!(store["name"], "Round Rock store #2");
    // A ship-to that open lines may go to cannot stop receiving goods; another account is not theirs.
    t.as_(&admin, Method::PATCH, &loc, Some(json!({"kind": "bill_to"})))
        .await
        .refused(409, "invalid_state", "kind");
    let other = format!("/api/v1/accounts/{}/locations/{}", w.other_account, w.other_ship_to);
    t.as_(&admin, Method::PATCH, &other, Some(json!({"name": "Mine now"})))
        .await
        .refused(404, "not_found", "");
    // Buyers do not manage locations.
    t.as_(&buyer, Method::PATCH, &loc, Some(json!({"name": "x"})))
        .await
        .refused(403, "forbidden", "");
    // The admin scopes the buyer to the dock, then deactivates them; their key stops working.
    t.as_(
        &admin,
        Method::PATCH,
        &format!("/api/v1/users/{}", buyer.id),
        Some(json!({"scope": {"kind": "only", "locations": [w.dock]}})),
    )
    .await
    .ok();
    let body = json!({"account_id": w.account, "lines": [{"product_id": w.gloves, "quantity": 1, "ship_to": w.store}]});
    t.as_(&buyer, Method::POST, "/api/v1/orders", Some(body))
        .await
        .refused(422, "out_of_scope", "lines[0].ship_to");
    t.as_(
        &admin,
        Method::POST,
        &format!("/api/v1/users/{}/deactivate", buyer.id),
        Some(json!({})),
    )
    .await
    .ok();
    let gone = t.as_(&buyer, Method::GET, "/api/v1/orders", None).await;
    assert_eq!(gone.status.as_u16(), 401, "{}", gone.body);
}

/// A location-scoped user sees the budgets of their own locations only: a cost centre's
/// figures would include other locations' spend.
async fn scoped_user_sees_only_its_locations_budgets(t: TestApp) {
    let w = t.world().await;
    let admin = t.person(&w, "Adam Admin", &["account_admin"]).await;
    let fin = t.person(&w, "Fay Finance", &["finance"]).await;
    let budgets = format!("/api/v1/accounts/{}/budgets", w.account);
    for b in [
        json!({"dimension": "cost_centre", "value": "CC-ER", "period": "month", "starts_on": "2026-11-01", "amount": usd("400.00")}),
        json!({"dimension": "location", "value": w.dock, "period": "month", "starts_on": "2026-11-01", "amount": usd("500.00")}),
        json!({"dimension": "location", "value": w.store, "period": "month", "starts_on": "2026-11-01", "amount": usd("600.00")}),
    ] {
        t.as_(&admin, Method::POST, &budgets, Some(b)).await.ok();
    }
    let all = t.as_(&fin, Method::GET, &budgets, None).await.ok();
    assert_eq!(
        all.body["items"]
            .as_array()
            .map(Vec::len)
            .or(all.body.as_array().map(Vec::len)),
        Some(3),
        "{}",
        all.body
    );
    t.as_(
        &admin,
        Method::PATCH,
        &format!("/api/v1/users/{}", fin.id),
        Some(json!({"scope": {"kind": "only", "locations": [w.dock]}})),
    )
    .await
    .ok();
    let mine = t.as_(&fin, Method::GET, &budgets, None).await.ok();
    let items = mine.body["items"]
        .as_array()
        .or(mine.body.as_array())
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 1, "only the dock's budget: {}", mine.body);
    assert!(items[0].to_string().contains(&w.dock), "{}", mine.body);
}

both_stores!(
    scoped_user_sees_only_its_locations_budgets,
    account_admin_manages_locations_and_users,
    approvals_in_sequence_with_a_delegate,
    rejected_order_never_reaches_fulfilment,
    reminders_then_escalation,
    policy_and_user_refusals
);
