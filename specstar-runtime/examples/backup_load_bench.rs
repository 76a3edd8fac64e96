//! Bounded-memory benchmark of `SpecStar::load`: writes an archive of N resources (R revisions
//! each) to a temporary file, streaming, then loads it into a fresh store and reports the time
//! and the process's peak resident memory (`VmHWM`) after each phase. Memory should stay flat
//! as N grows: a load holds one frame and one resource's history at a time.
//!
//! ```text
//! cargo run --release -p specstar-runtime --example backup_load_bench -- 100000 2 sqlite
//! /usr/bin/time -v target/release/examples/backup_load_bench 100000 2 sqlite   # "Maximum resident set size"
//! ```
//!
//! Arguments (all optional): resources (default 100000), revisions per resource (default 2),
//! backend `sqlite` | `disk` | `memory` (default sqlite; `memory` keeps the loaded data in
//! memory by design, so it measures the store, not the load).

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use specstar_runtime::app::SpecStar;
use specstar_runtime::backup::{ArchiveWriter, OnDuplicate, Record};
use specstar_runtime::model::{ResourceMeta, RevisionInfo, RevisionStatus, Timestamp};
use specstar_runtime::resource::hash::data_hash;
use specstar_runtime::resource::{IndexKind, IndexSpec, Resource, ResourceDescriptor};
use specstar_runtime::storage::{ResourceStore, StoredRevision};

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
struct Item {
    name: String,
    level: i64,
    note: String,
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

impl Resource for Item {
    const NAME: &'static str = "item";
    type Query = ();
    fn descriptor() -> &'static ResourceDescriptor {
        &ITEM
    }
}

/// Peak resident set size of this process in KiB (Linux `VmHWM`), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn report(phase: &str, started: Instant) {
    let rss = peak_rss_kib().map_or("unknown".to_owned(), |k| {
        format!("{:.1} MiB", k as f64 / 1024.0)
    });
    println!("{phase}: {:.2?}, peak RSS so far {rss}", started.elapsed());
}

/// Write the archive, one resource at a time.
async fn write_archive(
    path: &std::path::Path,
    resources: u64,
    revisions: u64,
) -> specstar_runtime::Result<()> {
    let file = tokio::fs::File::create(path)
        .await
        .map_err(|e| specstar_runtime::Error::storage("bench", "create the archive", e))?;
    let mut writer = ArchiveWriter::new(file);
    writer.write(&Record::Header { version: 2 }).await?;
    writer
        .write(&Record::ModelStart {
            model_name: "item".into(),
        })
        .await?;
    let base: Timestamp = specstar_runtime::model::now();
    let note = "n".repeat(200);
    for i in 0..resources {
        let id = format!("item:{:08}-0000-4000-8000-000000000000", i);
        let mut infos = Vec::new();
        let mut payloads = Vec::new();
        for n in 1..=revisions {
            let data = serde_json::to_vec(&Item {
                name: format!("item-{i}"),
                level: (n as i64) * 10 + (i % 7) as i64,
                note: note.clone(),
            })
            .map_err(|e| specstar_runtime::Error::storage("bench", "encode", e))?;
            let at = base + chrono::Duration::microseconds((i * revisions + n) as i64);
            infos.push(RevisionInfo {
                uid: format!("uid-{i}-{n}"),
                resource_id: id.clone(),
                revision_id: format!("{id}:{n}"),
                parent_revision_id: (n > 1).then(|| format!("{id}:{}", n - 1)),
                schema_version: None,
                data_hash: data_hash(&data),
                status: RevisionStatus::Stable,
                created_time: at,
                updated_time: at,
                created_by: "bench".into(),
                updated_by: "bench".into(),
                parent_schema_version: None,
            });
            payloads.push(data);
        }
        let last = infos.last().cloned().expect("at least one revision");
        let mut meta = ResourceMeta {
            current_revision_id: String::new(),
            resource_id: id.clone(),
            schema_version: None,
            total_revision_count: revisions,
            created_time: infos[0].created_time,
            updated_time: last.updated_time,
            created_by: "bench".into(),
            updated_by: "bench".into(),
            is_deleted: false,
            indexed_data: Default::default(),
            rev_status: RevisionStatus::Stable,
            rev_created_by: String::new(),
            rev_updated_by: String::new(),
            rev_created_time: last.created_time,
            rev_updated_time: last.updated_time,
        };
        meta.mirror_revision(&last);
        writer.write(&Record::Meta(meta)).await?;
        for (info, data) in infos.into_iter().zip(payloads) {
            writer
                .write(&Record::Revision(StoredRevision { info, data }))
                .await?;
        }
    }
    writer
        .write(&Record::ModelEnd {
            model_name: "item".into(),
        })
        .await?;
    writer.write(&Record::Eof).await?;
    writer.finish().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> specstar_runtime::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let resources: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let revisions: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2).max(1);
    let backend = args
        .get(2)
        .map(String::as_str)
        .unwrap_or("sqlite")
        .to_owned();
    let dir = tempfile::tempdir()
        .map_err(|e| specstar_runtime::Error::storage("bench", "temp dir", e))?;
    let archive = dir.path().join("bench.acbak");
    println!("backup load bench: {resources} resources x {revisions} revisions, {backend} store");
    report("start", Instant::now());

    let started = Instant::now();
    write_archive(&archive, resources, revisions).await?;
    let size = std::fs::metadata(&archive).map(|m| m.len()).unwrap_or(0);
    report(
        &format!("wrote archive ({:.1} MiB)", size as f64 / 1048576.0),
        started,
    );

    let store: Arc<dyn ResourceStore> = match backend.as_str() {
        "memory" => Arc::new(specstar_runtime::storage::memory::MemoryStore::new()),
        "disk" => Arc::new(
            specstar_runtime::storage::disk::DiskStore::open(dir.path().join("data")).await?,
        ),
        _ => Arc::new(
            specstar_runtime::storage::sqlite::SqliteStore::open_file(dir.path().join("bench.db"))
                .await?,
        ),
    };
    let spec = SpecStar::builder()
        .store(store)
        .resource::<Item>()
        .build()
        .await?;
    let started = Instant::now();
    let input = tokio::fs::File::open(&archive)
        .await
        .map_err(|e| specstar_runtime::Error::storage("bench", "open the archive", e))?;
    let checked = spec.check_archive(input).await?;
    report("first pass (check and spool)", started);
    let writing = Instant::now();
    let stats = checked.load(OnDuplicate::Overwrite).await?;
    report("second pass (write)", writing);
    let elapsed = started.elapsed().as_secs_f64();
    report("loaded", started);
    let item = stats.get("item").copied().unwrap_or_default();
    println!(
        "loaded {} of {} resources ({:.0} resources/s)",
        item.loaded,
        item.total,
        item.loaded as f64 / elapsed.max(1e-9)
    );
    Ok(())
}
