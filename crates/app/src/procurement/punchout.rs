//! Punchout: a buyer leaves their procurement system for the seller's catalogue and goes back
//! with a cart (cXML `PunchOutSetupRequest` → session → `PunchOutOrderMessage`).
//!
//! The session's token is the only key to it: it travels in the start URL, is stored as its
//! SHA-256 (a leaked database does not open sessions), and lives two hours. The buyer acts as a
//! buyer of the link's account and nothing more, so prices and products are the account's.
//! cXML answers are built here from the interchange crate's wire types; the API only moves bytes.

use super::links::punchout_principal;
use crate::docs::{Doc, decode, event, write};
use crate::error::{AppError, Result};
use crate::{App, Ctx, Versioned};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, ProductId};
use aftercart_domain::money::Money;
use aftercart_domain::procurement::session::SESSION_MINUTES;
use aftercart_domain::procurement::{
    CartEncoding, CartLine, Operation, ProcurementLink, Protocol, PunchoutSession, SessionState,
};
use aftercart_domain::product::Product;
use aftercart_domain::{ErrorCode, Qty, Rejection};
use aftercart_interchange::cxml::{
    self, CartItemOut, Classification, Credential, Document, Encoding, Envelope, OrderMessageOut, Status,
};
use aftercart_store::{Commit, WriteMode};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Duration;
use uuid::Uuid;

impl Doc for PunchoutSession {
    const KIND: &'static str = PunchoutSession::KIND;
    const WHAT: &'static str = "punchout session";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn number(&self) -> Option<String> {
        Some(self.token_hash.clone())
    }
    fn status(&self) -> Option<String> {
        Some(match self.state {
            SessionState::Open => "open".into(),
            SessionState::Returned { .. } => "returned".into(),
        })
    }
}

/// A cXML answer: the HTTP status to send and the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CxmlAnswer {
    pub http_status: u16,
    pub xml: String,
}

/// Where the cart goes back, and the form fields that carry it (posted by the buyer's browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartReturn {
    pub url: String,
    pub target: Option<String>,
    pub fields: Vec<(String, String)>,
}

impl CartReturn {
    /// The page that posts the cart back as soon as it loads (a button without scripts).
    pub fn html(&self) -> Result<String> {
        cxml::auto_post_html_with_target(&self.url, self.target.as_deref(), &self.fields)
            .map_err(|e| AppError::Corrupt(format!("the return URL: {e}")))
    }

    /// The page's own Content-Security-Policy: its one inline script by hash, and forms only to
    /// the procurement system's return URL.
    pub fn csp(&self) -> String {
        let origin = origin_of(&self.url);
        format!(
            "default-src 'none'; script-src {}; form-action {origin}; frame-ancestors 'none'; base-uri 'none'",
            cxml::auto_post_script_csp()
        )
    }
}

