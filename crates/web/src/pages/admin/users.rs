//! Users of the company: the list, invitations (the one-time link is shown to the admin until
//! email delivery arrives), roles and location scope, deactivation.

use super::{Checks, Done, Fields, Input, NAV, account, own_account, path_id, refusal};
use crate::WebState;
use crate::form::Errors;
use crate::pages::{Tag, query};
use crate::render::{Layout, PageError, PageResult, customer_role, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{
    CustomerRole, Invitation, ListFilter, LocationScope, NewUser, User, UserKind, UserPatch, UserStatus, Versioned,
};
use aftercart_domain::account::{Account, LocationKind};
use aftercart_domain::ids::{LocationId, UserId};
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;

/// The customer roles, as the form offers them: (role, form value, hint).
pub const ROLES: [(CustomerRole, &str, &str); 5] = [
    (
        CustomerRole::AccountAdmin,
        "account_admin",
        "manages users, locations, API keys, approval rules and budgets; also orders, approves and pays",
    ),
    (CustomerRole::Buyer, "buyer", "places orders and records deliveries"),
    (
        CustomerRole::Approver,
        "approver",
        "approves or rejects orders; sees invoices and spend",
    ),
    (CustomerRole::Finance, "finance", "sees and pays invoices; sees spend"),
    (CustomerRole::Viewer, "viewer", "sees orders and invoices"),
];

pub fn role_value(r: CustomerRole) -> &'static str {
    ROLES.iter().find(|(x, ..)| *x == r).map(|(_, v, _)| *v).unwrap_or("")
}

pub fn location_kind(k: LocationKind) -> &'static str {
    match k {
        LocationKind::ShipTo => "Ship-to",
        LocationKind::BillTo => "Bill-to",
        LocationKind::Both => "Ship-to and bill-to",
    }
}

/// A location scope in words: "All locations", or the names of the chosen ones.
pub fn scope_words(s: &LocationScope, a: &Account) -> String {
    match s {
        LocationScope::All => "All locations".into(),
        LocationScope::Only(ids) => {
            let names: Vec<String> = ids
                .iter()
                .map(|id| {
                    a.location(*id)
                        .map(|l| l.name.clone())
                        .unwrap_or_else(|| "a removed location".into())
                })
                .collect();
            format!("Only {}", names.join(", "))
        }
    }
}

fn status_tag(s: UserStatus) -> Tag {
    match s {
        UserStatus::Invited => Tag {
            word: "Invited".into(),
            class: "tag-yellow",
        },
        UserStatus::Active => Tag {
            word: "Active".into(),
            class: "tag-green",
        },
        UserStatus::Deactivated => Tag {
            word: "Deactivated".into(),
            class: "tag-grey",
        },
    }
}

pub fn roles_words(roles: &[CustomerRole]) -> String {
    roles.iter().map(|r| customer_role(*r)).collect::<Vec<_>>().join(", ")
}

/// Every user of the viewer's account.
pub async fn all_users(st: &WebState, v: &Viewer) -> Result<Vec<Versioned<User>>, PageError> {
    let mut f = ListFilter {
        account_id: Some(own_account(v)?),
        limit: 500,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let p = st.app.list_users(&v.ctx, &f).await?;
        out.extend(p.items);
        match p.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    out.sort_by_cached_key(|u| u.value.name.to_lowercase());
    Ok(out)
}

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub scope: String,
    pub status: Tag,
    pub you: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    l: Layout,
    notice: String,
    rows: Vec<UserRow>,
}

pub async fn list(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Done = query(raw.as_deref());
    let a = account(&st, &v).await?;
    let rows = all_users(&st, &v)
        .await?
        .into_iter()
        .filter_map(|u| {
            let u = u.value;
            let UserKind::Customer { roles, scope, .. } = &u.kind else {
                return None;
            };
            Some(UserRow {
                id: u.id.0.to_string(),
                you: v.ctx.principal.id == u.id.0.to_string(),
                roles: roles_words(roles),
                scope: scope_words(scope, &a),
                status: status_tag(u.status),
                name: u.name,
                email: u.email,
            })
        })
        .collect();
    let notice = match q.done.as_str() {
        "updated" => "The user's details, roles and locations are saved.",
        "deactivated" => "The user is deactivated: they can no longer sign in, and their API keys stop working.",
        _ => "",
    };
    Ok(render(
        StatusCode::OK,
        &UsersPage {
            l: Layout::for_viewer("Users", &v, NAV),
            notice: notice.to_owned(),
            rows,
        },
    ))
}

/// The roles and location scope part of the invite and edit forms.
pub struct AccessForm {
    pub roles: Checks,
    pub scope: Checks,
    pub locations: Checks,
}

