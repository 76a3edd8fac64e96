//! Checking a query against a resource's descriptor before it runs: indexed paths, literal
//! types and time literals. Operand shapes (the same for every field) are checked by
//! [`check_operand`](super::operand::check_operand), which every backend runs too; this module
//! adds what only the descriptor can tell (a string literal for an integer field, ordering a
//! boolean field, a list field compared whole).
//!
//! Every problem is `Error::BadQuery` naming the query parameter and the field.

use serde_json::Value;

use super::operand::{check_operand, compare_error, describe};
use super::tree::{Condition, FieldPath, MetaField, Operator, Query, Sort};
use crate::model::{Error, Result, RevisionStatus, wire_time};
use crate::resource::{IndexKind, ResourceDescriptor};

/// The parameter named by errors about conditions when the caller names none.
pub(crate) const CONDITIONS: &str = "conditions";
/// The parameter named by errors about sorts when the caller names none.
pub(crate) const SORTS: &str = "sorts";

/// What the descriptor says about a field.
struct FieldInfo {
    kind: IndexKind,
    list: bool,
}

/// The kind of `field`: meta fields always, data fields from `descriptor` (`Ok(None)` without
/// one); a data path the descriptor does not index is an error.
fn resolve(
    descriptor: Option<&ResourceDescriptor>,
    field: &FieldPath,
    parameter: &str,
) -> Result<Option<FieldInfo>> {
    match field {
        FieldPath::Meta(meta) => Ok(Some(FieldInfo {
            kind: meta.kind(),
            list: false,
        })),
        FieldPath::Data(path) => {
            let Some(descriptor) = descriptor else {
                return Ok(None);
            };
            match descriptor.index(path) {
                Some(index) => Ok(Some(FieldInfo {
                    kind: index.kind,
                    list: index.list,
                })),
                None => {
                    let indexed: Vec<&str> = descriptor.indexes.iter().map(|i| i.path).collect();
                    let indexed = if indexed.is_empty() {
                        "(none)".to_owned()
                    } else {
                        indexed.join(", ")
                    };
                    Err(Error::bad_query(
                        parameter,
                        format!(
                            "field `{path}` of {} is not indexed; indexed fields: {indexed}",
                            descriptor.name
                        ),
                    ))
                }
            }
        }
    }
}

/// Checks that `field` can be queried (meta, or indexed by `descriptor` when given).
pub(crate) fn check_field(
    descriptor: Option<&ResourceDescriptor>,
    field: &FieldPath,
    parameter: &str,
) -> Result<()> {
    resolve(descriptor, field, parameter).map(|_| ())
}

/// The kind and list flag of `field` when known.
pub(crate) fn field_kind(
    descriptor: Option<&ResourceDescriptor>,
    field: &FieldPath,
) -> Option<(IndexKind, bool)> {
    match field {
        FieldPath::Meta(meta) => Some((meta.kind(), false)),
        FieldPath::Data(path) => descriptor?.index(path).map(|i| (i.kind, i.list)),
    }
}

fn kind_name(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::String => "a string",
        IndexKind::Integer => "an integer",
        IndexKind::Float => "a number",
        IndexKind::Boolean => "a boolean",
        IndexKind::DateTime => "an RFC 3339 time with an offset such as \"2026-01-02T03:04:05Z\"",
        IndexKind::Any => "any value",
    }
}

fn parse_time(s: &str) -> Option<crate::model::Timestamp> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.to_utc())
}

/// Does the literal `v` fit a field of `kind`? (`null` always fits: it is unknown, not wrong.)
fn fits(kind: IndexKind, v: &Value) -> bool {
    match (kind, v) {
        (_, Value::Null) | (IndexKind::Any, _) => true,
        (IndexKind::String, Value::String(_)) => true,
        (IndexKind::Integer | IndexKind::Float, Value::Number(_)) => true,
        (IndexKind::Boolean, Value::Bool(_)) => true,
        (IndexKind::DateTime, Value::String(s)) => parse_time(s).is_some(),
        _ => false,
    }
}

