// Nested structs: `#[nested]` with `#[derive(Nested)]` (typed, any depth, optional), and the
// container `index = "a.b"` form (untyped) for structs that do not derive `Nested`.
use specstar::prelude::*;
use specstar::IndexKind;

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Resist {
    #[index]
    pub fire: i32,
}

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Stats {
    #[index]
    pub hp: i64,
    pub mana: i64,
    #[nested]
    pub resist: Resist,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Appearance {
    pub color: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(index = "appearance.color")]
pub struct Character {
    #[index]
    pub name: String,
    #[nested]
    pub stats: Stats,
    #[nested]
    pub backup: Option<Stats>,
    pub appearance: Appearance,
}

fn main() {
    let d = Character::descriptor();
    let paths: Vec<&str> = d.indexes.iter().map(|i| i.path).collect();
    assert_eq!(
        paths,
        [
            "name",
            "stats.hp",
            "stats.resist.fire",
            "backup.hp",
            "backup.resist.fire",
            "appearance.color",
        ]
    );
    assert_eq!(d.index("stats.hp").unwrap().kind, IndexKind::Integer);
    assert!(!d.index("stats.hp").unwrap().nullable);
    assert!(d.index("backup.resist.fire").unwrap().nullable);
    assert_eq!(d.index("appearance.color").unwrap().kind, IndexKind::Any);

    let hp: specstar::Field<i64> = Character::q().stats().hp();
    assert_eq!(format!("{:?}", hp.path()), r#"Data("stats.hp")"#);
    let fire: specstar::Field<i32> = Character::q().backup().resist().fire();
    assert_eq!(format!("{:?}", fire.path()), r#"Data("backup.resist.fire")"#);
}
