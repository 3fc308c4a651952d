//! X12 in: an interchange from a trading partner, answered with a 997 per functional group.
//!
//! The 997 says whether each set was received whole and could be read (AK5 `A` or `R`); whether
//! an 850 became an order is the business answer, which goes back as an 855 (accepted, with
//! line detail, or `RJ` with the reason in the log). A set that cannot be read is rejected in
//! the 997 alone, and no other set of the interchange is held back by it.
//!
//! A purchase order already received (the same PO number from the same partner) is not ordered
//! twice, whichever interchange carries it; an interchange received before (same sender and
//! ISA13) is answered with the 997 sent the first time and not looked at again.

use super::outbound::X12Job;
use super::{X12AckReceived, X12LineRef, X12OrderRef, X12Received, envelope};
use crate::docs::{Doc, decode, write};
use crate::error::{AppError, Result, commit_error};
use crate::procurement::links::punchout_principal;
use crate::procurement::orders::match_location;
use crate::{App, Ctx, OrderLineInput, PlaceOrder, ProductRef};
use aftercart_domain::account::Account;
use aftercart_domain::ids::LocationId;
use aftercart_domain::order::Channel;
use aftercart_domain::procurement::{ProcurementLink, x12_key};
use aftercart_domain::product::Product;
use aftercart_interchange::cxml;
use aftercart_interchange::x12::{
    Ack855, Ack997, AckCode, AckType, FunctionalGroup, Interchange, Party, Po850, PoLine, TransactionSet, Usage,
};
use aftercart_store::{Commit, JobWrite, WriteMode};
use uuid::Uuid;

/// The sets Aftercart reads; any other is rejected in the 997 as not supported.
const SUPPORTED: &[&str] = &["850", "997"];

/// The answer to an interchange posted to us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X12Answer {
    pub http_status: u16,
    /// `application/edi-x12` for 997s, `text/plain` for a refusal before any could be written.
    pub content_type: &'static str,
    pub body: String,
    /// This interchange was received before; the body is the 997 sent then.
    pub repeated: bool,
}

fn refuse(status: u16, text: impl Into<String>) -> X12Answer {
    X12Answer {
        http_status: status,
        content_type: "text/plain; charset=utf-8",
        body: text.into(),
        repeated: false,
    }
}

/// The product ids of a PO1 tried in this order: the seller's own part number first.
const PRODUCT_QUALIFIERS: &[&str] = &["VP", "VN", "SK", "MG", "BP", "IN", "UP", "EN"];

/// An N1 loop as the address matcher reads it.
fn address_of(p: &Party) -> cxml::Address {
    cxml::Address {
        address_id: p.id.clone(),
        name: p.name.clone(),
        street: p.address.lines.clone(),
        city: p.address.city.clone(),
        postal_code: p.address.postal_code.clone(),
        ..Default::default()
    }
}

/// Marks set `i` of a 997 rejected (AK5 `R`, AK502 `5`: segments in error) and recounts.
fn reject_set(ack: &mut Ack997, i: usize) {
    if let Some(s) = ack.sets.get_mut(i) {
        s.status = AckCode::Rejected;
        if s.errors.is_empty() {
            s.errors.push("5".into());
        }
    }
    ack.accepted = ack.sets.iter().filter(|s| s.status.accepts()).count() as u32;
    ack.status = if !ack.errors.is_empty() || ack.accepted == 0 {
        AckCode::Rejected
    } else if ack.accepted == ack.received {
        AckCode::Accepted
    } else {
        AckCode::PartiallyAccepted
    };
}

/// What became of one 850.
enum Placed {
    Order(String),
    AlreadyReceived,
    /// Refused for a business reason, answered by an 855 `RJ`.
    Refused(String),
}

