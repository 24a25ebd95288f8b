//! What must hold for any input to the engine's readers of untrusted text:
//! the CSV reader, the System Log filter parser and the mapping expression
//! language. Each check takes raw bytes and panics when a property fails.
//! The property tests (`fuzz.rs`) feed them generated input on every test
//! run; the fuzz targets in `engine/fuzz` include this file and feed them
//! libFuzzer's input (`scripts/fuzz`).

#![allow(dead_code)]

use engine::mapping::expr::{Expr, Scope, Value as ExprValue, MAX_VALUE_BYTES};
use engine::sources::csv::{summarize, CsvSource, CsvSummary, MAX_COLUMNS};
use engine::sources::encoding::{inspect, Content};
use engine::sources::{Item, Source};
use engine::syslog::check_fields;
use engine::syslog::filter::Filter;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// Rows the upload preview shows.
const PREVIEW_ROWS: usize = 5;

/// Any bytes as an uploaded CSV file: the upload preview (`summarize`, which
/// looks at the encoding first) and the import's reader (`CsvSource`) never
/// panic, and agree with each other and with the CSV parser:
///
/// * a file the preview finds no problem in opens for import and yields as
///   many rows as the preview counted, each on a later line than the one
///   before, the first of them as the preview shows them;
/// * a file refused for a row too wide has such a row.
pub fn csv_file(data: &[u8]) {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(data).expect("the input is written");
    file.flush().expect("the input is written");
    let path = file.path();
    let content = inspect(path).expect("a readable file is inspected");
    let summary = summarize(path, PREVIEW_ROWS).expect("a readable file is summarized");
    let items = read_all(path);
    if summary.problems.is_empty() {
        assert_eq!(
            content,
            Content::Utf8,
            "only UTF-8 is read without a problem"
        );
        let items = items.expect("a file without problems opens for import");
        agrees(&summary, &items);
    }
    let too_wide = format!(": the row has more than {MAX_COLUMNS} columns");
    if summary
        .problems
        .iter()
        .any(|p| p.starts_with("This file cannot be imported. Line ") && p.contains(&too_wide))
    {
        assert!(
            has_wide_row(data),
            "refused for a wide row that the parser does not read: {:?}",
            summary.problems
        );
    }
}

/// Every item the import reads, or the error that stopped it.
fn read_all(path: &Path) -> Result<Vec<Item>, engine::Error> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    });
    let mut source = CsvSource::open(path, None)?;
    runtime.block_on(async {
        let mut items = Vec::new();
        while let Some(batch) = source.next_batch().await? {
            items.extend(batch);
        }
        Ok(items)
    })
}

fn agrees(summary: &CsvSummary, items: &[Item]) {
    assert_eq!(
        summary.row_count,
        items.len() as u64,
        "the preview counts the rows the import reads"
    );
    let mut last_line = 1;
    for (i, item) in items.iter().enumerate() {
        let (line, values) = match item {
            Item::Record(record) => (
                record.line,
                Some(
                    record
                        .attributes
                        .iter()
                        .map(|(_, v)| v.clone())
                        .collect::<Vec<_>>(),
                ),
            ),
            Item::Rejected(error) | Item::RejectedAccount { error, .. } => (error.line, None),
        };
        let line = line.expect("a CSV row has a line");
        assert!(
            line > last_line,
            "row {i} is on line {line}, after line {last_line}"
        );
        last_line = line;
        if let (Some(values), Some(shown)) = (values, summary.first_rows.get(i)) {
            assert_eq!(&values, shown, "the preview shows row {i} as it is read");
        }
    }
}

/// Whether the CSV parser, with no bound, reads a row of more than
/// `MAX_COLUMNS` fields before an error stops it.
fn has_wide_row(data: &[u8]) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if record.len() > MAX_COLUMNS {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------
// System Log filters
// ---------------------------------------------------------------------------

/// Any text as a System Log filter, tested against sample LogEvents (and,
/// after a NUL byte, an event of the input's own when it is JSON). Parsing,
/// checking the fields and matching never panic, and a filter that parses
/// keeps its promises:
///
/// * `not (F)` matches exactly the events `F` does not;
/// * the event types `F` is restricted to (pushed down to SQL) never leave
///   out an event it matches.
pub fn log_filter(data: &[u8]) {
    let (text, event) = split_at_nul(data);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(filter) = Filter::parse(text) else {
        return;
    };
    let _ = check_fields(&filter, text);
    let negated = Filter::parse(&format!("not ({text})")).ok();
    let types = filter.event_types();
    let own = event.and_then(|e| serde_json::from_slice::<Value>(e).ok());
    for event in sample_events().iter().chain(own.as_ref()) {
        let matched = filter.matches(event);
        if let Some(negated) = &negated {
            assert_eq!(
                negated.matches(event),
                !matched,
                "not ({text}) against {event}"
            );
        }
        if let (true, Some(types)) = (matched, &types) {
            let own_types = event_types_of(event);
            assert!(
                own_types.iter().any(|t| types.contains(t)),
                "{text} matches an event of type {own_types:?} outside its restriction {types:?}"
            );
        }
    }
}

/// The bytes before the first NUL, and those after it if there is one.
fn split_at_nul(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    }
}

