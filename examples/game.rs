//! The game example: five resources served over HTTP.
//!
//! ```text
//! cargo run --example game            # http://127.0.0.1:8000/docs, data and files in ./specstar.db
//! SPECSTAR_ADDR=0.0.0.0:9000 SPECSTAR_BACKEND=sqlite::memory: cargo run --example game
//! ```

use specstar::prelude::*;

/// A zone of the game world.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    /// The zone's name, unique among zones.
    #[display_name]
    #[unique]
    pub name: String,
    #[index]
    pub level: i64,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A guild of characters.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Guild {
    #[display_name]
    #[unique]
    pub name: String,
    pub motto: Option<String>,
    /// The guild's emblem: send `{"data": <base64>, "content_type": "image/png"}`; read back
    /// `{file_id, size, content_type}` and download it from `/guild/{id}/blobs/{file_id}`.
    #[serde(default)]
    pub emblem: Option<Binary>,
}

/// A player character.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Character {
    #[display_name]
    #[index]
    pub name: String,
    #[index]
    pub level: i64,
    #[index]
    pub role: String,
    #[index]
    #[serde(default)]
    pub gold: i64,
    #[ref_to(Guild, on_delete = set_null)]
    pub guild_id: Option<String>,
}

/// A monster living in a zone.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[display_name]
    #[index]
    pub name: String,
    #[ref_to(Zone, on_delete = cascade)]
    pub zone_id: String,
    #[index]
    pub hp: i64,
    #[index]
    #[serde(default)]
    pub boss: bool,
    #[ref_to("zone", revision)]
    pub zone_snapshot: Option<String>,
}

/// An item owned by a character.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Item {
    #[display_name]
    pub name: String,
    #[ref_to(Character, on_delete = cascade)]
    pub owner_id: String,
    #[index]
    pub rarity: String,
    #[index]
    pub price: f64,
}

#[tokio::main]
async fn main() -> specstar::Result<()> {
    // every #[derive(Resource)] above, SQLite file specstar.db unless SPECSTAR_BACKEND says otherwise
    specstar::serve().await
}

// A server binary chooses its allocator: with glibc's, allocation was a seventh of a request's
// CPU under load (arena lock waits, consolidation). specstar itself does not pick one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
