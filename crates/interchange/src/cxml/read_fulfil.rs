//! Fulfilment documents in: `ConfirmationRequest`, `ShipNoticeRequest` and `StatusUpdateRequest`.
//! Aftercart writes these (see `write_fulfil`); reading them back is how the writers are tested
//! and how a document a partner returns is understood. The enums here are shared with the
//! writers, so only the DTD's values can be written.

use super::model::{Envelope, Extrinsic, OrderRef, Status};
use super::read_common::{self as common, Ctx};
use super::values::{Amount, Decimal, Timestamp};
use super::xml::Node;
use super::{CxmlError, Warning};

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value for its cXML text, case-insensitively.
            pub fn parse(s: &str) -> Option<$name> {
                [$($name::$variant),+].into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            }
        }
    };
}

wire_enum! {
    /// The `operation` of a header: a new document, or one replacing or deleting an earlier one.
    DocumentOperation { New = "new", Update = "update", Delete = "delete" }
}

wire_enum! {
    /// `ConfirmationHeader type`.
    ConfirmationType {
        Accept = "accept", AllDetail = "allDetail", Detail = "detail", Backordered = "backordered",
        Except = "except", Reject = "reject", RequestToPay = "requestToPay", Replace = "replace",
    }
}

wire_enum! {
    /// `ConfirmationStatus type`: what happens to that part of a line.
    LineStatusType {
        Accept = "accept", AllDetail = "allDetail", Detail = "detail", Backordered = "backordered",
        Reject = "reject", Unknown = "unknown", RequestToPay = "requestToPay",
    }
}

fn operation(node: &Node, ctx: &mut Ctx) -> DocumentOperation {
    match node.attr("operation") {
        None => DocumentOperation::New,
        Some(raw) => DocumentOperation::parse(&raw).unwrap_or_else(|| {
            ctx.warn(node, format!("operation '{raw}' is unknown; read as new"));
            DocumentOperation::New
        }),
    }
}

