//! Procurement systems: the cXML endpoints a buyer's system calls (punchout setup, orders) and
//! the links seller admins set up for them.
//!
//! The cXML endpoints are public: the document's Sender carries the shared secret, checked in
//! the app. They read and answer `text/xml` in cXML's own status codes (the HTTP status mirrors
//! the cXML one), never problem+json — a procurement system parses the `Response` it gets.

use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, Ident, Name, PageDto, Secret, Url, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam};
use aftercart_app::{CxmlAnswer, LinkInput, Versioned};
use aftercart_domain::ids::{AccountId, LocationId};
use aftercart_domain::procurement::{
    CartEncoding, CxmlIdentity, ProcurementLink, ProcurementLinkId, X12Identity, X12Release,
};
use aftercart_domain::{ErrorCode, Rejection};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

async fn xml_body(req: axum::extract::Request) -> ApiResult<Bytes> {
    axum::body::to_bytes(req.into_body(), crate::extract::MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::payload_too_large(crate::extract::MAX_BODY_BYTES))
}

fn xml(a: CxmlAnswer) -> Response {
    let status = StatusCode::from_u16(a.http_status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], a.xml).into_response()
}

/// A cXML `PunchOutSetupRequest` (create, edit or inspect) from a buyer's procurement system.
/// Answered with a `PunchOutSetupResponse` whose `StartPage/URL` opens the punchout session in
/// the portal (valid two hours), or a cXML `Response` with the status: 400 for a malformed or
/// unexpected document, 401 when the credentials do not open a link (which part was wrong is
/// not said).
#[utoipa::path(post, path = "/api/v1/punchout/cxml/setup", tag = "procurement",
    responses((status = 200, description = "PunchOutSetupResponse (text/xml)", content_type = "text/xml"),
        (status = 400, description = "cXML Response with the reason", content_type = "text/xml"),
        (status = 401, description = "cXML Response: Unauthorized", content_type = "text/xml"),
        (status = 413, body = Problem)))]
pub async fn cxml_setup(State(st): State<ApiState>, req: axum::extract::Request) -> ApiResult<Response> {
    let body = xml_body(req).await?;
    Ok(xml(st.app.cxml_punchout_setup(&body).await?))
}

/// A cXML `OrderRequest`: a new order for the link's account (channel `punchout`), each line
/// to its own ShipTo (matched to the account's locations) with its cost centre. A resent
/// payload id is answered "already received" and orders nothing. Answered with a cXML
/// `Response`: 200 (order number in the text), 400 (the element and the reason), 401, or 406
/// for order changes and cancellations, which are made in the portal.
#[utoipa::path(post, path = "/api/v1/punchout/cxml/order", tag = "procurement",
    responses((status = 200, description = "cXML Response: OK", content_type = "text/xml"),
        (status = 400, description = "cXML Response with the reason", content_type = "text/xml"),
        (status = 401, description = "cXML Response: Unauthorized", content_type = "text/xml"),
        (status = 406, description = "cXML Response: changes are not accepted by OrderRequest", content_type = "text/xml"),
        (status = 413, body = Problem)))]
pub async fn cxml_order(State(st): State<ApiState>, req: axum::extract::Request) -> ApiResult<Response> {
    let body = xml_body(req).await?;
    Ok(xml(st.app.cxml_order_request(&body).await?))
}

// ---------------------------------------------------------------------------------------------
// Links.
// ---------------------------------------------------------------------------------------------

/// Present-but-null and absent differ: `Some(None)` clears, `None` leaves as it is.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CxmlIdentityDto {
    /// The credential's domain (`NetworkID`, `DUNS`); compared without case.
    pub domain: Ident,
    /// The buyer's identity in that domain (`AN01000000001`); compared exactly.
    pub identity: Ident,
}

