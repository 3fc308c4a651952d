//! (in progress)

pub const COVERED: &[&str] = &[];
