//! cXML (commerce XML, 1.2) for punchout and procurement: a supplier's side of the conversation
//! with a buyer's procurement system (Ariba, Coupa, Jaggaer, SAP SRM with cXML, …).
//!
//! Reading is LENIENT and writing is STRICT, because the two sides of the wire differ: real
//! buyers send documents that break the DTD (elements out of order, `PunchoutOrderMessage` in
//! another case, timestamps without offsets or in Ruby's `Time#to_s` form, amounts left empty),
//! and refusing them would refuse the customer; but what Aftercart sends must pass the buyer's
//! strict parser, so writers check their input and emit elements in DTD order with the DOCTYPE,
//! an explicit timestamp offset and every value escaped. What the readers had to assume is kept
//! in each document's `warnings`; what a document cannot do without is an error naming the
//! element's path and line.
//!
//! One entry point sniffs the document ([`parse`]); typed functions read one kind and refuse
//! the others. No DTD is fetched and no entity is expanded (see `xml`). Money read stays as
//! written ([`Amount`], with an exact [`Amount::money`]); money written is
//! [`aftercart_domain::money::Money`], in the currency's minor digits.

mod form;
mod model;
mod read_common;
mod read_fulfil;
mod read_invoice;
mod read_order;
mod read_punchout;
mod values;
mod write;
mod write_fulfil;
mod write_invoice;
mod write_punchout;
mod xml;

use std::fmt;

pub(crate) use form::is_http_url;
pub use form::{
    Encoding, auto_post_html, auto_post_html_with_target, auto_post_script_csp, form_post_fields, parse_urlencoded,
    read_form_post,
};
pub use model::{
    Address, Charge, Classification, Contact, Credential, DeploymentMode, Description, Distribution, Envelope,
    Extrinsic, ItemDetail, ItemId, OrderRef, Phone, PriceBasis, Segment, Status, constant_time_eq, extrinsic,
    payload_id,
};
pub use read_fulfil::{
    ConfirmationHeader, ConfirmationLine, ConfirmationRequest, ConfirmationType, DocumentOperation, Identifier,
    LineStatus, LineStatusType, ShipControl, ShipNoticeHeader, ShipNoticeLine, ShipNoticePortion, ShipNoticeRequest,
    StatusExtension, StatusUpdateRequest,
};
pub use read_invoice::{
    InvoiceDetailHeader, InvoiceDetailRequest, InvoiceLine, InvoiceOrder, InvoicePartner, InvoicePurpose,
    InvoiceSummary, TaxDetail, TaxInfo,
};
pub use read_order::{OrderLine, OrderRequest, OrderRequestHeader, OrderType};
pub use read_punchout::{CartLine, Operation, PunchOutOrderMessage, PunchOutSetupRequest, Response};
pub use values::{Amount, Decimal, Timestamp};
pub use write::{CXML_VERSION, DtdFile};
pub use write_fulfil::{
    ConfirmationItemOut, ConfirmationOut, LineStatusOut, ShipControlOut, ShipNoticeItemOut, ShipNoticeOut,
    ShipNoticePortionOut, StatusUpdateOut, write_confirmation, write_ship_notice, write_status_update,
};
pub use write_invoice::{InvoiceLineOut, InvoiceOrderOut, InvoiceOut, TaxDetailOut, TaxOut, write_invoice};
pub use write_punchout::{
    CartItemOut, ChargeOut, OrderMessageOut, write_order_message, write_punchout_setup_response, write_response,
};

/// Why a document was refused, or why a writer refused its input: the element's path from the
/// root (`cXML/Request/OrderRequest/ItemOut[2]`), its line in the input (0 for a writer) and the
/// reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CxmlError {
    pub path: String,
    pub line: usize,
    pub reason: String,
}

