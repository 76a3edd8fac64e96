//! Group commit: the single writer of a SQLite store.
//!
//! Every write of a store (commits, purges, imports, schema statements) is a [`Work`] item sent
//! to one writer thread. The writer takes whatever has queued up while the previous batch ran
//! (up to [`MAX_BATCH`] items, without waiting for more) and runs the batch as **one**
//! transaction:
//!
//! ```text
//! BEGIN IMMEDIATE
//!   <item 1>; <item 2>; …                  -- every item succeeded (the usual case)
//! COMMIT                                   -- then every caller gets its own result
//! ```
//!
//! When an item fails, its partial writes cannot be undone alone in that transaction, so it is
//! rolled back and the batch runs again with a savepoint per item:
//!
//! ```text
//! BEGIN IMMEDIATE
//!   SAVEPOINT w; <item 1>                  -- item 1 succeeded
//!   SAVEPOINT w; <item 2>; ROLLBACK TO w   -- item 2 failed: only its writes undone
//!   …
//! COMMIT
//! ```
//!
//! (Savepoints are not the first try because they are not free: SQLite copies every page an
//! item touches into the savepoint's journal first, which was a fifth of the writer's time when
//! every item paid for it.)
//!
//! The writer thread owns its SQLite connection (through `rusqlite`, calling SQLite directly):
//! a statement costs no hand-off to another thread, so a commit's few statements run back to
//! back with their prepared statements cached. (sqlx, which serves the reads, runs every
//! connection on a worker thread of its own and answers each statement and each row through a
//! channel; on the write path, where one thread does all the work, those hand-offs were the
//! larger part of a commit's cost.)
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
//! The writer connection never checkpoints the WAL on commit (`wal_autocheckpoint = 0`): a
//! checkpoint thread with a connection of its own does it every [`CHECKPOINT_EVERY`] writes, so
//! commits do not wait for it. Those checkpoints never catch up with a writer that keeps
//! appending, and SQLite restarts the WAL from its beginning only after a checkpoint that copied
//! every frame; so every [`RESTART_EVERY`] writes the writer checkpoints itself, between
//! batches — cheap, as it copies only the frames since the last background checkpoint — and
//! the next write restarts the WAL. Checkpoints take turns (a background one running would make
//! the writer's copy nothing, or keep the next write from restarting the WAL): the writer waits
//! for its turn without blocking (it tries again after each batch and asks for no background
//! checkpoint meanwhile) and keeps it until its next batch has begun. Without that the WAL grows for as long as writes go on, and
//! with it the cost of every page lookup (SQLite searches each 4096-frame block of the WAL
//! index) and of extending the file: creates ran 40% slower at 100k resources.
//!
//! The writer runs on its own thread, so it neither depends on nor competes with the caller's
//! runtime. It stops when the store is dropped. A caller that stops waiting (its future
//! dropped) does not cancel its write.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use tokio::sync::{mpsc, oneshot};

use super::BACKEND;
use super::connection::{DatabaseFile, Role, bind};
use crate::model::{Error, Result};
use crate::resource::ResourceDescriptor;
use crate::storage::sql::commit::{self, SqlTx, TableNames};
use crate::storage::sql::sqlite::IndexSource;
use crate::storage::sql::{self, Bind, Statement};
use crate::storage::{Commit, ImportMode, ImportOutcome, ImportedResource};

/// Writes between two background checkpoints.
pub(super) const CHECKPOINT_EVERY: usize = 200;

/// Writes between two checkpoints by the writer itself, which let the WAL restart.
pub(super) const RESTART_EVERY: usize = 3000;

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
    pub(super) stats: Arc<Stats>,
}

/// Counters of a writer (for tests and diagnostics).
#[derive(Default)]
pub(super) struct Stats {
    /// Transactions run so far (one per batch).
    pub batches: AtomicU64,
    /// Background checkpoints completed.
    pub checkpoints: AtomicU64,
    /// Checkpoints by the writer that copied every frame (each lets the WAL restart).
    pub restarts: AtomicU64,
}

