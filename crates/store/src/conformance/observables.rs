//! The observable index: value → the latest versions carrying it, through the audience, bounded
//! per value; and the latest versions of one id through the audience.

use super::{ALICE, BOB, T0, ingest_ok, sco, sdo};
use crate::error::Error;
use crate::model::{Audience, NewVersion, Observable, ObservableQuery};
use crate::store::Store;
use crate::{MAX_OBSERVABLE_QUERY_VALUES, MAX_OBSERVABLE_VALUE_BYTES, MAX_OBSERVABLES_PER_VERSION};

fn carrying(mut version: NewVersion, labels: &[&str], values: &[(&str, &str)]) -> NewVersion {
    version.audience = labels.iter().map(|l| (*l).to_owned()).collect();
    version.observables = values.iter().map(|(k, v)| Observable::new(*k, *v)).collect();
    version
}

fn audience(labels: &[&str]) -> Audience {
    Audience::Labels(labels.iter().map(|l| (*l).to_owned()).collect())
}

/// `(value, id, owner)` of every hit for `values` as `audience` sees them, in the store's order.
async fn hits<S: Store>(
    store: &S,
    values: &[&str],
    audience: Audience,
    limit: usize,
) -> Vec<(String, String)> {
    let query = ObservableQuery {
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        limit_per_value: limit,
        audience,
    };
    let found = store.observable_holders(&query).await.expect("observable look-up");
    found.into_iter().map(|h| (h.value, h.id)).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(v, id)| ((*v).to_owned(), (*id).to_owned())).collect()
}

/// Holders of a value are the latest versions carrying it that the audience may see, newest
/// first; an older version's values are not found; a value only hidden versions carry has no
/// row at all; the per-value limit keeps the newest.
pub async fn observable_index_finds_visible_holders<S: Store>(store: S) {
    let ip = ("ipv4-addr", "198.51.100.7");
    let sco_alice = carrying(sco(1, ALICE, ip.1), &["org:a", "community"], &[ip]);
    let ind_bob =
        carrying(sdo("indicator", 2, BOB, T0 + 1), &["org:b"], &[ip, ("domain-name", "evil.example")]);
    let ind_v1 = carrying(sdo("indicator", 3, ALICE, T0 + 1), &["org:a"], &[("ipv4-addr", "203.0.113.9")]);
    ingest_ok(&store, &[sco_alice.clone(), ind_bob.clone(), ind_v1.clone()], None).await;
    // A new version drops the old value and carries the IP.
    let ind_v2 = carrying(sdo("indicator", 3, ALICE, T0 + 2), &["org:a"], &[ip]);
    ingest_ok(&store, std::slice::from_ref(&ind_v2), None).await;
    let (a, b, c) = (sco_alice.id.as_str(), ind_bob.id.as_str(), ind_v2.id.as_str());

    let all = hits(&store, &[ip.1], Audience::Unrestricted, 100).await;
    assert_eq!(all, pairs(&[(ip.1, c), (ip.1, b), (ip.1, a)]), "every latest holder, newest first");
    let alice = hits(&store, &[ip.1, "evil.example"], audience(&["org:a"]), 100).await;
    assert_eq!(alice, pairs(&[(ip.1, c), (ip.1, a)]), "Alice sees her own holders only");
    let bob = hits(&store, &[ip.1, "evil.example"], audience(&["org:b", "community"]), 100).await;
    assert_eq!(
        bob,
        pairs(&[(ip.1, b), (ip.1, a), ("evil.example", b)]),
        "Bob sees his and the community's, sorted by value"
    );
    let outsider = hits(&store, &[ip.1, "evil.example"], audience(&["org:z"]), 100).await;
    assert!(outsider.is_empty(), "values only hidden versions carry are not hinted at: {outsider:?}");
    assert!(hits(&store, &[ip.1], audience(&[]), 100).await.is_empty(), "no labels see nothing");
    let old = hits(&store, &["203.0.113.9"], Audience::Unrestricted, 100).await;
    assert!(old.is_empty(), "only latest versions are holders: {old:?}");
    let capped = hits(&store, &[ip.1], Audience::Unrestricted, 2).await;
    assert_eq!(capped, pairs(&[(ip.1, c), (ip.1, b)]), "the per-value limit keeps the newest");

    let query = ObservableQuery {
        values: vec![ip.1.to_owned()],
        limit_per_value: 10,
        audience: audience(&["org:b"]),
    };
    let found = store.observable_holders(&query).await.unwrap();
    assert_eq!(found[0].kind, "ipv4-addr");
    assert_eq!(found[0].owner, BOB);
    assert_eq!(found[0].object_type, "indicator");
    assert_eq!(found[0].json, ind_bob.json, "the stored JSON, byte-exact");
}

