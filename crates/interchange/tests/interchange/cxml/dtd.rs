//! What the writers produce, checked against the cXML 1.2 DTDs.
//!
//! No package registry ships the cXML DTDs, so they are not fetched at test time. Instead every
//! written element is checked against a table of the DTDs' content models, written by hand from
//! the element declarations of cXML.dtd / Fulfill.dtd 1.2.063 and InvoiceDetail.dtd 1.2.037:
//! which children an element may have, in which order, which it must have, and which
//! attributes are required. An element missing from the table fails the test, so a writer
//! cannot start emitting something unchecked. Each document is also checked by `xmllint`:
//! well-formed always, and valid (`--dtdvalid`) when `AFTERCART_CXML_DTD` names a folder holding
//! `cXML.dtd`, `Fulfill.dtd` and `InvoiceDetail.dtd` (a DTD missing there fails the test).

use super::written_documents;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::path::PathBuf;

/// (element, its children in DTD order, the children it must have).
const ORDER: &[(&str, &[&str], &[&str])] = &[
    ("cXML", &["Header", "Message", "Request", "Response"], &[]),
    ("Header", &["From", "To", "Sender"], &["From", "To", "Sender"]),
    ("From", &["Credential"], &["Credential"]),
    ("To", &["Credential"], &["Credential"]),
    ("Sender", &["Credential", "UserAgent"], &["Credential", "UserAgent"]),
    ("Credential", &["Identity", "SharedSecret"], &["Identity"]),
    ("Response", &["Status", "PunchOutSetupResponse"], &["Status"]),
    ("PunchOutSetupResponse", &["StartPage"], &["StartPage"]),
    ("StartPage", &["URL"], &["URL"]),
    (
        "Message",
        &["Status", "PunchOutOrderMessage"],
        &["PunchOutOrderMessage"],
    ),
    (
        "PunchOutOrderMessage",
        &["BuyerCookie", "PunchOutOrderMessageHeader", "ItemIn"],
        &["BuyerCookie", "PunchOutOrderMessageHeader"],
    ),
    (
        "PunchOutOrderMessageHeader",
        &[
            "SourcingStatus",
            "Total",
            "ShipTo",
            "Shipping",
            "Tax",
            "SupplierOrderInfo",
        ],
        &["Total"],
    ),
    ("Total", &["Money", "Modifications"], &["Money"]),
    (
        "Shipping",
        &["Money", "Description", "Modifications"],
        &["Money", "Description"],
    ),
    (
        "Tax",
        &[
            "Money",
            "TaxAdjustmentAmount",
            "Description",
            "TaxDetail",
            "Distribution",
            "Extrinsic",
        ],
        &["Money", "Description"],
    ),
    (
        "ItemIn",
        &[
            "ItemID",
            "Path",
            "ItemDetail",
            "SupplierID",
            "SupplierList",
            "ShipTo",
            "Shipping",
            "Tax",
            "SpendDetail",
            "Distribution",
            "Contact",
            "Comments",
            "ScheduleLine",
            "BillTo",
            "Batch",
            "Period",
            "DateInfo",
            "Extrinsic",
        ],
        &["ItemID", "ItemDetail"],
    ),
    (
        "ItemID",
        &[
            "SupplierPartID",
            "SupplierPartAuxiliaryID",
            "BuyerPartID",
            "IdReference",
        ],
        &["SupplierPartID"],
    ),
    (
        "ItemDetail",
        &[
            "UnitPrice",
            "Description",
            "OverallLimit",
            "ExpectedLimit",
            "UnitOfMeasure",
            "PriceBasisQuantity",
            "Classification",
            "ManufacturerPartID",
            "ManufacturerName",
            "URL",
            "LeadTime",
            "Dimension",
            "ItemDetailIndustry",
            "AttachmentReference",
            "PlannedAcceptanceDays",
            "Extrinsic",
        ],
        &["UnitPrice", "Description", "UnitOfMeasure", "Classification"],
    ),
    (
        "UnitPrice",
        &["Money", "Modifications", "PricingConditions"],
        &["Money"],
    ),
    (
        "PriceBasisQuantity",
        &["UnitOfMeasure", "Description"],
        &["UnitOfMeasure"],
    ),
    ("Description", &["ShortName"], &[]),
    (
        "Request",
        &[
            "StatusUpdateRequest",
            "ConfirmationRequest",
            "ShipNoticeRequest",
            "InvoiceDetailRequest",
        ],
        &[],
    ),
    (
        "StatusUpdateRequest",
        &[
            "DocumentReference",
            "Status",
            "DocumentStatus",
            "IntegrationStatus",
            "Extrinsic",
        ],
        &["Status"],
    ),
    ("DocumentStatus", &["DocumentInfo", "ItemStatus", "Comments"], &[]),
    (
        "ConfirmationRequest",
        &[
            "ConfirmationHeader",
            "OrderReference",
            "OrderStatusRequestReference",
            "ConfirmationItem",
        ],
        &["ConfirmationHeader", "OrderReference"],
    ),
    (
        "ConfirmationHeader",
        &[
            "DocumentReference",
            "Total",
            "Shipping",
            "Tax",
            "Contact",
            "Hazard",
            "Comments",
            "IdReference",
            "Extrinsic",
        ],
        &[],
    ),
    ("OrderReference", &["DocumentReference"], &["DocumentReference"]),
    (
        "ConfirmationItem",
        &["UnitOfMeasure", "Contact", "Hazard", "ConfirmationStatus"],
        &["UnitOfMeasure", "ConfirmationStatus"],
    ),
    (
        "ConfirmationStatus",
        &[
            "UnitOfMeasure",
            "ItemIn",
            "UnitPrice",
            "Tax",
            "Shipping",
            "SupplierBatchID",
            "ScheduleLineReference",
            "ComponentConsumptionDetails",
            "Comments",
            "Extrinsic",
        ],
        &["UnitOfMeasure"],
    ),
    (
        "ShipNoticeRequest",
        &["ShipNoticeHeader", "ShipControl", "ShipNoticePortion"],
        &["ShipNoticeHeader"],
    ),
    (
        "ShipNoticeHeader",
        &[
            "ServiceLevel",
            "DocumentReference",
            "Contact",
            "LegalEntity",
            "OrganizationalUnit",
            "Hazard",
            "Comments",
            "TermsOfDelivery",
            "TermsOfTransport",
            "Packaging",
            "Extrinsic",
            "IdReference",
            "ReferenceDocumentInfo",
        ],
        &[],
    ),
    (
        "ShipControl",
        &[
            "CarrierIdentifier",
            "ShipmentIdentifier",
            "PackageIdentification",
            "Route",
            "TransportInformation",
            "Contact",
            "Comments",
            "Extrinsic",
        ],
        &["CarrierIdentifier", "ShipmentIdentifier"],
    ),
    (
        "ShipNoticePortion",
        &[
            "OrderReference",
            "MasterAgreementReference",
            "MasterAgreementIDInfo",
            "Contact",
            "Comments",
            "Extrinsic",
            "ShipNoticeItem",
            "ReferenceDocumentInfo",
        ],
        &["OrderReference"],
    ),
    (
        "ShipNoticeItem",
        &[
            "ItemID",
            "ShipNoticeItemDetail",
            "UnitOfMeasure",
            "Packaging",
            "Comments",
            "Extrinsic",
        ],
        &["UnitOfMeasure"],
    ),
    (
        "InvoiceDetailRequest",
        &[
            "InvoiceDetailRequestHeader",
            "InvoiceDetailOrder",
            "InvoiceDetailHeaderOrder",
            "InvoiceDetailSummary",
        ],
        &["InvoiceDetailRequestHeader", "InvoiceDetailSummary"],
    ),
    (
        "InvoiceDetailRequestHeader",
        &[
            "InvoiceDetailHeaderIndicator",
            "InvoiceDetailLineIndicator",
            "InvoicePartner",
            "DocumentReference",
            "InvoiceIDInfo",
            "PaymentProposalIDInfo",
            "InvoiceDetailShipping",
            "ShipNoticeIDInfo",
            "InvoiceDetailPaymentTerm",
            "PaymentTerm",
            "Period",
            "Comments",
            "IdReference",
            "Extrinsic",
        ],
        &["InvoiceDetailHeaderIndicator", "InvoiceDetailLineIndicator"],
    ),
    (
        "InvoiceDetailOrder",
        &[
            "InvoiceDetailOrderInfo",
            "InvoiceDetailReceiptInfo",
            "InvoiceDetailShipNoticeInfo",
            "InvoiceDetailItem",
            "InvoiceDetailServiceItem",
        ],
        &["InvoiceDetailOrderInfo"],
    ),
    (
        "InvoiceDetailOrderInfo",
        &[
            "OrderReference",
            "MasterAgreementReference",
            "MasterAgreementIDInfo",
            "OrderIDInfo",
            "SupplierOrderInfo",
        ],
        &[],
    ),
    (
        "InvoiceDetailItem",
        &[
            "UnitOfMeasure",
            "UnitPrice",
            "PriceBasisQuantity",
            "InvoiceDetailItemReference",
            "ReceiptLineItemReference",
            "ShipNoticeLineItemReference",
            "ServiceEntryItemReference",
            "ServiceEntryItemIDInfo",
            "ProductMovementItemIDInfo",
            "SubtotalAmount",
            "Tax",
            "InvoiceDetailLineSpecialHandling",
            "InvoiceDetailLineShipping",
            "ShipNoticeIDInfo",
            "GrossAmount",
            "InvoiceDetailDiscount",
            "InvoiceItemModifications",
            "TotalCharges",
            "TotalAllowances",
            "TotalAmountWithoutTax",
            "NetAmount",
            "Distribution",
            "Packaging",
            "InvoiceDetailItemIndustry",
            "Comments",
            "CustomsInfo",
            "Extrinsic",
        ],
        &["UnitOfMeasure", "UnitPrice", "InvoiceDetailItemReference"],
    ),
    (
        "InvoiceDetailItemReference",
        &[
            "ItemID",
            "Description",
            "Classification",
            "ManufacturerPartID",
            "ManufacturerName",
            "Country",
            "SerialNumber",
        ],
        &[],
    ),
    (
        "InvoiceDetailSummary",
        &[
            "SubtotalAmount",
            "Tax",
            "SpecialHandlingAmount",
            "ShippingAmount",
            "GrossAmount",
            "InvoiceDetailDiscount",
            "InvoiceHeaderModifications",
            "InvoiceDetailSummaryLineItemModifications",
            "TotalCharges",
            "TotalAllowances",
            "TotalAmountWithoutTax",
            "NetAmount",
            "DepositAmount",
            "DueAmount",
            "InvoiceDetailSummaryIndustry",
        ],
        &["SubtotalAmount", "Tax", "NetAmount"],
    ),
    (
        "TaxDetail",
        &[
            "TaxableAmount",
            "TaxAmount",
            "TaxLocation",
            "TaxAdjustmentAmount",
            "Description",
            "Extrinsic",
        ],
        &["TaxAmount"],
    ),
    ("SubtotalAmount", &["Money"], &["Money"]),
    ("GrossAmount", &["Money"], &["Money"]),
    ("NetAmount", &["Money"], &["Money"]),
    ("DueAmount", &["Money"], &["Money"]),
    ("ShippingAmount", &["Money", "Distribution"], &["Money"]),
    (
        "SpecialHandlingAmount",
        &["Money", "Description", "Distribution"],
        &["Money"],
    ),
    ("InvoiceDetailDiscount", &["Money", "Distribution"], &["Money"]),
    ("TaxableAmount", &["Money"], &["Money"]),
    ("TaxAmount", &["Money"], &["Money"]),
];

