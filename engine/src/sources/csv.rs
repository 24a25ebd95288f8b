//! CSV files: the header row names profile attributes, each further row is
//! one user. Reading streams the file on its own thread in batches.

use super::encoding::{self, Content};
use super::{Item, Record, Source};
use crate::error::{Error, Result};
use crate::model::{RowError, TextEncoding, UploadPreview, REQUIRED_ATTRIBUTES};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Rows per batch handed to the pipeline.
pub const BATCH_ROWS: usize = 4096;

/// Columns a CSV may have that are part of the base profile; any other column
/// becomes a custom profile attribute.
pub const STANDARD_COLUMNS: [&str; 11] = [
    "login",
    "firstName",
    "lastName",
    "email",
    "secondEmail",
    "mobilePhone",
    "primaryPhone",
    "displayName",
    "title",
    "department",
    "streetAddress",
];

/// What a first look at a CSV file found.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvSummary {
    pub columns: Vec<String>,
    pub first_rows: Vec<Vec<String>>,
    pub row_count: u64,
    /// Problems that stop the file being imported at all.
    pub problems: Vec<String>,
    /// Encodings the file can be read in instead of UTF-8.
    pub encodings: Vec<TextEncoding>,
}

impl CsvSummary {
    /// A file whose rows cannot be read at all, and why.
    fn unread(problems: Vec<String>, encodings: Vec<TextEncoding>) -> CsvSummary {
        CsvSummary {
            columns: vec![],
            first_rows: vec![],
            row_count: 0,
            problems,
            encodings,
        }
    }
}

/// The most columns a row (the header included) may have.
pub const MAX_COLUMNS: usize = 1_000;
/// The longest a row may be, all its fields together, in bytes.
pub const MAX_ROW_BYTES: usize = 1 << 20;
/// The longest one value may be, in bytes.
pub const MAX_FIELD_BYTES: usize = 64 << 10;

fn reader<R: Read>(input: R) -> csv::Reader<Bounded<R>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Bounded::new(input))
}

/// Reads CSV bytes for the parser and stops at the first row that is too
/// wide or too long, before the parser has built it: a 100 MB header is
/// refused after its first thousand commas, not held as 50 million columns.
/// It follows quoting as the parser does, so a line break or comma inside
/// quotes is part of a value, and a `"` inside a value that did not start
/// with one (`5" screen`) is a character that opens nothing.
pub struct Bounded<R> {
    inner: R,
    quoting: Quoting,
    row_bytes: usize,
    separators: usize,
    /// The line the current row started on, and the line being read.
    row_line: u64,
    line: u64,
    /// The previous byte was a CR outside quotes: an LF now ends no new line.
    after_cr: bool,
}

impl<R> Bounded<R> {
    fn new(inner: R) -> Bounded<R> {
        Bounded {
            inner,
            quoting: Quoting::ValueStart,
            row_bytes: 0,
            separators: 0,
            row_line: 1,
            line: 1,
            after_cr: false,
        }
    }

    fn check(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        for &b in bytes {
            let line_end = b == b'\r' || (b == b'\n' && !self.after_cr);
            self.after_cr = b == b'\r';
            if line_end {
                self.line += 1;
            }
            match (self.quoting, b) {
                (Quoting::Quoted, b'"') => self.quoting = Quoting::AfterQuote,
                (Quoting::Quoted, _) => {}
                (Quoting::ValueStart | Quoting::AfterQuote, b'"') => {
                    self.quoting = Quoting::Quoted;
                }
                (_, b',') => {
                    self.separators += 1;
                    self.quoting = Quoting::ValueStart;
                }
                (_, b'\r' | b'\n') => {
                    self.row_bytes = 0;
                    self.separators = 0;
                    self.row_line = self.line;
                    self.quoting = Quoting::ValueStart;
                    continue;
                }
                _ => self.quoting = Quoting::Unquoted,
            }
            self.row_bytes += 1;
            if self.separators >= MAX_COLUMNS {
                return Err(too_big(format!(
                    "Line {}: the row has more than {MAX_COLUMNS} columns; a row may have at most {MAX_COLUMNS}.",
                    self.row_line
                )));
            }
            if self.row_bytes > MAX_ROW_BYTES {
                return Err(too_big(format!(
                    "Line {}: the row is longer than {} MiB; a row may be at most {} MiB.",
                    self.row_line,
                    MAX_ROW_BYTES >> 20,
                    MAX_ROW_BYTES >> 20
                )));
            }
        }
        Ok(())
    }
}

