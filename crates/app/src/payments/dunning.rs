//! Dunning: each account's schedule of reminders before, on and after the due date, escalating.
//! A pass records each due step once per invoice (a de-duplication key) as an `invoice.due_soon`
//! or `invoice.overdue` event carrying the level and the amount dunned — the balance less what is
//! disputed or being paid — so the outbox turns it into messages like any other milestone and the
//! invoice's timeline shows it. A step held back (everything left is disputed, a payment is in
//! flight) is recorded once as `invoice.dunning_held` for finance ops.

use super::profile::AccountBilling;
use crate::docs::{Versioned, decode, event};
use crate::{Actor, App, Ctx, Planned, Result};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, InvoiceId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::money::Money;
use aftercart_domain::receivables::dunning::{Decision, InvoiceDunning, Level, Schedule, decide};
use aftercart_store::{Commit, CommitError, ListQuery};
use serde_json::json;
use std::collections::HashMap;
use time::Duration;

/// How far back due dates are read: the latest a schedule may dun.
const LOOKBACK: Duration = Duration::days(366);
/// How far ahead: the earliest a schedule may remind.
const LOOKAHEAD: Duration = Duration::days(61);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DunningPass {
    pub sent: usize,
    pub held: usize,
}

impl App {
    pub async fn plan_set_dunning(
        &self,
        ctx: &Ctx,
        account: AccountId,
        schedule: Schedule,
        paused: bool,
    ) -> Result<Planned<Versioned<AccountBilling>>> {
        if !ctx.principal.is_seller() {
            return Err(crate::AppError::Forbidden("finance ops set dunning schedules".into()));
        }
        self.load::<Account>(ctx, account.0).await?;
        schedule.validate()?;
        let mut b = self.billing_profile_unchecked(account).await?;
        b.value.dunning = schedule;
        b.value.dunning_paused = paused;
        let commit = Commit {
            docs: vec![App::write_billing(&b)?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "account.dunning_changed",
                "account",
                account.0,
                Some(account),
                None,
                json!({"steps": b.value.dunning.steps.len(), "paused": paused}),
            )],
            ..Default::default()
        };
        b.version += 1;
        Ok(Planned { value: b, commit })
    }

    /// One dunning pass over unpaid invoices by their due-date index.
    pub async fn run_dunning(&self) -> Result<DunningPass> {
        let now = self.clock.now();
        let today = now.date();
        let mut pass = DunningPass::default();
        let mut schedules: HashMap<AccountId, Option<Schedule>> = HashMap::new();
        let mut before = None;
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: "invoice",
                    status: Some("unpaid".into()),
                    from: Some(now - LOOKBACK),
                    to: Some(now + LOOKAHEAD),
                    before,
                    limit: 500,
                    ..ListQuery::default()
                })
                .await?;
            before = rows.last().map(|r| r.id);
            let done = rows.len() < 500;
            for r in &rows {
                let inv = decode::<Invoice>(r)?.value;
                if !inv.balance().is_positive() || inv.replaced_by.is_some() {
                    continue;
                }
                let schedule = match schedules.get(&inv.account_id) {
                    Some(s) => s.clone(),
                    None => {
                        let b = self.billing_profile_unchecked(inv.account_id).await?.value;
                        let s = (!b.dunning_paused).then_some(b.dunning);
                        schedules.insert(inv.account_id, s.clone());
                        s
                    }
                };
                let Some(schedule) = schedule else { continue };
                let (flying, disputed) = self.reservations(&[inv.id]).await?;
                let sum = |v: &[(InvoiceId, Money)]| {
                    v.iter()
                        .fold(Money::zero(inv.currency), |a, (_, m)| a.checked_add(*m).unwrap_or(a))
                };
                let state = InvoiceDunning {
                    due_on: inv.due_on,
                    balance: inv.balance(),
                    disputed: sum(&disputed),
                    processing: sum(&flying),
                    sent: &[],
                };
                let commit = match decide(&schedule, &state, today) {
                    Decision::Nothing => continue,
                    Decision::Send { step, level, amount } => {
                        let kind = if matches!(level, Level::Reminder | Level::DueToday) {
                            "invoice.due_soon"
                        } else {
                            "invoice.overdue"
                        };
                        Commit {
                            events: vec![event(
                                &Actor::System,
                                now,
                                kind,
                                "invoice",
                                inv.id.0,
                                Some(inv.account_id),
                                Some(level.label().into()),
                                json!({"number": inv.number, "open": amount.to_string(), "due_on": inv.due_on.to_string(),
                                       "level": level.as_str(), "level_label": level.label(), "step": step,
                                       "disputed": state.disputed.to_string(), "balance": inv.balance().to_string()}),
                            )],
                            dedup: vec![(inv.id.0, format!("dunning:{step}"))],
                            ..Default::default()
                        }
                    }
                    Decision::Skipped { reason } => {
                        let step = schedule
                            .steps
                            .iter()
                            .rposition(|s| s.date(inv.due_on).is_some_and(|d| d <= today))
                            .unwrap_or(0);
                        Commit {
                            events: vec![event(
                                &Actor::System,
                                now,
                                "invoice.dunning_held",
                                "invoice",
                                inv.id.0,
                                Some(inv.account_id),
                                Some(format!("reminder held back: {}", reason.label())),
                                json!({"number": inv.number, "reason": reason.as_str(), "step": step,
                                       "disputed": state.disputed.to_string(), "processing": state.processing.to_string()}),
                            )],
                            dedup: vec![(inv.id.0, format!("dunning_held:{step}:{}", reason.as_str()))],
                            ..Default::default()
                        }
                    }
                };
                let held = commit.events[0].kind == "invoice.dunning_held";
                match self.store.commit(commit).await {
                    Ok(()) if held => pass.held += 1,
                    Ok(()) => pass.sent += 1,
                    Err(CommitError::Duplicate) => {}
                    Err(e) => return Err(crate::error::commit_error(e)),
                }
            }
            if done {
                return Ok(pass);
            }
        }
    }
}
