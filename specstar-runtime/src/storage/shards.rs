//! [`Shards`]: a map keyed by resource id, split so that it never grows all at once.
//!
//! A hash map doubles its table when it fills up, rehashing every entry while the model's lock
//! is held: at half a million resources that stalled every request for 100-150 ms (the create
//! p99 of the HTTP benchmark). Split over [`SHARDS`] maps, picked by a hash of the id, each
//! doubling moves a sixty-fourth of the entries. The memory store keeps its resources in one,
//! the meta indexes their live and deleted ids.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use super::meta_index::HashMap;

/// How many maps the entries are split over.
const SHARDS: usize = 64;

/// A map from resource id (`K`: `String`, `Arc<str>`) to `V`, in [`SHARDS`] maps.
#[derive(Debug)]
pub(crate) struct Shards<K, V> {
    /// Picks the shard. Its seed differs from the maps' own, so the ids of one shard still
    /// spread over that shard's buckets.
    pick: foldhash::fast::RandomState,
    maps: Box<[HashMap<K, V>]>,
}

impl<K, V> Default for Shards<K, V> {
    fn default() -> Self {
        Shards {
            pick: foldhash::fast::RandomState::default(),
            maps: (0..SHARDS).map(|_| HashMap::default()).collect(),
        }
    }
}

impl<K: Borrow<str> + Hash + Eq, V> Shards<K, V> {
    fn shard(&self, id: &str) -> usize {
        (self.pick.hash_one(id) % SHARDS as u64) as usize
    }

    pub fn get(&self, id: &str) -> Option<&V> {
        self.maps[self.shard(id)].get(id)
    }

    /// The stored key equal to `id` (to share it).
    pub fn get_key(&self, id: &str) -> Option<&K> {
        self.maps[self.shard(id)].get_key_value(id).map(|(k, _)| k)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        let shard = self.shard(id);
        self.maps[shard].get_mut(id)
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.maps[self.shard(id)].contains_key(id)
    }

    pub fn insert(&mut self, id: K, value: V) -> Option<V> {
        let shard = self.shard(id.borrow());
        self.maps[shard].insert(id, value)
    }

    pub fn remove(&mut self, id: &str) -> Option<V> {
        let shard = self.shard(id);
        self.maps[shard].remove(id)
    }

    pub fn len(&self) -> usize {
        self.maps.iter().map(HashMap::len).sum()
    }

    /// Every key, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.maps.iter().flat_map(HashMap::keys)
    }

    /// Every value, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.maps.iter().flat_map(HashMap::values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_one_map() {
        let mut shards: Shards<String, i32> = Shards::default();
        let mut map = std::collections::HashMap::new();
        for i in 0..2000 {
            let id = format!("character:{i}");
            assert_eq!(shards.insert(id.clone(), i), map.insert(id, i));
        }
        assert_eq!(shards.insert("character:7".into(), -7), Some(7));
        map.insert("character:7".into(), -7);
        for i in (0..2000).step_by(3) {
            let id = format!("character:{i}");
            assert_eq!(shards.remove(&id), map.remove(&id));
            assert_eq!(shards.remove(&id), None);
        }
        *shards.get_mut("character:8").unwrap() += 1000;
        *map.get_mut("character:8").unwrap() += 1000;
        for i in 0..2100 {
            let id = format!("character:{i}");
            assert_eq!(shards.get(&id), map.get(&id), "{id}");
            assert_eq!(shards.contains_key(&id), map.contains_key(&id));
            assert_eq!(shards.get_key(&id), map.get_key_value(&id).map(|(k, _)| k));
        }
        let mut values: Vec<i32> = shards.values().copied().collect();
        let mut expected: Vec<i32> = map.values().copied().collect();
        values.sort_unstable();
        expected.sort_unstable();
        assert_eq!(values, expected);
        assert_eq!(shards.len(), map.len());
        let mut keys: Vec<&String> = shards.keys().collect();
        let mut expected: Vec<&String> = map.keys().collect();
        keys.sort_unstable();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        let used = shards.maps.iter().filter(|m| !m.is_empty()).count();
        assert_eq!(used, SHARDS, "the ids spread over every shard");
    }
}
