//! `SpecStar::dump` → `SpecStar::load` on every backend (memory, SQLite, disk, PostgreSQL):
//! every revision, meta field (times to the microsecond), deleted state and blob (bytes and
//! content type, with a blob store of the same kind) survives; blob records sit after each
//! model's resources; an archive with blobs needs a blob store; the three
//! `on_duplicate` strategies; damaged archives and unknown models are refused with nothing
//! written; indexes and unique constraints are consistent after a load.
//!
//! PostgreSQL cases use a fresh schema each and print "skipped: …" when the server is
//! unreachable, unless `SPECSTAR_REQUIRE_SERVICES=1`.

mod backup_common;
mod store_common;

use std::collections::BTreeMap;

use backup_common::generator::{Archive, GenResource};
use backup_common::{
    Backend, Populated, app, blob_snapshot, counts, dump_all, gallery_app,
    gallery_app_without_blobs, populate, populate_gallery, snapshot, t,
};
use serde_json::json;
use specstar_runtime::Error;
use specstar_runtime::app::SpecStar;
use specstar_runtime::backup::{
    ArchiveReader, ArchiveWriter, DumpOptions, LoadStats, OnDuplicate, Record,
};
use specstar_runtime::model::{ResourceMeta, RevisionInfo, RevisionStatus};
use specstar_runtime::query::{Condition, FieldPath, MetaField, Operator, Query, Sort};
use specstar_runtime::resource::GetOptions;
use specstar_runtime::resource::hash::data_hash;
use specstar_runtime::storage::StoredRevision;
use specstar_runtime::storage::blob::file_id_of;

fn stats(loaded: u64, skipped: u64, total: u64) -> LoadStats {
    LoadStats {
        loaded,
        skipped,
        total,
    }
}

fn all_stats(zone: LoadStats, relic: LoadStats) -> BTreeMap<String, LoadStats> {
    BTreeMap::from([("relic".to_owned(), relic), ("zone".to_owned(), zone)])
}

async fn records(bytes: &[u8]) -> Vec<Record> {
    let mut reader = ArchiveReader::new(bytes);
    let mut out = Vec::new();
    while let Some(record) = reader.next().await.expect("a valid archive") {
        out.push(record);
    }
    out
}

async fn rewrite(records: &[Record]) -> Vec<u8> {
    let mut writer = ArchiveWriter::new(Vec::new());
    for record in records {
        writer.write(record).await.expect("write");
    }
    writer.finish().await.expect("finish")
}

fn ids_in(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Meta(meta) => Some(meta.resource_id.clone()),
            _ => None,
        })
        .collect()
}

