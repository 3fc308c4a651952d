//! Procurement systems connected to accounts: the links (credentials per buying organisation),
//! the punchout sessions they open (cXML and SAP OCI), and the orders they send (cXML
//! `OrderRequest`).

mod links;
mod oci;
mod orders;
mod outbound;
mod punchout;

pub use links::LinkInput;
pub use oci::OciStart;
pub use outbound::{CXML_QUEUE, CxmlDocument, CxmlJob, CxmlTarget};
pub(crate) use outbound::{CxmlOrderRef, OutboundCache};
pub use punchout::{CartReturn, CxmlAnswer, PunchoutProduct};
