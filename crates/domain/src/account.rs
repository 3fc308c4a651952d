//! Customer accounts, their locations and commercial terms; seller-side fulfilment locations.

use crate::error::{ErrorCode, Rejection};
use crate::ids::{AccountId, FulfilmentLocationId, LocationId, ProductId};
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    ShipTo,
    BillTo,
    /// Both ship-to and bill-to (a head office that also receives goods).
    Both,
}

impl LocationKind {
    pub fn can_receive(self) -> bool {
        matches!(self, LocationKind::ShipTo | LocationKind::Both)
    }
    pub fn can_be_billed(self) -> bool {
        matches!(self, LocationKind::BillTo | LocationKind::Both)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub kind: LocationKind,
    pub name: String,
    pub address: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

/// Changes to a location; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct LocationPatch {
    pub kind: Option<LocationKind>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
}

/// Net payment terms: the invoice is due `net_days` after it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    pub net_days: u16,
}

impl PaymentTerms {
    pub fn due_date(&self, issued: Date) -> Date {
        issued + Duration::days(i64::from(self.net_days))
    }

    pub fn label(&self) -> String {
        if self.net_days == 0 {
            "due on receipt".into()
        } else {
            format!("net {}", self.net_days)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPrice {
    pub product_id: ProductId,
    pub unit_price: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub number: String,
    pub name: String,
    pub currency: Currency,
    pub terms: PaymentTerms,
    pub credit_limit: Money,
    pub locations: Vec<Location>,
    pub contract_prices: Vec<ContractPrice>,
}

impl Account {
    pub fn location(&self, id: LocationId) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }

    pub fn contract_price(&self, product: ProductId) -> Option<Money> {
        self.contract_prices
            .iter()
            .find(|p| p.product_id == product)
            .map(|p| p.unit_price)
    }

    /// Sets (or replaces) the contract price of a product for this account.
    pub fn set_contract_price(&mut self, product: ProductId, price: Money) -> Result<(), Rejection> {
        if price.currency() != self.currency {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                "unit_price.currency",
                format!("the account is billed in {}, not {}", self.currency, price.currency()),
            ));
        }
        if price.is_negative() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "unit_price",
                "a price cannot be negative",
            ));
        }
        match self.contract_prices.iter_mut().find(|p| p.product_id == product) {
            Some(p) => p.unit_price = price,
            None => self.contract_prices.push(ContractPrice {
                product_id: product,
                unit_price: price,
            }),
        }
        Ok(())
    }

    /// Changes a location's details. Its id stays, so orders and budgets that name it keep
    /// pointing at it; a location that receives goods cannot stop receiving them here, because
    /// open order lines may ship to it.
    pub fn update_location(&mut self, id: LocationId, patch: LocationPatch) -> Result<(), Rejection> {
        let Some(idx) = self.locations.iter().position(|l| l.id == id) else {
            return Err(Rejection::new(
                ErrorCode::UnknownReference,
                "location_id",
                "no such location on this account",
            ));
        };
        if let Some(n) = &patch.name {
            if n.trim().is_empty() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "name",
                    "a location needs a name",
                ));
            }
            if self
                .locations
                .iter()
                .any(|l| l.id != id && l.name.eq_ignore_ascii_case(n.trim()))
            {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "name",
                    format!("the account already has a location named '{n}'"),
                ));
            }
        }
        if let Some(k) = patch.kind
            && self.locations[idx].kind.can_receive()
            && !k.can_receive()
        {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "kind",
                "a ship-to location cannot stop receiving goods",
            ));
        }
        let l = &mut self.locations[idx];
        if let Some(n) = patch.name {
            l.name = n.trim().to_owned();
        }
        if let Some(k) = patch.kind {
            l.kind = k;
        }
        for (field, value) in [
            (&mut l.address, patch.address),
            (&mut l.city, patch.city),
            (&mut l.postcode, patch.postcode),
            (&mut l.country, patch.country),
        ] {
            if let Some(v) = value {
                *field = v;
            }
        }
        Ok(())
    }

    pub fn add_location(&mut self, location: Location) -> Result<(), Rejection> {
        if location.name.trim().is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "name",
                "a location needs a name",
            ));
        }
        if self
            .locations
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(&location.name))
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "name",
                format!("the account already has a location named '{}'", location.name),
            ));
        }
        self.locations.push(location);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentKind {
    Warehouse,
    Store,
    DropshipSupplier,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfilmentLocation {
    pub id: FulfilmentLocationId,
    pub code: String,
    pub name: String,
    pub kind: FulfilmentKind,
    pub city: String,
}
