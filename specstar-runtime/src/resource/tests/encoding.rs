//! Stored bytes per encoding, and `data_hash` = xxh3_128 of exactly those bytes.

use super::*;
use crate::model::Encoding;
use crate::resource::ResourceManager;

fn xxh3(bytes: &[u8]) -> String {
    format!("xxh3_128:{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

async fn stored_bytes<T: Resource>(manager: &ResourceManager<T>, revision_id: &str) -> Vec<u8> {
    manager
        .handle()
        .store()
        .load_revision(T::NAME, revision_id)
        .await
        .unwrap()
        .expect("stored revision")
        .data
}

#[tokio::test]
async fn json_is_compact_in_declaration_order_and_hashed() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    assert_eq!(zones.handle().encoding(), Encoding::Json);
    let info = zones.create(zone("Wetlands", 22)).await.unwrap();
    let bytes = stored_bytes(&zones, &info.revision_id).await;
    assert_eq!(bytes, br#"{"name":"Wetlands","level":22,"tags":[]}"#);
    assert_eq!(info.data_hash, xxh3(&bytes));
}

#[tokio::test]
async fn msgpack_from_the_type_is_named_and_read_back() {
    let spec = app().await;
    let gems = spec.manager::<Gem>();
    assert_eq!(gems.handle().encoding(), Encoding::Msgpack);
    let gem = Gem {
        name: "ruby".into(),
        carats: 1.25,
        cut: None,
    };
    let info = gems.create(gem.clone()).await.unwrap();
    let bytes = stored_bytes(&gems, &info.revision_id).await;
    assert_eq!(bytes, rmp_serde::to_vec_named(&gem).unwrap());
    assert_eq!(info.data_hash, xxh3(&bytes));
    assert_eq!(gems.get(&info.resource_id).await.unwrap().data, gem);
    let meta = gems.get_meta(&info.resource_id).await.unwrap();
    assert_eq!(meta.indexed_data["carats"], serde_json::json!(1.25));
}

#[tokio::test]
async fn the_app_default_encoding_applies_to_types_without_one() {
    let spec = builder().encoding(Encoding::Msgpack).build().await.unwrap();
    let zones = spec.manager::<Zone>();
    assert_eq!(zones.handle().encoding(), Encoding::Msgpack);
    let data = zone("Redridge", 15);
    let info = zones.create(data.clone()).await.unwrap();
    let bytes = stored_bytes(&zones, &info.revision_id).await;
    assert_eq!(bytes, rmp_serde::to_vec_named(&data).unwrap());
    assert_eq!(info.data_hash, xxh3(&bytes));
    assert_eq!(zones.get(&info.resource_id).await.unwrap().data, data);
    // Identical data is detected through the hash in this encoding too.
    let again = zones.update(&info.resource_id, data).await.unwrap();
    assert_eq!(again.revision_id, info.revision_id);
}
