//! X12 out: what the seller tells a trading partner about the orders its 850s placed, posted
//! through the outbox (queue `x12`) to the link's `order_response_url` as
//! `application/edi-x12`.
//!
//! The fan-out builds each interchange once, from the order as it stands at the commit, with the
//! next control number of the link, and stores the bytes in the delivery job: a retry or a
//! replay sends the same interchange under the same control number, which is what partners
//! de-duplicate on.
//! - placement (or approval, or a credit release) → 855 `BAK01 00`, a line's quantity split into
//!   accepted (IA, with the promised ship date), backordered (IB, with the expected date) and
//!   rejected (IR, cancelled); a later allocation, backorder, cancellation or promise → an 855
//!   `BAK01 05` (replace) with the same detail; a refusal (approval or credit) → 855 `RJ`;
//! - a shipment → 856 (shipment → order → pack with the tracking number → items);
//! - an invoice billing an EDI order → 810 (freight as SAC `D240`, tax as SAC `H850`).

use super::{X12AckReceived, X12OrderRef, envelope};
use crate::App;
use crate::docs::{Doc, decode};
use crate::error::{AppError, Result};
use crate::order_docs::StoredOrder;
use aftercart_domain::Qty;
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, OrderId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::order::{Channel, Line, Order, Shipment};
use aftercart_domain::procurement::{ProcurementLink, ProcurementLinkId};
use aftercart_interchange::x12::{
    Ack855, AckLine, AckType, Address, Asn856, AsnItem, AsnOrder, AsnPack, Charge, ControlNumbers, DateRef, Envelope,
    Invoice810, InvoiceLine, LineAck, LineStatus, Mark, Party, ProductId, Terms, Usage, WriteError,
};
use aftercart_store::{DocRow, EventRow};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// The outbox queue X12 interchanges are posted from.
pub const X12_QUEUE: &str = "x12";

/// One interchange to post: built once, sent as these bytes on every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct X12Job {
    pub link_id: Uuid,
    /// The transaction set: `855`, `856` or `810`.
    pub set: String,
    /// ISA13 (= GS06 = ST02).
    pub control_number: u32,
    /// The order (SO-…), invoice (INV-…) or refused PO it is about.
    pub reference: String,
    pub body: String,
    /// Why it was sent, where the set does not say (an 855 `RJ`'s reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One interchange sent (or being sent) to a trading partner, as the seller's log shows it.
#[derive(Debug, Clone)]
pub struct X12Document {
    pub delivery_id: Uuid,
    pub set: String,
    pub control_number: u32,
    pub reference: String,
    pub note: Option<String>,
    pub state: aftercart_store::JobState,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// What the partner's 997 said of it (`A`, `E`, `P`, `R`), once one came.
    pub acknowledged: Option<String>,
    pub created_at: time::OffsetDateTime,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    Ack { replace: bool },
    Reject,
    ShipNotice(Uuid),
}

/// What the fan-out looked up once per pass.
#[derive(Default)]
pub(crate) struct X12Cache {
    refs: HashMap<Uuid, Option<X12OrderRef>>,
    links: HashMap<Uuid, Option<ProcurementLink>>,
    accounts: HashMap<Uuid, Option<Account>>,
}

fn ids_for(r: &X12OrderRef, l: &Line) -> Vec<ProductId> {
    match r.line(l.no) {
        Some(x) if !x.product_ids.is_empty() => x.product_ids.clone(),
        _ => vec![ProductId::new("VP", &l.sku)],
    }
}

