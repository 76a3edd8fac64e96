//! Search with the typed query builder on every backend: comparisons, text, membership,
//! ranges, null/bool helpers, date helpers, `&`/`|`/`!`, sorts, paging, meta fields (including
//! `rev_*`), the deleted default, and `BadQuery` for what cannot be searched.

mod common;

use chrono::{Datelike, Duration, NaiveTime, Utc};
use common::{Backend, Kind, rev};
use specstar::prelude::*;
use specstar::query::{Condition, FieldPath, Operator, Query, Sort};
use specstar::{ResourceManager, Timestamp};

#[derive(IndexValue, Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    Fire,
    Water,
    Earth,
}

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Stats {
    #[index]
    pub hp: i64,
    pub speed: f64,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Monster {
    #[display_name]
    #[index]
    pub name: String,
    #[index]
    pub level: i64,
    #[index]
    pub ratio: f64,
    #[index]
    pub tags: Vec<String>,
    #[index]
    pub boss: bool,
    /// `null` when `None`.
    #[index]
    pub nickname: Option<String>,
    /// Absent when `None`.
    #[index]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[index]
    pub element: Element,
    #[nested]
    pub stats: Stats,
    #[index]
    pub seen_at: Option<Timestamp>,
    /// Not indexed: cannot be searched.
    pub lore: String,
}

#[allow(clippy::too_many_arguments)]
fn monster(
    name: &str,
    level: i64,
    ratio: f64,
    tags: &[&str],
    boss: bool,
    nickname: Option<&str>,
    title: Option<&str>,
    element: Element,
    hp: i64,
    seen_at: Option<Timestamp>,
) -> Monster {
    Monster {
        name: name.to_owned(),
        level,
        ratio,
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        boss,
        nickname: nickname.map(str::to_owned),
        title: title.map(str::to_owned),
        element,
        stats: Stats { hp, speed: 1.0 },
        seen_at,
        lore: format!("the lore of {name}"),
    }
}

/// The seeded data, and the times and ids the expectations need.
struct World {
    monsters: ResourceManager<Monster>,
    /// Wall-clock time when the data was seeded (`seen_at` is relative to it).
    now: Timestamp,
    /// Creation times are relative to it.
    base: Timestamp,
    ids: std::collections::BTreeMap<&'static str, String>,
    /// Ashen … Ember with their `seen_at`.
    seen: Vec<(&'static str, Option<Timestamp>)>,
}

/// | name | level | ratio | tags | boss | nickname | title | element | hp | seen_at |
/// |---|---|---|---|---|---|---|---|---|---|
/// | Ashen | 1 | 0.5 | undead | no | ash | (absent) | fire | 10 | now |
/// | Brute | 5 | 1.5 | orc, melee | yes | null | Chief | earth | 50 | now − 1 day |
/// | Crawler | 3 | 2.0 | — | no | crawly | "" | water | 30 | now − 3 days |
/// | Drake | 9 | 3.25 | dragon, boss | yes | null | (absent) | fire | 90 | null |
/// | Ember | 5 | 0.75 | fire, undead | no | Em | Lady | fire | 20 | now − 400 days |
/// | Fallen (deleted) | 5 | 1.0 | undead | yes | fallen | Fallen | earth | 60 | now |
///
/// Created by alice (Ashen, Brute at base+1s, +2s) and bob (Crawler +3s, Drake +4s, Ember
/// ten days before base); Crawler updated by carol at base+10s; Drake reopened as a draft by
/// dave at base+20s; Fallen created and deleted at base+30s.
async fn seed(db: &Backend) -> World {
    let spec = db
        .builder()
        .resource::<Monster>()
        .build()
        .await
        .expect("the app builds");
    let monsters = spec.manager::<Monster>();
    let now = Utc::now();
    let base = now - Duration::seconds(60);
    let s = Duration::seconds;
    let seen = vec![
        ("Ashen", Some(now)),
        ("Brute", Some(now - Duration::days(1))),
        ("Crawler", Some(now - Duration::days(3))),
        ("Drake", None),
        ("Ember", Some(now - Duration::days(400))),
    ];
    use Element::*;
    let rows = [
        (
            "alice",
            base + s(1),
            monster(
                "Ashen",
                1,
                0.5,
                &["undead"],
                false,
                Some("ash"),
                None,
                Fire,
                10,
                seen[0].1,
            ),
        ),
        (
            "alice",
            base + s(2),
            monster(
                "Brute",
                5,
                1.5,
                &["orc", "melee"],
                true,
                None,
                Some("Chief"),
                Earth,
                50,
                seen[1].1,
            ),
        ),
        (
            "bob",
            base + s(3),
            monster(
                "Crawler",
                3,
                2.0,
                &[],
                false,
                Some("crawly"),
                Some(""),
                Water,
                30,
                seen[2].1,
            ),
        ),
        (
            "bob",
            base + s(4),
            monster(
                "Drake",
                9,
                3.25,
                &["dragon", "boss"],
                true,
                None,
                None,
                Fire,
                90,
                seen[3].1,
            ),
        ),
        (
            "bob",
            base - Duration::days(10),
            monster(
                "Ember",
                5,
                0.75,
                &["fire", "undead"],
                false,
                Some("Em"),
                Some("Lady"),
                Fire,
                20,
                seen[4].1,
            ),
        ),
        (
            "erin",
            base + s(30),
            monster(
                "Fallen",
                5,
                1.0,
                &["undead"],
                true,
                Some("fallen"),
                Some("Fallen"),
                Earth,
                60,
                Some(now),
            ),
        ),
    ];
    let mut ids = std::collections::BTreeMap::new();
    let mut data = std::collections::BTreeMap::new();
    for (user, at, m) in rows {
        let name: &'static str = match m.name.as_str() {
            "Ashen" => "Ashen",
            "Brute" => "Brute",
            "Crawler" => "Crawler",
            "Drake" => "Drake",
            "Ember" => "Ember",
            _ => "Fallen",
        };
        let info = monsters
            .as_user(user)
            .at(at)
            .create(m.clone())
            .await
            .unwrap();
        ids.insert(name, info.resource_id);
        data.insert(name, m);
    }
    let crawler = Monster {
        level: 3,
        lore: "changed".into(),
        ..data["Crawler"].clone()
    };
    monsters
        .as_user("carol")
        .at(base + s(10))
        .update(&ids["Crawler"], crawler)
        .await
        .unwrap();
    monsters
        .as_user("dave")
        .at(base + s(20))
        .modify(&ids["Drake"], Modify::status(RevisionStatus::Draft))
        .await
        .unwrap();
    monsters
        .as_user("erin")
        .at(base + s(30))
        .delete(&ids["Fallen"])
        .await
        .unwrap();
    World {
        monsters,
        now,
        base,
        ids,
        seen,
    }
}

impl World {
    /// Names of the matching monsters, in name order.
    async fn find(&self, condition: Condition) -> Vec<String> {
        let label = condition.to_string();
        self.monsters
            .search(condition)
            .sort(Monster::q().name().asc())
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"))
            .into_iter()
            .map(|r| r.data.name)
            .collect()
    }

    /// Names in the order the query returns them.
    async fn ordered(&self, query: Query) -> Vec<String> {
        self.monsters
            .search(query)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.data.name)
            .collect()
    }

    /// Names ordered by resource id (the final tie-break).
    fn by_id(&self, names: &[&str]) -> Vec<String> {
        let mut names: Vec<&str> = names.to_vec();
        names.sort_by_key(|n| self.ids[n].clone());
        names.into_iter().map(str::to_owned).collect()
    }

    /// Names whose `seen_at` lies in `[start, end)`.
    fn seen_between(&self, start: Timestamp, end: Option<Timestamp>) -> Vec<String> {
        self.seen
            .iter()
            .filter(|(_, t)| t.is_some_and(|t| t >= start && end.is_none_or(|e| t < e)))
            .map(|(n, _)| (*n).to_owned())
            .collect()
    }
}

