//! ISO 20022 camt.053 (BankToCustomerStatement), versions 001.02 to 001.13.
//!
//! Read as a stream: the document is walked down to each `Stmt`, and each child of a statement
//! (its id, account, balances, one entry) is read into a small tree and converted before the next
//! is read, so memory does not grow with the number of entries and element order within a
//! parent does not matter.

use super::values::{BOM, unsigned_minor, ymd};
use super::{BankEntry, BankFormat, BankStatement, Direction, ParseError};
use crate::currency::iso4217;
use aftercart_domain::money::{Currency, Money};
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use time::Date;

const NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:";
const VERSIONS: std::ops::RangeInclusive<u32> = 2..=13;

/// Parses a camt.053 statement. Only booked entries are kept (status `BOOK`; v02 gives it as
/// text, v08+ as `<Sts><Cd>`, an entry without a status counts as booked since a statement
/// reports bookings): pending (`PDNG`) and information-only (`INFO`) entries have not moved
/// money and are skipped without being checked.
///
/// An entry with several transactions (`NtryDtls/TxDtls`) becomes one [`BankEntry`] per
/// transaction at the transaction's own amount (`TxDtls/Amt`, else `AmtDtls/TxAmt/Amt`); their
/// sum is not checked against the entry's, since banks may book a batch net of charges. When
/// some transaction of a batch has no amount, the batch stays one entry at the booked amount
/// (splitting it would invent amounts). Without any `RmtInf`, the remittance text falls back to
/// `AddtlTxInf`, then to the entry's `AddtlNtryInf`.
///
/// Several `Stmt` elements are read as one statement when they are for the same account (the
/// opening balance of the first, the closing balance of the last); a file covering several
/// accounts is refused, since one [`BankStatement`] has one account.
pub fn parse_camt053(bytes: &[u8]) -> Result<BankStatement, ParseError> {
    let src = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = checked_text(src)?;
    let mut p = Parser::new(text);
    p.root()?;
    let mut statement = BankStatement {
        format: BankFormat::Camt053,
        statement_id: None,
        account: None,
        currency: None,
        opening_balance: None,
        closing_balance: None,
        entries: Vec::new(),
    };
    let mut statements = 0;
    // Document > BkToCstmrStmt > Stmt; anything else on the way is skipped.
    while let Some(child) = p.next_child()? {
        if child.name != "BkToCstmrStmt" {
            p.skip()?;
            continue;
        }
        while let Some(stmt) = p.next_child()? {
            if stmt.name == "Stmt" {
                p.statement(stmt.line, &mut statement, statements)?;
                statements += 1;
            } else {
                p.skip()?;
            }
        }
    }
    p.end()?;
    if statements == 0 {
        return Err(ParseError::new(
            p.line_at(src.len()),
            "Stmt",
            "the document holds no statement",
        ));
    }
    Ok(statement)
}

/// The input as text, refusing what no XML 1.0 document may hold: invalid UTF-8 (ISO 20022
/// messages are UTF-8) and control characters other than tab and line breaks. Checked up front
/// so the error names the exact line, which the XML reader cannot.
fn checked_text(src: &[u8]) -> Result<&str, ParseError> {
    let line = |at: usize| src[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let text = std::str::from_utf8(src)
        .map_err(|e| ParseError::new(line(e.valid_up_to()), "", "the document is not UTF-8 text"))?;
    if let Some(at) = src
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return Err(ParseError::new(
            line(at),
            "",
            format!("malformed XML: control character U+{:04X}", src[at]),
        ));
    }
    Ok(text)
}

/// An element read whole: its local name, where it starts, its text and its `Ccy` attribute.
#[derive(Debug, Default)]
struct Node {
    name: String,
    line: usize,
    text: String,
    ccy: Option<String>,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn path(&self, names: &[&str]) -> Option<&Node> {
        names.iter().try_fold(self, |n, name| n.child(name))
    }

