use specstar::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Position {
    pub x: i32,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[index]
    pub position: Position,
    #[unique]
    pub corner: (i32, i32),
}

fn main() {}