impl CxmlError {
    pub(crate) fn new(path: impl Into<String>, line: usize, reason: impl Into<String>) -> CxmlError {
        CxmlError {
            path: path.into(),
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for CxmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "cXML" } else { &self.path };
        if self.line == 0 {
            write!(f, "{path}: {}", self.reason)
        } else {
            write!(f, "line {}: {path}: {}", self.line, self.reason)
        }
    }
}

impl std::error::Error for CxmlError {}

/// Something a reader tolerated: where, and what it assumed or ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: String,
    pub line: usize,
    pub note: String,
}

/// Which document a cXML message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    PunchOutSetupRequest,
    PunchOutOrderMessage,
    OrderRequest,
    Response,
    StatusUpdateRequest,
    ConfirmationRequest,
    ShipNoticeRequest,
    InvoiceDetailRequest,
}

impl DocumentKind {
    pub fn element(self) -> &'static str {
        match self {
            DocumentKind::PunchOutSetupRequest => "PunchOutSetupRequest",
            DocumentKind::PunchOutOrderMessage => "PunchOutOrderMessage",
            DocumentKind::OrderRequest => "OrderRequest",
            DocumentKind::Response => "Response",
            DocumentKind::StatusUpdateRequest => "StatusUpdateRequest",
            DocumentKind::ConfirmationRequest => "ConfirmationRequest",
            DocumentKind::ShipNoticeRequest => "ShipNoticeRequest",
            DocumentKind::InvoiceDetailRequest => "InvoiceDetailRequest",
        }
    }
}

/// Any document [`parse`] reads. Not boxed: a document is read once and moved out at once, so
/// the size of the largest variant costs nothing that matters.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    PunchOutSetupRequest(PunchOutSetupRequest),
    PunchOutOrderMessage(PunchOutOrderMessage),
    OrderRequest(OrderRequest),
    Response(Response),
    StatusUpdateRequest(StatusUpdateRequest),
    ConfirmationRequest(ConfirmationRequest),
    ShipNoticeRequest(ShipNoticeRequest),
    InvoiceDetailRequest(InvoiceDetailRequest),
}

impl Document {
    pub fn kind(&self) -> DocumentKind {
        match self {
            Document::PunchOutSetupRequest(_) => DocumentKind::PunchOutSetupRequest,
            Document::PunchOutOrderMessage(_) => DocumentKind::PunchOutOrderMessage,
            Document::OrderRequest(_) => DocumentKind::OrderRequest,
            Document::Response(_) => DocumentKind::Response,
            Document::StatusUpdateRequest(_) => DocumentKind::StatusUpdateRequest,
            Document::ConfirmationRequest(_) => DocumentKind::ConfirmationRequest,
            Document::ShipNoticeRequest(_) => DocumentKind::ShipNoticeRequest,
            Document::InvoiceDetailRequest(_) => DocumentKind::InvoiceDetailRequest,
        }
    }

    pub fn envelope(&self) -> &Envelope {
        match self {
            Document::PunchOutSetupRequest(d) => &d.envelope,
            Document::PunchOutOrderMessage(d) => &d.envelope,
            Document::OrderRequest(d) => &d.envelope,
            Document::Response(d) => &d.envelope,
            Document::StatusUpdateRequest(d) => &d.envelope,
            Document::ConfirmationRequest(d) => &d.envelope,
            Document::ShipNoticeRequest(d) => &d.envelope,
            Document::InvoiceDetailRequest(d) => &d.envelope,
        }
    }
}

const REQUESTS: [DocumentKind; 6] = [
    DocumentKind::PunchOutSetupRequest,
    DocumentKind::OrderRequest,
    DocumentKind::StatusUpdateRequest,
    DocumentKind::ConfirmationRequest,
    DocumentKind::ShipNoticeRequest,
    DocumentKind::InvoiceDetailRequest,
];

