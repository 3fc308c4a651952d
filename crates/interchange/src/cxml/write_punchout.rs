//! The punchout answers out: the `Response` to any request (a status), the
//! `PunchOutSetupResponse` (status 200 and the start page the buyer's browser is sent to) and the
//! `PunchOutOrderMessage` (the cart, posted back through the buyer's browser). The cart is
//! written from plain structs in the DTD's element order; every amount must be in the total's
//! currency, since the buyer adds them up.

use super::CxmlError;
use super::model::{Classification, Envelope, Extrinsic, PriceBasis, Status};
use super::read_punchout::Operation;
use super::values::Decimal;
use super::write::{Body, DtdFile, Xml, begin, lang};
use aftercart_domain::money::Money;

/// A `Response` with `status` (no header, as the DTD has it).
pub fn write_response(env: &Envelope, status: &Status) -> Result<String, CxmlError> {
    let mut x = begin(env, DtdFile::Cxml, Body::Response);
    x.status(status, lang(env));
    x.finish()
}

/// The `PunchOutSetupResponse`: status 200 OK and the start page URL (http or https).
pub fn write_punchout_setup_response(env: &Envelope, start_page_url: &str) -> Result<String, CxmlError> {
    let mut x = begin(env, DtdFile::Cxml, Body::Response);
    x.status(&Status::ok(), lang(env));
    x.open("PunchOutSetupResponse", &[]);
    x.open("StartPage", &[]);
    if !super::form::is_http_url(start_page_url) {
        x.fail_at("URL", "the start page must be an http(s) URL");
    }
    x.leaf("URL", &[], start_page_url);
    x.finish()
}

/// A header `Shipping` or `Tax`: the amount and the description the DTD requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeOut {
    pub amount: Money,
    pub description: String,
}

/// One cart line (`ItemIn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItemOut {
    pub quantity: Decimal,
    pub line_number: Option<u32>,
    pub supplier_part_id: String,
    /// Returned unchanged by the buyer in the order: a good place for the cart line's key.
    pub supplier_part_auxiliary_id: Option<String>,
    pub buyer_part_id: Option<String>,
    /// The price of one unit, or of the price basis' quantity when `price_basis` is set.
    pub unit_price: Money,
    pub description: String,
    pub short_name: Option<String>,
    /// A UN/CEFACT code (`EA`, `C62`, `BX`, …).
    pub unit_of_measure: String,
    /// Set when the price is per N units (per 100 screws, per box of 12).
    pub price_basis: Option<PriceBasis>,
    /// At least the UNSPSC code ([`Classification::unspsc`]): the DTD requires one.
    pub classification: Classification,
    pub manufacturer_part_id: Option<String>,
    pub manufacturer_name: Option<String>,
    pub url: Option<String>,
    pub lead_time_days: Option<u32>,
    pub extrinsics: Vec<Extrinsic>,
}

impl CartItemOut {
    /// A line with what the DTD requires; the options are `None`.
    pub fn new(
        quantity: impl Into<Decimal>,
        supplier_part_id: impl Into<String>,
        unit_price: Money,
        description: impl Into<String>,
        unit_of_measure: impl Into<String>,
        classification: Classification,
    ) -> CartItemOut {
        CartItemOut {
            quantity: quantity.into(),
            line_number: None,
            supplier_part_id: supplier_part_id.into(),
            supplier_part_auxiliary_id: None,
            buyer_part_id: None,
            unit_price,
            description: description.into(),
            short_name: None,
            unit_of_measure: unit_of_measure.into(),
            price_basis: None,
            classification,
            manufacturer_part_id: None,
            manufacturer_name: None,
            url: None,
            lead_time_days: None,
            extrinsics: Vec::new(),
        }
    }
}

/// The cart returned to the buyer (`PunchOutOrderMessage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderMessageOut {
    /// The setup request's buyer cookie, unchanged.
    pub buyer_cookie: String,
    /// What the buyer may do with the cart later (`Edit` lets them come back to change it).
    pub operation_allowed: Operation,
    /// The cart's total; every other amount must be in its currency.
    pub total: Money,
    pub shipping: Option<ChargeOut>,
    pub tax: Option<ChargeOut>,
    pub supplier_order_id: Option<String>,
    pub items: Vec<CartItemOut>,
}