/// Elements with text (or nothing) only.
const LEAVES: &[&str] = &[
    "Identity",
    "SharedSecret",
    "UserAgent",
    "Status",
    "URL",
    "BuyerCookie",
    "Money",
    "SupplierPartID",
    "SupplierPartAuxiliaryID",
    "BuyerPartID",
    "UnitOfMeasure",
    "Classification",
    "ManufacturerPartID",
    "ManufacturerName",
    "LeadTime",
    "Extrinsic",
    "ShortName",
    "SupplierOrderInfo",
    "DocumentReference",
    "Comments",
    "CarrierIdentifier",
    "ShipmentIdentifier",
    "IntegrationStatus",
    "InvoiceDetailHeaderIndicator",
    "InvoiceDetailLineIndicator",
    "PaymentTerm",
    "OrderIDInfo",
    "TaxLocation",
];

/// Attributes the DTDs mark `#REQUIRED`.
const REQUIRED_ATTRS: &[(&str, &[&str])] = &[
    ("cXML", &["payloadID", "timestamp"]),
    ("Credential", &["domain"]),
    ("Status", &["code", "text"]),
    ("PunchOutOrderMessageHeader", &["operationAllowed"]),
    ("ItemIn", &["quantity"]),
    ("Money", &["currency"]),
    ("Description", &["xml:lang"]),
    ("Classification", &["domain"]),
    ("PriceBasisQuantity", &["quantity", "conversionFactor"]),
    ("DocumentReference", &["payloadID"]),
    ("ConfirmationHeader", &["type", "noticeDate"]),
    ("ConfirmationItem", &["quantity", "lineNumber"]),
    ("ConfirmationStatus", &["quantity", "type"]),
    ("ShipNoticeHeader", &["shipmentID", "noticeDate"]),
    ("CarrierIdentifier", &["domain"]),
    ("ShipNoticeItem", &["quantity", "lineNumber"]),
    ("InvoiceDetailRequestHeader", &["invoiceID", "invoiceDate"]),
    ("InvoiceDetailItem", &["invoiceLineNumber", "quantity"]),
    ("InvoiceDetailItemReference", &["lineNumber"]),
    ("TaxDetail", &["category"]),
    ("TaxLocation", &["xml:lang"]),
    ("PaymentTerm", &["payInNumberOfDays"]),
    ("Extrinsic", &["name"]),
    ("OrderIDInfo", &["orderID"]),
    ("DocumentStatus", &["type"]),
    ("IntegrationStatus", &["documentStatus"]),
    ("SupplierOrderInfo", &["orderID"]),
];

