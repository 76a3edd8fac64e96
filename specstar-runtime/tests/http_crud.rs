//! Create, read, update, patch, modify, switch, delete, restore and permanent delete over HTTP.

mod common;

use axum::http::Method;
use common::{StoreFactory, Zone, api, api_with, api_with_zone};
use serde_json::{Value, json};
use specstar_runtime::events::{Phase, handler};
use specstar_runtime::http::HttpOptions;

store_tests!(
    create_returns_revision_info_and_read_returns_the_full_resource,
    create_rejects_invalid_bodies_with_422,
    bodies_are_read_as_json_values,
    validators_and_event_handlers_see_http_writes,
    create_reports_unique_violations_with_409,
    read_supports_returns_partial_revision_and_aliases,
    read_of_unknown_ids_and_revisions_is_404,
    update_writes_revisions_and_skips_identical_data,
    update_errors,
    patch_applies_json_patch_with_400_and_422_errors,
    modify_publishes_and_reopens_drafts,
    switch_makes_an_old_revision_current,
    delete_restore_and_permanent_delete,
    deleted_resources_answer_404_unless_include_deleted,
    revision_list_pages_sorts_and_filters,
    unknown_model_is_404_naming_it,
);

fn wire_time(v: &Value) -> bool {
    // 2026-11-23T19:53:26.984215Z
    v.as_str().is_some_and(|s| {
        s.len() == 27 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
    })
}

async fn create_returns_revision_info_and_read_returns_the_full_resource(stores: StoreFactory) {
    let api = api(stores).await;
    let info = api
        .post(
            "/zone",
            json!({"name": "Shire", "level": 1, "extra": "ignored"}),
        )
        .await
        .expect(200);
    let keys: Vec<&str> = info
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
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
    let id = info["resource_id"].as_str().unwrap();
    assert!(id.starts_with("zone:"));
    assert_eq!(info["revision_id"], format!("{id}:1"));
    assert_eq!(info["parent_revision_id"], Value::Null);
    assert_eq!(info["created_by"], "anonymous");
    assert!(info["data_hash"].as_str().unwrap().starts_with("xxh3_128:"));
    assert!(wire_time(&info["created_time"]), "{}", info["created_time"]);

    let full = api.get(&format!("/zone/{id}")).await.expect(200);
    assert_eq!(
        full["data"],
        json!({"name": "Shire", "level": 1, "tags": []})
    );
    assert_eq!(full["revision_info"], info);
    let meta = &full["meta"];
    let keys: Vec<&str> = meta
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
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
    assert_eq!(meta["is_deleted"], false);
    assert_eq!(meta["indexed_data"]["level"], 1);
    assert!(wire_time(&meta["rev_updated_time"]));
}

async fn create_rejects_invalid_bodies_with_422(stores: StoreFactory) {
    let api = api(stores).await;
    for (body, why) in [
        (json!({"name": "A", "level": "3"}), "string for an integer"),
        (json!({"name": "A", "level": true}), "bool for an integer"),
        (
            json!({"name": "A", "level": 1.5}),
            "fraction for an integer",
        ),
        (json!({"level": 1}), "missing field"),
        (json!([1, 2]), "array body"),
        // A struct decodes from its fields in order too; the API takes objects only.
        (json!(["A", 1, []]), "array body in field order"),
        (json!("zone"), "string body"),
    ] {
        let reply = api.post("/zone", body).await;
        assert_eq!(reply.status, 422, "{why}: {}", reply.body);
        assert!(reply.body["detail"].is_string(), "{why}");
    }
    let reply = api.raw(Method::POST, "/zone", "{not json").await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.detail().contains("JSON"));
    let reply = api.call(Method::POST, "/zone", None).await;
    assert_eq!(reply.status, 422, "missing body: {}", reply.body);
    assert!(reply.detail().contains("missing"));
}

