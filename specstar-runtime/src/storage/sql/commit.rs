//! The write path shared by the SQL backends: one [`Commit`] inside one transaction.
//!
//! 1. compare-and-set the meta: `INSERT … ON CONFLICT DO NOTHING` for a create (`expected_current
//!    = None`), `UPDATE … WHERE current_revision_id = expected` otherwise; no row touched →
//!    `Error::Conflict`;
//! 2. insert the revision (`revision_id` is a key: a reused id → `Error::Conflict`), or overwrite
//!    it in place for `replace_revision`;
//! 3. replace the resource's unique entries: `INSERT … ON CONFLICT DO NOTHING` into a table whose
//!    primary key is `(model, field, value)`, so the *database* refuses a second holder even
//!    across processes; no row inserted → look up the holder → `Error::UniqueViolation`.
//!
//! Any error rolls the whole transaction back (the caller does that), so nothing is written.

use super::meta_row::{META_COLUMNS, meta_binds};
use super::{Bind, Dialect, Frag, Statement};
use crate::model::{Error, Result};
use crate::resource::ResourceDescriptor;
use crate::storage::unique::unique_entries;
use crate::storage::{Commit, ImportMode, ImportOutcome, ImportedResource};

/// An open transaction of one SQL backend.
#[async_trait::async_trait]
pub(crate) trait SqlTx: Send {
    /// Run a statement; the number of rows it touched.
    async fn execute(&mut self, statement: Statement) -> Result<u64>;
    /// The first column of the first row, as text, if any row.
    async fn fetch_text(&mut self, statement: Statement) -> Result<Option<String>>;
}

/// The (already quoted) table names of one store.
#[derive(Debug, Clone)]
pub(crate) struct TableNames {
    pub metas: String,
    pub revisions: String,
    pub unique: String,
}

/// Apply `commit` to `model` inside `tx`.
pub(crate) async fn apply_commit(
    tx: &mut dyn SqlTx,
    d: &dyn Dialect,
    tables: &TableNames,
    model: &str,
    descriptor: &ResourceDescriptor,
    commit: &Commit,
) -> Result<()> {
    let meta = &commit.meta;
    let id = &meta.resource_id;
    let conflict = |message: String| Error::Conflict {
        resource: model.to_owned(),
        id: id.clone(),
        message,
    };
    let text = |s: &str| Bind::Text(s.to_owned());
    let binds = meta_binds(model, meta);

    // 1. Compare-and-set of the meta.
    match &commit.expected_current {
        None => {
            let mut q = Frag::new()
                .sql(format!("INSERT INTO {} (", tables.metas))
                .sql(META_COLUMNS.join(", "))
                .sql(") VALUES (");
            for (i, bind) in binds.into_iter().enumerate() {
                if i > 0 {
                    q = q.sql(", ");
                }
                q = q.bind(bind);
                if META_COLUMNS[i] == "indexed_data" {
                    q = q.sql(d.json_cast());
                }
            }
            q = q.sql(") ON CONFLICT DO NOTHING");
            if tx.execute(q.finish(d)).await? == 0 {
                return Err(conflict("it already exists".into()));
            }
        }
        Some(expected) => {
            let mut q = Frag::new().sql(format!("UPDATE {} SET ", tables.metas));
            for (i, bind) in binds.into_iter().enumerate().skip(2) {
                if i > 2 {
                    q = q.sql(", ");
                }
                q = q.sql(META_COLUMNS[i]).sql(" = ").bind(bind);
                if META_COLUMNS[i] == "indexed_data" {
                    q = q.sql(d.json_cast());
                }
            }
            q = q
                .sql(" WHERE model = ")
                .bind(text(model))
                .sql(" AND resource_id = ")
                .bind(text(id))
                .sql(" AND current_revision_id = ")
                .bind(text(expected));
            if tx.execute(q.finish(d)).await? == 0 {
                let current = tx
                    .fetch_text(
                        Frag::new()
                            .sql(format!(
                                "SELECT current_revision_id FROM {} WHERE model = ",
                                tables.metas
                            ))
                            .bind(text(model))
                            .sql(" AND resource_id = ")
                            .bind(text(id))
                            .finish(d),
                    )
                    .await?;
                return Err(conflict(match current {
                    Some(c) => format!(
                        "expected current revision `{expected}` but it is `{c}` (a concurrent write came first)"
                    ),
                    None => format!("expected current revision `{expected}` but it does not exist"),
                }));
            }
        }
    }

    // 2. The revision.
    if let Some(revision) = &commit.revision {
        let info = serde_json::to_string(&revision.info)
            .map_err(|e| Error::storage(d.backend(), "encode revision info", e))?;
        let rid = &revision.info.revision_id;
        if commit.replace_revision {
            let q = Frag::new()
                .sql(format!("UPDATE {} SET info = ", tables.revisions))
                .bind(Bind::Text(info))
                .sql(", data = ")
                .bind(Bind::Bytes(revision.data.clone()))
                .sql(" WHERE revision_id = ")
                .bind(text(rid))
                .sql(" AND model = ")
                .bind(text(model));
            if tx.execute(q.finish(d)).await? == 0 {
                return Err(Error::RevisionNotFound {
                    resource: model.to_owned(),
                    id: id.clone(),
                    revision_id: rid.clone(),
                });
            }
        } else {
            let q = Frag::new()
                .sql(format!(
                    "INSERT INTO {} (revision_id, model, resource_id, info, data) VALUES (",
                    tables.revisions
                ))
                .bind(text(rid))
                .sql(", ")
                .bind(text(model))
                .sql(", ")
                .bind(text(&revision.info.resource_id))
                .sql(", ")
                .bind(Bind::Text(info))
                .sql(", ")
                .bind(Bind::Bytes(revision.data.clone()))
                .sql(") ON CONFLICT DO NOTHING");
            if tx.execute(q.finish(d)).await? == 0 {
                return Err(conflict(format!(
                    "revision `{rid}` already exists (revision ids are never reused)"
                )));
            }
        }
    }

    // 3. Unique entries.
    tx.execute(
        Frag::new()
            .sql(format!("DELETE FROM {} WHERE model = ", tables.unique))
            .bind(text(model))
            .sql(" AND resource_id = ")
            .bind(text(id))
            .finish(d),
    )
    .await?;
    for entry in unique_entries(descriptor, meta) {
        let inserted = tx
            .execute(
                Frag::new()
                    .sql(format!(
                        "INSERT INTO {} (model, field, value, resource_id) VALUES (",
                        tables.unique
                    ))
                    .bind(text(model))
                    .sql(", ")
                    .bind(text(entry.field))
                    .sql(", ")
                    .bind(text(&entry.key))
                    .sql(", ")
                    .bind(text(id))
                    .sql(") ON CONFLICT DO NOTHING")
                    .finish(d),
            )
            .await?;
        if inserted == 0 {
            let holder = tx
                .fetch_text(
                    Frag::new()
                        .sql(format!(
                            "SELECT resource_id FROM {} WHERE model = ",
                            tables.unique
                        ))
                        .bind(text(model))
                        .sql(" AND field = ")
                        .bind(text(entry.field))
                        .sql(" AND value = ")
                        .bind(text(&entry.key))
                        .finish(d),
                )
                .await?;
            return Err(Error::UniqueViolation {
                resource: model.to_owned(),
                field: entry.field.to_owned(),
                value: entry.value,
                conflicting_id: holder.unwrap_or_default(),
            });
        }
    }
    Ok(())
}

