//! Wire types: the public JSON contract of /api/v1, separate from the domain's types so either
//! can change without silently changing the other. Request types parse into application inputs
//! with errors that name the field; response types are built from aggregates.

use crate::error::ApiError;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;
use aftercart_domain::text::{self, TextKind};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

/// Declares a bounded text type: a `String` that deserializes only if it passes its
/// [`TextKind`]'s rule (so the error names the field, via serde_path_to_error), and whose OpenAPI
/// schema carries the same `maxLength` (and, for kinds without control characters, a `pattern`).
macro_rules! bounded_text {
    ($($name:ident => $kind:expr, $about:literal;)*) => {$(
        #[doc = $about]
        #[derive(Clone, Default, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const KIND: TextKind = $kind;
            /// Checks `s` like a request body would.
            pub fn parse(s: impl Into<String>) -> Result<$name, text::TextFault> {
                let s = s.into();
                text::check(Self::KIND, &s)?;
                Ok($name(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                if Self::KIND == TextKind::Secret {
                    f.write_str("\"***\"")
                } else {
                    std::fmt::Debug::fmt(&self.0, f)
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// For responses: text the server produced or stored (checked on the way in).
        impl From<String> for $name {
            fn from(s: String) -> $name {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                text::check(Self::KIND, &s).map_err(serde::de::Error::custom)?;
                Ok($name(s))
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                text_schema(Self::KIND, $about)
            }
        }

        impl ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    )*};
}

/// The schema of a bounded text kind.
fn text_schema(kind: TextKind, about: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let rule = if kind.allows_control() {
        "any characters, stored and returned exactly"
    } else {
        "no control characters"
    };
    let description = format!("{about} At most {} characters; {rule}.", kind.max_chars());
    let mut b = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(kind.max_chars()))
        .description(Some(description));
    if !kind.allows_control() {
        b = b.pattern(Some(r"^[^\u0000-\u001F\u007F-\u009F]*$"));
    }
    b.build().into()
}

bounded_text! {
    Code => TextKind::Code,
        "A word from a fixed vocabulary or a formatted value (status, kind, role, currency, date, time, amount).";
    Ident => TextKind::Ident,
        "An identifier: a number, PO number, SKU, code, cost centre, tracking number or reference.";
    Name => TextKind::Name,
        "A name shown to people (person, account, product, location, category, carrier, city).";
    Email => TextKind::Email, "An email address.";
    Url => TextKind::Url, "A link (a carrier's tracking page).";
    FreeText => TextKind::Text, "Free text: a reason, comment, description or address.";
    LongText => TextKind::LongText, "Long free text: a setup guide or care instructions.";
    Secret => TextKind::Secret, "A password or token (never stored as sent).";
    FileText => TextKind::File, "The text of a file: a bank statement (camt.053 XML or CSV).";
}

/// `Option<bounded text>` as an owned `Option<String>` for application inputs.
pub fn opt<T: Into<String> + Clone>(v: &Option<T>) -> Option<String> {
    v.clone().map(Into::into)
}

/// An exact amount: a decimal string and an ISO 4217 currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MoneyDto {
    #[schema(example = "12.50")]
    pub amount: Code,
    #[schema(example = "USD")]
    pub currency: Code,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> MoneyDto {
        MoneyDto {
            amount: Code(m.amount_string()),
            currency: Code(m.currency().code().to_owned()),
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
pub fn product_ref<S: AsRef<str>>(
    id: Option<uuid::Uuid>,
    sku: &Option<S>,
    field: &str,
) -> Result<aftercart_app::ProductRef, ApiError> {
    match (id, sku) {
        (Some(id), _) => Ok(aftercart_app::ProductRef::Id(id.into())),
        (None, Some(sku)) => Ok(aftercart_app::ProductRef::Sku(sku.as_ref().to_owned())),
        (None, None) => Err(ApiError::invalid(field, "give product_id or sku")),
    }
}

pub fn qty(n: i64, field: &str) -> Result<Qty, ApiError> {
    Ok(Qty::positive(n, field)?)
}

pub fn qty0(n: Option<i64>, field: &str) -> Result<Qty, ApiError> {
    Ok(Qty::non_negative(n.unwrap_or(0), field)?)
}

pub fn date<S: AsRef<str>>(s: &Option<S>, field: &str) -> Result<Option<Date>, ApiError> {
    s.as_ref()
        .map(|s| {
            let s = s.as_ref();
            Date::parse(s, format_description!("[year]-[month]-[day]"))
                .map_err(|_| ApiError::invalid(field, format!("'{s}' is not a date like 2026-11-24")))
        })
        .transpose()
}

pub fn timestamp<S: AsRef<str>>(s: &Option<S>, field: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    s.as_ref()
        .map(|s| {
            let s = s.as_ref();
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
    pub status: Option<Code>,
    /// Only records for this ship-to location.
    pub location_id: Option<uuid::Uuid>,
    /// Business time from (inclusive), RFC 3339 or a date.
    pub from: Option<Code>,
    /// Business time to (exclusive), RFC 3339 or a date.
    pub to: Option<Code>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<Code>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

fn bound(s: &Option<Code>, field: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    let s = opt(s);
    match &s {
        Some(v) if v.len() == 10 => Ok(date(&s, field)?.map(|d| d.midnight().assume_utc())),
        Some(_) => timestamp(&s, field),
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
                    .decode(c.as_str())
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
            status: opt(&self.status),
            location: self.location_id.map(Into::into),
            from: bound(&self.from, "from")?,
            to: bound(&self.to, "to")?,
            before,
            limit: self.limit.unwrap_or(50),
        })
    }
}
