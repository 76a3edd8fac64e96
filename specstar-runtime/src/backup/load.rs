//! [`SpecStar::load`]: an archive into the store, in two passes over a spooled copy so that a
//! bad archive writes nothing.

use std::collections::BTreeMap;
use std::io::SeekFrom;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncSeekExt, AsyncWriteExt, BufWriter};

use super::format::{FRAME_PREFIX_LEN, Record};
use super::reader::ArchiveReader;
use crate::app::SpecStar;
use crate::model::{Error, ResourceMeta, Result};
use crate::resource::{ModelHandle, indexing};
use crate::storage::{ImportMode, ImportOutcome, ImportedResource, StoredRevision};

/// What a load does with a resource whose id already exists.
///
/// The wire spellings are `overwrite`, `skip` and `raise_error` (`on_duplicate=` over HTTP).
///
/// ```
/// use specstar_runtime::backup::OnDuplicate;
/// assert_eq!("raise_error".parse::<OnDuplicate>().unwrap(), OnDuplicate::RaiseError);
/// assert_eq!(OnDuplicate::default(), OnDuplicate::Overwrite);
/// assert!("merge".parse::<OnDuplicate>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Replace the existing resource: its meta and whole history become the archived ones
    /// (the default).
    #[default]
    Overwrite,
    /// Keep the existing resource and count the archived one as skipped.
    Skip,
    /// Refuse the load with `Error::Duplicate` (409).
    RaiseError,
}

impl OnDuplicate {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OnDuplicate::Overwrite => "overwrite",
            OnDuplicate::Skip => "skip",
            OnDuplicate::RaiseError => "raise_error",
        }
    }
}

impl std::fmt::Display for OnDuplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OnDuplicate {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "overwrite" => Ok(OnDuplicate::Overwrite),
            "skip" => Ok(OnDuplicate::Skip),
            "raise_error" => Ok(OnDuplicate::RaiseError),
            other => Err(Error::BadRequest {
                parameter: "on_duplicate".into(),
                message: format!(
                    "invalid on_duplicate `{other}`: must be one of overwrite, skip, raise_error"
                ),
            }),
        }
    }
}

/// Per-model counts of a load: resources in the archive (`total`), written (`loaded`), left
/// alone because they existed under [`OnDuplicate::Skip`] (`skipped`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadStats {
    pub loaded: u64,
    pub skipped: u64,
    pub total: u64,
}

/// An archive read and checked in full, spooled to an anonymous temporary file, ready to be
/// written with [`load`](Self::load). Obtained from [`SpecStar::check_archive`].
#[derive(Debug)]
pub struct CheckedArchive {
    spec: SpecStar,
    spool: tokio::fs::File,
    /// The archive's `BlobRecord`s, spooled apart (as a small archive of their own) so that
    /// they can be written before the resources that reference them.
    blob_spool: Option<tokio::fs::File>,
    models: Vec<String>,
    resources: u64,
    blobs: u64,
    first_existing: Option<(String, String)>,
}

impl CheckedArchive {
    /// The models the archive has sections for, in order of first appearance.
    pub fn models(&self) -> &[String] {
        &self.models
    }

    /// How many resources (meta records) it holds.
    pub fn resource_count(&self) -> u64 {
        self.resources
    }

    /// How many blob records it holds.
    pub fn blob_count(&self) -> u64 {
        self.blobs
    }

    /// The first resource of the archive (model, id) that already existed in the store when
    /// it was checked.
    pub fn first_existing(&self) -> Option<(&str, &str)> {
        self.first_existing
            .as_ref()
            .map(|(m, id)| (m.as_str(), id.as_str()))
    }

