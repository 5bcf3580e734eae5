//! How a viewer's page is read, the same for every backend (the SQL is each backend's).
//!
//! A viewer's page is made from a window of candidates: the first entries after `added_after`
//! that carry one of the viewer's labels. The window is as small as the page allows when the
//! query has no filter that may hide candidates, and larger (but bounded) when it has; a page
//! whose window filled without filling the page says `more` and resumes after the window.

use crate::MAX_SCAN_PER_PAGE;
use crate::model::{ManifestEntry, ObjectEntry, Page, PageQuery};

/// A page row as both backends read it: date_added, id, version, spec_version, json (objects
/// pages only), tlp, owner.
pub(crate) type Row = (i64, String, i64, String, Option<String>, Option<String>, Option<String>);

/// An objects page from its rows.
pub(crate) fn object_entries(page: Page<Row>) -> Page<ObjectEntry> {
    let entries =
        page.entries.into_iter().map(|(date_added_us, id, version_us, spec_version, json, tlp, owner)| {
            ObjectEntry {
                date_added_us,
                id,
                version_us,
                spec_version,
                json: json.unwrap_or_default(),
                tlp,
                owner,
            }
        });
    Page { entries: entries.collect(), more: page.more, next_added_after_us: page.next_added_after_us }
}

/// A manifest page from its rows (their JSON is not read).
pub(crate) fn manifest_entries(page: Page<Row>) -> Page<ManifestEntry> {
    let entries =
        page.entries.into_iter().map(|(date_added_us, id, version_us, spec_version, _, tlp, owner)| {
            ManifestEntry { date_added_us, id, version_us, spec_version, tlp, owner }
        });
    Page { entries: entries.collect(), more: page.more, next_added_after_us: page.next_added_after_us }
}

/// Candidates examined for a page with filters that may hide many of them (types, spec versions,
/// first or specific versions).
pub(crate) const FILTERED_WINDOW: usize = MAX_SCAN_PER_PAGE / 4;

/// How many candidates a viewer's page reads.
pub(crate) fn candidate_window(query: &PageQuery) -> usize {
    let fetch = query.limit_applied() + 1;
    let versions = query.versions.effective();
    let only_last = versions.last && !versions.first && versions.at_us.is_empty();
    let light = query.types.is_empty() && query.spec_versions.is_empty() && (versions.all || only_last);
    // Under `last`, an older version in the window hides itself; twice the page absorbs a few.
    if light { (2 * fetch).min(MAX_SCAN_PER_PAGE) } else { FILTERED_WINDOW.max(fetch) }
}

/// A viewer's page from the rows its filtered candidates gave (`limit + 1` at most, in
/// `date_added` order): more when a row is left over, or when the window filled (the next page
/// resumes after the window's last candidate).
pub(crate) fn viewer_page<T>(
    mut rows: Vec<T>,
    limit: usize,
    date_added: impl Fn(&T) -> i64,
    candidates: &[i64],
    window: usize,
) -> Page<T> {
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(date_added);
        Page { entries: rows, more: true, next_added_after_us: next }
    } else if candidates.len() >= window {
        Page { entries: rows, more: true, next_added_after_us: candidates.last().copied() }
    } else {
        Page { entries: rows, more: false, next_added_after_us: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_bounded() {
        let plain = PageQuery::new("c", 100);
        assert_eq!(candidate_window(&plain), 202);
        let typed = PageQuery { types: vec!["indicator".into()], ..plain.clone() };
        assert_eq!(candidate_window(&typed), FILTERED_WINDOW);
        let huge = PageQuery::new("c", usize::MAX);
        assert!(candidate_window(&huge) <= MAX_SCAN_PER_PAGE);
    }
}