async fn dump_then_load_preserves_everything(backend: Backend) {
    let Some(source) = app(backend).await else {
        return;
    };
    let ids: Populated = populate(&source.spec).await;
    let before = snapshot(&source.spec).await;
    let bytes = dump_all(&source.spec).await;

    let Some(target) = app(backend).await else {
        return;
    };
    let loaded = target
        .spec
        .load(&bytes[..], OnDuplicate::Overwrite)
        .await
        .expect("load");
    assert_eq!(loaded, all_stats(stats(4, 0, 4), stats(1, 0, 1)));
    let after = snapshot(&target.spec).await;
    assert_eq!(after.len(), 5);
    assert_eq!(after, before, "every meta and revision, byte for byte");

    // Details a user relies on, spelled out.
    let (deleted, _) = &after[&("zone".to_owned(), ids.deleted.clone())];
    assert!(deleted.is_deleted);
    let (edited, revisions) = &after[&("zone".to_owned(), ids.edited.clone())];
    assert_eq!(revisions.len(), 3);
    assert_eq!(edited.created_time, t(1), "microseconds survive");
    assert_eq!(revisions[1].info.created_by, "bob");
    let (draft, _) = &after[&("zone".to_owned(), ids.draft.clone())];
    assert_eq!(draft.rev_status, RevisionStatus::Draft);
    let (switched, _) = &after[&("zone".to_owned(), ids.switched.clone())];
    assert_eq!(switched.current_revision_id, format!("{}:1", ids.switched));

    // The loaded data reads, searches and keeps working.
    let zones = target.spec.model("zone").expect("zone");
    let relic = target.spec.model("relic").expect("relic");
    assert_eq!(
        relic.get(&ids.relic).await.expect("get").data["power"],
        json!(-2.25)
    );
    let by_name = zones
        .search_metas(&Query::new().filter(Condition::compare(
            FieldPath::parse("name"),
            Operator::Eq,
            "Ashlands",
        )))
        .await
        .expect("search");
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].resource_id, ids.edited);
    let live = zones.count(&Query::new()).await.expect("count");
    assert_eq!(live, 3, "the deleted zone stays deleted");
    let next = zones
        .update(
            &ids.edited,
            json!({"name": "Ashlands", "level": 4, "tags": []}),
        )
        .await
        .expect("a write after the load");
    assert_eq!(next.revision_id, format!("{}:4", ids.edited));

    // Dumping the loaded store gives the same archive.
    let Some(again) = app(backend).await else {
        return;
    };
    again
        .spec
        .load(&bytes[..], OnDuplicate::Overwrite)
        .await
        .expect("load");
    assert!(
        dump_all(&again.spec).await == bytes,
        "re-dump is byte-identical"
    );
}

async fn skip_keeps_existing_resources(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let ids = populate(&app.spec).await;
    let bytes = dump_all(&app.spec).await;
    app.spec
        .model("zone")
        .expect("zone")
        .update(
            &ids.edited,
            json!({"name": "Changed", "level": 1, "tags": []}),
        )
        .await
        .expect("update");
    let changed = snapshot(&app.spec).await;
    let loaded = app
        .spec
        .load(&bytes[..], OnDuplicate::Skip)
        .await
        .expect("load");
    assert_eq!(loaded, all_stats(stats(0, 4, 4), stats(0, 1, 1)));
    assert_eq!(snapshot(&app.spec).await, changed);
}

async fn overwrite_replaces_the_history(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let ids = populate(&app.spec).await;
    let archived = snapshot(&app.spec).await;
    let bytes = dump_all(&app.spec).await;
    let zones = app.spec.model("zone").expect("zone");
    zones
        .update(
            &ids.edited,
            json!({"name": "Changed", "level": 1, "tags": []}),
        )
        .await
        .expect("update");
    zones.restore(&ids.deleted).await.expect("restore");
    zones.delete(&ids.switched).await.expect("delete");
    let newcomer = zones
        .create(json!({"name": "New", "level": 1, "tags": []}))
        .await
        .expect("create")
        .resource_id;

    let loaded = app
        .spec
        .load(&bytes[..], OnDuplicate::Overwrite)
        .await
        .expect("load");
    assert_eq!(loaded, all_stats(stats(4, 0, 4), stats(1, 0, 1)));
    let mut now = snapshot(&app.spec).await;
    assert!(
        now.remove(&("zone".to_owned(), newcomer)).is_some(),
        "a resource the archive does not hold is left alone"
    );
    assert_eq!(now, archived);
    assert!(
        app.spec
            .store()
            .load_revision("zone", &format!("{}:4", ids.edited))
            .await
            .expect("load")
            .is_none(),
        "the revision written after the dump is gone"
    );
}

