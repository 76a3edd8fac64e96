//! The "query inputs" shared by list, count, batch delete and batch restore, and their
//! translation into a [`Query`].
//!
//! Parameters (http-api.md, "Query parameters shared by …"): `qb`, `is_deleted`,
//! `created_time_start/end`, `updated_time_start/end`, `created_bys`, `updated_bys`,
//! `rev_statuses`, `rev_created_bys`, `rev_updated_bys`, `rev_created_time_start/end`,
//! `rev_updated_time_start/end`, `conditions`, `data_conditions`, `sorts`, `limit`, `offset`.
//! List parameters are repeatable (`created_bys=a&created_bys=b`, also spelled
//! `created_bys[]=a`). Unknown parameters are ignored.
//!
//! Rules:
//! - `qb` cannot be combined with `conditions`, `data_conditions`, `sorts` or any explicit
//!   time/user/revision filter (422); `is_deleted` is ANDed into it, and URL `limit`/`offset`
//!   override its paging;
//! - `is_deleted` defaults to `false`: deleted resources are left out unless `is_deleted=true`
//!   (which selects the deleted ones);
//! - time bounds are RFC 3339 and must carry an offset (a naive time is a 400); bounds are
//!   inclusive;
//! - `limit` defaults to the configured default (unbounded when none) and is capped by the
//!   configured maximum; `limit=0` selects nothing.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{Error, Result, RevisionStatus, Timestamp, wire_time};
use crate::query::{Condition, FieldPath, MetaField, Operator, Query, Sort, parse_qb_at};
use crate::resource::ResourceDescriptor;

/// The decoded URL query string: `(name, value)` pairs in order, names with a trailing `[]`
/// normalised (`partial[]` → `partial`).
#[derive(Debug, Clone, Default)]
pub struct QueryString {
    pairs: Vec<(String, String)>,
}

impl QueryString {
    /// Decode a raw query string (`a=1&b=2`); `None` is an empty query.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|raw| {
                form_urlencoded::parse(raw.as_bytes())
                    .map(|(k, v)| {
                        let k = k.strip_suffix("[]").unwrap_or(&k).to_owned();
                        (k, v.into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        QueryString { pairs }
    }

    /// Whether parameter `name` is present at all.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// The value of a single-valued parameter (the last one when repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable parameter, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A boolean (`true/false`, `1/0`, `yes/no`, `on/off`, case-insensitive).
    pub fn bool(&self, name: &str) -> Result<Option<bool>> {
        self.get(name).map(|v| parse_bool(name, v)).transpose()
    }

    /// A non-negative integer.
    pub fn usize(&self, name: &str) -> Result<Option<usize>> {
        self.get(name)
            .map(|v| {
                v.trim().parse::<usize>().map_err(|_| {
                    Error::bad_query(name, format!("expected a non-negative integer, got `{v}`"))
                })
            })
            .transpose()
    }

    /// An RFC 3339 time with an offset.
    pub fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
        self.get(name).map(|v| parse_time(name, v)).transpose()
    }
}

/// Parse a boolean query value.
pub fn parse_bool(name: &str, raw: &str) -> Result<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(Error::bad_query(
            name,
            format!("expected a boolean (`true` or `false`), got `{raw}`"),
        )),
    }
}

/// Parse an RFC 3339 time that carries an offset (`Z` or `±hh:mm`); a naive time is an error.
///
/// An unescaped `+` in a URL decodes to a space, so `…T10:00:00 02:00` is read as
/// `…T10:00:00+02:00`.
pub fn parse_time(name: &str, raw: &str) -> Result<DateTime<Utc>> {
    let raw = raw.trim();
    let parsed = DateTime::parse_from_rfc3339(raw).or_else(|e| {
        // `2026-01-01T10:00:00 02:00`: a `+` offset whose `+` became a space.
        match raw.rsplit_once(' ') {
            Some((head, offset)) if head.contains('T') && offset.contains(':') => {
                DateTime::parse_from_rfc3339(&format!("{head}+{offset}"))
            }
            _ => Err(e),
        }
    });
    match parsed {
        Ok(t) => Ok(t.with_timezone(&Utc)),
        Err(_) if chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").is_ok() => {
            Err(Error::bad_query(
                name,
                format!("time `{raw}` has no UTC offset; add `Z` or `+hh:mm` (e.g. `{raw}Z`)"),
            ))
        }
        Err(e) => Err(Error::bad_query(
            name,
            format!("expected an RFC 3339 time such as `2026-01-01T00:00:00Z`, got `{raw}` ({e})"),
        )),
    }
}

/// Limits applied to every query coming over HTTP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryLimits {
    /// `limit` when the request gives none (`None`: unbounded).
    pub default_limit: Option<usize>,
    /// The largest `limit` honoured; larger values (and a missing limit) are capped to it.
    pub max_limit: Option<usize>,
}

