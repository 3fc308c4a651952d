//! cXML out: what the seller tells the buyer's procurement system about an order it sent,
//! posted through the outbox to the link's `order_response_url`.
//!
//! The fan-out builds each document when it reaches the events of a commit, from the order as
//! it stands then, and stores the bytes in the delivery job: a retry or a replay sends the same
//! document under the same payload id, which is what buyers de-duplicate on.
//! - placement (or approval, or a credit release) → `ConfirmationRequest type="accept"`,
//!   operation `new`; a refusal (approval or credit) → `type="reject"`;
//! - a line allocated, backordered, cancelled, rescheduled or promised → one
//!   `ConfirmationRequest type="detail"` (operation `update`) per order and commit, each line
//!   split into accepted (with the supplier's promised ship date), backordered (with the expected
//!   date) and rejected (cancelled) quantities that add up to what was ordered;
//! - a shipment → `ShipNoticeRequest`, with its carrier and tracking number;
//! - an invoice → `InvoiceDetailRequest`, its lines referencing the `OrderRequest`;
//! - a credit hold, and its release → `StatusUpdateRequest` on the `OrderRequest`.

use crate::App;
use crate::docs::{Doc, decode};
use crate::error::{AppError, Result};
use crate::order_docs::StoredOrder;
use aftercart_domain::Qty;
use aftercart_domain::ids::{AccountId, OrderId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::order::{Channel, Order};
use aftercart_domain::procurement::{ProcurementLink, ProcurementLinkId};
use aftercart_interchange::cxml::{
    self, ConfirmationItemOut, ConfirmationOut, ConfirmationType, Credential, Decimal, DocumentOperation, Envelope,
    InvoiceLineOut, InvoiceOrderOut, InvoiceOut, InvoicePurpose, LineStatusOut, LineStatusType, OrderRef,
    ShipControlOut, ShipNoticeItemOut, ShipNoticeOut, ShipNoticePortionOut, Status, StatusUpdateOut, TaxOut, Timestamp,
};
use aftercart_store::{DocRow, EventRow};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// The `OrderRequest` an order came from: what every document about it must reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CxmlOrderRef {
    pub order_id: OrderId,
    pub account_id: AccountId,
    pub link_id: ProcurementLinkId,
    /// The buyer's `orderID` (their PO number).
    pub buyer_order_id: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub buyer_order_date: Option<OffsetDateTime>,
    /// The `OrderRequest`'s payload id.
    pub payload_id: String,
}

impl CxmlOrderRef {
    /// Its document id, derived from the order's: one read finds it.
    pub(crate) fn id_of(order: OrderId) -> Uuid {
        crate::erp::derived_id(&format!("cxml_order:{}", order.0))
    }

    fn order_ref(&self) -> OrderRef {
        OrderRef {
            order_id: Some(self.buyer_order_id.clone()),
            order_date: self.buyer_order_date.map(Timestamp::from),
            payload_id: Some(self.payload_id.clone()),
        }
    }
}

impl Doc for CxmlOrderRef {
    const KIND: &'static str = "cxml_order_ref";
    const WHAT: &'static str = "cXML order reference";
    fn doc_id(&self) -> Uuid {
        Self::id_of(self.order_id)
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
}

/// The outbox queue cXML documents are posted from.
pub const CXML_QUEUE: &str = "cxml";

/// One cXML document to post: built once, sent as these bytes on every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CxmlJob {
    pub link_id: Uuid,
    /// The request element: `ConfirmationRequest`, `ShipNoticeRequest`, …
    pub document: String,
    pub payload_id: String,
    /// The order (SO-…) or invoice (INV-…) it is about.
    pub reference: String,
    pub body: String,
}

/// Where a link's documents go now (looked up at each send, so a corrected URL takes effect
/// on the next retry or replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CxmlTarget {
    pub url: String,
}

/// One document sent (or being sent) to a procurement system, as the seller's log shows it.
#[derive(Debug, Clone)]
pub struct CxmlDocument {
    pub delivery_id: Uuid,
    pub document: String,
    pub payload_id: String,
    pub reference: String,
    pub state: aftercart_store::JobState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub body: String,
}

/// What a commit's events ask to tell the buyer, in event order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    Accept,
    Reject(String),
    Detail,
    ShipNotice(Uuid),
    Status {
        code: u16,
        text: &'static str,
        message: String,
    },
}

