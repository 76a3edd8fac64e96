//! The JSON wire format of conditions and sorts (the `conditions` and `sorts` query
//! parameters of http-api.md):
//!
//! - a comparison: `{"field_path": "level", "operator": "gt", "value": 3}`;
//! - a group: `{"operator": "and" | "or" | "not", "conditions": [...]}` (`not` takes exactly
//!   one condition);
//! - a sort: `{"type": "meta", "key": "created_time", "direction": "+"}` or
//!   `{"type": "data", "field_path": "level", "direction": "-"}`.
//!
//! A field path is one string: a meta field name (`"created_by"`) or a dotted data path.
//! Unknown keys are ignored; a missing `direction` means `"+"`.

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::tree::{Condition, Direction, FieldPath, LogicOp, MetaField, Operator, Sort};
use crate::model::{Error, Result};

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let path = std::borrow::Cow::<str>::deserialize(d)?;
        if path.is_empty() {
            return Err(de::Error::custom("a field path must not be empty"));
        }
        Ok(FieldPath::parse(&path))
    }
}

impl Serialize for Direction {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Direction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        match &*s {
            "+" => Ok(Direction::Asc),
            "-" => Ok(Direction::Desc),
            other => Err(de::Error::custom(format!(
                "unknown sort direction `{other}` (expected \"+\" or \"-\")"
            ))),
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Condition::Compare { field, op, value } => {
                let mut map = s.serialize_map(Some(3))?;
                map.serialize_entry("field_path", field)?;
                map.serialize_entry("operator", op)?;
                map.serialize_entry("value", value)?;
                map.end()
            }
            Condition::And(children) | Condition::Or(children) => {
                let op = match self {
                    Condition::And(_) => LogicOp::And,
                    _ => LogicOp::Or,
                };
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("operator", &op)?;
                map.serialize_entry("conditions", children)?;
                map.end()
            }
            Condition::Not(inner) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("operator", &LogicOp::Not)?;
                map.serialize_entry("conditions", std::slice::from_ref(&**inner))?;
                map.end()
            }
        }
    }
}

/// The union of both condition shapes, as read.
#[derive(Deserialize)]
struct RawCondition {
    #[serde(default)]
    field_path: Option<FieldPath>,
    operator: String,
    /// `Some(Value::Null)` for an explicit null, `None` when the key is missing.
    #[serde(default, deserialize_with = "present")]
    value: Option<serde_json::Value>,
    #[serde(default)]
    conditions: Option<Vec<Condition>>,
}

fn present<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = RawCondition::deserialize(d)?;
        if let Some(group) = LogicOp::from_name(&raw.operator) {
            let Some(mut children) = raw.conditions else {
                return Err(de::Error::custom(format!(
                    "a `{}` group needs a `conditions` list",
                    group.as_str()
                )));
            };
            return Ok(match group {
                LogicOp::And => Condition::And(children),
                LogicOp::Or => Condition::Or(children),
                LogicOp::Not => {
                    if children.len() != 1 {
                        return Err(de::Error::custom(format!(
                            "a `not` group takes exactly one condition, got {}",
                            children.len()
                        )));
                    }
                    Condition::Not(Box::new(children.remove(0)))
                }
            });
        }
        let Some(op) = Operator::from_name(&raw.operator) else {
            let known: Vec<&str> = Operator::ALL.iter().map(|op| op.as_str()).collect();
            return Err(de::Error::custom(format!(
                "unknown operator `{}` (expected one of: {}, and, or, not)",
                raw.operator,
                known.join(", ")
            )));
        };
        let Some(field) = raw.field_path else {
            return Err(de::Error::custom(format!(
                "a `{op}` condition needs a `field_path`"
            )));
        };
        let Some(value) = raw.value else {
            return Err(de::Error::custom(format!(
                "the `{op}` condition on `{field}` needs a `value`"
            )));
        };
        Ok(Condition::Compare { field, op, value })
    }
}

impl Serialize for Sort {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        match &self.field {
            FieldPath::Meta(meta) => {
                map.serialize_entry("type", "meta")?;
                map.serialize_entry("key", meta)?;
            }
            FieldPath::Data(path) => {
                map.serialize_entry("type", "data")?;
                map.serialize_entry("field_path", path)?;
            }
        }
        map.serialize_entry("direction", &self.direction)?;
        map.end()
    }
}

