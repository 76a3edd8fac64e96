//! Upload sessions: a file delivered in one or several parts (in any order), then finalized
//! into the blob store — the `POST /blobs/upload-sessions` family of routes.
//!
//! Lifecycle of a [`BlobUploadSession`] (as in SpecStar's `BlobUploadSession`):
//!
//! ```text
//! single upload:   pending → uploaded → finalized    (or → aborted)
//! chunked upload:  pending → uploading → … → uploaded (all `total_parts` received) → finalized
//! ```
//!
//! Every session is `"proxy"`: the bytes go through this server. Parts wait in anonymous
//! temporary files (not in memory); finalize concatenates them by part number, checks the
//! declared `size`, and puts the file in the blob store (content-addressed, so `file_id` is
//! known only then; it is `""` before). Sessions live in the process: a restart forgets the
//! unfinished ones. A session expires [`SESSION_TTL`] after it was opened; expired sessions
//! are dropped (with their parts) whenever a session is opened.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> specstar_runtime::Result<()> {
//! use specstar_runtime::storage::blob::memory::MemoryBlobStore;
//! use specstar_runtime::storage::blob::upload::{NewUploadSession, UploadSessions, UploadStatus};
//!
//! let store = MemoryBlobStore::new();
//! let sessions = UploadSessions::new();
//! let session = sessions.open(NewUploadSession { total_parts: Some(2), ..Default::default() });
//! sessions.put_part(&session.upload_id, Some(2), b" world".to_vec()).await?;
//! sessions.put_part(&session.upload_id, Some(1), b"hello".to_vec()).await?;
//! assert_eq!(sessions.get(&session.upload_id).await?.status, UploadStatus::Uploaded);
//! let binary = sessions.finalize(&session.upload_id, &store).await?;
//! assert_eq!(binary.size, Some(11));
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::SeekFrom;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::BlobStore;
use crate::model::{Binary, DEFAULT_CONTENT_TYPE, Error, Result, Timestamp, now, wire_time_opt};

/// How long an upload session stays open.
pub const SESSION_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The most parts one session takes.
pub const MAX_PARTS: u32 = 10_000;

/// Where an upload session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadStatus {
    /// Opened, no bytes yet.
    Pending,
    /// Some parts received, more expected.
    Uploading,
    /// Every part received (a single upload, or all `total_parts`): ready to finalize.
    Uploaded,
    /// Stored in the blob store; `file_id` is set.
    Finalized,
    /// Given up; its parts are gone.
    Aborted,
}

/// An upload session, as the routes answer it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlobUploadSession {
    pub upload_id: String,
    /// The stored file's id once finalized (`""` before: files are content-addressed).
    pub file_id: String,
    pub status: UploadStatus,
    /// Always `"proxy"`: bytes are PUT to `/blobs/upload-sessions/{upload_id}/content`.
    pub upload_method: String,
    /// Only for direct uploads (`single_put`), which this server does not offer: `""`.
    pub upload_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The declared size, checked at finalize.
    pub size: Option<u64>,
    /// Bytes received so far.
    pub uploaded_size: u64,
    /// The declared number of parts.
    pub total_parts: Option<u32>,
    /// Part numbers received, sorted.
    pub parts_received: Vec<u32>,
    #[serde(with = "wire_time_opt")]
    pub expires_at: Option<Timestamp>,
}

/// What opening a session may declare (the body of `POST /blobs/upload-sessions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUploadSession {
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub total_parts: Option<u32>,
}

/// The open upload sessions of an app. Cheap to clone (clones share the sessions).
#[derive(Clone, Default)]
pub struct UploadSessions {
    sessions: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<Entry>>>>>,
}

impl std::fmt::Debug for UploadSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadSessions")
            .field("open", &self.sessions.lock().len())
            .finish()
    }
}

struct Entry {
    session: BlobUploadSession,
    /// Part number → (temporary file, length).
    parts: BTreeMap<u32, (tokio::fs::File, u64)>,
}

fn spool_error(e: std::io::Error) -> Error {
    Error::storage("upload", "spool an upload part", e)
}

impl UploadSessions {
    /// No sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Open a session (and drop the expired ones).
    pub fn open(&self, new: NewUploadSession) -> BlobUploadSession {
        let opened = now();
        let session = BlobUploadSession {
            upload_id: uuid::Uuid::new_v4().simple().to_string(),
            file_id: String::new(),
            status: UploadStatus::Pending,
            upload_method: "proxy".into(),
            upload_url: String::new(),
            content_type: new.content_type.filter(|ct| !ct.trim().is_empty()),
            size: new.size,
            uploaded_size: 0,
            total_parts: new.total_parts,
            parts_received: Vec::new(),
            expires_at: chrono::Duration::from_std(SESSION_TTL)
                .ok()
                .map(|ttl| opened + ttl),
        };
        let mut sessions = self.sessions.lock();
        sessions.retain(|_, entry| {
            // a session busy with a part is not expired
            entry.try_lock().map_or(true, |e| {
                e.session.expires_at.is_none_or(|expires| expires > opened)
            })
        });
        sessions.insert(
            session.upload_id.clone(),
            Arc::new(tokio::sync::Mutex::new(Entry {
                session: session.clone(),
                parts: BTreeMap::new(),
            })),
        );
        session
    }

