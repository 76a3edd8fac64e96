//! Operation context: as_user / at, app and resource defaults, strict mode.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::TimeZone;

use super::*;
use crate::model::{Error, Timestamp};
use crate::resource::SYSTEM_USER;

fn t(day: u32) -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2031, 3, day, 8, 0, 0).unwrap()
}

#[tokio::test]
async fn as_user_and_at_are_recorded_on_revision_and_meta() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let info = zones
        .as_user("alice")
        .at(t(1))
        .create(zone("Z", 1))
        .await
        .unwrap();
    assert_eq!(
        (info.created_by.as_str(), info.created_time),
        ("alice", t(1))
    );
    let update = zones
        .as_user("bob")
        .at(t(2))
        .update(&info.resource_id, zone("Z", 2))
        .await
        .unwrap();
    assert_eq!(
        (update.created_by.as_str(), update.created_time),
        ("bob", t(2))
    );
    let meta = zones.get_meta(&info.resource_id).await.unwrap();
    assert_eq!(
        (meta.created_by.as_str(), meta.created_time),
        ("alice", t(1))
    );
    assert_eq!((meta.updated_by.as_str(), meta.updated_time), ("bob", t(2)));
    assert_eq!(
        (meta.rev_created_by.as_str(), meta.rev_created_time),
        ("bob", t(2))
    );

    // The context stays on the copy: the original manager is unchanged.
    let plain = zones.create(zone("Y", 1)).await.unwrap();
    assert_eq!(plain.created_by, SYSTEM_USER);
}

#[tokio::test]
async fn app_defaults_apply_and_resource_defaults_override_them() {
    let ticks = Arc::new(AtomicU32::new(0));
    let clock = ticks.clone();
    let spec = SpecStar::builder()
        .default_user("app-user")
        .default_now(move || t(1 + clock.fetch_add(1, Ordering::SeqCst)))
        .resource::<Zone>()
        .resource_with::<User>(|u| u.default_user("user-admin").default_now(|| t(20)))
        .build()
        .await
        .unwrap();
    let a = spec.manager::<Zone>().create(zone("Z", 1)).await.unwrap();
    let b = spec.manager::<Zone>().create(zone("Y", 1)).await.unwrap();
    assert_eq!((a.created_by.as_str(), a.created_time), ("app-user", t(1)));
    assert_eq!(b.created_time, t(2), "the clock is called per operation");
    let u = spec
        .manager::<User>()
        .create(user("u", None))
        .await
        .unwrap();
    assert_eq!(
        (u.created_by.as_str(), u.created_time),
        ("user-admin", t(20))
    );
    let explicit = spec
        .manager::<User>()
        .as_user("me")
        .create(user("v", None))
        .await
        .unwrap();
    assert_eq!(explicit.created_by, "me");
}

#[tokio::test]
async fn strict_mode_refuses_writes_without_user_or_time() {
    let spec = builder()
        .strict_operation_context(true)
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<Zone>();
    match zones.create(zone("Z", 1)).await {
        Err(Error::MissingContext {
            missing,
            action,
            resource,
        }) => {
            assert_eq!(
                (missing, action.as_str(), resource.as_str()),
                ("user", "create", "zone")
            );
        }
        other => panic!("expected MissingContext, got {other:?}"),
    }
    let no_time = zones.as_user("alice").create(zone("Z", 1)).await;
    assert!(matches!(
        no_time,
        Err(Error::MissingContext {
            missing: "time",
            ..
        })
    ));
    let info = zones
        .as_user("alice")
        .at(t(3))
        .create(zone("Z", 1))
        .await
        .unwrap();
    let id = &info.resource_id;
    assert!(matches!(
        zones.delete(id).await,
        Err(Error::MissingContext { .. })
    ));
    // Reads need no context.
    assert_eq!(zones.get(id).await.unwrap().data.name, "Z");
    assert_eq!(
        zones.count(crate::query::Query::default()).await.unwrap(),
        1
    );

    let with_defaults = builder()
        .strict_operation_context(true)
        .default_user("svc")
        .default_now(|| t(4))
        .build()
        .await
        .unwrap();
    let info = with_defaults
        .manager::<Zone>()
        .create(zone("Z", 1))
        .await
        .unwrap();
    assert_eq!((info.created_by.as_str(), info.created_time), ("svc", t(4)));
}
