//! Collections, and the limits every backend enforces.

use super::{ALICE, T0, new_collection, sdo};
use crate::error::Error;
use crate::model::{NewCollection, PageQuery};
use crate::store::Store;
use crate::{MAX_BATCH_LEN, MAX_FILTER_VALUES};

/// Collections are created once, found by id, and listed in creation order.
pub async fn collections_create_get_list<S: Store>(store: S) {
    assert!(store.collections().await.expect("list").is_empty(), "a fresh store has no collection");
    let first = new_collection(&store, "first").await;
    let new = NewCollection {
        id: uuid::Uuid::new_v4().to_string(),
        title: "second".into(),
        description: Some("with everything".into()),
        alias: Some("second".into()),
        media_types: vec![
            "application/stix+json;version=2.1".into(),
            "application/taxii+json;version=2.1".into(),
        ],
    };
    let created = store.create_collection(&new).await.expect("create");
    let got = store.collection(&new.id).await.expect("get").expect("the created collection");
    assert_eq!(got, created, "get returns what create stored");
    assert_eq!((got.title.as_str(), got.media_types.len()), ("second", 2));

    let listed: Vec<String> = store.collections().await.expect("list").into_iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![first.clone(), new.id.clone()], "listed in creation order");
    assert!(store.collection(&uuid::Uuid::new_v4().to_string()).await.expect("get").is_none());

    let again = store.create_collection(&new).await;
    assert!(matches!(again, Err(Error::CollectionExists(_))), "same id: {again:?}");
    let alias = NewCollection { id: uuid::Uuid::new_v4().to_string(), ..new.clone() };
    let taken = store.create_collection(&alias).await;
    assert!(matches!(taken, Err(Error::CollectionExists(_))), "same alias: {taken:?}");
    let bad = NewCollection { id: "not-a-uuid".into(), ..new };
    let bad = store.create_collection(&bad).await;
    assert!(matches!(bad, Err(Error::InvalidCollectionId(_))), "bad id: {bad:?}");
}

/// Batches, filters and unknown collections fail with their own errors and store nothing.
pub async fn limits_are_enforced<S: Store>(store: S) {
    let coll = new_collection(&store, "limits").await;
    let big: Vec<_> = (0..=MAX_BATCH_LEN as u32).map(|n| sdo("indicator", n, ALICE, T0)).collect();
    let refused = store.ingest(&big, Some(&coll)).await;
    assert!(matches!(refused, Err(Error::BatchTooLarge { .. })), "oversized batch: {:?}", refused.err());

    let unknown = uuid::Uuid::new_v4().to_string();
    let missing = store.ingest(&big[..3], Some(&unknown)).await;
    assert!(matches!(missing, Err(Error::CollectionNotFound(_))), "unknown collection: {:?}", missing.err());
    assert_eq!(store.counts(None).await.expect("counts").versions, 0, "nothing was stored");
    let page = store.objects_page(&PageQuery::new(&unknown, 10)).await;
    assert!(matches!(page, Err(Error::CollectionNotFound(_))), "page of unknown collection: {page:?}");

    let many = PageQuery { ids: vec!["x".into(); MAX_FILTER_VALUES + 1], ..PageQuery::new(&coll, 10) };
    let too_many = store.manifest_page(&many).await;
    assert!(matches!(too_many, Err(Error::TooManyFilterValues { .. })), "long filter: {too_many:?}");
    assert!(store.ingest(&[], Some(&coll)).await.expect("empty batch").is_empty(), "an empty batch is fine");
}
