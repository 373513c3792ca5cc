//! Typed errors. Every message is one line that names where the problem is
//! (file or command-line option), what is wrong and what is allowed.

use std::path::PathBuf;

/// Errors of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario value, key or file is invalid.
    #[error("{origin}: {key}: {message}")]
    Scenario {
        origin: String,
        key: String,
        message: String,
    },
    /// A scenario file is not valid TOML or cannot be read.
    #[error("{origin}: {message}")]
    ScenarioFile { origin: String, message: String },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing CSV output failed.
    #[error("{}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// The output folder cannot be used.
    #[error("{}: {message}", path.display())]
    Output { path: PathBuf, message: String },
    /// The run was cancelled by the caller (e.g. Ctrl-C).
    #[error("run cancelled at step {step}")]
    Cancelled { step: u32 },
    /// An invariant of the model was violated (a bug, reported rather than panicking).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Shorthand for a scenario error.
    pub fn scenario(
        origin: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Scenario {
            origin: origin.into(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with the library's error.
pub type Result<T> = std::result::Result<T, Error>;
