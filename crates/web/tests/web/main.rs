//! The portal's in-process tests: every page renders for the right persona and refuses the
//! others, forms re-render with errors beside fields, CSRF is required, on both stores.

mod harness;

mod access;
mod admin;
mod approvals;
mod browser;
mod console;
// -- dropship --
mod dropship;
// -- /dropship --
mod identity;
mod lists;
mod matrix;
mod notifications;
mod portal;
mod punchout;
mod supplier;
// -- returns --
mod returns;
// -- /returns --
// -- cases --
mod cases;
// -- /cases --
// -- exceptions --
mod exceptions;
// -- /exceptions --
// -- change requests --
mod changes;
// -- /change requests --
// -- receivables --
mod receivables;
// -- /receivables --
