//! The `.acbak` format at the byte level: the runtime's writer produces exactly what the
//! independent test-data generator (`backup_common/generator.rs`) assembles by hand from the
//! format description, the reader parses the generator's archives back into the same records,
//! and damaged archives are refused with a message naming the frame.

mod backup_common;
mod store_common;

use backup_common::generator::{self, Archive, Field, GenResource};
use chrono::{TimeZone, Utc};
use serde_json::json;
use specstar_runtime::Error;
use specstar_runtime::backup::{ArchiveReader, ArchiveWriter, BlobRecord, Record};
use specstar_runtime::model::{ResourceMeta, RevisionInfo, RevisionStatus, Timestamp};
use specstar_runtime::resource::hash::data_hash;
use specstar_runtime::storage::StoredRevision;

fn time(secs: i64, micros: u32) -> Timestamp {
    Utc.timestamp_opt(secs, micros * 1000)
        .single()
        .expect("valid time")
}

fn revision(
    id: &str,
    n: u64,
    raw: &[u8],
    at: Timestamp,
    status: RevisionStatus,
    parent_schema_version: Option<&str>,
) -> StoredRevision {
    StoredRevision {
        info: RevisionInfo {
            uid: format!("7d0c6f1e-5b43-4f7a-9a55-00000000000{n}"),
            resource_id: id.to_owned(),
            revision_id: format!("{id}:{n}"),
            parent_revision_id: (n > 1).then(|| format!("{id}:{}", n - 1)),
            schema_version: Some("v2".into()).filter(|_| n > 1),
            data_hash: data_hash(raw),
            status,
            created_time: at,
            updated_time: at,
            created_by: "alice".into(),
            updated_by: "a-user-name-longer-than-thirty-one-bytes".into(),
            parent_schema_version: parent_schema_version.map(str::to_owned),
        },
        data: raw.to_vec(),
    }
}

/// Resources exercising every encoding choice: the three timestamp forms, nil and present
/// optional strings, `parent_schema_version` present and absent, draft and deleted, strings
/// over 31 bytes (str8), payloads over 255 bytes (bin16), a MessagePack payload,
/// `indexed_data` with negative, float, list, nested and null values, blobs.
fn sample() -> Vec<(&'static str, Vec<GenResource>)> {
    let zone_id = "zone:0b4e8a52-1d1f-4c59-8c37-3f0f3d1a2b3c";
    let long_tags: Vec<String> = (0..40).map(|i| format!("tag-{i}")).collect();
    let big_payload =
        serde_json::to_vec(&json!({"name": "Ashland", "level": -40, "tags": long_tags}))
            .expect("json");
    let zone_revisions = vec![
        // whole seconds: 32-bit form
        revision(
            zone_id,
            1,
            br#"{"name":"Ash","level":1,"tags":[]}"#,
            time(1_700_000_000, 0),
            RevisionStatus::Stable,
            None,
        ),
        // microseconds: 64-bit form
        revision(
            zone_id,
            2,
            &big_payload,
            time(1_700_000_001, 123_456),
            RevisionStatus::Draft,
            Some("v1"),
        ),
    ];
    let mut indexed = serde_json::Map::new();
    indexed.insert("name".into(), json!("Ashland"));
    indexed.insert("level".into(), json!(-40));
    indexed.insert("ratio".into(), json!(0.25));
    indexed.insert("tags".into(), json!(["a", "b"]));
    indexed.insert("stats.hp".into(), json!(null));
    indexed.insert("nested".into(), json!({"deep": [1, 300, 70000, -200]}));
    let zone_meta = ResourceMeta {
        current_revision_id: format!("{zone_id}:2"),
        resource_id: zone_id.to_owned(),
        schema_version: Some("v2".into()),
        total_revision_count: 2,
        created_time: time(1_700_000_000, 0),
        updated_time: time(1_700_000_001, 123_456),
        created_by: "alice".into(),
        updated_by: "bob".into(),
        is_deleted: false,
        indexed_data: indexed,
        rev_status: RevisionStatus::Draft,
        rev_created_by: "alice".into(),
        rev_updated_by: "a-user-name-longer-than-thirty-one-bytes".into(),
        rev_created_time: time(1_700_000_001, 123_456),
        rev_updated_time: time(1_700_000_001, 123_456),
    };

    let relic_id = "relic:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
    let relic_payload = [
        0x82, 0xa5, b't', b'i', b't', b'l', b'e', 0xa3, b'O', b'r', b'b', 0xa5, b'p', b'o', b'w',
        b'e', b'r', 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,
    ];
    // before 1970: 96-bit form
    let relic_rev = revision(
        relic_id,
        1,
        &relic_payload,
        time(-86_400, 500_000),
        RevisionStatus::Stable,
        None,
    );
    let relic_meta = ResourceMeta {
        current_revision_id: format!("{relic_id}:1"),
        resource_id: relic_id.to_owned(),
        schema_version: None,
        total_revision_count: 1,
        created_time: time(-86_400, 500_000),
        // beyond 2^34 seconds: 96-bit form
        updated_time: time(1i64 << 34, 1),
        created_by: "gina".into(),
        updated_by: "gina".into(),
        is_deleted: true,
        indexed_data: serde_json::Map::new(),
        rev_status: RevisionStatus::Stable,
        rev_created_by: "gina".into(),
        rev_updated_by: "gina".into(),
        rev_created_time: time(-86_400, 500_000),
        rev_updated_time: time(-86_400, 500_000),
    };
    vec![
        (
            "zone",
            vec![GenResource {
                meta: zone_meta,
                revisions: zone_revisions,
                blobs: vec![("file-1".into(), vec![0, 1, 2, 255], "image/png".into())],
            }],
        ),
        (
            "relic",
            vec![GenResource {
                meta: relic_meta,
                revisions: vec![relic_rev],
                blobs: vec![],
            }],
        ),
        ("empty", vec![]),
    ]
}

