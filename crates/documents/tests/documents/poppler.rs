//! Reading the rendered files back with poppler's command-line tools, as a reader's viewer,
//! a search index or a screen reader would: what `pdftotext` extracts is what people can copy.

use std::path::PathBuf;
use std::process::Command;

/// Writes `pdf` under the test's scratch directory as `name.pdf` and returns its path. The files
/// stay after the run, so a person can open what the tests saw.
pub fn save(name: &str, pdf: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    path
}

fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{tool}` (Debian's poppler-utils) is missing: run scripts/pdf-deps.sh to install it; \
             these tests check the PDFs with it and do not skip"
        ),
        Err(e) => panic!("running {tool}: {e}"),
    };
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn text(args: &[&str], path: &std::path::Path) -> String {
    let path = path.to_str().expect("utf-8 path");
    let mut all = vec!["-enc", "UTF-8"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[path, "-"]);
    String::from_utf8(run("pdftotext", &all)).expect("pdftotext prints UTF-8")
}

/// `pdftotext -layout`: the text laid out as on the page, pages separated by form feeds.
pub fn layout_text(name: &str, pdf: &[u8]) -> String {
    text(&["-layout"], &save(name, pdf))
}

/// The text of each page, in page order.
pub fn pages(name: &str, pdf: &[u8]) -> Vec<String> {
    let all = layout_text(name, pdf);
    let mut pages: Vec<String> = all.split('\x0c').map(str::to_owned).collect();
    // pdftotext ends the last page with a form feed too.
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// `pdftotext -raw`: the text in the order the content stream draws it, so lines that one cell
/// wraps into come out next to each other.
pub fn raw_text(name: &str, pdf: &[u8]) -> String {
    text(&["-raw"], &save(name, pdf))
}

/// One word as `pdftotext -bbox` places it, in points from the page's top-left.
#[derive(Debug, Clone)]
pub struct Word {
    pub page: usize,
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
    pub text: String,
}

/// Every word with its box, and each page's width.
pub fn words(name: &str, pdf: &[u8]) -> (Vec<Word>, Vec<f32>) {
    let html = text(&["-bbox"], &save(name, pdf));
    let attr = |tag: &str, key: &str| -> f32 {
        let start = tag
            .find(&format!("{key}=\""))
            .unwrap_or_else(|| panic!("{key} in {tag}"))
            + key.len()
            + 2;
        let end = start + tag[start..].find('"').expect("closing quote");
        tag[start..end].parse().expect("a number")
    };
    let mut words = Vec::new();
    let mut widths = Vec::new();
    for piece in html.split('<').skip(1) {
        if piece.starts_with("page ") {
            widths.push(attr(piece, "width"));
        } else if let Some(rest) = piece.strip_prefix("word ") {
            let (tag, word) = rest.split_once('>').expect("word tag closes");
            words.push(Word {
                page: widths.len(),
                x_min: attr(tag, "xMin"),
                y_min: attr(tag, "yMin"),
                x_max: attr(tag, "xMax"),
                y_max: attr(tag, "yMax"),
                text: unescape(word),
            });
        }
    }
    (words, widths)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `pdfinfo`'s fields ("Pages", "Title", "Page size", …).
pub fn info(name: &str, pdf: &[u8]) -> Vec<(String, String)> {
    let path = save(name, pdf);
    let out = String::from_utf8(run("pdfinfo", &["-enc", "UTF-8", path.to_str().expect("utf-8 path")]))
        .expect("pdfinfo prints UTF-8");
    out.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

pub fn info_field(info: &[(String, String)], key: &str) -> String {
    info.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("pdfinfo has no {key}: {info:?}"))
}

pub fn page_count(name: &str, pdf: &[u8]) -> usize {
    info_field(&info(name, pdf), "Pages").parse().expect("page count")
}

/// Rasterises page 1 with `pdftoppm -png -r 80 -f 1 -l 1` and returns the PNG's bytes.
pub fn png_page_one(name: &str, pdf: &[u8]) -> Vec<u8> {
    let path = save(name, pdf);
    let prefix = path.with_extension("");
    let prefix = prefix.to_str().expect("utf-8 path");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path.to_str().expect("utf-8"),
            prefix,
        ],
    );
    std::fs::read(format!("{prefix}.png")).expect("pdftoppm wrote the page")
}
