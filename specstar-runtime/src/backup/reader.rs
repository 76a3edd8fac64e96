//! [`ArchiveReader`]: frames in from any `AsyncRead`, decoded into records and checked against
//! the structure of the format as they stream by.

use std::collections::HashSet;

use tokio::io::{AsyncRead, AsyncReadExt, BufReader};

use super::format::{ARCHIVE_VERSION, FRAME_PREFIX_LEN, Record};
use crate::model::{Error, Result};
use crate::resource::ids;

/// The default largest frame a reader accepts: 256 MiB.
pub const DEFAULT_MAX_FRAME_LEN: u32 = 256 * 1024 * 1024;

/// One frame as read: its payload bytes and the record they decode to.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub payload: Vec<u8>,
    pub record: Record,
}

/// Reads an archive record by record, never holding more than one frame.
///
/// Besides decoding, it checks the structure and refuses, with `Error::BadRequest` (parameter
/// `archive`) naming the frame and its byte offset:
/// - a truncated frame or an archive that ends before its `EofRecord`, and bytes after it;
/// - bad MessagePack, an unknown record type, a missing or mistyped field;
/// - a first record other than `HeaderRecord`, a version other than 2;
/// - a record outside a model section (anything but `ModelStartRecord`/`EofRecord` at the top
///   level), a `ModelStartRecord` inside a section, a `ModelEndRecord` naming another model;
/// - a `RevisionRecord` before any `MetaRecord` of the section, or of another resource; a
///   revision id twice for one resource; a meta whose current revision is not among the
///   revisions that follow it;
/// - a `data_hash` that does not match `raw_data`, a `BlobRecord` whose size is wrong.
///
/// It does not know the app: unknown models are refused by the loader.
#[derive(Debug)]
pub struct ArchiveReader<R: AsyncRead + Unpin> {
    input: BufReader<R>,
    max_frame_len: u32,
    /// Index of the next frame (0-based) and its byte offset.
    frame_index: u64,
    offset: u64,
    position: Position,
}

#[derive(Debug)]
enum Position {
    Start,
    TopLevel,
    InModel {
        model: String,
        resource: Option<OpenResource>,
    },
    Done,
    /// An error was returned; every later call returns an error too.
    Failed,
}

/// The resource whose revisions are being read.
#[derive(Debug)]
struct OpenResource {
    resource_id: String,
    current_revision_id: String,
    revision_ids: HashSet<String>,
}

impl OpenResource {
    fn close(self, model: &str) -> std::result::Result<(), String> {
        if self.revision_ids.contains(&self.current_revision_id) {
            Ok(())
        } else {
            Err(format!(
                "{model} `{}`: its current revision `{}` is not among the revisions that follow its meta",
                self.resource_id, self.current_revision_id
            ))
        }
    }
}

impl<R: AsyncRead + Unpin> ArchiveReader<R> {
    /// A reader of `input`.
    pub fn new(input: R) -> Self {
        ArchiveReader {
            input: BufReader::with_capacity(64 * 1024, input),
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            frame_index: 0,
            offset: 0,
            position: Position::Start,
        }
    }

    /// Refuse frames larger than `bytes` (default [`DEFAULT_MAX_FRAME_LEN`]).
    pub fn max_frame_len(mut self, bytes: u32) -> Self {
        self.max_frame_len = bytes;
        self
    }

    /// The next record; `None` once the `EofRecord` has been read (and nothing follows it).
    pub async fn next(&mut self) -> Result<Option<Record>> {
        Ok(self.next_frame().await?.map(|frame| frame.record))
    }

    /// The next frame with its payload bytes; `None` after the `EofRecord`.
    pub async fn next_frame(&mut self) -> Result<Option<Frame>> {
        match self.position {
            Position::Done => return Ok(None),
            Position::Failed => {
                return Err(Error::BadRequest {
                    parameter: "archive".into(),
                    message: "the archive was already rejected".into(),
                });
            }
            _ => {}
        }
        let result = self.read_frame().await;
        if result.is_err() {
            self.position = Position::Failed;
        }
        result.map(Some)
    }

    async fn read_frame(&mut self) -> Result<Frame> {
        let at = (self.frame_index, self.offset);
        let Some(payload) = self.read_payload().await? else {
            return Err(self.error_at(at, self.ended_early()));
        };
        let record = Record::decode(&payload).map_err(|message| self.error_at(at, message))?;
        self.advance(&record)
            .map_err(|message| self.error_at(at, message))?;
        self.frame_index += 1;
        self.offset += (FRAME_PREFIX_LEN + payload.len()) as u64;
        if matches!(self.position, Position::Done) {
            let mut probe = [0u8; 1];
            let extra = self.input.read(&mut probe).await.map_err(read_error)?;
            if extra > 0 {
                return Err(self.error_at(
                    (self.frame_index, self.offset),
                    "the archive continues after its EofRecord".into(),
                ));
            }
        }
        Ok(Frame { payload, record })
    }

