//! Hooks around every operation: validators (closure and trait), constraint checkers (checked
//! before and after the write, compensated on failure), event handlers (four phases, global
//! and per resource, a before-handler aborting), and permission checkers.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use common::{Backend, Kind, patch, rev};
use serde_json::json;
use specstar::auth::{PermissionChecker, PermissionRequest};
use specstar::events::{self, Action, Event, EventHandler, Phase};
use specstar::prelude::*;
use specstar::query::Query;
use specstar::{ConstraintChecker, Validator};

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Zone {
    #[index]
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[specstar(default_status = draft)]
pub struct Monster {
    #[index]
    pub name: String,
    #[index]
    pub zone: String,
    pub hp: i64,
}

fn monster(name: &str, zone: &str, hp: i64) -> Monster {
    Monster {
        name: name.into(),
        zone: zone.into(),
        hp,
    }
}

/// A validator as a trait object: names must be capitalised.
struct Capitalised;

impl Validator<Monster> for Capitalised {
    fn validate(&self, data: &Monster) -> Result<(), String> {
        match data.name.chars().next() {
            Some(c) if c.is_uppercase() => Ok(()),
            _ => Err(format!("name `{}` must start with a capital", data.name)),
        }
    }
}

fn validation_message<T: std::fmt::Debug>(result: specstar::Result<T>) -> String {
    match result {
        Err(Error::Validation {
            resource,
            field,
            message,
        }) => {
            assert_eq!(resource, "monster");
            assert_eq!(field, None);
            message
        }
        other => panic!("expected Validation, got {other:?}"),
    }
}

async fn validators_refuse_bad_data_on_every_write(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db
        .builder()
        .resource_with::<Monster>(|m| {
            m.validator(|m: &Monster| {
                if m.hp >= 0 {
                    Ok(())
                } else {
                    Err(format!("hp must be ≥ 0, got {}", m.hp))
                }
            })
            .validator(Capitalised)
        })
        .build()
        .await
        .unwrap();
    let monsters = spec.manager::<Monster>();

    let message = validation_message(monsters.create(monster("Imp", "z", -1)).await);
    assert_eq!(message, "hp must be ≥ 0, got -1");
    let message = validation_message(monsters.create(monster("imp", "z", 1)).await);
    assert_eq!(message, "name `imp` must start with a capital");
    assert_eq!(monsters.count(Query::new()).await.unwrap(), 0);

    let info = monsters.create(monster("Imp", "z", 1)).await.unwrap();
    let id = &info.resource_id;
    validation_message(monsters.update(id, monster("Imp", "z", -5)).await);
    validation_message(
        monsters
            .patch(
                id,
                &patch(json!([{"op": "replace", "path": "/name", "value": "imp"}])),
            )
            .await,
    );
    validation_message(
        monsters
            .modify(id, Modify::data(monster("Imp", "z", -2)))
            .await,
    );
    let read = monsters.get(id).await.unwrap();
    assert_eq!(read.info, info, "no refused write left a trace");
    // The untyped handle runs the same validators.
    let err = monsters
        .handle()
        .create(json!({"name": "Imp", "zone": "z", "hp": -3}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("hp must be"), "{err}");
}

/// At most two monsters per zone: a constraint that reads other resources.
struct ZoneCapacity {
    monsters: OnceLock<ResourceManager<Monster>>,
    /// Calls since the last reset, and the call number that fails regardless (0: none),
    /// to play a concurrent writer slipping in between the check and the write.
    calls: AtomicUsize,
    fail_on_call: AtomicUsize,
}

impl ZoneCapacity {
    fn new() -> Arc<Self> {
        Arc::new(ZoneCapacity {
            monsters: OnceLock::new(),
            calls: AtomicUsize::new(0),
            fail_on_call: AtomicUsize::new(0),
        })
    }

    /// Make the re-check after the next write fail.
    fn fail_the_recheck(&self) {
        self.calls.store(0, Ordering::SeqCst);
        self.fail_on_call.store(2, Ordering::SeqCst);
    }

    fn heal(&self) {
        self.fail_on_call.store(0, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl ConstraintChecker<Monster> for ZoneCapacity {
    async fn check(&self, data: &Monster, exclude: Option<&str>) -> specstar::Result<()> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let full = || Error::Validation {
            resource: "monster".into(),
            field: Some("zone".into()),
            message: format!("zone `{}` is full", data.zone),
        };
        if call == self.fail_on_call.load(Ordering::SeqCst) {
            return Err(full());
        }
        let monsters = self.monsters.get().expect("set after build");
        let mut others = Monster::q().zone().eq(&data.zone);
        if let Some(id) = exclude {
            others = others & Monster::q().resource_id().ne(id);
        }
        if monsters.count(others).await? >= 2 {
            return Err(full());
        }
        Ok(())
    }

    fn data_relevant_changed(&self, old: &Monster, new: &Monster) -> bool {
        old.zone != new.zone
    }
}

async fn constraint_checkers_check_before_and_after_and_compensate(kind: Kind) {
    let db = Backend::open(kind).await;
    let capacity = ZoneCapacity::new();
    let spec = db
        .builder()
        .resource_with::<Monster>(|m| m.constraint_checker(capacity.clone()))
        .build()
        .await
        .unwrap();
    let monsters = spec.manager::<Monster>();
    let _ = capacity.monsters.set(monsters.clone());
    let is_full = |r: specstar::Result<()>| {
        matches!(r, Err(Error::Validation { ref field, ref message, .. })
            if field.as_deref() == Some("zone") && message.contains("is full"))
    };

    // Checked before the write: the third monster in a zone is refused.
    let a = monsters.create(monster("A", "cave", 1)).await.unwrap();
    let b = monsters.create(monster("B", "cave", 1)).await.unwrap();
    assert!(is_full(
        monsters.create(monster("C", "cave", 1)).await.map(drop)
    ));
    let c = monsters.create(monster("C", "field", 1)).await.unwrap();
    assert!(is_full(
        monsters
            .update(&c.resource_id, monster("C", "cave", 2))
            .await
            .map(drop)
    ));
    // Fields the constraint does not look at skip it (data_relevant_changed).
    capacity.fail_the_recheck();
    capacity.calls.store(1, Ordering::SeqCst); // the next call would be #2
    monsters
        .update(&a.resource_id, monster("A", "cave", 50))
        .await
        .unwrap();
    assert_eq!(capacity.calls.load(Ordering::SeqCst), 1, "not called");
    capacity.heal();

    // Re-checked after the write; on failure the write is undone.
    // create → the new resource is removed.
    capacity.fail_the_recheck();
    assert!(is_full(
        monsters.create(monster("D", "plain", 1)).await.map(drop)
    ));
    capacity.heal();
    assert_eq!(
        monsters
            .count(Monster::q().zone().eq("plain"))
            .await
            .unwrap(),
        0
    );

    // update → the meta points back at the previous revision; the number is not reused.
    let c_id = &c.resource_id;
    capacity.fail_the_recheck();
    assert!(is_full(
        monsters
            .update(c_id, monster("C", "plain", 1))
            .await
            .map(drop)
    ));
    capacity.heal();
    let read = monsters.get(c_id).await.unwrap();
    assert_eq!(read.info, c);
    assert_eq!(read.meta.indexed_data["zone"], json!("field"));
    let next = monsters
        .update(c_id, monster("C", "plain", 1))
        .await
        .unwrap();
    assert_eq!(next.revision_id, rev(c_id, 3), "revision 2 is never reused");
    assert_eq!(next.parent_revision_id, Some(c.revision_id.clone()));

    // modify (drafts) → the revision is put back as it was.
    let before = monsters.get(c_id).await.unwrap().info;
    capacity.fail_the_recheck();
    assert!(is_full(
        monsters
            .modify(c_id, Modify::data(monster("C", "hill", 1)))
            .await
            .map(drop)
    ));
    capacity.heal();
    let read = monsters.get(c_id).await.unwrap();
    assert_eq!(read.info, before);
    assert_eq!(read.data.zone, "plain");

    // switch → the meta goes back to the revision that was current.
    capacity.fail_the_recheck();
    assert!(is_full(
        monsters.switch(c_id, &c.revision_id).await.map(drop)
    ));
    capacity.heal();
    assert_eq!(
        monsters.get_meta(c_id).await.unwrap().current_revision_id,
        rev(c_id, 3)
    );
    // …and the ordinary check refuses a switch back into a full zone.
    monsters.create(monster("E", "field", 1)).await.unwrap();
    monsters.create(monster("F", "field", 1)).await.unwrap();
    assert!(is_full(
        monsters.switch(c_id, &c.revision_id).await.map(drop)
    ));

    // restore → the resource stays deleted.
    monsters.delete(&b.resource_id).await.unwrap();
    capacity.fail_the_recheck();
    assert!(is_full(monsters.restore(&b.resource_id).await.map(drop)));
    capacity.heal();
    assert!(monsters.get_meta(&b.resource_id).await.unwrap().is_deleted);
    monsters.restore(&b.resource_id).await.unwrap();
}

/// Records every event it sees as "phase action resource user [error]".
#[derive(Default)]
struct Recorder {
    label: &'static str,
    seen: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, event: &Event<'_>) -> specstar::Result<()> {
        let error = event.error.map(common::variant).unwrap_or_default();
        self.seen.lock().unwrap().push(
            format!(
                "{} {} {} {} {} {error}",
                self.label,
                event.phase.as_str(),
                event.action,
                event.resource,
                event.user
            )
            .trim_end()
            .to_owned(),
        );
        Ok(())
    }
}

impl Recorder {
    fn new(label: &'static str) -> Arc<Self> {
        Arc::new(Recorder {
            label,
            seen: Mutex::new(Vec::new()),
        })
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

async fn events_run_in_four_phases_globally_then_per_resource(kind: Kind) {
    let db = Backend::open(kind).await;
    let global = Recorder::new("app");
    let per_monster = Recorder::new("monster");
    // What the on_success handler of a create sees.
    let created: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let sink = created.clone();
    let spec = db
        .builder()
        .event_handler(global.clone())
        .event_handler(
            events::handler(move |e: &Event<'_>| {
                let info = e.info.expect("info on success");
                sink.lock().unwrap().push(json!({
                    "resource_id": e.resource_id,
                    "revision_id": e.revision_id,
                    "info_rev": info.revision_id,
                    "input": e.input,
                    "data": e.data,
                    "meta_count": e.meta.map(|m| m.total_revision_count),
                }));
                Ok(())
            })
            .phase(Phase::OnSuccess)
            .action(Action::Create),
        )
        // Errors after the fact are logged, never returned.
        .event_handler(
            events::handler(|_e: &Event<'_>| Err(Error::config("after-handler failure")))
                .phase(Phase::After)
                .phase(Phase::OnSuccess),
        )
        .resource_with::<Monster>(|m| m.event_handler(per_monster.clone()))
        .resource::<Zone>()
        .build()
        .await
        .unwrap();
    let (monsters, zones) = (spec.manager::<Monster>(), spec.manager::<Zone>());

    let info = monsters
        .as_user("ann")
        .create(monster("Imp", "z", 1))
        .await
        .unwrap();
    assert_eq!(
        global.take(),
        [
            "app before create monster ann",
            "app after create monster ann",
            "app on_success create monster ann"
        ]
    );
    assert_eq!(
        per_monster.take(),
        [
            "monster before create monster ann",
            "monster after create monster ann",
            "monster on_success create monster ann"
        ]
    );
    assert_eq!(
        *created.lock().unwrap(),
        [json!({
            "resource_id": info.resource_id,
            "revision_id": info.revision_id,
            "info_rev": info.revision_id,
            "input": {"name": "Imp", "zone": "z", "hp": 1},
            "data": {"name": "Imp", "zone": "z", "hp": 1},
            "meta_count": 1,
        })]
    );

    // A failure: after carries the error, then on_failure.
    let missing = "monster:00000000-0000-4000-8000-000000000000";
    monsters.as_user("ann").delete(missing).await.unwrap_err();
    assert_eq!(
        global.take(),
        [
            "app before delete monster ann",
            "app after delete monster ann NotFound",
            "app on_failure delete monster ann NotFound"
        ]
    );
    assert_eq!(per_monster.take().len(), 3);
    // Per-resource handlers see only their resource; reads have events too.
    zones.create(Zone { name: "z".into() }).await.unwrap();
    assert!(per_monster.take().is_empty());
    assert_eq!(global.take().len(), 3);
    monsters.get(&info.resource_id).await.unwrap();
    monsters.count(Query::new()).await.unwrap();
    let actions: Vec<String> = global
        .take()
        .into_iter()
        .filter(|e| e.contains(" before "))
        .collect();
    assert_eq!(
        actions,
        [
            "app before get monster system",
            "app before count monster system"
        ]
    );
}

async fn a_before_handler_error_aborts_the_action(kind: Kind) {
    let db = Backend::open(kind).await;
    let global = Recorder::new("app");
    let spec = db
        .builder()
        .event_handler(global.clone())
        .resource_with::<Monster>(|m| {
            m.event_handler(
                events::handler(|e: &Event<'_>| Err(e.abort("deletes are frozen")))
                    .phase(Phase::Before)
                    .action(Action::Delete),
            )
            .event_handler(
                events::handler(|e: &Event<'_>| {
                    match e.input.and_then(|i| i.get("hp")).and_then(|hp| hp.as_i64()) {
                        Some(hp) if hp > 100 => Err(e.abort(format!("hp {hp} is too high"))),
                        _ => Ok(()),
                    }
                })
                .phase(Phase::Before),
            )
        })
        .build()
        .await
        .unwrap();
    let monsters = spec.manager::<Monster>();
    let id = monsters
        .create(monster("Imp", "z", 1))
        .await
        .unwrap()
        .resource_id;
    global.take();

    match monsters.delete(&id).await {
        Err(err @ Error::Aborted { .. }) => {
            assert_eq!(
                err.to_string(),
                "delete on monster aborted by an event handler: deletes are frozen"
            );
            let Error::Aborted {
                resource,
                action,
                message,
            } = err
            else {
                unreachable!()
            };
            assert_eq!(
                (resource.as_str(), action.as_str(), message.as_str()),
                ("monster", "delete", "deletes are frozen")
            );
        }
        other => panic!("expected Aborted, got {other:?}"),
    }
    assert_eq!(
        global.take(),
        [
            "app before delete monster system",
            "app on_failure delete monster system Aborted"
        ],
        "no after phase: the action never ran"
    );
    assert!(
        !monsters.get_meta(&id).await.unwrap().is_deleted,
        "nothing deleted"
    );

    let err = monsters
        .create(monster("Giant", "z", 500))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Aborted { ref message, ref action, .. } if message == "hp 500 is too high" && action == "create"),
        "{err:?}"
    );
    let err = monsters
        .update(&id, monster("Imp", "z", 101))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Aborted { .. }), "{err:?}");
    assert_eq!(monsters.count(Query::new()).await.unwrap(), 1);
    assert_eq!(monsters.get(&id).await.unwrap().data.hp, 1);
}

/// Everybody reads; only `admin` writes; nobody touches zone `zone:locked`.
struct AdminWrites;

#[async_trait::async_trait]
impl PermissionChecker for AdminWrites {
    async fn allows(&self, request: &PermissionRequest<'_>) -> specstar::Result<bool> {
        Ok(!request.action.is_write() || request.user == "admin")
    }
}

/// Monsters: everything but permanent deletes.
struct NoPurge;

#[async_trait::async_trait]
impl PermissionChecker for NoPurge {
    async fn allows(&self, request: &PermissionRequest<'_>) -> specstar::Result<bool> {
        Ok(request.action != Action::PermanentlyDelete)
    }
}

async fn permission_checkers_deny_before_anything_runs(kind: Kind) {
    let db = Backend::open(kind).await;
    let global = Recorder::new("app");
    let spec = db
        .builder()
        .event_handler(global.clone())
        .permission_checker(AdminWrites)
        .resource::<Zone>()
        .resource_with::<Monster>(|m| m.permission_checker(NoPurge))
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<Zone>();
    let monsters = spec.manager::<Monster>();

    let denied = |r: specstar::Result<()>| match r {
        Err(err @ Error::PermissionDenied { .. }) => {
            let text = err.to_string();
            let Error::PermissionDenied {
                user,
                action,
                resource,
                id,
            } = err
            else {
                unreachable!()
            };
            assert!(text.contains(&user) && text.contains(&action), "{text}");
            (user, action, resource, id)
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    };
    let (user, action, resource, id) = denied(
        zones
            .as_user("eve")
            .create(Zone { name: "x".into() })
            .await
            .map(drop),
    );
    assert_eq!(
        (user.as_str(), action.as_str(), resource.as_str(), id),
        ("eve", "create", "zone", None)
    );
    assert_eq!(
        global.take(),
        ["app on_failure create zone eve PermissionDenied"],
        "no before handler ran"
    );
    let zone = zones
        .as_user("admin")
        .create(Zone { name: "x".into() })
        .await
        .unwrap()
        .resource_id;
    assert_eq!(
        zones.as_user("eve").get(&zone).await.unwrap().data.name,
        "x"
    );
    let (_, action, _, id) = denied(zones.as_user("eve").delete(&zone).await.map(drop));
    assert_eq!(
        (action.as_str(), id.as_deref()),
        ("delete", Some(zone.as_str()))
    );
    assert!(!zones.get_meta(&zone).await.unwrap().is_deleted);

    // The per-resource checker replaces the app's.
    let imp = monsters
        .as_user("eve")
        .create(monster("Imp", "z", 1))
        .await
        .unwrap()
        .resource_id;
    monsters.as_user("eve").delete(&imp).await.unwrap();
    let (user, action, resource, _) = denied(
        monsters
            .as_user("admin")
            .permanently_delete(&imp)
            .await
            .map(drop),
    );
    assert_eq!(
        (user.as_str(), action.as_str(), resource.as_str()),
        ("admin", "permanently_delete", "monster")
    );
    assert!(monsters.get_meta(&imp).await.is_ok(), "still stored");
}

on_every_backend!(
    validators_refuse_bad_data_on_every_write,
    constraint_checkers_check_before_and_after_and_compensate,
    events_run_in_four_phases_globally_then_per_resource,
    a_before_handler_error_aborts_the_action,
    permission_checkers_deny_before_anything_runs,
);