/// What the fan-out looked up once per pass.
#[derive(Default)]
pub(crate) struct OutboundCache {
    refs: HashMap<Uuid, Option<CxmlOrderRef>>,
    links: HashMap<Uuid, Option<ProcurementLink>>,
}

fn midnight(d: time::Date) -> Timestamp {
    Timestamp::from(d.midnight().assume_utc())
}

fn qty(q: Qty) -> Decimal {
    Decimal::from(q)
}

impl App {
    /// The active link a cXML document for `link` goes to, and its URL; `None` when the link
    /// was switched off or has no URL (the delivery is then dead-lettered, to be replayed).
    pub async fn cxml_target(&self, link: Uuid) -> Result<Option<CxmlTarget>> {
        let Some(row) = self.store.get(link).await? else {
            return Ok(None);
        };
        let l = decode::<ProcurementLink>(&row)?.value;
        Ok(l.order_response_url.filter(|_| l.active).map(|url| CxmlTarget { url }))
    }

    /// The documents sent to a link's procurement system, newest first (seller staff, and the
    /// account's own admins: the link is theirs to inspect).
    pub async fn cxml_documents(
        &self,
        ctx: &crate::Ctx,
        link: ProcurementLinkId,
        limit: u32,
    ) -> Result<Vec<CxmlDocument>> {
        self.load::<ProcurementLink>(ctx, link.0).await?;
        if !ctx.principal.may(crate::Action::Integrations) {
            return Err(AppError::Forbidden("the documents sent are for admins".into()));
        }
        let rows = self
            .store
            .list_jobs(aftercart_store::JobQuery {
                queue: Some(CXML_QUEUE),
                owner: Some(link.0.to_string()),
                limit: limit.clamp(1, 200),
                ..Default::default()
            })
            .await?;
        Ok(rows
            .iter()
            .filter_map(|j| {
                let p: CxmlJob = serde_json::from_str(&j.payload).ok()?;
                Some(CxmlDocument {
                    delivery_id: j.id,
                    document: p.document,
                    payload_id: p.payload_id,
                    reference: p.reference,
                    state: j.state,
                    attempts: j.attempts,
                    last_error: j.last_error.clone(),
                    created_at: crate::notify::from_ms(j.created_at),
                    body: p.body,
                })
            })
            .collect())
    }

    async fn cached_ref(&self, order: OrderId, cache: &mut OutboundCache) -> Result<Option<CxmlOrderRef>> {
        if let Some(r) = cache.refs.get(&order.0) {
            return Ok(r.clone());
        }
        let r = match self.store.get(CxmlOrderRef::id_of(order)).await? {
            Some(row) => Some(decode::<CxmlOrderRef>(&row)?.value),
            None => None,
        };
        cache.refs.insert(order.0, r.clone());
        Ok(r)
    }

    /// The link documents for `r` go to, if it is active and has somewhere to post them.
    async fn cached_link(&self, r: &CxmlOrderRef, cache: &mut OutboundCache) -> Result<Option<ProcurementLink>> {
        if let Some(l) = cache.links.get(&r.link_id.0) {
            return Ok(l.clone());
        }
        let l = match self.store.get(r.link_id.0).await? {
            Some(row) => Some(decode::<ProcurementLink>(&row)?.value),
            None => None,
        }
        .filter(|l| l.active && l.order_response_url.is_some() && l.cxml.is_some());
        cache.links.insert(r.link_id.0, l.clone());
        Ok(l)
    }

    fn outbound_envelope(&self, link: &ProcurementLink, payload_id: String, at: OffsetDateTime) -> Envelope {
        let mut env = Envelope::new(payload_id, at);
        env.from = vec![self.our_credential()];
        env.to = link
            .cxml
            .iter()
            .map(|c| Credential::new(c.domain.clone(), c.identity.clone()))
            .collect();
        let mut sender = self.our_credential();
        if let Some(s) = &link.response_secret {
            sender = sender.with_secret(s.clone());
        }
        env.sender = vec![sender];
        env.user_agent = Some("Aftercart".into());
        env
    }

