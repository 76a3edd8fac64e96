use specstar::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Extra {
    pub note: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[index]
    #[serde(flatten)]
    pub extra: Extra,
    #[index]
    #[serde(skip)]
    pub cache: i64,
}

fn main() {}