/// A trading partner's X12 interchange ids.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct X12IdentityDto {
    /// ISA05 of what the partner sends: `01` DUNS, `12` phone, `14`, `ZZ` mutually defined, …
    pub qualifier: Code,
    /// ISA06: the partner's id (at most 15 characters).
    pub id: Ident,
    /// ISA07 as the partner addresses us (default `ZZ`).
    pub our_qualifier: Option<Code>,
    /// ISA08 as the partner addresses us (default `AFTERCART`).
    pub our_id: Option<Ident>,
    /// `004010` or `005010` (default): the release of what we send.
    pub release: Option<Code>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcurementLinkIn {
    /// The seller's name for it ("Northwind Coupa"); default "<account> procurement".
    pub name: Option<Name>,
    /// cXML: the buyer's From/Sender credential. At least one of this and `oci_username`.
    pub cxml_identity: Option<CxmlIdentityDto>,
    /// SAP OCI: the `USERNAME` the buyer's system sends.
    pub oci_username: Option<Ident>,
    /// X12 EDI: the trading partner's interchange ids (850s in; 997, 855, 856, 810 out).
    pub x12: Option<X12IdentityDto>,
    /// The cXML SharedSecret / OCI PASSWORD: at least 16 characters. Stored hashed; never shown.
    pub shared_secret: Secret,
    /// Where confirmations, ship notices and invoices are posted as cXML.
    pub order_response_url: Option<Url>,
    /// The SharedSecret our outbound documents carry, when the buyer's system checks one. Never shown.
    pub response_secret: Option<Secret>,
    /// The ship-to for lines whose address the account does not know.
    pub default_ship_to: Option<Uuid>,
    /// cXML carts go back as `urlencoded` (`cxml-urlencoded`, the default) or `base64` (`cxml-base64`).
    pub cart_encoding: Option<Code>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcurementLinkPatchIn {
    pub name: Option<Name>,
    pub cxml_identity: Option<CxmlIdentityDto>,
    pub oci_username: Option<Ident>,
    pub x12: Option<X12IdentityDto>,
    /// A new secret (the old one stops working at once).
    pub shared_secret: Option<Secret>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub order_response_url: Option<Option<Url>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub response_secret: Option<Option<Secret>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub default_ship_to: Option<Option<Uuid>>,
    pub cart_encoding: Option<Code>,
    /// `false` refuses its sessions and orders at once (open sessions end).
    pub active: Option<bool>,
}

/// A procurement link (the shared secret is never shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcurementLinkOut {
    pub id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    pub cxml_identity: Option<CxmlIdentityDto>,
    pub oci_username: Option<String>,
    pub x12: Option<X12IdentityDto>,
    pub order_response_url: Option<String>,
    /// Whether outbound documents carry a shared secret (it is never shown).
    pub has_response_secret: bool,
    pub default_ship_to: Option<Uuid>,
    /// `urlencoded` or `base64`.
    pub cart_encoding: String,
    pub active: bool,
    pub created_at: String,
    pub version: i64,
}

fn link_out(v: &Versioned<ProcurementLink>) -> ProcurementLinkOut {
    let l = &v.value;
    ProcurementLinkOut {
        id: l.id.0,
        account_id: l.account_id.0,
        name: l.name.clone(),
        cxml_identity: l.cxml.as_ref().map(|c| CxmlIdentityDto {
            domain: c.domain.clone().into(),
            identity: c.identity.clone().into(),
        }),
        oci_username: l.oci_username.clone(),
        x12: l.x12.as_ref().map(|x| X12IdentityDto {
            qualifier: x.qualifier.clone().into(),
            id: x.id.clone().into(),
            our_qualifier: Some(x.our_qualifier.clone().into()),
            our_id: Some(x.our_id.clone().into()),
            release: Some(x.release.as_str().into()),
        }),
        order_response_url: l.order_response_url.clone(),
        has_response_secret: l.response_secret.is_some(),
        default_ship_to: l.default_ship_to.map(|s| s.0),
        cart_encoding: l.cart_encoding.as_str().into(),
        active: l.active,
        created_at: ts(l.created_at),
        version: v.version,
    }
}

fn identity(d: &Option<CxmlIdentityDto>) -> ApiResult<Option<CxmlIdentity>> {
    let Some(d) = d else { return Ok(None) };
    let (domain, id) = (d.domain.trim(), d.identity.trim());
    if domain.is_empty() || id.is_empty() {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            "cxml_identity",
            "give both the domain and the identity",
        )
        .into());
    }
    Ok(Some(CxmlIdentity {
        domain: domain.into(),
        identity: id.into(),
    }))
}

fn x12_ids(d: &Option<X12IdentityDto>) -> ApiResult<Option<X12Identity>> {
    let Some(d) = d else { return Ok(None) };
    let release = match &d.release {
        None => X12Release::default(),
        Some(r) => X12Release::parse(r)
            .ok_or_else(|| Rejection::new(ErrorCode::InvalidValue, "x12_release", "use 004010 or 005010"))?,
    };
    Ok(Some(X12Identity {
        qualifier: d.qualifier.trim().to_owned(),
        id: d.id.trim().to_owned(),
        our_qualifier: d.our_qualifier.as_deref().unwrap_or("ZZ").trim().to_owned(),
        our_id: d.our_id.as_deref().unwrap_or("AFTERCART").trim().to_owned(),
        release,
    }))
}

fn encoding(c: &Option<Code>) -> ApiResult<Option<CartEncoding>> {
    match c {
        None => Ok(None),
        Some(c) => CartEncoding::parse(c)
            .map(Some)
            .ok_or_else(|| Rejection::new(ErrorCode::InvalidValue, "cart_encoding", "use urlencoded or base64").into()),
    }
}

fn http_url(field: &str, u: &Url) -> ApiResult<String> {
    let s = u.trim();
    if s.starts_with("https://") || s.starts_with("http://") {
        Ok(s.to_owned())
    } else {
        Err(Rejection::new(ErrorCode::InvalidValue, field, "give an http(s):// URL").into())
    }
}