fn check_typed(
    descriptor: Option<&ResourceDescriptor>,
    parameter: &str,
    field: &FieldPath,
    op: Operator,
    value: &Value,
) -> Result<()> {
    check_operand(parameter, field, op, value)?;
    let Some(info) = resolve(descriptor, field, parameter)? else {
        return Ok(());
    };
    let fail = |problem: String| Err(compare_error(parameter, field, op, &problem));
    let must_fit = |v: &Value| -> Result<()> {
        if fits(info.kind, v) {
            return Ok(());
        }
        fail(format!(
            "needs {}, got {}",
            kind_name(info.kind),
            describe(v)
        ))
    };
    let values: &[Value] = match (op, value) {
        (Operator::In | Operator::NotIn, Value::Array(items)) => items,
        (_, single) => std::slice::from_ref(single),
    };
    let is_text = matches!(
        info.kind,
        IndexKind::String | IndexKind::DateTime | IndexKind::Any
    );
    match op {
        Operator::IsNull | Operator::Exists | Operator::IsNa => return Ok(()),
        _ if info.list && op != Operator::Contains => {
            return fail(format!(
                "cannot be used: `{field}` is a list; search its elements with `contains`"
            ));
        }
        Operator::Contains if info.list => must_fit(value)?,
        Operator::Contains | Operator::StartsWith | Operator::EndsWith | Operator::Regex => {
            if !is_text {
                return fail(format!(
                    "needs a string field, but `{field}` holds {}",
                    kind_name(info.kind)
                ));
            }
            // Null is unknown, not wrong (as for `eq`).
            if !(value.is_string() || value.is_null()) {
                return fail(format!("needs a string, got {}", describe(value)));
            }
        }
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte
            if info.kind == IndexKind::Boolean =>
        {
            return fail("cannot order booleans".to_owned());
        }
        _ => {
            for v in values {
                must_fit(v)?;
            }
        }
    }
    if field == &FieldPath::Meta(MetaField::RevStatus)
        && matches!(
            op,
            Operator::Eq | Operator::Ne | Operator::In | Operator::NotIn
        )
    {
        for v in values {
            if let Some(s) = v.as_str()
                && s.parse::<RevisionStatus>().is_err()
            {
                return fail(format!(
                    "got unknown revision status {} (expected \"draft\" or \"stable\")",
                    describe(v)
                ));
            }
        }
    }
    Ok(())
}

fn check_sort(descriptor: &ResourceDescriptor, parameter: &str, sort: &Sort) -> Result<()> {
    check_field(Some(descriptor), &sort.field, parameter)
}

/// Checks every comparison of `condition`: operand shapes always; meta field types always;
/// data paths and types when `descriptor` is given.
pub(crate) fn check_condition(
    condition: &Condition,
    descriptor: Option<&ResourceDescriptor>,
    parameter: &str,
) -> Result<()> {
    let mut result = Ok(());
    condition.for_each_compare(&mut |field, op, value| {
        if result.is_ok() {
            result = check_typed(descriptor, parameter, field, op, value);
        }
    });
    result
}

impl Condition {
    /// Checks the condition against `descriptor`: every data path is indexed, every operand
    /// fits its operator and the field's type, regexes compile, times carry an offset.
    /// Errors are `Error::BadQuery` naming `parameter` and the field.
    pub fn validate(&self, descriptor: &ResourceDescriptor, parameter: &str) -> Result<()> {
        check_condition(self, Some(descriptor), parameter)
    }
}

impl Query {
    /// Checks the query against the resource: see [`Condition::validate`]; sort keys must be
    /// meta fields or indexed paths. Errors name `conditions` or `sorts`.
    ///
    /// ```
    /// # use specstar_runtime::query::{Condition, FieldPath, Operator, Query};
    /// # use specstar_runtime::resource::{IndexKind, IndexSpec, ResourceDescriptor};
    /// static MONSTER: ResourceDescriptor = ResourceDescriptor {
    ///     name: "monster", type_name: "Monster", description: None,
    ///     indexes: &[IndexSpec { path: "name", kind: IndexKind::String, unique: false, nullable: false, list: false }],
    ///     refs: &[], display_name: None, default_status: None, encoding: None, version: None,
    /// };
    /// let q = Query::from(Condition::compare(FieldPath::parse("hp"), Operator::Gt, 3));
    /// let err = q.validate(&MONSTER).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "bad query parameter `conditions`: field `hp` of monster is not indexed; indexed fields: name"
    /// );
    /// ```
    pub fn validate(&self, descriptor: &ResourceDescriptor) -> Result<()> {
        if let Some(condition) = &self.condition {
            condition.validate(descriptor, CONDITIONS)?;
        }
        for sort in &self.sorts {
            check_sort(descriptor, SORTS, sort)?;
        }
        Ok(())
    }

