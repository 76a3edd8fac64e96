//! [`DiskBlobStore`]: one file per blob in a directory, written atomically.
//!
//! # Layout
//!
//! ```text
//! <root>/<shard>/<name>.blob    one JSON header line {"content_type", "size"}, then the bytes
//! ```
//!
//! `<name>` is the file id encoded by [`file_name`](crate::storage::disk::file_name) (`[a-z0-9_-]`
//! kept, every other byte `%XX`, long ids hashed), so an id from an archive or a URL is never
//! used raw as a path. `<shard>` is two hex digits of a hash of the id, so no directory holds
//! more than 1/256 of the blobs.
//!
//! A blob is written to a temporary file in its shard directory, fsynced, renamed over the
//! target and the directory fsynced: a reader sees the old file or the new one, whole, and an
//! acknowledged put survives a crash. A crash mid-write leaves at most a `.tmp-…` file, which
//! is never read.
//!
//! The configured `disk` backend keeps blobs in `<rootdir>/.blobs` (a name no model directory
//! can have), beside the resources.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Blob, BlobStore, check_file_id, content_type_or_default, file_id_of};
use crate::model::{Error, Result};
use crate::storage::disk::file_name;

const BACKEND: &str = "disk";

/// A [`BlobStore`] in a directory.
///
/// ```no_run
/// # async fn demo() -> specstar_runtime::Result<()> {
/// use specstar_runtime::storage::blob::{BlobStore, disk::DiskBlobStore};
/// let store = DiskBlobStore::open("./data/.blobs").await?;
/// let id = store.put(b"bytes".to_vec(), "text/plain").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DiskBlobStore {
    root: Arc<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    content_type: String,
    size: u64,
}

fn io_error(action: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::storage(BACKEND, action, e)
}

impl DiskBlobStore {
    /// Open (creating when missing) the directory `root`.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let store = DiskBlobStore {
            root: Arc::new(root.clone()),
        };
        blocking(move || {
            ensure_dir(&root).map_err(io_error(format!(
                "open blob directory `{}`",
                root.display()
            )))
        })
        .await?;
        Ok(store)
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, file_id: &str) -> PathBuf {
        let shard = xxhash_rust::xxh3::xxh3_64(file_id.as_bytes()) & 0xff;
        self.root
            .join(format!("{shard:02x}"))
            .join(format!("{}.blob", file_name(file_id)))
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::storage(BACKEND, "run a file operation", e))?
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

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

/// Write header and bytes to `path` atomically: temp file, fsync, rename, fsync of the directory.
fn write_blob(path: &Path, header: &[u8], data: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("blob path has no parent directory"))?;
    ensure_dir(dir)?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(header)?;
        file.write_all(b"\n")?;
        file.write_all(data)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn read_blob(path: &Path, file_id: &str) -> Result<Option<Blob>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::storage(BACKEND, format!("read blob `{file_id}`"), e)),
    };
    let corrupt = |detail: String| Error::Storage {
        backend: BACKEND,
        message: format!("blob file `{}` is corrupt: {detail}", path.display()),
        source: None,
    };
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| corrupt("no header line".into()))?;
    let header: Header = serde_json::from_slice(&bytes[..newline])
        .map_err(|e| corrupt(format!("bad header: {e}")))?;
    let mut data = bytes;
    data.drain(..=newline);
    if data.len() as u64 != header.size {
        return Err(corrupt(format!(
            "header says {} bytes, the file holds {}",
            header.size,
            data.len()
        )));
    }
    Ok(Some(Blob {
        file_id: file_id.to_owned(),
        data,
        content_type: header.content_type,
    }))
}

#[async_trait::async_trait]
impl BlobStore for DiskBlobStore {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    async fn put(&self, data: Vec<u8>, content_type: &str) -> Result<String> {
        let file_id = file_id_of(&data);
        let path = self.path(&file_id);
        let content_type = content_type_or_default(content_type).to_owned();
        let id = file_id.clone();
        blocking(move || {
            if path.is_file() {
                return Ok(());
            }
            let header = serde_json::to_vec(&Header {
                content_type,
                size: data.len() as u64,
            })
            .map_err(|e| Error::storage(BACKEND, "encode a blob header", e))?;
            write_blob(&path, &header, &data).map_err(io_error(format!("write blob `{id}`")))
        })
        .await?;
        Ok(file_id)
    }

    async fn put_with_id(&self, file_id: &str, data: Vec<u8>, content_type: &str) -> Result<()> {
        check_file_id(file_id)?;
        let path = self.path(file_id);
        let header = serde_json::to_vec(&Header {
            content_type: content_type_or_default(content_type).to_owned(),
            size: data.len() as u64,
        })
        .map_err(|e| Error::storage(BACKEND, "encode a blob header", e))?;
        let id = file_id.to_owned();
        blocking(move || {
            write_blob(&path, &header, &data).map_err(io_error(format!("write blob `{id}`")))
        })
        .await
    }

    async fn get(&self, file_id: &str) -> Result<Option<Blob>> {
        if check_file_id(file_id).is_err() {
            return Ok(None);
        }
        let path = self.path(file_id);
        let id = file_id.to_owned();
        blocking(move || read_blob(&path, &id)).await
    }

    async fn exists(&self, file_id: &str) -> Result<bool> {
        if check_file_id(file_id).is_err() {
            return Ok(false);
        }
        let path = self.path(file_id);
        blocking(move || Ok(path.is_file())).await
    }

    async fn delete(&self, file_id: &str) -> Result<bool> {
        if check_file_id(file_id).is_err() {
            return Ok(false);
        }
        let path = self.path(file_id);
        let id = file_id.to_owned();
        blocking(move || match fs::remove_file(&path) {
            Ok(()) => {
                if let Some(dir) = path.parent() {
                    sync_dir(dir).map_err(io_error(format!("delete blob `{id}`")))?;
                }
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::storage(BACKEND, format!("delete blob `{id}`"), e)),
        })
        .await
    }
}
