//! The two small documents receivables keep besides invoices and payments: an account's billing
//! profile (its customer id at the payment provider, saved methods, autopay, dunning schedule,
//! e-invoicing address) and the seller's own profile (legal name, tax id, bank details for
//! remittance, e-invoicing endpoint). Both are found by a unique number, so two first writes at
//! once cannot make two.

use crate::docs::{Doc, Versioned, decode, write};
use crate::payments::provider::MethodKind as ProviderKind;
use crate::{App, AppError, Ctx, Planned, Result};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, SavedMethodId};
use aftercart_domain::receivables::dunning::Schedule;
use aftercart_domain::receivables::online::{Autopay, MethodKind};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, WriteMode};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMethodRec {
    pub id: SavedMethodId,
    pub provider_id: String,
    pub kind: MethodKind,
    pub label: String,
    pub last4: String,
    pub expires: Option<(u8, u16)>,
    pub added_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

impl SavedMethodRec {
    /// "Visa •••• 4242".
    pub fn describe(&self) -> String {
        format!("{} •••• {}", self.label, self.last4)
    }
}

impl From<ProviderKind> for MethodKind {
    fn from(k: ProviderKind) -> MethodKind {
        match k {
            ProviderKind::Card => MethodKind::Card,
            ProviderKind::BankDebit => MethodKind::BankDebit,
        }
    }
}

/// Where a customer receives e-invoices (a Peppol participant id: scheme + id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EInvoiceAddress {
    pub scheme: String,
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountBilling {
    pub id: Uuid,
    pub account_id: AccountId,
    pub provider_customer: Option<String>,
    pub methods: Vec<SavedMethodRec>,
    pub autopay: Option<Autopay>,
    pub dunning: Schedule,
    /// Finance ops paused dunning for the whole account (a negotiated plan, say).
    pub dunning_paused: bool,
    pub einvoice: Option<EInvoiceAddress>,
    pub tax_id: Option<String>,
    pub buyer_reference: Option<String>,
}

impl AccountBilling {
    pub fn new(account: AccountId) -> AccountBilling {
        AccountBilling {
            id: Uuid::now_v7(),
            account_id: account,
            provider_customer: None,
            methods: Vec::new(),
            autopay: None,
            dunning: Schedule::standard(),
            dunning_paused: false,
            einvoice: None,
            tax_id: None,
            buyer_reference: None,
        }
    }

    pub fn method(&self, id: SavedMethodId) -> Option<&SavedMethodRec> {
        self.methods.iter().find(|m| m.id == id)
    }
}

impl Doc for AccountBilling {
    const KIND: &'static str = "account_billing";
    const WHAT: &'static str = "billing profile";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn number(&self) -> Option<String> {
        Some(self.account_id.0.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub lines: Vec<String>,
    pub city: String,
    pub postal_code: Option<String>,
    pub subdivision: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// The seller as it appears on invoices, statements and e-invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerProfile {
    pub legal_name: String,
    pub address: PostalAddress,
    pub tax_id: Option<String>,
    pub company_id: Option<String>,
    pub einvoice: Option<EInvoiceAddress>,
    pub email: Option<String>,
    /// For bank transfers: shown with the remittance reference on every invoice.
    pub bank_name: Option<String>,
    pub account_name: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    /// US transfers: routing (ABA) and account number.
    pub routing_number: Option<String>,
    pub account_number: Option<String>,
}

impl SellerProfile {
    /// What a fresh installation prints until the seller fills it in.
    pub fn placeholder(name: &str) -> SellerProfile {
        SellerProfile {
            legal_name: name.to_owned(),
            address: PostalAddress {
                lines: vec![],
                city: String::new(),
                postal_code: None,
                subdivision: None,
                country: "US".into(),
            },
            tax_id: None,
            company_id: None,
            einvoice: None,
            email: None,
            bank_name: None,
            account_name: None,
            iban: None,
            bic: None,
            routing_number: None,
            account_number: None,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, m: &str| Err(Rejection::new(ErrorCode::InvalidValue, f, m).into());
        if self.legal_name.trim().is_empty() {
            return bad("legal_name", "must not be empty");
        }
        if self.address.country.len() != 2 || !self.address.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return bad(
                "address.country",
                "an ISO 3166-1 code of two capital letters, like US or DE",
            );
        }
        if let Some(iban) = &self.iban
            && !valid_iban(iban)
        {
            return bad("iban", "not a valid IBAN (its check digits do not add up)");
        }
        if let Some(e) = &self.einvoice
            && (e.scheme.len() != 4 || !e.scheme.bytes().all(|b| b.is_ascii_digit()) || e.id.trim().is_empty())
        {
            return bad(
                "einvoice.scheme",
                "a four-digit EAS scheme code (0088, 9930…) and an id",
            );
        }
        Ok(())
    }

    /// The remittance instructions printed under the reference.
    pub fn remittance_lines(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(b) = &self.bank_name {
            v.push(format!("Bank: {b}"));
        }
        if let Some(a) = &self.account_name {
            v.push(format!("Account name: {a}"));
        }
        if let Some(i) = &self.iban {
            v.push(format!(
                "IBAN: {}",
                aftercart_domain::receivables::remittance::grouped(i)
            ));
        }
        if let Some(b) = &self.bic {
            v.push(format!("BIC: {b}"));
        }
        if let (Some(r), Some(a)) = (&self.routing_number, &self.account_number) {
            v.push(format!("Routing: {r} · Account: {a}"));
        }
        v
    }
}

/// ISO 13616 check: moved country + check digits, letters as numbers, mod 97 == 1.
pub fn valid_iban(s: &str) -> bool {
    let n: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if n.len() < 15 || n.len() > 34 || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, body) = n.split_at(4);
    let mut r: u32 = 0;
    for c in body.chars().chain(head.chars()) {
        let Some(v) = c.to_digit(36) else { return false };
        r = if v >= 10 { (r * 100 + v) % 97 } else { (r * 10 + v) % 97 };
    }
    r == 1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SellerDoc {
    pub id: Uuid,
    pub profile: SellerProfile,
}

impl Doc for SellerDoc {
    const KIND: &'static str = "seller_profile";
    const WHAT: &'static str = "seller profile";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn number(&self) -> Option<String> {
        Some("seller".into())
    }
}

impl App {
    /// The account's billing profile, or a fresh one (not yet stored: version 0).
    pub async fn account_billing(&self, ctx: &Ctx, account: AccountId) -> Result<Versioned<AccountBilling>> {
        self.load::<Account>(ctx, account.0).await?;
        self.billing_profile_unchecked(account).await
    }

    pub(crate) async fn billing_profile_unchecked(&self, account: AccountId) -> Result<Versioned<AccountBilling>> {
        match self
            .store
            .by_number(AccountBilling::KIND, &account.0.to_string())
            .await?
        {
            Some(row) => decode(&row),
            None => Ok(Versioned {
                value: AccountBilling::new(account),
                version: 0,
            }),
        }
    }

    pub(crate) fn write_billing(b: &Versioned<AccountBilling>) -> Result<aftercart_store::DocWrite> {
        write(
            &b.value,
            if b.version == 0 {
                WriteMode::Insert
            } else {
                WriteMode::Update(b.version)
            },
        )
    }

    /// Where the account receives e-invoices, its tax id and buyer reference (finance ops).
    pub async fn plan_set_einvoicing(
        &self,
        ctx: &Ctx,
        account: AccountId,
        address: EInvoiceAddress,
        tax_id: Option<String>,
        buyer_reference: Option<String>,
    ) -> Result<Planned<Versioned<AccountBilling>>> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("finance ops set e-invoicing details".into()));
        }
        self.load::<Account>(ctx, account.0).await?;
        if address.id.is_empty() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "id", "must not be empty").into());
        }
        let mut b = self.billing_profile_unchecked(account).await?;
        b.value.einvoice = Some(address);
        b.value.tax_id = tax_id;
        b.value.buyer_reference = buyer_reference;
        let commit = Commit {
            docs: vec![App::write_billing(&b)?],
            ..Default::default()
        };
        b.version += 1;
        Ok(Planned { value: b, commit })
    }

    pub async fn seller_profile(&self) -> Result<SellerProfile> {
        Ok(match self.store.by_number(SellerDoc::KIND, "seller").await? {
            Some(row) => decode::<SellerDoc>(&row)?.value.profile,
            None => SellerProfile::placeholder(&self.payments.seller_name),
        })
    }

    pub async fn plan_set_seller_profile(&self, ctx: &Ctx, profile: &SellerProfile) -> Result<Planned<SellerProfile>> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("only the seller sets its profile".into()));
        }
        profile.validate()?;
        let existing = self.store.by_number(SellerDoc::KIND, "seller").await?;
        let (doc, mode) = match existing {
            Some(row) => {
                let v = decode::<SellerDoc>(&row)?;
                (
                    SellerDoc {
                        id: v.value.id,
                        profile: profile.clone(),
                    },
                    WriteMode::Update(v.version),
                )
            }
            None => (
                SellerDoc {
                    id: Uuid::now_v7(),
                    profile: profile.clone(),
                },
                WriteMode::Insert,
            ),
        };
        Ok(Planned {
            value: profile.clone(),
            commit: Commit {
                docs: vec![write(&doc, mode)?],
                ..Default::default()
            },
        })
    }
}
