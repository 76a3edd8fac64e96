//! The typed query builder: [`Field<T>`] handles whose methods accept only values of the
//! field's type, and the [`MetaFields`] accessors.
//!
//! ```
//! # use specstar_runtime::query::{Field, MetaFields};
//! # struct ZoneQuery;
//! # impl ZoneQuery { fn level(&self) -> Field<i64> { Field::data("level") }
//! #                fn name(&self) -> Field<String> { Field::data("name") } }
//! # let q = ZoneQuery;
//! let c = q.level().gt(3) & q.name().starts_with("A") & !MetaFields.is_deleted().is_true();
//! assert_eq!(c.to_string(), "(level gt 3 and name starts_with \"A\" and not (is_deleted eq true))");
//! ```
//!
//! Values of the wrong type do not compile:
//!
//! ```compile_fail
//! # use specstar_runtime::query::Field;
//! let level: Field<i64> = Field::data("level");
//! level.gt("x");
//! ```
//!
//! ```compile_fail
//! # use specstar_runtime::query::Field;
//! let name: Field<String> = Field::data("name");
//! name.eq(3);
//! ```
//!
//! ```compile_fail
//! # use specstar_runtime::query::Field;
//! // Booleans have no order.
//! let flag: Field<bool> = Field::data("flag");
//! flag.gt(true);
//! ```
//!
//! ```compile_fail
//! # use specstar_runtime::query::Field;
//! // A list field is searched with `contains`, never compared as a whole.
//! let tags: Field<Vec<String>> = Field::data("tags");
//! tags.eq("a");
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::calendar::{Period, since};
use super::tree::{Condition, FieldPath, MetaField, Operator, Sort};
use crate::model::{RevisionStatus, now, wire_time};
use crate::resource::{IndexKind, IndexValue};

/// A typed handle on one field, returned by the accessors of `Zone::q()`. Its comparison methods
/// accept only values of the field's type `T` (see [`QueryArg`]); which methods exist depends
/// on `T`: order comparisons for numbers, strings and times, text matching for strings,
/// `contains` on lists, `is_true` on booleans, calendar helpers on times.
///
/// Every method returns a [`Condition`] (or a [`Sort`] for [`asc`](Field::asc) /
/// [`desc`](Field::desc)); combine them with `&`, `|` and `!`.
pub struct Field<T> {
    path: FieldPath,
    _type: PhantomData<fn() -> T>,
}

impl<T> Field<T> {
    /// A data field at a dotted path (generated code calls this).
    #[doc(hidden)]
    pub const fn data(path: &'static str) -> Self {
        Field {
            path: FieldPath::Data(std::borrow::Cow::Borrowed(path)),
            _type: PhantomData,
        }
    }

    /// A data field at a dotted path built at run time (generated accessors of `#[nested]`
    /// structs call this with the prefix they are embedded at).
    #[doc(hidden)]
    pub fn data_owned(path: String) -> Self {
        Field {
            path: FieldPath::Data(std::borrow::Cow::Owned(path)),
            _type: PhantomData,
        }
    }

    /// A meta field.
    pub const fn meta(field: MetaField) -> Self {
        Field {
            path: FieldPath::Meta(field),
            _type: PhantomData,
        }
    }

    /// The path this handle names.
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    fn compare(&self, op: Operator, value: Value) -> Condition {
        Condition::Compare {
            field: self.path.clone(),
            op,
            value,
        }
    }

    /// Equal to `value` (`eq`). Never true for a missing or null value.
    pub fn eq<V: QueryArg<T>>(&self, value: V) -> Condition {
        self.compare(Operator::Eq, value.into_query_value())
    }

    /// Not equal to `value` (`ne`). Never true for a missing or null value.
    pub fn ne<V: QueryArg<T>>(&self, value: V) -> Condition {
        self.compare(Operator::Ne, value.into_query_value())
    }

    /// Equal to one of `values` (`in`).
    pub fn one_of<V: QueryArg<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition {
        let list = values.into_iter().map(QueryArg::into_query_value).collect();
        self.compare(Operator::In, Value::Array(list))
    }

