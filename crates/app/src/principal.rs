//! Who is acting, and what they may do and see — decided here and nowhere else.
//!
//! Two questions, two functions: [`Principal::may`] answers "may this kind of principal perform
//! this action at all?" (a role table; refusal is 403), and the `sees_*` functions answer "is
//! this record theirs?" (refusal is 404, so existence never leaks). Handlers ask neither: the API
//! maps every route to an [`Action`] in one table, and the application's loaders apply the
//! visibility rules.

use aftercart_domain::ids::{AccountId, FulfilmentLocationId, LocationId};
use aftercart_domain::order::Order;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Admin,
    Agent,
    FinanceOps,
    Operations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerRole {
    AccountAdmin,
    Buyer,
    Approver,
    Finance,
    Viewer,
}

/// The ship-to locations a customer user works with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "locations")]
pub enum LocationScope {
    All,
    Only(Vec<LocationId>),
}

impl LocationScope {
    pub fn includes(&self, l: LocationId) -> bool {
        match self {
            LocationScope::All => true,
            LocationScope::Only(v) => v.contains(&l),
        }
    }

    /// Whether every location of `self` is also in `outer`.
    pub fn within(&self, outer: &LocationScope) -> bool {
        match (self, outer) {
            (_, LocationScope::All) => true,
            (LocationScope::All, LocationScope::Only(_)) => false,
            (LocationScope::Only(v), LocationScope::Only(_)) => v.iter().all(|l| outer.includes(*l)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    Staff(StaffRole),
    Customer {
        account: AccountId,
        roles: Vec<CustomerRole>,
        scope: LocationScope,
    },
    /// A dropship supplier's user: sees only order lines allocated to its fulfilment location.
    Supplier {
        location: FulfilmentLocationId,
    },
    /// The system itself (demo loader, workers).
    System,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable id used to scope idempotency keys and recorded as the actor.
    pub id: String,
    pub name: String,
    pub kind: PrincipalKind,
    /// Set when the principal acts through an API key that someone other than its owner
    /// created: every event then records the creator beside the owner.
    pub via: Option<KeyVia>,
}

/// The API key a request came through, when its creator is not its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVia {
    pub key_id: String,
    pub key_name: String,
    pub created_by_id: String,
    pub created_by_name: String,
}

/// Everything a route can do, at the granularity roles are granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Health and the API description.
    Public,
    CatalogRead,
    CatalogWrite,
    AccountRead,
    /// Create accounts, change terms, credit limits and contract prices (seller side).
    AccountWrite,
    /// Add and change the account's locations (seller, or the customer's account admin).
    LocationsManage,
    /// Invite, edit and deactivate users; manage API keys.
    UsersManage,
    OrderRead,
    OrderPlace,
    /// Allocate, backorder, reschedule, cancel on the seller's side.
    OrderFulfil,
    ShipmentCreate,
    TrackingIngest,
    ReceiptRecord,
    BillingRead,
    /// Issue invoices and credit memos.
    BillingWrite,
    PaymentRecord,
    Approve,
    ApprovalRulesManage,
    BudgetsManage,
    ReportsRead,
    /// Ask for a change to a placed order (quantities, lines, ship-to, dates, cancelling).
    OrderChange,
    /// Accept or reject change requests routed to the seller.
    ChangeDecide,
    /// Ask to return delivered goods.
    ReturnRequest,
    /// Approve or reject returns, record their arrival at the warehouse.
    ReturnDecide,
    /// Work the exception queue: acknowledge, assign, resolve.
    ExceptionWork,
    /// Open support cases and write in them (internal notes are the seller's alone).
    Cases,
    /// Webhook endpoints, the event feed and delivery logs (the seller's admins for the whole
    /// book, a customer's account admin for their account).
    Integrations,
    /// Pay invoices online, manage saved payment methods and autopay, apply account credit.
    PayInvoices,
    /// Open disputes on invoice lines and write in their threads.
    Dispute,
    /// The seller's receivables work: bank statements and unapplied cash, dispute resolution,
    /// credit holds, dunning schedules, e-invoicing details, the seller's profile, the book's aging.
    Receivables,
    /// Anything a signed-in principal may do for itself (its own profile, its session).
    SelfService,
}

impl Action {
    /// Every action a role can be granted (not `Public` or `SelfService`, which everyone has).
    pub const GRANTED: [Action; 30] = [
        Action::CatalogRead,
        Action::CatalogWrite,
        Action::AccountRead,
        Action::AccountWrite,
        Action::LocationsManage,
        Action::UsersManage,
        Action::OrderRead,
        Action::OrderPlace,
        Action::OrderFulfil,
        Action::ShipmentCreate,
        Action::TrackingIngest,
        Action::ReceiptRecord,
        Action::BillingRead,
        Action::BillingWrite,
        Action::PaymentRecord,
        Action::Approve,
        Action::ApprovalRulesManage,
        Action::BudgetsManage,
        Action::ReportsRead,
        Action::OrderChange,
        Action::ChangeDecide,
        Action::ReturnRequest,
        Action::ReturnDecide,
        Action::ExceptionWork,
        Action::Cases,
        Action::Integrations,
        Action::PayInvoices,
        Action::Dispute,
        Action::Receivables,
        Action::SelfService,
    ];
}

impl Principal {
    pub fn staff(id: impl Into<String>, name: impl Into<String>) -> Principal {
        Principal::with_role(id, name, StaffRole::Admin)
    }