async fn check(world: &World, cases: Vec<(Condition, &[&str])>) {
    for (condition, expected) in cases {
        let label = condition.to_string();
        assert_eq!(world.find(condition).await, expected, "{label}");
    }
}

fn midnight(t: Timestamp) -> Timestamp {
    t.date_naive().and_time(NaiveTime::MIN).and_utc()
}

async fn comparisons_and_ranges(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    check(
        &w,
        vec![
            (q.level().eq(5), &["Brute", "Ember"]),
            (q.level().ne(5), &["Ashen", "Crawler", "Drake"]),
            (q.level().gt(3), &["Brute", "Drake", "Ember"]),
            (q.level().gte(5), &["Brute", "Drake", "Ember"]),
            (q.level().lt(3), &["Ashen"]),
            (q.level().lte(3), &["Ashen", "Crawler"]),
            (q.level().between(3, 5), &["Brute", "Crawler", "Ember"]),
            (q.ratio().gt(1.5), &["Crawler", "Drake"]),
            (q.ratio().eq(2.0), &["Crawler"]),
            (q.ratio().lte(0.75), &["Ashen", "Ember"]),
            (q.ratio().between(0.75, 1.5), &["Brute", "Ember"]),
            (q.stats().hp().gt(25), &["Brute", "Crawler", "Drake"]),
            (q.name().gt("C"), &["Crawler", "Drake", "Ember"]),
            (q.name().lte("Brute"), &["Ashen", "Brute"]),
            (q.element().eq(Element::Earth), &["Brute"]),
        ],
    )
    .await;
}

