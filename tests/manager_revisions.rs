//! Revisions: reading a given revision, the revision list (paging, sorting, time range,
//! `from_revision_id`, `chain_only`), switch (later writes chain from the switched-to
//! revision), and in-place modification of drafts.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{Backend, Kind, rev};
use specstar::prelude::*;
use specstar::query::Direction;
use specstar::{RevisionInfo, RevisionListQuery};

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Page {
    #[unique]
    pub slug: String,
    #[index]
    pub words: i64,
}

/// An article starts as a draft (type attribute).
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[specstar(default_status = draft)]
pub struct Article {
    #[index]
    pub title: String,
    pub body: String,
}

fn page(slug: &str, words: i64) -> Page {
    Page {
        slug: slug.to_owned(),
        words,
    }
}

fn article(title: &str, body: &str) -> Article {
    Article {
        title: title.to_owned(),
        body: body.to_owned(),
    }
}

fn t(seconds: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2031-05-06T07:08:09.123456Z")
        .unwrap()
        .to_utc()
        + Duration::seconds(seconds)
}

async fn app(backend: &Backend) -> SpecStar {
    backend
        .builder()
        .resource::<Page>()
        .resource::<Article>()
        .build()
        .await
        .expect("the app builds")
}

/// A page with revisions 1..=n written at t(1)..t(n) (`words` = revision number).
async fn page_with_revisions(pages: &ResourceManager<Page>, n: i64) -> String {
    let id = pages
        .at(t(1))
        .create(page("home", 1))
        .await
        .unwrap()
        .resource_id;
    for i in 2..=n {
        pages.at(t(i)).update(&id, page("home", i)).await.unwrap();
    }
    id
}

fn ids(revisions: &[RevisionInfo]) -> Vec<String> {
    revisions.iter().map(|r| r.revision_id.clone()).collect()
}

fn revs(id: &str, numbers: impl IntoIterator<Item = u64>) -> Vec<String> {
    numbers.into_iter().map(|n| rev(id, n)).collect()
}

async fn any_stored_revision_can_be_read(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = app(&db).await;
    let pages = spec.manager::<Page>();
    let id = page_with_revisions(&pages, 3).await;
    let other = pages.create(page("other", 1)).await.unwrap().resource_id;

    for n in 1..=3 {
        let read = pages.get(&id).revision(rev(&id, n)).await.unwrap();
        assert_eq!(read.data.words, n as i64);
        assert_eq!(read.info.revision_id, rev(&id, n));
        assert_eq!(read.info.created_time, t(n as i64));
        assert_eq!(read.meta.current_revision_id, rev(&id, 3));
    }
    let all = pages.list_revisions(&id).await.unwrap();
    assert_eq!(ids(&all), revs(&id, 1..=3), "oldest first");
    assert_eq!(all[0].parent_revision_id, None);
    assert_eq!(all[2].parent_revision_id, Some(rev(&id, 2)));

    for missing in [
        rev(&id, 4),
        rev(&other, 1),
        "garbage".to_owned(),
        format!("{id}:0"),
    ] {
        match pages.get(&id).revision(&missing).await {
            Err(Error::RevisionNotFound {
                resource,
                id: got_id,
                revision_id,
            }) => {
                assert_eq!(resource, "page");
                assert_eq!(got_id, id);
                assert_eq!(revision_id, missing);
            }
            other => panic!("{missing}: expected RevisionNotFound, got {other:?}"),
        }
    }
    let err = pages.get(&id).revision(rev(&id, 9)).await.unwrap_err();
    assert!(err.to_string().contains(&rev(&id, 9)), "{err}");
}

