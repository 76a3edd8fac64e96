//! The write path shared by the SQL backends: one [`Commit`] inside one transaction.
//!
//! 1. compare-and-set the meta: `INSERT … ON CONFLICT DO NOTHING` for a create (`expected_current
//!    = None`), `UPDATE … WHERE current_revision_id = expected` otherwise; no row touched →
//!    `Error::Conflict`;
//! 2. insert the revision (`revision_id` is a key: a reused id → `Error::Conflict`), or overwrite
//!    it in place for `replace_revision`;
//! 3. replace the resource's unique entries: `INSERT … ON CONFLICT DO NOTHING` into a table whose
//!    primary key is `(model, field, value)`, so the *database* refuses a second holder even
//!    across processes; no row inserted → look up the holder → `Error::UniqueViolation`;
//! 4. on SQLite, replace the resource's rows in the index table (see [`super::sqlite`]); the old
//!    rows are found from the stored meta, so they are deleted before step 1.
//!
//! A new resource skips the deletes of steps 3 and 4 (it holds nothing yet). Any error rolls
//! the whole transaction back (the caller does that), so nothing is written.
//! [`apply_commit`] runs the steps one by one (SQLite's writer calls SQLite directly, so a
//! statement costs no round trip); [`commit_statement`] is the same steps as one PostgreSQL
//! statement, one round trip to the server.

use super::meta_row::{META_COLUMNS, meta_binds};
use super::{Bind, Dialect, Frag, Statement};
use crate::model::{Error, Result};
use crate::resource::ResourceDescriptor;
use crate::storage::unique::{UniqueEntry, unique_entries};
use crate::storage::{Commit, ImportMode, ImportOutcome, ImportedResource};

/// An open transaction of one SQL backend.
#[async_trait::async_trait]
pub(crate) trait SqlTx: Send {
    /// Run a statement; the number of rows it touched.
    async fn execute(&mut self, statement: Statement) -> Result<u64>;
    /// The first column of the first row, as text, if any row.
    async fn fetch_text(&mut self, statement: Statement) -> Result<Option<String>>;
    /// Delete the rows of the index table `index_table` (SQLite's; see [`super::sqlite`]) that
    /// the meta of `resource_id` stored in `metas` holds.
    async fn delete_index_rows(
        &mut self,
        index_table: &str,
        metas: &str,
        model: &str,
        resource_id: &str,
    ) -> Result<()>;
}

/// The (already quoted) table names of one store.
#[derive(Debug, Clone)]
pub(crate) struct TableNames {
    pub metas: String,
    pub revisions: String,
    pub unique: String,
    /// The SQLite index table (`None` on PostgreSQL, whose GIN index needs no upkeep).
    pub index_values: Option<String>,
}

/// The statements of one commit, built once and shared by the step-by-step path
/// ([`apply_commit`]) and the one-statement PostgreSQL commit ([`commit_statement`]).
struct Steps<'a> {
    d: &'a dyn Dialect,
    tables: &'a TableNames,
    model: &'a str,
    commit: &'a Commit,
}

