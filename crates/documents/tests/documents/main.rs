//! The documents crate's suite: each test renders a real-looking document and reads it back
//! with poppler (`pdftotext`, `pdfinfo`, `pdftoppm`), as a person's viewer would. Without
//! poppler-utils the tests fail, naming scripts/pdf-deps.sh, which installs it.

mod fixtures;
mod invoice;
mod poppler;
mod statement;
