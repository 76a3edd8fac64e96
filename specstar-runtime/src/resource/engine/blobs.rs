//! Blobs of a model's data: the bytes of written `Binary` values go to the blob store before
//! the revision is encoded; a resource's blobs are read back through the resource.

use std::sync::Arc;

use serde_json::Value;

use super::{GetOptions, ModelHandle};
use crate::model::{Encoding, Error, Result};
use crate::resource::model_type::Prepared;
use crate::storage::StoredRevision;
use crate::storage::blob::{Blob, BlobStore};

impl ModelHandle {
    /// The app's blob store, or `NotConfigured` saying what needed it.
    pub(crate) fn blob_store_for(&self, purpose: &str) -> Result<&dyn BlobStore> {
        self.app
            .blobs
            .as_deref()
            .ok_or_else(|| Error::NotConfigured {
                feature: format!(
                    "a blob store ({purpose}; add one with SpecStar::builder().blob_store(..) \
                     or a `blob` backend binding)"
                ),
            })
    }

    /// Decode, validate and encode `data` for storage, after moving the bytes of every
    /// `Binary` that carries `data` into the blob store: the stored revision (and its
    /// `data_hash`) holds only `{file_id, size, content_type}`, so writing the same file
    /// again writes nothing new.
    ///
    /// Errors: those of the model's `prepare` (`Validation`), `Validation` for bad base64,
    /// `NotConfigured` when bytes arrive and the app has no blob store, `Storage`.
    pub(super) async fn prepare_data(&self, data: Value) -> Result<Prepared> {
        let model = &self.engine.model_type;
        let prepared = model.prepare(data, self.engine.encoding)?;
        let Some(fields) = &self.engine.binaries else {
            return Ok(prepared);
        };
        let mut value = prepared.value;
        let blobs = fields.take_data(self.name(), &mut value)?;
        if blobs.is_empty() {
            return Ok(Prepared { value, ..prepared });
        }
        let store = self.blob_store_for(&format!("{} data carries file bytes", self.name()))?;
        for blob in blobs {
            let file_id = store.put(blob.data, &blob.content_type).await?;
            if file_id != blob.file_id {
                return Err(Error::Storage {
                    backend: store.backend_name(),
                    message: format!(
                        "the blob store named bytes `{file_id}`, expected their content id `{}`",
                        blob.file_id
                    ),
                    source: None,
                });
            }
        }
        model.encode_value(value, self.engine.encoding)
    }

    /// The file `file_id` referenced by a `Binary` of resource `id` (its current revision, or
    /// `options.revision_id`), with the content type the resource recorded for it.
    ///
    /// Reads the resource like [`get_with`](Self::get_with) (permission checker and event
    /// handlers of `get` run; a deleted resource needs `include_deleted`).
    ///
    /// Errors: `NotConfigured` without a blob store; `NotFound`, `Deleted`,
    /// `RevisionNotFound`; `FileNotFound` when the resource does not reference `file_id` or
    /// the blob store does not hold it.
    pub async fn blob(&self, id: &str, file_id: &str, options: &GetOptions) -> Result<Blob> {
        let store = self.blob_store_for("to serve files")?;
        let resource = self.get_with(id, options).await?;
        let not_found = || Error::FileNotFound {
            file_id: file_id.to_owned(),
            referenced_by: Some(format!("{} `{id}`", self.name())),
        };
        let recorded = self
            .engine
            .binaries
            .as_ref()
            .and_then(|fields| {
                fields.find(&resource.data).into_iter().find(|found| {
                    found.binary.get("file_id").and_then(Value::as_str) == Some(file_id)
                })
            })
            .ok_or_else(not_found)?;
        let content_type = recorded
            .binary
            .get("content_type")
            .and_then(Value::as_str)
            .filter(|ct| !ct.trim().is_empty())
            .map(str::to_owned);
        let mut blob = store.get(file_id).await?.ok_or_else(not_found)?;
        if let Some(content_type) = content_type {
            blob.content_type = content_type;
        }
        Ok(blob)
    }

    /// The distinct `file_id`s the `Binary` values of `data` (a value of this model)
    /// reference, in document order.
    pub fn referenced_files(&self, data: &Value) -> Vec<String> {
        self.engine
            .binaries
            .as_ref()
            .map(|fields| fields.file_ids(data))
            .unwrap_or_default()
    }

    /// The distinct `file_id`s a stored revision references (backup dump). The payload is
    /// read as plain JSON / MessagePack and walked with the current type's schema, so no
    /// migration runs; a payload that does not decode references nothing (logged).
    pub(crate) fn revision_files(&self, revision: &StoredRevision) -> Vec<String> {
        let Some(fields) = &self.engine.binaries else {
            return Vec::new();
        };
        let decoded = match self.engine.encoding {
            Encoding::Json => {
                serde_json::from_slice::<Value>(&revision.data).map_err(|e| e.to_string())
            }
            Encoding::Msgpack => {
                rmp_serde::from_slice::<Value>(&revision.data).map_err(|e| e.to_string())
            }
        };
        match decoded {
            Ok(value) => fields.file_ids(&value),
            Err(error) => {
                tracing::warn!(
                    model = self.name(),
                    revision_id = %revision.info.revision_id,
                    %error,
                    "stored payload does not decode; its files are not listed"
                );
                Vec::new()
            }
        }
    }

    /// The app's blob store, if it has one.
    pub fn blob_store(&self) -> Option<&Arc<dyn BlobStore>> {
        self.app.blobs.as_ref()
    }

    /// Whether this model's data can hold `Binary` values.
    pub fn has_binaries(&self) -> bool {
        self.engine.binaries.is_some()
    }
}
