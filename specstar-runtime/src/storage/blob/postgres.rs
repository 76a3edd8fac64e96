//! [`PostgresBlobStore`]: blobs in a PostgreSQL table, beside the resource tables when the
//! `blob` role is bound to the same connection (the default of a `postgres://` backend URL).
//!
//! Table `"{schema}"."{p}blobs"`: `file_id TEXT PRIMARY KEY`, `content_type`, `size BIGINT`,
//! `data BYTEA`. The store opens its own pool from the same options as the resource store
//! (`max_connections` capped at 4: blob traffic is light), and creates the schema and table
//! under the same advisory lock as the resource store, so two stores opening at once do not
//! race on `CREATE … IF NOT EXISTS`.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Row};

use super::{Blob, BlobStore, check_file_id, content_type_or_default, file_id_of};
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
#[derive(Debug, Clone)]
pub struct PostgresBlobStore {
    pool: PgPool,
    table: String,
}

fn db_error(action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Error {
    let action = action.into();
    move |e| Error::storage(BACKEND, action, e)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl PostgresBlobStore {
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
                    format!("connect to {} for blobs", redact(&options.url)),
                    e,
                )
            })?;
        let s = &options.schema;
        let p = &options.table_prefix;
        let table = format!("\"{s}\".\"{p}blobs\"");
        let action = format!("create the blobs table in schema `{s}`");
        let mut tx = pool.begin().await.map_err(db_error(action.clone()))?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("specstar-schema:{s}:{p}"))
            .execute(&mut *tx)
            .await
            .map_err(db_error(action.clone()))?;
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
                .map_err(db_error(action.clone()))?;
        }
        tx.commit().await.map_err(db_error(action))?;
        Ok(PostgresBlobStore { pool, table })
    }

    async fn insert(
        &self,
        file_id: &str,
        data: Vec<u8>,
        content_type: &str,
        replace: bool,
    ) -> Result<()> {
        let on_conflict = if replace {
            "DO UPDATE SET content_type = EXCLUDED.content_type, size = EXCLUDED.size, \
             data = EXCLUDED.data"
        } else {
            "DO NOTHING"
        };
        let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {} (file_id, content_type, size, data) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (file_id) {on_conflict}",
            self.table
        )))
        .bind(file_id)
        .bind(content_type_or_default(content_type))
        .bind(size)
        .bind(data)
        .execute(&self.pool)
        .await
        .map_err(db_error(format!("write blob `{file_id}`")))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl BlobStore for PostgresBlobStore {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    async fn put(&self, data: Vec<u8>, content_type: &str) -> Result<String> {
        let file_id = file_id_of(&data);
        self.insert(&file_id, data, content_type, false).await?;
        Ok(file_id)
    }

    async fn put_with_id(&self, file_id: &str, data: Vec<u8>, content_type: &str) -> Result<()> {
        check_file_id(file_id)?;
        self.insert(file_id, data, content_type, true).await
    }

    async fn get(&self, file_id: &str) -> Result<Option<Blob>> {
        let action = || format!("read blob `{file_id}`");
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT content_type, data FROM {} WHERE file_id = $1",
            self.table
        )))
        .bind(file_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error(action()))?;
        row.map(|row| {
            Ok(Blob {
                file_id: file_id.to_owned(),
                content_type: row.try_get("content_type").map_err(db_error(action()))?,
                data: row.try_get("data").map_err(db_error(action()))?,
            })
        })
        .transpose()
    }

    async fn exists(&self, file_id: &str) -> Result<bool> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT 1 FROM {} WHERE file_id = $1",
            self.table
        )))
        .bind(file_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error(format!("look up blob `{file_id}`")))?;
        Ok(row.is_some())
    }

    async fn delete(&self, file_id: &str) -> Result<bool> {
        let done = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {} WHERE file_id = $1",
            self.table
        )))
        .bind(file_id)
        .execute(&self.pool)
        .await
        .map_err(db_error(format!("delete blob `{file_id}`")))?;
        Ok(done.rows_affected() > 0)
    }
}
