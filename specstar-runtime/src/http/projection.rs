//! `returns` and `partial`: which parts of a resource a response carries.
//!
//! - `returns` is a comma list of `data`, `revision_info` and `meta` (default: all three); the
//!   full-resource object then holds only those keys, always in the order
//!   `data`, `revision_info`, `meta`.
//! - `partial` (also spelled `partial[]`, repeatable) projects fields: a path is a `/`-separated
//!   list of segments. On an object a segment is a key; on a list it is an index (`0`, `-1` for
//!   the last), a slice `i:j` (either bound may be left out, negative bounds count from the end)
//!   or `-` for every element. A path may start with `data/`, `meta/` or `info/`
//!   (`revision_info/`) to pick the section it applies to; without a prefix it applies to the
//!   route's main section (`data` for resources, the revision infos for the revision list).
//!   `~1` and `~0` in a segment stand for `/` and `~`, as in JSON Pointer.
//!
//! Several paths merge: `partial=name&partial=stats/hp` keeps `name` and `stats.hp`. A list
//! keeps the selected elements in their original order; an object keeps the selected keys in
//! their original order; a path that does not exist in a value selects nothing. A section no
//! path names is returned whole.

use serde_json::{Map, Value};

use crate::model::{Error, Result};

/// One section of a full resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// The resource's data.
    Data,
    /// The revision info (`revision_info`, `info/` in `partial`).
    Info,
    /// The resource meta.
    Meta,
}

/// The parsed `returns` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Returns {
    pub data: bool,
    pub revision_info: bool,
    pub meta: bool,
}

impl Default for Returns {
    fn default() -> Self {
        Returns {
            data: true,
            revision_info: true,
            meta: true,
        }
    }
}

impl Returns {
    /// Parse `returns` (absent: all three). Unknown names and an empty list are a 400.
    pub fn parse(raw: Option<&str>) -> Result<Self> {
        let Some(raw) = raw else {
            return Ok(Returns::default());
        };
        let mut returns = Returns {
            data: false,
            revision_info: false,
            meta: false,
        };
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "data" => returns.data = true,
                "revision_info" => returns.revision_info = true,
                "meta" => returns.meta = true,
                other => {
                    return Err(Error::bad_query(
                        "returns",
                        format!(
                            "unknown part `{other}` (expected a comma list of `data`, `revision_info`, `meta`)"
                        ),
                    ));
                }
            }
        }
        if !(returns.data || returns.revision_info || returns.meta) {
            return Err(Error::bad_query(
                "returns",
                "name at least one of `data`, `revision_info`, `meta`",
            ));
        }
        Ok(returns)
    }

    /// Only one part.
    pub fn only(section: Section) -> Self {
        Returns {
            data: section == Section::Data,
            revision_info: section == Section::Info,
            meta: section == Section::Meta,
        }
    }
}

/// The parsed `partial` parameter: one field selection per section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partial {
    data: Option<Node>,
    info: Option<Node>,
    meta: Option<Node>,
}

impl Partial {
    /// Parse the `partial` paths; paths without a section prefix go to `default_section`.
    pub fn parse<S: AsRef<str>>(paths: &[S], default_section: Section) -> Result<Self> {
        let mut partial = Partial::default();
        for raw in paths {
            let raw = raw.as_ref();
            let path = raw.trim().trim_start_matches('/');
            if path.is_empty() {
                return Err(Error::bad_query("partial", "empty field path"));
            }
            let (section, rest) = split_section(path, default_section);
            let segments = if rest.is_empty() {
                Vec::new()
            } else {
                rest.split('/')
                    .map(|s| parse_segment(s, raw))
                    .collect::<Result<Vec<_>>>()?
            };
            let root = match section {
                Section::Data => &mut partial.data,
                Section::Info => &mut partial.info,
                Section::Meta => &mut partial.meta,
            };
            root.get_or_insert_with(Node::default).insert(&segments);
        }
        Ok(partial)
    }

    /// `true` when no path was given.
    pub fn is_empty(&self) -> bool {
        self.data.is_none() && self.info.is_none() && self.meta.is_none()
    }