/// The document's kind and its element (for a `Response`, the `Response` itself).
fn sniff(root: &xml::Node) -> Result<(DocumentKind, &xml::Node), CxmlError> {
    if let Some(r) = root.child("Response") {
        return Ok((DocumentKind::Response, r));
    }
    if let Some(m) = root.child("Message") {
        let p = m.child("PunchOutOrderMessage").ok_or_else(|| {
            let what = m
                .children
                .iter()
                .find(|c| !c.is("Status"))
                .map_or("nothing", |c| c.name.as_str());
            m.error(format!("{what} is not a message read here (only PunchOutOrderMessage)"))
        })?;
        return Ok((DocumentKind::PunchOutOrderMessage, p));
    }
    let request = root
        .child("Request")
        .ok_or_else(|| root.error("neither Request, Message nor Response"))?;
    for kind in REQUESTS {
        if let Some(node) = request.child(kind.element()) {
            return Ok((kind, node));
        }
    }
    let what = request.children.first().map_or("nothing", |c| c.name.as_str());
    Err(request.error(format!("{what} is not a request read here")))
}

/// Reads any cXML document this module knows, sniffing which it is.
pub fn parse(bytes: &[u8]) -> Result<Document, CxmlError> {
    let root = xml::parse(bytes)?;
    let envelope = read_common::envelope(&root)?;
    let (kind, node) = sniff(&root)?;
    Ok(match kind {
        DocumentKind::PunchOutSetupRequest => {
            Document::PunchOutSetupRequest(read_punchout::setup_request(envelope, node)?)
        }
        DocumentKind::PunchOutOrderMessage => {
            Document::PunchOutOrderMessage(read_punchout::order_message(envelope, node)?)
        }
        DocumentKind::OrderRequest => Document::OrderRequest(read_order::order_request(envelope, node)?),
        DocumentKind::Response => Document::Response(read_punchout::response(envelope, node)?),
        DocumentKind::StatusUpdateRequest => Document::StatusUpdateRequest(read_fulfil::status_update(envelope, node)?),
        DocumentKind::ConfirmationRequest => Document::ConfirmationRequest(read_fulfil::confirmation(envelope, node)?),
        DocumentKind::ShipNoticeRequest => Document::ShipNoticeRequest(read_fulfil::ship_notice(envelope, node)?),
        DocumentKind::InvoiceDetailRequest => Document::InvoiceDetailRequest(read_invoice::invoice(envelope, node)?),
    })
}

fn wrong(kind: DocumentKind, found: &Document) -> CxmlError {
    CxmlError::new(
        "cXML",
        0,
        format!("expected a {}, found a {}", kind.element(), found.kind().element()),
    )
}

macro_rules! typed {
    ($(#[$m:meta])* $fn:ident, $variant:ident, $ty:ty) => {
        $(#[$m])*
        pub fn $fn(bytes: &[u8]) -> Result<$ty, CxmlError> {
            match parse(bytes)? {
                Document::$variant(d) => Ok(d),
                other => Err(wrong(DocumentKind::$variant, &other)),
            }
        }
    };
}

typed!(
    /// A buyer's `PunchOutSetupRequest`; any other document is refused.
    parse_punchout_setup_request, PunchOutSetupRequest, PunchOutSetupRequest
);
typed!(
    /// A `PunchOutOrderMessage` (a cart); any other document is refused.
    parse_punchout_order_message, PunchOutOrderMessage, PunchOutOrderMessage
);
typed!(
    /// A buyer's `OrderRequest`; any other document is refused.
    parse_order_request, OrderRequest, OrderRequest
);
typed!(
    /// A `Response` (a status, and a start page for a setup); any other document is refused.
    parse_response, Response, Response
);
typed!(parse_status_update_request, StatusUpdateRequest, StatusUpdateRequest);
typed!(parse_confirmation_request, ConfirmationRequest, ConfirmationRequest);
typed!(parse_ship_notice_request, ShipNoticeRequest, ShipNoticeRequest);
typed!(parse_invoice_detail_request, InvoiceDetailRequest, InvoiceDetailRequest);
