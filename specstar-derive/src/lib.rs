//! Derive macros of SpecStar. Use them through the `specstar` crate, which re-exports them with
//! the documentation below.
//!
//! Each derive is a thin shim over `expand::*`, which works on `proc_macro2` tokens: parse
//! (`attr`, `ast`) → check (`check`) → generate (`expand`, one file per generated artifact).
//! Every error is collected and reported at the user's token; on error, stub impls
//! (`expand/fallback.rs`) keep code that uses the type compiling.

mod ast;
mod attr;
mod check;
mod expand;

use proc_macro::TokenStream;

/// Makes a struct a SpecStar resource: implements `specstar::Resource` (name, descriptor,
/// typed query) and registers the type with the runtime.
///
/// ```
/// use specstar::prelude::*;
///
/// /// A zone of the game world.
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Zone {
///     #[display_name]
///     #[unique]
///     pub name: String,
///     #[index]
///     pub level: i64,
///     #[serde(default)]
///     pub tags: Vec<String>,
/// }
///
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// #[specstar(name = "beast", default_status = draft, version = "v2")]
/// pub struct Monster {
///     #[index]
///     pub name: String,
///     #[ref_to(Zone, on_delete = cascade)] // type form: checked by the compiler
///     pub zone_id: String,
///     #[ref_to("zone", revision)]         // string form: checked when the app is built
///     pub zone_snapshot: Option<String>,
/// }
///
/// let zone = Zone::descriptor();
/// assert_eq!(zone.name, "zone");
/// assert_eq!(zone.display_name, Some("name"));
/// assert_eq!(zone.description, Some("A zone of the game world."));
/// assert!(zone.index("name").unwrap().unique);
/// assert_eq!(Monster::descriptor().refs[0].target, "zone");
///
/// let _typed = Zone::q().level(); // a `Field<i64>` on path "level"
/// ```
///
/// The struct must have named fields and no generic parameters, and implement `Serialize`,
/// `Deserialize`, `JsonSchema`, `Clone`, `Send` and `Sync`.
///
/// # Struct attributes: `#[specstar(...)]`
///
/// | attribute | meaning |
/// |---|---|
/// | `name = "zone"` | resource name in ids and URLs; default: kebab-case of the type name (`GameZone` → `game-zone`); ASCII letters, digits, `-`, `_` |
/// | `default_status = draft` / `stable` | status of new revisions when the app sets none |
/// | `encoding = json` / `msgpack` | payload encoding |
/// | `index = "lore.origin"` | index a dotted path inside a field whose type does not derive `Nested`; repeatable; kind `IndexKind::Any`, nullable |
/// | `version = "v2"` | current schema version |
/// | `migrate(from = "v1", via = MonsterV1)` | payloads stored at version `v1` decode into `MonsterV1`, converted by `impl From<MonsterV1> for Monster` (or `TryFrom`, whose error becomes the migration error); repeatable, one per stored version; needs `version` |
/// | `migrate(from = "v1", via = MonsterV1, to = "v2")` | a chain step: `MonsterV1` converts into the `via` type of version `v2` (`impl From<MonsterV1> for MonsterV2`); `to` is repeatable (`to = "v2", to = "v3"` declares a chain step and a shortcut) and defaults to the current version |
///
/// Reads of older revisions convert along the shortest declared path; a missing conversion is
/// a compile error at the attribute. A stored version with no step (or a version bump with no
/// `migrate` at all) is decoded directly as the current type and only re-indexed.
///
/// ```
/// use specstar::prelude::*;
///
/// #[derive(Serialize, Deserialize)]
/// pub struct ZoneV1 { pub name: String }
/// #[derive(Serialize, Deserialize)]
/// pub struct ZoneV2 { pub name: String, pub level: i64 }
///
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// #[specstar(
///     version = "v3",
///     migrate(from = "v1", via = ZoneV1, to = "v2", to = "v3"), // chain step + shortcut
///     migrate(from = "v2", via = ZoneV2),                       // to the current version
/// )]
/// pub struct Zone { pub name: String, pub level: i64, pub tags: Vec<String> }
///
/// impl From<ZoneV1> for ZoneV2 {
///     fn from(v: ZoneV1) -> Self { ZoneV2 { name: v.name, level: 1 } }
/// }
/// impl From<ZoneV1> for Zone {
///     fn from(v: ZoneV1) -> Self { Zone { name: v.name, level: 1, tags: vec![] } }
/// }
/// impl TryFrom<ZoneV2> for Zone {
///     type Error = String;
///     fn try_from(v: ZoneV2) -> Result<Self, String> {
///         if v.level < 0 { return Err(format!("negative level {}", v.level)); }
///         Ok(Zone { name: v.name, level: v.level, tags: vec![] })
///     }
/// }
/// # fn main() {}
/// ```
///
/// Several `#[specstar(...)]` attributes may be written; each key (except `index`) at most once.
///
/// # Field attributes
///
/// Each can be written bare (`#[index]`) or namespaced (`#[specstar(index)]`), at most once
/// per field.
///
/// | attribute | meaning |
/// |---|---|
/// | `#[index]` | index the field; its type must implement `IndexValue` (strings, integers, floats, `bool`, `DateTime<Utc>`, `#[derive(IndexValue)]` enums, `Option`/`Vec` of those) |
/// | `#[unique]` | unique index (implies `#[index]`); the type must implement `UniqueValue` (no lists); `None` may repeat |
/// | `#[display_name]` | the human-readable name; one field at most, of type `String` |
/// | `#[ref_to(Zone)]` / `#[ref_to("zone")]` | the field holds ids of another resource: `String`, `Option<String>` or `Vec<String>`; indexed automatically |
/// | `#[ref_to(Zone, on_delete = dangling \| set_null \| cascade)]` | what happens when the target is deleted (default `dangling`; `set_null` needs `Option<String>`) |
/// | `#[ref_to("zone", revision)]` | the field holds revision ids: not indexed, never triggers on-delete rules |
/// | `#[nested]` | the field's type derives `Nested`: its indexed fields become indexes `field.inner` |
///
/// # Serialized names
///
/// Index paths are serialized names: field `#[serde(rename = "...")]` (or
/// `rename(serialize = "...")`) and struct `#[serde(rename_all = "...")]` are followed.
/// A field with SpecStar attributes may not be `#[serde(flatten)]` or `#[serde(skip)]`.
/// `serialize_with`/`with` are not interpreted: the index kind comes from the Rust type.
///
/// # Errors
///
/// Mistakes are compile errors at the offending token, all reported at once:
///
/// ```compile_fail
/// use specstar::prelude::*;
///
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Zone {
///     #[display_name] // error: `#[display_name]` must be on a `String` field, not `i64`
///     pub level: i64,
/// }
/// ```
///
/// ```compile_fail
/// use specstar::prelude::*;
///
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Zone {
///     #[unique] // error: `Vec<String>` cannot be unique
///     pub tags: Vec<String>,
/// }
/// ```
#[proc_macro_derive(
    Resource,
    attributes(specstar, index, unique, display_name, ref_to, nested)
)]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    expand::resource(input.into()).into()
}

