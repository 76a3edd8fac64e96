//! OpenAPI, /docs, references, users, body limits and the fallback.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{StoreFactory, api, api_with};
use serde_json::json;
use specstar_runtime::http::{HttpOptions, UserProvider};

store_tests!(
    openapi_describes_models_routes_and_extensions,
    docs_page_is_served_offline,
    relationships_list_every_reference,
    referrers_list_live_sources_and_404_for_missing_targets,
    cascade_runs_on_delete_and_not_on_permanent_delete,
    users_come_from_the_provider_or_the_default,
    body_limit_is_413_and_bad_bodies_are_never_500,
    unknown_routes_are_json_404,
    docs_can_be_disabled,
);

async fn openapi_describes_models_routes_and_extensions(stores: StoreFactory) {
    let api = api(stores).await;
    let reply = api.get("/openapi.json").await;
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    let doc = reply.expect(200);
    assert_eq!(doc["openapi"], "3.1.0");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Zone"]["description"], "A zone of the game world.");
    assert_eq!(
        schemas["Zone"]["properties"]["name"]["description"],
        "The zone's unique name."
    );
    assert_eq!(schemas["Zone"]["properties"]["name"]["x-unique"], true);
    assert_eq!(schemas["Zone"]["x-display-name-field"], "name");
    assert_eq!(
        schemas["Monster"]["properties"]["zone_id"]["x-ref-resource"],
        "zone"
    );
    assert_eq!(
        schemas["Monster"]["properties"]["zone_id"]["x-ref-on-delete"],
        "cascade"
    );
    for name in [
        "ResourceMeta",
        "RevisionInfo",
        "RevisionList",
        "ZoneFullResource",
        "JsonPatchOperation",
    ] {
        assert!(schemas[name].is_object(), "component {name}");
    }
    assert_eq!(
        doc["x-specstar-indexed-fields"]["monster"],
        json!(["name", "zone_id", "hp"])
    );
    assert_eq!(doc["x-specstar-relationships"].as_array().unwrap().len(), 2);
    for key in [
        "x-specstar-custom-create-actions",
        "x-specstar-custom-update-actions",
        "x-specstar-async-create-jobs",
        "x-specstar-async-update-jobs",
    ] {
        assert_eq!(doc[key], json!([]), "{key}");
    }
    // every documented operation exists in the router (no 404/405 from the router itself)
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let uri = path
                .replace("{id}", "zone:none")
                .replace("{revision_id}", "zone:none:1");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = api.call(method.clone(), &uri, None).await;
            assert_ne!(reply.status, 405, "{method} {uri}");
            if reply.status == 404 {
                assert!(
                    !reply.detail().starts_with("no route"),
                    "{method} {uri}: {}",
                    reply.detail()
                );
            }
        }
    }
}

async fn docs_page_is_served_offline(stores: StoreFactory) {
    let api = api(stores).await;
    let reply = api.get("/docs").await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.unwrap().starts_with("text/html"));
    let page = reply.body.as_str().unwrap().to_owned();
    assert!(page.contains("openapi.json"));
    assert!(
        !page.contains("https://") && !page.contains("http://"),
        "no external assets"
    );
}

async fn docs_can_be_disabled(stores: StoreFactory) {
    let api = api_with(stores, |b| b, HttpOptions::default().docs(false)).await;
    assert_eq!(api.get("/docs").await.status, 404);
    assert_eq!(api.get("/openapi.json").await.status, 404);
}

async fn relationships_list_every_reference(stores: StoreFactory) {
    let api = api(stores).await;
    let rels = api.get("/_relationships").await.expect(200);
    assert_eq!(
        rels,
        json!([
            {"source": "monster", "source_field": "zone_id", "target": "zone", "ref_type": "resource_id", "on_delete": "cascade", "nullable": false},
            {"source": "monster", "source_field": "zone_snapshot", "target": "zone", "ref_type": "revision_id", "on_delete": "dangling", "nullable": true},
        ])
    );
}

async fn referrers_list_live_sources_and_404_for_missing_targets(stores: StoreFactory) {
    let api = api(stores).await;
    let zone = api.zone("Shire", 1).await;
    let other = api.zone("Mordor", 9).await;
    let m1 = api.monster("Orc", &zone, 10).await;
    let m2 = api.monster("Troll", &zone, 50).await;
    api.monster("Balrog", &other, 500).await;
    api.delete(&format!("/monster/{m2}")).await.expect(200);

    let refs = api
        .get(&format!("/zone/{zone}/referrers"))
        .await
        .expect(200);
    assert_eq!(
        refs,
        json!([{"source": "monster", "source_field": "zone_id", "ref_type": "resource_id", "on_delete": "cascade", "resource_ids": [m1]}])
    );
    assert_eq!(
        api.get(&format!("/monster/{m1}/referrers"))
            .await
            .expect(200),
        json!([])
    );
    assert_eq!(api.get("/zone/zone:missing/referrers").await.status, 404);
    api.delete(&format!("/zone/{other}")).await.expect(200);
    let reply = api.get(&format!("/zone/{other}/referrers")).await;
    assert_eq!(reply.status, 404);
    assert!(reply.detail().contains("deleted"));
}