    /// The trimmed text, `None` when there is none.
    fn value(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|t| !t.is_empty())
    }

    fn value_at(&self, names: &[&str]) -> Option<String> {
        self.path(names).and_then(Node::value).map(str::to_owned)
    }

    fn missing(&self, name: &str) -> ParseError {
        ParseError::new(self.line, name, format!("missing in {}", self.name))
    }
}

/// An element just opened: its local name and line.
struct Opened {
    name: String,
    line: usize,
}

struct Parser<'a> {
    src: &'a [u8],
    reader: NsReader<&'a [u8]>,
    /// Newlines are counted once, forward, from the last position asked about.
    counted_to: usize,
    counted_lines: usize,
    /// Open elements outside the trees being built, innermost last, to name what a truncated
    /// document left open.
    open: Vec<String>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        let mut reader = NsReader::from_str(text);
        reader.config_mut().expand_empty_elements = true;
        Parser {
            src: text.as_bytes(),
            reader,
            counted_to: 0,
            counted_lines: 1,
            open: Vec::new(),
        }
    }

    fn line_at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.src.len());
        if pos < self.counted_to {
            self.counted_to = 0;
            self.counted_lines = 1;
        }
        self.counted_lines += self.src[self.counted_to..pos].iter().filter(|&&b| b == b'\n').count();
        self.counted_to = pos;
        self.counted_lines
    }

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn malformed(&mut self, e: quick_xml::Error, field: String) -> ParseError {
        let pos = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
        ParseError::new(self.line_at(pos), field, format!("malformed XML: {e}"))
    }

    fn truncated(&mut self, name: &str) -> ParseError {
        let line = self.line_at(self.src.len());
        ParseError::new(line, name, format!("the document ends before </{name}>"))
    }

    /// The next event, and the position where it starts.
    fn event(&mut self) -> Result<(usize, Event<'a>), ParseError> {
        let field = self.open.last().cloned().unwrap_or_default();
        self.event_in(&field)
    }

    /// The next event, an error in it blamed on `field`.
    fn event_in(&mut self, field: &str) -> Result<(usize, Event<'a>), ParseError> {
        let start = self.position();
        match self.reader.read_event() {
            Ok(ev) => Ok((start, ev)),
            Err(e) => Err(self.malformed(e, field.to_owned())),
        }
    }

    /// Reads up to the root element and checks that it is a camt.053 `Document`.
    fn root(&mut self) -> Result<(), ParseError> {
        loop {
            let start = self.position();
            let (ns, ev) = match self.reader.read_resolved_event() {
                Ok((ResolveResult::Bound(ns), ev)) => (Some(ns.0.to_owned()), ev),
                Ok((_, ev)) => (None, ev),
                Err(e) => return Err(self.malformed(e, String::new())),
            };
            match ev {
                Event::Start(e) => {
                    let line = self.line_at(start);
                    let name = local_name(&e);
                    check_namespace(&name, ns.as_deref()).map_err(|reason| ParseError::new(line, &name, reason))?;
                    self.open.push(name);
                    return Ok(());
                }
                Event::Text(t) if is_xml_space(&t) => {}
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => {
                    let line = self.line_at(start);
                    return Err(ParseError::new(line, "", "the document is empty"));
                }
                _ => {
                    let line = self.line_at(start);
                    return Err(ParseError::new(line, "", "text before the root element"));
                }
            }
        }
    }

    /// The next child element of the innermost open element (which then becomes it), or `None`
    /// when that element closes.
    fn next_child(&mut self) -> Result<Option<Opened>, ParseError> {
        loop {
            let (start, ev) = self.event()?;
            match ev {
                Event::Start(e) => {
                    let name = local_name(&e);
                    let line = self.line_at(start);
                    self.open.push(name.clone());
                    return Ok(Some(Opened { name, line }));
                }
                Event::End(_) => {
                    self.open.pop();
                    return Ok(None);
                }
                Event::Eof => {
                    let name = self.open.last().cloned().unwrap_or_default();
                    return Err(self.truncated(&name));
                }
                // Text between container elements carries nothing.
                _ => {}
            }
        }
    }

    /// Skips the rest of the innermost open element.
    fn skip(&mut self) -> Result<(), ParseError> {
        let mut depth = 0usize;
        loop {
            let (_, ev) = self.event()?;
            match ev {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => {
                    self.open.pop();
                    return Ok(());
                }
                Event::End(_) => depth -= 1,
                Event::Eof => {
                    let name = self.open.last().cloned().unwrap_or_default();
                    return Err(self.truncated(&name));
                }
                _ => {}
            }
        }
    }

    /// Reads the rest of the innermost open element (just returned by `next_child`) as a tree.
    fn tree(&mut self, opened: Opened, ccy: Option<String>) -> Result<Node, ParseError> {
        let mut stack = vec![Node {
            name: opened.name,
            line: opened.line,
            ccy,
            ..Node::default()
        }];
        loop {
            let field = stack.last().map_or("", |n| n.name.as_str());
            let (start, ev) = self.event_in(field)?;
            match ev {
                Event::Start(e) => {
                    let line = self.line_at(start);
                    let name = local_name(&e);
                    let ccy = ccy_attribute(&e).map_err(|reason| ParseError::new(line, &name, reason))?;
                    stack.push(Node {
                        name,
                        line,
                        ccy,
                        ..Node::default()
                    });
                }
                Event::End(_) => {
                    let done = stack.pop().unwrap_or_default();
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => {
                            self.open.pop();
                            return Ok(done);
                        }
                    }
                }
                Event::Text(t) => push_text(&mut stack, &t),
                Event::CData(t) => push_text(&mut stack, &t),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => resolve_xml_entity(&r).map(str::to_owned),
                        Err(_) => None,
                    };
                    match resolved {
                        Some(s) => push_text(&mut stack, &s),
                        None => {
                            let line = self.line_at(start);
                            let field = stack.last().map(|n| n.name.clone()).unwrap_or_default();
                            return Err(ParseError::new(line, field, format!("unknown entity '&{};'", &*r)));
                        }
                    }
                }
                Event::Eof => {
                    let name = stack.last().map(|n| n.name.clone()).unwrap_or_default();
                    return Err(self.truncated(&name));
                }
                _ => {}
            }
        }
    }

    /// After the root closed: nothing but comments and white space may follow.
    fn end(&mut self) -> Result<(), ParseError> {
        loop {
            let (start, ev) = self.event()?;
            match ev {
                Event::Eof => return Ok(()),
                Event::Text(t) if is_xml_space(&t) => {}
                Event::Comment(_) | Event::PI(_) => {}
                _ => {
                    let line = self.line_at(start);
                    return Err(ParseError::new(line, "", "content after the root element"));
                }
            }
        }
    }

    /// One `Stmt`, merged into `into` (the `index`-th statement of the file).
    fn statement(&mut self, stmt_line: usize, into: &mut BankStatement, index: usize) -> Result<(), ParseError> {
        let mut opening: Option<(Money, bool)> = None;
        let mut closing = None;
        let mut account = None;
        let mut currency = None;
        let mut statement_id = None;
        let mut account_line = stmt_line;
        while let Some(child) = self.next_child()? {
            match child.name.as_str() {
                "Id" | "Acct" | "Bal" | "Ntry" => {}
                _ => {
                    self.skip()?;
                    continue;
                }
            }
            let node = self.tree(child, None)?;
            match node.name.as_str() {
                "Id" => statement_id = node.value().map(str::to_owned),
                "Acct" => {
                    account_line = node.line;
                    account = node
                        .value_at(&["Id", "IBAN"])
                        .or_else(|| node.value_at(&["Id", "Othr", "Id"]));
                    if let Some(c) = node.child("Ccy") {
                        currency = Some(currency_code(c)?);
                    }
                }
                "Bal" => {
                    let code = node.value_at(&["Tp", "CdOrPrtry", "Cd"]);
                    let is_opening = matches!(code.as_deref(), Some("OPBD" | "PRCD"));
                    if !is_opening && code.as_deref() != Some("CLBD") {
                        continue;
                    }
                    let amt = node.child("Amt").ok_or_else(|| node.missing("Amt"))?;
                    let mut money = amount(amt)?;
                    if direction(&node)? == Direction::Debit {
                        money = money.negate();
                    }
                    if is_opening {
                        // OPBD is the day's opening; PRCD (the previous closing) only stands in.
                        let is_opbd = code.as_deref() == Some("OPBD");
                        if opening.is_none_or(|(_, was_opbd)| is_opbd && !was_opbd) {
                            opening = Some((money, is_opbd));
                        }
                    } else {
                        closing = Some(money);
                    }
                }
                _ => entry(&node, &mut into.entries)?,
            }
        }
        let currency = currency
            .or(opening.map(|(m, _)| m.currency()))
            .or(closing.map(|m| m.currency()));
        if index == 0 {
            into.statement_id = statement_id;
            into.account = account;
            into.currency = currency;
            into.opening_balance = opening.map(|(m, _)| m);
        } else if account != into.account || (currency.is_some() && currency != into.currency) {
            return Err(ParseError::new(
                account_line,
                "Acct",
                "a second statement is for another account; one file must cover one account",
            ));
        }
        if closing.is_some() {
            into.closing_balance = closing;
        }
        Ok(())
    }
}

