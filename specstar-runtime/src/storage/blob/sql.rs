//! [`SqlBlobStore`]: blobs in one table of a SQL database, the code shared by the SQLite and
//! PostgreSQL blob stores (which only differ in how they open the pool and create the table).
//!
//! The statements use `$n` parameters and lower-case `excluded`, which both databases accept.

use sqlx::{AssertSqlSafe, ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool};
use sqlx::{Row, Type};

use super::{Blob, BlobStore, check_file_id, content_type_or_default, file_id_of};
use crate::model::{Error, Result};

/// A database that can hold a blob table.
pub trait BlobDatabase: Database {
    /// The backend's name in errors.
    const BACKEND: &'static str;
}

impl BlobDatabase for sqlx::Sqlite {
    const BACKEND: &'static str = "sqlite";
}

impl BlobDatabase for sqlx::Postgres {
    const BACKEND: &'static str = "postgres";
}

/// A [`BlobStore`] in the table `table` (already quoted) reached through `pool`; see
/// [`SqliteBlobStore`](super::sqlite::SqliteBlobStore) and
/// [`PostgresBlobStore`](super::postgres::PostgresBlobStore) for how each is opened.
#[derive(Debug, Clone)]
pub struct SqlBlobStore<DB: Database> {
    pub(super) pool: Pool<DB>,
    pub(super) table: String,
}

pub(super) fn db_error<DB: BlobDatabase>(
    action: impl Into<String>,
) -> impl FnOnce(sqlx::Error) -> Error {
    let action = action.into();
    move |e| Error::storage(DB::BACKEND, action, e)
}

impl<DB> SqlBlobStore<DB>
where
    DB: BlobDatabase,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB>,
    for<'r> Vec<u8>: Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
{
    async fn insert(
        &self,
        file_id: &str,
        data: Vec<u8>,
        content_type: &str,
        replace: bool,
    ) -> Result<()> {
        let on_conflict = if replace {
            "DO UPDATE SET content_type = excluded.content_type, size = excluded.size, \
             data = excluded.data"
        } else {
            "DO NOTHING"
        };
        let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
        sqlx::query::<DB>(AssertSqlSafe(format!(
            "INSERT INTO {} (file_id, content_type, size, data) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (file_id) {on_conflict}",
            self.table
        )))
        .bind(file_id.to_owned())
        .bind(content_type_or_default(content_type).to_owned())
        .bind(size)
        .bind(data)
        .execute(&self.pool)
        .await
        .map_err(db_error::<DB>(format!("write blob `{file_id}`")))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl<DB> BlobStore for SqlBlobStore<DB>
where
    DB: BlobDatabase,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB>,
    for<'r> Vec<u8>: Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
{
    fn backend_name(&self) -> &'static str {
        DB::BACKEND
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
        let row = sqlx::query::<DB>(AssertSqlSafe(format!(
            "SELECT content_type, data FROM {} WHERE file_id = $1",
            self.table
        )))
        .bind(file_id.to_owned())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error::<DB>(action()))?;
        row.map(|row| {
            Ok(Blob {
                file_id: file_id.to_owned(),
                content_type: row.try_get(0).map_err(db_error::<DB>(action()))?,
                data: row.try_get(1).map_err(db_error::<DB>(action()))?,
            })
        })
        .transpose()
    }

    async fn exists(&self, file_id: &str) -> Result<bool> {
        let row = sqlx::query::<DB>(AssertSqlSafe(format!(
            "SELECT file_id FROM {} WHERE file_id = $1",
            self.table
        )))
        .bind(file_id.to_owned())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error::<DB>(format!("look up blob `{file_id}`")))?;
        Ok(row.is_some())
    }

    async fn delete(&self, file_id: &str) -> Result<bool> {
        let row = sqlx::query::<DB>(AssertSqlSafe(format!(
            "DELETE FROM {} WHERE file_id = $1 RETURNING file_id",
            self.table
        )))
        .bind(file_id.to_owned())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error::<DB>(format!("delete blob `{file_id}`")))?;
        Ok(row.is_some())
    }
}
