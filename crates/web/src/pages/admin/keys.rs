//! API keys: for the company's systems to use the API as one of its users. The secret is shown
//! once, when the key is made; only its first characters are kept to recognise it.

use super::users::all_users;
use super::{Done, Input, NAV, Select, own_account, path_id, refusal};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::pages::{Tag, query};
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{ApiKey, ListFilter, UserStatus};
use aftercart_domain::ids::UserId;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub owner: String,
    pub created: String,
    pub created_by: String,
    pub last_used: String,
    pub status: Tag,
    pub revoked: bool,
}

/// A key just made: its secret, shown once.
pub struct NewKey {
    pub name: String,
    pub owner: String,
    pub secret: String,
}

#[derive(Template)]
#[template(path = "admin/keys.html")]
struct KeysPage {
    l: Layout,
    e: Errors,
    notice: String,
    created: Option<NewKey>,
    rows: Vec<KeyRow>,
    name: Input,
    owner: Select,
}

async fn all_keys(st: &WebState, v: &Viewer) -> Result<Vec<ApiKey>, PageError> {
    let mut f = ListFilter {
        account_id: Some(own_account(v)?),
        limit: 500,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let p = st.app.list_api_keys(&v.ctx, &f).await?;
        out.extend(p.items.into_iter().map(|k| k.value));
        match p.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    out.sort_by_key(|k| std::cmp::Reverse(k.created_at));
    Ok(out)
}

#[derive(Deserialize, Default)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    owner: String,
}

async fn keys_page(
    st: &WebState,
    v: &Viewer,
    status: StatusCode,
    e: Errors,
    notice: &str,
    created: Option<NewKey>,
    form: &KeyForm,
) -> PageResult {
    let users = all_users(st, v).await?;
    let names: HashMap<UserId, String> = users.iter().map(|u| (u.value.id, u.value.name.clone())).collect();
    let rows = all_keys(st, v)
        .await?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id.to_string(),
            prefix: format!("{}…", k.prefix),
            owner: names.get(&k.user_id).cloned().unwrap_or_else(|| "A former user".into()),
            created: format::time(k.created_at),
            created_by: k.created_by.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            last_used: k.last_used_at.map(format::time).unwrap_or_else(|| "Never".into()),
            status: if k.revoked_at.is_some() {
                Tag {
                    word: "Revoked".into(),
                    class: "tag-grey",
                }
            } else {
                Tag {
                    word: "Active".into(),
                    class: "tag-green",
                }
            },
            revoked: k.revoked_at.is_some(),
            name: k.name,
        })
        .collect();
    let mut owners: Vec<(String, String)> = vec![(String::new(), "Choose a user".into())];
    owners.extend(users.iter().filter(|u| u.value.status == UserStatus::Active).map(|u| {
        (
            u.value.id.0.to_string(),
            format!("{} ({})", u.value.name, u.value.email),
        )
    }));
    Ok(render(
        status,
        &KeysPage {
            l: Layout::for_viewer("API keys", v, NAV),
            notice: notice.to_owned(),
            created,
            rows,
            name: Input::new(&e, "name", "Key name", &form.name)
                .hint("What uses it, like \"Coupa punchout\" or \"ERP nightly sync\"."),
            owner: Select::new(
                &e,
                "owner",
                "Acts as",
                "The key can do what this user may do, no more. You may make keys only for users whose rights are within your own (not for other account admins).",
                &owners,
                &form.owner,
            ),
            e,
        },
    ))
}

pub async fn list(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Done = query(raw.as_deref());
    let notice = match q.done.as_str() {
        "revoked" => "The key is revoked: nothing can use it any more.",
        _ => "",
    };
    keys_page(
        &st,
        &v,
        StatusCode::OK,
        Errors::default(),
        notice,
        None,
        &KeyForm::default(),
    )
    .await
}

pub async fn create(State(st): State<WebState>, v: Viewer, Form(f): Form<KeyForm>) -> PageResult {
    let mut e = Errors::default();
    let name = e.text(
        "name",
        "The key name",
        &f.name,
        TextKind::Name,
        Some("Enter a name for the key"),
    );
    let users = all_users(&st, &v).await?;
    let offered: Vec<(UserId, String)> = users
        .iter()
        .filter(|u| u.value.status == UserStatus::Active)
        .map(|u| (u.value.id, u.value.name.clone()))
        .collect();
    let owner = e.choice("owner", &f.owner, &offered, UserId, "Choose a user from the list");
    if owner.is_none() && e.get("owner").is_none() {
        e.add("owner", "Choose the user the key acts as");
    }
    let form = KeyForm {
        name: name.clone(),
        owner: f.owner.trim().to_owned(),
    };
    let Some(owner) = owner.filter(|_| e.is_empty()) else {
        return keys_page(&st, &v, StatusCode::UNPROCESSABLE_ENTITY, e, "", None, &form).await;
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_create_api_key(ctx, owner, &name)).await {
        Ok(k) => {
            let owner_name = offered
                .iter()
                .find(|(id, _)| *id == owner)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            let created = NewKey {
                name: k.key.name.clone(),
                owner: owner_name,
                secret: k.secret,
            };
            keys_page(
                &st,
                &v,
                StatusCode::OK,
                Errors::default(),
                "",
                Some(created),
                &KeyForm::default(),
            )
            .await
        }
        Err(err) => {
            refusal(
                &mut e,
                err,
                |f| match f {
                    "name" => Some("name"),
                    "user_id" => Some("owner"),
                    _ => None,
                },
                "owner",
            )?;
            keys_page(&st, &v, StatusCode::UNPROCESSABLE_ENTITY, e, "", None, &form).await
        }
    }
}

pub async fn revoke(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let (app, ctx) = (&st.app, &v.ctx);
    app.run(ctx, || app.plan_revoke_api_key(ctx, id)).await?;
    Ok(redirect("/admin/keys?done=revoked"))
}