async fn text_matching(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    check(
        &w,
        vec![
            (
                q.name().contains("r"),
                &["Brute", "Crawler", "Drake", "Ember"],
            ),
            (q.name().starts_with("D"), &["Drake"]),
            (q.name().ends_with("er"), &["Crawler", "Ember"]),
            (q.name().regex("^[AB]"), &["Ashen", "Brute"]),
            (q.name().regex("a"), &["Crawler", "Drake"]),
            (q.name().icontains("A"), &["Ashen", "Crawler", "Drake"]),
            (q.name().istarts_with("d"), &["Drake"]),
            (q.name().iends_with("ER"), &["Crawler", "Ember"]),
            (q.name().like("_r%"), &["Brute", "Crawler", "Drake"]),
            (q.name().like("Dr_ke"), &["Drake"]),
            (q.nickname().contains("a"), &["Ashen", "Crawler"]),
            (q.nickname().starts_with("E"), &["Ember"]),
        ],
    )
    .await;
}

async fn membership_and_lists(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    use Element::*;
    check(
        &w,
        vec![
            (
                q.element().one_of([Fire, Water]),
                &["Ashen", "Crawler", "Drake", "Ember"],
            ),
            (q.element().not_in([Fire]), &["Brute", "Crawler"]),
            (q.level().in_([1, 9]), &["Ashen", "Drake"]),
            (q.name().one_of(["Ember", "Nobody"]), &["Ember"]),
            (q.nickname().not_in(["ash"]), &["Crawler", "Ember"]),
            (q.tags().contains("undead"), &["Ashen", "Ember"]),
            (q.tags().contains("boss"), &["Drake"]),
            (q.tags().contains("nothing"), &[]),
        ],
    )
    .await;
}

async fn null_absent_and_bool_helpers(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    check(
        &w,
        vec![
            // nickname: present and null for Brute and Drake.
            (q.nickname().is_null(), &["Brute", "Drake"]),
            (q.nickname().is_not_null(), &["Ashen", "Crawler", "Ember"]),
            (
                q.nickname().exists(),
                &["Ashen", "Brute", "Crawler", "Drake", "Ember"],
            ),
            (q.nickname().isna(), &["Brute", "Drake"]),
            (q.nickname().has_value(), &["Ashen", "Crawler", "Ember"]),
            // title: absent for Ashen and Drake, "" for Crawler.
            (q.title().exists(), &["Brute", "Crawler", "Ember"]),
            (q.title().is_null(), &[]),
            (q.title().is_not_null(), &["Brute", "Crawler", "Ember"]),
            (q.title().isna(), &["Ashen", "Drake"]),
            (q.title().eq(""), &["Crawler"]),
            // Three-valued logic: null and absent never match a comparison, negated or not.
            (q.nickname().ne("ash"), &["Crawler", "Ember"]),
            (!q.nickname().eq("ash"), &["Crawler", "Ember"]),
            (!q.title().eq("Chief"), &["Crawler", "Ember"]),
            (
                q.nickname().eq("ash") | q.nickname().isna(),
                &["Ashen", "Brute", "Drake"],
            ),
            (q.boss().is_true(), &["Brute", "Drake"]),
            (q.boss().is_false(), &["Ashen", "Crawler", "Ember"]),
            (q.seen_at().isna(), &["Drake"]),
        ],
    )
    .await;
}

