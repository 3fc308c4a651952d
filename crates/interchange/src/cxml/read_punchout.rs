//! The punchout conversation in: `PunchOutSetupRequest` (a buyer's user arrives: who, with what
//! cookie, and where to post the cart back), `PunchOutOrderMessage` (a cart coming back, read
//! for tests and for acting as the buyer) and `Response` (a status, and for a setup the start
//! page). What the app needs first is one call away: [`PunchOutSetupRequest::buyer_cookie`],
//! [`PunchOutSetupRequest::browser_form_post`] and the envelope's shared-secret check.

use super::model::{Address, Charge, Contact, Envelope, Extrinsic, ItemDetail, ItemId, Status};
use super::read_common::{self as common, Ctx};
use super::read_order::{OrderLine, item_out};
use super::values::{Amount, Decimal};
use super::xml::Node;
use super::{CxmlError, Warning};

/// `PunchOutSetupRequest operation` / `PunchOutOrderMessageHeader operationAllowed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Edit,
    Inspect,
    Source,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Edit => "edit",
            Operation::Inspect => "inspect",
            Operation::Source => "source",
        }
    }

    fn read(node: &Node, attr: &str) -> Result<Operation, CxmlError> {
        let raw = node.require_attr(attr)?;
        Ok(match raw.to_ascii_lowercase().as_str() {
            "create" => Operation::Create,
            "edit" => Operation::Edit,
            "inspect" => Operation::Inspect,
            "source" => Operation::Source,
            _ => return Err(node.error(format!("{attr} '{raw}' is not create, edit, inspect or source"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PunchOutSetupRequest {
    pub envelope: Envelope,
    pub operation: Operation,
    pub buyer_cookie: String,
    /// `BrowserFormPost/URL`: where the cart is posted back.
    pub browser_form_post: Option<String>,
    /// `SupplierSetup/URL`.
    pub supplier_setup: Option<String>,
    pub ship_to: Option<Address>,
    pub contacts: Vec<Contact>,
    pub extrinsics: Vec<Extrinsic>,
    /// `SelectedItem/ItemID`: the item the user chose in the buyer's catalogue.
    pub selected_item: Option<ItemId>,
    /// `ItemOut`s: the cart being edited or inspected.
    pub items: Vec<OrderLine>,
    pub warnings: Vec<Warning>,
}

impl PunchOutSetupRequest {
    pub fn buyer_cookie(&self) -> &str {
        &self.buyer_cookie
    }

    pub fn browser_form_post(&self) -> Option<&str> {
        self.browser_form_post.as_deref()
    }

    /// The extrinsic named `name` (`UserEmail`, `UniqueName`, …), case-insensitively.
    pub fn extrinsic(&self, name: &str) -> Option<&str> {
        super::model::extrinsic(&self.extrinsics, name)
    }
}

/// One `ItemIn`: a cart line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub line_number: Option<u32>,
    pub quantity: Decimal,
    pub item_id: ItemId,
    pub detail: ItemDetail,
    pub shipping: Option<Charge>,
    pub tax: Option<Charge>,
    pub extrinsics: Vec<Extrinsic>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PunchOutOrderMessage {
    pub envelope: Envelope,
    pub buyer_cookie: String,
    pub operation_allowed: Operation,
    pub total: Option<Amount>,
    pub ship_to: Option<Address>,
    pub shipping: Option<Charge>,
    pub tax: Option<Charge>,
    /// `SupplierOrderInfo orderID`.
    pub supplier_order_id: Option<String>,
    pub items: Vec<CartLine>,
    pub warnings: Vec<Warning>,
}

/// A `Response`: its status and, answering a setup request, the start page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub envelope: Envelope,
    pub status: Status,
    /// `PunchOutSetupResponse/StartPage/URL`.
    pub start_page: Option<String>,
}

pub(super) fn setup_request(envelope: Envelope, node: &Node) -> Result<PunchOutSetupRequest, CxmlError> {
    let mut ctx = Ctx::default();
    let operation = Operation::read(node, "operation")?;
    let buyer_cookie = node.require_text("BuyerCookie")?;
    let selected_item = match node.child("SelectedItem") {
        Some(s) => Some(common::item_id(s)?),
        None => None,
    };
    let items = node
        .children("ItemOut")
        .map(|l| item_out(l, &mut ctx))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PunchOutSetupRequest {
        envelope,
        operation,
        buyer_cookie,
        browser_form_post: node.text_at("BrowserFormPost/URL"),
        supplier_setup: node.text_at("SupplierSetup/URL"),
        ship_to: common::address_in(node, "ShipTo"),
        contacts: node.children("Contact").map(common::contact).collect(),
        extrinsics: common::extrinsics(node),
        selected_item,
        items,
        warnings: ctx.warnings,
    })
}

fn item_in(node: &Node, ctx: &mut Ctx) -> Result<CartLine, CxmlError> {
    Ok(CartLine {
        line_number: ctx.uint(node, "lineNumber"),
        quantity: common::quantity(node)?,
        item_id: common::item_id(node)?,
        detail: common::item_detail(Some(node.require("ItemDetail")?), ctx),
        shipping: ctx.charge(node, "Shipping"),
        tax: ctx.charge(node, "Tax"),
        extrinsics: common::extrinsics(node),
    })
}

pub(super) fn order_message(envelope: Envelope, node: &Node) -> Result<PunchOutOrderMessage, CxmlError> {
    let mut ctx = Ctx::default();
    let buyer_cookie = node.require_text("BuyerCookie")?;
    let header = node.require("PunchOutOrderMessageHeader")?;
    let total = ctx.money_in(header.child("Total"));
    if total.is_none() {
        ctx.warn(header, "Total is missing");
    }
    let items = node
        .children("ItemIn")
        .map(|l| item_in(l, &mut ctx))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PunchOutOrderMessage {
        envelope,
        buyer_cookie,
        operation_allowed: Operation::read(header, "operationAllowed")?,
        total,
        ship_to: common::address_in(header, "ShipTo"),
        shipping: ctx.charge(header, "Shipping"),
        tax: ctx.charge(header, "Tax"),
        supplier_order_id: header.child("SupplierOrderInfo").and_then(|s| s.attr("orderID")),
        items,
        warnings: ctx.warnings,
    })
}

pub(super) fn response(envelope: Envelope, node: &Node) -> Result<Response, CxmlError> {
    Ok(Response {
        envelope,
        status: common::status(node.require("Status")?)?,
        start_page: node.text_at("PunchOutSetupResponse/StartPage/URL"),
    })
}