/// The string values of an event's `eventType`, looking into arrays as a
/// filter does.
fn event_types_of(event: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending: Vec<&Value> = event.get("eventType").into_iter().collect();
    while let Some(value) = pending.pop() {
        match value {
            Value::String(s) => found.push(s.clone()),
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    found
}

/// LogEvents as the System Log serves them, and a few odd ones.
fn sample_events() -> &'static [Value] {
    static SAMPLES: OnceLock<Vec<Value>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        vec![
            json!({
                "uuid": "0b3e2a6e-6d0c-4c47-9d1f-0c7f3b1e9a10",
                "published": "2026-05-01T10:00:00.000Z",
                "eventType": "system.import.start",
                "version": "0",
                "severity": "INFO",
                "legacyEventType": null,
                "displayMessage": "Import started",
                "actor": {"id": "00u1", "type": "User", "alternateId": "admin", "displayName": "Admin", "detailEntry": null},
                "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0", "os": null, "browser": null}, "zone": "null", "device": "Computer", "ipAddress": "10.0.0.1", "geographicalContext": null},
                "outcome": {"result": "SUCCESS", "reason": null},
                "target": [
                    {"id": "0oa1", "type": "AppInstance", "alternateId": "HR", "displayName": "HR CSV", "detailEntry": null},
                    {"id": "run1", "type": "ImportRun", "alternateId": "run1", "displayName": "Import", "detailEntry": null}
                ],
                "transaction": {"type": "WEB", "id": "run1", "detail": {}},
                "debugContext": {"debugData": {"importTrigger": "Manual action", "jobId": "run1", "rows": 42, "ratio": "0.5"}},
                "authenticationContext": {},
                "securityContext": {},
                "request": {"ipChain": [{"ip": "10.0.0.1"}]}
            }),
            json!({
                "uuid": "5f1c",
                "published": "2026-05-02T00:00:00.000Z",
                "eventType": "user.session.start",
                "severity": "WARN",
                "displayMessage": "User login to Muster",
                "actor": {"id": "unknown", "type": "User", "alternateId": "ADA", "displayName": "ADA"},
                "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
                "target": [],
                "debugContext": {"debugData": {"lockSeconds": 900, "failedAttempts": -3, "big": u64::MAX, "flag": true, "none": null}}
            }),
            json!({
                "eventType": ["system.import.complete", "user.lifecycle.create"],
                "target": [[{"id": "nested"}], {"id": 7}, null],
                "debugContext": {"debugData": {"n": 1.5e300, "s": "-0", "e": "", "a": [1, "2", [3.0]]}}
            }),
            json!({}),
            json!(null),
            json!("system.import.start"),
        ]
    })
}

// ---------------------------------------------------------------------------
// Mapping expressions
// ---------------------------------------------------------------------------

/// Any text as a mapping expression, evaluated over attributes that hold
/// the text after its first NUL byte (or a sample value) and over a sample
/// user. Parsing, checking the budget and evaluating never panic, and an
/// expression that parses keeps its promises:
///
/// * it reads no appuser attribute but those `app_user_attributes` names
///   (the console checks those against the app's schema);
/// * no value it produces is longer than `MAX_VALUE_BYTES`;
/// * evaluating it twice gives the same result.
pub fn expression(data: &[u8]) {
    let (text, value) = split_at_nul(data);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(expr) = Expr::parse(text) else {
        return;
    };
    let _ = expr.check_budget();
    let value = String::from_utf8_lossy(value.unwrap_or(b"Ada Lovelace"));
    let names = expr.app_user_attributes();
    let every = evaluate(&expr, &Every(&value));
    let only = evaluate(
        &expr,
        &Only {
            names: &names,
            value: &value,
        },
    );
    assert_eq!(
        format!("{every:?}"),
        format!("{only:?}"),
        "{text:?} reads an appuser attribute not in {names:?}"
    );
    let _ = evaluate(&expr, &Sample::ada());
}

/// Evaluates twice, checking the two agree and no value is too long.
fn evaluate(expr: &Expr, scope: &dyn Scope) -> Result<ExprValue, String> {
    let first = expr.eval(scope).map_err(|e| e.message);
    let again = expr.eval(scope).map_err(|e| e.message);
    assert_eq!(
        format!("{first:?}"),
        format!("{again:?}"),
        "evaluating twice differs"
    );
    if let Ok(ExprValue::String(s)) = &first {
        assert!(s.len() <= MAX_VALUE_BYTES, "a value of {} bytes", s.len());
    }
    first
}

/// Every attribute holds the same text.
struct Every<'a>(&'a str);

impl Scope for Every<'_> {
    fn app_user(&self, _name: &str) -> Option<&str> {
        Some(self.0)
    }
    fn user(&self, _name: &str) -> Option<&str> {
        Some(self.0)
    }
}

/// Only the appuser attributes named, each holding the same text.
struct Only<'a> {
    names: &'a [String],
    value: &'a str,
}

impl Scope for Only<'_> {
    fn app_user(&self, name: &str) -> Option<&str> {
        self.names.iter().any(|n| n == name).then_some(self.value)
    }
    fn user(&self, _name: &str) -> Option<&str> {
        Some(self.value)
    }
}

/// A user as an import sees one.
struct Sample(HashMap<&'static str, &'static str>);

impl Sample {
    fn ada() -> Sample {
        Sample(HashMap::from([
            ("login", "ada@muster.test"),
            ("email", "Ada.Lovelace@Muster.Test"),
            ("firstName", "Ada"),
            ("lastName", "Lovelace"),
            ("department", "Engineering"),
            ("age", "36"),
            ("negative", "-1.5e3"),
            ("empty", ""),
            ("spaced", " a b\tc "),
            ("unicode", "Zoë Ünal 👩‍💻"),
        ]))
    }
}

impl Scope for Sample {
    fn app_user(&self, name: &str) -> Option<&str> {
        self.0.get(name).copied()
    }
    fn user(&self, name: &str) -> Option<&str> {
        self.0.get(name).copied()
    }
}
