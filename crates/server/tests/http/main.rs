//! The TAXII 2.1 server over a real socket: every endpoint and error case, authentication,
//! cursor paging, the submission queue, restarts and concurrent readers and writers.

mod access;
mod api;
mod auth;
mod browser;
mod concurrency;
mod coordination;
mod endpoints;
mod errors;
mod paging;
mod policy;
mod restart;
mod sightings;
mod submissions;
mod support;
mod tls;
mod web;
mod web_admin;
mod web_pages;
