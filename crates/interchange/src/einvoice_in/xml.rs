//! The invoice read whole into a small tree, each element named by its namespace's usual prefix
//! (`cbc:ID`, `ram:LineID`) whatever prefix the document chose, so lookups are namespace-aware:
//! an `ID` from an unknown namespace is `?:ID` and matches nothing. Invoices are small (a few
//! hundred kilobytes at most), so a tree keeps the readers simple; nesting is capped so no input
//! can exhaust the stack when the tree is dropped.

use super::EInvoiceError;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// Deeper than any UBL or CII invoice nests (about a dozen levels).
const MAX_DEPTH: usize = 64;

pub(super) const UBL_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
pub(super) const UBL_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
pub(super) const CII: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";

const PREFIXES: &[(&str, &str)] = &[
    (UBL_INVOICE, "doc"),
    (UBL_CREDIT_NOTE, "doc"),
    (
        "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cac",
    ),
    (
        "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        "cbc",
    ),
    (
        "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
        "ext",
    ),
    (CII, "rsm"),
    (
        "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
        "ram",
    ),
    ("urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100", "udt"),
    ("urn:un:unece:uncefact:data:standard:QualifiedDataType:100", "qdt"),
];

/// One element: its canonical name, where it starts, its text and attributes (by local name).
#[derive(Debug, Default)]
pub(super) struct Node {
    pub name: String,
    pub line: usize,
    pub text: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at a `/`-separated path of names below this one.
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('/').try_fold(self, |n, name| n.child(name))
    }

    /// The trimmed text, `None` when empty.
    pub fn value(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|t| !t.is_empty())
    }

    /// The trimmed text at `path`, owned.
    pub fn text_at(&self, path: &str) -> Option<String> {
        self.at(path).and_then(Node::value).map(str::to_owned)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn error(&self, reason: impl Into<String>) -> EInvoiceError {
        EInvoiceError::new(self.line, &self.name, reason)
    }

    pub fn missing(&self, path: &str) -> EInvoiceError {
        EInvoiceError::new(self.line, path, format!("missing in {}", self.name))
    }
}

/// The root element and the namespace it is in.
pub(super) struct Document {
    pub root: Node,
    pub namespace: Option<String>,
}

fn line_of(src: &[u8], pos: usize) -> usize {
    src[..pos.min(src.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Line numbers for positions that only move forward, counted once.
struct Lines<'a> {
    src: &'a [u8],
    to: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.src.len());
        if pos < self.to {
            return line_of(self.src, pos);
        }
        self.line += self.src[self.to..pos].iter().filter(|&&b| b == b'\n').count();
        self.to = pos;
        self.line
    }
}

fn canonical(ns: &ResolveResult<'_>, local: &str) -> String {
    let prefix = match ns {
        ResolveResult::Bound(n) => PREFIXES.iter().find(|(uri, _)| *uri == n.0).map_or("?", |(_, p)| p),
        _ => "?",
    };
    format!("{prefix}:{local}")
}

fn attributes(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("malformed XML: {err}"))?;
        let key = attr.key.local_name().as_ref().to_owned();
        if key == "xmlns" || attr.key.as_ref().starts_with("xmlns:") {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("malformed XML: {err}"))?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

fn push_text(stack: &mut [Node], text: &str) {
    if let Some(node) = stack.last_mut() {
        node.text.push_str(text);
    }
}

/// Reads the whole document. UTF-8 only (both syntaxes' Peppol and Factur-X profiles require it);
/// a byte order mark is skipped.
pub(super) fn parse(bytes: &[u8]) -> Result<Document, EInvoiceError> {
    let src = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(src)
        .map_err(|e| EInvoiceError::new(line_of(src, e.valid_up_to()), "", "the document is not UTF-8 text"))?;
    if let Some(at) = src
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return Err(EInvoiceError::new(
            line_of(src, at),
            "",
            format!("malformed XML: control character U+{:04X}", src[at]),
        ));
    }
    let mut reader = NsReader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let pos = |r: &NsReader<&[u8]>| usize::try_from(r.buffer_position()).unwrap_or(usize::MAX);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<(Node, Option<String>)> = None;
    let mut root_ns = None;
    let mut lines = Lines { src, to: 0, line: 1 };
    loop {
        let start = pos(&reader);
        let field = stack.last().map(|n| n.name.clone()).unwrap_or_default();
        let (name, bound, ev) = match reader.read_resolved_event() {
            Ok((ns, ev)) => {
                let name = match &ev {
                    Event::Start(e) => Some(canonical(&ns, e.local_name().as_ref())),
                    _ => None,
                };
                let bound = match &ns {
                    ResolveResult::Bound(n) => Some(n.0.to_owned()),
                    _ => None,
                };
                (name, bound, ev)
            }
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(EInvoiceError::new(
                    line_of(src, at),
                    field,
                    format!("malformed XML: {e}"),
                ));
            }
        };
        let at_line = lines.at(start);
        let line = || at_line;
        match ev {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(EInvoiceError::new(line(), "", "content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(EInvoiceError::new(line(), field, "elements nested too deep"));
                }
                let name = name.unwrap_or_default();
                let attrs = attributes(&e).map_err(|r| EInvoiceError::new(line(), &name, r))?;
                if stack.is_empty() {
                    root_ns = bound;
                }
                stack.push(Node {
                    name,
                    line: line(),
                    attrs,
                    ..Node::default()
                });
            }
            Event::End(_) => {
                let done = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some((done, root_ns.take())),
                }
            }
            Event::Text(t) if stack.is_empty() && !t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) => {
                return Err(EInvoiceError::new(line(), "", "text outside the root element"));
            }
            // White space outside the root falls here too, and goes nowhere.
            Event::Text(t) => push_text(&mut stack, &t),
            Event::CData(t) => push_text(&mut stack, &t),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => resolve_xml_entity(&r).map(str::to_owned),
                    Err(_) => None,
                };
                match resolved {
                    Some(s) if !stack.is_empty() => push_text(&mut stack, &s),
                    _ => return Err(EInvoiceError::new(line(), field, format!("unknown entity '&{};'", &*r))),
                }
            }
            Event::DocType(_) => {
                return Err(EInvoiceError::new(
                    line(),
                    "",
                    "a DOCTYPE is not accepted in an invoice",
                ));
            }
            Event::Eof => {
                return match (root, stack.last()) {
                    (Some((root, namespace)), None) => Ok(Document { root, namespace }),
                    (None, Some(open)) => Err(EInvoiceError::new(
                        line_of(src, src.len()),
                        &open.name,
                        format!("the document ends before </{}>", open.name),
                    )),
                    _ => Err(EInvoiceError::new(line(), "", "the document is empty")),
                };
            }
            _ => {}
        }
    }
}
