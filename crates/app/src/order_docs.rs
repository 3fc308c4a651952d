//! How an order is stored, so that one step on a large order costs what it costs on a small one.
//!
//! An order is three kinds of document, written together in one commit:
//! - the **header** (kind `order`): everything but lines and shipments, plus a compact summary —
//!   how many lines are in each status (the order's progress needs only which statuses occur),
//!   the ship-to and fulfilment locations (who may see it) — and the ids of its line chunks. Its
//!   version is the order's version (the ETag); every change writes it, so optimistic
//!   concurrency stays one number.
//! - **line chunks** (kind `order_lines`): the lines, [`CHUNK_LINES`] to a document, numbered
//!   from line 1, so line `n` is in chunk `(n - 1) / chunk_lines` without an index.
//! - **shipments** (kind `shipment`): each with its tracking and receipt, the source of truth
//!   (they used to be projections of a shipment list inside the order). Each line lists the
//!   shipments carrying it, so the ledger of a line needs only those.
//!
//! A command that changes a few lines loads the header, the chunks of those lines and their
//! shipments ([`Need`]), and writes back only what changed, with the header's counts moved by
//! the lines' status changes. Reads of the whole order assemble everything (cost grows with what
//! they return). Orders written before this layout (one document holding everything) are read
//! as they are and rewritten in the new layout by their next change, or all at once by
//! `aftercart migrate` ([`App::migrate_order_layout`]).

use crate::docs::{Doc, ShipmentDoc, Versioned, check_version, decode, write};
use crate::error::Result;
use crate::principal::Principal;
use crate::{App, Ctx};
use aftercart_domain::approval::ApprovalWorkflow;
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, LocationId, OrderId, ShipmentId};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::{Channel, Line, Order, Shipment};
use aftercart_domain::status::LineStatus;
use aftercart_store::{Commit, DocRow, DocWrite, EventWrite, WriteMode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::OffsetDateTime;
use uuid::Uuid;

/// Lines per chunk document for new orders: a step on a line rewrites at most this many lines
/// (a 10-line order's whole chunk is 10 lines, so a 1,000-line order's step writes at most twice
/// as much). Each order records its own, so changing this never moves existing lines.
pub const CHUNK_LINES: u32 = 20;

/// Where an order's lines are: `chunks[i]` holds lines `i * chunk_lines + 1 ..= (i + 1) * chunk_lines`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Layout {
    pub chunk_lines: u32,
    pub chunks: Vec<Uuid>,
}

impl Layout {
    fn chunk_of(&self, line: u32) -> usize {
        (line.saturating_sub(1) / self.chunk_lines.max(1)) as usize
    }
}

/// What lists, filters and visibility need of the whole order, kept up to date line by line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Summary {
    pub lines: u32,
    /// Lines per status; the order's progress is [`aftercart_domain::status::progress_of`] the keys.
    pub statuses: BTreeMap<LineStatus, u32>,
    pub ship_to: BTreeSet<LocationId>,
    /// Every fulfilment location any line was ever allocated to (a supplier sees those orders).
    pub fulfilment: BTreeSet<FulfilmentLocationId>,
}

impl Summary {
    fn of(order: &Order) -> Summary {
        let mut s = Summary {
            lines: u32::try_from(order.lines.len()).unwrap_or(u32::MAX),
            ..Default::default()
        };
        for l in &order.lines {
            *s.statuses.entry(line_status(order, l)).or_default() += 1;
            s.ship_to.insert(l.ship_to);
            s.fulfilment.extend(l.allocations.iter().map(|a| a.location));
        }
        s
    }

    fn progress(&self) -> LineStatus {
        aftercart_domain::status::progress_of(self.statuses.iter().filter(|(_, n)| **n > 0).map(|(s, _)| *s))
    }
}

fn line_status(order: &Order, line: &Line) -> LineStatus {
    LineStatus::of(&order.ledger(line))
}