/// Request bodies mean what they mean as JSON values, however they are decoded: a repeated key
/// keeps its last value (as `serde_json::Value` does), whitespace around the object is fine.
async fn bodies_are_read_as_json_values(stores: StoreFactory) {
    let api = api(stores).await;
    let info = api
        .raw(
            Method::POST,
            "/zone",
            "\n  {\"name\": \"Bree\", \"level\": 1, \"level\": 4}  \n",
        )
        .await
        .expect(200);
    let id = info["resource_id"].as_str().unwrap().to_owned();
    let full = api.get(&format!("/zone/{id}")).await.expect(200);
    assert_eq!(
        full["data"],
        json!({"name": "Bree", "level": 4, "tags": []})
    );
    assert_eq!(full["meta"]["indexed_data"]["level"], 4);

    let same = api
        .raw(
            Method::PUT,
            &format!("/zone/{id}"),
            r#"{"name": "Bree", "level": 4, "tags": [], "name": "Bree"}"#,
        )
        .await
        .expect(200);
    assert_eq!(
        same["revision_id"], info["revision_id"],
        "identical data writes nothing"
    );
    let next = api
        .raw(
            Method::PUT,
            &format!("/zone/{id}"),
            "{\"level\": 5, \"name\": \"Bree\"}",
        )
        .await
        .expect(200);
    assert_eq!(next["revision_id"], format!("{id}:2"));
    let full = api.get(&format!("/zone/{id}")).await.expect(200);
    assert_eq!(
        full["data"],
        json!({"name": "Bree", "level": 5, "tags": []})
    );
    assert_eq!(full["revision_info"]["data_hash"], next["data_hash"]);
}

/// Validators refuse HTTP writes with a 422 naming their message, and event handlers see the
/// request body of creates and updates as their input.
async fn validators_and_event_handlers_see_http_writes(stores: StoreFactory) {
    let plain = api_with_zone(stores, |o| {
        o.validator(|z: &Zone| match z.level {
            0.. => Ok(()),
            _ => Err("level must not be negative".to_owned()),
        })
    })
    .await;
    for reply in [
        plain
            .post("/zone", json!({"name": "Deep", "level": -1}))
            .await,
        plain
            .raw(Method::POST, "/zone", r#"{"name": "Deep", "level": -2}"#)
            .await,
    ] {
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(
            reply.detail().contains("must not be negative"),
            "{}",
            reply.body
        );
    }
    let id = plain
        .post("/zone", json!({"name": "Deep", "level": 1}))
        .await
        .expect(200)["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = plain
        .put(&format!("/zone/{id}"), json!({"name": "Deep", "level": -3}))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.detail().contains("must not be negative"));

    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let observed = api_with(
        stores,
        move |b| {
            b.event_handler(
                handler(move |event| {
                    if let Some(input) = event.input {
                        record
                            .lock()
                            .unwrap()
                            .push((event.action.to_string(), input.clone()));
                    }
                    Ok(())
                })
                .phase(Phase::Before),
            )
        },
        HttpOptions::default(),
    )
    .await;
    let id = observed
        .post("/zone", json!({"name": "Seen", "level": 1}))
        .await
        .expect(200)["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    observed
        .put(&format!("/zone/{id}"), json!({"name": "Seen", "level": 2}))
        .await
        .expect(200);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("create".to_owned(), json!({"name": "Seen", "level": 1})),
            ("update".to_owned(), json!({"name": "Seen", "level": 2})),
        ]
    );
}

async fn create_reports_unique_violations_with_409(stores: StoreFactory) {
    let api = api(stores).await;
    let first = api.zone("Shire", 1).await;
    let reply = api
        .post("/zone", json!({"name": "Shire", "level": 2}))
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.body["detail"]["field"], "name");
    assert_eq!(reply.body["detail"]["conflicting_resource_id"], first);
    assert!(
        reply.body["detail"]["message"]
            .as_str()
            .unwrap()
            .contains("Shire")
    );
}

async fn read_supports_returns_partial_revision_and_aliases(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    api.put(
        &format!("/zone/{id}"),
        json!({"name": "Shire", "level": 2, "tags": ["a", "b"]}),
    )
    .await
    .expect(200);

    let r = api
        .get(&format!("/zone/{id}?returns=data,meta"))
        .await
        .expect(200);
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["data", "meta"]);
    assert_eq!(
        api.get(&format!("/zone/{id}?returns=bogus")).await.status,
        400
    );

    let r = api
        .get(&format!(
            "/zone/{id}?partial=level&partial[]=tags/-1&partial=meta/total_revision_count"
        ))
        .await
        .expect(200);
    assert_eq!(r["data"], json!({"level": 2, "tags": ["b"]}));
    assert_eq!(r["meta"], json!({"total_revision_count": 2}));
    assert_eq!(r["revision_info"]["revision_id"], format!("{id}:2"));

    let r = api
        .get(&format!("/zone/{id}?revision_id={id}:1"))
        .await
        .expect(200);
    assert_eq!(r["data"]["level"], 1);
    assert_eq!(r["revision_info"]["revision_id"], format!("{id}:1"));
    assert_eq!(r["meta"]["current_revision_id"], format!("{id}:2"));

    assert_eq!(
        api.get(&format!("/zone/{id}/data")).await.expect(200)["level"],
        2
    );
    assert_eq!(
        api.get(&format!("/zone/{id}/meta")).await.expect(200)["resource_id"],
        id.as_str()
    );
    assert_eq!(
        api.get(&format!("/zone/{id}/revision-info?revision_id={id}:1"))
            .await
            .expect(200)["revision_id"],
        format!("{id}:1")
    );
    let full = api.get(&format!("/zone/{id}/full")).await.expect(200);
    assert!(
        full["data"].is_object() && full["meta"].is_object() && full["revision_info"].is_object()
    );
}

