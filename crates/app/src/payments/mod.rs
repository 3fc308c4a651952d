//! Receivables: paying online through a payment provider, disputes and short-pays, cash
//! application from bank statements, statements and aging, credit holds and dunning.

pub mod provider;

mod cash;
pub(crate) mod credit;
mod disputes;
mod documents;
mod dunning;
mod online;
mod profile;
mod statements;

pub use cash::*;
pub use disputes::*;
pub use documents::*;
pub use dunning::*;
pub use online::*;
pub use profile::*;
pub use statements::*;

use provider::PaymentProvider;
use std::sync::Arc;

/// What receivables can use in this deployment.
#[derive(Clone)]
pub struct PaymentSettings {
    /// The card / bank-debit processor; without one, customers pay by bank transfer (always
    /// offered, with the invoice's remittance reference).
    pub provider: Option<Arc<dyn PaymentProvider>>,
    /// Printed on documents until the seller fills in its profile.
    pub seller_name: String,
}

impl Default for PaymentSettings {
    fn default() -> PaymentSettings {
        PaymentSettings {
            provider: None,
            seller_name: "Aftercart seller".into(),
        }
    }
}

impl std::fmt::Debug for PaymentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentSettings")
            .field("provider", &self.provider.as_ref().map(|p| p.name()))
            .field("seller_name", &self.seller_name)
            .finish()
    }
}