#[derive(Deserialize)]
struct RawSort {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    field_path: Option<String>,
    #[serde(default)]
    direction: Option<Direction>,
}

impl<'de> Deserialize<'de> for Sort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = RawSort::deserialize(d)?;
        let direction = raw.direction.unwrap_or(Direction::Asc);
        let field = match raw.kind.as_str() {
            "meta" => {
                let Some(key) = raw.key else {
                    return Err(de::Error::custom("a meta sort needs a `key`"));
                };
                match MetaField::from_name(&key).filter(|m| m.is_wire_sortable()) {
                    Some(meta) => FieldPath::Meta(meta),
                    None => {
                        let allowed: Vec<&str> =
                            MetaField::SORTABLE.iter().map(|m| m.as_str()).collect();
                        return Err(de::Error::custom(format!(
                            "unknown meta sort key `{key}` (allowed: {})",
                            allowed.join(", ")
                        )));
                    }
                }
            }
            "data" => match raw.field_path {
                Some(path) if !path.is_empty() => FieldPath::data(path),
                _ => {
                    return Err(de::Error::custom(
                        "a data sort needs a non-empty `field_path`",
                    ));
                }
            },
            other => {
                return Err(de::Error::custom(format!(
                    "unknown sort type `{other}` (expected \"meta\" or \"data\")"
                )));
            }
        };
        Ok(Sort { field, direction })
    }
}

fn bad_json(parameter: &str, what: &str, err: serde_json::Error) -> Error {
    Error::bad_query(parameter, format!("invalid {what}: {err}"))
}

impl Condition {
    /// Reads the `conditions` (or `data_conditions`) query parameter: a JSON array of
    /// conditions, which all must hold. Bad JSON or a bad shape is `Error::BadQuery` naming
    /// `parameter`.
    ///
    /// ```
    /// # use specstar_runtime::query::{Condition, FieldPath, Operator};
    /// let list = Condition::list_from_json(
    ///     "conditions",
    ///     r#"[{"field_path": "level", "operator": "gte", "value": 3},
    ///         {"operator": "not", "conditions": [{"field_path": "is_deleted", "operator": "eq", "value": true}]}]"#,
    /// ).unwrap();
    /// assert_eq!(list[0], Condition::compare(FieldPath::parse("level"), Operator::Gte, 3));
    /// assert!(Condition::list_from_json("conditions", "[{").is_err());
    /// ```
    pub fn list_from_json(parameter: &str, json: &str) -> Result<Vec<Condition>> {
        serde_json::from_str(json).map_err(|e| bad_json(parameter, "condition list", e))
    }

    /// Reads one condition from JSON (`Error::BadQuery` naming `parameter` on failure).
    pub fn from_json(parameter: &str, json: &str) -> Result<Condition> {
        serde_json::from_str(json).map_err(|e| bad_json(parameter, "condition", e))
    }
}