async fn revision_list_pages_sorts_and_filters(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = app(&db).await;
    let pages = spec.manager::<Page>();
    let id = page_with_revisions(&pages, 12).await;

    // Defaults: newest first, 10 per page.
    let first = pages
        .revision_list(&id, &RevisionListQuery::default())
        .await
        .unwrap();
    assert_eq!(ids(&first.revisions), revs(&id, (3..=12).rev()));
    assert_eq!((first.total, first.has_more), (12, true));
    assert_eq!(first.meta.current_revision_id, rev(&id, 12));

    let second = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                offset: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&second.revisions), revs(&id, [2, 1]));
    assert_eq!((second.total, second.has_more), (12, false));

    let oldest = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                sort: Direction::Asc,
                limit: 3,
                offset: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&oldest.revisions), revs(&id, [2, 3, 4]));
    assert!(oldest.has_more);

    // Inclusive time range.
    let window = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                created_time_start: Some(t(4)),
                created_time_end: Some(t(6)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&window.revisions), revs(&id, [6, 5, 4]));
    assert_eq!((window.total, window.has_more), (3, false));

    // Without chain_only, from_revision_id starts the list (in sort order) at that revision.
    let from = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                from_revision_id: Some(rev(&id, 5)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&from.revisions), revs(&id, (1..=5).rev()));
    assert_eq!(from.total, 5);

    let unknown = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                from_revision_id: Some(rev(&id, 13)),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, Error::RevisionNotFound { ref revision_id, .. } if *revision_id == rev(&id, 13)),
        "{unknown:?}"
    );
    let zero = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                limit: 0,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(zero, Error::BadQuery { ref parameter, .. } if parameter == "limit"),
        "{zero:?}"
    );
}

async fn switch_moves_the_current_revision_and_later_writes_chain_from_it(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = app(&db).await;
    let pages = spec.manager::<Page>();
    let id = page_with_revisions(&pages, 3).await;
    let first = pages.get(&id).revision(rev(&id, 1)).await.unwrap().info;

    let meta = pages
        .as_user("editor")
        .at(t(10))
        .switch(&id, &rev(&id, 1))
        .await
        .unwrap();
    assert_eq!(meta.current_revision_id, rev(&id, 1));
    assert_eq!(meta.total_revision_count, 3, "no revision written");
    assert_eq!(meta.indexed_data["words"], serde_json::json!(1));
    assert_eq!(meta.updated_by, "editor");
    assert_eq!(meta.updated_time, t(10));
    assert_eq!(
        meta.rev_created_time, first.created_time,
        "mirrors the target"
    );
    assert_eq!(meta.rev_created_by, first.created_by);
    let read = pages.get(&id).await.unwrap();
    assert_eq!(read.data, page("home", 1));
    assert_eq!(read.info, first);
    assert_eq!(pages.get_meta(&id).await.unwrap(), meta);

    // Switching to the current revision changes nothing.
    assert_eq!(
        pages.as_user("x").switch(&id, &rev(&id, 1)).await.unwrap(),
        meta
    );

    // The next write is number 4 and its parent is revision 1.
    let next = pages.at(t(11)).update(&id, page("home", 40)).await.unwrap();
    assert_eq!(next.revision_id, rev(&id, 4));
    assert_eq!(next.parent_revision_id, Some(rev(&id, 1)));

    // chain_only follows parents from the current revision: 4 → 1, not 3 or 2.
    let chain = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                chain_only: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&chain.revisions), revs(&id, [4, 1]));
    assert_eq!(chain.total, 2);
    let from_three = pages
        .revision_list(
            &id,
            &RevisionListQuery {
                chain_only: true,
                from_revision_id: Some(rev(&id, 3)),
                sort: Direction::Asc,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&from_three.revisions), revs(&id, [1, 2, 3]));
    let everything = pages.list_revisions(&id).await.unwrap();
    assert_eq!(ids(&everything), revs(&id, 1..=4));

    // Unknown revision, or one of another resource.
    let other = pages.create(page("other", 1)).await.unwrap().resource_id;
    for target in [rev(&id, 5), rev(&other, 1)] {
        let err = pages.switch(&id, &target).await.unwrap_err();
        assert!(
            matches!(err, Error::RevisionNotFound { ref revision_id, id: ref got, .. } if *revision_id == target && *got == id),
            "{err:?}"
        );
    }
}