    pub fn with_role(id: impl Into<String>, name: impl Into<String>, role: StaffRole) -> Principal {
        Principal {
            id: id.into(),
            name: name.into(),
            kind: PrincipalKind::Staff(role),
            via: None,
        }
    }

    pub fn system() -> Principal {
        Principal {
            id: "system".into(),
            name: "Aftercart".into(),
            kind: PrincipalKind::System,
            via: None,
        }
    }

    /// The role table: may this principal perform `action` at all?
    pub fn may(&self, action: Action) -> bool {
        use Action::*;
        if matches!(action, Public | SelfService) {
            return true;
        }
        match &self.kind {
            PrincipalKind::System | PrincipalKind::Staff(StaffRole::Admin) => true,
            PrincipalKind::Staff(role) => {
                let read = matches!(
                    action,
                    CatalogRead | AccountRead | OrderRead | BillingRead | ReportsRead | Cases | ExceptionWork
                );
                read || match role {
                    StaffRole::Agent => matches!(
                        action,
                        Dispute
                            | OrderPlace
                            | ReceiptRecord
                            | LocationsManage
                            | UsersManage
                            | OrderChange
                            | ChangeDecide
                            | ReturnRequest
                            | ReturnDecide
                    ),
                    StaffRole::FinanceOps => matches!(
                        action,
                        BillingWrite | PaymentRecord | AccountWrite | PayInvoices | Dispute | Receivables
                    ),
                    StaffRole::Operations => matches!(
                        action,
                        OrderFulfil
                            | ShipmentCreate
                            | TrackingIngest
                            | CatalogWrite
                            | OrderChange
                            | ChangeDecide
                            | ReturnDecide
                    ),
                    StaffRole::Admin => true,
                }
            }
            PrincipalKind::Customer { roles, .. } => roles.iter().any(|r| {
                let read = matches!(action, CatalogRead | AccountRead | OrderRead | Cases);
                read || match r {
                    CustomerRole::AccountAdmin => matches!(
                        action,
                        OrderChange
                            | ReturnRequest
                            | LocationsManage
                            | UsersManage
                            | OrderPlace
                            | ReceiptRecord
                            | BillingRead
                            | PaymentRecord
                            | Approve
                            | ApprovalRulesManage
                            | BudgetsManage
                            | ReportsRead
                            | Integrations
                            | PayInvoices
                            | Dispute
                    ),
                    CustomerRole::Buyer => matches!(action, OrderPlace | ReceiptRecord | OrderChange | ReturnRequest),
                    CustomerRole::Approver => matches!(action, Approve | BillingRead | ReportsRead),
                    CustomerRole::Finance => {
                        matches!(
                            action,
                            BillingRead | PaymentRecord | ReportsRead | PayInvoices | Dispute
                        )
                    }
                    CustomerRole::Viewer => matches!(action, BillingRead),
                }
            }),
            PrincipalKind::Supplier { .. } => {
                matches!(action, CatalogRead | OrderRead | ShipmentCreate | TrackingIngest)
            }
        }
    }

    /// A seller admin (or the system): the only principals that manage staff users, staff keys
    /// and privileged credentials of others.
    pub fn is_seller_admin(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::Staff(StaffRole::Admin) | PrincipalKind::System
        )
    }

    /// Whether `other`'s rights lie entirely within this principal's own: it may do nothing
    /// this principal may not, on no account or location this principal cannot reach. The test
    /// for handing out a credential that acts as `other` (an API key, an invitation token) and
    /// for granting roles and scopes.
    pub fn covers(&self, other: &PrincipalKind) -> bool {
        if self.is_seller_admin() {
            return true;
        }
        let probe = Principal {
            id: String::new(),
            name: String::new(),
            kind: other.clone(),
            via: None,
        };
        let actions = Action::GRANTED.iter().all(|a| !probe.may(*a) || self.may(*a));
        let reach = match (&self.kind, other) {
            (PrincipalKind::Staff(_), PrincipalKind::Customer { .. }) => true,
            (
                PrincipalKind::Customer { account, scope, .. },
                PrincipalKind::Customer {
                    account: a, scope: s, ..
                },
            ) => account == a && s.within(scope),
            (PrincipalKind::Supplier { location }, PrincipalKind::Supplier { location: l }) => location == l,
            // Staff users and keys are a seller admin's alone; nobody else reaches a supplier.
            _ => false,
        };
        actions && reach
    }

