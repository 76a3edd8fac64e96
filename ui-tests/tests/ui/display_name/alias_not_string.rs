// A type alias hides the type from the derive; the static assertion catches it.
use specstar::prelude::*;

type Label = i64;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[display_name]
    pub name: Label,
}

fn main() {}
