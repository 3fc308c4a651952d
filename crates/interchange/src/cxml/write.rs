//! The writing side's common ground: a small XML builder and the envelope. The builder escapes
//! every text and attribute (including CR, and TAB/LF in attributes, as character references so
//! a strict parser gives back exactly what was written), refuses characters XML 1.0 cannot carry,
//! and remembers where it is, so a writer's check can fail with the element's path. The envelope
//! is the XML declaration, the DOCTYPE of the DTD that declares the document, the `cXML` root
//! with payload id and an offset timestamp, and the `Header` with From / To / Sender.

use super::CxmlError;
use super::model::{Credential, DeploymentMode, Envelope, Extrinsic, Status};
use super::values::{Decimal, Timestamp};
use aftercart_domain::money::{Currency, Money};

/// The cXML version written in every DOCTYPE.
pub const CXML_VERSION: &str = "1.2.063";

/// Which cXML 1.2 DTD declares a document: `cXML.dtd` for punchout, orders and status updates,
/// `Fulfill.dtd` for confirmations and ship notices, `InvoiceDetail.dtd` for invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtdFile {
    Cxml,
    Fulfill,
    InvoiceDetail,
}

impl DtdFile {
    pub fn file_name(self) -> &'static str {
        match self {
            DtdFile::Cxml => "cXML.dtd",
            DtdFile::Fulfill => "Fulfill.dtd",
            DtdFile::InvoiceDetail => "InvoiceDetail.dtd",
        }
    }

    pub fn system_id(self) -> String {
        format!("http://xml.cxml.org/schemas/cXML/{CXML_VERSION}/{}", self.file_name())
    }
}

/// Elements that repeat, named with their position in error paths (`ItemIn[2]`).
const REPEATING: &[&str] = &[
    "Credential",
    "ItemIn",
    "ConfirmationItem",
    "ConfirmationStatus",
    "ShipControl",
    "ShipNoticePortion",
    "ShipNoticeItem",
    "InvoiceDetailOrder",
    "InvoiceDetailItem",
    "TaxDetail",
    "Extrinsic",
];

struct Frame {
    name: &'static str,
    path: String,
    counts: Vec<(&'static str, usize)>,
}

pub(super) struct Xml {
    out: String,
    stack: Vec<Frame>,
    err: Option<CxmlError>,
}

fn bad_char(s: &str) -> Option<char> {
    s.chars()
        .find(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}')
}

fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
}

impl Xml {
    fn new() -> Xml {
        Xml {
            out: String::with_capacity(4096),
            stack: Vec::new(),
            err: None,
        }
    }

    fn path_of(&self, child: &str) -> String {
        match self.stack.last() {
            Some(f) if child.is_empty() => f.path.clone(),
            Some(f) => format!("{}/{child}", f.path),
            None => child.to_owned(),
        }
    }

    /// Records the first failure, at the current element (or its child `child`).
    pub fn fail_at(&mut self, child: &str, reason: impl Into<String>) {
        if self.err.is_none() {
            self.err = Some(CxmlError::new(self.path_of(child), 0, reason));
        }
    }

    pub fn fail(&mut self, reason: impl Into<String>) {
        self.fail_at("", reason);
    }

