//! Reorder: from a past order or a saved list, at today's contract prices, with what changed
//! (price, availability, discontinued, ship-to gone) explained before anything is placed. The
//! new order goes through [`App::plan_place_order`], so validation and approval apply as to any
//! order; a timeline event `order.reordered` on the new order says where it came from and what
//! was left out.

use crate::docs::{Doc, Versioned, check_version, event, write};
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::queries::{ListFilter, Page};
use crate::{App, Ctx, OrderLineInput, PlaceOrder, Planned, ProductRef};
use aftercart_domain::account::Account;
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, LocationId, OrderId, ProductId};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::{Channel, Order};
use aftercart_domain::product::Product;
use aftercart_domain::quantity::Qty;
use aftercart_store::{Commit, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SavedListId(pub Uuid);

impl fmt::Display for SavedListId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One line of a saved list: what to order, how many, where to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedListLine {
    pub product_id: ProductId,
    pub sku: String,
    pub quantity: Qty,
    pub ship_to: LocationId,
    pub cost_centre: Option<String>,
    /// The unit price when the list was saved, so a reorder can say what changed since.
    #[serde(default)]
    pub unit_price_when_saved: Option<Money>,
}

/// A buyer's list of things they order again and again (per account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedList {
    pub id: SavedListId,
    pub account_id: AccountId,
    pub name: String,
    pub lines: Vec<SavedListLine>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the list was last renamed or its lines replaced.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
    /// Set when the list is deleted: the store keeps documents, so a deleted list is a
    /// tombstone that nobody sees (it is "not found" and drops out of every listing).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_at: Option<OffsetDateTime>,
}

impl Doc for SavedList {
    const KIND: &'static str = "saved_list";
    const WHAT: &'static str = "saved list";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn at(&self) -> OffsetDateTime {
        self.created_at
    }
    /// Like an order: a location-scoped user sees a list only if some line ships to its locations.
    /// A deleted list is visible to nobody.
    fn visible_to(&self, p: &Principal) -> bool {
        self.deleted_at.is_none()
            && p.sees_account(self.account_id)
            && self.lines.iter().any(|l| p.sees_location(l.ship_to))
    }
}

/// A saved list as a location-scoped user may read it: only the lines for their locations.
fn restrict_list(ctx: &Ctx, mut v: Versioned<SavedList>) -> Versioned<SavedList> {
    v.value.lines.retain(|l| ctx.principal.sees_location(l.ship_to));
    v
}

#[derive(Debug, Clone)]
pub struct SavedListLineInput {
    pub product: ProductRef,
    pub quantity: Qty,
    pub ship_to: LocationId,
    pub cost_centre: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSavedList {
    pub account_id: AccountId,
    pub name: String,
    pub lines: Vec<SavedListLineInput>,
}

/// A saved list's new name and lines (the whole list is replaced, as with `PUT`). A
/// location-scoped user replaces only the lines within their scope; the others are kept.
#[derive(Debug, Clone)]
pub struct SavedListUpdate {
    pub name: String,
    pub lines: Vec<SavedListLineInput>,
}

/// A reorder as placed: the purchase order number and, per line of the preview, the quantity
/// to order instead of the original one (by `source_line`; lines not named keep theirs).
#[derive(Debug, Clone, Default)]
pub struct ReorderInput {
    pub po_number: Option<String>,
    pub quantities: Vec<(u32, Qty)>,
    /// Where the order comes from (the API when not said).
    pub channel: Option<Channel>,
}

/// What to reorder from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReorderSource {
    Order(OrderId),
    List(SavedListId),
}

/// What changed for one line since it was last ordered (or saved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Unchanged,
    PriceChanged,
    Discontinued,
    ProductMissing,
    LocationGone,
}

impl LineChange {
    pub fn as_str(self) -> &'static str {
        match self {
            LineChange::Unchanged => "unchanged",
            LineChange::PriceChanged => "price_changed",
            LineChange::Discontinued => "discontinued",
            LineChange::ProductMissing => "product_missing",
            LineChange::LocationGone => "location_gone",
        }
    }

    /// Whether a line with this change can still be ordered.
    pub fn orderable(self) -> bool {
        matches!(self, LineChange::Unchanged | LineChange::PriceChanged)
    }
}

