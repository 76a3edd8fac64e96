//! Crash test (design.md §4: "an acknowledged write survives a crash of the process").
//!
//! A child process writes through the manager — creates, updates that change the unique
//! `name`, soft deletes, and creates that must fail on a taken name — from four concurrent
//! tasks, printing every acknowledged write (`ACK <id> <revision id> <name>`, flushed). The
//! parent SIGKILLs it at a random moment, reopens the store and checks:
//! - every acknowledged revision is readable with the acknowledged data, and the meta's current
//!   revision is that one or a later one; acknowledged deletes are deleted;
//! - every meta points at an existing revision; `total_revision_count` equals the stored
//!   revisions, numbered 1..=n with a linear parent chain;
//! - the store's unique entries are exactly the names held by non-deleted resources, and
//!   (SQLite) the index table rows are exactly the metas' indexed values.
//!
//! 20 kills per backend (sqlite, disk, postgres), each on the store the previous kills left.
//! A custom harness (`harness = false`): the same binary is the child when
//! `SPECSTAR_TEST_CHILD` is set. Seeds are printed; `SPECSTAR_CRASH_SEED` replays one.

mod app_common;
mod store_common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app_common::process::{self, Rng, report};
use app_common::{Player, Target, check_store_invariants_of, open_players};
use specstar_runtime::model::Error;

const KILLS: usize = 20;
const TASKS: u64 = 4;

fn main() {
    process::run_as("crash-writer", child, parent);
}

// ------------------------------------------------------------------------------------ child