    /// A frame's payload; `None` at a clean end of input (no byte of a new frame).
    async fn read_payload(&mut self) -> Result<Option<Vec<u8>>> {
        let mut prefix = [0u8; FRAME_PREFIX_LEN];
        let mut got = 0;
        while got < FRAME_PREFIX_LEN {
            let n = self
                .input
                .read(&mut prefix[got..])
                .await
                .map_err(read_error)?;
            if n == 0 {
                if got == 0 {
                    return Ok(None);
                }
                return Err(self.error_at(
                    (self.frame_index, self.offset),
                    format!("truncated frame: the archive ends inside its length prefix ({got} of 4 bytes)"),
                ));
            }
            got += n;
        }
        let len = u32::from_be_bytes(prefix);
        if len > self.max_frame_len {
            return Err(self.error_at(
                (self.frame_index, self.offset),
                format!(
                    "frame of {len} bytes is larger than the limit of {} bytes (corrupted length?)",
                    self.max_frame_len
                ),
            ));
        }
        // Grow while reading rather than trusting the length for one allocation.
        let mut payload = Vec::with_capacity((len as usize).min(1024 * 1024));
        (&mut self.input)
            .take(u64::from(len))
            .read_to_end(&mut payload)
            .await
            .map_err(read_error)?;
        if payload.len() < len as usize {
            return Err(self.error_at(
                (self.frame_index, self.offset),
                format!(
                    "truncated frame: expected {len} bytes, the archive ends after {}",
                    payload.len()
                ),
            ));
        }
        Ok(Some(payload))
    }

    /// What is missing when the input ends cleanly between frames.
    fn ended_early(&self) -> String {
        match &self.position {
            Position::Start => "the archive is empty (no HeaderRecord)".into(),
            Position::InModel { model, .. } => format!(
                "truncated archive: it ends inside the section of model `{model}` (no ModelEndRecord, no EofRecord)"
            ),
            Position::TopLevel | Position::Done | Position::Failed => {
                "truncated archive: it ends without an EofRecord".into()
            }
        }
    }

    /// Check `record` against the structure and move on.
    fn advance(&mut self, record: &Record) -> std::result::Result<(), String> {
        let position = std::mem::replace(&mut self.position, Position::Failed);
        self.position = match (position, record) {
            (Position::Start, Record::Header { version }) => {
                if *version != ARCHIVE_VERSION {
                    return Err(format!(
                        "unsupported archive version {version} (this server reads version {ARCHIVE_VERSION})"
                    ));
                }
                Position::TopLevel
            }
            (Position::Start, other) => {
                return Err(format!(
                    "missing header: the first record is {}, expected a HeaderRecord",
                    a(other)
                ));
            }
            (Position::TopLevel, Record::ModelStart { model_name }) => Position::InModel {
                model: model_name.clone(),
                resource: None,
            },
            (Position::TopLevel, Record::Eof) => Position::Done,
            (Position::TopLevel, other) => {
                return Err(format!(
                    "{} outside a model section (expected a ModelStartRecord or the EofRecord)",
                    a(other)
                ));
            }
            (Position::InModel { model, resource }, record) => {
                return self.advance_in_model(model, resource, record);
            }
            (Position::Done | Position::Failed, other) => {
                return Err(format!("{} after the end of the archive", a(other)));
            }
        };
        Ok(())
    }

    fn advance_in_model(
        &mut self,
        model: String,
        resource: Option<OpenResource>,
        record: &Record,
    ) -> std::result::Result<(), String> {
        self.position = match record {
            Record::Meta(meta) => {
                if let Some(previous) = resource {
                    previous.close(&model)?;
                }
                Position::InModel {
                    model,
                    resource: Some(OpenResource {
                        resource_id: meta.resource_id.clone(),
                        current_revision_id: meta.current_revision_id.clone(),
                        revision_ids: HashSet::new(),
                    }),
                }
            }
            Record::Revision(revision) => {
                let rid = &revision.info.revision_id;
                let Some(mut open) = resource else {
                    return Err(format!(
                        "revision `{rid}` comes before any MetaRecord in the section of model `{model}`"
                    ));
                };
                if revision.info.resource_id != open.resource_id
                    || !ids::is_revision_of(rid, &open.resource_id)
                {
                    return Err(format!(
                        "revision `{rid}` does not belong to `{}`, the resource of the MetaRecord before it",
                        open.resource_id
                    ));
                }
                if !open.revision_ids.insert(rid.clone()) {
                    return Err(format!("revision `{rid}` appears twice"));
                }
                Position::InModel {
                    model,
                    resource: Some(open),
                }
            }
            Record::Blob(_) => Position::InModel { model, resource },
            Record::ModelEnd { model_name } => {
                if *model_name != model {
                    return Err(format!(
                        "the ModelEndRecord names model `{model_name}` inside the section of model `{model}`"
                    ));
                }
                if let Some(previous) = resource {
                    previous.close(&model)?;
                }
                Position::TopLevel
            }
            other => {
                return Err(format!(
                    "{} inside the section of model `{model}` (expected a MetaRecord, RevisionRecord, \
                     BlobRecord or ModelEndRecord)",
                    a(other)
                ));
            }
        };
        Ok(())
    }

    fn error_at(&self, (index, offset): (u64, u64), message: String) -> Error {
        Error::BadRequest {
            parameter: "archive".into(),
            message: format!("frame {index} (byte {offset}): {message}"),
        }
    }
}

/// "a HeaderRecord", "an EofRecord".
fn a(record: &Record) -> String {
    let tag = record.tag();
    let article = if tag.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {tag}")
}

fn read_error(e: std::io::Error) -> Error {
    Error::BadRequest {
        parameter: "archive".into(),
        message: format!("cannot read the archive: {e}"),
    }
}
