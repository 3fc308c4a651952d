use aftercart_notify::{Content, Digest, Email, Guide, Help, Milestone, Period, TemplateError, Templates};

use crate::support::{self, fact, shipped};

fn render(content: Content<'_>, unsubscribe: Option<&str>) -> Email {
    Templates::builtin()
        .unwrap()
        .render_email(&support::branding(), &support::recipient(), content, unsubscribe)
        .unwrap()
}

fn milestone(kind: &str, title: &str, link: &str, facts: Vec<aftercart_notify::Fact>) -> Milestone {
    Milestone {
        kind: kind.into(),
        title: title.into(),
        summary: format!("Summary for {kind}."),
        facts,
        link: link.into(),
        reference: "SO-1042".into(),
    }
}

/// What every email must show, in both bodies.
fn assert_common(email: &Email, title: &str, summary: &str, fact_value: &str, link: &str) {
    assert!(!email.subject.is_empty() && !email.subject.contains(['\r', '\n']));
    assert!(email.html.starts_with("<!DOCTYPE html>"), "{}", email.html);
    assert!(email.html.contains("<html lang=\"en\">"));
    for needle in [title, summary, fact_value, link] {
        assert!(email.html.contains(needle), "html lacks {needle:?}:\n{}", email.html);
        assert!(email.text.contains(needle), "text lacks {needle:?}:\n{}", email.text);
    }
    assert!(email.html.contains("Northwind Supply"));
    assert!(email.html.contains("#1d4ed8"), "branding colour missing");
    assert!(!email.text.contains("{{") && !email.html.contains("{{"));
    assert_eq!(email.to, "Ana Díaz <ana@buyer.example>");
}

#[test]
fn a_kind_without_its_own_templates_uses_the_generic_ones() {
    let m = shipped();
    let email = render((&m).into(), None);
    assert_eq!(email.subject, "SO-1042 has shipped");
    assert_common(
        &email,
        "SO-1042 has shipped",
        &m.summary,
        "JD014600006281234567",
        &m.link,
    );
    assert!(
        email.text.contains("Tracking number: JD014600006281234567"),
        "{}",
        email.text
    );
    assert!(
        email
            .text
            .contains("View SO-1042: https://portal.example/orders/SO-1042")
    );
    assert!(email.html.contains(">View SO-1042</a>"));
}