/// What the roles and scope fields hold (as sent, or from a user).
#[derive(Default, Clone)]
pub struct AccessValues {
    pub roles: Vec<String>,
    pub scope: String,
    pub locations: Vec<String>,
}

impl AccessValues {
    fn of(roles: &[CustomerRole], scope: &LocationScope) -> AccessValues {
        AccessValues {
            roles: roles.iter().map(|r| role_value(*r).to_owned()).collect(),
            scope: match scope {
                LocationScope::All => "all".into(),
                LocationScope::Only(_) => "only".into(),
            },
            locations: match scope {
                LocationScope::All => Vec::new(),
                LocationScope::Only(v) => v.iter().map(|l| l.0.to_string()).collect(),
            },
        }
    }
    fn sent(f: &Fields) -> AccessValues {
        AccessValues {
            roles: f.all("roles"),
            scope: f.get("scope").trim().to_owned(),
            locations: f.all("locations"),
        }
    }
}

/// The locations the viewer may grant (its own scope's).
fn grantable(v: &Viewer, a: &Account) -> Vec<(LocationId, String, LocationKind)> {
    a.locations
        .iter()
        .filter(|l| v.ctx.principal.sees_location(l.id))
        .map(|l| (l.id, l.name.clone(), l.kind))
        .collect()
}

fn access_form(e: &Errors, v: &Viewer, a: &Account, x: &AccessValues) -> AccessForm {
    let roles: Vec<(String, String, String)> = ROLES
        .iter()
        .map(|(r, value, hint)| ((*value).to_owned(), customer_role(*r).to_owned(), (*hint).to_owned()))
        .collect();
    let scopes = vec![
        (
            "all".to_owned(),
            "All locations".to_owned(),
            "including locations added later".to_owned(),
        ),
        (
            "only".to_owned(),
            "Only the locations chosen below".to_owned(),
            String::new(),
        ),
    ];
    let locs: Vec<(String, String, String)> = grantable(v, a)
        .into_iter()
        .map(|(id, name, kind)| (id.0.to_string(), name, location_kind(kind).to_owned()))
        .collect();
    AccessForm {
        roles: Checks::new(
            e,
            "roles",
            "checkbox",
            "Roles",
            "Choose every role that applies.",
            &roles,
            &x.roles,
        ),
        scope: Checks::new(
            e,
            "scope",
            "radio",
            "Locations they work with",
            "They see orders, shipments and budgets of these locations only.",
            &scopes,
            std::slice::from_ref(&x.scope),
        ),
        locations: Checks::new(e, "locations", "checkbox", "Chosen locations", "", &locs, &x.locations),
    }
}

/// Checks the roles and scope fields; `None` for a field at fault.
fn parse_access(
    e: &mut Errors,
    v: &Viewer,
    a: &Account,
    x: &AccessValues,
) -> (Vec<CustomerRole>, Option<LocationScope>) {
    let mut roles = Vec::new();
    for r in &x.roles {
        match ROLES.iter().find(|(_, value, _)| value == r) {
            Some((role, ..)) if !roles.contains(role) => roles.push(*role),
            Some(_) => {}
            None => e.add("roles", "Choose roles from the list"),
        }
    }
    if x.roles.is_empty() {
        e.add("roles", "Choose at least one role");
    }
    let offered = grantable(v, a);
    let scope = match x.scope.as_str() {
        "all" => Some(LocationScope::All),
        "only" => {
            let mut ids = Vec::new();
            for l in &x.locations {
                match uuid::Uuid::parse_str(l)
                    .ok()
                    .map(LocationId)
                    .filter(|id| offered.iter().any(|(o, ..)| o == id))
                {
                    Some(id) if !ids.contains(&id) => ids.push(id),
                    Some(_) => {}
                    None => e.add("locations", "Choose locations from the list"),
                }
            }
            if x.locations.is_empty() {
                e.add("locations", "Choose at least one location, or choose all locations");
            }
            Some(LocationScope::Only(ids))
        }
        "" => {
            e.add("scope", "Choose whether they work with all locations or only some");
            None
        }
        _ => {
            e.add("scope", "Choose all locations or only some");
            None
        }
    };
    (roles, scope)
}

/// Where an application refusal about a user belongs on the form.
fn user_field(f: &str) -> Option<&'static str> {
    Some(match f {
        "email" | "number" => "email",
        "name" => "name",
        "roles" | "staff_role" => "roles",
        f if f.starts_with("scope.locations") => "locations",
        f if f.starts_with("scope") => "scope",
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "admin/invite.html")]
struct InvitePage {
    l: Layout,
    e: Errors,
    email: Input,
    name: Input,
    access: AccessForm,
}