async fn drafts_are_modified_in_place_and_published(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = app(&db).await;
    let articles = spec.manager::<Article>();
    let created = articles
        .as_user("writer")
        .at(t(0))
        .create(article("Hello", "draft one"))
        .await
        .unwrap();
    let id = &created.resource_id;
    assert_eq!(created.status, RevisionStatus::Draft, "type default");

    let edited = articles
        .as_user("editor")
        .at(t(5))
        .modify(id, Modify::data(article("Hello", "draft two")))
        .await
        .unwrap();
    assert_eq!(edited.revision_id, created.revision_id, "in place");
    assert_ne!(edited.uid, created.uid, "fresh uid");
    assert_ne!(edited.data_hash, created.data_hash);
    assert_eq!(edited.status, RevisionStatus::Draft);
    assert_eq!(edited.created_time, t(0));
    assert_eq!(edited.created_by, "writer");
    assert_eq!(
        (edited.updated_time, edited.updated_by.as_str()),
        (t(5), "editor")
    );
    let read = articles.get(id).await.unwrap();
    assert_eq!(read.data.body, "draft two");
    assert_eq!(read.info, edited);
    assert_eq!(read.meta.total_revision_count, 1);
    assert_eq!(read.meta.rev_updated_by, "editor");
    assert_eq!(
        articles.list_revisions(id).await.unwrap(),
        vec![edited.clone()]
    );

    // A change that changes nothing writes nothing.
    let same = articles
        .as_user("idle")
        .modify(id, Modify::data(article("Hello", "draft two")))
        .await
        .unwrap();
    assert_eq!(same, edited);

    // Status only: publish.
    let published = articles
        .at(t(6))
        .modify(id, Modify::status(RevisionStatus::Stable))
        .await
        .unwrap();
    assert_eq!(published.revision_id, created.revision_id);
    assert_eq!(published.status, RevisionStatus::Stable);
    assert_eq!(published.data_hash, edited.data_hash);
    let meta = articles.get_meta(id).await.unwrap();
    assert_eq!(meta.rev_status, RevisionStatus::Stable);
    assert_eq!(meta.total_revision_count, 1);

    // A stable revision cannot be modified, with data or status.
    for change in [
        Modify::data(article("Hello", "sneaky")),
        Modify::status(RevisionStatus::Stable),
        Modify::data(article("Hello", "sneaky")).with_status(RevisionStatus::Stable),
    ] {
        match articles.modify(id, change).await {
            Err(Error::CannotModify {
                resource,
                id: got,
                reason,
            }) => {
                assert_eq!(resource, "article");
                assert_eq!(got, *id);
                assert!(reason.contains(&created.revision_id), "{reason}");
            }
            other => panic!("expected CannotModify, got {other:?}"),
        }
    }
    assert_eq!(articles.get(id).await.unwrap().data.body, "draft two");

    // …but it can be reopened as a draft, with new data, still in place.
    let reopened = articles
        .modify(
            id,
            Modify::data(article("Hello", "draft three")).with_status(RevisionStatus::Draft),
        )
        .await
        .unwrap();
    assert_eq!(reopened.revision_id, created.revision_id);
    assert_eq!(reopened.status, RevisionStatus::Draft);
    assert_eq!(articles.get(id).await.unwrap().data.body, "draft three");

    // An update writes a new revision, with the default status (draft).
    let next = articles.update(id, article("Hello", "v2")).await.unwrap();
    assert_eq!(next.revision_id, rev(id, 2));
    assert_eq!(next.status, RevisionStatus::Draft);
    assert_eq!(
        next.parent_revision_id.as_deref(),
        Some(created.revision_id.as_str())
    );
}

async fn default_status_comes_from_resource_then_type_then_app(kind: Kind) {
    let db = Backend::open(kind).await;
    // The app says draft: Page (no type attribute) follows it.
    let spec = db
        .builder()
        .default_status(RevisionStatus::Draft)
        .resource::<Page>()
        .resource_with::<Article>(|a| a.default_status(RevisionStatus::Stable))
        .build()
        .await
        .unwrap();
    let info = spec.manager::<Page>().create(page("p", 1)).await.unwrap();
    assert_eq!(info.status, RevisionStatus::Draft);
    // Per resource beats the type's `default_status = draft`.
    let info = spec
        .manager::<Article>()
        .create(article("a", "b"))
        .await
        .unwrap();
    assert_eq!(info.status, RevisionStatus::Stable);
    let err = spec
        .manager::<Article>()
        .modify(&info.resource_id, Modify::data(article("a", "c")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CannotModify { .. }), "{err:?}");
}

on_every_backend!(
    any_stored_revision_can_be_read,
    revision_list_pages_sorts_and_filters,
    switch_moves_the_current_revision_and_later_writes_chain_from_it,
    drafts_are_modified_in_place_and_published,
    default_status_comes_from_resource_then_type_then_app,
);