fn generated() -> Archive {
    sample()
        .iter()
        .fold(Archive::new(), |archive, (model, resources)| {
            archive.model(model, resources)
        })
        .eof()
}

/// The records of the sample, in archive order.
fn records() -> Vec<Record> {
    let mut out = vec![Record::Header { version: 2 }];
    for (model, resources) in sample() {
        out.push(Record::ModelStart {
            model_name: model.into(),
        });
        for resource in resources {
            out.push(Record::Meta(resource.meta));
            out.extend(resource.revisions.into_iter().map(Record::Revision));
            for (file_id, blob_data, content_type) in resource.blobs {
                out.push(Record::Blob(BlobRecord {
                    file_id,
                    size: blob_data.len() as u64,
                    blob_data,
                    content_type,
                }));
            }
        }
        out.push(Record::ModelEnd {
            model_name: model.into(),
        });
    }
    out.push(Record::Eof);
    out
}

async fn read_all(bytes: &[u8]) -> Result<Vec<Record>, Error> {
    let mut reader = ArchiveReader::new(bytes);
    let mut out = Vec::new();
    while let Some(record) = reader.next().await? {
        out.push(record);
    }
    Ok(out)
}

async fn rejection(bytes: &[u8]) -> String {
    match read_all(bytes).await {
        Ok(records) => panic!("accepted a damaged archive ({} records)", records.len()),
        Err(Error::BadRequest { parameter, message }) => {
            assert_eq!(parameter, "archive");
            message
        }
        Err(other) => panic!("expected a bad request, got {other}"),
    }
}

#[tokio::test]
async fn the_writer_produces_the_generators_bytes() {
    let mut writer = ArchiveWriter::new(Vec::new());
    for record in records() {
        writer.write(&record).await.expect("write");
    }
    let written = writer.finish().await.expect("finish");
    let expected = generated().bytes();
    assert_eq!(written.len(), expected.len());
    assert!(
        written == expected,
        "writer output differs from the generator's bytes"
    );
}

