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
    /// Dropship suppliers' users only (the supplier portal).
    Supplier,
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
                    Audience::Supplier => matches!(p.kind, PrincipalKind::Supplier { .. }),
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
        // -- approvals and spend --
        ("GET", "/approvals") | ("POST", "/approvals/{id}") => Rule::SignedIn(Customer, Approve),
        ("GET", "/spend") => Rule::SignedIn(Customer, ReportsRead),
        // -- company administration --
        ("GET", "/admin") => Rule::SignedIn(Customer, UsersManage),
        (
            "GET" | "POST",
            "/admin/users/invite" | "/admin/users/{id}" | "/admin/users/{id}/deactivate" | "/admin/keys",
        ) => Rule::SignedIn(Customer, UsersManage),
        ("GET", "/admin/users") | ("POST", "/admin/users/{id}/invitation" | "/admin/keys/{id}/revoke") => {
            Rule::SignedIn(Customer, UsersManage)
        }
        ("GET" | "POST", "/admin/locations/new" | "/admin/locations/{id}") | ("GET", "/admin/locations") => {
            Rule::SignedIn(Customer, LocationsManage)
        }
        ("GET" | "POST", "/admin/policy") => Rule::SignedIn(Customer, ApprovalRulesManage),
        ("GET" | "POST", "/admin/budgets") => Rule::SignedIn(Customer, BudgetsManage),
        // -- reorder and saved lists --
        ("GET", "/lists" | "/lists/{id}") => Rule::SignedIn(Customer, OrderRead),
        (
            "GET" | "POST",
            "/lists/new" | "/lists/{id}/edit" | "/lists/{id}/delete" | "/lists/{id}/reorder" | "/orders/{id}/reorder",
        ) => Rule::SignedIn(Customer, OrderPlace),
        // -- supplier portal and shipments --
        ("GET", "/supplier") => Rule::SignedIn(Supplier, ShipmentCreate),
        ("POST", "/supplier/orders/{id}/confirm") | ("GET" | "POST", "/supplier/orders/{id}/ship") => {
            Rule::SignedIn(Supplier, ShipmentCreate)
        }
        ("GET" | "POST", "/supplier/shipments/{id}/tracking") => Rule::SignedIn(Supplier, TrackingIngest),
        // -- dropship --
        ("GET" | "POST", "/supplier/orders/{id}/reject") => Rule::SignedIn(Supplier, ShipmentCreate),
        // -- /dropship --
        ("GET", "/shipments") => Rule::SignedIn(Any, OrderRead),
        // -- console search, customer 360, tracking, password reset, downloads --
        ("GET" | "POST", "/forgot-password" | "/reset-password" | "/track") => Rule::Public,
        // -- punchout: the OCI call is authenticated by its USERNAME/PASSWORD, the session's
        // pages by the token in their path (the app refuses an unknown or ended one as not found).
        ("GET" | "POST", "/punchout/oci") | ("GET", "/punchout/{token}") => Rule::Public,
        ("POST", "/punchout/{token}/cart" | "/punchout/{token}/return") => Rule::Public,
        ("POST", "/users/{id}/password-reset") => Rule::SignedIn(Any, UsersManage),
        ("GET", "/search" | "/console/accounts/{id}") => Rule::SignedIn(Staff, AccountRead),
        ("GET", "/orders.csv") => Rule::SignedIn(Any, OrderRead),
        ("GET", "/invoices.csv") => Rule::SignedIn(Any, BillingRead),
        // -- returns --
        ("GET" | "POST", "/orders/{id}/return") => Rule::SignedIn(Any, ReturnRequest),
        ("GET", "/returns" | "/returns/{id}") => Rule::SignedIn(Customer, OrderRead),
        ("POST", "/returns/{id}/shipment") => Rule::SignedIn(Customer, ReturnRequest),
        ("GET", "/console/returns" | "/console/returns/{id}") => Rule::SignedIn(Staff, OrderRead),
        ("POST", "/console/returns/{id}/decision" | "/console/returns/{id}/receipt") => {
            Rule::SignedIn(Staff, ReturnDecide)
        }
        ("POST", "/console/returns/{id}/shipment") => Rule::SignedIn(Staff, ReturnRequest),
        // -- /returns --
        // -- cases --
        // A customer's own cases; staff open them for a customer from the same form.
        ("GET", "/cases" | "/cases/{id}") | ("POST", "/cases/{id}/reply" | "/cases/{id}/status") => {
            Rule::SignedIn(Customer, Cases)
        }
        ("GET" | "POST", "/cases/new") => Rule::SignedIn(Any, Cases),
        ("GET", "/console/cases" | "/console/cases/{id}")
        | ("POST", "/console/cases/{id}/reply" | "/console/cases/{id}/assign" | "/console/cases/{id}/status") => {
            Rule::SignedIn(Staff, Cases)
        }
        // -- /cases --
        // -- exceptions --
        ("GET", "/console/exceptions" | "/console/exceptions/{id}")
        | (
            "POST",
            "/console/exceptions/bulk"
            | "/console/exceptions/{id}/acknowledge"
            | "/console/exceptions/{id}/assign"
            | "/console/exceptions/{id}/resolve",
        ) => Rule::SignedIn(Staff, ExceptionWork),
        // -- /exceptions --
        // -- change requests --
        ("GET" | "POST", "/orders/{id}/change") => Rule::SignedIn(Any, OrderChange),
        ("GET", "/console/changes" | "/console/changes/{id}") | ("POST", "/console/changes/{id}") => {
            Rule::SignedIn(Staff, ChangeDecide)
        }
        // -- /change requests --
        // -- notifications --
        // Everyone's own notifications and settings (staff and suppliers have them too).
        ("GET", "/notifications" | "/settings/notifications")
        | ("POST", "/notifications/read-all" | "/notifications/{id}/read" | "/settings/notifications") => {
            Rule::SignedIn(Any, SelfService)
        }
        // One-click unsubscribe (RFC 8058): mail providers POST without a session or a CSRF
        // token; the signed token in the link is the only credential.
        ("GET" | "POST", "/unsubscribe") => Rule::Public,
        // A help email's signed link: the token is the credential; it records the click and
        // sends the reader to the guide (which needs a session like any page).
        ("GET", "/h/{token}") => Rule::Public,
        ("GET", "/help/{id}") => Rule::SignedIn(Any, CatalogRead),
        ("GET" | "POST", "/admin/notifications") => Rule::SignedIn(Customer, UsersManage),
        ("GET" | "POST", "/admin/webhooks")
        | ("GET", "/admin/webhooks/{id}")
        | (
            "POST",
            "/admin/webhooks/{id}/rotate"
            | "/admin/webhooks/{id}/state"
            | "/admin/webhooks/{id}/replay"
            | "/admin/webhooks/{id}/replay-since",
        ) => Rule::SignedIn(Customer, Integrations),
        ("GET" | "POST", "/console/webhooks")
        | ("GET", "/console/webhooks/{id}" | "/console/deliveries")
        | (
            "POST",
            "/console/webhooks/{id}/rotate"
            | "/console/webhooks/{id}/state"
            | "/console/webhooks/{id}/replay"
            | "/console/webhooks/{id}/replay-since"
            | "/console/deliveries/{id}/replay",
        ) => Rule::SignedIn(Staff, Integrations),
        // -- /notifications --
        // -- receivables --
        // The invoice's documents: anyone who reads the invoice.
        ("GET", "/invoices/{id}/pdf" | "/invoices/{id}/ubl" | "/credit-memos/{id}/pdf") => {
            Rule::SignedIn(Any, BillingRead)
        }
        // Paying online, saved methods and autopay: the account's own finance users.
        ("GET" | "POST", "/pay")
        | ("GET", "/settings/payments")
        | (
            "POST",
            "/settings/payments/methods" | "/settings/payments/methods/{id}/remove" | "/settings/payments/autopay",
        ) => Rule::SignedIn(Customer, PayInvoices),
        // What a payment came to: anyone who reads the account's billing (staff too).
        ("GET", "/payments/online/{id}") => Rule::SignedIn(Any, BillingRead),
        // Disputes: read with billing access, opened and argued with `Dispute` (staff may open
        // one for a customer from the invoice, as with returns).
        ("GET", "/disputes" | "/disputes/{id}" | "/statement" | "/statement.pdf" | "/statement.csv") => {
            Rule::SignedIn(Customer, BillingRead)
        }
        ("POST", "/disputes/{id}/messages") => Rule::SignedIn(Customer, Dispute),
        ("GET" | "POST", "/invoices/{id}/dispute") => Rule::SignedIn(Any, Dispute),
        // The console: seller staff read the book; finance ops act on it.
        ("GET", "/console/disputes" | "/console/disputes/{id}" | "/console/seller-profile") => {
            Rule::SignedIn(Staff, BillingRead)
        }
        // The book, the bank and credit are finance ops' (as in the API).
        (
            "GET",
            "/console/receivables"
            | "/console/bank-statements"
            | "/console/bank-statements/{id}"
            | "/console/unapplied"
            | "/console/unapplied/{id}"
            | "/console/credit-holds",
        ) => Rule::SignedIn(Staff, Receivables),
        ("POST", "/console/disputes/{id}/messages") => Rule::SignedIn(Staff, Dispute),
        (
            "POST",
            "/console/bank-statements"
            | "/console/unapplied/{id}"
            | "/console/credit-holds/{id}"
            | "/console/disputes/{id}/resolution"
            | "/console/seller-profile",
        ) => Rule::SignedIn(Staff, Receivables),
        // -- /receivables --
        _ => return None,
    })
}
