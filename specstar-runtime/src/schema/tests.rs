//! Paths and conversions of the version graph, with hand-built steps (what the derive emits).

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use super::*;

static CONVERSIONS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Serialize, Deserialize)]
struct V1 {
    name: String,
}
#[derive(Debug, Serialize, Deserialize)]
struct V2 {
    title: String,
}
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct V3 {
    title: String,
    level: i64,
}

impl From<V1> for V2 {
    fn from(v: V1) -> Self {
        CONVERSIONS.fetch_add(1, Ordering::SeqCst);
        V2 { title: v.name }
    }
}
impl TryFrom<V2> for V3 {
    type Error = String;
    fn try_from(v: V2) -> Result<Self, String> {
        CONVERSIONS.fetch_add(1, Ordering::SeqCst);
        if v.title.is_empty() {
            return Err("title is empty".into());
        }
        Ok(V3 {
            title: v.title,
            level: 1,
        })
    }
}

fn step<F, T>(from: &'static str, to: &'static str) -> MigrationStep
where
    F: DeserializeOwned + Send + 'static,
    T: MigrateFrom<F> + Send + 'static,
{
    MigrationStep {
        from,
        to,
        via: std::any::type_name::<F>(),
        decode: decode_step::<F>,
        convert: convert_step::<F, T>,
    }
}

fn payload<'a>(version: Option<&'a str>, bytes: &'a [u8]) -> StoredPayload<'a> {
    StoredPayload {
        backend: "memory",
        resource: "zone",
        revision_id: "zone:1:1",
        version,
        bytes,
        encoding: Encoding::Json,
    }
}

#[test]
fn a_chain_converts_step_by_step_into_the_current_type() {
    let steps = [step::<V1, V2>("v1", "v2"), step::<V2, V3>("v2", "v3")];
    let v3: V3 = read(&steps, Some("v3"), payload(Some("v1"), br#"{"name":"A"}"#)).unwrap();
    assert_eq!(
        v3,
        V3 {
            title: "A".into(),
            level: 1
        }
    );
}

#[test]
fn a_failing_try_from_names_the_step_and_its_error() {
    let steps = [step::<V1, V2>("v1", "v2"), step::<V2, V3>("v2", "v3")];
    let error = read::<V3>(&steps, Some("v3"), payload(Some("v1"), br#"{"name":""}"#)).unwrap_err();
    match error {
        Error::MigrationFailed {
            from, to, message, ..
        } => {
            assert_eq!((from.as_deref(), to.as_deref()), (Some("v1"), Some("v3")));
            assert!(message.contains("v2 → v3"), "{message}");
            assert!(message.contains("title is empty"), "{message}");
        }
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
}

#[test]
fn a_payload_that_does_not_fit_the_via_type_is_a_migration_error() {
    let steps = [step::<V1, V2>("v1", "v2"), step::<V2, V3>("v2", "v3")];
    let error = read::<V3>(&steps, Some("v3"), payload(Some("v1"), br#"{"nom":"A"}"#)).unwrap_err();
    assert!(matches!(error, Error::MigrationFailed { .. }), "{error:?}");
}

#[test]
fn the_shortcut_wins_over_the_chain_whatever_the_declaration_order() {
    #[derive(Deserialize)]
    struct Direct(V1);
    impl From<Direct> for V3 {
        fn from(d: Direct) -> Self {
            V3 {
                title: d.0.name,
                level: 9,
            }
        }
    }
    let steps = [
        step::<V1, V2>("v1", "v2"),
        step::<V2, V3>("v2", "v3"),
        step::<Direct, V3>("v1", "v3"),
    ];
    let path = shortest_path(&steps, "v1", "v3").unwrap();
    assert_eq!(
        path.iter().map(|s| (s.from, s.to)).collect::<Vec<_>>(),
        [("v1", "v3")]
    );
    let chain = shortest_path(&steps, "v2", "v3").unwrap();
    assert_eq!(chain.len(), 1);
}

#[test]
fn versions_without_a_path_decode_directly_and_fail_only_if_the_payload_does_not_fit() {
    let steps = [step::<V2, V3>("v2", "v3")];
    let same: V3 = read(
        &steps,
        Some("v3"),
        payload(Some("v0"), br#"{"title":"A","level":2}"#),
    )
    .unwrap();
    assert_eq!(same.level, 2);
    let unversioned: V3 = read(
        &steps,
        Some("v3"),
        payload(None, br#"{"title":"A","level":3}"#),
    )
    .unwrap();
    assert_eq!(unversioned.level, 3);
    let error =
        read::<V3>(&steps, Some("v3"), payload(Some("v0"), br#"{"name":"A"}"#)).unwrap_err();
    match error {
        Error::MigrationFailed { message, .. } => {
            assert!(message.contains("migrate(from = \"v0\""), "{message}")
        }
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
    // At the current version a payload that does not fit is a storage problem.
    let error =
        read::<V3>(&steps, Some("v3"), payload(Some("v3"), br#"{"name":"A"}"#)).unwrap_err();
    assert!(matches!(error, Error::Storage { .. }), "{error:?}");
}

#[test]
fn cycles_do_not_loop_and_unreachable_versions_have_no_path() {
    let steps = [step::<V1, V2>("v1", "v2"), step::<V2, V3>("v2", "v1")];
    assert!(shortest_path(&steps, "v1", "v3").is_none());
    assert_eq!(shortest_path(&steps, "v3", "v3").unwrap().len(), 0);
}

#[test]
fn progress_lines_count_into_the_summary() {
    let line = |status| MigrationProgress {
        resource_id: "zone:1".into(),
        status,
        message: None,
        error: Some("boom".into()),
        timestamp: crate::model::now(),
    };
    let mut summary = MigrationSummary::default();
    for status in [
        MigrationStatus::Migrating,
        MigrationStatus::Success,
        MigrationStatus::Skipped,
        MigrationStatus::Failed,
    ] {
        summary.record(&line(status));
    }
    assert_eq!(
        (
            summary.total,
            summary.success,
            summary.skipped,
            summary.failed
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(summary.errors, ["zone:1: boom"]);
    let json = serde_json::to_value(line(MigrationStatus::Success)).unwrap();
    assert_eq!(json["status"], "success");
    assert!(json["timestamp"].as_str().unwrap().ends_with('Z'));
}
