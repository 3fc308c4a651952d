use serde::{Deserialize, Serialize};

/// How a seller's messages look and who they come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Branding {
    pub seller_name: String,
    /// A CSS colour such as `#1d4ed8`; it lands in inline styles, so it is checked before use.
    pub primary_colour: String,
    pub accent_colour: String,
    /// Absolute, without a trailing slash: `https://portal.example`.
    pub portal_url: String,
    /// `Northwind Supply <notifications@example.com>`.
    pub from_address: String,
}

/// One labelled value shown in a message ("Carrier: DHL").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// Something that happened and is worth telling a person about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Milestone {
    /// Chooses the templates (`shipped` → `shipped.html`, …; unknown kinds use `milestone.*`).
    pub kind: String,
    /// `SO-1042 has shipped`.
    pub title: String,
    /// One plain sentence.
    pub summary: String,
    pub facts: Vec<Fact>,
    /// Absolute URL of the page that tells more.
    pub link: String,
    /// `SO-1042`.
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A rendered email, ready for [`crate::Mailer::send`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Email {
    /// A formatted mailbox (`Ana Diaz <ana@example.com>`).
    pub to: String,
    /// One line: rendering strips CR and LF.
    pub subject: String,
    pub html: String,
    pub text: String,
    /// When set, the footer links it and the SMTP transport adds the RFC 8058 headers.
    pub unsubscribe_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Daily,
    Weekly,
}

/// Several milestones in one email, for people who asked not to get one each.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Digest {
    pub period: Period,
    pub items: Vec<Milestone>,
}

/// A product's setup guide, sent after delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Guide {
    pub product: String,
    pub title: String,
    pub url: String,
}

/// Post-delivery help: the delivery it follows and the guides for what was in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Help {
    pub milestone: Milestone,
    pub guides: Vec<Guide>,
}

/// What an email is about; each variant has its own template context.
#[derive(Debug, Clone, Copy)]
pub enum Content<'a> {
    Milestone(&'a Milestone),
    Digest(&'a Digest),
    Help(&'a Help),
}

impl Content<'_> {
    /// The template family: a milestone's own kind, or `digest` / `help`.
    pub fn kind(&self) -> &str {
        match self {
            Self::Milestone(m) => &m.kind,
            Self::Digest(_) => "digest",
            Self::Help(_) => "help",
        }
    }
}

impl<'a> From<&'a Milestone> for Content<'a> {
    fn from(m: &'a Milestone) -> Self {
        Self::Milestone(m)
    }
}

impl<'a> From<&'a Digest> for Content<'a> {
    fn from(d: &'a Digest) -> Self {
        Self::Digest(d)
    }
}

impl<'a> From<&'a Help> for Content<'a> {
    fn from(h: &'a Help) -> Self {
        Self::Help(h)
    }
}

/// Header injection guard: one line of single-spaced text (CR, LF, tabs and other
/// controls become spaces).
pub(crate) fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
