//! Cash application: matching bank receipts to open invoices by remittance reference, invoice
//! numbers in the payment's text, or exact amount. What cannot be applied with confidence is not
//! guessed at; it goes to the unapplied-cash queue with a reason a person can act on.
//!
//! A [`Book`] indexes the candidate invoices once, so each receipt costs a few hash lookups per
//! word of its text however many invoices are open, and it deducts what it applies, so later
//! receipts of the same bank file see what is left.
//!
//! Matching rules, in order; the first that finds something decides:
//!
//! 1. **Remittance reference.** The structured reference, or an ISO 11649 "RF" reference found in
//!    the text (in any grouping of spaces, any case, even split over two text fields), equal to
//!    an invoice's reference. One invoice: its balance is paid and anything over it is account
//!    credit. A reference to an invoice already paid is most likely a duplicate payment, so that
//!    receipt is left for a person. Several invoices referenced in the text are settled as in
//!    rule 2.
//! 2. **Invoice numbers.** The text is cut into words at spaces and at punctuation other than `-`
//!    and `/` (which invoice numbers contain), and each word is compared with the invoice numbers
//!    upper-cased and without their punctuation: "INV-1042", "inv-1042" and "INV1042" all name
//!    INV-1042, "inv 1042" does not (two words). A word with `/` in it is also tried part by
//!    part ("INV-7/INV-8"). Figures that look like an amount ("1042.00", "1,042") are not read as
//!    numbers. The open invoices named must be of one account; the oldest due is paid first, the
//!    last one partly if the money runs out, and anything over the total is account credit.
//!    Paid invoices named alongside open ones are passed over; when all the invoices named are
//!    paid, the receipt is left for a person.
//!
//!    A bare number ("1042") names the one invoice whose number ends in those digits, when no
//!    invoice number or reference was found, it has at least four digits and exactly one
//!    invoice of the currency ends that way. Such a word is weak evidence — it may be a year or
//!    a customer's own reference — so it only decides when the receipt pays exactly what the
//!    invoices it names owe; otherwise rule 3 decides.
//! 3. **Exact amount.** Exactly one open invoice of the receipt's currency owes exactly the
//!    receipt's amount.
//!
//! Only invoices in the receipt's currency are candidates. The payer's name is not used to match:
//! names are neither unique nor written the same way twice.

use super::remittance;
use crate::ids::{AccountId, InvoiceId};
use crate::money::{Currency, Money};
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use time::Date;

/// An open (or recently paid) invoice a receipt may be for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub invoice_id: InvoiceId,
    pub account_id: AccountId,
    pub number: String,
    /// The invoice's ISO 11649 reference ("RF…"), compared without spaces, ignoring case.
    pub remittance_reference: String,
    pub balance: Money,
    pub due_on: Date,
}

/// One credit line of a bank statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub amount: Money,
    pub structured_reference: Option<String>,
    /// The free text (remittance information, narrative), one entry per field or line.
    pub text: Vec<String>,
    pub payer_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    RemittanceReference,
    InvoiceNumbers,
    ExactAmount,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::RemittanceReference => "remittance_reference",
            Rule::InvoiceNumbers => "invoice_numbers",
            Rule::ExactAmount => "exact_amount",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rule::RemittanceReference => "remittance reference",
            Rule::InvoiceNumbers => "invoice numbers in the payment text",
            Rule::ExactAmount => "exact amount",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub invoice_id: InvoiceId,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `applications` (oldest due first) plus `excess` add up to the receipt's amount.
    Apply {
        rule: Rule,
        account_id: AccountId,
        applications: Vec<Applied>,
        /// Paid over the invoices' balances: account credit for `account_id`.
        excess: Money,
    },
    /// For the unapplied-cash queue.
    Unapplied { reason: String },
}

/// Bare numbers shorter than this are too often quantities, days or line numbers.
const MIN_BARE_DIGITS: usize = 4;
/// The longest ISO 11649 reference: "RF", two check digits and 21 characters.
const MAX_RF_LEN: usize = 25;
const MIN_RF_LEN: usize = 5;

/// The candidates with their balances as receipts are applied, indexed for matching.
///
/// The text indexes are keyed by a hash of the normalised text, not the text itself, so a book of
/// 100,000 invoices is not 300,000 small strings to allocate and free; a hit is checked against
/// the candidate itself, so a hash collision cannot match the wrong invoice.
#[derive(Debug, Clone)]
pub struct Book {
    candidates: Vec<Candidate>,
    by_id: HashMap<InvoiceId, usize>,
    by_number: TextIndex,
    by_reference: TextIndex,
    /// The trailing digits of each number, for bare numbers.
    by_tail: TextIndex,
    /// Open candidates by what they owe: how many, and the sum of their indexes — which is the
    /// index itself when there is one — so "exactly one invoice owes this" is O(1) and keeping
    /// it current as balances fall allocates nothing.
    by_amount: HashMap<(Currency, i64), (usize, usize)>,
}

impl Book {
    /// Indexes `candidates` in one pass. Candidates with nothing left to pay are kept, so a
    /// receipt naming one can be told apart from one naming nothing.
    pub fn new(candidates: Vec<Candidate>) -> Book {
        let n = candidates.len();
        let mut book = Book {
            candidates,
            by_id: HashMap::with_capacity(n),
            by_number: HashMap::with_capacity(n),
            by_reference: HashMap::with_capacity(n),
            by_tail: HashMap::with_capacity(n),
            by_amount: HashMap::with_capacity(n),
        };
        for (i, c) in book.candidates.iter().enumerate() {
            // An invoice offered twice is matched as its first offer only.
            if book.by_id.contains_key(&c.invoice_id) {
                continue;
            }
            book.by_id.insert(c.invoice_id, i);
            let number = normalise_number(&c.number);
            if let Some(tail) = digit_tail(&number) {
                Slot::add(&mut book.by_tail, tail, i);
            }
            if !number.is_empty() {
                Slot::add(&mut book.by_number, &number, i);
            }
            let reference = remittance::normalise(&c.remittance_reference);
            if !reference.is_empty() {
                Slot::add(&mut book.by_reference, &reference, i);
            }
            if c.balance.is_positive() {
                let slot = book
                    .by_amount
                    .entry((c.balance.currency(), c.balance.minor()))
                    .or_default();
                slot.0 += 1;
                slot.1 = slot.1.wrapping_add(i);
            }
        }
        book
    }

