//! [`Modify`]: the argument of an in-place modification.

use crate::model::RevisionStatus;

/// An in-place change of the current revision (`manager.modify(id, change)`).
///
/// Rules: only a draft is modified in place. A draft may get new data and/or a new status
/// (`Modify::status(Stable)` publishes it). A stable revision can only be reopened by asking
/// for the draft status (optionally with new data); anything else is
/// [`Error::CannotModify`](crate::model::Error::CannotModify). The revision keeps its
/// `revision_id` and gets a fresh `uid`. A change that changes nothing writes nothing.
///
/// ```
/// use specstar_runtime::model::RevisionStatus;
/// use specstar_runtime::resource::Modify;
/// let publish: Modify<serde_json::Value> = Modify::status(RevisionStatus::Stable);
/// let edit = Modify::data(serde_json::json!({"name": "A"})).with_status(RevisionStatus::Draft);
/// assert_eq!(edit.status, Some(RevisionStatus::Draft));
/// # let _ = publish;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Modify<D> {
    /// New data, or `None` to keep the current data.
    pub data: Option<D>,
    /// New status, or `None` to keep the current status.
    pub status: Option<RevisionStatus>,
}

impl<D> Modify<D> {
    /// Change only the status.
    pub fn status(status: RevisionStatus) -> Self {
        Modify {
            data: None,
            status: Some(status),
        }
    }

    /// Replace the data, keeping the status.
    pub fn data(data: D) -> Self {
        Modify {
            data: Some(data),
            status: None,
        }
    }

    /// Also set the status.
    pub fn with_status(mut self, status: RevisionStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Convert the data (e.g. a typed value into JSON).
    pub fn try_map<E, F, R>(self, f: F) -> Result<Modify<R>, E>
    where
        F: FnOnce(D) -> Result<R, E>,
    {
        Ok(Modify {
            data: self.data.map(f).transpose()?,
            status: self.status,
        })
    }
}
