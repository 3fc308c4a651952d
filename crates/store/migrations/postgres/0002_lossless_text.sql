-- Any valid Unicode text must come back exactly as it was sent, U+0000 included.
--
-- `jsonb` refuses the escape \u0000 ("unsupported Unicode escape sequence") and `text` refuses
-- the NUL byte, so a comment or reason containing U+0000 could not be stored (a 500). `json`
-- keeps the document exactly as written, escapes included, and Aftercart never queries inside
-- documents (they are read whole; the columns beside them are for filtering), so nothing is lost
-- by leaving jsonb. For the same reason `events.reason`, the one free-text column outside a
-- document, becomes a JSON string. The remaining text columns hold identifiers, names and codes,
-- which the API refuses when they contain control characters (see crates/domain/src/text.rs).
ALTER TABLE docs ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE events ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE events ALTER COLUMN reason TYPE json USING to_json(reason);
