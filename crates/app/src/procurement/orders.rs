//! cXML `OrderRequest` in: the buyer's procurement system sends the approved requisition as a
//! purchase order, which becomes an order in the ledger with channel `punchout`, answered by a
//! cXML `Response`.
//!
//! A procurement system re-sends an order it got no answer for, with the same payload id: the
//! payload id is a de-duplication key committed with the order, so a resend is answered "already
//! received" and orders nothing. Each line's ship-to is matched to one of the account's
//! locations (by id, name, or postcode and street); a line whose address the account does not
//! know, and no default ship-to on the link, refuses the whole order with the line named —
//! nothing is half-placed.

use super::CxmlOrderRef;
use super::links::punchout_principal;
use super::punchout::CxmlAnswer;
use crate::docs::{Doc, decode, write};
use crate::error::{AppError, Result};
use crate::{App, Ctx, OrderLineInput, PlaceOrder, ProductRef};
use aftercart_domain::Qty;
use aftercart_domain::account::Account;
use aftercart_domain::ids::{LocationId, ProductId};
use aftercart_domain::order::Channel;
use aftercart_domain::product::Product;
use aftercart_interchange::cxml::{self, Address, DeploymentMode, Document, OrderLine, OrderType};
use aftercart_store::WriteMode;
use uuid::Uuid;

/// Why a line cannot be ordered: the element and the reason, for the `Response`'s text.
fn line_error(i: usize, what: &str) -> String {
    format!("ItemOut[{}]: {what}", i + 1)
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The account's ship-to location an address names.
pub(crate) fn match_location(acc: &Account, a: &Address) -> Option<LocationId> {
    let receiving = || acc.locations.iter().filter(|l| l.kind.can_receive());
    if let Some(id) = a.address_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if let Ok(u) = Uuid::parse_str(id)
            && let Some(l) = receiving().find(|l| l.id.0 == u)
        {
            return Some(l.id);
        }
        if let Some(l) = receiving().find(|l| squash(&l.name) == squash(id)) {
            return Some(l.id);
        }
    }
    if let Some(name) = a.name.as_deref()
        && let Some(l) = receiving().find(|l| squash(&l.name) == squash(name))
    {
        return Some(l.id);
    }
    let postcode = a.postal_code.as_deref().map(squash).unwrap_or_default();
    let street = a.street.first().map(|s| squash(s)).unwrap_or_default();
    if postcode.is_empty() || street.is_empty() {
        return None;
    }
    let mut found = receiving().filter(|l| squash(&l.postcode) == postcode && squash(&l.address) == street);
    match (found.next(), found.next()) {
        (Some(l), None) => Some(l.id),
        _ => None,
    }
}

impl App {
    /// `OrderRequest` in → an order (channel `punchout`) and the cXML `Response`.
    pub async fn cxml_order_request(&self, body: &[u8]) -> Result<CxmlAnswer> {
        let req = match cxml::parse(body) {
            Ok(Document::OrderRequest(r)) => r,
            Ok(other) => {
                let what = other.kind().element();
                return Ok(self.cxml_status(
                    Some(other.envelope()),
                    400,
                    &format!("expected an OrderRequest, not a {what}"),
                ));
            }
            Err(e) => return Ok(self.cxml_status(None, 400, &e.to_string())),
        };
        let env = &req.envelope;
        let Some(link) = self.cxml_link(env).await? else {
            return Ok(self.cxml_status(Some(env), 401, "Unauthorized"));
        };
        match req.header.order_type {
            OrderType::New => {}
            OrderType::Update | OrderType::Delete => {
                return Ok(self.cxml_status(
                    Some(env),
                    406,
                    "order changes and cancellations by OrderRequest are not accepted; change the order in the portal",
                ));
            }
        }
        if env.deployment_mode == DeploymentMode::Test {
            return Ok(self.cxml_status(Some(env), 200, "OK: a test document; nothing was ordered"));
        }
        let ctx = Ctx::new(punchout_principal(&link));
        let account = self.load::<Account>(&ctx, link.account_id.0).await?.value;
        let mut lines = Vec::with_capacity(req.lines.len());
        for (i, l) in req.lines.iter().enumerate() {
            match self.order_line(&account, link.default_ship_to, &req, i, l).await? {
                Ok(line) => lines.push(line),
                Err(why) => return Ok(self.cxml_status(Some(env), 400, &why)),
            }
        }
        if lines.is_empty() {
            return Ok(self.cxml_status(Some(env), 400, "the order has no ItemOut"));
        }
        let input = PlaceOrder {
            account_id: link.account_id,
            number: None,
            bill_to: None,
            po_number: Some(req.header.order_id.clone()),
            channel: Channel::Punchout,
            freight: None,
            placed_at: None,
            lines,
        };
        // Scoped to the link: payload ids are unique per sender, not across buyers.
        let dedup = format!("cxml_payload:{}", env.payload_id);
        let placed = self
            .run(&ctx, || async {
                let mut p = self.plan_place_order(&ctx, &input).await?;
                p.commit.dedup.push((link.id.0, dedup.clone()));
                // What every document about this order must reference, kept with it.
                let r = CxmlOrderRef {
                    order_id: p.value.value.id,
                    account_id: link.account_id,
                    link_id: link.id,
                    buyer_order_id: req.header.order_id.clone(),
                    buyer_order_date: req.header.order_date.as_ref().map(|t| t.at),
                    payload_id: env.payload_id.clone(),
                };
                p.commit.docs.push(write(&r, WriteMode::Insert)?);
                Ok(p)
            })
            .await;
        Ok(match placed {
            Ok(o) => self.cxml_status(Some(env), 200, &format!("OK: order {}", o.value.number)),
            Err(AppError::Duplicate) => self.cxml_status(Some(env), 200, "OK: this order was already received"),
            Err(AppError::Rejected(r)) => self.cxml_status(Some(env), 400, &format!("{}: {}", r.field, r.message)),
            Err(AppError::NotFound { what, field }) => self.cxml_status(
                Some(env),
                400,
                &format!("{}: {what} not found", field.unwrap_or_default()),
            ),
            Err(e) => return Err(e),
        })
    }

