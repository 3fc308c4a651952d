//! Fulfilment documents out, from plain structs: `ConfirmationRequest` (the supplier accepts,
//! details, backorders or rejects an order, line by line), `ShipNoticeRequest` (what left, with
//! which carrier and tracking number, for which order lines) and `StatusUpdateRequest` (the
//! status of an earlier document). The first two are declared in `Fulfill.dtd`, the last in
//! `cXML.dtd`. Checks are the ones a buyer's system would fail on: a line's statuses must add up
//! to the line's quantity, a ship control needs a carrier and a tracking number, every
//! reference needs the payload id of the document it refers to.

use super::CxmlError;
use super::model::{Envelope, Extrinsic, OrderRef, Status};
use super::read_fulfil::{ConfirmationType, DocumentOperation, LineStatusType, StatusExtension};
use super::values::{Decimal, Timestamp};
use super::write::{Body, DtdFile, Xml, begin, lang};
use aftercart_domain::money::Money;

/// `OrderReference orderID orderDate` with its `DocumentReference payloadID` (required).
fn order_reference(x: &mut Xml, order: &OrderRef) {
    let date = order.order_date.as_ref().map(|d| x.when("OrderReference@orderDate", d));
    let mut attrs = Vec::new();
    if let Some(id) = order.order_id.as_deref() {
        attrs.push(("orderID", id));
    }
    if let Some(d) = date.as_deref() {
        attrs.push(("orderDate", d));
    }
    x.open("OrderReference", &attrs);
    let payload = order.payload_id.as_deref().unwrap_or("");
    x.require("DocumentReference@payloadID", payload);
    x.empty("DocumentReference", &[("payloadID", payload)]);
    x.close();
}

/// One `ConfirmationStatus` of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineStatusOut {
    pub kind: LineStatusType,
    pub quantity: Decimal,
    pub shipment_date: Option<Timestamp>,
    /// For a backorder, when the goods are now expected.
    pub delivery_date: Option<Timestamp>,
    /// A changed price (`detail`).
    pub unit_price: Option<Money>,
    pub comments: Option<String>,
}

/// One `ConfirmationItem`: the order line and what happens to its quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationItemOut {
    pub line_number: u32,
    pub quantity: Decimal,
    pub unit_of_measure: String,
    /// Their quantities add up to `quantity` (say 6 accept and 4 backordered of 10).
    pub statuses: Vec<LineStatusOut>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationOut {
    pub confirm_id: Option<String>,
    /// `New` or `Update` (a confirmation cannot be deleted).
    pub operation: DocumentOperation,
    pub kind: ConfirmationType,
    pub notice_date: Timestamp,
    /// The order confirmed: its id, date and the `OrderRequest`'s payload id (required).
    pub order: OrderRef,
    pub total: Option<Money>,
    pub comments: Option<String>,
    /// Required for `detail` and `except`; optional when the whole order is accepted or rejected.
    pub items: Vec<ConfirmationItemOut>,
}

fn confirmation_item(x: &mut Xml, it: &ConfirmationItemOut, lang: &str) {
    let (q, n) = (it.quantity.to_string(), it.line_number.to_string());
    x.open(
        "ConfirmationItem",
        &[("quantity", q.as_str()), ("lineNumber", n.as_str())],
    );
    x.positive("", &it.quantity);
    x.require("UnitOfMeasure", &it.unit_of_measure);
    x.leaf("UnitOfMeasure", &[], &it.unit_of_measure);
    if it.statuses.is_empty() {
        x.fail("needs at least one ConfirmationStatus");
    }
    let sum = it
        .statuses
        .iter()
        .try_fold(Decimal::ZERO, |acc, s| acc.checked_add(s.quantity));
    if sum != Some(it.quantity) && !it.statuses.is_empty() {
        x.fail(format!(
            "the statuses' quantities do not add up to the line's {}",
            it.quantity
        ));
    }
    for s in &it.statuses {
        let q = s.quantity.to_string();
        let ship = s
            .shipment_date
            .as_ref()
            .map(|d| x.when("ConfirmationStatus@shipmentDate", d));
        let deliver = s
            .delivery_date
            .as_ref()
            .map(|d| x.when("ConfirmationStatus@deliveryDate", d));
        let mut attrs = vec![("quantity", q.as_str()), ("type", s.kind.as_str())];
        if let Some(d) = ship.as_deref() {
            attrs.push(("shipmentDate", d));
        }
        if let Some(d) = deliver.as_deref() {
            attrs.push(("deliveryDate", d));
        }
        x.open("ConfirmationStatus", &attrs);
        x.positive("", &s.quantity);
        x.leaf("UnitOfMeasure", &[], &it.unit_of_measure);
        if let Some(p) = &s.unit_price {
            x.money("UnitPrice", p);
        }
        x.comments(lang, s.comments.as_deref());
        x.close();
    }
    x.close();
}

