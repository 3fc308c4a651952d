//! Typed identifiers, so an order id can never be passed where an invoice id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid { self.0 }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self { Self(u) }
        }
    )*};
}

id_type!(
    AccountId,
    /// A customer's ship-to or bill-to address.
    LocationId,
    /// A seller-side warehouse, store or dropship supplier.
    FulfilmentLocationId,
    ProductId,
    OrderId,
    ShipmentId,
    InvoiceId,
    CreditMemoId,
    PaymentId,
    UserId,
    ApprovalRuleId,
    BudgetId,
    DelegationId,
    /// A return (RMA) of delivered goods.
    ReturnId,
    /// A request to change a placed order.
    ChangeRequestId,
    /// A customer's dispute of invoice lines (a short-pay opens one).
    DisputeId,
    /// A payment made online through the payment provider, from request to outcome.
    OnlinePaymentId,
    /// A payment method saved at the provider for an account.
    SavedMethodId,
    /// An imported bank statement.
    BankImportId,
    /// A bank receipt that could not be applied with confidence: the unapplied-cash queue.
    UnappliedReceiptId,
    /// A seller's rule sending matching order lines to a dropship supplier.
    RoutingRuleId,
);
