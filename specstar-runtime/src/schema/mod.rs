//! Schema versions and migration paths.
//!
//! `#[specstar(version = "v3", migrate(from = "v1", via = ZoneV1), …)]` turns each `migrate(…)`
//! into one or more [`MigrationStep`]s (an edge `from → to` of a version graph) returned by
//! [`Resource::migrations`](crate::resource::Resource::migrations). A revision stored at an
//! older version is read by decoding its bytes (in the model's encoding) into the `via` type of
//! its version and converting it along the **shortest** path of steps to the current version
//! ([`shortest_path`]); conversions are the user's `From`/`TryFrom` impls, checked by the
//! compiler. A stored version with no path (or no version at all) is decoded directly as the
//! current type: a version bump without steps only re-indexes.
//!
//! Reads migrate lazily, in memory; `migrate(id)` writes the migrated data back as a new
//! revision, and the bulk forms report [`MigrationProgress`] per resource then a
//! [`MigrationSummary`].

mod progress;

pub use progress::{MigrationProgress, MigrationStatus, MigrationSummary};

use std::any::Any;
use std::collections::VecDeque;
use std::fmt::Display;

use serde::de::DeserializeOwned;

use crate::model::{Encoding, Error, Result};

/// A value in the middle of a migration: an instance of some `via` type (or of the resource
/// type at the end of the path).
pub type MigrationValue = Box<dyn Any + Send>;

/// One edge of a resource's version graph: data stored at `from`, decoded as `via`, converts
/// into the type of version `to`. Built by `#[derive(Resource)]`; plain `'static` data.
#[derive(Debug, Clone, Copy)]
pub struct MigrationStep {
    /// The stored version this step reads.
    pub from: &'static str,
    /// The version it produces (the resource's current version, or another `from`).
    pub to: &'static str,
    /// The Rust type stored payloads of `from` decode into, for messages.
    pub via: &'static str,
    /// Decode stored bytes of version `from` into the `via` type.
    pub decode: fn(&[u8], Encoding) -> Result<MigrationValue, String>,
    /// Convert a `via` value into the type of version `to` (`TryFrom`; its error's `Display`).
    pub convert: fn(MigrationValue) -> Result<MigrationValue, String>,
}

/// Decode stored bytes into `V` (the `decode` of a [`MigrationStep`]).
#[doc(hidden)]
pub fn decode_step<V: DeserializeOwned + Send + 'static>(
    bytes: &[u8],
    encoding: Encoding,
) -> Result<MigrationValue, String> {
    let value: V = match encoding {
        Encoding::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string())?,
        Encoding::Msgpack => rmp_serde::from_slice(bytes).map_err(|e| e.to_string())?,
    };
    Ok(Box::new(value))
}

/// Convert a `From` value into `To` (the `convert` of a [`MigrationStep`]).
#[doc(hidden)]
pub fn convert_step<From: Send + 'static, To: MigrateFrom<From> + Send + 'static>(
    value: MigrationValue,
) -> Result<MigrationValue, String> {
    let from = value.downcast::<From>().map_err(|_| {
        format!(
            "migration step expected a `{}` value",
            std::any::type_name::<From>()
        )
    })?;
    To::migrate_from(*from).map(|to| Box::new(to) as MigrationValue)
}

/// A conversion usable as a migration step: every `TryFrom<V>` (so every `From<V>`) whose error
/// implements `Display`.
#[diagnostic::on_unimplemented(
    message = "no migration from `{V}` to `{Self}`",
    label = "`{Self}` does not implement `From<{V}>` or `TryFrom<{V}>`",
    note = "write `impl From<{V}> for {Self}` (or `TryFrom`, whose error becomes the migration error)"
)]
pub trait MigrateFrom<V>: Sized {
    /// Convert, or say why not.
    fn migrate_from(value: V) -> Result<Self, String>;
}

impl<V, T> MigrateFrom<V> for T
where
    T: TryFrom<V>,
    <T as TryFrom<V>>::Error: Display,
{
    fn migrate_from(value: V) -> Result<Self, String> {
        T::try_from(value).map_err(|e| e.to_string())
    }
}