#[test]
fn every_built_in_kind_renders() {
    let accept = "https://portal.example/invitations/inv_7Kq/accept";
    let reset = "https://portal.example/password/reset/rst_9Zp";
    let endpoint = "https://portal.example/settings/webhooks/ep_3";
    let cases = [
        (
            milestone(
                "invitation",
                "You are invited to order from Northwind Supply",
                accept,
                vec![fact("Invited by", "Sam Lee"), fact("Accept link", accept)],
            ),
            "Accept the invitation",
            "Northwind Supply: You are invited to order from Northwind Supply",
        ),
        (
            milestone(
                "password_reset",
                "Reset your password",
                reset,
                vec![fact("Link expires", "in 60 minutes")],
            ),
            "Choose a new password",
            "Northwind Supply: Reset your password",
        ),
        (
            milestone(
                "endpoint_disabled",
                "Webhook endpoint disabled",
                endpoint,
                vec![
                    fact("Endpoint", "https://erp.buyer.example/hooks"),
                    fact("Last error", "HTTP 410"),
                ],
            ),
            "Review the endpoint",
            "Northwind Supply: Webhook endpoint disabled",
        ),
    ];
    for (m, action, subject) in &cases {
        let email = render(m.into(), None);
        assert_eq!(&email.subject, subject);
        assert_common(&email, &m.title, &m.summary, &m.facts[0].value, &m.link);
        assert!(email.html.contains(action), "{}: {}", m.kind, email.html);
        assert!(
            email.text.contains(&format!("{action}: {}", m.link)),
            "{}: {}",
            m.kind,
            email.text
        );
    }

    let digest = Digest {
        period: Period::Weekly,
        items: vec![
            shipped(),
            milestone(
                "delivered",
                "SO-1043 was delivered",
                "https://portal.example/orders/SO-1043",
                vec![fact("Signed by", "R. Patel")],
            ),
        ],
    };
    let email = render((&digest).into(), Some("https://portal.example/u/1"));
    assert_eq!(email.subject, "Northwind Supply: your weekly summary (2 updates)");
    for needle in [
        "SO-1042 has shipped",
        "SO-1043 was delivered",
        "R. Patel",
        "JD014600006281234567",
        "https://portal.example/orders/SO-1043",
        "weekly",
    ] {
        assert!(email.html.contains(needle), "digest html lacks {needle}");
        assert!(email.text.contains(needle), "digest text lacks {needle}");
    }

    let help = Help {
        milestone: milestone(
            "delivered",
            "SO-1042 was delivered",
            "https://portal.example/orders/SO-1042",
            vec![fact("Delivered", "Tuesday 10 November")],
        ),
        guides: vec![
            Guide {
                product: "Label printer LP-200".into(),
                title: "Setting up the LP-200".into(),
                url: "https://help.northwind.example/lp-200".into(),
            },
            Guide {
                product: "Thermal rolls".into(),
                title: "Loading thermal rolls".into(),
                url: "https://help.northwind.example/rolls".into(),
            },
        ],
    };
    let email = render((&help).into(), None);
    assert_eq!(email.subject, "Northwind Supply: getting started with SO-1042");
    assert_common(
        &email,
        "SO-1042 was delivered",
        "Summary for delivered.",
        "Tuesday 10 November",
        "https://portal.example/orders/SO-1042",
    );
    for needle in [
        "Setting up the LP-200",
        "https://help.northwind.example/lp-200",
        "Label printer LP-200",
        "Loading thermal rolls",
    ] {
        assert!(email.html.contains(needle), "help html lacks {needle}");
        assert!(email.text.contains(needle), "help text lacks {needle}");
    }
}

#[test]
fn html_is_escaped_and_text_and_subject_are_not() {
    let mut m = shipped();
    m.title = "Tom & Jerry <Ltd> order".into();
    m.facts.push(fact("Note", "<script>alert(1)</script>"));
    let email = render((&m).into(), None);

    assert!(!email.html.contains("<script>"), "{}", email.html);
    assert!(
        email.html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || email.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        email.html
    );
    assert!(email.html.contains("Tom &amp; Jerry &lt;Ltd&gt; order"));
    assert!(email.text.contains("Note: <script>alert(1)</script>"));
    assert_eq!(email.subject, "Tom & Jerry <Ltd> order");
}

#[test]
fn subjects_are_one_line() {
    let mut m = shipped();
    m.title = "SO-1042 has shipped\r\nBcc: attacker@evil.example".into();
    let email = render((&m).into(), None);
    assert_eq!(email.subject, "SO-1042 has shipped Bcc: attacker@evil.example");
}

#[test]
fn the_footer_links_the_unsubscribe_url_only_when_there_is_one() {
    let m = shipped();
    let url = "https://portal.example/notifications/unsubscribe/tok_1";
    let with = render((&m).into(), Some(url));
    assert!(with.html.contains(&format!("<a href=\"{url}\"")), "{}", with.html);
    assert!(with.html.contains("Unsubscribe"));
    assert!(with.text.contains(&format!("Unsubscribe: {url}")));
    assert_eq!(with.unsubscribe_url.as_deref(), Some(url));

    let without = render((&m).into(), None);
    assert!(!without.html.contains("Unsubscribe"));
    assert!(!without.text.contains("Unsubscribe"));
}

#[test]
fn a_recipient_without_an_email_cannot_be_emailed() {
    let mut r = support::recipient();
    r.email = None;
    let m = shipped();
    let result = Templates::builtin()
        .unwrap()
        .render_email(&support::branding(), &r, &m, None);
    assert!(result.is_err());
}

