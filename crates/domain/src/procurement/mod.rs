//! Procurement links: a buying organisation's procurement system (Ariba, Coupa, SAP SRM…)
//! connected to one customer account, and the punchout sessions it opens.
//!
//! A link is the unit of trust. Its credentials (the cXML sender identity and shared secret, or
//! the OCI user name and password) are checked by the app against a stored hash; the domain only
//! knows which protocols a link speaks and what a session may do. Everything a punchout buyer
//! does happens inside the link's account, so isolation is the account's.

pub mod session;

use crate::error::{ErrorCode, Rejection};
use crate::ids::{AccountId, LocationId};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

pub use session::{CartLine, Operation, PunchoutSession, SessionState};

/// A procurement link's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProcurementLinkId(pub Uuid);

impl fmt::Display for ProcurementLinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The protocol a punchout session or an order arrived by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Cxml,
    Oci,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Cxml => "cxml",
            Protocol::Oci => "oci",
        }
    }
}

/// How the buyer's procurement system names itself in cXML: the `From` (or `Sender`)
/// credential's domain and identity ("NetworkID" / "AN01000000001").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CxmlIdentity {
    pub domain: String,
    pub identity: String,
}

impl CxmlIdentity {
    /// The lookup key: domains compare without case (buyers send `NetworkId` and `NetworkID`),
    /// identities exactly.
    pub fn key(&self) -> String {
        format!("{}:{}", self.domain.trim().to_ascii_lowercase(), self.identity.trim())
    }
}

/// The X12 release a link's EDI documents are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum X12Release {
    #[serde(rename = "004010")]
    V4010,
    #[default]
    #[serde(rename = "005010")]
    V5010,
}

impl X12Release {
    pub fn as_str(self) -> &'static str {
        match self {
            X12Release::V4010 => "004010",
            X12Release::V5010 => "005010",
        }
    }

    pub fn parse(s: &str) -> Option<X12Release> {
        match s.trim() {
            "004010" | "4010" => Some(X12Release::V4010),
            "005010" | "5010" => Some(X12Release::V5010),
            _ => None,
        }
    }
}

/// A trading partner's X12 interchange ids: theirs (ISA05/06 on what they send) and ours as they
/// address us (ISA07/08), which partners assign per relationship.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct X12Identity {
    /// ISA05: `01` DUNS, `12` phone, `14` DUNS+suffix, `ZZ` mutually defined, …
    pub qualifier: String,
    /// ISA06 (at most 15 characters).
    pub id: String,
    pub our_qualifier: String,
    pub our_id: String,
    #[serde(default)]
    pub release: X12Release,
}

impl X12Identity {
    /// The lookup key of the sender: ids are compared trimmed and without case, as translators
    /// pad and upper-case them.
    pub fn key(&self) -> String {
        x12_key(&self.qualifier, &self.id)
    }

    fn check(&self) -> Result<(), Rejection> {
        let field = |f: &'static str, v: &str, max: usize| -> Result<(), Rejection> {
            let t = v.trim();
            if t.is_empty() {
                return Err(Rejection::new(ErrorCode::InvalidValue, f, "required"));
            }
            if t.chars().count() > max {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    f,
                    format!("at most {max} characters"),
                ));
            }
            if !t.chars().all(|c| c.is_ascii_alphanumeric() || " -._".contains(c)) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    f,
                    "letters, digits, space, '-', '.' and '_' only (X12 delimiters are refused)",
                ));
            }
            Ok(())
        };
        field("x12_qualifier", &self.qualifier, 2)?;
        field("x12_id", &self.id, 15)?;
        field("x12_our_qualifier", &self.our_qualifier, 2)?;
        field("x12_our_id", &self.our_id, 15)
    }
}

/// The key an interchange sender (ISA05, ISA06) is looked up by.
pub fn x12_key(qualifier: &str, id: &str) -> String {
    format!(
        "{}:{}",
        qualifier.trim().to_ascii_uppercase(),
        id.trim().to_ascii_uppercase()
    )
}

/// How a cXML cart travels back in the buyer's browser: the `PunchOutOrderMessage` in the form
/// field `cxml-urlencoded` (most systems) or `cxml-base64` (some, to survive their gateways'
/// character handling). A setting of the link: the setup request does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartEncoding {
    #[default]
    Urlencoded,
    Base64,
}

impl CartEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            CartEncoding::Urlencoded => "urlencoded",
            CartEncoding::Base64 => "base64",
        }
    }

    pub fn parse(s: &str) -> Option<CartEncoding> {
        match s.trim() {
            "urlencoded" | "cxml-urlencoded" => Some(CartEncoding::Urlencoded),
            "base64" | "cxml-base64" => Some(CartEncoding::Base64),
            _ => None,
        }
    }
}

