//! Milestones from timeline events: the one sentence every channel (in-app, email, SMS, the
//! webhook's `milestone` field) says about an event, built from the event's own data so that
//! they can never disagree.

use aftercart_domain::notification::MilestoneKind;
use aftercart_store::EventRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A milestone as rendered for people; `link` is a portal path (channels make it absolute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub title: String,
    pub summary: String,
    pub facts: Vec<(String, String)>,
    pub link: String,
    pub reference: String,
}

/// The record a milestone's visibility is decided on (a scoped user hears only of what they
/// may open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Order(Uuid),
    Invoice(Uuid),
    Payment(Uuid),
    Return(Uuid),
    Case(Uuid),
    Exception(Uuid),
    /// A parcel: heard of by those who see where it goes (a location-scoped buyer hears of the
    /// parcels to their locations only, even on an order that also ships elsewhere).
    Shipment {
        order: Uuid,
        shipment: Uuid,
    },
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn uuid_at(v: &Value, k: &str) -> Option<Uuid> {
    s(v, k).and_then(|x| Uuid::parse_str(x).ok())
}

fn fact(label: &str, value: impl Into<String>) -> (String, String) {
    (label.to_owned(), value.into())
}

/// The milestone an event is, if any. `number` is the human number of the event's subject (the
/// order's SO-…, the invoice's INV-…), looked up by the caller.
pub fn milestone_of(e: &EventRow, number: &str) -> Option<(Milestone, About)> {
    let d: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
    let shipment = uuid_at(&d, "shipment_id");
    let order = |kind, title: String, summary: String, facts| {
        let about = match (e.kind.starts_with("shipment."), shipment) {
            (true, Some(s)) => About::Shipment {
                order: e.subject_id,
                shipment: s,
            },
            _ => About::Order(e.subject_id),
        };
        Some((
            Milestone {
                kind,
                title,
                summary,
                facts,
                link: format!("/orders/{}", e.subject_id),
                reference: number.to_owned(),
            },
            about,
        ))
    };
    match (e.kind.as_str(), e.subject_kind.as_str()) {
        ("approval.approved", "order") if s(&d, "state") == Some("approved") => order(
            MilestoneKind::OrderApproved,
            format!("{number} is approved"),
            format!(
                "{number} was approved by {} and is released for fulfilment.",
                e.actor_name
            ),
            vec![fact("Approved by", e.actor_name.clone())],
        ),
        ("approval.rejected", "order") => order(
            MilestoneKind::OrderRejected,
            format!("{number} was rejected"),
            format!(
                "{number} was rejected by {}{}",
                e.actor_name,
                e.reason.as_deref().map_or(".".to_owned(), |r| format!(": {r}"))
            ),
            vec![fact("Rejected by", e.actor_name.clone())],
        ),
        ("shipment.created", "order") => {
            let lines = d.get("lines").and_then(Value::as_array).map_or(0, Vec::len);
            let carrier = s(&d, "carrier").unwrap_or("the carrier");
            let mut facts = vec![fact("Carrier", carrier), fact("Lines", lines.to_string())];
            if let Some(t) = s(&d, "tracking_number") {
                facts.push(fact("Tracking number", t));
            }
            let plural = if lines == 1 { "line" } else { "lines" };
            order(
                MilestoneKind::Shipped,
                format!("{number} has shipped"),
                match d.get("from_dropship").and_then(Value::as_bool) {
                    Some(true) => format!("{lines} {plural} of {number} shipped with {carrier}."),
                    _ => format!(
                        "{lines} {plural} of {number} left {} with {carrier}.",
                        s(&d, "from").unwrap_or("the warehouse")
                    ),
                },
                facts,
            )
        }
        ("shipment.tracking", "order") => {
            let status = s(&d, "status")?;
            let place = s(&d, "location").map(|l| format!(" ({l})")).unwrap_or_default();
            let (kind, title, summary) = match status {
                "out_for_delivery" => (
                    MilestoneKind::OutForDelivery,
                    format!("{number} is out for delivery"),
                    format!("A parcel of {number} is out for delivery{place}."),
                ),
                "delivered" => (
                    MilestoneKind::Delivered,
                    format!("{number} was delivered"),
                    format!("A parcel of {number} was delivered{place}."),
                ),
                "exception" | "failed_attempt" | "returned_to_sender" => (
                    MilestoneKind::Delayed,
                    format!("{number} is delayed"),
                    format!(
                        "The carrier reported a problem with a parcel of {number}{place}: {}.",
                        s(&d, "description").unwrap_or(&status.replace('_', " "))
                    ),
                ),
                _ => return None,
            };
            order(
                kind,
                title,
                summary,
                vec![fact("Carrier status", status.replace('_', " "))],
            )
        }
        ("backorder.rescheduled", "order") => {
            let line = d.get("line").and_then(Value::as_u64).unwrap_or(0);
            let to = s(&d, "to").unwrap_or("not known yet");
            order(
                MilestoneKind::BackorderDateChanged,
                format!("New date for {number} line {line}"),
                format!("The backordered line {line} of {number} is now expected {to}."),
                vec![
                    fact("Line", line.to_string()),
                    fact("Was expected", s(&d, "from").unwrap_or("not set")),
                    fact("Now expected", to),
                ],
            )
        }
        ("order.change_accepted" | "order.change_rejected", "order") => {
            let accepted = e.kind == "order.change_accepted";
            let cr = s(&d, "change_request").unwrap_or("Your change request");
            order(
                MilestoneKind::ChangeRequestOutcome,
                format!("{cr} was {}", if accepted { "accepted" } else { "rejected" }),
                format!(
                    "{cr} on {number} was {}{}",
                    if accepted { "accepted" } else { "rejected" },
                    e.reason.as_deref().map_or(".".to_owned(), |r| format!(": {r}"))
                ),
                vec![fact("Decided by", e.actor_name.clone())],
            )
        }
        ("invoice.issued", "invoice") => Some((
            Milestone {
                kind: MilestoneKind::InvoiceIssued,
                title: format!("Invoice {number} issued"),
                summary: format!(
                    "Invoice {number} for {} is due on {}.",
                    s(&d, "total").unwrap_or("?"),
                    s(&d, "due_on").unwrap_or("?")
                ),
                facts: vec![
                    fact("Total", s(&d, "total").unwrap_or("?")),
                    fact("Due on", s(&d, "due_on").unwrap_or("?")),
                ],
                link: format!("/invoices/{}", e.subject_id),
                reference: number.to_owned(),
            },
            About::Invoice(e.subject_id),
        )),
        ("invoice.due_soon" | "invoice.overdue", "invoice") => {
            let overdue = e.kind == "invoice.overdue";
            Some((
                Milestone {
                    kind: if overdue {
                        MilestoneKind::Overdue
                    } else {
                        MilestoneKind::PaymentDueSoon
                    },
                    title: if let Some(level) =
                        s(&d, "level_label").filter(|_| s(&d, "level") != Some("overdue") && overdue)
                    {
                        format!("Invoice {number}: {}", level.to_lowercase())
                    } else if overdue {
                        format!("Invoice {number} is overdue")
                    } else {
                        format!("Invoice {number} is due soon")
                    },
                    summary: format!(
                        "Invoice {number} has {} open and {} on {}.",
                        s(&d, "open").unwrap_or("?"),
                        if overdue { "was due" } else { "is due" },
                        s(&d, "due_on").unwrap_or("?")
                    ),
                    facts: vec![
                        fact("Open", s(&d, "open").unwrap_or("?")),
                        fact("Due on", s(&d, "due_on").unwrap_or("?")),
                    ],
                    link: format!("/invoices/{}", e.subject_id),
                    reference: number.to_owned(),
                },
                About::Invoice(e.subject_id),
            ))
        }
        ("payment.received", "payment") => {
            let reference = s(&d, "reference").unwrap_or(number);
            Some((
                Milestone {
                    kind: MilestoneKind::PaymentReceived,
                    title: format!("Payment of {} received", s(&d, "amount").unwrap_or("?")),
                    summary: format!(
                        "We received your payment of {} ({reference}). Thank you.",
                        s(&d, "amount").unwrap_or("?")
                    ),
                    facts: vec![
                        fact("Amount", s(&d, "amount").unwrap_or("?")),
                        fact("Method", s(&d, "method").unwrap_or("?")),
                    ],
                    link: "/invoices".into(),
                    reference: reference.to_owned(),
                },
                About::Payment(e.subject_id),
            ))
        }
        (k, "return") if k.starts_with("return.") && k != "return.requested" => {
            let rma = s(&d, "return_number").unwrap_or(number);
            let state = s(&d, "state").unwrap_or("updated").replace('_', " ");
            Some((
                Milestone {
                    kind: MilestoneKind::ReturnStatus,
                    title: format!("Return {rma}: {state}"),
                    summary: format!("Your return {rma} is now {state}."),
                    facts: vec![fact("Status", state.clone())],
                    link: format!("/returns/{}", e.subject_id),
                    reference: rma.to_owned(),
                },
                About::Return(e.subject_id),
            ))
        }
        ("case.message", _) if s(&d, "side") == Some("seller") => {
            let case = uuid_at(&d, "case_id")?;
            let cs = s(&d, "case_number").unwrap_or("Your case");
            Some((
                Milestone {
                    kind: MilestoneKind::CaseReply,
                    title: format!("New reply on {cs}"),
                    summary: format!("{} replied on {cs} ({}).", e.actor_name, s(&d, "subject").unwrap_or("")),
                    facts: vec![fact("From", e.actor_name.clone())],
                    link: format!("/cases/{case}"),
                    reference: cs.to_owned(),
                },
                About::Case(case),
            ))
        }
        _ => None,
    }
}

/// The milestone of an exception the customer is shown (late, stalled, carrier trouble,
/// backorders, deliveries reported short): its customer text, linked to the order.
pub fn exception_milestone(x: &aftercart_domain::exception::Exception) -> Option<Milestone> {
    if !x.kind.customer_facing() {
        return None;
    }
    let text = x.customer_text.clone()?;
    let (link, reference) = match &x.order {
        Some((id, n)) => (format!("/orders/{}", id.0), n.clone()),
        None => ("/orders".to_owned(), String::new()),
    };
    Some(Milestone {
        kind: MilestoneKind::ExceptionRaised,
        title: if reference.is_empty() {
            x.kind.label().to_owned()
        } else {
            format!("{}: {reference}", x.kind.label())
        },
        summary: text,
        facts: vec![fact("What", x.kind.label())],
        link,
        reference,
    })
}