    /// What is left to pay on `id`, after the receipts applied so far.
    pub fn balance(&self, id: InvoiceId) -> Option<Money> {
        self.by_id.get(&id).map(|&i| self.candidates[i].balance)
    }

    /// Decides what `receipt` pays and, when it is applied, deducts it from the balances.
    pub fn apply(&mut self, receipt: &Receipt) -> Outcome {
        let outcome = self.decide(receipt);
        if let Outcome::Apply { applications, .. } = &outcome {
            for a in applications {
                if let Some(&i) = self.by_id.get(&a.invoice_id) {
                    self.deduct(i, a.amount.minor());
                }
            }
        }
        outcome
    }

    fn decide(&self, receipt: &Receipt) -> Outcome {
        let amount = receipt.amount;
        if !amount.is_positive() {
            return unapplied(format!("the amount {} is not a payment", amount.amount_string()));
        }
        let currency = amount.currency();

        if let Some(outcome) = self.by_references(receipt) {
            return outcome;
        }

        let words = words(&receipt.text);
        let mut named: Vec<usize> = Vec::new();
        let mut foreign: Vec<usize> = Vec::new();
        for word in &words {
            if !word.amount_like {
                let found = self.with_number(&word.key);
                let (mine, other): (Vec<usize>, Vec<usize>) = found
                    .iter()
                    .partition(|&&i| self.candidates[i].balance.currency() == currency);
                if mine.len() > 1 {
                    return unapplied(format!("\"{}\" matches {}", word.text, self.names(&mine)));
                }
                named.extend(mine);
                foreign.extend(other);
            }
        }
        dedup(&mut named);
        if !named.is_empty() {
            return self.settle(Rule::InvoiceNumbers, amount, &named);
        }
        if !foreign.is_empty() {
            dedup(&mut foreign);
            return unapplied(self.currency_mismatch(&foreign, currency));
        }

        if let Some(outcome) = self.by_bare_numbers(&words, amount) {
            return outcome;
        }

        match self
            .by_amount
            .get(&(currency, amount.minor()))
            .copied()
            .unwrap_or_default()
        {
            (1, i) => self.settle(Rule::ExactAmount, amount, &[i]),
            (0, _) => unapplied("no invoice number, reference or unique amount found".to_owned()),
            (n, _) => unapplied(format!("{n} open invoices are for {}", amount.amount_string())),
        }
    }

    /// Rule 1: the structured reference when it is an invoice's, else every RF reference in the
    /// text that is one. `None` when no reference names an invoice.
    fn by_references(&self, receipt: &Receipt) -> Option<Outcome> {
        let currency = receipt.amount.currency();
        let structured = receipt
            .structured_reference
            .as_deref()
            .map(remittance::normalise)
            .map(|key| {
                let found = self.with_reference(&key);
                (key, found)
            })
            .filter(|(_, found)| !found.is_empty());
        let references = match structured {
            Some(hit) => vec![hit],
            None => self.rf_references_in(&receipt.text.concat()),
        };
        let mut referenced: Vec<usize> = Vec::new();
        let mut foreign: Vec<usize> = Vec::new();
        let mut first = None;
        for (reference, found) in &references {
            let (mine, other): (Vec<usize>, Vec<usize>) = found
                .iter()
                .partition(|&&i| self.candidates[i].balance.currency() == currency);
            if mine.len() > 1 {
                return Some(unapplied(format!(
                    "{} is the reference of {}",
                    remittance::grouped(reference),
                    self.names(&mine)
                )));
            }
            if let Some(&i) = mine.first() {
                first.get_or_insert((reference, i));
            }
            referenced.extend(mine);
            foreign.extend(other);
        }
        dedup(&mut referenced);
        Some(match (referenced.as_slice(), first) {
            ([], _) if foreign.is_empty() => return None,
            ([], _) => {
                dedup(&mut foreign);
                unapplied(self.currency_mismatch(&foreign, currency))
            }
            ([_], Some((reference, i))) if !self.candidates[i].balance.is_positive() => unapplied(format!(
                "{} is the reference of {}, which is already paid: possibly a duplicate payment",
                remittance::grouped(reference),
                self.candidates[i].number
            )),
            _ => self.settle(Rule::RemittanceReference, receipt.amount, &referenced),
        })
    }

    /// Pays the open invoices among `named`, oldest due first; paid ones are passed over.
    fn settle(&self, rule: Rule, amount: Money, named: &[usize]) -> Outcome {
        let mut open: Vec<usize> = named
            .iter()
            .copied()
            .filter(|&i| self.candidates[i].balance.is_positive())
            .collect();
        if open.is_empty() {
            let verb = if named.len() == 1 { "is" } else { "are" };
            return unapplied(format!("{} {verb} already paid", self.names(named)));
        }
        let account_id = self.candidates[open[0]].account_id;
        if open.iter().any(|&i| self.candidates[i].account_id != account_id) {
            let verb = if open.len() == 2 { "belong" } else { "do not all belong" };
            let tail = if open.len() == 2 {
                "to different accounts"
            } else {
                "to one account"
            };
            return unapplied(format!("{} {verb} {tail}", self.names(&open)));
        }
        open.sort_by(|&a, &b| {
            let (a, b) = (&self.candidates[a], &self.candidates[b]);
            (a.due_on, &a.number, a.invoice_id).cmp(&(b.due_on, &b.number, b.invoice_id))
        });
        let mut left = amount.minor();
        let mut applications = Vec::with_capacity(open.len());
        for i in open {
            if left == 0 {
                break;
            }
            let c = &self.candidates[i];
            let pay = left.min(c.balance.minor());
            left -= pay;
            applications.push(Applied {
                invoice_id: c.invoice_id,
                amount: Money::from_minor(pay, amount.currency()),
            });
        }
        Outcome::Apply {
            rule,
            account_id,
            applications,
            excess: Money::from_minor(left, amount.currency()),
        }
    }

