//! The pieces every cXML document shares — the envelope (payload id, timestamp, the From / To /
//! Sender credentials), statuses, addresses, contacts, extrinsics, item identity and detail,
//! accounting distributions — defined once and used by both the readers and the writers, so an
//! envelope read from a request can be turned into the envelope of its answer.

use super::values::{Amount, Decimal, Timestamp};

/// One `Credential`: who a party is in some domain (`NetworkId`, `DUNS`, …) and, on the Sender,
/// the shared secret that authenticates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub domain: String,
    pub identity: String,
    pub shared_secret: Option<String>,
}

impl Credential {
    pub fn new(domain: impl Into<String>, identity: impl Into<String>) -> Credential {
        Credential {
            domain: domain.into(),
            identity: identity.into(),
            shared_secret: None,
        }
    }

    pub fn with_secret(mut self, secret: impl Into<String>) -> Credential {
        self.shared_secret = Some(secret.into());
        self
    }

    /// The same domain (case-insensitively: `DUNS`, `duns` and `Duns` all occur) and identity.
    pub fn matches(&self, domain: &str, identity: &str) -> bool {
        self.domain.eq_ignore_ascii_case(domain.trim()) && self.identity == identity.trim()
    }
}

/// `Request deploymentMode`: test documents must never become real orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeploymentMode {
    #[default]
    Production,
    Test,
}

/// The `cXML` element's attributes and its `Header`. A `Response` has no header: its
/// credentials are empty and its user agent `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload_id: String,
    pub timestamp: Timestamp,
    /// `xml:lang` of the document (writers use `en-US` when `None`).
    pub lang: Option<String>,
    /// The `version` attribute, where a document states one (written only when set).
    pub version: Option<String>,
    pub from: Vec<Credential>,
    pub to: Vec<Credential>,
    pub sender: Vec<Credential>,
    pub user_agent: Option<String>,
    pub deployment_mode: DeploymentMode,
}

impl Envelope {
    /// An envelope with nobody in it yet (for a `Response`, or to fill in).
    pub fn new(payload_id: impl Into<String>, timestamp: impl Into<Timestamp>) -> Envelope {
        Envelope {
            payload_id: payload_id.into(),
            timestamp: timestamp.into(),
            lang: None,
            version: None,
            from: Vec::new(),
            to: Vec::new(),
            sender: Vec::new(),
            user_agent: None,
            deployment_mode: DeploymentMode::Production,
        }
    }

    /// The envelope of a document answering `request`: From and To swapped (secrets dropped),
    /// the given Sender and user agent, the request's language and deployment mode.
    pub fn answering(
        request: &Envelope,
        payload_id: impl Into<String>,
        timestamp: impl Into<Timestamp>,
        sender: Credential,
        user_agent: impl Into<String>,
    ) -> Envelope {
        let public = |cs: &[Credential]| {
            cs.iter()
                .map(|c| Credential {
                    shared_secret: None,
                    ..c.clone()
                })
                .collect()
        };
        Envelope {
            payload_id: payload_id.into(),
            timestamp: timestamp.into(),
            lang: request.lang.clone(),
            version: None,
            from: public(&request.to),
            to: public(&request.from),
            sender: vec![sender],
            user_agent: Some(user_agent.into()),
            deployment_mode: request.deployment_mode,
        }
    }

    /// The Sender's shared secret, if it sent one.
    pub fn shared_secret(&self) -> Option<&str> {
        self.sender.iter().find_map(|c| c.shared_secret.as_deref())
    }

    /// Whether the Sender's shared secret is `expected`, compared in constant time (no secret
    /// sent is never a match, nor is an empty expected secret).
    pub fn shared_secret_matches(&self, expected: &str) -> bool {
        match self.shared_secret() {
            Some(given) if !expected.is_empty() => constant_time_eq(given.as_bytes(), expected.as_bytes()),
            _ => false,
        }
    }

    /// The From identity in `domain` (case-insensitive), e.g. the buyer's `NetworkId`.
    pub fn from_identity(&self, domain: &str) -> Option<&str> {
        self.from
            .iter()
            .find(|c| c.domain.eq_ignore_ascii_case(domain))
            .map(|c| c.identity.as_str())
    }
}

/// Equality of two secrets in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

/// A `payloadID` in the conventional form `<unix seconds>.<unique>@<host>`; `unique` must be
/// unique per document (a UUID, a sequence number).
pub fn payload_id(at: time::OffsetDateTime, unique: &str, host: &str) -> String {
    format!("{}.{unique}@{host}", at.unix_timestamp())
}

/// A `Status`: an HTTP-like code (200 OK, 201 Accepted, 400 Bad Request, 401 Unauthorized,
/// 406 Not Acceptable, 409 Conflict, 500 Internal Server Error, …), its text, and an optional
/// longer message as the element's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub text: String,
    pub message: Option<String>,
    pub lang: Option<String>,
}

impl Status {
    pub fn new(code: u16, text: impl Into<String>) -> Status {
        Status {
            code,
            text: text.into(),
            message: None,
            lang: None,
        }
    }

