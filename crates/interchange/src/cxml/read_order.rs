//! `OrderRequest` in: the buyer's purchase order, read into a header and lines. Each line keeps
//! its own `ShipTo` when it has one (orders split across sites do this) and its accounting
//! distributions (cost centre, project), because those are what the buyer's invoice matching
//! will check; [`OrderRequest::ship_to_for`] gives the address that applies to a line.

use super::model::{Address, Charge, Contact, Distribution, Envelope, Extrinsic, ItemDetail, ItemId};
use super::read_common::{self as common, Ctx};
use super::values::{Amount, Decimal, Timestamp};
use super::xml::Node;
use super::{CxmlError, Warning};

/// `OrderRequestHeader type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    New,
    Update,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequestHeader {
    pub order_id: String,
    pub order_date: Option<Timestamp>,
    pub order_type: OrderType,
    /// `orderVersion`, where an update numbers its versions.
    pub order_version: Option<String>,
    pub total: Option<Amount>,
    pub ship_to: Option<Address>,
    pub bill_to: Option<Address>,
    pub shipping: Option<Charge>,
    pub tax: Option<Charge>,
    pub contacts: Vec<Contact>,
    pub comments: Vec<String>,
    /// `Comments/Attachment/URL`s.
    pub attachments: Vec<String>,
    pub extrinsics: Vec<Extrinsic>,
}

/// One `ItemOut`: a line of an order (or of an edit punchout's cart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub line_number: Option<u32>,
    pub quantity: Decimal,
    pub requested_delivery_date: Option<Timestamp>,
    pub item_id: ItemId,
    pub detail: ItemDetail,
    /// The line's own ship-to, when it differs from the header's.
    pub ship_to: Option<Address>,
    pub shipping: Option<Charge>,
    pub tax: Option<Charge>,
    pub distributions: Vec<Distribution>,
    pub comments: Vec<String>,
    /// The `ItemDetail`'s extrinsics and any placed directly on the line.
    pub extrinsics: Vec<Extrinsic>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub envelope: Envelope,
    pub header: OrderRequestHeader,
    pub lines: Vec<OrderLine>,
    pub warnings: Vec<Warning>,
}

impl OrderRequest {
    /// Where a line goes: its own ship-to, else the header's.
    pub fn ship_to_for<'a>(&'a self, line: &'a OrderLine) -> Option<&'a Address> {
        line.ship_to.as_ref().or(self.header.ship_to.as_ref())
    }
}

/// An `ItemOut` element.
pub(super) fn item_out(node: &Node, ctx: &mut Ctx) -> Result<OrderLine, CxmlError> {
    let detail_node = node.child("ItemDetail").or_else(|| node.child("BlanketItemDetail"));
    let detail = common::item_detail(detail_node, ctx);
    let mut extrinsics = detail.extrinsics.clone();
    extrinsics.extend(common::extrinsics(node));
    Ok(OrderLine {
        line_number: ctx.uint(node, "lineNumber"),
        quantity: common::quantity(node)?,
        requested_delivery_date: ctx.when(node, "requestedDeliveryDate"),
        item_id: common::item_id(node)?,
        detail,
        ship_to: common::address_in(node, "ShipTo"),
        shipping: ctx.charge(node, "Shipping"),
        tax: ctx.charge(node, "Tax"),
        distributions: common::distributions(node, ctx),
        comments: common::comments(node),
        extrinsics,
    })
}

fn header(node: &Node, ctx: &mut Ctx) -> Result<OrderRequestHeader, CxmlError> {
    let order_type = match node.attr("type").map(|t| t.to_ascii_lowercase()).as_deref() {
        None | Some("new") => OrderType::New,
        Some("update") => OrderType::Update,
        Some("delete") => OrderType::Delete,
        Some(other) => return Err(node.error(format!("type '{other}' is not new, update or delete"))),
    };
    let attachments = node
        .children("Comments")
        .flat_map(|c| c.children("Attachment"))
        .filter_map(|a| a.text_at("URL"))
        .collect();
    let total = ctx.money_in(node.child("Total"));
    if total.is_none() {
        ctx.warn(node, "Total is missing");
    }
    Ok(OrderRequestHeader {
        order_id: node.require_attr("orderID")?,
        order_date: ctx.when(node, "orderDate"),
        order_type,
        order_version: node.attr("orderVersion"),
        total,
        ship_to: common::address_in(node, "ShipTo"),
        bill_to: common::address_in(node, "BillTo"),
        shipping: ctx.charge(node, "Shipping"),
        tax: ctx.charge(node, "Tax"),
        contacts: node.children("Contact").map(common::contact).collect(),
        comments: common::comments(node),
        attachments,
        extrinsics: common::extrinsics(node),
    })
}

/// The `OrderRequest` element of a document whose envelope is read.
pub(super) fn order_request(envelope: Envelope, node: &Node) -> Result<OrderRequest, CxmlError> {
    let mut ctx = Ctx::default();
    let header = header(node.require("OrderRequestHeader")?, &mut ctx)?;
    let lines = node
        .children("ItemOut")
        .map(|l| item_out(l, &mut ctx))
        .collect::<Result<Vec<_>, _>>()?;
    if lines.is_empty() {
        return Err(node.missing("ItemOut"));
    }
    Ok(OrderRequest {
        envelope,
        header,
        lines,
        warnings: ctx.warnings,
    })
}