/// XML's white space (not Unicode's: a no-break space before the root is content).
fn is_xml_space(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn local_name(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_owned()
}

/// The `Ccy` attribute; every attribute is read, so a malformed one is refused, not skipped.
fn ccy_attribute(e: &BytesStart<'_>) -> Result<Option<String>, String> {
    let mut ccy = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("malformed XML: {err}"))?;
        if attr.key.local_name().as_ref() == "Ccy" {
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| format!("malformed XML: {err}"))?;
            ccy = Some(value.trim().to_owned());
        }
    }
    Ok(ccy)
}

fn push_text(stack: &mut [Node], text: &str) {
    if let Some(node) = stack.last_mut() {
        // White space between child elements is not the element's text.
        if node.children.is_empty() || !text.trim().is_empty() {
            node.text.push_str(text);
        }
    }
}

fn check_namespace(name: &str, ns: Option<&str>) -> Result<(), String> {
    if name != "Document" {
        return Err(format!("the root element is {name}, not a camt.053 Document"));
    }
    let Some(ns) = ns else {
        return Err("the Document has no namespace, so its message type is unknown".to_owned());
    };
    let message = ns.strip_prefix(NAMESPACE_PREFIX).unwrap_or(ns);
    let version = message
        .strip_prefix("camt.053.001.")
        .filter(|v| v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u32>().ok());
    match version {
        Some(v) if ns.starts_with(NAMESPACE_PREFIX) && VERSIONS.contains(&v) => Ok(()),
        Some(v) => Err(format!(
            "camt.053.001.{v:02} is not a supported version (001.02 to 001.13 are)"
        )),
        None => Err(format!(
            "the document is '{message}', not a camt.053 bank statement (BankToCustomerStatement)"
        )),
    }
}

