//! The one page access table: every page route maps to who may open it — the public, or a
//! signed-in principal of an audience holding an [`Action`]. The guard checks it before any
//! handler runs; registering a page without a rule panics when the router is built, and a test
//! walks every registered page. *Which records* a page shows is decided by the application
//! layer, exactly as for the API (not yours = not found).

use aftercart_app::{Action, Principal, PrincipalKind};
use axum::http::Method;

/// Which kinds of principal a page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone signed in whose role grants the action.
    Any,
    /// Customer users only (their own account's portal).
    Customer,
    /// Seller staff only (the service console).
    Staff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No session needed (sign-in, invitations, static assets).
    Public,
    /// A session whose principal is of the audience and may perform the action.
    SignedIn(Audience, Action),
}

impl Rule {
    /// Whether `p` passes the role half of this rule.
    pub fn admits(self, p: &Principal) -> bool {
        match self {
            Rule::Public => true,
            Rule::SignedIn(audience, action) => {
                let kind_ok = match audience {
                    Audience::Any => true,
                    Audience::Customer => matches!(p.kind, PrincipalKind::Customer { .. }),
                    Audience::Staff => matches!(p.kind, PrincipalKind::Staff(_) | PrincipalKind::System),
                };
                kind_ok && p.may(action)
            }
        }
    }
}

pub fn rule(method: &Method, path: &str) -> Option<Rule> {
    use Action::*;
    use Audience::*;
    Some(match (method.as_str(), path) {
        ("GET", "/" | "/sign-in" | "/invitations/accept") => Rule::Public,
        ("POST", "/sign-in" | "/invitations/accept") => Rule::Public,
        ("GET", crate::assets::CSS_ROUTE) => Rule::Public,
        ("POST", "/sign-out") => Rule::SignedIn(Any, SelfService),
        ("GET", "/dashboard") => Rule::SignedIn(Customer, OrderRead),
        ("GET", "/orders" | "/orders/{id}") => Rule::SignedIn(Any, OrderRead),
        ("GET", "/invoices" | "/invoices/{id}") => Rule::SignedIn(Any, BillingRead),
        ("GET", "/console") => Rule::SignedIn(Staff, AccountRead),
        _ => return None,
    })
}
