//! Tenant isolation and the role table, through the real router on both stores.
//!
//! Principals are real users (invited, activated with a password, each with its own API key):
//! four seller staff roles, seven users of account A (a buyer and a finance user scoped to a
//! single ship-to location among them), the account admin of account B, and the user of a
//! dropship supplier.
//!
//! The matrix walks the OpenAPI document, so a new endpoint is covered the moment it exists (and
//! fails here until `cases` knows how to fill its path): every operation × every principal ×
//! every target record (own account, other account, outside the location scope, routed / not
//! routed to the supplier) must end in the right class — 403 `forbidden` when the role may not
//! perform the route's action, 404 `not_found` (or 422 on the body field naming the reference)
//! when the record is not the principal's, and past authorisation otherwise — and no response may
//! carry the id of a record the principal cannot see.
//!
//! Scenario tests below spell the important rules out one by one. Defects found while writing
//! this suite are kept as `#[ignore = "bug: ..."]` tests that assert the correct behaviour.

use crate::harness::{Resp, TestApp, World, usd};
use aftercart_app::{CustomerRole, LocationScope, Principal, PrincipalKind, StaffRole};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, LocationId};
use axum::http::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple 42";

/// Operations that need no credentials; everything else is in the matrix.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("post", "/api/v1/session"),
    ("post", "/api/v1/invitations/accept"),
    ("post", "/api/v1/password-resets"),
    ("post", "/api/v1/password-resets/complete"),
    // -- receivables --
    // The payment provider's signed webhook (no credentials, a signature; tested on its own below).
    ("post", "/api/v1/payments/provider-webhook"),
    // -- /receivables --
    // Carriers' signed webhooks (a signature, no credentials; refusals tested in `carriers`).
    ("post", "/api/v1/carriers/{provider}/webhook"),
    // -- procurement --
    // A buyer's procurement system: the cXML Sender's shared secret (refusals: procurement).
    ("post", "/api/v1/punchout/cxml/setup"),
    ("post", "/api/v1/punchout/cxml/order"),
    // An EDI trading partner: its ISA sender id and the link's secret (refusals: x12).
    ("post", "/api/v1/edi/x12"),
    // -- /procurement --
];

// ---------------------------------------------------------------------------------------------
// The model: which records exist and who may see them (written independently of the app's
// visibility code, from the rules in principal.rs).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acct {
    A,
    B,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Dock,
    Store,
    BHq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Account,
    Order,
    Shipment,
    Billing,
    User,
    ApiKey,
    SavedList,
    Catalog,
    /// Not a stored record: a location or source a command names (never leak-checked).
    Reference,
    // -- notifications --
    Notification,
    Endpoint,
    Delivery,
    // -- /notifications --
    // -- receivables --
    /// Billing records of their account, visible like invoices (`Doc::visible_to` by default:
    /// the account's users, whatever their location scope, and seller staff; never a supplier).
    Dispute,
    OnlinePayment,
    /// A saved card or bank debit, inside its account's billing profile.
    PaymentMethod,
    /// The seller's own bank records: an imported statement and the receipt it left unapplied
    /// (`visible_to`: `is_seller()` only).
    BankImport,
    Receipt,
    // -- /receivables --
    // -- procurement --
    /// A buying organisation's link to its account (seen by the account; changed by seller admins).
    Link,
    // -- /procurement --
}

/// A record a request can target.
#[derive(Debug, Clone)]
struct Rec {
    label: &'static str,
    kind: Kind,
    id: String,
    account: Option<Acct>,
    /// Seller staff users and their keys: invisible to customers.
    seller_only: bool,
    /// Location-bound records: the ship-to locations of an order's lines, a shipment's destination.
    ship_to: Vec<Loc>,
    /// Orders and shipments: whether it is routed to (allocated to / shipped from) the supplier.
    routed: Option<bool>,
    /// Nobody here sees it: one user's own record (a notification) of a user outside the cast,
    /// or a record named where it is not (another account's saved method, under this account).
    private: bool,
}

impl Rec {
    fn new(label: &'static str, kind: Kind, id: &str, account: Option<Acct>) -> Rec {
        Rec {
            label,
            kind,
            id: id.to_owned(),
            account,
            seller_only: false,
            ship_to: Vec::new(),
            routed: None,
            private: false,
        }
    }
    fn to(mut self, locs: &[Loc], routed: bool) -> Rec {
        self.ship_to = locs.to_vec();
        self.routed = Some(routed);
        self
    }
    fn seller_only(mut self) -> Rec {
        self.seller_only = true;
        self
    }
    fn private(mut self) -> Rec {
        self.private = true;
        self
    }
}

/// What a principal can reach, as the visibility rules describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reach {
    Staff,
    Customer { acct: Acct, only: Option<Vec<Loc>> },
    Supplier,
}