fn currency_code(node: &Node) -> Result<Currency, ParseError> {
    let code = node.text.trim();
    iso4217(code).ok_or_else(|| ParseError::new(node.line, &node.name, format!("'{code}' is not an ISO 4217 currency")))
}

/// An `Amt`-like element: unsigned decimal text in the currency of its `Ccy` attribute.
fn amount(node: &Node) -> Result<Money, ParseError> {
    let err = |reason: String| ParseError::new(node.line, &node.name, reason);
    let code = node
        .ccy
        .as_deref()
        .ok_or_else(|| err("has no Ccy attribute".to_owned()))?;
    let currency = iso4217(code).ok_or_else(|| err(format!("Ccy '{code}' is not an ISO 4217 currency")))?;
    let text = node.text.trim();
    if text.starts_with('-') {
        return Err(err(format!("'{text}' is negative; CdtDbtInd gives the direction")));
    }
    let minor = unsigned_minor(text, text, currency).map_err(err)?;
    Ok(Money::from_minor(minor, currency))
}

fn direction(parent: &Node) -> Result<Direction, ParseError> {
    let node = parent.child("CdtDbtInd").ok_or_else(|| parent.missing("CdtDbtInd"))?;
    match node.text.trim() {
        "CRDT" => Ok(Direction::Credit),
        "DBIT" => Ok(Direction::Debit),
        other => Err(ParseError::new(
            node.line,
            "CdtDbtInd",
            format!("'{other}' is neither CRDT nor DBIT"),
        )),
    }
}