fn invite_page(
    status: StatusCode,
    v: &Viewer,
    a: &Account,
    e: Errors,
    email: &str,
    name: &str,
    x: &AccessValues,
) -> axum::response::Response {
    render(
        status,
        &InvitePage {
            l: Layout::for_viewer("Invite a user", v, NAV),
            email: Input::new(&e, "email", "Email address", email)
                .kind("email")
                .auto("off")
                .hint("The invitation link is for this person only."),
            name: Input::new(&e, "name", "Full name", name).auto("off"),
            access: access_form(&e, v, a, x),
            e,
        },
    )
}

pub async fn invite_form(State(st): State<WebState>, v: Viewer) -> PageResult {
    let a = account(&st, &v).await?;
    let x = AccessValues {
        scope: "all".into(),
        ..Default::default()
    };
    Ok(invite_page(StatusCode::OK, &v, &a, Errors::default(), "", "", &x))
}

#[derive(Template)]
#[template(path = "admin/invited.html")]
struct InvitedPage {
    l: Layout,
    id: String,
    name: String,
    email: String,
    link: Option<String>,
    reissued: bool,
}

fn invited_page(v: &Viewer, inv: &Invitation, reissued: bool) -> axum::response::Response {
    let u = &inv.user.value;
    render(
        StatusCode::OK,
        &InvitedPage {
            l: Layout::for_viewer(
                if reissued {
                    "New invitation link"
                } else {
                    "User invited"
                },
                v,
                NAV,
            ),
            id: u.id.0.to_string(),
            name: u.name.clone(),
            email: u.email.clone(),
            link: inv.token.as_ref().map(|t| format!("/invitations/accept?token={t}")),
            reissued,
        },
    )
}

pub async fn invite(State(st): State<WebState>, v: Viewer, Form(f): Form<Vec<(String, String)>>) -> PageResult {
    let f = Fields(f);
    let a = account(&st, &v).await?;
    let mut e = Errors::default();
    let email = e.text(
        "email",
        "The email address",
        f.get("email"),
        TextKind::Email,
        Some("Enter their email address"),
    );
    if e.get("email").is_none() && !email.is_empty() && !looks_like_email(&email) {
        e.add(
            "email",
            "Enter an email address in the right format, like name@example.com",
        );
    }
    let name = e.text(
        "name",
        "The name",
        f.get("name"),
        TextKind::Name,
        Some("Enter their full name"),
    );
    let x = AccessValues::sent(&f);
    let (roles, scope) = parse_access(&mut e, &v, &a, &x);
    let (Some(scope), true) = (scope, e.is_empty()) else {
        return Ok(invite_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            &a,
            e,
            &email,
            &name,
            &x,
        ));
    };
    let input = NewUser {
        email: email.clone(),
        name: name.clone(),
        kind: UserKind::Customer {
            account_id: a.id,
            roles,
            scope,
        },
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_invite_user(ctx, &input)).await {
        Ok(inv) => Ok(invited_page(&v, &inv, false)),
        Err(err) => {
            refusal(&mut e, err, user_field, "roles")?;
            Ok(invite_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &v,
                &a,
                e,
                &email,
                &name,
                &x,
            ))
        }
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    l: Layout,
    e: Errors,
    id: String,
    email: String,
    status: Tag,
    invited: bool,
    deactivated: bool,
    you: bool,
    roles_now: String,
    scope_now: String,
    version: i64,
    name: Input,
    access: AccessForm,
}

/// Loads a user of the viewer's own account (anyone else's, or a staff user, is not found).
async fn load_user(st: &WebState, v: &Viewer, raw: &str) -> Result<Versioned<User>, PageError> {
    let id = UserId(path_id(raw)?);
    let u = st.app.user(&v.ctx, id).await?;
    match &u.value.kind {
        UserKind::Customer { account_id, .. } if Some(*account_id) == v.ctx.principal.own_account() => Ok(u),
        _ => Err(PageError::NotFound),
    }
}

#[allow(clippy::too_many_arguments)]
fn user_page(
    status: StatusCode,
    v: &Viewer,
    a: &Account,
    u: &Versioned<User>,
    e: Errors,
    name: &str,
    x: &AccessValues,
) -> axum::response::Response {
    let (roles_now, scope_now) = match &u.value.kind {
        UserKind::Customer { roles, scope, .. } => (roles_words(roles), scope_words(scope, a)),
        _ => (String::new(), String::new()),
    };
    render(
        status,
        &UserPage {
            l: Layout::for_viewer(u.value.name.clone(), v, NAV),
            id: u.value.id.0.to_string(),
            email: u.value.email.clone(),
            status: status_tag(u.value.status),
            invited: u.value.status == UserStatus::Invited,
            deactivated: u.value.status == UserStatus::Deactivated,
            you: v.ctx.principal.id == u.value.id.0.to_string(),
            roles_now,
            scope_now,
            version: u.version,
            name: Input::new(&e, "name", "Full name", name).auto("off"),
            access: access_form(&e, v, a, x),
            e,
        },
    )
}

