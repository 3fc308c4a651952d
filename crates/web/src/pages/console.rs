//! The service console's landing page: every customer account, with a way into its records.

use crate::WebState;
use crate::format;
use crate::render::{Layout, PageResult, render};
use crate::session::Viewer;
use aftercart_app::ListFilter;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

pub struct AccountRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub locations: usize,
    pub credit_limit: String,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    l: Layout,
    e: crate::form::Errors,
    q: String,
    rows: Vec<AccountRow>,
}

pub async fn console(State(st): State<WebState>, v: Viewer) -> PageResult {
    let mut rows = Vec::new();
    let mut f = ListFilter {
        limit: 500,
        ..Default::default()
    };
    loop {
        let p = st.app.list_accounts(&v.ctx, &f).await?;
        rows.extend(p.items.into_iter().map(|a| AccountRow {
            id: a.value.id.0.to_string(),
            number: a.value.number.clone(),
            name: a.value.name.clone(),
            locations: a.value.locations.len(),
            credit_limit: format::money(a.value.credit_limit),
        }));
        match p.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(render(
        StatusCode::OK,
        &ConsolePage {
            l: Layout::for_viewer("Customers", &v, "/console"),
            e: crate::form::Errors::default(),
            q: String::new(),
            rows,
        },
    ))
}