#[tokio::test]
async fn each_record_encodes_to_the_generators_frame() {
    for (record, frame) in records().iter().zip(generated().frames) {
        assert_eq!(record.encode(), frame, "{}", record.tag());
    }
}

#[tokio::test]
async fn the_reader_parses_the_generators_archive() {
    let read = read_all(&generated().bytes()).await.expect("read");
    assert_eq!(read, records());
}

#[test]
fn fixed_bytes_of_the_format() {
    // fixmap(2) "t" "HeaderRecord" "version" 2 behind its length 25
    let header = generated().bytes()[..29].to_vec();
    assert_eq!(
        header,
        b"\x00\x00\x00\x19\x82\xa1t\xacHeaderRecord\xa7version\x02".to_vec()
    );
    assert_eq!(
        Record::Eof.frame().expect("frame"),
        b"\x00\x00\x00\x0d\x81\xa1t\xa9EofRecord".to_vec()
    );
    // 2023-11-14T22:13:20.123456Z as the 64-bit timestamp form (what Python's msgpack writes)
    let mut bytes = Vec::new();
    generator::put_time(&mut bytes, &time(1_700_000_000, 123_456));
    assert_eq!(
        bytes,
        [0xd7, 0xff, 0x1d, 0x6f, 0x28, 0x00, 0x65, 0x53, 0xf1, 0x00]
    );
}

#[tokio::test]
async fn every_truncation_is_refused() {
    let bytes = generated().bytes();
    for len in 0..bytes.len() {
        let message = rejection(&bytes[..len]).await;
        assert!(
            message.contains("truncated") || message.contains("empty"),
            "prefix of {len} bytes: {message}"
        );
    }
}

#[tokio::test]
async fn bytes_after_the_end_are_refused() {
    let mut bytes = generated().bytes();
    bytes.push(0);
    assert!(rejection(&bytes).await.contains("after its EofRecord"));
}

/// Replace frame `index` of the generated archive.
fn with_frame(index: usize, payload: Vec<u8>) -> Vec<u8> {
    let mut archive = generated();
    archive.frames[index] = payload;
    archive.bytes()
}

fn without_frame(index: usize) -> Vec<u8> {
    let mut archive = generated();
    archive.frames.remove(index);
    archive.bytes()
}

#[tokio::test]
async fn structural_errors_are_named() {
    let zone = &sample()[0].1[0];
    // frames: 0 header, 1 zone start, 2 meta, 3 rev 1, 4 rev 2, 5 blob, 6 zone end, 7 relic
    // start, 8 meta, 9 rev, 10 relic end, 11 empty start, 12 empty end, 13 eof
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (without_frame(0), "missing header"),
        (
            with_frame(0, generator::header(3)),
            "unsupported archive version 3",
        ),
        (
            with_frame(0, generator::header(1)),
            "unsupported archive version 1",
        ),
        (without_frame(1), "a MetaRecord outside a model section"),
        (
            with_frame(2, generator::model_start("zone")),
            "a ModelStartRecord inside the section of model `zone`",
        ),
        (without_frame(2), "comes before any MetaRecord"),
        (
            with_frame(6, generator::model_end("relic")),
            "names model `relic` inside the section of model `zone`",
        ),
        (without_frame(4), "current revision"),
        (
            with_frame(3, generator::revision_record(&zone.revisions[1])),
            "appears twice",
        ),
        (
            with_frame(9, generator::revision_record(&zone.revisions[0])),
            "does not belong",
        ),
        (without_frame(13), "ends without an EofRecord"),
        (
            without_frame(12),
            "an EofRecord inside the section of model `empty`",
        ),
        (with_frame(5, vec![0x82, 0xa1]), "not valid MessagePack"),
        (
            with_frame(5, vec![0xc1]),
            "the record is nil, expected a map",
        ),
        (
            with_frame(5, vec![0x81, 0xa1, b't', 0xa4, b'N', b'o', b'p', b'e']),
            "unknown record type `Nope`",
        ),
        (
            with_frame(5, vec![0x92, 0x01, 0x02]),
            "is an array, expected a map",
        ),
    ];
    for (bytes, expected) in cases {
        let message = rejection(&bytes).await;
        assert!(
            message.contains(expected),
            "expected `{expected}` in: {message}"
        );
        assert!(
            message.starts_with("frame "),
            "the message names the frame: {message}"
        );
    }
}