    /// Fails unless `value` has non-whitespace text; `what` names it (`SupplierPartID`).
    pub fn require(&mut self, what: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail_at(what, "is empty");
        }
    }

    fn check(&mut self, what: &str, s: &str) {
        if let Some(c) = bad_char(s) {
            self.fail_at(what, format!("contains U+{:04X}, which XML cannot carry", u32::from(c)));
        }
    }

    fn label(&mut self, name: &'static str) -> String {
        let Some(frame) = self.stack.last_mut() else {
            return name.to_owned();
        };
        let n = match frame.counts.iter_mut().find(|(k, _)| *k == name) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                frame.counts.push((name, 1));
                1
            }
        };
        if REPEATING.contains(&name) {
            format!("{}/{name}[{n}]", frame.path)
        } else {
            format!("{}/{name}", frame.path)
        }
    }

    fn start_tag(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.out.push('\n');
        for _ in 0..self.stack.len() {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.check(&format!("{name}@{k}"), v);
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v, true);
            self.out.push('"');
        }
    }

    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push('>');
        let path = self.label(name);
        self.stack.push(Frame {
            name,
            path,
            counts: Vec::new(),
        });
    }

    pub fn close(&mut self) {
        if let Some(frame) = self.stack.pop() {
            self.out.push('\n');
            for _ in 0..self.stack.len() {
                self.out.push_str("  ");
            }
            self.out.push_str("</");
            self.out.push_str(frame.name);
            self.out.push('>');
        }
    }

    /// An element with text and no children.
    pub fn leaf(&mut self, name: &'static str, attrs: &[(&str, &str)], text: &str) {
        self.check(name, text);
        self.start_tag(name, attrs);
        self.label(name);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn empty(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.label(name);
        self.out.push_str("/>");
    }

    /// `<Description xml:lang="…"><ShortName>…</ShortName>text</Description>`, on one line: the
    /// content is mixed, so no indentation may enter it.
    pub fn description(&mut self, lang: &str, text: &str, short_name: Option<&str>) {
        self.check("Description", text);
        self.start_tag("Description", &[("xml:lang", lang)]);
        self.label("Description");
        self.out.push('>');
        if let Some(s) = short_name {
            self.check("Description/ShortName", s);
            self.out.push_str("<ShortName>");
            escape_into(&mut self.out, s, false);
            self.out.push_str("</ShortName>");
        }
        escape_into(&mut self.out, text, false);
        self.out.push_str("</Description>");
    }

    /// `<wrapper><Money currency="…">amount</Money></wrapper>`.
    pub fn money(&mut self, wrapper: &'static str, m: &Money) {
        self.open(wrapper, &[]);
        self.leaf("Money", &[("currency", m.currency().code())], &m.amount_string());
        self.close();
    }

    /// Fails unless `m` is in `currency`.
    pub fn same_currency(&mut self, what: &str, m: &Money, currency: Currency) {
        if m.currency() != currency {
            self.fail_at(
                what,
                format!("is in {}, the document in {}", m.currency().code(), currency.code()),
            );
        }
    }

    /// Fails unless the quantity is above zero.
    pub fn positive(&mut self, what: &str, q: &Decimal) {
        if !q.is_positive() {
            self.fail_at(what, format!("quantity {q} is not above zero"));
        }
    }

    pub fn when(&mut self, what: &str, t: &Timestamp) -> String {
        t.rfc3339().unwrap_or_else(|| {
            self.fail_at(what, "the year is outside 0001–9999");
            String::new()
        })
    }

    pub fn status(&mut self, status: &Status, lang: &str) {
        if !(100..=999).contains(&status.code) {
            self.fail_at("Status", format!("code {} is not a three-digit status", status.code));
        }
        self.require("Status@text", &status.text);
        let code = status.code.to_string();
        let lang = status.lang.as_deref().unwrap_or(lang);
        let attrs = [
            ("code", code.as_str()),
            ("text", status.text.as_str()),
            ("xml:lang", lang),
        ];
        match &status.message {
            Some(m) => self.leaf("Status", &attrs, m),
            None => self.empty("Status", &attrs),
        }
    }

    pub fn extrinsics(&mut self, list: &[Extrinsic]) {
        for e in list {
            self.require("Extrinsic@name", &e.name);
            self.leaf("Extrinsic", &[("name", e.name.as_str())], &e.value);
        }
    }

    /// Comments text, when given.
    pub fn comments(&mut self, lang: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf("Comments", &[("xml:lang", lang)], t);
        }
    }

    /// Closes every open element and gives the document, or the first failure.
    pub fn finish(mut self) -> Result<String, CxmlError> {
        while !self.stack.is_empty() {
            self.close();
        }
        match self.err {
            Some(e) => Err(e),
            None => {
                self.out.push('\n');
                Ok(self.out)
            }
        }
    }
}

/// Which body the document has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Body {
    Request,
    Message,
    Response,
}

fn credentials(x: &mut Xml, party: &'static str, list: &[Credential], secrets: bool) {
    x.open(party, &[]);
    if list.is_empty() {
        x.fail("needs at least one Credential");
    }
    for c in list {
        x.require("Credential@domain", &c.domain);
        x.open("Credential", &[("domain", c.domain.as_str())]);
        x.require("Identity", &c.identity);
        x.leaf("Identity", &[], &c.identity);
        if let Some(secret) = c.shared_secret.as_deref().filter(|_| secrets) {
            x.leaf("SharedSecret", &[], secret);
        }
        x.close();
    }
}

/// The declaration, DOCTYPE, `cXML` root, `Header` (not for a `Response`) and the open body
/// (`Request`, `Message` or `Response`): the writer continues inside it.
pub(super) fn begin(env: &Envelope, dtd: DtdFile, body: Body) -> Xml {
    let mut x = Xml::new();
    x.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.out
        .push_str(&format!("<!DOCTYPE cXML SYSTEM \"{}\">", dtd.system_id()));
    let stamp = x.when("cXML@timestamp", &env.timestamp);
    let lang = env.lang.as_deref().unwrap_or("en-US");
    let mut attrs = vec![
        ("payloadID", env.payload_id.as_str()),
        ("timestamp", stamp.as_str()),
        ("xml:lang", lang),
    ];
    if let Some(v) = env.version.as_deref() {
        attrs.push(("version", v));
    }
    x.require("cXML@payloadID", &env.payload_id);
    x.open("cXML", &attrs);
    if body != Body::Response {
        x.open("Header", &[]);
        credentials(&mut x, "From", &env.from, false);
        x.close();
        credentials(&mut x, "To", &env.to, false);
        x.close();
        credentials(&mut x, "Sender", &env.sender, true);
        let agent = env.user_agent.as_deref().unwrap_or("");
        x.require("UserAgent", agent);
        x.leaf("UserAgent", &[], agent);
        x.close();
        x.close();
    }
    let mode = match env.deployment_mode {
        DeploymentMode::Production => "production",
        DeploymentMode::Test => "test",
    };
    match body {
        Body::Request => x.open("Request", &[("deploymentMode", mode)]),
        Body::Message => x.open("Message", &[("deploymentMode", mode)]),
        Body::Response => x.open("Response", &[]),
    }
    x
}

/// The document's language, for `xml:lang` on descriptions and comments.
pub(super) fn lang(env: &Envelope) -> &str {
    env.lang.as_deref().unwrap_or("en-US")
}
