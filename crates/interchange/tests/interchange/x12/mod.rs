//! X12: every public sample read with assertions on its content and on the deviations known in
//! it; Aftercart's 855, 856, 810 and 997 written from a sample order and read back both by this
//! reader and by the independent x12-types crate; envelope faults named by segment and element;
//! element text round-trips and delimiters are refused (proptest).

mod faults;
mod props;
mod samples;
mod writers;

use aftercart_interchange::x12::{ControlNumbers, Envelope, Interchange, PartnerId, Usage, Version};
use time::macros::datetime;

pub const COVERED: &[&str] = &[
    "x12/004010_850.edi",
    "x12/004060_856.edi",
    "x12/850.edi",
    "x12/850_3.edi",
    "x12/855.edi",
    "x12/856.edi",
    "x12/invoice810_po850_dual.edi",
    "x12/simple810.edi",
    "x12/stedi-dropship-5010/inbound.edi",
    "x12/stedi-dropship-5010/input.edi",
];

/// A sample read strictly (envelope errors fail the test).
pub fn read(rel: &str) -> Interchange {
    Interchange::parse(&crate::samples::sample(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Aftercart (ZZ/AFTERCART) writing to the 850.edi buyer.
pub fn envelope(version: Version) -> Envelope {
    Envelope {
        sender: PartnerId {
            qualifier: "ZZ".into(),
            id: "AFTERCART".into(),
        },
        receiver: PartnerId {
            qualifier: "12".into(),
            id: "4405197800".into(),
        },
        application_sender: None,
        application_receiver: Some("999999999".into()),
        version,
        usage: Usage::Test,
        ack_requested: false,
        at: datetime!(2024-03-05 14:30),
    }
}

pub fn controls(n: u32) -> ControlNumbers {
    ControlNumbers {
        interchange: 1000 + n,
        group: 500 + n,
        transaction_set: n,
    }
}
