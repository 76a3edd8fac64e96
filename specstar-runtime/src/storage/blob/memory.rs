//! [`MemoryBlobStore`]: blobs in a map, gone with the process.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use super::{Blob, BlobStore, check_file_id, content_type_or_default, file_id_of};
use crate::model::Result;

/// A [`BlobStore`] in memory. Cheap to clone (clones share the blobs).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> specstar_runtime::Result<()> {
/// use specstar_runtime::storage::blob::{BlobStore, memory::MemoryBlobStore};
/// let store = MemoryBlobStore::new();
/// let id = store.put(vec![1, 2, 3], "application/octet-stream").await?;
/// assert!(store.exists(&id).await?);
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct MemoryBlobStore {
    blobs: Arc<RwLock<HashMap<String, Entry>>>,
}

#[derive(Clone)]
struct Entry {
    data: Arc<Vec<u8>>,
    content_type: String,
}

impl MemoryBlobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for MemoryBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBlobStore")
            .field("blobs", &self.blobs.read().len())
            .finish()
    }
}

#[async_trait::async_trait]
impl BlobStore for MemoryBlobStore {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    async fn put(&self, data: Vec<u8>, content_type: &str) -> Result<String> {
        let file_id = file_id_of(&data);
        self.blobs
            .write()
            .entry(file_id.clone())
            .or_insert_with(|| Entry {
                data: Arc::new(data),
                content_type: content_type_or_default(content_type).to_owned(),
            });
        Ok(file_id)
    }

    async fn put_with_id(&self, file_id: &str, data: Vec<u8>, content_type: &str) -> Result<()> {
        check_file_id(file_id)?;
        self.blobs.write().insert(
            file_id.to_owned(),
            Entry {
                data: Arc::new(data),
                content_type: content_type_or_default(content_type).to_owned(),
            },
        );
        Ok(())
    }

    async fn get(&self, file_id: &str) -> Result<Option<Blob>> {
        let entry = self.blobs.read().get(file_id).cloned();
        Ok(entry.map(|e| Blob {
            file_id: file_id.to_owned(),
            data: e.data.as_ref().clone(),
            content_type: e.content_type,
        }))
    }

    async fn exists(&self, file_id: &str) -> Result<bool> {
        Ok(self.blobs.read().contains_key(file_id))
    }

    async fn delete(&self, file_id: &str) -> Result<bool> {
        Ok(self.blobs.write().remove(file_id).is_some())
    }
}
