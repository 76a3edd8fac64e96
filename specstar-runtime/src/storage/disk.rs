//! The disk backend: plain files in one directory, written atomically.
//!
//! # Layout
//!
//! ```text
//! <root>/
//!   .lock                                   held (flock) around every write, by every process
//!   <model>/metas/<resource id>.json        {"committed_seq": n, "meta": ResourceMeta}
//!   <model>/revisions/<resource id>/<revision id>.rev
//!                                           one JSON header line {"seq", "info"}, then the payload bytes
//!   <model>/unique/<field>/<value>          the id of the resource holding the value
//! ```
//!
//! Every name is encoded ([`file_name`]): ASCII lowercase letters, digits, `-` and `_` stay, every
//! other byte becomes `%XX`, so an id is never used raw as a path (no `/`, `..`, case clashes on
//! case-insensitive file systems); names longer than 200 bytes become a hash.
//!
//! # Atomicity and crashes
//!
//! A file is written to a temporary name, fsynced, renamed over the target, and the directory is
//! fsynced. A commit writes, in order: the revision file, the new unique files, the meta file
//! (the commit point), then removes unique files the resource no longer holds. A crash before the
//! meta rename leaves at most an *uncommitted* revision file (its `seq` is above the meta's
//! `committed_seq`, so it is ignored and may be overwritten) and unique files naming a resource
//! that does not hold the value (stale: a unique check verifies the holder's meta, and
//! `register_model` reconciles the unique files with the metas). So after a crash every meta points
//! at an existing revision and no acknowledged write is lost.
//!
//! # Several processes
//!
//! Writes take an exclusive lock on `<root>/.lock` (the OS file lock), and read the meta and the
//! unique files from disk under it, so compare-and-set and unique constraints hold across
//! processes. `load_meta`, `load_revision` and `list_revisions` read the files. `search` and
//! `count` scan an in-process index of the metas, built from the files at `register_model` and
//! updated by this process's own writes: writes of *other* processes show up in searches only
//! after a restart. The in-process index keeps the same secondary indexes as the memory store
//! (`storage::meta_index`), so a search evaluates only the metas its indexed conditions allow.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};

use super::meta_index::{HashMap as FastMap, Indexes};
use super::unique::{canonical_key, unique_entries};
use super::{Commit, ImportMode, ImportOutcome, ImportedResource, ResourceStore, StoredRevision};
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::query::Query;
use crate::resource::ResourceDescriptor;

const BACKEND: &str = "disk";

/// A [`ResourceStore`] in a directory of files.
///
/// ```no_run
/// # async fn demo() -> specstar_runtime::Result<()> {
/// use specstar_runtime::storage::disk::DiskStore;
/// let store = DiskStore::open("./data").await?;
/// # Ok(()) }
/// ```
pub struct DiskStore {
    inner: Arc<Inner>,
}

struct Inner {
    root: PathBuf,
    /// Serialises this process's writers; the file lock serialises processes.
    write_lock: Mutex<File>,
    models: RwLock<HashMap<String, ModelIndex>>,
}

/// The metas of a model by resource id, behind pointers: a growing map moves its entries when
/// it resizes, and under the lock moving a few hundred thousand whole metas stalled every
/// request for hundreds of milliseconds.
type MetaMap = FastMap<String, Arc<ResourceMeta>>;

struct ModelIndex {
    descriptor: &'static ResourceDescriptor,
    metas: MetaMap,
    /// Secondary indexes over `metas`, so a search reads only its candidates.
    indexes: Indexes,
}

impl ModelIndex {
    fn new(descriptor: &'static ResourceDescriptor, metas: MetaMap) -> Self {
        let mut indexes = Indexes::new(descriptor);
        metas.values().for_each(|meta| indexes.insert(meta));
        ModelIndex {
            descriptor,
            metas,
            indexes,
        }
    }

    /// Record `meta`, replacing the version held before.
    fn put(&mut self, meta: ResourceMeta) {
        match self.metas.get(&meta.resource_id) {
            Some(old) => self.indexes.replace(old, &meta),
            None => self.indexes.insert(&meta),
        }
        self.metas.insert(meta.resource_id.clone(), Arc::new(meta));
    }

    fn remove(&mut self, id: &str) {
        if let Some(old) = self.metas.remove(id) {
            self.indexes.remove(&old);
        }
    }