async fn cascade_runs_on_delete_and_not_on_permanent_delete(stores: StoreFactory) {
    let api = api(stores).await;
    let zone = api.zone("Shire", 1).await;
    let orc = api.monster("Orc", &zone, 10).await;
    api.delete(&format!("/zone/{zone}")).await.expect(200);
    let meta = api
        .get(&format!("/monster/{orc}/meta?include_deleted=true"))
        .await
        .expect(200);
    assert_eq!(
        meta["is_deleted"], true,
        "cascade soft-deletes the referrer"
    );
    api.post_empty(&format!("/zone/{zone}/restore"))
        .await
        .expect(200);
    assert_eq!(
        api.get(&format!("/monster/{orc}")).await.status,
        404,
        "restore does not undo the cascade"
    );

    let zone2 = api.zone("Rohan", 2).await;
    let ent = api.monster("Ent", &zone2, 99).await;
    api.delete(&format!("/zone/{zone2}/permanently"))
        .await
        .expect(200);
    api.get(&format!("/monster/{ent}")).await.expect(200);
}

async fn users_come_from_the_provider_or_the_default(stores: StoreFactory) {
    // no provider, no default: anonymous
    let anonymous = api(stores).await;
    let info = anonymous
        .post("/zone", json!({"name": "A", "level": 1}))
        .await
        .expect(200);
    assert_eq!(info["created_by"], "anonymous");

    // the app's default user
    let defaulted = api_with(
        stores,
        |b| b.default_user("system-bot"),
        HttpOptions::default(),
    )
    .await;
    let info = defaulted
        .post("/zone", json!({"name": "A", "level": 1}))
        .await
        .expect(200);
    assert_eq!(info["created_by"], "system-bot");

    // a header, falling back to the default
    let by_header = api_with(
        stores,
        |b| b.default_user("system-bot"),
        HttpOptions::default().users(UserProvider::header("x-user")),
    )
    .await;
    let request = Request::builder()
        .method("POST")
        .uri("/zone")
        .header("x-user", "carol")
        .body(Body::from(json!({"name": "A", "level": 1}).to_string()))
        .unwrap();
    let info = by_header.send(request).await.expect(200);
    assert_eq!(info["created_by"], "carol");
    let id = info["resource_id"].as_str().unwrap();
    let request = Request::builder()
        .method("PUT")
        .uri(format!("/zone/{id}"))
        .body(Body::from(json!({"name": "A", "level": 2}).to_string()))
        .unwrap();
    let info = by_header.send(request).await.expect(200);
    assert_eq!(info["updated_by"], "system-bot");
    let meta = by_header.get(&format!("/zone/{id}/meta")).await.expect(200);
    assert_eq!(meta["created_by"], "carol");
    assert_eq!(meta["updated_by"], "system-bot");

    // an extractor whose rejection is the response
    let strict = api_with(
        stores,
        |b| b,
        HttpOptions::default().users(UserProvider::from_extractor(
            |headers: axum::http::HeaderMap| {
                headers
                    .get("x-user")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            },
        )),
    )
    .await;
    let info = strict
        .post("/zone", json!({"name": "A", "level": 1}))
        .await
        .expect(200);
    assert_eq!(info["created_by"], "anonymous");
}

async fn body_limit_is_413_and_bad_bodies_are_never_500(stores: StoreFactory) {
    let api = api_with(stores, |b| b, HttpOptions::default().body_limit(64)).await;
    let big = json!({"name": "x".repeat(100), "level": 1});
    let reply = api.post("/zone", big).await;
    assert_eq!(reply.status, 413);
    assert!(reply.detail().contains("64"), "{}", reply.detail());
    api.post("/zone", json!({"name": "ok", "level": 1}))
        .await
        .expect(200);

    // no content type, a form content type (curl -d): still JSON
    let request = Request::builder()
        .method("POST")
        .uri("/zone")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(r#"{"name": "curl", "level": 1}"#))
        .unwrap();
    api.send(request).await.expect(200);
    for (body, status) in [
        ("{", 422),
        ("[1,", 422),
        ("null", 422),
        ("", 422),
        ("   ", 422),
        ("\"x\"", 422),
    ] {
        let reply = api.raw(Method::POST, "/zone", body).await;
        assert_eq!(reply.status, status, "body {body:?}: {}", reply.body);
    }
    let id = api.zone("Z", 1).await;
    for (body, status) in [("{", 422), ("{}", 400), ("", 400), ("[{\"op\": 1}]", 400)] {
        let reply = api.raw(Method::PATCH, &format!("/zone/{id}"), body).await;
        assert_eq!(reply.status, status, "patch body {body:?}: {}", reply.body);
    }
}

async fn unknown_routes_are_json_404(stores: StoreFactory) {
    let api = api(stores).await;
    let reply = api.get("/zone/a/b/c/d").await;
    assert_eq!(reply.status, 404);
    assert!(reply.detail().contains("/zone/a/b/c/d"));
    let reply = api.call(Method::PUT, "/zone/count", None).await;
    assert_eq!(reply.status, 405);
    assert!(reply.detail().contains("PUT"), "{}", reply.detail());
    // static segments win over ids
    assert_eq!(api.get("/zone/count").await.expect(200), json!(0));
    assert_eq!(api.post_empty("/zone/restore").await.expect(200), json!([]));
}