impl App {
    /// An X12 interchange from a trading partner, authenticated by the link's shared secret
    /// (given by the caller from HTTP Basic auth, or else taken from ISA04 when ISA03 is `01`).
    pub async fn x12_interchange(&self, secret: Option<&str>, body: &[u8]) -> Result<X12Answer> {
        let ic = match Interchange::parse_lenient(body) {
            Ok(ic) => ic,
            Err(e) => return Ok(refuse(400, e.to_string())),
        };
        let h = &ic.header;
        let sender = x12_key(&h.sender_qualifier, &h.sender_id);
        let isa_secret = (h.security_qualifier.trim() == "01").then(|| h.security.trim());
        let secret = secret.or(isa_secret).unwrap_or("");
        let Some(link) = self.authenticate_x12(&sender, secret).await? else {
            return Ok(refuse(401, "Unauthorized"));
        };
        let Some(ids) = link.x12.as_ref() else {
            return Ok(refuse(401, "Unauthorized"));
        };
        let ours = x12_key(&ids.our_qualifier, &ids.our_id);
        let to = x12_key(&h.receiver_qualifier, &h.receiver_id);
        if to != ours {
            return Ok(refuse(
                400,
                format!("ISA07/ISA08: the interchange is addressed to {to}, not to this seller's id {ours}"),
            ));
        }
        let seen_id = X12Received::id_of(link.id, &sender, h.control_number);
        if let Some(row) = self.store.get(seen_id).await? {
            let seen = decode::<X12Received>(&row)?.value;
            return Ok(X12Answer {
                http_status: 200,
                content_type: "application/edi-x12",
                body: seen.answer,
                repeated: true,
            });
        }
        let mut outcomes = Vec::new();
        let mut answer = String::new();
        for g in &ic.groups {
            if g.functional_id == "FA" {
                self.x12_acks_in(&link, g, &mut outcomes).await?;
                continue;
            }
            let mut ack = Ack997::for_group(g, SUPPORTED);
            for (i, set) in g.sets.iter().enumerate() {
                let tag = format!("{} {}", set.id, set.control_number);
                if !ack.sets[i].status.accepts() {
                    outcomes.push(format!("{tag}: rejected in the 997 (envelope or unsupported set)"));
                    continue;
                }
                if set.id != "850" {
                    continue;
                }
                match Po850::read(set) {
                    Err(e) => {
                        reject_set(&mut ack, i);
                        outcomes.push(format!("{tag}: rejected in the 997: {e}"));
                    }
                    Ok(_) if h.usage == Usage::Test => {
                        outcomes.push(format!("{tag}: a test interchange; nothing was ordered"));
                    }
                    Ok(po) => {
                        let what = match self.x12_place(&link, set, &po).await? {
                            Placed::Order(n) => format!("order {n}"),
                            Placed::AlreadyReceived => format!("PO {} already received", po.po_number),
                            Placed::Refused(why) => format!("refused (855 RJ sent): {why}"),
                        };
                        outcomes.push(format!("{tag}: {what}"));
                    }
                }
            }
            let Some(env) = envelope(&link, h.usage, self.clock.now()) else {
                continue;
            };
            let ctl = self.next_control(link.id).await?;
            match ack.write(&env, &ctl) {
                Ok(text) => answer.push_str(&text),
                Err(e) => return Ok(refuse(400, format!("the 997 could not be written: {e}"))),
            }
        }
        let record = X12Received {
            link_id: link.id,
            account_id: link.account_id,
            sender_key: sender,
            control_number: h.control_number,
            received_at: self.clock.now(),
            outcomes,
            answer: answer.clone(),
        };
        let commit = Commit {
            docs: vec![write(&record, WriteMode::Insert)?],
            ..Default::default()
        };
        // A resend racing this one has recorded the same interchange: either record will do.
        match self.store.commit(commit).await {
            Ok(()) | Err(aftercart_store::CommitError::Conflict(_)) => {}
            Err(e) => return Err(commit_error(e)),
        }
        Ok(X12Answer {
            http_status: 200,
            content_type: "application/edi-x12",
            body: answer,
            repeated: false,
        })
    }

