//! The OpenAPI 3.1 document served at `GET /openapi.json`.
//!
//! Built from the schemars schemas of the registered models (doc comments become descriptions)
//! and their descriptors: one component per model plus the wire types, every generated
//! operation with its parameters and responses, and the SpecStar `x-…` extensions of
//! http-api.md (`x-ref-resource`, `x-ref-type`, `x-ref-on-delete`, `x-unique`,
//! `x-display-name-field`, `x-specstar-relationships`, `x-specstar-indexed-fields`, and the
//! action/job lists).

use schemars::Schema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use crate::model::{Binary, ResourceMeta, RevisionInfo, RevisionList};
use crate::resource::{RefType, ResourceDescriptor};

/// What the OpenAPI builder needs to know about one model.
#[derive(Clone, Copy)]
pub struct ModelDoc {
    /// The model's descriptor.
    pub descriptor: &'static ResourceDescriptor,
    /// Adds the model's schema to a generator and returns a `$ref` to it
    /// (`SchemaGenerator::subschema_for::<T>`).
    pub schema: fn(&mut SchemaGenerator) -> Schema,
}

impl std::fmt::Debug for ModelDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelDoc")
            .field("model", &self.descriptor.name)
            .finish()
    }
}

impl ModelDoc {
    /// The doc of resource type `T`.
    pub fn of<T: crate::resource::Resource>() -> Self {
        ModelDoc {
            descriptor: T::descriptor(),
            schema: SchemaGenerator::subschema_for::<T>,
        }
    }
}

const COMPONENTS: &str = "#/components/schemas/";

fn component_ref(name: &str) -> Value {
    json!({ "$ref": format!("{COMPONENTS}{name}") })
}

/// Build the OpenAPI document for `models` (in the order given).
pub fn document(models: &[ModelDoc]) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();

    // the wire types become components named after their types
    let _ = generator.subschema_for::<RevisionInfo>();
    let _ = generator.subschema_for::<ResourceMeta>();
    let _ = generator.subschema_for::<RevisionList>();
    let _ = generator.subschema_for::<Binary>();

    let mut paths = Map::new();
    let mut model_components = Vec::new();
    for model in models {
        let schema = (model.schema)(&mut generator);
        let component = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix(COMPONENTS))
            .map(str::to_owned);
        model_components.push((model, component, schema.to_value()));
    }

    let mut schemas = generator.take_definitions(true);
    // the components as generated, to inline a `$ref` on the path to a unique nested field
    let definitions = schemas.clone();
    let mut full_resource_names = Vec::new();
    for (model, component, schema) in &model_components {
        let d = model.descriptor;
        // the model schema itself, decorated with the x- extensions
        let data_schema = match component {
            Some(name) => {
                if let Some(Value::Object(obj)) = schemas.get_mut(name) {
                    decorate_model(d, obj, &definitions);
                }
                component_ref(name)
            }
            None => {
                let mut inline = schema.clone();
                if let Value::Object(obj) = &mut inline {
                    decorate_model(d, obj, &definitions);
                }
                inline
            }
        };
        let full_name = format!("{}FullResource", pascal(d.name));
        schemas.insert(
            full_name.clone(),
            json!({
                "type": "object",
                "description": format!("A {} with its current revision info and meta; `returns` chooses which keys appear.", d.name),
                "properties": {
                    "data": data_schema,
                    "revision_info": component_ref("RevisionInfo"),
                    "meta": component_ref("ResourceMeta"),
                },
            }),
        );
        full_resource_names.push(full_name.clone());
        add_model_paths(&mut paths, d, &data_schema, &full_name);
    }
    add_shared_components(&mut schemas);
    paths.insert(
        "/_relationships".into(),
        json!({
            "get": {
                "tags": ["relationships"],
                "operationId": "list_relationships",
                "summary": "Every reference between models",
                "responses": {
                    "200": ok_json(json!({"type": "array", "items": component_ref("Relationship")})),
                },
            }
        }),
    );

    add_blob_paths(&mut paths);
    add_upload_session_paths(&mut paths);

    let relationships: Vec<Value> = models
        .iter()
        .flat_map(|m| {
            m.descriptor.refs.iter().map(move |r| {
                json!({
                    "source": m.descriptor.name,
                    "sourceField": r.field,
                    "target": r.target,
                    "refType": r.ref_type,
                    "onDelete": r.on_delete,
                    "nullable": r.nullable,
                })
            })
        })
        .collect();
    let indexed: Map<String, Value> = models
        .iter()
        .map(|m| {
            let paths: Vec<Value> = m
                .descriptor
                .indexes
                .iter()
                .map(|i| Value::String(i.path.to_owned()))
                .collect();
            (m.descriptor.name.to_owned(), Value::Array(paths))
        })
        .collect();

    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "SpecStar API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Versioned resources served by SpecStar: every write is a new revision.",
        },
        "tags": models.iter().map(|m| json!({
            "name": m.descriptor.name,
            "description": m.descriptor.description.unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "paths": paths,
        "components": { "schemas": schemas },
        "x-specstar-relationships": relationships,
        "x-specstar-indexed-fields": indexed,
        "x-specstar-custom-create-actions": [],
        "x-specstar-custom-update-actions": [],
        "x-specstar-async-create-jobs": [],
        "x-specstar-async-update-jobs": [],
    })
}

