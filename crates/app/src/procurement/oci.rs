//! SAP OCI: the buyer's SRM opens the catalogue with a browser call carrying `HOOK_URL`,
//! `USERNAME`/`PASSWORD` and `~TARGET`; the cart goes back as indexed `NEW_ITEM-*` fields posted
//! to the hook. The same punchout session as cXML; only the envelope differs.

use crate::App;
use crate::error::{AppError, Result};
use aftercart_domain::Qty;
use aftercart_domain::procurement::{CartLine, Operation, Protocol};
use aftercart_interchange::oci::{OciFunction, OciItem, cart_fields as oci_cart_fields, parse_setup};

/// What an OCI call came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OciStart {
    /// Send the browser here (the session's start page).
    Redirect(String),
    /// `FUNCTION=VALIDATE`: the product priced for this buyer goes straight back, no page shown.
    Return(super::CartReturn),
    /// The credentials did not open a link (which part was wrong is not said).
    Unauthorized,
    /// The call itself is malformed: the field and why.
    Invalid { field: String, reason: String },
}

impl App {
    /// The OCI inbound call (query or form fields) → a punchout session, or why not.
    pub async fn oci_punchout_setup(&self, fields: &[(String, String)]) -> Result<OciStart> {
        let setup = match parse_setup(fields) {
            Ok(s) => s,
            Err(e) => {
                return Ok(OciStart::Invalid {
                    field: e.field.clone(),
                    reason: e.reason.clone(),
                });
            }
        };
        let user = setup.username.clone().unwrap_or_default();
        let password = setup.password.clone().unwrap_or_default();
        let Some(link) = self.authenticate_link(Protocol::Oci, &user, &password).await? else {
            return Ok(OciStart::Unauthorized);
        };
        // VALIDATE and DETAIL name one product: the session opens with it in view (and, for
        // VALIDATE, in the cart at the quantity asked, to be priced and sent straight back).
        let start: Vec<(String, Qty)> = match &setup.function {
            OciFunction::Validate { product_id, quantity } => {
                vec![(
                    product_id.clone(),
                    Qty::new(quantity.as_ref().and_then(|q| q.to_u32()).unwrap_or(1)),
                )]
            }
            _ => Vec::new(),
        };
        let mut back = vec![(
            "~OkCode".to_owned(),
            setup.ok_code.clone().unwrap_or_else(|| "ADDI".into()),
        )];
        if let Some(t) = &setup.target {
            back.push(("~TARGET".into(), t.clone()));
        }
        if let Some(c) = &setup.caller {
            back.push(("~CALLER".into(), c.clone()));
        }
        let shopper = setup
            .field("USER_EMAIL")
            .or(setup.username.as_deref())
            .map(str::to_owned);
        let (_, token) = self
            .open_session(
                &link,
                Protocol::Oci,
                Operation::Create,
                None,
                setup.hook_url.clone(),
                setup.target.clone(),
                back,
                shopper,
                &start,
            )
            .await?;
        let start = self.punchout_start_url(&token);
        Ok(match &setup.function {
            OciFunction::Validate { .. } => OciStart::Return(self.punchout_return(&token).await?),
            // DETAIL opens on the product; a background search on the search's results (SRM
            // shows the page when it cannot take results without one).
            OciFunction::Detail { product_id } => {
                OciStart::Redirect(format!("{start}?sku={}", query_value(product_id)))
            }
            OciFunction::BackgroundSearch { search_string } => {
                OciStart::Redirect(format!("{start}?q={}", query_value(search_string)))
            }
            OciFunction::Browse | OciFunction::Other(_) => OciStart::Redirect(start),
        })
    }
}

/// A query-string value, percent-encoded (unreserved characters kept).
fn query_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The cart as OCI fields, with what the call asked to get back.
pub(crate) fn cart_fields(cart: &[CartLine], back: &[(String, String)]) -> Result<Vec<(String, String)>> {
    let items: Vec<OciItem> = cart
        .iter()
        .map(|l| {
            let mut it = OciItem::new(l.description.clone(), l.quantity, l.unit.clone(), l.unit_price);
            it.vendor_mat = Some(l.sku.clone());
            it.ext_product_id = Some(l.sku.clone());
            it.long_text = Some(l.description.clone());
            it
        })
        .collect();
    let mut fields = oci_cart_fields(&items).map_err(|e| AppError::Corrupt(format!("OCI cart: {e}")))?;
    fields.extend(back.iter().filter(|(k, _)| k != "~TARGET").cloned());
    Ok(fields)
}