struct El {
    name: String,
    attrs: Vec<String>,
    children: Vec<String>,
}

/// Every element of `xml` with its attribute names and child element names.
fn elements(xml: &str) -> Vec<El> {
    let mut reader = Reader::from_str(xml);
    let (mut stack, mut done): (Vec<El>, Vec<El>) = (Vec::new(), Vec::new());
    loop {
        match reader.read_event().unwrap() {
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (Event::Start(e) | Event::Empty(e)) = &ev else {
                    unreachable!()
                };
                let name = e.name().as_ref().to_owned();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(name.clone());
                }
                let attrs = e.attributes().map(|a| a.unwrap().key.as_ref().to_owned()).collect();
                let el = El {
                    name,
                    attrs,
                    children: Vec::new(),
                };
                if matches!(ev, Event::Empty(_)) {
                    done.push(el)
                } else {
                    stack.push(el)
                }
            }
            Event::End(_) => done.push(stack.pop().unwrap()),
            Event::Eof => break,
            _ => {}
        }
    }
    done
}

fn check_order(kind: &str, xml: &str) {
    for el in elements(xml) {
        let here = format!("{kind}: <{}>", el.name);
        if let Some((_, order, required)) = ORDER.iter().find(|(n, _, _)| *n == el.name) {
            let mut last = 0;
            for child in &el.children {
                let at = order
                    .iter()
                    .position(|c| c == child)
                    .unwrap_or_else(|| panic!("{here} may not contain <{child}>"));
                assert!(at >= last, "{here}: <{child}> comes after <{}>", order[last]);
                last = at;
            }
            for r in *required {
                assert!(el.children.iter().any(|c| c == r), "{here} lacks its required <{r}>");
            }
        } else {
            assert!(
                LEAVES.contains(&el.name.as_str()),
                "{here} is in neither table: add it from the DTD"
            );
            assert!(el.children.is_empty(), "{here} has children {:?}", el.children);
        }
        if let Some((_, attrs)) = REQUIRED_ATTRS.iter().find(|(n, _)| *n == el.name) {
            for a in *attrs {
                assert!(
                    el.attrs.iter().any(|x| x == a),
                    "{here} lacks its required attribute {a}"
                );
            }
        }
    }
}