async fn read_of_unknown_ids_and_revisions_is_404(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    let reply = api.get("/zone/zone:nope").await;
    assert_eq!(reply.status, 404);
    assert!(reply.detail().contains("zone:nope"), "{}", reply.detail());
    let reply = api.get(&format!("/zone/{id}?revision_id={id}:9")).await;
    assert_eq!(reply.status, 404);
    assert!(reply.detail().contains(&format!("{id}:9")));
    assert_eq!(
        api.get(&format!("/zone/{id}/meta?revision_id={id}:9"))
            .await
            .status,
        404
    );
}

async fn update_writes_revisions_and_skips_identical_data(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    let info = api
        .put(&format!("/zone/{id}"), json!({"name": "Shire", "level": 2}))
        .await
        .expect(200);
    assert_eq!(info["revision_id"], format!("{id}:2"));
    assert_eq!(info["parent_revision_id"], format!("{id}:1"));
    let same = api
        .put(&format!("/zone/{id}"), json!({"name": "Shire", "level": 2}))
        .await
        .expect(200);
    assert_eq!(
        same["revision_id"],
        format!("{id}:2"),
        "identical data writes no revision"
    );
    let meta = api.get(&format!("/zone/{id}/meta")).await.expect(200);
    assert_eq!(meta["total_revision_count"], 2);
}

async fn update_errors(stores: StoreFactory) {
    let api = api(stores).await;
    let a = api.zone("A", 1).await;
    api.zone("B", 1).await;
    assert_eq!(
        api.put("/zone/zone:missing", json!({"name": "X", "level": 1}))
            .await
            .status,
        404,
        "no upsert"
    );
    assert_eq!(
        api.put(&format!("/zone/{a}"), json!({"name": "B", "level": 1}))
            .await
            .status,
        409
    );
    assert_eq!(
        api.put(&format!("/zone/{a}"), json!({"name": "A", "level": "x"}))
            .await
            .status,
        422
    );
    assert_eq!(api.put(&format!("/zone/{a}"), json!([])).await.status, 422);
    assert_eq!(
        api.put(&format!("/zone/{a}"), json!(["A", 2, []]))
            .await
            .status,
        422,
        "an array in field order is not an object"
    );
    assert_eq!(
        api.call(Method::PUT, &format!("/zone/{a}"), None)
            .await
            .status,
        422
    );
    assert_eq!(
        api.put(
            &format!("/zone/{a}?change_status=draft"),
            json!({"name": "A", "level": 1})
        )
        .await
        .status,
        400,
        "change_status needs mode=modify"
    );
    assert_eq!(
        api.put(
            &format!("/zone/{a}?mode=upsert"),
            json!({"name": "A", "level": 1})
        )
        .await
        .status,
        400
    );
}

