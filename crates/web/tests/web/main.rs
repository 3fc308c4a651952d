//! The portal's in-process tests: every page renders for the right persona and refuses the
//! others, forms re-render with errors beside fields, CSRF is required, on both stores.

mod harness;

mod access;
mod browser;
mod identity;
mod portal;
mod approvals;
mod admin;
mod lists;
mod supplier;
mod console;
mod matrix;