impl Writer {
    /// Open the writer's connection (creating the file when missing) and start its thread and
    /// the checkpoint thread.
    pub(super) fn start(file: &DatabaseFile, tables: Arc<TableNames>) -> Result<Writer> {
        let conn = file.open(Role::Writer)?;
        let checkpointer = Checkpointer::start(file)?;
        let (jobs, queue) = mpsc::channel(QUEUE);
        let stats = Arc::new(Stats::default());
        let counters = stats.clone();
        std::thread::Builder::new()
            .name("specstar-sqlite-writer".into())
            .spawn(move || run(conn, checkpointer, tables, queue, counters))
            .map_err(|e| Error::storage(BACKEND, "start the writer thread", e))?;
        Ok(Writer { jobs, stats })
    }

    /// How many transactions (batches) the writer has run.
    pub(super) fn batches(&self) -> u64 {
        self.stats.batches.load(Ordering::Relaxed)
    }

    /// How many checkpoints by the writer itself copied every frame.
    #[cfg(test)]
    pub(super) fn restarts(&self) -> u64 {
        self.stats.restarts.load(Ordering::Relaxed)
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
fn run(
    mut conn: Connection,
    checkpointer: Checkpointer,
    tables: Arc<TableNames>,
    mut queue: mpsc::Receiver<Job>,
    stats: Arc<Stats>,
) {
    let mut since_checkpoint = 0usize;
    let mut since_restart = 0usize;
    // Held from the writer's own complete checkpoint until the next batch has begun (and so
    // restarted the WAL): a background checkpoint running then would keep SQLite from
    // restarting it.
    let mut restarting: Option<parking_lot::MutexGuard<'_, ()>> = None;
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        since_checkpoint += batch.len();
        since_restart += batch.len();
        run_batch(&mut conn, &tables, batch);
        restarting = None;
        // A background checkpoint running (its turn taken), or a reader on an old snapshot
        // (not every frame copied): try again after the next batch, not a cycle later.
        checkpointer
            .writer_waits
            .store(since_restart >= RESTART_EVERY, Ordering::Release);
        if since_restart >= RESTART_EVERY
            && let Some(turn) = checkpointer.turn.try_lock()
        {
            match checkpoint(&conn) {
                Ok(true) => {
                    stats.restarts.fetch_add(1, Ordering::Relaxed);
                    (since_restart, since_checkpoint) = (0, 0);
                    checkpointer.writer_waits.store(false, Ordering::Release);
                    restarting = Some(turn);
                }
                Ok(false) => {}
                Err(error) => {
                    since_restart = 0;
                    checkpointer.writer_waits.store(false, Ordering::Release);
                    tracing::warn!(%error, "sqlite checkpoint by the writer failed");
                }
            }
        }
        // While the writer waits for its turn, no background checkpoint is asked for.
        if since_restart < RESTART_EVERY
            && since_checkpoint >= CHECKPOINT_EVERY
            && checkpointer.request(&stats)
        {
            since_checkpoint = 0;
        }
    }
    drop(restarting);
}

/// The thread that checkpoints the WAL into the database file, on request, with a connection
/// of its own (a checkpoint copies pages while the writer keeps appending).
struct Checkpointer {
    requests: std::sync::mpsc::SyncSender<Arc<Stats>>,
    /// Taken by every checkpoint, background or the writer's own, so they never overlap.
    turn: Arc<parking_lot::Mutex<()>>,
    /// Set while the writer waits for its turn: the background thread then skips requests.
    writer_waits: Arc<std::sync::atomic::AtomicBool>,
}

impl Checkpointer {
    fn start(file: &DatabaseFile) -> Result<Checkpointer> {
        let conn = file.open(Role::Checkpointer)?;
        // At most one request waits: a request while one waits is dropped (it would do the same).
        let (requests, pending) = std::sync::mpsc::sync_channel::<Arc<Stats>>(1);
        let turn = Arc::new(parking_lot::Mutex::new(()));
        let ours = turn.clone();
        let writer_waits = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let waits = writer_waits.clone();
        std::thread::Builder::new()
            .name("specstar-sqlite-checkpoint".into())
            .spawn(move || {
                while let Ok(stats) = pending.recv() {
                    if waits.load(Ordering::Acquire) {
                        continue;
                    }
                    let _turn = ours.lock();
                    match checkpoint(&conn) {
                        Ok(_) => {
                            stats.checkpoints.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(error) => tracing::warn!(%error, "sqlite checkpoint failed"),
                    }
                }
            })
            .map_err(|e| Error::storage(BACKEND, "start the checkpoint thread", e))?;
        Ok(Checkpointer {
            requests,
            turn,
            writer_waits,
        })
    }

    /// Ask for a checkpoint; `false` when one is already waiting.
    fn request(&self, stats: &Arc<Stats>) -> bool {
        self.requests.try_send(stats.clone()).is_ok()
    }
}

/// Copy the WAL's frames into the database file, without waiting for readers or writers;
/// whether every frame was copied (so that the next write restarts the WAL).
fn checkpoint(conn: &Connection) -> rusqlite::Result<bool> {
    // One row: (busy, frames in the WAL, frames copied).
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        let (busy, log, copied): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        Ok(busy == 0 && log == copied)
    })
}