/// Delete a resource's meta, revisions and unique entries inside `tx`.
pub(crate) async fn purge(
    tx: &mut dyn SqlTx,
    d: &dyn Dialect,
    tables: &TableNames,
    model: &str,
    resource_id: &str,
) -> Result<()> {
    for table in [&tables.metas, &tables.revisions, &tables.unique] {
        tx.execute(
            Frag::new()
                .sql(format!("DELETE FROM {table} WHERE model = "))
                .bind(Bind::Text(model.to_owned()))
                .sql(" AND resource_id = ")
                .bind(Bind::Text(resource_id.to_owned()))
                .finish(d),
        )
        .await?;
    }
    Ok(())
}

/// Install a whole resource inside `tx` (backup load): when it exists, `Insert` writes nothing
/// and `Replace` purges it; then every revision is inserted in order (their `seq` keeps that
/// order), then the meta and its unique entries through [`apply_commit`] as a create. The
/// caller commits or rolls back, so either all of it is written or nothing.
pub(crate) async fn apply_import(
    tx: &mut dyn SqlTx,
    d: &dyn Dialect,
    tables: &TableNames,
    model: &str,
    descriptor: &ResourceDescriptor,
    resource: &ImportedResource,
    mode: ImportMode,
) -> Result<ImportOutcome> {
    resource.check(model)?;
    let id = &resource.meta.resource_id;
    let text = |s: &str| Bind::Text(s.to_owned());
    let existing = tx
        .fetch_text(
            Frag::new()
                .sql(format!(
                    "SELECT current_revision_id FROM {} WHERE model = ",
                    tables.metas
                ))
                .bind(text(model))
                .sql(" AND resource_id = ")
                .bind(text(id))
                .finish(d),
        )
        .await?;
    let outcome = match (existing.is_some(), mode) {
        (true, ImportMode::Insert) => return Ok(ImportOutcome::Exists),
        (true, ImportMode::Replace) => {
            purge(tx, d, tables, model, id).await?;
            ImportOutcome::Replaced
        }
        (false, _) => {
            // Revisions left without a meta cannot exist (every write is one transaction), but
            // clear the id's rows anyway so the insert below cannot collide with them.
            purge(tx, d, tables, model, id).await?;
            ImportOutcome::Inserted
        }
    };
    for revision in &resource.revisions {
        let info = serde_json::to_string(&revision.info)
            .map_err(|e| Error::storage(d.backend(), "encode revision info", e))?;
        let rid = &revision.info.revision_id;
        let q = Frag::new()
            .sql(format!(
                "INSERT INTO {} (revision_id, model, resource_id, info, data) VALUES (",
                tables.revisions
            ))
            .bind(text(rid))
            .sql(", ")
            .bind(text(model))
            .sql(", ")
            .bind(text(id))
            .sql(", ")
            .bind(Bind::Text(info))
            .sql(", ")
            .bind(Bind::Bytes(revision.data.clone()))
            .sql(") ON CONFLICT DO NOTHING");
        if tx.execute(q.finish(d)).await? == 0 {
            return Err(Error::Conflict {
                resource: model.to_owned(),
                id: id.clone(),
                message: format!("revision `{rid}` is already stored (under another model?)"),
            });
        }
    }
    let create = Commit {
        expected_current: None,
        meta: resource.meta.clone(),
        revision: None,
        replace_revision: false,
    };
    apply_commit(tx, d, tables, model, descriptor, &create).await?;
    Ok(outcome)
}
