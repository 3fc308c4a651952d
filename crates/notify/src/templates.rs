use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};

use crate::message::{Branding, Content, Digest, Email, Fact, Guide, Help, Milestone, Period, Recipient, one_line};

/// The templates shipped with the crate. Names follow `<kind>.<subject|html|txt>`; files
/// starting with `_` are partials and `base.*` the layouts, neither of which is a kind.
const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("base.txt", include_str!("../templates/base.txt")),
    ("_button.html", include_str!("../templates/_button.html")),
    ("milestone.subject", include_str!("../templates/milestone.subject")),
    ("milestone.html", include_str!("../templates/milestone.html")),
    ("milestone.txt", include_str!("../templates/milestone.txt")),
    ("invitation.subject", include_str!("../templates/invitation.subject")),
    ("invitation.html", include_str!("../templates/invitation.html")),
    ("invitation.txt", include_str!("../templates/invitation.txt")),
    (
        "password_reset.subject",
        include_str!("../templates/password_reset.subject"),
    ),
    ("password_reset.html", include_str!("../templates/password_reset.html")),
    ("password_reset.txt", include_str!("../templates/password_reset.txt")),
    ("digest.subject", include_str!("../templates/digest.subject")),
    ("digest.html", include_str!("../templates/digest.html")),
    ("digest.txt", include_str!("../templates/digest.txt")),
    ("help.subject", include_str!("../templates/help.subject")),
    ("help.html", include_str!("../templates/help.html")),
    ("help.txt", include_str!("../templates/help.txt")),
    (
        "endpoint_disabled.subject",
        include_str!("../templates/endpoint_disabled.subject"),
    ),
    (
        "endpoint_disabled.html",
        include_str!("../templates/endpoint_disabled.html"),
    ),
    (
        "endpoint_disabled.txt",
        include_str!("../templates/endpoint_disabled.txt"),
    ),
];

const PARTS: [&str; 3] = ["subject", "html", "txt"];
const GENERIC: &str = "milestone";
const SMS_LIMIT: usize = 320;
/// Instructions one render may run. A digest of 500 milestones with five facts each
/// takes under 100,000 (measured); a seller's runaway loop stops here instead of tying
/// up a worker.
const FUEL: u64 = 1_000_000;

/// A template set could not be loaded. Always names the file at fault, so a seller
/// who broke an override learns which one when the set is loaded, not when a
/// notification is due.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template override directory {dir}: {source}")]
    Directory {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read template {file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unexpected file {file} in the template directory: expected <kind>.html, <kind>.txt or <kind>.subject")]
    UnexpectedFile { file: String },
    #[error("template {file} is broken: {message}")]
    Broken { file: String, message: String },
}

/// A message could not be rendered for this recipient.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("recipient {0:?} has no email address")]
    NoEmail(String),
    #[error("recipient address {address:?} is not a valid email address: {reason}")]
    BadAddress { address: String, reason: String },
    #[error("rendering {template} failed: {message}")]
    Template { template: String, message: String },
}

