//! X12 interchanges: never panic; every issue and error names a segment inside the data; the
//! strict parse succeeds exactly when the lenient one found no error; what the typed readers
//! take, Aftercart's writers either refuse by field or write so that it reads back the same (an
//! 855 answering an 850, a 997 for every group, and 855/856/810/997 sets written again).
#![no_main]

use aftercart_interchange::x12::{
    Ack855, Ack997, Asn856, ControlNumbers, Envelope, Interchange, Invoice810, PartnerId, Po850, Severity, Usage,
    Version,
};
use libfuzzer_sys::fuzz_target;
use time::macros::{date, datetime};

fn envelope(version: Version) -> Envelope {
    Envelope {
        sender: PartnerId {
            qualifier: "ZZ".into(),
            id: "FUZZ".into(),
        },
        receiver: PartnerId {
            qualifier: "ZZ".into(),
            id: "PARTNER".into(),
        },
        application_sender: None,
        application_receiver: None,
        version,
        usage: Usage::Test,
        ack_requested: false,
        at: datetime!(2024-01-01 00:00),
    }
}

const CTL: ControlNumbers = ControlNumbers {
    interchange: 1,
    group: 1,
    transaction_set: 1,
};

fn reread(text: &str) -> Interchange {
    let ic = Interchange::parse(text.as_bytes()).unwrap_or_else(|e| panic!("own output refused: {e}\n{text}"));
    assert_eq!(ic.groups.len(), 1);
    ic
}

fuzz_target!(|data: &[u8]| {
    let segments = data.iter().filter(|&&b| !b.is_ascii_alphanumeric()).count() + 1;
    let ic = match Interchange::parse_lenient(data) {
        Ok(ic) => ic,
        Err(e) => {
            assert!(e.segment <= segments && !e.reason.is_empty(), "{e}");
            assert!(Interchange::parse(data).is_err());
            return;
        }
    };
    let issues = ic.all_issues();
    assert!(
        issues
            .iter()
            .all(|i| i.segment >= 1 && i.segment <= segments && !i.reason.is_empty())
    );
    let has_error = issues.iter().any(|i| i.severity == Severity::Error);
    assert_eq!(Interchange::parse(data).is_ok(), !has_error);
    let version = if ic.header.version.as_str() >= "00501" {
        Version::V5010
    } else {
        Version::V4010
    };
    let env = envelope(version);
    for group in &ic.groups {
        let ack = Ack997::for_group(group, &["850", "855", "856", "810", "997"]);
        assert_eq!(ack.received as usize, group.sets.len());
        if let Ok(text) = ack.write(&env, &CTL) {
            let back = reread(&text);
            let mut expect = ack.clone();
            if version == Version::V4010 {
                // AK103 and AK203 exist from 005010 on.
                expect.version = None;
                expect.sets.iter_mut().for_each(|s| s.implementation_reference = None);
            }
            assert_eq!(Ack997::read(&back.groups[0].sets[0]).unwrap(), expect);
        }
    }
    for set in ic.sets() {
        let check = |e: &aftercart_interchange::x12::X12Error| assert!(e.segment >= 1 && e.segment <= segments, "{e}");
        match set.id.as_str() {
            "850" => match Po850::read(set) {
                Ok(po) => {
                    assert_eq!(po.line_count.map_or(po.lines.len(), |n| n as usize), po.lines.len());
                    let ack = Ack855::accept_all(&po, date!(2024 - 01 - 01), None);
                    if let Ok(text) = ack.write(&env, &CTL) {
                        assert_eq!(Ack855::read(&reread(&text).groups[0].sets[0]).unwrap(), ack);
                    }
                }
                Err(e) => check(&e),
            },
            "855" => match Ack855::read(set) {
                Ok(doc) => {
                    if let Ok(text) = doc.write(&env, &CTL) {
                        assert_eq!(Ack855::read(&reread(&text).groups[0].sets[0]).unwrap(), doc);
                    }
                }
                Err(e) => check(&e),
            },
            "856" => match Asn856::read(set) {
                Ok(doc) => {
                    if let Ok(text) = doc.write(&env, &CTL) {
                        // BSN05 left out is filled in by the writer.
                        let expect = Asn856 {
                            structure: Some(doc.structure_code().to_owned()),
                            ..doc
                        };
                        assert_eq!(Asn856::read(&reread(&text).groups[0].sets[0]).unwrap(), expect);
                    }
                }
                Err(e) => check(&e),
            },
            "810" => match Invoice810::read(set) {
                Ok(doc) => {
                    if let Ok(text) = doc.write(&env, &CTL) {
                        assert_eq!(Invoice810::read(&reread(&text).groups[0].sets[0]).unwrap(), doc);
                    }
                }
                Err(e) => check(&e),
            },
            "997" => {
                if let Err(e) = Ack997::read(set) {
                    check(&e);
                }
            }
            _ => {}
        }
    }
});