/// `scheme://host[:port]` of an http(s) URL (what `form-action` names). Anything that is not a
/// plain origin (userinfo, characters a header could be split on) gives `'none'`: the page
/// then shows its button, and the browser refuses the post rather than us widening the policy.
fn origin_of(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "'none'".into();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") || host.is_empty() || !host.chars().all(plain)
    {
        return "'none'".into();
    }
    format!("{}://{host}", scheme.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_return_page_allows_posts_to_the_return_origin_only() {
        assert_eq!(
            origin_of("https://buyer.example:8443/punchout/return?x=1"),
            "https://buyer.example:8443"
        );
        assert_eq!(origin_of("http://127.0.0.1:9/hook"), "http://127.0.0.1:9");
        assert_eq!(origin_of("HTTPS://srm.example"), "https://srm.example");
        assert_eq!(origin_of("https://a@evil.example/"), "'none'");
        assert_eq!(origin_of("https://x.example;script-src *"), "'none'");
        assert_eq!(origin_of("javascript:alert(1)"), "'none'");
    }
}

/// One product as a punchout buyer sees it: at the account's price.
#[derive(Debug, Clone)]
pub struct PunchoutProduct {
    pub product: Product,
    pub price: Money,
    pub in_cart: Qty,
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The UNSPSC code the cart sends when a product has none of its own: "unclassified".
const UNCLASSIFIED: &str = "99999999";

impl App {
    pub(crate) fn our_credential(&self) -> Credential {
        Credential::new("NetworkID", self.payments.seller_name.clone())
    }

    /// An answer with `code` (the cXML status code, also the HTTP status).
    pub(crate) fn cxml_status(&self, request: Option<&Envelope>, code: u16, text: &str) -> CxmlAnswer {
        let now = self.clock.now();
        let id = cxml::payload_id(now, &Uuid::now_v7().to_string(), "aftercart");
        let env = match request {
            Some(r) => Envelope::answering(r, id, now, self.our_credential(), "Aftercart"),
            None => Envelope::new(id, now),
        };
        let xml = cxml::write_response(&env, &Status::new(code, text)).unwrap_or_else(|e| format!("<!-- {e} -->"));
        CxmlAnswer { http_status: code, xml }
    }

    /// The link a cXML request comes from: its From identities tried in turn, the Sender's
    /// shared secret checked. `None` for any failure, after the same work.
    pub(crate) async fn cxml_link(&self, env: &Envelope) -> Result<Option<ProcurementLink>> {
        let secret = env.shared_secret().unwrap_or("");
        for c in env.from.iter().chain(env.sender.iter()) {
            let key = aftercart_domain::procurement::CxmlIdentity {
                domain: c.domain.clone(),
                identity: c.identity.clone(),
            }
            .key();
            if !self.store.by_key("procurement_cxml", &key).await?.is_empty() {
                return self.authenticate_link(Protocol::Cxml, &key, secret).await;
            }
        }
        // Unknown identity: the same hash work as a wrong secret, then no.
        self.authenticate_link(Protocol::Cxml, "", secret).await
    }

    /// `PunchOutSetupRequest` in → `PunchOutSetupResponse` with the session's start page (on
    /// the portal's public URL).
    pub async fn cxml_punchout_setup(&self, body: &[u8]) -> Result<CxmlAnswer> {
        let req = match cxml::parse(body) {
            Ok(Document::PunchOutSetupRequest(r)) => r,
            Ok(other) => {
                let what = other.kind().element();
                return Ok(self.cxml_status(
                    Some(other.envelope()),
                    400,
                    &format!("expected a PunchOutSetupRequest, not a {what}"),
                ));
            }
            Err(e) => return Ok(self.cxml_status(None, 400, &e.to_string())),
        };
        let Some(link) = self.cxml_link(&req.envelope).await? else {
            return Ok(self.cxml_status(Some(&req.envelope), 401, "Unauthorized"));
        };
        let operation = match req.operation {
            cxml::Operation::Create | cxml::Operation::Source => Operation::Create,
            cxml::Operation::Edit => Operation::Edit,
            cxml::Operation::Inspect => Operation::Inspect,
        };
        let Some(return_url) = req.browser_form_post().map(str::to_owned) else {
            return Ok(self.cxml_status(Some(&req.envelope), 400, "BrowserFormPost/URL is required"));
        };
        let shopper = req
            .extrinsic("UserEmail")
            .or_else(|| req.extrinsic("UniqueName"))
            .map(str::to_owned)
            .or_else(|| req.contacts.iter().find_map(|c| c.email.clone()));
        // An edit or inspect session starts from the cart the buyer had.
        let start: Vec<(String, Qty)> = req
            .items
            .iter()
            .filter_map(|l| Some((l.item_id.supplier_part_id.clone(), Qty::new(l.quantity.to_u32()?))))
            .collect();
        let (session, token) = self
            .open_session(
                &link,
                Protocol::Cxml,
                operation,
                Some(req.buyer_cookie.clone()),
                return_url,
                None,
                Vec::new(),
                shopper,
                &start,
            )
            .await?;
        let now = self.clock.now();
        let env = Envelope::answering(
            &req.envelope,
            cxml::payload_id(now, &session.id.to_string(), "aftercart"),
            now,
            self.our_credential(),
            "Aftercart",
        );
        let url = self.punchout_start_url(&token);
        let xml = cxml::write_punchout_setup_response(&env, &url).map_err(|e| AppError::Corrupt(e.to_string()))?;
        Ok(CxmlAnswer { http_status: 200, xml })
    }

    /// The page a session starts on: the portal's public URL, the token in the path.
    pub(crate) fn punchout_start_url(&self, token: &str) -> String {
        format!("{}/punchout/{token}", self.notify.portal_url.trim_end_matches('/'))
    }

    /// Records a new session; returns it and its token (shown once, in the start URL).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn open_session(
        &self,
        link: &ProcurementLink,
        protocol: Protocol,
        operation: Operation,
        buyer_cookie: Option<String>,
        return_url: String,
        return_target: Option<String>,
        return_fields: Vec<(String, String)>,
        shopper: Option<String>,
        start: &[(String, Qty)],
    ) -> Result<(PunchoutSession, String)> {
        let now = self.clock.now();
        let token = new_token();
        let mut session = PunchoutSession {
            id: Uuid::now_v7(),
            token_hash: token_hash(&token),
            link_id: link.id,
            account_id: link.account_id,
            protocol,
            operation,
            buyer_cookie,
            return_url,
            return_target,
            return_fields,
            shopper,
            cart: Vec::new(),
            state: SessionState::Open,
            created_at: now,
            expires_at: now + Duration::minutes(SESSION_MINUTES),
        };
        let ctx = Ctx::new(punchout_principal(link));
        let account = self.load::<Account>(&ctx, link.account_id.0).await?.value;
        for (sku, qty) in start {
            if let Some(row) = self.store.by_number(Product::KIND, sku).await?
                && let Ok(p) = decode::<Product>(&row)
            {
                // An inspect session shows its cart but cannot change it: lines go in directly.
                session.cart.push(cart_line(&account, &p.value, *qty));
            }
        }
        let commit = Commit {
            docs: vec![write(&session, WriteMode::Insert)?],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "punchout.session_opened",
                PunchoutSession::KIND,
                session.id,
                Some(link.account_id),
                None,
                json!({"protocol": protocol.as_str(), "operation": operation.as_str(), "shopper": session.shopper,
                       "link": link.name}),
            )],
            ..Default::default()
        };
        self.store.commit(commit).await.map_err(crate::error::commit_error)?;
        Ok((session, token))
    }

    /// The live session a token opens, and the context its buyer acts in. An unknown, expired
    /// or returned session is "not found" alike.
    pub async fn punchout_session(&self, token: &str) -> Result<(Versioned<PunchoutSession>, Ctx)> {
        let (s, link) = self.live_session(token).await?;
        Ok((s, Ctx::new(punchout_principal(&link))))
    }

    async fn live_session(&self, token: &str) -> Result<(Versioned<PunchoutSession>, ProcurementLink)> {
        let row = self
            .store
            .by_number(PunchoutSession::KIND, &token_hash(token))
            .await?
            .ok_or_else(|| AppError::not_found("punchout session"))?;
        let s = decode::<PunchoutSession>(&row)?;
        if !s.value.is_live(self.clock.now()) {
            return Err(AppError::not_found("punchout session"));
        }
        let link_row = self
            .store
            .get(s.value.link_id.0)
            .await?
            .ok_or_else(|| AppError::not_found("punchout session"))?;
        let link = decode::<ProcurementLink>(&link_row)?.value;
        if !link.active {
            return Err(AppError::not_found("punchout session"));
        }
        Ok((s, link))
    }

    /// The catalogue at the account's prices, with what the cart holds: one product (`sku`, as
    /// OCI `DETAIL` asks), those whose SKU, name or category holds `q`, or all.
    pub async fn punchout_catalog(
        &self,
        token: &str,
        sku: Option<&str>,
        q: Option<&str>,
    ) -> Result<(Versioned<PunchoutSession>, Vec<PunchoutProduct>)> {
        let sku = sku.map(str::trim).filter(|s| !s.is_empty());
        let q = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
        let (s, ctx) = self.punchout_session(token).await?;
        let account = self.load::<Account>(&ctx, s.value.account_id.0).await?.value;
        // The catalogue belongs to no account, and a customer's lists are narrowed to their
        // own account, so the seller's catalogue is read as the system; prices are the account's.
        let products = self
            .list_products(
                &Ctx::system(),
                &crate::ListFilter {
                    status: Some("active".into()),
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?
            .items;
        let wanted = |p: &Product| match (sku, &q) {
            (Some(s), _) => p.sku == s,
            (None, Some(q)) => {
                p.sku.to_lowercase().contains(q)
                    || p.name.to_lowercase().contains(q)
                    || p.category.to_lowercase().contains(q)
            }
            (None, None) => true,
        };
        let out = products
            .into_iter()
            .filter(|p| wanted(&p.value))
            .map(|p| {
                let in_cart = s
                    .value
                    .cart
                    .iter()
                    .find(|l| l.product_id == p.value.id)
                    .map_or(Qty::new(0), |l| l.quantity);
                PunchoutProduct {
                    price: account.contract_price(p.value.id).unwrap_or(p.value.list_price),
                    product: p.value,
                    in_cart,
                }
            })
            .collect();
        Ok((s, out))
    }

    /// Sets a product's quantity in the session's cart (zero removes it).
    pub async fn punchout_set_line(
        &self,
        token: &str,
        product: ProductId,
        quantity: Qty,
    ) -> Result<Versioned<PunchoutSession>> {
        let (mut s, ctx) = self.punchout_session(token).await?;
        let account = self.load::<Account>(&ctx, s.value.account_id.0).await?.value;
        let p = self.load_ref::<Product>(&ctx, product.0, "product_id").await?.value;
        if p.discontinued && !quantity.is_zero() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "product_id", "this product is discontinued").into());
        }
        s.value.set_line(cart_line(&account, &p, quantity), self.clock.now())?;
        self.save_session(&s, Vec::new()).await?;
        s.version += 1;
        Ok(s)
    }

    async fn save_session(
        &self,
        s: &Versioned<PunchoutSession>,
        events: Vec<aftercart_store::EventWrite>,
    ) -> Result<()> {
        let commit = Commit {
            docs: vec![write(&s.value, WriteMode::Update(s.version))?],
            events,
            ..Default::default()
        };
        match self.store.commit(commit).await {
            Ok(()) => Ok(()),
            Err(aftercart_store::CommitError::Conflict(_)) => Err(AppError::Conflict(
                "the cart changed in another window; reload the page".into(),
            )),
            Err(e) => Err(crate::error::commit_error(e)),
        }
    }

    /// Ends the session and gives the form that carries the cart back to the procurement system.
    pub async fn punchout_return(&self, token: &str) -> Result<CartReturn> {
        let (mut s, link) = self.live_session(token).await?;
        let ctx = Ctx::new(punchout_principal(&link));
        let account = self.load::<Account>(&ctx, s.value.account_id.0).await?.value;
        let now = self.clock.now();
        let cart = s.value.return_cart(now)?.to_vec();
        let fields = match s.value.protocol {
            Protocol::Cxml => {
                let total = s.value.total().unwrap_or_else(|| Money::zero(account.currency));
                let items = cart
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut it = CartItemOut::new(
                            l.quantity,
                            l.sku.clone(),
                            l.unit_price,
                            l.description.clone(),
                            l.unit.clone(),
                            Classification::unspsc(UNCLASSIFIED),
                        );
                        it.line_number = Some(i as u32 + 1);
                        // Comes back in the OrderRequest: the product, whatever the SKU becomes.
                        it.supplier_part_auxiliary_id = Some(l.product_id.to_string());
                        it
                    })
                    .collect();
                let msg = OrderMessageOut {
                    buyer_cookie: s.value.buyer_cookie.clone().unwrap_or_default(),
                    operation_allowed: cxml::Operation::Edit,
                    total,
                    shipping: None,
                    tax: None,
                    supplier_order_id: None,
                    items,
                };
                let mut env = Envelope::new(cxml::payload_id(now, &s.value.id.to_string(), "aftercart"), now);
                // From us, to the buying organisation the link names (the cart answers its setup).
                env.from = vec![self.our_credential()];
                env.to = link
                    .cxml
                    .iter()
                    .map(|c| Credential::new(c.domain.clone(), c.identity.clone()))
                    .collect();
                env.sender = vec![self.our_credential()];
                env.user_agent = Some("Aftercart".into());
                let xml = cxml::write_order_message(&env, &msg).map_err(|e| AppError::Corrupt(e.to_string()))?;
                let encoding = match link.cart_encoding {
                    CartEncoding::Urlencoded => Encoding::Urlencoded,
                    CartEncoding::Base64 => Encoding::Base64,
                };
                cxml::form_post_fields(&xml, encoding)
            }
            Protocol::Oci => super::oci::cart_fields(&cart, &s.value.return_fields)?,
        };
        let ev = event(
            &ctx.principal.actor(),
            now,
            "punchout.cart_returned",
            PunchoutSession::KIND,
            s.value.id,
            Some(s.value.account_id),
            None,
            json!({"lines": cart.len(), "total": s.value.total().map(|t| t.to_string())}),
        );
        self.save_session(&s, vec![ev]).await?;
        Ok(CartReturn {
            url: s.value.return_url.clone(),
            target: s.value.return_target.clone(),
            fields,
        })
    }
}

fn cart_line(account: &Account, p: &Product, quantity: Qty) -> CartLine {
    CartLine {
        product_id: p.id,
        sku: p.sku.clone(),
        description: p.name.clone(),
        quantity,
        unit_price: account.contract_price(p.id).unwrap_or(p.list_price),
        unit: "EA".into(),
        category: p.category.clone(),
    }
}