/// The compiled template set, built once and shared (rendering takes `&self`).
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates only.
    pub fn builtin() -> Result<Self, TemplateError> {
        Self::load(BTreeMap::new())
    }

    /// The built-in templates, with every same-named file in `dir` replacing its built-in
    /// one (and `<kind>.*` files adding kinds of the seller's own). Every template is
    /// compiled and test-rendered against sample data here, so a broken override fails now.
    pub fn with_overrides(dir: impl AsRef<Path>) -> Result<Self, TemplateError> {
        let dir = dir.as_ref();
        let entries = std::fs::read_dir(dir).map_err(|source| TemplateError::Directory {
            dir: dir.to_owned(),
            source,
        })?;
        let mut overrides = BTreeMap::new();
        for entry in entries {
            let entry = entry.map_err(|source| TemplateError::Directory {
                dir: dir.to_owned(),
                source,
            })?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || path.is_dir() {
                continue;
            }
            if !is_template_name(&name) {
                return Err(TemplateError::UnexpectedFile {
                    file: path.display().to_string(),
                });
            }
            let source = std::fs::read_to_string(&path).map_err(|source| TemplateError::Read {
                file: path.display().to_string(),
                source,
            })?;
            overrides.insert(name, (path.display().to_string(), source));
        }
        Self::load(overrides)
    }

    fn load(overrides: BTreeMap<String, (String, String)>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(|e| TemplateError::Broken {
                    file: "(syntax configuration)".into(),
                    message: e.to_string(),
                })?,
        );
        // Only HTML is escaped: a subject or text body shows `<` as `<`, not `&lt;`.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(html_formatter);
        env.set_fuel(Some(FUEL));
        // A misspelt variable in a seller's template is an error at load, not a blank.
        env.set_undefined_behavior(UndefinedBehavior::Strict);

        let mut origin: BTreeMap<String, String> = BTreeMap::new();
        for (name, source) in BUILT_IN {
            if !overrides.contains_key(*name) {
                env.add_template(name, source)
                    .map_err(|e| broken(format!("built-in {name}"), &e))?;
                origin.insert((*name).to_owned(), format!("built-in {name}"));
            }
        }
        for (name, (file, source)) in overrides {
            env.add_template_owned(name.clone(), source)
                .map_err(|e| broken(file.clone(), &e))?;
            origin.insert(name, file);
        }

        let templates = Self { env };
        templates.smoke_render(&origin)?;
        Ok(templates)
    }

    /// Renders every template once with sample data of its kind: runtime errors (an
    /// unknown filter, a missing `extends` target, a misspelt field) surface at load.
    fn smoke_render(&self, origin: &BTreeMap<String, String>) -> Result<(), TemplateError> {
        let sample = Sample::new();
        for name in origin.keys() {
            if name.starts_with('_') {
                continue;
            }
            let Some((kind, _)) = name.rsplit_once('.') else {
                continue;
            };
            let content = match kind {
                "digest" => Content::Digest(&sample.digest),
                "help" => Content::Help(&sample.help),
                _ => Content::Milestone(&sample.milestone),
            };
            let ctx = context_for(&sample.branding, &sample.recipient, content, Some(SAMPLE_UNSUB));
            if let Err(e) = self.env.get_template(name).and_then(|t| t.render(&ctx)) {
                // The error may sit in a layout or partial the template pulls in.
                let at = e.name().unwrap_or(name);
                let file = origin.get(at).cloned().unwrap_or_else(|| at.to_owned());
                return Err(broken(file, &e));
            }
        }
        Ok(())
    }

    /// Renders an email for one recipient. `unsubscribe_url` is shown in the footer and
    /// becomes the `List-Unsubscribe` header when sent; leave it out for mail a person
    /// cannot opt out of (invitations, password resets).
    pub fn render_email<'a>(
        &self,
        branding: &Branding,
        recipient: &Recipient,
        content: impl Into<Content<'a>>,
        unsubscribe_url: Option<&str>,
    ) -> Result<Email, RenderError> {
        let content = content.into();
        let to = mailbox(recipient)?;
        let branding = safe_branding(branding);
        let ctx = context_for(&branding, recipient, content, unsubscribe_url);
        let kind = content.kind();
        let subject = self.render_part(kind, "subject", &ctx)?;
        let html = self.render_part(kind, "html", &ctx)?;
        let text = self.render_part(kind, "txt", &ctx)?;
        Ok(Email {
            to,
            subject: one_line(&subject),
            html,
            text: tidy_text(&text),
            unsubscribe_url: unsubscribe_url.map(str::to_owned),
        })
    }

    /// `Seller: title. summary link`, at most 320 characters. The summary is shortened
    /// first and the title next; the link is never cut, since a cut link is a broken one.
    pub fn render_sms(&self, branding: &Branding, milestone: &Milestone) -> String {
        render_sms(branding, milestone)
    }

    fn render_part(&self, kind: &str, part: &str, ctx: &Value) -> Result<String, RenderError> {
        let own = format!("{kind}.{part}");
        let name = if is_kind(kind) && self.env.get_template(&own).is_ok() {
            own
        } else {
            format!("{GENERIC}.{part}")
        };
        self.env
            .get_template(&name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| RenderError::Template {
                template: name,
                message: format!("{e:#}"),
            })
    }
}

