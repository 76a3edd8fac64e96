//! Writing a whole resource at once — its meta and every revision — as a backup load does
//! ([`ResourceStore::import`](super::ResourceStore::import)).
//!
//! A normal [`Commit`](super::Commit) adds one revision on top of a meta the writer read; an
//! import instead installs a complete history taken from an archive, atomically: either the
//! resource ends with the imported meta and all its revisions, or nothing changes. The meta
//! is written last (inside the same transaction on SQL backends, as the commit point on disk),
//! so a resource never has a meta without its revisions.

use super::StoredRevision;
use crate::model::{Error, ResourceMeta, Result};
use crate::resource::ids;

/// One resource to import: its meta and its revisions, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedResource {
    /// The meta after the import. Its `indexed_data` must already be computed from the current
    /// revision's data (the store enforces unique constraints from it).
    pub meta: ResourceMeta,
    /// Every revision, oldest first (the order `list_revisions` returns afterwards).
    pub revisions: Vec<StoredRevision>,
}

/// What to do when the resource already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Write only when no resource with this id exists; otherwise write nothing and answer
    /// [`ImportOutcome::Exists`].
    Insert,
    /// Replace an existing resource: its meta, its whole history and its unique entries are
    /// dropped and the imported ones take their place, in one atomic step.
    Replace,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The resource did not exist and was written.
    Inserted,
    /// The resource existed and was replaced.
    Replaced,
    /// The resource existed and `ImportMode::Insert` left it alone.
    Exists,
}

impl ImportedResource {
    /// The checks every backend runs before writing: at least one revision, every revision
    /// belongs to the resource (`resource_id` and a `"{resource_id}:{n}"` id), no revision id
    /// twice, and the meta's current revision is among them. A failure is `Error::Validation`
    /// naming the model, and nothing is written.
    pub fn check(&self, model: &str) -> Result<()> {
        let id = &self.meta.resource_id;
        let invalid = |message: String| Error::Validation {
            resource: model.to_owned(),
            field: None,
            message: format!("cannot import `{id}`: {message}"),
        };
        if self.revisions.is_empty() {
            return Err(invalid("it has no revision".into()));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.revisions.len());
        for revision in &self.revisions {
            let rid = &revision.info.revision_id;
            if revision.info.resource_id != *id || !ids::is_revision_of(rid, id) {
                return Err(invalid(format!(
                    "revision `{rid}` belongs to another resource"
                )));
            }
            if !seen.insert(rid.as_str()) {
                return Err(invalid(format!("revision `{rid}` appears twice")));
            }
        }
        if !seen.contains(self.meta.current_revision_id.as_str()) {
            return Err(invalid(format!(
                "its current revision `{}` is not among its revisions",
                self.meta.current_revision_id
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RevisionInfo, RevisionStatus, now};

    fn revision(id: &str, n: u64) -> StoredRevision {
        let t = now();
        StoredRevision {
            info: RevisionInfo {
                uid: "u".into(),
                resource_id: id.into(),
                revision_id: format!("{id}:{n}"),
                parent_revision_id: None,
                schema_version: None,
                data_hash: String::new(),
                status: RevisionStatus::Stable,
                created_time: t,
                updated_time: t,
                created_by: "a".into(),
                updated_by: "a".into(),
                parent_schema_version: None,
            },
            data: Vec::new(),
        }
    }

    fn resource(current: u64, revisions: Vec<StoredRevision>) -> ImportedResource {
        let t = now();
        ImportedResource {
            meta: ResourceMeta {
                current_revision_id: format!("m:1:{current}"),
                resource_id: "m:1".into(),
                schema_version: None,
                total_revision_count: 2,
                created_time: t,
                updated_time: t,
                created_by: "a".into(),
                updated_by: "a".into(),
                is_deleted: false,
                indexed_data: Default::default(),
                rev_status: RevisionStatus::Stable,
                rev_created_by: "a".into(),
                rev_updated_by: "a".into(),
                rev_created_time: t,
                rev_updated_time: t,
            },
            revisions,
        }
    }

    #[test]
    fn a_consistent_resource_passes() {
        let r = resource(2, vec![revision("m:1", 1), revision("m:1", 2)]);
        r.check("m").unwrap();
    }

    #[test]
    fn inconsistent_resources_are_refused() {
        let cases = [
            (resource(1, vec![]), "no revision"),
            (resource(3, vec![revision("m:1", 1)]), "not among"),
            (
                resource(1, vec![revision("m:1", 1), revision("m:2", 1)]),
                "another resource",
            ),
            (
                resource(1, vec![revision("m:1", 1), revision("m:1", 1)]),
                "twice",
            ),
        ];
        for (r, expected) in cases {
            let err = r.check("m").unwrap_err();
            assert!(matches!(err, Error::Validation { .. }), "{err}");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }
}