async fn raise_error_refuses_before_writing(backend: Backend) {
    let Some(source) = app(backend).await else {
        return;
    };
    populate(&source.spec).await;
    let first = dump_all(&source.spec).await;
    let Some(target) = app(backend).await else {
        return;
    };
    target
        .spec
        .load(&first[..], OnDuplicate::RaiseError)
        .await
        .expect("nothing exists yet");
    let loaded = snapshot(&target.spec).await;

    let extra = source
        .spec
        .model("zone")
        .expect("zone")
        .create(json!({"name": "Extra", "level": 1, "tags": []}))
        .await
        .expect("create")
        .resource_id;
    let second = dump_all(&source.spec).await;
    let err = target
        .spec
        .load(&second[..], OnDuplicate::RaiseError)
        .await
        .expect_err("duplicates");
    assert!(matches!(err, Error::Duplicate { .. }), "{err}");
    assert_eq!(err.status().as_u16(), 409);
    let now = snapshot(&target.spec).await;
    assert!(
        !now.contains_key(&("zone".to_owned(), extra)),
        "no partial write"
    );
    assert_eq!(now, loaded);
}

/// The frames of an archive as (offset, length) of their payloads.
fn frames(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= bytes.len() {
        let len =
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        out.push((at + 4, len));
        at += 4 + len;
    }
    out
}

async fn damaged_archives_write_nothing(backend: Backend) {
    let Some(source) = app(backend).await else {
        return;
    };
    populate(&source.spec).await;
    let bytes = dump_all(&source.spec).await;
    let parsed = records(&bytes).await;

    let truncated = bytes[..bytes.len() - 7].to_vec();
    let mut corrupted = bytes.clone();
    let last_revision = frames(&bytes)
        .into_iter()
        .rfind(|(at, len)| {
            bytes[*at..*at + len]
                .windows(14)
                .any(|w| w == b"RevisionRecord")
        })
        .expect("a revision frame");
    // The last byte of a revision frame is the last byte of its raw_data.
    corrupted[last_revision.0 + last_revision.1 - 1] ^= 0x01;
    let mut wrong_version = bytes.clone();
    assert_eq!(wrong_version[28], 2, "the header's version byte");
    wrong_version[28] = 3;
    let unknown_model = rewrite(
        &parsed
            .iter()
            .map(|r| match r {
                Record::ModelStart { model_name } | Record::ModelEnd { model_name }
                    if model_name == "zone" =>
                {
                    let ghost = "ghost".to_owned();
                    if matches!(r, Record::ModelStart { .. }) {
                        Record::ModelStart { model_name: ghost }
                    } else {
                        Record::ModelEnd { model_name: ghost }
                    }
                }
                other => other.clone(),
            })
            .collect::<Vec<_>>(),
    )
    .await;

    let Some(target) = app(backend).await else {
        return;
    };
    let cases = [
        (truncated, "truncated"),
        (corrupted, "data_hash"),
        (wrong_version, "unsupported archive version 3"),
        (unknown_model, "unknown model `ghost`"),
        (Vec::new(), "empty"),
    ];
    for (damaged, expected) in cases {
        for strategy in [
            OnDuplicate::Overwrite,
            OnDuplicate::Skip,
            OnDuplicate::RaiseError,
        ] {
            let err = target
                .spec
                .load(&damaged[..], strategy)
                .await
                .expect_err("a damaged archive");
            match &err {
                Error::BadRequest { parameter, message } => {
                    assert_eq!(parameter, "archive");
                    assert!(
                        message.contains(expected),
                        "expected `{expected}`: {message}"
                    );
                }
                other => panic!("expected a bad request, got {other}"),
            }
            assert_eq!(err.status().as_u16(), 400);
            assert_eq!(
                counts(&target.spec).await,
                BTreeMap::from([("relic".to_owned(), 0), ("zone".to_owned(), 0)]),
                "nothing written ({expected})"
            );
        }
    }
}

