//! The document read whole into a small tree before anything is interpreted. cXML documents are
//! small and procurement systems write their elements in any order and any letter case
//! (`PunchoutOrderMessage`, Coupa's `Contact` before `BrowserFormPost`), so readers look children
//! up by name, case-insensitively, instead of following the DTD's sequence. Each node knows its
//! path (`cXML/Request/OrderRequest/ItemOut[2]`) and line, so every error can say where.
//!
//! Safety: no DTD is ever fetched or expanded. A DOCTYPE whose internal subset declares entities
//! is refused outright (no entity-expansion bombs); a reference to any entity but the five
//! predefined ones is an error. Nesting is capped, so no input can exhaust the stack.

use super::CxmlError;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use std::collections::HashMap;

/// Far deeper than cXML nests (about fifteen levels).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
pub(super) struct Node {
    /// The element's name without any namespace prefix, as written.
    pub name: String,
    /// Names from the root, with `[n]` where a parent has several children of one name.
    pub path: String,
    pub line: usize,
    /// The element's own text (not its children's), entities resolved, untrimmed.
    pub text: String,
    /// Attributes by their full name (`xml:lang`), values normalised as XML says.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// XML whitespace only: a description may well begin with a no-break space.
pub(super) fn trim_xml(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r'])
}

impl Node {
    pub fn is(&self, name: &str) -> bool {
        local(&self.name).eq_ignore_ascii_case(name)
    }

    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(name))
    }

    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.is(name))
    }

    /// The element at a `/`-separated path of names below this one.
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('/').try_fold(self, |n, name| n.child(name))
    }

    /// The own text, trimmed; `None` when empty.
    pub fn text(&self) -> Option<String> {
        Some(trim_xml(&self.text)).filter(|t| !t.is_empty()).map(str::to_owned)
    }

    /// The text of this element and every descendant, in document order, trimmed (for elements
    /// declared `ANY`, such as `Extrinsic`, `Identity`, `BuyerCookie`).
    pub fn all_text(&self) -> Option<String> {
        let mut out = String::new();
        let mut stack = vec![self];
        // Own text first, then the children's: good enough for the flat content these carry.
        while let Some(n) = stack.pop() {
            out.push_str(&n.text);
            stack.extend(n.children.iter().rev());
        }
        Some(trim_xml(&out).to_owned()).filter(|t| !t.is_empty())
    }

    pub fn text_at(&self, path: &str) -> Option<String> {
        self.at(path).and_then(Node::text)
    }

    /// An attribute by name, case-insensitively, trimmed; `None` when absent or empty.
    pub fn attr(&self, name: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| trim_xml(v))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn error(&self, reason: impl Into<String>) -> CxmlError {
        CxmlError::new(&self.path, self.line, reason)
    }

    /// The error for a required child missing.
    pub fn missing(&self, child: &str) -> CxmlError {
        self.error(format!("{child} is missing"))
    }

    pub fn require(&self, child: &str) -> Result<&Node, CxmlError> {
        self.at(child).ok_or_else(|| self.missing(child))
    }

    pub fn require_attr(&self, name: &str) -> Result<String, CxmlError> {
        self.attr(name)
            .ok_or_else(|| self.error(format!("attribute {name} is missing")))
    }

    pub fn require_text(&self, child: &str) -> Result<String, CxmlError> {
        let node = self.require(child)?;
        node.all_text().ok_or_else(|| node.error("is empty"))
    }
}

fn line_of(src: &[u8], pos: usize) -> usize {
    src[..pos.min(src.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn attributes(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("malformed XML: {err}"))?;
        let key = attr.key.as_ref().to_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("malformed XML: {err}"))?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// A DOCTYPE's internal subset may not declare entities: nothing here expands them, and
/// refusing is clearer than silently leaving `&name;` unresolvable.
fn check_doctype(content: &str) -> Result<(), String> {
    match content.split_once('[') {
        Some((_, subset)) if subset.to_ascii_uppercase().contains("<!ENTITY") => {
            Err("the DOCTYPE's internal subset declares entities, which are refused".into())
        }
        _ => Ok(()),
    }
}

/// Gives each child its path, from the root down, once the whole tree is built.
fn assign_paths(root: &mut Node) {
    root.path = local(&root.name).to_owned();
    let mut stack: Vec<&mut Node> = vec![root];
    while let Some(node) = stack.pop() {
        let base = node.path.clone();
        let mut total: HashMap<String, usize> = HashMap::new();
        for c in &node.children {
            *total.entry(local(&c.name).to_ascii_lowercase()).or_default() += 1;
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for child in &mut node.children {
            let key = local(&child.name).to_ascii_lowercase();
            let nth = seen.entry(key.clone()).or_default();
            *nth += 1;
            let label = local(&child.name);
            child.path = if total[&key] > 1 {
                format!("{base}/{label}[{nth}]")
            } else {
                format!("{base}/{label}")
            };
        }
        stack.extend(node.children.iter_mut());
    }
}

/// Reads the whole document into its root element. UTF-8 only (a byte order mark is skipped).
pub(super) fn parse(bytes: &[u8]) -> Result<Node, CxmlError> {
    let src = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(src)
        .map_err(|e| CxmlError::new("", line_of(src, e.valid_up_to()), "the document is not UTF-8 text"))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let pos = |r: &Reader<&[u8]>| usize::try_from(r.buffer_position()).unwrap_or(usize::MAX);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let (mut counted_to, mut line) = (0usize, 1usize);
    loop {
        let start = pos(&reader);
        if start > counted_to {
            line += src[counted_to..start.min(src.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            counted_to = start.min(src.len());
        }
        let here = stack.last().map(|n| n.name.clone()).unwrap_or_default();
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(CxmlError::new(here, line_of(src, at), format!("malformed XML: {e}")));
            }
        };
        // Elements start after any whitespace the event began with.
        let skipped = text.get(start..).map_or(0, |t| t.len() - t.trim_start().len());
        let el_line = line + text.get(start..start + skipped).map_or(0, |t| t.matches('\n').count());
        match event {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(CxmlError::new("", el_line, "content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(CxmlError::new(here, el_line, "elements nested too deep"));
                }
                let name = e.name().as_ref().to_owned();
                let attrs = attributes(&e).map_err(|r| CxmlError::new(&name, el_line, r))?;
                stack.push(Node {
                    name,
                    line: el_line,
                    attrs,
                    ..Node::default()
                });
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else {
                    return Err(CxmlError::new("", el_line, "malformed XML: unexpected end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&t.xml10_content());
                } else if !trim_xml(&t.xml10_content()).is_empty() {
                    return Err(CxmlError::new("", el_line, "text outside the root element"));
                }
            }
            Event::CData(t) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => predefined(&r)
                        .ok_or_else(|| CxmlError::new(&here, el_line, format!("unknown entity &{};", &*r)))?,
                    Err(e) => return Err(CxmlError::new(&here, el_line, format!("malformed XML: {e}"))),
                };
                if let Some(node) = stack.last_mut() {
                    node.text.push(ch);
                }
            }
            Event::DocType(d) => {
                check_doctype(&d.xml10_content()).map_err(|r| CxmlError::new("DOCTYPE", el_line, r))?;
            }
            Event::Eof => break,
            Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(CxmlError::new(
            &stack[stack.len() - 1].name,
            line,
            "malformed XML: the document ends early",
        ));
    }
    let mut root = root.ok_or_else(|| CxmlError::new("", 1, "no root element: not an XML document"))?;
    assign_paths(&mut root);
    Ok(root)
}
