//! Why a command was refused: a stable machine code, the field at fault and a sentence for people.

use std::fmt;

/// Stable error codes. The string form is part of the public API (problem+json `code`), so a
/// variant may be added but never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidValue,
    InvalidQuantity,
    InvalidCurrency,
    CurrencyMismatch,
    ForeignAccount,
    UnknownReference,
    OverAllocation,
    OverShipment,
    OverCancellation,
    OverBackorder,
    OverReceipt,
    OverApplication,
    ShipToMismatch,
    InvalidState,
    /// The caller may not act on this location or record (a scoped user, a supplier).
    OutOfScope,
    /// The acting user may not decide this approval step (not its approver, nor standing in).
    NotApprover,
    /// The order is awaiting approval or was rejected in approval, so it cannot be invoiced.
    OrderNotApproved,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidValue => "invalid_value",
            ErrorCode::InvalidQuantity => "invalid_quantity",
            ErrorCode::InvalidCurrency => "invalid_currency",
            ErrorCode::CurrencyMismatch => "currency_mismatch",
            ErrorCode::ForeignAccount => "foreign_account",
            ErrorCode::UnknownReference => "unknown_reference",
            ErrorCode::OverAllocation => "over_allocation",
            ErrorCode::OverShipment => "over_shipment",
            ErrorCode::OverCancellation => "over_cancellation",
            ErrorCode::OverBackorder => "over_backorder",
            ErrorCode::OverReceipt => "over_receipt",
            ErrorCode::OverApplication => "over_application",
            ErrorCode::ShipToMismatch => "ship_to_mismatch",
            ErrorCode::InvalidState => "invalid_state",
            ErrorCode::NotApprover => "not_approver",
            ErrorCode::OutOfScope => "out_of_scope",
            ErrorCode::OrderNotApproved => "order_not_approved",
        }
    }
}

/// A refused command. Commands validate everything before mutating, so a `Rejection` always
/// means nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: ErrorCode,
    /// JSON-pointer-like path of the offending input, e.g. `lines[2].quantity`.
    pub field: String,
    pub message: String,
}

impl Rejection {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Rejection {
            code,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code.as_str())
    }
}

impl std::error::Error for Rejection {}

pub type Result<T, E = Rejection> = std::result::Result<T, E>;