async fn date_helpers(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    let today = midnight(w.now);
    let day = Duration::days(1);
    let week = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let month = today - Duration::days(i64::from(today.day0()));
    let year = today - Duration::days(i64::from(today.ordinal0()));
    let cases: Vec<(Condition, Vec<String>)> = vec![
        (
            q.seen_at().today(),
            w.seen_between(today, Some(today + day)),
        ),
        (
            q.seen_at().yesterday(),
            w.seen_between(today - day, Some(today)),
        ),
        (
            q.seen_at().this_week(),
            w.seen_between(week, Some(week + Duration::days(7))),
        ),
        (q.seen_at().this_month(), w.seen_between(month, None)),
        (q.seen_at().this_year(), w.seen_between(year, None)),
        (
            q.seen_at().last_n_days(2),
            vec!["Ashen".into(), "Brute".into()],
        ),
        (
            q.seen_at().last_n_days(5),
            vec!["Ashen".into(), "Brute".into(), "Crawler".into()],
        ),
        (
            q.seen_at().lt(w.now - Duration::days(100)),
            vec!["Ember".into()],
        ),
        (
            q.created_time().last_n_days(3),
            vec![
                "Ashen".into(),
                "Brute".into(),
                "Crawler".into(),
                "Drake".into(),
            ],
        ),
    ];
    for (condition, expected) in cases {
        let label = condition.to_string();
        assert_eq!(w.find(condition).await, expected, "{label}");
    }
    // The clock-relative helpers agree with the fixture on what must always hold.
    assert_eq!(w.find(q.seen_at().today()).await, ["Ashen"]);
    assert_eq!(w.find(q.seen_at().yesterday()).await, ["Brute"]);
    assert!(
        !w.find(q.seen_at().this_year())
            .await
            .contains(&"Ember".to_owned())
    );
}

async fn combinators(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    check(
        &w,
        vec![
            (q.level().gt(3) & q.boss().is_true(), &["Brute", "Drake"]),
            (
                q.element().eq(Element::Water) | q.tags().contains("dragon"),
                &["Crawler", "Drake"],
            ),
            (!q.boss().is_true(), &["Ashen", "Crawler", "Ember"]),
            (
                (q.level().lt(3) | q.level().gt(8)) & !q.element().eq(Element::Water),
                &["Ashen", "Drake"],
            ),
            (!(q.level().gt(3) | q.name().starts_with("A")), &["Crawler"]),
            (
                Condition::all([]),
                &["Ashen", "Brute", "Crawler", "Drake", "Ember"],
            ),
            (Condition::any([]), &[]),
            (
                Condition::any([q.name().eq("Ashen"), q.name().eq("Ember")]),
                &["Ashen", "Ember"],
            ),
        ],
    )
    .await;
}

