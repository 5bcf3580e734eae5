//! `selat-core`: Selat's domain, between the protocols above and the store below.
//!
//! - [`node`]: a node's data directory, its store and its home organisation.
//! - [`ingest`]: the ingest flow: bytes → streaming bundle reader → validate → attach owner and
//!   sharing → one transaction per batch. It reports each object's fate and never drops one
//!   silently.
//! - [`audit`]: the audit log: entries buffered to one writer task, appended in hash-chained
//!   batches; queries and chain verification.
//! - [`policy`]: the one access rule (who may see an object), with its matrix test.
//! - [`observables`]: the values an object carries, for the observable index built at ingest.
//! - [`correlation`]: who else reported or sighted an object or a value, through the access rule
//!   at query time; [`benign`] flags known-benign values (built-in ranges, MISP warninglists).
//! - [`sighting`]: matches turned into STIX `sighting` objects.
//! - [`federation`]: peers over TAXII 2.1: the link rules, one sync round, the background loop.
//!
//! Nothing here knows HTTP or prints; callers observe progress through callbacks.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod benign;
pub mod coordination;
pub mod correlation;
pub mod demo;
pub mod federation;
pub mod ingest;
pub mod matching;
pub mod node;
pub mod notify;
pub mod observables;
pub mod org;
pub mod policy;
pub mod region;
pub mod sharing;
pub mod sighting;
pub mod submissions;
pub mod totp;
