// Every mistake in the struct is reported in one compilation, each at its own token.
use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(default_status = published)]
pub struct Zone {
    #[index]
    #[index]
    pub name: String,
    #[display_name]
    pub level: i64,
    #[specstar(sorted)]
    pub tags: Vec<String>,
    #[ref_to("zone", on_delete = set_null)]
    pub parent: String,
}

fn main() {}