impl Sort {
    /// Reads the `sorts` query parameter: a JSON array of sorts (`Error::BadQuery` naming
    /// `parameter` on failure).
    ///
    /// ```
    /// # use specstar_runtime::query::{Sort, MetaField};
    /// let sorts = Sort::list_from_json(
    ///     "sorts",
    ///     r#"[{"type": "meta", "key": "updated_time", "direction": "-"},
    ///         {"type": "data", "field_path": "level", "direction": "+"}]"#,
    /// ).unwrap();
    /// assert_eq!(sorts[0], Sort::desc(MetaField::UpdatedTime));
    /// let err = Sort::list_from_json("sorts", r#"[{"type": "meta", "key": "is_deleted"}]"#);
    /// assert!(err.unwrap_err().to_string().contains("`is_deleted`"));
    /// ```
    pub fn list_from_json(parameter: &str, json: &str) -> Result<Vec<Sort>> {
        serde_json::from_str(json).map_err(|e| bad_json(parameter, "sort list", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(c: &Condition) -> Condition {
        let text = serde_json::to_string(c).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn comparison_wire_shape() {
        let c = Condition::compare(FieldPath::parse("stats.hp"), Operator::NotIn, json!([1, 2]));
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"field_path": "stats.hp", "operator": "not_in", "value": [1, 2]})
        );
        let meta = Condition::compare(MetaField::RevStatus, Operator::IsNa, true);
        assert_eq!(
            serde_json::to_value(&meta).unwrap(),
            json!({"field_path": "rev_status", "operator": "isna", "value": true})
        );
        assert_eq!(round_trip(&c), c);
        assert_eq!(round_trip(&meta), meta);
    }

    #[test]
    fn groups_round_trip() {
        let a = Condition::compare(FieldPath::parse("a"), Operator::Eq, 1);
        let b = Condition::compare(FieldPath::parse("created_by"), Operator::Eq, "x");
        let tree = (a.clone() & !(b.clone() | a.clone())) | Condition::And(vec![]);
        let value = serde_json::to_value(&tree).unwrap();
        assert_eq!(value["operator"], "or");
        assert_eq!(value["conditions"][0]["conditions"][1]["operator"], "not");
        assert_eq!(
            value["conditions"][0]["conditions"][1]["conditions"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(round_trip(&tree), tree);
    }

    #[test]
    fn explicit_null_value_is_kept_and_missing_value_is_an_error() {
        let c: Condition =
            serde_json::from_value(json!({"field_path": "a", "operator": "eq", "value": null}))
                .unwrap();
        assert_eq!(
            c,
            Condition::compare(FieldPath::parse("a"), Operator::Eq, json!(null))
        );
        let err = Condition::from_json("conditions", r#"{"field_path": "a", "operator": "eq"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("needs a `value`"), "{err}");
    }

    #[test]
    fn bad_shapes_are_bad_query_errors_naming_the_parameter() {
        let cases = [
            (r#"[{"operator": "not", "conditions": []}]"#, "exactly one"),
            (
                r#"[{"operator": "not", "conditions": [{"operator": "and", "conditions": []}, {"operator": "and", "conditions": []}]}]"#,
                "got 2",
            ),
            (r#"[{"operator": "and"}]"#, "needs a `conditions` list"),
            (
                r#"[{"field_path": "a", "operator": "like", "value": 1}]"#,
                "unknown operator `like`",
            ),
            (
                r#"[{"operator": "eq", "value": 1}]"#,
                "needs a `field_path`",
            ),
            (
                r#"[{"field_path": "", "operator": "eq", "value": 1}]"#,
                "empty",
            ),
            (r#"{"field_path": "a"}"#, "invalid condition list"),
            ("not json", "invalid condition list"),
        ];
        for (json, expected) in cases {
            match Condition::list_from_json("data_conditions", json) {
                Err(Error::BadQuery { parameter, message }) => {
                    assert_eq!(parameter, "data_conditions");
                    assert!(message.contains(expected), "{json}: {message}");
                }
                other => panic!("{json}: expected BadQuery, got {other:?}"),
            }
        }
    }

    #[test]
    fn sorts_wire_shape_and_errors() {
        let sorts = vec![
            Sort::asc(MetaField::CreatedTime),
            Sort::desc(FieldPath::data("stats.hp")),
        ];
        let value = serde_json::to_value(&sorts).unwrap();
        assert_eq!(
            value,
            json!([
                {"type": "meta", "key": "created_time", "direction": "+"},
                {"type": "data", "field_path": "stats.hp", "direction": "-"}
            ])
        );
        assert_eq!(
            Sort::list_from_json("sorts", &value.to_string()).unwrap(),
            sorts
        );
        // A data sort keeps its path as data even when it spells a meta name.
        let data = Sort::list_from_json(
            "sorts",
            r#"[{"type": "data", "field_path": "created_time"}]"#,
        )
        .unwrap();
        assert_eq!(data, vec![Sort::asc(FieldPath::data("created_time"))]);
        for (json, expected) in [
            (r#"[{"type": "meta", "key": "created_by"}]"#, "`created_by`"),
            (r#"[{"type": "meta"}]"#, "needs a `key`"),
            (r#"[{"type": "data"}]"#, "field_path"),
            (r#"[{"type": "x", "key": "a"}]"#, "unknown sort type"),
            (
                r#"[{"type": "meta", "key": "resource_id", "direction": "asc"}]"#,
                "direction",
            ),
        ] {
            let err = Sort::list_from_json("sorts", json).unwrap_err();
            assert!(
                matches!(&err, Error::BadQuery { parameter, message } if parameter == "sorts" && message.contains(expected)),
                "{json}: {err}"
            );
        }
    }
}