/// Where [`Bounded`] is in a value, as the parser reads quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a value: a `"` opens quotes.
    ValueStart,
    /// In a value that did not start with a `"`: a `"` is a character.
    Unquoted,
    /// Inside quotes: separators and line breaks are part of the value.
    Quoted,
    /// Just after a `"` inside quotes: another `"` is an escaped one and the
    /// quotes go on; anything else is outside them (text after the closing
    /// quote is part of the value, its quotes characters).
    AfterQuote,
}

fn too_big(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.check(buf.get(..n).unwrap_or_default())?;
        Ok(n)
    }
}

/// Reads the header, decoding it and stripping a UTF-8 byte-order mark.
fn read_header<R: Read>(
    rdr: &mut csv::Reader<R>,
) -> std::result::Result<Option<Vec<String>>, String> {
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(false) => Ok(None),
        Ok(true) => {
            let mut columns = Vec::with_capacity(rec.len());
            for (i, field) in rec.iter().enumerate() {
                let field = if i == 0 {
                    field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
                } else {
                    field
                };
                if field.contains(&0) {
                    return Err("This file is not a CSV file: it contains binary data.".into());
                }
                match std::str::from_utf8(field) {
                    Ok(s) => columns.push(s.trim().to_owned()),
                    Err(_) => {
                        return Err(format!(
                            "Line 1, column {}: the header is not UTF-8 text. Save the file as CSV UTF-8.",
                            i + 1
                        ))
                    }
                }
            }
            Ok(Some(columns))
        }
        Err(e) => Err(unreadable(&e)),
    }
}

/// Why the parser stopped: a row the reader refused says so itself.
fn unreadable(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            format!("This file cannot be imported. {io}")
        }
        _ => format!("This file is not a readable CSV file: {e}"),
    }
}

/// Problems with a header that stop an import.
fn header_problems(columns: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let missing: Vec<&str> = REQUIRED_ATTRIBUTES
        .iter()
        .copied()
        .filter(|r| !columns.iter().any(|c| c == r))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "Missing required column{}: {}. The header row must name {}.",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            REQUIRED_ATTRIBUTES.join(", ")
        ));
    }
    for (i, c) in columns.iter().enumerate() {
        if c.is_empty() {
            problems.push(format!("Line 1, column {}: the column has no name.", i + 1));
        } else if columns[..i].contains(c) {
            problems.push(format!(
                "Line 1, column {}: the column \"{c}\" appears twice.",
                i + 1
            ));
        }
    }
    problems
}

