//! Behaviour tests of the manager on the memory store, with hand-written `Resource` impls
//! (what `#[derive(Resource)]` will generate). One file per concern.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::SpecStar;
use crate::query::{Condition, FieldPath, MetaField, Operator};
use crate::resource::{
    IndexKind, IndexSpec, OnDelete, RefSpec, RefType, Resource, ResourceDescriptor,
};

const fn index(path: &'static str, kind: IndexKind) -> IndexSpec {
    IndexSpec {
        path,
        kind,
        unique: false,
        nullable: false,
        list: false,
    }
}

const fn reference(field: &'static str, target: &'static str, on_delete: OnDelete) -> RefSpec {
    RefSpec {
        field,
        target,
        ref_type: RefType::ResourceId,
        on_delete,
        nullable: false,
        list: false,
    }
}

const fn descriptor(
    name: &'static str,
    type_name: &'static str,
    indexes: &'static [IndexSpec],
    refs: &'static [RefSpec],
) -> ResourceDescriptor {
    ResourceDescriptor {
        name,
        type_name,
        description: None,
        indexes,
        refs,
        display_name: None,
        default_status: None,
        encoding: None,
        version: None,
    }
}

/// Implement `Resource` by hand, as the derive will.
macro_rules! resource {
    ($ty:ident, $query:ident, $descriptor:ident) => {
        #[derive(Default)]
        pub struct $query;
        impl Resource for $ty {
            const NAME: &'static str = $descriptor.name;
            type Query = $query;
            fn descriptor() -> &'static ResourceDescriptor {
                &$descriptor
            }
        }
    };
}

/// A zone: unique name, indexed level and tags.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Zone {
    pub name: String,
    pub level: i64,
    #[serde(default)]
    pub tags: Vec<String>,
}

pub static ZONE: ResourceDescriptor = descriptor(
    "zone",
    "Zone",
    &[
        IndexSpec {
            unique: true,
            ..index("name", IndexKind::String)
        },
        index("level", IndexKind::Integer),
        IndexSpec {
            list: true,
            ..index("tags", IndexKind::String)
        },
    ],
    &[],
);
resource!(Zone, ZoneQuery, ZONE);

/// A monster living in a zone (cascade), with an optional home (set_null), a patrol route of
/// zones (list, set_null) and a pinned snapshot of a zone revision (revision ref).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Monster {
    pub name: String,
    pub zone_id: String,
    pub home_id: Option<String>,
    #[serde(default)]
    pub patrol: Vec<String>,
    pub zone_snapshot: Option<String>,
    pub hp: i64,
}

pub static MONSTER: ResourceDescriptor = descriptor(
    "monster",
    "Monster",
    &[
        index("name", IndexKind::String),
        index("zone_id", IndexKind::String),
        IndexSpec {
            nullable: true,
            ..index("home_id", IndexKind::String)
        },
        IndexSpec {
            list: true,
            ..index("patrol", IndexKind::String)
        },
        index("hp", IndexKind::Integer),
    ],
    &[
        reference("zone_id", "zone", OnDelete::Cascade),
        RefSpec {
            nullable: true,
            ..reference("home_id", "zone", OnDelete::SetNull)
        },
        RefSpec {
            list: true,
            ..reference("patrol", "zone", OnDelete::SetNull)
        },
        RefSpec {
            ref_type: RefType::RevisionId,
            nullable: true,
            ..reference("zone_snapshot", "zone", OnDelete::Dangling)
        },
    ],
);
resource!(Monster, MonsterQuery, MONSTER);

/// Loot carried by a monster (cascade: deleting a zone deletes its monsters and their loot).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Loot {
    pub item: String,
    pub monster_id: String,
}

pub static LOOT: ResourceDescriptor = descriptor(
    "loot",
    "Loot",
    &[index("monster_id", IndexKind::String)],
    &[reference("monster_id", "monster", OnDelete::Cascade)],
);
resource!(Loot, LootQuery, LOOT);

/// A user with an optional unique e-mail (`None` may repeat).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct User {
    pub name: String,
    pub email: Option<String>,
}

pub static USER: ResourceDescriptor = descriptor(
    "user",
    "User",
    &[IndexSpec {
        unique: true,
        nullable: true,
        ..index("email", IndexKind::String)
    }],
    &[],
);
resource!(User, UserQuery, USER);

/// A gem stored as MessagePack (set on the type).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Gem {
    pub name: String,
    pub carats: f64,
    pub cut: Option<String>,
}

pub static GEM: ResourceDescriptor = ResourceDescriptor {
    encoding: Some(crate::model::Encoding::Msgpack),
    ..descriptor("gem", "Gem", &[index("carats", IndexKind::Float)], &[])
};
resource!(Gem, GemQuery, GEM);

pub fn zone(name: &str, level: i64) -> Zone {
    Zone {
        name: name.to_owned(),
        level,
        tags: Vec::new(),
    }
}

pub fn monster(name: &str, zone_id: &str) -> Monster {
    Monster {
        name: name.to_owned(),
        zone_id: zone_id.to_owned(),
        home_id: None,
        patrol: Vec::new(),
        zone_snapshot: None,
        hp: 10,
    }
}

pub fn user(name: &str, email: Option<&str>) -> User {
    User {
        name: name.to_owned(),
        email: email.map(str::to_owned),
    }
}

/// An app with every fixture type on a fresh memory store.
pub async fn app() -> SpecStar {
    builder().build().await.expect("the fixture app builds")
}

/// The builder of [`app`], to add settings.
pub fn builder() -> crate::app::SpecStarBuilder {
    SpecStar::builder()
        .resource::<Zone>()
        .resource::<Monster>()
        .resource::<Loot>()
        .resource::<User>()
        .resource::<Gem>()
}

/// `data.<path> <op> value`.
pub fn data(path: &'static str, op: Operator, value: Value) -> Condition {
    Condition::Compare {
        field: FieldPath::Data(path.into()),
        op,
        value,
    }
}

/// `<meta field> <op> value`.
pub fn meta(field: MetaField, op: Operator, value: Value) -> Condition {
    Condition::Compare {
        field: FieldPath::Meta(field),
        op,
        value,
    }
}

/// `data.<path> == value`.
pub fn eq(path: &'static str, value: impl Into<Value>) -> Condition {
    data(path, Operator::Eq, value.into())
}

/// A JSON Patch from a JSON array.
pub fn patch(document: Value) -> crate::resource::patch::Patch {
    crate::resource::patch::parse(document).expect("a valid patch")
}

// Declared after the `resource!` macro so that they can use it.
mod app;
mod concurrency;
mod constraints;
mod context;
mod crud;
mod encoding;
mod events;
mod refs;
mod revisions;
mod search;
mod unique;
