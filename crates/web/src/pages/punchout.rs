//! The punchout catalogue: a buyer sent here by their procurement system (cXML or SAP OCI)
//! builds a cart at their account's prices and takes it back.
//!
//! There is no sign-in: the session's token in the path is the key (it came in the
//! `PunchOutSetupResponse` or the OCI redirect, lives two hours, and opens nothing else). The
//! pages' forms post back here only (same-origin checked); the last one posts the cart to the
//! procurement system, under that page's own Content-Security-Policy.

use super::auth::same_origin;
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use aftercart_app::{AppError, OciStart, PunchoutProduct};
use aftercart_domain::Qty;
use aftercart_domain::ids::ProductId;
use aftercart_domain::procurement::{Operation, Protocol};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The most a cart line may hold (a typo guard, not a stock rule).
const MAX_QTY: u32 = 1_000_000;

pub struct Row {
    pub product_id: String,
    /// The quantity field's id (`qty-<product>`), where its error goes.
    pub field: String,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price: String,
    pub in_cart: String,
}

pub struct CartRow {
    pub sku: String,
    pub name: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "punchout.html")]
struct CataloguePage {
    l: Layout,
    e: Errors,
    token: String,
    /// "cXML" or "SAP OCI", for the return button's words.
    system: &'static str,
    read_only: bool,
    q: String,
    /// The catalogue is narrowed (to a search or one product).
    narrowed: bool,
    rows: Vec<Row>,
    cart: Vec<CartRow>,
    total: String,
    expires: String,
}

#[derive(Deserialize, Default)]
pub struct CatalogueQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sku: String,
}

async fn page(st: &WebState, token: &str, q: &CatalogueQuery, status: StatusCode, e: Errors) -> PageResult {
    let (s, products) = st
        .app
        .punchout_catalog(token, Some(q.sku.as_str()), Some(q.q.as_str()))
        .await?;
    let s = s.value;
    let rows = products.iter().map(row).collect();
    let cart = s
        .cart
        .iter()
        .map(|l| CartRow {
            sku: l.sku.clone(),
            name: l.description.clone(),
            quantity: format::qty(l.quantity),
            unit_price: format::money(l.unit_price),
            amount: format::money(l.unit_price.times(l.quantity.get())),
        })
        .collect();
    let p = CataloguePage {
        l: Layout::public("Punchout catalogue"),
        e,
        token: token.to_owned(),
        system: match s.protocol {
            Protocol::Cxml => "procurement system",
            Protocol::Oci => "SAP system",
        },
        read_only: s.operation == Operation::Inspect,
        q: q.q.clone(),
        narrowed: !q.q.trim().is_empty() || !q.sku.trim().is_empty(),
        rows,
        cart,
        total: s.total().map(format::money).unwrap_or_else(|| "nothing yet".into()),
        expires: format::time(s.expires_at),
    };
    Ok(render(status, &p))
}

fn row(p: &PunchoutProduct) -> Row {
    Row {
        product_id: p.product.id.to_string(),
        field: format!("qty-{}", p.product.id),
        sku: p.product.sku.clone(),
        name: p.product.name.clone(),
        category: p.product.category.clone(),
        price: format::money(p.price),
        in_cart: if p.in_cart.is_zero() {
            String::new()
        } else {
            p.in_cart.get().to_string()
        },
    }
}

pub async fn catalogue(
    State(st): State<WebState>,
    Path(token): Path<String>,
    Query(q): Query<CatalogueQuery>,
) -> PageResult {
    page(&st, &token, &q, StatusCode::OK, Errors::default()).await
}

#[derive(Deserialize)]
pub struct LineForm {
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    q: String,
}

