//! The typed search builder returned by `ResourceManager::search`, and the rule that deleted
//! resources are excluded unless a query asks about them.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use super::{ModelHandle, Resource};
use crate::model::{self, ResourceMeta, Result};
use crate::query::{Condition, FieldPath, MetaField, Operator, Query, Sort};

/// `query` with `is_deleted = false` ANDed in, unless its condition mentions `is_deleted`.
pub fn with_deleted_default(query: &Query) -> Query {
    fn mentions_is_deleted(condition: &Condition) -> bool {
        match condition {
            Condition::Compare { field, .. } => *field == FieldPath::Meta(MetaField::IsDeleted),
            Condition::And(cs) | Condition::Or(cs) => cs.iter().any(mentions_is_deleted),
            Condition::Not(c) => mentions_is_deleted(c),
        }
    }
    let mut query = query.clone();
    let not_deleted = Condition::Compare {
        field: FieldPath::Meta(MetaField::IsDeleted),
        op: Operator::Eq,
        value: serde_json::Value::Bool(false),
    };
    query.condition = match query.condition.take() {
        None => Some(not_deleted),
        Some(c) if mentions_is_deleted(&c) => Some(c),
        Some(c) => Some(Condition::And(vec![c, not_deleted])),
    };
    query
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

/// A search being built: add sorts and paging, then `.await` it for the resources, or call
/// [`metas`](Search::metas) / [`count`](Search::count).
///
/// ```ignore
/// let top = zones.search(Zone::q().level().gt(3)).sort(Zone::q().level().desc()).limit(20).await?;
/// ```
#[must_use = "a search does nothing until it is awaited"]
pub struct Search<T> {
    handle: ModelHandle,
    query: Query,
    _type: PhantomData<fn() -> T>,
}

impl<T: Resource> Search<T> {
    pub(crate) fn new(handle: ModelHandle, query: Query) -> Self {
        Search {
            handle,
            query,
            _type: PhantomData,
        }
    }

    /// Add a sort key (after those already given).
    pub fn sort(mut self, sort: impl Into<Sort>) -> Self {
        self.query.sorts.push(sort.into());
        self
    }

    /// Return at most `limit` resources.
    pub fn limit(mut self, limit: usize) -> Self {
        self.query.limit = Some(limit);
        self
    }

    /// Skip the first `offset` resources.
    pub fn offset(mut self, offset: usize) -> Self {
        self.query.offset = offset;
        self
    }

    /// The query as built so far.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Only the metas of the matching resources.
    pub async fn metas(self) -> Result<Vec<ResourceMeta>> {
        self.handle.search_metas(&self.query).await
    }

    /// The number of matching resources (sorts and paging ignored).
    pub async fn count(self) -> Result<u64> {
        self.handle.count(&self.query).await
    }
}

impl<T: Resource> IntoFuture for Search<T> {
    type Output = Result<Vec<model::Resource<T>>>;
    type IntoFuture = BoxFuture<Vec<model::Resource<T>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let found = self.handle.search(&self.query).await?;
            found
                .into_iter()
                .map(|r| super::manager::typed::<T>(&self.handle, r))
                .collect()
        })
    }
}