    /// Write every blob, then every resource of the archive (second pass over the spooled
    /// copies).
    ///
    /// Blobs go first, each with [`BlobStore::put_with_id`](crate::storage::blob::BlobStore::put_with_id)
    /// under its archived `file_id` and content type, so a loaded resource never references a
    /// file that is not there yet.
    ///
    /// Each resource is written atomically through
    /// [`ResourceStore::import`](crate::storage::ResourceStore::import) — all its revisions,
    /// then its meta, whose `indexed_data` is recomputed from the current revision's data —
    /// so a resource never has a meta without its revisions and unique constraints hold.
    /// Under `RaiseError`, a resource found to exist by the check fails the load before
    /// anything is written.
    ///
    /// What can still stop a load half-way (earlier resources and the blobs stay written): a
    /// unique value already held by another resource (`UniqueViolation`), a resource created
    /// concurrently or listed twice in the archive under `RaiseError` (`Duplicate`), a store
    /// failure. Blobs written by a load that stops are only unreferenced files.
    pub async fn load(mut self, on_duplicate: OnDuplicate) -> Result<BTreeMap<String, LoadStats>> {
        if on_duplicate == OnDuplicate::RaiseError
            && let Some((model, id)) = self.first_existing.take()
        {
            return Err(Error::Duplicate {
                resource: model,
                id,
            });
        }
        if let Some(spool) = self.blob_spool.take() {
            restore_blobs(&self.spec, spool).await?;
        }
        self.spool
            .seek(SeekFrom::Start(0))
            .await
            .map_err(|e| Error::storage("archive", "rewind the spooled archive", e))?;
        let mut reader = ArchiveReader::new(self.spool);
        let mut stats: BTreeMap<String, LoadStats> = BTreeMap::new();
        let mut model: Option<ModelHandle> = None;
        let mut pending: Option<(ResourceMeta, Vec<StoredRevision>)> = None;
        while let Some(record) = reader.next().await? {
            match record {
                Record::Header { .. } | Record::Eof | Record::Blob(_) => {}
                Record::ModelStart { model_name } => {
                    model = Some(resolve(&self.spec, &model_name)?);
                    stats.entry(model_name).or_default();
                }
                Record::Meta(meta) => {
                    if let (Some(model), Some((meta, revisions))) = (&model, pending.take()) {
                        import_one(model, meta, revisions, on_duplicate, &mut stats).await?;
                    }
                    pending = Some((meta, Vec::new()));
                }
                Record::Revision(revision) => {
                    if let Some((_, revisions)) = &mut pending {
                        revisions.push(revision);
                    }
                }
                Record::ModelEnd { .. } => {
                    if let (Some(model), Some((meta, revisions))) = (&model, pending.take()) {
                        import_one(model, meta, revisions, on_duplicate, &mut stats).await?;
                    }
                    model = None;
                }
            }
        }
        Ok(stats)
    }
}

