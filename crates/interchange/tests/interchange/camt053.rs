//! camt.053 statements: the v08 fixture, a v02 document with every shape the parser must
//! understand, and refusals that say where and why.

use crate::money;
use aftercart_interchange::{BankEntry, BankFormat, Direction, ParseError, parse_camt053, parse_statement};
use time::macros::date;

const FIXTURE: &str = include_str!("../fixtures/camt053-v08-receipts.xml");

fn line_of(doc: &str, needle: &str) -> usize {
    let at = doc
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the document"));
    doc[..at].matches('\n').count() + 1
}

/// The `n`-th (1-based) line holding `needle`.
fn nth_line_of(doc: &str, needle: &str, n: usize) -> usize {
    let mut from = 0;
    let mut at = 0;
    for _ in 0..n {
        at = from + doc[from..].find(needle).expect("needle");
        from = at + needle.len();
    }
    doc[..at].matches('\n').count() + 1
}

#[test]
fn v08_fixture_has_six_booked_receipts() {
    let s = parse_camt053(FIXTURE.as_bytes()).unwrap();
    assert_eq!(s.format, BankFormat::Camt053);
    assert_eq!(s.statement_id.as_deref(), Some("2026-11-30-DE89370400440532013000"));
    assert_eq!(s.account.as_deref(), Some("DE89370400440532013000"));
    assert_eq!(s.currency.map(|c| c.to_string()).as_deref(), Some("EUR"));
    assert_eq!(s.opening_balance, Some(money("10000.00", "EUR")));
    assert_eq!(s.closing_balance, Some(money("29448.15", "EUR")));
    assert_eq!(s.entries.len(), 6);
    assert!(s.entries.iter().all(|e| e.direction == Direction::Credit));
    assert!(s.entries.iter().all(|e| e.booked_on == date!(2026 - 11 - 30)));
    let total = s.entries.iter().map(|e| e.amount.minor()).sum::<i64>();
    assert_eq!(
        s.opening_balance.unwrap().minor() + total,
        s.closing_balance.unwrap().minor()
    );

    let first = &s.entries[0];
    assert_eq!(
        first,
        &BankEntry {
            line: nth_line_of(FIXTURE, "<TxDtls>", 1),
            amount: money("1190.00", "EUR"),
            direction: Direction::Credit,
            booked_on: date!(2026 - 11 - 30),
            value_on: Some(date!(2026 - 11 - 30)),
            bank_reference: Some("2026113000001-01".into()),
            end_to_end_id: Some("MM-2026-0815".into()),
            structured_reference: Some("RF73INV000123".into()),
            remittance_text: vec![],
            payer_name: Some("Müller Maschinenbau GmbH".into()),
            payer_account: Some("DE44500105175407324931".into()),
        }
    );
    // NOTPROVIDED is no end-to-end id.
    assert_eq!(s.entries[1].end_to_end_id, None);
    assert_eq!(s.entries[1].remittance_text, ["INV-000124"]);
    // Entities resolved, every Ustrd kept and trimmed.
    assert_eq!(s.entries[2].payer_name.as_deref(), Some("Bäckerei Schmidt & Söhne KG"));
    assert_eq!(
        s.entries[2].remittance_text,
        ["Rechnungen INV-000125 und", "INV-000126, danke"]
    );
    assert_eq!(s.entries[3].structured_reference.as_deref(), Some("RF62INV000127"));
    assert_eq!(s.entries[3].remittance_text, ["PO 4500012345"]);
    assert_eq!(s.entries[4].value_on, Some(date!(2026 - 11 - 29)));
    assert_eq!(s.entries[4].amount, money("15000.00", "EUR"));
    assert_eq!(s.entries[5].line, nth_line_of(FIXTURE, "<TxDtls>", 6));
}