/// minijinja's HTML escaping also turns `/` into `&#x2f;`, which is valid but leaves every
/// URL in the markup unreadable (and some mail scanners do not decode it). Escaping the
/// five characters that matter in text and quoted attributes is enough.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(s)) if !value.is_safe() => {
            let mut escaped = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped)
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn broken(file: String, e: &minijinja::Error) -> TemplateError {
    TemplateError::Broken {
        file,
        message: format!("{e:#}"),
    }
}

/// A kind picks templates by name, so it must not reach layouts, partials or paths.
fn is_kind(kind: &str) -> bool {
    !kind.is_empty()
        && kind != "base"
        && !kind.starts_with('_')
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn is_template_name(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) if PARTS.contains(&ext) => {
            stem == "base" || is_kind(stem) || is_kind(stem.trim_start_matches('_'))
        }
        _ => false,
    }
}

fn context_for(
    branding: &Branding,
    recipient: &Recipient,
    content: Content<'_>,
    unsubscribe_url: Option<&str>,
) -> Value {
    let empty_items: &[Milestone] = &[];
    let empty_guides: &[Guide] = &[];
    let (milestone, items, period, guides) = match content {
        Content::Milestone(m) => (Some(m), empty_items, None, empty_guides),
        Content::Digest(d) => (None, d.items.as_slice(), Some(d.period), empty_guides),
        Content::Help(h) => (Some(&h.milestone), empty_items, None, h.guides.as_slice()),
    };
    context! {
        branding => Serde(branding),
        recipient => Serde(recipient),
        milestone => Serde(milestone),
        items => Serde(items),
        period => Serde(period),
        guides => Serde(guides),
        unsubscribe_url => unsubscribe_url,
    }
}

fn mailbox(recipient: &Recipient) -> Result<String, RenderError> {
    let address = recipient
        .email
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| RenderError::NoEmail(recipient.name.clone()))?;
    let parsed: lettre::Address =
        address
            .parse()
            .map_err(|e: lettre::address::AddressError| RenderError::BadAddress {
                address: address.to_owned(),
                reason: e.to_string(),
            })?;
    let name = one_line(&recipient.name);
    let name = (!name.is_empty()).then_some(name);
    Ok(lettre::message::Mailbox::new(name, parsed).to_string())
}

/// Colours land inside `style` attributes, where HTML escaping does not stop CSS
/// injection; anything but a hex colour or a colour name falls back to a default.
fn safe_branding(branding: &Branding) -> Branding {
    let mut b = branding.clone();
    b.primary_colour = safe_colour(&b.primary_colour, "#1d4ed8");
    b.accent_colour = safe_colour(&b.accent_colour, "#1d4ed8");
    b.portal_url = b.portal_url.trim_end_matches('/').to_owned();
    b
}

fn safe_colour(colour: &str, fallback: &str) -> String {
    let c = colour.trim();
    let hex = c
        .strip_prefix('#')
        .is_some_and(|h| matches!(h.len(), 3 | 4 | 6 | 8) && h.chars().all(|ch| ch.is_ascii_hexdigit()));
    let named = !c.is_empty() && c.len() <= 20 && c.chars().all(|ch| ch.is_ascii_alphabetic());
    if hex || named {
        c.to_owned()
    } else {
        tracing::warn!(colour, "branding colour is not a hex colour or name; using the default");
        fallback.to_owned()
    }
}