/// `zone-type` → `ZoneType`.
fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// Add `x-display-name-field`, `x-unique` and the `x-ref-*` extensions to a model schema.
///
/// A unique field nested behind a `$ref` (`stats: Stats` with a unique `stats.code`) gets a
/// copy of the referenced component inlined on its path, so the mark stays on this model
/// and other users of the shared component are not marked.
fn decorate_model(
    d: &ResourceDescriptor,
    schema: &mut Map<String, Value>,
    definitions: &Map<String, Value>,
) {
    if let Some(field) = d.display_name {
        schema.insert("x-display-name-field".into(), json!(field));
    }
    if schema.get("description").is_none()
        && let Some(desc) = d.description
    {
        schema.insert("description".into(), json!(desc));
    }
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for index in d.unique_indexes() {
        if let Some(Value::Object(prop)) = property_at(props, index.path, definitions) {
            prop.insert("x-unique".into(), Value::Bool(true));
        }
    }
    for r in d.refs {
        if let Some(Value::Object(prop)) = props.get_mut(r.field) {
            prop.insert("x-ref-resource".into(), json!(r.target));
            prop.insert("x-ref-type".into(), json!(r.ref_type));
            if r.ref_type == RefType::ResourceId {
                prop.insert("x-ref-on-delete".into(), json!(r.on_delete));
            }
        }
    }
}

/// The property schema at a dotted path. Object schemas on the way that are a `$ref` (or an
/// `Option`'s `anyOf [$ref, null]`) are replaced by a copy of the component first.
fn property_at<'a>(
    props: &'a mut Map<String, Value>,
    path: &str,
    definitions: &Map<String, Value>,
) -> Option<&'a mut Value> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let prop = props.get_mut(head)?;
    match rest {
        None => Some(prop),
        Some(rest) => match object_schema(prop, definitions, 0)?.get_mut("properties") {
            Some(Value::Object(inner)) => property_at(inner, rest, definitions),
            _ => None,
        },
    }
}

/// How many `$ref`s deep [`object_schema`] follows (a cycle of refs stops there).
const MAX_REF_DEPTH: usize = 8;

/// The object schema `schema` stands for, made editable in place: an inline object as is, a
/// `$ref` replaced by a copy of its component (the property's own keywords such as
/// `description` win), the one non-null branch of an `anyOf` / `oneOf` / `allOf`.
fn object_schema<'a>(
    schema: &'a mut Value,
    definitions: &Map<String, Value>,
    depth: usize,
) -> Option<&'a mut Map<String, Value>> {
    if depth > MAX_REF_DEPTH {
        return None;
    }
    let obj = schema.as_object()?;
    let target = obj
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(COMPONENTS));
    if let Some(target) = target {
        let component = definitions.get(target)?.as_object()?;
        let obj = schema.as_object_mut()?;
        obj.remove("$ref");
        for (key, value) in component {
            obj.entry(key.clone()).or_insert_with(|| value.clone());
        }
        return object_schema(schema, definitions, depth + 1);
    }
    if obj.contains_key("properties") {
        return schema.as_object_mut();
    }
    let key = ["anyOf", "oneOf", "allOf"]
        .into_iter()
        .find(|k| obj.get(*k).is_some_and(Value::is_array))?;
    let branches = schema.get_mut(key)?.as_array_mut()?;
    let mut non_null = branches
        .iter_mut()
        .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"));
    match (non_null.next(), non_null.next()) {
        (Some(only), None) => object_schema(only, definitions, depth + 1),
        _ => None,
    }
}