/// A v02 statement: text status, `Dbtr/Nm`, `AmtDtls/TxAmt`, a batch of three, a debit, a
/// pending entry, date-times, an `Othr` account id and a debit closing balance.
const V02: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
    <Id>S-0001</Id>
    <CreDtTm>2026-12-01T06:00:00</CreDtTm>
    <Bal>
      <Amt Ccy="USD">500.00</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd>
      <Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp>
      <Dt><Dt>2026-11-30</Dt></Dt>
    </Bal>
    <Acct><Ccy>USD</Ccy><Id><Othr><Id>0012345678</Id></Othr></Id></Acct>
    <Bal>
      <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
      <Amt Ccy="USD">65.50</Amt>
      <CdtDbtInd>DBIT</CdtDbtInd>
      <Dt><Dt>2026-12-01</Dt></Dt>
    </Bal>
    <Ntry>
      <Amt Ccy="USD">1234.5</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd>
      <Sts>BOOK</Sts>
      <BookgDt><DtTm>2026-12-01T09:30:00-05:00</DtTm></BookgDt>
      <ValDt><Dt>2026-12-02</Dt></ValDt>
      <AcctSvcrRef>BATCH-77</AcctSvcrRef>
      <NtryDtls>
        <Btch><NbOfTxs>3</NbOfTxs></Btch>
        <TxDtls>
          <Refs><EndToEndId>E2E-A</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="USD">1000.00</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>Acme Corp</Nm></Dbtr><DbtrAcct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></DbtrAcct></RltdPties>
          <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls>
        <TxDtls>
          <Refs><AcctSvcrRef>BATCH-77-2</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="USD">200.00</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>Beta LLC</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>INV-000200</Ustrd><Ustrd>  INV-000201  </Ustrd><Ustrd>   </Ustrd></RmtInf>
        </TxDtls>
        <TxDtls>
          <AmtDtls><TxAmt><Amt Ccy="USD">34.50</Amt></TxAmt></AmtDtls>
          <RmtInf><Ustrd>Gamma &amp; Sons &#x2013; thanks</Ustrd></RmtInf>
        </TxDtls>
      </NtryDtls>
    </Ntry>
    <Ntry>
      <Amt Ccy="USD">99.00</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd>
      <Sts>PDNG</Sts>
      <BookgDt><Dt>not a date, and nobody checks</Dt></BookgDt>
    </Ntry>
    <Ntry>
      <NtryRef>FEE-1</NtryRef>
      <Amt Ccy="USD">1800</Amt>
      <CdtDbtInd>DBIT</CdtDbtInd>
      <Sts>BOOK</Sts>
      <BookgDt><Dt>2026-12-01</Dt></BookgDt>
      <NtryDtls><TxDtls>
        <RltdPties>
          <Dbtr><Nm>Our Company Inc</Nm></Dbtr>
          <Cdtr><Nm>Office Landlord LLC</Nm></Cdtr>
          <CdtrAcct><Id><Othr><Id>998877</Id></Othr></Id></CdtrAcct>
        </RltdPties>
      </TxDtls></NtryDtls>
      <AddtlNtryInf>December rent</AddtlNtryInf>
    </Ntry>
    <Ntry>
      <Amt Ccy="USD">0.5</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd>
      <BookgDt><Dt>2026-12-01</Dt></BookgDt>
      <AddtlNtryInf>Interest</AddtlNtryInf>
    </Ntry>
  </Stmt>
</BkToCstmrStmt>
</Document>
"#;

