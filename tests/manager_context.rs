//! The operation context: `as_user` / `at`, per-resource and app defaults, and strict mode's
//! `MissingContext`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use common::{Backend, Kind};
use specstar::prelude::*;
use specstar::query::Query;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Note {
    #[index]
    pub text: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Log {
    pub line: String,
}

fn note(text: &str) -> Note {
    Note { text: text.into() }
}

fn log(line: &str) -> Log {
    Log { line: line.into() }
}

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

async fn as_user_and_at_set_who_and_when(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db.builder().resource::<Note>().build().await.unwrap();
    let notes = spec.manager::<Note>();
    // Nanoseconds are truncated to the wire precision (microseconds).
    let created_at = t("2030-02-03T04:05:06.123456789Z");
    let info = notes
        .as_user("alice")
        .at(created_at)
        .create(note("a"))
        .await
        .unwrap();
    assert_eq!(info.created_by, "alice");
    assert_eq!(info.created_time, t("2030-02-03T04:05:06.123456Z"));
    assert_eq!(info.updated_time, info.created_time);
    let id = info.resource_id;

    let later = t("2030-02-04T00:00:00Z");
    let bob = notes.as_user("bob").at(later);
    let second = bob.update(&id, note("b")).await.unwrap();
    assert_eq!(
        (second.created_by.as_str(), second.created_time),
        ("bob", later)
    );
    let meta = notes.get_meta(&id).await.unwrap();
    assert_eq!(meta.created_by, "alice");
    assert_eq!(meta.created_time, t("2030-02-03T04:05:06.123456Z"));
    assert_eq!(
        (meta.updated_by.as_str(), meta.updated_time),
        ("bob", later)
    );
    assert_eq!(
        (meta.rev_created_by.as_str(), meta.rev_created_time),
        ("bob", later)
    );

    // The copy carries the context; the original does not.
    let third = notes.update(&id, note("c")).await.unwrap();
    assert_eq!(third.created_by, "system");
    let clock = Utc::now();
    assert!(
        third.created_time <= clock && third.created_time > clock - Duration::seconds(30),
        "the wall clock: {}",
        third.created_time
    );
    // `at` then `as_user` combine; the later call wins for the same setting.
    let both = notes.at(later).as_user("x").as_user("carol");
    let deleted = both.delete(&id).await.unwrap();
    assert_eq!(
        (deleted.updated_by.as_str(), deleted.updated_time),
        ("carol", later)
    );
}

async fn defaults_come_from_the_resource_then_the_app(kind: Kind) {
    let db = Backend::open(kind).await;
    let app_time = t("2031-01-01T00:00:00Z");
    let note_time = t("2032-01-01T00:00:00Z");
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let spec = db
        .builder()
        .default_user("app-user")
        .default_now(move || app_time)
        .resource_with::<Note>(|n| {
            n.default_user_fn(move || {
                format!("note-user-{}", counter.fetch_add(1, Ordering::SeqCst))
            })
            .default_now(move || note_time)
        })
        .resource::<Log>()
        .build()
        .await
        .unwrap();
    let (notes, logs) = (spec.manager::<Note>(), spec.manager::<Log>());

    let l = logs.create(log("x")).await.unwrap();
    assert_eq!(
        (l.created_by.as_str(), l.created_time),
        ("app-user", app_time)
    );

    let n = notes.create(note("x")).await.unwrap();
    assert_eq!(
        (n.created_by.as_str(), n.created_time),
        ("note-user-0", note_time)
    );
    let n2 = notes.update(&n.resource_id, note("y")).await.unwrap();
    assert_eq!(n2.created_by, "note-user-1", "computed on every operation");

    // An explicit context beats both.
    let explicit = t("2033-03-03T03:03:03Z");
    let n3 = notes
        .as_user("me")
        .at(explicit)
        .update(&n.resource_id, note("z"))
        .await
        .unwrap();
    assert_eq!((n3.created_by.as_str(), n3.created_time), ("me", explicit));
    // Only what is set explicitly is overridden.
    let l2 = logs
        .as_user("me")
        .update(&l.resource_id, log("y"))
        .await
        .unwrap();
    assert_eq!((l2.created_by.as_str(), l2.created_time), ("me", app_time));
}

async fn strict_mode_refuses_writes_without_user_or_time(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db
        .builder()
        .strict_operation_context(true)
        .resource::<Note>()
        .resource_with::<Log>(|l| {
            l.default_user("logger")
                .default_now(|| t("2030-01-01T00:00:00Z"))
        })
        .build()
        .await
        .unwrap();
    let notes = spec.manager::<Note>();
    let missing = |result: specstar::Result<()>| match result {
        Err(err @ Error::MissingContext { .. }) => {
            let text = err.to_string();
            let Error::MissingContext {
                resource,
                action,
                missing,
            } = err
            else {
                unreachable!()
            };
            assert!(text.contains(&resource) && text.contains(&action), "{text}");
            (resource, action, missing)
        }
        other => panic!("expected MissingContext, got {other:?}"),
    };

    let (resource, action, what) = missing(notes.create(note("a")).await.map(drop));
    assert_eq!(
        (resource.as_str(), action.as_str(), what),
        ("note", "create", "user")
    );
    let (_, _, what) = missing(notes.as_user("alice").create(note("a")).await.map(drop));
    assert_eq!(what, "time");
    let (_, _, what) = missing(notes.at(Utc::now()).create(note("a")).await.map(drop));
    assert_eq!(what, "user");
    assert_eq!(
        notes.count(Query::new()).await.unwrap(),
        0,
        "nothing written"
    );

    let ok = notes.as_user("alice").at(Utc::now());
    let id = ok.create(note("a")).await.unwrap().resource_id;
    // Reads need no context.
    assert_eq!(notes.get(&id).await.unwrap().data.text, "a");
    notes.get_meta(&id).await.unwrap();
    notes.list_revisions(&id).await.unwrap();
    assert_eq!(notes.search(Query::new()).await.unwrap().len(), 1);
    // Every write does.
    let writes = [
        ("update", notes.update(&id, note("b")).await.map(drop)),
        (
            "patch",
            notes
                .patch(&id, &common::patch(serde_json::json!([])))
                .await
                .map(drop),
        ),
        (
            "modify",
            notes
                .modify(&id, Modify::status(RevisionStatus::Stable))
                .await
                .map(drop),
        ),
        (
            "switch",
            notes.switch(&id, &common::rev(&id, 1)).await.map(drop),
        ),
        ("delete", notes.delete(&id).await.map(drop)),
        ("restore", notes.restore(&id).await.map(drop)),
        (
            "permanently_delete",
            notes.permanently_delete(&id).await.map(drop),
        ),
    ];
    for (expected, outcome) in writes {
        let (_, action, _) = missing(outcome);
        assert_eq!(action, expected);
    }
    // Defaults satisfy strict mode.
    let info = spec.manager::<Log>().create(log("x")).await.unwrap();
    assert_eq!(info.created_by, "logger");
}

on_every_backend!(
    as_user_and_at_set_who_and_when,
    defaults_come_from_the_resource_then_the_app,
    strict_mode_refuses_writes_without_user_or_time,
);