fn nonblank(field: &str, v: &Option<Ident>) -> ApiResult<Option<String>> {
    match v.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Err(Rejection::new(ErrorCode::InvalidValue, field, "must not be blank").into()),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

/// Connects a procurement system to an account (seller admins only). The secret is given to
/// the buyer's administrator out of band; it cannot be read back.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/procurement-links", tag = "procurement",
    request_body = ProcurementLinkIn, params(("id" = Uuid, Path)),
    responses((status = 201, body = ProcurementLinkOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_link(
    State(st): State<ApiState>,
    PathParam(account): PathParam<Uuid>,
    cmd: Command<ProcurementLinkIn>,
) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let input = LinkInput {
        name: b.name.clone().map(Into::into),
        cxml: identity(&b.cxml_identity)?,
        oci_username: nonblank("oci_username", &b.oci_username)?,
        x12: x12_ids(&b.x12)?,
        shared_secret: Some(b.shared_secret.to_string()),
        order_response_url: Some(
            b.order_response_url
                .as_ref()
                .map(|u| http_url("order_response_url", u))
                .transpose()?,
        ),
        response_secret: Some(b.response_secret.as_ref().map(|s| s.to_string())),
        default_ship_to: Some(b.default_ship_to.map(LocationId)),
        cart_encoding: encoding(&b.cart_encoding)?,
        active: b.active,
    };
    let v = app
        .execute(
            ctx,
            || app.plan_create_procurement_link(ctx, AccountId(account), &input),
            |v| stored(StatusCode::CREATED, &link_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &link_out(&v), Some(v.version)))
}

/// An account's procurement links (seller admins; the account's own admins may look).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/procurement-links", tag = "procurement", params(("id" = Uuid, Path)),
    responses((status = 200, body = PageDto<ProcurementLinkOut>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_links(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(account): PathParam<Uuid>,
) -> ApiResult<Response> {
    let items = st.app.procurement_links(&ctx, AccountId(account)).await?;
    let body = PageDto {
        items: items.iter().map(link_out).collect(),
        next_cursor: None,
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(get, path = "/api/v1/procurement-links/{id}", tag = "procurement", params(("id" = Uuid, Path)),
    responses((status = 200, body = ProcurementLinkOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_link(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.procurement_link(&ctx, ProcurementLinkId(id)).await?;
    Ok(respond(StatusCode::OK, &link_out(&v), Some(v.version)))
}

/// Changes a link (seller admins only): credentials, where documents go, or `active`.
#[utoipa::path(patch, path = "/api/v1/procurement-links/{id}", tag = "procurement",
    request_body = ProcurementLinkPatchIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The link's ETag as last read")),
    responses((status = 200, body = ProcurementLinkOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_link(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ProcurementLinkPatchIn>,
) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let input = LinkInput {
        name: b.name.clone().map(Into::into),
        cxml: identity(&b.cxml_identity)?,
        oci_username: nonblank("oci_username", &b.oci_username)?,
        x12: x12_ids(&b.x12)?,
        shared_secret: b.shared_secret.as_ref().map(|s| s.to_string()),
        order_response_url: match &b.order_response_url {
            None => None,
            Some(None) => Some(None),
            Some(Some(u)) => Some(Some(http_url("order_response_url", u)?)),
        },
        response_secret: b.response_secret.as_ref().map(|o| o.as_ref().map(|s| s.to_string())),
        default_ship_to: b.default_ship_to.map(|o| o.map(LocationId)),
        cart_encoding: encoding(&b.cart_encoding)?,
        active: b.active,
    };
    let v = app
        .execute(
            ctx,
            || app.plan_update_procurement_link(ctx, ProcurementLinkId(id), &input),
            |v| stored(StatusCode::OK, &link_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &link_out(&v), Some(v.version)))
}

/// One cXML document sent to a link's procurement system.
#[derive(Debug, Serialize, ToSchema)]
pub struct CxmlDocumentOut {
    /// The delivery (replay it with `POST /api/v1/deliveries/{id}/replay`).
    pub delivery_id: Uuid,
    /// `ConfirmationRequest`, `ShipNoticeRequest`, `InvoiceDetailRequest` or `StatusUpdateRequest`.
    pub document: String,
    pub payload_id: String,
    /// The order (SO-…) or invoice (INV-…) it is about.
    pub reference: String,
    /// `pending`, `done` or `dead`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    /// The document as posted.
    pub body: String,
}

/// The cXML documents posted (or waiting to be) to a link's `order_response_url`, newest first:
/// confirmations, ship notices, invoices and status updates about its orders. Seller admins and
/// the account's own admins.
#[utoipa::path(get, path = "/api/v1/procurement-links/{id}/documents", tag = "procurement", params(("id" = Uuid, Path)),
    responses((status = 200, body = PageDto<CxmlDocumentOut>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn link_documents(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let docs = st.app.cxml_documents(&ctx, ProcurementLinkId(id), 200).await?;
    let body = PageDto {
        items: docs
            .into_iter()
            .map(|d| CxmlDocumentOut {
                delivery_id: d.delivery_id,
                document: d.document,
                payload_id: d.payload_id,
                reference: d.reference,
                state: d.state.as_str().to_owned(),
                attempts: d.attempts,
                last_error: d.last_error,
                created_at: ts(d.created_at),
                body: d.body,
            })
            .collect(),
        next_cursor: None,
    };
    Ok(respond(StatusCode::OK, &body, None))
}
