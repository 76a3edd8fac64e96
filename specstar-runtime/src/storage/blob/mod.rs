//! Blob storage: the [`BlobStore`] trait and its backends ([`memory`], [`disk`], [`sqlite`],
//! [`postgres`]).
//!
//! Blobs are the bytes of [`Binary`](crate::model::Binary) values. They live apart from
//! resources: a revision stores only the reference (`file_id`, `size`, `content_type`).
//! Storage is content-addressed — [`put`](BlobStore::put) names bytes by [`file_id_of`] them,
//! the hex xxh3-128 — so the same file written by many resources or revisions is stored once,
//! and a blob never changes under a `file_id`. Blobs are never deleted by resource writes or
//! deletes (a revision of any age may still reference them).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> specstar_runtime::Result<()> {
//! use specstar_runtime::storage::blob::{BlobStore, file_id_of, memory::MemoryBlobStore};
//!
//! let store = MemoryBlobStore::new();
//! let file_id = store.put(b"hello".to_vec(), "text/plain").await?;
//! assert_eq!(file_id, file_id_of(b"hello"));
//! let blob = store.get(&file_id).await?.expect("stored");
//! assert_eq!((blob.data.as_slice(), blob.content_type.as_str()), (&b"hello"[..], "text/plain"));
//! # Ok(()) }
//! ```

pub mod disk;
pub mod memory;
pub mod postgres;
pub mod sql;
pub mod sqlite;
pub mod upload;

use crate::model::{Error, Result};

/// The longest `file_id` a store accepts (ids are 32 hex digits; archives of other servers
/// may carry longer ones).
pub const MAX_FILE_ID_LEN: usize = 512;

/// The content-addressed id of `data`: the 32 lowercase hex digits of its xxh3-128.
///
/// ```
/// use specstar_runtime::storage::blob::file_id_of;
/// assert_eq!(file_id_of(b"").len(), 32);
/// assert_eq!(file_id_of(b"a"), file_id_of(b"a"));
/// assert_ne!(file_id_of(b"a"), file_id_of(b"b"));
/// ```
pub fn file_id_of(data: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(data))
}

/// One stored blob.
#[derive(Clone, PartialEq, Eq)]
pub struct Blob {
    pub file_id: String,
    pub data: Vec<u8>,
    pub content_type: String,
}

impl Blob {
    /// Size of the bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("file_id", &self.file_id)
            .field("size", &self.data.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Where blobs live. Object-safe: apps hold an `Arc<dyn BlobStore>`.
///
/// Every implementation keeps:
/// - [`put`](Self::put) names bytes by [`file_id_of`] (content addressing) and returns that id;
///   putting bytes already stored writes nothing and keeps the first content type;
/// - [`put_with_id`](Self::put_with_id) stores bytes under a given id (backup load), replacing
///   what the id held; a write is atomic: a reader sees the old blob or the new one, whole;
/// - on durable backends an acknowledged put survives a crash of the process;
/// - an unknown `file_id` is `Ok(None)` / `Ok(false)`, never an error; a malformed one (empty,
///   longer than [`MAX_FILE_ID_LEN`]) is refused by `put_with_id` with `BadRequest`.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// A short name for messages (`"memory"`, `"disk"`, …).
    fn backend_name(&self) -> &'static str;

    /// Store `data` under its content id [`file_id_of`] and return the id. Bytes already
    /// stored are not written again (their first content type stays).
    async fn put(&self, data: Vec<u8>, content_type: &str) -> Result<String> {
        let file_id = file_id_of(&data);
        if !self.exists(&file_id).await? {
            self.put_with_id(&file_id, data, content_type).await?;
        }
        Ok(file_id)
    }

    /// Store `data` under `file_id`, replacing what it held.
    async fn put_with_id(&self, file_id: &str, data: Vec<u8>, content_type: &str) -> Result<()>;

    /// The blob stored under `file_id`.
    async fn get(&self, file_id: &str) -> Result<Option<Blob>>;

    /// Whether a blob is stored under `file_id`.
    async fn exists(&self, file_id: &str) -> Result<bool>;

    /// Remove the blob under `file_id`; whether there was one.
    async fn delete(&self, file_id: &str) -> Result<bool>;
}

/// Refuse file ids no store should hold: empty or longer than [`MAX_FILE_ID_LEN`] bytes.
pub(crate) fn check_file_id(file_id: &str) -> Result<()> {
    if file_id.is_empty() || file_id.len() > MAX_FILE_ID_LEN {
        return Err(Error::BadRequest {
            parameter: "file_id".into(),
            message: format!(
                "a file id must be 1 to {MAX_FILE_ID_LEN} bytes long, got {}",
                file_id.len()
            ),
        });
    }
    Ok(())
}

/// The content type to store: the given one, or `application/octet-stream` when empty.
pub(crate) fn content_type_or_default(content_type: &str) -> &str {
    if content_type.trim().is_empty() {
        crate::model::DEFAULT_CONTENT_TYPE
    } else {
        content_type
    }
}