/// The stored header: the order without its lines and shipments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderHeader {
    pub id: OrderId,
    pub number: String,
    pub account_id: AccountId,
    pub currency: Currency,
    pub bill_to: LocationId,
    pub po_number: Option<String>,
    pub channel: Channel,
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
    pub freight: Money,
    pub approval: Option<ApprovalWorkflow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_hold: Option<aftercart_domain::receivables::credit::CreditHold>,
    pub layout: Layout,
    pub summary: Summary,
}

impl OrderHeader {
    fn new(order: &Order, layout: Layout, summary: Summary) -> OrderHeader {
        // Destructured in full so a field added to `Order` cannot be forgotten here.
        let Order {
            id,
            number,
            account_id,
            currency,
            bill_to,
            po_number,
            channel,
            placed_at,
            freight,
            lines: _,
            shipments: _,
            approval,
            credit_hold,
        } = order.clone();
        OrderHeader {
            id,
            number,
            account_id,
            currency,
            bill_to,
            po_number,
            channel,
            placed_at,
            freight,
            approval,
            credit_hold,
            layout,
            summary,
        }
    }

    fn into_order(self, lines: Vec<Line>, shipments: Vec<Shipment>) -> Order {
        Order {
            id: self.id,
            number: self.number,
            account_id: self.account_id,
            currency: self.currency,
            bill_to: self.bill_to,
            po_number: self.po_number,
            channel: self.channel,
            placed_at: self.placed_at,
            freight: self.freight,
            lines,
            shipments,
            approval: self.approval,
            credit_hold: self.credit_hold,
        }
    }
}

/// An `order` document as found: the header of the current layout, or a whole order as written
/// before it (read as is; the next write converts it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // The header is the common case; boxing it costs every read.
pub(crate) enum StoredOrder {
    Header(OrderHeader),
    Whole(Box<Order>),
}

impl StoredOrder {
    fn account_id(&self) -> AccountId {
        match self {
            StoredOrder::Header(h) => h.account_id,
            StoredOrder::Whole(o) => o.account_id,
        }
    }

    fn approval(&self) -> Option<&ApprovalWorkflow> {
        match self {
            StoredOrder::Header(h) => h.approval.as_ref(),
            StoredOrder::Whole(o) => o.approval.as_ref(),
        }
    }

    fn credit_hold(&self) -> Option<&aftercart_domain::receivables::credit::CreditHold> {
        match self {
            StoredOrder::Header(h) => h.credit_hold.as_ref(),
            StoredOrder::Whole(o) => o.credit_hold.as_ref(),
        }
    }

    pub(crate) fn channel(&self) -> aftercart_domain::order::Channel {
        match self {
            StoredOrder::Header(h) => h.channel,
            StoredOrder::Whole(o) => o.channel,
        }
    }

    /// Whether the order waits for an approval or a credit decision (not yet released).
    pub(crate) fn held(&self) -> bool {
        use aftercart_domain::receivables::credit::HoldState;
        self.credit_hold().is_some_and(|h| h.state() == HoldState::Held)
            || self.approval().is_some_and(|a| !a.is_approved())
    }
}

impl Doc for StoredOrder {
    const KIND: &'static str = "order";
    const WHAT: &'static str = "order";
    fn doc_id(&self) -> Uuid {
        match self {
            StoredOrder::Header(h) => h.id.0,
            StoredOrder::Whole(o) => o.id.0,
        }
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id())
    }
    fn number(&self) -> Option<String> {
        Some(match self {
            StoredOrder::Header(h) => h.number.clone(),
            StoredOrder::Whole(o) => o.number.clone(),
        })
    }
    fn status(&self) -> Option<String> {
        let progress = match self {
            StoredOrder::Header(h) => h.summary.progress(),
            StoredOrder::Whole(o) => aftercart_domain::status::order_progress(o),
        };
        use aftercart_domain::receivables::credit::HoldState;
        let credit = self.credit_hold().and_then(|h| match h.state() {
            HoldState::Held => Some("credit_hold"),
            HoldState::Rejected => Some("credit_rejected"),
            HoldState::Released => None,
        });
        Some(
            credit
                .or(crate::governance::approval_label(self.approval()))
                .unwrap_or(progress.as_str())
                .into(),
        )
    }
    fn visible_to(&self, p: &Principal) -> bool {
        match self {
            StoredOrder::Header(h) => p.sees_order_parts(h.account_id, &h.summary.ship_to, &h.summary.fulfilment),
            StoredOrder::Whole(o) => p.sees_order(o),
        }
    }
    fn at(&self) -> OffsetDateTime {
        match self {
            StoredOrder::Header(h) => h.placed_at,
            StoredOrder::Whole(o) => o.placed_at,
        }
    }
}