fn sees(reach: &Reach, r: &Rec) -> bool {
    if r.private {
        return false;
    }
    match reach {
        Reach::Staff => true,
        Reach::Customer { acct, only } => {
            !r.seller_only
                && r.account.is_none_or(|a| a == *acct)
                && match only {
                    None => true,
                    Some(locs) => r.ship_to.is_empty() || r.ship_to.iter().any(|l| locs.contains(l)),
                }
        }
        // A supplier sees the catalogue and what is routed to it; nothing of an account itself,
        // and never billing (invoices, disputes, online payments, saved methods).
        Reach::Supplier => {
            !matches!(
                r.kind,
                Kind::Billing | Kind::Dispute | Kind::OnlinePayment | Kind::PaymentMethod
            ) && r.routed.unwrap_or(r.account.is_none() && !r.seller_only)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fixture: the world, the records every target points at, and the principals.
// ---------------------------------------------------------------------------------------------

struct Fx {
    w: World,
    /// The dropship supplier's fulfilment location.
    supplier: String,
    acct_a: Rec,
    acct_b: Rec,
    /// Account A: line 1 (gloves) to the dock, allocated to Dallas; line 2 (towels) to the
    /// store, allocated to the supplier.
    a1: Rec,
    /// Account A: one line, to the store, not routed anywhere.
    a2: Rec,
    b1: Rec,
    /// A1 line 1, Dallas → dock.
    s1: Rec,
    /// A1 line 2, supplier → store.
    s2: Rec,
    sb: Rec,
    inv_a: Rec,
    inv_b: Rec,
    pay_a: Rec,
    pay_b: Rec,
    memo_a: Rec,
    memo_b: Rec,
    /// Invited users (never principals here): targets of user management.
    user_a: Rec,
    user_b: Rec,
    user_staff: Rec,
    key_a: Rec,
    key_b: Rec,
    key_staff: Rec,
    /// Saved lists: account-level (their reorder preview filters lines by scope).
    list_a: Rec,
    list_b: Rec,
    gloves: Rec,
    /// A product only ever discontinued by the matrix.
    old_product: Rec,
    dallas: Rec,
    supplier_loc: Rec,
    /// The store as a ship-to named in a body (outside the dock buyer's scope).
    store_ref: Rec,
    /// Dallas as the source of a shipment (not the supplier's to ship from).
    dallas_source: Rec,
    /// A delegation between two active users of account A, and one of account B.
    deleg_a: String,
    deleg_b: String,
    // -- returns --
    /// A1 line 1 (the dock), and B1 line 1: one return each, requested.
    ret_a: Rec,
    ret_b: Rec,
    // -- /returns --
    // -- change requests --
    /// A change request on A1 line 1 (the dock), and one on B1: both done at once.
    cr_a: Rec,
    cr_b: Rec,
    // -- /change requests --
    // -- cases --
    /// Cases opened by the seller for the customer: about A1 (dock and store), about S2 (the
    /// store; routed to the supplier, who still never sees cases) and about B1.
    case_a1: Rec,
    case_s2: Rec,
    case_b1: Rec,
    // -- /cases --
    // -- exceptions --
    /// Carrier exceptions raised by the detector: on S2 (A, the store) and on a parcel of B.
    exc_s2: Rec,
    exc_b: Rec,
    // -- /exceptions --
    // -- notifications --
    /// An in-app notification of a buyer of A and one of a buyer of B (neither in the cast).
    notif_a: Rec,
    notif_b: Rec,
    /// Webhook endpoints of A, of B, and the seller's own (which receives every event).
    ep_a: Rec,
    ep_b: Rec,
    ep_seller: Rec,
    // -- procurement --
    /// A procurement link of A and one of B.
    link_a: Rec,
    link_b: Rec,
    // -- /procurement --
    /// A webhook delivery to each of them.
    del_a: Rec,
    del_b: Rec,
    del_seller: Rec,
    // -- /notifications --
    // -- receivables --
    /// A dispute of 1.00 on InvA, and one on InvB (both open).
    dsp_a: Rec,
    dsp_b: Rec,
    /// A saved card (localstripe's pm_card_visa) of each account.
    pm_a: Rec,
    pm_b: Rec,
    /// An online card payment of 2.00 on InvA (and InvB), succeeded, and the payment it settled.
    op_a: Rec,
    op_b: Rec,
    op_pay_a: Rec,
    op_pay_b: Rec,
    /// A bank statement import and the one receipt it could not apply (the seller's alone).
    bank_import: Rec,
    receipt: Rec,
    // -- /receivables --
    // -- dropship --
    /// A routing rule matching no SKU (so routing in the matrix changes nothing), and a rule
    /// id that exists nowhere (deleting it can change nothing either).
    rule: Rec,
    no_rule: Rec,
    /// The supplier's own location as a stock feed's target, and Dallas as another's.
    stock_own: Rec,
    stock_other: Rec,
    // -- /dropship --
}

impl Fx {
    fn build(w: World, ids: &Ids) -> Fx {
        use Kind::*;
        let id = |k: &str| ids.get(k);
        Fx {
            acct_a: Rec::new("A", Account, &w.account, Some(Acct::A)),
            acct_b: Rec::new("B", Account, &w.other_account, Some(Acct::B)),
            a1: Rec::new("A1", Order, &id("a1"), Some(Acct::A)).to(&[Loc::Dock, Loc::Store], true),
            a2: Rec::new("A2", Order, &id("a2"), Some(Acct::A)).to(&[Loc::Store], false),
            b1: Rec::new("B1", Order, &id("b1"), Some(Acct::B)).to(&[Loc::BHq], false),
            s1: Rec::new("S1", Shipment, &id("s1"), Some(Acct::A)).to(&[Loc::Dock], false),
            s2: Rec::new("S2", Shipment, &id("s2"), Some(Acct::A)).to(&[Loc::Store], true),
            sb: Rec::new("SB", Shipment, &id("sb"), Some(Acct::B)).to(&[Loc::BHq], false),
            inv_a: Rec::new("InvA", Billing, &id("inv_a"), Some(Acct::A)),
            inv_b: Rec::new("InvB", Billing, &id("inv_b"), Some(Acct::B)),
            pay_a: Rec::new("PayA", Billing, &id("pay_a"), Some(Acct::A)),
            pay_b: Rec::new("PayB", Billing, &id("pay_b"), Some(Acct::B)),
            memo_a: Rec::new("MemoA", Billing, &id("memo_a"), Some(Acct::A)),
            memo_b: Rec::new("MemoB", Billing, &id("memo_b"), Some(Acct::B)),
            user_a: Rec::new("UserA", User, &id("user_a"), Some(Acct::A)),
            user_b: Rec::new("UserB", User, &id("user_b"), Some(Acct::B)),
            user_staff: Rec::new("UserStaff", User, &id("user_staff"), None).seller_only(),
            key_a: Rec::new("KeyA", ApiKey, &id("key_a"), Some(Acct::A)),
            key_b: Rec::new("KeyB", ApiKey, &id("key_b"), Some(Acct::B)),
            key_staff: Rec::new("KeyStaff", ApiKey, &id("key_staff"), None).seller_only(),
            list_a: Rec::new("ListA", SavedList, &id("list_a"), Some(Acct::A)),
            list_b: Rec::new("ListB", SavedList, &id("list_b"), Some(Acct::B)),
            gloves: Rec::new("gloves", Catalog, &w.gloves, None),
            old_product: Rec::new("OLD-1", Catalog, &id("old_product"), None),
            dallas: Rec::new("Dallas", Catalog, &w.dallas, None),
            supplier_loc: Rec::new("Supplier", Catalog, &id("supplier"), None),
            store_ref: Rec::new("store", Reference, &w.store, Some(Acct::A)).to(&[Loc::Store], false),
            dallas_source: Rec::new("Dallas", Reference, &w.dallas, None).to(&[], false),
            supplier: id("supplier"),
            deleg_a: id("deleg_a"),
            deleg_b: id("deleg_b"),
            // -- returns --
            ret_a: Rec::new("RetA", Order, &id("ret_a"), Some(Acct::A)).to(&[Loc::Dock], false),
            ret_b: Rec::new("RetB", Order, &id("ret_b"), Some(Acct::B)).to(&[Loc::BHq], false),
            // -- /returns --
            // -- change requests --
            cr_a: Rec::new("CrA", Order, &id("cr_a"), Some(Acct::A)).to(&[Loc::Dock], false),
            cr_b: Rec::new("CrB", Order, &id("cr_b"), Some(Acct::B)).to(&[Loc::BHq], false),
            // -- /change requests --
            // -- cases --
            case_a1: Rec::new("CaseA1", Order, &id("case_a1"), Some(Acct::A)).to(&[Loc::Dock, Loc::Store], false),
            case_s2: Rec::new("CaseS2", Order, &id("case_s2"), Some(Acct::A)).to(&[Loc::Store], false),
            case_b1: Rec::new("CaseB1", Order, &id("case_b1"), Some(Acct::B)).to(&[Loc::BHq], false),
            // -- /cases --
            // -- exceptions --
            exc_s2: Rec::new("ExcS2", Shipment, &id("exc_s2"), Some(Acct::A)).to(&[Loc::Store], false),
            exc_b: Rec::new("ExcB", Shipment, &id("exc_b"), Some(Acct::B)).to(&[Loc::BHq], false),
            // -- /exceptions --
            // -- notifications --
            notif_a: Rec::new("NotifA", Notification, &id("notif_a"), Some(Acct::A)).private(),
            notif_b: Rec::new("NotifB", Notification, &id("notif_b"), Some(Acct::B)).private(),
            ep_a: Rec::new("EpA", Endpoint, &id("ep_a"), Some(Acct::A)),
            ep_b: Rec::new("EpB", Endpoint, &id("ep_b"), Some(Acct::B)),
            ep_seller: Rec::new("EpSeller", Endpoint, &id("ep_seller"), None).seller_only(),
            // -- procurement --
            link_a: Rec::new("LinkA", Link, &id("link_a"), Some(Acct::A)),
            link_b: Rec::new("LinkB", Link, &id("link_b"), Some(Acct::B)),
            // -- /procurement --
            del_a: Rec::new("DelA", Delivery, &id("del_a"), Some(Acct::A)),
            del_b: Rec::new("DelB", Delivery, &id("del_b"), Some(Acct::B)),
            del_seller: Rec::new("DelSeller", Delivery, &id("del_seller"), None).seller_only(),
            // -- /notifications --
            // -- receivables --
            dsp_a: Rec::new("DspA", Dispute, &id("dsp_a"), Some(Acct::A)),
            dsp_b: Rec::new("DspB", Dispute, &id("dsp_b"), Some(Acct::B)),
            pm_a: Rec::new("MethodA", PaymentMethod, &id("pm_a"), Some(Acct::A)),
            pm_b: Rec::new("MethodB", PaymentMethod, &id("pm_b"), Some(Acct::B)),
            op_a: Rec::new("OnlineA", OnlinePayment, &id("op_a"), Some(Acct::A)),
            op_b: Rec::new("OnlineB", OnlinePayment, &id("op_b"), Some(Acct::B)),
            op_pay_a: Rec::new("OnlinePayA", Billing, &id("op_pay_a"), Some(Acct::A)),
            op_pay_b: Rec::new("OnlinePayB", Billing, &id("op_pay_b"), Some(Acct::B)),
            bank_import: Rec::new("BankImport", BankImport, &id("bank_import"), None).seller_only(),
            receipt: Rec::new("Receipt", Receipt, &id("receipt"), None).seller_only(),
            // -- /receivables --
            // -- dropship --
            rule: Rec::new("Rule", Reference, &id("rule"), None).seller_only(),
            no_rule: Rec::new("NoRule", Reference, &uuid::Uuid::nil().to_string(), None).private(),
            stock_own: Rec::new("StockOwn", Reference, &id("supplier"), None).to(&[], true),
            stock_other: Rec::new("StockDallas", Reference, &w.dallas, None).to(&[], false),
            // -- /dropship --
            w,
        }
    }

    /// Every stored record a response could leak.
    fn records(&self) -> Vec<&Rec> {
        vec![
            &self.acct_a,
            &self.acct_b,
            &self.a1,
            &self.a2,
            &self.b1,
            &self.s1,
            &self.s2,
            &self.sb,
            &self.inv_a,
            &self.inv_b,
            &self.pay_a,
            &self.pay_b,
            &self.memo_a,
            &self.memo_b,
            &self.user_a,
            &self.user_b,
            &self.user_staff,
            &self.key_a,
            &self.key_b,
            &self.key_staff,
            &self.list_a,
            &self.list_b,
            // -- returns --
            &self.ret_a,
            &self.ret_b,
            // -- /returns --
            // -- change requests --
            &self.cr_a,
            &self.cr_b,
            // -- /change requests --
            // -- cases --
            &self.case_a1,
            &self.case_s2,
            &self.case_b1,
            // -- /cases --
            // -- exceptions --
            &self.exc_s2,
            &self.exc_b,
            // -- /exceptions --
            // -- notifications --
            &self.notif_a,
            &self.notif_b,
            &self.ep_a,
            &self.ep_b,
            &self.ep_seller,
            // -- procurement --
            &self.link_a,
            &self.link_b,
            // -- /procurement --
            &self.del_a,
            &self.del_b,
            &self.del_seller,
            // -- /notifications --
            // -- receivables --
            &self.dsp_a,
            &self.dsp_b,
            &self.pm_a,
            &self.pm_b,
            &self.op_a,
            &self.op_b,
            &self.op_pay_a,
            &self.op_pay_b,
            &self.bank_import,
            &self.receipt,
            // -- /receivables --
        ]
    }

    /// Ids that must never appear in a response to this principal (`extra`: records the matrix
    /// itself created, e.g. by reordering).
    fn secrets<'a>(&'a self, reach: &Reach, extra: &'a [Rec]) -> Vec<&'a Rec> {
        self.records()
            .into_iter()
            .chain(extra)
            // A supplier's orders name their account (it cannot read the account itself).
            .filter(|r| !(r.kind == Kind::Account && *reach == Reach::Supplier))
            .filter(|r| !sees(reach, r))
            .collect()
    }
}

/// The ids `fixture` records besides the World's.
const FIXTURE_IDS: &[&str] = &[
    "supplier",
    // -- dropship --
    "rule",
    // -- /dropship --
    "a1",
    "a2",
    "b1",
    "s1",
    "s2",
    "sb",
    "inv_a",
    "inv_b",
    "pay_a",
    "pay_b",
    "memo_a",
    "memo_b",
    // -- returns --
    "ret_a",
    "ret_b",
    // -- /returns --
    // -- change requests --
    "cr_a",
    "cr_b",
    // -- /change requests --
    "user_a",
    "user_b",
    "user_staff",
    "key_a",
    "key_b",
    "key_staff",
    "list_a",
    "list_b",
    "old_product",
    "deleg_a",
    "deleg_b",
    // -- cases --
    "case_a1",
    "case_s2",
    "case_b1",
    // -- /cases --
    // -- exceptions --
    "exc_s2",
    "exc_b",
    // -- /exceptions --
    // -- notifications --
    "notif_a",
    "notif_b",
    "ep_a",
    "ep_b",
    "ep_seller",
    // -- procurement --
    "link_a",
    "link_b",
    // -- /procurement --
    "del_a",
    "del_b",
    "del_seller",
    // -- /notifications --
    // -- receivables --
    "dsp_a",
    "dsp_b",
    "pm_a",
    "pm_b",
    "op_a",
    "op_b",
    "op_pay_a",
    "op_pay_b",
    "bank_import",
    "receipt",
    // -- /receivables --
];

#[derive(Default)]
struct Ids(Vec<(&'static str, String)>);

impl Ids {
    fn put(&mut self, k: &'static str, v: String) {
        self.0.push((k, v));
    }
    fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("fixture id {k} missing"))
    }
}

/// Builds the world and every record through the API, as the (static) staff key.
async fn fixture(t: &TestApp) -> Fx {
    let w = t.world().await;
    let mut ids = Ids::default();
    let supplier = t
        .post(
            "/api/v1/fulfilment-locations",
            json!({"code": "ACME", "name": "Acme Dropship", "kind": "dropship_supplier", "city": "Tulsa"}),
        )
        .await
        .ok()
        .id();

    let a1 = t.order(&w, 10, 4).await.id();
    for (line, loc, qty) in [(1, &w.dallas, 10), (2, &supplier, 4)] {
        t.post(
            &format!("/api/v1/orders/{a1}/allocations"),
            json!({"line": line, "fulfilment_location_id": loc, "quantity": qty}),
        )
        .await
        .ok();
    }
    // Dallas ships 6 of line 1's 10 (4 stay allocated there); the supplier ships all of line 2.
    let s1 = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": a1, "from_location_id": w.dallas, "to_location_id": w.dock,
                   "lines": [{"line": 1, "quantity": 6}], "carrier": "UPS", "tracking_number": "1ZA1DALLAS01"}),
        )
        .await
        .ok()
        .id();
    let s2 = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": a1, "from_location_id": supplier, "to_location_id": w.store,
                   "lines": [{"line": 2, "quantity": 4}], "carrier": "FedEx", "tracking_number": "ACME-A1-0001"}),
        )
        .await
        .ok()
        .id();
    let a2 = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.account, "po_number": "PO-STORE",
                   "lines": [{"sku": "TWL-C-12", "quantity": 2, "ship_to": w.store}]}),
        )
        .await
        .ok()
        .id();
    let inv_a = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD",
                   "lines": [{"order_id": a1, "order_line": 1, "shipment_id": s1, "quantity": 6, "unit_price": usd("11.75")}]}),
        )
        .await
        .ok()
        .id();
    let pay_a = t
        .post(
            "/api/v1/payments",
            json!({"account_id": w.account, "method": "ach", "amount": usd("10.00"),
                   "applications": [{"invoice_id": inv_a, "amount": usd("10.00")}]}),
        )
        .await
        .ok()
        .id();
    let memo_a = t
        .post(
            "/api/v1/credit-memos",
            json!({"account_id": w.account, "invoice_id": inv_a, "amount": usd("5.00"), "reason": "crushed box"}),
        )
        .await
        .ok()
        .id();

    let b1 = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.other_account,
                   "lines": [{"product_id": w.gloves, "quantity": 3, "ship_to": w.other_ship_to}]}),
        )
        .await
        .ok()
        .id();
    t.post(
        &format!("/api/v1/orders/{b1}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 3}),
    )
    .await
    .ok();
    let sb = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": b1, "from_location_id": w.dallas, "to_location_id": w.other_ship_to,
                   "lines": [{"line": 1, "quantity": 3}], "carrier": "UPS", "tracking_number": "1ZB1DALLAS01"}),
        )
        .await
        .ok()
        .id();
    let inv_b = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.other_account, "currency": "USD",
                   "lines": [{"order_id": b1, "order_line": 1, "shipment_id": sb, "quantity": 3, "unit_price": usd("14.00")}]}),
        )
        .await
        .ok()
        .id();
    let pay_b = t
        .post(
            "/api/v1/payments",
            json!({"account_id": w.other_account, "method": "wire", "amount": usd("10.00"),
                   "applications": [{"invoice_id": inv_b, "amount": usd("10.00")}]}),
        )
        .await
        .ok()
        .id();
    let memo_b = t
        .post(
            "/api/v1/credit-memos",
            json!({"account_id": w.other_account, "invoice_id": inv_b, "amount": usd("2.00"), "reason": "late"}),
        )
        .await
        .ok()
        .id();

    // Users that are only ever targets (invited, never signed in), each with a key.
    let user_a = invite(
        t,
        json!({"email": "target-a@northwind.example", "name": "Target A", "type": "customer",
               "account_id": w.account, "roles": ["viewer"]}),
    )
    .await
    .0;
    let user_b = invite(
        t,
        json!({"email": "target-b@contoso.example", "name": "Target B", "type": "customer",
               "account_id": w.other_account, "roles": ["viewer"]}),
    )
    .await
    .0;
    let user_staff = invite(
        t,
        json!({"email": "target-staff@seller.example", "name": "Target Staff", "type": "staff", "role": "operations"}),
    )
    .await
    .0;
    let key_a = create_key(t, &user_a).await.0;
    let key_b = create_key(t, &user_b).await.0;
    let key_staff = create_key(t, &user_staff).await.0;

    let list_a = t
        .post(
            "/api/v1/saved-lists",
            json!({"account_id": w.account, "name": "Weekly restock", "lines": [
                {"product_id": w.gloves, "quantity": 5, "ship_to": w.dock},
                {"sku": "TWL-C-12", "quantity": 2, "ship_to": w.store}]}),
        )
        .await
        .ok()
        .id();
    let list_b = t
        .post(
            "/api/v1/saved-lists",
            json!({"account_id": w.other_account, "name": "Lab supplies",
                   "lines": [{"product_id": w.gloves, "quantity": 1, "ship_to": w.other_ship_to}]}),
        )
        .await
        .ok()
        .id();
    let old_product = t
        .post(
            "/api/v1/products",
            json!({"sku": "OLD-1", "name": "Retired widget", "list_price": usd("1.00")}),
        )
        .await
        .ok()
        .id();
    // -- dropship --
    let rule = t
        .post(
            "/api/v1/routing-rules",
            json!({"name": "Nothing", "skus": ["NO-SUCH-SKU"], "supplier": supplier}),
        )
        .await
        .ok()
        .id();
    // -- /dropship --

    // -- returns --
    let ret_a = fixture_return(t, &s1, &a1).await;
    let ret_b = fixture_return(t, &sb, &b1).await;
    // -- /returns --
    // -- change requests --
    // A1 line 1 still has 4 to ship: a new wanted-by date; B1 is delivered: one more unit.
    let change = |order: String, change: Value| async move {
        t.post(
            &format!("/api/v1/orders/{order}/change-requests"),
            json!({"changes": [change]}),
        )
        .await
        .ok()
        .body["request"]["id"]
            .as_str()
            .expect("change request id")
            .to_owned()
    };
    let cr_a = change(
        a1.clone(),
        json!({"type": "requested_date", "line": 1, "requested_date": "2026-12-24"}),
    )
    .await;
    let cr_b = change(b1.clone(), json!({"type": "quantity", "line": 1, "quantity": 4})).await;
    // -- /change requests --
    // -- cases --
    let case_about = |kind: &'static str, id: String| async move {
        t.post(
            "/api/v1/cases",
            json!({"about": {"kind": kind, "id": id}, "body": "The matrix asks."}),
        )
        .await
        .ok()
        .id()
    };
    let case_a1 = case_about("order", a1.clone()).await;
    let case_s2 = case_about("shipment", s2.clone()).await;
    let case_b1 = case_about("order", b1.clone()).await;
    // -- /cases --
    // -- exceptions --
    let (exc_s2, exc_b) = fixture_exceptions(t, &w, &s2).await;
    // -- /exceptions --
    // -- notifications --
    for (k, v) in fixture_notifications(t, &w).await {
        ids.put(k, v);
    }
    // -- /notifications --
    // -- procurement --
    for (k, account) in [("link_a", &w.account), ("link_b", &w.other_account)] {
        let link = t
            .post(
                &format!("/api/v1/accounts/{account}/procurement-links"),
                json!({"cxml_identity": {"domain": "NetworkID", "identity": format!("AN-{k}")},
                       "shared_secret": "matrix shared secret 0123"}),
            )
            .await
            .ok()
            .id();
        ids.put(k, link);
    }
    // -- /procurement --
    // -- receivables --
    // After the fan-out above, so the notification fixtures stay as they were.
    for (k, v) in fixture_receivables(t, &w, &inv_a, &inv_b).await {
        ids.put(k, v);
    }
    // -- /receivables --
    for (k, v) in [
        ("supplier", supplier),
        ("a1", a1),
        ("a2", a2),
        ("b1", b1),
        ("s1", s1),
        ("s2", s2),
        ("sb", sb),
        ("inv_a", inv_a),
        ("inv_b", inv_b),
        ("pay_a", pay_a),
        ("pay_b", pay_b),
        ("memo_a", memo_a),
        ("memo_b", memo_b),
        ("user_a", user_a),
        ("user_b", user_b),
        ("user_staff", user_staff),
        ("key_a", key_a),
        ("key_b", key_b),
        ("key_staff", key_staff),
        ("list_a", list_a),
        ("list_b", list_b),
        ("old_product", old_product),
        ("deleg_a", delegation(t, &w.account, "a").await),
        ("deleg_b", delegation(t, &w.other_account, "b").await),
        // -- returns --
        ("ret_a", ret_a),
        ("ret_b", ret_b),
        // -- /returns --
        // -- change requests --
        ("cr_a", cr_a),
        ("cr_b", cr_b),
        // -- /change requests --
        // -- cases --
        ("case_a1", case_a1),
        ("case_s2", case_s2),
        ("case_b1", case_b1),
        // -- /cases --
        // -- exceptions --
        ("exc_s2", exc_s2),
        ("exc_b", exc_b),
        // -- /exceptions --
        // -- dropship --
        ("rule", rule),
        // -- /dropship --
    ] {
        ids.put(k, v);
    }
    Fx::build(w, &ids)
}

// -- returns --
/// Delivers `shipment` and asks to return one unit of line 1 of `order` (not approved: a
/// permitted matrix request then fails on its state, changing nothing).
async fn fixture_return(t: &TestApp, shipment: &str, order: &str) -> String {
    t.post(
        "/api/v1/tracking-events",
        json!({"events": [{"shipment_id": shipment, "status": "delivered", "occurred_at": "2026-11-19T10:00:00Z", "source": "matrix"}]}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/returns",
        json!({"order_id": order, "reason": "not_needed", "lines": [{"line": 1, "quantity": 1}]}),
    )
    .await
    .ok()
    .id()
}
// -- /returns --

/// A delegation between two active users of `account` (created for the matrix), as the staff key.
async fn delegation(t: &TestApp, account: &str, tag: &str) -> String {
    let mut users = Vec::new();
    for who in ["from", "to"] {
        let (id, token) = invite(
            t,
            json!({"email": format!("deleg-{who}-{tag}@aftercart-test.example"), "name": format!("Delegation {who} {tag}"),
                   "type": "customer", "account_id": account, "roles": ["approver"]}),
        )
        .await;
        t.request(
            Method::POST,
            "/api/v1/invitations/accept",
            Some(&json!({"token": token, "password": PASSWORD})),
            &[("authorization", "")],
        )
        .await
        .ok();
        users.push(id);
    }
    t.post(
        &format!("/api/v1/accounts/{account}/delegations"),
        json!({"from": users[0], "to": users[1], "from_date": "2026-11-20", "until": "2026-12-31"}),
    )
    .await
    .ok()
    .id()
}

/// Invites a user as the staff key: (user id, invitation token).
async fn invite(t: &TestApp, body: Value) -> (String, String) {
    let r = t.post("/api/v1/users", body).await.ok();
    let token = r.body["invitation_token"]
        .as_str()
        .expect("invitation_token")
        .to_owned();
    (r.body["user"]["id"].as_str().expect("user id").to_owned(), token)
}

/// Creates an API key for a user as the staff key: (key id, secret).
async fn create_key(t: &TestApp, user_id: &str) -> (String, String) {
    let r = t
        .post("/api/v1/api-keys", json!({"name": "integration", "user_id": user_id}))
        .await
        .ok();
    let secret = r.body["key"].as_str().expect("the secret is shown once").to_owned();
    (r.id(), secret)
}

/// A role to enrol a principal with.
#[derive(Debug, Clone, Copy)]
enum Role {
    Staff(StaffRole),
    /// Account, roles, scoped to the dock only.
    Customer(Acct, &'static [CustomerRole], bool),
    Supplier,
}

/// Everyone the matrix acts as.
const CAST: &[(&str, Role)] = &[
    ("staff_admin", Role::Staff(StaffRole::Admin)),
    ("staff_agent", Role::Staff(StaffRole::Agent)),
    ("staff_finance_ops", Role::Staff(StaffRole::FinanceOps)),
    ("staff_operations", Role::Staff(StaffRole::Operations)),
    (
        "a_account_admin",
        Role::Customer(Acct::A, &[CustomerRole::AccountAdmin], false),
    ),
    ("a_buyer", Role::Customer(Acct::A, &[CustomerRole::Buyer], false)),
    ("a_buyer_dock", Role::Customer(Acct::A, &[CustomerRole::Buyer], true)),
    ("a_approver", Role::Customer(Acct::A, &[CustomerRole::Approver], false)),
    ("a_finance", Role::Customer(Acct::A, &[CustomerRole::Finance], false)),
    // Billing rights under a location scope: invoices, disputes and online payments are the
    // account's (`Doc::visible_to` by default), so the scope does not narrow them.
    (
        "a_finance_dock",
        Role::Customer(Acct::A, &[CustomerRole::Finance], true),
    ),
    ("a_viewer", Role::Customer(Acct::A, &[CustomerRole::Viewer], false)),
    (
        "b_account_admin",
        Role::Customer(Acct::B, &[CustomerRole::AccountAdmin], false),
    ),
    ("supplier", Role::Supplier),
];

fn role(name: &str) -> Role {
    CAST.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| panic!("no principal {name} in CAST"))
}

/// A signed-up principal with its own API key.
struct Who {
    name: &'static str,
    email: String,
    user_id: String,
    key_id: String,
    auth: String,
    /// The same kind of principal the server builds, for `Principal::may`.
    principal: Principal,
    reach: Reach,
}

fn parse_uuid(s: &str) -> uuid::Uuid {
    s.parse().expect("uuid")
}

fn staff_role_name(r: StaffRole) -> &'static str {
    match r {
        StaffRole::Admin => "admin",
        StaffRole::Agent => "agent",
        StaffRole::FinanceOps => "finance_ops",
        StaffRole::Operations => "operations",
    }
}