    /// The metas a search has to evaluate: the indexes' candidates, or every meta.
    fn candidates(&self, query: &Query) -> Vec<&ResourceMeta> {
        self.indexes
            .select(query, |id| self.metas.get(id).map(|meta| &**meta))
            .unwrap_or_else(|| self.metas.values().map(|meta| &**meta).collect())
    }
}

#[derive(Serialize, Deserialize)]
struct MetaFile {
    committed_seq: u64,
    meta: ResourceMeta,
}

#[derive(Serialize, Deserialize)]
struct RevisionHeader {
    seq: u64,
    info: RevisionInfo,
}

fn io_error(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let action = action.into();
    move |e| Error::storage(BACKEND, action, e)
}

fn corrupt(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::Storage {
        backend: BACKEND,
        message: format!("file `{}` is corrupt: {detail}", path.display()),
        source: None,
    }
}

/// The file-name form of an id, model name, field or value: `[a-z0-9_-]` kept, every other byte
/// `%XX`; longer than 200 bytes → `~` and the xxh3-128 hash of the text.
pub fn file_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('%');
    }
    if out.len() > 200 {
        return format!("~{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()));
    }
    out
}

/// Write `bytes` to `path` atomically: temp file, fsync, rename, fsync of the directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("path has no parent directory"))?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Create `dir` (and parents), fsyncing the parent so the new entry is durable.
fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

