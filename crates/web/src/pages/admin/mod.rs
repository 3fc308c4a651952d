//! Company administration (a customer's account admin): users and their roles and location
//! scope, locations, API keys, the approval policy and budgets. The application layer decides
//! who may grant what (`Principal::covers`); its refusals are shown as form errors beside the
//! field they concern, never as a failure.

pub mod budgets;
pub mod keys;
pub mod locations;
pub mod notifications;
pub mod policy;
pub mod users;

use super::Opt;
use crate::WebState;
use crate::form::Errors;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::Viewer;
use aftercart_app::{Action, AppError};
use aftercart_domain::account::Account;
use aftercart_domain::ids::AccountId;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

/// The navigation item every admin page marks.
pub const NAV: &str = "/admin";

/// The viewer's own account (company administration is a customer's; the access table admits
/// customers only, so anyone else is refused here too).
pub fn own_account(v: &Viewer) -> Result<AccountId, PageError> {
    v.ctx
        .principal
        .own_account()
        .ok_or_else(|| PageError::Forbidden("company administration is for a customer's account admins".into()))
}

pub async fn account(st: &WebState, v: &Viewer) -> Result<Account, PageError> {
    let id = own_account(v)?;
    Ok(st.app.account(&v.ctx, id).await?.value)
}

/// Parses a record id from a path: a malformed one is the same 404 as a missing one.
pub fn path_id(raw: &str) -> Result<uuid::Uuid, PageError> {
    uuid::Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Turns an application refusal of a form into an error beside a field: `field` maps the
/// application's field path to the form's field id (`fallback` when it names none). Failures
/// that are not refusals (the store, a missing record) stay page errors.
pub fn refusal(
    e: &mut Errors,
    err: AppError,
    field: impl Fn(&str) -> Option<&'static str>,
    fallback: &str,
) -> Result<(), PageError> {
    match err {
        AppError::Rejected(r) => {
            let f = field(&r.field).unwrap_or(fallback);
            e.add(f, capitalise(&r.message));
            Ok(())
        }
        AppError::Forbidden(m) => {
            e.add(fallback, capitalise(&m));
            Ok(())
        }
        AppError::NotFound { field: Some(f), what } => {
            let id = field(&f).unwrap_or(fallback);
            e.add(id, format!("Choose a {what} from the list"));
            Ok(())
        }
        AppError::PreconditionFailed(_) | AppError::Conflict(_) => {
            e.add(
                fallback,
                "This was changed by someone else since you opened the page; check the values and save again",
            );
            Ok(())
        }
        other => Err(other.into()),
    }
}

/// A text input with its label, hint and error (rendered by `admin/input.html`).
#[derive(Debug, Clone)]
pub struct Input {
    pub id: String,
    pub label: String,
    pub value: String,
    pub error: String,
    pub hint: String,
    pub kind: &'static str,
    pub auto: &'static str,
    pub mode: &'static str,
    pub describedby: String,
}

impl Input {
    pub fn new(e: &Errors, id: &str, label: &str, value: &str) -> Input {
        Input {
            id: id.to_owned(),
            label: label.to_owned(),
            value: value.to_owned(),
            error: e.msg(id).to_owned(),
            hint: String::new(),
            kind: "text",
            auto: "off",
            mode: "",
            describedby: String::new(),
        }
        .described()
    }
    pub fn hint(mut self, h: &str) -> Input {
        self.hint = h.to_owned();
        self.described()
    }
    pub fn kind(mut self, k: &'static str) -> Input {
        self.kind = k;
        self
    }
    pub fn auto(mut self, a: &'static str) -> Input {
        self.auto = a;
        self
    }
    pub fn mode(mut self, m: &'static str) -> Input {
        self.mode = m;
        self
    }
    fn described(mut self) -> Input {
        self.describedby = describedby(&self.id, &self.hint, &self.error);
        self
    }
}

/// A `<select>` with its label, hint and error (rendered by `admin/select.html`).
#[derive(Debug, Clone)]
pub struct Select {
    pub id: String,
    pub label: String,
    pub error: String,
    pub hint: String,
    pub options: Vec<Opt>,
    pub describedby: String,
}

impl Select {
    pub fn new(e: &Errors, id: &str, label: &str, hint: &str, choices: &[(String, String)], chosen: &str) -> Select {
        let error = e.msg(id).to_owned();
        Select {
            id: id.to_owned(),
            label: label.to_owned(),
            describedby: describedby(id, hint, &error),
            error,
            hint: hint.to_owned(),
            options: choices
                .iter()
                .map(|(value, label)| Opt {
                    value: value.clone(),
                    label: label.clone(),
                    selected: value == chosen,
                })
                .collect(),
        }
    }
}

/// One checkbox or radio button of a [`Checks`] group.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub value: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

/// A group of checkboxes or radio buttons in a fieldset (rendered by `admin/checks.html`). The
/// first one carries the group's id, so the error summary's link lands on it.
#[derive(Debug, Clone)]
pub struct Checks {
    pub id: String,
    pub name: String,
    pub legend: String,
    pub hint: String,
    pub error: String,
    pub kind: &'static str,
    pub items: Vec<Check>,
    pub describedby: String,
}

impl Checks {
    /// `items`: (value, label, hint); `chosen`: the values checked.
    pub fn new(
        e: &Errors,
        id: &str,
        kind: &'static str,
        legend: &str,
        hint: &str,
        items: &[(String, String, String)],
        chosen: &[String],
    ) -> Checks {
        let error = e.msg(id).to_owned();
        Checks {
            id: id.to_owned(),
            name: id.to_owned(),
            legend: legend.to_owned(),
            describedby: describedby(id, hint, &error),
            hint: hint.to_owned(),
            error,
            kind,
            items: items
                .iter()
                .enumerate()
                .map(|(i, (value, label, hint))| Check {
                    id: if i == 0 { id.to_owned() } else { format!("{id}-{i}") },
                    value: value.clone(),
                    label: label.clone(),
                    hint: hint.clone(),
                    checked: chosen.iter().any(|c| c == value),
                })
                .collect(),
        }
    }
}

fn describedby(id: &str, hint: &str, error: &str) -> String {
    let mut v = Vec::new();
    if !hint.is_empty() {
        v.push(format!("{id}-hint"));
    }
    if !error.is_empty() {
        v.push(format!("{id}-error"));
    }
    v.join(" ")
}

/// A posted form's fields, in order (checkbox groups repeat a name).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// `?done=…` notices after a form's redirect.
#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

pub struct Section {
    pub href: &'static str,
    pub title: &'static str,
    pub about: &'static str,
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    l: Layout,
    company: String,
    sections: Vec<Section>,
}

/// `GET /admin`: the sections of company administration the viewer may use.
pub async fn index(State(st): State<WebState>, v: Viewer) -> PageResult {
    let a = account(&st, &v).await?;
    let p = &v.ctx.principal;
    let all = [
        (
            Action::UsersManage,
            "/admin/users",
            "Users",
            "Invite people, choose their roles and the locations they work with, deactivate those who left.",
        ),
        (
            Action::LocationsManage,
            "/admin/locations",
            "Locations",
            "Add ship-to and bill-to addresses and keep them up to date.",
        ),
        (
            Action::UsersManage,
            "/admin/keys",
            "API keys",
            "Keys for your systems (procurement, ERP) to use Aftercart's API as one of your users.",
        ),
        (
            Action::ApprovalRulesManage,
            "/admin/policy",
            "Approval policy",
            "Which orders need whose approval, and when approvers are reminded.",
        ),
        (
            Action::BudgetsManage,
            "/admin/budgets",
            "Budgets",
            "Budgets per cost centre, department, project or location, and what is left of them.",
        ),
        (
            Action::UsersManage,
            "/admin/notifications",
            "Notification defaults",
            "How everyone in the company hears about shipments, invoices and other milestones, unless they choose for themselves.",
        ),
        (
            Action::Integrations,
            "/admin/webhooks",
            "Webhooks",
            "Send your systems a signed HTTP call for every event, see what was delivered and send it again.",
        ),
    ];
    let sections = all
        .into_iter()
        .filter(|(a, ..)| p.may(*a))
        .map(|(_, href, title, about)| Section { href, title, about })
        .collect();
    Ok(render(
        StatusCode::OK,
        &IndexPage {
            l: Layout::for_viewer("Company administration", &v, NAV),
            company: a.name,
            sections,
        },
    ))
}
