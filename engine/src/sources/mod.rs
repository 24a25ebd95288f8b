//! Where imported records come from. A source only yields records; staging,
//! matching, queueing and applying do not know which source they came from.

pub mod csv;

use crate::error::Result;
use crate::model::RowError;
use std::future::Future;

/// One account as the source sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Where the record stands in the source, for error reports (a CSV line).
    pub line: Option<i64>,
    /// The source's stable id for the account.
    pub external_id: String,
    /// Attribute name and value, in the source's order.
    pub attributes: Vec<(String, String)>,
    /// False when the source says the account is disabled.
    pub active: bool,
}

/// What a source yields: a record, or a row it could not read.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Record(Record),
    /// A row that could not be read at all.
    Rejected(RowError),
    /// A row that could not be used, of an account the source still has
    /// (its id was readable): a full import does not treat it as gone.
    RejectedAccount {
        external_id: String,
        error: RowError,
    },
}

/// A stream of records, read in batches so memory stays bounded.
pub trait Source: Send {
    /// How many records the source holds, when it knows.
    fn total(&self) -> Option<i64>;
    /// The next batch, or `None` at the end.
    fn next_batch(&mut self) -> impl Future<Output = Result<Option<Vec<Item>>>> + Send;
}