/// A `Dt` or `DtTm` child; of a date-time, the date as the bank wrote it.
fn date(parent: &Node) -> Result<Option<Date>, ParseError> {
    let Some(node) = parent.child("Dt").or_else(|| parent.child("DtTm")) else {
        return Ok(None);
    };
    let text = node.text.trim();
    let shape_ok = if node.name == "Dt" {
        text.len() == 10
    } else {
        text.as_bytes().get(10) == Some(&b'T')
    };
    match ymd(text, b'-') {
        Some(Ok(d)) if shape_ok => Ok(Some(d)),
        Some(Err(reason)) => Err(ParseError::new(node.line, &node.name, reason)),
        _ => Err(ParseError::new(
            node.line,
            &node.name,
            format!("'{text}' is not an ISO 8601 date (YYYY-MM-DD)"),
        )),
    }
}

fn status(ntry: &Node) -> Option<&str> {
    let sts = ntry.child("Sts")?;
    sts.child("Cd").or_else(|| sts.child("Prtry")).unwrap_or(sts).value()
}

/// What one `TxDtls` says.
struct Details {
    line: usize,
    amount: Option<Money>,
    direction: Option<Direction>,
    bank_reference: Option<String>,
    end_to_end_id: Option<String>,
    structured_reference: Option<String>,
    remittance_text: Vec<String>,
    /// Whether the transaction has remittance information at all (even if empty).
    has_remittance: bool,
    additional_info: Option<String>,
}

fn details(tx: &Node) -> Result<Details, ParseError> {
    let amount = match tx.child("Amt").or_else(|| tx.path(&["AmtDtls", "TxAmt", "Amt"])) {
        Some(a) => Some(amount(a)?),
        None => None,
    };
    let direction = match tx.child("CdtDbtInd") {
        Some(_) => Some(direction(tx)?),
        None => None,
    };
    let mut remittance_text = Vec::new();
    let mut structured_reference = None;
    let mut has_remittance = false;
    for rmt in tx.children("RmtInf") {
        has_remittance = true;
        remittance_text.extend(rmt.children("Ustrd").filter_map(Node::value).map(str::to_owned));
        if structured_reference.is_none() {
            structured_reference = rmt.children("Strd").find_map(|s| s.value_at(&["CdtrRefInf", "Ref"]));
        }
    }
    Ok(Details {
        line: tx.line,
        amount,
        direction,
        bank_reference: tx.value_at(&["Refs", "AcctSvcrRef"]),
        end_to_end_id: tx.value_at(&["Refs", "EndToEndId"]).filter(|id| id != "NOTPROVIDED"),
        structured_reference,
        remittance_text,
        has_remittance,
        additional_info: tx.value_at(&["AddtlTxInf"]),
    })
}

