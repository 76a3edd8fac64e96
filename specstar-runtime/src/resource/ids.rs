//! Resource ids, revision ids and write uids, exactly as the REST surface spells them:
//! a resource id is `"{name}:{uuid4}"`, a revision id `"{resource_id}:{n}"` with n = 1, 2, …

/// A fresh resource id for the resource named `name`: `"zone:6f1c…"`.
///
/// ```
/// let id = specstar_runtime::resource::ids::new_resource_id("zone");
/// assert!(id.starts_with("zone:"));
/// assert_eq!(id.len(), "zone:".len() + 36);
/// ```
pub fn new_resource_id(name: &str) -> String {
    format!("{name}:{}", uuid::Uuid::new_v4())
}

/// The id of revision number `n` of `resource_id`.
///
/// ```
/// use specstar_runtime::resource::ids::revision_id;
/// assert_eq!(revision_id("zone:abc", 3), "zone:abc:3");
/// ```
pub fn revision_id(resource_id: &str, n: u64) -> String {
    format!("{resource_id}:{n}")
}

/// A fresh write uid (a UUID v4, hyphenated).
pub fn new_uid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Whether `revision_id` names a revision of `resource_id` (`"{resource_id}:{n}"`, n ≥ 1).
///
/// ```
/// use specstar_runtime::resource::ids::is_revision_of;
/// assert!(is_revision_of("zone:abc:2", "zone:abc"));
/// assert!(!is_revision_of("zone:abcd:2", "zone:abc"));
/// assert!(!is_revision_of("zone:abc:x", "zone:abc"));
/// ```
pub fn is_revision_of(revision_id: &str, resource_id: &str) -> bool {
    revision_id
        .strip_prefix(resource_id)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|n| n.parse::<u64>().ok())
        .is_some_and(|n| n >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_are_name_colon_uuid4() {
        let id = new_resource_id("monster");
        let uuid = id.strip_prefix("monster:").expect("prefix");
        let parsed = uuid::Uuid::parse_str(uuid).expect("a uuid");
        assert_eq!(parsed.get_version_num(), 4);
        assert_ne!(new_resource_id("monster"), id);
    }

    #[test]
    fn revision_ids_append_the_number() {
        assert_eq!(revision_id("monster:x", 1), "monster:x:1");
        assert!(is_revision_of(&revision_id("monster:x", 12), "monster:x"));
        assert!(!is_revision_of("monster:x:0", "monster:x"));
    }
}
