//! What a bulk migration reports: one [`MigrationProgress`] line per step of each resource,
//! then a [`MigrationSummary`]. Both are the JSON lines of `POST /{m}/migrate/execute`.

use serde::{Deserialize, Serialize};

use crate::model::{Timestamp, wire_time};

/// Where one resource of a bulk migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationStatus {
    /// Work on the resource started.
    Migrating,
    /// Migrated (written back, or, in a dry run, converted and validated).
    Success,
    /// The migration failed; the resource's stored data is unchanged.
    Failed,
    /// Already at the current version: nothing to do.
    Skipped,
}

/// One progress line: `{resource_id, status, message, error, timestamp}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationProgress {
    pub resource_id: String,
    pub status: MigrationStatus,
    /// What happened (`"migrated v1 → v3"`), if anything to say.
    pub message: Option<String>,
    /// Why it failed (`Failed` only).
    pub error: Option<String>,
    #[serde(with = "wire_time")]
    pub timestamp: Timestamp,
}

/// The last line of a bulk migration: `{total, success, failed, skipped, errors}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationSummary {
    /// Resources considered (matching the query).
    pub total: u64,
    pub success: u64,
    pub failed: u64,
    pub skipped: u64,
    /// One `"{resource_id}: {error}"` per failure.
    pub errors: Vec<String>,
}

impl MigrationSummary {
    /// Count a final status (`Migrating` is not final and counts nothing).
    pub fn record(&mut self, progress: &MigrationProgress) {
        match progress.status {
            MigrationStatus::Migrating => return,
            MigrationStatus::Success => self.success += 1,
            MigrationStatus::Skipped => self.skipped += 1,
            MigrationStatus::Failed => {
                self.failed += 1;
                self.errors.push(format!(
                    "{}: {}",
                    progress.resource_id,
                    progress.error.as_deref().unwrap_or("failed")
                ));
            }
        }
        self.total += 1;
    }
}