    /// A partner's 997s about groups we sent, kept per group control number.
    async fn x12_acks_in(&self, link: &ProcurementLink, g: &FunctionalGroup, outcomes: &mut Vec<String>) -> Result<()> {
        for set in &g.sets {
            let tag = format!("{} {}", set.id, set.control_number);
            let ack = match Ack997::read(set) {
                Ok(a) => a,
                Err(e) => {
                    outcomes.push(format!("{tag}: not read: {e}"));
                    continue;
                }
            };
            let rec = X12AckReceived {
                link_id: link.id,
                account_id: link.account_id,
                group_control: ack.group_control,
                status: ack.status.code().to_owned(),
                received_at: self.clock.now(),
            };
            let mode = match self.store.get(rec_id(&rec)).await? {
                Some(row) => WriteMode::Update(row.version),
                None => WriteMode::Insert,
            };
            self.store
                .commit(Commit {
                    docs: vec![write(&rec, mode)?],
                    ..Default::default()
                })
                .await
                .map_err(commit_error)?;
            outcomes.push(format!(
                "{tag}: group {} acknowledged {}",
                ack.group_control, rec.status
            ));
        }
        Ok(())
    }

    /// One 850 as an order in the link's account (channel `edi`), or why not.
    async fn x12_place(&self, link: &ProcurementLink, set: &TransactionSet, po: &Po850) -> Result<Placed> {
        if po.purpose.trim() != "00" {
            let why = format!(
                "BEG01 {}: only original orders (00) are accepted; change or cancel the order in the portal",
                po.purpose
            );
            return self.x12_refuse(link, set, po, why).await;
        }
        let ctx = Ctx::new(punchout_principal(link));
        let account = self.load::<Account>(&ctx, link.account_id.0).await?.value;
        let mut lines = Vec::with_capacity(po.lines.len());
        for l in &po.lines {
            match self.x12_line(&account, link.default_ship_to, po, l).await? {
                Ok(line) => lines.push(line),
                Err(why) => return self.x12_refuse(link, set, po, why).await,
            }
        }
        if lines.is_empty() {
            return self.x12_refuse(link, set, po, "the 850 has no PO1 line".into()).await;
        }
        let input = PlaceOrder {
            account_id: link.account_id,
            number: None,
            bill_to: None,
            po_number: Some(po.po_number.clone()),
            channel: Channel::Edi,
            freight: None,
            placed_at: None,
            lines,
        };
        // Scoped to the link: PO numbers are the buyer's, unique per buyer only.
        let dedup = format!("x12_po:{}", po.po_number.trim());
        let placed = self
            .run(&ctx, || async {
                let mut p = self.plan_place_order(&ctx, &input).await?;
                p.commit.dedup.push((link.id.0, dedup.clone()));
                let order = &p.value.value;
                let r = X12OrderRef {
                    order_id: order.id,
                    account_id: link.account_id,
                    link_id: link.id,
                    po_number: po.po_number.clone(),
                    po_date: po.po_date,
                    release: po.release.clone(),
                    ship_to: po.ship_to().cloned(),
                    lines: order
                        .lines
                        .iter()
                        .zip(&po.lines)
                        .map(|(ol, pl)| X12LineRef {
                            line: ol.no,
                            line_id: pl.line_id.clone(),
                            unit: pl.unit.clone(),
                            price_basis: pl.price_basis.clone(),
                            product_ids: pl.product_ids.clone(),
                        })
                        .collect(),
                };
                p.commit.docs.push(write(&r, WriteMode::Insert)?);
                Ok(p)
            })
            .await;
        match placed {
            Ok(o) => Ok(Placed::Order(o.value.number)),
            Err(AppError::Duplicate) => Ok(Placed::AlreadyReceived),
            Err(AppError::Rejected(r)) => {
                self.x12_refuse(link, set, po, format!("{}: {}", r.field, r.message))
                    .await
            }
            Err(AppError::NotFound { what, field }) => {
                let why = format!("{}: {what} not found", field.unwrap_or_default());
                self.x12_refuse(link, set, po, why).await
            }
            Err(AppError::Forbidden(why)) => self.x12_refuse(link, set, po, why).await,
            Err(e) => Err(e),
        }
    }