impl SpecStar {
    /// Load an `.acbak` version 2 archive (as written by [`dump`](Self::dump) or by the Python
    /// SpecStar 0.10 server) into the store; returns counts per model.
    ///
    /// Two passes: [`check_archive`](Self::check_archive) reads the whole input, checking its
    /// structure, every `data_hash`, the models, and that each current revision decodes into
    /// its model, while copying it to an anonymous temporary file; only then does
    /// [`CheckedArchive::load`] write, resource by resource. So a truncated, corrupted or
    /// wrong-version archive, an unknown model, or (under `RaiseError`) a resource that
    /// already exists is refused with nothing written. Memory stays bounded by one frame and
    /// one resource's history; the temporary file takes the archive's size on disk.
    ///
    /// `BlobRecord`s go to the app's blob store, before the resources (an archive with blobs
    /// is refused with `NotConfigured`, nothing written, when the app has none).
    /// Load writes through the store directly: permission checkers, validators and event
    /// handlers do not run (the archived payloads are stored byte for byte).
    ///
    /// Errors: `BadRequest` (parameter `archive`) for a bad archive, `Duplicate` under
    /// `RaiseError`, `UniqueViolation`, `NotConfigured` (blobs and no blob store), `Storage`.
    ///
    /// ```no_run
    /// # async fn demo(spec: specstar_runtime::app::SpecStar) -> specstar_runtime::Result<()> {
    /// use specstar_runtime::backup::OnDuplicate;
    /// let file = tokio::fs::File::open("backup.acbak").await.expect("open");
    /// let stats = spec.load(file, OnDuplicate::Skip).await?;
    /// for (model, s) in &stats {
    ///     println!("{model}: {} loaded, {} skipped of {}", s.loaded, s.skipped, s.total);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn load<R: AsyncRead + Unpin + Send>(
        &self,
        input: R,
        on_duplicate: OnDuplicate,
    ) -> Result<BTreeMap<String, LoadStats>> {
        self.check_archive(input).await?.load(on_duplicate).await
    }

    /// Load an archive into one model: every section of the archive must be `model`'s
    /// (`BadRequest` otherwise); returns its counts (zeros for an archive without a section).
    pub async fn load_model<R: AsyncRead + Unpin + Send>(
        &self,
        model: &str,
        input: R,
        on_duplicate: OnDuplicate,
    ) -> Result<LoadStats> {
        resolve(self, model)?;
        let checked = self.check_archive(input).await?;
        if let Some(other) = checked.models().iter().find(|m| *m != model) {
            return Err(Error::BadRequest {
                parameter: "archive".into(),
                message: format!(
                    "the archive has a section for model `{other}`; only `{model}` can be imported here"
                ),
            });
        }
        let mut stats = checked.load(on_duplicate).await?;
        Ok(stats.remove(model).unwrap_or_default())
    }

    /// The first pass of a load: read `input` to its end, check it (see [`load`](Self::load))
    /// and spool it to a temporary file. Nothing is written to the store.
    pub async fn check_archive<R: AsyncRead + Unpin + Send>(
        &self,
        input: R,
    ) -> Result<CheckedArchive> {
        let spool_error = |e: std::io::Error| Error::storage("archive", "spool the archive", e);
        let file = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .map_err(|e| Error::storage("archive", "create a temporary file", e))?
            .map_err(spool_error)?;
        let mut spool = BufWriter::with_capacity(64 * 1024, tokio::fs::File::from_std(file));
        let mut blob_spool: Option<BlobSpool> = None;
        let mut reader = ArchiveReader::new(input);
        let mut models: Vec<String> = Vec::new();
        let mut resources = 0;
        let mut blobs = 0;
        let mut first_existing = None;
        let mut model: Option<ModelHandle> = None;
        let mut current_revision: Option<String> = None;
        while let Some(frame) = reader.next_frame().await? {
            match &frame.record {
                Record::ModelStart { model_name } => {
                    model = Some(resolve(self, model_name)?);
                    if !models.contains(model_name) {
                        models.push(model_name.clone());
                    }
                }
                Record::Meta(meta) => {
                    resources += 1;
                    current_revision = Some(meta.current_revision_id.clone());
                    if let Some(model) = &model
                        && first_existing.is_none()
                        && model
                            .store()
                            .load_meta(model.name(), &meta.resource_id)
                            .await?
                            .is_some()
                    {
                        first_existing = Some((model.name().to_owned(), meta.resource_id.clone()));
                    }
                }
                Record::Revision(revision)
                    if current_revision.as_deref() == Some(revision.info.revision_id.as_str()) =>
                {
                    if let Some(model) = &model {
                        decode_current(model, revision)?;
                    }
                }
                Record::Blob(blob) => {
                    if self.blob_store().is_none() {
                        return Err(Error::NotConfigured {
                            feature: format!(
                                "a blob store (the archive carries files, e.g. `{}`; add one \
                                 with SpecStar::builder().blob_store(..) or a `blob` backend \
                                 binding)",
                                blob.file_id
                            ),
                        });
                    }
                    if let Err(error) = crate::storage::blob::check_file_id(&blob.file_id) {
                        return Err(Error::BadRequest {
                            parameter: "archive".into(),
                            message: format!("a BlobRecord has a bad file id: {error}"),
                        });
                    }
                    let section = model.as_ref().map(|m| m.name()).unwrap_or_default();
                    let blob_spool = match &mut blob_spool {
                        Some(spool) => spool,
                        None => blob_spool.insert(BlobSpool::create().await?),
                    };
                    blob_spool.write(section, &frame.payload).await?;
                    blobs += 1;
                    continue;
                }
                _ => {}
            }
            write_frame(&mut spool, &frame.payload)
                .await
                .map_err(spool_error)?;
        }
        spool.flush().await.map_err(spool_error)?;
        let blob_spool = match blob_spool {
            Some(spool) => Some(spool.finish().await?),
            None => None,
        };
        Ok(CheckedArchive {
            spec: self.clone(),
            spool: spool.into_inner(),
            blob_spool,
            models,
            resources,
            blobs,
            first_existing,
        })
    }
}

/// Write one frame: the big-endian length, then the payload.
async fn write_frame<W: tokio::io::AsyncWrite + Unpin>(
    out: &mut W,
    payload: &[u8],
) -> std::io::Result<()> {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let mut prefix = [0u8; FRAME_PREFIX_LEN];
    prefix.copy_from_slice(&len.to_be_bytes());
    out.write_all(&prefix).await?;
    out.write_all(payload).await
}

/// The blob records of an archive being checked, copied into an anonymous temporary file as
/// an archive of their own (header, a section per model, end record), so the load can read
/// them back with an [`ArchiveReader`].
struct BlobSpool {
    out: BufWriter<tokio::fs::File>,
    section: Option<String>,
}

fn blob_spool_error(e: std::io::Error) -> Error {
    Error::storage("archive", "spool the archive's blobs", e)
}

impl BlobSpool {
    async fn create() -> Result<Self> {
        let file = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .map_err(|e| Error::storage("archive", "create a temporary file", e))?
            .map_err(blob_spool_error)?;
        let mut out = BufWriter::with_capacity(64 * 1024, tokio::fs::File::from_std(file));
        let header = Record::Header {
            version: super::format::ARCHIVE_VERSION,
        };
        write_frame(&mut out, &header.encode())
            .await
            .map_err(blob_spool_error)?;
        Ok(BlobSpool { out, section: None })
    }