/// Sets one product's quantity in the cart (0 or empty removes it).
pub async fn set_line(
    State(st): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<LineForm>,
) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden("the form must be sent from this site".into()));
    }
    let product = uuid::Uuid::parse_str(f.product_id.trim())
        .map(ProductId)
        .map_err(|_| PageError::NotFound)?;
    let field = format!("qty-{product}");
    let q = CatalogueQuery {
        q: f.q.clone(),
        sku: String::new(),
    };
    let mut e = Errors::default();
    let raw = f.quantity.trim();
    let quantity = if raw.is_empty() {
        Some(0)
    } else {
        match raw.parse::<u32>() {
            Ok(n) if n <= MAX_QTY => Some(n),
            Ok(_) => {
                e.add(
                    &field,
                    format!("Enter a quantity of at most {}", format::thousands(MAX_QTY.into())),
                );
                None
            }
            Err(_) => {
                e.add(&field, "Enter the quantity as a whole number, like 12 (0 removes it)");
                None
            }
        }
    };
    let Some(quantity) = quantity else {
        return page(&st, &token, &q, StatusCode::UNPROCESSABLE_ENTITY, e).await;
    };
    match st.app.punchout_set_line(&token, product, Qty::new(quantity)).await {
        Ok(_) => {}
        Err(AppError::Rejected(r)) => {
            e.add(&field, r.message.clone());
            return page(&st, &token, &q, StatusCode::UNPROCESSABLE_ENTITY, e).await;
        }
        Err(AppError::Conflict(m)) => {
            e.add(&field, m);
            return page(&st, &token, &q, StatusCode::CONFLICT, e).await;
        }
        Err(err) => return Err(err.into()),
    }
    let back = if f.q.trim().is_empty() {
        format!("/punchout/{token}#cart")
    } else {
        format!("/punchout/{token}?q={}#cart", urlencode(f.q.trim()))
    };
    Ok(Redirect::to(&back).into_response())
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Ends the session: the page that posts the cart to the procurement system.
pub async fn return_cart(State(st): State<WebState>, headers: HeaderMap, Path(token): Path<String>) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden("the form must be sent from this site".into()));
    }
    match st.app.punchout_return(&token).await {
        Ok(r) => auto_post(&r),
        Err(AppError::Rejected(r)) => {
            let mut e = Errors::default();
            e.add("return", r.message.clone());
            page(
                &st,
                &token,
                &CatalogueQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                e,
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
}

fn auto_post(r: &aftercart_app::CartReturn) -> PageResult {
    let html = r.html().map_err(PageError::from)?;
    let mut res = (StatusCode::OK, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&r.csp()) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "punchout_refused.html")]
struct RefusedPage {
    l: Layout,
    heading: String,
    message: String,
}

fn refused(status: StatusCode, heading: &str, message: String) -> Response {
    render(
        status,
        &RefusedPage {
            l: Layout::public(heading),
            heading: heading.into(),
            message,
        },
    )
}

/// The SAP OCI inbound call: a GET with the fields in the query, or a form POST from the SRM's
/// page (cross-site by nature: the credentials, not the origin, authenticate it).
pub async fn oci_entry(
    State(st): State<WebState>,
    method: Method,
    RawQuery(query): RawQuery,
    RawForm(body): RawForm,
) -> PageResult {
    let raw = if method == Method::POST {
        String::from_utf8_lossy(&body).into_owned()
    } else {
        query.unwrap_or_default()
    };
    let fields: Vec<(String, String)> = form_urlencoded(&raw);
    match st.app.oci_punchout_setup(&fields).await? {
        OciStart::Redirect(url) => Ok(Redirect::to(&url).into_response()),
        OciStart::Return(r) => auto_post(&r),
        OciStart::Unauthorized => Ok(refused(
            StatusCode::UNAUTHORIZED,
            "The catalogue could not be opened",
            "Your SAP system's user name or password for this catalogue was not accepted. Ask your \
             procurement administrator to check the catalogue's settings."
                .into(),
        )),
        OciStart::Invalid { field, reason } => Ok(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The catalogue call is incomplete",
            format!("{field}: {reason}. Ask your procurement administrator to check the catalogue's settings."),
        )),
    }
}

/// `a=1&b=x+y` → pairs, percent-decoded; an undecodable call has no fields (and is refused
/// for its missing HOOK_URL).
fn form_urlencoded(raw: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw).unwrap_or_default()
}
