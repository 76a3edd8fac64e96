// Index paths are serialized names: serde `rename` and `rename_all` are followed.
use specstar::prelude::*;

#[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[serde(rename_all = "kebab-case")]
pub struct Stats {
    #[index]
    pub max_hp: i64,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Hero {
    #[display_name]
    #[serde(rename = "heroName")]
    pub name: String,
    #[index]
    pub home_town: String,
    #[ref_to("guild")]
    pub guild_id: Option<String>,
    #[nested]
    #[serde(rename = "STATS")]
    pub stats: Stats,
    #[index]
    pub r#type: String,
}

fn main() {
    let d = Hero::descriptor();
    let paths: Vec<&str> = d.indexes.iter().map(|i| i.path).collect();
    assert_eq!(paths, ["homeTown", "guildId", "STATS.max-hp", "type"]);
    assert_eq!(d.display_name, Some("heroName"));
    assert_eq!(d.refs[0].field, "guildId");
    // Accessors keep the Rust names.
    assert_eq!(
        format!("{:?}", Hero::q().stats().max_hp().path()),
        r#"Data("STATS.max-hp")"#
    );
    assert_eq!(format!("{:?}", Hero::q().r#type().path()), r#"Data("type")"#);
}
