//! Opening the database file with `rusqlite`, for the connections that call SQLite directly on
//! their own thread: the writer, the checkpointer and the point readers.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{BACKEND, SqliteSynchronous};
use crate::model::{Error, Result};

/// Prepared statements a connection keeps (a commit or a read has a handful of shapes).
const STATEMENT_CACHE: usize = 512;

/// The database file of a store and the settings every connection to it uses.
#[derive(Debug, Clone)]
pub(super) struct DatabaseFile {
    pub path: PathBuf,
    pub synchronous: SqliteSynchronous,
    pub busy_timeout: Duration,
}

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The one writer: creates the file, never checkpoints on commit (see `writer`).
    Writer,
    /// Copies the WAL into the database file in the background.
    Checkpointer,
    /// Point reads; refuses writes.
    Reader,
}

impl DatabaseFile {
    /// A connection for `role`, with the store's settings: WAL, the configured `synchronous`,
    /// the busy timeout, 16 MiB of page cache (the default is 2 MiB), temporary data (the
    /// writer's savepoint journals) in memory.
    pub(super) fn open(&self, role: Role) -> Result<Connection> {
        let what = || format!("open database file `{}`", self.path.display());
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        flags |= match role {
            Role::Writer => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            Role::Checkpointer | Role::Reader => OpenFlags::SQLITE_OPEN_READ_WRITE,
        };
        let conn = Connection::open_with_flags(&self.path, flags)
            .map_err(|e| Error::storage(BACKEND, what(), e))?;
        conn.busy_timeout(self.busy_timeout)
            .map_err(|e| Error::storage(BACKEND, what(), e))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let synchronous = match self.synchronous {
            SqliteSynchronous::Normal => "NORMAL",
            SqliteSynchronous::Full => "FULL",
        };
        let mut pragmas = format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
             PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;"
        );
        match role {
            // The checkpoint thread does it (see `writer`).
            Role::Writer => pragmas.push_str(" PRAGMA wal_autocheckpoint = 0;"),
            Role::Checkpointer => {}
            Role::Reader => pragmas.push_str(" PRAGMA query_only = ON;"),
        }
        conn.execute_batch(&pragmas)
            .map_err(|e| Error::storage(BACKEND, what(), e))?;
        Ok(conn)
    }
}