impl Steps<'_> {
    fn text(s: &str) -> Bind {
        Bind::Text(s.to_owned())
    }

    fn id(&self) -> &str {
        &self.commit.meta.resource_id
    }

    /// 1. The compare-and-set of the meta (one row touched when it holds).
    fn meta(&self) -> Frag {
        let binds = meta_binds(self.model, &self.commit.meta);
        match &self.commit.expected_current {
            None => {
                let mut q = Frag::new()
                    .sql(format!("INSERT INTO {} (", self.tables.metas))
                    .sql(META_COLUMNS.join(", "))
                    .sql(") VALUES (");
                for (i, bind) in binds.into_iter().enumerate() {
                    if i > 0 {
                        q = q.sql(", ");
                    }
                    q = q.bind(bind);
                    if META_COLUMNS[i] == "indexed_data" {
                        q = q.sql(self.d.json_cast());
                    }
                }
                q.sql(") ON CONFLICT DO NOTHING")
            }
            Some(expected) => {
                let mut q = Frag::new().sql(format!("UPDATE {} SET ", self.tables.metas));
                for (i, bind) in binds.into_iter().enumerate().skip(2) {
                    if i > 2 {
                        q = q.sql(", ");
                    }
                    q = q.sql(META_COLUMNS[i]).sql(" = ").bind(bind);
                    if META_COLUMNS[i] == "indexed_data" {
                        q = q.sql(self.d.json_cast());
                    }
                }
                q.sql(" WHERE model = ")
                    .bind(Self::text(self.model))
                    .sql(" AND resource_id = ")
                    .bind(Self::text(self.id()))
                    .sql(" AND current_revision_id = ")
                    .bind(Self::text(expected))
            }
        }
    }

    /// 2. Insert (or overwrite in place) the revision (one row touched when it succeeds).
    fn revision(&self) -> Result<Option<Frag>> {
        let Some(revision) = &self.commit.revision else {
            return Ok(None);
        };
        let info = serde_json::to_string(&revision.info)
            .map_err(|e| Error::storage(self.d.backend(), "encode revision info", e))?;
        let rid = &revision.info.revision_id;
        Ok(Some(if self.commit.replace_revision {
            Frag::new()
                .sql(format!("UPDATE {} SET info = ", self.tables.revisions))
                .bind(Bind::Text(info))
                .sql(", data = ")
                .bind(Bind::Bytes(revision.data.clone()))
                .sql(" WHERE revision_id = ")
                .bind(Self::text(rid))
                .sql(" AND model = ")
                .bind(Self::text(self.model))
        } else {
            Frag::new()
                .sql(format!(
                    "INSERT INTO {} (revision_id, model, resource_id, info, data) VALUES (",
                    self.tables.revisions
                ))
                .bind(Self::text(rid))
                .sql(", ")
                .bind(Self::text(self.model))
                .sql(", ")
                .bind(Self::text(&revision.info.resource_id))
                .sql(", ")
                .bind(Bind::Text(info))
                .sql(", ")
                .bind(Bind::Bytes(revision.data.clone()))
                .sql(") ON CONFLICT DO NOTHING")
        }))
    }

    /// Delete the rows of this resource from `table` (a new resource has none).
    fn clear(&self, table: &str) -> Option<Frag> {
        self.commit.expected_current.as_ref()?;
        Some(
            Frag::new()
                .sql(format!("DELETE FROM {table} WHERE model = "))
                .bind(Self::text(self.model))
                .sql(" AND resource_id = ")
                .bind(Self::text(self.id())),
        )
    }

    /// 3. Claim unique `entries` (one row inserted per entry nobody else holds).
    fn claim(&self, entries: &[UniqueEntry]) -> Frag {
        self.claim_with(entries, " ON CONFLICT DO NOTHING")
    }

    /// [`claim`](Self::claim) with another `ON CONFLICT` clause.
    fn claim_with(&self, entries: &[UniqueEntry], on_conflict: &str) -> Frag {
        let mut q = Frag::new().sql(format!(
            "INSERT INTO {} (model, field, value, resource_id) VALUES ",
            self.tables.unique
        ));
        for (i, entry) in entries.iter().enumerate() {
            q = q
                .sql(if i == 0 { "(" } else { ", (" })
                .bind(Self::text(self.model))
                .sql(", ")
                .bind(Self::text(entry.field))
                .sql(", ")
                .bind(Self::text(&entry.key))
                .sql(", ")
                .bind(Self::text(self.id()))
                .sql(")");
        }
        q.sql(on_conflict.to_owned())
    }

    /// 4. The index rows of the new meta (SQLite).
    fn index_rows(&self) -> Option<Frag> {
        let table = self.tables.index_values.as_ref()?;
        let meta = &self.commit.meta;
        if meta.indexed_data.is_empty() {
            return None;
        }
        let source = super::sqlite::IndexSource::Meta {
            model: self.model,
            resource_id: &meta.resource_id,
            indexed_data: serde_json::Value::Object(meta.indexed_data.clone()).to_string(),
        };
        Some(super::sqlite::index_rows(table, source))
    }
}