fn remove_file_durably(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => path.parent().map_or(Ok(()), sync_dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn read_optional(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Inner {
    fn model_dir(&self, model: &str) -> PathBuf {
        self.root.join(file_name(model))
    }

    fn meta_path(&self, model: &str, id: &str) -> PathBuf {
        self.model_dir(model)
            .join("metas")
            .join(format!("{}.json", file_name(id)))
    }

    fn revisions_dir(&self, model: &str, id: &str) -> PathBuf {
        self.model_dir(model).join("revisions").join(file_name(id))
    }

    fn revision_path(&self, model: &str, id: &str, revision_id: &str) -> PathBuf {
        self.revisions_dir(model, id)
            .join(format!("{}.rev", file_name(revision_id)))
    }

    fn unique_path(&self, model: &str, field: &str, key: &str) -> PathBuf {
        self.model_dir(model)
            .join("unique")
            .join(file_name(field))
            .join(file_name(key))
    }

    fn read_meta_file(&self, model: &str, id: &str) -> Result<Option<MetaFile>> {
        let path = self.meta_path(model, id);
        let Some(bytes) =
            read_optional(&path).map_err(io_error(format!("read meta of {model} `{id}`")))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| corrupt(&path, e))
    }

    fn read_revision_file(&self, path: &Path) -> Result<Option<(RevisionHeader, Vec<u8>)>> {
        let Some(bytes) =
            read_optional(path).map_err(io_error(format!("read `{}`", path.display())))?
        else {
            return Ok(None);
        };
        let newline = bytes
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| corrupt(path, "no header line"))?;
        let header: RevisionHeader =
            serde_json::from_slice(&bytes[..newline]).map_err(|e| corrupt(path, e))?;
        Ok(Some((header, bytes[newline + 1..].to_vec())))
    }

    fn revision_bytes(header: &RevisionHeader, data: &[u8]) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec(header)
            .map_err(|e| Error::storage(BACKEND, "encode a revision header", e))?;
        bytes.push(b'\n');
        bytes.extend_from_slice(data);
        Ok(bytes)
    }

    /// Take the cross-process write lock for the duration of `work`.
    fn locked<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let file = self.write_lock.lock();
        file.lock().map_err(io_error("lock the data directory"))?;
        let result = work();
        let unlocked = file.unlock().map_err(io_error("unlock the data directory"));
        let value = result?;
        unlocked?;
        Ok(value)
    }

    /// Whether the unique file at `path` names a live holder of `(field, key)` other than `id`.
    fn live_holder(
        &self,
        model: &str,
        path: &Path,
        field: &str,
        key: &str,
        id: &str,
    ) -> Result<Option<String>> {
        let Some(bytes) = read_optional(path).map_err(io_error("read a unique entry"))? else {
            return Ok(None);
        };
        let holder = String::from_utf8(bytes).map_err(|e| corrupt(path, e))?;
        if holder == id {
            return Ok(None);
        }
        let live = match self.read_meta_file(model, &holder)? {
            Some(file) => {
                !file.meta.is_deleted
                    && file
                        .meta
                        .indexed_data
                        .get(field)
                        .is_some_and(|v| !v.is_null() && canonical_key(v) == key)
            }
            None => false,
        };
        Ok(live.then_some(holder))
    }

    fn commit(&self, model: &str, commit: Commit) -> Result<()> {
        let descriptor = self
            .models
            .read()
            .get(model)
            .map(|m| m.descriptor)
            .ok_or_else(|| {
                Error::config(format!(
                    "model `{model}` is not registered with the disk store (call register_model first)"
                ))
            })?;
        let id = commit.meta.resource_id.clone();
        let action = format!("commit {model} `{id}`");
        let conflict = |message: String| Error::Conflict {
            resource: model.to_owned(),
            id: id.clone(),
            message,
        };
        let written = self.locked(|| {
            // 1. Compare-and-set against the meta on disk.
            let current = self.read_meta_file(model, &id)?;
            match (&commit.expected_current, &current) {
                (None, Some(_)) => return Err(conflict("it already exists".into())),
                (Some(expected), None) => {
                    return Err(conflict(format!(
                        "expected current revision `{expected}` but it does not exist"
                    )));
                }
                (Some(expected), Some(file)) if &file.meta.current_revision_id != expected => {
                    return Err(conflict(format!(
                        "expected current revision `{expected}` but it is `{}` (a concurrent write came first)",
                        file.meta.current_revision_id
                    )));
                }
                _ => {}
            }
            let old_seq = current.as_ref().map_or(0, |f| f.committed_seq);
            let mut new_seq = old_seq;

            // 2. Unique entries: refuse a live holder other than this resource.
            let entries = unique_entries(descriptor, &commit.meta);
            for entry in &entries {
                let path = self.unique_path(model, entry.field, &entry.key);
                if let Some(holder) = self.live_holder(model, &path, entry.field, &entry.key, &id)? {
                    return Err(Error::UniqueViolation {
                        resource: model.to_owned(),
                        field: entry.field.to_owned(),
                        value: entry.value.clone(),
                        conflicting_id: holder,
                    });
                }
            }

            // 3. The revision file.
            if let Some(revision) = &commit.revision {
                let rid = &revision.info.revision_id;
                let path = self.revision_path(model, &id, rid);
                let existing = self.read_revision_file(&path)?;
                let committed = existing.as_ref().filter(|(h, _)| h.seq <= old_seq && old_seq > 0);
                let seq = if commit.replace_revision {
                    match committed {
                        Some((header, _)) => header.seq,
                        None => {
                            return Err(Error::RevisionNotFound {
                                resource: model.to_owned(),
                                id: id.clone(),
                                revision_id: rid.clone(),
                            });
                        }
                    }
                } else {
                    if committed.is_some() {
                        return Err(conflict(format!(
                            "revision `{rid}` already exists (revision ids are never reused)"
                        )));
                    }
                    new_seq = old_seq + 1;
                    new_seq
                };
                let bytes = Self::revision_bytes(
                    &RevisionHeader {
                        seq,
                        info: revision.info.clone(),
                    },
                    &revision.data,
                )?;
                let dir = self.revisions_dir(model, &id);
                ensure_dir(&dir).map_err(io_error(action.clone()))?;
                write_atomic(&path, &bytes).map_err(io_error(action.clone()))?;
            }

            // 4. New unique files, before the commit point.
            for entry in &entries {
                let path = self.unique_path(model, entry.field, &entry.key);
                if let Some(dir) = path.parent() {
                    ensure_dir(dir).map_err(io_error(action.clone()))?;
                }
                write_atomic(&path, id.as_bytes()).map_err(io_error(action.clone()))?;
            }

            // 5. The meta: the commit point.
            let file = MetaFile {
                committed_seq: new_seq,
                meta: commit.meta.clone(),
            };
            let bytes = serde_json::to_vec(&file)
                .map_err(|e| Error::storage(BACKEND, "encode a meta", e))?;
            let path = self.meta_path(model, &id);
            if let Some(dir) = path.parent() {
                ensure_dir(dir).map_err(io_error(action.clone()))?;
            }
            write_atomic(&path, &bytes).map_err(io_error(action.clone()))?;

            // 6. Unique files this resource no longer holds.
            if let Some(old) = &current {
                for entry in unique_entries(descriptor, &old.meta) {
                    if !entries.iter().any(|e| e.field == entry.field && e.key == entry.key) {
                        let path = self.unique_path(model, entry.field, &entry.key);
                        if read_optional(&path).ok().flatten().as_deref() == Some(id.as_bytes()) {
                            remove_file_durably(&path).map_err(io_error(action.clone()))?;
                        }
                    }
                }
            }
            Ok(file.meta)
        })?;
        if let Some(index) = self.models.write().get_mut(model) {
            index.put(written);
        }
        Ok(())
    }

    /// Load a model's metas into the index and rebuild its unique files from them.
    fn register(&self, descriptor: &'static ResourceDescriptor) -> Result<()> {
        let model = descriptor.name;
        let action = format!("open model {model}");
        let metas = self.locked(|| {
            let metas_dir = self.model_dir(model).join("metas");
            ensure_dir(&metas_dir).map_err(io_error(action.clone()))?;
            let mut metas = MetaMap::default();
            for entry in fs::read_dir(&metas_dir).map_err(io_error(action.clone()))? {
                let path = entry.map_err(io_error(action.clone()))?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with(".tmp-") {
                    // An interrupted write: never renamed, never acknowledged.
                    let _ = fs::remove_file(&path);
                    continue;
                }
                if !name.ends_with(".json") {
                    continue;
                }
                let mut bytes = Vec::new();
                File::open(&path)
                    .and_then(|mut f| f.read_to_end(&mut bytes))
                    .map_err(io_error(action.clone()))?;
                let file: MetaFile =
                    serde_json::from_slice(&bytes).map_err(|e| corrupt(&path, e))?;
                metas.insert(file.meta.resource_id.clone(), Arc::new(file.meta));
            }
            // Reconcile the unique files with what the metas hold: keep the right ones, remove
            // stale ones and crash debris, write the missing ones (a restart after a clean
            // shutdown writes nothing).
            let mut wanted: HashMap<PathBuf, &String> = HashMap::new();
            let mut ids: Vec<&String> = metas.keys().collect();
            ids.sort();
            for id in ids {
                for entry in unique_entries(descriptor, &metas[id]) {
                    // The first holder in id order wins (two holders cannot happen unless the
                    // files were edited by hand).
                    wanted
                        .entry(self.unique_path(model, entry.field, &entry.key))
                        .or_insert(id);
                }
            }
            let unique_dir = self.model_dir(model).join("unique");
            let fields = match fs::read_dir(&unique_dir) {
                Ok(fields) => fields.collect::<std::io::Result<Vec<_>>>(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
                Err(e) => Err(e),
            }
            .map_err(io_error(action.clone()))?;
            for field in fields {
                let entries = fs::read_dir(field.path())
                    .and_then(|entries| entries.collect::<std::io::Result<Vec<_>>>())
                    .map_err(io_error(action.clone()))?;
                for entry in entries {
                    let path = entry.path();
                    let keep = match wanted.get(&path) {
                        Some(id) => {
                            read_optional(&path)
                                .map_err(io_error(action.clone()))?
                                .as_deref()
                                == Some(id.as_bytes())
                        }
                        None => false,
                    };
                    if keep {
                        wanted.remove(&path);
                    } else {
                        remove_file_durably(&path).map_err(io_error(action.clone()))?;
                    }
                }
            }
            let mut missing: Vec<(PathBuf, &String)> = wanted.into_iter().collect();
            missing.sort();
            for (path, id) in missing {
                if let Some(dir) = path.parent() {
                    ensure_dir(dir).map_err(io_error(action.clone()))?;
                }
                write_atomic(&path, id.as_bytes()).map_err(io_error(action.clone()))?;
            }
            Ok(metas)
        })?;
        self.models
            .write()
            .insert(model.to_owned(), ModelIndex::new(descriptor, metas));
        Ok(())
    }

    fn purge(&self, model: &str, id: &str) -> Result<()> {
        let action = format!("purge {model} `{id}`");
        self.locked(|| {
            let current = self.read_meta_file(model, id)?;
            // The meta first: once it is gone the resource is gone; then its files.
            remove_file_durably(&self.meta_path(model, id)).map_err(io_error(action.clone()))?;
            if let Some(file) = current {
                let descriptor = self.models.read().get(model).map(|m| m.descriptor);
                if let Some(descriptor) = descriptor {
                    for entry in unique_entries(descriptor, &file.meta) {
                        let path = self.unique_path(model, entry.field, &entry.key);
                        if read_optional(&path).ok().flatten().as_deref() == Some(id.as_bytes()) {
                            remove_file_durably(&path).map_err(io_error(action.clone()))?;
                        }
                    }
                }
            }
            match fs::remove_dir_all(self.revisions_dir(model, id)) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error(action.clone())(e)),
            }
        })?;
        if let Some(index) = self.models.write().get_mut(model) {
            index.remove(id);
        }
        Ok(())
    }

    /// Install a whole resource (backup load) under the write lock: refuse a unique value held
    /// by another live resource, remove the old files of the id (meta first), write the
    /// revision files (`seq` 1..n), the unique files, then the meta (the commit point).
    ///
    /// A crash during a `Replace` can leave the resource absent (its old files were removed
    /// before the new meta was written); never a meta without its revisions.
    fn import(
        &self,
        model: &str,
        resource: ImportedResource,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        resource.check(model)?;
        let descriptor = self
            .models
            .read()
            .get(model)
            .map(|m| m.descriptor)
            .ok_or_else(|| {
                Error::config(format!(
                    "model `{model}` is not registered with the disk store (call register_model first)"
                ))
            })?;
        let id = resource.meta.resource_id.clone();
        let action = format!("import {model} `{id}`");
        let outcome = self.locked(|| {
            let current = self.read_meta_file(model, &id)?;
            if current.is_some() && mode == ImportMode::Insert {
                return Ok(ImportOutcome::Exists);
            }
            let entries = unique_entries(descriptor, &resource.meta);
            for entry in &entries {
                let path = self.unique_path(model, entry.field, &entry.key);
                if let Some(holder) =
                    self.live_holder(model, &path, entry.field, &entry.key, &id)?
                {
                    return Err(Error::UniqueViolation {
                        resource: model.to_owned(),
                        field: entry.field.to_owned(),
                        value: entry.value.clone(),
                        conflicting_id: holder,
                    });
                }
            }

            // The old resource (or the uncommitted leftovers of an interrupted write): the meta
            // first, so that from here on the id is absent rather than half-replaced.
            remove_file_durably(&self.meta_path(model, &id)).map_err(io_error(action.clone()))?;
            if let Some(old) = &current {
                for entry in unique_entries(descriptor, &old.meta) {
                    let path = self.unique_path(model, entry.field, &entry.key);
                    if read_optional(&path).ok().flatten().as_deref() == Some(id.as_bytes()) {
                        remove_file_durably(&path).map_err(io_error(action.clone()))?;
                    }
                }
            }
            let dir = self.revisions_dir(model, &id);
            match fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(action.clone())(e)),
            }

            ensure_dir(&dir).map_err(io_error(action.clone()))?;
            let mut seq = 0;
            for revision in &resource.revisions {
                seq += 1;
                let bytes = Self::revision_bytes(
                    &RevisionHeader {
                        seq,
                        info: revision.info.clone(),
                    },
                    &revision.data,
                )?;
                let path = self.revision_path(model, &id, &revision.info.revision_id);
                write_atomic(&path, &bytes).map_err(io_error(action.clone()))?;
            }
            for entry in &entries {
                let path = self.unique_path(model, entry.field, &entry.key);
                if let Some(dir) = path.parent() {
                    ensure_dir(dir).map_err(io_error(action.clone()))?;
                }
                write_atomic(&path, id.as_bytes()).map_err(io_error(action.clone()))?;
            }
            let file = MetaFile {
                committed_seq: seq,
                meta: resource.meta.clone(),
            };
            let bytes = serde_json::to_vec(&file)
                .map_err(|e| Error::storage(BACKEND, "encode a meta", e))?;
            let path = self.meta_path(model, &id);
            if let Some(dir) = path.parent() {
                ensure_dir(dir).map_err(io_error(action.clone()))?;
            }
            write_atomic(&path, &bytes).map_err(io_error(action.clone()))?;
            Ok(if current.is_some() {
                ImportOutcome::Replaced
            } else {
                ImportOutcome::Inserted
            })
        })?;
        if outcome != ImportOutcome::Exists
            && let Some(index) = self.models.write().get_mut(model)
        {
            index.put(resource.meta);
        }
        Ok(outcome)
    }

    fn list_revisions(&self, model: &str, id: &str) -> Result<Vec<RevisionInfo>> {
        let Some(meta) = self.read_meta_file(model, id)? else {
            return Ok(Vec::new());
        };
        let dir = self.revisions_dir(model, id);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(format!("list revisions of {model} `{id}`"))(e)),
        };
        let mut found = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(io_error(format!("list revisions of {model} `{id}`")))?
                .path();
            if path.extension().and_then(|e| e.to_str()) != Some("rev") {
                continue;
            }
            if let Some((header, _)) = self.read_revision_file(&path)?
                && header.seq <= meta.committed_seq
            {
                found.push((header.seq, header.info));
            }
        }
        found.sort_by_key(|(seq, _)| *seq);
        Ok(found.into_iter().map(|(_, info)| info).collect())
    }

    fn load_revision(&self, model: &str, revision_id: &str) -> Result<Option<StoredRevision>> {
        // The resource id is the revision id up to its last `:` (`{resource_id}:{n}`).
        let Some((id, _)) = revision_id.rsplit_once(':') else {
            return Ok(None);
        };
        let Some(meta) = self.read_meta_file(model, id)? else {
            return Ok(None);
        };
        let path = self.revision_path(model, id, revision_id);
        Ok(self
            .read_revision_file(&path)?
            .filter(|(header, _)| header.seq <= meta.committed_seq)
            .map(|(header, data)| StoredRevision {
                info: header.info,
                data,
            }))
    }
}