    /// Bare numbers only decide when they name open invoices of one account owing exactly the
    /// amount (see the module's rule 2).
    fn by_bare_numbers(&self, words: &[Word], amount: Money) -> Option<Outcome> {
        let currency = amount.currency();
        let mut named: Vec<usize> = Vec::new();
        for word in words.iter().filter(|w| w.bare) {
            let found = self.with_tail(&word.key);
            let mut mine = found
                .iter()
                .filter(|&&i| self.candidates[i].balance.currency() == currency);
            if let (Some(&i), None) = (mine.next(), mine.next())
                && self.candidates[i].balance.is_positive()
            {
                named.push(i);
            }
        }
        dedup(&mut named);
        let first = named.first()?;
        let account_id = self.candidates[*first].account_id;
        let one_account = named.iter().all(|&i| self.candidates[i].account_id == account_id);
        let owed = named
            .iter()
            .try_fold(0i64, |sum, &i| sum.checked_add(self.candidates[i].balance.minor()));
        (one_account && owed == Some(amount.minor())).then(|| self.settle(Rule::InvoiceNumbers, amount, &named))
    }

    fn with_number(&self, key: &str) -> Vec<usize> {
        Slot::find(&self.by_number, key)
            .iter()
            .copied()
            .filter(|&i| normalise_number(&self.candidates[i].number) == key)
            .collect()
    }

    fn with_tail(&self, key: &str) -> Vec<usize> {
        Slot::find(&self.by_tail, key)
            .iter()
            .copied()
            .filter(|&i| digit_tail(&normalise_number(&self.candidates[i].number)) == Some(key))
            .collect()
    }

    fn with_reference(&self, key: &str) -> Vec<usize> {
        Slot::find(&self.by_reference, key)
            .iter()
            .copied()
            .filter(|&i| remittance::normalise(&self.candidates[i].remittance_reference) == key)
            .collect()
    }

