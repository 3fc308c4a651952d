//! The api crate's one integration-test binary (link time dominates on small machines): every
//! scenario module runs through the real router on SQLite and on PostgreSQL.

#[macro_use]
mod harness;

mod access;
mod bad_input;
mod capacity;
mod carriers;
// -- dropship --
mod dropship;
// -- /dropship --
mod exports;
mod imports;
// -- change requests --
mod changes;
// -- /change requests --
mod flows;
mod fulfilment;
mod governance;
mod hygiene;
mod isolation;
mod large_order;
mod migration;
// -- notifications --
mod notifications;
mod procurement;
// -- /notifications --
mod protocol;
mod receivables;
mod reorder_spend;
mod resets;
mod rules;
mod saved_lists;
mod security;
mod supplier;
mod x12;
// -- cases --
mod cases;
// -- /cases --
// -- exceptions --
mod exceptions;
// -- /exceptions --
// -- returns --
mod returns;
// -- /returns --