/// A line's quantity as the partner records it: accepted (with the earliest ship date a
/// fulfilment location promised), backordered (with the expected date, else the requested
/// one: IB needs a date), rejected (cancelled). The parts add up to the ordered quantity.
fn ack_line(r: &X12OrderRef, l: &Line, today: Date) -> AckLine {
    let ordered = l.quantity;
    let cancelled = l.cancelled.min(ordered);
    let backordered = l.backordered().min(ordered.saturating_sub(cancelled));
    let accepted = ordered.saturating_sub(cancelled).saturating_sub(backordered);
    let ship_by = l
        .allocations
        .iter()
        .filter_map(|a| a.confirmation.as_ref().and_then(|c| c.ship_by))
        .min();
    let mut acks = Vec::new();
    if !accepted.is_zero() {
        acks.push(LineAck {
            status: LineStatus::Accepted,
            quantity: accepted,
            ship_date: ship_by,
        });
    }
    if !backordered.is_zero() {
        let expected = l.backorder.as_ref().and_then(|b| b.expected);
        acks.push(LineAck {
            status: LineStatus::Backordered,
            quantity: backordered,
            ship_date: Some(expected.or(l.requested_date).unwrap_or(today)),
        });
    }
    if !cancelled.is_zero() {
        acks.push(LineAck {
            status: LineStatus::Rejected,
            quantity: cancelled,
            ship_date: None,
        });
    }
    let x = r.line(l.no);
    AckLine {
        line_id: x.and_then(|x| x.line_id.clone()).or_else(|| Some(l.no.to_string())),
        quantity: ordered,
        unit: x.map(|x| x.unit.clone()).unwrap_or_else(|| "EA".into()),
        unit_price: Some(l.unit_price),
        price_basis: x.and_then(|x| x.price_basis.clone()),
        product_ids: ids_for(r, l),
        description: Some(l.description.clone()).filter(|d| !d.is_empty()),
        acks,
    }
}

fn acknowledgement(order: &Order, r: &X12OrderRef, want: &Want, today: Date) -> Ack855 {
    let (purpose, lines) = match want {
        Want::Reject => ("00", Vec::new()),
        Want::Ack { replace } => (
            if *replace { "05" } else { "00" },
            order.lines.iter().map(|l| ack_line(r, l, today)).collect(),
        ),
        Want::ShipNotice(_) => ("00", Vec::new()),
    };
    let ack_type = match want {
        Want::Reject => AckType::Rejected,
        _ => AckType::for_lines(&lines),
    };
    Ack855 {
        purpose: purpose.into(),
        ack_type,
        po_number: r.po_number.clone(),
        po_date: r.po_date,
        seller_order_number: Some(order.number.clone()),
        ack_date: Some(today),
        currency: order.currency,
        refs: Vec::new(),
        parties: r.ship_to.iter().cloned().collect(),
        lines,
    }
}

fn party_of(account: Option<&Account>, role: &str, loc: aftercart_domain::ids::LocationId) -> Option<Party> {
    let l = account?.locations.iter().find(|l| l.id == loc)?;
    let mut p = Party::named(role, &l.name);
    p.id_qualifier = Some("92".into());
    p.id = Some(l.id.0.simple().to_string());
    p.address = Address {
        lines: vec![l.address.clone()].into_iter().filter(|a| !a.is_empty()).collect(),
        city: Some(l.city.clone()).filter(|c| !c.is_empty()),
        state: None,
        postal_code: Some(l.postcode.clone()).filter(|c| !c.is_empty()),
        country: Some(l.country.clone()).filter(|c| !c.is_empty()),
    };
    Some(p)
}