fn zone_resource(id: &str, data: serde_json::Value, indexed: serde_json::Value) -> GenResource {
    let raw = serde_json::to_vec(&data).expect("json");
    let info = RevisionInfo {
        uid: "uid-1".into(),
        resource_id: id.into(),
        revision_id: format!("{id}:1"),
        parent_revision_id: None,
        schema_version: None,
        data_hash: data_hash(&raw),
        status: RevisionStatus::Stable,
        created_time: t(0),
        updated_time: t(0),
        created_by: "python".into(),
        updated_by: "python".into(),
        parent_schema_version: None,
    };
    let serde_json::Value::Object(indexed_data) = indexed else {
        panic!("indexed data must be an object")
    };
    let mut meta = ResourceMeta {
        current_revision_id: String::new(),
        resource_id: id.into(),
        schema_version: None,
        total_revision_count: 1,
        created_time: t(0),
        updated_time: t(0),
        created_by: "python".into(),
        updated_by: "python".into(),
        is_deleted: false,
        indexed_data,
        rev_status: RevisionStatus::Stable,
        rev_created_by: String::new(),
        rev_updated_by: String::new(),
        rev_created_time: t(0),
        rev_updated_time: t(0),
    };
    meta.mirror_revision(&info);
    GenResource {
        meta,
        revisions: vec![StoredRevision { info, data: raw }],
        blobs: vec![("blob-1".into(), b"blob bytes".to_vec(), "text/plain".into())],
    }
}

async fn indexes_and_unique_constraints_hold_after_load(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    // An archive (as another server might write it) whose indexed_data is wrong.
    let archive = Archive::new()
        .model(
            "zone",
            &[zone_resource(
                "zone:1",
                json!({"name": "Keep", "level": 3, "tags": ["a"]}),
                json!({"name": "WRONG", "bogus": true}),
            )],
        )
        .eof()
        .bytes();
    let loaded = app
        .spec
        .load(&archive[..], OnDuplicate::Overwrite)
        .await
        .expect("load");
    assert_eq!(
        loaded,
        BTreeMap::from([("zone".to_owned(), stats(1, 0, 1))])
    );
    let meta = app
        .spec
        .store()
        .load_meta("zone", "zone:1")
        .await
        .expect("load")
        .expect("meta");
    assert_eq!(
        serde_json::Value::Object(meta.indexed_data),
        json!({"name": "Keep", "level": 3, "tags": ["a"]}),
        "indexed_data is recomputed from the data"
    );
    let zones = app.spec.model("zone").expect("zone");
    let found = zones
        .search_metas(&Query::new().filter(Condition::compare(
            FieldPath::parse("tags"),
            Operator::Contains,
            "a",
        )))
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    let err = zones
        .create(json!({"name": "Keep", "level": 1, "tags": []}))
        .await
        .expect_err("the loaded name is taken");
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err}");

    // Loading a resource whose unique value another resource holds is refused.
    let clash = Archive::new()
        .model(
            "zone",
            &[zone_resource(
                "zone:2",
                json!({"name": "Keep", "level": 9, "tags": []}),
                json!({}),
            )],
        )
        .eof()
        .bytes();
    let err = app
        .spec
        .load(&clash[..], OnDuplicate::Overwrite)
        .await
        .expect_err("unique violation");
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err}");
    assert!(
        app.spec
            .store()
            .load_meta("zone", "zone:2")
            .await
            .expect("load")
            .is_none()
    );
}

async fn payloads_that_do_not_fit_the_model_are_refused(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let good = zone_resource(
        "zone:1",
        json!({"name": "A", "level": 1, "tags": []}),
        json!({}),
    );
    let bad = zone_resource("zone:2", json!({"title": "not a zone"}), json!({}));
    let archive = Archive::new().model("zone", &[good, bad]).eof().bytes();
    let err = app
        .spec
        .load(&archive[..], OnDuplicate::Overwrite)
        .await
        .expect_err("undecodable payload");
    assert!(
        err.to_string()
            .contains("zone revision `zone:2:1`: its raw_data is not a valid zone"),
        "{err}"
    );
    assert_eq!(
        counts(&app.spec).await["zone"],
        0,
        "nothing written, not even zone:1"
    );
}