#[test]
fn v02_batches_debits_and_pending() {
    let s = parse_camt053(V02.as_bytes()).unwrap();
    assert_eq!(s.statement_id.as_deref(), Some("S-0001"));
    assert_eq!(s.account.as_deref(), Some("0012345678"));
    assert_eq!(s.currency.map(|c| c.to_string()).as_deref(), Some("USD"));
    // PRCD stands in for the opening balance; a DBIT balance is negative.
    assert_eq!(s.opening_balance, Some(money("500.00", "USD")));
    assert_eq!(s.closing_balance, Some(money("-65.50", "USD")));
    // The batch became three, the pending entry is gone, the debit and the bare entry stay.
    assert_eq!(s.entries.len(), 5, "{:#?}", s.entries);
    let [a, b, c, fee, interest] = &s.entries[..] else {
        unreachable!()
    };

    assert_eq!(a.line, nth_line_of(V02, "<TxDtls>", 1));
    assert_eq!(a.amount, money("1000.00", "USD"));
    assert_eq!(a.direction, Direction::Credit);
    assert_eq!(a.booked_on, date!(2026 - 12 - 01));
    assert_eq!(a.value_on, Some(date!(2026 - 12 - 02)));
    assert_eq!(a.bank_reference.as_deref(), Some("BATCH-77"));
    assert_eq!(a.end_to_end_id.as_deref(), Some("E2E-A"));
    assert_eq!(a.structured_reference.as_deref(), Some("RF18539007547034"));
    assert_eq!(a.payer_name.as_deref(), Some("Acme Corp"));
    assert_eq!(a.payer_account.as_deref(), Some("GB29NWBK60161331926819"));

    assert_eq!(b.amount, money("200.00", "USD"));
    assert_eq!(b.bank_reference.as_deref(), Some("BATCH-77-2"));
    assert_eq!(b.end_to_end_id, None);
    assert_eq!(b.remittance_text, ["INV-000200", "INV-000201"]);
    assert_eq!(b.payer_name.as_deref(), Some("Beta LLC"));

    assert_eq!(c.amount, money("34.50", "USD"));
    assert_eq!(c.remittance_text, ["Gamma & Sons \u{2013} thanks"]);
    assert_eq!(c.payer_name, None);
    assert_eq!(
        a.amount.minor() + b.amount.minor() + c.amount.minor(),
        money("1234.50", "USD").minor()
    );

    // A debit's counterparty is the creditor, not the account holder.
    assert_eq!(fee.direction, Direction::Debit);
    assert_eq!(fee.amount, money("1800.00", "USD"));
    assert_eq!(fee.bank_reference.as_deref(), Some("FEE-1"));
    assert_eq!(fee.payer_name.as_deref(), Some("Office Landlord LLC"));
    assert_eq!(fee.payer_account.as_deref(), Some("998877"));
    assert_eq!(fee.remittance_text, ["December rent"]);

    // No status counts as booked; no details leaves the entry's own text.
    assert_eq!(interest.amount, money("0.50", "USD"));
    assert_eq!(interest.remittance_text, ["Interest"]);
    assert_eq!(interest.line, nth_line_of(V02, "<Ntry>", 4));
}

