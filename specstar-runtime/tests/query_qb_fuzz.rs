//! The `qb=` parser never panics: arbitrary strings, token soup, and mutations of valid
//! expressions either parse or fail with a positioned `BadQuery` on `qb`. Whatever parses
//! with a descriptor also passes the store-side validation and compiles for evaluation.

use proptest::prelude::*;
use specstar_runtime::Error;
use specstar_runtime::model::Timestamp;
use specstar_runtime::query::{CompiledCondition, parse_qb, parse_qb_at};
use specstar_runtime::resource::{IndexKind, IndexSpec, ResourceDescriptor};

const fn index(path: &'static str, kind: IndexKind, list: bool) -> IndexSpec {
    IndexSpec {
        path,
        kind,
        unique: false,
        nullable: true,
        list,
    }
}

static ZONE: ResourceDescriptor = ResourceDescriptor {
    name: "zone",
    type_name: "Zone",
    description: None,
    indexes: &[
        index("name", IndexKind::String, false),
        index("level", IndexKind::Integer, false),
        index("ratio", IndexKind::Float, false),
        index("alive", IndexKind::Boolean, false),
        index("seen", IndexKind::DateTime, false),
        index("tags", IndexKind::String, true),
        index("a", IndexKind::Any, false),
        index("b", IndexKind::Any, false),
    ],
    refs: &[],
    display_name: None,
    default_status: None,
    encoding: None,
    version: None,
};

const VALID: &[&str] = &[
    r#"(QB["level"] > 3) & QB["name"].starts_with("A")"#,
    r#"QB.all(QB["a"] == 1, QB["b"] != "x").sort("-level", QB["name"].asc()).limit(10)"#,
    r#"~(QB["tags"] >> "red") | (QB["name"] % r"^\d+$")"#,
    r#"QB.created_time() >= datetime(2024, 1, 2, 3, 4, 5) - timedelta(days=1.5)"#,
    r#"QB["seen"].this_week() & QB.rev_status().in_(["draft", "stable"])"#,
    r#"QB["name"].length().between(2, 5) & QB["alive"]"#,
    r#"(QB["ratio"] << (1.5, 2, -3e2)).page(2, 20).first()"#,
    r#"QB.any(QB["a"].is_null(), QB["b"].exists(False), QB["name"].is_blank())"#,
    r#"QB["name"].icontains('it\'s') & QB["name"].like("a%_b")"#,
    r#"QB.updated_time().last_n_days(timedelta(hours=6)).exclude(QB.is_deleted())"#,
];

/// Fragments that recombine into mostly-plausible, often-broken expressions.
const VOCABULARY: &[&str] = &[
    "QB",
    "[",
    "]",
    "(",
    ")",
    ".",
    ",",
    "\"name\"",
    "'level'",
    "\"a\"",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&",
    "|",
    "~",
    "<<",
    ">>",
    "%",
    "+",
    "-",
    "*",
    "/",
    "**",
    "^",
    "=",
    "1",
    "-2",
    "3.5",
    "1e9",
    "0x1f",
    "True",
    "False",
    "None",
    "and",
    "or",
    "not",
    "in",
    "is",
    "lambda",
    "datetime",
    "timedelta",
    "days=1",
    "all",
    "any",
    "eq",
    "gt",
    "contains",
    "in_",
    "between",
    "length",
    "today",
    "last_n_days",
    "sort",
    "limit",
    "page",
    "first",
    "filter",
    "exclude",
    "asc",
    "desc",
    "is_truthy",
    "created_time",
    "resource_id",
    "\"-level\"",
    "r'\\d'",
    "'",
    "\"",
    "\\",
    "#",
    "{",
    "}",
    ":",
    ";",
    "é",
    "\u{0}",
    "[[",
    "))",
    "((((",
    "9999999999999999999",
];

fn check(src: &str) {
    let now: Timestamp = chrono::DateTime::parse_from_rfc3339("2026-03-04T10:20:30Z")
        .unwrap()
        .to_utc();
    for descriptor in [None, Some(&ZONE)] {
        match parse_qb_at(src, descriptor, now) {
            Ok(qb) => {
                let query = qb.into_query();
                if let Some(descriptor) = descriptor
                    && let Err(e) = query.validate_as(descriptor, "qb")
                {
                    panic!("{src:?} parsed but does not validate: {e}");
                }
                if let Some(condition) = &query.condition
                    && let Err(e) = CompiledCondition::new(condition)
                {
                    panic!("{src:?} parsed but does not compile: {e}");
                }
            }
            Err(Error::BadQuery { parameter, message }) => {
                assert_eq!(parameter, "qb");
                let position = message
                    .split(" at byte ")
                    .nth(1)
                    .and_then(|rest| rest.split('\n').next())
                    .and_then(|n| n.parse::<usize>().ok());
                match position {
                    Some(pos) => assert!(pos <= src.len(), "{src:?}: {message}"),
                    None => panic!("{src:?}: no position in {message:?}"),
                }
            }
            Err(other) => panic!("{src:?}: unexpected error {other:?}"),
        }
    }
}

fn mutate(base: &str, edits: &[(usize, u8, usize)]) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for &(at, kind, pick) in edits {
        let at = at % (chars.len() + 1);
        match kind % 4 {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 => {
                let fragment = VOCABULARY[pick % VOCABULARY.len()];
                for (i, c) in fragment.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
            2 if at < chars.len() => {
                let end = (at + 1 + pick % 8).min(chars.len());
                let slice: Vec<char> = chars[at..end].to_vec();
                for (i, c) in slice.into_iter().enumerate() {
                    chars.insert(end + i, c);
                }
            }
            _ => {
                let other = at.wrapping_mul(31).wrapping_add(pick) % (chars.len().max(1));
                if at < chars.len() && other < chars.len() {
                    chars.swap(at, other);
                }
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(src in "\\PC{0,80}") {
        check(&src);
    }

    #[test]
    fn arbitrary_bytes_as_text_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_never_panics(words in prop::collection::vec(prop::sample::select(VOCABULARY), 0..24), spaced in any::<bool>()) {
        check(&words.join(if spaced { " " } else { "" }));
    }

    #[test]
    fn mutated_valid_expressions_never_panic(
        base in prop::sample::select(VALID),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..5),
    ) {
        check(&mutate(base, &edits));
    }
}

#[test]
fn the_valid_seeds_parse() {
    for src in VALID {
        parse_qb(src, Some(&ZONE)).unwrap_or_else(|e| panic!("{src}: {e}"));
        check(src);
    }
}
