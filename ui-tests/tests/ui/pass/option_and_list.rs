// `Option<T>` and `Vec<T>` fields: nullable and list indexes, optional and list references.
use specstar::prelude::*;
use specstar::{IndexKind, OnDelete};

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Guild {
    #[index]
    pub name: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Player {
    #[index]
    pub nickname: Option<String>,
    #[index]
    pub scores: Vec<i64>,
    #[index]
    pub rating: Option<f64>,
    #[index]
    pub banned: bool,
    #[index]
    pub last_seen: Option<specstar::Timestamp>,
    #[ref_to(Guild, on_delete = set_null)]
    pub guild_id: Option<String>,
    #[ref_to(Player)]
    pub friends: Vec<String>,
}

fn main() {
    let d = Player::descriptor();
    let nickname = d.index("nickname").unwrap();
    assert!(nickname.nullable && !nickname.list);
    assert_eq!(nickname.kind, IndexKind::String);
    let scores = d.index("scores").unwrap();
    assert!(scores.list && !scores.nullable);
    assert_eq!(scores.kind, IndexKind::Integer);
    assert_eq!(d.index("rating").unwrap().kind, IndexKind::Float);
    assert_eq!(d.index("banned").unwrap().kind, IndexKind::Boolean);
    assert_eq!(d.index("last_seen").unwrap().kind, IndexKind::DateTime);

    let guild = &d.refs[0];
    assert_eq!((guild.field, guild.target), ("guild_id", "guild"));
    assert!(guild.nullable && !guild.list);
    assert_eq!(guild.on_delete, OnDelete::SetNull);
    let friends = &d.refs[1];
    assert_eq!((friends.field, friends.target), ("friends", "player"));
    assert!(friends.list && !friends.nullable);
    // List references are indexed as lists of strings.
    let friends_index = d.index("friends").unwrap();
    assert!(friends_index.list);
    assert_eq!(friends_index.kind, IndexKind::String);
}
