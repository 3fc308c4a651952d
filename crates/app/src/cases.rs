//! Support cases: open one about an order, shipment, invoice, return or exception; write in it
//! from either side; internal notes for the seller; assign; set the status; list the queue.
//!
//! Who sees a case is the linked record's rule: a case is visible to whoever may see the record
//! it is about (its account's users — a location-scoped user only while the record is within
//! their locations — and seller staff; never suppliers). The rule is checked against the record
//! as it is now, not as it was when the case was opened, so a ship-to change moves its cases
//! with it.
//!
//! Internal notes are a separate document per case ([`CaseNotes`]), visible to seller staff
//! only; writing one never touches the case document, so a customer's view — pages, API, the
//! case's ETag, any count — cannot tell a note exists. Their timeline event (`case.note`) is
//! recorded on the case itself with no account, so it is on no account's or record's timeline.

use crate::docs::{Doc, ShipmentDoc, Versioned, check_version, decode, event, write};
use crate::error::{AppError, Result};
use crate::identity::{User, UserKind, UserStatus};
use crate::order_docs::StoredOrder;
use crate::principal::{LocationScope, Principal, PrincipalKind};
use crate::queries::ListFilter;
use crate::{App, Ctx, Planned};
use aftercart_domain::case::{
    About, AboutKind, Assignee, Author, Case, CaseId, CaseNotes, CaseStatus, NewCase, Note, Side,
};
use aftercart_domain::ids::{AccountId, UserId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, EventWrite, KeyWrite, WriteMode};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// The secondary key listing the cases about a record (a shipment's cases also under its order).
const ABOUT_KEY: &str = "case_about";

impl Doc for Case {
    const KIND: &'static str = "case";
    const WHAT: &'static str = "case";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn number(&self) -> Option<String> {
        Some(self.number.clone())
    }
    fn status(&self) -> Option<String> {
        Some(self.status.as_str().into())
    }
    fn at(&self) -> OffsetDateTime {
        self.opened_at
    }
    /// The account half of the rule (suppliers see no account's records); the linked record's
    /// location half is checked by the loaders ([`App::case`], [`App::list_cases`]).
    fn visible_to(&self, p: &Principal) -> bool {
        p.sees_account(self.account_id)
    }
}

impl Doc for CaseNotes {
    const KIND: &'static str = "case_notes";
    const WHAT: &'static str = "case";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    /// No account: notes are no customer's record and appear in no account listing.
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn visible_to(&self, p: &Principal) -> bool {
        p.is_seller()
    }
}

/// Opening a case.
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub about_kind: AboutKind,
    pub about_id: Uuid,
    /// Empty: "Question about <the record>".
    pub subject: String,
    pub body: String,
}

/// A message, or (seller staff only) an internal note.
#[derive(Debug, Clone)]
pub struct CaseWrite {
    pub body: String,
    pub internal: bool,
    /// Seller staff: the reply solves the case.
    pub solve: bool,
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub account_id: Option<AccountId>,
    /// `None`: every case not solved (the queue); solved ones only when asked for.
    pub status: Option<CaseStatus>,
    pub all_statuses: bool,
    /// A staff user's id, or `Unassigned`.
    pub assignee: Option<AssigneeFilter>,
    /// Only cases about this record (or, for an order, about its shipments too).
    pub about: Option<Uuid>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    User(String),
    Unassigned,
}

/// One entry of a case's thread: a message, or an internal note (seller staff only).
#[derive(Debug, Clone)]
pub struct ThreadEntry {
    pub at: OffsetDateTime,
    pub author: Author,
    pub body: String,
    pub internal: bool,
}

/// A case as the caller may see it: internal notes only for seller staff.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    pub version: i64,
    /// Empty for anyone but seller staff.
    pub notes: Vec<Note>,
}

impl CaseView {
    /// Messages and (for staff) notes, oldest first.
    pub fn thread(&self) -> Vec<ThreadEntry> {
        let mut t: Vec<ThreadEntry> = self
            .case
            .messages
            .iter()
            .map(|m| ThreadEntry {
                at: m.at,
                author: m.author.clone(),
                body: m.body.clone(),
                internal: false,
            })
            .chain(self.notes.iter().map(|n| ThreadEntry {
                at: n.at,
                author: n.author.clone(),
                body: n.body.clone(),
                internal: true,
            }))
            .collect();
        // Stable: a note written in the same instant as a message stays after it.
        t.sort_by_key(|e| (e.at, e.internal));
        t
    }
}