fn ship_notice(order: &Order, r: &X12OrderRef, s: &Shipment, account: Option<&Account>) -> Asn856 {
    let at = s.shipped_at.to_offset(time::UtcOffset::UTC);
    let items: Vec<AsnItem> = s
        .lines
        .iter()
        .map(|sl| {
            let line = order.lines.iter().find(|l| l.no == sl.line);
            let x = r.line(sl.line);
            AsnItem {
                line_id: x.and_then(|x| x.line_id.clone()).or_else(|| Some(sl.line.to_string())),
                product_ids: line.map(|l| ids_for(r, l)).unwrap_or_default(),
                quantity: sl.quantity,
                unit: x.map(|x| x.unit.clone()).unwrap_or_else(|| "EA".into()),
                description: line.map(|l| l.description.clone()).filter(|d| !d.is_empty()),
            }
        })
        .collect();
    // The parcel's tracking number marks its carton; without one, the items hang off the order.
    let (packs, loose) = match &s.tracking_number {
        Some(t) => (
            vec![AsnPack {
                marks: vec![Mark::CarrierPackageId(t.clone())],
                items,
            }],
            Vec::new(),
        ),
        None => (Vec::new(), items),
    };
    let mut dates = Vec::new();
    if let Some(d) = s.estimated_delivery.or(s.promised_delivery) {
        dates.push(DateRef {
            qualifier: "017".into(),
            date: d,
            time: None,
        });
    }
    Asn856 {
        purpose: "00".into(),
        shipment_id: s.packing_slip.clone().unwrap_or_else(|| s.id.0.simple().to_string()),
        date: at.date(),
        time: at.time(),
        structure: None,
        shipment: aftercart_interchange::x12::Shipment {
            package_code: Some("CTN".into()),
            packages: Some(Qty::new(1)),
            weight: None,
            weight_unit: None,
            carrier_scac: None,
            transport_method: Some("U".into()),
            routing: Some(match &s.service {
                Some(svc) => format!("{} {svc}", s.carrier),
                None => s.carrier.clone(),
            }),
            bill_of_lading: None,
            tracking_numbers: s.tracking_number.iter().cloned().collect(),
            refs: Vec::new(),
            shipped: Some(at.date()),
            dates,
            parties: party_of(account, "ST", s.to).into_iter().collect(),
        },
        orders: vec![AsnOrder {
            po_number: r.po_number.clone(),
            release: r.release.clone(),
            po_date: Some(r.po_date),
            packs,
            items: loose,
        }],
    }
}

impl App {
    /// Where a link's interchanges go now (looked up at each send, so a corrected URL takes
    /// effect on the next retry or replay); `None` when the link is off, has no URL or no X12.
    pub async fn x12_target(&self, link: Uuid) -> Result<Option<super::super::CxmlTarget>> {
        let Some(row) = self.store.get(link).await? else {
            return Ok(None);
        };
        let l = decode::<ProcurementLink>(&row)?.value;
        Ok(l.order_response_url
            .filter(|_| l.active && l.x12.is_some())
            .map(|url| super::super::CxmlTarget { url }))
    }

    /// The interchanges sent to a link's partner, newest first, each with what the partner's
    /// 997 said of it.
    pub async fn x12_documents(
        &self,
        ctx: &crate::Ctx,
        link: ProcurementLinkId,
        limit: u32,
    ) -> Result<Vec<X12Document>> {
        self.load::<ProcurementLink>(ctx, link.0).await?;
        if !ctx.principal.may(crate::Action::Integrations) {
            return Err(AppError::Forbidden("the documents sent are for admins".into()));
        }
        let rows = self
            .store
            .list_jobs(aftercart_store::JobQuery {
                queue: Some(X12_QUEUE),
                owner: Some(link.0.to_string()),
                limit: limit.clamp(1, 200),
                ..Default::default()
            })
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for j in &rows {
            let Ok(p) = serde_json::from_str::<X12Job>(&j.payload) else {
                continue;
            };
            let acknowledged = match self.store.get(X12AckReceived::id_of(link, p.control_number)).await? {
                Some(row) => Some(decode::<X12AckReceived>(&row)?.value.status),
                None => None,
            };
            out.push(X12Document {
                delivery_id: j.id,
                set: p.set,
                control_number: p.control_number,
                reference: p.reference,
                note: p.note,
                state: j.state,
                attempts: j.attempts,
                last_error: j.last_error.clone(),
                acknowledged,
                created_at: crate::notify::from_ms(j.created_at),
                body: p.body,
            });
        }
        Ok(out)
    }

    /// An interchange for `link` written by `write` under the link's next control number.
    /// `None` when our own data broke an X12 rule: logged, never sent half-right.
    pub(super) async fn x12_job(
        &self,
        link: &ProcurementLink,
        set: &str,
        reference: &str,
        write: impl FnOnce(&Envelope, &ControlNumbers) -> std::result::Result<String, WriteError>,
    ) -> Result<Option<X12Job>> {
        let Some(env) = envelope(link, Usage::Production, self.clock.now()) else {
            return Ok(None);
        };
        let ctl = self.next_control(link.id).await?;
        match write(&env, &ctl) {
            Ok(body) => Ok(Some(X12Job {
                link_id: link.id.0,
                set: set.into(),
                control_number: ctl.interchange,
                reference: reference.into(),
                body,
                note: None,
            })),
            Err(e) => {
                tracing::warn!(reference, set, error = %e, "X12 set not written");
                Ok(None)
            }
        }
    }

