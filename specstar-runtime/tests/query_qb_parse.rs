//! The `qb=` parser: a table of valid expressions and the trees they give, and a table of
//! invalid ones and where their errors point.

use serde_json::{Value, json};
use specstar_runtime::Error;
use specstar_runtime::model::Timestamp;
use specstar_runtime::query::{FieldPath, MetaField, QbQuery, Sort, parse_qb, parse_qb_at};
use specstar_runtime::resource::{IndexKind, IndexSpec, ResourceDescriptor};

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
        index("note", IndexKind::String, false),
        index("stats.hp", IndexKind::Integer, false),
        index("a", IndexKind::Any, false),
        index("b", IndexKind::Any, false),
        index("c", IndexKind::Any, false),
    ],
    refs: &[],
    display_name: None,
    default_status: None,
    encoding: None,
    version: None,
};

/// Wednesday.
fn now() -> Timestamp {
    chrono::DateTime::parse_from_rfc3339("2026-03-04T10:20:30.123456Z")
        .unwrap()
        .to_utc()
}

fn parse(src: &str) -> QbQuery {
    parse_qb_at(src, Some(&MONSTER), now()).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn cond(src: &str) -> Value {
    let qb = parse(src);
    assert!(
        qb.sorts.is_empty() && qb.limit.is_none() && qb.offset.is_none(),
        "{src}"
    );
    serde_json::to_value(
        qb.condition
            .unwrap_or_else(|| panic!("{src}: no condition")),
    )
    .unwrap()
}

fn c(path: &str, op: &str, value: Value) -> Value {
    json!({"field_path": path, "operator": op, "value": value})
}

fn and(items: Vec<Value>) -> Value {
    json!({"operator": "and", "conditions": items})
}

fn or(items: Vec<Value>) -> Value {
    json!({"operator": "or", "conditions": items})
}

fn not(item: Value) -> Value {
    json!({"operator": "not", "conditions": [item]})
}

#[test]
fn comparisons_and_operators() {
    let cases: Vec<(&str, Value)> = vec![
        (r#"QB["level"] > 3"#, c("level", "gt", json!(3))),
        (r#"3 < QB["level"]"#, c("level", "gt", json!(3))),
        (r#"3 >= QB["level"]"#, c("level", "lte", json!(3))),
        (r#"QB.ratio >= 2.5"#, c("ratio", "gte", json!(2.5))),
        (r#"QB['ratio'] == 1e3"#, c("ratio", "eq", json!(1000.0))),
        (r#"QB["level"] == -3"#, c("level", "eq", json!(-3))),
        (r#"QB["level"] != 0x10"#, c("level", "ne", json!(16))),
        (r#"QB["level"] <= 2 + 3 * 4"#, c("level", "lte", json!(14))),
        (
            r#"(QB["a"] == 1) & (QB["b"] == "x")"#,
            and(vec![c("a", "eq", json!(1)), c("b", "eq", json!("x"))]),
        ),
        (
            r#"(QB["a"] == 1) | (QB["b"] != "x") | (QB["c"] < 0)"#,
            or(vec![
                c("a", "eq", json!(1)),
                c("b", "ne", json!("x")),
                c("c", "lt", json!(0)),
            ]),
        ),
        (
            r#"(QB["a"] == 1) | (QB["b"] == 2) & (QB["c"] == 3)"#,
            or(vec![
                c("a", "eq", json!(1)),
                and(vec![c("b", "eq", json!(2)), c("c", "eq", json!(3))]),
            ]),
        ),
        (r#"~(QB["a"] == 1)"#, not(c("a", "eq", json!(1)))),
        (r#"~~(QB["a"] == 1)"#, not(not(c("a", "eq", json!(1))))),
        (
            r#"QB["name"] << ["x", "y"]"#,
            c("name", "in", json!(["x", "y"])),
        ),
        (r#"QB["name"] << ("x",)"#, c("name", "in", json!(["x"]))),
        (
            r#"QB["tags"] >> "red""#,
            c("tags", "contains", json!("red")),
        ),
        (
            r#"QB["name"] % r"^\d+""#,
            c("name", "regex", json!("^\\d+")),
        ),
        (
            r#"QB["name"] == 'it\'s' "!""#,
            c("name", "eq", json!("it's!")),
        ),
        (r#"QB["note"] == None"#, c("note", "eq", Value::Null)),
        (r#"QB["stats"]["hp"] > 1"#, c("stats.hp", "gt", json!(1))),
        (r#"QB["stats.hp"] > 1"#, c("stats.hp", "gt", json!(1))),
        (
            r#"QB["created_by"] == "alice""#,
            c("created_by", "eq", json!("alice")),
        ),
        (
            r#"QB.rev_status() == "draft""#,
            c("rev_status", "eq", json!("draft")),
        ),
        (
            r#"QB.is_deleted() == False"#,
            c("is_deleted", "eq", json!(false)),
        ),
        (
            r#"QB.resource_id() << ["monster:1"]"#,
            c("resource_id", "in", json!(["monster:1"])),
        ),
        (
            r#"QB.total_revision_count() > 5"#,
            c("total_revision_count", "gt", json!(5)),
        ),
        (
            "  ( QB['a'] == 1 )  # a comment\n  & ( QB['b'] == 2 )",
            and(vec![c("a", "eq", json!(1)), c("b", "eq", json!(2))]),
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(cond(src), expected, "{src}");
    }
}

#[test]
fn field_methods() {
    let cases: Vec<(&str, Value)> = vec![
        (r#"QB["level"].eq(1)"#, c("level", "eq", json!(1))),
        (r#"QB["level"].ne(value=1)"#, c("level", "ne", json!(1))),
        (r#"QB["level"].gt(1)"#, c("level", "gt", json!(1))),
        (r#"QB["level"].gte(1)"#, c("level", "gte", json!(1))),
        (r#"QB["level"].lt(1)"#, c("level", "lt", json!(1))),
        (r#"QB["level"].lte(1)"#, c("level", "lte", json!(1))),
        (
            r#"QB["name"].contains("x")"#,
            c("name", "contains", json!("x")),
        ),
        (
            r#"QB["tags"].contains("x")"#,
            c("tags", "contains", json!("x")),
        ),
        (
            r#"QB["name"].starts_with("x")"#,
            c("name", "starts_with", json!("x")),
        ),
        (
            r#"QB["name"].ends_with("x")"#,
            c("name", "ends_with", json!("x")),
        ),
        (r#"QB["name"].regex("a+")"#, c("name", "regex", json!("a+"))),
        (r#"QB["name"].match("a+")"#, c("name", "regex", json!("a+"))),
        (
            r#"QB["name"].like("A%_.")"#,
            c("name", "regex", json!("(?s)^A.*.\\.$")),
        ),
        (
            r#"QB["name"].icontains("a.b")"#,
            c("name", "regex", json!("(?i)a\\.b")),
        ),
        (
            r#"QB["name"].istarts_with("a")"#,
            c("name", "regex", json!("(?i)^a")),
        ),
        (
            r#"QB["name"].iends_with("a")"#,
            c("name", "regex", json!("(?i)a$")),
        ),
        (
            r#"QB["name"].not_contains("x")"#,
            not(c("name", "contains", json!("x"))),
        ),
        (
            r#"QB["name"].not_starts_with("x")"#,
            not(c("name", "starts_with", json!("x"))),
        ),
        (
            r#"QB["name"].not_ends_with("x")"#,
            not(c("name", "ends_with", json!("x"))),
        ),
        (
            r#"QB["level"].in_([1, 2])"#,
            c("level", "in", json!([1, 2])),
        ),
        (
            r#"QB["level"].one_of(1, 2, 3)"#,
            c("level", "in", json!([1, 2, 3])),
        ),
        (
            r#"QB["level"].not_in((1,))"#,
            c("level", "not_in", json!([1])),
        ),
        (
            r#"QB["level"].between(1, 5)"#,
            and(vec![
                c("level", "gte", json!(1)),
                c("level", "lte", json!(5)),
            ]),
        ),
        (
            r#"QB["level"].in_range(low=1, high=5)"#,
            and(vec![
                c("level", "gte", json!(1)),
                c("level", "lte", json!(5)),
            ]),
        ),
        (r#"QB["note"].is_null()"#, c("note", "is_null", json!(true))),
        (
            r#"QB["note"].is_null(False)"#,
            c("note", "is_null", json!(false)),
        ),
        (
            r#"QB["note"].is_not_null()"#,
            c("note", "is_null", json!(false)),
        ),
        (r#"QB["note"].has_value()"#, c("note", "isna", json!(false))),
        (r#"QB["note"].exists()"#, c("note", "exists", json!(true))),
        (r#"QB["note"].isna()"#, c("note", "isna", json!(true))),
        (r#"QB["alive"].is_true()"#, c("alive", "eq", json!(true))),
        (r#"QB["alive"].is_false()"#, c("alive", "eq", json!(false))),
        (
            r#"QB["name"].is_empty()"#,
            or(vec![
                c("name", "isna", json!(true)),
                c("name", "eq", json!("")),
            ]),
        ),
        (
            r#"QB["name"].is_blank()"#,
            or(vec![
                c("name", "isna", json!(true)),
                c("name", "regex", json!("^\\s*$")),
            ]),
        ),
        (r#"QB["level"].is_empty()"#, c("level", "isna", json!(true))),
        (
            r#"QB["name"].length() > 3"#,
            c("name", "regex", json!("^(?s:.){4}")),
        ),
        (
            r#"QB["name"].length() == 2"#,
            c("name", "regex", json!("^(?s:.){2}$")),
        ),
        (
            r#"QB["name"].length() < 2"#,
            c("name", "regex", json!("^(?s:.){0,1}$")),
        ),
        (
            r#"2 <= QB["name"].length()"#,
            c("name", "regex", json!("^(?s:.){2}")),
        ),
        (
            r#"QB["name"].length().ne(0)"#,
            not(c("name", "regex", json!("^(?s:.){0}$"))),
        ),
        (
            r#"QB["name"].length().between(2, 4)"#,
            and(vec![
                c("name", "regex", json!("^(?s:.){2}")),
                c("name", "regex", json!("^(?s:.){0,4}$")),
            ]),
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(cond(src), expected, "{src}");
    }
}

#[test]
fn truthiness_uses_the_field_kind() {
    let cases: Vec<(&str, Value)> = vec![
        (
            r#"QB["alive"]"#,
            not(or(vec![
                c("alive", "isna", json!(true)),
                c("alive", "eq", json!(false)),
            ])),
        ),
        (
            r#"QB["name"].is_truthy()"#,
            not(or(vec![
                c("name", "isna", json!(true)),
                c("name", "eq", json!("")),
            ])),
        ),
        (
            r#"QB["level"].is_falsy()"#,
            or(vec![
                c("level", "isna", json!(true)),
                c("level", "eq", json!(0)),
            ]),
        ),
        (r#"QB["seen"]"#, not(c("seen", "isna", json!(true)))),
        (
            r#"QB["a"]"#,
            not(or(vec![
                c("a", "isna", json!(true)),
                c("a", "eq", json!(false)),
                c("a", "eq", json!(0)),
                c("a", "eq", json!("")),
            ])),
        ),
        (
            r#"~QB["alive"] & (QB["level"] > 1)"#,
            and(vec![
                not(not(or(vec![
                    c("alive", "isna", json!(true)),
                    c("alive", "eq", json!(false)),
                ]))),
                c("level", "gt", json!(1)),
            ]),
        ),
        (
            r#"QB.is_deleted()"#,
            not(or(vec![
                c("is_deleted", "isna", json!(true)),
                c("is_deleted", "eq", json!(false)),
            ])),
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(cond(src), expected, "{src}");
    }
    // Without a descriptor the generic test is used for data fields.
    let untyped = parse_qb(r#"QB["alive"]"#, None).unwrap().condition.unwrap();
    assert_eq!(
        serde_json::to_value(untyped).unwrap(),
        not(or(vec![
            c("alive", "isna", json!(true)),
            c("alive", "eq", json!(false)),
            c("alive", "eq", json!(0)),
            c("alive", "eq", json!("")),
        ]))
    );
}

#[test]
fn times_and_calendar_helpers() {
    let cases: Vec<(&str, Value)> = vec![
        (
            r#"QB.created_time() >= datetime(2024, 1, 2)"#,
            c("created_time", "gte", json!("2024-01-02T00:00:00.000000Z")),
        ),
        (
            r#"QB["seen"] < datetime.datetime(2024, 1, 2, 3, 4, 5, 6) + timedelta(days=1, hours=2)"#,
            c("seen", "lt", json!("2024-01-03T05:04:05.000006Z")),
        ),
        (
            r#"QB["seen"] > datetime(year=2024, month=2, day=29) - timedelta(1.5)"#,
            c("seen", "gt", json!("2024-02-27T12:00:00.000000Z")),
        ),
        (
            r#"QB.created_time() >= datetime.now() - timedelta(weeks=1)"#,
            c("created_time", "gte", json!("2026-02-25T10:20:30.123456Z")),
        ),
        (
            r#"QB.created_time() >= "2024-01-02T03:00:00+02:00""#,
            c("created_time", "gte", json!("2024-01-02T01:00:00.000000Z")),
        ),
        (
            r#"QB["seen"].in_(["2024-01-02T03:00:00Z", datetime(2024, 1, 1)])"#,
            c(
                "seen",
                "in",
                json!(["2024-01-02T03:00:00.000000Z", "2024-01-01T00:00:00.000000Z"]),
            ),
        ),
        (
            r#"QB.created_time().today()"#,
            and(vec![
                c("created_time", "gte", json!("2026-03-04T00:00:00.000000Z")),
                c("created_time", "lt", json!("2026-03-05T00:00:00.000000Z")),
            ]),
        ),
        (
            r#"QB.updated_time().yesterday()"#,
            and(vec![
                c("updated_time", "gte", json!("2026-03-03T00:00:00.000000Z")),
                c("updated_time", "lt", json!("2026-03-04T00:00:00.000000Z")),
            ]),
        ),
        (
            r#"QB.rev_updated_time().this_week()"#,
            and(vec![
                c(
                    "rev_updated_time",
                    "gte",
                    json!("2026-03-02T00:00:00.000000Z"),
                ),
                c(
                    "rev_updated_time",
                    "lt",
                    json!("2026-03-09T00:00:00.000000Z"),
                ),
            ]),
        ),
        (
            r#"QB["seen"].this_month()"#,
            and(vec![
                c("seen", "gte", json!("2026-03-01T00:00:00.000000Z")),
                c("seen", "lt", json!("2026-04-01T00:00:00.000000Z")),
            ]),
        ),
        (
            r#"QB["seen"].this_year()"#,
            and(vec![
                c("seen", "gte", json!("2026-01-01T00:00:00.000000Z")),
                c("seen", "lt", json!("2027-01-01T00:00:00.000000Z")),
            ]),
        ),
        (
            r#"QB.created_time().last_n_days(7)"#,
            c("created_time", "gte", json!("2026-02-25T10:20:30.123456Z")),
        ),
        (
            r#"QB.created_time().last_n_days(timedelta(hours=6))"#,
            c("created_time", "gte", json!("2026-03-04T04:20:30.123456Z")),
        ),
        (
            r#"QB.created_time().last_n_days(0.5)"#,
            c("created_time", "gte", json!("2026-03-03T22:20:30.123456Z")),
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(cond(src), expected, "{src}");
    }
}

#[test]
fn combinators_sorts_and_paging() {
    assert_eq!(parse("QB.all()"), QbQuery::default());
    assert_eq!(cond(r#"QB.all(QB["a"] == 1)"#), c("a", "eq", json!(1)));
    assert_eq!(
        cond(r#"QB.all(QB["a"] == 1, QB["b"] == 2)"#),
        and(vec![c("a", "eq", json!(1)), c("b", "eq", json!(2))])
    );
    assert_eq!(
        cond(r#"QB.any(QB["a"] == 1, QB["b"] == 2, QB["c"] == 3)"#),
        or(vec![
            c("a", "eq", json!(1)),
            c("b", "eq", json!(2)),
            c("c", "eq", json!(3)),
        ])
    );

    let q = parse(
        r#"(QB["a"] == 1).sort("-level", "+name", "created_time", QB["b"].desc()).limit(10).offset(5)"#,
    );
    assert_eq!(
        q.sorts,
        vec![
            Sort::desc(FieldPath::parse("level")),
            Sort::asc(FieldPath::parse("name")),
            Sort::asc(MetaField::CreatedTime),
            Sort::desc(FieldPath::parse("b")),
        ]
    );
    assert_eq!((q.limit, q.offset), (Some(10), Some(5)));

    let q = parse(r#"QB.all().order_by(["-updated_time", QB["level"].asc()]).page(3, 20)"#);
    assert_eq!(q.condition, None);
    assert_eq!(
        q.sorts,
        vec![
            Sort::desc(MetaField::UpdatedTime),
            Sort::asc(FieldPath::parse("level"))
        ]
    );
    assert_eq!((q.limit, q.offset), (Some(20), Some(40)));
    let query = q.into_query();
    assert_eq!((query.limit, query.offset), (Some(20), 40));

    let q = parse(r#"(QB["a"] == 1).first()"#);
    assert_eq!(q.limit, Some(1));
    assert_eq!(q.offset, None);

    let q = parse(r#"(QB["a"] == 1).filter(QB["b"] == 2, QB["c"] == 3).exclude(QB["level"] > 9)"#);
    assert_eq!(
        serde_json::to_value(q.condition.unwrap()).unwrap(),
        and(vec![
            c("a", "eq", json!(1)),
            c("b", "eq", json!(2)),
            c("c", "eq", json!(3)),
            not(c("level", "gt", json!(9))),
        ])
    );

    // A bare field receives query methods as its truthiness test.
    let q = parse(r#"QB["alive"].limit(3)"#);
    assert_eq!(q.limit, Some(3));
    assert!(q.condition.is_some());
}

/// `(expression, byte position, part of the message)`.
const INVALID: &[(&str, usize, &str)] = &[
    (r#"QB["a"] == 1 & QB["b"] == 2"#, 23, "chained comparison"),
    (r#"QB["a"] < QB["b"] < 3"#, 18, "chained comparison"),
    (
        r#"QB["a"] == 1 and QB["b"] == 2"#,
        13,
        "`and` is not supported",
    ),
    (
        r#"QB["a"] == 1 or QB["b"] == 2"#,
        13,
        "`or` is not supported",
    ),
    (r#"not QB["a"]"#, 0, "negate a condition with `~`"),
    (
        r#"QB["a"] == 1 & QB["b"]"#,
        11,
        "expected a condition, got a number",
    ),
    (r#""x" in QB["tags"]"#, 4, "`in` is not supported"),
    (r#"QB["a"] is None"#, 8, "`is` is not supported"),
    (r#"QB["a"] not in [1]"#, 8, "`not in` is not supported"),
    (
        r#"QB["hp"] > 1"#,
        0,
        "field `hp` of monster is not indexed; indexed fields: name, level",
    ),
    (r#"QB.hp > 1"#, 0, "field `hp` of monster is not indexed"),
    (r#"QB["level"] > "x""#, 0, "needs an integer, got \"x\""),
    (r#"(QB["alive"] == 1)"#, 0, "needs a boolean"),
    (r#"QB["tags"] == "x""#, 0, "`tags` is a list"),
    (r#"QB["level"].foo()"#, 12, "unknown field method `foo`"),
    (
        r#"QB.resource_id == "x""#,
        3,
        "`QB.resource_id` is a method",
    ),
    (r#"QB.nope()"#, 3, "unknown QB method `nope`"),
    (r#"QB["name"].regex("(")"#, 17, "invalid pattern"),
    (r#"QB["name"] % "[""#, 13, "invalid pattern"),
    (r#"QB["a"] << 1"#, 11, "needs a list or tuple"),
    (r#"1 << QB["a"]"#, 2, "needs a field on the left"),
    (
        r#"(QB["a"] == 1).limit(-1)"#,
        21,
        "non-negative integer, got -1",
    ),
    (r#"(QB["a"] == 1).page(0, 10)"#, 20, "numbered from 1"),
    (r#"(QB["a"] == 1).page(1)"#, 15, "needs `size`"),
    (r#"QB.any()"#, 0, "at least one condition"),
    (r#"QB["seen"] > datetime(2024, 13, 1)"#, 13, "out of range"),
    (
        r#"QB["seen"] > datetime(2024, 1, 1, tzinfo=None)"#,
        41,
        "tzinfo",
    ),
    (r#"QB["seen"] > datetime(2024, 1)"#, 13, "needs `day`"),
    (
        r#"QB["seen"] > datetime("2024", 1, 1)"#,
        22,
        "must be an integer",
    ),
    (
        r#"QB["seen"] > timedelta(years=1)"#,
        23,
        "no parameter `years`",
    ),
    (r#"__import__("os")"#, 0, "can be called"),
    (r#"os.system"#, 0, "unknown name `os`"),
    (r#"QB["a"].__class__"#, 8, "must be called like a method"),
    (r#"QB["a"] == 1;"#, 12, "expected the end of the expression"),
    (r#"QB["a"] == [1, 2]"#, 11, "got a list"),
    (r#"QB["a"] == QB["b"]"#, 8, "cannot compare two fields"),
    (
        r#"(QB["a"] == 1) == (QB["b"] == 1)"#,
        0,
        "not a condition with a condition",
    ),
    (r#"lambda: 1"#, 0, "not part of a query expression"),
    (r#"QB["a"][1:2]"#, 9, "slices are not supported"),
    (r#"QB["a"][1]"#, 8, "a field name must be a string"),
    (r#"QB["a"]["b":"c"]"#, 11, "slices are not supported"),
    (r#"{1: 2}"#, 0, "dict and set literals"),
    (
        r#"QB["a"] == 1 if True else 2"#,
        13,
        "not part of a query expression",
    ),
    (
        r#"QB["a"].eq(1).sort("-a") & (QB["b"] == 1)"#,
        0,
        "must come last",
    ),
    (r#"QB["tags"]"#, 0, "cannot be tested on list field `tags`"),
    (r#"QB["a"] ^ QB["b"]"#, 8, "`^` is not supported"),
    (r#"QB["a"] ** 2"#, 8, "`**` is not supported"),
    (r#"QB"#, 0, "QB alone is not a condition"),
    (r#"42"#, 0, "expected a condition, got a number"),
    (
        r#"QB["level"].length() > 1"#,
        12,
        "length() applies to string fields",
    ),
    (
        r#"QB["name"].length() == "x""#,
        23,
        "compared with an integer",
    ),
    (r#"QB["name"].length()"#, 0, "a length needs a comparison"),
    (r#"QB["level"].eq(1, 2)"#, 18, "eq() takes 1 argument"),
    (r#"QB["level"].between(1)"#, 12, "needs `high`"),
    (r#"QB["level"].between(1, 2, low=0)"#, 30, "got `low` twice"),
    (r#"QB["level"].eq(valu=1)"#, 15, "no parameter `valu`"),
    (
        r#"QB["level"].eq(value=1, 2)"#,
        24,
        "positional argument cannot follow",
    ),
    (r#"QB.all(1)"#, 7, "expected a condition, got a number"),
    (r#"QB.created_time() >= "2024-01-01""#, 0, "RFC 3339"),
    (
        r#"QB.rev_status() == "published""#,
        0,
        "unknown revision status",
    ),
    (r#"QB[""] == 1"#, 3, "must not be empty"),
    (r#"QB["a"] == 1 == 2"#, 13, "chained comparison"),
    (r#"QB["a"] = 1"#, 8, "compare with `==`"),
    (r#"QB["a"] == "#, 11, "expected a value"),
    (r#"(QB["a"] == 1"#, 13, "expected `,` or `)`"),
    (r#"QB["a"].eq(1"#, 12, "expected `,` or `)`"),
    (r#"QB["a"] === 1"#, 10, "compare with `==`"),
    (r#"QB["a"] == 1 !"#, 13, "negate a condition with `~`"),
    (r#"QB["level"] > 9223372036854775808"#, 14, "too large"),
    (r#"QB["level"] > -9223372036854775807 - 2"#, 35, "overflows"),
    (r#"QB["level"] > 1 / 0"#, 16, "division by zero"),
    (
        r#"QB.created_time() > datetime(9999, 12, 31) + timedelta(days=1)"#,
        43,
        "out of range",
    ),
    (r#"(QB["a"] == 1).sort("")"#, 20, "needs a field name"),
    (
        r#"(QB["a"] == 1).sort("-hp")"#,
        20,
        "`hp` of monster is not indexed",
    ),
    (r#"(QB["a"] == 1).limit("5")"#, 21, "non-negative integer"),
    (
        r#"QB.created_time().last_n_days(-1)"#,
        30,
        "non-negative number of days",
    ),
    (r#"QB["a"].exists(1)"#, 15, "takes True or False"),
    (r#"QB["a"] == b"x""#, 11, "byte strings"),
    (r#"QB["a"] == f"{x}""#, 11, "f-strings"),
    (r#"datetime"#, 0, "`datetime` must be called"),
    (
        r#"QB.created_time() > datetime.today()"#,
        20,
        "`datetime.today` is not supported",
    ),
    (
        r#"print(1)"#,
        0,
        "only methods, datetime(...) and timedelta(...) can be called",
    ),
    (r#"QB.all(*x)"#, 7, "`*` and `**` arguments"),
];

#[test]
fn invalid_expressions_point_at_the_problem() {
    for (src, pos, expected) in INVALID {
        match parse_qb_at(src, Some(&MONSTER), now()) {
            Err(Error::BadQuery { parameter, message }) => {
                assert_eq!(parameter, "qb", "{src}");
                assert!(message.contains(expected), "{src}: {message}");
                let at = format!(" at byte {pos}\n");
                assert!(message.contains(&at), "{src}: expected{at:?} in {message}");
            }
            other => panic!("{src}: expected a qb error, got {other:?}"),
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}QB[\"a\"] == 1{}", "(".repeat(200), ")".repeat(200));
    let message = parse_qb(&deep, None).unwrap_err().to_string();
    assert!(message.contains("nested too deeply"), "{message}");
    let negations = format!("{}(QB[\"a\"] == 1)", "~".repeat(500));
    assert!(
        parse_qb(&negations, None)
            .unwrap_err()
            .to_string()
            .contains("nested too deeply")
    );
    let long_chain = format!("QB[\"a\"]{}", ".x".repeat(500));
    assert!(
        parse_qb(&long_chain, None)
            .unwrap_err()
            .to_string()
            .contains("nested too deeply")
    );
    // Long flat chains of `&` are fine: they are one And.
    let wide = vec![r#"(QB["a"] == 1)"#; 500].join(" & ");
    let q = parse_qb(&wide, None).unwrap();
    assert!(
        matches!(q.condition, Some(specstar_runtime::query::Condition::And(ref all)) if all.len() == 500)
    );
}

#[test]
fn typed_results_validate_against_the_descriptor() {
    // Everything the table accepts with a descriptor also passes the store-side validation.
    for src in [
        r#"QB["alive"] & (QB["name"].length() > 2) & QB.created_time().today()"#,
        r#"QB["a"].is_truthy() | QB["name"].is_blank() | QB["level"].is_falsy()"#,
        r#"(QB["seen"] >= datetime(2024, 1, 1)).sort("-seen").page(2, 5)"#,
    ] {
        let q = parse(src).into_query();
        q.validate_as(&MONSTER, "qb")
            .unwrap_or_else(|e| panic!("{src}: {e}"));
        specstar_runtime::query::CompiledCondition::new(q.condition.as_ref().unwrap())
            .unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}