/// One `Ntry` into one [`BankEntry`] per transaction.
fn entry(ntry: &Node, out: &mut Vec<BankEntry>) -> Result<(), ParseError> {
    if status(ntry).is_some_and(|s| s != "BOOK") {
        return Ok(());
    }
    let amt = ntry.child("Amt").ok_or_else(|| ntry.missing("Amt"))?;
    let total = amount(amt)?;
    let dir = direction(ntry)?;
    let booked = ntry.child("BookgDt").ok_or_else(|| ntry.missing("BookgDt"))?;
    let booked_on = date(booked)?.ok_or_else(|| booked.missing("Dt"))?;
    let value_on = match ntry.child("ValDt") {
        Some(v) => date(v)?,
        None => None,
    };
    let entry_reference = ntry.value_at(&["AcctSvcrRef"]).or_else(|| ntry.value_at(&["NtryRef"]));
    let entry_info = ntry.value_at(&["AddtlNtryInf"]);
    let txs: Vec<&Node> = ntry.children("NtryDtls").flat_map(|d| d.children("TxDtls")).collect();
    let base = BankEntry {
        line: ntry.line,
        amount: total,
        direction: dir,
        booked_on,
        value_on,
        bank_reference: entry_reference.clone(),
        end_to_end_id: None,
        structured_reference: None,
        remittance_text: Vec::new(),
        payer_name: None,
        payer_account: None,
    };
    if txs.is_empty() {
        out.push(BankEntry {
            remittance_text: entry_info.into_iter().collect(),
            ..base
        });
        return Ok(());
    }
    let mut parts = Vec::with_capacity(txs.len());
    for tx in &txs {
        parts.push((details(tx)?, counterparty(tx)));
    }
    if parts.len() == 1 || parts.iter().all(|(d, _)| d.amount.is_some()) {
        for (d, parties) in parts {
            let direction = d.direction.unwrap_or(dir);
            let (payer_name, payer_account) = pick(parties, direction);
            let remittance_text = if d.has_remittance {
                d.remittance_text
            } else {
                d.additional_info.or_else(|| entry_info.clone()).into_iter().collect()
            };
            out.push(BankEntry {
                line: d.line,
                amount: d.amount.unwrap_or(total),
                direction,
                bank_reference: d.bank_reference.or_else(|| entry_reference.clone()),
                end_to_end_id: d.end_to_end_id,
                structured_reference: d.structured_reference,
                remittance_text,
                payer_name,
                payer_account,
                ..base.clone()
            });
        }
        return Ok(());
    }
    // A batch whose transactions lack their own amounts cannot be split without inventing
    // amounts: it stays one entry at the booked amount, with every transaction's text, and an
    // identifier only where all transactions agree on it.
    let same = |f: &dyn Fn(&(Details, Parties)) -> Option<String>| {
        let first = f(&parts[0]);
        parts.iter().all(|p| f(p) == first).then_some(first).flatten()
    };
    let end_to_end_id = same(&|(d, _)| d.end_to_end_id.clone());
    let structured_reference = same(&|(d, _)| d.structured_reference.clone());
    let payer_name = same(&|(_, p)| pick(p.clone(), dir).0);
    let payer_account = same(&|(_, p)| pick(p.clone(), dir).1);
    let mut remittance_text: Vec<String> = parts.into_iter().flat_map(|(d, _)| d.remittance_text).collect();
    if remittance_text.is_empty() {
        remittance_text.extend(entry_info);
    }
    out.push(BankEntry {
        end_to_end_id,
        structured_reference,
        remittance_text,
        payer_name,
        payer_account,
        ..base
    });
    Ok(())
}

/// Debtor and creditor (name, account) of a transaction.
#[derive(Clone, Default)]
struct Parties {
    debtor: (Option<String>, Option<String>),
    creditor: (Option<String>, Option<String>),
}

fn counterparty(tx: &Node) -> Parties {
    let Some(p) = tx.child("RltdPties") else {
        return Parties::default();
    };
    let party = |role: &str, account: &str| {
        let name = p
            .path(&[role, "Nm"])
            .or_else(|| p.path(&[role, "Pty", "Nm"]))
            .and_then(Node::value)
            .map(str::to_owned);
        let acct = p
            .value_at(&[account, "Id", "IBAN"])
            .or_else(|| p.value_at(&[account, "Id", "Othr", "Id"]));
        (name, acct)
    };
    Parties {
        debtor: party("Dbtr", "DbtrAcct"),
        creditor: party("Cdtr", "CdtrAcct"),
    }
}

/// The other side of the movement: who paid a credit, who received a debit.
fn pick(p: Parties, direction: Direction) -> (Option<String>, Option<String>) {
    match direction {
        Direction::Credit => p.debtor,
        Direction::Debit => p.creditor,
    }
}