impl DiskStore {
    /// Open (creating when missing) the data directory `root`.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let inner = tokio::task::spawn_blocking(move || -> Result<Inner> {
            let action = format!("open data directory `{}`", root.display());
            ensure_dir(&root).map_err(io_error(action.clone()))?;
            let lock = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(root.join(".lock"))
                .map_err(io_error(action))?;
            Ok(Inner {
                root,
                write_lock: Mutex::new(lock),
                models: RwLock::new(HashMap::new()),
            })
        })
        .await
        .map_err(|e| Error::storage(BACKEND, "open the data directory", e))??;
        Ok(DiskStore {
            inner: Arc::new(inner),
        })
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| Error::storage(BACKEND, "run a file operation", e))?
    }
}

#[async_trait::async_trait]
impl ResourceStore for DiskStore {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    async fn register_model(&self, model: &'static ResourceDescriptor) -> Result<()> {
        self.blocking(move |inner| inner.register(model)).await
    }

    async fn load_meta(&self, model: &str, resource_id: &str) -> Result<Option<ResourceMeta>> {
        let (model, id) = (model.to_owned(), resource_id.to_owned());
        self.blocking(move |inner| Ok(inner.read_meta_file(&model, &id)?.map(|f| f.meta)))
            .await
    }

    async fn load_revision(
        &self,
        model: &str,
        revision_id: &str,
    ) -> Result<Option<StoredRevision>> {
        let (model, rid) = (model.to_owned(), revision_id.to_owned());
        self.blocking(move |inner| inner.load_revision(&model, &rid))
            .await
    }