/// Reads a whole CSV file once: its columns, first rows, row count and the
/// problems that would stop an import. A file that is text but not UTF-8 is
/// refused with the first line that is not, and the encodings it can be read
/// in instead; its rows are still counted and shown (the bytes that are not
/// UTF-8 as U+FFFD), so the admin sees what the file holds.
pub fn summarize(path: &Path, preview_rows: usize) -> Result<CsvSummary> {
    let (mut problems, encodings) = match encoding::inspect(path)? {
        Content::Utf8 => (vec![], vec![]),
        Content::Binary(reason) => return Ok(CsvSummary::unread(vec![reason], vec![])),
        Content::NotUtf8(at) => (vec![at.message()], TextEncoding::ALL.to_vec()),
    };
    let file = File::open(path)?;
    let mut rdr = reader(BufReader::with_capacity(1 << 16, file));
    let columns = match read_header(&mut rdr) {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Ok(CsvSummary::unread(
                vec!["The file is empty: it has no header row and no users.".into()],
                vec![],
            ))
        }
        Err(p) => {
            // A header that is not UTF-8 is the line already named.
            let problems = if problems.is_empty() {
                vec![p]
            } else {
                problems
            };
            return Ok(CsvSummary::unread(problems, encodings));
        }
    };
    problems.extend(header_problems(&columns));
    let mut first_rows = Vec::new();
    let mut row_count = 0u64;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if is_blank(&rec) {
                    continue;
                }
                row_count += 1;
                if first_rows.len() < preview_rows {
                    first_rows.push(
                        rec.iter()
                            .map(|f| String::from_utf8_lossy(f).into_owned())
                            .collect(),
                    );
                }
            }
            Err(e) => {
                problems.push(unreadable(&e));
                break;
            }
        }
    }
    if row_count == 0 && problems.is_empty() {
        problems.push("The file has a header row but no users.".into());
    }
    Ok(CsvSummary {
        columns,
        first_rows,
        row_count,
        problems,
        encodings,
    })
}

fn is_blank(rec: &csv::ByteRecord) -> bool {
    rec.len() == 1
        && rec
            .get(0)
            .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// Turns one CSV row into a record or a row error.
/// The account id of a row: its `login`, lower-case.
fn external_id_of(login: &str) -> String {
    login.trim().to_lowercase()
}

/// A row's error, tied to its account when the login could still be read.
fn rejected(columns: &[String], rec: &csv::ByteRecord, error: RowError) -> Item {
    let login = columns
        .iter()
        .position(|c| c == "login")
        .and_then(|i| rec.get(i))
        .and_then(|f| std::str::from_utf8(f).ok())
        .map(external_id_of)
        .filter(|id| !id.is_empty());
    match login {
        Some(external_id) => Item::RejectedAccount { external_id, error },
        None => Item::Rejected(error),
    }
}

fn to_item(columns: &[String], rec: &csv::ByteRecord, line: i64) -> Item {
    if rec.len() != columns.len() {
        let error = RowError {
            line: Some(line),
            field: None,
            value: None,
            message: format!(
                "the row has {} fields but the header has {}",
                rec.len(),
                columns.len()
            ),
        };
        return rejected(columns, rec, error);
    }
    let mut attributes = Vec::with_capacity(columns.len());
    for (name, field) in columns.iter().zip(rec.iter()) {
        if field.len() > MAX_FIELD_BYTES {
            let error = RowError {
                line: Some(line),
                field: Some(name.clone()),
                value: Some(format!(
                    "{}…",
                    String::from_utf8_lossy(field.get(..64).unwrap_or_default())
                )),
                message: format!(
                    "the value is {} KiB long; a value may be at most {} KiB",
                    field.len().div_ceil(1024),
                    MAX_FIELD_BYTES >> 10
                ),
            };
            return rejected(columns, rec, error);
        }
        match std::str::from_utf8(field) {
            Ok(v) => attributes.push((name.clone(), v.to_owned())),
            Err(_) => {
                let error = RowError {
                    line: Some(line),
                    field: Some(name.clone()),
                    value: Some(String::from_utf8_lossy(field).into_owned()),
                    message: "the value is not UTF-8 text; save the file as CSV UTF-8".into(),
                };
                return rejected(columns, rec, error);
            }
        }
    }
    let external_id = attributes
        .iter()
        .find(|(k, _)| k == "login")
        .map(|(_, v)| external_id_of(v))
        .unwrap_or_default();
    Item::Record(Record {
        line: Some(line),
        external_id,
        attributes,
        active: true,
    })
}

/// Rows shown in an upload's preview.
const PREVIEW_ROWS: usize = 5;

/// Streams an upload to `dir/<id>.csv`, refusing it past `limit` bytes (the
/// partial file is removed). Returns the path and the size.
pub async fn save_file<R: AsyncRead + Unpin>(
    mut body: R,
    dir: &Path,
    id: &str,
    limit: u64,
) -> Result<(PathBuf, u64)> {
    let path = dir.join(format!("{id}.csv"));
    match write_limited(&mut body, &path, limit).await {
        Ok(size) => Ok((path, size)),
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(e)
        }
    }
}

