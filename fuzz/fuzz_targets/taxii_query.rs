//! TAXII query-string parsing on any text: never panics, for every endpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use selat_taxii::query::{Endpoint, ObjectsQuery};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for endpoint in [Endpoint::Objects, Endpoint::Manifest, Endpoint::Object, Endpoint::ObjectVersions, Endpoint::DeleteObject] {
            if let Ok(query) = ObjectsQuery::parse(text, endpoint) {
                let _ = query.filter_digest(None);
                let _ = query.page_size(1000);
            }
        }
    }
});