    /// `true` when some path names `section`.
    pub fn selects(&self, section: Section) -> bool {
        self.node(section).is_some()
    }

    /// Project one section's value (unchanged when no path names the section).
    pub fn apply(&self, section: Section, value: Value) -> Value {
        match self.node(section) {
            None => value,
            Some(node) => project(&[node], value).unwrap_or_else(|| Value::Object(Map::new())),
        }
    }

    fn node(&self, section: Section) -> Option<&Node> {
        match section {
            Section::Data => self.data.as_ref(),
            Section::Info => self.info.as_ref(),
            Section::Meta => self.meta.as_ref(),
        }
    }
}

fn split_section(path: &str, default_section: Section) -> (Section, &str) {
    let (head, rest) = path.split_once('/').unwrap_or((path, ""));
    match head {
        "data" => (Section::Data, rest),
        "meta" => (Section::Meta, rest),
        "info" | "revision_info" => (Section::Info, rest),
        _ => (default_section, path),
    }
}

/// One segment of a `partial` path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// An object key, or a list index when it parses as an integer.
    Key(String),
    /// `-`: every element (or every value of an object).
    All,
    /// `i:j`.
    Slice(Option<i64>, Option<i64>),
}

impl Segment {
    /// Does this segment select key `key` of an object?
    fn matches_key(&self, key: &str) -> bool {
        match self {
            Segment::Key(k) => k == key,
            Segment::All => true,
            Segment::Slice(..) => false,
        }
    }

    /// Does this segment select element `index` of a list of `len` elements?
    fn matches_index(&self, index: usize, len: usize) -> bool {
        let resolve = |i: i64| -> i64 { if i < 0 { i + len as i64 } else { i } };
        let index = index as i64;
        match self {
            Segment::All => true,
            Segment::Key(k) => k.parse::<i64>().is_ok_and(|i| resolve(i) == index),
            Segment::Slice(start, end) => {
                let start = start.map(resolve).unwrap_or(0);
                let end = end.map(resolve).unwrap_or(len as i64);
                start <= index && index < end
            }
        }
    }
}

fn parse_segment(segment: &str, path: &str) -> Result<Segment> {
    if segment.is_empty() {
        return Err(Error::bad_query(
            "partial",
            format!("empty segment in field path `{path}`"),
        ));
    }
    if segment == "-" {
        return Ok(Segment::All);
    }
    if let Some((start, end)) = segment.split_once(':') {
        let bound = |b: &str| -> Result<Option<i64>> {
            if b.is_empty() {
                return Ok(None);
            }
            b.parse::<i64>().map(Some).map_err(|_| {
                Error::bad_query(
                    "partial",
                    format!("bad slice `{segment}` in field path `{path}` (expected `i:j` with integers)"),
                )
            })
        };
        return Ok(Segment::Slice(bound(start)?, bound(end)?));
    }
    Ok(Segment::Key(segment.replace("~1", "/").replace("~0", "~")))
}

/// A selection tree: `whole` when a path ends here, children for deeper paths.
#[derive(Debug, Clone, Default, PartialEq)]
struct Node {
    whole: bool,
    children: Vec<(Segment, Node)>,
}

impl Node {
    fn insert(&mut self, segments: &[Segment]) {
        let Some((first, rest)) = segments.split_first() else {
            self.whole = true;
            return;
        };
        let child = match self.children.iter().position(|(s, _)| s == first) {
            Some(i) => &mut self.children[i].1,
            None => {
                self.children.push((first.clone(), Node::default()));
                let last = self.children.len() - 1;
                &mut self.children[last].1
            }
        };
        child.insert(rest);
    }
}

