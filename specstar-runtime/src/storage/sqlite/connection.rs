//! Opening the database file with `rusqlite`, for the connections that call SQLite directly on
//! their own thread: the writer, the checkpointer and the point readers.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{CachedStatement, Connection, OpenFlags};

use super::{BACKEND, SqliteSynchronous};
use crate::model::{Error, Result};
use crate::storage::sql::Bind;

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
        // The bundled SQLite has STAT4, under which a cached statement is compiled again
        // whenever a newly bound value might change its plan: every search re-parsed its SQL
        // (a seventh of a list request). A plan chosen once per statement is what we want.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(|e| Error::storage(BACKEND, what(), e))?;
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
            // Reads through a memory map: a page missing from the cache costs no `pread`
            // (list requests ran 10-20% faster). Not for the writer: its commits ran slower.
            Role::Reader => {
                pragmas.push_str(" PRAGMA query_only = ON; PRAGMA mmap_size = 1073741824;")
            }
        }
        conn.execute_batch(&pragmas)
            .map_err(|e| Error::storage(BACKEND, what(), e))?;
        if role == Role::Reader {
            register_regexp(&conn).map_err(|e| Error::storage(BACKEND, what(), e))?;
        }
        Ok(conn)
    }
}

/// Bind `binds` to the parameters `?1…` of `statement`.
pub(super) fn bind(statement: &mut CachedStatement<'_>, binds: &[Bind]) -> rusqlite::Result<()> {
    for (i, value) in binds.iter().enumerate() {
        let at = i + 1;
        match value {
            Bind::Null => statement.raw_bind_parameter(at, rusqlite::types::Null)?,
            Bind::Text(s) => statement.raw_bind_parameter(at, s.as_str())?,
            Bind::Int(n) => statement.raw_bind_parameter(at, n)?,
            Bind::Float(f) => statement.raw_bind_parameter(at, f)?,
            Bind::Bool(b) => statement.raw_bind_parameter(at, i64::from(*b))?,
            Bind::Bytes(b) => statement.raw_bind_parameter(at, b.as_slice())?,
        }
    }
    Ok(())
}

/// `regexp(pattern, text)`, which the `regex` operator's SQL calls: the Rust `regex` crate,
/// `is_match` (search) semantics, the compiled pattern cached per statement; `NULL` when either
/// argument is `NULL`. A pattern that does not compile is an error of the statement (the query
/// layer validates patterns before they reach SQL).
fn register_regexp(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "regexp",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx: &Context<'_>| {
            let text: Option<String> = ctx.get(1)?;
            let Some(text) = text else {
                return Ok(None);
            };
            if ctx.get_raw(0) == rusqlite::types::ValueRef::Null {
                return Ok(None);
            }
            let pattern =
                ctx.get_or_create_aux(
                    0,
                    |value| -> std::result::Result<
                        regex::Regex,
                        Box<dyn std::error::Error + Send + Sync>,
                    > { Ok(regex::Regex::new(value.as_str()?)?) },
                )?;
            Ok(Some(pattern.is_match(&text)))
        },
    )
}