/// The same failure for every job of a batch that did not commit.
fn batch_error(action: &str, what: &str, e: &rusqlite::Error) -> Error {
    Error::Storage {
        backend: BACKEND,
        message: format!("{action}: {what} failed, nothing of this write was stored: {e}"),
        source: None,
    }
}

/// Run a batch as one transaction: every item straight in it, and when one fails, the whole
/// batch again with a savepoint per item ([`run_batch_in_savepoints`]).
fn run_batch(conn: &mut Connection, tables: &TableNames, batch: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        return fail(batch, "BEGIN", &e);
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in &batch {
        match run_job(conn, tables, job) {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => {
                // Nothing of the batch stays (if SQLite already rolled back, this is a no-op).
                let _ = conn.execute_batch("ROLLBACK");
                return match <[Job; 1]>::try_from(batch) {
                    // The item was the whole transaction: its failure is its answer.
                    Ok([job]) => {
                        let _ = job.reply.send(Err(error));
                    }
                    Err(batch) => run_batch_in_savepoints(conn, tables, batch),
                };
            }
        }
    }
    let done = batch
        .into_iter()
        .zip(outcomes.into_iter().map(Ok))
        .collect();
    commit_batch(conn, done);
}

/// Run a batch as one transaction with a savepoint per item, so that a failing item fails
/// alone.
fn run_batch_in_savepoints(conn: &mut Connection, tables: &TableNames, batch: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        return fail(batch, "BEGIN", &e);
    }
    let mut done: Vec<(Job, Result<Outcome>)> = Vec::with_capacity(batch.len());
    let mut pending = batch.into_iter();
    while let Some(job) = pending.next() {
        match perform(conn, tables, &job) {
            Ok(result) => done.push((job, result)),
            Err((what, e)) => return abort(conn, done, job, pending, what, &e),
        }
    }
    commit_batch(conn, done);
}

/// `COMMIT` the open transaction, then answer every job (with the commit's failure if it failed).
fn commit_batch(conn: &mut Connection, done: Vec<(Job, Result<Outcome>)>) {
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            for (job, result) in done {
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            for (job, result) in done {
                let result = result.and_then(|_| Err(batch_error(&job.action, "COMMIT", &e)));
                let _ = job.reply.send(result);
            }
        }
    }
}

/// Roll the batch back and answer every job with the failure.
fn abort(
    conn: &mut Connection,
    done: Vec<(Job, Result<Outcome>)>,
    current: Job,
    pending: impl Iterator<Item = Job>,
    what: &str,
    e: &rusqlite::Error,
) {
    let _ = conn.execute_batch("ROLLBACK");
    for (job, result) in done {
        let result = result.and_then(|_| Err(batch_error(&job.action, what, e)));
        let _ = job.reply.send(result);
    }
    fail(std::iter::once(current).chain(pending), what, e);
}