async fn queries_choose_what_is_dumped(backend: Backend) {
    let Some(app) = app(backend).await else {
        return;
    };
    let ids = populate(&app.spec).await;
    let dump = |options: DumpOptions| {
        let spec: SpecStar = app.spec.clone();
        async move {
            let mut out = Vec::new();
            let written = spec.dump(&mut out, &options).await.expect("dump");
            (written, records(&out).await)
        }
    };
    let level_at_least_5 = Condition::compare(FieldPath::parse("level"), Operator::Gte, 5);

    // A query: the deleted default applies (Bog, level 5, is deleted).
    let (written, recs) =
        dump(DumpOptions::all().model_query("zone", level_at_least_5.clone())).await;
    assert_eq!(written, BTreeMap::from([("zone".to_owned(), 2)]));
    let mut got = ids_in(&recs);
    got.sort();
    let mut expected = vec![ids.draft.clone(), ids.switched.clone()];
    expected.sort();
    assert_eq!(got, expected);

    // Asking for deleted ones explicitly.
    let with_deleted =
        level_at_least_5.clone() & Condition::compare(MetaField::IsDeleted, Operator::Eq, true);
    let (_, recs) = dump(DumpOptions::all().model_query("zone", with_deleted)).await;
    assert_eq!(ids_in(&recs), vec![ids.deleted.clone()]);

    // A model without a query: every resource, deleted included; other models left out.
    let (written, recs) = dump(DumpOptions::all().model("zone")).await;
    assert_eq!(written, BTreeMap::from([("zone".to_owned(), 4)]));
    assert!(
        recs.iter()
            .all(|r| !matches!(r, Record::ModelStart { model_name } if model_name == "relic"))
    );

    // The caller's sort and paging apply.
    let top = Query::new()
        .filter(level_at_least_5)
        .sort(Sort::desc(FieldPath::parse("level")))
        .limit(1);
    let (_, recs) = dump(DumpOptions::all().model_query("zone", top)).await;
    assert_eq!(ids_in(&recs), vec![ids.switched.clone()]);

    // Unknown models and bad queries are refused before anything is written.
    let mut out = Vec::new();
    let err = app
        .spec
        .dump(&mut out, &DumpOptions::all().model("ghost").model("zone"))
        .await
        .expect_err("unknown model");
    assert!(
        matches!(&err, Error::BadRequest { parameter, .. } if parameter == "models"),
        "{err}"
    );
    assert!(err.to_string().contains("ghost"));
    let err = app
        .spec
        .dump(
            &mut out,
            &DumpOptions::all().model_query(
                "zone",
                Condition::compare(FieldPath::parse("not_indexed"), Operator::Eq, 1),
            ),
        )
        .await
        .expect_err("bad query");
    assert!(matches!(err, Error::BadQuery { .. }), "{err}");
    assert!(out.is_empty());
}

