//! Customer accounts (locations, terms, contract prices), products and fulfilment locations.

use crate::docs::{Versioned, check_version, event, write};
use crate::error::Result;
use crate::{App, Ctx, Planned};
use aftercart_domain::account::{Account, FulfilmentKind, FulfilmentLocation, Location, LocationKind, PaymentTerms};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, LocationId, ProductId};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::product::Product;
use aftercart_store::{Commit, KeyWrite, WriteMode};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewLocation {
    pub kind: LocationKind,
    pub name: String,
    pub address: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub number: Option<String>,
    pub name: String,
    pub currency: Currency,
    pub terms: PaymentTerms,
    pub credit_limit: Money,
    pub locations: Vec<NewLocation>,
}

#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub terms: Option<PaymentTerms>,
    pub credit_limit: Option<Money>,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub list_price: Money,
    pub setup_guide: Option<String>,
    pub care_instructions: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewFulfilmentLocation {
    pub code: String,
    pub name: String,
    pub kind: FulfilmentKind,
    pub city: String,
}

fn required(value: &str, field: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Rejection::new(ErrorCode::InvalidValue, field, "must not be empty").into());
    }
    Ok(())
}

pub(crate) fn location(n: &NewLocation) -> Location {
    Location {
        id: LocationId(Uuid::now_v7()),
        kind: n.kind,
        name: n.name.trim().to_owned(),
        address: n.address.clone(),
        city: n.city.clone(),
        postcode: n.postcode.clone(),
        country: n.country.clone(),
    }
}

/// The search keys of an account's name (see [`crate::search`]).
pub(crate) fn name_keys(a: &Account) -> Vec<aftercart_store::KeyWrite> {
    crate::search::name_words(&a.name)
        .into_iter()
        .map(|w| aftercart_store::KeyWrite {
            kind: "account_word",
            key: w,
            doc_id: a.id.0,
        })
        .collect()
}

