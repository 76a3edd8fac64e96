//! The paged, filtered revision list of one resource (the `revision-list` route).

use std::collections::HashMap;

use crate::model::{Error, Result, RevisionInfo, Timestamp};
use crate::query::Direction;

/// Options of [`ModelHandle::revision_list`](super::ModelHandle::revision_list).
///
/// ```
/// use specstar_runtime::resource::RevisionListQuery;
/// let q = RevisionListQuery { chain_only: true, limit: 50, ..Default::default() };
/// assert_eq!(q.offset, 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionListQuery {
    /// Page size (≥ 1, default 10).
    pub limit: usize,
    /// Revisions to skip (default 0).
    pub offset: usize,
    /// Order by `created_time` (default newest first); ties by revision number.
    pub sort: Direction,
    /// Only revisions created at or after this time.
    pub created_time_start: Option<Timestamp>,
    /// Only revisions created at or before this time.
    pub created_time_end: Option<Timestamp>,
    /// With `chain_only`: the revision whose ancestry is listed (default: the current one).
    /// Without: the list (in `sort` order) starts at this revision.
    pub from_revision_id: Option<String>,
    /// List only the revision and its ancestors, following `parent_revision_id` links.
    pub chain_only: bool,
}

impl Default for RevisionListQuery {
    fn default() -> Self {
        RevisionListQuery {
            limit: 10,
            offset: 0,
            sort: Direction::Desc,
            created_time_start: None,
            created_time_end: None,
            from_revision_id: None,
            chain_only: false,
        }
    }
}

/// One page: the revisions, the number matching before paging, whether more follow.
pub(crate) struct Page {
    pub revisions: Vec<RevisionInfo>,
    pub total: u64,
    pub has_more: bool,
}

/// The revision number at the end of a revision id.
fn number(info: &RevisionInfo) -> u64 {
    info.revision_id
        .rsplit(':')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Select, sort and page `all` (every revision of the resource) by `query`. `not_found` makes
/// the error for an unknown `from_revision_id`.
pub(crate) fn page(
    all: Vec<RevisionInfo>,
    current_revision_id: &str,
    query: &RevisionListQuery,
    not_found: impl FnOnce(&str) -> Error,
) -> Result<Page> {
    if query.limit == 0 {
        return Err(Error::bad_query("limit", "must be at least 1"));
    }
    if let Some(from) = &query.from_revision_id
        && !all.iter().any(|r| &r.revision_id == from)
    {
        return Err(not_found(from));
    }
    let mut selected: Vec<RevisionInfo> = if query.chain_only {
        let by_id: HashMap<&str, &RevisionInfo> =
            all.iter().map(|r| (r.revision_id.as_str(), r)).collect();
        let mut chain = Vec::new();
        let mut next = Some(
            query
                .from_revision_id
                .as_deref()
                .unwrap_or(current_revision_id),
        );
        while let Some(id) = next {
            let Some(info) = by_id.get(id) else { break };
            if chain.len() > all.len() {
                break; // a parent cycle cannot happen, but never loop forever on stored data
            }
            chain.push((*info).clone());
            next = info.parent_revision_id.as_deref();
        }
        chain
    } else {
        all
    };
    selected.retain(|r| {
        query.created_time_start.is_none_or(|t| r.created_time >= t)
            && query.created_time_end.is_none_or(|t| r.created_time <= t)
    });
    selected.sort_by(|a, b| {
        let ord = a
            .created_time
            .cmp(&b.created_time)
            .then_with(|| number(a).cmp(&number(b)));
        if query.sort == Direction::Desc {
            ord.reverse()
        } else {
            ord
        }
    });
    if !query.chain_only
        && let Some(from) = &query.from_revision_id
        && let Some(start) = selected.iter().position(|r| &r.revision_id == from)
    {
        selected.drain(..start);
    }
    let total = selected.len();
    let revisions: Vec<RevisionInfo> = selected
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .collect();
    let has_more = query.offset.saturating_add(revisions.len()) < total;
    Ok(Page {
        revisions,
        total: total as u64,
        has_more,
    })
}