fn add_shared_components(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "BlobUploadSession".into(),
        json!({
            "type": "object",
            "description": "A file being uploaded in parts: pending → uploading → uploaded → finalized, or aborted.",
            "properties": {
                "upload_id": {"type": "string"},
                "file_id": {"type": "string", "description": "Set when finalized (\"\" before)."},
                "status": {"enum": ["pending", "uploading", "uploaded", "finalized", "aborted"]},
                "upload_method": {"enum": ["proxy", "single_put"]},
                "upload_url": {"type": "string"},
                "content_type": {"type": "string"},
                "size": {"type": ["integer", "null"]},
                "uploaded_size": {"type": "integer", "minimum": 0},
                "total_parts": {"type": ["integer", "null"]},
                "parts_received": {"type": "array", "items": {"type": "integer"}},
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
            },
            "required": ["upload_id", "file_id", "status", "upload_method", "upload_url", "size",
                "uploaded_size", "total_parts", "parts_received", "expires_at"],
        }),
    );
    schemas.insert(
        "MigrationProgress".into(),
        json!({
            "type": "object",
            "description": "Where one resource of a migration stands.",
            "properties": {
                "resource_id": {"type": "string"},
                "status": {"enum": ["migrating", "success", "failed", "skipped"]},
                "message": {"type": ["string", "null"]},
                "error": {"type": ["string", "null"]},
                "timestamp": {"type": "string", "format": "date-time"},
            },
            "required": ["resource_id", "status", "message", "error", "timestamp"],
        }),
    );
    schemas.insert(
        "MigrationSummary".into(),
        json!({
            "type": "object",
            "description": "The last line of a bulk migration.",
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "success": {"type": "integer", "minimum": 0},
                "failed": {"type": "integer", "minimum": 0},
                "skipped": {"type": "integer", "minimum": 0},
                "errors": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["total", "success", "failed", "skipped", "errors"],
        }),
    );
    let patch_op = |op: &str, fields: Value, required: &[&str]| {
        let mut props = json!({ "op": {"const": op}, "path": {"type": "string", "description": "JSON Pointer (RFC 6901)"} });
        if let (Value::Object(p), Value::Object(f)) = (&mut props, fields) {
            p.extend(f);
        }
        let mut req = vec!["op", "path"];
        req.extend_from_slice(required);
        json!({ "type": "object", "properties": props, "required": req })
    };
    schemas.insert(
        "JsonPatchAdd".into(),
        patch_op("add", json!({"value": {}}), &["value"]),
    );
    schemas.insert("JsonPatchRemove".into(), patch_op("remove", json!({}), &[]));
    schemas.insert(
        "JsonPatchReplace".into(),
        patch_op("replace", json!({"value": {}}), &["value"]),
    );
    schemas.insert(
        "JsonPatchMove".into(),
        patch_op("move", json!({"from": {"type": "string"}}), &["from"]),
    );
    schemas.insert(
        "JsonPatchCopy".into(),
        patch_op("copy", json!({"from": {"type": "string"}}), &["from"]),
    );
    schemas.insert(
        "JsonPatchTest".into(),
        patch_op("test", json!({"value": {}}), &["value"]),
    );
    let variants: Vec<Value> = ["Add", "Remove", "Replace", "Move", "Copy", "Test"]
        .iter()
        .map(|n| component_ref(&format!("JsonPatch{n}")))
        .collect();
    schemas.insert(
        "JsonPatchOperation".into(),
        json!({ "description": "One RFC 6902 JSON Patch operation.", "oneOf": variants }),
    );
    schemas.insert(
        "JsonPatch".into(),
        json!({"type": "array", "items": component_ref("JsonPatchOperation")}),
    );
    schemas.insert(
        "ErrorResponse".into(),
        json!({
            "type": "object",
            "description": "Every error body. A unique violation's `detail` is `{message, field, conflicting_resource_id}`.",
            "properties": {
                "detail": {
                    "anyOf": [
                        {"type": "string"},
                        {"type": "object", "properties": {
                            "message": {"type": "string"},
                            "field": {"type": "string"},
                            "conflicting_resource_id": {"type": "string"},
                        }},
                    ]
                }
            },
            "required": ["detail"],
        }),
    );
    schemas.insert(
        "Referrer".into(),
        json!({
            "type": "object",
            "properties": {
                "source": {"type": "string"},
                "source_field": {"type": "string"},
                "ref_type": {"enum": ["resource_id", "revision_id"]},
                "on_delete": {"enum": ["dangling", "set_null", "cascade"]},
                "resource_ids": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["source", "source_field", "ref_type", "on_delete", "resource_ids"],
        }),
    );
    schemas.insert(
        "Relationship".into(),
        json!({
            "type": "object",
            "properties": {
                "source": {"type": "string"},
                "source_field": {"type": "string"},
                "target": {"type": "string"},
                "ref_type": {"enum": ["resource_id", "revision_id"]},
                "on_delete": {"enum": ["dangling", "set_null", "cascade"]},
                "nullable": {"type": "boolean"},
            },
            "required": ["source", "source_field", "target", "ref_type", "on_delete", "nullable"],
        }),
    );
}

/// The app-wide file routes (`/blobs/…`).
fn add_blob_paths(paths: &mut Map<String, Value>) {
    let not_configured = error_response("The app has no blob store");
    paths.insert(
        "/blobs/upload".into(),
        json!({
            "post": {
                "tags": ["blobs"],
                "operationId": "upload_blob",
                "summary": "Store a file; answers the Binary to put in a resource",
                "description": "Multipart field `file`; its content type is kept (default application/octet-stream). Files are content-addressed: uploading the same bytes again answers the same `file_id`.",
                "requestBody": {
                    "required": true,
                    "content": { "multipart/form-data": { "schema": {
                        "type": "object",
                        "properties": { "file": { "type": "string", "format": "binary" } },
                        "required": ["file"],
                    } } },
                },
                "responses": {
                    "200": ok_json(component_ref("Binary")),
                    "400": error_response("Not multipart, or no `file` field"),
                    "501": not_configured.clone(),
                },
            }
        }),
    );
    paths.insert(
        "/blobs/{file_id}".into(),
        json!({
            "get": {
                "tags": ["blobs"],
                "operationId": "get_blob",
                "summary": "The bytes of a stored file, with its stored content type",
                "parameters": [file_id_param()],
                "responses": {
                    "200": bytes_response(),
                    "404": error_response("Unknown file"),
                    "501": not_configured,
                },
            }
        }),
    );
}