    /// Append the blob frame `payload` of model section `model`.
    async fn write(&mut self, model: &str, payload: &[u8]) -> Result<()> {
        if self.section.as_deref() != Some(model) {
            self.close_section().await?;
            let start = Record::ModelStart {
                model_name: model.to_owned(),
            };
            write_frame(&mut self.out, &start.encode())
                .await
                .map_err(blob_spool_error)?;
            self.section = Some(model.to_owned());
        }
        write_frame(&mut self.out, payload)
            .await
            .map_err(blob_spool_error)
    }

    async fn close_section(&mut self) -> Result<()> {
        if let Some(model_name) = self.section.take() {
            write_frame(&mut self.out, &Record::ModelEnd { model_name }.encode())
                .await
                .map_err(blob_spool_error)?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<tokio::fs::File> {
        self.close_section().await?;
        write_frame(&mut self.out, &Record::Eof.encode())
            .await
            .map_err(blob_spool_error)?;
        self.out.flush().await.map_err(blob_spool_error)?;
        Ok(self.out.into_inner())
    }
}

/// Write every blob of the blob spool into the app's blob store under its archived id.
async fn restore_blobs(spec: &SpecStar, mut spool: tokio::fs::File) -> Result<()> {
    let store = spec.blob_store().ok_or_else(|| Error::NotConfigured {
        feature: "a blob store (the archive carries files)".into(),
    })?;
    spool
        .seek(SeekFrom::Start(0))
        .await
        .map_err(|e| Error::storage("archive", "rewind the spooled blobs", e))?;
    let mut reader = ArchiveReader::new(spool);
    while let Some(record) = reader.next().await? {
        if let Record::Blob(blob) = record {
            store
                .put_with_id(&blob.file_id, blob.blob_data, &blob.content_type)
                .await?;
        }
    }
    Ok(())
}

/// The model of an archive section; an unknown one is a bad archive.
fn resolve(spec: &SpecStar, name: &str) -> Result<ModelHandle> {
    spec.model(name).ok_or_else(|| {
        let known: Vec<&str> = spec.models().iter().map(|m| m.name()).collect();
        Error::BadRequest {
            parameter: "archive".into(),
            message: format!(
                "the archive has a section for unknown model `{name}` (this app has: {})",
                known.join(", ")
            ),
        }
    })
}

/// The data of a resource's current revision, decoded into its model (the canonical JSON).
fn decode_current(model: &ModelHandle, revision: &StoredRevision) -> Result<Value> {
    model
        .engine
        .model_type
        .decode(
            model.store().backend_name(),
            &revision.info.revision_id,
            revision.info.schema_version.as_deref(),
            &revision.data,
            model.encoding(),
        )
        .map_err(|error| {
            let detail = match error {
                Error::Storage { message, .. } => message,
                other => other.to_string(),
            };
            Error::BadRequest {
                parameter: "archive".into(),
                message: format!(
                    "{} revision `{}`: its raw_data is not a valid {} ({detail})",
                    model.name(),
                    revision.info.revision_id,
                    model.name()
                ),
            }
        })
}

/// Write one resource: `indexed_data` from its current data, then an atomic import.
async fn import_one(
    model: &ModelHandle,
    mut meta: ResourceMeta,
    revisions: Vec<StoredRevision>,
    on_duplicate: OnDuplicate,
    stats: &mut BTreeMap<String, LoadStats>,
) -> Result<()> {
    let current = revisions
        .iter()
        .find(|r| r.info.revision_id == meta.current_revision_id)
        .ok_or_else(|| Error::BadRequest {
            parameter: "archive".into(),
            message: format!(
                "{} `{}`: its current revision `{}` is missing",
                model.name(),
                meta.resource_id,
                meta.current_revision_id
            ),
        })?;
    meta.indexed_data = indexing::extract(model.descriptor(), &decode_current(model, current)?);
    let id = meta.resource_id.clone();
    let mode = match on_duplicate {
        OnDuplicate::Overwrite => ImportMode::Replace,
        OnDuplicate::Skip | OnDuplicate::RaiseError => ImportMode::Insert,
    };
    let outcome = model
        .store()
        .import(model.name(), ImportedResource { meta, revisions }, mode)
        .await;
    let counts = stats.entry(model.name().to_owned()).or_default();
    counts.total += 1;
    let existed = match outcome {
        Ok(ImportOutcome::Inserted | ImportOutcome::Replaced) => false,
        Ok(ImportOutcome::Exists) => true,
        // Created by a concurrent writer between the existence check and the insert.
        Err(Error::Conflict { .. }) if mode == ImportMode::Insert => true,
        Err(error) => return Err(error),
    };
    if !existed {
        counts.loaded += 1;
        return Ok(());
    }
    match on_duplicate {
        OnDuplicate::Skip => {
            counts.skipped += 1;
            Ok(())
        }
        _ => Err(Error::Duplicate {
            resource: model.name().to_owned(),
            id,
        }),
    }
}
