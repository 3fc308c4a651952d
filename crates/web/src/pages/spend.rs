//! Budgets and spend: the account's budgets with what is committed, invoiced and left, and
//! spend charts by location, cost centre, category and month (SVG drawn on the server, each with
//! the same numbers as a table beside it), for a period and on what was ordered or invoiced.

use super::approvals::budget_name;
use super::{Opt, Tag, parse_date, query};
use crate::WebState;
use crate::charts::{Bar, bar_chart};
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::Viewer;
use aftercart_app::{AppError, SpendBasis, SpendGroup, SpendReport};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct SpendQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    basis: String,
}

pub struct BudgetRow {
    pub name: String,
    pub period: String,
    pub amount: String,
    pub committed: String,
    pub invoiced: String,
    pub remaining: String,
    pub status: Tag,
}

pub struct SpendLine {
    pub label: String,
    pub amount: String,
    pub count: usize,
}

pub struct Chart {
    pub id: &'static str,
    pub heading: &'static str,
    /// The column header of the groups ("Location", "Cost centre", …).
    pub column: &'static str,
    pub svg: String,
    pub rows: Vec<SpendLine>,
    pub total: String,
    pub count_label: &'static str,
}

#[derive(Template)]
#[template(path = "spend.html")]
struct SpendPage {
    l: Layout,
    e: Errors,
    from: String,
    to: String,
    bases: Vec<Opt>,
    period: String,
    basis_words: &'static str,
    budgets: Vec<BudgetRow>,
    charts: Vec<Chart>,
}

const GROUPS: [(SpendGroup, &str, &str, &str); 4] = [
    (
        SpendGroup::Location,
        "spend-location",
        "Spend by ship-to location",
        "Location",
    ),
    (
        SpendGroup::CostCentre,
        "spend-cost-centre",
        "Spend by cost centre",
        "Cost centre",
    ),
    (SpendGroup::Category, "spend-category", "Spend by category", "Category"),
    (SpendGroup::Month, "spend-month", "Spend by month", "Month"),
];

fn chart(id: &'static str, heading: &'static str, column: &'static str, r: &SpendReport, period: &str) -> Chart {
    let (basis, count_label) = match r.basis {
        SpendBasis::Ordered => ("Ordered", "Orders"),
        SpendBasis::Invoiced => ("Invoiced", "Invoices"),
    };
    let bars: Vec<Bar> = r
        .groups
        .iter()
        .map(|g| Bar {
            label: g.label.clone(),
            value: g.amount.minor(),
            display: format::money(g.amount),
        })
        .collect();
    let desc = match r.groups.first() {
        None => format!("{basis} spend, {period}: nothing."),
        Some(_) => {
            let top = r
                .groups
                .iter()
                .max_by_key(|g| g.amount.minor())
                .map(|g| format!("; the largest is {} with {}", g.label, format::money(g.amount)))
                .unwrap_or_default();
            format!(
                "{basis} spend, {period}: {} in total across {} groups{top}. The table beside the chart has every figure.",
                format::money(r.total),
                r.groups.len()
            )
        }
    };
    Chart {
        id,
        heading,
        column,
        svg: bar_chart(id, &format!("{heading} ({})", basis.to_lowercase()), &desc, &bars),
        rows: r
            .groups
            .iter()
            .map(|g| SpendLine {
                label: g.label.clone(),
                amount: format::money(g.amount),
                count: g.count,
            })
            .collect(),
        total: format::money(r.total),
        count_label,
    }
}

pub async fn spend(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: SpendQuery = query(raw.as_deref());
    let ctx = &v.ctx;
    let account_id = ctx.principal.own_account().ok_or(PageError::NotFound)?;
    let account = st.app.account(ctx, account_id).await?.value;
    let mut e = Errors::default();
    let from = parse_date(&mut e, "from", "The from date", &q.from);
    let to = parse_date(&mut e, "to", "The to date", &q.to);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.add("to", "The to date must be the same as or after the from date");
    }
    let basis = match q.basis.trim() {
        "" | "ordered" => SpendBasis::Ordered,
        "invoiced" => SpendBasis::Invoiced,
        _ => {
            e.add("basis", "Choose ordered or invoiced spend from the list");
            SpendBasis::Ordered
        }
    };

    // A location-scoped user gets only their locations' budgets (the app's rule).
    let mut answers = st.app.budgets(ctx, account_id).await?;
    answers.sort_by(|a, b| {
        b.budget
            .starts_on
            .cmp(&a.budget.starts_on)
            .then_with(|| budget_name(&a.budget, &account).cmp(&budget_name(&b.budget, &account)))
    });
    let budgets = answers
        .iter()
        .map(|a| {
            let u = &a.usage;
            BudgetRow {
                name: budget_name(&a.budget, &account),
                period: format!(
                    "{} to {}",
                    format::date(a.budget.starts_on),
                    format::date(a.budget.ends_on())
                ),
                amount: format::money(a.budget.amount),
                committed: format::money(u.committed),
                invoiced: format::money(u.invoiced),
                remaining: format::money(u.remaining),
                status: if u.over {
                    Tag {
                        word: format!("Over budget by {}", format::money(u.remaining.negate())),
                        class: "tag-red",
                    }
                } else {
                    Tag {
                        word: "Within budget".into(),
                        class: "tag-green",
                    }
                },
            }
        })
        .collect();

    let period = match (from, to) {
        (Some(f), Some(t)) => format!("{} to {}", format::date(f), format::date(t)),
        (Some(f), None) => format!("from {}", format::date(f)),
        (None, Some(t)) => format!("up to {}", format::date(t)),
        (None, None) => "all dates".to_owned(),
    };
    let mut charts = Vec::new();
    if e.is_empty() {
        for (group, id, heading, column) in GROUPS {
            match st.app.spend(ctx, account_id, group, from, to, basis).await {
                Ok(r) => charts.push(chart(id, heading, column, &r, &period)),
                Err(AppError::Rejected(r)) => {
                    e.add(
                        if r.field == "from" { "from" } else { "to" },
                        super::auth::capitalise(&r.message),
                    );
                    charts.clear();
                    break;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
    let chosen = match basis {
        SpendBasis::Ordered => "ordered",
        SpendBasis::Invoiced => "invoiced",
    };
    let bases = [("ordered", "What was ordered"), ("invoiced", "What was invoiced")]
        .iter()
        .map(|(v, l)| Opt {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
            selected: *v == chosen,
        })
        .collect();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &SpendPage {
            l: Layout::for_viewer("Budgets and spend", &v, "/spend"),
            e,
            from: q.from.trim().to_owned(),
            to: q.to.trim().to_owned(),
            bases,
            period,
            basis_words: match basis {
                SpendBasis::Ordered => "ordered (by the date each order was placed; tax and freight left out)",
                SpendBasis::Invoiced => "invoiced (by each invoice's issue date; tax and freight left out)",
            },
            budgets,
            charts,
        },
    ))
}
