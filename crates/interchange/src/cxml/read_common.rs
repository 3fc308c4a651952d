//! Reading the parts every document shares (envelope, addresses, contacts, items, money), with
//! one rule: what the document must have to mean anything (a payload id, an order id, a
//! quantity) is an error naming the element when missing; what is merely odd (an unparseable
//! optional date, an unknown currency code, an empty amount) is kept as far as it can be and
//! noted in the document's warnings, so one sloppy field does not lose a whole order.

use super::model::{
    Address, Charge, Classification, Contact, Credential, DeploymentMode, Description, Distribution, Envelope,
    Extrinsic, ItemDetail, ItemId, OrderRef, Phone, PriceBasis, Segment, Status,
};
use super::values::{Amount, Decimal, Timestamp};
use super::xml::Node;
use super::{CxmlError, Warning};

/// What a reader collects besides its result.
#[derive(Default)]
pub(super) struct Ctx {
    pub warnings: Vec<Warning>,
}

impl Ctx {
    pub fn warn(&mut self, node: &Node, note: impl Into<String>) {
        self.warnings.push(Warning {
            path: node.path.clone(),
            line: node.line,
            note: note.into(),
        });
    }

    /// An optional date attribute: `None` when absent; when unparseable also `None`, noted.
    pub fn when(&mut self, node: &Node, attr: &str) -> Option<Timestamp> {
        let raw = node.attr(attr)?;
        let parsed = Timestamp::parse(&raw);
        if parsed.is_none() {
            self.warn(node, format!("{attr} '{raw}' is not a date; ignored"));
        }
        parsed
    }

    /// An optional decimal attribute; unparseable is noted and `None`.
    pub fn decimal(&mut self, node: &Node, attr: &str) -> Option<Decimal> {
        let raw = node.attr(attr)?;
        let parsed = Decimal::parse(&raw);
        if parsed.is_none() {
            self.warn(node, format!("{attr} '{raw}' is not a number; ignored"));
        }
        parsed
    }

    /// An optional whole-number attribute such as `lineNumber`; unparseable is noted and `None`.
    pub fn uint(&mut self, node: &Node, attr: &str) -> Option<u32> {
        let raw = node.attr(attr)?;
        let parsed = raw.parse::<u32>().ok();
        if parsed.is_none() {
            self.warn(node, format!("{attr} '{raw}' is not a whole number; ignored"));
        }
        parsed
    }

    /// The `Money` child of `parent` (`Total`, `UnitPrice`, `SubtotalAmount`, …), if present.
    pub fn money_in(&mut self, parent: Option<&Node>) -> Option<Amount> {
        let money = parent?.child("Money")?;
        let currency = money.attr("currency").unwrap_or_default();
        if currency.is_empty() {
            self.warn(money, "currency is missing");
        } else if crate::currency::iso4217(&currency).is_none() {
            self.warn(money, format!("'{currency}' is not an ISO 4217 currency"));
        }
        let value = money.text().and_then(|raw| {
            let parsed = Decimal::parse(&raw);
            if parsed.is_none() {
                self.warn(money, format!("'{raw}' is not an amount; ignored"));
            }
            parsed
        });
        Some(Amount { currency, value })
    }

    /// A `Shipping` or `Tax` child: its money and description.
    pub fn charge(&mut self, parent: &Node, name: &str) -> Option<Charge> {
        let node = parent.child(name)?;
        let amount = self.money_in(Some(node))?;
        Some(Charge {
            amount,
            description: node.child("Description").and_then(Node::all_text),
        })
    }
}

/// A required quantity attribute: a number, not negative.
pub(super) fn quantity(node: &Node) -> Result<Decimal, CxmlError> {
    let raw = node.require_attr("quantity")?;
    let q = Decimal::parse(&raw).ok_or_else(|| node.error(format!("quantity '{raw}' is not a number")))?;
    if q.is_negative() {
        return Err(node.error(format!("quantity '{raw}' is negative")));
    }
    Ok(q)
}

fn credential(node: &Node) -> Result<Credential, CxmlError> {
    Ok(Credential {
        domain: node.require_attr("domain")?,
        identity: node.require_text("Identity")?,
        shared_secret: node.child("SharedSecret").and_then(Node::all_text),
    })
}

