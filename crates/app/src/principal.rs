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
    /// Anything a signed-in principal may do for itself (its own profile, its session).
    SelfService,
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
        }
    }

    pub fn system() -> Principal {
        Principal {
            id: "system".into(),
            name: "Aftercart".into(),
            kind: PrincipalKind::System,
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
                    CatalogRead | AccountRead | OrderRead | BillingRead | ReportsRead
                );
                read || match role {
                    StaffRole::Agent => matches!(action, OrderPlace | ReceiptRecord | LocationsManage | UsersManage),
                    StaffRole::FinanceOps => matches!(action, BillingWrite | PaymentRecord | AccountWrite),
                    StaffRole::Operations => {
                        matches!(action, OrderFulfil | ShipmentCreate | TrackingIngest | CatalogWrite)
                    }
                    StaffRole::Admin => true,
                }
            }
            PrincipalKind::Customer { roles, .. } => roles.iter().any(|r| {
                let read = matches!(action, CatalogRead | AccountRead | OrderRead);
                read || match r {
                    CustomerRole::AccountAdmin => matches!(
                        action,
                        LocationsManage
                            | UsersManage
                            | OrderPlace
                            | ReceiptRecord
                            | BillingRead
                            | PaymentRecord
                            | Approve
                            | ApprovalRulesManage
                            | BudgetsManage
                            | ReportsRead
                    ),
                    CustomerRole::Buyer => matches!(action, OrderPlace | ReceiptRecord),
                    CustomerRole::Approver => matches!(action, Approve | BillingRead | ReportsRead),
                    CustomerRole::Finance => matches!(action, BillingRead | PaymentRecord | ReportsRead),
                    CustomerRole::Viewer => matches!(action, BillingRead),
                }
            }),
            PrincipalKind::Supplier { .. } => {
                matches!(action, CatalogRead | OrderRead | ShipmentCreate | TrackingIngest)
            }
        }
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
    User { id: String, name: String },
    System,
    Integration { name: String },
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
        }
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
        };
        assert!(sup.may(Action::ShipmentCreate) && !sup.may(Action::BillingRead) && !sup.may(Action::AccountRead));
    }
}
