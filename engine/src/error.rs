//! The engine's one error type. Each variant an admin can meet carries a
//! message that says what is wrong and where.

/// Everything the engine can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Invalid credentials")]
    Unauthenticated,
    #[error("You do not have permission to do this")]
    Forbidden,
    #[error("Too many failed sign-ins: try again in {}", crate::throttle::wait_text(*wait))]
    Throttled { wait: std::time::Duration },
    #[error("An import of this app is running or waiting to run; try again when it ends")]
    ImportBusy,
    #[error("The upload is larger than the limit of {limit_mib} MiB")]
    TooLarge { limit_mib: u64 },
    #[error("The server's disk is almost full ({free_mib} MiB free; an upload needs {needed_mib} MiB free): uploads are refused until its operator frees space")]
    DiskFull { free_mib: u64, needed_mib: u64 },
    #[error("Invalid filter: {0}")]
    InvalidFilter(#[from] crate::syslog::filter::FilterError),
    #[error("storage error: {0}")]
    Storage(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("Muster is stopping: the import stopped after its last committed batch")]
    Stopping,
    /// The app's server (a directory, a SCIM app) failed or refused: what
    /// it said, for the admin who set up the connection.
    #[error("{0}")]
    Source(String),
}

impl Error {
    /// A failure inside the server (storage, files, a bug), whose text is
    /// for the server's log, not for the client.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Error::Storage(_) | Error::Migration(_) | Error::Io(_) | Error::Internal(_)
        )
    }

    /// A stable code for the kind of error, shown beside the message.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "MUS0404",
            Error::InvalidInput(_) => "MUS0400",
            Error::Conflict(_) => "MUS0409",
            Error::Unauthenticated => "MUS0401",
            Error::Forbidden => "MUS0403",
            Error::Throttled { .. } => "MUS0429",
            Error::ImportBusy => "MUS0423",
            Error::TooLarge { .. } => "MUS0413",
            Error::DiskFull { .. } => "MUS0507",
            Error::InvalidFilter(_) => "MUS0453",
            Error::Storage(_) | Error::Migration(_) | Error::Io(_) | Error::Internal(_) => {
                "MUS0500"
            }
            Error::Stopping => "MUS0503",
            Error::Source(_) => "MUS0502",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
