//! Company notification defaults (a customer's account admin): which channels each milestone
//! uses for everyone in the company who has not chosen for themselves. A milestone the company
//! has not set follows each person's roles.

use super::{Done, Fields, NAV, own_account, refusal};
use crate::WebState;
use crate::form::Errors;
use crate::pages::notifications::{PrefRow, TableState, cells_in, changed, channel_label, rows, ticked_of};
use crate::pages::query;
use crate::render::{Layout, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::notify::PrefsInput;
use aftercart_domain::notification::{Channel, Interests, MilestoneKind, Preferences};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use std::collections::BTreeSet;

pub const PATH: &str = "/admin/notifications";

#[derive(Template)]
#[template(path = "admin/notifications.html")]
struct DefaultsPage {
    l: Layout,
    e: Errors,
    notice: String,
    rows: Vec<PrefRow>,
    channels: Vec<&'static str>,
}

/// What a milestone the company has not set shows: the channels the roles that care about it
/// get (every role default is "in the portal and by email", or nothing).
fn role_defaults() -> Preferences {
    Preferences::defaults(Interests {
        orders: true,
        billing: true,
        approvals: true,
    })
}

async fn page(
    st: &WebState,
    v: &Viewer,
    status: StatusCode,
    e: Errors,
    notice: &str,
    sent: Option<(BTreeSet<String>, BTreeSet<String>)>,
) -> PageResult {
    let account = own_account(v)?;
    let company = st.app.account_notification_defaults(&v.ctx, account).await?;
    let set: BTreeSet<MilestoneKind> = company.channels.keys().copied().collect();
    let shown_now = ticked_of(&company.over(&role_defaults()));
    let (ticked, shown) = sent.unwrap_or_else(|| (shown_now.clone(), shown_now));
    let state = TableState {
        ticked,
        shown,
        source: Box::new(move |k| {
            if set.contains(&k) {
                "Company default".into()
            } else {
                "Each role's default".into()
            }
        }),
    };
    Ok(render(
        status,
        &DefaultsPage {
            l: Layout::for_viewer("Notification defaults", v, NAV),
            e,
            notice: notice.to_owned(),
            rows: rows(&state),
            channels: Channel::ALL.into_iter().map(channel_label).collect(),
        },
    ))
}

pub async fn form(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Done = query(raw.as_deref());
    let notice = match q.done.as_str() {
        "saved" => "The company's notification defaults are saved.",
        _ => "",
    };
    page(&st, &v, StatusCode::OK, Errors::default(), notice, None).await
}

pub async fn save(
    State(st): State<WebState>,
    v: Viewer,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(f);
    let account = own_account(&v)?;
    let ticked = cells_in(&f, "channel");
    let shown = cells_in(&f, "shown");
    let channels = changed(&ticked, &shown);
    if channels.is_empty() {
        return Ok(redirect(&format!("{PATH}?done=saved")));
    }
    let input = PrefsInput {
        channels,
        ..PrefsInput::default()
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app
        .run(ctx, || app.plan_set_account_defaults(ctx, account, &input))
        .await
    {
        Ok(_) => Ok(redirect(&format!("{PATH}?done=saved"))),
        Err(err) => {
            let mut e = Errors::default();
            refusal(&mut e, err, |_| None, "prefs")?;
            page(&st, &v, StatusCode::UNPROCESSABLE_ENTITY, e, "", Some((ticked, shown))).await
        }
    }
}
