use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
pub struct Monster {
    #[ref_to]
    pub a: String,
    #[ref_to(on_delete = cascade)]
    pub b: String,
    #[ref_to("zone", ondelete = cascade)]
    pub c: String,
    #[ref_to("zone", on_delete = explode)]
    pub d: String,
}

fn main() {}