fn credentials(header: Option<&Node>, party: &str) -> Result<Vec<Credential>, CxmlError> {
    let Some(node) = header.and_then(|h| h.child(party)) else {
        return Ok(Vec::new());
    };
    node.children("Credential").map(credential).collect()
}

/// The `cXML` root's attributes, its `Header`, and the deployment mode of its body.
pub(super) fn envelope(root: &Node) -> Result<Envelope, CxmlError> {
    if !root.is("cXML") {
        return Err(root.error(format!("the root element is {}, not cXML", root.name)));
    }
    let payload_id = root.require_attr("payloadID")?;
    let raw = root.require_attr("timestamp")?;
    let timestamp = Timestamp::parse(&raw).ok_or_else(|| root.error(format!("timestamp '{raw}' is not a date")))?;
    let header = root.child("Header");
    if header.is_none() && root.child("Response").is_none() {
        return Err(root.missing("Header"));
    }
    let body = root.child("Request").or_else(|| root.child("Message"));
    let deployment_mode = match body.and_then(|b| b.attr("deploymentMode")) {
        Some(m) if m.eq_ignore_ascii_case("test") => DeploymentMode::Test,
        _ => DeploymentMode::Production,
    };
    Ok(Envelope {
        payload_id,
        timestamp,
        lang: root.attr("xml:lang"),
        version: root.attr("version"),
        from: credentials(header, "From")?,
        to: credentials(header, "To")?,
        sender: credentials(header, "Sender")?,
        user_agent: header.and_then(|h| h.text_at("Sender/UserAgent")),
        deployment_mode,
    })
}

/// A `Status` element: `code` required, `text`, and its content as the message.
pub(super) fn status(node: &Node) -> Result<Status, CxmlError> {
    let raw = node.require_attr("code")?;
    let code = raw
        .parse::<u16>()
        .map_err(|_| node.error(format!("code '{raw}' is not a status code")))?;
    Ok(Status {
        code,
        text: node.attr("text").unwrap_or_default(),
        message: node.all_text(),
        lang: node.attr("xml:lang"),
    })
}

pub(super) fn extrinsics(node: &Node) -> Vec<Extrinsic> {
    node.children("Extrinsic")
        .map(|e| Extrinsic {
            name: e.attr("name").unwrap_or_default(),
            value: e.all_text().unwrap_or_default(),
        })
        .collect()
}

fn phone(node: Option<&Node>) -> Option<Phone> {
    let t = node?.child("TelephoneNumber")?;
    Some(Phone {
        country_code: t.text_at("CountryCode"),
        area_or_city_code: t.text_at("AreaOrCityCode"),
        number: t.text_at("Number"),
        extension: t.text_at("Extension"),
    })
}

/// An `Address` element.
pub(super) fn address(node: &Node) -> Address {
    let postal = node.child("PostalAddress");
    let texts = |name: &str| -> Vec<String> {
        postal
            .map(|p| p.children(name).filter_map(Node::text).collect())
            .unwrap_or_default()
    };
    let country = postal.and_then(|p| p.child("Country"));
    Address {
        address_id: node.attr("addressID"),
        name: node.text_at("Name"),
        deliver_to: texts("DeliverTo"),
        street: texts("Street"),
        city: postal.and_then(|p| p.text_at("City")),
        municipality: postal.and_then(|p| p.text_at("Municipality")),
        state: postal.and_then(|p| p.text_at("State")),
        postal_code: postal.and_then(|p| p.text_at("PostalCode")),
        country_code: country
            .and_then(|c| c.attr("isoCountryCode"))
            .or_else(|| node.attr("isoCountryCode")),
        country: country.and_then(Node::text),
        email: node.text_at("Email"),
        phone: phone(node.child("Phone")),
        url: node.text_at("URL"),
    }
}

/// The `Address` inside a `ShipTo` / `BillTo` child of `parent`.
pub(super) fn address_in(parent: &Node, wrapper: &str) -> Option<Address> {
    parent.child(wrapper)?.child("Address").map(address)
}

pub(super) fn contact(node: &Node) -> Contact {
    Contact {
        role: node.attr("role"),
        name: node.text_at("Name"),
        email: node.text_at("Email"),
        phone: phone(node.child("Phone")),
    }
}