/// The upload-session routes (`/blobs/upload-sessions/…`).
fn add_upload_session_paths(paths: &mut Map<String, Value>) {
    let session = component_ref("BlobUploadSession");
    let upload_id = param(
        "upload_id",
        "path",
        string(),
        "The session id (`upload_id`).",
    );
    let op = |id: &str, summary: &str, params: Vec<Value>, responses: Value| {
        json!({
            "tags": ["blobs"],
            "operationId": id,
            "summary": summary,
            "parameters": params,
            "responses": responses,
        })
    };
    let mut open = op(
        "open_upload_session",
        "Open a session to upload a file in parts",
        vec![],
        json!({
            "200": ok_json(session.clone()),
            "422": error_response("The body is not {content_type?, size?, total_parts?}"),
            "501": error_response("The app has no blob store"),
        }),
    );
    open["requestBody"] = json!({
        "required": false,
        "content": { "application/json": { "schema": {
            "type": "object",
            "properties": {
                "content_type": {"type": ["string", "null"]},
                "size": {"type": ["integer", "null"], "minimum": 0, "description": "Checked at finalize."},
                "total_parts": {"type": ["integer", "null"], "minimum": 1},
            },
        } } },
    });
    paths.insert("/blobs/upload-sessions".into(), json!({ "post": open }));
    paths.insert(
        "/blobs/upload-sessions/{upload_id}".into(),
        json!({ "get": op("get_upload_session", "An upload session", vec![upload_id.clone()],
            json!({ "200": ok_json(session.clone()), "404": error_response("Unknown session") })) }),
    );
    let mut content = op(
        "upload_session_content",
        "Send the file, or one part of it (parts in any order; a part number again replaces it)",
        vec![
            upload_id.clone(),
            param(
                "part_number",
                "query",
                json!({"type": "integer", "minimum": 1}),
                "1-based part number; without it the body is the whole file.",
            ),
        ],
        json!({
            "200": ok_json(session.clone()),
            "400": error_response("Bad part number"),
            "404": error_response("Unknown session"),
            "409": error_response("The session is finalized or aborted"),
        }),
    );
    content["requestBody"] = json!({
        "required": true,
        "content": {
            "multipart/form-data": { "schema": {
                "type": "object",
                "properties": { "file": { "type": "string", "format": "binary" } },
                "required": ["file"],
            } },
            "application/octet-stream": { "schema": { "type": "string", "format": "binary" } },
        },
    });
    paths.insert(
        "/blobs/upload-sessions/{upload_id}/content".into(),
        json!({ "put": content }),
    );
    paths.insert(
        "/blobs/upload-sessions/{upload_id}/finalize".into(),
        json!({ "post": op("finalize_upload_session", "Store the uploaded file; answers its Binary", vec![upload_id.clone()],
            json!({
                "200": ok_json(component_ref("Binary")),
                "400": error_response("The bytes do not have the declared size"),
                "404": error_response("Unknown session"),
                "409": error_response("Nothing uploaded, parts missing, or the session is finalized or aborted"),
            })) }),
    );
    paths.insert(
        "/blobs/upload-sessions/{upload_id}/abort".into(),
        json!({ "post": op("abort_upload_session", "Give the session up", vec![upload_id],
            json!({
                "204": {"description": "Aborted"},
                "404": error_response("Unknown session"),
                "409": error_response("The session is finalized or aborted"),
            })) }),
    );
}

fn file_id_param() -> Value {
    param(
        "file_id",
        "path",
        string(),
        "The file id (a `Binary`'s `file_id`).",
    )
}

fn bytes_response() -> Value {
    json!({
        "description": "The file's bytes, with its content type",
        "content": { "*/*": { "schema": { "type": "string", "format": "binary" } } },
    })
}

fn ok_json(schema: Value) -> Value {
    json!({ "description": "OK", "content": { "application/json": { "schema": schema } } })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": component_ref("ErrorResponse") } },
    })
}

fn param(name: &str, location: &str, schema: Value, description: &str) -> Value {
    json!({
        "name": name,
        "in": location,
        "required": location == "path",
        "schema": schema,
        "description": description,
    })
}

fn repeatable(name: &str, items: Value, description: &str) -> Value {
    let mut p = param(
        name,
        "query",
        json!({"type": "array", "items": items}),
        description,
    );
    p["style"] = json!("form");
    p["explode"] = json!(true);
    p
}