/// One chunk of an order's lines.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LineChunk {
    pub id: Uuid,
    pub order_id: OrderId,
    pub account_id: AccountId,
    pub index: u32,
    pub lines: Vec<Line>,
}

impl Doc for LineChunk {
    const KIND: &'static str = "order_lines";
    const WHAT: &'static str = "order";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    // Never listed or loaded on its own: reached only through a header the caller may see.
    fn visible_to(&self, _: &Principal) -> bool {
        false
    }
}

/// Which part of an order a command needs.
#[derive(Debug, Clone)]
pub(crate) enum Need {
    All,
    /// These lines (with every shipment carrying them).
    Lines(Vec<u32>),
    /// These shipments, and the lines they carry (whose status they move).
    Shipments(Vec<ShipmentId>),
}

/// An order loaded for a change: `order` holds what was loaded (the whole order, or only the
/// chunks and shipments a [`Need`] named), and [`OrderDraft::commit`] writes back what changed.
#[derive(Debug, Clone)]
pub(crate) struct OrderDraft {
    pub order: Order,
    pub version: i64,
    layout: Layout,
    summary: Summary,
    /// None: the whole order was loaded. Some: only these chunks.
    chunks: Option<BTreeSet<usize>>,
    /// Written before this layout: every part is written by the next commit.
    whole_document: bool,
    lines_before: HashMap<u32, (Line, LineStatus)>,
    shipments_before: HashMap<ShipmentId, Shipment>,
}

impl OrderDraft {
    fn new(order: Order, version: i64, layout: Layout, summary: Summary, chunks: Option<BTreeSet<usize>>) -> Self {
        let lines_before = order
            .lines
            .iter()
            .map(|l| (l.no, (l.clone(), line_status(&order, l))))
            .collect();
        let shipments_before = order.shipments.iter().map(|s| (s.id, s.clone())).collect();
        OrderDraft {
            order,
            version,
            layout,
            summary,
            chunks,
            whole_document: false,
            lines_before,
            shipments_before,
        }
    }

    /// A new order: every part is inserted.
    pub fn placed(order: Order) -> OrderDraft {
        let layout = Layout {
            chunk_lines: CHUNK_LINES,
            chunks: Vec::new(),
        };
        let mut d = OrderDraft::new(order, 0, layout, Summary::default(), None);
        d.lines_before.clear();
        d
    }

