//! Validators and constraint checkers, including compensation when the re-check after a
//! write fails.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use serde_json::json;

use super::*;
use crate::model::{Error, Result, RevisionStatus};
use crate::query::Query;
use crate::resource::{ConstraintChecker, ModelHandle, Modify, Validator};

/// A validator as a type.
struct MaxLevel(i64);

impl Validator<Zone> for MaxLevel {
    fn validate(&self, zone: &Zone) -> std::result::Result<(), String> {
        if zone.level > self.0 {
            return Err(format!("level {} is above {}", zone.level, self.0));
        }
        Ok(())
    }
}

#[tokio::test]
async fn validators_reject_data_as_validation_errors() {
    let spec = SpecStar::builder()
        .resource_with::<Zone>(|z| {
            z.validator(|z: &Zone| {
                if z.name.trim().is_empty() {
                    Err("name must not be blank".to_owned())
                } else {
                    Ok(())
                }
            })
            .validator(MaxLevel(60))
        })
        .build()
        .await
        .unwrap();
    let zones = spec.manager::<Zone>();
    match zones.create(zone(" ", 1)).await {
        Err(Error::Validation {
            message, resource, ..
        }) => {
            assert_eq!(resource, "zone");
            assert_eq!(message, "name must not be blank");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let info = zones.create(zone("Ok", 60)).await.unwrap();
    let err = zones
        .update(&info.resource_id, zone("Ok", 61))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("level 61 is above 60"), "{err}");
    let err = zones
        .patch(
            &info.resource_id,
            &patch(json!([{"op": "replace", "path": "/name", "value": ""}])),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
    assert_eq!(zones.count(Query::default()).await.unwrap(), 1);
}

/// At most one zone per level: a constraint that reads other resources.
#[derive(Default)]
struct OnePerLevel {
    zones: OnceLock<ModelHandle>,
    checks: AtomicU32,
}

#[async_trait::async_trait]
impl ConstraintChecker<Zone> for OnePerLevel {
    async fn check(&self, zone: &Zone, exclude_resource_id: Option<&str>) -> Result<()> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        let Some(zones) = self.zones.get() else {
            return Ok(());
        };
        let same_level = zones
            .search_metas(&Query::from(eq("level", zone.level)))
            .await?;
        if same_level
            .iter()
            .any(|m| Some(m.resource_id.as_str()) != exclude_resource_id)
        {
            return Err(Error::validation(
                "zone",
                format!("level {} is taken", zone.level),
            ));
        }
        Ok(())
    }

    fn data_relevant_changed(&self, old: &Zone, new: &Zone) -> bool {
        old.level != new.level
    }
}

#[tokio::test]
async fn constraint_checkers_see_other_resources_and_skip_irrelevant_changes() {
    let checker = Arc::new(OnePerLevel::default());
    let spec = SpecStar::builder()
        .resource_with::<Zone>(|z| z.constraint_checker(checker.clone()))
        .build()
        .await
        .unwrap();
    checker.zones.set(spec.model("zone").unwrap()).ok();
    let zones = spec.manager::<Zone>();

    let a = zones.create(zone("A", 1)).await.unwrap();
    assert_eq!(
        checker.checks.load(Ordering::SeqCst),
        2,
        "checked before and after"
    );
    let err = zones.create(zone("B", 1)).await.unwrap_err();
    assert!(err.to_string().contains("level 1 is taken"), "{err}");
    assert_eq!(
        zones.count(Query::default()).await.unwrap(),
        1,
        "nothing written"
    );

    let before = checker.checks.load(Ordering::SeqCst);
    zones
        .update(&a.resource_id, zone("A renamed", 1))
        .await
        .unwrap();
    assert_eq!(
        checker.checks.load(Ordering::SeqCst),
        before,
        "level unchanged: skipped"
    );

    let b = zones.create(zone("B", 2)).await.unwrap();
    let err = zones
        .update(&b.resource_id, zone("B", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
    zones.delete(&a.resource_id).await.unwrap();
    zones.update(&b.resource_id, zone("B", 1)).await.unwrap();
    let err = zones.restore(&a.resource_id).await.unwrap_err();
    assert!(err.to_string().contains("level 1 is taken"), "{err}");
    assert!(zones.get_meta(&a.resource_id).await.unwrap().is_deleted);
}

/// Passes every check except the `fail_at`-th call: simulates a concurrent writer that
/// breaks the constraint between the check before and the check after the write.
struct FailOnCall {
    calls: AtomicU32,
    fail_at: AtomicU32,
}

impl FailOnCall {
    fn new() -> Arc<Self> {
        Arc::new(FailOnCall {
            calls: AtomicU32::new(0),
            fail_at: AtomicU32::new(0),
        })
    }

    /// Fail the re-check of the next write (its 2nd check from now).
    fn fail_next_recheck(&self) {
        let calls = self.calls.load(Ordering::SeqCst);
        self.fail_at.store(calls + 2, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl<T: Sync> ConstraintChecker<T> for FailOnCall {
    async fn check(&self, _data: &T, _exclude_resource_id: Option<&str>) -> Result<()> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call == self.fail_at.load(Ordering::SeqCst) {
            return Err(Error::validation(
                "zone",
                "constraint broken by a concurrent write",
            ));
        }
        Ok(())
    }
}

async fn with_failing_checker(status: RevisionStatus) -> (SpecStar, Arc<FailOnCall>) {
    let checker = FailOnCall::new();
    let spec = SpecStar::builder()
        .default_status(status)
        .resource_with::<Zone>(|z| z.constraint_checker(checker.clone()))
        .build()
        .await
        .unwrap();
    (spec, checker)
}

#[tokio::test]
async fn a_failed_recheck_after_create_removes_the_resource() {
    let (spec, checker) = with_failing_checker(RevisionStatus::Stable).await;
    let zones = spec.manager::<Zone>();
    checker.fail_next_recheck();
    let err = zones.create(zone("A", 1)).await.unwrap_err();
    assert!(err.to_string().contains("concurrent write"), "{err}");
    let everything = meta(MetaField::IsDeleted, Operator::Exists, json!(true));
    assert_eq!(zones.count(everything).await.unwrap(), 0);
    // The unique name was released with it.
    zones.create(zone("A", 1)).await.unwrap();
}

#[tokio::test]
async fn a_failed_recheck_after_update_points_the_meta_back() {
    let (spec, checker) = with_failing_checker(RevisionStatus::Stable).await;
    let zones = spec.manager::<Zone>();
    let r1 = zones.create(zone("A", 1)).await.unwrap();
    let id = &r1.resource_id;
    checker.fail_next_recheck();
    assert!(zones.update(id, zone("A", 2)).await.is_err());
    let meta = zones.get_meta(id).await.unwrap();
    assert_eq!(meta.current_revision_id, r1.revision_id);
    assert_eq!(meta.indexed_data["level"], json!(1));
    assert_eq!(
        meta.total_revision_count, 2,
        "the failed revision's number stays used"
    );
    let r3 = zones.update(id, zone("A", 3)).await.unwrap();
    assert_eq!(r3.revision_id, format!("{id}:3"));
    assert_eq!(
        r3.parent_revision_id.as_deref(),
        Some(r1.revision_id.as_str())
    );
}

#[tokio::test]
async fn a_failed_recheck_after_modify_switch_or_restore_undoes_it() {
    let (spec, checker) = with_failing_checker(RevisionStatus::Draft).await;
    let zones = spec.manager::<Zone>();
    let r1 = zones.create(zone("A", 1)).await.unwrap();
    let id = &r1.resource_id;

    checker.fail_next_recheck();
    assert!(zones.modify(id, Modify::data(zone("A", 5))).await.is_err());
    let current = zones.get(id).await.unwrap();
    assert_eq!(current.data.level, 1);
    assert_eq!(
        current.info, r1,
        "the draft is back as it was, uid included"
    );

    let r2 = zones.update(id, zone("A", 2)).await.unwrap();
    checker.fail_next_recheck();
    assert!(zones.switch(id, &r1.revision_id).await.is_err());
    assert_eq!(
        zones.get_meta(id).await.unwrap().current_revision_id,
        r2.revision_id
    );

    zones.delete(id).await.unwrap();
    checker.fail_next_recheck();
    assert!(zones.restore(id).await.is_err());
    assert!(zones.get_meta(id).await.unwrap().is_deleted);
}
