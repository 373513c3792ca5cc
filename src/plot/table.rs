//! The CSV files of a run or sweep folder, read for the figures: only the
//! columns a figure needs are kept, as text, and turned into numbers on
//! demand.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Some columns of a CSV file.
pub struct Table {
    pub path: PathBuf,
    /// Every column of the file, in order.
    pub header: Vec<String>,
    /// The kept columns' names and their cells, by row.
    kept: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Read `path`, keeping the columns that `keep` accepts.
    pub fn read(path: &Path, keep: impl Fn(&str) -> bool) -> Result<Table> {
        let file = crate::util::input::open_regular(path).map_err(|message| Error::Output {
            path: path.to_path_buf(),
            message,
        })?;
        let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
        let fail = |source| Error::Csv {
            path: path.to_path_buf(),
            source,
        };
        let header: Vec<String> = reader
            .headers()
            .map_err(fail)?
            .iter()
            .map(String::from)
            .collect();
        let index: Vec<usize> = (0..header.len()).filter(|&i| keep(&header[i])).collect();
        let kept = index.iter().map(|&i| header[i].clone()).collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(fail)?;
            rows.push(
                index
                    .iter()
                    .map(|&i| record.get(i).unwrap_or_default().to_string())
                    .collect(),
            );
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            kept,
            rows,
        })
    }

    /// Read every column of `path`.
    pub fn read_all(path: &Path) -> Result<Table> {
        Self::read(path, |_| true)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file has a column of this name.
    pub fn has(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    fn position(&self, name: &str) -> Result<usize> {
        self.kept.iter().position(|h| h == name).ok_or_else(|| {
            Error::Internal(format!(
                "{}: column `{name}` was not read",
                self.path.display()
            ))
        })
    }

    /// The cells of a column, as text.
    pub fn text(&self, name: &str) -> Result<Vec<&str>> {
        let i = self.position(name)?;
        Ok(self.rows.iter().map(|r| r[i].as_str()).collect())
    }

    /// The cells of a column as numbers (`true`/`false` as 1 and 0); an
    /// empty or other cell is an error naming the file, column and row.
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>> {
        let i = self.position(name)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(row, r)| match r[i].as_str() {
                "true" => Ok(1.0),
                "false" => Ok(0.0),
                cell => cell.parse::<f64>().map_err(|_| Error::Output {
                    path: self.path.clone(),
                    message: format!(
                        "column `{name}`, data row {}: `{cell}` is not a number",
                        row + 1
                    ),
                }),
            })
            .collect()
    }

    /// Whether every cell of a column is a number (and there is one).
    pub fn is_numeric(&self, name: &str) -> bool {
        match self.position(name) {
            Ok(i) => {
                !self.rows.is_empty()
                    && self
                        .rows
                        .iter()
                        .all(|r| r[i].parse::<f64>().is_ok() || r[i] == "true" || r[i] == "false")
            }
            Err(_) => false,
        }
    }
}
