//! Territory data: regions read from a CSV file (`[territory]
//! regions_file`), such as `data/france/departements.csv`.
//!
//! # Columns
//!
//! * `code` (text, unique): the region's code, written to `regions.csv` so
//!   that outputs join to any map of the regions (e.g. `75`, `2A`);
//! * `name` (text);
//! * `x_km`, `y_km` (km): position of the region's centre (its main town)
//!   in a metric projection (Lambert-93 for France);
//! * `pop_YYYY` (persons, one column or more): the population at the
//!   census of year YYYY. The population at any year is interpolated
//!   linearly between censuses and held before the first and after the
//!   last;
//! * `group_code`, `group_name` (text, optional): a grouping of regions
//!   (the région of a département).
//!
//! Other columns (e.g. `lon`, `lat`) are allowed and not read. A bad file
//! is refused in one line naming the file, the row and the column.

use std::path::Path;

use crate::error::{Error, Result};

/// One region of a regions file.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionRecord {
    pub code: String,
    pub name: String,
    pub group_code: String,
    pub group_name: String,
    pub x_km: f64,
    pub y_km: f64,
    /// (census year, population), by year.
    pub census: Vec<(i64, f64)>,
}

impl RegionRecord {
    /// Population in `year` (fractional years allowed): linear between
    /// censuses, held outside them.
    pub fn population_at(&self, year: f64) -> f64 {
        let c = &self.census;
        let Some(&(first, p0)) = c.first() else {
            return 0.0;
        };
        if year <= first as f64 {
            return p0;
        }
        for w in c.windows(2) {
            let ((y0, a), (y1, b)) = (w[0], w[1]);
            if year <= y1 as f64 {
                let t = (year - y0 as f64) / (y1 - y0) as f64;
                return a + t * (b - a);
            }
        }
        c.last().map_or(0.0, |&(_, p)| p)
    }
}

/// Read and check a regions file (through the shared reader: a regular
/// file of at most 1 MiB).
pub fn read(path: &Path) -> Result<Vec<RegionRecord>> {
    let origin = path.display().to_string();
    let fail = |message: String| Error::ScenarioFile {
        origin: origin.clone(),
        message,
    };
    let text = crate::util::input::read_text(path).map_err(fail)?;
    parse(&origin, &text)
}

