//! Read: the run's source, opened through the registry of app kinds with
//! what its input needs (the uploaded file, the connection, the watermark),
//! and the import the run really does.

use crate::error::{Error, Result};
use crate::model::{App, ImportRun, ImportType};
use crate::secrets::SecretKey;
use crate::sources::{self, RunInput, Source, SourceInput, SourceKind};
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
        RunInput::Pushed => {}
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
    let source = sources::open(app.kind, input)?;
    Ok(RunSource {
        source,
        import_type,
        note,
    })
}
