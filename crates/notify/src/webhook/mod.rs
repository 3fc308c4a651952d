//! Standard Webhooks 1.0: signing, the SSRF guard on targets, and delivery.

mod sender;
mod signature;
mod target;

pub use sender::{Answer, Outcome, WebhookSender};
pub use signature::{Secret, SecretError, TOLERANCE, VerifyError, sign, verify};
pub use target::{TargetError, TargetPolicy, is_forbidden};