/// Project `value` through the union of `nodes`. `None`: nothing selectable (a path goes
/// deeper than a scalar).
fn project(nodes: &[&Node], value: Value) -> Option<Value> {
    if nodes.iter().any(|n| n.whole) {
        return Some(value);
    }
    let children = || nodes.iter().flat_map(|n| n.children.iter());
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, v) in map {
                let matching: Vec<&Node> = children()
                    .filter(|(s, _)| s.matches_key(&key))
                    .map(|(_, n)| n)
                    .collect();
                if !matching.is_empty()
                    && let Some(v) = project(&matching, v)
                {
                    out.insert(key, v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => {
            let len = items.len();
            let mut out = Vec::new();
            for (index, v) in items.into_iter().enumerate() {
                let matching: Vec<&Node> = children()
                    .filter(|(s, _)| s.matches_index(index, len))
                    .map(|(_, n)| n)
                    .collect();
                if !matching.is_empty()
                    && let Some(v) = project(&matching, v)
                {
                    out.push(v);
                }
            }
            Some(Value::Array(out))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(paths: &[&str], value: Value) -> Value {
        Partial::parse(paths, Section::Data)
            .unwrap()
            .apply(Section::Data, value)
    }

    fn sample() -> Value {
        json!({
            "name": "Shire",
            "stats": {"hp": 10, "mp": 3},
            "items": [
                {"name": "a", "price": 1},
                {"name": "b", "price": 2},
                {"name": "c", "price": 3}
            ],
            "tags": ["x", "y", "z"]
        })
    }

    #[test]
    fn keys_and_nested_keys_merge_in_original_order() {
        assert_eq!(
            data(&["stats/hp", "name"], sample()),
            json!({"name": "Shire", "stats": {"hp": 10}})
        );
    }

    #[test]
    fn every_element_index_and_slice() {
        assert_eq!(
            data(&["items/-/name"], sample()),
            json!({"items": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})
        );
        assert_eq!(
            data(&["items/1"], sample()),
            json!({"items": [{"name": "b", "price": 2}]})
        );
        assert_eq!(data(&["tags/-1"], sample()), json!({"tags": ["z"]}));
        assert_eq!(data(&["tags/0:2"], sample()), json!({"tags": ["x", "y"]}));
        assert_eq!(data(&["tags/1:"], sample()), json!({"tags": ["y", "z"]}));
        assert_eq!(data(&["tags/:-1"], sample()), json!({"tags": ["x", "y"]}));
    }

    #[test]
    fn two_paths_into_the_same_elements_merge() {
        assert_eq!(
            data(&["items/0/name", "items/-/price"], sample()),
            json!({"items": [{"name": "a", "price": 1}, {"price": 2}, {"price": 3}]})
        );
    }

    #[test]
    fn missing_paths_select_nothing() {
        assert_eq!(data(&["nope"], sample()), json!({}));
        assert_eq!(data(&["name/deeper"], sample()), json!({}));
        assert_eq!(data(&["tags/7"], sample()), json!({"tags": []}));
    }

    #[test]
    fn section_prefixes_pick_the_section() {
        let p = Partial::parse(&["data/name", "meta/resource_id"], Section::Data).unwrap();
        assert!(p.selects(Section::Data) && p.selects(Section::Meta));
        assert!(!p.selects(Section::Info));
        let meta = json!({"resource_id": "zone:1", "is_deleted": false});
        assert_eq!(
            p.apply(Section::Meta, meta),
            json!({"resource_id": "zone:1"})
        );
        let info = json!({"uid": "u"});
        assert_eq!(p.apply(Section::Info, info.clone()), info);
        let p = Partial::parse(&["revision_id"], Section::Info).unwrap();
        assert!(p.selects(Section::Info) && !p.selects(Section::Data));
    }

    #[test]
    fn bad_paths_are_400_naming_partial() {
        for bad in ["", "a//b", "tags/1:x"] {
            let e = Partial::parse(&[bad], Section::Data).unwrap_err();
            assert!(
                matches!(&e, Error::BadQuery { parameter, .. } if parameter == "partial"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn returns_parses_and_rejects() {
        assert_eq!(Returns::parse(None).unwrap(), Returns::default());
        let r = Returns::parse(Some("meta, data")).unwrap();
        assert!(r.data && r.meta && !r.revision_info);
        assert!(Returns::parse(Some("data,bogus")).is_err());
        assert!(Returns::parse(Some(",")).is_err());
    }
}
