//! The e-invoice as EN 16931 sees it: what the app fills in to have a UBL invoice or credit note
//! written. Business terms (BT-n) are named where a field maps to one.

use aftercart_domain::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocKind {
    /// UBL `Invoice`, type code 380 (commercial invoice).
    Invoice,
    /// UBL `CreditNote`, type code 381.
    CreditNote,
}

/// VAT category codes (UNCL5305) as EN 16931 uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VatCategory {
    /// Standard rate (rate above zero).
    S,
    /// Zero-rated goods.
    Z,
    /// Exempt from VAT (needs an exemption reason).
    E,
    /// Reverse charge (buyer accounts for VAT).
    AE,
    /// Intra-community supply (VAT exempt for EEA).
    K,
    /// Export outside the EU.
    G,
    /// Services outside the scope of VAT (no VAT identifiers, no other category).
    O,
    /// Canary Islands general indirect tax (IGIC).
    L,
    /// Tax for production, services and importation in Ceuta and Melilla (IPSI).
    M,
}

impl VatCategory {
    pub fn code(self) -> &'static str {
        match self {
            VatCategory::S => "S",
            VatCategory::Z => "Z",
            VatCategory::E => "E",
            VatCategory::AE => "AE",
            VatCategory::K => "K",
            VatCategory::G => "G",
            VatCategory::O => "O",
            VatCategory::L => "L",
            VatCategory::M => "M",
        }
    }
}

/// A VAT category with its rate, as on a line, a charge and a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaxCategory {
    pub category: VatCategory,
    /// The rate in basis points: 2000 is 20.00 %, 550 is 5.50 %.
    pub percent_bp: u32,
    /// Why no VAT is charged (BT-120), written in the VAT breakdown: required for `E` (from at
    /// least one line or charge of the breakdown; others may leave it out, none may differ),
    /// optional for `AE`, `K`, `G` and `O` (whose standard VATEX code is written anyway),
    /// refused for the others.
    pub exemption_reason: Option<String>,
}

/// A postal address. `lines` are the street lines, at most three (BT-35, BT-36, BT-162).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub lines: Vec<String>,
    pub city: String,
    pub postal_code: Option<String>,
    /// Region, state or province (BT-39).
    pub subdivision: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// Seller or buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The legal name (BT-27 / BT-44).
    pub name: String,
    /// The Peppol electronic address scheme (EAS code, e.g. `0088` GLN, `9930` German VAT).
    pub endpoint_scheme: String,
    pub endpoint_id: String,
    /// With its ISO 3166-1 country prefix, e.g. `DE123456789` (BT-31 / BT-48).
    pub vat_id: Option<String>,
    /// Legal registration identifier (BT-30 / BT-47).
    pub legal_id: Option<String>,
    pub address: Address,
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMeans {
    /// UNCL4461: `30` credit transfer, `58` SEPA credit transfer, `48` card, `49` direct debit,
    /// `59` SEPA direct debit.
    pub code: String,
    /// What the payer quotes with the payment (BT-83), e.g. an RF creditor reference.
    pub remittance_reference: Option<String>,
    /// The payee's account (BT-84); required for credit transfers (`30`, `58`).
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub account_name: Option<String>,
    /// The direct debit mandate (BT-89); required for `49` and `59`.
    pub mandate_reference: Option<String>,
}

/// A document level charge (BG-21), e.g. freight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocCharge {
    pub reason: String,
    /// Not negative.
    pub amount: Money,
    pub tax: TaxCategory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EInvoiceLine {
    /// Unique within the document (BT-126).
    pub id: String,
    /// The quantity in thousandths: 1 unit is 1000, 2.5 kg is 2500. Negative on an invoice line
    /// that returns goods.
    pub quantity_milli: i64,
    /// UN/ECE Recommendation 20 (with 21), e.g. `C62` (one), `EA` (each), `KGM`.
    pub unit_code: String,
    /// The net price of one unit (BT-146); not negative.
    pub unit_price: Money,
    pub item_name: String,
    pub seller_item_id: Option<String>,
    /// The buyer's order line (BT-132).
    pub order_line_reference: Option<String>,
    pub tax: TaxCategory,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EInvoice {
    pub kind: DocKind,
    pub number: String,
    pub issue_date: Date,
    /// BT-9. Required, unless `payment_terms` are given, when an amount is due (BR-CO-25).
    /// A credit note carries it in its payment means, so it needs `payment_means` too.
    pub due_date: Option<Date>,
    pub currency: Currency,
    /// BT-10. Peppol requires this or `order_reference`.
    pub buyer_reference: Option<String>,
    pub order_reference: Option<String>,
    /// The invoice a credit note corrects (BT-25) and its issue date (BT-26).
    pub billing_reference: Option<(String, Option<Date>)>,
    pub note: Option<String>,
    pub seller: Party,
    pub buyer: Party,
    /// BT-72.
    pub delivery_date: Option<Date>,
    /// Where the goods went (BG-15); an intra-community supply (`K`) needs its country.
    pub deliver_to: Option<Address>,
    pub payment_means: Option<PaymentMeans>,
    pub payment_terms: Option<String>,
    pub charges: Vec<DocCharge>,
    pub lines: Vec<EInvoiceLine>,
    /// Already paid (BT-113); not negative.
    pub prepaid: Money,
}

/// The document's amounts as EN 16931 computes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Σ line net amounts (BT-106).
    pub line_extension: Money,
    /// Σ document charges (BT-108).
    pub charges: Money,
    /// BT-109.
    pub tax_exclusive: Money,
    /// BT-110.
    pub tax: Money,
    /// BT-112.
    pub tax_inclusive: Money,
    /// BT-113.
    pub prepaid: Money,
    /// BT-115.
    pub payable: Money,
    /// One per (category, rate), in order of first use: lines first, then charges (BG-23).
    pub breakdown: Vec<TaxSubtotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSubtotal {
    pub category: TaxCategory,
    pub taxable: Money,
    pub tax: Money,
}