    pub fn is_seller(&self) -> bool {
        matches!(self.kind, PrincipalKind::Staff(_) | PrincipalKind::System)
    }

    /// The account a customer principal is confined to.
    pub fn own_account(&self) -> Option<AccountId> {
        match &self.kind {
            PrincipalKind::Customer { account, .. } => Some(*account),
            _ => None,
        }
    }

    /// Whether this principal may see the account's records at all.
    pub fn sees_account(&self, account: AccountId) -> bool {
        match &self.kind {
            PrincipalKind::Staff(_) | PrincipalKind::System => true,
            PrincipalKind::Customer { account: own, .. } => *own == account,
            PrincipalKind::Supplier { .. } => false,
        }
    }

    /// Which lines of an order this principal may see: all (`None`), some, or none (empty).
    pub fn visible_lines(&self, order: &Order) -> Option<Vec<u32>> {
        match &self.kind {
            PrincipalKind::Staff(_) | PrincipalKind::System => None,
            PrincipalKind::Customer { account, scope, .. } => {
                if *account != order.account_id {
                    Some(Vec::new())
                } else if *scope == LocationScope::All {
                    None
                } else {
                    Some(
                        order
                            .lines
                            .iter()
                            .filter(|l| scope.includes(l.ship_to))
                            .map(|l| l.no)
                            .collect(),
                    )
                }
            }
            PrincipalKind::Supplier { location } => Some(
                order
                    .lines
                    .iter()
                    .filter(|l| l.allocations.iter().any(|a| a.location == *location))
                    .map(|l| l.no)
                    .collect(),
            ),
        }
    }

    pub fn sees_order(&self, order: &Order) -> bool {
        self.visible_lines(order).is_none_or(|v| !v.is_empty())
    }

    /// [`Principal::sees_order`] from what an order's stored summary keeps: its account, the
    /// ship-to locations of its lines, and the fulfilment locations its lines were allocated to.
    pub fn sees_order_parts(
        &self,
        account: AccountId,
        ship_to: &std::collections::BTreeSet<LocationId>,
        fulfilment: &std::collections::BTreeSet<FulfilmentLocationId>,
    ) -> bool {
        match &self.kind {
            PrincipalKind::Staff(_) | PrincipalKind::System => true,
            PrincipalKind::Customer {
                account: own, scope, ..
            } => *own == account && (*scope == LocationScope::All || ship_to.iter().any(|l| scope.includes(*l))),
            PrincipalKind::Supplier { location } => fulfilment.contains(location),
        }
    }

    pub fn sees_location(&self, l: LocationId) -> bool {
        match &self.kind {
            PrincipalKind::Customer { scope, .. } => scope.includes(l),
            _ => true,
        }
    }

    pub fn supplier_location(&self) -> Option<FulfilmentLocationId> {
        match &self.kind {
            PrincipalKind::Supplier { location } => Some(*location),
            _ => None,
        }
    }

    pub fn actor(&self) -> Actor {
        match self.kind {
            PrincipalKind::System => Actor::System,
            _ => Actor::User {
                id: self.id.clone(),
                name: self.name.clone(),
                via: self.via.clone().map(Box::new),
            },
        }
    }
}

/// Removes what a principal may not see from an order read (never from one being changed).
pub fn restrict_order(order: &mut Order, visible: &[u32]) {
    order.lines.retain(|l| visible.contains(&l.no));
    for s in &mut order.shipments {
        s.lines.retain(|l| visible.contains(&l.line));
        if let Some(r) = s.receipt.as_mut() {
            r.lines.retain(|l| visible.contains(&l.line));
        }
    }
    order.shipments.retain(|s| !s.lines.is_empty());
}