#[derive(Debug, Clone)]
pub struct ReorderLine {
    /// The order line number, or the 1-based position in the saved list.
    pub source_line: u32,
    pub product_id: ProductId,
    pub sku: String,
    pub description: String,
    pub quantity: Qty,
    pub ship_to: LocationId,
    /// The ship-to's name today (absent when the location is gone).
    pub ship_to_name: Option<String>,
    pub cost_centre: Option<String>,
    pub old_unit_price: Option<Money>,
    /// Today's price for this account (contract price, else list price); absent when the
    /// product no longer exists.
    pub new_unit_price: Option<Money>,
    pub change: LineChange,
    /// One plain sentence, e.g. "price went from USD 11.75 to USD 12.10".
    pub note: String,
}

impl ReorderLine {
    pub fn orderable(&self) -> bool {
        self.change.orderable()
    }
}

#[derive(Debug, Clone)]
pub struct ReorderPreview {
    pub source: ReorderSource,
    /// The source order's number or the saved list's name.
    pub source_label: String,
    pub account_id: AccountId,
    pub currency: Currency,
    pub lines: Vec<ReorderLine>,
    /// Total of the lines that would be placed, at today's prices.
    pub total: Money,
    /// At least one line can be ordered.
    pub can_place: bool,
    pub summary: String,
}

fn required(value: &str, field: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Rejection::new(ErrorCode::InvalidValue, field, "must not be empty").into());
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The sentence above a preview: what can be placed, then what changed.
fn summary(label: &str, lines: &[ReorderLine]) -> String {
    let orderable = lines.iter().filter(|l| l.orderable()).count();
    let count = |c: LineChange| lines.iter().filter(|l| l.change == c).count();
    let mut changes = Vec::new();
    for (c, one, many) in [
        (LineChange::PriceChanged, "price change", "price changes"),
        (
            LineChange::Discontinued,
            "discontinued product",
            "discontinued products",
        ),
        (
            LineChange::ProductMissing,
            "product no longer sold",
            "products no longer sold",
        ),
        (
            LineChange::LocationGone,
            "ship-to location gone",
            "ship-to locations gone",
        ),
    ] {
        let n = count(c);
        if n > 0 {
            changes.push(plural(n, one, many));
        }
    }
    let head = if orderable == lines.len() {
        format!(
            "All {} of {label} can be reordered",
            plural(lines.len(), "line", "lines")
        )
    } else if orderable == 0 {
        format!("Nothing from {label} can be reordered")
    } else {
        format!(
            "{orderable} of {} of {label} can be reordered",
            plural(lines.len(), "line", "lines")
        )
    };
    if changes.is_empty() {
        format!("{head}; nothing changed.")
    } else {
        format!("{head}; {}.", changes.join(", "))
    }
}

/// What one line looks like today.
struct Draft<'a> {
    source_line: u32,
    product_id: ProductId,
    sku: &'a str,
    description: Option<&'a str>,
    quantity: Qty,
    ship_to: LocationId,
    cost_centre: Option<&'a String>,
    old_unit_price: Option<Money>,
}

fn assess(account: &Account, product: Option<&Product>, d: Draft<'_>) -> ReorderLine {
    let location = account.location(d.ship_to).filter(|l| l.kind.can_receive());
    let new_unit_price = product.map(|p| account.contract_price(p.id).unwrap_or(p.list_price));
    let price_moved = matches!((d.old_unit_price, new_unit_price), (Some(o), Some(n)) if o != n);
    let price_note = match (d.old_unit_price, new_unit_price) {
        (Some(o), Some(n)) if o != n => format!("price went from {o} to {n}"),
        (_, Some(n)) => format!("same price, {n} each"),
        _ => String::new(),
    };
    let (change, note) = match (product, location) {
        (None, _) => (
            LineChange::ProductMissing,
            format!("{} is no longer in the catalogue; this line will be left out", d.sku),
        ),
        (Some(p), _) if p.discontinued => (
            LineChange::Discontinued,
            format!("{} ({}) is discontinued; this line will be left out", p.sku, p.name),
        ),
        (Some(_), None) => (
            LineChange::LocationGone,
            "the ship-to location is no longer on the account; this line will be left out".to_owned(),
        ),
        (Some(_), Some(_)) if price_moved => (LineChange::PriceChanged, price_note),
        (Some(_), Some(_)) => (LineChange::Unchanged, price_note),
    };
    ReorderLine {
        source_line: d.source_line,
        product_id: d.product_id,
        sku: product.map_or_else(|| d.sku.to_owned(), |p| p.sku.clone()),
        description: product
            .map(|p| p.name.clone())
            .or_else(|| d.description.map(str::to_owned))
            .unwrap_or_default(),
        quantity: d.quantity,
        ship_to: d.ship_to,
        ship_to_name: location.map(|l| l.name.clone()),
        cost_centre: d.cost_centre.cloned(),
        old_unit_price: d.old_unit_price,
        new_unit_price,
        change,
        note,
    }
}