fn customer_role_name(r: CustomerRole) -> &'static str {
    match r {
        CustomerRole::AccountAdmin => "account_admin",
        CustomerRole::Buyer => "buyer",
        CustomerRole::Approver => "approver",
        CustomerRole::Finance => "finance",
        CustomerRole::Viewer => "viewer",
    }
}

/// Invites a user, accepts the invitation with a strong password and creates an API key.
async fn enrol(t: &TestApp, fx: &Fx, name: &'static str) -> Who {
    let email = format!("{}@aftercart-test.example", name.replace('_', "-"));
    let (invite_body, kind, reach) = match role(name) {
        Role::Staff(r) => (
            json!({"email": email, "name": name, "type": "staff", "role": staff_role_name(r)}),
            PrincipalKind::Staff(r),
            Reach::Staff,
        ),
        Role::Customer(acct, roles, dock_only) => {
            let (account, ship_to) = match acct {
                Acct::A => (&fx.w.account, &fx.w.dock),
                Acct::B => (&fx.w.other_account, &fx.w.other_ship_to),
            };
            let scope = if dock_only {
                json!({"kind": "only", "locations": [ship_to]})
            } else {
                json!({"kind": "all"})
            };
            let names: Vec<&str> = roles.iter().map(|r| customer_role_name(*r)).collect();
            (
                json!({"email": email, "name": name, "type": "customer", "account_id": account,
                       "roles": names, "scope": scope}),
                PrincipalKind::Customer {
                    account: AccountId(parse_uuid(account)),
                    roles: roles.to_vec(),
                    scope: if dock_only {
                        LocationScope::Only(vec![LocationId(parse_uuid(ship_to))])
                    } else {
                        LocationScope::All
                    },
                },
                Reach::Customer {
                    acct,
                    only: dock_only.then(|| vec![Loc::Dock]),
                },
            )
        }
        Role::Supplier => (
            json!({"email": email, "name": name, "type": "supplier", "fulfilment_location_id": fx.supplier}),
            PrincipalKind::Supplier {
                location: FulfilmentLocationId(parse_uuid(&fx.supplier)),
            },
            Reach::Supplier,
        ),
    };
    let (user_id, token) = invite(t, invite_body).await;
    let accepted = t
        .request(
            Method::POST,
            "/api/v1/invitations/accept",
            Some(&json!({"token": token, "password": PASSWORD})),
            &[("authorization", "")],
        )
        .await
        .ok();
    assert_eq!(accepted.body["status"], "active", "{name}: {}", accepted.body);
    let (key_id, secret) = create_key(t, &user_id).await;
    Who {
        name,
        email,
        principal: Principal {
            id: user_id.clone(),
            name: name.to_owned(),
            kind,
            via: None,
        },
        user_id,
        key_id,
        auth: format!("Bearer {secret}"),
        reach,
    }
}

