use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[display_name]
    pub name: String,
    #[display_name]
    pub title: String,
}

fn main() {}
