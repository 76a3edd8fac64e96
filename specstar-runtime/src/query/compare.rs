//! How looked-up values compare with literals and with each other: JSON equality with numeric
//! numbers, order between numbers or between strings, and the sort order of mixed values.
//! Shared by the evaluator and the sorter so both agree.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::tree::{FieldPath, MetaField};
use crate::model::{ResourceMeta, Timestamp, wire_time};

/// A JSON number without losing integer precision: two integers compare exactly, anything
/// involving a float compares as `f64`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    U(u64),
    F(f64),
}

impl Num {
    pub(crate) fn of(n: &Number) -> Num {
        if let Some(i) = n.as_i64() {
            Num::I(i)
        } else if let Some(u) = n.as_u64() {
            Num::U(u)
        } else {
            Num::F(n.as_f64().unwrap_or(0.0))
        }
    }

    /// Exact numeric order. An integer and a float compare by their exact values, not by
    /// rounding the integer to `f64`: rounding made 2^53 + 1 equal to 2^53 as a float while
    /// greater than 2^53 as an integer, an order that is not transitive (a sort over it
    /// depended on the input order, and `sort_by` may panic on such an order).
    pub(crate) fn cmp(self, other: Num) -> Ordering {
        match (self.widened(), other.widened()) {
            (Wide::Int(a), Wide::Int(b)) => a.cmp(&b),
            (Wide::Int(a), Wide::Float(b)) => int_float_cmp(a, b),
            (Wide::Float(a), Wide::Int(b)) => int_float_cmp(b, a).reverse(),
            // JSON numbers are never NaN.
            (Wide::Float(a), Wide::Float(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        }
    }

    fn widened(self) -> Wide {
        match self {
            Num::I(i) => Wide::Int(i128::from(i)),
            Num::U(u) => Wide::Int(i128::from(u)),
            Num::F(f) => Wide::Float(f),
        }
    }
}

/// A number with every integer (i64 or u64) in one type.
enum Wide {
    Int(i128),
    Float(f64),
}

/// The exact order of an integer and a float.
fn int_float_cmp(i: i128, f: f64) -> Ordering {
    // Every integer we hold (i64 or u64) lies strictly inside ±2^127.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0; // 2^127
    if f.is_nan() {
        return Ordering::Equal;
    }
    if f >= LIMIT {
        return Ordering::Less;
    }
    if f < -LIMIT {
        return Ordering::Greater;
    }
    let whole = f.trunc();
    // Exact: `whole` is an integer inside the i128 range.
    #[allow(clippy::cast_possible_truncation)]
    let whole_int = whole as i128;
    i.cmp(&whole_int).then_with(|| {
        // Same integer part: the float's fraction decides.
        if f > whole {
            Ordering::Less
        } else if f < whole {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    })
}

/// A present value as looked up in a meta, borrowed where possible. Meta times stay
/// timestamps (formatting them for every row would be slow); they behave exactly like their
/// wire-format string.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Num(Num),
    Str(&'a str),
    Time(Timestamp),
    List(&'a [Value]),
    Object,
}

impl<'a> Val<'a> {
    pub(crate) fn of(value: &'a Value) -> Val<'a> {
        match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(Num::of(n)),
            Value::String(s) => Val::Str(s),
            Value::Array(items) => Val::List(items),
            Value::Object(_) => Val::Object,
        }
    }

    /// The text of a string or time value.
    pub(crate) fn text(self) -> Option<std::borrow::Cow<'a, str>> {
        match self {
            Val::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            Val::Time(t) => Some(std::borrow::Cow::Owned(wire_time::format(&t))),
            _ => None,
        }
    }
}

/// The value of `field` in `meta`: `None` when a data key is absent.
pub(crate) fn lookup<'a>(meta: &'a ResourceMeta, field: &FieldPath) -> Option<Val<'a>> {
    match field {
        FieldPath::Data(path) => meta.indexed_data.get(path.as_ref()).map(Val::of),
        FieldPath::Meta(m) => Some(match m {
            MetaField::ResourceId => Val::Str(&meta.resource_id),
            MetaField::CurrentRevisionId => Val::Str(&meta.current_revision_id),
            MetaField::CreatedTime => Val::Time(meta.created_time),
            MetaField::UpdatedTime => Val::Time(meta.updated_time),
            MetaField::CreatedBy => Val::Str(&meta.created_by),
            MetaField::UpdatedBy => Val::Str(&meta.updated_by),
            MetaField::IsDeleted => Val::Bool(meta.is_deleted),
            MetaField::SchemaVersion => match &meta.schema_version {
                Some(v) => Val::Str(v),
                None => Val::Null,
            },
            MetaField::TotalRevisionCount => Val::Num(Num::U(meta.total_revision_count)),
            MetaField::RevStatus => Val::Str(meta.rev_status.as_str()),
            MetaField::RevCreatedBy => Val::Str(&meta.rev_created_by),
            MetaField::RevUpdatedBy => Val::Str(&meta.rev_updated_by),
            MetaField::RevCreatedTime => Val::Time(meta.rev_created_time),
            MetaField::RevUpdatedTime => Val::Time(meta.rev_updated_time),
        }),
    }
}

/// A literal of a condition, prepared once per query.
#[derive(Debug, Clone)]
pub(crate) struct Lit {
    pub(crate) value: Value,
    /// The time a wire-format string literal spells (`None` if it is not one exactly), so a
    /// meta time compares without being formatted.
    time: Option<Timestamp>,
}

impl Lit {
    pub(crate) fn new(value: Value) -> Lit {
        let time = match &value {
            Value::String(s) => canonical_time(s),
            _ => None,
        };
        Lit { value, time }
    }
}

/// `Some(t)` when `s` is exactly the wire format of `t`.
fn canonical_time(s: &str) -> Option<Timestamp> {
    if s.len() != 27 || !s.ends_with('Z') {
        return None;
    }
    let t = chrono::DateTime::parse_from_rfc3339(s).ok()?.to_utc();
    (wire_time::format(&t) == s).then_some(t)
}

/// JSON equality of a present scalar `y` and a literal: same type and equal, numbers
/// numerically, bools never equal numbers. Lists and objects equal nothing here.
pub(crate) fn equals(y: Val<'_>, lit: &Lit) -> bool {
    match (y, &lit.value) {
        (Val::Null, Value::Null) => true,
        (Val::Bool(a), Value::Bool(b)) => a == *b,
        (Val::Num(a), Value::Number(b)) => a.cmp(Num::of(b)) == Ordering::Equal,
        (Val::Str(a), Value::String(b)) => a == b,
        (Val::Time(t), Value::String(_)) => lit.time == Some(t),
        _ => false,
    }
}

/// Order of a present value against a literal: two numbers, or two strings (times as their
/// wire strings); `None` for any other pair.
pub(crate) fn order(y: Val<'_>, lit: &Lit) -> Option<Ordering> {
    match (y, &lit.value) {
        (Val::Num(a), Value::Number(b)) => Some(a.cmp(Num::of(b))),
        (Val::Str(a), Value::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Val::Time(t), Value::String(b)) => Some(match lit.time {
            Some(u) => t.cmp(&u),
            None => wire_time::format(&t).as_bytes().cmp(b.as_bytes()),
        }),
        _ => None,
    }
}

/// The sort order of two looked-up values (ascending): numbers < strings < booleans <
/// lists and objects < null = absent. Lists and objects all tie with each other.
pub(crate) fn sort_order(a: Option<Val<'_>>, b: Option<Val<'_>>) -> Ordering {
    fn rank(v: &Option<Val<'_>>) -> u8 {
        match v {
            Some(Val::Num(_)) => 0,
            Some(Val::Str(_) | Val::Time(_)) => 1,
            Some(Val::Bool(_)) => 2,
            Some(Val::List(_) | Val::Object) => 3,
            Some(Val::Null) | None => 4,
        }
    }
    match (a, b) {
        (Some(Val::Num(x)), Some(Val::Num(y))) => x.cmp(y),
        (Some(Val::Str(x)), Some(Val::Str(y))) => x.as_bytes().cmp(y.as_bytes()),
        (Some(Val::Time(x)), Some(Val::Time(y))) => x.cmp(&y),
        (Some(x @ (Val::Str(_) | Val::Time(_))), Some(y @ (Val::Str(_) | Val::Time(_)))) => {
            let (x, y) = (x.text().unwrap_or_default(), y.text().unwrap_or_default());
            x.as_bytes().cmp(y.as_bytes())
        }
        (Some(Val::Bool(x)), Some(Val::Bool(y))) => x.cmp(&y),
        (a, b) => rank(&a).cmp(&rank(&b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_numerically_and_exactly() {
        let one = Lit::new(json!(1.0));
        assert!(equals(Val::Num(Num::I(1)), &one));
        assert!(!equals(Val::Bool(true), &Lit::new(json!(1))));
        let big = Lit::new(json!(9_007_199_254_740_993_i64));
        assert!(!equals(Val::Num(Num::I(9_007_199_254_740_992)), &big));
        assert_eq!(
            order(Val::Num(Num::U(u64::MAX)), &Lit::new(json!(-1))),
            Some(Ordering::Greater)
        );
        assert_eq!(order(Val::Bool(true), &Lit::new(json!(false))), None);
        assert_eq!(order(Val::Str("a"), &Lit::new(json!(1))), None);
    }

    #[test]
    fn number_order_is_exact_and_transitive() {
        const BIG: i64 = 9_007_199_254_740_992; // 2^53
        let nums = [
            Num::I(BIG - 1),
            Num::I(BIG),
            Num::I(BIG + 1),
            Num::I(i64::MAX),
            Num::I(i64::MIN),
            Num::U(u64::MAX),
            Num::F(9_007_199_254_740_992.0),
            Num::F(-0.0),
            Num::F(0.0),
            Num::F(2.5),
            Num::F(-1.5),
            Num::F(1e300),
            Num::F(-1e300),
            Num::F(18_446_744_073_709_551_616.0), // 2^64
            Num::I(0),
            Num::I(2),
            Num::I(3),
        ];
        // The float 2^53 equals the integer 2^53 only, and 2^53 + 1 is above both.
        assert_eq!(
            Num::F(9_007_199_254_740_992.0).cmp(Num::I(BIG)),
            Ordering::Equal
        );
        assert_eq!(
            Num::I(BIG + 1).cmp(Num::F(9_007_199_254_740_992.0)),
            Ordering::Greater
        );
        assert_eq!(Num::F(2.5).cmp(Num::I(2)), Ordering::Greater);
        assert_eq!(Num::I(3).cmp(Num::F(2.5)), Ordering::Greater);
        assert_eq!(Num::F(-1.5).cmp(Num::I(-1)), Ordering::Less);
        assert_eq!(
            Num::U(u64::MAX).cmp(Num::F(18_446_744_073_709_551_616.0)),
            Ordering::Less
        );
        assert_eq!(Num::F(-0.0).cmp(Num::I(0)), Ordering::Equal);
        for a in nums {
            assert_eq!(a.cmp(a), Ordering::Equal, "{a:?}");
            for b in nums {
                assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a:?} vs {b:?}");
                for c in nums {
                    if a.cmp(b).is_le() && b.cmp(c).is_le() {
                        assert!(a.cmp(c).is_le(), "{a:?} <= {b:?} <= {c:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn times_behave_as_their_wire_strings() {
        let t = canonical_time("2026-01-02T03:04:05.000006Z").unwrap();
        assert!(equals(
            Val::Time(t),
            &Lit::new(json!("2026-01-02T03:04:05.000006Z"))
        ));
        // Not the wire format: never equal, ordered by bytes.
        let loose = Lit::new(json!("2026-01-02T03:04:05Z"));
        assert!(!equals(Val::Time(t), &loose));
        assert_eq!(order(Val::Time(t), &loose), Some(Ordering::Less)); // '.' < 'Z'
        assert_eq!(
            order(Val::Time(t), &Lit::new(json!("2026"))),
            Some(Ordering::Greater)
        );
        assert_eq!(canonical_time("2026-01-02T03:04:05.000006+00:00"), None);
    }

    #[test]
    fn sort_order_ranks_types_and_puts_null_last() {
        let vals = [
            Some(Val::Num(Num::F(2.5))),
            Some(Val::Str("a")),
            Some(Val::Bool(false)),
            Some(Val::List(&[])),
            Some(Val::Null),
        ];
        for (i, a) in vals.iter().enumerate() {
            for (j, b) in vals.iter().enumerate() {
                assert_eq!(sort_order(*a, *b), i.cmp(&j));
            }
        }
        assert_eq!(sort_order(None, Some(Val::Null)), Ordering::Equal);
        // Lists and objects tie, whatever they hold.
        let list = [Value::from(1)];
        assert_eq!(
            sort_order(Some(Val::List(&list)), Some(Val::Object)),
            Ordering::Equal
        );
        assert_eq!(
            sort_order(Some(Val::Object), Some(Val::List(&[]))),
            Ordering::Equal
        );
        assert_eq!(
            sort_order(Some(Val::Bool(true)), Some(Val::Object)),
            Ordering::Less
        );
    }
}