    async fn x12_ref(&self, order: OrderId, cache: &mut X12Cache) -> Result<Option<X12OrderRef>> {
        if let Some(r) = cache.refs.get(&order.0) {
            return Ok(r.clone());
        }
        let r = match self.store.get(X12OrderRef::id_of(order)).await? {
            Some(row) => Some(decode::<X12OrderRef>(&row)?.value),
            None => None,
        };
        cache.refs.insert(order.0, r.clone());
        Ok(r)
    }

    async fn x12_link(&self, id: ProcurementLinkId, cache: &mut X12Cache) -> Result<Option<ProcurementLink>> {
        if let Some(l) = cache.links.get(&id.0) {
            return Ok(l.clone());
        }
        let l = match self.store.get(id.0).await? {
            Some(row) => Some(decode::<ProcurementLink>(&row)?.value),
            None => None,
        }
        .filter(|l| l.active && l.order_response_url.is_some() && l.x12.is_some());
        cache.links.insert(id.0, l.clone());
        Ok(l)
    }

    async fn x12_account(&self, id: AccountId, cache: &mut X12Cache) -> Result<Option<Account>> {
        if let Some(a) = cache.accounts.get(&id.0) {
            return Ok(a.clone());
        }
        let a = match self.store.get(id.0).await? {
            Some(row) => Some(decode::<Account>(&row)?.value),
            None => None,
        };
        cache.accounts.insert(id.0, a.clone());
        Ok(a)
    }