/// Templates are easier to read with blank lines around blocks; the output keeps at most
/// one blank line in a row and no trailing spaces.
fn tidy_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out.push('\n');
    out
}

fn render_sms(branding: &Branding, milestone: &Milestone) -> String {
    let seller = one_line(&branding.seller_name);
    let mut title = one_line(&milestone.title);
    if !title.ends_with(['.', '!', '?']) {
        title.push('.');
    }
    let mut summary = one_line(&milestone.summary);
    let link = milestone.link.trim();

    let len = |title: &str, summary: &str| {
        let mut n = seller.chars().count() + 2 + title.chars().count() + 1 + link.chars().count();
        if !summary.is_empty() {
            n += summary.chars().count() + 1;
        }
        n
    };
    if len(&title, &summary) > SMS_LIMIT {
        let room = SMS_LIMIT.saturating_sub(len(&title, ""));
        summary = shorten(&summary, room.saturating_sub(1));
    }
    if len(&title, &summary) > SMS_LIMIT {
        let room = SMS_LIMIT.saturating_sub(len("", &summary));
        title = shorten(&title, room);
    }
    let mut out = format!("{seller}: {title}");
    if !summary.is_empty() {
        out.push(' ');
        out.push_str(&summary);
    }
    out.push(' ');
    out.push_str(link);
    out
}

/// At most `max` characters, cut on a char boundary and marked with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut cut: String = s.chars().take(max - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

const SAMPLE_UNSUB: &str = "https://portal.example/unsubscribe/sample";

/// Data for the load-time test render: every field filled, so a template that reads one
/// renders, and one that reads a field that does not exist fails.
struct Sample {
    branding: Branding,
    recipient: Recipient,
    milestone: Milestone,
    digest: Digest,
    help: Help,
}

impl Sample {
    fn new() -> Self {
        let milestone = Milestone {
            kind: "shipped".into(),
            title: "SO-1000 has shipped".into(),
            summary: "All 3 lines left the warehouse today.".into(),
            facts: vec![Fact {
                label: "Carrier".into(),
                value: "DHL 00340434161094042557".into(),
            }],
            link: "https://portal.example/orders/SO-1000".into(),
            reference: "SO-1000".into(),
        };
        Self {
            branding: Branding {
                seller_name: "Sample Seller".into(),
                primary_colour: "#1d4ed8".into(),
                accent_colour: "#1d4ed8".into(),
                portal_url: "https://portal.example".into(),
                from_address: "Sample Seller <notifications@portal.example>".into(),
            },
            recipient: Recipient {
                name: "Sample Buyer".into(),
                email: Some("buyer@example.com".into()),
                phone: Some("+15550100000".into()),
            },
            digest: Digest {
                period: Period::Daily,
                items: vec![milestone.clone()],
            },
            help: Help {
                milestone: milestone.clone(),
                guides: vec![Guide {
                    product: "Sample product".into(),
                    title: "Setting up the sample product".into(),
                    url: "https://portal.example/guides/sample".into(),
                }],
            },
            milestone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_strips_header_breaks() {
        assert_eq!(one_line("Hello\r\nBcc: evil@x\t now "), "Hello Bcc: evil@x now");
    }

    #[test]
    fn shorten_cuts_on_char_boundary() {
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn colours_outside_the_allowed_forms_fall_back() {
        assert_eq!(safe_colour("#abc", "#000"), "#abc");
        assert_eq!(safe_colour("navy", "#000"), "navy");
        assert_eq!(safe_colour("red;background:url(x)", "#000"), "#000");
    }

    #[test]
    fn kinds_cannot_name_layouts_or_partials() {
        assert!(is_kind("shipped"));
        assert!(!is_kind("base"));
        assert!(!is_kind("_button"));
        assert!(!is_kind("../etc"));
    }
}
