//! [`SpecStar::dump`]: every (or a chosen query of) resource of the chosen models, with every
//! revision, streamed into an archive page by page.

use std::collections::{BTreeMap, HashSet};

use tokio::io::AsyncWrite;

use super::format::{ARCHIVE_VERSION, BlobRecord, Record};
use super::writer::ArchiveWriter;
use crate::app::SpecStar;
use crate::model::{Error, Result};
use crate::query::{Condition, MetaField, Operator, Query, Sort};
use crate::resource::ModelHandle;
use crate::resource::hash::data_hash;
use crate::resource::search::with_deleted_default;
use crate::storage::StoredRevision;

/// How many metas one search page of a dump reads.
pub const DUMP_PAGE_SIZE: usize = 256;

/// How often a resource that keeps changing while it is dumped is re-read.
const MAX_RESOURCE_ATTEMPTS: u32 = 10;

/// Which models [`SpecStar::dump`] writes, and which of their resources.
///
/// ```
/// use specstar_runtime::backup::DumpOptions;
/// use specstar_runtime::query::{Condition, FieldPath, Operator};
///
/// // every resource of every model, deleted ones included
/// let everything = DumpOptions::all();
/// // every zone, and the monsters with more than 10 hp that are not deleted
/// let some = DumpOptions::all()
///     .model("zone")
///     .model_query("monster", Condition::compare(FieldPath::parse("hp"), Operator::Gt, 10));
/// assert_eq!(some.selected().unwrap().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DumpOptions {
    models: Option<Vec<(String, Option<Query>)>>,
}

impl DumpOptions {
    /// Every registered model (sorted by name), every resource including deleted ones.
    pub fn all() -> Self {
        DumpOptions::default()
    }

    /// Add `model` with all its resources, deleted ones included. Once a model is added, only
    /// the added models are written, in the order they were added.
    pub fn model(self, model: impl Into<String>) -> Self {
        self.select(model.into(), None)
    }

    /// Add `model` with the resources matching `query` (its sorts and paging apply). As in a
    /// search, deleted resources are excluded unless the condition mentions `is_deleted`.
    pub fn model_query(self, model: impl Into<String>, query: impl Into<Query>) -> Self {
        self.select(model.into(), Some(query.into()))
    }

    fn select(mut self, model: String, query: Option<Query>) -> Self {
        let models = self.models.get_or_insert_with(Vec::new);
        match models.iter_mut().find(|(name, _)| *name == model) {
            Some(entry) => entry.1 = query,
            None => models.push((model, query)),
        }
        self
    }

    /// The models added with [`model`](Self::model) / [`model_query`](Self::model_query);
    /// `None` means every model.
    pub fn selected(&self) -> Option<&[(String, Option<Query>)]> {
        self.models.as_deref()
    }
}