    /// An 855 `RJ` for a purchase order that could not be ordered, queued to the partner.
    async fn x12_refuse(
        &self,
        link: &ProcurementLink,
        set: &TransactionSet,
        po: &Po850,
        why: String,
    ) -> Result<Placed> {
        tracing::info!(po = %po.po_number, set = %set.control_number, reason = %why, "X12 850 refused");
        let mut ack = Ack855::accept_all(po, self.clock.now().date(), None);
        ack.ack_type = AckType::Rejected;
        ack.lines.clear();
        if let Some(job) = self
            .x12_job(link, "855", &po.po_number, |env, ctl| ack.write(env, ctl))
            .await?
        {
            self.store
                .commit(Commit {
                    jobs: vec![JobWrite {
                        id: Uuid::now_v7(),
                        queue: super::X12_QUEUE,
                        unique_key: None,
                        account_id: Some(link.account_id.0),
                        owner: Some(link.id.0.to_string()),
                        due_at: crate::notify::now_ms(self.clock.now()),
                        payload: serde_json::to_string(&X12Job {
                            note: Some(why.clone()),
                            ..job
                        })
                        .map_err(|e| AppError::Corrupt(e.to_string()))?,
                    }],
                    ..Default::default()
                })
                .await
                .map_err(commit_error)?;
        }
        Ok(Placed::Refused(why))
    }

    /// One PO1 as an order line, or why it cannot be ordered (naming the line and element).
    async fn x12_line(
        &self,
        account: &Account,
        default_ship_to: Option<LocationId>,
        po: &Po850,
        l: &PoLine,
    ) -> Result<std::result::Result<OrderLineInput, String>> {
        let at = format!("PO1 {}", l.label());
        if l.quantity.is_zero() {
            return Ok(Err(format!("{at} (PO102): the quantity must be above zero")));
        }
        let mut product = None;
        for q in PRODUCT_QUALIFIERS {
            if let Some(v) = l.product_id(q)
                && let Some(row) = self.store.by_number(Product::KIND, v.trim()).await?
            {
                product = Some(decode::<Product>(&row)?.value.id);
                break;
            }
        }
        let Some(product) = product else {
            let ids: Vec<String> = l
                .product_ids
                .iter()
                .map(|p| format!("{} {}", p.qualifier, p.value))
                .collect();
            return Ok(Err(format!("{at} (PO107): no product matches {}", ids.join(", "))));
        };
        let ship_to = match l.ship_to().or_else(|| po.ship_to()) {
            Some(p) => match_location(account, &address_of(p)).or(default_ship_to),
            None => default_ship_to,
        };
        let Some(ship_to) = ship_to else {
            return Ok(Err(format!(
                "{at} (N1 ST): the ship-to is not a location of this account, and the link has no default ship-to"
            )));
        };
        // DTM 002 (delivery requested), else 010 (requested ship), on the line or the order.
        let requested = ["002", "010"].iter().find_map(|q| {
            l.dates
                .iter()
                .chain(po.dates.iter())
                .find(|d| d.qualifier == *q)
                .map(|d| d.date)
        });
        Ok(Ok(OrderLineInput {
            product: ProductRef::Id(product),
            quantity: l.quantity,
            ship_to,
            requested_date: requested,
            po_number: None,
            cost_centre: None,
            project: None,
        }))
    }
}

fn rec_id(r: &X12AckReceived) -> Uuid {
    X12AckReceived::id_of(r.link_id, r.group_control)
}
