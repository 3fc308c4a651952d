//! Saved lists: the account's lists of things ordered again and again — list, read (today's
//! price and availability per line), create, edit (name; lines: SKU, quantity, ship-to; rows
//! added and removed without JavaScript) and delete (after a confirmation page).

use super::{Opt, Tag, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{
    Action, AppError, Ctx, LineChange, ListFilter, NewSavedList, ProductRef, ReorderSource, SavedList, SavedListId,
    SavedListLineInput, SavedListUpdate, Versioned,
};
use aftercart_domain::ids::{AccountId, LocationId};
use aftercart_domain::quantity::Qty;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

/// Blank rows offered under the lines of a list form (more appear after each save).
const BLANK_ROWS: usize = 3;
/// The most rows one list form accepts.
pub const MAX_ROWS: usize = 200;

/// The saved list id in a path; anything unparsable names nothing that exists.
pub fn list_id(raw: &str) -> Result<SavedListId, PageError> {
    Uuid::parse_str(raw).map(SavedListId).map_err(|_| PageError::NotFound)
}

/// The customer's own account (lists are per account).
fn own_account(v: &Viewer) -> Result<AccountId, PageError> {
    v.ctx
        .principal
        .own_account()
        .ok_or_else(|| PageError::Forbidden("saved lists belong to a customer account".into()))
}

/// The ship-to locations the viewer may order for: receiving locations within their scope.
pub async fn ship_tos(st: &WebState, ctx: &Ctx, account: AccountId) -> Result<Vec<(LocationId, String)>, PageError> {
    let a = st.app.account(ctx, account).await?.value;
    Ok(a.locations
        .into_iter()
        .filter(|l| l.kind.can_receive() && ctx.principal.sees_location(l.id))
        .map(|l| (l.id, l.name))
        .collect())
}

/// How a line's state today reads as a tag.
pub fn change_tag(
    change: LineChange,
    old: Option<aftercart_domain::money::Money>,
    new: Option<aftercart_domain::money::Money>,
) -> Tag {
    let (word, class) = match change {
        LineChange::Unchanged => ("Same price", "tag-grey"),
        LineChange::PriceChanged => match (old, new) {
            (Some(o), Some(n)) if n.minor() > o.minor() => ("Price up", "tag-yellow"),
            (Some(_), Some(_)) => ("Price down", "tag-green"),
            _ => ("Price changed", "tag-yellow"),
        },
        LineChange::Discontinued => ("Discontinued", "tag-red"),
        LineChange::ProductMissing => ("No longer sold", "tag-red"),
        LineChange::LocationGone => ("Ship-to gone", "tag-red"),
    };
    Tag {
        word: word.into(),
        class,
    }
}

// ---------------------------------------------------------------------------------------------
// GET /lists
// ---------------------------------------------------------------------------------------------

pub struct ListRow {
    pub id: String,
    pub name: String,
    pub lines: usize,
    pub created_by: String,
    pub changed: String,
}

#[derive(Template)]
#[template(path = "lists.html")]
struct ListsPage {
    l: Layout,
    e: Errors,
    rows: Vec<ListRow>,
    next: String,
    may_place: bool,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct ListsQuery {
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    deleted: String,
}

pub async fn index(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: ListsQuery = query(raw.as_deref());
    let account = own_account(&v)?;
    let mut e = Errors::default();
    let before = e.cursor("lists", &q.cursor);
    let mut rows = Vec::new();
    let mut next = String::new();
    if e.is_empty() {
        let f = ListFilter {
            account_id: Some(account),
            before,
            limit: 50,
            ..Default::default()
        };
        let p = st.app.list_saved_lists(&v.ctx, &f).await?;
        for l in &p.items {
            let x = &l.value;
            rows.push(ListRow {
                id: x.id.0.to_string(),
                name: x.name.clone(),
                lines: x.lines.len(),
                created_by: x.created_by.clone(),
                changed: format::date(x.updated_at.unwrap_or(x.created_at).date()),
            });
        }
        if let Some(n) = p.next {
            next = format!("/lists?cursor={n}");
        }
    }
    let notice = if q.deleted.is_empty() {
        String::new()
    } else {
        "The saved list was deleted.".to_owned()
    };
    Ok(render(
        if e.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &ListsPage {
            l: Layout::for_viewer("Saved lists", &v, "/lists"),
            e,
            rows,
            next,
            may_place: v.ctx.principal.may(Action::OrderPlace),
            notice,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// GET /lists/{id}
// ---------------------------------------------------------------------------------------------

pub struct LineView {
    pub no: u32,
    pub sku: String,
    pub description: String,
    pub quantity: String,
    pub ship_to: String,
    pub saved_price: String,
    pub price: String,
    pub tag: Tag,
    pub note: String,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    l: Layout,
    id: String,
    name: String,
    created: String,
    lines: Vec<LineView>,
    summary: String,
    total: String,
    may_place: bool,
    can_place: bool,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    saved: String,
}

pub async fn detail(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let id = list_id(&id)?;
    let q: ListQuery = query(raw.as_deref());
    let list = st.app.saved_list(&v.ctx, id).await?.value;
    // Today's price and availability per line, as a reorder would see them.
    let p = st.app.reorder_preview(&v.ctx, ReorderSource::List(id)).await?;
    let lines = p
        .lines
        .iter()
        .map(|l| LineView {
            no: l.source_line,
            sku: l.sku.clone(),
            description: l.description.clone(),
            quantity: format::qty(l.quantity),
            ship_to: l
                .ship_to_name
                .clone()
                .unwrap_or_else(|| "No longer on the account".into()),
            saved_price: l.old_unit_price.map(format::money).unwrap_or_default(),
            price: l.new_unit_price.map(format::money).unwrap_or_else(|| "—".into()),
            tag: change_tag(l.change, l.old_unit_price, l.new_unit_price),
            note: l.note.clone(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l: Layout::for_viewer(format!("Saved list {}", list.name), &v, "/lists"),
            id: list.id.0.to_string(),
            name: list.name.clone(),
            created: format!(
                "Saved by {} on {}",
                list.created_by,
                format::date(list.created_at.date())
            ),
            lines,
            summary: p.summary.clone(),
            total: format::money(p.total),
            may_place: v.ctx.principal.may(Action::OrderPlace),
            can_place: p.can_place,
            notice: if q.saved.is_empty() {
                String::new()
            } else {
                "The saved list was saved.".to_owned()
            },
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// The list form: /lists/new and /lists/{id}/edit
// ---------------------------------------------------------------------------------------------

/// One row of the form as shown (and as sent back, values kept).
pub struct RowForm {
    pub i: usize,
    pub sku_id: String,
    pub qty_id: String,
    pub to_id: String,
    pub sku: String,
    pub quantity: String,
    pub ship_tos: Vec<Opt>,
    /// A row that holds a saved line: it offers "remove".
    pub existing: bool,
    pub remove: bool,
}

#[derive(Template)]
#[template(path = "list_form.html")]
struct ListForm {
    l: Layout,
    e: Errors,
    heading: String,
    action: String,
    cancel: String,
    name: String,
    version: String,
    rows: Vec<RowForm>,
    button: String,
}

impl RowForm {
    fn new(i: usize, sku: String, quantity: String, ship_tos: Vec<Opt>, existing: bool, remove: bool) -> RowForm {
        RowForm {
            i,
            sku_id: format!("line-{i}-sku"),
            qty_id: format!("line-{i}-quantity"),
            to_id: format!("line-{i}-ship_to"),
            sku,
            quantity,
            ship_tos,
            existing,
            remove,
        }
    }
}

fn opts(ship_tos: &[(LocationId, String)], chosen: &str) -> Vec<Opt> {
    let chosen = if chosen.is_empty() {
        ship_tos.first().map(|(id, _)| id.0.to_string()).unwrap_or_default()
    } else {
        chosen.to_owned()
    };
    ship_tos
        .iter()
        .map(|(id, n)| Opt {
            value: id.0.to_string(),
            label: n.clone(),
            selected: id.0.to_string() == chosen,
        })
        .collect()
}

fn blank_rows(rows: &mut Vec<RowForm>, ship_tos: &[(LocationId, String)], n: usize) {
    for _ in 0..n {
        let i = rows.len();
        rows.push(RowForm::new(
            i,
            String::new(),
            String::new(),
            opts(ship_tos, ""),
            false,
            false,
        ));
    }
}

/// What the form sent, row by row.
struct Sent {
    name: String,
    version: Option<i64>,
    rows: Vec<(String, String, String, bool, bool)>,
}

fn read_form(fields: &[(String, String)]) -> Sent {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let count = get("rows").trim().parse::<usize>().unwrap_or(0).min(MAX_ROWS);
    let rows = (0..count)
        .map(|i| {
            (
                get(&format!("sku-{i}")),
                get(&format!("quantity-{i}")),
                get(&format!("ship_to-{i}")),
                !get(&format!("existing-{i}")).is_empty(),
                !get(&format!("remove-{i}")).is_empty(),
            )
        })
        .collect();
    Sent {
        name: get("name"),
        version: get("version").trim().parse().ok(),
        rows,
    }
}

/// A quantity typed by a person: a whole number from 1 to [`Qty::MAX_INPUT`].
pub fn parse_qty(e: &mut Errors, field: &str, label: &str, raw: &str) -> Option<Qty> {
    let raw = raw.trim().replace(',', "");
    if raw.is_empty() {
        e.add(field, format!("Enter a quantity for {label}"));
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) if n < 1 => {
            e.add(field, format!("The quantity for {label} must be at least 1"));
            None
        }
        Ok(n) if n > i64::from(Qty::MAX_INPUT) => {
            e.add(
                field,
                format!(
                    "The quantity for {label} must be at most {}",
                    format::thousands(u64::from(Qty::MAX_INPUT))
                ),
            );
            None
        }
        Ok(n) => u32::try_from(n).ok().map(Qty::new),
        Err(_) => {
            e.add(
                field,
                format!("The quantity for {label} must be a whole number, like 12"),
            );
            None
        }
    }
}

/// Checks the form; returns the lines to save (with the form row each came from) when it is
/// fine so far. Errors name the form's fields (`line-2-quantity`).
fn check(e: &mut Errors, sent: &Sent, ship_tos: &[(LocationId, String)]) -> (String, Vec<(usize, SavedListLineInput)>) {
    let name = e.text(
        "name",
        "The list name",
        &sent.name,
        TextKind::Name,
        Some("Enter a name for the list"),
    );
    let mut lines = Vec::new();
    for (i, (sku, quantity, ship_to, _, remove)) in sent.rows.iter().enumerate() {
        if *remove || (sku.trim().is_empty() && quantity.trim().is_empty()) {
            continue;
        }
        let label = format!("line {}", i + 1);
        let sku = e.text(
            &format!("line-{i}-sku"),
            &format!("The product SKU on {label}"),
            sku,
            TextKind::Ident,
            Some(&format!("Enter the product SKU for {label}")),
        );
        let q = parse_qty(e, &format!("line-{i}-quantity"), &label, quantity);
        let to = e.choice(
            &format!("line-{i}-ship_to"),
            ship_to,
            ship_tos,
            LocationId,
            &format!("Choose a ship-to location from the list for {label}"),
        );
        if to.is_none() && ship_to.trim().is_empty() {
            e.add(
                &format!("line-{i}-ship_to"),
                format!("Choose a ship-to location for {label}"),
            );
        }
        if let (false, Some(q), Some(to)) = (sku.is_empty(), q, to) {
            lines.push((
                i,
                SavedListLineInput {
                    product: ProductRef::Sku(sku),
                    quantity: q,
                    ship_to: to,
                    cost_centre: None,
                },
            ));
        }
    }
    if e.is_empty() && lines.is_empty() {
        e.add("line-0-sku", "Add at least one product to the list");
    }
    (name, lines)
}

/// Puts an app refusal beside the form field it names (`lines[1].sku` → the row's SKU).
fn app_error(e: &mut Errors, err: AppError, rows: &[usize]) -> Result<(), PageError> {
    let (field, message) = match err {
        AppError::Rejected(r) => (r.field, r.message),
        AppError::NotFound { what, field: Some(f) } => (f, format!("There is no such {what}; check the SKU")),
        AppError::PreconditionFailed(_) => (
            "name".to_owned(),
            "Someone else changed this list since you opened it; open it again to see their change".to_owned(),
        ),
        other => return Err(other.into()),
    };
    let id = match field.strip_prefix("lines[").and_then(|r| r.split_once("].")) {
        Some((n, part)) => {
            let row = n.parse::<usize>().ok().and_then(|n| rows.get(n).copied()).unwrap_or(0);
            let part = match part {
                "quantity" => "quantity",
                "ship_to" => "ship_to",
                _ => "sku",
            };
            format!("line-{row}-{part}")
        }
        None if field == "name" => "name".to_owned(),
        None => "line-0-sku".to_owned(),
    };
    let row_words = id
        .strip_prefix("line-")
        .and_then(|r| r.split('-').next())
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| format!("Line {}: ", n + 1))
        .unwrap_or_default();
    e.add(&id, format!("{row_words}{message}"));
    Ok(())
}

fn rows_from_sent(sent: &Sent, ship_tos: &[(LocationId, String)]) -> Vec<RowForm> {
    let mut rows: Vec<RowForm> = sent
        .rows
        .iter()
        .enumerate()
        .map(|(i, (sku, quantity, ship_to, existing, remove))| {
            RowForm::new(
                i,
                sku.clone(),
                quantity.clone(),
                opts(ship_tos, ship_to.trim()),
                *existing,
                *remove,
            )
        })
        .collect();
    if rows.is_empty() {
        blank_rows(&mut rows, ship_tos, BLANK_ROWS);
    }
    rows
}

fn form_page(
    v: &Viewer,
    e: Errors,
    list: Option<&SavedList>,
    version: Option<i64>,
    name: String,
    rows: Vec<RowForm>,
) -> axum::response::Response {
    let (heading, action, cancel, button) = match list {
        Some(l) => (
            format!("Edit saved list {}", l.name),
            format!("/lists/{}/edit", l.id.0),
            format!("/lists/{}", l.id.0),
            "Save changes",
        ),
        None => (
            "New saved list".to_owned(),
            "/lists/new".to_owned(),
            "/lists".to_owned(),
            "Save list",
        ),
    };
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &ListForm {
            l: Layout::for_viewer(heading.clone(), v, "/lists"),
            e,
            heading,
            action,
            cancel,
            name,
            version: version.map(|n| n.to_string()).unwrap_or_default(),
            rows,
            button: button.to_owned(),
        },
    )
}

pub async fn new_form(State(st): State<WebState>, v: Viewer) -> PageResult {
    let account = own_account(&v)?;
    let ship_tos = ship_tos(&st, &v.ctx, account).await?;
    let mut rows = Vec::new();
    blank_rows(&mut rows, &ship_tos, 5);
    Ok(form_page(&v, Errors::default(), None, None, String::new(), rows))
}

pub async fn create(State(st): State<WebState>, v: Viewer, Form(fields): Form<Vec<(String, String)>>) -> PageResult {
    let account = own_account(&v)?;
    let ship_tos = ship_tos(&st, &v.ctx, account).await?;
    let sent = read_form(&fields);
    let mut e = Errors::default();
    let (name, lines) = check(&mut e, &sent, &ship_tos);
    if e.is_empty() {
        let rows: Vec<usize> = lines.iter().map(|(i, _)| *i).collect();
        let input = NewSavedList {
            account_id: account,
            name: name.clone(),
            lines: lines.into_iter().map(|(_, l)| l).collect(),
        };
        let app = &st.app;
        match app.run(&v.ctx, || app.plan_create_saved_list(&v.ctx, &input)).await {
            Ok(saved) => return Ok(redirect(&format!("/lists/{}?saved=1", saved.value.id.0))),
            Err(err) => app_error(&mut e, err, &rows)?,
        }
    }
    let rows = rows_from_sent(&sent, &ship_tos);
    Ok(form_page(&v, e, None, None, sent.name.trim().to_owned(), rows))
}

async fn load_for_change(st: &WebState, v: &Viewer, id: &str) -> Result<Versioned<SavedList>, PageError> {
    if !v.ctx.principal.may(Action::OrderPlace) {
        return Err(PageError::Forbidden(
            "your role does not allow changing saved lists".into(),
        ));
    }
    Ok(st.app.saved_list(&v.ctx, list_id(id)?).await?)
}

pub async fn edit_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let list = load_for_change(&st, &v, &id).await?;
    let ship_tos = ship_tos(&st, &v.ctx, list.value.account_id).await?;
    let mut rows: Vec<RowForm> = list
        .value
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            RowForm::new(
                i,
                l.sku.clone(),
                l.quantity.get().to_string(),
                opts(&ship_tos, &l.ship_to.0.to_string()),
                true,
                false,
            )
        })
        .collect();
    blank_rows(&mut rows, &ship_tos, BLANK_ROWS);
    Ok(form_page(
        &v,
        Errors::default(),
        Some(&list.value),
        Some(list.version),
        list.value.name.clone(),
        rows,
    ))
}

pub async fn update(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let list = load_for_change(&st, &v, &id).await?;
    let ship_tos = ship_tos(&st, &v.ctx, list.value.account_id).await?;
    let sent = read_form(&fields);
    let mut e = Errors::default();
    let (name, lines) = check(&mut e, &sent, &ship_tos);
    if e.is_empty() {
        let rows: Vec<usize> = lines.iter().map(|(i, _)| *i).collect();
        let input = SavedListUpdate {
            name,
            lines: lines.into_iter().map(|(_, l)| l).collect(),
        };
        // The version the form was opened at: a change by someone else in between is refused.
        let mut ctx = v.ctx.clone();
        ctx.if_match = sent.version;
        let app = &st.app;
        match app
            .run(&ctx, || app.plan_update_saved_list(&ctx, list.value.id, &input))
            .await
        {
            Ok(saved) => return Ok(redirect(&format!("/lists/{}?saved=1", saved.value.id.0))),
            Err(err) => app_error(&mut e, err, &rows)?,
        }
    }
    let rows = rows_from_sent(&sent, &ship_tos);
    Ok(form_page(
        &v,
        e,
        Some(&list.value),
        sent.version.or(Some(list.version)),
        sent.name.trim().to_owned(),
        rows,
    ))
}

// ---------------------------------------------------------------------------------------------
// /lists/{id}/delete
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "list_delete.html")]
struct DeletePage {
    l: Layout,
    e: Errors,
    id: String,
    name: String,
    lines: usize,
    version: i64,
}

fn delete_page(v: &Viewer, e: Errors, list: &Versioned<SavedList>) -> axum::response::Response {
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &DeletePage {
            l: Layout::for_viewer(format!("Delete saved list {}", list.value.name), v, "/lists"),
            e,
            id: list.value.id.0.to_string(),
            name: list.value.name.clone(),
            lines: list.value.lines.len(),
            version: list.version,
        },
    )
}

pub async fn delete_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let list = load_for_change(&st, &v, &id).await?;
    Ok(delete_page(&v, Errors::default(), &list))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    version: String,
}

pub async fn delete(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<DeleteForm>,
) -> PageResult {
    let list = load_for_change(&st, &v, &id).await?;
    let mut ctx = v.ctx.clone();
    ctx.if_match = f.version.trim().parse().ok();
    let app = &st.app;
    match app.run(&ctx, || app.plan_delete_saved_list(&ctx, list.value.id)).await {
        Ok(_) => Ok(redirect("/lists?deleted=1")),
        Err(err) => {
            let mut e = Errors::default();
            let message = match err {
                AppError::Rejected(r) => r.message,
                AppError::PreconditionFailed(_) => {
                    "Someone else changed this list since you opened this page; check it again before deleting"
                        .to_owned()
                }
                other => return Err(other.into()),
            };
            e.add("confirm", message);
            let fresh = st.app.saved_list(&v.ctx, list.value.id).await?;
            Ok(delete_page(&v, e, &fresh))
        }
    }
}