    /// The documents (and the given events) of this change, checked: every loaded line's ledger
    /// must balance (a partial load holds every shipment of its lines, so this is the full check
    /// for everything the change could touch).
    pub fn commit(&self, events: Vec<EventWrite>) -> Result<Commit> {
        self.order.check_balanced()?;
        // A shipment whose change moves the ledger must have its lines here to be checked.
        for s in &self.order.shipments {
            let moved = self
                .shipments_before
                .get(&s.id)
                .is_none_or(|b| b.ledger_effect() != s.ledger_effect());
            if moved && s.lines.iter().any(|l| self.order.line(l.line).is_none()) {
                return Err(crate::AppError::Corrupt(format!(
                    "shipment {} changed the ledger of lines not loaded",
                    s.id.0
                )));
            }
        }
        let o = &self.order;
        let mut layout = self.layout.clone();
        let summary = match &self.chunks {
            None => Summary::of(o),
            Some(_) => {
                let mut s = self.summary.clone();
                for l in &o.lines {
                    let now = line_status(o, l);
                    match self.lines_before.get(&l.no) {
                        Some((_, before)) if *before == now => {}
                        Some((_, before)) => {
                            if let Some(n) = s.statuses.get_mut(before) {
                                *n = n.saturating_sub(1);
                            }
                            s.statuses.retain(|_, n| *n > 0);
                            *s.statuses.entry(now).or_default() += 1;
                        }
                        None => {
                            s.lines += 1;
                            *s.statuses.entry(now).or_default() += 1;
                        }
                    }
                    s.ship_to.insert(l.ship_to);
                    s.fulfilment.extend(l.allocations.iter().map(|a| a.location));
                }
                s
            }
        };
        let mut docs: Vec<DocWrite> = Vec::new();
        // Lines by chunk; a chunk is written when any of its lines changed (or is new).
        let mut by_chunk: BTreeMap<usize, Vec<&Line>> = BTreeMap::new();
        for l in &o.lines {
            by_chunk.entry(layout.chunk_of(l.no)).or_default().push(l);
        }
        for (idx, lines) in by_chunk {
            let changed = self.whole_document
                || lines
                    .iter()
                    .any(|l| self.lines_before.get(&l.no).is_none_or(|(b, _)| b != *l));
            if !changed {
                continue;
            }
            // A chunk this commit creates is inserted (no existing row to look for).
            let created = layout.chunks.len() <= idx;
            while layout.chunks.len() <= idx {
                layout.chunks.push(Uuid::now_v7());
            }
            let chunk = LineChunk {
                id: layout.chunks[idx],
                order_id: o.id,
                account_id: o.account_id,
                index: u32::try_from(idx).unwrap_or(u32::MAX),
                lines: lines.into_iter().cloned().collect(),
            };
            docs.push(write(
                &chunk,
                if created { WriteMode::Insert } else { WriteMode::Upsert },
            )?);
        }
        for s in &o.shipments {
            let mode = match self.shipments_before.get(&s.id) {
                None => WriteMode::Insert,
                Some(b) if b != s || self.whole_document => WriteMode::Upsert,
                Some(_) => continue,
            };
            let doc = ShipmentDoc {
                order_id: o.id,
                order_number: o.number.clone(),
                account_id: o.account_id,
                shipment: s.clone(),
            };
            docs.push(write(&doc, mode)?);
        }
        let header = StoredOrder::Header(OrderHeader::new(o, layout, summary));
        let mode = if self.version == 0 {
            WriteMode::Insert
        } else {
            WriteMode::Update(self.version)
        };
        docs.insert(0, write(&header, mode)?);
        Ok(Commit {
            docs,
            events,
            ..Default::default()
        })
    }

    /// Whether the shipments changed in a way that moves a line's ledger (a parcel delivered,
    /// returned to sender, or no longer so), which only a draft holding those lines can check.
    pub fn moves_ledger(&self) -> bool {
        self.order.shipments.iter().any(|s| {
            self.shipments_before
                .get(&s.id)
                .is_none_or(|b| b.ledger_effect() != s.ledger_effect())
        })
    }

    /// The version the order will be at once the commit lands.
    pub fn next_version(&self) -> i64 {
        self.version + 1
    }

    pub fn into_versioned(self) -> Versioned<Order> {
        let version = self.next_version();
        Versioned {
            value: self.order,
            version,
        }
    }
}

fn decode_chunks(rows: &[DocRow]) -> Result<Vec<LineChunk>> {
    rows.iter()
        .filter(|r| r.kind == LineChunk::KIND)
        .map(|r| decode::<LineChunk>(r).map(|v| v.value))
        .collect()
}

