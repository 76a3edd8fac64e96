//! Event phases and their order, aborting in `before`, permission checks.

use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::json;

use super::*;
use crate::auth::{PermissionChecker, PermissionRequest};
use crate::events::{self, Action, Event, EventHandler, Phase};
use crate::model::{Error, Result};
use crate::query::Query;

/// Records `"<tag> <phase> <action>"` for every event, plus what some events carry.
struct Recorder {
    tag: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, event: &Event<'_>) -> Result<()> {
        let mut line = format!("{} {} {}", self.tag, event.phase.as_str(), event.action);
        if event.error.is_some() {
            line.push_str(" (error)");
        }
        self.log.lock().push(line);
        Ok(())
    }
}

fn take(log: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *log.lock())
}

#[tokio::test]
async fn phases_run_in_order_app_handlers_first() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let spec = SpecStar::builder()
        .event_handler(Recorder {
            tag: "app",
            log: log.clone(),
        })
        .resource_with::<Zone>(|z| {
            z.event_handler(Recorder {
                tag: "zone",
                log: log.clone(),
            })
        })
        .resource::<User>()
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<Zone>();
    let info = zones.create(zone("A", 1)).await.unwrap();
    assert_eq!(
        take(&log),
        [
            "app before create",
            "zone before create",
            "app after create",
            "zone after create",
            "app on_success create",
            "zone on_success create",
        ]
    );

    let _ = zones.update(&info.resource_id, zone("A", 6)).await;
    let _ = zones.get(&info.resource_id).await;
    let _ = zones.count(Query::default()).await;
    let phases_of = |log: Vec<String>, action: &str| {
        log.iter()
            .filter(|l| l.starts_with("app ") && l.ends_with(action))
            .count()
    };
    let all = take(&log);
    assert_eq!(phases_of(all.clone(), " update"), 3);
    assert_eq!(phases_of(all.clone(), " get"), 3);
    assert_eq!(phases_of(all, " count"), 3);

    // A failure runs after and on_failure, with the error.
    let _ = zones.get("zone:missing").await;
    assert_eq!(
        take(&log),
        [
            "app before get",
            "zone before get",
            "app after get (error)",
            "zone after get (error)",
            "app on_failure get (error)",
            "zone on_failure get (error)",
        ]
    );

    // App handlers see every resource; zone handlers only zones.
    spec.manager::<User>()
        .create(user("u", None))
        .await
        .unwrap();
    assert!(take(&log).iter().all(|l| l.starts_with("app ")));
}

#[tokio::test]
async fn handlers_see_ids_data_and_results() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let spec = SpecStar::builder()
        .resource_with::<Zone>(|z| {
            z.event_handler(
                events::handler(move |e: &Event<'_>| {
                    sink.lock().push((
                        e.phase,
                        e.user.to_owned(),
                        e.resource_id.map(str::to_owned),
                        e.input.cloned(),
                        e.data.cloned(),
                        e.info.map(|i| i.revision_id.clone()),
                    ));
                    Ok(())
                })
                .action(Action::Create),
            )
        })
        .build()
        .await
        .unwrap();
    let info = spec
        .manager::<Zone>()
        .as_user("ivy")
        .create(zone("A", 1))
        .await
        .unwrap();
    let seen = seen.lock();
    let (phase, user, id, input, data, revision) = &seen[0];
    assert_eq!((*phase, user.as_str()), (Phase::Before, "ivy"));
    assert_eq!((id, data, revision), (&None, &None, &None));
    assert_eq!(
        input.as_ref(),
        Some(&json!({"name": "A", "level": 1, "tags": []}))
    );
    let (phase, _, id, _, data, revision) = &seen[2];
    assert_eq!(*phase, Phase::OnSuccess);
    assert_eq!(id.as_deref(), Some(info.resource_id.as_str()));
    assert_eq!(revision.as_deref(), Some(info.revision_id.as_str()));
    assert_eq!(data.as_ref().unwrap()["name"], json!("A"));
}

#[tokio::test]
async fn a_before_handler_error_aborts_the_action() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let spec = SpecStar::builder()
        .resource_with::<Zone>(|z| {
            z.event_handler(
                events::handler(|e: &Event<'_>| Err(e.abort("zones are frozen")))
                    .phase(Phase::Before)
                    .action(Action::Update)
                    .action(Action::Delete),
            )
            .event_handler(Recorder {
                tag: "zone",
                log: log.clone(),
            })
        })
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<Zone>();
    let info = zones.create(zone("A", 1)).await.unwrap();
    take(&log);
    match zones.update(&info.resource_id, zone("A", 2)).await {
        Err(Error::Aborted {
            resource,
            action,
            message,
        }) => {
            assert_eq!((resource.as_str(), action.as_str()), ("zone", "update"));
            assert_eq!(message, "zones are frozen");
        }
        other => panic!("expected Aborted, got {other:?}"),
    }
    assert_eq!(
        take(&log),
        ["zone on_failure update (error)"],
        "later before-handlers and the action did not run"
    );
    assert!(matches!(
        zones.delete(&info.resource_id).await,
        Err(Error::Aborted { .. })
    ));
    let meta = zones.get_meta(&info.resource_id).await.unwrap();
    assert_eq!((meta.total_revision_count, meta.is_deleted), (1, false));
}

#[tokio::test]
async fn errors_of_late_phases_are_logged_not_returned() {
    let spec = SpecStar::builder()
        .event_handler(
            events::handler(|e: &Event<'_>| Err(e.abort("ignored"))).phase(Phase::OnSuccess),
        )
        .resource::<Zone>()
        .build()
        .await
        .unwrap();
    assert!(spec.manager::<Zone>().create(zone("A", 1)).await.is_ok());
}

/// Everybody reads; only `admin` writes.
struct AdminWrites;

#[async_trait::async_trait]
impl PermissionChecker for AdminWrites {
    async fn allows(&self, request: &PermissionRequest<'_>) -> Result<bool> {
        Ok(!request.action.is_write() || request.user == "admin")
    }
}

#[tokio::test]
async fn the_permission_checker_runs_first_and_denials_name_the_action() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let spec = SpecStar::builder()
        .permission_checker(AdminWrites)
        .event_handler(Recorder {
            tag: "app",
            log: log.clone(),
        })
        .resource::<Zone>()
        .resource_with::<User>(|u| u.permission_checker(crate::auth::AllowAll))
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<Zone>();
    match zones.as_user("mallory").create(zone("A", 1)).await {
        Err(Error::PermissionDenied {
            user,
            action,
            resource,
            id,
        }) => {
            assert_eq!(
                (user.as_str(), action.as_str(), resource.as_str(), id),
                ("mallory", "create", "zone", None)
            );
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert_eq!(
        take(&log),
        ["app on_failure create (error)"],
        "no before, no write"
    );
    let info = zones.as_user("admin").create(zone("A", 1)).await.unwrap();
    let denied = zones
        .as_user("mallory")
        .delete(&info.resource_id)
        .await
        .unwrap_err();
    assert!(matches!(
        denied,
        Error::PermissionDenied { id: Some(_), .. }
    ));
    assert!(
        zones
            .as_user("mallory")
            .get(&info.resource_id)
            .await
            .is_ok(),
        "reads allowed"
    );
    // The per-resource checker overrides the app's.
    assert!(
        spec.manager::<User>()
            .as_user("mallory")
            .create(user("m", None))
            .await
            .is_ok()
    );
}
