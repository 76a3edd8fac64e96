//! Group commit: the single writer of a SQLite store.
//!
//! Every write of a store (commits, purges, schema statements) is a [`Work`] item sent to one
//! writer thread. The writer takes whatever has queued up while the previous batch ran (up to
//! [`MAX_BATCH`] items, without waiting for more) and runs the batch as **one** transaction:
//!
//! ```text
//! BEGIN IMMEDIATE
//!   SAVEPOINT w; <item 1>                  -- item 1 succeeded
//!   SAVEPOINT w; <item 2>; ROLLBACK TO w   -- item 2 failed: only its writes undone
//!   …
//! COMMIT                                   -- then every caller gets its own result
//! ```
//!
//! A commit item is sent as one script (`sql::commit::commit_script`: every step, each checked
//! one returning a row), so it costs one round trip to SQLite's connection thread instead of one
//! per statement; when a row is missing (a lost compare-and-set, a taken unique value) the
//! script is rolled back to its savepoint and the commit replayed step by step, which produces
//! the precise error.
//!
//! Each item keeps its own semantics: the compare-and-set and unique checks of a commit run
//! against the state left by the items before it in the batch (the same state a one-by-one
//! writer would see), and a failing item is rolled back to its savepoint alone, so it fails
//! alone. A caller is answered only after `COMMIT` returned, so an acknowledged write is in the
//! WAL (and survives a process crash; see the durability notes in the [parent module](super)).
//! If `BEGIN`, a savepoint statement or `COMMIT` fails, the whole batch is rolled back and every
//! caller in it gets the error (nothing of the batch was written).
//!
//! Under one caller, batches have one item (no added latency: the writer never waits to fill a
//! batch); under many concurrent callers, one transaction — one WAL append and, with
//! `synchronous=FULL`, one fsync — serves many writes.
//!
//! The WAL is checkpointed by a connection of its own (`PRAGMA wal_checkpoint(PASSIVE)` after
//! every [`CHECKPOINT_EVERY`] writes, one at a time), concurrently with the writer, instead of
//! by the committing connection once the WAL passes 1000 pages: that work (copying pages into
//! the database file, fsync) no longer stalls the batches behind it. Measured on 20k creates
//! with 16 callers: ~15% more throughput, p99 latency 18 → 11 ms. A passive checkpoint never
//! blocks writers or readers, and is crash-safe at any point (SQLite's own guarantee).
//!
//! The writer runs on its own thread (with a current-thread Tokio runtime), so it neither
//! depends on nor competes with the caller's runtime. It stops when the store is dropped. A
//! caller that stops waiting (its future dropped) does not cancel its write.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, Row, Sqlite, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use super::{BACKEND, bind_all, db_error};
use crate::model::{Error, Result};
use crate::resource::ResourceDescriptor;
use crate::storage::sql::commit::{self, SqlTx, TableNames};
use crate::storage::sql::{self, Statement};
use crate::storage::{Commit, ImportMode, ImportOutcome, ImportedResource};

/// Writes between two background checkpoints.
pub(super) const CHECKPOINT_EVERY: usize = 200;

/// The most items in one transaction.
pub(super) const MAX_BATCH: usize = 256;

/// How many items may wait for the writer before senders wait too (backpressure).
const QUEUE: usize = 4 * MAX_BATCH;

/// One write.
pub(super) enum Work {
    /// Apply a commit (see [`commit::apply_commit`]).
    Commit {
        model: String,
        descriptor: &'static ResourceDescriptor,
        commit: Box<Commit>,
    },
    /// Remove a resource (see [`commit::purge`]).
    Purge { model: String, resource_id: String },
    /// Install a whole resource from a backup (see [`commit::apply_import`]).
    Import {
        model: String,
        descriptor: &'static ResourceDescriptor,
        resource: Box<ImportedResource>,
        mode: ImportMode,
    },
    /// Schema creation: `statements`, then, when the table named in `backfill` did not exist
    /// before them, the backfill statement that fills it.
    Setup {
        statements: Vec<String>,
        backfill: Option<(String, Statement)>,
    },
}

/// What a successful [`Work`] did.
#[derive(Debug, Clone, Copy)]
pub(super) enum Outcome {
    /// A commit, purge or setup was written.
    Applied,
    /// An import was written (or skipped, for a resource that exists).
    Imported(ImportOutcome),
}

struct Job {
    work: Work,
    /// What the write does, for error messages.
    action: String,
    reply: oneshot::Sender<Result<Outcome>>,
}

/// The handle to a store's writer thread.
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
    stats: Arc<Stats>,
}

/// Counters of a writer (for tests and diagnostics).
#[derive(Default)]
pub(super) struct Stats {
    /// Transactions run so far (one per batch).
    pub batches: AtomicU64,
    /// Commits whose one-round-trip script failed and that were replayed step by step.
    pub replays: AtomicU64,
    /// Background checkpoints completed.
    pub checkpoints: AtomicU64,
}

