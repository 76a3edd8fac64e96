//! Two OS processes write the same resources at the same time (design.md §4: concurrent writers
//! never lose a revision, never reuse a number; unique values stay unique across processes).
//!
//! The parent creates a few resources; two child processes (three tasks each) start at the same
//! instant and, through the manager, patch random ones of them (each patch sets a value no
//! other write uses, so every acknowledged patch is one new revision), and all try to create
//! the same `shared-k` names. Afterwards:
//! - the revisions of each resource are exactly its first revision plus every acknowledged
//!   patch of both processes (none lost, none unacknowledged), numbered 1..=n, each the parent
//!   of the next, each holding the acknowledged data;
//! - each `shared-k` was won by exactly one create of the six, and the store's unique entries
//!   are exactly the held names.
//!
//! Runs on PostgreSQL (the acceptance target), and on SQLite and disk, which also support
//! several processes on one database file / directory. A custom harness (`harness = false`).

mod app_common;
mod store_common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use app_common::process::{self, Rng, report};
use app_common::{Player, Target, check_store_invariants, open_players};
use serde_json::json;
use specstar_runtime::model::Error;
use specstar_runtime::resource::patch;

const RESOURCES: usize = 6;
const TASKS: u64 = 3;
const PATCHES: u64 = 40;
const SHARED: u64 = 15;

