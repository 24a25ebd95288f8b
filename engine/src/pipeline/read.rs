//! Read: the run's source, opened through the registry of app kinds with
//! what its input needs (the uploaded file, the connection, the watermark),
//! and the import the run really does.

use crate::error::{Error, Result};
use crate::model::{App, ImportRun, ImportType};
use crate::secrets::SecretKey;
use crate::sources::{self, Item, RunInput, Source, SourceInput, SourceKind};
use crate::store::Store;
use std::path::PathBuf;

/// A run's opened source.
pub struct RunSource {
    pub source: Box<dyn Source>,
    /// Full or incremental, as the run really reads.
    pub import_type: ImportType,
    /// Why it differs from the import asked for.
    pub note: Option<String>,
}

/// Opens the source of the run's app for the run.
pub async fn open_source(
    store: &Store,
    key: &SecretKey,
    app: &App,
    run: &ImportRun,
) -> Result<RunSource> {
    let kind = SourceKind::of(app.kind);
    let mut input = SourceInput::default();
    match kind.input {
        RunInput::Upload => {
            let upload = run
                .upload_id
                .as_deref()
                .ok_or_else(|| Error::InvalidInput("The import has no file to read".into()))?;
            let stored = store.get_upload(&app.id, upload).await?;
            stored.readable()?;
            let uploaded = sources::csv::Uploaded {
                rows: stored.row_count,
                bytes: stored.size,
            };
            input.upload = Some((PathBuf::from(stored.path), uploaded));
        }
        RunInput::Pull => {
            let (settings, sealed) = store.connection(&app.id).await?;
            let secret = sealed.map(|s| key.open(&app.id, &s)).transpose()?;
            input.connection = Some((settings, secret));
        }
        RunInput::Pushed => {
            let (session_id, app_id, users) = store.session_of_run(&run.id).await?.ok_or_else(|| {
                Error::InvalidInput(
                    "This import has no import session: imports of a Custom Identity Source start from the API's import sessions".into(),
                )
            })?;
            input.session = Some(sources::pushed::Staged {
                store: store.clone(),
                app_id,
                session_id,
                users,
            });
        }
    }
    input.watermark = store.watermark(&app.id).await?;
    // A watermark the server itself says is no longer good (Active
    // Directory's highest USN went backwards) is dropped.
    let mut dropped = None;
    if run.import_type == ImportType::Incremental {
        dropped = sources::stale_watermark(app.kind, &input).await?;
        if dropped.is_some() {
            input.watermark = None;
        }
    }
    let (import_type, note) =
        kind.effective_import_type(run.import_type, input.watermark.as_deref());
    let note = dropped.or(note.map(str::to_owned));
    if import_type == ImportType::Full {
        input.watermark = None;
    }
    let source = Box::new(ReadAhead::spawn(sources::open(app.kind, input)?));
    Ok(RunSource {
        source,
        import_type,
        note,
    })
}

/// Batches read ahead (one waits while the run stages and writes the one
/// before it).
const BATCHES_AHEAD: usize = 1;

/// A source read on a task of its own, so the next batch is read (from the
/// network, or parsed from the file) while the run writes the last one.
/// Dropped before the end, it stops the reading after the batch in hand.
pub struct ReadAhead {
    total: Option<i64>,
    state: Reading,
}

enum Reading {
    Running {
        batches: tokio::sync::mpsc::Receiver<Result<Vec<Item>>>,
        reader: tokio::task::JoinHandle<Box<dyn Source>>,
    },
    Done(Box<dyn Source>),
    Failed,
}

impl ReadAhead {
    pub fn spawn(mut source: Box<dyn Source>) -> ReadAhead {
        let total = source.total();
        let (tx, batches) = tokio::sync::mpsc::channel(BATCHES_AHEAD);
        let reader = tokio::spawn(async move {
            loop {
                let (batch, last) = match source.next_batch().await {
                    Ok(None) => break,
                    Ok(Some(batch)) => (Ok(batch), false),
                    Err(e) => (Err(e), true),
                };
                if tx.send(batch).await.is_err() || last {
                    break;
                }
            }
            source
        });
        ReadAhead {
            total,
            state: Reading::Running { batches, reader },
        }
    }

    async fn next(&mut self) -> Result<Option<Vec<Item>>> {
        let Reading::Running { batches, .. } = &mut self.state else {
            return Ok(None);
        };
        if let Some(batch) = batches.recv().await {
            return batch.map(Some);
        }
        let Reading::Running { reader, .. } = std::mem::replace(&mut self.state, Reading::Failed)
        else {
            return Ok(None);
        };
        let source = reader
            .await
            .map_err(|e| Error::Internal(format!("reading the source failed: {e}")))?;
        self.state = Reading::Done(source);
        Ok(None)
    }
}

impl Source for ReadAhead {
    fn total(&self) -> Option<i64> {
        self.total
    }
    fn next_batch(&mut self) -> sources::BoxFuture<'_, Result<Option<Vec<Item>>>> {
        Box::pin(self.next())
    }
    /// Known once the source is read to its end.
    fn watermark(&self) -> Option<String> {
        match &self.state {
            Reading::Done(source) => source.watermark(),
            _ => None,
        }
    }
    fn groups(&mut self) -> sources::BoxFuture<'_, Result<Option<Vec<sources::GroupRecord>>>> {
        Box::pin(async move {
            match &mut self.state {
                Reading::Done(source) => source.groups().await,
                _ => Err(Error::Internal(
                    "the groups are read once the users are".into(),
                )),
            }
        })
    }
}