async fn write_limited<R: AsyncRead + Unpin>(body: &mut R, path: &Path, limit: u64) -> Result<u64> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = body.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            return Err(Error::TooLarge {
                limit_mib: limit.div_ceil(1024 * 1024),
            });
        }
        file.write_all(buf.get(..n).unwrap_or_default()).await?;
    }
    file.flush().await?;
    // On disk before it is accepted: a crash after the upload is answered
    // does not leave an import reading a file that was never written.
    file.sync_all().await?;
    sync_dir(path).await?;
    Ok(size)
}

/// Makes a new file's directory entry durable.
async fn sync_dir(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::File::open(dir).await?.sync_all().await?;
    }
    Ok(())
}

/// Converts a saved upload that is text but not UTF-8, read as `encoding`,
/// to UTF-8 in `dir/<id>.csv` (removed again if that fails). Returns the
/// path and the size. A file that is UTF-8 already, or binary, is refused.
pub async fn decode_file(
    from: &Path,
    dir: &Path,
    id: &str,
    text_encoding: TextEncoding,
) -> Result<(PathBuf, u64)> {
    let from = from.to_path_buf();
    let path = dir.join(format!("{id}.csv"));
    let to = path.clone();
    let converted = tokio::task::spawn_blocking(move || match encoding::inspect(&from)? {
        Content::NotUtf8(_) => Ok(encoding::convert_to_utf8(&from, &to, text_encoding)?),
        Content::Utf8 => Err(Error::InvalidInput(
            "This file is UTF-8 text already: it is read as it is.".into(),
        )),
        Content::Binary(reason) => Err(Error::InvalidInput(reason)),
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?;
    match converted {
        Ok(size) => Ok((path, size)),
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(e)
        }
    }
}

/// Reads a saved upload once for its preview: columns, first rows, row
/// count, problems, the columns that become custom attributes, and the
/// encodings it can be read in when it is not UTF-8. `decoded_from` names
/// the encoding the file was converted from.
pub async fn preview(
    path: &Path,
    id: String,
    file_name: &str,
    size: u64,
    decoded_from: Option<TextEncoding>,
) -> Result<UploadPreview> {
    let summary_path = path.to_path_buf();
    let summary = tokio::task::spawn_blocking(move || summarize(&summary_path, PREVIEW_ROWS))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    let custom_attributes = summary
        .columns
        .iter()
        .filter(|c| !c.is_empty() && !STANDARD_COLUMNS.contains(&c.as_str()))
        .cloned()
        .collect();
    Ok(UploadPreview {
        id,
        file_name: file_name.chars().take(255).collect(),
        size,
        columns: summary.columns,
        rows: summary.first_rows,
        row_count: summary.row_count,
        problems: summary.problems,
        custom_attributes,
        encodings: summary.encodings,
        decoded_from,
    })
}

/// A CSV file as a source of records.
pub struct CsvSource {
    total: i64,
    rx: mpsc::Receiver<Result<Vec<Item>>>,
}

impl CsvSource {
    /// Opens the file and starts reading it on its own thread. Fails when the
    /// header cannot be used, or when the file is not the one uploaded: its
    /// size differs now, or (found at its end, before anything is removed
    /// for users missing from it) its row count does.
    pub fn open(path: &Path, uploaded: Option<Uploaded>) -> Result<CsvSource> {
        if let Some(uploaded) = uploaded {
            let size = std::fs::metadata(path)?.len();
            if size != uploaded.bytes {
                return Err(Error::InvalidInput(format!(
                    "The file is not as it was uploaded: it was {} bytes and is {size} bytes now. Upload it again.",
                    uploaded.bytes
                )));
            }
        }
        let file = File::open(path)?;
        let mut rdr = reader(BufReader::with_capacity(1 << 16, file));
        let columns = match read_header(&mut rdr) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return Err(Error::InvalidInput(
                    "The file is empty: it has no header row and no users.".into(),
                ))
            }
            Err(p) => return Err(Error::InvalidInput(p)),
        };
        let problems = header_problems(&columns);
        if !problems.is_empty() {
            return Err(Error::InvalidInput(problems.join(" ")));
        }
        let lines = LineCounter::new(File::open(path)?);
        let (tx, rx) = mpsc::channel(4);
        std::thread::Builder::new()
            .name("csv-reader".into())
            .spawn(move || read_rows(rdr, columns, lines, uploaded.map(|u| u.rows), tx))?;
        Ok(CsvSource {
            total: uploaded.map_or(0, |u| u.rows),
            rx,
        })
    }
}