fn decode_shipments(rows: &[DocRow]) -> Result<Vec<Shipment>> {
    let mut out: Vec<Shipment> = rows
        .iter()
        .filter(|r| r.kind == ShipmentDoc::KIND)
        .map(|r| decode::<ShipmentDoc>(r).map(|v| v.value.shipment))
        .collect::<Result<_>>()?;
    // Shipment ids are time-ordered: oldest first, as they were shipped.
    out.sort_by_key(|s| s.id.0);
    Ok(out)
}

impl App {
    async fn order_header(&self, ctx: &Ctx, id: OrderId) -> Result<Versioned<StoredOrder>> {
        self.load::<StoredOrder>(ctx, id.0).await
    }

    /// The parts of an order named by `chunks` (all of them when `None`), with every shipment
    /// of their lines (and `extra` shipments), assembled.
    async fn assemble(
        &self,
        h: OrderHeader,
        chunks: Option<&BTreeSet<usize>>,
        extra: &[ShipmentId],
    ) -> Result<(Order, Layout, Summary)> {
        let ids: Vec<Uuid> = match chunks {
            None => h.layout.chunks.clone(),
            Some(c) => c.iter().filter_map(|i| h.layout.chunks.get(*i).copied()).collect(),
        };
        let mut lines: Vec<Line> = decode_chunks(&self.store.get_many(&ids).await?)?
            .into_iter()
            .flat_map(|c| c.lines)
            .collect();
        lines.sort_by_key(|l| l.no);
        let mut sids: Vec<Uuid> = lines.iter().flat_map(|l| l.shipments.iter().map(|s| s.0)).collect();
        sids.extend(extra.iter().map(|s| s.0));
        sids.sort();
        sids.dedup();
        let shipments = if sids.is_empty() {
            Vec::new()
        } else {
            decode_shipments(&self.store.get_many(&sids).await?)?
        };
        let (layout, summary) = (h.layout.clone(), h.summary.clone());
        Ok((h.into_order(lines, shipments), layout, summary))
    }

    /// Whole orders from their stored headers: two batched reads for any number of orders.
    pub(crate) async fn orders_from(&self, stored: Vec<Versioned<StoredOrder>>) -> Result<Vec<Versioned<Order>>> {
        let chunk_ids: Vec<Uuid> = stored
            .iter()
            .filter_map(|v| match &v.value {
                StoredOrder::Header(h) => Some(h.layout.chunks.iter().copied()),
                StoredOrder::Whole(_) => None,
            })
            .flatten()
            .collect();
        let mut lines_of: HashMap<OrderId, Vec<Line>> = HashMap::new();
        if !chunk_ids.is_empty() {
            for c in decode_chunks(&self.store.get_many(&chunk_ids).await?)? {
                lines_of.entry(c.order_id).or_default().extend(c.lines);
            }
        }
        let mut sids: Vec<Uuid> = lines_of
            .values()
            .flatten()
            .flat_map(|l| l.shipments.iter().map(|s| s.0))
            .collect();
        sids.sort();
        sids.dedup();
        let mut shipments_of: HashMap<ShipmentId, Shipment> = HashMap::new();
        if !sids.is_empty() {
            for s in decode_shipments(&self.store.get_many(&sids).await?)? {
                shipments_of.insert(s.id, s);
            }
        }
        let mut out = Vec::with_capacity(stored.len());
        for v in stored {
            let order = match v.value {
                StoredOrder::Whole(o) => whole(*o),
                StoredOrder::Header(h) => {
                    let mut lines = lines_of.remove(&h.id).unwrap_or_default();
                    lines.sort_by_key(|l| l.no);
                    let mut ids: Vec<ShipmentId> = lines.iter().flat_map(|l| l.shipments.iter().copied()).collect();
                    ids.sort_by_key(|s| s.0);
                    ids.dedup();
                    let shipments = ids.iter().filter_map(|s| shipments_of.get(s).cloned()).collect();
                    h.into_order(lines, shipments)
                }
            };
            out.push(Versioned {
                value: order,
                version: v.version,
            });
        }
        Ok(out)
    }

