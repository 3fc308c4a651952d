//! Payment methods and autopay: the account's methods saved at the payment provider (added by
//! the id the provider's own page gave — card numbers never pass through here), removed, and
//! the standing instruction to pay what falls due with one of them.

use super::{Fields, field, money_field, money_value, own_account, refusal, status};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::pages::Opt;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_domain::ids::SavedMethodId;
use aftercart_domain::receivables::online::Autopay;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use uuid::Uuid;

pub const PAGE: &str = "/settings/payments";

pub struct MethodRow {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub expires: String,
    pub added: String,
    pub autopay: bool,
}

#[derive(Template)]
#[template(path = "payment_methods.html")]
struct MethodsPage {
    l: Layout,
    e: Errors,
    online: bool,
    notice: String,
    rows: Vec<MethodRow>,
    token: String,
    autopay_on: bool,
    autopay_methods: Vec<Opt>,
    days: String,
    max: String,
    currency: String,
}

async fn page(st: &WebState, v: &Viewer, e: Errors, f: Option<&Fields>, notice: &str) -> PageResult {
    let account = own_account(v)?;
    let acc = st.app.account(&v.ctx, account).await?.value;
    let b = st.app.account_billing(&v.ctx, account).await?.value;
    let auto = b.autopay.as_ref();
    let chosen = match f {
        Some(f) => field(f, "method").to_owned(),
        None => auto.map(|a| a.method_id.0.to_string()).unwrap_or_default(),
    };
    Ok(render(
        status(&e),
        &MethodsPage {
            l: Layout::for_viewer("Payment methods and autopay", v, "/pay"),
            online: st.app.payments.provider.is_some(),
            notice: notice.to_owned(),
            rows: b
                .methods
                .iter()
                .map(|m| MethodRow {
                    id: m.id.0.to_string(),
                    label: m.describe(),
                    kind: match m.kind {
                        aftercart_domain::receivables::online::MethodKind::Card => "Card".into(),
                        aftercart_domain::receivables::online::MethodKind::BankDebit => "Bank debit".into(),
                    },
                    expires: m.expires.map(|(mm, yy)| format!("{mm:02}/{yy}")).unwrap_or_default(),
                    added: format!("{} by {}", format::date(m.added_at.date()), m.added_by),
                    autopay: auto.is_some_and(|a| a.enabled && a.method_id == m.id),
                })
                .collect(),
            token: f.map(|f| field(f, "token").to_owned()).unwrap_or_default(),
            autopay_on: match f {
                Some(f) => !field(f, "enabled").is_empty(),
                None => auto.is_some_and(|a| a.enabled),
            },
            autopay_methods: b
                .methods
                .iter()
                .map(|m| Opt {
                    value: m.id.0.to_string(),
                    label: m.describe(),
                    selected: m.id.0.to_string() == chosen,
                })
                .collect(),
            days: match f {
                Some(f) => field(f, "days_before_due").to_owned(),
                None => auto.map_or("3".into(), |a| a.days_before_due.to_string()),
            },
            max: match f {
                Some(f) => field(f, "max_amount").to_owned(),
                None => auto.map(|a| money_value(a.max_amount)).unwrap_or_default(),
            },
            currency: acc.currency.code().to_owned(),
            e,
        },
    ))
}

/// `GET /settings/payments` (`?done=` names what was just saved).
pub async fn page_get(st: &WebState, v: &Viewer, raw: Option<&str>) -> PageResult {
    #[derive(serde::Deserialize, Default)]
    struct Q {
        #[serde(default)]
        done: String,
    }
    let q: Q = crate::pages::query(raw);
    let notice = match q.done.as_str() {
        "added" => "The payment method was saved.",
        "removed" => "The payment method was removed.",
        "autopay" => "Autopay was saved.",
        _ => "",
    };
    page(st, v, crate::form::Errors::default(), None, notice).await
}

pub async fn show(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    page_get(&st, &v, raw.as_deref()).await
}

/// `POST /settings/payments/methods`: saves a method by the provider's id for it.
pub async fn add(State(st): State<WebState>, v: Viewer, Form(f): Form<Fields>) -> PageResult {
    let account = own_account(&v)?;
    let mut e = Errors::default();
    let token = e.text(
        "token",
        "The payment method id",
        field(&f, "token"),
        TextKind::Ident,
        Some("Enter the payment method id the provider gave you, like pm_1Nx…"),
    );
    if !e.is_empty() {
        return page(&st, &v, e, Some(&f), "").await;
    }
    match st.app.add_payment_method(&v.ctx, account, &token).await {
        Ok(_) => Ok(redirect(&format!("{PAGE}?done=added"))),
        Err(err) => {
            let (at, m) = refusal(err, |_| "token".into())?;
            e.add(&at, m);
            page(&st, &v, e, Some(&f), "").await
        }
    }
}

/// `POST /settings/payments/methods/{id}/remove`.
pub async fn remove(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let account = own_account(&v)?;
    let id = Uuid::parse_str(&id)
        .map(SavedMethodId)
        .map_err(|_| PageError::NotFound)?;
    st.app.remove_payment_method(&v.ctx, account, id).await?;
    Ok(redirect(&format!("{PAGE}?done=removed")))
}

/// `POST /settings/payments/autopay`: on (with its method, window and maximum) or off.
pub async fn autopay(State(st): State<WebState>, v: Viewer, Form(f): Form<Fields>) -> PageResult {
    let account = own_account(&v)?;
    let acc = st.app.account(&v.ctx, account).await?.value;
    let b = st.app.account_billing(&v.ctx, account).await?.value;
    let mut e = Errors::default();
    let setting = if field(&f, "enabled").is_empty() {
        None
    } else {
        let offered: Vec<(SavedMethodId, String)> = b.methods.iter().map(|m| (m.id, m.describe())).collect();
        let method = e.choice(
            "method",
            field(&f, "method"),
            &offered,
            SavedMethodId,
            "Choose one of your saved methods",
        );
        if method.is_none() && e.get("method").is_none() {
            e.add("method", "Choose the method autopay pays with");
        }
        let days = match field(&f, "days_before_due").trim().parse::<u8>() {
            Ok(d) if d <= 30 => Some(d),
            _ => {
                e.add("days_before_due", "Enter a whole number of days from 0 to 30");
                None
            }
        };
        let max = money_field(
            &mut e,
            "max_amount",
            field(&f, "max_amount"),
            acc.currency,
            "The maximum",
        );
        if max.is_none() && e.get("max_amount").is_none() {
            e.add("max_amount", "Enter the most autopay may pay in one run");
        }
        match (method, days, max) {
            (Some(method_id), Some(days_before_due), Some(max_amount)) if e.is_empty() => Some(Autopay {
                method_id,
                days_before_due,
                max_amount,
                enabled: true,
            }),
            _ => return page(&st, &v, e, Some(&f), "").await,
        }
    };
    let ctx = &v.ctx;
    match st
        .app
        .run(ctx, || st.app.plan_set_autopay(ctx, account, setting.clone()))
        .await
    {
        Ok(_) => Ok(redirect(&format!("{PAGE}?done=autopay"))),
        Err(err) => {
            let (at, m) = refusal(err, |fl| match fl {
                "method_id" => "method".into(),
                "days_before_due" => "days_before_due".into(),
                _ => "max_amount".into(),
            })?;
            e.add(&at, m);
            page(&st, &v, e, Some(&f), "").await
        }
    }
}
