use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[index]
    #[specstar(index)]
    pub name: String,
    #[unique]
    #[specstar(unique, unique)]
    pub code: String,
}

fn main() {}