#[test]
fn written_documents_follow_the_dtds_content_models() {
    let docs = written_documents();
    assert_eq!(docs.len(), 12);
    for (kind, dtd, xml) in &docs {
        let doctype = format!(
            "<!DOCTYPE cXML SYSTEM \"http://xml.cxml.org/schemas/cXML/1.2.063/{}\">",
            dtd.file_name()
        );
        assert!(xml.contains(&doctype), "{kind}: {doctype}");
        check_order(kind, xml);
    }
}

#[test]
fn the_order_check_catches_misordered_elements() {
    let bad = r#"<cXML payloadID="x" timestamp="t"><Response><PunchOutSetupResponse><StartPage><URL>u</URL></StartPage></PunchOutSetupResponse><Status code="200" text="OK"/></Response></cXML>"#;
    let caught = std::panic::catch_unwind(|| check_order("bad", bad));
    assert!(caught.is_err());
}

/// `xmllint` on every written document: well-formed always (an independent parser; the test
/// fails without xmllint, which `scripts/einvoice-deps.sh` installs), and valid against the
/// DTDs when `AFTERCART_CXML_DTD` names their folder.
#[test]
fn written_documents_pass_xmllint() {
    let dtds = std::env::var("AFTERCART_CXML_DTD").ok().map(PathBuf::from);
    let tmp = std::env::temp_dir().join(format!("aftercart-cxml-xmllint-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (kind, dtd, xml) in written_documents() {
        let file = tmp.join(format!("{}.xml", kind.replace(' ', "-")));
        std::fs::write(&file, &xml).unwrap();
        let mut cmd = std::process::Command::new("xmllint");
        cmd.arg("--noout").arg("--nonet");
        if let Some(dir) = &dtds {
            let dtd_path = dir.join(dtd.file_name());
            assert!(dtd_path.is_file(), "AFTERCART_CXML_DTD has no {}", dtd_path.display());
            cmd.arg("--dtdvalid").arg(dtd_path);
        }
        let out = cmd
            .arg(&file)
            .output()
            .expect("xmllint is needed (scripts/einvoice-deps.sh installs Debian's libxml2-utils)");
        assert!(
            out.status.success(),
            "{kind} fails xmllint ({}):\n{}\n{xml}",
            if dtds.is_some() {
                "DTD validation"
            } else {
                "well-formedness"
            },
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::remove_dir_all(&tmp).ok();
}
