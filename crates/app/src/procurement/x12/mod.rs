//! X12 EDI with a trading partner: purchase orders (850) in, functional acknowledgements (997)
//! both ways, and acknowledgements (855), ship notices (856) and invoices (810) out through the
//! outbox. The partner is a procurement link with X12 ids; what the link's account may do, the
//! partner may do, nothing more.
//!
//! Control numbers: every interchange we send takes the next number of the link's own counter
//! (ISA13 = GS06 = ST02, one set per interchange), so numbers never repeat for a partner; gaps are
//! possible after a crash, as X12 allows. Every interchange received is recorded under its
//! sender and ISA13, with the 997 we answered: a resent interchange is answered with that same
//! 997 and orders nothing.

mod inbound;
mod outbound;

pub use inbound::X12Answer;
pub(crate) use outbound::X12Cache;
pub use outbound::{X12_QUEUE, X12Document, X12Job};

use crate::docs::Doc;
use aftercart_domain::ids::{AccountId, OrderId};
use aftercart_domain::procurement::{ProcurementLink, ProcurementLinkId, X12Release};
use aftercart_interchange::x12::{self, ControlNumbers, PartnerId, Party, ProductId, Usage};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The 850 an order came from: what its 855, 856 and 810 must echo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct X12OrderRef {
    pub order_id: OrderId,
    pub account_id: AccountId,
    pub link_id: ProcurementLinkId,
    /// BEG03.
    pub po_number: String,
    /// BEG04.
    pub po_date: Date,
    /// BEG05.
    pub release: Option<String>,
    /// The 850's ship-to (N1 ST), echoed on the 855.
    pub ship_to: Option<Party>,
    /// Per order line, the PO1 it came from.
    pub lines: Vec<X12LineRef>,
}

/// One PO1 line, by the order line number it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct X12LineRef {
    pub line: u32,
    /// PO101.
    pub line_id: Option<String>,
    /// PO103.
    pub unit: String,
    /// PO105.
    pub price_basis: Option<String>,
    /// PO106…: echoed as the buyer sent them.
    pub product_ids: Vec<ProductId>,
}

impl X12OrderRef {
    pub(crate) fn id_of(order: OrderId) -> Uuid {
        crate::erp::derived_id(&format!("x12_order:{}", order.0))
    }

    fn line(&self, no: u32) -> Option<&X12LineRef> {
        self.lines.iter().find(|l| l.line == no)
    }
}

impl Doc for X12OrderRef {
    const KIND: &'static str = "x12_order_ref";
    const WHAT: &'static str = "X12 order reference";
    fn doc_id(&self) -> Uuid {
        Self::id_of(self.order_id)
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
}

/// An interchange received: its control number, what became of each set, and the 997 we
/// answered, so a resend gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct X12Received {
    pub link_id: ProcurementLinkId,
    pub account_id: AccountId,
    /// ISA05:ISA06 as keyed ([`aftercart_domain::procurement::x12_key`]).
    pub sender_key: String,
    /// ISA13.
    pub control_number: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// Per transaction set: `850 0001: order SO-100042`, `850 0002: rejected: …`.
    pub outcomes: Vec<String>,
    /// The 997 interchanges sent back (empty when only 997s were received).
    pub answer: String,
}

impl X12Received {
    pub(crate) fn id_of(link: ProcurementLinkId, sender_key: &str, control: u32) -> Uuid {
        crate::erp::derived_id(&format!("x12_in:{}:{sender_key}:{control}", link.0))
    }
}

impl Doc for X12Received {
    const KIND: &'static str = "x12_received";
    const WHAT: &'static str = "X12 interchange received";
    fn doc_id(&self) -> Uuid {
        Self::id_of(self.link_id, &self.sender_key, self.control_number)
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
}

/// What a partner's 997 said about one group we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct X12AckReceived {
    pub link_id: ProcurementLinkId,
    pub account_id: AccountId,
    /// AK102: our GS06.
    pub group_control: u32,
    /// AK901: `A`, `E`, `P` or `R`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
}

impl X12AckReceived {
    pub(crate) fn id_of(link: ProcurementLinkId, group_control: u32) -> Uuid {
        crate::erp::derived_id(&format!("x12_ack:{}:{group_control}", link.0))
    }
}

impl Doc for X12AckReceived {
    const KIND: &'static str = "x12_ack_received";
    const WHAT: &'static str = "X12 acknowledgement received";
    fn doc_id(&self) -> Uuid {
        Self::id_of(self.link_id, self.group_control)
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
}

fn version(r: X12Release) -> x12::Version {
    match r {
        X12Release::V4010 => x12::Version::V4010,
        X12Release::V5010 => x12::Version::V5010,
    }
}

/// The envelope of what we send a partner: from our ids to theirs, in their release.
fn envelope(link: &ProcurementLink, usage: Usage, at: OffsetDateTime) -> Option<x12::Envelope> {
    let x = link.x12.as_ref()?;
    let at = at.to_offset(time::UtcOffset::UTC);
    Some(x12::Envelope {
        sender: PartnerId {
            qualifier: x.our_qualifier.trim().to_owned(),
            id: x.our_id.trim().to_owned(),
        },
        receiver: PartnerId {
            qualifier: x.qualifier.trim().to_owned(),
            id: x.id.trim().to_owned(),
        },
        application_sender: None,
        application_receiver: None,
        version: version(x.release),
        usage,
        ack_requested: false,
        at: time::PrimitiveDateTime::new(at.date(), at.time()),
    })
}

impl crate::App {
    /// The next control number for what we send `link` (1 to 999,999,999, then round again).
    async fn next_control(&self, link: ProcurementLinkId) -> crate::error::Result<ControlNumbers> {
        let n = self.store.reserve_numbers(&format!("x12_out:{}", link.0), 1).await?;
        let n = u32::try_from((n - 1).rem_euclid(999_999_999) + 1).unwrap_or(1);
        Ok(ControlNumbers {
            interchange: n,
            group: n,
            transaction_set: n,
        })
    }
}
