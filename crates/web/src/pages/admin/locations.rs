//! The company's locations: ship-to and bill-to addresses.

use super::users::location_kind;
use super::{Done, Input, NAV, Select, account, path_id, refusal};
use crate::WebState;
use crate::form::Errors;
use crate::pages::query;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::NewLocation;
use aftercart_domain::account::{Account, Location, LocationKind, LocationPatch};
use aftercart_domain::ids::LocationId;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

pub struct LocationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub address: String,
}

#[derive(Template)]
#[template(path = "admin/locations.html")]
struct LocationsPage {
    l: Layout,
    notice: String,
    rows: Vec<LocationRow>,
}

fn address(l: &Location) -> String {
    [&l.address, &l.city, &l.postcode, &l.country]
        .into_iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn list(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Done = query(raw.as_deref());
    let a = account(&st, &v).await?;
    let rows = a
        .locations
        .iter()
        .filter(|l| v.ctx.principal.sees_location(l.id))
        .map(|l| LocationRow {
            id: l.id.0.to_string(),
            name: l.name.clone(),
            kind: location_kind(l.kind).to_owned(),
            address: address(l),
        })
        .collect();
    let notice = match q.done.as_str() {
        "added" => "The location is added.",
        "updated" => "The location is saved.",
        _ => "",
    };
    Ok(render(
        StatusCode::OK,
        &LocationsPage {
            l: Layout::for_viewer("Locations", &v, NAV),
            notice: notice.to_owned(),
            rows,
        },
    ))
}

#[derive(Deserialize, Default, Clone)]
pub struct LocationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    country: String,
}

impl LocationForm {
    fn of(l: &Location) -> LocationForm {
        LocationForm {
            name: l.name.clone(),
            kind: kind_value(l.kind).to_owned(),
            address: l.address.clone(),
            city: l.city.clone(),
            postcode: l.postcode.clone(),
            country: l.country.clone(),
        }
    }
}

fn kind_value(k: LocationKind) -> &'static str {
    match k {
        LocationKind::ShipTo => "ship_to",
        LocationKind::BillTo => "bill_to",
        LocationKind::Both => "both",
    }
}

#[derive(Template)]
#[template(path = "admin/location.html")]
struct LocationPage {
    l: Layout,
    e: Errors,
    action: String,
    button: &'static str,
    name: Input,
    kind: Select,
    address: Input,
    city: Input,
    postcode: Input,
    country: Input,
}