async fn patch_applies_json_patch_with_400_and_422_errors(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    let uri = format!("/zone/{id}");
    let info = api
        .patch(&uri, json!([{"op": "replace", "path": "/level", "value": 5}, {"op": "add", "path": "/tags/-", "value": "x"}]))
        .await
        .expect(200);
    assert_eq!(info["revision_id"], format!("{id}:2"));
    assert_eq!(
        api.get(&format!("{uri}/data")).await.expect(200),
        json!({"name": "Shire", "level": 5, "tags": ["x"]})
    );

    let empty = api.patch(&uri, json!([])).await.expect(200);
    assert_eq!(
        empty["revision_id"],
        format!("{id}:2"),
        "an empty patch writes nothing"
    );
    let noop = api
        .patch(
            &uri,
            json!([{"op": "replace", "path": "/level", "value": 5}]),
        )
        .await
        .expect(200);
    assert_eq!(
        noop["revision_id"],
        format!("{id}:2"),
        "a patch that changes nothing writes nothing"
    );

    for (patch, why) in [
        (
            json!([{"op": "test", "path": "/level", "value": 99}]),
            "failed test",
        ),
        (
            json!([{"op": "frobnicate", "path": "/level"}]),
            "unknown op",
        ),
        (
            json!([{"op": "remove", "path": "/nope/deeper"}]),
            "bad path",
        ),
        (
            json!({"op": "replace", "path": "/level", "value": 1}),
            "not an array",
        ),
    ] {
        let reply = api.patch(&uri, patch).await;
        assert_eq!(reply.status, 400, "{why}: {}", reply.body);
    }
    let reply = api
        .patch(
            &uri,
            json!([{"op": "replace", "path": "/level", "value": "high"}]),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let reply = api
        .patch(&uri, json!([{"op": "remove", "path": "/name"}]))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(api.patch("/zone/zone:missing", json!([])).await.status, 404);
}

async fn modify_publishes_and_reopens_drafts(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    let uri = format!("/zone/{id}");
    // a stable revision cannot be modified without reopening it
    let reply = api
        .put(
            &format!("{uri}?mode=modify"),
            json!({"name": "Shire", "level": 2}),
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    // reopen as a draft with new data: same revision id, new uid
    let before = api.get(&format!("{uri}/revision-info")).await.expect(200);
    let draft = api
        .put(
            &format!("{uri}?mode=modify&change_status=draft"),
            json!({"name": "Shire", "level": 2}),
        )
        .await
        .expect(200);
    assert_eq!(draft["revision_id"], before["revision_id"]);
    assert_ne!(draft["uid"], before["uid"]);
    assert_eq!(draft["status"], "draft");
    // modify the draft in place, by PUT and by PATCH
    api.put(
        &format!("{uri}?mode=modify"),
        json!({"name": "Shire", "level": 3}),
    )
    .await
    .expect(200);
    let patched = api
        .patch(
            &format!("{uri}?mode=modify"),
            json!([{"op": "replace", "path": "/level", "value": 4}]),
        )
        .await
        .expect(200);
    assert_eq!(patched["revision_id"], before["revision_id"]);
    assert_eq!(
        api.get(&format!("{uri}/data")).await.expect(200)["level"],
        4
    );
    // publish with no body
    let published = api
        .call(
            Method::PUT,
            &format!("{uri}?mode=modify&change_status=stable"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(published["status"], "stable");
    assert_eq!(published["revision_id"], before["revision_id"]);
    let meta = api.get(&format!("{uri}/meta")).await.expect(200);
    assert_eq!(meta["rev_status"], "stable");
    assert_eq!(meta["total_revision_count"], 1);
    // modify without body and without status
    assert_eq!(
        api.call(Method::PUT, &format!("{uri}?mode=modify"), None)
            .await
            .status,
        422
    );
}

async fn switch_makes_an_old_revision_current(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    api.put(&format!("/zone/{id}"), json!({"name": "Shire", "level": 2}))
        .await
        .expect(200);
    let meta = api
        .post_empty(&format!("/zone/{id}/switch/{id}:1"))
        .await
        .expect(200);
    assert_eq!(meta["current_revision_id"], format!("{id}:1"));
    assert_eq!(meta["resource_id"], id.as_str());
    assert_eq!(
        api.get(&format!("/zone/{id}/data")).await.expect(200)["level"],
        1
    );
    assert_eq!(
        api.post_empty(&format!("/zone/{id}/switch/{id}:7"))
            .await
            .status,
        404
    );
    assert_eq!(
        api.post_empty("/zone/zone:x/switch/zone:x:1").await.status,
        404
    );
}

async fn delete_restore_and_permanent_delete(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    let uri = format!("/zone/{id}");
    let meta = api.delete(&uri).await.expect(200);
    assert_eq!(meta["is_deleted"], true);
    let again = api.delete(&uri).await;
    assert_eq!(again.status, 404, "a second delete");
    assert!(again.detail().contains("deleted"), "{}", again.detail());
    let meta = api.post_empty(&format!("{uri}/restore")).await.expect(200);
    assert_eq!(meta["is_deleted"], false);
    let meta = api.post_empty(&format!("{uri}/restore")).await.expect(200);
    assert_eq!(
        meta["is_deleted"], false,
        "restoring a live resource is a no-op"
    );
    let purged = api.delete(&format!("{uri}/permanently")).await.expect(200);
    assert_eq!(purged["resource_id"], id.as_str());
    assert_eq!(api.get(&uri).await.status, 404);
    assert_eq!(
        api.get(&format!("{uri}?include_deleted=true")).await.status,
        404
    );
    assert_eq!(api.delete(&format!("{uri}/permanently")).await.status, 404);
    assert_eq!(api.post_empty(&format!("{uri}/restore")).await.status, 404);
    assert_eq!(api.delete("/zone/zone:missing").await.status, 404);
}

async fn deleted_resources_answer_404_unless_include_deleted(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 1).await;
    let uri = format!("/zone/{id}");
    api.delete(&uri).await.expect(200);
    for reply in [
        api.get(&uri).await,
        api.get(&format!("{uri}/meta")).await,
        api.get(&format!("{uri}/revision-list")).await,
        api.put(&uri, json!({"name": "Shire", "level": 2})).await,
        api.patch(&uri, json!([])).await,
        api.post_empty(&format!("{uri}/switch/{id}:1")).await,
    ] {
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert!(reply.detail().contains("deleted"), "{}", reply.detail());
    }
    let full = api
        .get(&format!("{uri}?include_deleted=true"))
        .await
        .expect(200);
    assert_eq!(full["meta"]["is_deleted"], true);
    assert_eq!(full["data"]["name"], "Shire");
    assert_eq!(
        api.get(&format!("{uri}?include_deleted=nah")).await.status,
        400
    );
}

async fn revision_list_pages_sorts_and_filters(stores: StoreFactory) {
    let api = api(stores).await;
    let id = api.zone("Shire", 0).await;
    for level in 1..=11 {
        api.put(
            &format!("/zone/{id}"),
            json!({"name": "Shire", "level": level}),
        )
        .await
        .expect(200);
    }
    let uri = format!("/zone/{id}/revision-list");
    let page = api.get(&uri).await.expect(200);
    assert_eq!(page["total"], 12);
    assert_eq!(page["has_more"], true);
    let revs = page["revisions"].as_array().unwrap();
    assert_eq!(revs.len(), 10, "default limit 10");
    assert_eq!(
        revs[0]["revision_id"],
        format!("{id}:12"),
        "newest first by default"
    );
    assert_eq!(page["meta"]["resource_id"], id.as_str());

    let page = api
        .get(&format!("{uri}?sort=created_time&limit=3&offset=2"))
        .await
        .expect(200);
    let ids: Vec<&str> = page["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [format!("{id}:3"), format!("{id}:4"), format!("{id}:5")]
    );
    assert_eq!(page["has_more"], true);

    let page = api
        .get(&format!("{uri}?partial=revision_id&limit=1"))
        .await
        .expect(200);
    assert_eq!(
        page["revisions"][0],
        json!({"revision_id": format!("{id}:12")})
    );

    let page = api
        .get(&format!(
            "{uri}?from_revision_id={id}:4&chain_only=true&limit=50"
        ))
        .await
        .expect(200);
    assert_eq!(page["total"], 4);

    let first = api
        .get(&format!("/zone/{id}/revision-info?revision_id={id}:1"))
        .await
        .expect(200);
    let t = first["created_time"].as_str().unwrap();
    let page = api
        .get(&format!(
            "{uri}?created_time_end={}&limit=50",
            common::enc(t)
        ))
        .await
        .expect(200);
    assert!(
        page["total"].as_u64().unwrap() >= 1,
        "inclusive bound keeps revision 1"
    );
    assert!(
        page["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["revision_id"] == format!("{id}:1"))
    );

    for bad in [
        "limit=0",
        "limit=-1",
        "offset=-1",
        "sort=name",
        "created_time_start=2026-01-01T00:00:00",
    ] {
        assert_eq!(api.get(&format!("{uri}?{bad}")).await.status, 400, "{bad}");
    }
    assert_eq!(
        api.get(&format!("{uri}?from_revision_id={id}:99"))
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/zone/zone:missing/revision-list").await.status,
        404
    );
}

async fn unknown_model_is_404_naming_it(stores: StoreFactory) {
    let api = api(stores).await;
    for reply in [
        api.get("/dragon").await,
        api.get("/dragon/dragon:1").await,
        api.post("/dragon", json!({})).await,
        api.get("/dragon/count").await,
    ] {
        assert_eq!(reply.status, 404);
        assert!(reply.detail().contains("dragon"), "{}", reply.detail());
    }
}
