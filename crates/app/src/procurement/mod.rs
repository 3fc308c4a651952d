//! Procurement systems connected to accounts: the links (credentials per buying organisation),
//! and the punchout sessions and orders that arrive through them.

mod links;

pub use links::LinkInput;
