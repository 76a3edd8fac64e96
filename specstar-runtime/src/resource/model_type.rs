//! What the untyped engine needs from the Rust type behind a model, with the type erased:
//! strict decoding, validators, encoding, decoding stored bytes, constraint checkers.

use std::any::TypeId;
use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::Value;

use super::validate::{ConstraintChecker, Validator, decode_value};
use super::{Resource, encoding, hash};
use crate::model::{Encoding, Error, Result};

/// Data ready to be stored: the canonical JSON value (what the type serializes to, fields in
/// declaration order), the stored bytes and their hash.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub value: Value,
    pub bytes: Vec<u8>,
    pub hash: String,
}

/// The type-erased view of a resource type `T`.
#[async_trait::async_trait]
pub(crate) trait ModelType: Send + Sync + 'static {
    /// `TypeId` of `T`.
    fn type_id(&self) -> TypeId;

    /// Decode `data` strictly into `T`, run the validators, encode it.
    fn prepare(&self, data: Value, encoding: Encoding) -> Result<Prepared>;

    /// [`prepare`](Self::prepare) from the text of a JSON object, decoded straight into `T`
    /// (no intermediate `Value`, no path tracking). `None` when anything fails: the caller
    /// then parses a `Value` and takes `prepare`, whose errors name the field. Valid data
    /// gives exactly what `prepare` gives.
    fn prepare_json(&self, json: &[u8], encoding: Encoding) -> Option<Prepared>;

    /// Decode `data` strictly into `T` and encode it, without the validators: for data already
    /// prepared that only the engine changed since (blob bytes replaced by references).
    fn encode_value(&self, data: Value, encoding: Encoding) -> Result<Prepared>;

    /// Decode stored bytes (written at schema version `schema_version`) into the canonical
    /// JSON value of the current type, migrating them in memory when the version is older.
    fn decode(
        &self,
        backend: &'static str,
        revision_id: &str,
        schema_version: Option<&str>,
        bytes: &[u8],
        encoding: Encoding,
    ) -> Result<Value>;

    /// Whether any constraint checker is registered.
    fn has_constraints(&self) -> bool;

    /// `SchemaGenerator::subschema_for::<T>`: adds `T`'s JSON schema to a generator (OpenAPI).
    fn schema_fn(&self) -> fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

    /// Run the constraint checkers on `data` (skipping those whose relevant fields did not
    /// change since `previous`). Called through [`check_constraints`](#method.check_constraints),
    /// which skips it when there are none.
    async fn run_constraint_checkers(
        &self,
        data: &Value,
        previous: Option<&Value>,
        exclude_resource_id: Option<&str>,
    ) -> Result<()>;
}

impl dyn ModelType {
    /// Run the constraint checkers on `data` (skipping those whose relevant fields did not
    /// change since `previous`). Most models have none: then this is a plain check, without
    /// the boxed future of the trait call (a write checks twice).
    pub async fn check_constraints(
        &self,
        data: &Value,
        previous: Option<&Value>,
        exclude_resource_id: Option<&str>,
    ) -> Result<()> {
        if !self.has_constraints() {
            return Ok(());
        }
        self.run_constraint_checkers(data, previous, exclude_resource_id)
            .await
    }
}

/// [`ModelType`] for a concrete `T`.
pub(crate) struct TypedModel<T> {
    pub validators: Vec<Arc<dyn Validator<T>>>,
    pub checkers: Vec<Arc<dyn ConstraintChecker<T>>>,
    _type: PhantomData<fn() -> T>,
}

impl<T> TypedModel<T> {
    pub fn new(
        validators: Vec<Arc<dyn Validator<T>>>,
        checkers: Vec<Arc<dyn ConstraintChecker<T>>>,
    ) -> Self {
        TypedModel {
            validators,
            checkers,
            _type: PhantomData,
        }
    }
}

impl<T: Resource> TypedModel<T> {
    fn canonical(&self, data: &T) -> Result<Value> {
        serde_json::to_value(data).map_err(|e| Error::validation(T::NAME, e.to_string()))
    }

    fn encode_typed(&self, typed: &T, encoding: Encoding) -> Result<Prepared> {
        let bytes = encoding::encode(T::NAME, typed, encoding)?;
        Ok(Prepared {
            value: self.canonical(typed)?,
            hash: hash::data_hash(&bytes),
            bytes,
        })
    }
}

#[async_trait::async_trait]
impl<T: Resource> ModelType for TypedModel<T> {
    fn type_id(&self) -> TypeId {
        TypeId::of::<T>()
    }

    fn schema_fn(&self) -> fn(&mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::SchemaGenerator::subschema_for::<T>
    }

    fn prepare(&self, data: Value, encoding: Encoding) -> Result<Prepared> {
        let typed: T = decode_value(T::NAME, data)?;
        for validator in &self.validators {
            validator
                .validate(&typed)
                .map_err(|message| Error::validation(T::NAME, message))?;
        }
        self.encode_typed(&typed, encoding)
    }

    fn prepare_json(&self, json: &[u8], encoding: Encoding) -> Option<Prepared> {
        // A struct also decodes from a JSON array (its fields in order); `prepare` accepts
        // objects only.
        if json.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        let typed: T = serde_json::from_slice(json).ok()?;
        if self.validators.iter().any(|v| v.validate(&typed).is_err()) {
            return None;
        }
        self.encode_typed(&typed, encoding).ok()
    }

    fn encode_value(&self, data: Value, encoding: Encoding) -> Result<Prepared> {
        let typed: T = decode_value(T::NAME, data)?;
        self.encode_typed(&typed, encoding)
    }

    fn decode(
        &self,
        backend: &'static str,
        revision_id: &str,
        schema_version: Option<&str>,
        bytes: &[u8],
        encoding: Encoding,
    ) -> Result<Value> {
        let payload = crate::schema::StoredPayload {
            backend,
            resource: T::NAME,
            revision_id,
            version: schema_version,
            bytes,
            encoding,
        };
        let typed: T = crate::schema::read(T::migrations(), T::descriptor().version, payload)?;
        self.canonical(&typed)
    }

    fn has_constraints(&self) -> bool {
        !self.checkers.is_empty()
    }

    async fn run_constraint_checkers(
        &self,
        data: &Value,
        previous: Option<&Value>,
        exclude_resource_id: Option<&str>,
    ) -> Result<()> {
        let new: T = decode_value(T::NAME, data.clone())?;
        let old: Option<T> = previous
            .map(|p| decode_value(T::NAME, p.clone()))
            .transpose()?;
        for checker in &self.checkers {
            if let Some(old) = &old
                && !checker.data_relevant_changed(old, &new)
            {
                continue;
            }
            checker.check(&new, exclude_resource_id).await?;
        }
        Ok(())
    }
}
