//! Wire types: the public JSON contract of /api/v1, separate from the domain's types so either
//! can change without silently changing the other. Request types parse into application inputs
//! with errors that name the field; response types are built from aggregates.

use crate::error::ApiError;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

/// An exact amount: a decimal string and an ISO 4217 currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MoneyDto {
    #[schema(example = "12.50")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> MoneyDto {
        MoneyDto {
            amount: m.amount_string(),
            currency: m.currency().code().to_owned(),
        }
    }
}

impl MoneyDto {
    pub fn parse(&self, field: &str) -> Result<Money, ApiError> {
        let c = Currency::parse(&self.currency, &format!("{field}.currency"))?;
        Ok(Money::parse(&self.amount, c, &format!("{field}.amount"))?)
    }
}

pub fn money_opt(m: &Option<MoneyDto>, field: &str) -> Result<Option<Money>, ApiError> {
    m.as_ref().map(|m| m.parse(field)).transpose()
}

/// A product named by id or, failing that, by SKU.
pub fn product_ref(
    id: Option<uuid::Uuid>,
    sku: &Option<String>,
    field: &str,
) -> Result<aftercart_app::ProductRef, ApiError> {
    match (id, sku) {
        (Some(id), _) => Ok(aftercart_app::ProductRef::Id(id.into())),
        (None, Some(sku)) => Ok(aftercart_app::ProductRef::Sku(sku.clone())),
        (None, None) => Err(ApiError::invalid(field, "give product_id or sku")),
    }
}

pub fn qty(n: i64, field: &str) -> Result<Qty, ApiError> {
    Ok(Qty::positive(n, field)?)
}

pub fn qty0(n: Option<i64>, field: &str) -> Result<Qty, ApiError> {
    Ok(Qty::non_negative(n.unwrap_or(0), field)?)
}

pub fn date(s: &Option<String>, field: &str) -> Result<Option<Date>, ApiError> {
    s.as_ref()
        .map(|s| {
            Date::parse(s, format_description!("[year]-[month]-[day]"))
                .map_err(|_| ApiError::invalid(field, format!("'{s}' is not a date like 2026-11-24")))
        })
        .transpose()
}

pub fn timestamp(s: &Option<String>, field: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    s.as_ref()
        .map(|s| {
            OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
                ApiError::invalid(
                    field,
                    format!("'{s}' is not an RFC 3339 time like 2026-11-24T15:04:05Z"),
                )
            })
        })
        .transpose()
}

pub fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn d(t: Date) -> String {
    t.to_string()
}

/// A page of results with the cursor for the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageDto<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query parameters shared by list endpoints.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this customer account's records.
    pub account_id: Option<uuid::Uuid>,
    /// Status filter (values depend on the resource).
    pub status: Option<String>,
    /// Only records for this ship-to location.
    pub location_id: Option<uuid::Uuid>,
    /// Business time from (inclusive), RFC 3339 or a date.
    pub from: Option<String>,
    /// Business time to (exclusive), RFC 3339 or a date.
    pub to: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

fn bound(s: &Option<String>, field: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    match s {
        Some(v) if v.len() == 10 => Ok(date(s, field)?.map(|d| d.midnight().assume_utc())),
        Some(_) => timestamp(s, field),
        None => Ok(None),
    }
}

pub fn encode_cursor(id: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
}

impl ListParams {
    pub fn filter(&self) -> Result<aftercart_app::ListFilter, ApiError> {
        use base64::Engine;
        let before = match &self.cursor {
            None => None,
            Some(c) => {
                let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| uuid::Uuid::from_slice(&b).ok())
                    .ok_or_else(|| ApiError::invalid("cursor", "not a cursor returned by this API"))?;
                Some(bytes)
            }
        };
        if let Some(l) = self.limit
            && !(1..=500).contains(&l)
        {
            return Err(ApiError::invalid("limit", "must be between 1 and 500"));
        }
        Ok(aftercart_app::ListFilter {
            account_id: self.account_id.map(Into::into),
            status: self.status.clone(),
            location: self.location_id.map(Into::into),
            from: bound(&self.from, "from")?,
            to: bound(&self.to, "to")?,
            before,
            limit: self.limit.unwrap_or(50),
        })
    }
}