    /// The cXML documents the events of one commit call for, as delivery jobs. `order_row`
    /// gives the stored order (header) of an order event, already read by the fan-out.
    pub(crate) async fn cxml_jobs(
        &self,
        events: &[EventRow],
        rows: &HashMap<Uuid, Option<DocRow>>,
        cache: &mut OutboundCache,
    ) -> Result<Vec<(Uuid, AccountId, CxmlJob)>> {
        // Per order, what to say (deduplicated, in event order), and the event that asked.
        let mut wants: Vec<(OrderId, Want, &EventRow)> = Vec::new();
        let mut invoices: Vec<(&EventRow, Invoice)> = Vec::new();
        for e in events {
            let Some(Some(row)) = rows.get(&e.subject_id) else {
                continue;
            };
            match (e.subject_kind.as_str(), row.kind.as_str()) {
                ("order", StoredOrder::KIND) => {
                    let stored = decode::<StoredOrder>(row)?.value;
                    if stored.channel() != Channel::Punchout {
                        continue;
                    }
                    let order = OrderId(e.subject_id);
                    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
                    let want = match e.kind.as_str() {
                        "order.placed" if !stored.held() => Want::Accept,
                        "approval.approved" if data["state"] == "approved" && !stored.held() => Want::Accept,
                        "order.credit_released" => {
                            wants.push((
                                order,
                                Want::Status {
                                    code: 200,
                                    text: "OK",
                                    message: "The credit hold was released; the order is released for fulfilment."
                                        .into(),
                                },
                                e,
                            ));
                            Want::Accept
                        }
                        "order.credit_hold" => Want::Status {
                            code: 200,
                            text: "OK",
                            message: "The order is received and held for a credit review.".into(),
                        },
                        "approval.rejected" | "order.credit_rejected" => {
                            Want::Reject(e.reason.clone().unwrap_or_else(|| "The order was not accepted.".into()))
                        }
                        "line.allocated"
                        | "line.backordered"
                        | "line.cancelled"
                        | "backorder.rescheduled"
                        | "line.confirmed"
                        | "line.ship_by_moved"
                        | "order.changed"
                        | "order.change_accepted" => Want::Detail,
                        "shipment.created" => match data["shipment_id"].as_str().and_then(|s| s.parse().ok()) {
                            Some(s) => Want::ShipNotice(s),
                            None => continue,
                        },
                        _ => continue,
                    };
                    if !wants.iter().any(|(o, w, _)| *o == order && *w == want) {
                        wants.push((order, want, e));
                    }
                }
                ("invoice", "invoice") if e.kind == "invoice.issued" => {
                    invoices.push((e, decode::<Invoice>(row)?.value));
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        let mut orders: HashMap<Uuid, Order> = HashMap::new();
        for (order_id, want, e) in wants {
            let Some(r) = self.cached_ref(order_id, cache).await? else {
                continue;
            };
            let Some(link) = self.cached_link(&r, cache).await? else {
                continue;
            };
            let order = match orders.entry(order_id.0) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let Some(Some(row)) = rows.get(&order_id.0) else {
                        continue;
                    };
                    let mut whole = self.orders_from_rows(std::slice::from_ref(row)).await?;
                    let Some(o) = whole.pop() else { continue };
                    v.insert(o.value)
                }
            };
            let order = &*order;
            let tag = match &want {
                Want::Accept => "accept",
                Want::Reject(_) => "reject",
                Want::Detail => "detail",
                Want::ShipNotice(_) => "shipnotice",
                Want::Status { .. } => "status",
            };
            let payload_id = cxml::payload_id(e.at, &format!("{}.{tag}", e.id.simple()), "aftercart");
            let env = self.outbound_envelope(&link, payload_id.clone(), self.clock.now());
            let (document, written) = match &want {
                Want::Accept | Want::Reject(_) | Want::Detail => (
                    "ConfirmationRequest",
                    cxml::write_confirmation(&env, &confirmation(order, &r, &want, e.at)),
                ),
                Want::ShipNotice(s) => {
                    let Some(shipment) = order.shipments.iter().find(|x| x.id.0 == *s) else {
                        continue;
                    };
                    (
                        "ShipNoticeRequest",
                        cxml::write_ship_notice(&env, &ship_notice(order, &r, shipment, e.at)),
                    )
                }
                Want::Status { code, text, message } => (
                    "StatusUpdateRequest",
                    cxml::write_status_update(
                        &env,
                        &StatusUpdateOut {
                            document_payload_id: r.payload_id.clone(),
                            status: Status::new(*code, *text).with_message(message.clone()),
                            extension: None,
                            extrinsics: Vec::new(),
                        },
                    ),
                ),
            };
            match written {
                Ok(body) => out.push((
                    e.id,
                    order.account_id,
                    CxmlJob {
                        link_id: link.id.0,
                        document: document.into(),
                        payload_id,
                        reference: order.number.clone(),
                        body,
                    },
                )),
                // Our own data failed the DTD's rules: said in the log, never sent half-right.
                Err(err) => tracing::warn!(order = %order.number, document, error = %err, "cXML document not written"),
            }
        }
        for (e, inv) in invoices {
            if let Some(job) = self.invoice_job(e, &inv, cache).await? {
                out.push((e.id, inv.account_id, job));
            }
        }
        Ok(out)
    }

    /// The `InvoiceDetailRequest` for an invoice whose lines bill a punchout order, to that
    /// order's link (lines of other orders reference them by order number alone).
    async fn invoice_job(&self, e: &EventRow, inv: &Invoice, cache: &mut OutboundCache) -> Result<Option<CxmlJob>> {
        let mut order_ids: Vec<OrderId> = inv.lines.iter().map(|l| l.order_id).collect();
        order_ids.dedup();
        let mut link = None;
        let mut refs = HashMap::new();
        for o in &order_ids {
            if let Some(r) = self.cached_ref(*o, cache).await? {
                if link.is_none() {
                    link = self.cached_link(&r, cache).await?;
                }
                refs.insert(o.0, r);
            }
        }
        let Some(link) = link else { return Ok(None) };
        let mut portions: Vec<InvoiceOrderOut> = Vec::new();
        for o in &order_ids {
            let order = match refs.get(&o.0) {
                Some(r) => r.order_ref(),
                None => OrderRef {
                    order_id: Some(self.order_number_of(*o).await?),
                    order_date: None,
                    payload_id: None,
                },
            };
            let lines = inv
                .lines
                .iter()
                .filter(|l| l.order_id == *o)
                .map(|l| InvoiceLineOut {
                    invoice_line_number: l.no,
                    quantity: qty(l.quantity),
                    unit_of_measure: "EA".into(),
                    unit_price: l.unit_price,
                    order_line_number: l.order_line,
                    supplier_part_id: Some(l.sku.clone()),
                    description: Some(l.description.clone()),
                    subtotal: l.amount(),
                    tax: None,
                })
                .collect();
            portions.push(InvoiceOrderOut { order, lines });
        }
        let out = InvoiceOut {
            invoice_id: inv.number.clone(),
            invoice_date: midnight(inv.issued_on),
            purpose: InvoicePurpose::Standard,
            operation: DocumentOperation::New,
            payment_term_days: u32::try_from((inv.due_on - inv.issued_on).whole_days()).ok(),
            comments: None,
            orders: portions,
            tax: TaxOut {
                amount: inv.tax,
                description: "Sales tax".into(),
                details: Vec::new(),
            },
            special_handling: None,
            shipping: (!inv.freight.is_zero()).then_some(inv.freight),
            discount: None,
        };
        let payload_id = cxml::payload_id(e.at, &format!("{}.invoice", e.id.simple()), "aftercart");
        let env = self.outbound_envelope(&link, payload_id.clone(), self.clock.now());
        match cxml::write_invoice(&env, &out) {
            Ok(body) => Ok(Some(CxmlJob {
                link_id: link.id.0,
                document: "InvoiceDetailRequest".into(),
                payload_id,
                reference: inv.number.clone(),
                body,
            })),
            Err(err) => {
                tracing::warn!(invoice = %inv.number, error = %err, "cXML invoice not written");
                Ok(None)
            }
        }
    }

    async fn order_number_of(&self, o: OrderId) -> Result<String> {
        Ok(match self.store.get(o.0).await? {
            Some(row) => decode::<StoredOrder>(&row)?.value.number().unwrap_or_default(),
            None => String::new(),
        })
    }
}

/// The confirmation `want` calls for, from the order as it stands.
fn confirmation(order: &Order, r: &CxmlOrderRef, want: &Want, at: OffsetDateTime) -> ConfirmationOut {
    let (kind, operation, comments) = match want {
        Want::Accept => (ConfirmationType::Accept, DocumentOperation::New, None),
        Want::Reject(why) => (ConfirmationType::Reject, DocumentOperation::New, Some(why.clone())),
        _ => (ConfirmationType::Detail, DocumentOperation::Update, None),
    };
    let items = match want {
        Want::Detail => order.lines.iter().map(line_statuses).collect(),
        _ => Vec::new(),
    };
    ConfirmationOut {
        confirm_id: Some(order.number.clone()),
        operation,
        kind,
        notice_date: Timestamp::from(at),
        order: r.order_ref(),
        total: None,
        comments,
        items,
    }
}

/// A line's quantity split as the buyer's system records it: accepted (with the earliest date
/// a fulfilment location promised to ship it), backordered (with the expected date), rejected
/// (cancelled). The parts add up to the ordered quantity.
fn line_statuses(l: &aftercart_domain::order::Line) -> ConfirmationItemOut {
    let ordered = l.quantity;
    let cancelled = l.cancelled.min(ordered);
    let backordered = l.backordered().min(ordered.saturating_sub(cancelled));
    let accepted = ordered.saturating_sub(cancelled).saturating_sub(backordered);
    let ship_by = l
        .allocations
        .iter()
        .filter_map(|a| a.confirmation.as_ref().and_then(|c| c.ship_by))
        .min();
    let mut statuses = Vec::new();
    if !accepted.is_zero() {
        statuses.push(LineStatusOut {
            kind: LineStatusType::Accept,
            quantity: qty(accepted),
            shipment_date: ship_by.map(midnight),
            delivery_date: None,
            unit_price: None,
            comments: None,
        });
    }
    if !backordered.is_zero() {
        statuses.push(LineStatusOut {
            kind: LineStatusType::Backordered,
            quantity: qty(backordered),
            shipment_date: None,
            delivery_date: l.backorder.as_ref().and_then(|b| b.expected).map(midnight),
            unit_price: None,
            comments: l.backorder.as_ref().map(|b| b.reason.clone()).filter(|r| !r.is_empty()),
        });
    }
    if !cancelled.is_zero() {
        statuses.push(LineStatusOut {
            kind: LineStatusType::Reject,
            quantity: qty(cancelled),
            shipment_date: None,
            delivery_date: None,
            unit_price: None,
            comments: Some("cancelled".into()),
        });
    }
    ConfirmationItemOut {
        line_number: l.no,
        quantity: qty(ordered),
        unit_of_measure: "EA".into(),
        statuses,
    }
}

fn ship_notice(
    order: &Order,
    r: &CxmlOrderRef,
    s: &aftercart_domain::order::Shipment,
    at: OffsetDateTime,
) -> ShipNoticeOut {
    ShipNoticeOut {
        shipment_id: s.packing_slip.clone().unwrap_or_else(|| s.id.0.simple().to_string()),
        operation: DocumentOperation::New,
        notice_date: Timestamp::from(at),
        shipment_date: Some(Timestamp::from(s.shipped_at)),
        delivery_date: s.estimated_delivery.or(s.promised_delivery).map(midnight),
        comments: None,
        // A parcel sent without a tracking number has no ShipControl (it needs one).
        controls: s
            .tracking_number
            .iter()
            .map(|t| ShipControlOut {
                scac: None,
                carrier_name: Some(s.carrier.clone()),
                tracking_numbers: vec![t.clone()],
                tracking_url: s.tracking_url.clone(),
            })
            .collect(),
        portions: vec![ShipNoticePortionOut {
            order: r.order_ref(),
            items: s
                .lines
                .iter()
                .map(|sl| ShipNoticeItemOut {
                    line_number: sl.line,
                    quantity: qty(sl.quantity),
                    unit_of_measure: "EA".into(),
                    supplier_part_id: order.lines.iter().find(|l| l.no == sl.line).map(|l| l.sku.clone()),
                })
                .collect(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_id_is_derived_from_the_order() {
        let o = OrderId(Uuid::now_v7());
        assert_eq!(CxmlOrderRef::id_of(o), CxmlOrderRef::id_of(o));
        assert_ne!(CxmlOrderRef::id_of(o), CxmlOrderRef::id_of(OrderId(Uuid::now_v7())));
        assert_ne!(CxmlOrderRef::id_of(o), o.0);
    }
}