impl QueryLimits {
    fn apply(&self, limit: Option<usize>) -> Option<usize> {
        let limit = limit.or(self.default_limit);
        match (limit, self.max_limit) {
            (Some(l), Some(max)) => Some(l.min(max)),
            (None, Some(max)) => Some(max),
            (l, None) => l,
        }
    }
}

/// A time-bound parameter and the meta field it bounds.
const TIME_BOUNDS: [(&str, MetaField, Operator); 8] = [
    ("created_time_start", MetaField::CreatedTime, Operator::Gte),
    ("created_time_end", MetaField::CreatedTime, Operator::Lte),
    ("updated_time_start", MetaField::UpdatedTime, Operator::Gte),
    ("updated_time_end", MetaField::UpdatedTime, Operator::Lte),
    (
        "rev_created_time_start",
        MetaField::RevCreatedTime,
        Operator::Gte,
    ),
    (
        "rev_created_time_end",
        MetaField::RevCreatedTime,
        Operator::Lte,
    ),
    (
        "rev_updated_time_start",
        MetaField::RevUpdatedTime,
        Operator::Gte,
    ),
    (
        "rev_updated_time_end",
        MetaField::RevUpdatedTime,
        Operator::Lte,
    ),
];

/// A repeatable user/status filter parameter and the meta field it filters.
const LIST_FILTERS: [(&str, MetaField); 5] = [
    ("created_bys", MetaField::CreatedBy),
    ("updated_bys", MetaField::UpdatedBy),
    ("rev_statuses", MetaField::RevStatus),
    ("rev_created_bys", MetaField::RevCreatedBy),
    ("rev_updated_bys", MetaField::RevUpdatedBy),
];

/// Parameters that cannot be combined with `qb`.
const EXCLUSIVE_WITH_QB: [&str; 3] = ["conditions", "data_conditions", "sorts"];

/// How the deleted state is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletedFilter {
    /// From the `is_deleted` parameter (default `false`).
    FromRequest,
    /// Always this value (batch delete: `false`, batch restore: `true`).
    Fixed(bool),
}