fn location_page(
    status: StatusCode,
    v: &Viewer,
    e: Errors,
    title: String,
    action: String,
    f: &LocationForm,
) -> Response {
    let kinds: Vec<(String, String)> = [
        ("", "Choose what the location is for"),
        ("ship_to", "Ship-to: receives deliveries"),
        ("bill_to", "Bill-to: receives invoices"),
        ("both", "Both: receives deliveries and invoices"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let adding = action.ends_with("/new");
    render(
        status,
        &LocationPage {
            l: Layout::for_viewer(title, v, NAV),
            action,
            button: if adding { "Add location" } else { "Save location" },
            name: Input::new(&e, "name", "Name", &f.name)
                .hint("How your people call it, like \"Clinic 4 – Harbour Road\"."),
            kind: Select::new(
                &e,
                "kind",
                "Used for",
                "A location that receives deliveries cannot stop receiving them (open orders may ship to it).",
                &kinds,
                &f.kind,
            ),
            address: Input::new(&e, "address", "Street address", &f.address).auto("street-address"),
            city: Input::new(&e, "city", "Town or city", &f.city).auto("address-level2"),
            postcode: Input::new(&e, "postcode", "Postcode or ZIP code", &f.postcode).auto("postal-code"),
            country: Input::new(&e, "country", "Country", &f.country).auto("country-name"),
            e,
        },
    )
}

/// Checks the form's fields; the trimmed values and the kind when all are good.
fn check(e: &mut Errors, f: &LocationForm) -> (LocationForm, Option<LocationKind>) {
    let name = e.text(
        "name",
        "The name",
        &f.name,
        TextKind::Name,
        Some("Enter the location's name"),
    );
    let kind = match f.kind.trim() {
        "ship_to" => Some(LocationKind::ShipTo),
        "bill_to" => Some(LocationKind::BillTo),
        "both" => Some(LocationKind::Both),
        "" => {
            e.add("kind", "Choose what the location is used for");
            None
        }
        _ => {
            e.add("kind", "Choose what the location is used for from the list");
            None
        }
    };
    let address = e.text("address", "The street address", &f.address, TextKind::Text, None);
    let city = e.text("city", "The town or city", &f.city, TextKind::Name, None);
    let postcode = e.text("postcode", "The postcode", &f.postcode, TextKind::Ident, None);
    let country = e.text("country", "The country", &f.country, TextKind::Name, None);
    (
        LocationForm {
            name,
            kind: f.kind.trim().to_owned(),
            address,
            city,
            postcode,
            country,
        },
        kind,
    )
}

fn location_field(f: &str) -> Option<&'static str> {
    Some(match f.rsplit('.').next().unwrap_or(f) {
        "name" => "name",
        "kind" => "kind",
        "address" => "address",
        "city" => "city",
        "postcode" => "postcode",
        "country" => "country",
        _ => return None,
    })
}

pub async fn new_form(v: Viewer) -> PageResult {
    Ok(location_page(
        StatusCode::OK,
        &v,
        Errors::default(),
        "Add a location".into(),
        "/admin/locations/new".into(),
        &LocationForm {
            kind: "ship_to".into(),
            ..Default::default()
        },
    ))
}

pub async fn create(State(st): State<WebState>, v: Viewer, Form(f): Form<LocationForm>) -> PageResult {
    let a = account(&st, &v).await?;
    let mut e = Errors::default();
    let (f, kind) = check(&mut e, &f);
    let again = |e: Errors, f: &LocationForm| {
        location_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            e,
            "Add a location".into(),
            "/admin/locations/new".into(),
            f,
        )
    };
    let (Some(kind), true) = (kind, e.is_empty()) else {
        return Ok(again(e, &f));
    };
    let input = NewLocation {
        kind,
        name: f.name.clone(),
        address: f.address.clone(),
        city: f.city.clone(),
        postcode: f.postcode.clone(),
        country: f.country.clone(),
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_add_location(ctx, a.id, &input)).await {
        Ok(_) => Ok(redirect("/admin/locations?done=added")),
        Err(err) => {
            refusal(&mut e, err, location_field, "name")?;
            Ok(again(e, &f))
        }
    }
}

/// A location of the viewer's account, within its scope (anything else is not found).
fn find(v: &Viewer, a: &Account, raw: &str) -> Result<Location, PageError> {
    let id = LocationId(path_id(raw)?);
    a.location(id)
        .filter(|l| v.ctx.principal.sees_location(l.id))
        .cloned()
        .ok_or(PageError::NotFound)
}

pub async fn edit_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let a = account(&st, &v).await?;
    let l = find(&v, &a, &id)?;
    Ok(location_page(
        StatusCode::OK,
        &v,
        Errors::default(),
        l.name.clone(),
        format!("/admin/locations/{}", l.id.0),
        &LocationForm::of(&l),
    ))
}

pub async fn edit(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<LocationForm>,
) -> PageResult {
    let a = account(&st, &v).await?;
    let l = find(&v, &a, &id)?;
    let mut e = Errors::default();
    let (f, kind) = check(&mut e, &f);
    let again = |e: Errors, f: &LocationForm| {
        location_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            e,
            l.name.clone(),
            format!("/admin/locations/{}", l.id.0),
            f,
        )
    };
    let (Some(kind), true) = (kind, e.is_empty()) else {
        return Ok(again(e, &f));
    };
    let patch = LocationPatch {
        kind: Some(kind),
        name: Some(f.name.clone()),
        address: Some(f.address.clone()),
        city: Some(f.city.clone()),
        postcode: Some(f.postcode.clone()),
        country: Some(f.country.clone()),
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_update_location(ctx, a.id, l.id, &patch)).await {
        Ok(_) => Ok(redirect("/admin/locations?done=updated")),
        Err(err) => {
            refusal(&mut e, err, location_field, "name")?;
            Ok(again(e, &f))
        }
    }
}
