//! Downloadable CSV reports: row errors, a paused import's removals, the
//! System Log. Written by `csv::Writer`, lines ended by CRLF, and every cell
//! that a spreadsheet would run as a formula neutralised.

use crate::error::{Error, Result};
use crate::model::RowError;
use std::borrow::Cow;

/// A downloadable CSV report as it is written: a header, then one record
/// per row, lines ended by CRLF, cells that look like formulas neutralised.
pub(crate) struct Report {
    writer: csv::Writer<Vec<u8>>,
}

impl Report {
    pub(crate) fn new(header: &[&str]) -> Result<Self> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer.write_record(header).map_err(report_failed)?;
        Ok(Report { writer })
    }

    pub(crate) fn push(&mut self, cells: &[&str]) -> Result<()> {
        let cells: Vec<Cow<str>> = cells.iter().map(|c| neutralise_formula(c)).collect();
        self.writer
            .write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(report_failed)
    }

    /// The row-error report: line, field, value, error.
    pub(crate) fn errors() -> Result<Self> {
        Report::new(&["line", "field", "value", "error"])
    }

    pub(crate) fn push_error(&mut self, e: &RowError) -> Result<()> {
        let line = e.line.map(|l| l.to_string()).unwrap_or_default();
        self.push(&[
            &line,
            e.field.as_deref().unwrap_or(""),
            e.value.as_deref().unwrap_or(""),
            &e.message,
        ])
    }

    pub(crate) fn finish(self) -> Result<String> {
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| report_failed(e.error()))?;
        String::from_utf8(bytes).map_err(report_failed)
    }
}

fn report_failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing a CSV report: {e}"))
}

/// A cell as a spreadsheet will show it, not run it: text that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe
/// (OWASP's advice against CSV injection), so a value such as
/// `=HYPERLINK(...)` from an uploaded file is shown as text.
pub(crate) fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_of(errors: &[RowError]) -> String {
        let mut report = Report::errors().unwrap();
        for e in errors {
            report.push_error(e).unwrap();
        }
        report.finish().unwrap()
    }

    fn row_error(field: &str, value: &str, message: &str) -> RowError {
        RowError {
            line: Some(7),
            field: Some(field.into()),
            value: Some(value.into()),
            message: message.into(),
        }
    }

    #[test]
    fn formulas_are_neutralised_by_a_leading_apostrophe() {
        for cell in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1:A2)",
            "\t=1+1",
            "\r=1+1",
        ] {
            assert_eq!(neutralise_formula(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn other_cells_are_untouched() {
        for cell in [
            "ann@example.com",
            "",
            "Lee, Ann",
            " =1",
            "a=b",
            "'quoted",
            "7",
        ] {
            assert!(
                matches!(neutralise_formula(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn the_report_quotes_commas_quotes_and_line_breaks() {
        let report = report_of(&[
            row_error("title", "Lee, Ann", "title: \"Head of \"Ops\"\" is wrong"),
            row_error("note", "one\r\ntwo", "plain"),
            RowError {
                line: None,
                field: None,
                value: None,
                message: "no line".into(),
            },
        ]);
        assert_eq!(
            report,
            concat!(
                "line,field,value,error\r\n",
                "7,title,\"Lee, Ann\",\"title: \"\"Head of \"\"Ops\"\"\"\" is wrong\"\r\n",
                "7,note,\"one\r\ntwo\",plain\r\n",
                ",,,no line\r\n",
            )
        );
    }

    #[test]
    fn the_report_writes_formulas_as_text() {
        let report = report_of(&[row_error(
            "email",
            "=HYPERLINK(\"http://evil.example\",\"Click\")",
            "-1 is not an email address",
        )]);
        assert_eq!(
            report,
            concat!(
                "line,field,value,error\r\n",
                "7,email,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",'-1 is not an email address\r\n",
            )
        );
    }
}