    /// The RF references in `line` that are an invoice's, with the candidates they name. The
    /// characters after each "RF" + two digits are gathered across spaces, up to the longest a
    /// reference can be, and the longest prefix that is a known reference wins.
    fn rf_references_in(&self, line: &str) -> Vec<(String, Vec<usize>)> {
        let chars: Vec<char> = line
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let mut found = Vec::new();
        let mut start = 0;
        while start + MIN_RF_LEN <= chars.len() {
            let is_rf = chars[start] == 'R'
                && chars[start + 1] == 'F'
                && chars[start + 2].is_ascii_digit()
                && chars[start + 3].is_ascii_digit();
            if !is_rf {
                start += 1;
                continue;
            }
            let body: String = chars[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .take(MAX_RF_LEN)
                .collect();
            let hit = (MIN_RF_LEN..=body.len())
                .rev()
                .map(|len| (len, self.with_reference(&body[..len])))
                .find(|(_, f)| !f.is_empty());
            match hit {
                Some((len, f)) => {
                    found.push((body[..len].to_owned(), f));
                    start += len;
                }
                None => start += 2,
            }
        }
        found
    }

    fn deduct(&mut self, i: usize, minor: i64) {
        let c = &mut self.candidates[i];
        let currency = c.balance.currency();
        let before = c.balance.minor();
        let after = before.saturating_sub(minor);
        c.balance = Money::from_minor(after, currency);
        if before > 0
            && let Some(slot) = self.by_amount.get_mut(&(currency, before))
        {
            slot.0 -= 1;
            slot.1 = slot.1.wrapping_sub(i);
            if slot.0 == 0 {
                self.by_amount.remove(&(currency, before));
            }
        }
        if after > 0 {
            let slot = self.by_amount.entry((currency, after)).or_default();
            slot.0 += 1;
            slot.1 = slot.1.wrapping_add(i);
        }
    }

    fn currency_mismatch(&self, found: &[usize], currency: Currency) -> String {
        let billed = self.candidates[found[0]].balance.currency();
        let verb = if found.len() == 1 { "is" } else { "are" };
        format!(
            "{} {verb} billed in {billed}; the payment is in {currency}",
            self.names(found)
        )
    }

    /// "INV-1", "INV-1 and INV-2", "INV-1, INV-2 and INV-3", "INV-1, …, INV-5 and 3 more".
    fn names(&self, idx: &[usize]) -> String {
        const SHOWN: usize = 5;
        let numbers: Vec<&str> = idx.iter().map(|&i| self.candidates[i].number.as_str()).collect();
        match numbers.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            _ if numbers.len() > SHOWN + 1 => {
                format!("{} and {} more", numbers[..SHOWN].join(", "), numbers.len() - SHOWN)
            }
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

type TextIndex = HashMap<u64, Slot>;

/// The candidates under one key: almost always one, so without a vector of its own.
#[derive(Debug, Clone)]
enum Slot {
    One(usize),
    Many(Vec<usize>),
}

impl Slot {
    fn hash(key: &str) -> u64 {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        h.finish()
    }

    fn add(map: &mut TextIndex, key: &str, i: usize) {
        match map.get_mut(&Slot::hash(key)) {
            None => {
                map.insert(Slot::hash(key), Slot::One(i));
            }
            Some(slot) => match slot {
                Slot::One(first) => *slot = Slot::Many(vec![*first, i]),
                Slot::Many(v) => v.push(i),
            },
        }
    }

    fn find<'a>(map: &'a TextIndex, key: &str) -> &'a [usize] {
        match map.get(&Slot::hash(key)) {
            None => &[],
            Some(Slot::One(i)) => std::slice::from_ref(i),
            Some(Slot::Many(v)) => v,
        }
    }
}

fn unapplied(reason: String) -> Outcome {
    Outcome::Unapplied { reason }
}

fn dedup(v: &mut Vec<usize>) {
    let mut seen = HashSet::with_capacity(v.len());
    v.retain(|i| seen.insert(*i));
}

/// Upper-case letters and digits only: how invoice numbers and the words of a text compare.
fn normalise_number(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The trailing digits of a normalised number, when there are enough to be told apart.
fn digit_tail(normalised: &str) -> Option<&str> {
    let digits = normalised.bytes().rev().take_while(u8::is_ascii_digit).count();
    (digits >= MIN_BARE_DIGITS).then(|| &normalised[normalised.len() - digits..])
}

struct Word {
    /// As written, for reasons.
    text: String,
    key: String,
    /// Only digits: may be a bare invoice number.
    bare: bool,
    /// Part of a figure such as "1,042.50".
    amount_like: bool,
}

fn words(text: &[String]) -> Vec<Word> {
    let mut out = Vec::new();
    for chunk in text.iter().flat_map(|line| line.split_whitespace()) {
        let trimmed = chunk.trim_matches(|c: char| !c.is_alphanumeric());
        let amount_like =
            trimmed.contains(['.', ',']) && trimmed.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',');
        let splits = |c: char| !c.is_alphanumeric() && c != '-' && c != '/';
        for token in trimmed.split(splits).filter(|t| !t.is_empty()) {
            let mut push = |t: &str, whole: bool| {
                let key = normalise_number(t);
                if !key.is_empty() {
                    out.push(Word {
                        text: t.to_owned(),
                        bare: whole && !amount_like && t.bytes().all(|b| b.is_ascii_digit()),
                        key,
                        amount_like,
                    });
                }
            };
            push(token, true);
            if token.contains('/') {
                for part in token.split('/').filter(|p| !p.is_empty()) {
                    push(part, false);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    // Amounts in minor units are written units_cents: 120_00 is 120.00.
    #![allow(clippy::inconsistent_digit_grouping)]

    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;
    use uuid::Uuid;

    fn usd() -> Currency {
        Currency::parse("USD", "currency").unwrap()
    }

    fn eur() -> Currency {
        Currency::parse("EUR", "currency").unwrap()
    }

    fn id<T: From<Uuid>>(n: u128) -> T {
        Uuid::from_u128(n).into()
    }

    fn m(minor: i64) -> Money {
        Money::from_minor(minor, usd())
    }

    const DUE: Date = date!(2026 - 11 - 30);

    /// Invoice `n`, numbered as given, of account 1, due `age` days before `DUE`.
    fn cand(n: u128, number: &str, balance: i64, age: i64) -> Candidate {
        Candidate {
            invoice_id: id(n),
            account_id: id(1),
            number: number.to_owned(),
            remittance_reference: remittance::rf_reference(number).unwrap(),
            balance: m(balance),
            due_on: DUE - Duration::days(age),
        }
    }

    fn of_account(mut c: Candidate, account: u128) -> Candidate {
        c.account_id = id(account);
        c
    }

    fn receipt(amount: i64, text: &[&str]) -> Receipt {
        Receipt {
            amount: m(amount),
            structured_reference: None,
            text: text.iter().map(|t| (*t).to_owned()).collect(),
            payer_name: Some("Acme Ltd".into()),
        }
    }

    fn structured(amount: i64, reference: &str) -> Receipt {
        Receipt {
            structured_reference: Some(reference.to_owned()),
            ..receipt(amount, &[])
        }
    }

    fn apply(rule: Rule, account: u128, applications: &[(u128, i64)], excess: i64) -> Outcome {
        Outcome::Apply {
            rule,
            account_id: id(account),
            applications: applications
                .iter()
                .map(|&(n, minor)| Applied {
                    invoice_id: id(n),
                    amount: m(minor),
                })
                .collect(),
            excess: m(excess),
        }
    }

    fn reason(o: Outcome) -> String {
        match o {
            Outcome::Unapplied { reason } => reason,
            other => panic!("expected unapplied, got {other:?}"),
        }
    }

    fn rf(number: &str) -> String {
        remittance::rf_reference(number).unwrap()
    }

    // ------------------------------------------------------------ rule 1: references

    #[test]
    fn a_structured_reference_pays_its_invoice_in_any_case_and_spacing() {
        let mut book = Book::new(vec![cand(1, "INV-1042", 120_00, 0), cand(2, "INV-1043", 120_00, 0)]);
        let spaced = remittance::grouped(&rf("INV-1043")).to_lowercase();
        assert_eq!(
            book.apply(&structured(120_00, &spaced)),
            apply(Rule::RemittanceReference, 1, &[(2, 120_00)], 0)
        );
        assert_eq!(book.balance(id(2)), Some(m(0)));
        assert_eq!(book.balance(id(1)), Some(m(120_00)));
        assert_eq!(book.balance(id(99)), None);
    }

    #[test]
    fn over_a_referenced_balance_is_account_credit_and_under_it_pays_part() {
        let mut book = Book::new(vec![of_account(cand(1, "INV-7", 80_00, 0), 5)]);
        assert_eq!(
            book.apply(&structured(30_00, &rf("INV-7"))),
            apply(Rule::RemittanceReference, 5, &[(1, 30_00)], 0)
        );
        assert_eq!(
            book.apply(&structured(70_00, &rf("INV-7"))),
            apply(Rule::RemittanceReference, 5, &[(1, 50_00)], 20_00)
        );
        assert_eq!(book.balance(id(1)), Some(m(0)));
    }

    #[test]
    fn a_reference_in_the_text_is_found_across_spaces_and_punctuation() {
        let mut book = Book::new(vec![cand(1, "INV-1042", 120_00, 0), cand(2, "INV-1043", 55_00, 0)]);
        let text = format!("Payment for {}, thank you.", remittance::grouped(&rf("INV-1043")));
        assert_eq!(
            book.apply(&receipt(55_00, &["ACME LTD", &text])),
            apply(Rule::RemittanceReference, 1, &[(2, 55_00)], 0)
        );
        // Glued to a following word, and after a label.
        let glued = format!("REF:{}INV", rf("INV-1042"));
        assert_eq!(
            book.apply(&receipt(120_00, &[&glued])),
            apply(Rule::RemittanceReference, 1, &[(1, 120_00)], 0)
        );
    }

    #[test]
    fn a_reference_split_over_two_text_fields_is_found() {
        let mut book = Book::new(vec![cand(1, "INV-2026-000042", 10_00, 0)]);
        let r = rf("INV-2026-000042");
        let (a, b) = r.split_at(9);
        assert_eq!(
            book.apply(&receipt(10_00, &[a, b])),
            apply(Rule::RemittanceReference, 1, &[(1, 10_00)], 0)
        );
    }

    #[test]
    fn a_reference_to_a_paid_invoice_is_a_likely_duplicate() {
        let mut book = Book::new(vec![cand(1, "INV-3", 40_00, 0)]);
        let r = structured(40_00, &rf("INV-3"));
        assert!(matches!(book.apply(&r), Outcome::Apply { .. }));
        let why = reason(book.apply(&r));
        assert!(
            why.contains("INV-3") && why.contains("already paid") && why.contains("duplicate"),
            "{why}"
        );
        assert_eq!(book.balance(id(1)), Some(m(0)), "an unapplied receipt changes nothing");
    }

    #[test]
    fn several_references_in_the_text_are_settled_oldest_first() {
        let mut book = Book::new(vec![cand(1, "INV-1", 50_00, 0), cand(2, "INV-2", 30_00, 10)]);
        let text = format!("{} {}", rf("INV-1"), rf("INV-2"));
        assert_eq!(
            book.apply(&receipt(60_00, &[&text])),
            apply(Rule::RemittanceReference, 1, &[(2, 30_00), (1, 30_00)], 0)
        );
    }

    #[test]
    fn a_reference_to_an_invoice_in_another_currency_is_not_applied() {
        let mut euro = cand(1, "INV-5", 10_00, 0);
        euro.balance = Money::from_minor(10_00, eur());
        let mut book = Book::new(vec![euro, cand(2, "INV-6", 10_00, 0)]);
        let why = reason(book.apply(&structured(10_00, &rf("INV-5"))));
        assert_eq!(why, "INV-5 is billed in EUR; the payment is in USD");
        assert_eq!(book.balance(id(2)), Some(m(10_00)), "not applied by amount instead");
    }

    #[test]
    fn an_unknown_structured_reference_falls_through_to_the_text() {
        let mut book = Book::new(vec![cand(1, "INV-8", 10_00, 0)]);
        let mut r = structured(10_00, "PO-77731");
        r.text = vec!["INV-8".into()];
        assert_eq!(book.apply(&r), apply(Rule::InvoiceNumbers, 1, &[(1, 10_00)], 0));
    }

    // ------------------------------------------------------------ rule 2: invoice numbers

    #[test]
    fn invoice_numbers_match_without_punctuation_or_case() {
        for text in [
            "INV-1042",
            "inv-1042",
            "INV1042",
            "Invoice: INV-1042.",
            "(inv-1042)",
            "re INV-1042;INV-9999",
        ] {
            let mut book = Book::new(vec![cand(1, "INV-1042", 120_00, 0), cand(2, "INV-1043", 999_00, 0)]);
            assert_eq!(
                book.apply(&receipt(100_00, &[text])),
                apply(Rule::InvoiceNumbers, 1, &[(1, 100_00)], 0),
                "{text}"
            );
        }
    }

    #[test]
    fn a_number_split_in_two_words_does_not_match() {
        let mut book = Book::new(vec![cand(1, "INV-1042", 120_00, 0)]);
        let why = reason(book.apply(&receipt(100_00, &["inv 1042"])));
        assert_eq!(why, "no invoice number, reference or unique amount found");
    }

    #[test]
    fn numbers_joined_by_a_slash_are_each_found() {
        let mut book = Book::new(vec![cand(1, "INV-7", 10_00, 0), cand(2, "INV-8", 10_00, 1)]);
        assert_eq!(
            book.apply(&receipt(20_00, &["INV-7/INV-8"])),
            apply(Rule::InvoiceNumbers, 1, &[(2, 10_00), (1, 10_00)], 0)
        );
        // A number with a slash in it is still one number.
        let mut book = Book::new(vec![cand(3, "2026/11/0042", 10_00, 0)]);
        assert_eq!(
            book.apply(&receipt(10_00, &["2026/11/0042"])),
            apply(Rule::InvoiceNumbers, 1, &[(3, 10_00)], 0)
        );
    }

    #[test]
    fn enough_for_all_named_pays_each_in_full_with_the_rest_as_credit() {
        let mut book = Book::new(vec![
            cand(1, "INV-1", 100_00, 5),
            cand(2, "INV-2", 50_00, 20),
            cand(3, "INV-3", 75_00, 0),
        ]);
        assert_eq!(
            book.apply(&receipt(200_00, &["INV-1 INV-2 INV-1"])),
            apply(Rule::InvoiceNumbers, 1, &[(2, 50_00), (1, 100_00)], 50_00)
        );
        assert_eq!(book.balance(id(3)), Some(m(75_00)));
    }

    #[test]
    fn too_little_for_all_named_pays_the_oldest_due_first_and_the_last_in_part() {
        let mut book = Book::new(vec![
            cand(1, "INV-1", 100_00, 0),
            cand(2, "INV-2", 50_00, 30),
            cand(3, "INV-3", 75_00, 10),
        ]);
        assert_eq!(
            book.apply(&receipt(150_00, &["INV-1, INV-2, INV-3"])),
            apply(Rule::InvoiceNumbers, 1, &[(2, 50_00), (3, 75_00), (1, 25_00)], 0)
        );
        assert_eq!(book.balance(id(1)), Some(m(75_00)));
    }

    #[test]
    fn invoices_of_different_accounts_are_not_applied_together() {
        let mut book = Book::new(vec![
            of_account(cand(1, "INV-9", 10_00, 0), 1),
            of_account(cand(2, "INV-12", 10_00, 0), 2),
        ]);
        assert_eq!(
            reason(book.apply(&receipt(20_00, &["INV-9 INV-12"]))),
            "INV-9 and INV-12 belong to different accounts"
        );
        assert_eq!(book.balance(id(1)), Some(m(10_00)));
    }

    #[test]
    fn paid_invoices_named_beside_open_ones_are_passed_over() {
        let mut book = Book::new(vec![of_account(cand(1, "INV-3", 0, 40), 2), cand(2, "INV-4", 10_00, 0)]);
        assert_eq!(
            book.apply(&receipt(15_00, &["INV-3 INV-4"])),
            apply(Rule::InvoiceNumbers, 1, &[(2, 10_00)], 5_00)
        );
        assert_eq!(reason(book.apply(&receipt(5_00, &["INV-3"]))), "INV-3 is already paid");
        assert_eq!(
            reason(book.apply(&receipt(5_00, &["INV-3 and INV-4"]))),
            "INV-3 and INV-4 are already paid"
        );
    }

    #[test]
    fn a_word_matching_two_invoice_numbers_is_not_guessed() {
        let mut book = Book::new(vec![cand(1, "INV-1042", 10_00, 0), cand(2, "INV1042", 10_00, 0)]);
        assert_eq!(
            reason(book.apply(&receipt(10_00, &["inv1042"]))),
            "\"inv1042\" matches INV-1042 and INV1042"
        );
    }

    #[test]
    fn a_number_of_an_invoice_in_another_currency_is_not_applied() {
        let mut euro = cand(1, "INV-5", 10_00, 0);
        euro.balance = Money::from_minor(10_00, eur());
        let mut book = Book::new(vec![euro, cand(2, "INV-6", 10_00, 0)]);
        assert_eq!(
            reason(book.apply(&receipt(10_00, &["INV-5"]))),
            "INV-5 is billed in EUR; the payment is in USD"
        );
    }

    #[test]
    fn figures_are_not_read_as_invoice_numbers() {
        let mut book = Book::new(vec![cand(1, "1042", 500_00, 0), cand(2, "INV-7", 1042_00, 0)]);
        // 1042.00 is the amount; the invoice numbered 1042 is not named, so the amount decides.
        assert_eq!(
            book.apply(&receipt(1042_00, &["PAYMENT 1042.00 USD", "1,042"])),
            apply(Rule::ExactAmount, 1, &[(2, 1042_00)], 0)
        );
        // On its own it is the invoice's number.
        assert_eq!(
            book.apply(&receipt(100_00, &["invoice 1042."])),
            apply(Rule::InvoiceNumbers, 1, &[(1, 100_00)], 0)
        );
    }

    #[test]
    fn a_bare_number_decides_only_when_the_amount_confirms_it() {
        let make = || {
            Book::new(vec![
                cand(1, "INV-1042", 120_00, 0),
                cand(2, "INV-1043", 120_00, 0),
                cand(3, "INV-2001", 120_00, 0),
            ])
        };
        // "inv 1042" names INV-1042 by its digits; three invoices owe 120.00, the digits pick one.
        assert_eq!(
            make().apply(&receipt(120_00, &["inv 1042"])),
            apply(Rule::InvoiceNumbers, 1, &[(1, 120_00)], 0)
        );
        // Paying a different amount, the digits are not trusted.
        assert_eq!(
            reason(make().apply(&receipt(100_00, &["inv 1042"]))),
            "no invoice number, reference or unique amount found"
        );
        // Two bare numbers paid together.
        assert_eq!(
            make().apply(&receipt(240_00, &["1042 1043"])),
            apply(Rule::InvoiceNumbers, 1, &[(1, 120_00), (2, 120_00)], 0)
        );
        // Fewer than four digits, or digits two invoices end in, say nothing.
        let mut book = Book::new(vec![cand(1, "INV-042", 120_00, 0), cand(2, "INV-043", 120_00, 0)]);
        assert_eq!(
            reason(book.apply(&receipt(120_00, &["042"]))),
            "2 open invoices are for 120.00"
        );
        let mut book = Book::new(vec![cand(1, "A-1042", 120_00, 0), cand(2, "B-1042", 120_00, 0)]);
        assert_eq!(
            reason(book.apply(&receipt(120_00, &["1042"]))),
            "2 open invoices are for 120.00"
        );
    }

    // ------------------------------------------------------------ rule 3: exact amount

    #[test]
    fn a_unique_amount_pays_its_invoice() {
        let mut book = Book::new(vec![
            of_account(cand(1, "INV-1", 120_00, 0), 3),
            cand(2, "INV-2", 99_00, 0),
        ]);
        assert_eq!(
            book.apply(&receipt(120_00, &["ACME LTD MONTHLY"])),
            apply(Rule::ExactAmount, 3, &[(1, 120_00)], 0)
        );
        assert_eq!(
            reason(book.apply(&receipt(120_00, &[]))),
            "no invoice number, reference or unique amount found"
        );
    }

    #[test]
    fn several_invoices_owing_the_amount_are_counted_not_guessed() {
        let mut book = Book::new(vec![
            cand(1, "INV-1", 120_00, 0),
            cand(2, "INV-2", 120_00, 0),
            cand(3, "INV-3", 120_00, 0),
            cand(4, "INV-4", 0, 0),
        ]);
        assert_eq!(
            reason(book.apply(&receipt(120_00, &[]))),
            "3 open invoices are for 120.00"
        );
    }

    #[test]
    fn amounts_follow_the_balances_as_receipts_are_applied() {
        let mut book = Book::new(vec![cand(1, "INV-1", 120_00, 0), cand(2, "INV-2", 120_00, 0)]);
        assert_eq!(
            reason(book.apply(&receipt(120_00, &[]))),
            "2 open invoices are for 120.00"
        );
        book.apply(&receipt(50_00, &["INV-1"]));
        assert_eq!(
            book.apply(&receipt(70_00, &[])),
            apply(Rule::ExactAmount, 1, &[(1, 70_00)], 0)
        );
        assert_eq!(
            book.apply(&receipt(120_00, &[])),
            apply(Rule::ExactAmount, 1, &[(2, 120_00)], 0)
        );
        assert_eq!(
            reason(book.apply(&receipt(120_00, &[]))),
            "no invoice number, reference or unique amount found"
        );
    }

    #[test]
    fn only_invoices_in_the_receipts_currency_are_candidates() {
        let mut euro = cand(1, "INV-1", 120_00, 0);
        euro.balance = Money::from_minor(120_00, eur());
        let mut book = Book::new(vec![euro, cand(2, "INV-2", 120_00, 0)]);
        assert_eq!(
            book.apply(&receipt(120_00, &[])),
            apply(Rule::ExactAmount, 1, &[(2, 120_00)], 0)
        );
        let mut r = receipt(120_00, &[]);
        r.amount = Money::from_minor(120_00, eur());
        assert!(matches!(
            book.apply(&r),
            Outcome::Apply {
                rule: Rule::ExactAmount,
                ..
            }
        ));
        assert_eq!(book.balance(id(1)), Some(Money::from_minor(0, eur())));
    }

    #[test]
    fn what_is_not_a_payment_is_not_applied() {
        let mut book = Book::new(vec![cand(1, "INV-1", 120_00, 0)]);
        for amount in [0, -120_00] {
            let why = reason(book.apply(&receipt(amount, &["INV-1"])));
            assert!(why.contains("is not a payment"), "{why}");
        }
        assert_eq!(book.balance(id(1)), Some(m(120_00)));
    }

    #[test]
    fn an_invoice_offered_twice_is_matched_once() {
        let mut book = Book::new(vec![cand(1, "INV-1", 120_00, 0), cand(1, "INV-1", 120_00, 0)]);
        assert_eq!(
            book.apply(&receipt(120_00, &[])),
            apply(Rule::ExactAmount, 1, &[(1, 120_00)], 0)
        );
        assert_eq!(book.balance(id(1)), Some(m(0)));
    }

    #[test]
    fn a_hash_collision_cannot_match_the_wrong_invoice() {
        let mut book = Book::new(vec![cand(1, "INV-1", 120_00, 0)]);
        // Pretend "INV2" hashes where "INV1" does.
        let slot = book.by_number.remove(&Slot::hash("INV1")).unwrap();
        book.by_number.insert(Slot::hash("INV2"), slot);
        assert_eq!(
            reason(book.apply(&receipt(50_00, &["INV-2"]))),
            "no invoice number, reference or unique amount found"
        );
    }

    #[test]
    fn long_lists_of_names_are_shortened() {
        let book = Book::new((0..9).map(|k| cand(k, &format!("INV-{k}"), 0, 0)).collect());
        assert_eq!(book.names(&[0, 1, 2]), "INV-0, INV-1 and INV-2");
        assert_eq!(
            book.names(&(0..9).collect::<Vec<_>>()),
            "INV-0, INV-1, INV-2, INV-3, INV-4 and 4 more"
        );
    }

    #[test]
    fn a_bank_file_of_ten_thousand_receipts_over_a_hundred_thousand_invoices() {
        let candidates: Vec<Candidate> = (0..100_000u128)
            .map(|k| {
                of_account(
                    cand(k, &format!("INV-{k:06}"), 1_000 + (k as i64 % 5_000), (k % 120) as i64),
                    k % 700,
                )
            })
            .collect();
        let receipts: Vec<Receipt> = (0..10_000u128)
            .map(|k| {
                let inv = k * 7 % 100_000;
                let amount = 1_000 + (inv as i64 % 5_000);
                let number = format!("INV-{inv:06}");
                match k % 4 {
                    0 => structured(amount, &rf(&number)),
                    1 => receipt(
                        amount,
                        &[&format!("ACME LTD PAYMENT {number} THANK YOU 2026-11-30 {amount}.00")],
                    ),
                    2 => receipt(amount + 3, &["SOME NARRATIVE WITH NO NUMBER", "PO 4711 / DEPT 12"]),
                    _ => receipt(
                        amount,
                        &[&format!("RE: {} AND SOME MORE TEXT", remittance::grouped(&rf(&number)))],
                    ),
                }
            })
            .collect();
        let started = std::time::Instant::now();
        let mut book = Book::new(candidates);
        let applied = receipts
            .iter()
            .filter(|r| matches!(book.apply(r), Outcome::Apply { .. }))
            .count();
        let took = started.elapsed();
        eprintln!("book of 100,000 and 10,000 receipts: {took:?}");
        assert!(applied >= 7_500, "{applied}");
        // Linear work is a fraction of a second even unoptimised; anything quadratic is minutes.
        assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    }

    // ------------------------------------------------------------ properties

    fn world() -> impl Strategy<Value = (Vec<Candidate>, Vec<Receipt>)> {
        let candidate = (0u128..3, 0i64..400, 0i64..60, prop::bool::weighted(0.15));
        let candidates = prop::collection::vec(candidate, 1..8).prop_map(|cs| {
            cs.into_iter()
                .enumerate()
                .map(|(k, (account, balance, age, euro))| {
                    let number = format!("INV-{}", 1040 + k);
                    let mut c = of_account(cand(k as u128, &number, balance, age), account);
                    if euro {
                        c.balance = Money::from_minor(balance, eur());
                    }
                    c
                })
                .collect::<Vec<_>>()
        });
        let word = prop_oneof![
            (1040usize..1050).prop_map(|n| format!("INV-{n}")),
            (1040usize..1050).prop_map(|n| format!("inv{n}")),
            (1040usize..1050).prop_map(|n| n.to_string()),
            (1040usize..1050).prop_map(|n| remittance::grouped(&rf(&format!("INV-{n}")))),
            (0i64..400).prop_map(|a| format!("{}.{:02}", a / 100, a % 100)),
            Just("ACME".to_owned()),
            Just("/".to_owned()),
        ];
        let receipt = (
            -10i64..800,
            prop::bool::weighted(0.1),
            prop::option::of(1040usize..1050),
            prop::collection::vec(word, 0..5),
        )
            .prop_map(|(amount, euro, reference, words)| Receipt {
                amount: Money::from_minor(amount, if euro { eur() } else { usd() }),
                structured_reference: reference.map(|n| rf(&format!("INV-{n}"))),
                text: vec![words.join(" ")],
                payer_name: None,
            });
        (candidates, prop::collection::vec(receipt, 1..12))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        #[test]
        fn receipts_are_conserved_and_balances_never_go_negative((candidates, receipts) in world()) {
            let mut model: HashMap<InvoiceId, Candidate> = HashMap::new();
            for c in &candidates {
                model.entry(c.invoice_id).or_insert_with(|| c.clone());
            }
            let mut book = Book::new(candidates);
            for r in &receipts {
                let owing_before = model.values().filter(|c| c.balance == r.amount).count();
                let outcome = book.apply(r);
                match &outcome {
                    Outcome::Apply { rule, account_id, applications, excess } => {
                        prop_assert!(r.amount.is_positive());
                        prop_assert!(!excess.is_negative());
                        prop_assert!(!applications.is_empty());
                        let mut total = excess.minor();
                        for a in applications {
                            let c = model.get_mut(&a.invoice_id).unwrap();
                            prop_assert!(a.amount.is_positive(), "{:?}", outcome);
                            prop_assert!(a.amount.minor() <= c.balance.minor(), "{:?}", outcome);
                            prop_assert_eq!(a.amount.currency(), r.amount.currency());
                            prop_assert_eq!(c.balance.currency(), r.amount.currency());
                            prop_assert_eq!(c.account_id, *account_id);
                            if *rule == Rule::ExactAmount {
                                prop_assert_eq!(c.balance, r.amount);
                            }
                            c.balance = Money::from_minor(c.balance.minor() - a.amount.minor(), c.balance.currency());
                            total += a.amount.minor();
                        }
                        prop_assert_eq!(total, r.amount.minor(), "{:?}", outcome);
                        // Credit is only left over once every invoice paid is paid in full.
                        if excess.is_positive() {
                            for a in applications {
                                prop_assert!(model[&a.invoice_id].balance.is_zero());
                            }
                        }
                        if *rule == Rule::ExactAmount {
                            prop_assert_eq!(owing_before, 1);
                        }
                    }
                    Outcome::Unapplied { reason } => {
                        prop_assert!(!reason.is_empty());
                        let several = format!(" open invoices are for {}", r.amount.amount_string());
                        if let Some(n) = reason.strip_suffix(&several) {
                            prop_assert_eq!(n.parse::<usize>().unwrap(), owing_before);
                        }
                    }
                }
                for c in model.values() {
                    prop_assert_eq!(book.balance(c.invoice_id), Some(c.balance));
                    prop_assert!(!c.balance.is_negative());
                }
            }
        }

        #[test]
        fn a_unique_amount_is_found_whatever_was_applied_before((candidates, receipts) in world()) {
            let mut book = Book::new(candidates.clone());
            for r in &receipts {
                book.apply(r);
            }
            // The book's amount index agrees with a scan of what is left.
            let mut left: HashMap<(Currency, i64), usize> = HashMap::new();
            let mut seen = HashSet::new();
            for c in candidates.iter().filter(|c| seen.insert(c.invoice_id)) {
                let b = book.balance(c.invoice_id).unwrap();
                if b.is_positive() {
                    *left.entry((b.currency(), b.minor())).or_default() += 1;
                }
            }
            let indexed: HashMap<(Currency, i64), usize> = book.by_amount.iter().map(|(k, v)| (*k, v.0)).collect();
            prop_assert_eq!(indexed, left);
            for (&(currency, minor), &(n, sum)) in &book.by_amount {
                if n == 1 {
                    prop_assert_eq!(book.candidates[sum].balance, Money::from_minor(minor, currency));
                }
            }
        }
    }
}