/// The index's limits: too many values in a look-up, too many or too long values on a version.
pub async fn observable_index_limits<S: Store>(store: S) {
    let values: Vec<String> =
        (0..=MAX_OBSERVABLE_QUERY_VALUES).map(|n| format!("10.0.{}.{}", n / 256, n % 256)).collect();
    let query = ObservableQuery { values, limit_per_value: 1, audience: Audience::Unrestricted };
    let refused = store.observable_holders(&query).await;
    assert!(matches!(refused, Err(Error::TooManyFilterValues { .. })), "{refused:?}");

    let many: Vec<(String, String)> = (0..=MAX_OBSERVABLES_PER_VERSION)
        .map(|n| ("domain-name".to_owned(), format!("d{n}.example")))
        .collect();
    let mut over = sdo("indicator", 1, ALICE, T0);
    over.observables = many.iter().map(|(k, v)| Observable::new(k, v)).collect();
    let ok = carrying(sdo("indicator", 2, ALICE, T0), &["org:a"], &[("domain-name", "ok.example")]);
    let refused = store.ingest(&[ok.clone(), over], None).await;
    assert!(matches!(refused, Err(Error::TooManyObservables { .. })), "{refused:?}");
    let mut long = sdo("indicator", 3, ALICE, T0);
    long.observables = vec![Observable::new("url", "x".repeat(MAX_OBSERVABLE_VALUE_BYTES + 1))];
    let refused = store.ingest(&[long], None).await;
    assert!(matches!(refused, Err(Error::ObservableTooLong { .. })), "{refused:?}");
    let nothing = hits(&store, &["ok.example"], Audience::Unrestricted, 10).await;
    assert!(nothing.is_empty(), "a refused batch stores nothing, not even its other versions' values");
    ingest_ok(&store, std::slice::from_ref(&ok), None).await;
    let found = hits(&store, &["ok.example"], Audience::Unrestricted, 10).await;
    assert_eq!(found, pairs(&[("ok.example", ok.id.as_str())]));
}

/// The latest version of each copy of an id, through the audience.
pub async fn latest_versions_through_audience<S: Store>(store: S) {
    let alice = carrying(sco(5, ALICE, "192.0.2.1"), &["org:a"], &[]);
    let bob = carrying(sco(5, BOB, "192.0.2.1"), &["org:b", "community"], &[]);
    let v1 = carrying(sdo("report", 6, ALICE, T0 + 1), &["org:a", "community"], &[]);
    let v2 = carrying(sdo("report", 6, ALICE, T0 + 2), &["org:a"], &[]);
    ingest_ok(&store, &[alice.clone(), bob.clone(), v1], None).await;
    ingest_ok(&store, std::slice::from_ref(&v2), None).await;
    let owners =
        |rows: Vec<crate::model::StoredVersion>| rows.into_iter().map(|r| r.owner).collect::<Vec<_>>();
    let all = store.latest_versions(&alice.id, &Audience::Unrestricted).await.unwrap();
    assert_eq!(owners(all), vec![ALICE.to_owned(), BOB.to_owned()], "one latest version per copy");
    let seen = store.latest_versions(&alice.id, &audience(&["community"])).await.unwrap();
    assert_eq!(owners(seen), vec![BOB.to_owned()]);
    let report = store.latest_versions(&v2.id, &audience(&["community"])).await.unwrap();
    assert!(report.is_empty(), "the latest version was tightened: the community sees nothing");
    let report = store.latest_versions(&v2.id, &audience(&["org:a"])).await.unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].version_us, T0 + 2);
    assert!(store.latest_versions(&v2.id, &audience(&[])).await.unwrap().is_empty());
}