#[test]
fn batch_without_transaction_amounts_stays_one_entry() {
    let doc = V02
        .replace(r#"<AmtDtls><TxAmt><Amt Ccy="USD">200.00</Amt></TxAmt></AmtDtls>"#, "")
        .replace(r#"<AmtDtls><TxAmt><Amt Ccy="USD">34.50</Amt></TxAmt></AmtDtls>"#, "");
    let s = parse_camt053(doc.as_bytes()).unwrap();
    let batch = &s.entries[0];
    assert_eq!(batch.amount, money("1234.50", "USD"));
    assert_eq!(batch.line, line_of(&doc, "<Ntry>"));
    assert_eq!(
        batch.remittance_text,
        ["INV-000200", "INV-000201", "Gamma & Sons \u{2013} thanks"]
    );
    // The transactions disagree, so no single identifier stands for the batch.
    assert_eq!(batch.end_to_end_id, None);
    assert_eq!(batch.structured_reference, None);
    assert_eq!(batch.payer_name, None);
    assert_eq!(s.entries.len(), 3);
}

#[test]
fn every_supported_version_and_a_bom() {
    for v in 2..=13 {
        let doc = FIXTURE.replace("camt.053.001.08", &format!("camt.053.001.{v:02}"));
        assert_eq!(parse_camt053(doc.as_bytes()).unwrap().entries.len(), 6, "v{v}");
    }
    let mut bytes = b"\xEF\xBB\xBF  \n".to_vec();
    bytes.extend_from_slice(FIXTURE.as_bytes());
    let s = parse_statement(&bytes).unwrap();
    assert_eq!(s.format, BankFormat::Camt053);
    // The BOM takes no line; the blank line does.
    assert_eq!(s.entries[0].line, nth_line_of(FIXTURE, "<TxDtls>", 1) + 1);
}

#[test]
fn several_statements_of_one_account_are_one() {
    let stmt_start = FIXTURE.find("<Stmt>").unwrap();
    let stmt_end = FIXTURE.find("</Stmt>").unwrap() + "</Stmt>".len();
    let second = FIXTURE[stmt_start..stmt_end].replace("29448.15", "30000.00");
    let doc = format!("{}\n{second}{}", &FIXTURE[..stmt_end], &FIXTURE[stmt_end..]);
    let s = parse_camt053(doc.as_bytes()).unwrap();
    assert_eq!(s.entries.len(), 12);
    assert_eq!(s.opening_balance, Some(money("10000.00", "EUR")));
    assert_eq!(s.closing_balance, Some(money("30000.00", "EUR")));

    let other = second.replace(
        "<IBAN>DE89370400440532013000</IBAN>",
        "<IBAN>DE44500105175407324931</IBAN>",
    );
    let doc = format!("{}\n{other}{}", &FIXTURE[..stmt_end], &FIXTURE[stmt_end..]);
    let e = parse_camt053(doc.as_bytes()).unwrap_err();
    assert_eq!(e.field, "Acct");
    assert!(e.reason.contains("another account"), "{e}");
}

fn refused(doc: &str) -> ParseError {
    parse_camt053(doc.as_bytes()).expect_err("the document must be refused")
}

#[test]
fn a_bad_amount_names_its_line() {
    let doc = FIXTURE.replace(r#"<Amt Ccy="EUR">476.00</Amt>"#, r#"<Amt Ccy="EUR">12,50</Amt>"#);
    let e = refused(&doc);
    let line = line_of(&doc, "12,50");
    assert_eq!((e.line, e.field.as_str()), (line, "Amt"));
    assert_eq!(
        e.to_string(),
        format!("line {line}: Amt: '12,50' is not a decimal amount")
    );

    for (amount, why) in [
        ("12.345", "'12.345' has more decimals than EUR allows (2)"),
        ("-476.00", "'-476.00' is negative; CdtDbtInd gives the direction"),
        ("", "'' is not a decimal amount"),
        ("1e3", "'1e3' is not a decimal amount"),
    ] {
        let doc = FIXTURE.replace(
            r#"<Amt Ccy="EUR">476.00</Amt>"#,
            &format!(r#"<Amt Ccy="EUR">{amount}</Amt>"#),
        );
        let e = refused(&doc);
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("Amt", why));
    }
    // A currency the account does not hold is the app's question; an unknown code is not.
    let doc = FIXTURE.replace(r#"<Amt Ccy="EUR">476.00</Amt>"#, r#"<Amt Ccy="CHF">476.00</Amt>"#);
    assert_eq!(
        parse_camt053(doc.as_bytes()).unwrap().entries[1].amount,
        money("476.00", "CHF")
    );
    let doc = FIXTURE.replacen(r#"<Amt Ccy="EUR">476.00</Amt>"#, r#"<Amt Ccy="EUX">476.00</Amt>"#, 1);
    assert_eq!(refused(&doc).reason, "Ccy 'EUX' is not an ISO 4217 currency");
    let doc = FIXTURE.replacen(r#"<Amt Ccy="EUR">476.00</Amt>"#, r#"<Amt>476.00</Amt>"#, 1);
    assert_eq!(refused(&doc).reason, "has no Ccy attribute");
    let doc = FIXTURE.replace("<Ccy>EUR</Ccy>", "<Ccy>Euro</Ccy>");
    assert_eq!(refused(&doc).field, "Ccy");
}

#[test]
fn other_documents_are_refused_by_name() {
    for (ns, why) in [
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08",
            "'camt.054.001.08', not a camt.053",
        ),
        (
            "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
            "'pain.001.001.09', not a camt.053",
        ),
        ("urn:iso:std:iso:20022:tech:xsd:camt.052.001.08", "'camt.052.001.08'"),
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.053.001.14",
            "camt.053.001.14 is not a supported version",
        ),
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.053.001.01",
            "camt.053.001.01 is not a supported version",
        ),
        ("http://example.com/camt.053.001.08", "not a camt.053"),
    ] {
        let doc = FIXTURE.replace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", ns);
        let e = refused(&doc);
        assert_eq!((e.line, e.field.as_str()), (line_of(&doc, "<Document"), "Document"));
        assert!(e.reason.contains(why), "{ns}: {e}");
    }
    let e = refused("<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"/>");
    assert_eq!(e.reason, "the root element is Invoice, not a camt.053 Document");
    let e = refused("<Document><BkToCstmrStmt/></Document>");
    assert!(e.reason.contains("no namespace"), "{e}");
    // A prefixed root is the same document.
    let doc = FIXTURE
        .replace("<Document xmlns=", "<c:Document xmlns:c=")
        .replace("</Document>", "</c:Document>");
    assert_eq!(parse_camt053(doc.as_bytes()).unwrap().entries.len(), 6);
}

#[test]
fn required_values_are_required() {
    let doc = FIXTURE.replacen("<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>", "<Sts>", 2);
    let e = refused(&doc);
    assert_eq!(e.field, "CdtDbtInd");
    assert_eq!(e.line, nth_line_of(&doc, "<Ntry>", 1));
    assert_eq!(e.reason, "missing in Ntry");

    let doc = FIXTURE.replacen(
        "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>",
        "<CdtDbtInd>CR</CdtDbtInd><Sts>",
        1,
    );
    assert_eq!(refused(&doc).reason, "'CR' is neither CRDT nor DBIT");

    let booking = "<BookgDt>\n          <Dt>2026-11-30</Dt>\n        </BookgDt>";
    assert!(FIXTURE.contains(booking));
    let e = refused(&FIXTURE.replacen(booking, "", 1));
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("BookgDt", "missing in Ntry"));
    let e = refused(&FIXTURE.replacen(booking, "<BookgDt><Dt>30.11.2026</Dt></BookgDt>", 1));
    assert_eq!(e.field, "Dt");
    assert!(e.reason.contains("not an ISO 8601 date"), "{e}");
    let e = refused(&FIXTURE.replacen(booking, "<BookgDt><Dt>2026-02-30</Dt></BookgDt>", 1));
    assert_eq!(e.reason, "'2026-02-30' is not a calendar date");
    let e = refused(&FIXTURE.replacen(booking, "<BookgDt></BookgDt>", 1));
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("Dt", "missing in BookgDt"));

    let doc = FIXTURE.replacen(r#"<Amt Ccy="EUR">1190.00</Amt>"#, "", 1);
    let e = refused(&doc);
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("Amt", "missing in Ntry"));
}

#[test]
fn broken_xml_is_refused_with_its_line() {
    // Truncated in the middle of an entry.
    let cut = FIXTURE.find("<Ustrd>INV-000124").unwrap();
    let e = refused(&FIXTURE[..cut]);
    assert_eq!(e.line, line_of(FIXTURE, "<Ustrd>INV-000124"));
    assert!(e.reason.contains("ends before </RmtInf>"), "{e}");
    assert_eq!(e.field, "RmtInf");
    // Truncated between elements.
    let cut = FIXTURE.find("</BkToCstmrStmt>").unwrap();
    let e = refused(&FIXTURE[..cut]);
    assert!(e.reason.contains("ends before </BkToCstmrStmt>"), "{e}");

    let doc = FIXTURE.replacen("</Ustrd>", "</Ustr>", 1);
    let e = refused(&doc);
    assert_eq!((e.line, e.field.as_str()), (line_of(&doc, "</Ustr>"), "Ustrd"));
    assert!(e.reason.starts_with("malformed XML"), "{e}");

    let doc = FIXTURE.replacen(r#"<Amt Ccy="EUR">476.00"#, r#"<Amt Ccy=EUR>476.00"#, 1);
    let e = refused(&doc);
    assert_eq!(e.line, line_of(&doc, "Ccy=EUR"));
    assert!(e.reason.starts_with("malformed XML"), "{e}");

    let doc = FIXTURE.replacen("Nordwind", "Nord&nbsp;wind", 1);
    let e = refused(&doc);
    assert_eq!((e.line, e.field.as_str()), (line_of(&doc, "&nbsp;"), "Nm"));
    assert_eq!(e.reason, "unknown entity '&nbsp;'");

    assert_eq!(refused("").reason, "the document is empty");
    assert_eq!(refused("  \n ").line, 2);
    assert_eq!(
        refused(&format!("{FIXTURE}<x/>")).reason,
        "content after the root element"
    );
    let doc = FIXTURE.replacen("Müller", "M\u{0}ller", 1);
    let e = refused(&doc);
    assert_eq!(e.line, line_of(&doc, "M\u{0}ller"));
    assert_eq!(e.reason, "malformed XML: control character U+0000");
}

#[test]
fn not_utf8_is_refused() {
    let mut bytes = FIXTURE.as_bytes().to_vec();
    let at = FIXTURE.find("Nordwind").unwrap();
    bytes[at] = 0xFF;
    let e = parse_camt053(&bytes).unwrap_err();
    assert_eq!(e.line, line_of(FIXTURE, "Nordwind"));
    assert_eq!(e.reason, "the document is not UTF-8 text");
}

/// A statement of `n` booked credits, one transaction each.
pub fn big_statement(n: usize) -> String {
    let mut doc = String::with_capacity(n * 700);
    doc.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>BIG</Id>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
"#,
    );
    for i in 0..n {
        doc.push_str(&format!(
            r#"<Ntry><Amt Ccy="EUR">{}.{:02}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>R{i}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>E{i}</EndToEndId></Refs><Amt Ccy="EUR">{}.{:02}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>Customer {i}</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>DE44500105175407324931</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>INV-{i:06}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"#,
            100 + i,
            i % 100,
            100 + i,
            i % 100
        ));
    }
    doc.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    doc
}

#[test]
fn ten_thousand_entries_stream_through() {
    let doc = big_statement(10_000);
    let started = std::time::Instant::now();
    let s = parse_camt053(doc.as_bytes()).unwrap();
    let took = started.elapsed();
    assert_eq!(s.entries.len(), 10_000);
    assert_eq!(s.entries[9_999].remittance_text, ["INV-009999"]);
    assert_eq!(s.entries[9_999].line, 4 + 9_999 * 5 + 2);
    eprintln!("camt.053: 10,000 entries ({} KB) parsed in {took:?}", doc.len() / 1024);
}

mod damaged {
    use super::FIXTURE;
    use aftercart_interchange::parse_camt053;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Cut, overwritten or with bytes dropped, a statement is parsed or refused, never a panic,
        /// and a refusal names a line of the document.
        #[test]
        fn damaged_statements_are_refused_with_a_line(
            cut in 0usize..FIXTURE.len(),
            at in 0usize..FIXTURE.len(),
            byte in any::<u8>(),
            drop in 0usize..40,
        ) {
            let mut bytes = FIXTURE.as_bytes().to_vec();
            bytes[at] = byte;
            let end = (at + drop).min(bytes.len());
            bytes.drain(at..end);
            bytes.truncate(cut.min(bytes.len()));
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            match parse_camt053(&bytes) {
                Ok(s) => prop_assert!(s.entries.iter().all(|e| e.line <= lines && !e.amount.is_negative())),
                Err(e) => prop_assert!((1..=lines).contains(&e.line), "{} of {}", e, lines),
            }
        }
    }
}