/// The side a principal writes from. Suppliers are refused by the role table before this.
fn author(p: &Principal) -> Author {
    Author {
        side: if p.is_seller() { Side::Seller } else { Side::Customer },
        id: p.id.clone(),
        name: p.actor().name(),
    }
}

/// Whether a principal's view of a case also depends on where its record is (location scope).
fn scoped(p: &Principal) -> bool {
    matches!(
        &p.kind,
        PrincipalKind::Customer {
            scope: LocationScope::Only(_),
            ..
        }
    )
}

fn short(id: Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

impl App {
    /// The record a case is about, if the caller may see it (else "no such …" on `field`).
    async fn resolve_about(&self, ctx: &Ctx, kind: AboutKind, id: Uuid, field: &str) -> Result<(About, AccountId)> {
        let about = |label: String, order_id: Option<Uuid>| About {
            kind,
            id,
            label,
            order_id,
        };
        Ok(match kind {
            AboutKind::Order => {
                let o = self.load_ref::<StoredOrder>(ctx, id, field).await?.value;
                let number = o.number().unwrap_or_default();
                (
                    about(format!("order {number}"), None),
                    o.account().unwrap_or(AccountId(Uuid::nil())),
                )
            }
            AboutKind::Shipment => {
                let s = self.load_ref::<ShipmentDoc>(ctx, id, field).await?.value;
                let what = match &s.shipment.tracking_number {
                    Some(t) => format!("{} {t}", s.shipment.carrier),
                    None => s.shipment.carrier.clone(),
                };
                (
                    about(
                        format!("shipment {what} of order {}", s.order_number),
                        Some(s.order_id.0),
                    ),
                    s.account_id,
                )
            }
            AboutKind::Invoice => {
                let i = self.load_ref::<Invoice>(ctx, id, field).await?.value;
                (about(format!("invoice {}", i.number), None), i.account_id)
            }
            // Returns and exceptions are their own areas' documents: read as stored, with the
            // same rule — the account's, and, when they name an order, only if it is visible.
            AboutKind::Return | AboutKind::Exception => {
                let what: &'static str = kind.as_str();
                let missing = || AppError::not_found_field(what, field);
                let row = self.store.get(id).await?.ok_or_else(missing)?;
                let account = row.account_id.map(AccountId).ok_or_else(missing)?;
                if row.kind != what || !ctx.principal.sees_account(account) {
                    return Err(missing());
                }
                let data: serde_json::Value = serde_json::from_str(&row.data).unwrap_or_default();
                if let Some(order) = data
                    .get("order_id")
                    .and_then(|o| o.as_str())
                    .and_then(|o| Uuid::parse_str(o).ok())
                    && scoped(&ctx.principal)
                {
                    self.load_ref::<StoredOrder>(ctx, order, field)
                        .await
                        .map_err(|_| missing())?;
                }
                let number = data
                    .get("number")
                    .and_then(|n| n.as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(|| short(id));
                (about(format!("{what} {number}"), None), account)
            }
        })
    }

    /// What a record is called ("shipment UPS 1Z… of order SO-1042"), if the caller may see it:
    /// the heading of the "ask about this" form.
    pub async fn case_about_label(&self, ctx: &Ctx, kind: AboutKind, id: Uuid) -> Result<String> {
        Ok(self.resolve_about(ctx, kind, id, "about.id").await?.0.label)
    }

    /// Whether the caller may see the record a case is about now (the location half of the rule).
    async fn about_visible(&self, ctx: &Ctx, about: &About) -> Result<bool> {
        if !scoped(&ctx.principal) {
            return Ok(true);
        }
        match self.resolve_about(ctx, about.kind, about.id, "about.id").await {
            Ok(_) => Ok(true),
            Err(AppError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn view(&self, ctx: &Ctx, v: Versioned<Case>) -> Result<CaseView> {
        let notes = if ctx.principal.is_seller() {
            match self.store.get(v.value.notes_id).await? {
                Some(row) => decode::<CaseNotes>(&row)?.value.notes,
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        Ok(CaseView {
            case: v.value,
            version: v.version,
            notes,
        })
    }

    /// A case the caller may see, by id.
    async fn load_case(&self, ctx: &Ctx, id: CaseId) -> Result<Versioned<Case>> {
        let v = self.load::<Case>(ctx, id.0).await?;
        if !self.about_visible(ctx, &v.value.about).await? {
            return Err(AppError::not_found(Case::WHAT));
        }
        Ok(v)
    }

    pub async fn case(&self, ctx: &Ctx, id: CaseId) -> Result<CaseView> {
        let v = self.load_case(ctx, id).await?;
        self.view(ctx, v).await
    }

    /// A case by its number (`CS-1001`, as printed; lower case is accepted), for search.
    pub async fn case_by_number(&self, ctx: &Ctx, number: &str) -> Result<CaseView> {
        let n = number.trim().to_uppercase();
        let Some(row) = self.store.by_number(Case::KIND, &n).await? else {
            return Err(AppError::not_found(Case::WHAT));
        };
        self.case(ctx, CaseId(row.id)).await
    }

    /// Cases matching `f` that the caller may see. The queue order: solved cases last, the rest
    /// longest waiting first (the time they entered their current status). At most `f.limit`
    /// (1–500) per status read, so a very long queue shows its oldest 500 of each status.
    pub async fn list_cases(&self, ctx: &Ctx, f: &CaseFilter) -> Result<Vec<CaseView>> {
        if ctx.principal.supplier_location().is_some() {
            return Ok(Vec::new());
        }
        let statuses: Vec<Option<CaseStatus>> = match (f.status, f.all_statuses) {
            (Some(s), _) => vec![Some(s)],
            (None, true) => vec![None],
            (None, false) => CaseStatus::ALL
                .into_iter()
                .filter(|s| *s != CaseStatus::Solved)
                .map(Some)
                .collect(),
        };
        let key = f.about.map(|a| (ABOUT_KEY, a.to_string()));
        let mut out: Vec<Versioned<Case>> = Vec::new();
        for s in statuses {
            let lf = ListFilter {
                account_id: f.account_id,
                status: s.map(|s| s.as_str().to_owned()),
                limit: f.limit.clamp(1, 500),
                ..Default::default()
            };
            out.extend(self.list_docs::<Case>(ctx, &lf, key.clone()).await?.items);
        }
        if let Some(a) = &f.assignee {
            out.retain(|c| match (a, &c.value.assignee) {
                (AssigneeFilter::Unassigned, None) => true,
                (AssigneeFilter::User(u), Some(x)) => x.id == *u,
                _ => false,
            });
        }
        let mut views = Vec::with_capacity(out.len());
        for v in out {
            if self.about_visible(ctx, &v.value.about).await? {
                views.push(CaseView {
                    case: v.value,
                    version: v.version,
                    notes: Vec::new(),
                });
            }
        }
        views.sort_by_key(|v| (v.case.status == CaseStatus::Solved, v.case.status_since, v.case.id));
        Ok(views)
    }

    /// Active seller staff, who cases can be assigned to (name order).
    pub async fn case_assignees(&self, ctx: &Ctx) -> Result<Vec<(UserId, String)>> {
        if !ctx.principal.is_seller() {
            return Ok(Vec::new());
        }
        let users: Vec<Versioned<User>> = self.all_docs(ctx, &ListFilter::default()).await?;
        let mut out: Vec<(UserId, String)> = users
            .into_iter()
            .filter(|u| matches!(u.value.kind, UserKind::Staff { .. }) && u.value.status == UserStatus::Active)
            .map(|u| (u.value.id, u.value.name))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// The timeline event of a case step, on the linked record (the account's timeline too).
    fn case_event(&self, ctx: &Ctx, at: OffsetDateTime, kind: &str, c: &Case, extra: serde_json::Value) -> EventWrite {
        let (subject_kind, subject_id) = c.about.timeline_subject();
        let mut data = json!({
            "case_id": c.id.0,
            "case_number": c.number,
            "subject": c.subject,
            "about": {"kind": c.about.kind.as_str(), "id": c.about.id, "label": c.about.label},
            "status": c.status.as_str(),
        });
        // A scoped user's (and a supplier's) order timeline keeps a shipment's events only if
        // they see that shipment: the same key the order's own shipment events carry.
        if c.about.kind == AboutKind::Shipment {
            data["shipment_id"] = json!(c.about.id);
        }
        if let (Some(o), Some(e)) = (data.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        event(
            &ctx.principal.actor(),
            at,
            kind,
            subject_kind,
            subject_id,
            Some(c.account_id),
            None,
            data,
        )
    }

    pub async fn plan_open_case(&self, ctx: &Ctx, input: &OpenCase) -> Result<Planned<CaseView>> {
        let (about, account) = self
            .resolve_about(ctx, input.about_kind, input.about_id, "about.id")
            .await?;
        // The default subject is cut to fit (a long carrier name and tracking number); one the
        // caller wrote is checked as written.
        let subject = if input.subject.trim().is_empty() {
            format!("Question about {}", about.label)
                .chars()
                .take(aftercart_domain::text::TextKind::Name.max_chars())
                .collect()
        } else {
            input.subject.clone()
        };
        // Check before a number is spent on a refusal.
        aftercart_domain::case::check_subject(&subject, "subject")?;
        aftercart_domain::case::check_body(&input.body, "body")?;
        let now = self.clock.now();
        let number = format!("CS-{}", 1000 + self.next_number("case").await?);
        let by = author(&ctx.principal);
        let case = Case::open(
            NewCase {
                id: CaseId(Uuid::now_v7()),
                number,
                account_id: account,
                about,
                subject,
                body: input.body.clone(),
                notes_id: Uuid::now_v7(),
            },
            by,
            now,
        )?;
        let notes = CaseNotes::new(case.notes_id, case.id);
        let mut keys = vec![KeyWrite {
            kind: ABOUT_KEY,
            key: case.about.id.to_string(),
            doc_id: case.id.0,
        }];
        if let Some(o) = case.about.order_id {
            keys.push(KeyWrite {
                kind: ABOUT_KEY,
                key: o.to_string(),
                doc_id: case.id.0,
            });
        }
        let commit = Commit {
            docs: vec![write(&case, WriteMode::Insert)?, write(&notes, WriteMode::Insert)?],
            keys,
            events: vec![self.case_event(
                ctx,
                now,
                "case.opened",
                &case,
                json!({"side": case.opened_by.side.as_str(), "on_behalf": case.on_behalf}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: CaseView {
                case,
                version: 1,
                notes: Vec::new(),
            },
            commit,
        })
    }

    /// A message from either side, or an internal note (seller staff only). `If-Match` is the
    /// case's ETag; a note leaves the case (and its ETag) as it was.
    pub async fn plan_write_case(&self, ctx: &Ctx, id: CaseId, input: &CaseWrite) -> Result<Planned<CaseView>> {
        let v = self.load_case(ctx, id).await?;
        check_version(ctx, v.version)?;
        let now = self.clock.now();
        let by = author(&ctx.principal);
        if input.internal {
            if !ctx.principal.is_seller() {
                return Err(AppError::Forbidden("internal notes are for the seller's staff".into()));
            }
            if input.solve {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "solve",
                    "an internal note cannot solve a case; reply to the customer or set the status",
                )
                .into());
            }
            let row = self
                .store
                .get(v.value.notes_id)
                .await?
                .ok_or_else(|| AppError::Corrupt(format!("case {id} has no notes document")))?;
            let mut notes = decode::<CaseNotes>(&row)?;
            notes.value.add(by, input.body.clone(), now)?;
            let commit = Commit {
                docs: vec![write(&notes.value, WriteMode::Update(notes.version))?],
                events: vec![event(
                    &ctx.principal.actor(),
                    now,
                    "case.note",
                    Case::KIND,
                    v.value.id.0,
                    None,
                    None,
                    json!({"case_id": v.value.id.0, "case_number": v.value.number}),
                )],
                ..Default::default()
            };
            return Ok(Planned {
                value: CaseView {
                    case: v.value,
                    version: v.version,
                    notes: notes.value.notes,
                },
                commit,
            });
        }
        let Versioned {
            value: mut case,
            version,
        } = v;
        let side = by.side;
        let moved = case.write(by, input.body.clone(), input.solve, now)?;
        let mut events = vec![self.case_event(
            ctx,
            now,
            "case.message",
            &case,
            json!({"side": side.as_str(), "from_status": moved.from.as_str(), "reopened": moved.reopened()}),
        )];
        if moved.to == CaseStatus::Solved && moved.from != CaseStatus::Solved {
            events.push(self.case_event(
                ctx,
                now,
                "case.solved",
                &case,
                json!({"from_status": moved.from.as_str()}),
            ));
        }
        let commit = Commit {
            docs: vec![write(&case, WriteMode::Update(version))?],
            events,
            ..Default::default()
        };
        let view = self
            .view(
                ctx,
                Versioned {
                    value: case,
                    version: version + 1,
                },
            )
            .await?;
        Ok(Planned { value: view, commit })
    }

    /// Assigns a case to an active seller staff user, or unassigns it (`None`). Seller staff only.
    pub async fn plan_assign_case(&self, ctx: &Ctx, id: CaseId, to: Option<UserId>) -> Result<Planned<CaseView>> {
        // Visibility first: a case that is not theirs is "not found", not "forbidden".
        let Versioned {
            value: mut case,
            version,
        } = self.load_case(ctx, id).await?;
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("cases are assigned by the seller's staff".into()));
        }
        check_version(ctx, version)?;
        let assignee = match to {
            None => None,
            Some(u) => {
                let user = self.load_ref::<User>(ctx, u.0, "assignee_id").await?.value;
                if !matches!(user.kind, UserKind::Staff { .. }) || user.status != UserStatus::Active {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "assignee_id",
                        "cases are assigned to active seller staff",
                    )
                    .into());
                }
                Some(Assignee {
                    id: user.id.0.to_string(),
                    name: user.name,
                })
            }
        };
        let before = case.assignee.clone();
        case.assign(assignee)?;
        let now = self.clock.now();
        // Who works a case is the seller's business: recorded on the case, not the record's timeline.
        let e = event(
            &ctx.principal.actor(),
            now,
            "case.assigned",
            Case::KIND,
            case.id.0,
            None,
            None,
            json!({
                "case_id": case.id.0,
                "case_number": case.number,
                "assignee": case.assignee.as_ref().map(|a| json!({"id": a.id, "name": a.name})),
                "previous": before.map(|a| json!({"id": a.id, "name": a.name})),
            }),
        );
        let commit = Commit {
            docs: vec![write(&case, WriteMode::Update(version))?],
            events: vec![e],
            ..Default::default()
        };
        let view = self
            .view(
                ctx,
                Versioned {
                    value: case,
                    version: version + 1,
                },
            )
            .await?;
        Ok(Planned { value: view, commit })
    }

    /// Sets a case's status by hand: any status for seller staff, "solved" for the customer.
    pub async fn plan_case_status(&self, ctx: &Ctx, id: CaseId, to: CaseStatus) -> Result<Planned<CaseView>> {
        let Versioned {
            value: mut case,
            version,
        } = self.load_case(ctx, id).await?;
        check_version(ctx, version)?;
        let now = self.clock.now();
        let side = author(&ctx.principal).side;
        let moved = case.set_status(side, to, now)?;
        let kind = match (moved.reopened(), to) {
            (true, _) => "case.reopened",
            (false, CaseStatus::Solved) => "case.solved",
            _ => "case.status_changed",
        };
        let e = self.case_event(
            ctx,
            now,
            kind,
            &case,
            json!({"side": side.as_str(), "from_status": moved.from.as_str()}),
        );
        let commit = Commit {
            docs: vec![write(&case, WriteMode::Update(version))?],
            events: vec![e],
            ..Default::default()
        };
        let view = self
            .view(
                ctx,
                Versioned {
                    value: case,
                    version: version + 1,
                },
            )
            .await?;
        Ok(Planned { value: view, commit })
    }
}