impl Who {
    async fn send(&self, t: &TestApp, method: Method, path: &str, body: Option<&Value>) -> Resp {
        t.request(method, path, body, &[("authorization", &self.auth)]).await
    }
    async fn get(&self, t: &TestApp, path: &str) -> Resp {
        self.send(t, Method::GET, path, None).await
    }
    async fn post(&self, t: &TestApp, path: &str, body: Value) -> Resp {
        self.send(t, Method::POST, path, Some(&body)).await
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix.
// ---------------------------------------------------------------------------------------------

/// How a request names a record, and what a principal that may not see it gets back.
#[derive(Debug, Clone)]
enum Ref {
    /// In the path: 404 `not_found`.
    Path,
    /// In the path, looked up inside the record before it: 404 `not_found` naming it
    /// ("payment method not found"), so the answer tells which lookup refused.
    Named(&'static str),
    /// In the body: 422 with this code on this field.
    Body(String, &'static str),
    /// In one event of a batch: the event is rejected with this code on this field.
    Event(String, &'static str),
}

impl Ref {
    fn field(&self) -> Option<&str> {
        match self {
            Ref::Path | Ref::Named(_) => None,
            Ref::Body(f, _) | Ref::Event(f, _) => Some(f),
        }
    }
}

/// One request of the matrix: a target and the references it makes, in the order the server
/// resolves them (the first one the principal cannot see decides the refusal).
#[derive(Debug, Clone)]
struct Case {
    target: String,
    path: String,
    body: Value,
    refs: Vec<(Rec, Ref)>,
}

fn body_ref(field: &str) -> Ref {
    Ref::Body(field.to_owned(), "unknown_reference")
}

/// How to fill every documented operation: path ids, a minimal body, and the targets. The
/// bodies are valid enough to get past parsing (which runs before any record is loaded) and,
/// where possible, invalid after the records are loaded, so a permitted request proves it passed
/// authorisation without changing anything.
fn cases(method: &str, path: &str, fx: &Fx) -> Vec<Case> {
    let w = &fx.w;
    let one = |target: &str, p: String, body: Value, refs: Vec<(Rec, Ref)>| Case {
        target: target.to_owned(),
        path: p,
        body,
        refs,
    };
    // A path with `{id}` (and friends) for each of the records.
    let each = |recs: &[&Rec], body: Value| -> Vec<Case> {
        recs.iter()
            .map(|r| {
                let p = path
                    .replace("{id}", &r.id)
                    .replace("{product_id}", &fx.gloves.id)
                    .replace("{line}", "99");
                let mut refs = vec![((*r).clone(), Ref::Path)];
                if path.contains("{product_id}") {
                    refs.push((fx.gloves.clone(), Ref::Path));
                }
                one(r.label, p, body.clone(), refs)
            })
            .collect()
    };
    let list = || {
        vec![
            one("all", path.to_owned(), Value::Null, vec![]),
            one(
                "?account_id=A",
                format!("{path}?account_id={}", w.account),
                Value::Null,
                vec![],
            ),
            one(
                "?account_id=B",
                format!("{path}?account_id={}", w.other_account),
                Value::Null,
                vec![],
            ),
            one(
                "?location_id=store",
                format!("{path}?location_id={}", w.store),
                Value::Null,
                vec![],
            ),
        ]
    };
    let plain = |body: Value| vec![one("-", path.to_owned(), body, vec![])];
    let accounts = [&fx.acct_a, &fx.acct_b];
    let orders = [&fx.a1, &fx.a2, &fx.b1];
    let shipments = [&fx.s1, &fx.s2, &fx.sb];
    let users = [&fx.user_a, &fx.user_b, &fx.user_staff];
    match (method, path) {
        (
            "get",
            "/api/v1/accounts"
            | "/api/v1/products"
            | "/api/v1/fulfilment-locations"
            | "/api/v1/orders"
            | "/api/v1/shipments"
            | "/api/v1/invoices"
            | "/api/v1/credit-memos"
            | "/api/v1/payments"
            | "/api/v1/users"
            | "/api/v1/api-keys"
            | "/api/v1/saved-lists",
        ) => list(),
        ("get", "/api/v1/me" | "/api/v1/openapi.json" | "/api/v1/ping") | ("delete", "/api/v1/session") => {
            plain(Value::Null)
        }
        ("post", "/api/v1/accounts" | "/api/v1/products" | "/api/v1/fulfilment-locations") => plain(json!({})),

        (
            "get",
            "/api/v1/accounts/{id}" | "/api/v1/accounts/{id}/open-invoices" | "/api/v1/accounts/{id}/timeline",
        ) => each(&accounts, Value::Null),
        ("patch", "/api/v1/accounts/{id}") => each(&accounts, json!({"name": ""})),
        ("post", "/api/v1/accounts/{id}/locations") => each(&accounts, json!({"kind": "ship_to", "name": ""})),
        ("patch", "/api/v1/accounts/{id}/locations/{location_id}") => vec![
            one(
                "A",
                format!("/api/v1/accounts/{}/locations/{}", w.account, w.dock),
                json!({"name": ""}),
                vec![(fx.acct_a.clone(), Ref::Path)],
            ),
            one(
                "B",
                format!("/api/v1/accounts/{}/locations/{}", w.other_account, w.other_ship_to),
                json!({"name": ""}),
                vec![(fx.acct_b.clone(), Ref::Path)],
            ),
        ],
        ("put", "/api/v1/accounts/{id}/contract-prices/{product_id}") => {
            each(&accounts, json!({"unit_price": usd("-1.00")}))
        }

        ("get", "/api/v1/products/{id}") => each(&[&fx.gloves], Value::Null),
        ("get", "/api/v1/fulfilment-locations/{id}") => each(&[&fx.dallas, &fx.supplier_loc], Value::Null),

        ("post", "/api/v1/orders") => vec![
            one(
                "A",
                path.to_owned(),
                json!({"account_id": w.account, "lines": []}),
                vec![(fx.acct_a.clone(), body_ref("account_id"))],
            ),
            one(
                "B",
                path.to_owned(),
                json!({"account_id": w.other_account, "lines": []}),
                vec![(fx.acct_b.clone(), body_ref("account_id"))],
            ),
            // A line to the store; billed to B's location so nothing is placed when it passes.
            one(
                "A, line to the store",
                path.to_owned(),
                json!({"account_id": w.account, "bill_to": w.other_ship_to,
                       "lines": [{"sku": "TWL-C-12", "quantity": 1, "ship_to": w.store}]}),
                vec![
                    (fx.acct_a.clone(), body_ref("account_id")),
                    (
                        fx.store_ref.clone(),
                        Ref::Body("lines[0].ship_to".into(), "out_of_scope"),
                    ),
                ],
            ),
        ],
        (
            "get",
            "/api/v1/orders/{id}" | "/api/v1/orders/{id}/status" | "/api/v1/orders/{id}/timeline",
        ) => each(&orders, Value::Null),
        ("post", "/api/v1/orders/{id}/allocations") => each(
            &orders,
            json!({"line": 99, "fulfilment_location_id": w.dallas, "quantity": 1}),
        ),
        ("post", "/api/v1/orders/{id}/backorders") => {
            each(&orders, json!({"line": 99, "quantity": 1, "reason": "matrix"}))
        }
        ("post", "/api/v1/orders/{id}/lines/{line}/backorder-date") => {
            each(&orders, json!({"expected_date": "2026-12-01", "reason": "matrix"}))
        }
        ("post", "/api/v1/orders/{id}/cancellations") => {
            each(&orders, json!({"line": 99, "quantity": 1, "reason": "matrix"}))
        }
        ("post", "/api/v1/orders/{id}/fulfilment") => each(
            &orders,
            json!({"items": [{"type": "cancel", "line": 99, "quantity": 1, "reason": "matrix"}]}),
        ),

        ("post", "/api/v1/shipments") => {
            let ship = |target: &str, order: &Rec, from: &str, to: &str, refs: Vec<(Rec, Ref)>| {
                one(
                    target,
                    path.to_owned(),
                    json!({"order_id": order.id, "from_location_id": from, "to_location_id": to,
                           "lines": [], "carrier": "UPS"}),
                    refs,
                )
            };
            vec![
                ship(
                    "A1 from the supplier",
                    &fx.a1,
                    &fx.supplier,
                    &w.store,
                    vec![(fx.a1.clone(), body_ref("order_id"))],
                ),
                ship(
                    "A1 from Dallas",
                    &fx.a1,
                    &w.dallas,
                    &w.dock,
                    vec![
                        (fx.a1.clone(), body_ref("order_id")),
                        (
                            fx.dallas_source.clone(),
                            Ref::Body("from_location_id".into(), "out_of_scope"),
                        ),
                    ],
                ),
                ship(
                    "A2",
                    &fx.a2,
                    &fx.supplier,
                    &w.store,
                    vec![(fx.a2.clone(), body_ref("order_id"))],
                ),
                ship(
                    "B1",
                    &fx.b1,
                    &fx.supplier,
                    &w.other_ship_to,
                    vec![(fx.b1.clone(), body_ref("order_id"))],
                ),
            ]
        }
        // The same shipments, each as a wave of one (the refusal names the shipment).
        ("post", "/api/v1/shipment-waves") => {
            let ship = |target: &str, order: &Rec, from: &str, to: &str, refs: Vec<(Rec, Ref)>| {
                one(
                    target,
                    path.to_owned(),
                    json!({"shipments": [{"order_id": order.id, "from_location_id": from, "to_location_id": to,
                           "lines": [], "carrier": "UPS"}]}),
                    refs,
                )
            };
            vec![
                ship(
                    "A1 from the supplier",
                    &fx.a1,
                    &fx.supplier,
                    &w.store,
                    vec![(fx.a1.clone(), body_ref("shipments[0].order_id"))],
                ),
                ship(
                    "A1 from Dallas",
                    &fx.a1,
                    &w.dallas,
                    &w.dock,
                    vec![
                        (fx.a1.clone(), body_ref("shipments[0].order_id")),
                        (
                            fx.dallas_source.clone(),
                            Ref::Body("shipments[0].from_location_id".into(), "out_of_scope"),
                        ),
                    ],
                ),
                ship(
                    "A2",
                    &fx.a2,
                    &fx.supplier,
                    &w.store,
                    vec![(fx.a2.clone(), body_ref("shipments[0].order_id"))],
                ),
                ship(
                    "B1",
                    &fx.b1,
                    &fx.supplier,
                    &w.other_ship_to,
                    vec![(fx.b1.clone(), body_ref("shipments[0].order_id"))],
                ),
            ]
        }
        ("get", "/api/v1/shipments/{id}") => each(&shipments, Value::Null),
        ("post", "/api/v1/shipments/{id}/receipt") => each(&shipments, json!({"lines": []})),
        ("post", "/api/v1/tracking-events") => shipments
            .iter()
            .map(|s| {
                one(
                    s.label,
                    path.to_owned(),
                    json!({"events": [{"shipment_id": s.id, "status": "in_transit",
                                       "occurred_at": "2026-11-20T18:00:00Z", "location": "Waco, TX", "source": "matrix"}]}),
                    vec![(
                        (*s).clone(),
                        Ref::Event("events[0].shipment_id".into(), "unknown_reference"),
                    )],
                )
            })
            .collect(),

        ("post", "/api/v1/invoices") => [(&fx.acct_a, &fx.a1), (&fx.acct_b, &fx.b1)]
            .iter()
            .map(|(a, o)| {
                one(
                    a.label,
                    path.to_owned(),
                    json!({"account_id": a.id, "currency": "USD",
                           "lines": [{"order_id": o.id, "order_line": 99, "quantity": 1, "unit_price": usd("1.00")}]}),
                    vec![
                        ((*a).clone(), body_ref("account_id")),
                        ((*o).clone(), body_ref("lines[0].order_id")),
                    ],
                )
            })
            .collect(),
        (
            "get",
            "/api/v1/invoices/{id}" | "/api/v1/invoices/{id}/match" | "/api/v1/invoices/{id}/timeline",
        ) => each(&[&fx.inv_a, &fx.inv_b], Value::Null),
        ("post", "/api/v1/credit-memos") => [(&fx.acct_a, &fx.inv_a), (&fx.acct_b, &fx.inv_b)]
            .iter()
            .map(|(a, i)| {
                one(
                    a.label,
                    path.to_owned(),
                    json!({"account_id": a.id, "invoice_id": i.id, "amount": usd("0.00"), "reason": ""}),
                    vec![
                        ((*a).clone(), body_ref("account_id")),
                        ((*i).clone(), body_ref("invoice_id")),
                    ],
                )
            })
            .collect(),
        ("get", "/api/v1/credit-memos/{id}") => each(&[&fx.memo_a, &fx.memo_b], Value::Null),
        ("post", "/api/v1/payments") => [
            ("A", &fx.acct_a, &fx.inv_a),
            ("B", &fx.acct_b, &fx.inv_b),
            ("A paying InvB", &fx.acct_a, &fx.inv_b),
        ]
        .iter()
        .map(|(target, a, i)| {
            one(
                target,
                path.to_owned(),
                json!({"account_id": a.id, "method": "ach", "amount": usd("0.00"),
                       "applications": [{"invoice_id": i.id, "amount": usd("0.00")}]}),
                vec![
                    ((*a).clone(), body_ref("account_id")),
                    ((*i).clone(), body_ref("applications[0].invoice_id")),
                ],
            )
        })
        .collect(),
        ("get", "/api/v1/payments/{id}") => each(&[&fx.pay_a, &fx.pay_b], Value::Null),

        ("post", "/api/v1/users") => accounts
            .iter()
            .map(|a| {
                one(
                    a.label,
                    path.to_owned(),
                    json!({"email": "matrix@example.com", "name": "Matrix", "type": "customer",
                           "account_id": a.id, "roles": []}),
                    vec![((*a).clone(), body_ref("account_id"))],
                )
            })
            .collect(),
        ("get", "/api/v1/users/{id}") => each(&users, Value::Null),
        ("patch", "/api/v1/users/{id}") => each(&users, json!({"name": ""})),
        ("post", "/api/v1/users/{id}/deactivate") => each(&users, json!({})),
        ("post", "/api/v1/api-keys") => users
            .iter()
            .map(|u| {
                one(
                    u.label,
                    path.to_owned(),
                    json!({"name": "", "user_id": u.id}),
                    vec![((*u).clone(), body_ref("user_id"))],
                )
            })
            .collect(),
        ("delete", "/api/v1/api-keys/{id}") => each(&[&fx.key_a, &fx.key_b, &fx.key_staff], Value::Null),
        // Issuing an invitation's token again (all three targets are still invited).
        ("post", "/api/v1/users/{id}/invitation") => each(&users, json!({})),
        // A reset link for a user (the targets are still invited: refused after authorisation).
        ("post", "/api/v1/users/{id}/password-reset") => each(&users, json!({})),
        // Failed sign-ins; naming another account's user is refused on `user_id`.
        ("get", "/api/v1/sign-in-failures") => vec![
            one("all", path.to_owned(), Value::Null, vec![]),
            one("?account_id=B", format!("{path}?account_id={}", w.other_account), Value::Null, vec![]),
            one(
                "?user_id=UserB",
                format!("{path}?user_id={}", fx.user_b.id),
                Value::Null,
                vec![(fx.user_b.clone(), body_ref("user_id"))],
            ),
        ],
        // One's own password (wrong current password: refused after authorisation) and sessions.
        ("post", "/api/v1/me/password") => plain(json!({"current_password": "not it", "new_password": "x"})),
        ("post", "/api/v1/me/sessions/revoke") => plain(json!({})),

        // Governance: approval policies, delegations, approvals, budgets.
        ("get", "/api/v1/accounts/{id}/approval-policy" | "/api/v1/accounts/{id}/budgets") => {
            each(&accounts, Value::Null)
        }
        ("put", "/api/v1/accounts/{id}/approval-policy") => each(
            &accounts,
            json!({"rules": [{"name": "", "condition": {"kind": "over_budget"}, "levels": [{"kind": "role"}]}]}),
        ),
        // Two users that exist nowhere: refused after the account is loaded.
        ("post", "/api/v1/accounts/{id}/delegations") => each(
            &accounts,
            json!({"from": uuid::Uuid::nil(), "to": uuid::Uuid::max(), "from_date": "2026-12-01", "until": "2026-12-05"}),
        ),
        ("get", "/api/v1/accounts/{id}/delegations") => each(&accounts, Value::Null),
        // A real delegation of each account: a permitted end succeeds once, then is 409.
        ("post", "/api/v1/accounts/{id}/delegations/{delegation_id}/end") => vec![
            one(
                "A",
                format!("/api/v1/accounts/{}/delegations/{}/end", w.account, fx.deleg_a),
                json!({}),
                vec![(fx.acct_a.clone(), Ref::Path)],
            ),
            one(
                "B",
                format!("/api/v1/accounts/{}/delegations/{}/end", w.other_account, fx.deleg_b),
                json!({}),
                vec![(fx.acct_b.clone(), Ref::Path)],
            ),
        ],
        ("post", "/api/v1/accounts/{id}/budgets") => each(
            &accounts,
            json!({"dimension": "cost_centre", "value": "", "period": "month", "starts_on": "2026-11-01",
                   "amount": usd("100.00")}),
        ),
        ("get", "/api/v1/orders/{id}/approvals") => each(&orders, Value::Null),
        // None of the orders needs approval: a permitted decision ends in 409.
        ("post", "/api/v1/orders/{id}/approvals/decision") => each(&orders, json!({"approve": true})),

        // Reorder and saved lists. A permitted reorder places a real order (tracked as a record).
        ("get", "/api/v1/orders/{id}/reorder") => each(&orders, Value::Null),
        ("post", "/api/v1/orders/{id}/reorder") => each(&orders, json!({"po_number": "PO-MATRIX"})),
        ("get", "/api/v1/saved-lists/{id}" | "/api/v1/saved-lists/{id}/reorder") => {
            each(&[&fx.list_a, &fx.list_b], Value::Null)
        }
        ("post", "/api/v1/saved-lists/{id}/reorder") => {
            each(&[&fx.list_a, &fx.list_b], json!({"po_number": "PO-MATRIX"}))
        }
        // -- reorder and saved lists --
        // Without If-Match a permitted change ends in 428 (after visibility), so nothing is lost.
        ("put", "/api/v1/saved-lists/{id}") => each(&[&fx.list_a, &fx.list_b], json!({"name": "", "lines": []})),
        ("delete", "/api/v1/saved-lists/{id}") => each(&[&fx.list_a, &fx.list_b], Value::Null),
        ("post", "/api/v1/saved-lists") => vec![
            one(
                "A",
                path.to_owned(),
                json!({"account_id": w.account, "name": "", "lines": []}),
                vec![(fx.acct_a.clone(), body_ref("account_id"))],
            ),
            one(
                "B",
                path.to_owned(),
                json!({"account_id": w.other_account, "name": "", "lines": []}),
                vec![(fx.acct_b.clone(), body_ref("account_id"))],
            ),
            // A line to the store, then an unknown SKU so nothing is saved when it passes.
            one(
                "A, line to the store",
                path.to_owned(),
                json!({"account_id": w.account, "name": "Matrix", "lines": [
                    {"sku": "TWL-C-12", "quantity": 1, "ship_to": w.store},
                    {"sku": "NO-SUCH-SKU", "quantity": 1, "ship_to": w.dock}]}),
                vec![
                    (fx.acct_a.clone(), body_ref("account_id")),
                    (
                        fx.store_ref.clone(),
                        Ref::Body("lines[0].ship_to".into(), "out_of_scope"),
                    ),
                ],
            ),
        ],
        ("get", "/api/v1/accounts/{id}/spend") => each(&accounts, Value::Null)
            .into_iter()
            .map(|mut c| {
                // group_by is checked before the account is loaded.
                c.path.push_str("?group_by=location");
                c
            })
            .collect(),
        ("post", "/api/v1/products/{id}/discontinue") => each(&[&fx.old_product], json!({})),
        // -- supplier portal and shipments --
        // Line 99 exists on no order: a permitted confirmation is refused after the order loads.
        ("post", "/api/v1/orders/{id}/supplier-confirmation") => each(&orders, json!({"lines": [{"line": 99}]})),
        // -- dropship --
        // Bodies refused after the records load (an empty name, line 99, an empty SKU); the
        // fixture's rule matches no SKU, so routing allocates nothing.
        ("get", "/api/v1/routing-rules" | "/api/v1/suppliers/sla" | "/api/v1/dropship-settings") => plain(Value::Null),
        ("post", "/api/v1/routing-rules") => plain(json!({"name": "", "supplier": fx.supplier})),
        ("get", "/api/v1/routing-rules/{id}") => each(&[&fx.rule], Value::Null),
        ("patch", "/api/v1/routing-rules/{id}") => each(&[&fx.rule], json!({"name": ""})),
        ("delete", "/api/v1/routing-rules/{id}") => each(&[&fx.no_rule], Value::Null),
        ("post", "/api/v1/orders/{id}/route") => each(&orders, json!({})),
        ("post", "/api/v1/orders/{id}/supplier-rejection") => {
            each(&orders, json!({"line": 99, "reason": "cannot fill"}))
        }
        ("put", "/api/v1/dropship-settings") => plain(json!({"show_supplier_names": false, "route_at_placement": false})),
        ("get" | "put", "/api/v1/suppliers/{location}/stock") => [&fx.stock_own, &fx.stock_other]
            .iter()
            .map(|r| {
                let body = if method == "put" {
                    json!({"rows": [{"sku": "", "available": 1, "lead_time_days": 1}]})
                } else {
                    Value::Null
                };
                one(
                    r.label,
                    path.replace("{location}", &r.id),
                    body,
                    vec![((*r).clone(), Ref::Path)],
                )
            })
            .collect(),
        // -- /dropship --

        // -- returns --
        ("get", "/api/v1/returns") => list(),
        ("get", "/api/v1/returns/{id}") => each(&[&fx.ret_a, &fx.ret_b], Value::Null),
        // Line 99 exists on no order: a permitted request is refused after the order loads.
        ("post", "/api/v1/returns") => [&fx.a1, &fx.a2, &fx.b1]
            .iter()
            .map(|o| {
                one(
                    o.label,
                    path.to_owned(),
                    json!({"order_id": o.id, "reason": "damaged", "lines": [{"line": 99, "quantity": 1}]}),
                    vec![((*o).clone(), Ref::Path)],
                )
            })
            .collect(),
        // Both returns are requested: a rejection without a reason, a shipment or a receipt
        // before approval are refused after the return loads.
        ("post", "/api/v1/returns/{id}/decision") => each(&[&fx.ret_a, &fx.ret_b], json!({"decision": "reject"})),
        ("post", "/api/v1/returns/{id}/shipment") => each(&[&fx.ret_a, &fx.ret_b], json!({"carrier": "UPS"})),
        ("post", "/api/v1/returns/{id}/receipt") => each(&[&fx.ret_a, &fx.ret_b], json!({"lines": []})),
        // -- /returns --
        // -- cases --
        ("get", "/api/v1/cases") => list(),
        // An empty message: a permitted request is refused after the record loads.
        ("post", "/api/v1/cases") => [&fx.a1, &fx.a2, &fx.b1, &fx.s1, &fx.s2, &fx.sb, &fx.inv_a, &fx.inv_b]
            .iter()
            .map(|r| {
                let kind = match r.kind {
                    Kind::Shipment => "shipment",
                    Kind::Billing => "invoice",
                    _ => "order",
                };
                one(
                    r.label,
                    path.to_owned(),
                    json!({"about": {"kind": kind, "id": r.id}, "body": ""}),
                    vec![((*r).clone(), body_ref("about.id"))],
                )
            })
            .collect(),
        ("get", "/api/v1/cases/{id}") => each(&[&fx.case_a1, &fx.case_s2, &fx.case_b1], Value::Null),
        ("post", "/api/v1/cases/{id}/messages") => {
            each(&[&fx.case_a1, &fx.case_s2, &fx.case_b1], json!({"body": ""}))
        }
        // Unassigning an unassigned case is refused (staff: 409; customers: 403 in the app).
        ("post", "/api/v1/cases/{id}/assignment") => {
            each(&[&fx.case_a1, &fx.case_s2, &fx.case_b1], json!({"assignee_id": null}))
        }
        // The seller opened them, so they wait on the customer already: refused, nothing moves.
        ("post", "/api/v1/cases/{id}/status") => each(
            &[&fx.case_a1, &fx.case_s2, &fx.case_b1],
            json!({"status": "waiting_on_customer"}),
        ),
        // -- /cases --
        // -- exceptions --
        ("get", "/api/v1/exceptions") => list(),
        ("get", "/api/v1/exceptions/{id}") => each(&[&fx.exc_s2, &fx.exc_b], Value::Null),
        ("post", "/api/v1/exceptions/{id}/acknowledge") => each(&[&fx.exc_s2, &fx.exc_b], json!({})),
        ("post", "/api/v1/exceptions/{id}/assign") => each(&[&fx.exc_s2, &fx.exc_b], json!({"assignee": null})),
        ("post", "/api/v1/exceptions/{id}/resolve") => {
            each(&[&fx.exc_s2, &fx.exc_b], json!({"note": "The matrix resolves it."}))
        }
        ("post", "/api/v1/exceptions/bulk") => [&fx.exc_s2, &fx.exc_b]
            .iter()
            .map(|r| {
                one(
                    r.label,
                    path.to_owned(),
                    json!({"ids": [r.id], "action": "acknowledge"}),
                    vec![((*r).clone(), body_ref("ids[0]"))],
                )
            })
            .collect(),
        // -- /exceptions --
        // -- change requests --
        // Line 99 exists on no order: a permitted request is refused after the order loads.
        ("post", "/api/v1/orders/{id}/change-requests" | "/api/v1/orders/{id}/change-requests/preview") => {
            each(&orders, json!({"changes": [{"type": "quantity", "line": 99, "quantity": 1}]}))
        }
        ("get", "/api/v1/orders/{id}/change-requests") => each(&orders, Value::Null),
        ("post", "/api/v1/orders/{id}/releases") => {
            each(&orders, json!({"line": 99, "fulfilment_location_id": w.dallas, "quantity": 1}))
        }
        ("get", "/api/v1/change-requests") => list(),
        ("get", "/api/v1/change-requests/{id}") => each(&[&fx.cr_a, &fx.cr_b], Value::Null),
        // Both were done at once: a permitted decision is refused after the request loads.
        ("post", "/api/v1/change-requests/{id}/decision") => each(&[&fx.cr_a, &fx.cr_b], json!({"accept": true})),
        // -- /change requests --
        // -- notifications --
        ("get", "/api/v1/notifications") => vec![
            one("all", path.to_owned(), Value::Null, vec![]),
            one("?unread=true", format!("{path}?unread=true"), Value::Null, vec![]),
        ],
        ("get", "/api/v1/notifications/unread-count" | "/api/v1/me/notification-preferences") => plain(Value::Null),
        // Everyone's own: another user's notification is not found, whoever asks.
        ("post", "/api/v1/notifications/{id}/read") => each(&[&fx.notif_a, &fx.notif_b], json!({})),
        ("post", "/api/v1/notifications/read-all") => plain(json!({})),
        // One's own preferences (a harmless change: the time zone).
        ("put", "/api/v1/me/notification-preferences") => plain(json!({"utc_offset_minutes": 60})),
        ("get", "/api/v1/accounts/{id}/notification-defaults") => each(&accounts, Value::Null),
        // No milestone named: a permitted request changes nothing.
        ("put", "/api/v1/accounts/{id}/notification-defaults") => each(&accounts, json!({"channels": {}})),
        ("get", "/api/v1/webhook-endpoints") => plain(Value::Null),
        // A loopback URL: a permitted request is refused (on `url`) after the account is known.
        ("post", "/api/v1/webhook-endpoints") => {
            let hook = |target: &str, account: Option<&Rec>| {
                let mut body = json!({"url": "http://127.0.0.1:9/matrix", "event_types": ["*"]});
                let mut refs = vec![];
                if let Some(a) = account {
                    body["account_id"] = json!(a.id);
                    refs.push((a.clone(), body_ref("account_id")));
                }
                one(target, path.to_owned(), body, refs)
            };
            vec![hook("own", None), hook("A", Some(&fx.acct_a)), hook("B", Some(&fx.acct_b))]
        }
        ("get", "/api/v1/webhook-endpoints/{id}" | "/api/v1/webhook-endpoints/{id}/deliveries") => {
            each(&[&fx.ep_a, &fx.ep_b, &fx.ep_seller], Value::Null)
        }
        ("patch", "/api/v1/webhook-endpoints/{id}") => each(
            &[&fx.ep_a, &fx.ep_b, &fx.ep_seller],
            json!({"url": "http://127.0.0.1:9/matrix"}),
        ),
        // A permitted rotation succeeds (the old secret keeps signing).
        ("post", "/api/v1/webhook-endpoints/{id}/rotate-secret") => {
            each(&[&fx.ep_a, &fx.ep_b, &fx.ep_seller], json!({}))
        }
        // Nothing was created after 2999: a permitted replay replays nothing.
        ("post", "/api/v1/webhook-endpoints/{id}/replay") => each(
            &[&fx.ep_a, &fx.ep_b, &fx.ep_seller],
            json!({"since": "2999-01-01T00:00:00Z"}),
        ),
        // -- procurement --
        ("get", "/api/v1/accounts/{id}/procurement-links") => each(&accounts, Value::Null),
        // A secret too short: a permitted request is refused (on `shared_secret`) once the
        // account is known.
        ("post", "/api/v1/accounts/{id}/procurement-links") => each(
            &accounts,
            json!({"oci_username": "MATRIX", "shared_secret": "short"}),
        ),
        ("get", "/api/v1/procurement-links/{id}") => each(&[&fx.link_a, &fx.link_b], Value::Null),
        ("get", "/api/v1/procurement-links/{id}/documents") => each(&[&fx.link_a, &fx.link_b], Value::Null),
        ("get", "/api/v1/procurement-links/{id}/x12-documents") => each(&[&fx.link_a, &fx.link_b], Value::Null),
        ("get", "/api/v1/exports/{kind}") => vec![one(
            "orders",
            "/api/v1/exports/orders?format=jsonl".to_owned(),
            Value::Null,
            vec![],
        )],
        // No file: a permitted request is refused on `body` (an empty file).
        ("post", "/api/v1/imports/{kind}") => vec![one("orders", "/api/v1/imports/orders".to_owned(), Value::Null, vec![])],
        // Already active: a permitted request changes nothing.
        ("patch", "/api/v1/procurement-links/{id}") => each(&[&fx.link_a, &fx.link_b], json!({"active": true})),
        // -- /procurement --
        ("get", "/api/v1/deliveries") => vec![
            one("all", path.to_owned(), Value::Null, vec![]),
            one(
                "?queue=webhook&state=pending",
                format!("{path}?queue=webhook&state=pending&limit=200"),
                Value::Null,
                vec![],
            ),
        ],
        ("get", "/api/v1/deliveries/{id}") => each(&[&fx.del_a, &fx.del_b, &fx.del_seller], Value::Null),
        // All are pending: a permitted replay leaves them so.
        ("post", "/api/v1/deliveries/{id}/replay") => each(&[&fx.del_a, &fx.del_b, &fx.del_seller], json!({})),
        ("post", "/api/v1/deliveries/replay") => plain(json!({"queue": "webhook", "since": "2999-01-01T00:00:00Z"})),
        ("get", "/api/v1/events") => vec![
            one("all", path.to_owned(), Value::Null, vec![]),
            one("?after=0&limit=500", format!("{path}?after=0&limit=500"), Value::Null, vec![]),
        ],
        ("get", "/api/v1/reports/help-engagement") => vec![one("all", path.to_owned(), Value::Null, vec![])],
        // -- /notifications --
        // -- receivables --
        ("get", "/api/v1/accounts/{id}/billing-profile" | "/api/v1/accounts/{id}/statement" | "/api/v1/accounts/{id}/aging") => {
            each(&accounts, Value::Null)
        }
        // A token the provider never issued: refused after the account loads, before the
        // provider is asked.
        ("post", "/api/v1/accounts/{id}/payment-methods") => each(&accounts, json!({"token": "not-a-token"})),
        // Each account's path naming the other account's saved method: it is not in this
        // account's profile, so a permitted request is "payment method not found" and removes
        // nothing (the methods are checked again after the matrix).
        ("delete", "/api/v1/accounts/{id}/payment-methods/{method_id}") => [
            (&fx.acct_a, &fx.pm_b),
            (&fx.acct_b, &fx.pm_a),
        ]
        .iter()
        .map(|(a, m)| {
            one(
                if a.label == "A" { "A, B's method" } else { "B, A's method" },
                format!("/api/v1/accounts/{}/payment-methods/{}", a.id, m.id),
                Value::Null,
                // The other account's method, looked up in this account's profile: nobody finds it there.
                vec![((*a).clone(), Ref::Path), ((*m).clone().private(), Ref::Named("payment method"))],
            )
        })
        .collect(),
        // Autopay with the other account's method: refused on `method_id` after the account
        // loads (a permitted request changes nothing).
        ("put", "/api/v1/accounts/{id}/autopay") => [(&fx.acct_a, &fx.pm_b), (&fx.acct_b, &fx.pm_a)]
            .iter()
            .map(|(a, m)| {
                one(
                    if a.label == "A" { "A, B's method" } else { "B, A's method" },
                    format!("/api/v1/accounts/{}/autopay", a.id),
                    json!({"method_id": m.id, "days_before_due": 3, "max_amount": usd("100.00"), "enabled": true}),
                    vec![
                        ((*a).clone(), Ref::Path),
                        ((*m).clone().private(), Ref::Body("method_id".into(), "unknown_reference")),
                    ],
                )
            })
            .collect(),
        // Neither account has autopay: a permitted request switches off what is off.
        ("delete", "/api/v1/accounts/{id}/autopay") => each(&accounts, Value::Null),
        // An empty schedule and an empty e-invoicing id are refused after the account loads.
        ("put", "/api/v1/accounts/{id}/dunning") => each(&accounts, json!({"steps": []})),
        ("put", "/api/v1/accounts/{id}/einvoicing") => each(&accounts, json!({"scheme": "0088", "id": " "})),

        // Paying online: a zero amount is refused after the account, its method and the
        // invoices load (before the provider is asked).
        ("post", "/api/v1/payments/online") => {
            let pay = |target: &str, a: &Rec, m: &Rec, i: &Rec, extra: Value, refs: Vec<(Rec, Ref)>| {
                let mut inv = json!({"invoice_id": i.id, "amount": usd("0.00")});
                if let (Some(o), Some(e)) = (inv.as_object_mut(), extra.as_object()) {
                    o.extend(e.clone());
                }
                one(
                    target,
                    path.to_owned(),
                    json!({"account_id": a.id, "method_id": m.id, "invoices": [inv]}),
                    refs,
                )
            };
            let acct = |a: &Rec| (a.clone(), body_ref("account_id"));
            let inv = |i: &Rec| (i.clone(), body_ref("invoices[0].invoice_id"));
            vec![
                pay("A", &fx.acct_a, &fx.pm_a, &fx.inv_a, json!({}), vec![acct(&fx.acct_a), inv(&fx.inv_a)]),
                pay("B", &fx.acct_b, &fx.pm_b, &fx.inv_b, json!({}), vec![acct(&fx.acct_b), inv(&fx.inv_b)]),
                pay("A paying InvB", &fx.acct_a, &fx.pm_a, &fx.inv_b, json!({}), vec![acct(&fx.acct_a), inv(&fx.inv_b)]),
                // B's card, looked up in A's profile: nobody finds it there.
                pay(
                    "A with B's method",
                    &fx.acct_a,
                    &fx.pm_b,
                    &fx.inv_a,
                    json!({}),
                    vec![acct(&fx.acct_a), (fx.pm_b.clone().private(), body_ref("method_id"))],
                ),
                // A short-pay naming B's shipment as the evidence.
                pay(
                    "A short-paying, naming SB",
                    &fx.acct_a,
                    &fx.pm_a,
                    &fx.inv_a,
                    json!({"short_reason": "damaged", "shipment_id": fx.sb.id}),
                    vec![
                        acct(&fx.acct_a),
                        inv(&fx.inv_a),
                        (fx.sb.clone(), body_ref("invoices[0].shipment_id")),
                    ],
                ),
            ]
        }
        ("get", "/api/v1/payments/online" | "/api/v1/disputes") => list(),
        ("get", "/api/v1/payments/online/{id}") => each(&[&fx.op_a, &fx.op_b], Value::Null),

        // Disputes: a zero amount is refused after the invoice loads.
        ("post", "/api/v1/disputes") => {
            let open = |target: &str, i: &Rec, extra: Value, refs: Vec<(Rec, Ref)>| {
                let mut body = json!({"invoice_id": i.id, "reason": "damaged", "amount": usd("0.00"), "message": "matrix"});
                if let (Some(o), Some(e)) = (body.as_object_mut(), extra.as_object()) {
                    o.extend(e.clone());
                }
                one(target, path.to_owned(), body, refs)
            };
            vec![
                open("InvA", &fx.inv_a, json!({}), vec![(fx.inv_a.clone(), body_ref("invoice_id"))]),
                open("InvB", &fx.inv_b, json!({}), vec![(fx.inv_b.clone(), body_ref("invoice_id"))]),
                open(
                    "InvA, naming SB",
                    &fx.inv_a,
                    json!({"shipment_id": fx.sb.id}),
                    vec![(fx.inv_a.clone(), body_ref("invoice_id")), (fx.sb.clone(), body_ref("shipment_id"))],
                ),
            ]
        }
        ("get", "/api/v1/disputes/{id}") => each(&[&fx.dsp_a, &fx.dsp_b], Value::Null),
        // An empty message, and a zero credit, are refused after the dispute loads.
        ("post", "/api/v1/disputes/{id}/messages") => each(&[&fx.dsp_a, &fx.dsp_b], json!({"text": ""})),
        ("post", "/api/v1/disputes/{id}/resolution") => each(
            &[&fx.dsp_a, &fx.dsp_b],
            json!({"outcome": "credit", "amount": usd("0.00")}),
        ),

        // Invoice documents and suggestions (a UBL without e-invoicing details is a 422 past
        // authorisation).
        (
            "get",
            "/api/v1/invoices/{id}/dispute-suggestions" | "/api/v1/invoices/{id}/pdf" | "/api/v1/invoices/{id}/ubl",
        ) => each(&[&fx.inv_a, &fx.inv_b], Value::Null),
        ("get", "/api/v1/credit-memos/{id}/pdf" | "/api/v1/credit-memos/{id}/ubl") => {
            each(&[&fx.memo_a, &fx.memo_b], Value::Null)
        }
        // Account credit: every payment and memo here is fully applied, so 999.00 is refused
        // after the invoice and the source load.
        ("post", "/api/v1/invoices/{id}/apply-credit") => [
            ("InvA from PayA", &fx.inv_a, "payment", &fx.pay_a),
            ("InvB from PayB", &fx.inv_b, "payment", &fx.pay_b),
            ("InvA from PayB", &fx.inv_a, "payment", &fx.pay_b),
            ("InvA from MemoB", &fx.inv_a, "credit_memo", &fx.memo_b),
        ]
        .iter()
        .map(|(target, i, kind, src)| {
            one(
                target,
                format!("/api/v1/invoices/{}/apply-credit", i.id),
                json!({"source": kind, "source_id": src.id, "amount": usd("999.00")}),
                vec![((*i).clone(), Ref::Path), ((*src).clone(), body_ref("source_id"))],
            )
        })
        .collect(),

        // The seller's finance work.
        (
            "get",
            "/api/v1/reports/aging"
            | "/api/v1/credit-holds"
            | "/api/v1/seller-profile"
            | "/api/v1/bank-statements"
            | "/api/v1/unapplied-receipts",
        ) => plain(Value::Null),
        // A three-letter country is refused by the profile's validation (nothing is stored).
        ("put", "/api/v1/seller-profile") => plain(json!({
            "legal_name": "Matrix Supply", "address": {"lines": [], "city": "Austin", "country": "usa"}})),
        // A malformed file: refused, nothing imported.
        ("post", "/api/v1/bank-statements") => plain(json!({"content": "<not a camt.053 statement"})),
        ("get", "/api/v1/bank-statements/{id}") => each(&[&fx.bank_import], Value::Null),
        ("get", "/api/v1/unapplied-receipts/{id}") => each(&[&fx.receipt], Value::Null),
        // More than the receipt and the invoice's balance: refused after everything loads.
        ("post", "/api/v1/unapplied-receipts/{id}/apply") => vec![one(
            "Receipt to A",
            format!("/api/v1/unapplied-receipts/{}/apply", fx.receipt.id),
            json!({"account_id": w.account, "applications": [{"invoice_id": fx.inv_a.id, "amount": usd("999.00")}]}),
            vec![
                (fx.receipt.clone(), Ref::Path),
                (fx.acct_a.clone(), body_ref("account_id")),
                (fx.inv_a.clone(), body_ref("applications[0].invoice_id")),
            ],
        )],
        // None of the orders is held: a permitted decision is refused after the order loads.
        ("post", "/api/v1/orders/{id}/credit-decision") => each(&orders, json!({"release": true})),
        // -- /receivables --
        (m, p) => panic!(
            "the isolation matrix does not know how to fill {} {p}: add it to `cases` in \
             crates/api/tests/isolation.rs (path ids, a minimal body, and its targets)",
            m.to_uppercase()
        ),
    }
}

/// An order the matrix placed (a permitted reorder), as a record for the leak check.
fn placed_order(fx: &Fx, method: &str, r: &Resp) -> Option<Rec> {
    if method != "post" || r.status != 201 || !r.body["lines"].is_array() || r.body["account_id"].is_null() {
        return None;
    }
    let account = if r.body["account_id"] == fx.w.account.as_str() {
        Acct::A
    } else {
        Acct::B
    };
    let locs: Vec<Loc> = r.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| match l["ship_to"].as_str().unwrap_or("") {
            s if s == fx.w.dock => Loc::Dock,
            s if s == fx.w.store => Loc::Store,
            s if s == fx.w.other_ship_to => Loc::BHq,
            s => panic!("an order placed by the matrix ships to an unexpected location {s}"),
        })
        .collect();
    Some(Rec::new("placed by the matrix", Kind::Order, &r.id(), Some(account)).to(&locs, false))
}

/// The outcome class a cell must end in.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Forbidden,
    NotFound,
    /// 404 `not_found` whose detail names this ("payment method not found").
    NotFoundNamed(&'static str),
    /// 422 with this code on this body field.
    Refused(&'static str, String),
    /// 422, with the (only) event rejected with this code on this field.
    EventRejected(&'static str, String),
    /// Past authorisation: anything but 401/403/404/5xx, and not refused on a reference field.
    Allowed,
}

fn expect(who: &Who, method: &str, path: &str, case: &Case) -> Expect {
    let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    let action = aftercart_api::access::action(&m, path)
        .unwrap_or_else(|| panic!("{method} {path} has no access rule (see access.rs)"));
    if !who.principal.may(action) {
        return Expect::Forbidden;
    }
    // Suppliers fulfil orders and never place them: reordering is refused before any lookup.
    if who.reach == Reach::Supplier && path.ends_with("/reorder") {
        return Expect::Forbidden;
    }
    // -- receivables --
    // The seller's finance work: the app refuses anyone but seller staff before any lookup
    // (`is_seller()` in plan_set_dunning, plan_set_einvoicing, plan_set_seller_profile,
    // plan_resolve_dispute, plan_credit_decision, import_bank_statement, book_aging). No
    // customer or supplier role has `Receivables`, so today this only backs up the role table.
    let seller_work = matches!(
        (method, path),
        (
            "put",
            "/api/v1/accounts/{id}/dunning" | "/api/v1/accounts/{id}/einvoicing" | "/api/v1/seller-profile"
        ) | (
            "post",
            "/api/v1/disputes/{id}/resolution" | "/api/v1/orders/{id}/credit-decision" | "/api/v1/bank-statements"
        ) | ("get", "/api/v1/reports/aging")
    );
    if seller_work && !who.principal.is_seller() {
        return Expect::Forbidden;
    }
    // -- /receivables --
    // -- procurement --
    // Procurement links are changed by seller admins only, refused before any lookup.
    let link_change = matches!(
        (method, path),
        ("post", "/api/v1/accounts/{id}/procurement-links") | ("patch", "/api/v1/procurement-links/{id}")
    );
    if link_change && !who.principal.is_seller_admin() {
        return Expect::Forbidden;
    }
    // -- /procurement --
    for (rec, r) in &case.refs {
        if !sees(&who.reach, rec) {
            return match r {
                Ref::Path => Expect::NotFound,
                Ref::Named(what) => Expect::NotFoundNamed(what),
                Ref::Body(f, code) => Expect::Refused(code, f.clone()),
                Ref::Event(f, code) => Expect::EventRejected(code, f.clone()),
            };
        }
    }
    // Rules the application applies once the record is known to be theirs:
    // the account timeline spans every location, so a location-scoped user may not read it;
    let scoped = matches!(&who.reach, Reach::Customer { only: Some(_), .. });
    // an approver may delegate only their own approvals (an account admin anyone's);
    let customer_admin = matches!(&who.principal.kind, PrincipalKind::Customer { roles, .. }
        if roles.contains(&CustomerRole::AccountAdmin));
    let customer = matches!(who.reach, Reach::Customer { .. });
    // and approvals are decided by the customer's own people, never by seller staff.
    // and staff users (and keys acting as them) are changed only by seller admins, so no role
    // can grant itself more than it has.
    let non_admin_staff =
        matches!(&who.principal.kind, PrincipalKind::Staff(r) if *r != aftercart_app::StaffRole::Admin);
    let touches_staff_user = case.refs.iter().any(|(rec, _)| rec.label == "UserStaff");
    // Keys owned by staff are listed and revoked by seller admins only (invisible to agents).
    if non_admin_staff && case.refs.iter().any(|(rec, _)| rec.label == "KeyStaff") {
        return Expect::NotFound;
    }
    if method != "get" && non_admin_staff && touches_staff_user {
        return Expect::Forbidden;
    }
    let app_refuses = match path {
        "/api/v1/accounts/{id}/timeline" => scoped,
        // (listing them is open to every approver of the account);
        "/api/v1/accounts/{id}/delegations" => method == "post" && customer && !customer_admin,
        // and ends only their own delegations (the matrix's belong to neither).
        "/api/v1/accounts/{id}/delegations/{delegation_id}/end" => customer && !customer_admin,
        "/api/v1/orders/{id}/approvals/decision" => !customer,
        // -- cases --
        // Cases are assigned by the seller's staff.
        "/api/v1/cases/{id}/assignment" => customer,
        // -- /cases --
        // -- notifications --
        // The log of every queue is the seller's; account admins read their endpoints' logs.
        "/api/v1/deliveries" | "/api/v1/deliveries/replay" => customer,
        // Help engagement is the seller's report across customers.
        "/api/v1/reports/help-engagement" => customer,
        // -- /notifications --
        // An ERP export spans every account: the seller's alone.
        "/api/v1/exports/{kind}" | "/api/v1/imports/{kind}" => customer,
        // -- dropship --
        // Supplier performance is the seller's (a supplier reads its own row).
        "/api/v1/suppliers/sla" => customer,
        // -- /dropship --
        _ => false,
    };
    if app_refuses {
        return Expect::Forbidden;
    }
    Expect::Allowed
}

/// The code and field a response blames: the problem itself, or the first event's error.
fn blame(r: &Resp) -> (String, String) {
    let e = if r.body["results"][0]["error"].is_object() {
        &r.body["results"][0]["error"]
    } else {
        &r.body
    };
    (
        e["code"].as_str().unwrap_or("").to_owned(),
        e["field"].as_str().unwrap_or("").to_owned(),
    )
}

fn check(r: &Resp, want: &Expect, case: &Case, secrets: &[&Rec]) -> Result<(), String> {
    let text = r.body.to_string();
    let leaked: Vec<&str> = secrets
        .iter()
        .filter(|s| text.contains(&s.id))
        .map(|s| s.label)
        .collect();
    if !leaked.is_empty() {
        return Err(format!("{} leaks {leaked:?}", r.status));
    }
    let status = r.status.as_u16();
    let (code, field) = blame(r);
    let ok = match want {
        Expect::Forbidden => status == 403 && code == "forbidden",
        Expect::NotFound => status == 404 && code == "not_found",
        Expect::NotFoundNamed(what) => {
            status == 404 && code == "not_found" && r.body["detail"] == format!("{what} not found").as_str()
        }
        Expect::Refused(c, f) => status == 422 && code == *c && field == *f,
        Expect::EventRejected(c, f) => {
            // A batch whose every event was refused answers 422 (the matrix sends one event).
            status == 422 && r.body["results"][0]["outcome"] == "rejected" && code == *c && field == *f
        }
        Expect::Allowed => {
            let blamed_ref = matches!(code.as_str(), "unknown_reference" | "out_of_scope" | "not_found")
                && case.refs.iter().any(|(_, x)| x.field() == Some(field.as_str()));
            !matches!(status, 401 | 403 | 404 | 405) && status < 500 && !blamed_ref
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("got {status} {code} {field}"))
    }
}

/// Cells where the server is wrong today; each is asserted (correctly) by
/// `matrix_known_bug_cells`, which is ignored until the bug is fixed.
/// (method, path template, principal, target, what goes wrong)
const KNOWN_BUGS: &[(&str, &str, &str, &str, &str)] = &[];

fn known_bug(method: &str, path: &str, who: &str, target: &str) -> bool {
    KNOWN_BUGS
        .iter()
        .any(|(m, p, w, t, _)| *m == method && *p == path && *w == who && *t == target)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every cell except the known bugs (which must still be wrong: fixing one means removing it).
    Main,
    /// Only the known-bug cells, asserting the correct behaviour (`matrix_known_bug_cells`,
    /// ignored while KNOWN_BUGS is non-empty).
    KnownBugs,
}

async fn run_matrix(t: &TestApp, mode: Mode) {
    let fx = fixture(t).await;
    let mut cast = Vec::new();
    for (name, _) in CAST {
        cast.push(enrol(t, &fx, name).await);
    }
    // -- receivables --
    let receivables_before = receivables_state(t, &fx).await;
    // -- /receivables --
    let doc = t.get("/api/v1/openapi.json").await.ok().body;
    let mut ops: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("operations") {
            if !PUBLIC.contains(&(method.as_str(), path.as_str())) {
                ops.push((method.clone(), path.clone()));
            }
        }
    }
    ops.sort();

    let (mut cells, mut passed, mut known_seen) = (0usize, 0usize, Vec::new());
    let mut classes = std::collections::BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    let mut created: Vec<Rec> = Vec::new();
    for (method, path) in &ops {
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let cs = cases(method, path, &fx);
        for who in &cast {
            for case in &cs {
                let secrets = fx.secrets(&who.reach, &created);
                cells += 1;
                let want = expect(who, method, path, case);
                *classes
                    .entry(match want {
                        Expect::Forbidden => "403",
                        Expect::NotFound | Expect::NotFoundNamed(_) => "404",
                        Expect::Refused(..) | Expect::EventRejected(..) => "422/rejected reference",
                        Expect::Allowed => "allowed",
                    })
                    .or_default() += 1;
                let body = (!case.body.is_null()).then_some(&case.body);
                let r = who.send(t, m.clone(), &case.path, body).await;
                let outcome = check(&r, &want, case, &secrets);
                if let Some(rec) = placed_order(&fx, method, &r) {
                    created.push(rec);
                }
                let cell = format!(
                    "{} {path} as {} on {}: want {want:?}",
                    method.to_uppercase(),
                    who.name,
                    case.target
                );
                let is_known = known_bug(method, path, who.name, &case.target);
                if is_known {
                    known_seen.push((method.clone(), path.clone(), who.name, case.target.clone()));
                }
                match (mode, is_known, outcome) {
                    (Mode::Main, false, Ok(())) => passed += 1,
                    (Mode::Main, false, Err(e)) => failures.push(format!("{cell}, {e}; body {}", r.body)),
                    (Mode::Main, true, Ok(())) => failures.push(format!(
                        "{cell}: listed in KNOWN_BUGS but now correct; remove it from the list"
                    )),
                    (Mode::Main, true, Err(_)) => {}
                    (Mode::KnownBugs, true, Ok(())) => passed += 1,
                    (Mode::KnownBugs, true, Err(e)) => failures.push(format!("{cell}, {e}; body {}", r.body)),
                    (Mode::KnownBugs, false, _) => {}
                }
            }
        }
    }
    // -- receivables --
    // Permitted requests were aimed at refusals: no balance, saved method, autopay, dispute,
    // online payment or receipt may have changed (known-bug cells included).
    let receivables_after = receivables_state(t, &fx).await;
    if receivables_after != receivables_before {
        failures.push(format!(
            "the matrix changed receivables: before {receivables_before:#}, after {receivables_after:#}"
        ));
    }
    // -- /receivables --
    for (m, p, w, tg, _) in KNOWN_BUGS {
        assert!(
            known_seen
                .iter()
                .any(|(km, kp, kw, kt)| km == m && kp == p && kw == w && kt == tg),
            "KNOWN_BUGS names a cell the matrix does not have: {m} {p} {w} {tg}"
        );
    }
    println!(
        "isolation matrix ({}): {} operations × {} principals × 1–4 targets = {cells} cells; \
         expected classes {classes:?}; {passed} as expected, {} known-bug cells, {} failures",
        t.app.store.backend(),
        ops.len(),
        cast.len(),
        KNOWN_BUGS.len(),
        failures.len()
    );
    assert!(ops.len() >= 45, "the matrix covered only {} operations", ops.len());
    assert!(
        failures.is_empty(),
        "{} isolation cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn matrix(t: TestApp) {
    run_matrix(&t, Mode::Main).await;
}

/// Cheap guard: every documented operation has a filler (the matrix itself panics the same way).
#[test]
fn the_matrix_knows_how_to_fill_every_operation() {
    let doc = serde_json::to_value(aftercart_api::openapi()).expect("openapi");
    let fake = || uuid::Uuid::now_v7().to_string();
    let w = World {
        account: fake(),
        bill_to: fake(),
        dock: fake(),
        store: fake(),
        clinic: fake(),
        other_account: fake(),
        other_ship_to: fake(),
        dallas: fake(),
        reno: fake(),
        gloves: fake(),
        towels: fake(),
    };
    let mut ids = Ids::default();
    for k in FIXTURE_IDS {
        ids.put(k, fake());
    }
    let fx = Fx::build(w, &ids);
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("operations") {
            if !PUBLIC.contains(&(method.as_str(), path.as_str())) {
                let cs = cases(method, path, &fx);
                assert!(!cs.is_empty(), "{method} {path} has no targets");
                for c in cs {
                    assert!(!c.path.contains('{'), "{method} {path}: unfilled {}", c.path);
                }
                n += 1;
            }
        }
    }
    assert!(n >= 45, "only {n} operations");
}

// ---------------------------------------------------------------------------------------------
// Scenarios.
// ---------------------------------------------------------------------------------------------

fn items(r: &Resp) -> Vec<Value> {
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn ids_of(r: &Resp) -> Vec<String> {
    items(r)
        .iter()
        .map(|i| i["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn line_numbers(order: &Value) -> Vec<u64> {
    order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["line"].as_u64().expect("line"))
        .collect()
}

fn shipment_ids(order: &Value) -> Vec<String> {
    order["shipments"]
        .as_array()
        .expect("shipments")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn scoped_buyer_sees_only_its_locations(t: TestApp) {
    let fx = fixture(&t).await;
    let dock = enrol(&t, &fx, "a_buyer_dock").await;

    // The store-only order does not exist for them.
    dock.get(&t, &format!("/api/v1/orders/{}", fx.a2.id))
        .await
        .refused(404, "not_found", "");
    dock.get(&t, &format!("/api/v1/orders/{}/status", fx.a2.id))
        .await
        .refused(404, "not_found", "");
    let list = dock.get(&t, "/api/v1/orders").await.ok();
    assert_eq!(
        ids_of(&list),
        std::slice::from_ref(&fx.a1.id),
        "only the order with a dock line"
    );
    // Filtering by a location outside the scope is refused (never a partial hit on the mixed order).
    dock.get(&t, &format!("/api/v1/orders?location_id={}", fx.w.store))
        .await
        .refused(422, "out_of_scope", "location_id");

    // Of the mixed order they see line 1 (dock) and the dock shipment only.
    let a1 = dock.get(&t, &format!("/api/v1/orders/{}", fx.a1.id)).await.ok();
    assert_eq!(line_numbers(&a1.body), [1]);
    assert_eq!(a1.body["lines"][0]["ship_to"], fx.w.dock.as_str());
    assert_eq!(shipment_ids(&a1.body), std::slice::from_ref(&fx.s1.id));
    let status = dock.get(&t, &format!("/api/v1/orders/{}/status", fx.a1.id)).await.ok();
    assert_eq!(
        status.body["lines"].as_array().map(Vec::len),
        Some(1),
        "{}",
        status.body
    );
    dock.get(&t, &format!("/api/v1/shipments/{}", fx.s2.id))
        .await
        .refused(404, "not_found", "");
    let ships = dock.get(&t, "/api/v1/shipments").await.ok();
    assert_eq!(ids_of(&ships), std::slice::from_ref(&fx.s1.id));
    // The account timeline spans every location.
    dock.get(&t, &format!("/api/v1/accounts/{}/timeline", fx.w.account))
        .await
        .refused(403, "forbidden", "");
}

async fn account_admin_cannot_read_or_change_another_account(t: TestApp) {
    let fx = fixture(&t).await;
    let admin = enrol(&t, &fx, "a_account_admin").await;
    let b = &fx.w.other_account;

    admin
        .get(&t, &format!("/api/v1/accounts/{b}"))
        .await
        .refused(404, "not_found", "");
    admin
        .post(
            &t,
            &format!("/api/v1/accounts/{b}/locations"),
            json!({"kind": "ship_to", "name": "Sneaky dock"}),
        )
        .await
        .refused(404, "not_found", "");
    admin
        .post(
            &t,
            "/api/v1/users",
            json!({"email": "mole@contoso.example", "name": "Mole", "type": "customer",
                   "account_id": b, "roles": ["account_admin"]}),
        )
        .await
        .refused(422, "unknown_reference", "account_id");
    admin
        .post(&t, "/api/v1/api-keys", json!({"name": "x", "user_id": fx.user_b.id}))
        .await
        .refused(422, "unknown_reference", "user_id");
    admin
        .post(&t, &format!("/api/v1/users/{}/deactivate", fx.user_b.id), json!({}))
        .await
        .refused(404, "not_found", "");

    // Their own account works, and lists only its users.
    admin
        .post(
            &t,
            &format!("/api/v1/accounts/{}/locations", fx.w.account),
            json!({"kind": "ship_to", "name": "Annex"}),
        )
        .await
        .ok();
    let users = admin.get(&t, "/api/v1/users").await.ok();
    let listed = items(&users);
    let accounts: Vec<&str> = listed
        .iter()
        .map(|u| u["account_id"].as_str().unwrap_or("none"))
        .collect();
    assert!(!accounts.is_empty());
    assert!(
        accounts.iter().all(|a| *a == fx.w.account),
        "only account A's users: {}",
        users.body
    );
    let emails: Vec<String> = items(&users)
        .iter()
        .map(|u| u["email"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(emails.contains(&admin.email) && emails.contains(&"target-a@northwind.example".to_owned()));
    let b_users = admin.get(&t, &format!("/api/v1/users?account_id={b}")).await.ok();
    assert!(items(&b_users).is_empty(), "{}", b_users.body);
}

async fn supplier_sees_only_its_lines(t: TestApp) {
    let fx = fixture(&t).await;
    let sup = enrol(&t, &fx, "supplier").await;

    let a1 = sup.get(&t, &format!("/api/v1/orders/{}", fx.a1.id)).await.ok();
    assert_eq!(line_numbers(&a1.body), [2], "only the line routed to the supplier");
    assert_eq!(shipment_ids(&a1.body), std::slice::from_ref(&fx.s2.id));
    for o in [&fx.a2, &fx.b1] {
        sup.get(&t, &format!("/api/v1/orders/{}", o.id))
            .await
            .refused(404, "not_found", "");
    }
    sup.get(&t, &format!("/api/v1/shipments/{}", fx.s1.id))
        .await
        .refused(404, "not_found", "");
    sup.get(&t, &format!("/api/v1/shipments/{}", fx.s2.id)).await.ok();
    sup.get(&t, "/api/v1/invoices").await.refused(403, "forbidden", "");
    sup.get(&t, &format!("/api/v1/accounts/{}", fx.w.account))
        .await
        .refused(403, "forbidden", "");
    // Its own shipment takes tracking; the Dallas one does not exist for it.
    let tr = sup
        .post(
            &t,
            "/api/v1/tracking-events",
            json!({"events": [
                {"shipment_id": fx.s2.id, "status": "in_transit", "occurred_at": "2026-11-20T18:00:00Z", "source": "Acme"},
                {"tracking_number": "1ZA1DALLAS01", "status": "delivered", "occurred_at": "2026-11-20T19:00:00Z", "source": "Acme"}
            ]}),
        )
        .await
        .ok();
    assert_eq!(tr.body["applied"], 1, "{}", tr.body);
    assert_eq!(tr.body["results"][1]["error"]["code"], "unknown_reference");
    // Only its own lines, from its own location.
    let r = sup
        .post(
            &t,
            "/api/v1/shipments",
            json!({"order_id": fx.b1.id, "from_location_id": fx.supplier, "to_location_id": fx.w.other_ship_to,
                   "lines": [{"line": 1, "quantity": 1}], "carrier": "UPS"}),
        )
        .await;
    r.refused(422, "unknown_reference", "order_id");
}

async fn customer_viewer_cannot_place_orders(t: TestApp) {
    let fx = fixture(&t).await;
    let viewer = enrol(&t, &fx, "a_viewer").await;
    viewer
        .post(
            &t,
            "/api/v1/orders",
            json!({"account_id": fx.w.account,
                   "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": fx.w.dock}]}),
        )
        .await
        .refused(403, "forbidden", "");
    // Reading is fine.
    viewer.get(&t, &format!("/api/v1/orders/{}", fx.a1.id)).await.ok();
}

async fn customer_cannot_list_another_accounts_records(t: TestApp) {
    let fx = fixture(&t).await;
    let buyer = enrol(&t, &fx, "a_buyer").await;
    let fin = enrol(&t, &fx, "a_finance").await;
    let b = &fx.w.other_account;
    let orders = buyer.get(&t, &format!("/api/v1/orders?account_id={b}")).await.ok();
    assert!(items(&orders).is_empty(), "{}", orders.body);
    assert!(orders.body["next_cursor"].is_null());
    let own = buyer
        .get(&t, &format!("/api/v1/orders?account_id={}", fx.w.account))
        .await
        .ok();
    assert_eq!(ids_of(&own).len(), 2, "A1 and A2");
    for p in ["invoices", "payments", "credit-memos", "shipments"] {
        let r = fin.get(&t, &format!("/api/v1/{p}?account_id={b}")).await.ok();
        assert!(items(&r).is_empty(), "{p}: {}", r.body);
    }
    fin.get(&t, &format!("/api/v1/invoices/{}", fx.inv_b.id))
        .await
        .refused(404, "not_found", "");
    fin.get(&t, &format!("/api/v1/accounts/{b}/open-invoices"))
        .await
        .refused(404, "not_found", "");
    // Paying another account's invoice from one's own account: the invoice does not exist.
    fin.post(
        &t,
        "/api/v1/payments",
        json!({"account_id": fx.w.account, "method": "ach", "amount": usd("1.00"),
               "applications": [{"invoice_id": fx.inv_b.id, "amount": usd("1.00")}]}),
    )
    .await
    .refused(422, "unknown_reference", "applications[0].invoice_id");
    buyer
        .post(
            &t,
            "/api/v1/orders",
            json!({"account_id": b, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": fx.w.other_ship_to}]}),
        )
        .await
        .refused(422, "unknown_reference", "account_id");
}

async fn staff_operations_cannot_record_payments(t: TestApp) {
    let fx = fixture(&t).await;
    let ops = enrol(&t, &fx, "staff_operations").await;
    ops.post(
        &t,
        "/api/v1/payments",
        json!({"account_id": fx.w.account, "method": "ach", "amount": usd("1.00"), "applications": []}),
    )
    .await
    .refused(403, "forbidden", "");
    // What operations does do, it may.
    ops.post(
        &t,
        &format!("/api/v1/orders/{}/backorders", fx.a2.id),
        json!({"line": 1, "quantity": 1, "reason": "stock count"}),
    )
    .await
    .ok();
}

async fn revoked_api_key_is_refused(t: TestApp) {
    let fx = fixture(&t).await;
    let buyer = enrol(&t, &fx, "a_buyer").await;
    buyer.get(&t, "/api/v1/me").await.ok();
    t.request(Method::DELETE, &format!("/api/v1/api-keys/{}", buyer.key_id), None, &[])
        .await
        .ok();
    buyer.get(&t, "/api/v1/me").await.refused(401, "unauthenticated", "");
}

async fn deactivated_users_key_is_refused(t: TestApp) {
    let fx = fixture(&t).await;
    let buyer = enrol(&t, &fx, "a_buyer").await;
    buyer.get(&t, &format!("/api/v1/orders/{}", fx.a1.id)).await.ok();
    t.post(&format!("/api/v1/users/{}/deactivate", buyer.user_id), json!({}))
        .await
        .ok();
    buyer
        .get(&t, &format!("/api/v1/orders/{}", fx.a1.id))
        .await
        .refused(401, "unauthenticated", "");
}

async fn login(t: &TestApp, email: &str, password: &str) -> Resp {
    t.request(
        Method::POST,
        "/api/v1/session",
        Some(&json!({"email": email, "password": password})),
        &[("authorization", "")],
    )
    .await
}

async fn login_locks_out_after_five_wrong_passwords(t: TestApp) {
    let fx = fixture(&t).await;
    let buyer = enrol(&t, &fx, "a_buyer").await;
    for i in 0..5 {
        let r = login(&t, &buyer.email, "not the right password at all").await;
        assert_eq!(r.status, 401, "attempt {i}: {}", r.body);
        r.refused(401, "unauthenticated", "");
    }
    let wrong = login(&t, &buyer.email, "not the right password at all").await;
    let r = login(&t, &buyer.email, PASSWORD).await;
    r.refused(401, "unauthenticated", "");
    // Refused like a wrong password: a throttled account is not told apart (see security.rs).
    assert_eq!(
        r.body["detail"], wrong.body["detail"],
        "the right password is refused while throttled, with the same answer: {}",
        r.body
    );
    assert!(r.headers.get("set-cookie").is_none());
}

async fn session_cookie_needs_the_csrf_token(t: TestApp) {
    let fx = fixture(&t).await;
    let buyer = enrol(&t, &fx, "a_buyer").await;
    let s = login(&t, &buyer.email, PASSWORD).await.ok();
    let csrf = s.body["csrf_token"].as_str().expect("csrf_token").to_owned();
    let set_cookie = s
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().expect("cookie").to_owned();
    let order = json!({"account_id": fx.w.account,
                       "lines": [{"sku": "GLV-NIT-M", "quantity": 2, "ship_to": fx.w.dock}]});

    // Reads need no token.
    let me = t
        .request(
            Method::GET,
            "/api/v1/me",
            None,
            &[("authorization", ""), ("cookie", &cookie)],
        )
        .await
        .ok();
    assert_eq!(me.body["id"], buyer.user_id.as_str());
    let r = t
        .request(
            Method::POST,
            "/api/v1/orders",
            Some(&order),
            &[("authorization", ""), ("cookie", &cookie)],
        )
        .await;
    r.refused(403, "csrf_failed", "X-CSRF-Token");
    let r = t
        .request(
            Method::POST,
            "/api/v1/orders",
            Some(&order),
            &[
                ("authorization", ""),
                ("cookie", &cookie),
                ("x-csrf-token", "not-the-token"),
            ],
        )
        .await;
    r.refused(403, "csrf_failed", "X-CSRF-Token");
    let placed = t
        .request(
            Method::POST,
            "/api/v1/orders",
            Some(&order),
            &[("authorization", ""), ("cookie", &cookie), ("x-csrf-token", &csrf)],
        )
        .await
        .ok();
    assert_eq!(placed.status, 201);
    assert_eq!(placed.body["account_id"], fx.w.account.as_str());
    // Signing out (itself a state change) ends the session.
    let out = t
        .request(
            Method::DELETE,
            "/api/v1/session",
            None,
            &[("authorization", ""), ("cookie", &cookie), ("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.body);
    t.request(
        Method::GET,
        "/api/v1/me",
        None,
        &[("authorization", ""), ("cookie", &cookie)],
    )
    .await
    .refused(401, "unauthenticated", "");
}

/// `GET /api/v1/ping` (the benchmarks' ceiling) answers every principal that authenticates,
/// whatever its role — the least privileged customer, a supplier, a session without a CSRF
/// token (a read) — and nobody else.
async fn ping_answers_every_authenticated_principal(t: TestApp) {
    let fx = fixture(&t).await;
    let staff = t.get("/api/v1/ping").await.ok();
    assert_eq!(staff.body, json!({"ok": true}));
    assert_eq!(
        staff.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(
        staff.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "an answer to a request with credentials is never cached"
    );
    for name in ["a_viewer", "supplier"] {
        let who = enrol(&t, &fx, name).await;
        let r = who.get(&t, "/api/v1/ping").await;
        assert_eq!((r.status.as_u16(), &r.body), (200, &json!({"ok": true})), "{name}");
    }
    let buyer = enrol(&t, &fx, "a_buyer").await;
    let s = login(&t, &buyer.email, PASSWORD).await.ok();
    let cookie = s
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned();
    let r = t
        .request(
            Method::GET,
            "/api/v1/ping",
            None,
            &[("authorization", ""), ("cookie", &cookie)],
        )
        .await;
    assert_eq!((r.status.as_u16(), &r.body), (200, &json!({"ok": true})), "a session");
    for auth in ["", "Bearer not-a-valid-key"] {
        t.request(Method::GET, "/api/v1/ping", None, &[("authorization", auth)])
            .await
            .refused(401, "unauthenticated", "");
    }
    // A revoked key stops working here as everywhere.
    let revoked = t
        .request(Method::DELETE, &format!("/api/v1/api-keys/{}", buyer.key_id), None, &[])
        .await;
    assert!(revoked.status.is_success(), "{}", revoked.body);
    buyer.get(&t, "/api/v1/ping").await.refused(401, "unauthenticated", "");
}

async fn weak_password_is_refused_on_accept(t: TestApp) {
    let fx = fixture(&t).await;
    let (_, token) = invite(
        &t,
        json!({"email": "newbie@northwind.example", "name": "Newbie", "type": "customer",
               "account_id": fx.w.account, "roles": ["buyer"]}),
    )
    .await;
    for weak in ["short", "aaaaaaaaaaaaaaaa", "my password is long", "newbie-is-my-name"] {
        t.request(
            Method::POST,
            "/api/v1/invitations/accept",
            Some(&json!({"token": token, "password": weak})),
            &[("authorization", "")],
        )
        .await
        .refused(422, "invalid_value", "password");
    }
}

async fn unknown_role_in_invite_is_refused(t: TestApp) {
    let fx = fixture(&t).await;
    t.post(
        "/api/v1/users",
        json!({"email": "x@northwind.example", "name": "X", "type": "customer",
               "account_id": fx.w.account, "roles": ["superuser"]}),
    )
    .await
    .refused(422, "invalid_value", "roles[0]");
    t.post(
        "/api/v1/users",
        json!({"email": "y@northwind.example", "name": "Y", "type": "customer",
               "account_id": fx.w.account, "roles": ["buyer", "root"]}),
    )
    .await
    .refused(422, "invalid_value", "roles[1]");
    t.post(
        "/api/v1/users",
        json!({"email": "z@seller.example", "name": "Z", "type": "staff", "role": "owner"}),
    )
    .await
    .refused(422, "invalid_value", "role");
}

async fn scope_with_another_accounts_location_is_refused(t: TestApp) {
    let fx = fixture(&t).await;
    t.post(
        "/api/v1/users",
        json!({"email": "x@northwind.example", "name": "X", "type": "customer", "account_id": fx.w.account,
               "roles": ["buyer"], "scope": {"kind": "only", "locations": [fx.w.other_ship_to]}}),
    )
    .await
    .refused(422, "foreign_account", "scope.locations[0]");
    // Nor by editing a user's scope later.
    t.patch_with(
        &format!("/api/v1/users/{}", fx.user_a.id),
        json!({"scope": {"kind": "only", "locations": [fx.w.dock, fx.w.other_ship_to]}}),
        &[],
    )
    .await
    .refused(422, "foreign_account", "scope.locations[1]");
}

async fn customers_cannot_create_seller_side_users(t: TestApp) {
    let fx = fixture(&t).await;
    let admin = enrol(&t, &fx, "a_account_admin").await;
    admin
        .post(
            &t,
            "/api/v1/users",
            json!({"email": "boss@seller.example", "name": "Boss", "type": "staff", "role": "admin"}),
        )
        .await
        .refused(403, "forbidden", "");
    admin
        .post(
            &t,
            "/api/v1/users",
            json!({"email": "sup@acme.example", "name": "Sup", "type": "supplier", "fulfilment_location_id": fx.supplier}),
        )
        .await
        .refused(403, "forbidden", "");
    // Nor mint a key for a staff user.
    admin
        .post(
            &t,
            "/api/v1/api-keys",
            json!({"name": "x", "user_id": fx.user_staff.id}),
        )
        .await
        .refused(422, "unknown_reference", "user_id");
}

// ---------------------------------------------------------------------------------------------
// Known bugs: the correct behaviour, ignored until fixed.
// ---------------------------------------------------------------------------------------------

async fn bug_scoped_buyer_places_order_outside_scope(t: TestApp) {
    let fx = fixture(&t).await;
    let dock = enrol(&t, &fx, "a_buyer_dock").await;
    let r = dock
        .post(
            &t,
            "/api/v1/orders",
            json!({"account_id": fx.w.account,
                   "lines": [{"sku": "TWL-C-12", "quantity": 1, "ship_to": fx.w.store}]}),
        )
        .await;
    r.refused(422, "out_of_scope", "lines[0].ship_to");
}

async fn bug_supplier_ships_from_another_location(t: TestApp) {
    let fx = fixture(&t).await;
    let sup = enrol(&t, &fx, "supplier").await;
    // Line 1 has 4 allocated and unshipped at Dallas; the supplier must not ship them.
    let r = sup
        .post(
            &t,
            "/api/v1/shipments",
            json!({"order_id": fx.a1.id, "from_location_id": fx.w.dallas, "to_location_id": fx.w.dock,
                   "lines": [{"line": 1, "quantity": 4}], "carrier": "UPS"}),
        )
        .await;
    r.refused(422, "out_of_scope", "from_location_id");
}

async fn bug_order_timeline_shows_hidden_lines(t: TestApp) {
    let fx = fixture(&t).await;
    let dock = enrol(&t, &fx, "a_buyer_dock").await;
    let sup = enrol(&t, &fx, "supplier").await;
    let path = format!("/api/v1/orders/{}/timeline", fx.a1.id);
    let mut leaks = Vec::new();
    let tl = dock.get(&t, &path).await.ok().body.to_string();
    if tl.contains(&fx.s2.id) {
        leaks.push("the dock buyer sees the store shipment (S2) and line 2's events");
    }
    let tl = sup.get(&t, &path).await.ok().body.to_string();
    if tl.contains(&fx.s1.id) {
        leaks.push("the supplier sees the Dallas shipment (S1) and line 1's events");
    }
    if tl.contains(&fx.inv_a.id) {
        leaks.push("the supplier sees the invoice (InvA) of the order");
    }
    assert!(leaks.is_empty(), "order timeline leaks: {leaks:#?}");
}

async fn bug_supplier_lists_miss_its_records(t: TestApp) {
    let fx = fixture(&t).await;
    let sup = enrol(&t, &fx, "supplier").await;
    let orders = sup.get(&t, "/api/v1/orders").await.ok();
    assert_eq!(
        ids_of(&orders),
        std::slice::from_ref(&fx.a1.id),
        "orders routed to the supplier"
    );
    assert_eq!(line_numbers(&items(&orders)[0]), [2]);
    let ships = sup.get(&t, "/api/v1/shipments").await.ok();
    assert_eq!(ids_of(&ships), std::slice::from_ref(&fx.s2.id), "its own shipment");
}

async fn bug_agent_mints_credentials_for_an_admin(t: TestApp) {
    let fx = fixture(&t).await;
    let agent = enrol(&t, &fx, "staff_agent").await;
    let admin = enrol(&t, &fx, "staff_admin").await;
    // An agent may manage users, but must not obtain a more powerful role through it.
    let attempts = [
        (
            "create an API key acting as a staff admin",
            agent
                .post(
                    &t,
                    "/api/v1/api-keys",
                    json!({"name": "mine now", "user_id": admin.user_id}),
                )
                .await,
        ),
        (
            "invite a new staff admin",
            agent
                .post(
                    &t,
                    "/api/v1/users",
                    json!({"email": "agent-alt@seller.example", "name": "Alt", "type": "staff", "role": "admin"}),
                )
                .await,
        ),
        (
            "promote itself to admin",
            agent
                .send(
                    &t,
                    Method::PATCH,
                    &format!("/api/v1/users/{}", agent.user_id),
                    Some(&json!({"role": "admin"})),
                )
                .await,
        ),
    ];
    let got: Vec<String> = attempts
        .iter()
        .filter(|(_, r)| r.status != 403)
        .map(|(what, r)| format!("{what}: {}", r.status))
        .collect();
    assert!(got.is_empty(), "a staff agent could: {got:#?}");
}

both_stores!(
    matrix,
    scoped_buyer_sees_only_its_locations,
    account_admin_cannot_read_or_change_another_account,
    supplier_sees_only_its_lines,
    customer_viewer_cannot_place_orders,
    customer_cannot_list_another_accounts_records,
    staff_operations_cannot_record_payments,
    revoked_api_key_is_refused,
    deactivated_users_key_is_refused,
    login_locks_out_after_five_wrong_passwords,
    session_cookie_needs_the_csrf_token,
    weak_password_is_refused_on_accept,
    unknown_role_in_invite_is_refused,
    scope_with_another_accounts_location_is_refused,
    customers_cannot_create_seller_side_users,
    ping_answers_every_authenticated_principal,
);

both_stores!(
    bug_scoped_buyer_places_order_outside_scope,
    bug_supplier_ships_from_another_location,
    bug_order_timeline_shows_hidden_lines,
    bug_supplier_lists_miss_its_records,
    bug_agent_mints_credentials_for_an_admin,
);

// -- exceptions --
/// A carrier exception on S2 (account A, to the store) and on a new parcel of account B, raised
/// by one detector pass; returns their ids.
async fn fixture_exceptions(t: &TestApp, w: &World, s2: &str) -> (String, String) {
    let b = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.other_account,
                   "lines": [{"product_id": w.gloves, "quantity": 2, "ship_to": w.other_ship_to}]}),
        )
        .await
        .ok()
        .id();
    t.post(
        &format!("/api/v1/orders/{b}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 2}),
    )
    .await
    .ok();
    let sb2 = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": b, "from_location_id": w.dallas, "to_location_id": w.other_ship_to,
                   "lines": [{"line": 1, "quantity": 2}], "carrier": "UPS", "tracking_number": "1ZB1EXC0001"}),
        )
        .await
        .ok()
        .id();
    for s in [s2, sb2.as_str()] {
        t.post(
            "/api/v1/tracking-events",
            json!({"events": [{"shipment_id": s, "status": "exception", "occurred_at": "2026-11-20T12:00:00Z",
                               "location": "Memphis, TN", "source": "matrix"}]}),
        )
        .await
        .ok();
    }
    t.app.detect_exceptions_once().await.expect("detector");
    let list = t.get("/api/v1/exceptions?kind=carrier_exception&limit=500").await.ok();
    let of = |shipment: &str| {
        list.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|e| e["about"]["id"] == shipment)
            .and_then(|e| e["id"].as_str())
            .unwrap_or_else(|| panic!("no carrier exception about {shipment}: {}", list.body))
            .to_owned()
    };
    (of(s2), of(&sb2))
}
// -- /exceptions --

// -- notifications --
/// A buyer of each account outside the cast (signed up, with a key) and webhook endpoints of A,
/// B and the seller, then one fan-out of everything so far: each buyer has in-app notifications
/// of their account's shipments, each endpoint deliveries. Returns the ids `Fx` needs.
async fn fixture_notifications(t: &TestApp, w: &World) -> Vec<(&'static str, String)> {
    let mut buyers = Vec::new();
    for (account, tag) in [(&w.account, "a"), (&w.other_account, "b")] {
        let (id, token) = invite(
            t,
            json!({"email": format!("bystander-{tag}@aftercart-test.example"), "name": format!("Bystander {tag}"),
                   "type": "customer", "account_id": account, "roles": ["buyer"]}),
        )
        .await;
        t.request(
            Method::POST,
            "/api/v1/invitations/accept",
            Some(&json!({"token": token, "password": PASSWORD})),
            &[("authorization", "")],
        )
        .await
        .ok();
        buyers.push(format!("Bearer {}", create_key(t, &id).await.1));
    }
    let endpoint = |account: Option<&String>, url: &'static str| {
        let mut body = json!({"url": url, "event_types": ["*"]});
        if let Some(a) = account {
            body["account_id"] = json!(a);
        }
        async move { t.post("/api/v1/webhook-endpoints", body).await.ok().id() }
    };
    let ep_a = endpoint(Some(&w.account), "https://hooks.example.com/a").await;
    let ep_b = endpoint(Some(&w.other_account), "https://hooks.example.com/b").await;
    let ep_seller = endpoint(None, "https://hooks.example.com/seller").await;
    t.app.fan_out_all().await.expect("fan-out");
    let mut out = Vec::new();
    for (k, auth) in [("notif_a", &buyers[0]), ("notif_b", &buyers[1])] {
        let r = t
            .request(
                Method::GET,
                "/api/v1/notifications?limit=1",
                None,
                &[("authorization", auth)],
            )
            .await
            .ok();
        let id = r.body["items"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{k}: the bystander has no notification: {}", r.body));
        out.push((k, id.to_owned()));
    }
    for (k, ep) in [("del_a", &ep_a), ("del_b", &ep_b), ("del_seller", &ep_seller)] {
        let r = t
            .get(&format!("/api/v1/webhook-endpoints/{ep}/deliveries?limit=1"))
            .await
            .ok();
        let id = r.body["items"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{k}: no delivery: {}", r.body));
        out.push((k, id.to_owned()));
    }
    out.extend([("ep_a", ep_a), ("ep_b", ep_b), ("ep_seller", ep_seller)]);
    out
}
// -- /notifications --

// -- receivables --
/// Receivables records through the API as the staff key, paying through localstripe: per
/// account a dispute of 1.00 on its invoice, a saved card and an online payment of 2.00 (a
/// partial, "later"); and one bank statement whose only receipt matches nothing, so it waits in
/// the unapplied-cash queue. Returns the ids `Fx` needs.
async fn fixture_receivables(t: &TestApp, w: &World, inv_a: &str, inv_b: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (keys, account, invoice) in [
        (["dsp_a", "pm_a", "op_a", "op_pay_a"], &w.account, inv_a),
        (["dsp_b", "pm_b", "op_b", "op_pay_b"], &w.other_account, inv_b),
    ] {
        let dispute = t
            .post(
                "/api/v1/disputes",
                json!({"invoice_id": invoice, "reason": "damaged", "amount": usd("1.00"), "message": "matrix"}),
            )
            .await
            .ok()
            .id();
        let method = t
            .post(
                &format!("/api/v1/accounts/{account}/payment-methods"),
                json!({"token": "pm_card_visa"}),
            )
            .await
            .ok()
            .id();
        let paid = t
            .post(
                "/api/v1/payments/online",
                json!({"account_id": account, "method_id": method,
                       "invoices": [{"invoice_id": invoice, "amount": usd("2.00"), "short_reason": "later"}]}),
            )
            .await
            .ok();
        assert_eq!(paid.body["state"], "succeeded", "{}", paid.body);
        let settled = paid.body["payment_id"]
            .as_str()
            .unwrap_or_else(|| panic!("a succeeded online payment names its payment: {}", paid.body))
            .to_owned();
        out.extend(keys.into_iter().zip([dispute, method, paid.id(), settled]));
    }
    let import = t
        .post(
            "/api/v1/bank-statements",
            json!({"content": "date,amount,currency,reference\n2026-11-20,1.23,USD,nothing matches\n"}),
        )
        .await
        .ok();
    let receipt = import.body["unapplied"][0]
        .as_str()
        .unwrap_or_else(|| panic!("the receipt matches nothing and waits: {}", import.body))
        .to_owned();
    out.push(("bank_import", import.id()));
    out.push(("receipt", receipt));
    out
}

/// What the matrix must leave as it found it: the invoices' balances, each account's saved
/// methods and autopay, and how many disputes, online payments and open receipts there are.
async fn receivables_state(t: &TestApp, fx: &Fx) -> Value {
    let mut state = json!({});
    for inv in [&fx.inv_a, &fx.inv_b] {
        state[inv.label] = t.get(&format!("/api/v1/invoices/{}", inv.id)).await.ok().body["balance"].clone();
    }
    for a in [&fx.acct_a, &fx.acct_b] {
        let p = t
            .get(&format!("/api/v1/accounts/{}/billing-profile", a.id))
            .await
            .ok()
            .body;
        let methods: Vec<Value> = p["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .map(|m| m["id"].clone())
            .collect();
        state[format!("{} methods", a.label)] = json!(methods);
        state[format!("{} autopay", a.label)] = p["autopay"].clone();
    }
    for list in [
        "/api/v1/disputes?limit=500",
        "/api/v1/payments/online?limit=500",
        "/api/v1/unapplied-receipts?limit=500",
        "/api/v1/bank-statements?limit=500",
    ] {
        let r = t.get(list).await.ok();
        let items = items(&r);
        let open = items
            .iter()
            .filter(|i| i["status"] == "open" || i["state"] == "open")
            .count();
        state[list] = json!({"count": items.len(), "open": open});
    }
    state
}
// -- /receivables --

// -- receivables --
/// The provider's webhook is the one public write: only the provider's signature over the exact
/// body lets it move a payment. A forged `payment_intent.payment_failed` about a settled card
/// payment — unsigned, signed with another secret, with a garbage header, signed an hour ago, or
/// with a valid signature over another body, with or without an API key — is refused with 401
/// and changes nothing; the same event properly signed then does reverse it (so the refusals
/// above were the signature's, not a malformed event's).
async fn provider_webhook_refuses_bad_signatures_and_changes_nothing(t: TestApp) {
    use crate::harness::STRIPE_WEBHOOK_SECRET;
    use aftercart_payments::testing::sign_webhook;
    let w = t.world().await;
    let order = t.order(&w, 1, 1).await.id();
    let inv = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD",
                   "lines": [{"order_id": order, "order_line": 2, "quantity": 1, "unit_price": usd("40.00")}]}),
        )
        .await
        .ok()
        .id();
    let method = t
        .post(
            &format!("/api/v1/accounts/{}/payment-methods", w.account),
            json!({"token": "pm_card_visa"}),
        )
        .await
        .ok()
        .id();
    let paid = t
        .post(
            "/api/v1/payments/online",
            json!({"account_id": w.account, "method_id": method, "invoices": [{"invoice_id": inv, "amount": usd("40.00")}]}),
        )
        .await
        .ok();
    assert_eq!(paid.body["state"], "succeeded", "{}", paid.body);
    let id = paid.id();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let event = json!({"id": format!("evt_forged_{}", uuid::Uuid::now_v7().simple()), "object": "event",
        "type": "payment_intent.payment_failed", "created": now,
        "data": {"object": {"id": "pi_forged", "object": "payment_intent", "status": "requires_payment_method",
                 "amount": 4000, "currency": "usd", "metadata": {"online_payment": id},
                 "last_payment_error": {"code": "R01", "message": "forged return"}}}})
    .to_string();
    let other_body = event.replace("forged return", "another body");
    let send = |sig: Option<String>, key: bool| {
        let body = event.clone();
        let t = &t;
        async move {
            let mut b = axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/payments/provider-webhook")
                .header("content-type", "application/json");
            if key {
                b = b.header("authorization", format!("Bearer {}", crate::harness::KEY));
            }
            if let Some(s) = sig {
                b = b.header("stripe-signature", s);
            }
            t.raw(b.body(axum::body::Body::from(body)).expect("request")).await
        }
    };
    let state = || webhook_target_state(&t, &id, &inv);
    let before = state().await;
    assert_eq!(before.0, "succeeded");
    assert_eq!(before.2, usd("0.00"));
    let forged = [
        ("no signature", None),
        (
            "signed with another secret",
            Some(sign_webhook("whsec_not_ours", now, event.as_bytes())),
        ),
        ("a garbage header", Some("t=yesterday,v1=zz".to_owned())),
        (
            "signed an hour ago",
            Some(sign_webhook(STRIPE_WEBHOOK_SECRET, now - 3600, event.as_bytes())),
        ),
        (
            "signed over another body",
            Some(sign_webhook(STRIPE_WEBHOOK_SECRET, now, other_body.as_bytes())),
        ),
    ];
    for (what, sig) in forged {
        for key in [false, true] {
            let r = send(sig.clone(), key).await;
            assert_eq!(r.status, 401, "{what} (api key: {key}): {}", r.body);
            assert_eq!(r.body["code"], "unauthenticated", "{what}: {}", r.body);
            assert_eq!(
                state().await,
                before,
                "{what} (api key: {key}) changed the payment or the invoice"
            );
        }
    }
    let signed = send(Some(sign_webhook(STRIPE_WEBHOOK_SECRET, now, event.as_bytes())), false).await;
    assert_eq!(signed.status, 204, "{}", signed.body);
    let after = state().await;
    assert_eq!(
        (after.0.as_str(), after.1.as_str()),
        (Some("reversed"), Some("R01")),
        "{after:?}"
    );
    assert_eq!(after.2, usd("40.00"), "the properly signed return reverses the payment");
}

/// (online payment state, its failure code, the invoice's balance, the invoice's version).
async fn webhook_target_state(t: &TestApp, online: &str, invoice: &str) -> (Value, Value, Value, Value) {
    let p = t.get(&format!("/api/v1/payments/online/{online}")).await.ok().body;
    let i = t.get(&format!("/api/v1/invoices/{invoice}")).await.ok().body;
    (
        p["state"].clone(),
        p["failure_code"].clone(),
        i["balance"].clone(),
        i["version"].clone(),
    )
}

both_stores!(provider_webhook_refuses_bad_signatures_and_changes_nothing);

/// The known-bug cells with the correct answers: ignored until the bugs are fixed (then the
/// main matrix fails on "listed in KNOWN_BUGS but now correct", and the entry goes).
mod matrix_known_bug_cells {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "asserts the cells KNOWN_BUGS lists (none today); run it with --ignored when it lists some"]
    async fn sqlite() {
        super::run_matrix(&crate::harness::TestApp::sqlite().await, super::Mode::KnownBugs).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "asserts the cells KNOWN_BUGS lists (none today); run it with --ignored when it lists some"]
    async fn postgres() {
        super::run_matrix(&crate::harness::TestApp::postgres().await, super::Mode::KnownBugs).await
    }
}
// -- /receivables --
