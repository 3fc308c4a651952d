//! Post-delivery help: a product's setup guide and care instructions, and the signed link the
//! help email points at. The link records who opened the help (no tracking pixels: a click is
//! a click) and then shows the page; a link that is not ours is the 404 page.

use super::admin::path_id;
use crate::WebState;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{MaybeViewer, Viewer, redirect};
use aftercart_domain::ids::ProductId;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;

#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage {
    l: Layout,
    sku: String,
    setup: Vec<String>,
    care: Vec<String>,
}

/// Paragraphs of a guide as written (blank lines between them).
fn paragraphs(text: Option<&str>) -> Vec<String> {
    text.unwrap_or("")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `GET /help/{id}`: the guides of one product, for anyone signed in who sees the catalogue.
pub async fn page(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    let p = st.app.product(&v.ctx, ProductId(id)).await?.value;
    if p.setup_guide.is_none() && p.care_instructions.is_none() {
        return Err(PageError::NotFound);
    }
    let title = format!("Getting started with {}", p.name);
    Ok(render(
        StatusCode::OK,
        &HelpPage {
            l: Layout::for_viewer(&title, &v, ""),
            sku: p.sku.clone(),
            setup: paragraphs(p.setup_guide.as_deref()),
            care: paragraphs(p.care_instructions.as_deref()),
        },
    ))
}

/// `GET /h/{token}`: the help email's link. Records the click, then shows the guide (after
/// sign-in, if needed: the portal's usual redirect).
pub async fn link(
    State(st): State<WebState>,
    _mv: MaybeViewer,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    if token.len() > 600 {
        return Err(PageError::NotFound);
    }
    let product = st.app.record_help_click(&token).await?.ok_or(PageError::NotFound)?;
    let care = raw.as_deref().is_some_and(|q| q.split('&').any(|kv| kv == "part=care"));
    let to = format!("/help/{}{}", product.0, if care { "#care" } else { "" });
    Ok(redirect(&to))
}