    /// A whole order the caller may see, with `extra(header)` documents (names the answer needs,
    /// say) read with its header and lines in one read: a status read is then that one read,
    /// and a second for the shipments if there are any.
    pub(crate) async fn load_order_with(
        &self,
        ctx: &Ctx,
        id: OrderId,
        extra: impl FnOnce(AccountId, &BTreeSet<FulfilmentLocationId>) -> Vec<Uuid> + Send,
    ) -> Result<(Versioned<Order>, Vec<DocRow>)> {
        // The header, then its line chunks and `extra`, in one read (one snapshot).
        let mut decoded: Option<Result<Versioned<StoredOrder>>> = None;
        let got = self
            .store
            .get_with(id.0, |row| {
                let v = decode::<StoredOrder>(row);
                let ids = match &v {
                    Ok(Versioned {
                        value: StoredOrder::Header(h),
                        ..
                    }) => {
                        let mut ids = h.layout.chunks.clone();
                        ids.extend(extra(h.account_id, &h.summary.fulfilment));
                        ids
                    }
                    // A whole order (older layout) or not an order: read nothing more here.
                    _ => Vec::new(),
                };
                decoded = Some(v);
                ids
            })
            .await?;
        let (Some((_, parts)), Some(v)) = (got, decoded) else {
            return Err(crate::AppError::not_found(StoredOrder::WHAT));
        };
        let v = v?;
        if !v.value.visible_to(&ctx.principal) {
            return Err(crate::AppError::not_found(StoredOrder::WHAT));
        }
        let h = match v.value {
            // `extra` was not read for a whole order (older layout): the caller reads what it
            // misses (`names_from` does).
            StoredOrder::Whole(o) => {
                let order = Versioned {
                    value: whole(*o),
                    version: v.version,
                };
                return Ok((order, Vec::new()));
            }
            StoredOrder::Header(h) => h,
        };
        let (chunk_rows, rest): (Vec<DocRow>, Vec<DocRow>) = parts
            .into_iter()
            .partition(|r| r.kind == LineChunk::KIND && h.layout.chunks.contains(&r.id));
        let mut lines: Vec<Line> = decode_chunks(&chunk_rows)?.into_iter().flat_map(|c| c.lines).collect();
        lines.sort_by_key(|l| l.no);
        let mut sids: Vec<Uuid> = lines.iter().flat_map(|l| l.shipments.iter().map(|s| s.0)).collect();
        sids.sort();
        sids.dedup();
        let shipments = if sids.is_empty() {
            Vec::new()
        } else {
            decode_shipments(&self.store.get_many(&sids).await?)?
        };
        let order = Versioned {
            value: h.into_order(lines, shipments),
            version: v.version,
        };
        Ok((order, rest))
    }

    /// Whole orders from stored `order` rows, without a visibility check (system tasks and the
    /// staff console, which sees everything).
    pub(crate) async fn orders_from_rows(&self, rows: &[DocRow]) -> Result<Vec<Versioned<Order>>> {
        let stored = rows
            .iter()
            .filter(|r| r.kind == StoredOrder::KIND)
            .map(decode::<StoredOrder>)
            .collect::<Result<Vec<_>>>()?;
        self.orders_from(stored).await
    }

    /// A whole order the caller may see (every line; restrict with `order_view` for display).
    pub(crate) async fn load_order(&self, ctx: &Ctx, id: OrderId) -> Result<Versioned<Order>> {
        let v = self.order_header(ctx, id).await?;
        Ok(self.orders_from(vec![v]).await?.remove(0))
    }

    /// Whole orders the caller may see, of these ids (others are skipped).
    pub(crate) async fn load_orders(&self, ctx: &Ctx, ids: &[Uuid]) -> Result<Vec<Versioned<Order>>> {
        let stored = self.load_many::<StoredOrder>(ctx, ids).await?;
        self.orders_from(stored).await
    }

