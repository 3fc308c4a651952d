//! ERP exports: flat rows (one per order line, shipment line or invoice line) written as CSV with
//! a header row or as JSON Lines, one row at a time, so an export of any size streams.
//!
//! Every row of a kind has the same columns, in the same order ([`ExportKind::columns`]); a
//! value that is absent is an empty CSV field and a JSON `null`.

use super::Format;
use std::io::Write;

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Orders,
    Shipments,
    Invoices,
}

impl ExportKind {
    pub fn parse(s: &str) -> Option<ExportKind> {
        match s {
            "orders" => Some(ExportKind::Orders),
            "shipments" => Some(ExportKind::Shipments),
            "invoices" => Some(ExportKind::Invoices),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Orders => "orders",
            ExportKind::Shipments => "shipments",
            ExportKind::Invoices => "invoices",
        }
    }

    /// The columns of a row of this kind, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ExportKind::Orders => &[
                "order_id",
                "order_number",
                "account",
                "po_number",
                "channel",
                "placed_at",
                "order_status",
                "line",
                "sku",
                "description",
                "ship_to",
                "requested_date",
                "currency",
                "unit_price",
                "quantity",
                "cancelled",
                "backordered",
                "backorder_expected",
                "allocated",
                "shipped",
                "delivered",
                "returned",
                "cost_centre",
                "line_status",
            ],
            ExportKind::Shipments => &[
                "shipment_id",
                "order_id",
                "order_number",
                "account",
                "from_location",
                "ship_to",
                "carrier",
                "service",
                "tracking_number",
                "packing_slip",
                "shipped_at",
                "estimated_delivery",
                "tracking_status",
                "line",
                "sku",
                "quantity",
            ],
            ExportKind::Invoices => &[
                "invoice_id",
                "invoice_number",
                "account",
                "issued_on",
                "due_on",
                "currency",
                "invoice_status",
                "tax",
                "freight",
                "line",
                "order_id",
                "order_line",
                "sku",
                "description",
                "quantity",
                "unit_price",
                "amount",
            ],
        }
    }
}

/// One row's values, in the kind's column order (`None` = absent).
pub type ExportRow = Vec<Option<String>>;

/// Writes rows of one kind to `out` as they come.
pub struct ExportWriter<W: Write> {
    kind: ExportKind,
    format: Format,
    csv: Option<csv::Writer<W>>,
    json: Option<W>,
    rows: u64,
}

impl<W: Write> ExportWriter<W> {
    /// A writer; CSV writes its header row at once.
    pub fn new(kind: ExportKind, format: Format, out: W) -> Result<ExportWriter<W>, String> {
        let mut w = ExportWriter {
            kind,
            format,
            csv: None,
            json: None,
            rows: 0,
        };
        match format {
            Format::Csv => {
                let mut c = csv::Writer::from_writer(out);
                c.write_record(kind.columns()).map_err(|e| e.to_string())?;
                w.csv = Some(c);
            }
            Format::JsonLines => w.json = Some(out),
        }
        Ok(w)
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes one row; its length must be the kind's number of columns.
    pub fn write(&mut self, row: &ExportRow) -> Result<(), String> {
        let cols = self.kind.columns();
        if row.len() != cols.len() {
            return Err(format!(
                "a {} row has {} values, not {}",
                self.kind.as_str(),
                row.len(),
                cols.len()
            ));
        }
        match self.format {
            Format::Csv => {
                let c = self.csv.as_mut().ok_or("the writer is closed")?;
                c.write_record(row.iter().map(|v| v.as_deref().unwrap_or("")))
                    .map_err(|e| e.to_string())?;
            }
            Format::JsonLines => {
                let out = self.json.as_mut().ok_or("the writer is closed")?;
                let obj: serde_json::Map<String, serde_json::Value> = cols
                    .iter()
                    .zip(row)
                    .map(|(k, v)| {
                        let v = v.clone().map_or(serde_json::Value::Null, serde_json::Value::String);
                        ((*k).to_owned(), v)
                    })
                    .collect();
                serde_json::to_writer(&mut *out, &obj).map_err(|e| e.to_string())?;
                out.write_all(b"\n").map_err(|e| e.to_string())?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn finish(self) -> Result<W, String> {
        match (self.csv, self.json) {
            (Some(c), _) => c.into_inner().map_err(|e| e.to_string()),
            (None, Some(mut j)) => {
                j.flush().map_err(|e| e.to_string())?;
                Ok(j)
            }
            (None, None) => Err("the writer is closed".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erp::RowReader;

    fn row(kind: ExportKind, fill: &str) -> ExportRow {
        kind.columns()
            .iter()
            .enumerate()
            .map(|(i, _)| (i % 3 != 2).then(|| format!("{fill}{i}")))
            .collect()
    }

    #[test]
    fn csv_and_json_lines_carry_the_same_rows_and_read_back() {
        for kind in [ExportKind::Orders, ExportKind::Shipments, ExportKind::Invoices] {
            let rows = [row(kind, "a,\"b\""), row(kind, "ü\n")];
            for format in [Format::Csv, Format::JsonLines] {
                let mut w = ExportWriter::new(kind, format, Vec::new()).unwrap();
                for r in &rows {
                    w.write(r).unwrap();
                }
                assert_eq!(w.rows(), 2);
                let bytes = w.finish().unwrap();
                // Read back by the import's own reader: every column, every value.
                let mut reader = RowReader::new(format, bytes.as_slice()).unwrap();
                for r in &rows {
                    let raw = reader.next_row().unwrap().unwrap().unwrap();
                    for (c, v) in kind.columns().iter().zip(r) {
                        assert_eq!(
                            raw.get(c),
                            v.as_deref().filter(|s| !s.trim().is_empty()),
                            "{kind:?} {format:?} {c}"
                        );
                    }
                }
                assert!(reader.next_row().is_none());
            }
        }
    }

    #[test]
    fn a_row_of_the_wrong_width_is_refused() {
        let mut w = ExportWriter::new(ExportKind::Orders, Format::Csv, Vec::new()).unwrap();
        assert!(w.write(&vec![None; 3]).unwrap_err().contains("3 values"));
        assert_eq!(w.rows(), 0);
    }
}