    async fn list_revisions(&self, model: &str, resource_id: &str) -> Result<Vec<RevisionInfo>> {
        let (model, id) = (model.to_owned(), resource_id.to_owned());
        self.blocking(move |inner| inner.list_revisions(&model, &id))
            .await
    }

    async fn commit(&self, model: &str, commit: Commit) -> Result<()> {
        let model = model.to_owned();
        self.blocking(move |inner| inner.commit(&model, commit))
            .await
    }

    async fn search(&self, model: &str, query: &Query) -> Result<Vec<ResourceMeta>> {
        let models = self.inner.models.read();
        match models.get(model) {
            Some(index) => Ok(crate::query::apply(query, index.candidates(query))?
                .into_iter()
                .cloned()
                .collect()),
            None => Ok(Vec::new()),
        }
    }

    async fn count(&self, model: &str, query: &Query) -> Result<u64> {
        let models = self.inner.models.read();
        match models.get(model) {
            Some(index) => crate::query::count(query, index.candidates(query)),
            None => Ok(0),
        }
    }

    async fn purge(&self, model: &str, resource_id: &str) -> Result<()> {
        let (model, id) = (model.to_owned(), resource_id.to_owned());
        self.blocking(move |inner| inner.purge(&model, &id)).await
    }

    async fn import(
        &self,
        model: &str,
        resource: ImportedResource,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        let model = model.to_owned();
        self.blocking(move |inner| inner.import(&model, resource, mode))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn ids_become_safe_file_names() {
        assert_eq!(file_name("zone:1a2b"), "zone%3A1a2b");
        assert_eq!(file_name("../etc/passwd"), "%2E%2E%2Fetc%2Fpasswd");
        assert_eq!(file_name("Ab"), "%41b");
        assert_eq!(file_name(""), "%");
        assert_ne!(file_name("a"), file_name("A"));
        let long = "x".repeat(300);
        assert!(file_name(&long).starts_with('~'));
        assert_eq!(file_name(&long).len(), 33);
    }
}