fn string() -> Value {
    json!({"type": "string"})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

fn id_param() -> Value {
    param(
        "id",
        "path",
        string(),
        "The resource id (`{model}:{uuid}`).",
    )
}

fn partial_param() -> Value {
    repeatable(
        "partial",
        string(),
        "Field paths to project (`a/b`, list index, `-` for every element, `i:j` slices; `data/`, `meta/`, `info/` prefixes pick a section). Also spelled `partial[]`.",
    )
}

fn returns_param() -> Value {
    param(
        "returns",
        "query",
        string(),
        "Comma list of `data`, `revision_info`, `meta` (default: all three).",
    )
}

/// The "query inputs" shared by list, count, batch delete and batch restore.
fn query_inputs(with_paging: bool, with_deleted: bool) -> Vec<Value> {
    let mut params = vec![param(
        "qb",
        "query",
        string(),
        "Query-builder expression, e.g. `QB[\"level\"] > 3 & QB.name.starts_with(\"A\")`. Cannot be combined with `conditions`, `data_conditions`, `sorts` or explicit time/user/revision filters (422).",
    )];
    if with_deleted {
        params.push(param(
            "is_deleted",
            "query",
            json!({"type": "boolean", "default": false}),
            "Select deleted (`true`) or non-deleted (`false`, the default) resources.",
        ));
    }
    for (name, what) in [
        ("created_time_start", "created at or after"),
        ("created_time_end", "created at or before"),
        ("updated_time_start", "updated at or after"),
        ("updated_time_end", "updated at or before"),
        (
            "rev_created_time_start",
            "current revision created at or after",
        ),
        (
            "rev_created_time_end",
            "current revision created at or before",
        ),
        (
            "rev_updated_time_start",
            "current revision updated at or after",
        ),
        (
            "rev_updated_time_end",
            "current revision updated at or before",
        ),
    ] {
        params.push(param(
            name,
            "query",
            time(),
            &format!("Resources {what} this RFC 3339 time (an offset is required)."),
        ));
    }
    for (name, what) in [
        ("created_bys", "created by one of these users"),
        ("updated_bys", "last updated by one of these users"),
        ("rev_created_bys", "whose current revision was created by"),
        ("rev_updated_bys", "whose current revision was updated by"),
    ] {
        params.push(repeatable(name, string(), &format!("Resources {what}.")));
    }
    params.push(repeatable(
        "rev_statuses",
        json!({"enum": ["draft", "stable"]}),
        "Resources whose current revision has one of these statuses.",
    ));
    params.push(param(
        "conditions",
        "query",
        string(),
        "JSON array of `{field_path, operator, value}` or `{operator: and|or|not, conditions}`.",
    ));
    let mut deprecated = param(
        "data_conditions",
        "query",
        string(),
        "Deprecated alias of `conditions`.",
    );
    deprecated["deprecated"] = json!(true);
    params.push(deprecated);
    params.push(param(
        "sorts",
        "query",
        string(),
        "JSON array of `{type: meta, key, direction}` or `{type: data, field_path, direction}`; direction `+` or `-`.",
    ));
    if with_paging {
        params.push(param(
            "limit",
            "query",
            json!({"type": "integer", "minimum": 0}),
            "Page size (`0` returns `[]`).",
        ));
        params.push(param(
            "offset",
            "query",
            json!({"type": "integer", "minimum": 0}),
            "Results to skip.",
        ));
    }
    params
}

fn mode_params() -> Vec<Value> {
    vec![
        param(
            "mode",
            "query",
            json!({"enum": ["update", "modify"], "default": "update"}),
            "`update` writes a new revision; `modify` rewrites the current draft in place.",
        ),
        param(
            "change_status",
            "query",
            json!({"enum": ["draft", "stable"]}),
            "With `mode=modify` only: set the revision status (`stable` publishes a draft; no body needed).",
        ),
    ]
}

fn add_model_paths(
    paths: &mut Map<String, Value>,
    d: &ResourceDescriptor,
    data_schema: &Value,
    full_name: &str,
) {
    let m = d.name;
    let tags = json!([m]);
    let info = component_ref("RevisionInfo");
    let meta = component_ref("ResourceMeta");
    let full = component_ref(full_name);
    let array = |items: Value| json!({"type": "array", "items": items});
    let op = |id: &str, summary: &str, params: Vec<Value>, responses: Value| {
        json!({
            "tags": tags,
            "operationId": format!("{id}_{}", m.replace('-', "_")),
            "summary": summary,
            "parameters": params,
            "responses": responses,
        })
    };
    let body = |schema: Value, required: bool| json!({ "required": required, "content": { "application/json": { "schema": schema } } });

    let mut create = op(
        "create",
        &format!("Create a {m}"),
        vec![],
        json!({
            "200": ok_json(info.clone()),
            "409": error_response("A unique field's value is already used"),
            "422": error_response("The body does not decode into the type, or a validator failed"),
        }),
    );
    create["requestBody"] = body(data_schema.clone(), true);
    let mut list_params = query_inputs(true, true);
    list_params.push(returns_param());
    list_params.push(partial_param());
    let list = op(
        "list",
        &format!("List {m} resources"),
        list_params,
        json!({
            "200": ok_json(array(full.clone())),
            "400": error_response("Bad query parameter or qb expression"),
            "422": error_response("`qb` combined with explicit filters"),
        }),
    );
    let batch_delete = op(
        "batch_delete",
        &format!("Soft-delete every non-deleted {m} matching the query"),
        query_inputs(true, false),
        json!({ "200": ok_json(array(meta.clone())), "400": error_response("Bad query") }),
    );
    paths.insert(
        format!("/{m}"),
        json!({ "post": create, "get": list, "delete": batch_delete }),
    );
    paths.insert(
        format!("/{m}/count"),
        json!({ "get": op("count", &format!("Count {m} resources"), query_inputs(false, true),
            json!({ "200": ok_json(json!({"type": "integer", "minimum": 0})), "400": error_response("Bad query") })) }),
    );
    paths.insert(
        format!("/{m}/restore"),
        json!({ "post": op("batch_restore", &format!("Restore every deleted {m} matching the query"),
            query_inputs(true, false),
            json!({ "200": ok_json(array(meta.clone())), "400": error_response("Bad query") })) }),
    );
    for (suffix, part, schema) in [
        ("data", "data", data_schema.clone()),
        ("meta", "meta", meta.clone()),
        ("revision-info", "revision info", info.clone()),
        ("full", "full resource", full.clone()),
    ] {
        let mut params = query_inputs(true, true);
        params.push(partial_param());
        let mut list_alias = op(
            &format!("list_{}", suffix.replace('-', "_")),
            &format!("List the {part} of {m} resources (deprecated: use `GET /{m}?returns=`)"),
            params,
            json!({ "200": ok_json(array(schema.clone())), "400": error_response("Bad query") }),
        );
        list_alias["deprecated"] = json!(true);
        paths.insert(format!("/{m}/{suffix}"), json!({ "get": list_alias }));
        let mut read_alias = op(
            &format!("read_{}", suffix.replace('-', "_")),
            &format!("Read the {part} of a {m} (deprecated: use `GET /{m}/{{id}}?returns=`)"),
            read_params(),
            json!({ "200": ok_json(schema), "404": error_response("Unknown or deleted resource, or unknown revision") }),
        );
        read_alias["deprecated"] = json!(true);
        paths.insert(
            format!("/{m}/{{id}}/{suffix}"),
            json!({ "get": read_alias }),
        );
    }

    let mut read = read_params();
    read.push(returns_param());
    let mut put = op(
        "update",
        &format!("Replace a {m}'s data (a new revision; identical data writes none)"),
        [vec![id_param()], mode_params()].concat(),
        json!({
            "200": ok_json(info.clone()),
            "400": error_response("`change_status` without `mode=modify`"),
            "404": error_response("Unknown or deleted resource"),
            "409": error_response("Unique violation, or modify on a stable revision"),
            "422": error_response("The body does not decode into the type"),
        }),
    );
    put["requestBody"] = body(data_schema.clone(), false);
    let mut patch = op(
        "patch",
        &format!("Apply an RFC 6902 JSON Patch to a {m}"),
        [vec![id_param()], mode_params()].concat(),
        json!({
            "200": ok_json(info.clone()),
            "400": error_response("Failed `test`, unknown op, bad path or a body that is not an array"),
            "404": error_response("Unknown or deleted resource"),
            "409": error_response("Unique violation, or modify on a stable revision"),
            "422": error_response("The patched data does not decode into the type"),
        }),
    );
    patch["requestBody"] = body(component_ref("JsonPatch"), true);
    paths.insert(
        format!("/{m}/{{id}}"),
        json!({
            "get": op("read", &format!("Read a {m}"), read,
                json!({ "200": ok_json(full.clone()), "404": error_response("Unknown or deleted resource, or unknown revision") })),
            "put": put,
            "patch": patch,
            "delete": op("delete", &format!("Soft-delete a {m}"), vec![id_param()],
                json!({ "200": ok_json(meta.clone()), "404": error_response("Unknown or already deleted resource") })),
        }),
    );
    paths.insert(
        format!("/{m}/{{id}}/revision-list"),
        json!({ "get": op("list_revisions", &format!("List the revisions of a {m}"), vec![
            id_param(),
            param("limit", "query", json!({"type": "integer", "minimum": 1, "default": 10}), "Page size."),
            param("offset", "query", json!({"type": "integer", "minimum": 0, "default": 0}), "Revisions to skip."),
            param("sort", "query", json!({"enum": ["created_time", "-created_time"], "default": "-created_time"}), "Order by creation time."),
            param("created_time_start", "query", time(), "Revisions created at or after (RFC 3339 with offset)."),
            param("created_time_end", "query", time(), "Revisions created at or before (RFC 3339 with offset)."),
            param("from_revision_id", "query", string(), "Start from this revision."),
            param("chain_only", "query", json!({"type": "boolean", "default": false}), "Only the parent chain of `from_revision_id` (or of the current revision)."),
            partial_param(),
        ], json!({
            "200": ok_json(component_ref("RevisionList")),
            "400": error_response("Bad paging or sort"),
            "404": error_response("Unknown or deleted resource, or unknown from_revision_id"),
        })) }),
    );
    paths.insert(
        format!("/{m}/{{id}}/switch/{{revision_id}}"),
        json!({ "post": op("switch", &format!("Make a revision of a {m} current"), vec![
            id_param(), param("revision_id", "path", string(), "The revision to switch to."),
        ], json!({
            "200": ok_json(meta.clone()),
            "404": error_response("Unknown or deleted resource, or unknown revision"),
            "409": error_response("The revision was written by an older schema version"),
        })) }),
    );
    paths.insert(
        format!("/{m}/{{id}}/restore"),
        json!({ "post": op("restore", &format!("Restore a deleted {m}"), vec![id_param()],
            json!({ "200": ok_json(meta.clone()), "404": error_response("Unknown resource") })) }),
    );
    paths.insert(
        format!("/{m}/{{id}}/permanently"),
        json!({ "delete": op("permanently_delete", &format!("Purge a {m} and every revision"), vec![id_param()],
            json!({ "200": ok_json(meta), "404": error_response("Unknown resource") })) }),
    );
    let mut blob_params = read_params();
    blob_params.retain(|p| p["name"] != "partial");
    blob_params.insert(1, file_id_param());
    paths.insert(
        format!("/{m}/{{id}}/blobs/{{file_id}}"),
        json!({ "get": op("get_blob", &format!("A file a {m} references, with the content type it recorded"), blob_params,
            json!({
                "200": bytes_response(),
                "404": error_response("Unknown or deleted resource or revision, or the resource does not reference the file"),
                "501": error_response("The app has no blob store"),
            })) }),
    );
    let jsonl = |description: &str| {
        json!({
            "description": description,
            "content": { "application/jsonl+json": { "schema": { "oneOf": [
                component_ref("MigrationProgress"),
                component_ref("MigrationSummary"),
            ] } } },
        })
    };
    for (action, summary, stream) in [
        (
            "test",
            format!("Dry-run the schema migration of the {m} resources matching the query"),
            "One MigrationProgress line per resource (nothing written), then the MigrationSummary",
        ),
        (
            "execute",
            format!("Migrate the {m} resources matching the query to the current schema version"),
            "One MigrationProgress line per resource, then the MigrationSummary",
        ),
    ] {
        paths.insert(
            format!("/{m}/migrate/{action}"),
            json!({ "post": op(&format!("migrate_{action}"), &summary, query_inputs(true, true),
                json!({ "200": jsonl(stream), "400": error_response("Bad query") })) }),
        );
    }
    paths.insert(
        format!("/{m}/migrate/single/{{id}}"),
        json!({ "post": op("migrate_single", &format!("Migrate one {m} to the current schema version"), vec![id_param()],
            json!({
                "200": ok_json(component_ref("MigrationProgress")),
                "404": error_response("Unknown or deleted resource"),
                "422": error_response("The stored data cannot be migrated"),
            })) }),
    );
    paths.insert(
        format!("/{m}/{{id}}/referrers"),
        json!({ "get": op("referrers", &format!("Non-deleted resources referring to a {m}"), vec![id_param()],
            json!({
                "200": ok_json(array(component_ref("Referrer"))),
                "404": error_response("Unknown or deleted resource"),
            })) }),
    );
}

fn read_params() -> Vec<Value> {
    vec![
        id_param(),
        param(
            "revision_id",
            "query",
            string(),
            "Read this revision instead of the current one.",
        ),
        partial_param(),
        param(
            "include_deleted",
            "query",
            json!({"type": "boolean", "default": false}),
            "Also read a soft-deleted resource.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{IndexKind, IndexSpec, OnDelete, RefSpec, Resource};

    /// A zone of the game world.
    #[derive(Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    struct Zone {
        /// The zone's unique name.
        name: String,
        level: i64,
    }

    #[derive(Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    struct Monster {
        name: String,
        zone_id: String,
        zone_snapshot: Option<String>,
    }

    static ZONE: ResourceDescriptor = ResourceDescriptor {
        name: "zone",
        type_name: "Zone",
        description: Some("A zone of the game world."),
        indexes: &[
            IndexSpec {
                path: "name",
                kind: IndexKind::String,
                unique: true,
                nullable: false,
                list: false,
            },
            IndexSpec {
                path: "level",
                kind: IndexKind::Integer,
                unique: false,
                nullable: false,
                list: false,
            },
        ],
        refs: &[],
        display_name: Some("name"),
        default_status: None,
        encoding: None,
        version: None,
    };
    static MONSTER: ResourceDescriptor = ResourceDescriptor {
        name: "monster",
        type_name: "Monster",
        description: None,
        indexes: &[IndexSpec {
            path: "zone_id",
            kind: IndexKind::String,
            unique: false,
            nullable: false,
            list: false,
        }],
        refs: &[
            RefSpec {
                field: "zone_id",
                target: "zone",
                ref_type: RefType::ResourceId,
                on_delete: OnDelete::Cascade,
                nullable: false,
                list: false,
            },
            RefSpec {
                field: "zone_snapshot",
                target: "zone",
                ref_type: RefType::RevisionId,
                on_delete: OnDelete::Dangling,
                nullable: true,
                list: false,
            },
        ],
        display_name: None,
        default_status: None,
        encoding: None,
        version: None,
    };
    impl Resource for Zone {
        const NAME: &'static str = "zone";
        type Query = ();
        fn descriptor() -> &'static ResourceDescriptor {
            &ZONE
        }
    }
    impl Resource for Monster {
        const NAME: &'static str = "monster";
        type Query = ();
        fn descriptor() -> &'static ResourceDescriptor {
            &MONSTER
        }
    }

    fn doc() -> Value {
        document(&[ModelDoc::of::<Zone>(), ModelDoc::of::<Monster>()])
    }

    #[test]
    fn components_carry_models_wire_types_and_descriptions() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        let schemas = &doc["components"]["schemas"];
        for name in [
            "Zone",
            "Monster",
            "RevisionInfo",
            "ResourceMeta",
            "RevisionList",
            "ZoneFullResource",
            "JsonPatchOperation",
        ] {
            assert!(schemas.get(name).is_some(), "missing component {name}");
        }
        assert_eq!(schemas["Zone"]["description"], "A zone of the game world.");
        assert_eq!(
            schemas["Zone"]["properties"]["name"]["description"],
            "The zone's unique name."
        );
        assert_eq!(schemas["Zone"]["x-display-name-field"], "name");
        assert_eq!(schemas["Zone"]["properties"]["name"]["x-unique"], true);
        assert!(
            schemas["Zone"]["properties"]["level"]
                .get("x-unique")
                .is_none()
        );
        // every $ref resolves to a component
        let text = doc.to_string();
        for r in text.split("\"$ref\":\"").skip(1) {
            let target = &r[..r.find('"').unwrap()];
            let name = target
                .strip_prefix(COMPONENTS)
                .unwrap_or_else(|| panic!("foreign ref {target}"));
            assert!(schemas.get(name).is_some(), "dangling ref {target}");
        }
    }

    /// Statistics shared by several models.
    #[derive(Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    struct Stats {
        code: String,
        hp: i64,
    }

    #[derive(Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    struct Hero {
        /// The hero's main statistics.
        stats: Stats,
        spare: Option<Stats>,
        other: Stats,
    }

    static HERO: ResourceDescriptor = ResourceDescriptor {
        name: "hero",
        type_name: "Hero",
        description: None,
        indexes: &[
            IndexSpec {
                path: "stats.code",
                kind: IndexKind::String,
                unique: true,
                nullable: false,
                list: false,
            },
            IndexSpec {
                path: "spare.code",
                kind: IndexKind::String,
                unique: true,
                nullable: true,
                list: false,
            },
        ],
        refs: &[],
        display_name: None,
        default_status: None,
        encoding: None,
        version: None,
    };
    impl Resource for Hero {
        const NAME: &'static str = "hero";
        type Query = ();
        fn descriptor() -> &'static ResourceDescriptor {
            &HERO
        }
    }

    #[test]
    fn x_unique_reaches_fields_nested_behind_a_ref() {
        let doc = document(&[ModelDoc::of::<Hero>()]);
        let schemas = &doc["components"]["schemas"];
        assert!(
            schemas["Hero"]["properties"]["other"]["$ref"].is_string(),
            "a field without a unique path keeps its $ref: {}",
            schemas["Hero"]["properties"]["other"]
        );
        let stats = &schemas["Hero"]["properties"]["stats"];
        assert_eq!(stats["properties"]["code"]["x-unique"], true, "{stats}");
        assert!(stats["properties"]["hp"].get("x-unique").is_none());
        assert_eq!(
            stats["description"], "The hero's main statistics.",
            "the property's own description wins over the component's"
        );
        let spare = doc["components"]["schemas"]["Hero"]["properties"]["spare"].to_string();
        assert!(spare.contains(r#""x-unique":true"#), "{spare}");
        // the shared component is not marked
        assert!(
            schemas["Stats"]["properties"]["code"]
                .get("x-unique")
                .is_none(),
            "{}",
            schemas["Stats"]
        );
    }

    #[test]
    fn ref_extensions_and_top_level_lists() {
        let doc = doc();
        let zone_id = &doc["components"]["schemas"]["Monster"]["properties"]["zone_id"];
        assert_eq!(zone_id["x-ref-resource"], "zone");
        assert_eq!(zone_id["x-ref-type"], "resource_id");
        assert_eq!(zone_id["x-ref-on-delete"], "cascade");
        let snap = &doc["components"]["schemas"]["Monster"]["properties"]["zone_snapshot"];
        assert_eq!(snap["x-ref-type"], "revision_id");
        assert!(snap.get("x-ref-on-delete").is_none());
        let rels = doc["x-specstar-relationships"].as_array().unwrap();
        assert_eq!(rels.len(), 2);
        assert_eq!(
            rels[0],
            json!({"source": "monster", "sourceField": "zone_id", "target": "zone", "refType": "resource_id", "onDelete": "cascade", "nullable": false})
        );
        assert_eq!(
            doc["x-specstar-indexed-fields"]["zone"],
            json!(["name", "level"])
        );
        assert_eq!(doc["x-specstar-custom-create-actions"], json!([]));
    }

    #[test]
    fn every_route_has_operations_with_parameters() {
        let doc = doc();
        let paths = &doc["paths"];
        for (path, method) in [
            ("/zone", "post"),
            ("/zone", "get"),
            ("/zone", "delete"),
            ("/zone/count", "get"),
            ("/zone/restore", "post"),
            ("/zone/data", "get"),
            ("/zone/{id}", "get"),
            ("/zone/{id}", "put"),
            ("/zone/{id}", "patch"),
            ("/zone/{id}", "delete"),
            ("/zone/{id}/revision-list", "get"),
            ("/zone/{id}/switch/{revision_id}", "post"),
            ("/zone/{id}/restore", "post"),
            ("/zone/{id}/permanently", "delete"),
            ("/zone/{id}/referrers", "get"),
            ("/zone/{id}/meta", "get"),
            ("/zone/{id}/blobs/{file_id}", "get"),
            ("/zone/migrate/test", "post"),
            ("/zone/migrate/execute", "post"),
            ("/zone/migrate/single/{id}", "post"),
            ("/blobs/upload", "post"),
            ("/blobs/{file_id}", "get"),
            ("/blobs/upload-sessions", "post"),
            ("/blobs/upload-sessions/{upload_id}", "get"),
            ("/blobs/upload-sessions/{upload_id}/content", "put"),
            ("/blobs/upload-sessions/{upload_id}/finalize", "post"),
            ("/_relationships", "get"),
        ] {
            let op = &paths[path][method];
            assert!(op.is_object(), "missing {method} {path}");
            assert!(
                op["responses"]["200"].is_object(),
                "{method} {path} has no 200"
            );
        }
        assert!(
            paths["/blobs/upload-sessions/{upload_id}/abort"]["post"]["responses"]["204"]
                .is_object()
        );
        let list_params: Vec<&str> = paths["/zone"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for p in [
            "qb",
            "is_deleted",
            "created_time_start",
            "rev_statuses",
            "conditions",
            "sorts",
            "limit",
            "offset",
            "returns",
            "partial",
        ] {
            assert!(list_params.contains(&p), "list lacks {p}");
        }
        assert_eq!(paths["/zone/data"]["get"]["deprecated"], true);
        assert_eq!(
            paths["/zone"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Zone"
        );
        assert_eq!(
            paths["/blobs/upload"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/Binary"
        );
        assert_eq!(
            doc["components"]["schemas"]["Binary"]["properties"]["data"]["contentEncoding"],
            "base64"
        );
        for (path, method) in [
            ("/zone/{id}/blobs/{file_id}", "get"),
            ("/blobs/upload", "post"),
            ("/blobs/{file_id}", "get"),
        ] {
            assert!(
                paths[path][method]["responses"]["501"].is_object(),
                "{method} {path} has no 501"
            );
        }
        let blob_params: Vec<&str> = paths["/zone/{id}/blobs/{file_id}"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            blob_params,
            ["id", "file_id", "revision_id", "include_deleted"]
        );
        assert!(
            doc["components"]["schemas"]["MigrationSummary"].is_object()
                && paths["/zone/migrate/test"]["post"]["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == "qb")
        );
    }
}
