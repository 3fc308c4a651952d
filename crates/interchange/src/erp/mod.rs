//! ERP bulk files: CSV (with a header row) and JSON Lines, read one row at a time so a file of a
//! million lines is never held in memory. Rows are checked here, field by field, into wire rows
//! (`orders::OrderLineRow`); a bad row becomes a [`RowError`] naming its row, column and reason,
//! and reading goes on — the app applies the good rows and writes the bad ones to a rejects file.

pub mod allocations;
pub mod catalog;
pub mod export;
pub mod invoices;
pub mod orders;
pub mod parties;
pub mod payments;
pub mod shipments;

use std::io::BufRead;

/// The two file formats an ERP sends and receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// `csv`, `jsonl` or `ndjson` (a file extension or a `format=` value).
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json-lines" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// From a file name's extension; CSV unless it ends in `.jsonl` or `.ndjson`.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Format::JsonLines
        } else {
            Format::Csv
        }
    }
}

/// A row that could not be applied: which data row (1-based, the header not counted), which
/// column (empty when the row as a whole is wrong), why, and the row as it was in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub reason: String,
    pub original: String,
}

impl RowError {
    pub fn new(raw: &RawRow, column: &str, reason: impl Into<String>) -> RowError {
        RowError {
            row: raw.no,
            column: column.to_owned(),
            reason: reason.into(),
            original: raw.original.clone(),
        }
    }
}

/// One data row, its fields by column name, before any checking.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub no: u64,
    fields: Vec<(String, Option<String>)>,
    /// The row as read (a CSV record re-quoted, or the JSON line), for the rejects file.
    pub original: String,
}

impl RawRow {
    /// The trimmed value of `column`; `None` when absent or empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(c, _)| c == column)
            .and_then(|(_, v)| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn columns(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(c, _)| c.as_str())
    }

    /// The first column not in `known`, so a misspelt header is refused, not silently ignored.
    pub fn unknown_column(&self, known: &[&str]) -> Option<String> {
        self.columns().find(|c| !known.contains(c)).map(str::to_owned)
    }
}

/// Reads rows from CSV or JSON Lines. A row that cannot even be split into fields (bad quoting,
/// a line that is not a JSON object) is returned as a `RowError`; a broken file header or an
/// I/O failure ends reading with `Err(String)`.
pub struct RowReader<R: BufRead> {
    inner: Inner<R>,
    no: u64,
}

enum Inner<R: BufRead> {
    Csv {
        reader: csv::Reader<R>,
        headers: Vec<String>,
    },
    Jsonl(R),
}

impl<R: BufRead> RowReader<R> {
    pub fn new(format: Format, input: R) -> Result<RowReader<R>, String> {
        let inner = match format {
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
                let headers = reader
                    .headers()
                    .map_err(|e| format!("the header row cannot be read: {e}"))?
                    .iter()
                    .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
                    .collect();
                Inner::Csv { reader, headers }
            }
            Format::JsonLines => Inner::Jsonl(input),
        };
        Ok(RowReader { inner, no: 0 })
    }

    /// The next row, `None` at the end of the input.
    pub fn next_row(&mut self) -> Option<Result<Result<RawRow, RowError>, String>> {
        match &mut self.inner {
            Inner::Csv { reader, headers } => {
                let mut rec = csv::StringRecord::new();
                match reader.read_record(&mut rec) {
                    Ok(false) => None,
                    Ok(true) => {
                        self.no += 1;
                        let original = requote(&rec);
                        if rec.len() != headers.len() {
                            return Some(Ok(Err(RowError {
                                row: self.no,
                                column: String::new(),
                                reason: format!("has {} fields, the header has {}", rec.len(), headers.len()),
                                original,
                            })));
                        }
                        let fields = headers
                            .iter()
                            .cloned()
                            .zip(rec.iter().map(|v| Some(v.to_owned())))
                            .collect();
                        Some(Ok(Ok(RawRow {
                            no: self.no,
                            fields,
                            original,
                        })))
                    }
                    Err(e) if e.is_io_error() => Some(Err(format!("reading the file: {e}"))),
                    Err(e) => {
                        self.no += 1;
                        Some(Ok(Err(RowError {
                            row: self.no,
                            column: String::new(),
                            reason: format!("not valid CSV: {e}"),
                            original: String::new(),
                        })))
                    }
                }
            }
            Inner::Jsonl(input) => loop {
                let mut line = String::new();
                match input.read_line(&mut line) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(format!("reading the file: {e}"))),
                }
                let line = line.trim_end_matches(['\r', '\n']);
                if line.trim().is_empty() {
                    // Blank lines (a trailing newline, a separator) are not rows.
                    continue;
                }
                self.no += 1;
                return Some(Ok(json_row(self.no, line)));
            },
        }
    }
}

fn json_row(no: u64, line: &str) -> Result<RawRow, RowError> {
    let bad = |reason: String| RowError {
        row: no,
        column: String::new(),
        reason,
        original: line.to_owned(),
    };
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(bad("must be a JSON object".into()));
    };
    let mut fields = Vec::with_capacity(map.len());
    for (k, v) in map {
        let v = match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => {
                return Err(RowError {
                    row: no,
                    column: k,
                    reason: "must be a string or a number".into(),
                    original: line.to_owned(),
                });
            }
        };
        fields.push((k, v));
    }
    Ok(RawRow {
        no,
        fields,
        original: line.to_owned(),
    })
}

/// A CSV record written back as one CSV line (without the line end).
fn requote(rec: &csv::StringRecord) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    if w.write_record(rec).is_err() {
        return String::new();
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end_matches('\n').to_owned()
}

/// The rejects file: `row,column,reason,original` with a header row.
pub fn write_rejects<W: std::io::Write>(out: W, rejects: &[RowError]) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["row", "column", "reason", "original"])
        .map_err(|e| e.to_string())?;
    for r in rejects {
        w.write_record([r.row.to_string().as_str(), &r.column, &r.reason, &r.original])
            .map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}