    /// An order loaded for a change, honouring If-Match. Only what `need` names is loaded when
    /// the caller asked for no representation back (`Prefer: return=minimal`), or when the
    /// command returns only a small result (`small_result`); otherwise the whole order, so the
    /// answer can show it.
    pub(crate) async fn order_draft(
        &self,
        ctx: &Ctx,
        id: OrderId,
        need: Need,
        small_result: bool,
    ) -> Result<OrderDraft> {
        let v = self.order_header(ctx, id).await?;
        check_version(ctx, v.version)?;
        self.draft_from(v, need, small_result || ctx.minimal).await
    }

    pub(crate) async fn draft_from(&self, v: Versioned<StoredOrder>, need: Need, partial: bool) -> Result<OrderDraft> {
        let h = match v.value {
            StoredOrder::Whole(o) => {
                let order = whole(*o);
                let layout = Layout {
                    chunk_lines: CHUNK_LINES,
                    chunks: Vec::new(),
                };
                let summary = Summary::of(&order);
                let mut d = OrderDraft::new(order, v.version, layout, summary, None);
                d.whole_document = true;
                return Ok(d);
            }
            StoredOrder::Header(h) => h,
        };
        let (chunks, extra): (Option<BTreeSet<usize>>, Vec<ShipmentId>) = match need {
            _ if !partial => (None, Vec::new()),
            Need::All => (None, Vec::new()),
            Need::Lines(lines) => (Some(lines.iter().map(|l| h.layout.chunk_of(*l)).collect()), Vec::new()),
            Need::Shipments(ids) => {
                let raw: Vec<Uuid> = ids.iter().map(|s| s.0).collect();
                let shipments = decode_shipments(&self.store.get_many(&raw).await?)?;
                let chunks = shipments
                    .iter()
                    .flat_map(|s| s.lines.iter().map(|l| h.layout.chunk_of(l.line)))
                    .collect();
                (Some(chunks), ids)
            }
        };
        let (order, layout, summary) = self.assemble(h, chunks.as_ref(), &extra).await?;
        Ok(OrderDraft::new(order, v.version, layout, summary, chunks))
    }

