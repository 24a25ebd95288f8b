//! The properties of `properties.rs` over generated input (1,000 CSV files,
//! 4,000 filters and expressions), so every test run exercises them. The
//! input is built from pieces that matter to each grammar (quotes,
//! separators, line ends and byte-order marks; paths, operators and
//! literals) mixed with random bytes. `scripts/fuzz` runs the same
//! properties under libFuzzer, for longer.

use crate::properties;
use proptest::prelude::*;
use proptest::sample::select;

/// Pieces of CSV files: a header, values, quoting, line ends, bytes that
/// are not UTF-8 or not text.
const CSV_PIECES: &[&[u8]] = &[
    b"login,firstName,lastName,email",
    b"ann@x.io",
    b"Ann",
    b"O\"Neil",
    b"\"",
    b"\"\"",
    b",",
    b",,",
    b"\n",
    b"\r\n",
    b"\r",
    b" ",
    b"\t",
    b"\xEF\xBB\xBF",
    b"\xC3\xA9",
    b"\xE9",
    b"\xFF\xFE",
    b"\0",
    b"\x01",
];

/// Pieces of System Log filters.
const FILTER_PIECES: &[&str] = &[
    "eventType",
    "debugContext.debugData.importTrigger",
    "debugContext.debugData.rows",
    "target.id",
    "target",
    "actor.alternateId",
    "published",
    "outcome.result",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "sw",
    "co",
    "ew",
    "pr",
    "and",
    "or",
    "not",
    "AND",
    "Not",
    "(",
    ")",
    "\"system.import.start\"",
    "\"user.session.start\"",
    "\"Manual action\"",
    "\"SUCCESS\"",
    "\"0oa1\"",
    "\"\"",
    "\"caf\\u00e9\"",
    "\"\\ud83d\\ude00\"",
    "\"\\\"",
    "42",
    "-1.5e3",
    "0.5",
    "18446744073709551616",
    "1e999",
    "true",
    "false",
    "null",
    "\"",
    "$x",
    "é",
];

/// Pieces of mapping expressions.
const EXPRESSION_PIECES: &[&str] = &[
    "appuser.firstName",
    "appuser.email",
    "appuser.age",
    "appuser.empty",
    "source.login",
    "user.login",
    "+",
    "==",
    "!=",
    "<",
    ">=",
    "AND",
    "OR",
    "&&",
    "||",
    "!",
    "NOT",
    "?",
    ":",
    "?:",
    "(",
    ")",
    ",",
    "String.toLowerCase(",
    "String.toUpperCase(",
    "String.substringBefore(",
    "String.substringAfter(",
    "String.substring(",
    "String.replace(",
    "String.join(",
    "String.len(",
    "String.stringContains(",
    "String.removeSpaces(",
    "String.stringSwitch(",
    "String.nothing(",
    "\"a\"",
    "'@'",
    "\"\"",
    "\"\\n\\t\\\\\"",
    "'",
    "42",
    "1.5",
    "99999999999999999999",
    "null",
    "true",
    "FALSE",
    "é",
];

/// Text made of pieces of a grammar and random characters, separated by
/// spaces or not.
fn text_of(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => select(pieces).prop_map(str::to_owned),
        1 => "\\PC{0,3}",
    ];
    (any::<bool>(), prop::collection::vec(piece, 0..24))
        .prop_map(|(spaced, pieces)| pieces.join(if spaced { " " } else { "" }))
}

/// Bytes made of pieces of CSV files, random bytes and runs of commas long
/// enough to reach the column bound.
fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => select(CSV_PIECES).prop_map(<[u8]>::to_vec),
        2 => prop::collection::vec(any::<u8>(), 0..4),
        1 => (300usize..1_100).prop_map(|n| vec![b','; n]),
    ];
    (any::<bool>(), prop::collection::vec(piece, 0..60)).prop_map(|(header, pieces)| {
        let mut bytes = match header {
            true => b"login,firstName,lastName,email\n".to_vec(),
            false => Vec::new(),
        };
        bytes.extend(pieces.concat());
        bytes
    })
}

/// An event of the input's own, after a NUL byte, as the fuzz targets take it.
fn with_event(text: String, event: Option<&str>) -> Vec<u8> {
    let mut bytes = text.into_bytes();
    if let Some(event) = event {
        bytes.push(0);
        bytes.extend(event.as_bytes());
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn csv_preview_and_import_agree(bytes in csv_bytes()) {
        properties::csv_file(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn log_filters_keep_their_promises(
        text in text_of(FILTER_PIECES),
        event in prop::option::of(select(&[
            r#"{"eventType":"user.session.start","target":[{"id":"0oa1"}]}"#,
            r#"{"eventType":["system.import.start",null],"debugContext":{"debugData":{"rows":"42"}}}"#,
            r#"[{"eventType":"system.import.start"}]"#,
        ][..])),
    ) {
        properties::log_filter(&with_event(text, event));
    }

    #[test]
    fn mapping_expressions_keep_their_promises(
        text in text_of(EXPRESSION_PIECES),
        value in prop::option::of("\\PC{0,12}"),
    ) {
        properties::expression(&with_event(text, value.as_deref()));
    }
}