fn fail(jobs: impl IntoIterator<Item = Job>, what: &str, e: &rusqlite::Error) {
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
fn perform(
    conn: &mut Connection,
    tables: &TableNames,
    job: &Job,
) -> std::result::Result<Result<Outcome>, (&'static str, rusqlite::Error)> {
    if let Err(e) = conn.execute_batch("SAVEPOINT w") {
        return Err(("SAVEPOINT", e));
    }
    let result = run_job(conn, tables, job);
    if result.is_err()
        && let Err(e) = conn.execute_batch("ROLLBACK TO w")
    {
        // SQLite may have rolled back the whole transaction (I/O error, disk full): the
        // earlier jobs are gone too.
        return Err(("rolling back a failed write", e));
    }
    Ok(result)
}

/// Run the statements of one job in the open transaction.
fn run_job(conn: &mut Connection, tables: &TableNames, job: &Job) -> Result<Outcome> {
    let mut tx = WriteConn {
        conn,
        action: &job.action,
    };
    // The shared commit code is async (PostgreSQL awaits its server); here every step runs
    // synchronously on this thread, so the future is complete on its first poll.
    futures_util::FutureExt::now_or_never(perform_steps(&mut tx, tables, &job.work)).unwrap_or_else(
        || {
            Err(Error::Storage {
                backend: BACKEND,
                message: format!("{}: a write step did not complete", job.action),
                source: None,
            })
        },
    )
}

async fn perform_steps(
    tx: &mut WriteConn<'_>,
    tables: &TableNames,
    work: &Work,
) -> Result<Outcome> {
    let d = &sql::sqlite::Sqlite::default();
    match work {
        Work::Commit {
            model,
            descriptor,
            commit,
        } => commit::apply_commit(tx, d, tables, model, descriptor, commit)
            .await
            .map(|()| Outcome::Applied),
        Work::Purge { model, resource_id } => commit::purge(tx, d, tables, model, resource_id)
            .await
            .map(|()| Outcome::Applied),
        Work::Import {
            model,
            descriptor,
            resource,
            mode,
        } => commit::apply_import(tx, d, tables, model, descriptor, resource, *mode)
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
                        binds: vec![Bind::Text(table.clone())],
                    })
                    .await?
                    .is_some(),
                None => true,
            };
            for statement in statements {
                tx.conn
                    .execute_batch(statement)
                    .map_err(|e| Error::storage(BACKEND, tx.action.to_owned(), e))?;
            }
            if let (false, Some((_, fill))) = (existed, backfill) {
                tx.execute(fill.clone()).await?;
            }
            Ok(Outcome::Applied)
        }
    }
}

/// The write connection inside a batch, as the shared commit code sees it.
struct WriteConn<'a> {
    conn: &'a mut Connection,
    action: &'a str,
}

impl WriteConn<'_> {
    fn error(&self) -> impl FnOnce(rusqlite::Error) -> Error {
        let action = self.action.to_owned();
        move |e| Error::storage(BACKEND, action, e)
    }

    /// The cached prepared statement of `statement`, its parameters bound.
    fn prepare(&self, statement: &Statement) -> Result<rusqlite::CachedStatement<'_>> {
        let mut prepared = self
            .conn
            .prepare_cached(&statement.sql)
            .map_err(self.error())?;
        bind(&mut prepared, &statement.binds).map_err(self.error())?;
        Ok(prepared)
    }
}

#[async_trait::async_trait]
impl SqlTx for WriteConn<'_> {
    async fn execute(&mut self, statement: Statement) -> Result<u64> {
        let mut prepared = self.prepare(&statement)?;
        let changed = prepared.raw_execute().map_err(self.error())?;
        Ok(changed as u64)
    }

    async fn fetch_text(&mut self, statement: Statement) -> Result<Option<String>> {
        let mut prepared = self.prepare(&statement)?;
        let mut rows = prepared.raw_query();
        match rows.next().map_err(self.error())? {
            Some(row) => row.get::<_, Option<String>>(0).map_err(self.error()),
            None => Ok(None),
        }
    }

    async fn delete_index_rows(
        &mut self,
        index_table: &str,
        metas: &str,
        model: &str,
        resource_id: &str,
    ) -> Result<()> {
        let source = IndexSource::Stored {
            metas,
            model,
            resource_id,
        };
        let select = sql::sqlite::index_select(&source).finish(&sql::sqlite::Sqlite::default());
        // The keys as SQLite typed them (an integer stays an integer, a real a real), so each
        // delete matches its row exactly.
        let keys = {
            let mut prepared = self.prepare(&select)?;
            let mut rows = prepared.raw_query();
            let mut keys = Vec::new();
            while let Some(row) = rows.next().map_err(self.error())? {
                let key = (0..6)
                    .map(|i| row.get::<_, SqlValue>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(self.error())?;
                keys.push(key);
            }
            keys
        };
        let mut delete = self
            .conn
            .prepare_cached(&sql::sqlite::delete_index_row(index_table))
            .map_err(self.error())?;
        for key in keys {
            delete
                .execute(rusqlite::params_from_iter(key))
                .map_err(self.error())?;
        }
        Ok(())
    }
}