/// What was recorded of an upload when it was accepted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uploaded {
    pub rows: i64,
    pub bytes: u64,
}

/// Finds the line a record starts on from its byte offset, by counting line
/// feeds in a second pass over the file that runs just behind the parser
/// (the parser's own line numbers lag behind CRLF ends and blank lines).
/// A line ends with LF, CRLF or a lone CR (old Mac files), as the parser reads them.
struct LineCounter {
    reader: BufReader<File>,
    offset: u64,
    line: i64,
    /// The last byte counted was a CR: an LF right after it ends no new line.
    after_cr: bool,
}

impl LineCounter {
    fn new(file: File) -> LineCounter {
        LineCounter {
            reader: BufReader::with_capacity(1 << 16, file),
            offset: 0,
            line: 1,
            after_cr: false,
        }
    }

    /// The line of the first byte at or after `byte` that is not a line end.
    fn line_at(&mut self, byte: u64) -> std::io::Result<i64> {
        use std::io::BufRead;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(self.line);
            }
            let mut used = 0;
            for &b in buf {
                if self.offset + used as u64 >= byte && b != b'\n' && b != b'\r' {
                    self.offset += used as u64;
                    self.reader.consume(used);
                    return Ok(self.line);
                }
                if b == b'\r' || (b == b'\n' && !self.after_cr) {
                    self.line += 1;
                }
                self.after_cr = b == b'\r';
                used += 1;
            }
            self.offset += used as u64;
            self.reader.consume(used);
        }
    }
}

fn read_rows<R: Read>(
    mut rdr: csv::Reader<R>,
    columns: Vec<String>,
    mut lines: LineCounter,
    expected_rows: Option<i64>,
    tx: mpsc::Sender<Result<Vec<Item>>>,
) {
    let mut rec = csv::ByteRecord::new();
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut rows = 0i64;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                if is_blank(&rec) {
                    continue;
                }
                rows += 1;
                let line = match rec.position().map(|p| lines.line_at(p.byte())) {
                    Some(Ok(line)) => line,
                    Some(Err(e)) => {
                        let _ = tx.blocking_send(Err(e.into()));
                        return;
                    }
                    None => 0,
                };
                batch.push(to_item(&columns, &rec, line));
                if batch.len() == BATCH_ROWS
                    && tx
                        .blocking_send(Ok(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(BATCH_ROWS),
                        )))
                        .is_err()
                {
                    return;
                }
            }
            Ok(false) => break,
            Err(e) => {
                let _ = tx.blocking_send(Err(Error::InvalidInput(unreadable(&e))));
                return;
            }
        }
    }
    if let Some(expected) = expected_rows.filter(|n| *n != rows) {
        let _ = tx.blocking_send(Err(Error::InvalidInput(format!(
            "The file is not as it was uploaded: it had {expected} rows and has {rows} now. Upload it again."
        ))));
        return;
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Ok(batch));
    }
}