/// Args: backend URL, run number, seed. Writes until killed.
async fn child() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, run, seed] = &args[..] else {
        panic!("crash-writer expects: <backend url> <run> <seed>, got {args:?}");
    };
    let seed: u64 = seed.parse().expect("seed");
    let spec = open_players(url).await;
    report("READY");
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let players = spec.manager::<Player>();
        let run = run.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed ^ (task + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            // (id, current name, level) of this task's live resources.
            let mut mine: Vec<(String, String, i64)> = Vec::new();
            for i in 0.. {
                let name = format!("r{run}-t{task}-{i}");
                let roll = rng.below(100);
                if mine.len() < 2 || roll < 40 {
                    match players.create(app_common::player(&name, 1)).await {
                        Ok(info) => {
                            report(format!(
                                "ACK {} {} {name}",
                                info.resource_id, info.revision_id
                            ));
                            mine.push((info.resource_id, name, 1));
                        }
                        Err(e) => report(format!("ERR create {name}: {e}")),
                    }
                } else if roll < 85 {
                    let k = rng.below(mine.len() as u64) as usize;
                    let (id, _, level) = &mine[k];
                    let next = app_common::player(&name, level + 1);
                    match players.update(id, next).await {
                        Ok(info) => {
                            report(format!("ACK {id} {} {name}", info.revision_id));
                            mine[k].1 = name;
                            mine[k].2 += 1;
                        }
                        Err(e) => report(format!("ERR update {id}: {e}")),
                    }
                } else if roll < 93 {
                    // A taken name: the store must refuse it, and the refusal must not disturb
                    // the commits around it.
                    let k = rng.below(mine.len() as u64) as usize;
                    let taken = mine[k].1.clone();
                    match players.create(app_common::player(&taken, 9)).await {
                        Err(Error::UniqueViolation { .. }) => {}
                        Ok(info) => report(format!("BUG duplicate {taken} {}", info.resource_id)),
                        Err(e) => report(format!("ERR duplicate {taken}: {e}")),
                    }
                } else {
                    let k = rng.below(mine.len() as u64) as usize;
                    let (id, _, _) = mine.swap_remove(k);
                    match players.delete(&id).await {
                        Ok(_) => report(format!("DEL {id}")),
                        Err(e) => report(format!("ERR delete {id}: {e}")),
                    }
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

// ----------------------------------------------------------------------------------- parent

#[derive(Default)]
struct Acked {
    /// resource id → acknowledged (revision id, name), in acknowledgement order.
    revisions: HashMap<String, Vec<(String, String)>>,
    deleted: Vec<String>,
}

impl Acked {
    fn merge(&mut self, other: Acked) {
        self.revisions.extend(other.revisions);
        self.deleted.extend(other.deleted);
    }

    fn record(&mut self, lines: &[String]) -> usize {
        let mut n = 0;
        for line in lines {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["ACK", id, rev, name] => {
                    self.revisions
                        .entry((*id).to_owned())
                        .or_default()
                        .push(((*rev).to_owned(), (*name).to_owned()));
                    n += 1;
                }
                ["DEL", id] => {
                    self.deleted.push((*id).to_owned());
                    n += 1;
                }
                _ => panic!("child reported a failure: {line}"),
            }
        }
        n
    }
}

fn revision_number(revision_id: &str) -> u64 {
    revision_id
        .rsplit(':')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("revision id `{revision_id}` ends with its number"))
}

/// Check the acknowledged writes of `acked` and the invariants of the resources whose name
/// starts with `prefix` (the resources one run could have touched; `""` for all).
async fn check(target: &Target, acked: &Acked, prefix: &str) {
    let spec = open_players(&target.url()).await;
    let players = spec.manager::<Player>();
    for (id, revisions) in &acked.revisions {
        for (revision_id, name) in revisions {
            let found = players
                .get(id)
                .revision(revision_id)
                .include_deleted(true)
                .await
                .unwrap_or_else(|e| panic!("acknowledged {revision_id} is lost: {e}"));
            assert_eq!(&found.data.name, name, "data of {revision_id}");
        }
        let meta = players
            .get_meta(id)
            .await
            .expect("meta of an acked resource");
        let (last, _) = revisions.last().expect("at least one");
        assert!(
            revision_number(&meta.current_revision_id) >= revision_number(last),
            "{id}: current {} is older than acknowledged {last}",
            meta.current_revision_id
        );
    }
    for id in &acked.deleted {
        let meta = players
            .get_meta(id)
            .await
            .expect("meta of a deleted resource");
        assert!(meta.is_deleted, "acknowledged delete of {id} is lost");
    }
    let checked = check_store_invariants_of(&**spec.store(), "player", |meta| {
        meta.indexed_data
            .get("name")
            .and_then(|n| n.as_str())
            .is_some_and(|n| n.starts_with(prefix))
    })
    .await;
    for id in acked.revisions.keys() {
        assert!(
            checked.contains_key(id) || !prefix.is_empty(),
            "{id} is missing from the search"
        );
    }
    target.check_unique_entries(&**spec.store()).await;
    target.check_index_rows(&**spec.store()).await;
}

async fn crash_loop(target: &Target, seed: u64) {
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let mut all = Acked::default();
    let mut writes = 0;
    for run in 0..KILLS {
        let args = vec![target.url(), run.to_string(), rng.next().to_string()];
        let mut child = process::spawn("crash-writer", &args);
        let mut lines = Vec::new();
        if rng.below(10) == 0 {
            // Sometimes while it opens the store (creating tables, reconciling files).
            tokio::time::sleep(Duration::from_millis(rng.below(40))).await;
        } else {
            // Usually anywhere from "just opened" to a few hundred writes in.
            lines = child.wait_for("READY", Duration::from_secs(30));
            tokio::time::sleep(Duration::from_millis(rng.below(250))).await;
        }
        lines.extend(child.kill());
        lines.retain(|line| line != "READY");
        // After each kill: this run's writes and resources, the unique entries of all.
        let mut this_run = Acked::default();
        writes += this_run.record(&lines);
        check(target, &this_run, &format!("r{run}-")).await;
        all.merge(this_run);
    }
    // At the end: every write of every run, every resource.
    check(target, &all, "").await;
    println!(
        "{}: {KILLS} kills, {writes} acknowledged writes, {} resources, all consistent ({:.1?})",
        target.name(),
        all.revisions.len(),
        started.elapsed()
    );
    assert!(writes > 0, "the child never acknowledged a write");
}

async fn parent() {
    // Like libtest: `--list` lists, other arguments are name filters
    // (`cargo test --test store_crash -- sqlite`).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names = ["sqlite", "disk", "postgres"].map(|b| format!("store_crash::{b}"));
    if args.iter().any(|a| a == "--list") {
        for name in &names {
            println!("{name}: test");
        }
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));

    let seed = std::env::var("SPECSTAR_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Rng::seed_from_time);
    println!("store_crash: seed {seed} (replay with SPECSTAR_CRASH_SEED={seed})");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ran = 0;
    if selected(&names[0]) {
        crash_loop(&Target::Sqlite(dir.path().join("crash.db")), seed).await;
        ran += 1;
    }
    if selected(&names[1]) {
        crash_loop(&Target::Disk(dir.path().join("crash-data")), seed).await;
        ran += 1;
    }
    if selected(&names[2])
        && let Some(url) = store_common::postgres_reachable().await
    {
        let schema = store_common::random_schema();
        let _guard = store_common::SchemaGuard {
            url: url.clone(),
            schema: schema.clone(),
        };
        crash_loop(&Target::Postgres { url, schema }, seed).await;
        ran += 1;
    }
    println!("test result: ok. {ran} passed (store_crash)");
}