    /// One `ItemOut` as an order line, or why it cannot be ordered.
    async fn order_line(
        &self,
        account: &Account,
        default_ship_to: Option<LocationId>,
        req: &cxml::OrderRequest,
        i: usize,
        l: &OrderLine,
    ) -> Result<std::result::Result<OrderLineInput, String>> {
        let Some(q) = l.quantity.to_u32().filter(|q| *q > 0) else {
            return Ok(Err(line_error(i, "the quantity must be a whole number above zero")));
        };
        // The product: the id the cart sent as SupplierPartAuxiliaryID, else the SKU.
        let by_aux = l
            .item_id
            .supplier_part_auxiliary_id
            .as_deref()
            .and_then(|a| Uuid::parse_str(a.trim()).ok())
            .map(ProductId);
        let product = match by_aux {
            Some(id) => Some(ProductRef::Id(id)),
            None => match self
                .store
                .by_number(Product::KIND, l.item_id.supplier_part_id.trim())
                .await?
            {
                Some(row) => Some(ProductRef::Id(decode::<Product>(&row)?.value.id)),
                None => None,
            },
        };
        let Some(product) = product else {
            return Ok(Err(line_error(
                i,
                &format!("no product with SupplierPartID {}", l.item_id.supplier_part_id),
            )));
        };
        let ship_to = match req.ship_to_for(l) {
            Some(a) => match match_location(account, a).or(default_ship_to) {
                Some(s) => s,
                None => {
                    return Ok(Err(line_error(
                        i,
                        "ShipTo is not an address of this account; add it as a location, or set the link's default ship-to",
                    )));
                }
            },
            None => match default_ship_to {
                Some(s) => s,
                None => return Ok(Err(line_error(i, "no ShipTo, and the link has no default ship-to"))),
            },
        };
        let cost_centre = l
            .distributions
            .iter()
            .find_map(|d| d.cost_centre().map(|s| s.id.clone()))
            .or_else(|| {
                ["CostCenter", "CostCentre", "Cost Center"]
                    .iter()
                    .find_map(|n| {
                        cxml::extrinsic(&l.extrinsics, n).or_else(|| cxml::extrinsic(&req.header.extrinsics, n))
                    })
                    .map(str::to_owned)
            })
            .filter(|c| !c.trim().is_empty());
        // The project likewise: an accounting segment of kind Project, or an Extrinsic.
        let project = l
            .distributions
            .iter()
            .find_map(|d| d.project().map(|s| s.id.clone()))
            .or_else(|| {
                ["Project", "ProjectCode", "Project ID", "WBS"]
                    .iter()
                    .find_map(|n| {
                        cxml::extrinsic(&l.extrinsics, n).or_else(|| cxml::extrinsic(&req.header.extrinsics, n))
                    })
                    .map(str::to_owned)
            })
            .filter(|c| !c.trim().is_empty());
        Ok(Ok(OrderLineInput {
            product,
            quantity: Qty::new(q),
            ship_to,
            requested_date: l.requested_delivery_date.as_ref().map(|t| t.at.date()),
            po_number: None,
            cost_centre,
            project,
        }))
    }
}