    /// Like [`Query::validate`], but every error names `parameter` (e.g. `"qb"`).
    pub fn validate_as(&self, descriptor: &ResourceDescriptor, parameter: &str) -> Result<()> {
        if let Some(condition) = &self.condition {
            condition.validate(descriptor, parameter)?;
        }
        for sort in &self.sorts {
            check_sort(descriptor, parameter, sort)?;
        }
        Ok(())
    }

    /// Validates the query and rewrites every time literal compared with a time field
    /// (`created_time`, … and `DateTime` indexes) into the wire format
    /// (`2026-01-02T03:04:05.000000Z`), so string order is time order. Call this on any
    /// query that came from outside before handing it to a store.
    ///
    /// ```
    /// # use specstar_runtime::query::{Condition, MetaField, Operator, Query};
    /// # use specstar_runtime::resource::ResourceDescriptor;
    /// # static ZONE: ResourceDescriptor = ResourceDescriptor {
    /// #     name: "zone", type_name: "Zone", description: None, indexes: &[], refs: &[],
    /// #     display_name: None, default_status: None, encoding: None, version: None };
    /// let q = Query::from(Condition::compare(MetaField::CreatedTime, Operator::Gte, "2026-01-02T05:00:00+02:00"));
    /// let q = q.prepare(&ZONE).unwrap();
    /// assert_eq!(
    ///     q.condition,
    ///     Some(Condition::compare(MetaField::CreatedTime, Operator::Gte, "2026-01-02T03:00:00.000000Z"))
    /// );
    /// ```
    pub fn prepare(mut self, descriptor: &ResourceDescriptor) -> Result<Query> {
        self.validate(descriptor)?;
        if let Some(condition) = &mut self.condition {
            normalize_times(condition, Some(descriptor));
        }
        Ok(self)
    }

    /// Like [`Query::prepare`], but every error names `parameter`.
    pub fn prepare_as(mut self, descriptor: &ResourceDescriptor, parameter: &str) -> Result<Query> {
        self.validate_as(descriptor, parameter)?;
        if let Some(condition) = &mut self.condition {
            normalize_times(condition, Some(descriptor));
        }
        Ok(self)
    }
}