/// Who an event is attributed to on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// `via`: the API key acted through, when someone other than the user created it.
    User {
        id: String,
        name: String,
        via: Option<Box<KeyVia>>,
    },
    System,
    Integration {
        name: String,
    },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::System => "system",
            Actor::Integration { .. } => "integration",
        }
    }
    pub fn id(&self) -> Option<String> {
        match self {
            Actor::User { id, .. } => Some(id.clone()),
            _ => None,
        }
    }
    pub fn name(&self) -> String {
        match self {
            Actor::User { name, .. } | Actor::Integration { name } => name.clone(),
            Actor::System => "Aftercart".into(),
        }
    }
    /// The key and its creator, recorded beside the actor (`actor_via` in the event data).
    pub fn via_json(&self) -> Option<serde_json::Value> {
        match self {
            Actor::User { via: Some(v), .. } => Some(serde_json::json!({
                "kind": "api_key",
                "key_id": v.key_id,
                "key_name": v.key_name,
                "created_by": {"id": v.created_by_id, "name": v.created_by_name},
                "summary": format!("via key '{}' created by {}", v.key_name, v.created_by_name),
            })),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(roles: Vec<CustomerRole>) -> Principal {
        Principal {
            id: "u".into(),
            name: "U".into(),
            kind: PrincipalKind::Customer {
                account: AccountId(uuid::Uuid::nil()),
                roles,
                scope: LocationScope::All,
            },
            via: None,
        }
    }

    #[test]
    fn covers_only_rights_within_ones_own() {
        let loc = |n: u128| LocationId(uuid::Uuid::from_u128(n));
        let cust = |roles: Vec<CustomerRole>, scope: LocationScope| PrincipalKind::Customer {
            account: AccountId(uuid::Uuid::nil()),
            roles,
            scope,
        };
        let admin = customer(vec![CustomerRole::AccountAdmin]);
        assert!(admin.covers(&cust(
            vec![CustomerRole::Buyer, CustomerRole::Approver],
            LocationScope::All
        )));
        let mut dock_admin = admin.clone();
        dock_admin.kind = cust(vec![CustomerRole::AccountAdmin], LocationScope::Only(vec![loc(1)]));
        assert!(!dock_admin.covers(&cust(vec![CustomerRole::Buyer], LocationScope::All)));
        assert!(!dock_admin.covers(&cust(
            vec![CustomerRole::Buyer],
            LocationScope::Only(vec![loc(1), loc(2)])
        )));
        assert!(dock_admin.covers(&cust(vec![CustomerRole::Buyer], LocationScope::Only(vec![loc(1)]))));
        let mut other = cust(vec![CustomerRole::Viewer], LocationScope::All);
        if let PrincipalKind::Customer { account, .. } = &mut other {
            *account = AccountId(uuid::Uuid::max());
        }
        assert!(!admin.covers(&other), "another account");
        let agent = Principal::with_role("a", "A", StaffRole::Agent);
        assert!(agent.covers(&cust(
            vec![CustomerRole::Buyer, CustomerRole::Viewer],
            LocationScope::All
        )));
        assert!(!agent.covers(&cust(vec![CustomerRole::Approver], LocationScope::All)));
        assert!(!agent.covers(&cust(vec![CustomerRole::AccountAdmin], LocationScope::All)));
        assert!(!agent.covers(&PrincipalKind::Staff(StaffRole::Operations)));
        assert!(Principal::staff("s", "S").covers(&PrincipalKind::Staff(StaffRole::Admin)));
        assert!(!customer(vec![CustomerRole::Buyer]).covers(&cust(vec![CustomerRole::Finance], LocationScope::All)));
    }

    #[test]
    fn roles_grant_only_their_actions() {
        assert!(customer(vec![CustomerRole::Buyer]).may(Action::OrderPlace));
        assert!(!customer(vec![CustomerRole::Buyer]).may(Action::Approve));
        assert!(!customer(vec![CustomerRole::Viewer]).may(Action::OrderPlace));
        assert!(customer(vec![CustomerRole::Viewer, CustomerRole::Approver]).may(Action::Approve));
        assert!(
            !customer(vec![CustomerRole::AccountAdmin]).may(Action::OrderFulfil),
            "customers never fulfil"
        );
        assert!(
            !customer(vec![CustomerRole::AccountAdmin]).may(Action::BillingWrite),
            "customers never invoice"
        );
        let ops = Principal::with_role("o", "O", StaffRole::Operations);
        assert!(ops.may(Action::ShipmentCreate) && !ops.may(Action::PaymentRecord));
        let fin = Principal::with_role("f", "F", StaffRole::FinanceOps);
        assert!(fin.may(Action::PaymentRecord) && !fin.may(Action::OrderFulfil));
        let sup = Principal {
            id: "s".into(),
            name: "S".into(),
            kind: PrincipalKind::Supplier {
                location: FulfilmentLocationId(uuid::Uuid::nil()),
            },
            via: None,
        };
        assert!(sup.may(Action::ShipmentCreate) && !sup.may(Action::BillingRead) && !sup.may(Action::AccountRead));
    }
}