/// Parse the text of a regions file.
pub fn parse(origin: &str, text: &str) -> Result<Vec<RegionRecord>> {
    let fail = |message: String| Error::ScenarioFile {
        origin: origin.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| {
            fail(format!(
                "row 1: {}",
                crate::scenario::one_line(&e.to_string())
            ))
        })?
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut required = Vec::new();
    for name in ["code", "name", "x_km", "y_km"] {
        required.push(col(name).ok_or_else(|| {
            fail(format!(
                "row 1: no column `{name}`; a regions file needs code, name, x_km, y_km and pop_YYYY columns"
            ))
        })?);
    }
    let mut census_cols: Vec<(i64, usize)> = Vec::new();
    for (k, h) in header.iter().enumerate() {
        if let Some(y) = h.strip_prefix("pop_") {
            let year: i64 = y.parse().ok().filter(|y| (1000..=3000).contains(y)).ok_or_else(|| {
                fail(format!(
                    "row 1, column `{}`: not a census column; allowed: pop_YYYY with a year YYYY",
                    h.escape_default()
                ))
            })?;
            census_cols.push((year, k));
        }
    }
    if census_cols.is_empty() {
        return Err(fail(
            "row 1: no pop_YYYY column; give the population of each region at one census year or more".into(),
        ));
    }
    census_cols.sort();
    if let Some(w) = census_cols.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(fail(format!("row 1: two columns pop_{}", w[0].0)));
    }
    let (group_code, group_name) = (col("group_code"), col("group_name"));
    let mut regions: Vec<RegionRecord> = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let row = k + 2;
        let record = record.map_err(|e| {
            fail(format!(
                "row {row}: {}",
                crate::scenario::one_line(&e.to_string())
            ))
        })?;
        let field = |c: usize| record.get(c).unwrap_or("");
        let text_of = |c: usize, name: &str| -> Result<String> {
            let v = field(c);
            if v.is_empty() {
                return Err(fail(format!(
                    "row {row}, column `{name}`: empty; allowed: a non-empty text"
                )));
            }
            Ok(v.to_string())
        };
        let number = |c: usize, name: &str, what: &str, ok: &dyn Fn(f64) -> bool| -> Result<f64> {
            let v = field(c);
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && ok(*x))
                .ok_or_else(|| {
                    fail(format!(
                        "row {row}, column `{name}`: `{}` is not {what}",
                        v.escape_default()
                    ))
                })
        };
        let code = text_of(required[0], "code")?;
        if regions.iter().any(|r| r.code == code) {
            return Err(fail(format!(
                "row {row}, column `code`: `{}` is used twice; codes must be unique",
                code.escape_default()
            )));
        }
        let any = |_: f64| true;
        let census = census_cols
            .iter()
            .map(|&(year, c)| {
                let name = format!("pop_{year}");
                number(c, &name, "a population (a number ≥ 0)", &|x| x >= 0.0).map(|p| (year, p))
            })
            .collect::<Result<Vec<_>>>()?;
        regions.push(RegionRecord {
            name: text_of(required[1], "name")?,
            x_km: number(required[2], "x_km", "a position in km", &any)?,
            y_km: number(required[3], "y_km", "a position in km", &any)?,
            group_code: group_code.map(|c| field(c).to_string()).unwrap_or_default(),
            group_name: group_name.map(|c| field(c).to_string()).unwrap_or_default(),
            census,
            code,
        });
    }
    if regions.len() < 2 {
        return Err(fail(format!(
            "has {} regions; allowed: 2 to 2000",
            regions.len()
        )));
    }
    if regions.len() > 2000 {
        return Err(fail(format!(
            "has {} regions; allowed: 2 to 2000",
            regions.len()
        )));
    }
    let first = census_cols[0].0;
    if regions.iter().map(|r| r.census[0].1).sum::<f64>() <= 0.0 {
        return Err(fail(format!(
            "column `pop_{first}`: every population is 0; at least one region must have people"
        )));
    }
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "code,name,x_km,y_km,pop_1954,pop_1990,lon\n\
                        01,Ain,871.5,6569.7,300000,470000,5.2\n\
                        2A,Corse-du-Sud,1188.0,6110.0,80000,118000,8.7\n";

    #[test]
    fn a_good_file_reads_with_interpolated_populations() {
        let r = parse("f.csv", GOOD).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].code, "2A");
        assert_eq!(r[0].population_at(1950.0), 300_000.0);
        assert_eq!(r[0].population_at(1972.0), 385_000.0);
        assert_eq!(r[0].population_at(2025.0), 470_000.0);
    }

    #[test]
    fn bad_files_are_refused_naming_row_and_column() {
        let cases = [
            (
                "code,name,x_km\n",
                "f.csv: row 1: no column `y_km`; a regions file needs code, name, x_km, y_km and pop_YYYY columns",
            ),
            (
                "code,name,x_km,y_km\n01,a,1,2\n",
                "f.csv: row 1: no pop_YYYY column; give the population of each region at one census year or more",
            ),
            (
                "code,name,x_km,y_km,pop_x\n",
                "f.csv: row 1, column `pop_x`: not a census column; allowed: pop_YYYY with a year YYYY",
            ),
            (
                "code,name,x_km,y_km,pop_1954\n01,a,1,2,3\n02,b,1,2,-4\n",
                "f.csv: row 3, column `pop_1954`: `-4` is not a population (a number ≥ 0)",
            ),
            (
                "code,name,x_km,y_km,pop_1954\n01,a,1,2,3\n01,b,1,2,4\n",
                "f.csv: row 3, column `code`: `01` is used twice; codes must be unique",
            ),
            (
                "code,name,x_km,y_km,pop_1954\n01,a,x\ty,2,3\n02,b,1,2,4\n",
                "f.csv: row 2, column `x_km`: `x\\ty` is not a position in km",
            ),
            (
                "code,name,x_km,y_km,pop_1954\n01,a,1,2,3\n",
                "f.csv: has 1 regions; allowed: 2 to 2000",
            ),
            (
                "code,name,x_km,y_km,pop_1954\n01,,1,2,3\n02,b,1,2,4\n",
                "f.csv: row 2, column `name`: empty; allowed: a non-empty text",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(parse("f.csv", text).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn the_french_departements_read() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/france/departements.csv");
        let r = read(&path).unwrap();
        assert_eq!(r.len(), 96);
        let total_1954: f64 = r.iter().map(|x| x.population_at(1954.0)).sum();
        assert!((total_1954 - 42.7e6).abs() < 0.5e6, "{total_1954}");
    }
}