/// Suppliers fulfil orders; they never place them.
fn refuse_supplier(p: &Principal) -> Result<()> {
    if p.supplier_location().is_some() {
        return Err(AppError::Forbidden("suppliers cannot reorder".into()));
    }
    Ok(())
}

impl App {
    async fn products_by_id(&self, ctx: &Ctx, ids: &[ProductId]) -> Result<Vec<Product>> {
        let uuids: Vec<Uuid> = ids.iter().map(|p| p.0).collect();
        Ok(self
            .load_many::<Product>(ctx, &uuids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect())
    }

    /// Checks and resolves a saved list's lines (product by id or SKU, not discontinued, at
    /// least one unit, a receiving ship-to of the account within the caller's scope); every
    /// error names its field (`lines[2].quantity`).
    async fn saved_lines(
        &self,
        ctx: &Ctx,
        account: &Account,
        input: &[SavedListLineInput],
        previous: &[SavedListLine],
    ) -> Result<Vec<SavedListLine>> {
        if input.is_empty() {
            return Err(
                Rejection::new(ErrorCode::InvalidValue, "lines", "a saved list needs at least one line").into(),
            );
        }
        let mut lines = Vec::with_capacity(input.len());
        for (i, l) in input.iter().enumerate() {
            let field = |f: &str| format!("lines[{i}].{f}");
            let product = match &l.product {
                ProductRef::Id(id) => self.load_ref::<Product>(ctx, id.0, &field("product_id")).await?.value,
                ProductRef::Sku(sku) => {
                    let row = self
                        .store
                        .by_number(Product::KIND, sku)
                        .await?
                        .ok_or_else(|| AppError::not_found_field("product", field("sku")))?;
                    crate::docs::decode::<Product>(&row)?.value
                }
            };
            if product.discontinued {
                return Err(Rejection::new(
                    ErrorCode::InvalidState,
                    field("sku"),
                    format!("{} is discontinued", product.sku),
                )
                .into());
            }
            if l.quantity.is_zero() {
                return Err(Rejection::new(
                    ErrorCode::InvalidQuantity,
                    field("quantity"),
                    "quantity must be at least 1",
                )
                .into());
            }
            match account.location(l.ship_to) {
                Some(loc) if loc.kind.can_receive() => {}
                Some(_) => {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        field("ship_to"),
                        "this location does not receive goods",
                    )
                    .into());
                }
                None => {
                    return Err(Rejection::new(
                        ErrorCode::ForeignAccount,
                        field("ship_to"),
                        "the ship-to location does not belong to the account",
                    )
                    .into());
                }
            }
            if !ctx.principal.sees_location(l.ship_to) {
                return Err(Rejection::new(
                    ErrorCode::OutOfScope,
                    field("ship_to"),
                    "your access does not include this location",
                )
                .into());
            }
            // A line kept from before keeps the price it was saved at, so a reorder can still say
            // what changed since; a new line is priced today.
            let kept = previous
                .iter()
                .find(|p| p.product_id == product.id && p.ship_to == l.ship_to)
                .and_then(|p| p.unit_price_when_saved);
            lines.push(SavedListLine {
                product_id: product.id,
                unit_price_when_saved: kept
                    .or_else(|| Some(account.contract_price(product.id).unwrap_or(product.list_price))),
                sku: product.sku,
                quantity: l.quantity,
                ship_to: l.ship_to,
                cost_centre: l.cost_centre.clone().filter(|c| !c.trim().is_empty()),
            });
        }
        Ok(lines)
    }

    pub async fn plan_create_saved_list(
        &self,
        ctx: &Ctx,
        input: &NewSavedList,
    ) -> Result<Planned<Versioned<SavedList>>> {
        refuse_supplier(&ctx.principal)?;
        let account = self
            .load_ref::<Account>(ctx, input.account_id.0, "account_id")
            .await?
            .value;
        required(&input.name, "name")?;
        let lines = self.saved_lines(ctx, &account, &input.lines, &[]).await?;
        let now = self.clock.now();
        let list = SavedList {
            id: SavedListId(Uuid::now_v7()),
            account_id: account.id,
            name: input.name.trim().to_owned(),
            lines,
            created_by: ctx.principal.actor().name(),
            created_at: now,
            updated_at: None,
            deleted_at: None,
        };
        let commit = Commit {
            docs: vec![write(&list, WriteMode::Insert)?],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "saved_list.created",
                SavedList::KIND,
                list.id.0,
                Some(list.account_id),
                None,
                json!({"name": list.name, "lines": list.lines.len()}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: list,
                version: 1,
            },
            commit,
        })
    }

    /// Loads a saved list for a change: visible to the caller (own account, some line in scope,
    /// not deleted), at the version pinned with If-Match if any.
    async fn list_for_change(&self, ctx: &Ctx, id: SavedListId) -> Result<Versioned<SavedList>> {
        refuse_supplier(&ctx.principal)?;
        let v = self.load::<SavedList>(ctx, id.0).await?;
        check_version(ctx, v.version)?;
        Ok(v)
    }

    /// Renames a saved list and replaces its lines, with the same checks as creating one. Lines a
    /// location-scoped user cannot see are kept as they were; a kept line keeps the price it was
    /// saved at.
    pub async fn plan_update_saved_list(
        &self,
        ctx: &Ctx,
        id: SavedListId,
        input: &SavedListUpdate,
    ) -> Result<Planned<Versioned<SavedList>>> {
        let Versioned {
            value: mut list,
            version,
        } = self.list_for_change(ctx, id).await?;
        let account = self.load::<Account>(ctx, list.account_id.0).await?.value;
        required(&input.name, "name")?;
        let mut lines = self.saved_lines(ctx, &account, &input.lines, &list.lines).await?;
        let hidden: Vec<SavedListLine> = list
            .lines
            .iter()
            .filter(|l| !ctx.principal.sees_location(l.ship_to))
            .cloned()
            .collect();
        let (before_name, before_lines) = (list.name.clone(), list.lines.len());
        lines.extend(hidden);
        let now = self.clock.now();
        list.name = input.name.trim().to_owned();
        list.lines = lines;
        list.updated_at = Some(now);
        let commit = Commit {
            docs: vec![write(&list, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "saved_list.updated",
                SavedList::KIND,
                list.id.0,
                Some(list.account_id),
                None,
                json!({
                    "name": list.name,
                    "previous_name": before_name,
                    "lines": list.lines.len(),
                    "previous_lines": before_lines,
                }),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: restrict_list(
                ctx,
                Versioned {
                    value: list,
                    version: version + 1,
                },
            ),
            commit,
        })
    }

    /// Deletes a saved list: it becomes a tombstone (`deleted_at`) that is "not found" to
    /// everyone and drops out of every listing; the timeline keeps its history. A
    /// location-scoped user may delete only a list whose lines are all within their scope.
    pub async fn plan_delete_saved_list(&self, ctx: &Ctx, id: SavedListId) -> Result<Planned<Versioned<SavedList>>> {
        let Versioned {
            value: mut list,
            version,
        } = self.list_for_change(ctx, id).await?;
        if let Some(i) = list.lines.iter().position(|l| !ctx.principal.sees_location(l.ship_to)) {
            return Err(Rejection::new(
                ErrorCode::OutOfScope,
                format!("lines[{i}].ship_to"),
                "this list also has lines for locations outside your access; ask someone who sees them all",
            )
            .into());
        }
        let now = self.clock.now();
        list.deleted_at = Some(now);
        let commit = Commit {
            docs: vec![write(&list, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "saved_list.deleted",
                SavedList::KIND,
                list.id.0,
                Some(list.account_id),
                None,
                json!({"name": list.name, "lines": list.lines.len()}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: list,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn saved_list(&self, ctx: &Ctx, id: SavedListId) -> Result<Versioned<SavedList>> {
        let v = self.load(ctx, id.0).await?;
        Ok(restrict_list(ctx, v))
    }

    pub async fn list_saved_lists(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<SavedList>>> {
        let mut page: Page<Versioned<SavedList>> = self.list_docs(ctx, f, None).await?;
        page.items = page.items.into_iter().map(|v| restrict_list(ctx, v)).collect();
        Ok(page)
    }

    /// What a reorder would place today, line by line, with what changed. The caller must be able
    /// to see the source; a location-scoped user sees (and reorders) only its locations' lines.
    pub async fn reorder_preview(&self, ctx: &Ctx, source: ReorderSource) -> Result<ReorderPreview> {
        refuse_supplier(&ctx.principal)?;
        match source {
            ReorderSource::Order(id) => {
                // `order` applies visibility and removes lines outside the caller's scope.
                let order = self.order(ctx, id).await?.value;
                let account = self.load::<Account>(ctx, order.account_id.0).await?.value;
                let ids: Vec<ProductId> = order.lines.iter().map(|l| l.product_id).collect();
                let products = self.products_by_id(ctx, &ids).await?;
                let lines = order
                    .lines
                    .iter()
                    .map(|l| {
                        assess(
                            &account,
                            products.iter().find(|p| p.id == l.product_id),
                            Draft {
                                source_line: l.no,
                                product_id: l.product_id,
                                sku: &l.sku,
                                description: Some(&l.description),
                                // The quantity ordered then, not what is left after cancellations.
                                quantity: l.quantity,
                                ship_to: l.ship_to,
                                cost_centre: l.cost_centre.as_ref(),
                                old_unit_price: Some(l.unit_price),
                            },
                        )
                    })
                    .collect();
                Ok(Self::preview(
                    source,
                    format!("order {}", order.number),
                    &account,
                    lines,
                ))
            }
            ReorderSource::List(id) => {
                let list = self.saved_list(ctx, id).await?.value;
                let account = self.load::<Account>(ctx, list.account_id.0).await?.value;
                let ids: Vec<ProductId> = list.lines.iter().map(|l| l.product_id).collect();
                let products = self.products_by_id(ctx, &ids).await?;
                let lines = list
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| ctx.principal.sees_location(l.ship_to))
                    .map(|(i, l)| {
                        assess(
                            &account,
                            products.iter().find(|p| p.id == l.product_id),
                            Draft {
                                source_line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                                product_id: l.product_id,
                                sku: &l.sku,
                                description: None,
                                quantity: l.quantity,
                                ship_to: l.ship_to,
                                cost_centre: l.cost_centre.as_ref(),
                                old_unit_price: l.unit_price_when_saved,
                            },
                        )
                    })
                    .collect();
                Ok(Self::preview(
                    source,
                    format!("saved list \"{}\"", list.name),
                    &account,
                    lines,
                ))
            }
        }
    }

    fn preview(source: ReorderSource, label: String, account: &Account, lines: Vec<ReorderLine>) -> ReorderPreview {
        let total = lines
            .iter()
            .filter(|l| l.orderable())
            .filter_map(|l| l.new_unit_price.map(|p| p.times(l.quantity.get())))
            .fold(Money::zero(account.currency), |acc, m| {
                acc.checked_add(m).unwrap_or(acc)
            });
        let can_place = lines.iter().any(ReorderLine::orderable);
        let summary = summary(&label, &lines);
        ReorderPreview {
            source,
            source_label: label,
            account_id: account.id,
            currency: account.currency,
            lines,
            total,
            can_place,
            summary,
        }
    }

    /// Places a new order of every line of the source that can still be ordered, at today's
    /// prices, through the ordinary order path (validation, approval). Discontinued or missing
    /// products and gone ship-tos are left out and listed on the new order's timeline.
    pub async fn plan_reorder(
        &self,
        ctx: &Ctx,
        source: ReorderSource,
        po_number: Option<String>,
    ) -> Result<Planned<Versioned<Order>>> {
        let input = ReorderInput {
            po_number,
            ..Default::default()
        };
        self.plan_reorder_with(ctx, source, &input).await
    }

    /// The preview with the caller's quantities in place of the original ones (a line's
    /// quantity is named `lines[i].quantity`, `i` its position in the preview, from 0).
    pub async fn reorder_preview_with(
        &self,
        ctx: &Ctx,
        source: ReorderSource,
        quantities: &[(u32, Qty)],
    ) -> Result<ReorderPreview> {
        let mut p = self.reorder_preview(ctx, source).await?;
        if quantities.is_empty() {
            return Ok(p);
        }
        for (source_line, q) in quantities {
            let Some(i) = p.lines.iter().position(|l| l.source_line == *source_line) else {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "lines",
                    format!("there is no line {source_line} to reorder"),
                )
                .into());
            };
            let field = format!("lines[{i}].quantity");
            if q.is_zero() {
                return Err(Rejection::new(ErrorCode::InvalidQuantity, field, "quantity must be at least 1").into());
            }
            if q.get() > Qty::MAX_INPUT {
                return Err(Rejection::new(
                    ErrorCode::InvalidQuantity,
                    field,
                    format!("quantity {} is too large (at most {})", q.get(), Qty::MAX_INPUT),
                )
                .into());
            }
            p.lines[i].quantity = *q;
        }
        let account = self.load::<Account>(ctx, p.account_id.0).await?.value;
        Ok(Self::preview(p.source, p.source_label, &account, p.lines))
    }

    /// Whether placing this reorder now would wait for approval under the account's policy, and
    /// why (one reason per approval step); `None` when it would not. Nothing is recorded.
    pub async fn reorder_approval(
        &self,
        ctx: &Ctx,
        source: ReorderSource,
        input: &ReorderInput,
    ) -> Result<Option<Vec<String>>> {
        // A fixed number: planning must not use up an order number for a preview.
        let planned = self
            .plan_reorder_numbered(ctx, source, input, Some("PREVIEW".to_owned()))
            .await?;
        Ok(planned
            .value
            .value
            .approval
            .as_ref()
            .map(|wf| wf.steps.iter().map(|s| s.required.reason.clone()).collect()))
    }

    /// [`App::plan_reorder`] with the caller's quantities.
    pub async fn plan_reorder_with(
        &self,
        ctx: &Ctx,
        source: ReorderSource,
        input: &ReorderInput,
    ) -> Result<Planned<Versioned<Order>>> {
        self.plan_reorder_numbered(ctx, source, input, None).await
    }

    async fn plan_reorder_numbered(
        &self,
        ctx: &Ctx,
        source: ReorderSource,
        reorder: &ReorderInput,
        number: Option<String>,
    ) -> Result<Planned<Versioned<Order>>> {
        let preview = self.reorder_preview_with(ctx, source, &reorder.quantities).await?;
        if !preview.can_place {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "lines",
                format!(
                    "nothing from {} can be ordered any more: {}",
                    preview.source_label,
                    preview
                        .lines
                        .iter()
                        .map(|l| format!("{}: {}", l.sku, l.note))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
            .into());
        }
        let bill_to = match source {
            // Keep the source order's bill-to when it is still billable; else the account default.
            ReorderSource::Order(id) => {
                let order = self.load_order(ctx, id).await?.value;
                let account = self.load::<Account>(ctx, order.account_id.0).await?.value;
                account
                    .location(order.bill_to)
                    .filter(|l| l.kind.can_be_billed())
                    .map(|l| l.id)
            }
            ReorderSource::List(_) => None,
        };
        let input = PlaceOrder {
            account_id: preview.account_id,
            number,
            bill_to,
            po_number: reorder
                .po_number
                .as_ref()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty()),
            channel: reorder.channel.unwrap_or(Channel::Api),
            freight: None,
            placed_at: None,
            lines: preview
                .lines
                .iter()
                .filter(|l| l.orderable())
                .map(|l| OrderLineInput {
                    product: ProductRef::Id(l.product_id),
                    quantity: l.quantity,
                    ship_to: l.ship_to,
                    requested_date: None,
                    po_number: None,
                    cost_centre: l.cost_centre.clone(),
                    project: None,
                })
                .collect(),
        };
        let mut planned = self.plan_place_order(ctx, &input).await?;
        let order = &planned.value.value;
        let source_json = match source {
            ReorderSource::Order(id) => json!({"kind": "order", "id": id.0, "label": preview.source_label}),
            ReorderSource::List(id) => json!({"kind": "saved_list", "id": id.0, "label": preview.source_label}),
        };
        let skipped: Vec<serde_json::Value> = preview
            .lines
            .iter()
            .filter(|l| !l.orderable())
            .map(|l| json!({"source_line": l.source_line, "sku": l.sku, "change": l.change.as_str(), "note": l.note}))
            .collect();
        let repriced: Vec<serde_json::Value> = preview
            .lines
            .iter()
            .filter(|l| l.change == LineChange::PriceChanged)
            .map(|l| json!({"source_line": l.source_line, "sku": l.sku, "note": l.note}))
            .collect();
        planned.commit.events.push(event(
            &ctx.principal.actor(),
            self.clock.now(),
            "order.reordered",
            "order",
            order.id.0,
            Some(order.account_id),
            None,
            json!({
                "source": source_json,
                "skipped": skipped,
                "repriced": repriced,
                "summary": preview.summary,
            }),
        ));
        Ok(planned)
    }
}