/// The shortest path of steps from version `from` to version `to` (breadth-first; among paths
/// of equal length the one using earlier-declared steps). `Some(vec![])` when they are equal;
/// `None` when no path exists.
///
/// ```
/// use specstar_runtime::schema::{MigrationStep, shortest_path};
/// # use specstar_runtime::schema::{decode_step, convert_step};
/// # fn step(from: &'static str, to: &'static str) -> MigrationStep {
/// #     MigrationStep { from, to, via: "()", decode: decode_step::<()>, convert: convert_step::<(), ()> }
/// # }
/// let steps = [step("v1", "v2"), step("v2", "v3"), step("v1", "v3")];
/// let path = shortest_path(&steps, "v1", "v3").unwrap();
/// assert_eq!(path.len(), 1); // the shortcut v1 → v3
/// assert_eq!(shortest_path(&steps, "v2", "v3").unwrap().len(), 1);
/// assert!(shortest_path(&steps, "v0", "v3").is_none());
/// ```
pub fn shortest_path<'a>(
    steps: &'a [MigrationStep],
    from: &str,
    to: &str,
) -> Option<Vec<&'a MigrationStep>> {
    if from == to {
        return Some(Vec::new());
    }
    let mut visited: Vec<&str> = vec![from];
    let mut queue: VecDeque<(&str, Vec<&'a MigrationStep>)> = VecDeque::from([(from, Vec::new())]);
    while let Some((version, path)) = queue.pop_front() {
        for step in steps.iter().filter(|s| s.from == version) {
            if visited.contains(&step.to) {
                continue;
            }
            let mut next = path.clone();
            next.push(step);
            if step.to == to {
                return Some(next);
            }
            visited.push(step.to);
            queue.push_back((step.to, next));
        }
    }
    None
}

/// Where a payload being read comes from, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct StoredPayload<'a> {
    pub backend: &'static str,
    pub resource: &'a str,
    pub revision_id: &'a str,
    /// The version the payload was written at.
    pub version: Option<&'a str>,
    pub bytes: &'a [u8],
    pub encoding: Encoding,
}

/// Read a stored payload as the current type `T` (at version `current`): decoded directly when
/// the versions match or no path of steps leads from the stored version, else decoded into the
/// stored version's `via` type and converted along the shortest path.
///
/// Errors: `Storage` when a payload at the current version does not decode; `MigrationFailed`
/// when an older payload does not decode or a conversion fails.
pub fn read<T: DeserializeOwned + 'static>(
    steps: &[MigrationStep],
    current: Option<&str>,
    payload: StoredPayload<'_>,
) -> Result<T> {
    let path = match (payload.version, current) {
        (stored, current) if stored == current => None,
        (Some(stored), Some(current)) => shortest_path(steps, stored, current),
        _ => None,
    };
    let Some(path) = path else {
        let direct = crate::resource::encoding::decode(
            payload.backend,
            payload.resource,
            payload.revision_id,
            payload.bytes,
            payload.encoding,
        );
        return match direct {
            Ok(value) => Ok(value),
            Err(error) if payload.version == current => Err(error),
            Err(error) => Err(failed(
                &payload,
                current,
                format!(
                    "no migration step leads from this version, and the payload does not decode as the current type ({error}); \
                     declare `migrate(from = \"{}\", via = …)`",
                    payload.version.unwrap_or("<none>")
                ),
            )),
        };
    };
    let Some(first) = path.first() else {
        return Err(failed(&payload, current, "empty migration path".into()));
    };
    let mut value = (first.decode)(payload.bytes, payload.encoding).map_err(|message| {
        failed(
            &payload,
            current,
            format!("the payload does not decode as `{}`: {message}", first.via),
        )
    })?;
    for step in &path {
        value = (step.convert)(value).map_err(|message| {
            failed(
                &payload,
                current,
                format!(
                    "step {} → {} (from `{}`) failed: {message}",
                    step.from, step.to, step.via
                ),
            )
        })?;
    }
    value.downcast::<T>().map(|v| *v).map_err(|_| {
        failed(
            &payload,
            current,
            format!(
                "the last step does not produce `{}`",
                std::any::type_name::<T>()
            ),
        )
    })
}

fn failed(payload: &StoredPayload<'_>, current: Option<&str>, message: String) -> Error {
    Error::MigrationFailed {
        resource: payload.resource.to_owned(),
        revision_id: payload.revision_id.to_owned(),
        from: payload.version.map(str::to_owned),
        to: current.map(str::to_owned),
        message,
    }
}

#[cfg(test)]
mod tests;
