//! `selat-stix`: STIX 2.1 for Selat, with no I/O beyond `std::io::Read`/`Write` streams.
//!
//! - [`id`], [`timestamp`]: the two scalar syntaxes everything else leans on.
//! - [`diagnostic`]: what validation reports, with JSON paths.
//! - [`spec`]: the declarative tables, one per object type, that [`validate`] reads.
//! - [`validate`]: the one generic checker; every MUST the OASIS validator checks.
//! - [`sco_id`]: deterministic cyber-observable ids (UUIDv5 over the id-contributing properties).
//! - [`tlp`]: TLP 2.0 (and TLP 1.0 equivalents) marking definitions.
//! - [`bundle`]: the streaming bundle/NDJSON reader and the bundle writer.
//! - [`canonical`]: compact JSON text, byte-exact otherwise, as stored and served.
//! - [`meta`]: the columns a store keeps beside the JSON (type, version, TLP, scope, …).
//! - [`selat`]: Selat's own extension definitions and object types, in one table.
//!
//! Nothing here knows about HTTP, SQL or async runtimes.

pub mod bundle;
pub mod canonical;
pub mod diagnostic;
pub mod id;
pub mod meta;
pub mod timestamp;
pub mod tlp;

pub use diagnostic::{Diagnostic, Severity};
pub use id::Identifier;
pub use timestamp::Timestamp;
pub mod sco_id;
pub mod selat;
pub mod spec;
pub mod validate;