async fn dump_then_load_preserves_every_blob(backend: Backend) {
    let Some(source) = gallery_app(backend).await else {
        return;
    };
    let gallery = populate_gallery(&source.spec).await;
    let before = snapshot(&source.spec).await;
    let blobs_before = blob_snapshot(&source.spec).await;
    // every written file is referenced and held; the dangling reference is not held
    assert_eq!(blobs_before.len(), gallery.files.len() + 1);
    assert_eq!(blobs_before["missing-file"], None);
    for (bytes, content_type) in &gallery.files {
        let id = file_id_of(bytes);
        assert_eq!(
            blobs_before[&id],
            Some((bytes.clone(), content_type.clone())),
            "source holds {id}"
        );
    }
    let bytes = dump_all(&source.spec).await;

    let Some(target) = gallery_app(backend).await else {
        return;
    };
    let loaded = target
        .spec
        .load(&bytes[..], OnDuplicate::Overwrite)
        .await
        .expect("load");
    assert_eq!(loaded["picture"], stats(4, 0, 4));
    assert_eq!(loaded["vault"], stats(1, 0, 1));
    assert_eq!(
        snapshot(&target.spec).await,
        before,
        "every meta and revision"
    );
    assert_eq!(
        blob_snapshot(&target.spec).await,
        blobs_before,
        "every blob byte and content type"
    );

    // The files are served through the loaded resources, old revisions and deleted ones too.
    let pictures = target.spec.model("picture").expect("picture");
    let first_image = &gallery.files[0];
    let old = pictures
        .blob(
            &gallery.edited,
            &file_id_of(&first_image.0),
            &GetOptions {
                revision_id: Some(format!("{}:1", gallery.edited)),
                include_deleted: false,
            },
        )
        .await
        .expect("a file only revision 1 references");
    assert_eq!((old.data, old.content_type), first_image.clone());
    let gone = pictures
        .blob(
            &gallery.deleted,
            &file_id_of(&gallery.files[5].0),
            &GetOptions {
                revision_id: None,
                include_deleted: true,
            },
        )
        .await
        .expect("a deleted resource's file");
    assert_eq!(gone.data, gallery.files[5].0);
    let e = pictures
        .blob(&gallery.dangling, "missing-file", &GetOptions::default())
        .await
        .expect_err("never held");
    assert!(matches!(e, Error::FileNotFound { .. }), "{e}");
    let vault = target
        .spec
        .model("vault")
        .expect("vault")
        .blob(
            &gallery.vault,
            &file_id_of(&first_image.0),
            &GetOptions::default(),
        )
        .await
        .expect("the vault's file");
    assert_eq!(vault.data, first_image.0);

    // A second dump of the loaded app is byte-identical.
    assert_eq!(dump_all(&target.spec).await, bytes);
}

async fn blob_archives_need_a_blob_store_and_write_nothing_when_refused(backend: Backend) {
    let Some(source) = gallery_app(backend).await else {
        return;
    };
    let gallery = populate_gallery(&source.spec).await;
    let bytes = dump_all(&source.spec).await;

    // No blob store: refused before anything is written.
    let Some(bare) = gallery_app_without_blobs(backend).await else {
        return;
    };
    let e = bare
        .spec
        .load(&bytes[..], OnDuplicate::Overwrite)
        .await
        .expect_err("no blob store");
    assert!(
        matches!(&e, Error::NotConfigured { feature } if feature.contains("blob store")),
        "{e}"
    );
    assert!(counts(&bare.spec).await.values().all(|n| *n == 0));

    let Some(target) = gallery_app(backend).await else {
        return;
    };
    let store = target.spec.blob_store().expect("a blob store").clone();
    let none_held = || async {
        for (bytes, _) in &gallery.files {
            assert!(
                !store.exists(&file_id_of(bytes)).await.expect("exists"),
                "a refused load wrote a blob"
            );
        }
    };
    // A truncated archive (cut inside the picture section's blobs) writes nothing.
    let records_list = records(&bytes).await;
    let first_blob = records_list
        .iter()
        .position(|r| matches!(r, Record::Blob(_)))
        .expect("blob records");
    let mut prefix = rewrite(&records_list[..first_blob + 2]).await;
    prefix.truncate(prefix.len() - 3);
    let e = target
        .spec
        .load(&prefix[..], OnDuplicate::Overwrite)
        .await
        .expect_err("truncated");
    assert!(matches!(e, Error::BadRequest { .. }), "{e}");
    assert!(counts(&target.spec).await.values().all(|n| *n == 0));
    none_held().await;

    // A blob whose size lies is refused; nothing written.
    let mut lying = records_list.clone();
    if let Record::Blob(blob) = &mut lying[first_blob] {
        blob.size += 1;
    }
    let e = target
        .spec
        .load(&rewrite(&lying).await[..], OnDuplicate::Overwrite)
        .await
        .expect_err("wrong size");
    assert!(matches!(e, Error::BadRequest { .. }), "{e}");
    assert!(counts(&target.spec).await.values().all(|n| *n == 0));
    none_held().await;

    // raise_error with an existing resource: refused before any blob is written.
    target
        .spec
        .load(
            &dump_with(&source.spec, DumpOptions::all().model("zone")).await[..],
            OnDuplicate::Overwrite,
        )
        .await
        .expect("load the zone");
    let e = target
        .spec
        .load(&bytes[..], OnDuplicate::RaiseError)
        .await
        .expect_err("duplicate");
    assert!(matches!(e, Error::Duplicate { .. }), "{e}");
    none_held().await;
    assert_eq!(counts(&target.spec).await["picture"], 0);
}

