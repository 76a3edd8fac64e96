//! The REST API of derived resources through the public facade only: the five resources of the
//! game example, served by `spec.router()` and driven in-process.

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{Value, json};
use specstar::prelude::*;
use tower::ServiceExt;

// The very types of `examples/game.rs`, so this test serves what the example serves.
#[path = "../examples/game.rs"]
#[allow(dead_code)]
mod game;
use game::{Character, Guild, Item, Monster, Zone};

async fn app() -> axum::Router {
    let spec = SpecStar::builder()
        .resource::<Zone>()
        .resource::<Guild>()
        .resource::<Character>()
        .resource::<Monster>()
        .resource::<Item>()
        .build()
        .await
        .expect("the game app builds");
    spec.router()
}

async fn call(app: &axum::Router, method: Method, uri: &str, body: Option<Value>) -> (u16, Value) {
    let request = Request::builder().method(method).uri(uri);
    let request = match body {
        Some(b) => request.body(Body::from(b.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("a valid request");
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}

fn enc(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('"', "%22")
        .replace('&', "%26")
        .replace('[', "%5B")
        .replace(']', "%5D")
        .replace('>', "%3E")
        .replace('=', "%3D")
        .replace('|', "%7C")
}

#[tokio::test]
async fn derived_resources_are_served_with_their_rules() {
    let app = app().await;
    let (status, guild) = call(
        &app,
        Method::POST,
        "/guild",
        Some(json!({"name": "Owls", "motto": null})),
    )
    .await;
    assert_eq!(status, 200, "{guild}");
    let guild_id = guild["resource_id"].as_str().unwrap().to_owned();
    assert!(guild_id.starts_with("guild:"));

    let (status, hero) = call(
        &app,
        Method::POST,
        "/character",
        Some(json!({"name": "Aria", "level": 7, "role": "mage", "guild_id": guild_id})),
    )
    .await;
    assert_eq!(status, 200, "{hero}");
    let hero_id = hero["resource_id"].as_str().unwrap().to_owned();
    let (_, read) = call(
        &app,
        Method::GET,
        &format!("/character/{hero_id}/data"),
        None,
    )
    .await;
    assert_eq!(read["gold"], 0, "serde default applies");

    // strict validation: a string is not an integer
    let (status, _) = call(
        &app,
        Method::POST,
        "/character",
        Some(json!({"name": "B", "level": "7", "role": "x"})),
    )
    .await;
    assert_eq!(status, 422);
    // an integer is accepted for a float field
    let (status, item) = call(
        &app,
        Method::POST,
        "/item",
        Some(json!({"name": "Staff", "owner_id": hero_id, "rarity": "rare", "price": 10})),
    )
    .await;
    assert_eq!(status, 200, "{item}");

    // qb on derived indexes
    let (status, found) = call(
        &app,
        Method::GET,
        &format!(
            "/character?qb={}",
            enc(r#"(QB["level"] > 5) & (QB.role == "mage")"#)
        ),
        None,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found.as_array().unwrap().len(), 1);

    // referrers, then set_null when the guild is deleted
    let (status, refs) = call(
        &app,
        Method::GET,
        &format!("/guild/{guild_id}/referrers"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(refs[0]["resource_ids"], json!([hero_id]));
    let (status, _) = call(&app, Method::DELETE, &format!("/guild/{guild_id}"), None).await;
    assert_eq!(status, 200);
    let (_, data) = call(
        &app,
        Method::GET,
        &format!("/character/{hero_id}/data"),
        None,
    )
    .await;
    assert_eq!(data["guild_id"], Value::Null);
    let (_, meta) = call(
        &app,
        Method::GET,
        &format!("/character/{hero_id}/meta"),
        None,
    )
    .await;
    assert_eq!(meta["total_revision_count"], 2, "set_null wrote a revision");

    // unique display name
    let (status, conflict) =
        call(&app, Method::POST, "/guild", Some(json!({"name": "Owls"}))).await;
    assert_eq!(
        status, 200,
        "the deleted guild no longer holds the name: {conflict}"
    );
    let (status, conflict) =
        call(&app, Method::POST, "/guild", Some(json!({"name": "Owls"}))).await;
    assert_eq!(status, 409);
    assert_eq!(conflict["detail"]["field"], "name");
}

#[tokio::test]
async fn openapi_comes_from_the_derives() {
    let app = app().await;
    let (status, doc) = call(&app, Method::GET, "/openapi.json", None).await;
    assert_eq!(status, 200);
    let zone = &doc["components"]["schemas"]["Zone"];
    assert_eq!(zone["description"], "A zone of the game world.");
    assert_eq!(
        zone["properties"]["name"]["description"],
        "The zone's name, unique among zones."
    );
    assert_eq!(zone["properties"]["name"]["x-unique"], true);
    assert_eq!(zone["x-display-name-field"], "name");
    let character = &doc["components"]["schemas"]["Character"];
    assert_eq!(
        character["properties"]["guild_id"]["x-ref-resource"],
        "guild"
    );
    assert_eq!(
        character["properties"]["guild_id"]["x-ref-on-delete"],
        "set_null"
    );
    let monster = &doc["components"]["schemas"]["Monster"];
    assert_eq!(
        monster["properties"]["zone_snapshot"]["x-ref-type"],
        "revision_id"
    );
    assert_eq!(
        doc["x-specstar-indexed-fields"]["monster"],
        json!(["name", "zone_id", "hp", "boss"])
    );
    let rels = doc["x-specstar-relationships"].as_array().unwrap();
    assert_eq!(rels.len(), 4);
    assert!(doc["paths"]["/item/{id}/revision-list"]["get"].is_object());
    let (status, rels) = call(&app, Method::GET, "/_relationships", None).await;
    assert_eq!(status, 200);
    assert_eq!(rels.as_array().unwrap().len(), 4);
}
