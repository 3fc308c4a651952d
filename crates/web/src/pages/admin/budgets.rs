//! Budgets: per cost centre, department, project or ship-to location and period, with what
//! approved orders have committed and invoices have used of them.

use super::{Done, Input, NAV, Select, account, refusal};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::pages::{Tag, parse_date, query};
use crate::render::{Layout, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_domain::account::Account;
use aftercart_domain::budget::{BudgetDimension, NewBudget, Period};
use aftercart_domain::ids::{BudgetId, LocationId};
use aftercart_domain::money::Money;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

pub struct BudgetRow {
    pub label: String,
    pub period: String,
    pub amount: String,
    pub committed: String,
    pub invoiced: String,
    pub remaining: String,
    pub status: Tag,
}

#[derive(Deserialize, Default, Clone)]
pub struct BudgetForm {
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    amount: String,
}

#[derive(Template)]
#[template(path = "admin/budgets.html")]
struct BudgetsPage {
    l: Layout,
    e: Errors,
    notice: String,
    rows: Vec<BudgetRow>,
    dimension: Select,
    code: Input,
    location: Select,
    period: Select,
    starts_on: Input,
    amount: Input,
}

fn dimension_words(d: &BudgetDimension, a: &Account) -> String {
    match d {
        BudgetDimension::CostCentre(c) => format!("Cost centre {}", c.trim()),
        BudgetDimension::Department(c) => format!("Department {}", c.trim()),
        BudgetDimension::Project(c) => format!("Project {}", c.trim()),
        BudgetDimension::Location(id) => format!(
            "Location {}",
            a.location(*id).map(|l| l.name.as_str()).unwrap_or("(removed)")
        ),
    }
}

/// Ship-to locations within the viewer's scope (a budget counts lines shipping there).
fn ship_tos(v: &Viewer, a: &Account) -> Vec<(LocationId, String)> {
    a.locations
        .iter()
        .filter(|l| l.kind.can_receive() && v.ctx.principal.sees_location(l.id))
        .map(|l| (l.id, l.name.clone()))
        .collect()
}

async fn budgets_page(
    st: &WebState,
    v: &Viewer,
    a: &Account,
    status: StatusCode,
    e: Errors,
    notice: &str,
    f: &BudgetForm,
) -> PageResult {
    let answers = st.app.budgets(&v.ctx, a.id).await?;
    let mut rows: Vec<(time::Date, BudgetRow)> = answers
        .into_iter()
        .filter(|b| match b.budget.dimension {
            BudgetDimension::Location(l) => v.ctx.principal.sees_location(l),
            _ => true,
        })
        .map(|b| {
            let u = b.usage;
            (
                b.budget.starts_on,
                BudgetRow {
                    label: dimension_words(&b.budget.dimension, a),
                    period: b.budget.period_label(),
                    amount: format::money(b.budget.amount),
                    committed: format::money(u.committed),
                    invoiced: format::money(u.invoiced),
                    remaining: format::money(u.remaining),
                    status: if u.over {
                        Tag {
                            word: "Over budget".into(),
                            class: "tag-red",
                        }
                    } else {
                        Tag {
                            word: "Within budget".into(),
                            class: "tag-green",
                        }
                    },
                },
            )
        })
        .collect();
    rows.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.label.cmp(&y.1.label)));
    let dims: Vec<(String, String)> = [
        ("cost_centre", "A cost centre"),
        ("department", "A department"),
        ("project", "A project"),
        ("location", "A ship-to location"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let mut locs = vec![(String::new(), "Choose a location".to_owned())];
    locs.extend(ship_tos(v, a).into_iter().map(|(id, n)| (id.0.to_string(), n)));
    let periods: Vec<(String, String)> = [("month", "A month"), ("quarter", "A quarter"), ("year", "A year")]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    Ok(render(
        status,
        &BudgetsPage {
            l: Layout::for_viewer("Budgets", v, NAV),
            notice: notice.to_owned(),
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            dimension: Select::new(&e, "dimension", "Budget for", "", &dims, &f.dimension),
            code: Input::new(&e, "code", "Cost centre, department or project", &f.code).hint(
                "As order lines are charged to it. Department and project budgets count lines charged to dept:<name> or proj:<code>.",
            ),
            location: Select::new(&e, "location", "Location", "For a location budget: lines shipping there count.", &locs, &f.location),
            period: Select::new(&e, "period", "Period", "", &periods, &f.period),
            starts_on: Input::new(&e, "starts_on", "Starts on", &f.starts_on)
                .kind("date")
                .hint("The first day of the period: the 1st of a month, a quarter's first day, or January 1."),
            amount: Input::new(&e, "amount", &format!("Amount ({})", a.currency.code()), &f.amount)
                .mode("decimal")
                .hint("For example 25000.00"),
            e,
        },
    ))
}

fn first_of_month(d: time::Date) -> String {
    d.replace_day(1).unwrap_or(d).to_string()
}

pub async fn list(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Done = query(raw.as_deref());
    let a = account(&st, &v).await?;
    let notice = if q.done == "created" {
        "The budget is created."
    } else {
        ""
    };
    let f = BudgetForm {
        dimension: "cost_centre".into(),
        period: "month".into(),
        starts_on: first_of_month(st.app.clock.now().date()),
        ..Default::default()
    };
    budgets_page(&st, &v, &a, StatusCode::OK, Errors::default(), notice, &f).await
}

pub async fn create(
    State(st): State<WebState>,
    v: Viewer,
    Form(f): Form<BudgetForm>,
) -> Result<Response, crate::render::PageError> {
    let a = account(&st, &v).await?;
    let mut e = Errors::default();
    let dimension = match f.dimension.trim() {
        d @ ("cost_centre" | "department" | "project") => {
            let code = e.text(
                "code",
                "The cost centre, department or project",
                &f.code,
                TextKind::Ident,
                Some("Enter the cost centre, department or project"),
            );
            match d {
                _ if code.is_empty() => None,
                "cost_centre" => Some(BudgetDimension::CostCentre(code)),
                "department" => Some(BudgetDimension::Department(code)),
                _ => Some(BudgetDimension::Project(code)),
            }
        }
        "location" => {
            let l = e.choice(
                "location",
                &f.location,
                &ship_tos(&v, &a),
                LocationId,
                "Choose a location from the list",
            );
            if l.is_none() && e.get("location").is_none() {
                e.add("location", "Choose the location the budget is for");
            }
            l.map(BudgetDimension::Location)
        }
        _ => {
            e.add("dimension", "Choose what the budget is for from the list");
            None
        }
    };
    let period = match f.period.trim() {
        "month" => Some(Period::Month),
        "quarter" => Some(Period::Quarter),
        "year" => Some(Period::Year),
        _ => {
            e.add("period", "Choose the budget's period from the list");
            None
        }
    };
    let starts_on = parse_date(&mut e, "starts_on", "The start date", &f.starts_on);
    if f.starts_on.trim().is_empty() {
        e.add("starts_on", "Enter the first day of the budget's period");
    }
    let amount = match f.amount.trim() {
        "" => {
            e.add("amount", "Enter the budget's amount");
            None
        }
        s => match Money::parse(s, a.currency, "amount") {
            Ok(m) if m.is_positive() => Some(m),
            Ok(_) => {
                e.add("amount", "The amount must be greater than zero");
                None
            }
            Err(_) => {
                e.add(
                    "amount",
                    format!("Enter the amount in {} as a number, like 25000.00", a.currency.code()),
                );
                None
            }
        },
    };
    let (Some(dimension), Some(period), Some(starts_on), Some(amount), true) =
        (dimension, period, starts_on, amount, e.is_empty())
    else {
        return budgets_page(&st, &v, &a, StatusCode::UNPROCESSABLE_ENTITY, e, "", &f).await;
    };
    let kind = f.dimension.trim().to_owned();
    let new = NewBudget {
        id: BudgetId(uuid::Uuid::nil()),
        dimension,
        period,
        starts_on,
        amount,
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_create_budget(ctx, a.id, new.clone())).await {
        Ok(_) => Ok(redirect("/admin/budgets?done=created")),
        Err(err) => {
            let dim_field = if kind == "location" { "location" } else { "code" };
            refusal(
                &mut e,
                err,
                |field| match field {
                    "dimension" => Some(if dim_field == "location" { "location" } else { "code" }),
                    "starts_on" => Some("starts_on"),
                    "amount" | "amount.currency" => Some("amount"),
                    _ => None,
                },
                "dimension",
            )?;
            budgets_page(&st, &v, &a, StatusCode::UNPROCESSABLE_ENTITY, e, "", &f).await
        }
    }
}
