//! Products (created, or changed when the file's name, category or list price differ, by SKU)
//! and contract prices (an account's price for a SKU, set when it differs).

use super::{AccountCache, Tally};
use crate::accounts::NewProduct;
use crate::docs::{Doc, decode, event, write};
use crate::error::Result;
use crate::{App, Ctx};
use aftercart_domain::ids::ProductId;
use aftercart_domain::money::Money;
use aftercart_domain::product::Product;
use aftercart_interchange::erp::catalog::{PriceRow, ProductRow};
use aftercart_interchange::erp::{RawRow, RowError};
use aftercart_store::{Commit, WriteMode};
use serde_json::json;
use std::collections::HashMap;

impl App {
    pub(super) async fn plan_product(
        &self,
        ctx: &Ctx,
        p: &ProductRow,
        commit: &mut Commit,
        tally: &mut Tally,
    ) -> Result<()> {
        match self.store.by_number(Product::KIND, &p.sku).await? {
            None => {
                let input = NewProduct {
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                    category: p.category.clone(),
                    list_price: p.list_price,
                    setup_guide: None,
                    care_instructions: None,
                };
                let planned = self.plan_create_product(ctx, &input).await?;
                commit.docs.extend(planned.commit.docs);
                commit.events.extend(planned.commit.events);
                tally.created += 1;
            }
            Some(stored) => {
                let version = stored.version;
                let mut product = decode::<Product>(&stored)?.value;
                if product.name == p.name && product.category == p.category && product.list_price == p.list_price {
                    tally.unchanged += 1;
                    return Ok(());
                }
                let before = json!({"name": product.name, "category": product.category,
                                    "list_price": product.list_price.to_string()});
                product.name = p.name.clone();
                product.category = p.category.clone();
                product.list_price = p.list_price;
                commit.docs.push(write(&product, WriteMode::Update(version))?);
                commit.events.push(event(
                    &ctx.principal.actor(),
                    self.clock.now(),
                    "product.changed",
                    "product",
                    product.id.0,
                    None,
                    None,
                    json!({"sku": product.sku, "from": before, "list_price": product.list_price.to_string(),
                           "name": product.name, "category": product.category}),
                ));
                tally.updated += 1;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn plan_price(
        &self,
        ctx: &Ctx,
        raw: &RawRow,
        p: &PriceRow,
        accounts: &mut AccountCache,
        products: &mut HashMap<String, Option<ProductId>>,
        commit: &mut Commit,
        tally: &mut Tally,
        errs: &mut Vec<RowError>,
    ) -> Result<()> {
        if !products.contains_key(&p.sku) {
            let found = match self.store.by_number(Product::KIND, &p.sku).await? {
                Some(row) => Some(decode::<Product>(&row)?.value.id),
                None => None,
            };
            products.insert(p.sku.clone(), found);
        }
        let Some((account, _, dirty)) = self.cached_account(accounts, &p.account).await? else {
            errs.push(RowError::new(raw, "account", "no account has this number"));
            return Ok(());
        };
        let Some(Some(product)) = products.get(&p.sku).copied() else {
            errs.push(RowError::new(raw, "sku", "no product has this SKU"));
            return Ok(());
        };
        let price = match Money::parse(&p.unit_price, account.currency, "unit_price") {
            Ok(m) => m,
            Err(e) => {
                errs.push(RowError::new(
                    raw,
                    "unit_price",
                    format!("{} (the account's currency is {})", e.message, account.currency),
                ));
                return Ok(());
            }
        };
        let before = account.contract_price(product);
        if before == Some(price) {
            tally.unchanged += 1;
            return Ok(());
        }
        if let Err(e) = account.set_contract_price(product, price) {
            errs.push(RowError::new(raw, "unit_price", e.message));
            return Ok(());
        }
        *dirty = true;
        commit.events.push(event(
            &ctx.principal.actor(),
            self.clock.now(),
            "account.contract_price_set",
            "account",
            account.id.0,
            Some(account.id),
            None,
            json!({"sku": p.sku, "from": before.map(|m| m.to_string()), "to": price.to_string()}),
        ));
        if before.is_some() {
            tally.updated += 1;
        } else {
            tally.created += 1;
        }
        Ok(())
    }
}