    /// Alias of [`one_of`](Field::one_of) (`in`).
    pub fn in_<V: QueryArg<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition {
        self.one_of(values)
    }

    /// Equal to none of `values` (`not_in`). Never true for a missing or null value.
    pub fn not_in<V: QueryArg<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition {
        let list = values.into_iter().map(QueryArg::into_query_value).collect();
        self.compare(Operator::NotIn, Value::Array(list))
    }

    /// The value is present and null (`is_null: true`; false when the key is missing).
    pub fn is_null(&self) -> Condition {
        self.compare(Operator::IsNull, Value::Bool(true))
    }

    /// The value is present and not null (`is_null: false`).
    pub fn is_not_null(&self) -> Condition {
        self.compare(Operator::IsNull, Value::Bool(false))
    }

    /// The key is present, null or not (`exists: true`).
    pub fn exists(&self) -> Condition {
        self.compare(Operator::Exists, Value::Bool(true))
    }

    /// Missing or null (`isna: true`).
    pub fn isna(&self) -> Condition {
        self.compare(Operator::IsNa, Value::Bool(true))
    }

    /// Present and not null (`isna: false`).
    pub fn has_value(&self) -> Condition {
        self.compare(Operator::IsNa, Value::Bool(false))
    }

    /// Ascending sort on this field (missing/null values last).
    pub fn asc(&self) -> Sort {
        Sort::asc(self.path.clone())
    }

    /// Descending sort on this field (missing/null values first).
    pub fn desc(&self) -> Sort {
        Sort::desc(self.path.clone())
    }
}

impl<T: OrderedValue> Field<T> {
    /// Greater than `value` (`gt`).
    pub fn gt<V: QueryArg<T>>(&self, value: V) -> Condition {
        self.compare(Operator::Gt, value.into_query_value())
    }

    /// Greater than or equal to `value` (`gte`).
    pub fn gte<V: QueryArg<T>>(&self, value: V) -> Condition {
        self.compare(Operator::Gte, value.into_query_value())
    }

    /// Less than `value` (`lt`).
    pub fn lt<V: QueryArg<T>>(&self, value: V) -> Condition {
        self.compare(Operator::Lt, value.into_query_value())
    }

    /// Less than or equal to `value` (`lte`).
    pub fn lte<V: QueryArg<T>>(&self, value: V) -> Condition {
        self.compare(Operator::Lte, value.into_query_value())
    }

    /// `low <= value <= high` (both bounds inclusive).
    pub fn between<V: QueryArg<T>>(&self, low: V, high: V) -> Condition {
        self.gte(low) & self.lte(high)
    }
}

impl<T: TextValue> Field<T> {
    /// Contains `needle` as a substring (`contains`).
    pub fn contains(&self, needle: impl AsRef<str>) -> Condition {
        self.compare(Operator::Contains, Value::from(needle.as_ref()))
    }

    /// Starts with `prefix` (`starts_with`).
    pub fn starts_with(&self, prefix: impl AsRef<str>) -> Condition {
        self.compare(Operator::StartsWith, Value::from(prefix.as_ref()))
    }

    /// Ends with `suffix` (`ends_with`).
    pub fn ends_with(&self, suffix: impl AsRef<str>) -> Condition {
        self.compare(Operator::EndsWith, Value::from(suffix.as_ref()))
    }

    /// The Rust-`regex` `pattern` matches somewhere in the value (`regex`, a search, not a
    /// full match). An invalid pattern makes the search fail with `Error::BadQuery`.
    pub fn regex(&self, pattern: impl AsRef<str>) -> Condition {
        self.compare(Operator::Regex, Value::from(pattern.as_ref()))
    }

    /// Contains `needle`, ignoring case (a `regex` `(?i)` search of the escaped literal).
    pub fn icontains(&self, needle: impl AsRef<str>) -> Condition {
        self.regex(text_regex::icontains(needle.as_ref()))
    }

    /// Starts with `prefix`, ignoring case (a `regex`).
    pub fn istarts_with(&self, prefix: impl AsRef<str>) -> Condition {
        self.regex(text_regex::istarts_with(prefix.as_ref()))
    }