impl Writer {
    /// Start the writer thread over `pool` (the connection(s) writes use).
    pub(super) fn start(
        pool: SqlitePool,
        checkpoints: Option<SqlitePool>,
        tables: Arc<TableNames>,
    ) -> Result<Writer> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let stats = Arc::new(Stats::default());
        let counters = stats.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::storage(BACKEND, "start the writer thread", e))?;
        std::thread::Builder::new()
            .name("specstar-sqlite-writer".into())
            .spawn(move || runtime.block_on(run(pool, checkpoints, tables, queue, counters)))
            .map_err(|e| Error::storage(BACKEND, "start the writer thread", e))?;
        Ok(Writer { jobs, stats })
    }

    /// How many transactions (batches) the writer has run.
    pub(super) fn batches(&self) -> u64 {
        self.stats.batches.load(Ordering::Relaxed)
    }

    /// How many commits were replayed step by step after their script failed.
    #[cfg(test)]
    pub(super) fn replays(&self) -> u64 {
        self.stats.replays.load(Ordering::Relaxed)
    }

    /// How many background checkpoints have completed.
    #[cfg(test)]
    pub(super) fn checkpoints(&self) -> u64 {
        self.stats.checkpoints.load(Ordering::Relaxed)
    }

    /// Run `work` in the next batch; its own result once the batch is committed.
    pub(super) async fn write(&self, action: String, work: Work) -> Result<Outcome> {
        let (reply, answer) = oneshot::channel();
        let stopped = |action: &str| Error::Storage {
            backend: BACKEND,
            message: format!("{action}: the sqlite writer has stopped"),
            source: None,
        };
        if self
            .jobs
            .send(Job {
                work,
                action: action.clone(),
                reply,
            })
            .await
            .is_err()
        {
            return Err(stopped(&action));
        }
        answer.await.unwrap_or_else(|_| Err(stopped(&action)))
    }
}

/// The writer loop: one batch per turn, made of whatever is queued.
async fn run(
    pool: SqlitePool,
    checkpoints: Option<SqlitePool>,
    tables: Arc<TableNames>,
    mut queue: mpsc::Receiver<Job>,
    stats: Arc<Stats>,
) {
    let checkpointing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut since_checkpoint = 0usize;
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        since_checkpoint += batch.len();
        run_batch(&pool, &tables, batch, &stats).await;
        if let Some(checkpoints) = &checkpoints
            && since_checkpoint >= CHECKPOINT_EVERY
            && !checkpointing.swap(true, Ordering::AcqRel)
        {
            since_checkpoint = 0;
            let (checkpoints, checkpointing) = (checkpoints.clone(), checkpointing.clone());
            let stats = stats.clone();
            tokio::spawn(async move {
                match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&checkpoints)
                    .await
                {
                    Ok(_) => {
                        stats.checkpoints.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => tracing::warn!(%error, "sqlite checkpoint failed"),
                }
                checkpointing.store(false, Ordering::Release);
            });
        }
    }
    pool.close().await;
}

/// The same failure for every job of a batch that did not commit.
fn batch_error(action: &str, what: &str, e: &sqlx::Error) -> Error {
    Error::Storage {
        backend: BACKEND,
        message: format!("{action}: {what} failed, nothing of this write was stored: {e}"),
        source: None,
    }
}

