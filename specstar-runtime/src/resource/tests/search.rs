//! search, search_metas, count, list; the deleted default; query validation.

use serde_json::json;

use super::*;
use crate::model::Error;
use crate::query::{Direction, Query, Sort};

async fn seeded() -> (SpecStar, Vec<String>) {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let mut ids = Vec::new();
    for (name, level, tags) in [
        ("Arathi", 30, vec!["highlands"]),
        ("Badlands", 35, vec!["desert", "dwarves"]),
        ("Darkshore", 12, vec!["coast"]),
        ("Westfall", 10, vec!["farms", "coast"]),
    ] {
        let z = Zone {
            tags: tags.into_iter().map(str::to_owned).collect(),
            ..zone(name, level)
        };
        ids.push(zones.create(z).await.unwrap().resource_id);
    }
    (spec, ids)
}

fn names(found: &[crate::model::Resource<Zone>]) -> Vec<&str> {
    found.iter().map(|r| r.data.name.as_str()).collect()
}

#[tokio::test]
async fn search_filters_sorts_and_pages() {
    let (spec, _) = seeded().await;
    let zones = spec.manager::<Zone>();

    let found = zones
        .search(data("level", Operator::Gte, json!(12)))
        .sort(Sort {
            field: FieldPath::Data("level".into()),
            direction: Direction::Desc,
        })
        .await
        .unwrap();
    assert_eq!(names(&found), ["Badlands", "Arathi", "Darkshore"]);

    let paged = zones
        .search(data("level", Operator::Gte, json!(0)))
        .sort(Sort {
            field: FieldPath::Data("level".into()),
            direction: Direction::Asc,
        })
        .offset(1)
        .limit(2)
        .await
        .unwrap();
    assert_eq!(names(&paged), ["Darkshore", "Arathi"]);

    let coast = zones
        .search(data("tags", Operator::Contains, json!("coast")))
        .await
        .unwrap();
    assert_eq!(
        names(&coast),
        ["Darkshore", "Westfall"],
        "list field, created order"
    );

    let both = Condition::And(vec![
        data("tags", Operator::Contains, json!("coast")),
        data("level", Operator::Gt, json!(11)),
    ]);
    assert_eq!(zones.count(both.clone()).await.unwrap(), 1);
    let metas = zones.search_metas(both).await.unwrap();
    assert_eq!(metas.len(), 1);
    assert_eq!(metas[0].indexed_data["name"], json!("Darkshore"));

    assert_eq!(
        names(&zones.list().limit(2).await.unwrap()),
        ["Arathi", "Badlands"]
    );
    assert!(zones.list().limit(0).await.unwrap().is_empty());
    assert_eq!(zones.count(Query::default()).await.unwrap(), 4);
}

#[tokio::test]
async fn deleted_resources_are_excluded_unless_the_query_asks() {
    let (spec, ids) = seeded().await;
    let zones = spec.manager::<Zone>();
    zones.delete(&ids[0]).await.unwrap();

    assert_eq!(zones.count(Query::default()).await.unwrap(), 3);
    assert_eq!(zones.list().await.unwrap().len(), 3);
    let deleted = meta(MetaField::IsDeleted, Operator::Eq, json!(true));
    let found = zones.search(deleted).await.unwrap();
    assert_eq!(names(&found), ["Arathi"]);
    let any = Condition::Or(vec![
        meta(MetaField::IsDeleted, Operator::Eq, json!(true)),
        meta(MetaField::IsDeleted, Operator::Eq, json!(false)),
    ]);
    assert_eq!(zones.count(any).await.unwrap(), 4);
}

#[tokio::test]
async fn queries_on_unindexed_fields_or_with_bad_values_are_bad_queries() {
    let (spec, _) = seeded().await;
    let zones = spec.manager::<Zone>();
    match zones.search(eq("nickname", "x")).await {
        Err(err @ Error::BadQuery { .. }) => {
            assert!(
                err.to_string().contains("nickname"),
                "names the field: {err}"
            );
        }
        other => panic!("expected BadQuery, got {other:?}"),
    }
    let not_a_list = data("level", Operator::In, json!(3));
    assert!(matches!(
        zones.count(not_a_list).await,
        Err(Error::BadQuery { .. })
    ));
    let bad_regex = data("name", Operator::Regex, json!("("));
    assert!(matches!(
        zones.search_metas(bad_regex).await,
        Err(Error::BadQuery { .. })
    ));
}

#[tokio::test]
async fn the_untyped_handle_searches_with_json_data() {
    let (spec, _) = seeded().await;
    let zones = spec.model("zone").unwrap();
    let found = zones
        .search(&Query::from(data("name", Operator::StartsWith, json!("W"))))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].data,
        json!({"name": "Westfall", "level": 10, "tags": ["farms", "coast"]})
    );
}
