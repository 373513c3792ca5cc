//! Typed errors. Every message is one line that names where the problem is
//! (file or command-line option), what is wrong and what is allowed.
//!
//! Errors echo what the user wrote (file names, keys, values, `--set`
//! options), which may hold newlines, tabs or terminal escapes: every part
//! is shown through [`escape`], so a message never spans lines.

use std::borrow::Cow;
use std::path::PathBuf;

/// Errors of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario value, key or file is invalid.
    #[error("{}: {}: {}", part(.origin, 200), part(.key, 200), part(.message, 2000))]
    Scenario {
        origin: String,
        key: String,
        message: String,
    },
    /// A scenario file is not valid TOML or cannot be read.
    #[error("{}: {}", part(.origin, 200), part(.message, 2000))]
    ScenarioFile { origin: String, message: String },
    /// Reading or writing a file failed.
    #[error("{}: {}", escape(&path.display().to_string()), escape(&source.to_string()))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing CSV output failed.
    #[error("{}: {}", escape(&path.display().to_string()), escape(&source.to_string()))]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// The output folder cannot be used.
    #[error("{}: {}", escape(&path.display().to_string()), escape(.message))]
    Output { path: PathBuf, message: String },
    /// The run was cancelled by the caller (e.g. Ctrl-C).
    #[error("run cancelled at step {step}")]
    Cancelled { step: u32 },
    /// An invariant of the model was violated (a bug, reported rather than panicking).
    #[error("internal error: {}", escape(&.0.split_whitespace().collect::<Vec<_>>().join(" ")))]
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

/// `text` with control characters (newline, tab, escape…) and Unicode line
/// separators written as Rust escapes (`\n`, `\t`, `\u{1b}`), so that it
/// stays on one line. Text without them is returned as is.
pub fn escape(text: &str) -> Cow<'_, str> {
    let special = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !text.chars().any(special) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if special(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A part of a message: escaped, and cut after `max` characters (a
/// `--set` value or key of thousands of characters is not echoed whole).
fn part(text: &str, max: usize) -> String {
    let text = escape(text);
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.into_owned(),
    }
}

/// Result with the library's error.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_with_control_characters_stay_on_one_line() {
        let e = Error::scenario(
            "--set a=\"x\ny\"",
            "a",
            "`x\ty\u{1b}[31m` is\r\nbad\u{2028}",
        );
        assert_eq!(
            e.to_string(),
            "--set a=\"x\\ny\": a: `x\\ty\\u{1b}[31m` is\\r\\nbad\\u{2028}"
        );
        assert_eq!(escape("plain – text"), "plain – text");
    }
}
