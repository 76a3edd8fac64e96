//! Unique fields: enforced among non-deleted resources on create, update, patch, modify, switch
//! and restore; `None` may repeat; the violation names the field, the value and the holder.

mod common;

use common::{Backend, Kind, patch, rev};
use serde_json::json;
use specstar::prelude::*;

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Badge {
    #[unique]
    pub code: String,
    pub label: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Account {
    #[unique]
    pub handle: String,
    #[unique]
    pub email: Option<String>,
    #[unique]
    pub number: i64,
    #[nested]
    pub badge: Badge,
}

fn account(handle: &str, email: Option<&str>, number: i64) -> Account {
    Account {
        handle: handle.to_owned(),
        email: email.map(str::to_owned),
        number,
        badge: Badge {
            code: format!("B-{handle}-{number}"),
            label: "member".into(),
        },
    }
}

async fn app(backend: &Backend) -> SpecStar {
    backend
        .builder()
        .resource_with::<Account>(|a| a.default_status(RevisionStatus::Draft))
        .build()
        .await
        .expect("the app builds")
}

/// The violation's field, value and conflicting id.
fn violation<T: std::fmt::Debug>(
    result: specstar::Result<T>,
) -> (String, serde_json::Value, String) {
    match result {
        Err(err @ Error::UniqueViolation { .. }) => {
            let message = err.to_string();
            let Error::UniqueViolation {
                resource,
                field,
                value,
                conflicting_id,
            } = err
            else {
                unreachable!()
            };
            assert_eq!(resource, "account");
            assert!(
                message.contains(&field) && message.contains(&conflicting_id),
                "the message names field and holder: {message}"
            );
            (field, value, conflicting_id)
        }
        other => panic!("expected UniqueViolation, got {other:?}"),
    }
}

async fn create_refuses_a_taken_value_naming_field_value_and_holder(kind: Kind) {
    let db = Backend::open(kind).await;
    let accounts = app(&db).await.manager::<Account>();
    let ann = accounts
        .create(account("ann", Some("ann@x.org"), 1))
        .await
        .unwrap()
        .resource_id;

    let (field, value, holder) = violation(accounts.create(account("ann", None, 2)).await);
    assert_eq!(
        (field.as_str(), value, holder.as_str()),
        ("handle", json!("ann"), ann.as_str())
    );
    let (field, value, holder) =
        violation(accounts.create(account("bob", Some("ann@x.org"), 2)).await);
    assert_eq!(
        (field.as_str(), value, holder.as_str()),
        ("email", json!("ann@x.org"), ann.as_str())
    );
    let (field, value, _) = violation(accounts.create(account("bob", None, 1)).await);
    assert_eq!((field.as_str(), value), ("number", json!(1)));
    let mut nested = account("bob", None, 2);
    nested.badge.code = "B-ann-1".into();
    let (field, value, holder) = violation(accounts.create(nested).await);
    assert_eq!(
        (field.as_str(), value, holder),
        ("badge.code", json!("B-ann-1"), ann.clone())
    );

    // Nothing was written by the refused creates.
    assert_eq!(
        accounts.count(specstar::query::Query::new()).await.unwrap(),
        1
    );
    // `None` may repeat.
    accounts.create(account("bob", None, 2)).await.unwrap();
    accounts.create(account("cid", None, 3)).await.unwrap();
}

async fn update_patch_and_modify_refuse_taken_values(kind: Kind) {
    let db = Backend::open(kind).await;
    let accounts = app(&db).await.manager::<Account>();
    let ann = accounts
        .create(account("ann", Some("ann@x.org"), 1))
        .await
        .unwrap()
        .resource_id;
    let bob_info = accounts
        .create(account("bob", Some("bob@x.org"), 2))
        .await
        .unwrap();
    let bob = bob_info.resource_id.clone();

    // Keeping one's own value is no conflict.
    let mut same = account("bob", Some("bob@x.org"), 2);
    same.badge.label = "admin".into();
    let second = accounts.update(&bob, same).await.unwrap();
    assert_eq!(second.revision_id, rev(&bob, 2));

    let (field, _, holder) = violation(accounts.update(&bob, account("ann", None, 2)).await);
    assert_eq!((field.as_str(), holder.as_str()), ("handle", ann.as_str()));
    let (field, _, holder) = violation(
        accounts
            .patch(
                &bob,
                &patch(json!([{"op": "replace", "path": "/email", "value": "ann@x.org"}])),
            )
            .await,
    );
    assert_eq!((field.as_str(), holder.as_str()), ("email", ann.as_str()));
    // Modify rewrites the draft in place, under the same rule.
    let (field, _, holder) = violation(
        accounts
            .modify(&bob, Modify::data(account("bob", Some("bob@x.org"), 1)))
            .await,
    );
    assert_eq!((field.as_str(), holder.as_str()), ("number", ann.as_str()));
    let read = accounts.get(&bob).await.unwrap();
    assert_eq!(read.info, second, "nothing written by the refused writes");
    assert_eq!(read.data.email.as_deref(), Some("bob@x.org"));

    // Moving away from a value frees it, including through modify.
    accounts
        .modify(&ann, Modify::data(account("ann2", None, 1)))
        .await
        .unwrap();
    accounts
        .patch(
            &bob,
            &patch(json!([{"op": "replace", "path": "/handle", "value": "ann"}])),
        )
        .await
        .unwrap();
    let taken = violation(accounts.create(account("x", Some("bob@x.org"), 9)).await);
    assert_eq!(taken.2, bob);
    accounts
        .create(account("y", Some("ann@x.org"), 10))
        .await
        .unwrap();
}

async fn deleted_resources_release_their_values_until_restored(kind: Kind) {
    let db = Backend::open(kind).await;
    let accounts = app(&db).await.manager::<Account>();
    let old = accounts
        .create(account("ann", Some("ann@x.org"), 1))
        .await
        .unwrap()
        .resource_id;
    accounts.delete(&old).await.unwrap();

    let new = accounts
        .create(account("ann", Some("other@x.org"), 2))
        .await
        .unwrap()
        .resource_id;
    // The old one cannot come back while its handle is taken; it stays deleted.
    let (field, _, holder) = violation(accounts.restore(&old).await);
    assert_eq!((field.as_str(), holder.as_str()), ("handle", new.as_str()));
    assert!(accounts.get_meta(&old).await.unwrap().is_deleted);

    accounts.permanently_delete(&new).await.unwrap();
    let restored = accounts.restore(&old).await.unwrap();
    assert!(!restored.is_deleted);
    let (_, _, holder) = violation(accounts.create(account("ann", None, 3)).await);
    assert_eq!(holder, old);
}

async fn switch_refuses_a_revision_whose_values_are_taken(kind: Kind) {
    let db = Backend::open(kind).await;
    let accounts = app(&db).await.manager::<Account>();
    let ann = accounts
        .create(account("ann", None, 1))
        .await
        .unwrap()
        .resource_id;
    accounts
        .update(&ann, account("anna", None, 1))
        .await
        .unwrap();
    let bob = accounts
        .create(account("ann", None, 2))
        .await
        .unwrap()
        .resource_id;

    let (field, value, holder) = violation(accounts.switch(&ann, &rev(&ann, 1)).await);
    assert_eq!(
        (field.as_str(), value, holder.as_str()),
        ("handle", json!("ann"), bob.as_str())
    );
    assert_eq!(
        accounts.get_meta(&ann).await.unwrap().current_revision_id,
        rev(&ann, 2)
    );

    accounts
        .update(&bob, account("bobby", None, 2))
        .await
        .unwrap();
    let meta = accounts.switch(&ann, &rev(&ann, 1)).await.unwrap();
    assert_eq!(meta.current_revision_id, rev(&ann, 1));
    assert_eq!(meta.indexed_data["handle"], json!("ann"));
    // Its old value "anna" is free again, "ann" is held.
    accounts.create(account("anna", None, 5)).await.unwrap();
    let (_, _, holder) = violation(accounts.create(account("ann", None, 6)).await);
    assert_eq!(holder, ann);
}

on_every_backend!(
    create_refuses_a_taken_value_naming_field_value_and_holder,
    update_patch_and_modify_refuse_taken_values,
    deleted_resources_release_their_values_until_restored,
    switch_refuses_a_revision_whose_values_are_taken,
);
