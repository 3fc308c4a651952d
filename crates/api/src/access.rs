//! The one authorisation table: every route maps to the [`Action`] it performs. The role check
//! ("may this principal do that at all?") happens when the caller is extracted, before any
//! handler runs; a route missing from this table is refused with a 500 and fails the test that
//! walks the OpenAPI document. Which records a principal sees is decided in the app layer.

use aftercart_app::Action;
use axum::http::Method;

pub fn action(method: &Method, path: &str) -> Option<Action> {
    use Action::*;
    let m = method.as_str();
    Some(match (m, path) {
        ("GET", "/healthz" | "/api/v1/openapi.json") => Public,
        ("POST", "/api/v1/session" | "/api/v1/invitations/accept") => Public,
        ("POST", "/api/v1/password-resets" | "/api/v1/password-resets/complete") => Public,
        ("DELETE", "/api/v1/session") | ("GET", "/api/v1/me") => SelfService,
        // The authenticated no-op (the benchmarks' ceiling): anyone who can authenticate.
        ("GET", "/api/v1/ping") => SelfService,
        // One's own password and sessions (a user's credential; the static key has none).
        ("POST", "/api/v1/me/password" | "/api/v1/me/sessions/revoke") => SelfService,
        // Who may receive an invitation's token is decided in the app (privileged users: only
        // seller admins); failed sign-ins are for those who manage users.
        ("POST", "/api/v1/users/{id}/invitation" | "/api/v1/users/{id}/password-reset")
        | ("GET", "/api/v1/sign-in-failures") => UsersManage,

        ("POST", "/api/v1/accounts") | ("PATCH", "/api/v1/accounts/{id}") => AccountWrite,
        ("PUT", "/api/v1/accounts/{id}/contract-prices/{product_id}") => AccountWrite,
        ("GET", "/api/v1/accounts" | "/api/v1/accounts/{id}" | "/api/v1/accounts/{id}/timeline") => AccountRead,
        ("POST", "/api/v1/accounts/{id}/locations") | ("PATCH", "/api/v1/accounts/{id}/locations/{location_id}") => {
            LocationsManage
        }
        ("GET", "/api/v1/accounts/{id}/open-invoices") => BillingRead,
        // -- receivables --
        ("POST", "/api/v1/payments/provider-webhook") => Public,
        // Authenticated by each provider's own signature on the body, in the app.
        ("POST", "/api/v1/carriers/{provider}/webhook") => Public,
        // ERP exports span every account: seller admins (checked again in the app).
        ("GET", "/api/v1/exports/{kind}") => Integrations,
        // ERP imports likewise (seller admins and the system, checked again in the app).
        ("POST", "/api/v1/imports/{kind}") => Integrations,
        // -- procurement --
        // A buyer's procurement system, authenticated by the cXML Sender's shared secret.
        ("POST", "/api/v1/punchout/cxml/setup" | "/api/v1/punchout/cxml/order") => Public,
        // An EDI trading partner, authenticated by its ISA sender id and the link's shared secret.
        ("POST", "/api/v1/edi/x12") => Public,
        // Seller admins change links (checked in the app); an account's admins may read them.
        (
            "GET",
            "/api/v1/accounts/{id}/procurement-links"
            | "/api/v1/procurement-links/{id}"
            | "/api/v1/procurement-links/{id}/documents"
            | "/api/v1/procurement-links/{id}/x12-documents",
        ) => Integrations,
        ("POST", "/api/v1/accounts/{id}/procurement-links") | ("PATCH", "/api/v1/procurement-links/{id}") => {
            Integrations
        }
        (
            "GET",
            "/api/v1/accounts/{id}/billing-profile"
            | "/api/v1/accounts/{id}/statement"
            | "/api/v1/accounts/{id}/aging"
            | "/api/v1/payments/online"
            | "/api/v1/payments/online/{id}"
            | "/api/v1/disputes"
            | "/api/v1/disputes/{id}"
            | "/api/v1/invoices/{id}/dispute-suggestions"
            | "/api/v1/invoices/{id}/pdf"
            | "/api/v1/invoices/{id}/ubl"
            | "/api/v1/credit-memos/{id}/pdf"
            | "/api/v1/credit-memos/{id}/ubl"
            | "/api/v1/seller-profile",
        ) => BillingRead,
        (
            "POST",
            "/api/v1/accounts/{id}/payment-methods" | "/api/v1/payments/online" | "/api/v1/invoices/{id}/apply-credit",
        )
        | ("DELETE", "/api/v1/accounts/{id}/payment-methods/{method_id}" | "/api/v1/accounts/{id}/autopay")
        | ("PUT", "/api/v1/accounts/{id}/autopay") => PayInvoices,
        ("POST", "/api/v1/disputes" | "/api/v1/disputes/{id}/messages") => Dispute,
        (
            "POST",
            "/api/v1/disputes/{id}/resolution" | "/api/v1/bank-statements" | "/api/v1/unapplied-receipts/{id}/apply",
        )
        | ("POST", "/api/v1/orders/{id}/credit-decision")
        | ("PUT", "/api/v1/accounts/{id}/dunning" | "/api/v1/accounts/{id}/einvoicing" | "/api/v1/seller-profile")
        | (
            "GET",
            "/api/v1/bank-statements"
            | "/api/v1/bank-statements/{id}"
            | "/api/v1/unapplied-receipts"
            | "/api/v1/unapplied-receipts/{id}"
            | "/api/v1/credit-holds"
            | "/api/v1/reports/aging",
        ) => Receivables,
        // -- /receivables --
        ("POST", "/api/v1/products" | "/api/v1/fulfilment-locations") => CatalogWrite,
        (
            "GET",
            "/api/v1/products"
            | "/api/v1/products/{id}"
            | "/api/v1/fulfilment-locations"
            | "/api/v1/fulfilment-locations/{id}",
        ) => CatalogRead,

        ("POST", "/api/v1/orders") => OrderPlace,
        ("POST", "/api/v1/orders/{id}/reorder" | "/api/v1/saved-lists" | "/api/v1/saved-lists/{id}/reorder") => {
            OrderPlace
        }
        (
            "GET",
            "/api/v1/orders/{id}/reorder"
            | "/api/v1/saved-lists"
            | "/api/v1/saved-lists/{id}"
            | "/api/v1/saved-lists/{id}/reorder",
        ) => OrderRead,
        // -- reorder and saved lists --
        ("PUT" | "DELETE", "/api/v1/saved-lists/{id}") => OrderPlace,
        ("GET", "/api/v1/accounts/{id}/spend" | "/api/v1/reports/help-engagement") => ReportsRead,
        ("POST", "/api/v1/products/{id}/discontinue") => CatalogWrite,
        (
            "GET",
            "/api/v1/orders"
            | "/api/v1/orders/{id}"
            | "/api/v1/orders/{id}/status"
            | "/api/v1/orders/{id}/timeline"
            | "/api/v1/shipments"
            | "/api/v1/shipments/{id}",
        ) => OrderRead,
        (
            "POST",
            "/api/v1/orders/{id}/allocations"
            | "/api/v1/orders/{id}/backorders"
            | "/api/v1/orders/{id}/lines/{line}/backorder-date"
            | "/api/v1/orders/{id}/cancellations"
            | "/api/v1/orders/{id}/fulfilment",
        ) => OrderFulfil,
        ("POST", "/api/v1/shipments" | "/api/v1/shipment-waves") => ShipmentCreate,
        ("POST", "/api/v1/shipments/{id}/receipt") => ReceiptRecord,
        ("POST", "/api/v1/tracking-events") => TrackingIngest,
        // -- supplier portal and shipments --
        // A location's promise to ship what is allocated to it: the first step of shipping, so
        // the suppliers' `ShipmentCreate` (the app also requires `OrderFulfil` of seller staff).
        ("POST", "/api/v1/orders/{id}/supplier-confirmation") => ShipmentCreate,
        // -- dropship --
        // Rules hold the seller's costs and routing is allocation: operations (and admins).
        ("GET" | "POST", "/api/v1/routing-rules")
        | ("GET" | "PATCH" | "DELETE", "/api/v1/routing-rules/{id}")
        | ("POST", "/api/v1/orders/{id}/route")
        | ("GET" | "PUT", "/api/v1/dropship-settings") => OrderFulfil,
        // A supplier's own refusal and stock, like its confirmation (the app keeps it to its own
        // location and requires `OrderFulfil` of seller staff).
        ("POST", "/api/v1/orders/{id}/supplier-rejection") | ("GET" | "PUT", "/api/v1/suppliers/{location}/stock") => {
            ShipmentCreate
        }
        // Staff and suppliers (only their own row); the app refuses customers.
        ("GET", "/api/v1/suppliers/sla") => OrderRead,
        // -- /dropship --
        ("POST", "/api/v1/invoices" | "/api/v1/credit-memos") => BillingWrite,
        (
            "GET",
            "/api/v1/invoices"
            | "/api/v1/invoices/{id}"
            | "/api/v1/invoices/{id}/match"
            | "/api/v1/invoices/{id}/timeline"
            | "/api/v1/credit-memos"
            | "/api/v1/credit-memos/{id}"
            | "/api/v1/payments"
            | "/api/v1/payments/{id}",
        ) => BillingRead,
        ("POST", "/api/v1/payments") => PaymentRecord,

        ("POST", "/api/v1/users" | "/api/v1/users/{id}/deactivate" | "/api/v1/api-keys") => UsersManage,
        ("GET", "/api/v1/users" | "/api/v1/users/{id}" | "/api/v1/api-keys") => UsersManage,
        ("PATCH", "/api/v1/users/{id}") | ("DELETE", "/api/v1/api-keys/{id}") => UsersManage,
        ("PUT", "/api/v1/accounts/{id}/approval-policy") => ApprovalRulesManage,
        ("GET", "/api/v1/accounts/{id}/approval-policy") => AccountRead,
        ("POST", "/api/v1/accounts/{id}/delegations" | "/api/v1/orders/{id}/approvals/decision") => Approve,
        // Listing names the account's approvers and delegates; ending one is the delegator's
        // own act (or an account admin's), checked in the app.
        ("GET", "/api/v1/accounts/{id}/delegations")
        | ("POST", "/api/v1/accounts/{id}/delegations/{delegation_id}/end") => Approve,
        ("GET", "/api/v1/orders/{id}/approvals") => OrderRead,
        ("POST", "/api/v1/accounts/{id}/budgets") => BudgetsManage,
        ("GET", "/api/v1/accounts/{id}/budgets") => ReportsRead,
        // -- returns --
        // Reading returns is reading orders (suppliers see none: the app hides them); the
        // customer ships the parcel back, so recording it is part of requesting.
        ("GET", "/api/v1/returns" | "/api/v1/returns/{id}") => OrderRead,
        ("POST", "/api/v1/returns" | "/api/v1/returns/{id}/shipment") => ReturnRequest,
        ("POST", "/api/v1/returns/{id}/decision" | "/api/v1/returns/{id}/receipt") => ReturnDecide,
        // -- /returns --
        // -- cases --
        // Customers and seller staff alike; internal notes and assignment are staff-only, in the app.
        ("POST", "/api/v1/cases" | "/api/v1/cases/{id}/messages" | "/api/v1/cases/{id}/assignment")
        | ("POST", "/api/v1/cases/{id}/status")
        | ("GET", "/api/v1/cases" | "/api/v1/cases/{id}") => Cases,
        // -- /cases --
        // -- exceptions --
        // Reading: customers see their customer-facing subset (decided in the app), staff all.
        ("GET", "/api/v1/exceptions" | "/api/v1/exceptions/{id}") => OrderRead,
        (
            "POST",
            "/api/v1/exceptions/bulk"
            | "/api/v1/exceptions/{id}/acknowledge"
            | "/api/v1/exceptions/{id}/assign"
            | "/api/v1/exceptions/{id}/resolve",
        ) => ExceptionWork,
        // -- /exceptions --
        // -- change requests --
        ("POST", "/api/v1/orders/{id}/change-requests" | "/api/v1/orders/{id}/change-requests/preview") => OrderChange,
        ("GET", "/api/v1/orders/{id}/change-requests" | "/api/v1/change-requests" | "/api/v1/change-requests/{id}") => {
            OrderRead
        }
        ("POST", "/api/v1/change-requests/{id}/decision") => ChangeDecide,
        ("POST", "/api/v1/orders/{id}/releases") => OrderFulfil,
        // -- /change requests --
        // -- notifications --
        // Each user's own bell and preferences (the app shows a user only their own).
        (
            "GET",
            "/api/v1/notifications" | "/api/v1/notifications/unread-count" | "/api/v1/me/notification-preferences",
        )
        | ("POST", "/api/v1/notifications/{id}/read" | "/api/v1/notifications/read-all")
        | ("PUT", "/api/v1/me/notification-preferences") => SelfService,
        // The company's defaults are how its users are told: administered with its users.
        ("GET" | "PUT", "/api/v1/accounts/{id}/notification-defaults") => UsersManage,
        // Webhooks, delivery logs, replay and the event feed; `/deliveries` across queues is the
        // seller's (the app refuses account admins there, and scoped users everywhere).
        ("GET" | "POST", "/api/v1/webhook-endpoints")
        | ("GET" | "PATCH", "/api/v1/webhook-endpoints/{id}")
        | (
            "POST",
            "/api/v1/webhook-endpoints/{id}/rotate-secret"
            | "/api/v1/webhook-endpoints/{id}/replay"
            | "/api/v1/deliveries/{id}/replay"
            | "/api/v1/deliveries/replay",
        )
        | (
            "GET",
            "/api/v1/webhook-endpoints/{id}/deliveries"
            | "/api/v1/deliveries"
            | "/api/v1/deliveries/{id}"
            | "/api/v1/events",
        ) => Integrations,
        // -- /notifications --
        _ => return None,
    })
}
