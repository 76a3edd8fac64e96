//! [`ArchiveWriter`]: records out as frames, to any `AsyncWrite`.

use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};

use super::format::{Record, frame};
use crate::model::{Error, Result};

/// Writes records as frames (4-byte big-endian length, then the record's MessagePack map).
/// Writes are buffered; call [`finish`](Self::finish) at the end to flush.
///
/// The writer does not check the order of records; [`SpecStar::dump`](crate::app::SpecStar::dump)
/// writes them in the order the format requires.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use specstar_runtime::backup::{ArchiveWriter, Record};
/// let mut writer = ArchiveWriter::new(Vec::new());
/// writer.write(&Record::Header { version: 2 }).await?;
/// writer.write(&Record::Eof).await?;
/// let bytes = writer.finish().await?;
/// assert_eq!(&bytes[..4], &[0, 0, 0, 25]); // the header record is 25 bytes
/// # Ok::<(), specstar_runtime::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct ArchiveWriter<W: AsyncWrite + Unpin> {
    out: BufWriter<W>,
    written: u64,
}

fn write_error(e: std::io::Error) -> Error {
    Error::storage("archive", "write the archive", e)
}

impl<W: AsyncWrite + Unpin> ArchiveWriter<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        ArchiveWriter {
            out: BufWriter::with_capacity(64 * 1024, out),
            written: 0,
        }
    }

    /// Write one record as a frame.
    pub async fn write(&mut self, record: &Record) -> Result<()> {
        self.write_payload(&record.encode()).await
    }

    /// Write an already encoded record (a frame's payload) as a frame.
    pub async fn write_payload(&mut self, payload: &[u8]) -> Result<()> {
        let framed = frame(payload).ok_or_else(|| Error::BadRequest {
            parameter: "archive".into(),
            message: format!(
                "a record of {} bytes does not fit in a frame (at most 4 GiB)",
                payload.len()
            ),
        })?;
        self.out.write_all(&framed).await.map_err(write_error)?;
        self.written += framed.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Flush and hand back the underlying writer.
    pub async fn finish(mut self) -> Result<W> {
        self.out.flush().await.map_err(write_error)?;
        Ok(self.out.into_inner())
    }
}