/// Lets a unit-only enum be used as an indexed (and unique) field type. The enum is indexed by
/// its serialized name, a string (`IndexKind::String`), so serde's default representation of
/// unit variants is assumed.
///
/// ```
/// use specstar::prelude::*;
///
/// #[derive(IndexValue, Serialize, Deserialize, JsonSchema, Clone, Copy, Debug)]
/// #[serde(rename_all = "snake_case")]
/// pub enum Rarity {
///     Common,
///     Legendary,
/// }
///
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Item {
///     #[index]
///     pub rarity: Rarity,
/// }
///
/// assert_eq!(Item::descriptor().indexes[0].kind, specstar::IndexKind::String);
/// // Queries compare by the serialized value: equality and membership (no order).
/// let _ = Item::q().rarity().eq(Rarity::Legendary) | Item::q().rarity().one_of([Rarity::Common]);
/// ```
///
/// Variants with fields, structs and generic enums are compile errors.
#[proc_macro_derive(IndexValue)]
pub fn derive_index_value(input: TokenStream) -> TokenStream {
    expand::index_value(input.into()).into()
}

/// Makes a struct embeddable in a resource under `#[nested]`: its `#[index]` and `#[unique]`
/// fields (and those of deeper `#[nested]` structs) become indexes of the resource at dotted
/// paths, with typed query accessors.
///
/// ```
/// use specstar::prelude::*;
///
/// #[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Stats {
///     #[index]
///     pub hp: i64,
///     pub mana: i64,
/// }
///
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Character {
///     #[nested]
///     pub stats: Stats,
///     #[nested]
///     pub previous: Option<Stats>, // indexes under an Option are nullable
/// }
///
/// let d = Character::descriptor();
/// assert_eq!(d.index("stats.hp").unwrap().kind, specstar::IndexKind::Integer);
/// assert!(d.index("previous.hp").unwrap().nullable);
/// let _hp = Character::q().stats().hp(); // a `Field<i64>` on path "stats.hp"
/// ```
///
/// `#[display_name]`, `#[ref_to]` and struct-level `#[specstar(...)]` belong on the resource
/// and are compile errors here.
#[proc_macro_derive(
    Nested,
    attributes(specstar, index, unique, display_name, ref_to, nested)
)]
pub fn derive_nested(input: TokenStream) -> TokenStream {
    expand::nested(input.into()).into()
}