    /// The X12 interchanges the events of one commit call for, as delivery jobs.
    pub(crate) async fn x12_jobs(
        &self,
        events: &[EventRow],
        rows: &HashMap<Uuid, Option<DocRow>>,
        cache: &mut X12Cache,
    ) -> Result<Vec<(AccountId, X12Job)>> {
        let mut wants: Vec<(OrderId, Want)> = Vec::new();
        let mut invoices: Vec<Invoice> = Vec::new();
        for e in events {
            let Some(Some(row)) = rows.get(&e.subject_id) else {
                continue;
            };
            match (e.subject_kind.as_str(), row.kind.as_str()) {
                ("order", StoredOrder::KIND) => {
                    let stored = decode::<StoredOrder>(row)?.value;
                    if stored.channel() != Channel::Edi {
                        continue;
                    }
                    let order = OrderId(e.subject_id);
                    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
                    let want = match e.kind.as_str() {
                        "order.placed" if !stored.held() => Want::Ack { replace: false },
                        "approval.approved" if data["state"] == "approved" && !stored.held() => {
                            Want::Ack { replace: false }
                        }
                        "order.credit_released" => Want::Ack { replace: false },
                        "approval.rejected" | "order.credit_rejected" => Want::Reject,
                        "line.allocated"
                        | "line.backordered"
                        | "line.cancelled"
                        | "backorder.rescheduled"
                        | "line.confirmed"
                        | "line.ship_by_moved"
                        | "order.changed"
                        | "order.change_accepted" => Want::Ack { replace: true },
                        "shipment.created" => match data["shipment_id"].as_str().and_then(|s| s.parse().ok()) {
                            Some(s) => Want::ShipNotice(s),
                            None => continue,
                        },
                        _ => continue,
                    };
                    // One 855 per order and commit: the first acknowledgement wins over a
                    // replacement in the same commit (it already carries the detail).
                    let dup = wants.iter().any(|(o, w)| {
                        *o == order && (w == &want || matches!((w, &want), (Want::Ack { .. }, Want::Ack { .. })))
                    });
                    if !dup {
                        wants.push((order, want));
                    }
                }
                ("invoice", "invoice") if e.kind == "invoice.issued" => invoices.push(decode::<Invoice>(row)?.value),
                _ => {}
            }
        }
        let today = self.clock.now().date();
        let mut out = Vec::new();
        let mut orders: HashMap<Uuid, Order> = HashMap::new();
        for (order_id, want) in wants {
            let Some(r) = self.x12_ref(order_id, cache).await? else {
                continue;
            };
            let Some(link) = self.x12_link(r.link_id, cache).await? else {
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
            let job = match &want {
                Want::ShipNotice(s) => {
                    let Some(shipment) = order.shipments.iter().find(|x| x.id.0 == *s) else {
                        continue;
                    };
                    let account = self.x12_account(order.account_id, cache).await?;
                    let asn = ship_notice(order, &r, shipment, account.as_ref());
                    self.x12_job(&link, "856", &order.number, |env, ctl| asn.write(env, ctl))
                        .await?
                }
                _ => {
                    let ack = acknowledgement(order, &r, &want, today);
                    self.x12_job(&link, "855", &order.number, |env, ctl| ack.write(env, ctl))
                        .await?
                }
            };
            if let Some(job) = job {
                out.push((order.account_id, job));
            }
        }
        for inv in invoices {
            if let Some(job) = self.x12_invoice(&inv, cache).await? {
                out.push((inv.account_id, job));
            }
        }
        Ok(out)
    }

    /// The 810 for an invoice whose lines bill an EDI order, to that order's partner. BIG04
    /// names the first EDI order's PO; lines of other orders are billed under it too.
    async fn x12_invoice(&self, inv: &Invoice, cache: &mut X12Cache) -> Result<Option<X12Job>> {
        let mut refs: HashMap<Uuid, X12OrderRef> = HashMap::new();
        let mut first: Option<X12OrderRef> = None;
        for l in &inv.lines {
            if refs.contains_key(&l.order_id.0) {
                continue;
            }
            if let Some(r) = self.x12_ref(l.order_id, cache).await? {
                first.get_or_insert_with(|| r.clone());
                refs.insert(l.order_id.0, r);
            }
        }
        let Some(first) = first else { return Ok(None) };
        let Some(link) = self.x12_link(first.link_id, cache).await? else {
            return Ok(None);
        };
        let lines = inv
            .lines
            .iter()
            .map(|l| {
                let x = refs.get(&l.order_id.0).and_then(|r| r.line(l.order_line));
                InvoiceLine {
                    line_id: x
                        .and_then(|x| x.line_id.clone())
                        .or_else(|| Some(l.order_line.to_string())),
                    quantity: l.quantity,
                    unit: x.map(|x| x.unit.clone()).unwrap_or_else(|| "EA".into()),
                    unit_price: l.unit_price,
                    product_ids: match x {
                        Some(x) if !x.product_ids.is_empty() => x.product_ids.clone(),
                        _ => vec![ProductId::new("VP", &l.sku)],
                    },
                    description: Some(l.description.clone()).filter(|d| !d.is_empty()),
                }
            })
            .collect();
        let mut charges = Vec::new();
        if !inv.freight.is_zero() {
            charges.push(Charge::freight(inv.freight));
        }
        if !inv.tax.is_zero() {
            charges.push(Charge {
                allowance: false,
                code: "H850".into(),
                amount: inv.tax,
                description: Some("Sales tax".into()),
            });
        }
        let mut out = Invoice810 {
            invoice_date: inv.issued_on,
            invoice_number: inv.number.clone(),
            po_date: Some(first.po_date),
            po_number: Some(first.po_number.clone()),
            currency: inv.currency,
            refs: Vec::new(),
            parties: Vec::new(),
            terms: vec![Terms {
                type_code: Some("01".into()),
                basis_date_code: Some("3".into()),
                discount_percent: None,
                discount_days: None,
                net_days: u32::try_from((inv.due_on - inv.issued_on).whole_days()).ok(),
                description: None,
            }],
            shipped: None,
            lines,
            charges,
            total: aftercart_domain::money::Money::zero(inv.currency),
        };
        let Some(total) = out.computed_total() else {
            tracing::warn!(invoice = %inv.number, "X12 810 not written: its total overflows");
            return Ok(None);
        };
        out.total = total;
        self.x12_job(&link, "810", &inv.number, |env, ctl| out.write(env, ctl))
            .await
    }
}