    /// Ends with `suffix`, ignoring case (a `regex`).
    pub fn iends_with(&self, suffix: impl AsRef<str>) -> Condition {
        self.regex(text_regex::iends_with(suffix.as_ref()))
    }

    /// Matches the SQL `LIKE` pattern (`%` any run, `_` one character, case-sensitive, whole
    /// value), compiled to an anchored `regex`.
    pub fn like(&self, pattern: impl AsRef<str>) -> Condition {
        self.regex(text_regex::like(pattern.as_ref()))
    }
}

impl<T> Field<Vec<T>> {
    /// The list has an element equal to `element` (`contains`).
    pub fn contains<V: QueryArg<T>>(&self, element: V) -> Condition {
        self.compare(Operator::Contains, element.into_query_value())
    }
}

impl<T> Field<Option<Vec<T>>> {
    /// The list is present and has an element equal to `element` (`contains`).
    pub fn contains<V: QueryArg<T>>(&self, element: V) -> Condition {
        self.compare(Operator::Contains, element.into_query_value())
    }
}

impl<T: BoolValue> Field<T> {
    /// Equal to `true`.
    pub fn is_true(&self) -> Condition {
        self.compare(Operator::Eq, Value::Bool(true))
    }

    /// Equal to `false` (a missing or null value is neither true nor false).
    pub fn is_false(&self) -> Condition {
        self.compare(Operator::Eq, Value::Bool(false))
    }
}

/// Calendar helpers, relative to [`model::now()`](crate::model::now) in UTC, each a
/// half-open range `[start, end)`: days start at midnight UTC, weeks on Monday, months on
/// the 1st.
impl<T: TimeValue> Field<T> {
    /// Since midnight UTC today (until tomorrow's midnight).
    pub fn today(&self) -> Condition {
        Period::Today.condition(self.path.clone(), now())
    }

    /// During yesterday (UTC).
    pub fn yesterday(&self) -> Condition {
        Period::Yesterday.condition(self.path.clone(), now())
    }

    /// During the current week (Monday 00:00 UTC to next Monday).
    pub fn this_week(&self) -> Condition {
        Period::ThisWeek.condition(self.path.clone(), now())
    }

    /// During the current month (UTC).
    pub fn this_month(&self) -> Condition {
        Period::ThisMonth.condition(self.path.clone(), now())
    }

    /// During the current year (UTC).
    pub fn this_year(&self) -> Condition {
        Period::ThisYear.condition(self.path.clone(), now())
    }

    /// At or after `now - days` (no upper bound).
    pub fn last_n_days(&self, days: u32) -> Condition {
        since(
            self.path.clone(),
            now(),
            chrono::Duration::days(i64::from(days)),
        )
    }
}

impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        Field {
            path: self.path.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Field<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Field").field(&self.path).finish()
    }
}

/// Regexes for the case-insensitive and `LIKE` helpers (shared with the `qb` parser).
pub(crate) mod text_regex {
    pub(crate) fn icontains(s: &str) -> String {
        format!("(?i){}", regex::escape(s))
    }
    pub(crate) fn istarts_with(s: &str) -> String {
        format!("(?i)^{}", regex::escape(s))
    }
    pub(crate) fn iends_with(s: &str) -> String {
        format!("(?i){}$", regex::escape(s))
    }
    pub(crate) fn like(pattern: &str) -> String {
        let mut out = String::from("(?s)^");
        let mut literal = String::new();
        for ch in pattern.chars() {
            match ch {
                '%' | '_' => {
                    out.push_str(&regex::escape(&literal));
                    literal.clear();
                    out.push_str(if ch == '%' { ".*" } else { "." });
                }
                _ => literal.push(ch),
            }
        }
        out.push_str(&regex::escape(&literal));
        out.push('$');
        out
    }
}

/// A value accepted where a field of type `T` is compared: `&str`/`String` for string fields,
/// the field's own numeric type for numbers, `bool`, `DateTime<Utc>` (sent in wire format),
/// `T` for an `Option<T>` field, and unit enums deriving `IndexValue` (through serde).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with a field of type `{T}`",
    label = "expected a value of the field's type `{T}`",
    note = "string fields take &str or String, numeric fields their own number type, Option<T> fields a T, and list fields are searched with `contains(element)`"
)]
pub trait QueryArg<T: ?Sized> {
    /// The JSON literal sent in the condition.
    fn into_query_value(self) -> Value;
}

