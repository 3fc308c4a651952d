//! The public sample documents (`../shared/samples/`, written by others; read at test time, never
//! copied here) and the test that every one of them is covered by a parser test: a sample added
//! without a test that parses it fails this suite.

use std::path::{Path, PathBuf};

/// The samples folder: `AFTERCART_SAMPLES` if set, else `shared/samples` beside the checkout
/// (the layout this project is developed in). Missing samples fail loudly rather than skip.
pub fn samples_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("AFTERCART_SAMPLES") {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for up in manifest.ancestors() {
        let candidate = up.join("shared").join("samples");
        if candidate.join("SOURCES.md").is_file() {
            return candidate;
        }
    }
    panic!(
        "the public samples were not found: set AFTERCART_SAMPLES to the samples folder \
         (../shared/samples beside the checkout)"
    )
}

/// A sample's bytes, by its path under the samples folder ("cxml/OrderRequest.xml").
pub fn sample(rel: &str) -> Vec<u8> {
    let path = samples_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A sample as text (lossy: the tests check structure, and a stray byte must not hide a file).
pub fn sample_text(rel: &str) -> String {
    String::from_utf8_lossy(&sample(rel)).into_owned()
}

/// Every data file under the samples folder, relative ("x12/850.edi"), sorted; licences and the
/// sources list are not data.
pub fn all_samples() -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            if path.is_dir() {
                if rel != "LICENSES" {
                    walk(root, &path, out);
                }
            } else if rel != "SOURCES.md" {
                out.push(rel);
            }
        }
    }
    let root = samples_dir();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

#[test]
fn every_public_sample_is_parsed_by_a_test() {
    let covered: Vec<&str> = [
        crate::cxml::COVERED,
        crate::oci::COVERED,
        crate::x12::COVERED,
        crate::edifact::COVERED,
        crate::tracking::COVERED,
        crate::einvoice_in::COVERED,
    ]
    .concat();
    let all = all_samples();
    assert!(
        all.len() >= 50,
        "only {} samples found under {}",
        all.len(),
        samples_dir().display()
    );
    let missing: Vec<&String> = all.iter().filter(|s| !covered.contains(&s.as_str())).collect();
    assert!(
        missing.is_empty(),
        "samples no test parses (add them to a parser test's COVERED): {missing:?}"
    );
    let stale: Vec<&&str> = covered.iter().filter(|c| !all.iter().any(|s| s == *c)).collect();
    assert!(stale.is_empty(), "COVERED names files that are not samples: {stale:?}");
}