/// Rewrites time literals of a validated condition into the wire format (data fields only
/// when `descriptor` says they hold times).
pub(crate) fn normalize_times(condition: &mut Condition, descriptor: Option<&ResourceDescriptor>) {
    match condition {
        Condition::Compare { field, op, value } => {
            let kind = field_kind(descriptor, field).map_or(IndexKind::Any, |(kind, _)| kind);
            let is_value_op = matches!(
                op,
                Operator::Eq
                    | Operator::Ne
                    | Operator::Gt
                    | Operator::Gte
                    | Operator::Lt
                    | Operator::Lte
                    | Operator::In
                    | Operator::NotIn
                    | Operator::Contains
            );
            if kind != IndexKind::DateTime || !is_value_op {
                return;
            }
            let normalize = |v: &mut Value| {
                if let Some(t) = v.as_str().and_then(parse_time) {
                    *v = Value::String(wire_time::format(&t));
                }
            };
            match value {
                Value::Array(items) => items.iter_mut().for_each(normalize),
                single => normalize(single),
            }
        }
        Condition::And(children) | Condition::Or(children) => {
            for child in children {
                normalize_times(child, descriptor);
            }
        }
        Condition::Not(inner) => normalize_times(inner, descriptor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::IndexSpec;
    use serde_json::json;

    const fn index(path: &'static str, kind: IndexKind, list: bool) -> IndexSpec {
        IndexSpec {
            path,
            kind,
            unique: false,
            nullable: false,
            list,
        }
    }

    static MONSTER: ResourceDescriptor = ResourceDescriptor {
        name: "monster",
        type_name: "Monster",
        description: None,
        indexes: &[
            index("name", IndexKind::String, false),
            index("level", IndexKind::Integer, false),
            index("ratio", IndexKind::Float, false),
            index("alive", IndexKind::Boolean, false),
            index("seen", IndexKind::DateTime, false),
            index("tags", IndexKind::String, true),
            index("extra.any", IndexKind::Any, false),
        ],
        refs: &[],
        display_name: None,
        default_status: None,
        encoding: None,
        version: None,
    };

    fn check(path: &str, op: Operator, value: Value) -> Result<()> {
        Query::from(Condition::compare(FieldPath::parse(path), op, value)).validate(&MONSTER)
    }

    fn problem(path: &str, op: Operator, value: Value) -> String {
        match check(path, op, value.clone()) {
            Err(Error::BadQuery { parameter, message }) => {
                assert_eq!(parameter, "conditions");
                message
            }
            other => panic!("{path} {op} {value}: expected BadQuery, got {other:?}"),
        }
    }

    #[test]
    fn accepts_well_typed_conditions() {
        let ok = [
            ("name", Operator::Eq, json!("x")),
            ("name", Operator::Eq, json!(null)),
            ("level", Operator::Gt, json!(3)),
            ("level", Operator::Lte, json!(2.5)),
            ("ratio", Operator::In, json!([1, 2.5])),
            ("alive", Operator::Ne, json!(false)),
            ("seen", Operator::Gte, json!("2026-01-02T03:04:05+01:00")),
            ("seen", Operator::StartsWith, json!("2026-01")),
            ("tags", Operator::Contains, json!("red")),
            ("tags", Operator::Exists, json!(true)),
            ("name", Operator::Regex, json!("^a.*b$")),
            ("extra.any", Operator::Eq, json!(true)),
            ("extra.any", Operator::Gt, json!("x")),
            ("created_time", Operator::Lt, json!("2026-01-02T03:04:05Z")),
            ("rev_status", Operator::In, json!(["draft", "stable"])),
            ("total_revision_count", Operator::Gte, json!(2)),
            ("schema_version", Operator::IsNull, json!(true)),
            ("level", Operator::NotIn, json!([])),
            // Null is unknown, never wrong, whatever the operator.
            ("name", Operator::Contains, json!(null)),
            ("name", Operator::StartsWith, json!(null)),
            ("name", Operator::Regex, json!(null)),
            ("level", Operator::Gt, json!(null)),
            ("tags", Operator::Contains, json!(null)),
            // An untyped field takes any well-formed operand (a mismatch is unknown).
            ("extra.any", Operator::Gt, json!(false)),
        ];
        for (path, op, value) in ok {
            assert!(
                check(path, op, value.clone()).is_ok(),
                "{path} {op} {value}: {:?}",
                check(path, op, value.clone())
            );
        }
    }

    #[test]
    fn rejects_unindexed_fields_naming_them() {
        let message = problem("hp", Operator::Eq, json!(1));
        assert_eq!(
            message,
            "field `hp` of monster is not indexed; indexed fields: name, level, ratio, alive, seen, tags, extra.any"
        );
        let sorts = Query::new().sort(Sort::asc(FieldPath::data("hp")));
        match sorts.validate(&MONSTER) {
            Err(Error::BadQuery { parameter, message }) => {
                assert_eq!(parameter, "sorts");
                assert!(message.contains("`hp` of monster is not indexed"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            Query::new()
                .sort(Sort::desc(MetaField::SchemaVersion))
                .validate(&MONSTER)
                .is_ok()
        );
    }

    #[test]
    fn rejects_bad_shapes_and_types() {
        let cases = [
            ("level", Operator::In, json!(3), "needs a list"),
            ("level", Operator::NotIn, json!([[1]]), "list of scalars"),
            ("level", Operator::Exists, json!("yes"), "true or false"),
            ("level", Operator::IsNa, json!(1), "true or false"),
            (
                "name",
                Operator::Regex,
                json!("(unclosed"),
                "invalid pattern",
            ),
            ("name", Operator::StartsWith, json!(1), "needs a string"),
            ("name", Operator::Eq, json!([1]), "needs a scalar"),
            // Typed rejections: the operand is well-formed, but not for this field.
            (
                "name",
                Operator::Gt,
                json!(true),
                "needs a string, got true",
            ),
            (
                "level",
                Operator::Gt,
                json!([1]),
                "needs an integer, got [1]",
            ),
            ("alive", Operator::Gt, json!(false), "cannot order booleans"),
            (
                "level",
                Operator::Eq,
                json!("x"),
                "needs an integer, got \"x\"",
            ),
            ("level", Operator::In, json!([1, "2"]), "needs an integer"),
            ("ratio", Operator::Gt, json!("1"), "needs a number"),
            ("alive", Operator::Eq, json!(1), "needs a boolean"),
            ("alive", Operator::Gt, json!(1), "cannot order booleans"),
            ("name", Operator::Lt, json!(3), "needs a string"),
            (
                "level",
                Operator::Contains,
                json!("1"),
                "needs a string field",
            ),
            ("level", Operator::Regex, json!("1"), "needs a string field"),
            ("seen", Operator::Gte, json!("2026-01-02"), "RFC 3339"),
            (
                "seen",
                Operator::Gte,
                json!("2026-01-02T03:04:05"),
                "RFC 3339",
            ),
            ("created_time", Operator::Eq, json!(5), "RFC 3339"),
            ("tags", Operator::Eq, json!("red"), "is a list"),
            ("tags", Operator::In, json!(["red"]), "is a list"),
            ("tags", Operator::Contains, json!(1), "needs a string"),
            (
                "rev_status",
                Operator::Eq,
                json!("published"),
                "unknown revision status",
            ),
            ("is_deleted", Operator::Eq, json!("true"), "needs a boolean"),
        ];
        for (path, op, value, expected) in cases {
            let message = problem(path, op, value.clone());
            assert!(message.contains(expected), "{path} {op} {value}: {message}");
            assert!(message.contains(&format!("`{path}`")), "{message}");
        }
    }

    #[test]
    fn validates_nested_conditions_and_names_the_given_parameter() {
        let ok = Condition::compare(FieldPath::parse("level"), Operator::Gt, 1);
        let bad = Condition::compare(FieldPath::parse("hp"), Operator::Gt, 1);
        let q = Query::from(ok.clone() & !(ok | bad));
        match q.validate_as(&MONSTER, "qb") {
            Err(Error::BadQuery { parameter, message }) => {
                assert_eq!(parameter, "qb");
                assert!(message.contains("`hp`"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prepare_normalizes_time_literals_only_on_time_fields() {
        let q = Query::from(
            Condition::compare(
                FieldPath::parse("seen"),
                Operator::In,
                json!(["2026-01-02T03:04:05+01:00", null]),
            ) & Condition::compare(
                MetaField::UpdatedTime,
                Operator::Lt,
                "2026-01-02T03:04:05.5Z",
            ) & Condition::compare(
                FieldPath::parse("seen"),
                Operator::StartsWith,
                "2026-01-02T03:04:05+01:00",
            ) & Condition::compare(
                FieldPath::parse("name"),
                Operator::Eq,
                "2026-01-02T03:04:05+01:00",
            ),
        )
        .prepare(&MONSTER)
        .unwrap();
        let Some(Condition::And(parts)) = q.condition else {
            panic!()
        };
        let values: Vec<Value> = parts
            .into_iter()
            .map(|c| match c {
                Condition::Compare { value, .. } => value,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            values,
            vec![
                json!(["2026-01-02T02:04:05.000000Z", null]),
                json!("2026-01-02T03:04:05.500000Z"),
                json!("2026-01-02T03:04:05+01:00"),
                json!("2026-01-02T03:04:05+01:00"),
            ]
        );
    }
}