    /// Drafts of many orders for scans of their shipments (`wanted`, per order), in one batched
    /// read for all of them: the chunks holding the shipments' lines, with the shipments
    /// themselves (and one more read only if a line was also shipped by another shipment).
    /// `seen` are the same shipments as read before the headers, used only to know which chunks
    /// to read (a shipment's lines are fixed when it ships); the copies used are the ones read
    /// here, after the headers, because a shipment changes only with its order's header, so the
    /// header's version check at commit proves them current.
    ///
    /// Without `lines`, only the shipments are read (drafts holding no line): for scans that
    /// leave every shipment's [`Shipment::ledger_effect`] as it was, which can change no line.
    pub(crate) async fn drafts_for_shipments(
        &self,
        stored: Vec<Versioned<StoredOrder>>,
        wanted: &HashMap<OrderId, Vec<ShipmentId>>,
        seen: &HashMap<ShipmentId, Shipment>,
        lines: bool,
    ) -> Result<Vec<OrderDraft>> {
        let mut out = Vec::with_capacity(stored.len());
        let mut headers = Vec::with_capacity(stored.len());
        for v in stored {
            match v.value {
                StoredOrder::Whole(_) => out.push(self.draft_from(v, Need::All, false).await?),
                StoredOrder::Header(h) => headers.push((h, v.version)),
            }
        }
        let chunks_for = |h: &OrderHeader, of: &HashMap<ShipmentId, Shipment>| -> BTreeSet<usize> {
            wanted
                .get(&h.id)
                .into_iter()
                .flatten()
                .filter_map(|s| of.get(s))
                .flat_map(|s| s.lines.iter().map(|l| h.layout.chunk_of(l.line)))
                .collect()
        };
        let mut chunks_of: Vec<BTreeSet<usize>> = headers
            .iter()
            .map(|(h, _)| if lines { chunks_for(h, seen) } else { BTreeSet::new() })
            .collect();
        let mut ids: Vec<Uuid> = wanted.values().flatten().map(|s| s.0).collect();
        for ((h, _), chunks) in headers.iter().zip(&chunks_of) {
            ids.extend(chunks.iter().filter_map(|i| h.layout.chunks.get(*i).copied()));
        }
        ids.sort();
        ids.dedup();
        let rows = self.store.get_many(&ids).await?;
        let mut shipments: HashMap<ShipmentId, Shipment> =
            decode_shipments(&rows)?.into_iter().map(|s| (s.id, s)).collect();
        let mut lines_of: HashMap<OrderId, Vec<Line>> = HashMap::new();
        for c in decode_chunks(&rows)? {
            lines_of.entry(c.order_id).or_default().extend(c.lines);
        }
        // Chunks the current shipments need that `seen` did not foretell (it never differs
        // today; if it ever did, read them rather than commit a draft missing lines).
        let mut more = Vec::new();
        for ((h, _), chunks) in headers.iter().zip(chunks_of.iter_mut()).filter(|_| lines) {
            for i in chunks_for(h, &shipments) {
                if chunks.insert(i)
                    && let Some(id) = h.layout.chunks.get(i)
                {
                    more.push(*id);
                }
            }
        }
        if !more.is_empty() {
            for c in decode_chunks(&self.store.get_many(&more).await?)? {
                lines_of.entry(c.order_id).or_default().extend(c.lines);
            }
        }
        let mut missing: Vec<Uuid> = lines_of
            .values()
            .flatten()
            .flat_map(|l| l.shipments.iter())
            .filter(|s| !shipments.contains_key(s))
            .map(|s| s.0)
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            shipments.extend(
                decode_shipments(&self.store.get_many(&missing).await?)?
                    .into_iter()
                    .map(|s| (s.id, s)),
            );
        }
        for ((h, version), chunks) in headers.into_iter().zip(chunks_of) {
            let mut lines = lines_of.remove(&h.id).unwrap_or_default();
            lines.sort_by_key(|l| l.no);
            lines.dedup_by_key(|l| l.no);
            let mut sids: Vec<ShipmentId> = lines.iter().flat_map(|l| l.shipments.iter().copied()).collect();
            sids.extend(wanted.get(&h.id).into_iter().flatten().copied());
            sids.sort_by_key(|s| s.0);
            sids.dedup();
            let order_shipments = sids.iter().filter_map(|s| shipments.get(s).cloned()).collect();
            let (layout, summary) = (h.layout.clone(), h.summary.clone());
            out.push(OrderDraft::new(
                h.into_order(lines, order_shipments),
                version,
                layout,
                summary,
                Some(chunks),
            ));
        }
        Ok(out)
    }

    /// Rewrites every order still stored as one whole document in the current layout;
    /// idempotent (a converted order is skipped). Returns how many were converted.
    pub async fn migrate_order_layout(&self) -> Result<u64> {
        let sys = Ctx::system();
        let mut converted = 0u64;
        let mut f = crate::ListFilter {
            limit: 200,
            ..Default::default()
        };
        loop {
            let page = self.list_docs::<StoredOrder>(&sys, &f, None).await?;
            for v in page.items {
                if !matches!(v.value, StoredOrder::Whole(_)) {
                    continue;
                }
                let id = OrderId(v.value.doc_id());
                // Re-read and convert under the version check, like any change.
                let done = self
                    .run(&sys, || async {
                        let v = self.order_header(&sys, id).await?;
                        let d = self.draft_from(v, Need::All, false).await?;
                        if !d.whole_document {
                            return Ok(crate::Planned {
                                value: false,
                                commit: Commit::default(),
                            });
                        }
                        Ok(crate::Planned {
                            value: true,
                            commit: d.commit(Vec::new())?,
                        })
                    })
                    .await?;
                converted += u64::from(done);
            }
            match page.next {
                Some(n) => f.before = Some(n),
                None => return Ok(converted),
            }
        }
    }
}

/// A whole order as written before lines listed their shipments.
fn whole(mut order: Order) -> Order {
    order.link_shipments();
    order
}