fn main() {
    process::run_as("contender", child, parent);
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

// ------------------------------------------------------------------------------------ child

/// Args: backend URL, process name, comma-separated resource ids, start time (unix ms), seed.
async fn child() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, me, ids, start_at, seed] = &args[..] else {
        panic!("contender expects: <url> <name> <ids> <start unix ms> <seed>, got {args:?}");
    };
    let ids: Vec<String> = ids.split(',').map(str::to_owned).collect();
    let start_at: u64 = start_at.parse().expect("start time");
    let seed: u64 = seed.parse().expect("seed");
    let spec = open_players(url).await;
    // Both processes begin at the same instant.
    tokio::time::sleep(Duration::from_millis(start_at.saturating_sub(now_ms()))).await;
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let players = spec.manager::<Player>().as_user(format!("{me}-{task}"));
        let ids = ids.clone();
        let me = me.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed ^ (task + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            for i in 0..PATCHES {
                if i < SHARED {
                    let name = format!("shared-{i}");
                    match players.create(app_common::player(&name, 0)).await {
                        Ok(info) => report(format!("WON {name} {}", info.resource_id)),
                        Err(Error::UniqueViolation { .. }) => report(format!("LOST {name}")),
                        Err(e) => report(format!("ERR create {name}: {e}")),
                    }
                }
                let id = &ids[rng.below(ids.len() as u64) as usize];
                let team = format!("{me}-{task}-{i}");
                let change = patch::parse(json!([
                    {"op": "replace", "path": "/team", "value": team},
                    {"op": "replace", "path": "/level", "value": rng.below(1000)},
                ]))
                .expect("a valid patch");
                match players.patch(id, &change).await {
                    Ok(info) => report(format!("ACK {id} {} {team}", info.revision_id)),
                    Err(e) => report(format!("ERR patch {id}: {e}")),
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer task");
    }
}

// ----------------------------------------------------------------------------------- parent

async fn run(target: &Target, seed: u64) {
    let started = std::time::Instant::now();
    let spec = open_players(&target.url()).await;
    let players = spec.manager::<Player>();
    let mut ids = Vec::new();
    for k in 0..RESOURCES {
        let info = players
            .create(app_common::player(format!("base-{k}"), 0))
            .await
            .expect("create a base resource");
        ids.push(info.resource_id);
    }
    let start_at = (now_ms() + 1500).to_string();
    let children: Vec<_> = ["a", "b"]
        .iter()
        .enumerate()
        .map(|(n, me)| {
            let args = vec![
                target.url(),
                (*me).to_owned(),
                ids.join(","),
                start_at.clone(),
                (seed.wrapping_add(n as u64 + 1)).to_string(),
            ];
            (*me, process::spawn("contender", &args))
        })
        .collect();

    // resource id → acknowledged revision id → (team, process)
    let mut acked: HashMap<String, BTreeMap<String, (String, &str)>> = HashMap::new();
    let mut won: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut lost: BTreeMap<String, usize> = BTreeMap::new();
    for (me, child) in children {
        for line in child.finish(Duration::from_secs(120)) {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["ACK", id, rev, team] => {
                    let previous = acked
                        .entry((*id).to_owned())
                        .or_default()
                        .insert((*rev).to_owned(), ((*team).to_owned(), me));
                    assert!(previous.is_none(), "{rev} acknowledged twice");
                }
                ["WON", name, id] => won
                    .entry((*name).to_owned())
                    .or_default()
                    .push((*id).to_owned()),
                ["LOST", name] => *lost.entry((*name).to_owned()).or_default() += 1,
                _ => panic!("{me} reported a failure: {line}"),
            }
        }
    }

    // A fresh store: the disk backend's search index sees other processes' writes only after
    // a restart (documented); the SQL backends would not need it.
    drop(players);
    let spec = open_players(&target.url()).await;
    let players = spec.manager::<Player>();

    // Every revision is the first one or an acknowledged patch; none is missing.
    let revisions = check_store_invariants(&**spec.store(), "player").await;
    let mut interleaved = 0;
    for id in &ids {
        let stored: BTreeSet<String> = revisions[id]
            .iter()
            .skip(1)
            .map(|info| info.revision_id.clone())
            .collect();
        let mine = acked.get(id).cloned().unwrap_or_default();
        let acknowledged: BTreeSet<String> = mine.keys().cloned().collect();
        assert_eq!(
            stored,
            acknowledged,
            "{}: revisions of {id} vs acknowledged patches",
            target.name()
        );
        for (revision_id, (team, _)) in &mine {
            let found = players.get(id).revision(revision_id).await.unwrap();
            assert_eq!(&found.data.team, team, "data of {revision_id}");
        }
        let writers: BTreeSet<&str> = mine.values().map(|(_, me)| *me).collect();
        if writers.len() == 2 {
            interleaved += 1;
        }
    }
    assert!(interleaved > 0, "no resource was written by both processes");
    let patches: usize = acked.values().map(BTreeMap::len).sum();
    assert_eq!(
        patches as u64,
        2 * TASKS * PATCHES,
        "every patch acknowledged"
    );

    // Each shared name: one winner of 2 × TASKS attempts, holding it.
    for k in 0..SHARED {
        let name = format!("shared-{k}");
        let winners = won.get(&name).cloned().unwrap_or_default();
        assert_eq!(
            winners.len(),
            1,
            "{}: winners of {name}: {winners:?}",
            target.name()
        );
        assert_eq!(lost.get(&name).copied().unwrap_or(0) as u64, 2 * TASKS - 1);
        let holder = players.get(&winners[0]).await.unwrap();
        assert_eq!(holder.data.name, name);
    }
    target.check_unique_entries(&**spec.store()).await;
    println!(
        "{}: {patches} patches from two processes on {RESOURCES} resources, {SHARED} contested \
         names, nothing lost ({:.1?})",
        target.name(),
        started.elapsed()
    );
}

async fn parent() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names = ["postgres", "sqlite", "disk"].map(|b| format!("store_two_process::{b}"));
    if args.iter().any(|a| a == "--list") {
        for name in &names {
            println!("{name}: test");
        }
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let seed = std::env::var("SPECSTAR_TWO_PROCESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Rng::seed_from_time);
    println!("store_two_process: seed {seed} (replay with SPECSTAR_TWO_PROCESS_SEED={seed})");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ran = 0;
    if selected(&names[0])
        && let Some(url) = store_common::postgres_reachable().await
    {
        let schema = store_common::random_schema();
        let _guard = store_common::SchemaGuard {
            url: url.clone(),
            schema: schema.clone(),
        };
        run(&Target::Postgres { url, schema }, seed).await;
        ran += 1;
    }
    if selected(&names[1]) {
        run(&Target::Sqlite(dir.path().join("shared.db")), seed).await;
        ran += 1;
    }
    if selected(&names[2]) {
        run(&Target::Disk(dir.path().join("shared-data")), seed).await;
        ran += 1;
    }
    println!("test result: ok. {ran} passed (store_two_process)");
}