macro_rules! string_args {
    ($($field:ty),*) => {$(
        impl QueryArg<$field> for &str {
            fn into_query_value(self) -> Value { Value::from(self) }
        }
        impl QueryArg<$field> for String {
            fn into_query_value(self) -> Value { Value::String(self) }
        }
        impl QueryArg<$field> for &String {
            fn into_query_value(self) -> Value { Value::from(self.as_str()) }
        }
        impl QueryArg<$field> for std::borrow::Cow<'_, str> {
            fn into_query_value(self) -> Value { Value::from(self.into_owned()) }
        }
    )*};
}
string_args!(String, Box<str>, Arc<str>);

macro_rules! own_type_args {
    ($($t:ty),*) => {$(
        impl QueryArg<$t> for $t {
            fn into_query_value(self) -> Value { Value::from(self) }
        }
        impl QueryArg<$t> for &$t {
            fn into_query_value(self) -> Value { Value::from(*self) }
        }
    )*};
}
// Non-finite floats become JSON null (JSON has no NaN), which no comparison matches.
own_type_args!(
    i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, bool
);

impl QueryArg<DateTime<Utc>> for DateTime<Utc> {
    fn into_query_value(self) -> Value {
        Value::String(wire_time::format(&self))
    }
}
impl QueryArg<DateTime<Utc>> for &DateTime<Utc> {
    fn into_query_value(self) -> Value {
        Value::String(wire_time::format(self))
    }
}

impl<T, V: QueryArg<T>> QueryArg<Option<T>> for V {
    fn into_query_value(self) -> Value {
        self.into_query_value()
    }
}

/// A unit-only enum indexed by its serialized value. `#[derive(IndexValue)]` implements it;
/// it lets `Field<MyEnum>` methods take `MyEnum` values (sent as their serde value).
pub trait IndexEnum: IndexValue + serde::Serialize {}

