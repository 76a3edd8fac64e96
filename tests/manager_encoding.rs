//! Stored encodings and ids: `data_hash` is `"xxh3_128:"` + 32 lowercase hex digits of the
//! XXH3-128 of the stored bytes (compact JSON in declaration order, or named MessagePack);
//! resource ids are `{name}:{uuid4}`, revision ids `{resource_id}:{n}`.

mod common;

use common::{Backend, Kind, assert_resource_id, rev};
use serde_json::json;
use specstar::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Facet {
    pub angle: f64,
    pub note: Option<String>,
}

/// Stored as JSON (the default). Field order is deliberately not alphabetical.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct GameZone {
    pub zeta: String,
    #[index]
    pub alpha: i64,
    pub ratio: f64,
    pub facets: Vec<Facet>,
    pub nothing: Option<String>,
}

/// Stored as MessagePack (type attribute), under a custom name.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[specstar(name = "gem-stone", encoding = msgpack)]
pub struct Gem {
    pub name: String,
    #[index]
    pub carats: f64,
    pub cut: Option<String>,
    pub facets: Vec<Facet>,
}

/// No attribute: follows the app's encoding.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Scroll {
    pub text: String,
    pub pages: u32,
}

fn hash(bytes: &[u8]) -> String {
    format!("xxh3_128:{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

fn json_hash<T: Serialize>(data: &T) -> String {
    hash(&serde_json::to_vec(data).unwrap())
}

fn msgpack_hash<T: Serialize>(data: &T) -> String {
    hash(&rmp_serde::to_vec_named(data).unwrap())
}

fn assert_hash_format(h: &str) {
    let hex = h.strip_prefix("xxh3_128:").expect("xxh3_128: prefix");
    assert_eq!(hex.len(), 32, "{h}");
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "lowercase hex: {h}"
    );
}

fn zone(zeta: &str, alpha: i64) -> GameZone {
    GameZone {
        zeta: zeta.into(),
        alpha,
        ratio: 0.1,
        facets: vec![Facet {
            angle: 1.5,
            note: Some("ünïcödé ✓".into()),
        }],
        nothing: None,
    }
}

fn gem(name: &str, carats: f64) -> Gem {
    Gem {
        name: name.into(),
        carats,
        cut: None,
        facets: vec![
            Facet {
                angle: -0.25,
                note: None,
            },
            Facet {
                angle: 1e10,
                note: Some("big".into()),
            },
        ],
    }
}

async fn json_payloads_hash_as_compact_json_in_declaration_order(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db.builder().resource::<GameZone>().build().await.unwrap();
    let zones = spec.manager::<GameZone>();

    let data = zone("z", 3);
    let info = zones.create(data.clone()).await.unwrap();
    assert_hash_format(&info.data_hash);
    assert_eq!(info.data_hash, json_hash(&data));
    assert_eq!(
        serde_json::to_string(&data).unwrap(),
        r#"{"zeta":"z","alpha":3,"ratio":0.1,"facets":[{"angle":1.5,"note":"ünïcödé ✓"}],"nothing":null}"#,
        "what is hashed"
    );
    assert_eq!(zones.get(&info.resource_id).await.unwrap().data, data);

    // The same data under another id hashes the same; other data does not.
    let twin = zones.create(data.clone()).await.unwrap();
    assert_eq!(twin.data_hash, info.data_hash);
    let next = zones.update(&info.resource_id, zone("z", 4)).await.unwrap();
    assert_eq!(next.data_hash, json_hash(&zone("z", 4)));
    assert_ne!(next.data_hash, info.data_hash);

    // Untyped input in any key order is stored canonically.
    let untyped = zones
        .handle()
        .create(json!({
            "nothing": null, "facets": [{"note": "ünïcödé ✓", "angle": 1.5}],
            "ratio": 0.1, "alpha": 3, "zeta": "z", "ignored": [1, 2]
        }))
        .await
        .unwrap();
    assert_eq!(untyped.data_hash, info.data_hash);
}

async fn msgpack_payloads_hash_as_named_msgpack(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db
        .builder()
        .encoding(Encoding::Msgpack)
        .resource::<Gem>()
        .resource::<Scroll>()
        .build()
        .await
        .unwrap();
    let gems = spec.manager::<Gem>();
    assert_eq!(gems.handle().encoding(), Encoding::Msgpack);

    let data = gem("Ruby", 2.5);
    let info = gems.create(data.clone()).await.unwrap();
    assert_hash_format(&info.data_hash);
    assert_eq!(info.data_hash, msgpack_hash(&data));
    assert_ne!(info.data_hash, json_hash(&data));
    let read = gems.get(&info.resource_id).await.unwrap();
    assert_eq!(read.data, data, "round trip");
    assert_eq!(read.meta.indexed_data["carats"], json!(2.5));

    // Modify rewrites the payload in place: new hash, same revision id.
    let changed = gem("Ruby", 3.0);
    gems.modify(
        &info.resource_id,
        Modify::data(changed.clone()).with_status(RevisionStatus::Draft),
    )
    .await
    .unwrap();
    let modified = gems.get(&info.resource_id).await.unwrap();
    assert_eq!(modified.info.revision_id, info.revision_id);
    assert_eq!(modified.info.data_hash, msgpack_hash(&changed));
    assert_eq!(modified.data, changed);

    // A type without attribute follows the app's encoding.
    let scroll = Scroll {
        text: "lorem".into(),
        pages: 7,
    };
    let s = spec
        .manager::<Scroll>()
        .create(scroll.clone())
        .await
        .unwrap();
    assert_eq!(s.data_hash, msgpack_hash(&scroll));
    assert_eq!(
        spec.manager::<Scroll>()
            .get(&s.resource_id)
            .await
            .unwrap()
            .data,
        scroll
    );
    // And the app's default is JSON.
    let json_app = Backend::open(kind).await;
    let json_spec = json_app
        .builder()
        .resource::<Scroll>()
        .build()
        .await
        .unwrap();
    let j = json_spec
        .manager::<Scroll>()
        .create(scroll.clone())
        .await
        .unwrap();
    assert_eq!(j.data_hash, json_hash(&scroll));
}

async fn ids_follow_the_wire_format(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db
        .builder()
        .resource::<GameZone>()
        .resource::<Gem>()
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<GameZone>();
    let gems = spec.manager::<Gem>();
    assert_eq!((zones.name(), gems.name()), ("game-zone", "gem-stone"));

    let mut seen = std::collections::HashSet::new();
    for i in 0..5 {
        let info = zones.create(zone("z", i)).await.unwrap();
        assert_resource_id(&info.resource_id, "game-zone");
        assert!(seen.insert(info.resource_id.clone()), "fresh ids");
        assert!(uuid::Uuid::parse_str(&info.uid).is_ok());
        assert!(seen.insert(info.uid.clone()), "fresh uids");
    }
    let g = gems.create(gem("Opal", 1.0)).await.unwrap();
    assert_resource_id(&g.resource_id, "gem-stone");
    let id = &g.resource_id;
    for n in 2..=4 {
        let info = gems.update(id, gem("Opal", n as f64)).await.unwrap();
        assert_eq!(info.revision_id, rev(id, n));
        assert_eq!(info.resource_id, *id);
        assert_eq!(info.parent_revision_id, Some(rev(id, n - 1)));
    }
    let revisions = gems.list_revisions(id).await.unwrap();
    let ids: Vec<&str> = revisions.iter().map(|r| r.revision_id.as_str()).collect();
    assert_eq!(ids, [rev(id, 1), rev(id, 2), rev(id, 3), rev(id, 4)]);
    let uids: std::collections::HashSet<&str> = revisions.iter().map(|r| r.uid.as_str()).collect();
    assert_eq!(uids.len(), 4, "one uid per write");
}

async fn wire_types_serialize_in_wire_order(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db.builder().resource::<Scroll>().build().await.unwrap();
    let scrolls = spec.manager::<Scroll>();
    let info = scrolls
        .as_user("alice")
        .at(
            chrono::DateTime::parse_from_rfc3339("2026-11-23T19:53:26.984215Z")
                .unwrap()
                .to_utc(),
        )
        .create(Scroll {
            text: "t".into(),
            pages: 1,
        })
        .await
        .unwrap();
    let read = scrolls.get(&info.resource_id).await.unwrap();
    let full = serde_json::to_value(&read).unwrap();
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&full), ["data", "revision_info", "meta"]);
    assert_eq!(
        keys(&full["revision_info"]),
        [
            "uid",
            "resource_id",
            "revision_id",
            "parent_revision_id",
            "schema_version",
            "data_hash",
            "status",
            "created_time",
            "updated_time",
            "created_by",
            "updated_by"
        ]
    );
    assert_eq!(
        keys(&full["meta"]),
        [
            "current_revision_id",
            "resource_id",
            "schema_version",
            "total_revision_count",
            "created_time",
            "updated_time",
            "created_by",
            "updated_by",
            "is_deleted",
            "indexed_data",
            "rev_status",
            "rev_created_by",
            "rev_updated_by",
            "rev_created_time",
            "rev_updated_time"
        ]
    );
    assert_eq!(
        full["revision_info"]["created_time"],
        "2026-11-23T19:53:26.984215Z"
    );
    assert_eq!(full["revision_info"]["status"], "stable");
    assert_eq!(
        full["meta"]["rev_updated_time"],
        "2026-11-23T19:53:26.984215Z"
    );
    assert_eq!(full["data"], json!({"text": "t", "pages": 1}));
}

on_every_backend!(
    json_payloads_hash_as_compact_json_in_declaration_order,
    msgpack_payloads_hash_as_named_msgpack,
    ids_follow_the_wire_format,
    wire_types_serialize_in_wire_order,
);
