//! Store benchmark through the manager (full revision history): create, get, update and an
//! indexed equality search, on SQLite, PostgreSQL and disk.
//!
//! ```text
//! cargo run --release -p specstar-runtime --example bench_store -- \
//!     [--backends sqlite,postgres,disk] [--n 100000] [--concurrency 16] [--searches 500]
//!     [--postgres-url postgres://postgres@127.0.0.1:5432/test] [--sqlite-sync normal|full]
//!     [--keep]   (keep the PostgreSQL schema / print the SQLite file, to inspect plans)
//! ```
//!
//! Each backend starts empty (a temporary SQLite file / disk directory, a fresh PostgreSQL
//! schema dropped afterwards). Phases, each with `--concurrency` callers sharing the work:
//! - `create`: n resources (a unique `name`, an indexed `team` shared by 20 resources, an
//!   indexed `level`, ~100 bytes of payload);
//! - `get`: n reads of random resources (current revision, data decoded);
//! - `update`: n/2 updates of random resources (a new revision each);
//! - `search`: `team == <random team>` with limit 20 (20 hits of n), one caller at a time, the
//!   metas only (`search_metas`) and with the data (`search`).
//!
//! Figures: operations per second, p50 / p99 latency, and the CPU time of this process per
//! operation (all threads; Linux) — the one figure that stays meaningful when other programs
//! load the machine. (The PostgreSQL server's own CPU is not included.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use specstar_runtime::app::SpecStar;
use specstar_runtime::query::{Condition, FieldPath, Operator};
use specstar_runtime::resource::{IndexKind, IndexSpec, Resource, ResourceDescriptor};
use specstar_runtime::storage::config::Backend;

/// The benchmarked resource.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug)]
struct Item {
    name: String,
    team: String,
    level: i64,
    payload: String,
}

static ITEM: ResourceDescriptor = ResourceDescriptor {
    name: "item",
    type_name: "Item",
    description: None,
    indexes: &[
        IndexSpec {
            path: "name",
            kind: IndexKind::String,
            unique: true,
            nullable: false,
            list: false,
        },
        IndexSpec {
            path: "team",
            kind: IndexKind::String,
            unique: false,
            nullable: false,
            list: false,
        },
        IndexSpec {
            path: "level",
            kind: IndexKind::Integer,
            unique: false,
            nullable: false,
            list: false,
        },
    ],
    refs: &[],
    display_name: Some("name"),
    default_status: None,
    encoding: None,
    version: None,
};

#[derive(Default)]
struct ItemQuery;

impl Resource for Item {
    const NAME: &'static str = "item";
    type Query = ItemQuery;
    fn descriptor() -> &'static ResourceDescriptor {
        &ITEM
    }
}

const TEAM_SIZE: u64 = 20;

fn item(i: u64, level: i64) -> Item {
    Item {
        name: format!("item-{i:08}"),
        team: format!("team-{:06}", i / TEAM_SIZE),
        level,
        payload: format!("{:0>100}", i),
    }
}

