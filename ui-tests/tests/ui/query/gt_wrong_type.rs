// The typed query only accepts values of the field's type.
use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Zone {
    #[index]
    pub level: i64,
}

fn main() {
    let _ = Zone::q().level().gt("x");
}