/// The `ConfirmationRequest` for `c` (Fulfill.dtd).
pub fn write_confirmation(env: &Envelope, c: &ConfirmationOut) -> Result<String, CxmlError> {
    let lang = lang(env);
    let mut x = begin(env, DtdFile::Fulfill, Body::Request);
    x.open("ConfirmationRequest", &[]);
    let notice = x.when("ConfirmationHeader@noticeDate", &c.notice_date);
    let mut attrs = vec![
        ("type", c.kind.as_str()),
        ("noticeDate", notice.as_str()),
        ("operation", c.operation.as_str()),
    ];
    if let Some(id) = c.confirm_id.as_deref() {
        attrs.push(("confirmID", id));
    }
    x.open("ConfirmationHeader", &attrs);
    if c.operation == DocumentOperation::Delete {
        x.fail("operation must be new or update");
    }
    if matches!(c.kind, ConfirmationType::Detail | ConfirmationType::Except) && c.items.is_empty() {
        x.fail(format!(
            "a '{}' confirmation needs its ConfirmationItems",
            c.kind.as_str()
        ));
    }
    if let Some(t) = &c.total {
        x.money("Total", t);
    }
    x.comments(lang, c.comments.as_deref());
    x.close();
    order_reference(&mut x, &c.order);
    for it in &c.items {
        confirmation_item(&mut x, it, lang);
    }
    x.finish()
}

/// One `ShipControl`: the carrier (SCAC and/or name; one at least) and its tracking numbers
/// (one at least).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipControlOut {
    pub scac: Option<String>,
    pub carrier_name: Option<String>,
    pub tracking_numbers: Vec<String>,
    /// Written on the first tracking number.
    pub tracking_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNoticeItemOut {
    pub line_number: u32,
    pub quantity: Decimal,
    pub unit_of_measure: String,
    pub supplier_part_id: Option<String>,
}

/// The lines of one order in the shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNoticePortionOut {
    /// The order shipped: its id, date and the `OrderRequest`'s payload id (required).
    pub order: OrderRef,
    pub items: Vec<ShipNoticeItemOut>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNoticeOut {
    pub shipment_id: String,
    pub operation: DocumentOperation,
    pub notice_date: Timestamp,
    pub shipment_date: Option<Timestamp>,
    pub delivery_date: Option<Timestamp>,
    pub comments: Option<String>,
    pub controls: Vec<ShipControlOut>,
    pub portions: Vec<ShipNoticePortionOut>,
}

fn ship_control(x: &mut Xml, c: &ShipControlOut) {
    x.open("ShipControl", &[]);
    if c.scac.is_none() && c.carrier_name.is_none() {
        x.fail("needs the carrier's SCAC or name");
    }
    if let Some(s) = &c.scac {
        x.require("CarrierIdentifier", s);
        x.leaf("CarrierIdentifier", &[("domain", "SCAC")], s);
    }
    if let Some(n) = &c.carrier_name {
        x.require("CarrierIdentifier", n);
        x.leaf("CarrierIdentifier", &[("domain", "companyName")], n);
    }
    if c.tracking_numbers.is_empty() {
        x.fail("needs at least one tracking number (ShipmentIdentifier)");
    }
    for (i, t) in c.tracking_numbers.iter().enumerate() {
        x.require("ShipmentIdentifier", t);
        match c.tracking_url.as_deref().filter(|_| i == 0) {
            Some(url) => x.leaf("ShipmentIdentifier", &[("trackingURL", url)], t),
            None => x.leaf("ShipmentIdentifier", &[], t),
        }
    }
    x.close();
}