impl App {
    pub async fn plan_create_account(&self, ctx: &Ctx, input: &NewAccount) -> Result<Planned<Versioned<Account>>> {
        required(&input.name, "name")?;
        if input.credit_limit.currency() != input.currency {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                "credit_limit.currency",
                "must be the account currency",
            )
            .into());
        }
        if input.credit_limit.is_negative() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "credit_limit", "must not be negative").into());
        }
        let number = match &input.number {
            Some(n) => {
                required(n, "number")?;
                n.clone()
            }
            None => format!("C-{}", self.next_number("account").await?),
        };
        let mut account = Account {
            id: AccountId(Uuid::now_v7()),
            number,
            name: input.name.trim().to_owned(),
            currency: input.currency,
            terms: input.terms,
            credit_limit: input.credit_limit,
            locations: Vec::new(),
            contract_prices: Vec::new(),
        };
        for (i, l) in input.locations.iter().enumerate() {
            account.add_location(location(l)).map_err(|mut r| {
                r.field = format!("locations[{i}].{}", r.field);
                r
            })?;
        }
        let now = self.clock.now();
        let commit = Commit {
            docs: vec![write(&account, WriteMode::Insert)?],
            keys: name_keys(&account),
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "account.created",
                "account",
                account.id.0,
                Some(account.id),
                None,
                json!({"number": account.number, "name": account.name, "currency": account.currency.code()}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: account,
                version: 1,
            },
            commit,
        })
    }

    pub async fn plan_update_account(
        &self,
        ctx: &Ctx,
        id: AccountId,
        patch: &AccountPatch,
    ) -> Result<Planned<Versioned<Account>>> {
        let Versioned {
            value: mut account,
            version,
        } = self.load::<Account>(ctx, id.0).await?;
        check_version(ctx, version)?;
        let mut changed = serde_json::Map::new();
        if let Some(n) = &patch.name {
            required(n, "name")?;
            account.name = n.trim().to_owned();
            changed.insert("name".into(), json!(account.name));
        }
        if let Some(t) = patch.terms {
            account.terms = t;
            changed.insert("terms".into(), json!(t.label()));
        }
        if let Some(c) = patch.credit_limit {
            if c.currency() != account.currency {
                return Err(Rejection::new(
                    ErrorCode::CurrencyMismatch,
                    "credit_limit.currency",
                    "must be the account currency",
                )
                .into());
            }
            if c.is_negative() {
                return Err(Rejection::new(ErrorCode::InvalidValue, "credit_limit", "must not be negative").into());
            }
            account.credit_limit = c;
            changed.insert("credit_limit".into(), json!(c.to_string()));
        }
        let commit = Commit {
            docs: vec![write(&account, WriteMode::Update(version))?],
            keys: name_keys(&account),
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "account.updated",
                "account",
                id.0,
                Some(id),
                None,
                changed.into(),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: account,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn plan_add_location(
        &self,
        ctx: &Ctx,
        id: AccountId,
        input: &NewLocation,
    ) -> Result<Planned<Versioned<Account>>> {
        let Versioned {
            value: mut account,
            version,
        } = self.load::<Account>(ctx, id.0).await?;
        check_version(ctx, version)?;
        let loc = location(input);
        let loc_id = loc.id;
        account.add_location(loc)?;
        let commit = Commit {
            docs: vec![write(&account, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "account.location_added",
                "account",
                id.0,
                Some(id),
                None,
                json!({"location_id": loc_id.0, "name": input.name}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: account,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn plan_update_location(
        &self,
        ctx: &Ctx,
        id: AccountId,
        location: LocationId,
        patch: &aftercart_domain::account::LocationPatch,
    ) -> Result<Planned<Versioned<Account>>> {
        let Versioned {
            value: mut account,
            version,
        } = self.load::<Account>(ctx, id.0).await?;
        check_version(ctx, version)?;
        if !ctx.principal.sees_location(location) {
            return Err(crate::AppError::not_found("location"));
        }
        account.update_location(location, patch.clone())?;
        let commit = Commit {
            docs: vec![write(&account, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "account.location_updated",
                "account",
                id.0,
                Some(id),
                None,
                json!({"location_id": location.0, "name": patch.name, "city": patch.city}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: account,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn plan_set_contract_price(
        &self,
        ctx: &Ctx,
        id: AccountId,
        product: ProductId,
        price: Money,
    ) -> Result<Planned<Versioned<Account>>> {
        let Versioned {
            value: mut account,
            version,
        } = self.load::<Account>(ctx, id.0).await?;
        check_version(ctx, version)?;
        let p = self.load_ref::<Product>(ctx, product.0, "product_id").await?;
        let before = account.contract_price(product);
        account.set_contract_price(product, price)?;
        let commit = Commit {
            docs: vec![write(&account, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "account.contract_price_set",
                "account",
                id.0,
                Some(id),
                None,
                json!({"sku": p.value.sku, "from": before.map(|m| m.to_string()), "to": price.to_string()}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: account,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn plan_create_product(&self, ctx: &Ctx, input: &NewProduct) -> Result<Planned<Versioned<Product>>> {
        required(&input.sku, "sku")?;
        required(&input.name, "name")?;
        if input.list_price.is_negative() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "list_price", "must not be negative").into());
        }
        let product = Product {
            id: ProductId(Uuid::now_v7()),
            sku: input.sku.trim().to_owned(),
            name: input.name.trim().to_owned(),
            category: input.category.trim().to_owned(),
            list_price: input.list_price,
            setup_guide: input.setup_guide.clone(),
            care_instructions: input.care_instructions.clone(),
            discontinued: false,
        };
        let commit = Commit {
            docs: vec![write(&product, WriteMode::Insert)?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "product.created",
                "product",
                product.id.0,
                None,
                None,
                json!({"sku": product.sku}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: product,
                version: 1,
            },
            commit,
        })
    }

    /// Marks a product discontinued: it can no longer be ordered (reorders leave it out). Doing
    /// it twice changes nothing.
    pub async fn plan_discontinue_product(&self, ctx: &Ctx, id: ProductId) -> Result<Planned<Versioned<Product>>> {
        let Versioned {
            value: mut product,
            version,
        } = self.load::<Product>(ctx, id.0).await?;
        check_version(ctx, version)?;
        if product.discontinued {
            return Ok(Planned {
                value: Versioned {
                    value: product,
                    version,
                },
                commit: Commit::default(),
            });
        }
        product.discontinued = true;
        let commit = Commit {
            docs: vec![write(&product, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "product.discontinued",
                "product",
                product.id.0,
                None,
                None,
                json!({"sku": product.sku}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: product,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn plan_create_fulfilment_location(
        &self,
        ctx: &Ctx,
        input: &NewFulfilmentLocation,
    ) -> Result<Planned<Versioned<FulfilmentLocation>>> {
        required(&input.code, "code")?;
        required(&input.name, "name")?;
        let loc = FulfilmentLocation {
            id: FulfilmentLocationId(Uuid::now_v7()),
            code: input.code.trim().to_owned(),
            name: input.name.trim().to_owned(),
            kind: input.kind,
            city: input.city.clone(),
        };
        let commit = Commit {
            docs: vec![write(&loc, WriteMode::Insert)?],
            keys: vec![KeyWrite {
                kind: "fulfilment_location",
                key: "all".into(),
                doc_id: loc.id.0,
            }],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "fulfilment_location.created",
                "fulfilment_location",
                loc.id.0,
                None,
                None,
                json!({"code": loc.code, "name": loc.name}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned { value: loc, version: 1 },
            commit,
        })
    }

    pub async fn account(&self, ctx: &Ctx, id: AccountId) -> Result<Versioned<Account>> {
        self.load(ctx, id.0).await
    }

    pub async fn product(&self, ctx: &Ctx, id: ProductId) -> Result<Versioned<Product>> {
        self.load(ctx, id.0).await
    }

    pub async fn fulfilment_location(
        &self,
        ctx: &Ctx,
        id: FulfilmentLocationId,
    ) -> Result<Versioned<FulfilmentLocation>> {
        let mut v = self.load(ctx, id.0).await?;
        // -- dropship --
        if let Some(d) = self.disguise_for(ctx).await? {
            d.location(&mut v.value);
        }
        // -- /dropship --
        Ok(v)
    }

    /// All fulfilment locations (a seller has a handful; they name the "from" of every shipment).
    pub async fn fulfilment_locations(&self, ctx: &Ctx) -> Result<Vec<FulfilmentLocation>> {
        let ids = self.store.by_key("fulfilment_location", "all").await?;
        let mut all: Vec<FulfilmentLocation> = self
            .load_many::<FulfilmentLocation>(ctx, &ids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        // -- dropship --
        if let Some(d) = self.disguise_for(ctx).await? {
            all.iter_mut().for_each(|l| d.location(l));
        }
        // -- /dropship --
        Ok(all)
    }
}

/// "Can I pay this now?" — an account's open invoices (oldest due first) beside the payments
/// and credits it has not applied yet, and the balance that results.
pub struct OpenPositionAnswer {
    pub account: Account,
    pub invoices: Vec<Versioned<aftercart_domain::invoice::Invoice>>,
    /// Payments with an unapplied remainder, oldest first.
    pub payments: Vec<Versioned<aftercart_domain::invoice::Payment>>,
    /// Credit memos issued without an invoice (so not applied to any), oldest first.
    pub credit_memos: Vec<Versioned<aftercart_domain::invoice::CreditMemo>>,
    pub position: aftercart_domain::invoice::OpenPosition,
    pub today: time::Date,
}

impl App {
    pub async fn open_position(&self, ctx: &Ctx, id: AccountId) -> Result<OpenPositionAnswer> {
        use aftercart_domain::invoice::{CreditMemo, Invoice, OpenPosition, Payment};
        let account = self.account(ctx, id).await?.value;
        let today = self.clock.now().date();
        let f = crate::ListFilter {
            account_id: Some(account.id),
            ..Default::default()
        };
        let mut invoices: Vec<Versioned<Invoice>> = self
            .all_docs::<Invoice>(ctx, &f)
            .await?
            .into_iter()
            .filter(|v| v.value.balance().is_positive())
            .collect();
        invoices.sort_by_key(|v| (v.value.due_on, v.value.number.clone()));
        let mut payments: Vec<Versioned<Payment>> = self
            .all_docs::<Payment>(ctx, &f)
            .await?
            .into_iter()
            .filter(|v| v.value.unapplied().is_positive())
            .collect();
        payments.sort_by_key(|v| v.value.received_at);
        let mut credit_memos: Vec<Versioned<CreditMemo>> = self
            .all_docs::<CreditMemo>(ctx, &f)
            .await?
            .into_iter()
            .filter(|v| v.value.invoice_id.is_none())
            .collect();
        credit_memos.sort_by_key(|v| (v.value.issued_on, v.value.number.clone()));
        let position = OpenPosition::of(
            account.currency,
            &invoices.iter().map(|v| &v.value).collect::<Vec<_>>(),
            &payments.iter().map(|v| &v.value).collect::<Vec<_>>(),
            &credit_memos.iter().map(|v| &v.value).collect::<Vec<_>>(),
            today,
        );
        Ok(OpenPositionAnswer {
            account,
            invoices,
            payments,
            credit_memos,
            position,
            today,
        })
    }
}