async fn sorts_and_paging(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    let all = || Query::new();

    assert_eq!(
        w.ordered(all().sort(q.level().desc()).sort(q.name().asc()))
            .await,
        ["Drake", "Brute", "Ember", "Crawler", "Ashen"]
    );
    // Ties after every key: resource_id ascending.
    let mut expected = vec!["Drake".to_owned()];
    expected.extend(w.by_id(&["Brute", "Ember"]));
    expected.extend(["Crawler".to_owned(), "Ashen".to_owned()]);
    assert_eq!(w.ordered(all().sort(q.level().desc())).await, expected);
    // Null sorts last ascending, first descending ("Em" < "ash": byte order).
    let mut expected = vec!["Ember".to_owned(), "Ashen".to_owned(), "Crawler".to_owned()];
    expected.extend(w.by_id(&["Brute", "Drake"]));
    assert_eq!(w.ordered(all().sort(q.nickname().asc())).await, expected);
    let mut expected = w.by_id(&["Brute", "Drake"]);
    expected.extend(["Crawler".to_owned(), "Ashen".to_owned(), "Ember".to_owned()]);
    assert_eq!(w.ordered(all().sort(q.nickname().desc())).await, expected);
    // Absent sorts like null.
    let mut expected = vec!["Crawler".to_owned(), "Brute".to_owned(), "Ember".to_owned()];
    expected.extend(w.by_id(&["Ashen", "Drake"]));
    assert_eq!(w.ordered(all().sort(q.title().asc())).await, expected);
    assert_eq!(
        w.ordered(all().sort(q.stats().hp().desc())).await,
        ["Drake", "Brute", "Crawler", "Ember", "Ashen"]
    );
    // Meta sorts, and the default order: created_time, then resource_id.
    assert_eq!(
        w.ordered(all()).await,
        ["Ember", "Ashen", "Brute", "Crawler", "Drake"]
    );
    assert_eq!(
        w.ordered(all().sort(q.updated_time().desc())).await,
        ["Drake", "Crawler", "Brute", "Ashen", "Ember"]
    );
    assert_eq!(
        w.ordered(all().sort(q.rev_created_time().desc()).limit(2))
            .await,
        ["Crawler", "Drake"]
    );

    // Paging: offset, then limit; through the Search builder or a Query.
    let names = |r: Vec<specstar::Stored<Monster>>| -> Vec<String> {
        r.into_iter().map(|r| r.data.name).collect()
    };
    let page = w
        .monsters
        .search(q.level().gte(1))
        .sort(q.name().asc())
        .offset(1)
        .limit(2)
        .await
        .unwrap();
    assert_eq!(names(page), ["Brute", "Crawler"]);
    assert_eq!(
        w.ordered(all().sort(q.name().asc()).page(2, 2)).await,
        ["Crawler", "Drake"]
    );
    assert!(w.ordered(all().limit(0)).await.is_empty());
    assert!(w.ordered(all().offset(5)).await.is_empty());
    assert_eq!(
        w.ordered(all().sort(q.name().desc()).offset(4)).await,
        ["Ashen"]
    );
    // count ignores paging.
    let count = w
        .monsters
        .search(q.level().gte(1))
        .limit(1)
        .count()
        .await
        .unwrap();
    assert_eq!(count, 5);
}

async fn meta_fields(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    let s = Duration::seconds;
    let crawler = &w.ids["Crawler"];
    check(
        &w,
        vec![
            (q.created_by().eq("alice"), &["Ashen", "Brute"]),
            (q.created_by().eq("bob"), &["Crawler", "Drake", "Ember"]),
            (q.updated_by().eq("carol"), &["Crawler"]),
            (
                q.updated_by().one_of(["dave", "carol"]),
                &["Crawler", "Drake"],
            ),
            (q.rev_created_by().eq("carol"), &["Crawler"]),
            (q.rev_updated_by().eq("dave"), &["Drake"]),
            (q.rev_created_by().eq("bob"), &["Drake", "Ember"]),
            (q.total_revision_count().gt(1), &["Crawler"]),
            (
                q.total_revision_count().eq(1),
                &["Ashen", "Brute", "Drake", "Ember"],
            ),
            (q.rev_status().eq(RevisionStatus::Draft), &["Drake"]),
            (
                q.rev_status().ne(RevisionStatus::Draft),
                &["Ashen", "Brute", "Crawler", "Ember"],
            ),
            (q.resource_id().eq(&w.ids["Brute"]), &["Brute"]),
            (q.current_revision_id().eq(rev(crawler, 2)), &["Crawler"]),
            (
                q.current_revision_id().ends_with(":1"),
                &["Ashen", "Brute", "Drake", "Ember"],
            ),
            (
                q.schema_version().is_null(),
                &["Ashen", "Brute", "Crawler", "Drake", "Ember"],
            ),
            (
                q.created_time().between(w.base + s(2), w.base + s(3)),
                &["Brute", "Crawler"],
            ),
            (q.created_time().lt(w.base), &["Ember"]),
            (q.updated_time().gte(w.base + s(10)), &["Crawler", "Drake"]),
            (q.rev_created_time().gte(w.base + s(10)), &["Crawler"]),
            (q.rev_updated_time().gte(w.base + s(20)), &["Drake"]),
            (
                q.rev_updated_time().lt(w.base + s(20)) & q.level().gt(3),
                &["Brute", "Ember"],
            ),
        ],
    )
    .await;
}

