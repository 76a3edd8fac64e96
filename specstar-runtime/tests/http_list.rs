//! List, count, the deprecated list aliases, every query input, batch delete and restore.

mod common;

use common::{Api, StoreFactory, api, api_with, enc};
use serde_json::{Value, json};
use specstar_runtime::http::HttpOptions;

store_tests!(
    list_returns_full_resources_with_returns_and_partial,
    count_is_a_bare_integer_and_ignores_paging,
    list_aliases_return_one_part,
    paging_limit_zero_and_configured_limits,
    deleted_resources_are_listed_only_with_is_deleted,
    time_user_and_status_filters,
    conditions_and_sorts,
    qb_cannot_be_combined_with_explicit_filters,
    qb_filters_sorts_and_pages,
    bad_query_inputs_are_400,
    batch_delete_and_batch_restore,
);

async fn seeded(stores: StoreFactory) -> (Api, Vec<String>) {
    let api = api(stores).await;
    let mut ids = Vec::new();
    for (name, level) in [("A", 1), ("B", 2), ("C", 3), ("D", 4)] {
        ids.push(api.zone(name, level).await);
    }
    (api, ids)
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            r.get("data")
                .map(|d| &d["name"])
                .unwrap_or(&r["name"])
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn list_returns_full_resources_with_returns_and_partial(stores: StoreFactory) {
    let (api, ids) = seeded(stores).await;
    let list = api.get("/zone").await.expect(200);
    assert_eq!(
        names(&list),
        ["A", "B", "C", "D"],
        "created_time order by default"
    );
    let first = &list[0];
    assert_eq!(first["meta"]["resource_id"], ids[0].as_str());
    assert_eq!(first["revision_info"]["resource_id"], ids[0].as_str());

    let list = api.get("/zone?returns=meta").await.expect(200);
    assert_eq!(
        list[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["meta"]
    );
    let list = api
        .get("/zone?returns=data&partial=level")
        .await
        .expect(200);
    assert_eq!(list[1], json!({"data": {"level": 2}}));
    assert_eq!(api.get("/zone?returns=everything").await.status, 400);
    assert_eq!(api.get("/zone?partial=a//b").await.status, 400);
}

async fn count_is_a_bare_integer_and_ignores_paging(stores: StoreFactory) {
    let (api, _) = seeded(stores).await;
    assert_eq!(api.get("/zone/count").await.expect(200), json!(4));
    assert_eq!(
        api.get("/zone/count?limit=1&offset=2").await.expect(200),
        json!(4)
    );
    let conditions = enc(r#"[{"field_path": "level", "operator": "gt", "value": 2}]"#);
    assert_eq!(
        api.get(&format!("/zone/count?conditions={conditions}"))
            .await
            .expect(200),
        json!(2)
    );
    assert_eq!(api.get("/monster/count").await.expect(200), json!(0));
}

async fn list_aliases_return_one_part(stores: StoreFactory) {
    let (api, ids) = seeded(stores).await;
    let data = api.get("/zone/data?limit=2").await.expect(200);
    assert_eq!(
        data,
        json!([{"name": "A", "level": 1, "tags": []}, {"name": "B", "level": 2, "tags": []}])
    );
    let metas = api.get("/zone/meta?limit=1").await.expect(200);
    assert_eq!(metas[0]["resource_id"], ids[0].as_str());
    let infos = api.get("/zone/revision-info?limit=1").await.expect(200);
    assert_eq!(infos[0]["revision_id"], format!("{}:1", ids[0]));
    let full = api.get("/zone/full?limit=1").await.expect(200);
    assert!(full[0]["data"].is_object() && full[0]["meta"].is_object());
    let data = api.get("/zone/data?partial=name").await.expect(200);
    assert_eq!(data[3], json!({"name": "D"}));
}

async fn paging_limit_zero_and_configured_limits(stores: StoreFactory) {
    let (api, _) = seeded(stores).await;
    assert_eq!(api.get("/zone?limit=0").await.expect(200), json!([]));
    assert_eq!(
        names(&api.get("/zone?limit=2&offset=1").await.expect(200)),
        ["B", "C"]
    );
    assert_eq!(
        names(&api.get("/zone?offset=10").await.expect(200)),
        Vec::<String>::new()
    );

    let capped = api_with(
        stores,
        |b| b,
        HttpOptions::default().default_limit(2).max_limit(3),
    )
    .await;
    for name in ["A", "B", "C", "D"] {
        capped.zone(name, 1).await;
    }
    assert_eq!(
        capped
            .get("/zone")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        2,
        "default limit"
    );
    assert_eq!(
        capped
            .get("/zone?limit=100")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        3,
        "capped"
    );
    assert_eq!(
        capped.get("/zone/count").await.expect(200),
        json!(4),
        "count is not paged"
    );
}

async fn deleted_resources_are_listed_only_with_is_deleted(stores: StoreFactory) {
    let (api, ids) = seeded(stores).await;
    api.delete(&format!("/zone/{}", ids[1])).await.expect(200);
    assert_eq!(names(&api.get("/zone").await.expect(200)), ["A", "C", "D"]);
    assert_eq!(
        names(&api.get("/zone?is_deleted=true").await.expect(200)),
        ["B"]
    );
    assert_eq!(api.get("/zone/count").await.expect(200), json!(3));
    assert_eq!(
        api.get("/zone/count?is_deleted=true").await.expect(200),
        json!(1)
    );
}

async fn time_user_and_status_filters(stores: StoreFactory) {
    let api = api_with(
        stores,
        |b| b,
        HttpOptions::default()
            .users(specstar_runtime::http::UserProvider::header("x-user"))
            .clock(ticking_clock()),
    )
    .await;
    let as_user = |user: &'static str, name: &'static str| {
        let api = api.clone();
        async move {
            let request = axum::http::Request::builder()
                .method("POST")
                .uri("/zone")
                .header("x-user", user)
                .body(axum::body::Body::from(
                    json!({"name": name, "level": 1}).to_string(),
                ))
                .unwrap();
            api.send(request).await.expect(200)
        }
    };
    let a = as_user("alice", "A").await;
    let b = as_user("bob", "B").await;
    assert_eq!(a["created_by"], "alice");
    assert_eq!(
        a["created_time"], "2027-01-15T08:00:00.000000Z",
        "the configured clock stamps writes"
    );
    assert_eq!(
        names(&api.get("/zone?created_bys=alice").await.expect(200)),
        ["A"]
    );
    assert_eq!(
        names(
            &api.get("/zone?created_bys=alice&created_bys=bob")
                .await
                .expect(200)
        ),
        ["A", "B"]
    );
    assert_eq!(
        names(&api.get("/zone?updated_bys[]=bob").await.expect(200)),
        ["B"]
    );
    assert_eq!(
        names(&api.get("/zone?rev_created_bys=bob").await.expect(200)),
        ["B"]
    );
    assert_eq!(
        names(&api.get("/zone?rev_statuses=stable").await.expect(200)),
        ["A", "B"]
    );
    assert_eq!(
        names(&api.get("/zone?rev_statuses=draft").await.expect(200)),
        Vec::<String>::new()
    );

    // bounds are inclusive and need an offset
    let t_a = enc(a["created_time"].as_str().unwrap());
    let t_b = enc(b["created_time"].as_str().unwrap());
    assert_eq!(
        names(
            &api.get(&format!("/zone?created_time_start={t_b}"))
                .await
                .expect(200)
        ),
        ["B"]
    );
    assert_eq!(
        names(
            &api.get(&format!("/zone?created_time_end={t_a}"))
                .await
                .expect(200)
        ),
        ["A"]
    );
    assert_eq!(
        names(
            &api.get(&format!(
                "/zone?updated_time_start={t_a}&updated_time_end={t_b}"
            ))
            .await
            .expect(200)
        ),
        ["A", "B"]
    );
    assert_eq!(
        names(
            &api.get(&format!(
                "/zone?rev_created_time_start={t_b}&rev_updated_time_end={t_b}"
            ))
            .await
            .expect(200)
        ),
        ["B"]
    );
    let naive = api
        .get("/zone?created_time_start=2026-01-01T00:00:00")
        .await;
    assert_eq!(naive.status, 400);
    assert!(
        naive.detail().contains("created_time_start"),
        "{}",
        naive.detail()
    );
    // qb's calendar helpers follow the configured clock (2027-01-15), not the system time
    let today = enc(r#"QB.created_time().today()"#);
    assert_eq!(
        api.get(&format!("/zone/count?qb={today}"))
            .await
            .expect(200),
        json!(2)
    );
    let yesterday = enc(r#"QB.created_time().yesterday()"#);
    assert_eq!(
        api.get(&format!("/zone?qb={yesterday}")).await.expect(200),
        json!([])
    );
    // an offset other than Z is converted
    let far_future = enc("2999-01-01T00:00:00+02:00");
    assert_eq!(
        api.get(&format!("/zone/count?created_time_end={far_future}"))
            .await
            .expect(200),
        json!(2)
    );
}

/// A clock one second further on every call, so time bounds are exact.
fn ticking_clock() -> specstar_runtime::http::Clock {
    let tick = std::sync::atomic::AtomicI64::new(0);
    specstar_runtime::http::Clock::from_fn(move || {
        let n = tick.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        chrono::DateTime::from_timestamp(1_800_000_000 + n, 0).expect("a valid time")
    })
}

async fn conditions_and_sorts(stores: StoreFactory) {
    let (api, _) = seeded(stores).await;
    api.put(
        &format!(
            "/zone/{}",
            api.get("/zone/meta?limit=1").await.expect(200)[0]["resource_id"]
                .as_str()
                .unwrap()
        ),
        json!({"name": "A", "level": 1, "tags": ["cold"]}),
    )
    .await
    .expect(200);
    let q = |c: &str| format!("/zone?conditions={}", enc(c));
    assert_eq!(
        names(
            &api.get(&q(
                r#"[{"field_path": "level", "operator": "gte", "value": 3}]"#
            ))
            .await
            .expect(200)
        ),
        ["C", "D"]
    );
    assert_eq!(
        names(
            &api.get(&q(r#"[{"operator": "or", "conditions": [
            {"field_path": "name", "operator": "eq", "value": "A"},
            {"field_path": "level", "operator": "in", "value": [4]}]}]"#))
                .await
                .expect(200)
        ),
        ["A", "D"]
    );
    assert_eq!(
        names(
            &api.get(&q(
                r#"[{"field_path": "tags", "operator": "contains", "value": "cold"}]"#
            ))
            .await
            .expect(200)
        ),
        ["A"]
    );
    assert_eq!(
        names(
            &api.get(&q(
                r#"[{"field_path": "name", "operator": "regex", "value": "^[BC]"}]"#
            ))
            .await
            .expect(200)
        ),
        ["B", "C"]
    );
    let dc = enc(r#"[{"field_path": "level", "operator": "lt", "value": 2}]"#);
    assert_eq!(
        names(
            &api.get(&format!("/zone?data_conditions={dc}"))
                .await
                .expect(200)
        ),
        ["A"]
    );

    let sorts = enc(r#"[{"type": "data", "field_path": "level", "direction": "-"}]"#);
    assert_eq!(
        names(&api.get(&format!("/zone?sorts={sorts}")).await.expect(200)),
        ["D", "C", "B", "A"]
    );
    let sorts = enc(r#"[{"type": "meta", "key": "updated_time", "direction": "-"}]"#);
    assert_eq!(
        names(
            &api.get(&format!("/zone?sorts={sorts}&limit=1"))
                .await
                .expect(200)
        ),
        ["A"]
    );

    // a field that is not indexed is a clear 400, not an empty result
    let reply = api
        .get(&q(
            r#"[{"field_path": "colour", "operator": "eq", "value": 1}]"#,
        ))
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.detail().contains("colour"), "{}", reply.detail());
}

async fn qb_cannot_be_combined_with_explicit_filters(stores: StoreFactory) {
    let (api, _) = seeded(stores).await;
    let qb = enc(r#"QB["level"] > 2"#);
    for other in [
        "conditions=%5B%5D",
        "data_conditions=%5B%5D",
        "sorts=%5B%5D",
        "created_bys=alice",
        "rev_statuses=stable",
        "created_time_start=2026-01-01T00%3A00%3A00Z",
    ] {
        let reply = api.get(&format!("/zone?qb={qb}&{other}")).await;
        assert_eq!(reply.status, 422, "{other}: {}", reply.body);
        assert!(reply.detail().contains("qb"), "{}", reply.detail());
    }
}

async fn bad_query_inputs_are_400(stores: StoreFactory) {
    let (api, _) = seeded(stores).await;
    for bad in [
        "limit=-1",
        "limit=ten",
        "offset=-3",
        "is_deleted=perhaps",
        "conditions=%5B%7B",
        "conditions=42",
        "sorts=%7B",
        "rev_statuses=final",
        "updated_time_end=yesterday",
    ] {
        let reply = api.get(&format!("/zone?{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
        assert!(reply.body["detail"].is_string());
    }
}

async fn batch_delete_and_batch_restore(stores: StoreFactory) {
    let (api, _) = seeded(stores).await;
    let conditions = enc(r#"[{"field_path": "level", "operator": "lte", "value": 2}]"#);
    let deleted = api
        .delete(&format!("/zone?conditions={conditions}"))
        .await
        .expect(200);
    let deleted = deleted.as_array().unwrap();
    assert_eq!(deleted.len(), 2);
    assert!(deleted.iter().all(|m| m["is_deleted"] == true));
    assert_eq!(names(&api.get("/zone").await.expect(200)), ["C", "D"]);
    // batch delete only touches non-deleted resources, even with is_deleted=true
    assert_eq!(
        api.delete(&format!("/zone?conditions={conditions}&is_deleted=true"))
            .await
            .expect(200),
        json!([])
    );

    let restored = api.post_empty("/zone/restore?limit=1").await.expect(200);
    assert_eq!(restored.as_array().unwrap().len(), 1);
    assert_eq!(restored[0]["is_deleted"], false);
    let restored = api.post_empty("/zone/restore").await.expect(200);
    assert_eq!(
        restored.as_array().unwrap().len(),
        1,
        "only the remaining deleted one"
    );
    assert_eq!(api.get("/zone/count").await.expect(200), json!(4));
    assert_eq!(api.delete("/zone?limit=-1").await.status, 400);
}

async fn qb_filters_sorts_and_pages(stores: StoreFactory) {
    let (api, ids) = seeded(stores).await;
    let list = |qb: &str, extra: &str| format!("/zone?qb={}{extra}", enc(qb));
    assert_eq!(
        names(&api.get(&list(r#"QB["level"] >= 3"#, "")).await.expect(200)),
        ["C", "D"]
    );
    assert_eq!(
        names(
            &api.get(&list(
                r#"QB.name.starts_with("A") | (QB["level"] == 4)"#,
                ""
            ))
            .await
            .expect(200)
        ),
        ["A", "D"]
    );
    assert_eq!(
        names(
            &api.get(&list(r#"QB.created_by() == "anonymous""#, "&limit=1"))
                .await
                .expect(200)
        ),
        ["A"]
    );
    // the expression's sort and paging; URL limit/offset override its paging
    let sorted = r#"QB["level"].gte(2).sort("-level").limit(2)"#;
    assert_eq!(
        names(&api.get(&list(sorted, "")).await.expect(200)),
        ["D", "C"]
    );
    assert_eq!(
        names(&api.get(&list(sorted, "&limit=1")).await.expect(200)),
        ["D"]
    );
    assert_eq!(
        names(
            &api.get(&list(sorted, "&offset=1&limit=5"))
                .await
                .expect(200)
        ),
        ["C", "B"]
    );
    assert_eq!(
        api.get(&format!("/zone/count?qb={}", enc(r#"QB["level"] > 1"#)))
            .await
            .expect(200),
        json!(3)
    );

    // is_deleted (default false) is ANDed into the expression
    api.delete(&format!("/zone/{}", ids[3])).await.expect(200);
    assert_eq!(
        names(&api.get(&list(r#"QB["level"] >= 3"#, "")).await.expect(200)),
        ["C"]
    );
    assert_eq!(
        names(
            &api.get(&list(r#"QB["level"] >= 3"#, "&is_deleted=true"))
                .await
                .expect(200)
        ),
        ["D"]
    );

    // batch operations take qb too
    let restored = api
        .post_empty(&format!("/zone/restore?qb={}", enc(r#"QB["level"] == 4"#)))
        .await
        .expect(200);
    assert_eq!(restored.as_array().unwrap().len(), 1);

    // parse errors and fields that are not indexed are 400 naming qb
    for bad in [
        r#"QB["level"] >"#,
        r#"__import__("os")"#,
        r#"QB["colour"] == 1"#,
        r#"QB["level"] == "high""#,
    ] {
        let reply = api.get(&list(bad, "")).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
        assert!(reply.detail().contains("qb"), "{bad}: {}", reply.detail());
    }
}