struct Options {
    backends: Vec<String>,
    n: u64,
    concurrency: u64,
    searches: u64,
    postgres_url: String,
    sqlite_sync: String,
    keep: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        backends: vec!["sqlite".into(), "postgres".into()],
        n: 100_000,
        concurrency: 16,
        searches: 500,
        postgres_url: std::env::var("SPECSTAR_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        sqlite_sync: "normal".into(),
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--backends" => o.backends = value()?.split(',').map(str::to_owned).collect(),
            "--n" => o.n = number(value()?)?.max(TEAM_SIZE),
            "--concurrency" => o.concurrency = number(value()?)?.max(1),
            "--searches" => o.searches = number(value()?)?.max(1),
            "--postgres-url" => o.postgres_url = value()?,
            "--sqlite-sync" => o.sqlite_sync = value()?,
            "--keep" => o.keep = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

/// Latencies of one phase.
struct Timings {
    name: &'static str,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU time of this process (all threads) during the phase, when known (Linux).
    cpu: Option<Duration>,
}

/// CPU time used by this process so far (user + system), from `/proc/self/stat` (Linux).
/// Unlike wall time it barely moves when other programs load the machine.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(command)`: state is field 3, utime 14, stime 15 (clock ticks).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

impl Timings {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(i).copied().unwrap_or_default()
    }

    fn print(&self, backend: &str, concurrency: u64) {
        let ops = self.latencies.len() as f64 / self.elapsed.as_secs_f64();
        let cpu = self.cpu.map_or("-".to_owned(), |cpu| {
            format!(
                "{:.0}",
                cpu.as_secs_f64() * 1e6 / self.latencies.len().max(1) as f64
            )
        });
        println!(
            "{backend:<9} {:<13} {:>7} ops {:>3} callers {:>9.0} ops/s   p50 {:>8.3} ms   p99 {:>8.3} ms   cpu {:>5} us/op",
            self.name,
            self.latencies.len(),
            concurrency,
            ops,
            self.percentile(0.5).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
            cpu,
        );
    }
}

/// Run `op(i)` for i in 0..count with `concurrency` callers; the latency of each call.
async fn phase<F, Fut>(name: &'static str, count: u64, concurrency: u64, op: F) -> Timings
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let cpu_before = process_cpu();
    let started = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..concurrency {
        let op = op.clone();
        let next = next.clone();
        callers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return latencies;
                }
                let t = Instant::now();
                op(i).await;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut latencies = Vec::with_capacity(count as usize);
    for caller in callers {
        latencies.extend(caller.await.expect("caller task"));
    }
    let elapsed = started.elapsed();
    let cpu = process_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    Timings {
        name,
        elapsed,
        latencies,
        cpu,
    }
}

/// A cheap deterministic pseudo-random index (splitmix64).
fn pick(i: u64, salt: u64, n: u64) -> u64 {
    let mut z = i
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % n
}

async fn bench(backend: &str, spec: SpecStar, o: &Options) {
    let items = spec.manager::<Item>();
    let n = o.n;
    let c = o.concurrency;

    let slots: Arc<Vec<parking_lot::Mutex<String>>> = Arc::new(
        (0..n)
            .map(|_| parking_lot::Mutex::new(String::new()))
            .collect(),
    );
    let (m, s) = (items.clone(), slots.clone());
    phase("create", n, c, move |i| {
        let (m, s) = (m.clone(), s.clone());
        async move {
            let info = m.create(item(i, (i % 100) as i64)).await.expect("create");
            *s[i as usize].lock() = info.resource_id;
        }
    })
    .await
    .print(backend, c);
    let ids: Arc<Vec<String>> = Arc::new(slots.iter().map(|s| s.lock().clone()).collect());

    let (m, all) = (items.clone(), ids.clone());
    phase("get", n, c, move |i| {
        let (m, all) = (m.clone(), all.clone());
        async move {
            let id = &all[pick(i, 1, n) as usize];
            m.get(id).await.expect("get");
        }
    })
    .await
    .print(backend, c);

    let (m, all) = (items.clone(), ids.clone());
    phase("update", n / 2, c, move |i| {
        let (m, all) = (m.clone(), all.clone());
        async move {
            let k = pick(i, 2, n);
            // A level no earlier write used: always a new revision.
            let level = 1_000 + i as i64;
            m.update(&all[k as usize], item(k, level))
                .await
                .expect("update");
        }
    })
    .await
    .print(backend, c);

    let teams = n / TEAM_SIZE;
    for (name, with_data) in [("search_metas", false), ("search", true)] {
        let m = items.clone();
        let timings = phase(name, o.searches, 1, move |i| {
            let m = m.clone();
            async move {
                let team = format!("team-{:06}", pick(i, 3, teams));
                let condition =
                    Condition::compare(FieldPath::parse("team"), Operator::Eq, team.as_str());
                let hits = if with_data {
                    m.search(condition).limit(20).await.expect("search").len()
                } else {
                    let query = specstar_runtime::query::Query::from(condition).limit(20);
                    m.search_metas(query).await.expect("search").len()
                };
                assert_eq!(hits as u64, TEAM_SIZE, "hits of {team}");
            }
        })
        .await;
        timings.print(backend, 1);
    }
}

async fn open(backend: Backend) -> SpecStar {
    SpecStar::builder()
        .backend(backend)
        .resource::<Item>()
        .build()
        .await
        .expect("open the backend")
}

#[tokio::main]
async fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bench_store: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "bench_store: n = {}, {} callers, {} searches, {} cores",
        o.n,
        o.concurrency,
        o.searches,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for backend in &o.backends {
        let temp = tempfile::tempdir().expect("temp dir");
        let (dir, _cleanup) = if o.keep {
            let kept = temp.keep();
            println!("kept directory {}", kept.display());
            (kept, None)
        } else {
            (temp.path().to_owned(), Some(temp))
        };
        match backend.as_str() {
            "sqlite" => {
                let b = Backend::sqlite(dir.join("bench.db"))
                    .option("synchronous", o.sqlite_sync.as_str());
                bench(backend, open(b).await, &o).await;
            }
            "disk" => bench(backend, open(Backend::disk(&dir)).await, &o).await,
            "memory" => bench(backend, open(Backend::memory()).await, &o).await,
            "postgres" => {
                let schema = format!("specstar_bench_{}", uuid::Uuid::new_v4().simple());
                let b = Backend::postgres(&o.postgres_url)
                    .schema(&schema)
                    .option("max_connections", 16);
                bench(backend, open(b).await, &o).await;
                if o.keep {
                    println!("kept schema {schema}");
                } else {
                    drop_schema(&o.postgres_url, &schema).await;
                }
            }
            other => eprintln!("bench_store: unknown backend `{other}`"),
        }
    }
}

async fn drop_schema(url: &str, schema: &str) {
    use sqlx::Connection;
    if let Ok(mut conn) = sqlx::PgConnection::connect(url).await {
        let sql = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
        {
            eprintln!("bench_store: could not drop schema {schema}: {e}");
        }
    }
}