async fn execute(conn: &mut SqliteConnection, sql: &'static str) -> sqlx::Result<()> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

async fn run_batch(pool: &SqlitePool, tables: &TableNames, batch: Vec<Job>, stats: &Stats) {
    let mut conn: PoolConnection<Sqlite> = match pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => return fail(batch, "getting the write connection", &e),
    };
    if let Err(e) = execute(&mut conn, "BEGIN IMMEDIATE").await {
        return fail(batch, "BEGIN", &e);
    }
    let mut done: Vec<(Job, Result<Outcome>)> = Vec::with_capacity(batch.len());
    let mut pending = batch.into_iter();
    while let Some(job) = pending.next() {
        match perform(&mut conn, tables, &job, stats).await {
            Ok(result) => done.push((job, result)),
            Err((what, e)) => return abort(&mut conn, done, job, pending, what, &e).await,
        }
    }
    match execute(&mut conn, "COMMIT").await {
        Ok(()) => {
            for (job, result) in done {
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            let _ = execute(&mut conn, "ROLLBACK").await;
            for (job, result) in done {
                let result = result.and_then(|_| Err(batch_error(&job.action, "COMMIT", &e)));
                let _ = job.reply.send(result);
            }
        }
    }
}

/// Roll the batch back and answer every job with the failure.
async fn abort(
    conn: &mut SqliteConnection,
    done: Vec<(Job, Result<Outcome>)>,
    current: Job,
    pending: impl Iterator<Item = Job>,
    what: &str,
    e: &sqlx::Error,
) {
    let _ = execute(conn, "ROLLBACK").await;
    for (job, result) in done {
        let result = result.and_then(|_| Err(batch_error(&job.action, what, e)));
        let _ = job.reply.send(result);
    }
    fail(std::iter::once(current).chain(pending), what, e);
}

fn fail(jobs: impl IntoIterator<Item = Job>, what: &str, e: &sqlx::Error) {
    for job in jobs {
        let error = batch_error(&job.action, what, e);
        let _ = job.reply.send(Err(error));
    }
}

/// Run one job inside the batch transaction, in its own savepoint.
///
/// Savepoints are never released: each job opens `SAVEPOINT w` on top of the previous ones and
/// `ROLLBACK TO w` undoes the most recent one only (this job's writes); `COMMIT` ends them all.
/// The job's own failure is `Ok(Err(..))`; `Err` means the batch can no longer be trusted (a
/// savepoint could not be rolled back) and must be aborted.
async fn perform(
    conn: &mut SqliteConnection,
    tables: &TableNames,
    job: &Job,
    stats: &Stats,
) -> std::result::Result<Result<Outcome>, (&'static str, sqlx::Error)> {
    if let Work::Commit {
        model,
        descriptor,
        commit,
    } = &job.work
    {
        // The common case in one round trip: every step as one script.
        let d = &sql::sqlite::Sqlite::default();
        let script = match commit::commit_script(d, tables, model, descriptor, commit) {
            Ok(script) => script,
            Err(e) => return Ok(Err(e)),
        };
        let (frag, expected) = script;
        let st = frag.sql("; ").finish(d);
        let sql = format!("SAVEPOINT w; {}", st.sql);
        match bind_all(sqlx::query(AssertSqlSafe(sql)), st.binds)
            .fetch_all(&mut *conn)
            .await
        {
            Ok(rows) if rows.len() == expected => return Ok(Ok(Outcome::Applied)),
            // A step did not hold (or failed): undo the script, then replay step by step for
            // the precise error.
            _ => {
                stats.replays.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = execute(conn, "ROLLBACK TO w").await {
                    return Err(("rolling back a failed write", e));
                }
            }
        }
    }
    if let Err(e) = execute(conn, "SAVEPOINT w").await {
        return Err(("SAVEPOINT", e));
    }
    let result = perform_steps(conn, tables, job).await;
    if result.is_err()
        && let Err(e) = execute(conn, "ROLLBACK TO w").await
    {
        // SQLite may have rolled back the whole transaction (I/O error, disk full): the
        // earlier jobs are gone too.
        return Err(("rolling back a failed write", e));
    }
    Ok(result)
}

async fn perform_steps(
    conn: &mut SqliteConnection,
    tables: &TableNames,
    job: &Job,
) -> Result<Outcome> {
    let mut tx = WriteConn {
        conn,
        action: &job.action,
    };
    let d = &sql::sqlite::Sqlite::default();
    match &job.work {
        Work::Commit {
            model,
            descriptor,
            commit,
        } => commit::apply_commit(&mut tx, d, tables, model, descriptor, commit)
            .await
            .map(|()| Outcome::Applied),
        Work::Purge { model, resource_id } => commit::purge(&mut tx, d, tables, model, resource_id)
            .await
            .map(|()| Outcome::Applied),
        Work::Import {
            model,
            descriptor,
            resource,
            mode,
        } => commit::apply_import(&mut tx, d, tables, model, descriptor, resource, *mode)
            .await
            .map(Outcome::Imported),
        Work::Setup {
            statements,
            backfill,
        } => {
            let existed = match backfill {
                Some((table, _)) => tx
                    .fetch_text(Statement {
                        sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?"
                            .into(),
                        binds: vec![sql::Bind::Text(table.clone())],
                    })
                    .await?
                    .is_some(),
                None => true,
            };
            run_statements(&mut tx, statements).await?;
            if let (false, Some((_, fill))) = (existed, backfill) {
                tx.execute(fill.clone()).await?;
            }
            Ok(Outcome::Applied)
        }
    }
}

async fn run_statements(tx: &mut WriteConn<'_>, statements: &[String]) -> Result<()> {
    for statement in statements {
        sqlx::query(AssertSqlSafe(statement.clone()))
            .execute(&mut *tx.conn)
            .await
            .map_err(db_error(tx.action.to_owned()))?;
    }
    Ok(())
}

/// The write connection inside a batch, as the shared commit code sees it.
struct WriteConn<'a> {
    conn: &'a mut SqliteConnection,
    action: &'a str,
}

#[async_trait::async_trait]
impl SqlTx for WriteConn<'_> {
    async fn execute(&mut self, statement: Statement) -> Result<u64> {
        let done = bind_all(sqlx::query(AssertSqlSafe(statement.sql)), statement.binds)
            .execute(&mut *self.conn)
            .await
            .map_err(db_error(self.action.to_owned()))?;
        Ok(done.rows_affected())
    }

    async fn fetch_text(&mut self, statement: Statement) -> Result<Option<String>> {
        let row = bind_all(sqlx::query(AssertSqlSafe(statement.sql)), statement.binds)
            .fetch_optional(&mut *self.conn)
            .await
            .map_err(db_error(self.action.to_owned()))?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(db_error(self.action.to_owned()))
    }
}