/// Shared secrets shorter than this are refused: they are the only thing standing between the
/// internet and an account's ordering.
pub const MIN_SECRET_CHARS: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcurementLink {
    pub id: ProcurementLinkId,
    pub account_id: AccountId,
    /// The seller's name for it ("Northwind Coupa").
    pub name: String,
    /// cXML: the buyer's identity. `None` when the link speaks OCI only.
    pub cxml: Option<CxmlIdentity>,
    /// OCI: the `USERNAME` the buyer's SAP system sends. `None` when cXML only.
    pub oci_username: Option<String>,
    /// X12 EDI: the trading partner's interchange ids. `None` when the link does not trade EDI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x12: Option<X12Identity>,
    /// The secret's hash (the app's password hashing); never the secret.
    pub secret_hash: String,
    /// Where outbound cXML (confirmations, ship notices, invoices, status updates) is posted.
    pub order_response_url: Option<String>,
    /// The shared secret our outbound documents carry in their Sender credential, when the
    /// buyer's system asks for one. Unlike the inbound secret it must be sent, so it is kept
    /// (like a webhook signing secret) and never shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_secret: Option<String>,
    /// The ship-to used for punchout lines and orders that name no address the account knows.
    pub default_ship_to: Option<LocationId>,
    /// cXML only: the form field the cart goes back in.
    #[serde(default)]
    pub cart_encoding: CartEncoding,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl ProcurementLink {
    pub const KIND: &'static str = "procurement_link";

    /// Checks the shape of a new or changed link (credentials are hashed by the caller).
    pub fn validate(&self) -> Result<(), Rejection> {
        if self.cxml.is_none() && self.oci_username.is_none() && self.x12.is_none() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "cxml_identity",
                "a link needs a cXML identity, an OCI user name or X12 ids (or several)",
            ));
        }
        if let Some(x) = &self.x12 {
            x.check()?;
        }
        if let Some(c) = &self.cxml {
            if c.domain.trim().is_empty() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "cxml_domain",
                    "the credential domain is required",
                ));
            }
            if c.identity.trim().is_empty() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "cxml_identity",
                    "the identity is required",
                ));
            }
        }
        if let Some(u) = &self.oci_username
            && u.trim().is_empty()
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "oci_username",
                "the user name is empty",
            ));
        }
        Ok(())
    }

    pub fn speaks(&self, p: Protocol) -> bool {
        match p {
            Protocol::Cxml => self.cxml.is_some(),
            Protocol::Oci => self.oci_username.is_some(),
        }
    }
}

/// Checks a new shared secret's strength (length in characters, not all one character).
pub fn check_secret(secret: &str) -> Result<(), Rejection> {
    let n = secret.chars().count();
    if n < MIN_SECRET_CHARS {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            "shared_secret",
            format!("at least {MIN_SECRET_CHARS} characters (this one has {n})"),
        ));
    }
    let mut chars = secret.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            "shared_secret",
            "a repeated single character",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> ProcurementLink {
        ProcurementLink {
            id: ProcurementLinkId(Uuid::nil()),
            account_id: AccountId(Uuid::nil()),
            name: "Coupa".into(),
            cxml: Some(CxmlIdentity {
                domain: "NetworkID".into(),
                identity: "AN0001".into(),
            }),
            oci_username: None,
            x12: None,
            secret_hash: "x".into(),
            order_response_url: None,
            response_secret: None,
            cart_encoding: CartEncoding::Urlencoded,
            default_ship_to: None,
            active: true,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn identity_keys_ignore_domain_case_but_not_identity_case() {
        let a = CxmlIdentity {
            domain: "NetworkId".into(),
            identity: "AN0001".into(),
        };
        let b = CxmlIdentity {
            domain: " networkid ".into(),
            identity: "AN0001".into(),
        };
        let c = CxmlIdentity {
            domain: "NetworkID".into(),
            identity: "an0001".into(),
        };
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
    }

    #[test]
    fn a_link_needs_a_protocol_and_whole_credentials() {
        assert!(link().validate().is_ok());
        assert!(link().speaks(Protocol::Cxml) && !link().speaks(Protocol::Oci));
        let mut l = link();
        l.cxml = None;
        assert_eq!(l.validate().unwrap_err().field, "cxml_identity");
        l.oci_username = Some("  ".into());
        assert_eq!(l.validate().unwrap_err().field, "oci_username");
        let mut l = link();
        l.cxml.as_mut().unwrap().domain = String::new();
        assert_eq!(l.validate().unwrap_err().field, "cxml_domain");
    }

    #[test]
    fn x12_ids_are_checked_and_keyed_without_case_or_padding() {
        let mut l = link();
        l.cxml = None;
        l.x12 = Some(X12Identity {
            qualifier: "zz".into(),
            id: "buyer01 ".into(),
            our_qualifier: "ZZ".into(),
            our_id: "SELLER".into(),
            release: X12Release::V4010,
        });
        assert!(l.validate().is_ok());
        assert_eq!(l.x12.as_ref().unwrap().key(), x12_key("ZZ", "BUYER01"));
        l.x12.as_mut().unwrap().id = "A".repeat(16);
        assert_eq!(l.validate().unwrap_err().field, "x12_id");
        l.x12.as_mut().unwrap().id = "BUY*ER".into();
        assert_eq!(l.validate().unwrap_err().field, "x12_id");
        l.x12.as_mut().unwrap().id = "BUYER".into();
        l.x12.as_mut().unwrap().our_qualifier = "ZZZ".into();
        assert_eq!(l.validate().unwrap_err().field, "x12_our_qualifier");
        assert_eq!(X12Release::parse("4010"), Some(X12Release::V4010));
        assert_eq!(X12Release::parse("003050"), None);
    }

    #[test]
    fn secrets_must_be_long_and_not_one_character() {
        assert!(check_secret("correct-horse-battery").is_ok());
        let e = check_secret("short").unwrap_err();
        assert!(e.message.contains("at least 16"), "{}", e.message);
        assert!(check_secret(&"a".repeat(40)).is_err());
        // Characters, not bytes.
        assert!(check_secret(&"é".repeat(10)).is_err());
    }
}
