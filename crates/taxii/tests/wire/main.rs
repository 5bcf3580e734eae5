//! Data-driven tests of the TAXII wire layer: one `check` per area, cases as tables or files
//! under `tests/data/`.

mod cursor;
mod error;
mod media;
mod query;
mod resources;
mod timestamp;