pub(super) fn item_id(parent: &Node) -> Result<ItemId, CxmlError> {
    let id = parent.require("ItemID")?;
    Ok(ItemId {
        supplier_part_id: id.require_text("SupplierPartID")?,
        supplier_part_auxiliary_id: id.child("SupplierPartAuxiliaryID").and_then(Node::all_text),
        buyer_part_id: id.text_at("BuyerPartID"),
    })
}

pub(super) fn description(node: &Node) -> Description {
    Description {
        lang: node.attr("xml:lang"),
        text: node.text().unwrap_or_default(),
        short_name: node.text_at("ShortName"),
    }
}

/// An `ItemDetail` element (absent on some `ItemOut`s: then everything is empty).
pub(super) fn item_detail(node: Option<&Node>, ctx: &mut Ctx) -> ItemDetail {
    let Some(d) = node else {
        return ItemDetail::default();
    };
    let price_basis = d.child("PriceBasisQuantity").and_then(|p| {
        let quantity = ctx.decimal(p, "quantity");
        let conversion_factor = ctx.decimal(p, "conversionFactor");
        if quantity.is_none() {
            ctx.warn(p, "quantity is missing; the price basis is ignored");
        }
        Some(PriceBasis {
            quantity: quantity?,
            conversion_factor: conversion_factor.unwrap_or(Decimal::from(1)),
            unit_of_measure: p.text_at("UnitOfMeasure").unwrap_or_default(),
            description: p.child("Description").and_then(Node::all_text),
        })
    });
    let lead_time = d.child("LeadTime").and_then(|l| {
        let raw = l.text()?;
        let days = raw.parse::<u32>().ok();
        if days.is_none() {
            ctx.warn(l, format!("'{raw}' is not a number of days; ignored"));
        }
        days
    });
    ItemDetail {
        unit_price: ctx.money_in(d.child("UnitPrice")),
        descriptions: d.children("Description").map(description).collect(),
        unit_of_measure: d.text_at("UnitOfMeasure"),
        price_basis,
        classifications: d
            .children("Classification")
            .map(|c| Classification {
                domain: c.attr("domain").unwrap_or_default(),
                code: c.text().unwrap_or_default(),
            })
            .collect(),
        manufacturer_part_id: d.text_at("ManufacturerPartID"),
        manufacturer_name: d.text_at("ManufacturerName"),
        url: d.text_at("URL"),
        lead_time,
        extrinsics: extrinsics(d),
    }
}

/// Every `Distribution` of a line, with its accounting segments (both the `Segment` attribute
/// form and the older `AccountingSegment` element form).
pub(super) fn distributions(line: &Node, ctx: &mut Ctx) -> Vec<Distribution> {
    line.children("Distribution")
        .map(|d| {
            let accounting = d.child("Accounting");
            let mut segments: Vec<Segment> = accounting
                .map(|a| {
                    a.children("Segment")
                        .map(|s| Segment {
                            kind: s.attr("type").unwrap_or_default(),
                            id: s.attr("id").unwrap_or_default(),
                            description: s.attr("description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(a) = accounting {
                segments.extend(a.children("AccountingSegment").map(|s| Segment {
                    kind: s.text_at("Name").unwrap_or_default(),
                    id: s.attr("id").unwrap_or_default(),
                    description: s.child("Description").and_then(Node::all_text),
                }));
            }
            Distribution {
                accounting_name: accounting.and_then(|a| a.attr("name")).unwrap_or_default(),
                segments,
                charge: ctx.money_in(d.child("Charge")),
            }
        })
        .collect()
}

/// An `OrderReference` (or any element holding a `DocumentReference`) and its attributes.
pub(super) fn order_ref(node: &Node, ctx: &mut Ctx) -> OrderRef {
    OrderRef {
        order_id: node.attr("orderID"),
        order_date: ctx.when(node, "orderDate"),
        payload_id: node.child("DocumentReference").and_then(|d| d.attr("payloadID")),
    }
}

/// The comments' text (`Comments` may repeat; attachments are read separately).
pub(super) fn comments(node: &Node) -> Vec<String> {
    node.children("Comments").filter_map(Node::text).collect()
}
