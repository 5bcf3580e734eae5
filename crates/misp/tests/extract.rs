//! Free-text extraction, one case per line of `tests/data/freetext.txt`.

use selat_misp::extract::{self, IocKind};

fn check(input: &str, expected: &str) -> Result<(), String> {
    let got: Vec<String> =
        extract::extract_line(input).into_iter().map(|(k, v)| format!("{}:{v}", k.as_str())).collect();
    let want: Vec<&str> = expected.split_whitespace().collect();
    if got == want { Ok(()) } else { Err(format!("{input:?}\n   want {want:?}\n    got {got:?}")) }
}

#[test]
fn every_line_of_the_free_text_cases() {
    let data = include_str!("data/freetext.txt");
    let mut cases = 0;
    let mut failures = Vec::new();
    for line in data.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (input, expected) = line.split_once("==>").unwrap_or_else(|| panic!("no `==>` in {line:?}"));
        cases += 1;
        if let Err(e) = check(input.trim_end(), expected.trim()) {
            failures.push(e);
        }
    }
    assert!(cases >= 50, "at least 50 cases, found {cases}");
    assert!(failures.is_empty(), "{} of {cases} cases failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn whole_text_dedupes_and_reports_long_lines() {
    let long = "a".repeat(extract::MAX_LINE_BYTES + 1);
    let text = format!("1.2.3.4\n{long}\n1.2.3.4 evil.com\n");
    let found = extract::extract(&text);
    let values: Vec<(IocKind, &str, usize)> =
        found.iocs.iter().map(|i| (i.kind, i.value.as_str(), i.line)).collect();
    assert_eq!(values, [(IocKind::Ipv4, "1.2.3.4", 1), (IocKind::Domain, "evil.com", 3)]);
    assert_eq!(found.problems.len(), 1);
    assert!(
        found.problems[0].starts_with("line 2:") && found.problems[0].contains("MAX_LINE_BYTES"),
        "{:?}",
        found.problems
    );
    assert_eq!(found.lines, 3);
}

#[test]
fn indicators_are_valid_stix_and_deterministic() {
    let found = extract::extract(
        "hxxp://evil[.]com/a 1.2.3.4 10.0.0.0/8 2001:db8::1 bob[@]evil.com \
         d41d8cd98f00b204e9800998ecf8427e da39a3ee5e6b4b0d3255bfef95601890afd80709 \
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 evil.org",
    );
    assert_eq!(found.iocs.len(), 9);
    let created = "2026-11-29T00:00:00.000Z";
    let first = extract::indicators(&found.iocs, selat_stix::tlp::Tlp::Amber, created);
    assert_eq!(first.len(), 9);
    for object in &first {
        let errors: Vec<_> =
            selat_stix::validate::validate_object(object).into_iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{object}: {errors:?}");
    }
    assert_eq!(first, extract::indicators(&found.iocs, selat_stix::tlp::Tlp::Amber, created));
    let red = extract::indicators(&found.iocs[..1], selat_stix::tlp::Tlp::Red, created);
    assert_eq!(selat_stix::meta::scope_of(&red[0], Some(selat_stix::tlp::Tlp::Red)).as_str(), "organisation");
}