/// Apply `commit` to `model` inside `tx`, one statement at a time, with a precise error for
/// the first step that fails.
pub(crate) async fn apply_commit(
    tx: &mut dyn SqlTx,
    d: &dyn Dialect,
    tables: &TableNames,
    model: &str,
    descriptor: &ResourceDescriptor,
    commit: &Commit,
) -> Result<()> {
    let steps = Steps {
        d,
        tables,
        model,
        commit,
    };
    let id = steps.id().to_owned();
    let conflict = |message: String| Error::Conflict {
        resource: model.to_owned(),
        id: id.clone(),
        message,
    };
    let text = |s: &str| Bind::Text(s.to_owned());

    // 0. The index rows of the meta being replaced, found from that meta, so before step 1.
    //    Should the compare-and-set fail, the caller rolls this back with the rest.
    if commit.expected_current.is_some()
        && let Some(index_table) = &tables.index_values
    {
        tx.delete_index_rows(index_table, &tables.metas, model, &id)
            .await?;
    }

    // 1. Compare-and-set of the meta.
    if tx.execute(steps.meta().finish(d)).await? == 0 {
        return Err(match &commit.expected_current {
            None => conflict("it already exists".into()),
            Some(expected) => {
                let current = tx
                    .fetch_text(
                        Frag::new()
                            .sql(format!(
                                "SELECT current_revision_id FROM {} WHERE model = ",
                                tables.metas
                            ))
                            .bind(text(model))
                            .sql(" AND resource_id = ")
                            .bind(text(&id))
                            .finish(d),
                    )
                    .await?;
                conflict(match current {
                    Some(c) => format!(
                        "expected current revision `{expected}` but it is `{c}` (a concurrent write came first)"
                    ),
                    None => format!("expected current revision `{expected}` but it does not exist"),
                })
            }
        });
    }

    // 2. The revision.
    if let (Some(statement), Some(revision)) = (steps.revision()?, &commit.revision)
        && tx.execute(statement.finish(d)).await? == 0
    {
        let rid = &revision.info.revision_id;
        return Err(if commit.replace_revision {
            Error::RevisionNotFound {
                resource: model.to_owned(),
                id: id.clone(),
                revision_id: rid.clone(),
            }
        } else {
            conflict(format!(
                "revision `{rid}` already exists (revision ids are never reused)"
            ))
        });
    }

    // 3. Unique entries, one at a time so the first conflicting field is the one reported.
    if let Some(clear) = steps.clear(&tables.unique) {
        tx.execute(clear.finish(d)).await?;
    }
    for entry in unique_entries(descriptor, &commit.meta) {
        let inserted = tx
            .execute(steps.claim(std::slice::from_ref(&entry)).finish(d))
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

    // 4. Index rows (the old ones went at step 0).
    if let Some(rows) = steps.index_rows() {
        tx.execute(rows.finish(d)).await?;
    }
    Ok(())
}

/// The whole of `commit` as one PostgreSQL statement (data-modifying CTEs), which runs
/// atomically on its own — no `BEGIN`/`COMMIT` round trips. Each checked step returns a row
/// when it holds; the final `SELECT` divides by zero when a row is missing, which aborts the
/// statement (SQLSTATE `22012`) so that nothing of it is written; the caller then replays the
/// commit step by step in a transaction ([`apply_commit`]) for the precise error.
///
/// Unique entries of an update are not deleted and re-inserted (a statement cannot reliably
/// re-insert a key it deletes): values the resource no longer holds are deleted, and the ones
/// it holds are claimed with `ON CONFLICT … DO UPDATE … WHERE` the holder is this resource, which
/// returns a row for a value it already held or newly claimed, and none for another holder's.
pub(crate) fn commit_statement(
    d: &dyn Dialect,
    tables: &TableNames,
    model: &str,
    descriptor: &ResourceDescriptor,
    commit: &Commit,
) -> Result<Frag> {
    let steps = Steps {
        d,
        tables,
        model,
        commit,
    };
    // (statement, checked): checked ones return one row per step that held.
    let mut ctes = vec![(steps.meta().sql(" RETURNING 1"), true)];
    if let Some(revision) = steps.revision()? {
        ctes.push((revision.sql(" RETURNING 1"), true));
    }
    let entries = unique_entries(descriptor, &commit.meta);
    if let Some(clear) = steps.clear(&tables.unique) {
        // Keep the entries this write claims again: delete only the others.
        let mut q = clear;
        if !entries.is_empty() {
            q = q.sql(" AND (field, value) NOT IN (");
            for (i, entry) in entries.iter().enumerate() {
                q = q
                    .sql(if i == 0 { "(" } else { ", (" })
                    .bind(Steps::text(entry.field))
                    .sql(", ")
                    .bind(Steps::text(&entry.key))
                    .sql(")");
            }
            q = q.sql(")");
        }
        // Executed although nothing reads it (data-modifying CTEs always run).
        ctes.push((q, false));
    }
    if !entries.is_empty() {
        let claim = if commit.expected_current.is_some() {
            steps.claim_with(
                &entries,
                &format!(
                    " ON CONFLICT (model, field, value) DO UPDATE SET resource_id = \
                     EXCLUDED.resource_id WHERE {}.resource_id = EXCLUDED.resource_id",
                    tables.unique
                ),
            )
        } else {
            steps.claim(&entries)
        };
        ctes.push((claim.sql(" RETURNING 1"), true));
    }
    let expected = 1 + usize::from(commit.revision.is_some()) + entries.len();
    let mut statement = Frag::new().sql("WITH ");
    let mut sum = Vec::new();
    for (i, (cte, checked)) in ctes.into_iter().enumerate() {
        if i > 0 {
            statement = statement.sql(", ");
        }
        statement = statement.sql(format!("s{i} AS (")).frag(cte).sql(")");
        if checked {
            sum.push(format!("(SELECT count(*) FROM s{i})"));
        }
    }
    Ok(statement.sql(format!(
        " SELECT 1 / (CASE WHEN {} = {expected} THEN 1 ELSE 0 END)",
        sum.join(" + ")
    )))
}

/// Delete a resource's meta, revisions and unique entries inside `tx`.
pub(crate) async fn purge(
    tx: &mut dyn SqlTx,
    d: &dyn Dialect,
    tables: &TableNames,
    model: &str,
    resource_id: &str,
) -> Result<()> {
    // The index rows first: they are found from the meta.
    if let Some(index_table) = &tables.index_values {
        tx.delete_index_rows(index_table, &tables.metas, model, resource_id)
            .await?;
    }
    let delete = |table: &str| {
        Frag::new()
            .sql(format!("DELETE FROM {table} WHERE model = "))
            .bind(Bind::Text(model.to_owned()))
            .sql(" AND ")
    };
    let resource = || {
        Frag::new()
            .sql("resource_id = ")
            .bind(Bind::Text(resource_id.to_owned()))
    };
    tx.execute(delete(&tables.metas).frag(resource()).finish(d))
        .await?;
    tx.execute(
        delete(&tables.revisions)
            .frag(d.revisions_of(resource_id))
            .finish(d),
    )
    .await?;
    tx.execute(delete(&tables.unique).frag(resource()).finish(d))
        .await?;
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