async fn dump_with(spec: &SpecStar, options: DumpOptions) -> Vec<u8> {
    let mut out = Vec::new();
    spec.dump(&mut out, &options).await.expect("dump");
    out
}

/// The archive's frames read byte by byte (length prefix, then a MessagePack map), with no
/// help from the crate's reader: each frame's keys and values in order.
fn raw_frames(bytes: &[u8]) -> Vec<Vec<(String, rmpv::Value)>> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest[..4].try_into().expect("prefix")) as usize;
        let mut payload = &rest[4..4 + len];
        rest = &rest[4 + len..];
        let value = rmpv::decode::read_value(&mut payload).expect("msgpack");
        assert!(payload.is_empty(), "one map per frame");
        let rmpv::Value::Map(entries) = value else {
            panic!("a frame is a map");
        };
        frames.push(
            entries
                .into_iter()
                .map(|(k, v)| (k.as_str().expect("str key").to_owned(), v))
                .collect(),
        );
    }
    frames
}

/// Blob records sit after each model's resources and before its end record, once per file per
/// model, with `file_id`, `blob_data` (bin), `size`, `content_type` in that order.
#[tokio::test]
async fn blob_records_follow_each_models_resources() {
    let Some(app) = gallery_app(Backend::Sqlite).await else {
        return;
    };
    let gallery = populate_gallery(&app.spec).await;
    let frames = raw_frames(&dump_all(&app.spec).await);
    let tag = |frame: &Vec<(String, rmpv::Value)>| {
        assert_eq!(frame[0].0, "t", "the tag comes first");
        frame[0].1.as_str().expect("tag").to_owned()
    };
    let tags: Vec<String> = frames.iter().map(tag).collect();
    assert_eq!(tags.first().map(String::as_str), Some("HeaderRecord"));
    assert_eq!(tags.last().map(String::as_str), Some("EofRecord"));

    // Split into sections and check the order inside each.
    let mut sections: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, frame) in frames.iter().enumerate() {
        match tags[i].as_str() {
            "ModelStartRecord" => {
                sections.push((frame[1].1.as_str().expect("model").to_owned(), Vec::new()))
            }
            "ModelEndRecord" | "HeaderRecord" | "EofRecord" => {}
            _ => sections.last_mut().expect("inside a section").1.push(i),
        }
    }
    let names: Vec<&str> = sections.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, ["picture", "vault", "zone"]);
    let file = |i: usize| (gallery.files[i].0.clone(), gallery.files[i].1.clone());
    let expected: BTreeMap<&str, Vec<(Vec<u8>, String)>> = BTreeMap::from([
        // picture: every file of every revision (sunset's first image only its revision 1
        // references, the deleted picture's), once; the dangling reference left out. (The
        // order is that of first reference in the archive, which follows the random ids, so
        // the comparison is on sorted lists.)
        (
            "picture",
            vec![file(0), file(1), file(2), file(3), file(4), file(5)],
        ),
        // vault: its own file and, again, the picture's shared one
        ("vault", vec![file(6), file(0)]),
        ("zone", vec![]),
    ]);
    for (model, indexes) in &sections {
        let section_tags: Vec<&str> = indexes.iter().map(|i| tags[*i].as_str()).collect();
        let first_blob = section_tags
            .iter()
            .position(|t| *t == "BlobRecord")
            .unwrap_or(section_tags.len());
        assert!(
            section_tags[first_blob..]
                .iter()
                .all(|t| *t == "BlobRecord"),
            "{model}: blobs come last in the section: {section_tags:?}"
        );
        assert!(
            section_tags[..first_blob]
                .iter()
                .all(|t| *t == "MetaRecord" || *t == "RevisionRecord"),
            "{model}: {section_tags:?}"
        );
        assert_eq!(
            section_tags.first().copied().unwrap_or("MetaRecord"),
            "MetaRecord"
        );
        let mut blobs = Vec::new();
        for i in &indexes[first_blob..] {
            let frame = &frames[*i];
            let keys: Vec<&str> = frame.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(keys, ["t", "file_id", "blob_data", "size", "content_type"]);
            let rmpv::Value::Binary(data) = &frame[2].1 else {
                panic!("blob_data is bin, got {:?}", frame[2].1);
            };
            assert_eq!(frame[1].1.as_str(), Some(file_id_of(data).as_str()));
            assert_eq!(frame[3].1.as_u64(), Some(data.len() as u64));
            blobs.push((
                data.clone(),
                frame[4].1.as_str().expect("content_type").to_owned(),
            ));
        }
        let mut wanted = expected[model.as_str()].clone();
        blobs.sort();
        wanted.sort();
        assert_eq!(blobs, wanted, "{model}: each referenced file once");
    }
}