impl SpecStar {
    /// Write an `.acbak` version 2 archive of the models chosen by `options` into `out`, and
    /// return how many resources of each model it holds.
    ///
    /// Streams: resources are read page by page ([`DUMP_PAGE_SIZE`] metas per search), and
    /// each resource's revisions one at a time, so neither a model nor the archive is held in
    /// memory. Every revision of a resource is written, oldest first, after its meta. After a
    /// model's resources come the blobs their revisions reference (each once per model, read
    /// from the blob store one at a time; only their ids are kept meanwhile). A referenced file
    /// the blob store does not hold — or any file, when the app has no blob store — is left
    /// out with a warning in the log: the archive still restores every revision.
    ///
    /// Dump reads the store directly: permission checkers and event handlers do not run.
    /// A resource written while it is dumped is re-read until its meta and revision list agree.
    ///
    /// Errors: `BadRequest` (parameter `models`) naming an unknown model, `BadQuery` for a
    /// query on a field that is not indexed, `Storage` when the store or `out` fails (the
    /// archive is then incomplete and any reader refuses it as truncated).
    ///
    /// ```no_run
    /// # async fn demo(spec: specstar_runtime::app::SpecStar) -> specstar_runtime::Result<()> {
    /// use specstar_runtime::backup::DumpOptions;
    /// let file = tokio::fs::File::create("backup.acbak").await.expect("create");
    /// let counts = spec.dump(file, &DumpOptions::all()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn dump<W: AsyncWrite + Unpin + Send>(
        &self,
        out: W,
        options: &DumpOptions,
    ) -> Result<BTreeMap<String, u64>> {
        let plan = self.dump_plan(options)?;
        let mut writer = ArchiveWriter::new(out);
        writer
            .write(&Record::Header {
                version: ARCHIVE_VERSION,
            })
            .await?;
        let mut counts = BTreeMap::new();
        for (model, query) in plan {
            let name = model.name().to_owned();
            writer
                .write(&Record::ModelStart {
                    model_name: name.clone(),
                })
                .await?;
            let mut files = ReferencedFiles::default();
            let written = dump_model(&model, query.as_ref(), &mut writer, &mut files).await?;
            dump_blobs(&model, files, &mut writer).await?;
            writer
                .write(&Record::ModelEnd {
                    model_name: name.clone(),
                })
                .await?;
            *counts.entry(name).or_insert(0) += written;
        }
        writer.write(&Record::Eof).await?;
        writer.finish().await?;
        Ok(counts)
    }

    /// The models to dump with their validated queries (deleted default applied); refuses
    /// unknown models and bad queries before anything is written.
    pub(crate) fn dump_plan(
        &self,
        options: &DumpOptions,
    ) -> Result<Vec<(ModelHandle, Option<Query>)>> {
        let Some(selected) = options.selected() else {
            return Ok(self.models().into_iter().map(|m| (m, None)).collect());
        };
        let unknown: Vec<&str> = selected
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| self.model(name).is_none())
            .collect();
        if !unknown.is_empty() {
            return Err(Error::BadRequest {
                parameter: "models".into(),
                message: format!("unknown model(s): {}", unknown.join(", ")),
            });
        }
        let mut plan = Vec::with_capacity(selected.len());
        for (name, query) in selected {
            let Some(model) = self.model(name) else {
                continue;
            };
            let query = match query {
                Some(query) => {
                    query.validate(model.descriptor())?;
                    Some(with_deleted_default(query))
                }
                None => None,
            };
            plan.push((model, query));
        }
        Ok(plan)
    }
}

/// The distinct files the dumped revisions of one model reference, in order of first
/// reference.
#[derive(Default)]
struct ReferencedFiles {
    order: Vec<String>,
    seen: HashSet<String>,
}

impl ReferencedFiles {
    /// Note the files `revision` references (nothing to do for models without `Binary`).
    fn note(&mut self, model: &ModelHandle, revision: &StoredRevision) {
        if !model.has_binaries() {
            return;
        }
        for file_id in model.revision_files(revision) {
            if self.seen.insert(file_id.clone()) {
                self.order.push(file_id);
            }
        }
    }
}

/// Write a `BlobRecord` for every file in `files` the blob store holds.
async fn dump_blobs<W: AsyncWrite + Unpin + Send>(
    model: &ModelHandle,
    files: ReferencedFiles,
    writer: &mut ArchiveWriter<W>,
) -> Result<()> {
    if files.order.is_empty() {
        return Ok(());
    }
    let Some(store) = model.blob_store() else {
        tracing::warn!(
            model = model.name(),
            files = files.order.len(),
            "the app has no blob store: the files its resources reference are not in the archive"
        );
        return Ok(());
    };
    for file_id in files.order {
        let Some(blob) = store.get(&file_id).await? else {
            tracing::warn!(
                model = model.name(),
                %file_id,
                "a referenced file is missing from the blob store; it is not in the archive"
            );
            continue;
        };
        writer
            .write(&Record::Blob(BlobRecord {
                size: blob.size(),
                file_id: blob.file_id,
                blob_data: blob.data,
                content_type: blob.content_type,
            }))
            .await?;
    }
    Ok(())
}

