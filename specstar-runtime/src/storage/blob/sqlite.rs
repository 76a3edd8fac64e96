//! [`SqliteBlobStore`]: blobs in a table of a SQLite database — the same file as the
//! resources when the `blob` role is bound to the same connection (the default of a
//! `sqlite://` backend URL).
//!
//! Table `{p}blobs` (`{p}` = the table prefix): `file_id TEXT PRIMARY KEY`, `content_type`,
//! `size`, `data BLOB`. The store opens its own small pool on the file (WAL, the same
//! `synchronous` and busy timeout as the resource store), so it shares nothing with the
//! resource store but the file; each put is one autocommit statement, durable like a commit.
//! An in-memory location gives a private in-memory database.

use std::str::FromStr;

use sqlx::AssertSqlSafe;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use super::sql::{SqlBlobStore, db_error};
use crate::model::Result;
use crate::storage::sql::meta_row::check_identifier;
use crate::storage::sqlite::{SqliteLocation, SqliteOptions, SqliteSynchronous};

/// A [`BlobStore`] in a SQLite table.
///
/// ```no_run
/// # async fn demo() -> specstar_runtime::Result<()> {
/// use specstar_runtime::storage::blob::{BlobStore, sqlite::SqliteBlobStore};
/// use specstar_runtime::storage::sqlite::SqliteOptions;
/// let blobs = SqliteBlobStore::open(SqliteOptions::file("specstar.db")).await?;
/// let id = blobs.put(b"bytes".to_vec(), "text/plain").await?;
/// # Ok(()) }
/// ```
pub type SqliteBlobStore = SqlBlobStore<sqlx::Sqlite>;

impl SqlBlobStore<sqlx::Sqlite> {
    /// Open (creating when missing) the database and the `{prefix}blobs` table. Uses
    /// `location`, `synchronous`, `busy_timeout`, `table_prefix` and (as the pool size)
    /// `read_connections` of `options`.
    pub async fn open(options: SqliteOptions) -> Result<Self> {
        check_identifier("table prefix", &options.table_prefix, true, 40)?;
        let (base, what, connections) = match &options.location {
            SqliteLocation::File(path) => (
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true),
                format!("open database file `{}` for blobs", path.display()),
                options.read_connections.max(1),
            ),
            SqliteLocation::Memory => (
                SqliteConnectOptions::from_str("sqlite::memory:").map_err(db_error::<
                    sqlx::Sqlite,
                >(
                    "open an in-memory database for blobs",
                ))?,
                "open an in-memory database for blobs".to_owned(),
                1,
            ),
        };
        let connect = base
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.synchronous {
                SqliteSynchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
                SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
            })
            .busy_timeout(options.busy_timeout);
        let mut pool = SqlitePoolOptions::new().max_connections(connections);
        if options.location == SqliteLocation::Memory {
            // One connection that never closes: the database lives as long as it.
            pool = pool
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool
            .connect_with(connect)
            .await
            .map_err(db_error::<sqlx::Sqlite>(what))?;
        let store = SqliteBlobStore {
            pool,
            table: format!("\"{}blobs\"", options.table_prefix),
        };
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TABLE IF NOT EXISTS {} (
                file_id TEXT PRIMARY KEY NOT NULL,
                content_type TEXT NOT NULL,
                size INTEGER NOT NULL,
                data BLOB NOT NULL
            )",
            store.table
        )))
        .execute(&store.pool)
        .await
        .map_err(db_error::<sqlx::Sqlite>("create the blobs table"))?;
        Ok(store)
    }
}
