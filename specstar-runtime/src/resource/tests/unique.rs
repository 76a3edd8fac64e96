//! Unique fields hold among non-deleted resources on every write; `None` may repeat.

use super::*;
use crate::model::{Error, RevisionStatus};
use crate::resource::Modify;

fn conflict_of(result: crate::model::Result<impl std::fmt::Debug>) -> (String, String) {
    match result {
        Err(Error::UniqueViolation {
            field,
            conflicting_id,
            resource,
            ..
        }) => {
            assert_eq!(resource, "user");
            (field, conflicting_id)
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
}

#[tokio::test]
async fn create_and_update_refuse_a_taken_value_and_none_repeats() {
    let spec = app().await;
    let users = spec.manager::<User>();
    let ann = users.create(user("ann", Some("a@x.org"))).await.unwrap();
    let (field, holder) = conflict_of(users.create(user("ann2", Some("a@x.org"))).await);
    assert_eq!(
        (field.as_str(), holder.as_str()),
        ("email", ann.resource_id.as_str())
    );

    users.create(user("n1", None)).await.unwrap();
    users.create(user("n2", None)).await.unwrap();

    let bob = users.create(user("bob", Some("b@x.org"))).await.unwrap();
    conflict_of(
        users
            .update(&bob.resource_id, user("bob", Some("a@x.org")))
            .await,
    );
    let patched = users
        .patch(
            &bob.resource_id,
            &patch(serde_json::json!([{"op": "replace", "path": "/email", "value": "a@x.org"}])),
        )
        .await;
    conflict_of(patched);
    // Keeping one's own value is fine.
    users
        .update(&ann.resource_id, user("ann b.", Some("a@x.org")))
        .await
        .unwrap();
    assert_eq!(
        users
            .get_meta(&bob.resource_id)
            .await
            .unwrap()
            .total_revision_count,
        1
    );
}

#[tokio::test]
async fn delete_frees_a_value_and_restore_or_switch_cannot_take_it_back() {
    let spec = app().await;
    let users = spec.manager::<User>();
    let ann = users.create(user("ann", Some("a@x.org"))).await.unwrap();
    users.delete(&ann.resource_id).await.unwrap();
    let ann2 = users.create(user("ann2", Some("a@x.org"))).await.unwrap();

    let (_, holder) = conflict_of(users.restore(&ann.resource_id).await);
    assert_eq!(holder, ann2.resource_id);
    assert!(
        users.get_meta(&ann.resource_id).await.unwrap().is_deleted,
        "still deleted"
    );

    // ann2 moves away, then someone else takes the address; switching ann2 back fails.
    let moved = users
        .update(&ann2.resource_id, user("ann2", Some("c@x.org")))
        .await
        .unwrap();
    let carl = users.create(user("carl", Some("a@x.org"))).await.unwrap();
    let (_, holder) = conflict_of(users.switch(&ann2.resource_id, &ann2.revision_id).await);
    assert_eq!(holder, carl.resource_id);
    let meta = users.get_meta(&ann2.resource_id).await.unwrap();
    assert_eq!(
        meta.current_revision_id, moved.revision_id,
        "switch wrote nothing"
    );
}

#[tokio::test]
async fn modify_enforces_unique_values_too() {
    let spec = builder()
        .default_status(RevisionStatus::Draft)
        .build()
        .await
        .unwrap();
    let users = spec.manager::<User>();
    users.create(user("ann", Some("a@x.org"))).await.unwrap();
    let bob = users.create(user("bob", Some("b@x.org"))).await.unwrap();
    let result = users
        .modify(&bob.resource_id, Modify::data(user("bob", Some("a@x.org"))))
        .await;
    conflict_of(result);
    let current = users.get(&bob.resource_id).await.unwrap();
    assert_eq!(current.data.email.as_deref(), Some("b@x.org"));
}
