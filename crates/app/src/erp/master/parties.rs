//! Accounts (created by number, or changed when the name, payment terms or credit limit differ;
//! the currency never changes, since every amount on the account is in it) and their locations
//! (by account and name: added, or changed when kind or address differ).

use super::{AccountCache, Tally};
use crate::accounts::{NewAccount, NewLocation, location, name_keys};
use crate::docs::{decode, event, write};
use crate::error::{AppError, Result};
use crate::{App, Ctx};
use aftercart_domain::account::{Account, LocationPatch, PaymentTerms};
use aftercart_interchange::erp::parties::{AccountRow, LocationRow};
use aftercart_interchange::erp::{RawRow, RowError};
use aftercart_store::{Commit, WriteMode};
use serde_json::json;

impl App {
    pub(super) async fn plan_account(
        &self,
        ctx: &Ctx,
        raw: &RawRow,
        a: &AccountRow,
        commit: &mut Commit,
        tally: &mut Tally,
        errs: &mut Vec<RowError>,
    ) -> Result<()> {
        let terms = PaymentTerms {
            net_days: a.payment_terms_days,
        };
        let Some(stored) = self.store.by_number("account", &a.number).await? else {
            let input = NewAccount {
                number: Some(a.number.clone()),
                name: a.name.clone(),
                currency: a.currency,
                terms,
                credit_limit: a.credit_limit,
                locations: Vec::new(),
            };
            match self.plan_create_account(ctx, &input).await {
                Ok(planned) => {
                    commit.docs.extend(planned.commit.docs);
                    commit.keys.extend(planned.commit.keys);
                    commit.events.extend(planned.commit.events);
                    tally.created += 1;
                }
                Err(AppError::Rejected(r)) => {
                    let column = if r.field.starts_with("credit_limit") {
                        "credit_limit"
                    } else {
                        "name"
                    };
                    errs.push(RowError::new(raw, column, r.message));
                }
                Err(e) => return Err(e),
            }
            return Ok(());
        };
        let version = stored.version;
        let mut account = decode::<Account>(&stored)?.value;
        if account.currency != a.currency {
            errs.push(RowError::new(
                raw,
                "currency",
                format!(
                    "an account's currency cannot change (this account's is {})",
                    account.currency
                ),
            ));
            return Ok(());
        }
        if account.name == a.name && account.terms == terms && account.credit_limit == a.credit_limit {
            tally.unchanged += 1;
            return Ok(());
        }
        let from = json!({"name": account.name, "terms": account.terms.label(),
                          "credit_limit": account.credit_limit.to_string()});
        account.name = a.name.clone();
        account.terms = terms;
        account.credit_limit = a.credit_limit;
        commit.docs.push(write(&account, WriteMode::Update(version))?);
        commit.keys.extend(name_keys(&account));
        commit.events.push(event(
            &ctx.principal.actor(),
            self.clock.now(),
            "account.updated",
            "account",
            account.id.0,
            Some(account.id),
            None,
            json!({"from": from, "name": account.name, "terms": terms.label(),
                   "credit_limit": account.credit_limit.to_string()}),
        ));
        tally.updated += 1;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn plan_location(
        &self,
        ctx: &Ctx,
        raw: &RawRow,
        l: &LocationRow,
        accounts: &mut AccountCache,
        commit: &mut Commit,
        tally: &mut Tally,
        errs: &mut Vec<RowError>,
    ) -> Result<()> {
        let Some((account, _, dirty)) = self.cached_account(accounts, &l.account).await? else {
            errs.push(RowError::new(raw, "account", "no account has this number"));
            return Ok(());
        };
        let existing = account
            .locations
            .iter()
            .find(|x| x.name.eq_ignore_ascii_case(&l.name))
            .cloned();
        let (kind, location_id) = match existing {
            None => {
                let loc = location(&NewLocation {
                    kind: l.kind,
                    name: l.name.clone(),
                    address: l.address.clone(),
                    city: l.city.clone(),
                    postcode: l.postcode.clone(),
                    country: l.country.clone(),
                });
                let id = loc.id;
                if let Err(r) = account.add_location(loc) {
                    errs.push(RowError::new(raw, &r.field, r.message));
                    return Ok(());
                }
                tally.created += 1;
                ("account.location_added", id)
            }
            Some(old) => {
                if old.name == l.name
                    && old.kind == l.kind
                    && old.address == l.address
                    && old.city == l.city
                    && old.postcode == l.postcode
                    && old.country == l.country
                {
                    tally.unchanged += 1;
                    return Ok(());
                }
                let patch = LocationPatch {
                    kind: Some(l.kind),
                    name: Some(l.name.clone()),
                    address: Some(l.address.clone()),
                    city: Some(l.city.clone()),
                    postcode: Some(l.postcode.clone()),
                    country: Some(l.country.clone()),
                };
                if let Err(r) = account.update_location(old.id, patch) {
                    errs.push(RowError::new(raw, &r.field, r.message));
                    return Ok(());
                }
                tally.updated += 1;
                ("account.location_updated", old.id)
            }
        };
        *dirty = true;
        commit.events.push(event(
            &ctx.principal.actor(),
            self.clock.now(),
            kind,
            "account",
            account.id.0,
            Some(account.id),
            None,
            json!({"location_id": location_id.0, "name": l.name, "city": l.city}),
        ));
        Ok(())
    }
}
