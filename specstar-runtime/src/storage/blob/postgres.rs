//! [`PostgresBlobStore`]: blobs in a PostgreSQL table, beside the resource tables when the
//! `blob` role is bound to the same connection (the default of a `postgres://` backend URL).
//!
//! Table `"{schema}"."{p}blobs"`: `file_id TEXT PRIMARY KEY`, `content_type`, `size BIGINT`,
//! `data BYTEA`. The store opens its own pool from the same options as the resource store
//! (`max_connections` capped at 4: blob traffic is light), and creates the schema and table
//! under the same advisory lock as the resource store, so two stores opening at once do not
//! race on `CREATE … IF NOT EXISTS`.

use sqlx::AssertSqlSafe;
use sqlx::postgres::PgPoolOptions;

use super::sql::{SqlBlobStore, db_error};
use crate::model::{Error, Result};
use crate::storage::postgres::PostgresOptions;
use crate::storage::sql::meta_row::check_identifier;

const BACKEND: &str = "postgres";

/// A [`BlobStore`] in PostgreSQL.
///
/// ```no_run
/// # async fn demo() -> specstar_runtime::Result<()> {
/// use specstar_runtime::storage::blob::{BlobStore, postgres::PostgresBlobStore};
/// use specstar_runtime::storage::postgres::PostgresOptions;
/// let blobs = PostgresBlobStore::open(PostgresOptions::new("postgres://localhost/app")).await?;
/// let id = blobs.put(b"bytes".to_vec(), "text/plain").await?;
/// # Ok(()) }
/// ```
pub type PostgresBlobStore = SqlBlobStore<sqlx::Postgres>;

impl SqlBlobStore<sqlx::Postgres> {
    /// Connect, then create the schema and the `{prefix}blobs` table when missing.
    pub async fn open(options: PostgresOptions) -> Result<Self> {
        check_identifier("schema", &options.schema, false, 63)?;
        check_identifier("table prefix", &options.table_prefix, true, 40)?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.clamp(1, 4))
            .acquire_timeout(options.acquire_timeout)
            .connect(&options.url)
            .await
            .map_err(|e| {
                Error::storage(
                    BACKEND,
                    format!(
                        "connect to {} for blobs",
                        crate::storage::postgres::redact(&options.url)
                    ),
                    e,
                )
            })?;
        let s = &options.schema;
        let p = &options.table_prefix;
        let table = format!("\"{s}\".\"{p}blobs\"");
        let action = format!("create the blobs table in schema `{s}`");
        let mut tx = pool
            .begin()
            .await
            .map_err(db_error::<sqlx::Postgres>(action.clone()))?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("specstar-schema:{s}:{p}"))
            .execute(&mut *tx)
            .await
            .map_err(db_error::<sqlx::Postgres>(action.clone()))?;
        for statement in [
            format!("CREATE SCHEMA IF NOT EXISTS \"{s}\""),
            format!(
                "CREATE TABLE IF NOT EXISTS {table} (
                    file_id TEXT COLLATE \"C\" PRIMARY KEY,
                    content_type TEXT NOT NULL,
                    size BIGINT NOT NULL,
                    data BYTEA NOT NULL
                )"
            ),
        ] {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&mut *tx)
                .await
                .map_err(db_error::<sqlx::Postgres>(action.clone()))?;
        }
        tx.commit()
            .await
            .map_err(db_error::<sqlx::Postgres>(action))?;
        Ok(PostgresBlobStore { pool, table })
    }
}
