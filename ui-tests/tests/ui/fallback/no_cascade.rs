// An attribute error is reported once; code using the type still type-checks against the
// stub impls (no "Zone is not a resource", no "no method named level").
use specstar::prelude::*;

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(encoding = yaml)]
pub struct Zone {
    #[index]
    pub level: i64,
}

fn uses_zone() -> &'static str {
    let _ = Zone::q().level();
    let _ = Zone::descriptor();
    Zone::NAME
}

fn main() {
    let _ = uses_zone();
}