/// The `ShipNoticeRequest` for `s` (Fulfill.dtd).
pub fn write_ship_notice(env: &Envelope, s: &ShipNoticeOut) -> Result<String, CxmlError> {
    let lang = lang(env);
    let mut x = begin(env, DtdFile::Fulfill, Body::Request);
    x.open("ShipNoticeRequest", &[]);
    let notice = x.when("ShipNoticeHeader@noticeDate", &s.notice_date);
    let shipped = s
        .shipment_date
        .as_ref()
        .map(|d| x.when("ShipNoticeHeader@shipmentDate", d));
    let delivered = s
        .delivery_date
        .as_ref()
        .map(|d| x.when("ShipNoticeHeader@deliveryDate", d));
    let mut attrs = vec![
        ("shipmentID", s.shipment_id.as_str()),
        ("operation", s.operation.as_str()),
        ("noticeDate", notice.as_str()),
    ];
    if let Some(d) = shipped.as_deref() {
        attrs.push(("shipmentDate", d));
    }
    if let Some(d) = delivered.as_deref() {
        attrs.push(("deliveryDate", d));
    }
    x.open("ShipNoticeHeader", &attrs);
    x.require("@shipmentID", &s.shipment_id);
    x.comments(lang, s.comments.as_deref());
    x.close();
    for c in &s.controls {
        ship_control(&mut x, c);
    }
    for p in &s.portions {
        x.open("ShipNoticePortion", &[]);
        order_reference(&mut x, &p.order);
        for it in &p.items {
            let (q, n) = (it.quantity.to_string(), it.line_number.to_string());
            x.open(
                "ShipNoticeItem",
                &[("quantity", q.as_str()), ("lineNumber", n.as_str())],
            );
            x.positive("", &it.quantity);
            if let Some(part) = &it.supplier_part_id {
                x.open("ItemID", &[]);
                x.require("SupplierPartID", part);
                x.leaf("SupplierPartID", &[], part);
                x.close();
            }
            x.require("UnitOfMeasure", &it.unit_of_measure);
            x.leaf("UnitOfMeasure", &[], &it.unit_of_measure);
            x.close();
        }
        x.close();
    }
    x.finish()
}

/// A `StatusUpdateRequest`: the status of the document with `document_payload_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdateOut {
    pub document_payload_id: String,
    pub status: Status,
    pub extension: Option<StatusExtension>,
    pub extrinsics: Vec<Extrinsic>,
}

/// `IntegrationStatus documentStatus` values the DTD allows.
const INTEGRATION_STATES: &[&str] = &[
    "deliverySuccessful",
    "deliveryDelayed",
    "deliveryFailed",
    "deliveryReady",
    "customerConfirmed",
    "customerReceived",
    "customerFailed",
];

/// The `StatusUpdateRequest` for `u` (cXML.dtd).
pub fn write_status_update(env: &Envelope, u: &StatusUpdateOut) -> Result<String, CxmlError> {
    let lang = lang(env);
    let mut x = begin(env, DtdFile::Cxml, Body::Request);
    x.open("StatusUpdateRequest", &[]);
    x.require("DocumentReference@payloadID", &u.document_payload_id);
    x.empty("DocumentReference", &[("payloadID", u.document_payload_id.as_str())]);
    x.status(&u.status, lang);
    match &u.extension {
        Some(StatusExtension::Document { kind, comments }) => {
            x.require("DocumentStatus@type", kind);
            x.open("DocumentStatus", &[("type", kind.as_str())]);
            for c in comments {
                x.leaf("Comments", &[("xml:lang", lang)], c);
            }
            x.close();
        }
        Some(StatusExtension::Integration { document_status }) => {
            if !INTEGRATION_STATES.contains(&document_status.as_str()) {
                x.fail_at(
                    "IntegrationStatus",
                    format!("documentStatus '{document_status}' is not one the DTD allows"),
                );
            }
            x.empty("IntegrationStatus", &[("documentStatus", document_status.as_str())]);
        }
        None => {}
    }
    x.extrinsics(&u.extrinsics);
    x.finish()
}