/// Write every resource of `model` matching `query` (all when `None`); the number written.
async fn dump_model<W: AsyncWrite + Unpin + Send>(
    model: &ModelHandle,
    query: Option<&Query>,
    writer: &mut ArchiveWriter<W>,
    files: &mut ReferencedFiles,
) -> Result<u64> {
    let store = model.store();
    let name = model.name();
    let mut written = 0;
    match query {
        // Keyset paging on resource_id: each page is an indexed range scan, and resources
        // created or deleted meanwhile cannot shift later pages.
        Some(Query {
            condition,
            sorts,
            limit: None,
            offset: 0,
        }) if sorts.is_empty() => {
            written += dump_by_key(model, condition.as_ref(), writer, files).await?;
        }
        None => written += dump_by_key(model, None, writer, files).await?,
        // The caller's order and paging: offset paging within its window.
        Some(query) => {
            let mut offset = query.offset;
            let mut remaining = query.limit;
            loop {
                let take = remaining.map_or(DUMP_PAGE_SIZE, |r| r.min(DUMP_PAGE_SIZE));
                if take == 0 {
                    break;
                }
                let page = Query {
                    offset,
                    limit: Some(take),
                    ..query.clone()
                };
                let metas = store.search(name, &page).await?;
                for meta in &metas {
                    if dump_resource(model, &meta.resource_id, writer, files).await? {
                        written += 1;
                    }
                }
                if metas.len() < take {
                    break;
                }
                offset += metas.len();
                remaining = remaining.map(|r| r - metas.len());
            }
        }
    }
    Ok(written)
}

async fn dump_by_key<W: AsyncWrite + Unpin + Send>(
    model: &ModelHandle,
    condition: Option<&Condition>,
    writer: &mut ArchiveWriter<W>,
    files: &mut ReferencedFiles,
) -> Result<u64> {
    let store = model.store();
    let mut written = 0;
    let mut after: Option<String> = None;
    loop {
        let mut conditions: Vec<Condition> = condition.into_iter().cloned().collect();
        if let Some(last) = &after {
            conditions.push(Condition::compare(
                MetaField::ResourceId,
                Operator::Gt,
                last.as_str(),
            ));
        }
        let page = Query {
            condition: (!conditions.is_empty()).then(|| Condition::all(conditions)),
            sorts: vec![Sort::asc(MetaField::ResourceId)],
            limit: Some(DUMP_PAGE_SIZE),
            offset: 0,
        };
        let metas = store.search(model.name(), &page).await?;
        for meta in &metas {
            if dump_resource(model, &meta.resource_id, writer, files).await? {
                written += 1;
            }
        }
        match metas.last() {
            Some(last) if metas.len() == DUMP_PAGE_SIZE => after = Some(last.resource_id.clone()),
            _ => break,
        }
    }
    Ok(written)
}

/// Write one resource's meta and every revision; `false` when it was purged meanwhile.
async fn dump_resource<W: AsyncWrite + Unpin + Send>(
    model: &ModelHandle,
    id: &str,
    writer: &mut ArchiveWriter<W>,
    files: &mut ReferencedFiles,
) -> Result<bool> {
    let store = model.store();
    let name = model.name();
    for _ in 0..MAX_RESOURCE_ATTEMPTS {
        // The list first, then the meta: a meta whose current revision is in the list was not
        // moved past the list by a concurrent write.
        let infos = store.list_revisions(name, id).await?;
        let Some(meta) = store.load_meta(name, id).await? else {
            return Ok(false);
        };
        if !infos
            .iter()
            .any(|info| info.revision_id == meta.current_revision_id)
        {
            tokio::task::yield_now().await;
            continue;
        }
        writer.write(&Record::Meta(meta)).await?;
        for info in infos {
            let revision = store
                .load_revision(name, &info.revision_id)
                .await?
                .ok_or_else(|| Error::Storage {
                    backend: store.backend_name(),
                    message: format!(
                        "revision `{}` of {name} `{id}` disappeared while it was dumped (purged concurrently?)",
                        info.revision_id
                    ),
                    source: None,
                })?;
            if data_hash(&revision.data) != revision.info.data_hash {
                return Err(Error::Storage {
                    backend: store.backend_name(),
                    message: format!(
                        "stored revision `{}` of {name} `{id}` does not match its data_hash; \
                         it cannot be archived",
                        info.revision_id
                    ),
                    source: None,
                });
            }
            files.note(model, &revision);
            writer.write(&Record::Revision(revision)).await?;
        }
        return Ok(true);
    }
    Err(Error::Conflict {
        resource: name.to_owned(),
        id: id.to_owned(),
        message: format!("it kept changing while it was dumped ({MAX_RESOURCE_ATTEMPTS} attempts)"),
    })
}