impl<E: IndexEnum> QueryArg<E> for E {
    fn into_query_value(self) -> Value {
        serde_json::to_value(&self).unwrap_or(Value::Null)
    }
}
impl<E: IndexEnum> QueryArg<E> for &E {
    fn into_query_value(self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl IndexValue for RevisionStatus {
    const KIND: IndexKind = IndexKind::String;
}
impl crate::resource::UniqueValue for RevisionStatus {}
impl IndexEnum for RevisionStatus {}

mod sealed {
    pub trait Sealed {}
}

/// Field types with an order (`gt`, `between`, …): numbers, strings, times, and `Option`s of
/// those.
pub trait OrderedValue: sealed::Sealed {}
/// String field types (`contains`, `starts_with`, `regex`, …).
pub trait TextValue: sealed::Sealed {}
/// Boolean field types (`is_true`, `is_false`).
pub trait BoolValue: sealed::Sealed {}
/// Time field types (`today`, `last_n_days`, …).
pub trait TimeValue: sealed::Sealed {}

macro_rules! kinds {
    ($($marker:ident: $($t:ty),*;)*) => {$($(
        impl sealed::Sealed for $t {}
        impl sealed::Sealed for Option<$t> {}
        impl $marker for $t {}
        impl $marker for Option<$t> {}
    )*)*};
}
kinds! {
    OrderedValue: i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64;
    BoolValue: bool;
    TimeValue: DateTime<Utc>;
    TextValue: String, Box<str>, Arc<str>;
}
impl OrderedValue for String {}
impl OrderedValue for Option<String> {}
impl OrderedValue for Box<str> {}
impl OrderedValue for Option<Box<str>> {}
impl OrderedValue for Arc<str> {}
impl OrderedValue for Option<Arc<str>> {}
impl OrderedValue for DateTime<Utc> {}
impl OrderedValue for Option<DateTime<Utc>> {}

/// The meta-field accessors every typed query struct derefs to: `Zone::q().created_by()`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MetaFields;

impl MetaFields {
    /// `resource_id`.
    pub fn resource_id(&self) -> Field<String> {
        Field::meta(MetaField::ResourceId)
    }
    /// `current_revision_id`.
    pub fn current_revision_id(&self) -> Field<String> {
        Field::meta(MetaField::CurrentRevisionId)
    }
    /// `created_time` (compare with `DateTime<Utc>`).
    pub fn created_time(&self) -> Field<DateTime<Utc>> {
        Field::meta(MetaField::CreatedTime)
    }
    /// `updated_time`.
    pub fn updated_time(&self) -> Field<DateTime<Utc>> {
        Field::meta(MetaField::UpdatedTime)
    }
    /// `created_by`.
    pub fn created_by(&self) -> Field<String> {
        Field::meta(MetaField::CreatedBy)
    }
    /// `updated_by`.
    pub fn updated_by(&self) -> Field<String> {
        Field::meta(MetaField::UpdatedBy)
    }
    /// `is_deleted`.
    pub fn is_deleted(&self) -> Field<bool> {
        Field::meta(MetaField::IsDeleted)
    }
    /// `schema_version` (null when unversioned).
    pub fn schema_version(&self) -> Field<Option<String>> {
        Field::meta(MetaField::SchemaVersion)
    }
    /// `total_revision_count`.
    pub fn total_revision_count(&self) -> Field<u64> {
        Field::meta(MetaField::TotalRevisionCount)
    }
    /// `rev_status` of the current revision.
    pub fn rev_status(&self) -> Field<RevisionStatus> {
        Field::meta(MetaField::RevStatus)
    }
    /// `rev_created_by` of the current revision.
    pub fn rev_created_by(&self) -> Field<String> {
        Field::meta(MetaField::RevCreatedBy)
    }
    /// `rev_updated_by` of the current revision.
    pub fn rev_updated_by(&self) -> Field<String> {
        Field::meta(MetaField::RevUpdatedBy)
    }
    /// `rev_created_time` of the current revision.
    pub fn rev_created_time(&self) -> Field<DateTime<Utc>> {
        Field::meta(MetaField::RevCreatedTime)
    }
    /// `rev_updated_time` of the current revision.
    pub fn rev_updated_time(&self) -> Field<DateTime<Utc>> {
        Field::meta(MetaField::RevUpdatedTime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Serialize, Clone, Copy)]
    #[serde(rename_all = "snake_case")]
    enum Element {
        Fire,
        DeepWater,
    }
    impl IndexValue for Element {
        const KIND: IndexKind = IndexKind::String;
    }
    impl IndexEnum for Element {}

    fn wire(c: &Condition) -> Value {
        serde_json::to_value(c).unwrap()
    }

    #[test]
    fn values_take_the_field_type() {
        let level: Field<i64> = Field::data("level");
        assert_eq!(
            wire(&level.gt(3)),
            json!({"field_path": "level", "operator": "gt", "value": 3})
        );
        let ratio: Field<f64> = Field::data("ratio");
        assert_eq!(wire(&ratio.lte(0.5))["value"], json!(0.5));
        let name: Field<String> = Field::data("name");
        let owned = String::from("b");
        assert_eq!(wire(&name.eq("a"))["value"], json!("a"));
        assert_eq!(wire(&name.ne(&owned))["value"], json!("b"));
        assert_eq!(
            wire(&name.one_of(["a", "b"])),
            json!({"field_path": "name", "operator": "in", "value": ["a", "b"]})
        );
        assert_eq!(wire(&name.not_in(vec![owned]))["operator"], "not_in");
        let maybe: Field<Option<i32>> = Field::data("maybe");
        assert_eq!(wire(&maybe.gte(7))["value"], json!(7));
        let element: Field<Element> = Field::data("element");
        assert_eq!(wire(&element.eq(Element::DeepWater))["value"], "deep_water");
        assert_eq!(
            wire(&element.in_([Element::Fire]))["value"],
            json!(["fire"])
        );
        let tags: Field<Vec<String>> = Field::data("tags");
        assert_eq!(
            wire(&tags.contains("x")),
            json!({"field_path": "tags", "operator": "contains", "value": "x"})
        );
        let maybe_tags: Field<Option<Vec<i32>>> = Field::data("codes");
        assert_eq!(wire(&maybe_tags.contains(7))["value"], json!(7));
        let nan: Field<f64> = Field::data("ratio");
        assert_eq!(wire(&nan.eq(f64::NAN))["value"], Value::Null);
    }

    #[test]
    fn times_are_sent_in_wire_format() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05+02:00")
            .unwrap()
            .with_timezone(&Utc);
        let c = MetaFields.created_time().gte(t);
        assert_eq!(
            wire(&c),
            json!({"field_path": "created_time", "operator": "gte", "value": "2026-01-02T01:04:05.000000Z"})
        );
        let c = MetaFields.rev_updated_time().between(&t, &t);
        assert_eq!(wire(&c)["conditions"][1]["operator"], "lte");
    }

    #[test]
    fn presence_helpers_map_to_the_three_presence_operators() {
        let f: Field<Option<String>> = Field::data("note");
        let ops = [
            (f.is_null(), "is_null", true),
            (f.is_not_null(), "is_null", false),
            (f.exists(), "exists", true),
            (f.isna(), "isna", true),
            (f.has_value(), "isna", false),
        ];
        for (c, op, b) in ops {
            assert_eq!(wire(&c)["operator"], op);
            assert_eq!(wire(&c)["value"], b);
        }
        let deleted = MetaFields.is_deleted();
        assert_eq!(
            wire(&deleted.is_false()),
            json!({"field_path": "is_deleted", "operator": "eq", "value": false})
        );
        assert_eq!(
            MetaFields.rev_status().eq(RevisionStatus::Draft),
            Condition::compare(MetaField::RevStatus, Operator::Eq, "draft")
        );
        assert_eq!(
            MetaFields.total_revision_count().gt(2),
            Condition::compare(MetaField::TotalRevisionCount, Operator::Gt, 2)
        );
        assert_eq!(
            MetaFields.schema_version().eq("v2"),
            Condition::compare(MetaField::SchemaVersion, Operator::Eq, "v2")
        );
    }

    #[test]
    fn text_helpers_escape_literals() {
        let name: Field<String> = Field::data("name");
        assert_eq!(wire(&name.icontains("a.b"))["value"], "(?i)a\\.b");
        assert_eq!(wire(&name.istarts_with("x"))["value"], "(?i)^x");
        assert_eq!(wire(&name.iends_with("(y)"))["value"], "(?i)\\(y\\)$");
        assert_eq!(wire(&name.like("a%b_c."))["value"], "(?s)^a.*b.c\\.$");
        for pattern in ["(?i)a\\.b", "(?s)^a.*b.c\\.$"] {
            assert!(regex::Regex::new(pattern).is_ok());
        }
    }

    #[test]
    fn sorts_and_calendar_helpers() {
        let level: Field<i64> = Field::data("level");
        assert_eq!(level.desc(), Sort::desc(FieldPath::data("level")));
        assert_eq!(
            MetaFields.created_time().asc(),
            Sort::asc(MetaField::CreatedTime)
        );

        let before = now();
        let c = MetaFields.created_time().today();
        let after = now();
        let starts: Vec<String> = [before, after]
            .iter()
            .map(|t| wire_time::format(&Period::Today.range(*t).0))
            .collect();
        let Condition::And(parts) = &c else {
            panic!("{c:?}")
        };
        let Condition::Compare { op, value, .. } = &parts[0] else {
            panic!("{c:?}")
        };
        assert_eq!(*op, Operator::Gte);
        assert!(
            starts.iter().any(|s| value == s.as_str()),
            "{value} vs {starts:?}"
        );

        let before = now();
        let c = MetaFields.updated_time().last_n_days(3);
        let after = now();
        let Condition::Compare { op, value, .. } = &c else {
            panic!("{c:?}")
        };
        assert_eq!(*op, Operator::Gte);
        let bound = chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc);
        let three_days = chrono::Duration::days(3);
        assert!(
            before - three_days <= bound && bound <= after - three_days,
            "{bound}"
        );
    }
}