macro_rules! backends {
    ($($backend:ident => $variant:ident),*) => {$(
        mod $backend {
            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        super::$name(super::Backend::$variant).await;
                    }
                };
            }
            case!(dump_then_load_preserves_everything);
            case!(skip_keeps_existing_resources);
            case!(overwrite_replaces_the_history);
            case!(raise_error_refuses_before_writing);
            case!(damaged_archives_write_nothing);
            case!(indexes_and_unique_constraints_hold_after_load);
            case!(payloads_that_do_not_fit_the_model_are_refused);
            case!(queries_choose_what_is_dumped);
            case!(dump_then_load_preserves_every_blob);
            case!(blob_archives_need_a_blob_store_and_write_nothing_when_refused);
        }
    )*};
}

backends!(memory => Memory, sqlite => Sqlite, disk => Disk, postgres => Postgres);

/// More resources than one dump page: keyset paging visits each exactly once, and offset
/// paging (with a sort) too.
#[tokio::test]
async fn dumps_page_through_large_models() {
    let Some(app) = app(Backend::Sqlite).await else {
        return;
    };
    let zones = app.spec.model("zone").expect("zone");
    let n = specstar_runtime::backup::DUMP_PAGE_SIZE * 2 + 17;
    for i in 0..n {
        zones
            .create(json!({"name": format!("z{i}"), "level": i as i64 % 7, "tags": []}))
            .await
            .expect("create");
    }
    let mut out = Vec::new();
    let written = app
        .spec
        .dump(&mut out, &DumpOptions::all())
        .await
        .expect("dump");
    assert_eq!(written["zone"], n as u64);
    let mut ids = ids_in(&records(&out).await);
    assert_eq!(ids.len(), n);
    ids.dedup();
    assert_eq!(ids.len(), n, "each resource once, in resource_id order");

    let sorted = Query::new()
        .sort(Sort::asc(FieldPath::parse("level")))
        .offset(3);
    let mut out = Vec::new();
    let written = app
        .spec
        .dump(&mut out, &DumpOptions::all().model_query("zone", sorted))
        .await
        .expect("dump");
    assert_eq!(written["zone"], n as u64 - 3);
    let mut ids = ids_in(&records(&out).await);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n - 3);

    let Some(target) = backup_common::app(Backend::Sqlite).await else {
        return;
    };
    let loaded = target
        .spec
        .load(&dump_all(&app.spec).await[..], OnDuplicate::Overwrite)
        .await
        .expect("load");
    assert_eq!(loaded["zone"], stats(n as u64, 0, n as u64));
}