/// What a status update says beyond its `Status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusExtension {
    /// `DocumentStatus type="…"` with its comments.
    Document { kind: String, comments: Vec<String> },
    /// `IntegrationStatus documentStatus="deliverySuccessful"` and the like.
    Integration { document_status: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdateRequest {
    pub envelope: Envelope,
    /// The payload id of the document whose status this is.
    pub document_payload_id: Option<String>,
    pub status: Status,
    pub extension: Option<StatusExtension>,
    pub extrinsics: Vec<Extrinsic>,
}

pub(super) fn status_update(envelope: Envelope, node: &Node) -> Result<StatusUpdateRequest, CxmlError> {
    let extension = if let Some(d) = node.child("DocumentStatus") {
        Some(StatusExtension::Document {
            kind: d.attr("type").unwrap_or_default(),
            comments: common::comments(d),
        })
    } else {
        node.child("IntegrationStatus").map(|i| StatusExtension::Integration {
            document_status: i.attr("documentStatus").unwrap_or_default(),
        })
    };
    Ok(StatusUpdateRequest {
        envelope,
        document_payload_id: node.child("DocumentReference").and_then(|d| d.attr("payloadID")),
        status: common::status(node.require("Status")?)?,
        extension,
        extrinsics: common::extrinsics(node),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNoticeHeader {
    pub shipment_id: String,
    pub operation: DocumentOperation,
    pub notice_date: Option<Timestamp>,
    pub shipment_date: Option<Timestamp>,
    pub delivery_date: Option<Timestamp>,
    pub comments: Vec<String>,
}

/// A `CarrierIdentifier` (`domain` SCAC, companyName, …) or `ShipmentIdentifier` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub domain: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipControl {
    pub carriers: Vec<Identifier>,
    pub shipment_ids: Vec<Identifier>,
    /// `ShipmentIdentifier trackingURL` of the first identifier carrying one.
    pub tracking_url: Option<String>,
}

impl ShipControl {
    fn carrier(&self, domain: &str) -> Option<&str> {
        self.carriers
            .iter()
            .find(|c| c.domain.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(domain)))
            .map(|c| c.value.as_str())
    }

    /// The carrier's Standard Carrier Alpha Code.
    pub fn scac(&self) -> Option<&str> {
        self.carrier("SCAC")
    }

    pub fn carrier_name(&self) -> Option<&str> {
        self.carrier("companyName")
    }

    pub fn tracking_numbers(&self) -> impl Iterator<Item = &str> {
        self.shipment_ids.iter().map(|s| s.value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNoticeLine {
    pub line_number: u32,
    pub quantity: Decimal,
    pub unit_of_measure: Option<String>,
    pub supplier_part_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNoticePortion {
    pub order: OrderRef,
    pub items: Vec<ShipNoticeLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNoticeRequest {
    pub envelope: Envelope,
    pub header: ShipNoticeHeader,
    pub controls: Vec<ShipControl>,
    pub portions: Vec<ShipNoticePortion>,
    pub warnings: Vec<Warning>,
}

fn identifiers(node: &Node, name: &str) -> Vec<Identifier> {
    node.children(name)
        .filter_map(|n| {
            Some(Identifier {
                domain: n.attr("domain"),
                value: n.text()?,
            })
        })
        .collect()
}

/// A required `lineNumber`.
fn line_number(node: &Node) -> Result<u32, CxmlError> {
    let raw = node.require_attr("lineNumber")?;
    raw.parse()
        .map_err(|_| node.error(format!("lineNumber '{raw}' is not a whole number")))
}

pub(super) fn ship_notice(envelope: Envelope, node: &Node) -> Result<ShipNoticeRequest, CxmlError> {
    let mut ctx = Ctx::default();
    let h = node.require("ShipNoticeHeader")?;
    let header = ShipNoticeHeader {
        shipment_id: h.require_attr("shipmentID")?,
        operation: operation(h, &mut ctx),
        notice_date: ctx.when(h, "noticeDate"),
        shipment_date: ctx.when(h, "shipmentDate"),
        delivery_date: ctx.when(h, "deliveryDate"),
        comments: common::comments(h),
    };
    let controls = node
        .children("ShipControl")
        .map(|c| ShipControl {
            carriers: identifiers(c, "CarrierIdentifier"),
            shipment_ids: identifiers(c, "ShipmentIdentifier"),
            tracking_url: c.children("ShipmentIdentifier").find_map(|s| s.attr("trackingURL")),
        })
        .collect();
    let mut portions = Vec::new();
    for p in node.children("ShipNoticePortion") {
        let order = common::order_ref(p.require("OrderReference")?, &mut ctx);
        let items = p
            .children("ShipNoticeItem")
            .map(|i| {
                Ok(ShipNoticeLine {
                    line_number: line_number(i)?,
                    quantity: common::quantity(i)?,
                    unit_of_measure: i.text_at("UnitOfMeasure"),
                    supplier_part_id: i.text_at("ItemID/SupplierPartID"),
                })
            })
            .collect::<Result<Vec<_>, CxmlError>>()?;
        portions.push(ShipNoticePortion { order, items });
    }
    Ok(ShipNoticeRequest {
        envelope,
        header,
        controls,
        portions,
        warnings: ctx.warnings,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationHeader {
    pub confirm_id: Option<String>,
    pub operation: DocumentOperation,
    pub kind: ConfirmationType,
    pub notice_date: Option<Timestamp>,
    pub total: Option<Amount>,
    pub comments: Vec<String>,
}

/// One `ConfirmationStatus`: what happens to `quantity` of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineStatus {
    pub kind: LineStatusType,
    pub quantity: Decimal,
    pub unit_of_measure: Option<String>,
    pub shipment_date: Option<Timestamp>,
    pub delivery_date: Option<Timestamp>,
    pub unit_price: Option<Amount>,
    pub comments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationLine {
    pub line_number: u32,
    pub quantity: Decimal,
    pub unit_of_measure: Option<String>,
    pub statuses: Vec<LineStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationRequest {
    pub envelope: Envelope,
    pub header: ConfirmationHeader,
    pub order: OrderRef,
    pub items: Vec<ConfirmationLine>,
    pub warnings: Vec<Warning>,
}

pub(super) fn confirmation(envelope: Envelope, node: &Node) -> Result<ConfirmationRequest, CxmlError> {
    let mut ctx = Ctx::default();
    let h = node.require("ConfirmationHeader")?;
    let raw = h.require_attr("type")?;
    let kind = ConfirmationType::parse(&raw).ok_or_else(|| h.error(format!("type '{raw}' is unknown")))?;
    let header = ConfirmationHeader {
        confirm_id: h.attr("confirmID"),
        operation: operation(h, &mut ctx),
        kind,
        notice_date: ctx.when(h, "noticeDate"),
        total: ctx.money_in(h.child("Total")),
        comments: common::comments(h),
    };
    let order = common::order_ref(node.require("OrderReference")?, &mut ctx);
    let mut items = Vec::new();
    for i in node.children("ConfirmationItem") {
        let mut statuses = Vec::new();
        for s in i.children("ConfirmationStatus") {
            let raw = s.require_attr("type")?;
            statuses.push(LineStatus {
                kind: LineStatusType::parse(&raw).ok_or_else(|| s.error(format!("type '{raw}' is unknown")))?,
                quantity: common::quantity(s)?,
                unit_of_measure: s.text_at("UnitOfMeasure"),
                shipment_date: ctx.when(s, "shipmentDate"),
                delivery_date: ctx.when(s, "deliveryDate"),
                unit_price: ctx.money_in(s.child("UnitPrice")),
                comments: common::comments(s),
            });
        }
        items.push(ConfirmationLine {
            line_number: line_number(i)?,
            quantity: common::quantity(i)?,
            unit_of_measure: i.text_at("UnitOfMeasure"),
            statuses,
        });
    }
    Ok(ConfirmationRequest {
        envelope,
        header,
        order,
        items,
        warnings: ctx.warnings,
    })
}