pub async fn edit_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let u = load_user(&st, &v, &id).await?;
    let a = account(&st, &v).await?;
    let x = match &u.value.kind {
        UserKind::Customer { roles, scope, .. } => AccessValues::of(roles, scope),
        _ => AccessValues::default(),
    };
    let name = u.value.name.clone();
    Ok(user_page(StatusCode::OK, &v, &a, &u, Errors::default(), &name, &x))
}

pub async fn edit(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(f);
    let u = load_user(&st, &v, &id).await?;
    let a = account(&st, &v).await?;
    let you = v.ctx.principal.id == u.value.id.0.to_string();
    let mut e = Errors::default();
    let name = e.text(
        "name",
        "The name",
        f.get("name"),
        TextKind::Name,
        Some("Enter their full name"),
    );
    // Nobody changes their own roles or scope: the form does not offer it, and ignores it.
    let x = if you {
        match &u.value.kind {
            UserKind::Customer { roles, scope, .. } => AccessValues::of(roles, scope),
            _ => AccessValues::default(),
        }
    } else {
        AccessValues::sent(&f)
    };
    let (roles, scope) = if you {
        (Vec::new(), None)
    } else {
        parse_access(&mut e, &v, &a, &x)
    };
    let version = f.get("version").trim().parse::<i64>().ok();
    if !e.is_empty() {
        return Ok(user_page(StatusCode::UNPROCESSABLE_ENTITY, &v, &a, &u, e, &name, &x));
    }
    let patch = UserPatch {
        name: Some(name.clone()),
        roles: (!you).then_some(roles),
        staff_role: None,
        scope: if you { None } else { scope },
    };
    let mut ctx = v.ctx.clone();
    ctx.if_match = version;
    let app = &st.app;
    match app.run(&ctx, || app.plan_update_user(&ctx, u.value.id, &patch)).await {
        Ok(_) => Ok(redirect("/admin/users?done=updated")),
        Err(err) => {
            let stale = matches!(err, aftercart_app::AppError::PreconditionFailed(_));
            refusal(&mut e, err, user_field, "roles")?;
            // Re-read, so a second save works from what is stored now.
            let fresh = if stale { load_user(&st, &v, &id).await? } else { u };
            Ok(user_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &v,
                &a,
                &fresh,
                e,
                &name,
                &x,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "admin/deactivate.html")]
struct DeactivatePage {
    l: Layout,
    e: Errors,
    id: String,
    name: String,
    email: String,
    deactivated: bool,
}

fn deactivate_page(status: StatusCode, v: &Viewer, u: &User, e: Errors) -> axum::response::Response {
    render(
        status,
        &DeactivatePage {
            l: Layout::for_viewer(format!("Deactivate {}", u.name), v, NAV),
            e,
            id: u.id.0.to_string(),
            name: u.name.clone(),
            email: u.email.clone(),
            deactivated: u.status == UserStatus::Deactivated,
        },
    )
}

pub async fn deactivate_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let u = load_user(&st, &v, &id).await?;
    Ok(deactivate_page(StatusCode::OK, &v, &u.value, Errors::default()))
}

pub async fn deactivate(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let u = load_user(&st, &v, &id).await?;
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_deactivate_user(ctx, u.value.id)).await {
        Ok(_) => Ok(redirect("/admin/users?done=deactivated")),
        Err(err) => {
            let mut e = Errors::default();
            refusal(&mut e, err, |_| None, "confirm")?;
            Ok(deactivate_page(StatusCode::UNPROCESSABLE_ENTITY, &v, &u.value, e))
        }
    }
}

/// `POST /admin/users/{id}/invitation`: a new invitation link (the previous one stops working).
pub async fn reissue(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let u = load_user(&st, &v, &id).await?;
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_reissue_invitation(ctx, u.value.id)).await {
        Ok(inv) => Ok(invited_page(&v, &inv, true)),
        Err(err) => {
            let a = account(&st, &v).await?;
            let mut e = Errors::default();
            refusal(&mut e, err, |_| None, "reissue")?;
            let x = match &u.value.kind {
                UserKind::Customer { roles, scope, .. } => AccessValues::of(roles, scope),
                _ => AccessValues::default(),
            };
            let name = u.value.name.clone();
            Ok(user_page(StatusCode::UNPROCESSABLE_ENTITY, &v, &a, &u, e, &name, &x))
        }
    }
}
