//! Procurement systems connected to accounts: the links (credentials per buying organisation),
//! the punchout sessions they open (cXML and SAP OCI), and the orders they send (cXML
//! `OrderRequest`, X12 850s).

mod links;
mod oci;
mod orders;
mod outbound;
mod punchout;
mod x12;

pub use links::LinkInput;
pub use oci::OciStart;
pub use outbound::{CXML_QUEUE, CxmlDocument, CxmlJob, CxmlTarget};
pub(crate) use outbound::{CxmlOrderRef, OutboundCache};
pub use punchout::{CartReturn, CxmlAnswer, PunchoutProduct};
pub(crate) use x12::X12Cache;
pub use x12::{X12_QUEUE, X12Answer, X12Document, X12Job};