async fn deleted_resources_are_excluded_unless_asked_for(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    check(
        &w,
        vec![
            (q.level().eq(5), &["Brute", "Ember"]),
            (q.tags().contains("undead"), &["Ashen", "Ember"]),
            (q.is_deleted().is_true(), &["Fallen"]),
            (q.is_deleted().is_true() & q.level().eq(5), &["Fallen"]),
            (
                q.is_deleted().is_true() | q.is_deleted().is_false(),
                &["Ashen", "Brute", "Crawler", "Drake", "Ember", "Fallen"],
            ),
        ],
    )
    .await;
    assert_eq!(w.monsters.count(Query::new()).await.unwrap(), 5);
    assert_eq!(w.monsters.count(q.is_deleted().is_true()).await.unwrap(), 1);
    let metas = w
        .monsters
        .search_metas(q.is_deleted().is_true())
        .await
        .unwrap();
    assert_eq!(metas.len(), 1);
    assert_eq!(metas[0].resource_id, w.ids["Fallen"]);
    assert!(metas[0].is_deleted);
    assert_eq!(metas[0].updated_by, "erin");
    let live = w.monsters.list().metas().await.unwrap();
    assert_eq!(live.len(), 5);
    assert!(live.iter().all(|m| !m.is_deleted));
}

async fn what_cannot_be_searched_is_a_bad_query(kind: Kind) {
    let db = Backend::open(kind).await;
    let w = seed(&db).await;
    let q = Monster::q();
    let bad = |e: specstar::Result<Vec<specstar::Stored<Monster>>>| match e {
        Err(Error::BadQuery { parameter, message }) => (parameter, message),
        other => panic!("expected BadQuery, got {other:?}"),
    };

    let lore = Condition::compare(FieldPath::data("lore"), Operator::Eq, "x");
    let (parameter, message) = bad(w.monsters.search(lore.clone()).await);
    assert_eq!(parameter, "conditions");
    assert!(
        message.contains("`lore`") && message.contains("not indexed"),
        "{message}"
    );
    let err = w.monsters.count(lore).await.unwrap_err();
    assert!(matches!(err, Error::BadQuery { .. }), "{err:?}");

    let (parameter, message) = bad(w
        .monsters
        .search(Query::new().sort(Sort::asc(FieldPath::data("lore"))))
        .await);
    assert_eq!(parameter, "sorts");
    assert!(message.contains("lore"), "{message}");

    let (_, message) = bad(w.monsters.search(q.name().regex("(unclosed")).await);
    assert!(
        message.contains("`name`") && message.contains("regex"),
        "{message}"
    );

    let not_a_list = Condition::compare(FieldPath::data("level"), Operator::In, 3);
    let (_, message) = bad(w.monsters.search(not_a_list).await);
    assert!(message.contains("`level`"), "{message}");

    let not_a_bool = Condition::compare(FieldPath::data("nickname"), Operator::Exists, "yes");
    let (_, message) = bad(w.monsters.search(not_a_bool).await);
    assert!(message.contains("`nickname`"), "{message}");

    // A nested path is indexed only where declared.
    let speed = Condition::compare(FieldPath::data("stats.speed"), Operator::Gt, 0);
    let (_, message) = bad(w.monsters.search(speed).await);
    assert!(message.contains("stats.speed"), "{message}");
}

on_every_backend!(
    comparisons_and_ranges,
    text_matching,
    membership_and_lists,
    null_absent_and_bool_helpers,
    date_helpers,
    combinators,
    sorts_and_paging,
    meta_fields,
    deleted_resources_are_excluded_unless_asked_for,
    what_cannot_be_searched_is_a_bad_query,
);
