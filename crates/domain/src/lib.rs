//! Aftercart's domain core: the rules of orders, shipments, invoices and payments.
//!
//! Architecture invariant: nothing in this crate performs I/O, reads the clock or knows about
//! SQL, HTTP or JSON wire formats. Every function is deterministic in its inputs (time is passed
//! in), so every rule can be unit- and property-tested. The serde derives define the *storage
//! snapshot* of aggregates, not the public API (the API crate has its own DTOs).

pub mod account;
pub mod approval;
pub mod budget;
pub mod dropship;
pub mod error;
pub mod ids;
pub mod invoice;
pub mod matching;
pub mod money;
pub mod notification;
pub mod order;
pub mod procurement;
pub mod product;
pub mod quantity;
pub mod receivables;
pub mod status;
pub mod text;
pub mod tracking;
// -- exceptions --
pub mod exception;
// -- /exceptions --

pub use error::{ErrorCode, Rejection};
pub use money::{Currency, Money};
pub use quantity::Qty;
// -- cases --
pub mod case;
// -- /cases --
// -- returns --
pub mod returns;
// -- /returns --