#[test]
fn an_override_replaces_one_template_and_leaves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shipped.subject"),
        "On its way: {{ milestone.reference }} from {{ branding.seller_name }}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("shipped.html"),
        "{% extends \"base.html\" %}{% block intro %}<p>Packed with care: {{ milestone.summary }}</p>{% endblock %}",
    )
    .unwrap();
    let templates = Templates::with_overrides(dir.path()).unwrap();
    let branding = support::branding();
    let m = shipped();

    let email = templates
        .render_email(&branding, &support::recipient(), &m, None)
        .unwrap();
    assert_eq!(email.subject, "On its way: SO-1042 from Northwind Supply");
    assert!(email.html.contains("Packed with care: All 12 units"));
    assert!(
        email.html.contains("JD014600006281234567"),
        "the layout's facts still render"
    );
    // No shipped.txt override: the generic text body.
    assert!(
        email
            .text
            .contains("View SO-1042: https://portal.example/orders/SO-1042")
    );

    // Other kinds are untouched.
    let mut other = shipped();
    other.kind = "delivered".into();
    let email = templates
        .render_email(&branding, &support::recipient(), &other, None)
        .unwrap();
    assert_eq!(email.subject, "SO-1042 has shipped");
}

#[test]
fn a_broken_override_fails_at_load_naming_the_file() {
    for (name, source) in [
        (
            "shipped.html",
            "{% extends \"base.html\" %}{% block intro %}{% if %}{% endblock %}",
        ),
        ("invitation.txt", "{{ milestone.titel }}"),
        ("milestone.subject", "{{ milestone.title | no_such_filter }}"),
        ("base.html", "{% block content %}"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), source).unwrap();
        let err = Templates::with_overrides(dir.path()).unwrap_err();
        assert!(matches!(err, TemplateError::Broken { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains(name), "{name}: {err}");
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shipped.htm"), "hi").unwrap();
    let err = Templates::with_overrides(dir.path()).unwrap_err();
    assert!(matches!(err, TemplateError::UnexpectedFile { .. }), "{err:?}");
    assert!(err.to_string().contains("shipped.htm"));

    assert!(matches!(
        Templates::with_overrides("/nonexistent/aftercart-templates"),
        Err(TemplateError::Directory { .. })
    ));
}

#[test]
fn sms_fits_320_characters_and_keeps_the_link_whole() {
    let templates = Templates::builtin().unwrap();
    let branding = support::branding();
    let m = shipped();
    assert_eq!(
        templates.render_sms(&branding, &m),
        "Northwind Supply: SO-1042 has shipped. All 12 units of your order left our Leeds warehouse today. https://portal.example/orders/SO-1042"
    );

    let mut long = shipped();
    long.summary = "Ünïcödé ✓ ".repeat(60);
    long.link = format!("https://portal.example/orders/SO-1042?t={}", "a".repeat(80));
    let sms = templates.render_sms(&branding, &long);
    assert!(sms.chars().count() <= 320, "{} chars", sms.chars().count());
    assert!(sms.ends_with(&format!(" {}", long.link)), "{sms}");
    assert!(
        sms.starts_with("Northwind Supply: SO-1042 has shipped. Ünïcödé ✓"),
        "{sms}"
    );
    assert!(sms.contains('…'));

    // A title so long that the summary goes entirely still leaves the link whole.
    let mut huge = long.clone();
    huge.title = "T".repeat(400);
    let sms = templates.render_sms(&branding, &huge);
    assert!(sms.chars().count() <= 320, "{} chars", sms.chars().count());
    assert!(sms.ends_with(&long.link));
}

#[test]
fn a_big_digest_renders_and_a_runaway_override_is_stopped() {
    let mut item = shipped();
    item.facts.extend((0..2).map(|i| fact(&format!("Extra {i}"), "value")));
    let digest = Digest {
        period: Period::Daily,
        items: vec![item; 500],
    };
    let email = render((&digest).into(), None);
    assert_eq!(email.html.matches("JD014600006281234567").count(), 500);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("milestone.txt"),
        "{% for a in range(100000) %}{% for b in range(100000) %}.{% endfor %}{% endfor %}",
    )
    .unwrap();
    let err = Templates::with_overrides(dir.path()).unwrap_err();
    assert!(err.to_string().contains("milestone.txt"), "{err}");
}