#[tokio::test]
async fn a_data_hash_that_does_not_match_raw_data_is_refused() {
    let zone = &sample()[0].1[0];
    let mut info = generator::info_fields(&zone.revisions[0].info);
    for (key, value) in &mut info {
        if key == "data_hash" {
            *value = Field::Str(data_hash(b"something else"));
        }
    }
    let bytes = with_frame(
        3,
        generator::revision_record_from(info, &zone.revisions[0].data),
    );
    let message = rejection(&bytes).await;
    assert!(message.contains("data_hash of revision"), "{message}");
    assert!(message.contains("frame 3 (byte "), "{message}");

    // Same hash, one payload byte flipped.
    let mut damaged = zone.revisions[0].data.clone();
    damaged[2] ^= 0x20;
    let bytes = with_frame(
        3,
        generator::revision_record_from(generator::info_fields(&zone.revisions[0].info), &damaged),
    );
    assert!(rejection(&bytes).await.contains("corrupted"));
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named() {
    let zone = &sample()[0].1[0];
    let mut meta = generator::meta_fields(&zone.meta);
    meta.retain(|(key, _)| key != "is_deleted");
    let message = rejection(&with_frame(2, generator::meta_record_from(meta))).await;
    assert!(message.contains("has no `is_deleted`"), "{message}");

    let mut meta = generator::meta_fields(&zone.meta);
    meta[3].1 = Field::Str("2".into());
    let message = rejection(&with_frame(2, generator::meta_record_from(meta))).await;
    assert!(
        message.contains("`total_revision_count` of the meta of `zone:"),
        "{message}"
    );
}

#[tokio::test]
async fn an_oversized_frame_length_is_refused_without_allocating_it() {
    let mut bytes = generated().bytes()[..29].to_vec();
    bytes.extend_from_slice(&u32::MAX.to_be_bytes());
    bytes.extend_from_slice(b"tiny");
    let message = rejection(&bytes).await;
    assert!(message.contains("larger than the limit"), "{message}");

    let mut reader = ArchiveReader::new(&bytes[..]).max_frame_len(u32::MAX);
    assert!(reader.next().await.expect("header").is_some());
    let err = reader.next().await.expect_err("truncated");
    assert!(err.to_string().contains("truncated frame"), "{err}");
    // Once refused, the reader keeps refusing.
    assert!(reader.next().await.is_err());
}

#[tokio::test]
async fn lenient_reading_of_optional_and_string_encoded_fields() {
    let zone = &sample()[0].1[0];
    let mut info = generator::info_fields(&zone.revisions[0].info);
    // parent_revision_id and schema_version absent instead of nil; a time as RFC 3339 text.
    info.retain(|(key, _)| key != "parent_revision_id" && key != "schema_version");
    for (key, value) in &mut info {
        if key == "created_time" {
            *value = Field::Str("2023-11-14T22:13:20Z".into());
        }
        if key == "updated_by" {
            *value = Field::Str("alice".into());
        }
    }
    info.push(("an_unknown_future_field".into(), Field::UInt(1)));
    let bytes = with_frame(
        3,
        generator::revision_record_from(info, &zone.revisions[0].data),
    );
    let read = read_all(&bytes).await.expect("read");
    let Record::Revision(revision) = &read[3] else {
        panic!("not a revision: {:?}", read[3]);
    };
    assert_eq!(revision.info.parent_revision_id, None);
    assert_eq!(revision.info.created_time, time(1_700_000_000, 0));
}