/// Translate the query inputs of `qs` into a [`Query`] on model `model`.
///
/// `with_paging = false` (count) ignores `limit` and `offset`. `now` (called only for a `qb`)
/// anchors the calendar helpers of `qb` (`today()`, `last_n_days(n)`, `datetime.now()`, …):
/// the HTTP clock when one is configured, so they agree with the times writes record.
pub fn to_query(
    descriptor: &ResourceDescriptor,
    qs: &QueryString,
    deleted: DeletedFilter,
    limits: QueryLimits,
    now: impl FnOnce() -> Timestamp,
    with_paging: bool,
) -> Result<Query> {
    let is_deleted = match deleted {
        DeletedFilter::FromRequest => qs.bool("is_deleted")?.unwrap_or(false),
        DeletedFilter::Fixed(v) => v,
    };
    let deleted_condition = meta_cmp(MetaField::IsDeleted, Operator::Eq, Value::Bool(is_deleted));

    let query = if let Some(qb) = qs.get("qb") {
        let explicit: Vec<&str> = EXCLUSIVE_WITH_QB
            .iter()
            .copied()
            .chain(TIME_BOUNDS.iter().map(|(n, ..)| *n))
            .chain(LIST_FILTERS.iter().map(|(n, _)| *n))
            .filter(|n| qs.has(n))
            .collect();
        if !explicit.is_empty() {
            return Err(Error::Validation {
                resource: descriptor.name.to_owned(),
                field: Some("qb".into()),
                message: format!(
                    "`qb` cannot be combined with {}; put every filter and sort in the qb expression",
                    explicit
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        // validated against the model while parsing (errors name `qb` and point at the spot)
        let mut query = parse_qb_at(qb, Some(descriptor), now())?.into_query();
        query.condition = Some(and(query.condition.take(), deleted_condition));
        query
    } else {
        let mut all = vec![deleted_condition];
        for (name, field, op) in TIME_BOUNDS {
            if let Some(t) = qs.time(name)? {
                all.push(meta_cmp(field, op, Value::String(wire_time::format(&t))));
            }
        }
        for (name, field) in LIST_FILTERS {
            let values = qs.all(name);
            if values.is_empty() {
                continue;
            }
            if field == MetaField::RevStatus {
                for v in &values {
                    v.parse::<RevisionStatus>().map_err(|_| {
                        Error::bad_query(
                            name,
                            format!("unknown revision status `{v}` (expected `draft` or `stable`)"),
                        )
                    })?;
                }
            }
            let list = values.into_iter().map(Value::String).collect();
            all.push(meta_cmp(field, Operator::In, Value::Array(list)));
        }
        for name in ["conditions", "data_conditions"] {
            if let Some(raw) = qs.get(name) {
                all.push(parse_conditions(name, raw)?);
            }
        }
        let sorts = match qs.get("sorts") {
            Some(raw) => parse_sorts(raw)?,
            None => Vec::new(),
        };
        Query {
            condition: Some(Condition::And(all)),
            sorts,
            limit: None,
            offset: 0,
        }
    };

    // validate against the model (indexed fields, operand types) and normalise time literals
    let query = if qs.has("qb") {
        query.prepare_as(descriptor, "qb")?
    } else {
        query.prepare(descriptor)?
    };
    let mut query = query;
    if with_paging {
        if let Some(limit) = qs.usize("limit")? {
            query.limit = Some(limit);
        }
        if let Some(offset) = qs.usize("offset")? {
            query.offset = offset;
        }
        query.limit = limits.apply(query.limit);
    } else {
        query.limit = None;
        query.offset = 0;
    }
    Ok(query)
}

fn meta_cmp(field: MetaField, op: Operator, value: Value) -> Condition {
    Condition::Compare {
        field: FieldPath::Meta(field),
        op,
        value,
    }
}

fn and(a: Option<Condition>, b: Condition) -> Condition {
    match a {
        None => Condition::And(vec![b]),
        Some(Condition::And(mut all)) => {
            all.push(b);
            Condition::And(all)
        }
        Some(a) => Condition::And(vec![a, b]),
    }
}

/// `conditions=` / `data_conditions=`: a JSON array of conditions (ANDed). Bad JSON → 400.
fn parse_conditions(name: &str, raw: &str) -> Result<Condition> {
    let conditions: Vec<Condition> = serde_json::from_str(raw)
        .map_err(|e| Error::bad_query(name, format!("expected a JSON array of conditions: {e}")))?;
    Ok(Condition::And(conditions))
}

/// `sorts=`: a JSON array of sort keys. Bad JSON → 400.
fn parse_sorts(raw: &str) -> Result<Vec<Sort>> {
    serde_json::from_str(raw)
        .map_err(|e| Error::bad_query("sorts", format!("expected a JSON array of sorts: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::resource::{IndexKind, IndexSpec};

    static ZONE: ResourceDescriptor = ResourceDescriptor {
        name: "zone",
        type_name: "Zone",
        description: None,
        indexes: &[IndexSpec {
            path: "level",
            kind: IndexKind::Integer,
            unique: false,
            nullable: false,
            list: false,
        }],
        refs: &[],
        display_name: None,
        default_status: None,
        encoding: None,
        version: None,
    };

    fn query(raw: &str) -> Result<Query> {
        to_query(
            &ZONE,
            &QueryString::parse(Some(raw)),
            DeletedFilter::FromRequest,
            QueryLimits::default(),
            crate::model::now,
            true,
        )
    }

    fn conditions_of(q: &Query) -> Vec<Condition> {
        match q.condition.clone() {
            Some(Condition::And(all)) => all,
            other => panic!("expected an And, got {other:?}"),
        }
    }

    #[test]
    fn is_deleted_defaults_to_false_and_is_anded() {
        let q = query("").unwrap();
        assert_eq!(
            conditions_of(&q),
            [meta_cmp(MetaField::IsDeleted, Operator::Eq, json!(false))]
        );
        let q = query("is_deleted=true").unwrap();
        assert_eq!(
            conditions_of(&q),
            [meta_cmp(MetaField::IsDeleted, Operator::Eq, json!(true))]
        );
        assert!(query("is_deleted=maybe").is_err());
    }

    #[test]
    fn time_bounds_need_an_offset_and_are_normalised() {
        let q = query("created_time_start=2026-01-01T10:00:00%2B02:00").unwrap();
        assert_eq!(
            conditions_of(&q)[1],
            meta_cmp(
                MetaField::CreatedTime,
                Operator::Gte,
                json!("2026-01-01T08:00:00.000000Z")
            )
        );
        // an unescaped `+` arrives as a space
        let q = query("updated_time_end=2026-01-01T10:00:00+02:00").unwrap();
        assert_eq!(
            conditions_of(&q)[1],
            meta_cmp(
                MetaField::UpdatedTime,
                Operator::Lte,
                json!("2026-01-01T08:00:00.000000Z")
            )
        );
        let e = query("created_time_end=2026-01-01T10:00:00").unwrap_err();
        assert!(
            matches!(&e, Error::BadQuery { parameter, message } if parameter == "created_time_end" && message.contains("offset")),
            "{e}"
        );
        assert!(query("rev_created_time_start=yesterday").is_err());
    }

    #[test]
    fn repeatable_user_filters_become_in() {
        let q = query("created_bys=alice&created_bys[]=bob&rev_statuses=draft").unwrap();
        let all = conditions_of(&q);
        assert!(all.contains(&meta_cmp(
            MetaField::CreatedBy,
            Operator::In,
            json!(["alice", "bob"])
        )));
        assert!(all.contains(&meta_cmp(
            MetaField::RevStatus,
            Operator::In,
            json!(["draft"])
        )));
        assert!(query("rev_statuses=final").is_err());
    }

    #[test]
    fn qb_is_exclusive_with_explicit_filters() {
        let e = query("qb=QB.level>1&created_bys=alice").unwrap_err();
        assert!(matches!(&e, Error::Validation { .. }), "{e}");
        assert_eq!(e.status().as_u16(), 422);
        let e = query("qb=QB.level>1&sorts=[]").unwrap_err();
        assert_eq!(e.status().as_u16(), 422);
    }

    #[test]
    fn paging_limits_default_cap_and_zero() {
        assert_eq!(query("").unwrap().limit, None);
        assert_eq!(query("limit=0").unwrap().limit, Some(0));
        assert_eq!(query("limit=5&offset=2").unwrap().offset, 2);
        assert!(query("limit=-1").is_err());
        assert!(query("offset=x").is_err());
        let limits = QueryLimits {
            default_limit: Some(10),
            max_limit: Some(100),
        };
        let q = |raw| {
            to_query(
                &ZONE,
                &QueryString::parse(Some(raw)),
                DeletedFilter::FromRequest,
                limits,
                crate::model::now,
                true,
            )
            .unwrap()
            .limit
        };
        assert_eq!(q(""), Some(10));
        assert_eq!(q("limit=1000"), Some(100));
        assert_eq!(q("limit=7"), Some(7));
    }

    #[test]
    fn count_ignores_paging_and_fixed_deleted_wins() {
        let q = to_query(
            &ZONE,
            &QueryString::parse(Some("limit=1&offset=3&is_deleted=false")),
            DeletedFilter::Fixed(true),
            QueryLimits::default(),
            crate::model::now,
            false,
        )
        .unwrap();
        assert_eq!((q.limit, q.offset), (None, 0));
        assert_eq!(
            conditions_of(&q),
            [meta_cmp(MetaField::IsDeleted, Operator::Eq, json!(true))]
        );
    }

    #[test]
    fn conditions_and_sorts_use_the_wire_format_and_are_validated() {
        let conditions = enc(r#"[{"field_path": "level", "operator": "gte", "value": 3},
                {"operator": "or", "conditions": [{"field_path": "created_by", "operator": "eq", "value": "alice"}]}]"#);
        let sorts = enc(r#"[{"type": "data", "field_path": "level", "direction": "-"}]"#);
        let q = query(&format!("conditions={conditions}&sorts={sorts}")).unwrap();
        let all = conditions_of(&q);
        assert_eq!(all.len(), 2, "is_deleted and the conditions group: {all:?}");
        assert_eq!(q.sorts.len(), 1);
        assert_eq!(q.sorts[0].direction, crate::query::Direction::Desc);
        // a field that is not indexed is a clear 400 naming the parameter
        let bad = enc(r#"[{"field_path": "hp", "operator": "eq", "value": 1}]"#);
        let e = query(&format!("conditions={bad}")).unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        assert!(e.to_string().contains("hp"), "{e}");
        let bad_sort = enc(r#"[{"type": "meta", "key": "colour"}]"#);
        assert_eq!(
            query(&format!("sorts={bad_sort}"))
                .unwrap_err()
                .status()
                .as_u16(),
            400
        );
    }

    fn enc(raw: &str) -> String {
        form_urlencoded::byte_serialize(raw.as_bytes()).collect()
    }

    #[test]
    fn qb_calendar_helpers_use_the_given_clock() {
        let at = chrono::DateTime::parse_from_rfc3339("2031-03-04T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let qs = QueryString::parse(Some("qb=QB.created_time().today()"));
        let q = to_query(
            &ZONE,
            &qs,
            DeletedFilter::FromRequest,
            QueryLimits::default(),
            || at,
            true,
        )
        .unwrap();
        let text = format!("{:?}", q.condition);
        assert!(text.contains("2031-03-04T00:00:00.000000Z"), "{text}");
        assert!(text.contains("2031-03-05T00:00:00.000000Z"), "{text}");
        // without `qb` the clock is never asked
        to_query(
            &ZONE,
            &QueryString::parse(Some("limit=1")),
            DeletedFilter::FromRequest,
            QueryLimits::default(),
            || panic!("the clock is only read for qb"),
            true,
        )
        .unwrap();
    }

    #[test]
    fn bad_json_in_conditions_or_sorts_is_400() {
        for raw in ["conditions=[{", "data_conditions=42", "sorts={"] {
            let e = query(raw).unwrap_err();
            assert_eq!(e.status().as_u16(), 400, "{raw}: {e}");
        }
    }
}