    pub fn ok() -> Status {
        Status::new(200, "OK")
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Status {
        self.message = Some(message.into());
        self
    }

    /// 2xx: the request was taken (201 Accepted, 204 No Content included).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

/// `Extrinsic name="…"`: a name and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extrinsic {
    pub name: String,
    pub value: String,
}

impl Extrinsic {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Extrinsic {
        Extrinsic {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// The extrinsic named `name` (case-insensitive) in a list.
pub fn extrinsic<'a>(list: &'a [Extrinsic], name: &str) -> Option<&'a str> {
    list.iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))
        .map(|e| e.value.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Phone {
    pub country_code: Option<String>,
    pub area_or_city_code: Option<String>,
    pub number: Option<String>,
    pub extension: Option<String>,
}

/// An `Address` (inside `ShipTo`, `BillTo`) with its `PostalAddress` flattened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub address_id: Option<String>,
    pub name: Option<String>,
    pub deliver_to: Vec<String>,
    pub street: Vec<String>,
    pub city: Option<String>,
    pub municipality: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    /// `Country isoCountryCode` (else the `Address`'s own `isoCountryCode`).
    pub country_code: Option<String>,
    /// The country as written (`United States`).
    pub country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<Phone>,
    pub url: Option<String>,
}

/// A `Contact`: a person or role (`endUser`, `buyer`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub role: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<Phone>,
}

/// `ItemID`: the supplier's part number, its auxiliary id (often the supplier's cart or
/// configuration key, returned as given), and the buyer's part number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemId {
    pub supplier_part_id: String,
    pub supplier_part_auxiliary_id: Option<String>,
    pub buyer_part_id: Option<String>,
}

/// A `Description` in one language: its text and its `ShortName`, either may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description {
    pub lang: Option<String>,
    pub text: String,
    pub short_name: Option<String>,
}

impl Description {
    /// The text, or the short name where the text is empty.
    pub fn best(&self) -> &str {
        if self.text.is_empty() {
            self.short_name.as_deref().unwrap_or("")
        } else {
            &self.text
        }
    }
}

/// `Classification domain="UNSPSC"` and its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub domain: String,
    pub code: String,
}

impl Classification {
    pub fn unspsc(code: impl Into<String>) -> Classification {
        Classification {
            domain: "UNSPSC".into(),
            code: code.into(),
        }
    }
}

/// `PriceBasisQuantity`: the unit price is for `quantity` of `unit_of_measure`, and one of the
/// item's units is `conversion_factor` of those. A line's amount is
/// `quantity × conversion_factor × unit price ÷ basis quantity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceBasis {
    pub quantity: Decimal,
    pub conversion_factor: Decimal,
    pub unit_of_measure: String,
    pub description: Option<String>,
}

/// `ItemDetail` as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemDetail {
    pub unit_price: Option<Amount>,
    pub descriptions: Vec<Description>,
    pub unit_of_measure: Option<String>,
    pub price_basis: Option<PriceBasis>,
    pub classifications: Vec<Classification>,
    pub manufacturer_part_id: Option<String>,
    pub manufacturer_name: Option<String>,
    pub url: Option<String>,
    /// Days, as `LeadTime` states them.
    pub lead_time: Option<u32>,
    pub extrinsics: Vec<Extrinsic>,
}

impl ItemDetail {
    /// The first description's text (or short name).
    pub fn description(&self) -> Option<&str> {
        self.descriptions.first().map(Description::best)
    }

    /// The code in a classification domain such as `UNSPSC` (case-insensitive).
    pub fn classification(&self, domain: &str) -> Option<&str> {
        self.classifications
            .iter()
            .find(|c| c.domain.eq_ignore_ascii_case(domain))
            .map(|c| c.code.as_str())
    }
}

/// A `Shipping` or `Tax` with its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub amount: Amount,
    pub description: Option<String>,
}

/// One accounting `Segment` (or `AccountingSegment`): what kind (`Cost Center`, `Project`,
/// `Department`, …), its id and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub kind: String,
    pub id: String,
    pub description: Option<String>,
}

/// A `Distribution`: an `Accounting` with its segments, and the part of the line it charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    pub accounting_name: String,
    pub segments: Vec<Segment>,
    pub charge: Option<Amount>,
}

impl Distribution {
    /// The first segment whose kind contains `kind` (case-insensitive, ignoring spaces and
    /// underscores: `CostCenter`, `Cost Center` and `cost_center` are one).
    pub fn segment(&self, kind: &str) -> Option<&Segment> {
        let squash = |s: &str| {
            s.chars()
                .filter(|c| !matches!(c, ' ' | '_' | '-'))
                .collect::<String>()
                .to_lowercase()
        };
        let want = squash(kind);
        self.segments.iter().find(|s| squash(&s.kind).contains(&want))
    }

    /// The cost centre segment (`Cost Center`, `CostCentre`, …).
    pub fn cost_centre(&self) -> Option<&Segment> {
        self.segment("costcenter").or_else(|| self.segment("costcentre"))
    }

    pub fn project(&self) -> Option<&Segment> {
        self.segment("project")
    }
}

/// A reference to an earlier document: its payload id and, for orders, the order's id and date.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderRef {
    pub order_id: Option<String>,
    pub order_date: Option<Timestamp>,
    pub payload_id: Option<String>,
}
