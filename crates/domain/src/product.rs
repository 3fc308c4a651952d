//! Products the seller sells, with a list price used when an account has no contract price.

use crate::ids::ProductId;
use crate::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub list_price: Money,
    /// Sent to the customer after delivery (later issue); kept with the product.
    pub setup_guide: Option<String>,
    pub care_instructions: Option<String>,
    pub discontinued: bool,
}