impl Source for CsvSource {
    fn total(&self) -> Option<i64> {
        Some(self.total)
    }

    fn next_batch(&mut self) -> super::BoxFuture<'_, Result<Option<Vec<Item>>>> {
        Box::pin(async move { self.rx.recv().await.transpose() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    async fn items(bytes: &[u8]) -> Vec<Item> {
        let f = file(bytes);
        let mut src = CsvSource::open(f.path(), None).unwrap();
        let mut all = Vec::new();
        while let Some(batch) = src.next_batch().await.unwrap() {
            all.extend(batch);
        }
        all
    }

    fn record(item: &Item) -> &Record {
        match item {
            Item::Record(r) => r,
            Item::Rejected(e) | Item::RejectedAccount { error: e, .. } => panic!("rejected: {e:?}"),
        }
    }

    fn attr<'a>(r: &'a Record, name: &str) -> &'a str {
        r.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    const HEADER: &str = "login,firstName,lastName,email";

    #[tokio::test]
    async fn reads_quotes_newlines_bom_crlf_and_empty_quotes() {
        let data = format!(
            "\u{feff}{HEADER},note\r\nann@x.io,\"Ann, Jr\",Lee,ann@x.io,\"two\r\nlines\"\r\nbob@x.io,Bob,\"O\"\"Neil\",bob@x.io,\"\"\r\n"
        );
        let all = items(data.as_bytes()).await;
        assert_eq!(all.len(), 2);
        let ann = record(&all[0]);
        assert_eq!(
            ann.attributes[0].0, "login",
            "the BOM is not part of the first column"
        );
        assert_eq!(attr(ann, "firstName"), "Ann, Jr");
        assert_eq!(attr(ann, "note"), "two\r\nlines");
        assert_eq!(ann.line, Some(2));
        let bob = record(&all[1]);
        assert_eq!(attr(bob, "lastName"), "O\"Neil");
        assert_eq!(attr(bob, "note"), "");
        assert_eq!(
            bob.line,
            Some(4),
            "the embedded newline moves later rows down a line"
        );
        assert_eq!(bob.external_id, "bob@x.io");
    }

    #[tokio::test]
    async fn non_utf8_bytes_are_a_row_error_with_line_and_column() {
        let mut data = format!("{HEADER}\nann@x.io,Ann,Lee,ann@x.io\nbob@x.io,B").into_bytes();
        data.extend_from_slice(b"\xff\xfeob,Smith,bob@x.io\n");
        let all = items(&data).await;
        assert!(matches!(all[0], Item::Record(_)));
        match &all[1] {
            Item::RejectedAccount {
                external_id,
                error: e,
            } => {
                assert_eq!(external_id, "bob@x.io", "the login was readable");
                assert_eq!(e.line, Some(3));
                assert_eq!(e.field.as_deref(), Some("firstName"));
                assert!(e.message.contains("UTF-8"));
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn wrong_field_count_is_a_row_error() {
        let mut data = format!("{HEADER}\nAnn@x.io,Ann,Lee\n").into_bytes();
        data.extend_from_slice(b"\xff\n");
        let all = items(&data).await;
        match &all[0] {
            Item::RejectedAccount {
                external_id,
                error: e,
            } => {
                assert_eq!(external_id, "ann@x.io");
                assert!(
                    e.message.contains("3 fields but the header has 4"),
                    "{}",
                    e.message
                )
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
        assert!(matches!(&all[1], Item::Rejected(_)), "{:?}", all[1]);
    }

    #[test]
    fn summary_names_missing_columns() {
        let f = file(b"login,firstName\nann,Ann\n");
        let s = summarize(f.path(), 5).unwrap();
        assert_eq!(s.columns, ["login", "firstName"]);
        assert_eq!(s.row_count, 1);
        assert!(
            s.problems[0].contains("lastName, email"),
            "{:?}",
            s.problems
        );
    }

    #[test]
    fn summary_of_empty_and_binary_files() {
        let s = summarize(file(b"").path(), 5).unwrap();
        assert!(s.problems[0].contains("empty"));
        let s = summarize(file(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").path(), 5).unwrap();
        assert!(s.problems[0].contains("not a CSV file"), "{:?}", s.problems);
        let s = summarize(file(format!("{HEADER}\r\n").as_bytes()).path(), 5).unwrap();
        assert!(s.problems[0].contains("no users"));
    }

    #[test]
    fn summary_of_text_that_is_not_utf8_offers_windows_1252() {
        let s = summarize(
            file(b"login,firstName,lastName,email\nr@x.io,Ren\xE9e,D,r@x.io\n").path(),
            5,
        )
        .unwrap();
        assert_eq!(
            s.problems,
            ["Line 2 is not UTF-8 (byte 0xE9 at offset 41 of the file): r@x.io,Ren\u{FFFD}e,D,r@x.io"]
        );
        assert_eq!(s.encodings, [TextEncoding::Windows1252]);
        assert_eq!(
            (s.row_count, s.first_rows[0][1].as_str()),
            (1, "Ren\u{FFFD}e")
        );
        // A header that is not UTF-8 is named once, as its line.
        let s = summarize(
            file(b"login,n\xE9,lastName,email\nr@x.io,R,D,r@x.io\n").path(),
            5,
        )
        .unwrap();
        assert_eq!(
            s.problems,
            ["Line 1 is not UTF-8 (byte 0xE9 at offset 7 of the file): login,n\u{FFFD},lastName,email"]
        );
        assert_eq!(s.encodings, [TextEncoding::Windows1252]);
        assert!(s.columns.is_empty());
        // UTF-8 is read as it is, with nothing offered.
        let s = summarize(
            file("\u{FEFF}login,firstName,lastName,email\nr@x.io,Renée,D,r@x.io\n".as_bytes())
                .path(),
            5,
        )
        .unwrap();
        assert!(s.problems.is_empty() && s.encodings.is_empty(), "{s:?}");
        assert_eq!(s.first_rows[0][1], "Renée");
    }

    #[test]
    fn summary_counts_rows_and_previews_the_first() {
        let mut data = format!("{HEADER}\n");
        for i in 0..20 {
            data.push_str(&format!("u{i}@x.io,U,{i},u{i}@x.io\n"));
        }
        let s = summarize(file(data.as_bytes()).path(), 5).unwrap();
        assert_eq!(s.row_count, 20);
        assert_eq!(s.first_rows.len(), 5);
        assert_eq!(s.first_rows[0][0], "u0@x.io");
        assert!(s.problems.is_empty());
    }

    #[test]
    fn open_refuses_a_header_without_required_columns() {
        let f = file(b"name,mail\nAnn,ann@x.io\n");
        let err = CsvSource::open(f.path(), None).err().unwrap();
        assert!(err.to_string().contains("login"), "{err}");
    }

    #[test]
    fn a_huge_header_is_refused_after_its_first_thousand_columns() {
        let mut header = b"login,firstName,lastName,email".to_vec();
        header.extend(std::iter::repeat_n(b",x".as_slice(), 4_000_000).flatten());
        header.extend(b"\nann,Ann,Lee,ann@x.io\n");
        let f = file(&header);
        let summary = summarize(f.path(), 5).unwrap();
        assert_eq!(
            summary.problems,
            ["This file cannot be imported. Line 1: the row has more than 1000 columns; a row may have at most 1000."]
        );
        assert!(summary.columns.is_empty());
        let err = CsvSource::open(f.path(), None).err().unwrap();
        assert!(err.to_string().contains("more than 1000 columns"), "{err}");
    }

    #[test]
    fn a_quote_inside_a_value_opens_no_quotes_for_the_bounds() {
        // The parser reads this `"` as a character; were it to open quotes
        // for the bounds, every row after it would count as one 1 MiB row.
        let mut data = format!("{HEADER}\nann@x.io,5\" screen,Lee,ann@x.io\n");
        for i in 0..50_000 {
            data.push_str(&format!("u{i}@x.io,U,{i},u{i}@x.io\n"));
        }
        assert!(data.len() > MAX_ROW_BYTES);
        let s = summarize(file(data.as_bytes()).path(), 5).unwrap();
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.row_count, 50_001);
        assert_eq!(s.first_rows[0][1], "5\" screen");
        // Nor does one after a closing quote: the commas inside the quoted
        // value of the next row are not separators.
        for stray in ["a\"b", "\"a\"b\""] {
            let data = format!("{HEADER}\n{stray},,,\n\"{}\",,,\n", ",".repeat(MAX_COLUMNS));
            let s = summarize(file(data.as_bytes()).path(), 5).unwrap();
            assert!(s.problems.is_empty(), "{stray}: {:?}", s.problems);
            assert_eq!(s.row_count, 2);
        }
    }

    #[tokio::test]
    async fn a_row_too_long_stops_the_file_and_names_its_line() {
        let mut bytes =
            b"login,firstName,lastName,email\nann,Ann,Lee,ann@x.io\n\"bob\nrob\",Bob,".to_vec();
        bytes.extend(std::iter::repeat_n(b'b', MAX_ROW_BYTES + 10));
        bytes.extend(b",bob@x.io\n");
        let f = file(&bytes);
        let summary = summarize(f.path(), 5).unwrap();
        assert_eq!(
            summary.problems,
            ["This file cannot be imported. Line 3: the row is longer than 1 MiB; a row may be at most 1 MiB."]
        );
    }

    #[tokio::test]
    async fn a_value_too_long_is_a_row_error_and_the_rest_is_read() {
        let mut bytes =
            b"login,firstName,lastName,email\nann,\"A, \"\"nn\"\"\nline two\",Lee,ann@x.io\nbob,"
                .to_vec();
        bytes.extend(std::iter::repeat_n(b'b', MAX_FIELD_BYTES + 1));
        bytes.extend(b",Lee,bob@x.io\ncat,Cat,Lee,cat@x.io\n");
        let all = items(&bytes).await;
        assert_eq!(all.len(), 3);
        assert_eq!(record(&all[0]).attributes[1].1, "A, \"nn\"\nline two");
        match &all[1] {
            Item::RejectedAccount { external_id, error } => {
                assert_eq!(external_id, "bob");
                assert_eq!(error.line, Some(4));
                assert_eq!(error.field.as_deref(), Some("firstName"));
                assert_eq!(
                    error.message,
                    "the value is 65 KiB long; a value may be at most 64 KiB"
                );
            }
            other => panic!("expected bob's row error, got {other:?}"),
        }
        assert_eq!(record(&all[2]).line, Some(5));
    }

    #[tokio::test]
    async fn a_file_changed_since_its_upload_is_refused() {
        let f =
            file(b"login,firstName,lastName,email\nann,Ann,Lee,ann@x.io\nbob,Bob,Lee,bob@x.io\n");
        let size = std::fs::metadata(f.path()).unwrap().len();
        let err = CsvSource::open(
            f.path(),
            Some(Uploaded {
                rows: 2,
                bytes: size + 1,
            }),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("is not as it was uploaded"),
            "{err}"
        );
        let mut src = CsvSource::open(
            f.path(),
            Some(Uploaded {
                rows: 3,
                bytes: size,
            }),
        )
        .unwrap();
        let err = loop {
            match src.next_batch().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("a short file was read to its end"),
                Err(e) => break e,
            }
        };
        assert_eq!(
            err.to_string(),
            "The file is not as it was uploaded: it had 3 rows and has 2 now. Upload it again."
        );
    }
}