fn charge(x: &mut Xml, name: &'static str, c: &ChargeOut, lang: &str, total: &Money) {
    x.same_currency(name, &c.amount, total.currency());
    x.open(name, &[]);
    x.leaf(
        "Money",
        &[("currency", c.amount.currency().code())],
        &c.amount.amount_string(),
    );
    x.require("Description", &c.description);
    x.description(lang, &c.description, None);
    x.close();
}

fn item(x: &mut Xml, it: &CartItemOut, lang: &str, total: &Money) {
    let quantity = it.quantity.to_string();
    let line = it.line_number.map(|n| n.to_string());
    let mut attrs = vec![("quantity", quantity.as_str())];
    if let Some(l) = line.as_deref() {
        attrs.push(("lineNumber", l));
    }
    x.open("ItemIn", &attrs);
    x.positive("", &it.quantity);
    x.open("ItemID", &[]);
    x.require("SupplierPartID", &it.supplier_part_id);
    x.leaf("SupplierPartID", &[], &it.supplier_part_id);
    if let Some(aux) = &it.supplier_part_auxiliary_id {
        x.leaf("SupplierPartAuxiliaryID", &[], aux);
    }
    if let Some(b) = &it.buyer_part_id {
        x.leaf("BuyerPartID", &[], b);
    }
    x.close();
    x.open("ItemDetail", &[]);
    x.same_currency("UnitPrice", &it.unit_price, total.currency());
    x.money("UnitPrice", &it.unit_price);
    x.require("Description", &it.description);
    x.description(lang, &it.description, it.short_name.as_deref());
    x.require("UnitOfMeasure", &it.unit_of_measure);
    x.leaf("UnitOfMeasure", &[], &it.unit_of_measure);
    if let Some(pb) = &it.price_basis {
        let (q, f) = (pb.quantity.to_string(), pb.conversion_factor.to_string());
        x.open(
            "PriceBasisQuantity",
            &[("quantity", q.as_str()), ("conversionFactor", f.as_str())],
        );
        x.positive("", &pb.quantity);
        if !pb.conversion_factor.is_positive() {
            x.fail("conversionFactor is not above zero");
        }
        x.require("UnitOfMeasure", &pb.unit_of_measure);
        x.leaf("UnitOfMeasure", &[], &pb.unit_of_measure);
        if let Some(d) = &pb.description {
            x.description(lang, d, None);
        }
        x.close();
    }
    let c = &it.classification;
    x.require("Classification@domain", &c.domain);
    x.require("Classification", &c.code);
    x.leaf("Classification", &[("domain", c.domain.as_str())], &c.code);
    if let Some(m) = &it.manufacturer_part_id {
        x.leaf("ManufacturerPartID", &[], m);
    }
    if let Some(m) = &it.manufacturer_name {
        x.leaf("ManufacturerName", &[("xml:lang", lang)], m);
    }
    if let Some(u) = &it.url {
        x.leaf("URL", &[], u);
    }
    if let Some(days) = it.lead_time_days {
        x.leaf("LeadTime", &[], &days.to_string());
    }
    x.extrinsics(&it.extrinsics);
    x.close();
    x.close();
}

/// The `PunchOutOrderMessage` carrying `msg` back to the buyer.
pub fn write_order_message(env: &Envelope, msg: &OrderMessageOut) -> Result<String, CxmlError> {
    let lang = lang(env);
    let mut x = begin(env, DtdFile::Cxml, Body::Message);
    x.open("PunchOutOrderMessage", &[]);
    x.require("BuyerCookie", &msg.buyer_cookie);
    x.leaf("BuyerCookie", &[], &msg.buyer_cookie);
    x.open(
        "PunchOutOrderMessageHeader",
        &[("operationAllowed", msg.operation_allowed.as_str())],
    );
    if msg.operation_allowed == Operation::Source {
        x.fail("operationAllowed must be create, inspect or edit");
    }
    x.money("Total", &msg.total);
    if let Some(s) = &msg.shipping {
        charge(&mut x, "Shipping", s, lang, &msg.total);
    }
    if let Some(t) = &msg.tax {
        charge(&mut x, "Tax", t, lang, &msg.total);
    }
    if let Some(id) = &msg.supplier_order_id {
        x.empty("SupplierOrderInfo", &[("orderID", id.as_str())]);
    }
    x.close();
    for it in &msg.items {
        item(&mut x, it, lang, &msg.total);
    }
    x.finish()
}
