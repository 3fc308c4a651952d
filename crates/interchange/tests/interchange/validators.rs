//! The e-invoice validators from `../shared/validators` (never copied into the repository):
//! the UBL 2.1 XSD through `xmllint` and the EN 16931 schematron through Saxon
//! (`tests/en16931.py`). Missing tools fail the test, never skip it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const INSTALL: &str = "run scripts/einvoice-deps.sh to install xmllint and saxonche";

/// `$AFTERCART_VALIDATORS`, else `../shared/validators` beside the repository.
pub fn dir() -> PathBuf {
    let dir = std::env::var_os("AFTERCART_VALIDATORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/validators"));
    assert!(
        dir.join("README.md").is_file(),
        "the validators are not at {} (set AFTERCART_VALIDATORS to their directory)",
        dir.display()
    );
    dir
}

/// Writes `xml` to `<name>.xml` under the test target's temporary directory (kept for a look
/// after a failure; each test uses its own names).
pub fn save(name: &str, xml: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.xml"));
    std::fs::write(&path, xml).unwrap();
    path
}

fn run(program: &str, args: &[&std::ffi::OsStr]) -> Output {
    match Command::new(program).args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == ErrorKind::NotFound => panic!("{program} is not installed: {INSTALL}"),
        Err(e) => panic!("{program} could not run: {e}"),
    }
}

/// What `xmllint` says against the Invoice or CreditNote schema; empty when the file is valid.
pub fn xsd_errors(file: &Path, credit_note: bool) -> String {
    let xsd = dir().join("ubl-2.1/xsd/maindoc").join(if credit_note {
        "UBL-CreditNote-2.1.xsd"
    } else {
        "UBL-Invoice-2.1.xsd"
    });
    let out = run(
        "xmllint",
        &[
            "--noout".as_ref(),
            "--schema".as_ref(),
            xsd.as_os_str(),
            file.as_os_str(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        assert!(stderr.contains("validates"), "xmllint said: {stderr}");
        String::new()
    } else {
        assert!(!stderr.trim().is_empty(), "xmllint failed without saying why");
        stderr
    }
}

/// The fatal EN 16931 assertions that fail, as "RULE-ID: text" lines, for each file.
pub fn en16931_failures(files: &[&Path]) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/en16931.py");
    let xslt = dir().join("en16931-ubl/EN16931-UBL-validation.xslt");
    let mut args = vec![script.as_os_str(), xslt.as_os_str()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let out = run("python3", &args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => {
            assert!(stdout.trim().is_empty(), "{stdout}");
            Vec::new()
        }
        Some(1) => stdout.lines().map(str::to_owned).collect(),
        _ => panic!("the EN 16931 validator could not run ({INSTALL}):\n{stderr}{stdout}"),
    }
}

/// Both validators on one document: panics with everything they report.
pub fn assert_valid(name: &str, xml: &str, credit_note: bool) {
    let file = save(name, xml);
    let xsd = xsd_errors(&file, credit_note);
    let rules = en16931_failures(&[&file]);
    assert!(
        xsd.is_empty() && rules.is_empty(),
        "{name} is not valid:\nXSD: {xsd}\nEN 16931: {rules:#?}\n{xml}"
    );
}