    fn entry(&self, upload_id: &str) -> Result<Arc<tokio::sync::Mutex<Entry>>> {
        self.sessions
            .lock()
            .get(upload_id)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                resource: "upload session".into(),
                id: upload_id.to_owned(),
            })
    }

    /// The session `upload_id` (waiting for a part being written).
    ///
    /// Errors: `NotFound`.
    pub async fn get(&self, upload_id: &str) -> Result<BlobUploadSession> {
        let entry = self.entry(upload_id)?;
        let entry = entry.lock().await;
        Ok(entry.session.clone())
    }

    /// Receive part `part_number` (1-based; `None`: the whole file as part 1) of the file,
    /// replacing an earlier part of that number. The session becomes `uploaded` when it is a
    /// single upload or every declared part is there, else `uploading`.
    ///
    /// Errors: `NotFound`; `Conflict` once finalized or aborted; `BadRequest` for a part
    /// number of 0, above `total_parts` or above [`MAX_PARTS`].
    pub async fn put_part(
        &self,
        upload_id: &str,
        part_number: Option<u32>,
        data: Vec<u8>,
    ) -> Result<BlobUploadSession> {
        let entry = self.entry(upload_id)?;
        let mut entry = entry.lock().await;
        check_open(&entry.session, "receive content")?;
        let number = part_number.unwrap_or(1);
        let limit = entry
            .session
            .total_parts
            .unwrap_or(MAX_PARTS)
            .min(MAX_PARTS);
        if number == 0 || number > limit {
            return Err(Error::BadRequest {
                parameter: "part_number".into(),
                message: format!("part number {number} is out of range 1..={limit}"),
            });
        }
        let file = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .map_err(|e| Error::storage("upload", "create a temporary file", e))?
            .map_err(spool_error)?;
        let mut file = tokio::fs::File::from_std(file);
        file.write_all(&data).await.map_err(spool_error)?;
        file.flush().await.map_err(spool_error)?;
        entry.parts.insert(number, (file, data.len() as u64));

        let parts: Vec<u32> = entry.parts.keys().copied().collect();
        let uploaded_size = entry.parts.values().map(|(_, len)| *len).sum();
        let session = &mut entry.session;
        session.uploaded_size = uploaded_size;
        session.status = match (part_number, session.total_parts) {
            (None, _) => UploadStatus::Uploaded,
            (Some(_), Some(total)) if parts.len() as u64 == u64::from(total) => {
                UploadStatus::Uploaded
            }
            _ => UploadStatus::Uploading,
        };
        session.parts_received = parts;
        Ok(session.clone())
    }

    /// Concatenate the parts by number, check the declared size, store the file in `store`,
    /// and answer its `Binary` (`{file_id, size, content_type}`). The session becomes
    /// `finalized` and its parts are dropped.
    ///
    /// Errors: `NotFound`; `Conflict` when nothing was uploaded, parts are missing (`1..=n`,
    /// or `1..=total_parts`), or the session is finalized or aborted; `BadRequest` when the
    /// bytes do not have the declared size; the store's errors.
    pub async fn finalize(&self, upload_id: &str, store: &dyn BlobStore) -> Result<Binary> {
        let entry = self.entry(upload_id)?;
        let mut entry = entry.lock().await;
        check_open(&entry.session, "finalize")?;
        let conflict = |message: String| Error::Conflict {
            resource: "upload session".into(),
            id: upload_id.to_owned(),
            message,
        };
        if entry.parts.is_empty() {
            return Err(conflict("nothing was uploaded yet".into()));
        }
        let expected = entry
            .session
            .total_parts
            .unwrap_or_else(|| entry.parts.keys().max().copied().unwrap_or(0));
        let missing: Vec<u32> = (1..=expected)
            .filter(|n| !entry.parts.contains_key(n))
            .collect();
        if !missing.is_empty() {
            return Err(conflict(format!("parts {missing:?} are missing")));
        }
        let total = entry.session.uploaded_size;
        if let Some(size) = entry.session.size
            && size != total
        {
            return Err(Error::BadRequest {
                parameter: "size".into(),
                message: format!("the session declared {size} bytes, {total} were uploaded"),
            });
        }
        let mut data = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        for (file, _) in entry.parts.values_mut() {
            file.seek(SeekFrom::Start(0)).await.map_err(spool_error)?;
            file.read_to_end(&mut data).await.map_err(spool_error)?;
        }
        let content_type = entry
            .session
            .content_type
            .clone()
            .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
        let size = data.len() as u64;
        let file_id = store.put(data, &content_type).await?;
        entry.parts.clear();
        entry.session.status = UploadStatus::Finalized;
        entry.session.file_id = file_id.clone();
        Ok(Binary::stored(file_id, size, content_type))
    }

    /// Give the session up: its parts are dropped, it becomes `aborted`.
    ///
    /// Errors: `NotFound`; `Conflict` once finalized or aborted.
    pub async fn abort(&self, upload_id: &str) -> Result<BlobUploadSession> {
        let entry = self.entry(upload_id)?;
        let mut entry = entry.lock().await;
        check_open(&entry.session, "abort")?;
        entry.parts.clear();
        entry.session.status = UploadStatus::Aborted;
        Ok(entry.session.clone())
    }
}

/// `Conflict` unless the session still takes parts.
fn check_open(session: &BlobUploadSession, action: &str) -> Result<()> {
    match session.status {
        UploadStatus::Finalized | UploadStatus::Aborted => Err(Error::Conflict {
            resource: "upload session".into(),
            id: session.upload_id.clone(),
            message: format!(
                "cannot {action}: the session is {}",
                match session.status {
                    UploadStatus::Finalized => "finalized",
                    _ => "aborted",
                }
            ),
        }),
        _ => Ok(()),
    }
}
