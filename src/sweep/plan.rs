//! Plan files (`sweep_*.toml`): a base scenario, a master seed, replicates, a
//! design and the parameters it varies, read and checked as strictly as a
//! scenario before anything runs.
//!
//! ```toml
//! base = "default.toml"        # relative to the plan file
//! seed = 2026                  # master seed of the sweep
//! replicates = 3
//! design = "grid"              # grid | random | lhs | oat
//! # samples = 50               # random and lhs only
//! # seeds = "independent"      # or "common": replicate r has one seed at every point
//!
//! [fixed]                      # overrides applied to every run
//! "run.end_year" = 2025
//!
//! [vary]                       # dotted scenario paths, as with --set
//! "proximity.geographic_weight" = [0.5, 1.5]       # grid, oat, random: values
//! "cooperation.base_probability" = { min = 0.01, max = 0.1 }  # random, lhs
//!
//! [output]
//! columns = ["firms", "ties_per_firm"]   # default: every column
//! years = { from = 1950, to = 2025, every = 5 }  # or a list; default: every year
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;

use super::design::{self, Design, DesignKind, Domain, Factor, Structure};
use crate::error::{Error, Result};
use crate::scenario::{
    Override, PLAN_MARKERS, ResolvedScenario, ScenarioChain, found, invalid_toml, kind, suggest,
};
use crate::statistics::StepRow;
use crate::util::rng;

/// Largest number of runs a plan may ask for.
pub const MAX_RUNS: u64 = 10_000_000;

/// A TOML tree whose tables keep the order of the file (so the parameter
/// columns follow the plan).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Node {
    Table(IndexMap<String, Node>),
    Leaf(toml::Value),
}

impl Node {
    /// Parse TOML text, keeping the order of keys; a syntax error is one
    /// line with its position.
    pub fn parse(origin: &str, text: &str) -> Result<IndexMap<String, Node>> {
        let doc = text
            .parse::<toml_edit::DocumentMut>()
            .map_err(|e| invalid_toml(origin, text, e.span(), e.message()))?;
        Ok(table_node(doc.as_table().iter()))
    }
}

fn table_node<'a>(
    items: impl Iterator<Item = (&'a str, &'a toml_edit::Item)>,
) -> IndexMap<String, Node> {
    items
        .filter_map(|(k, item)| {
            let node = match item {
                toml_edit::Item::None => return None,
                toml_edit::Item::Table(t) => Node::Table(table_node(t.iter())),
                toml_edit::Item::Value(v) => value_node(v),
                toml_edit::Item::ArrayOfTables(a) => Node::Leaf(toml::Value::Array(
                    a.iter()
                        .map(|t| {
                            toml::Value::Table(
                                t.iter()
                                    .filter_map(|(k, i)| {
                                        i.as_value().map(|v| (k.to_string(), plain(v)))
                                    })
                                    .collect(),
                            )
                        })
                        .collect(),
                )),
            };
            Some((k.to_string(), node))
        })
        .collect()
}

/// An inline table keeps its order (ranges, nested dotted keys); any other
/// value is a leaf.
fn value_node(v: &toml_edit::Value) -> Node {
    match v {
        toml_edit::Value::InlineTable(t) => Node::Table(
            t.iter()
                .map(|(k, v)| (k.to_string(), value_node(v)))
                .collect(),
        ),
        other => Node::Leaf(plain(other)),
    }
}

/// A `toml_edit` value as a plain TOML value.
fn plain(v: &toml_edit::Value) -> toml::Value {
    use toml_edit::Value as E;
    match v {
        E::String(s) => toml::Value::String(s.value().clone()),
        E::Integer(i) => toml::Value::Integer(*i.value()),
        E::Float(f) => toml::Value::Float(*f.value()),
        E::Boolean(b) => toml::Value::Boolean(*b.value()),
        E::Datetime(d) => toml::Value::String(d.value().to_string()),
        E::Array(a) => toml::Value::Array(a.iter().map(plain).collect()),
        E::InlineTable(t) => {
            toml::Value::Table(t.iter().map(|(k, v)| (k.to_string(), plain(v))).collect())
        }
    }
}

const DESIGN_NAMES: &[&str] = &["grid", "random", "lhs", "oat", "morris", "sobol", "file"];

/// One run of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpec {
    /// `point × replicates + replicate`: the row of `design.csv`.
    pub run_id: u64,
    pub point: u64,
    pub replicate: u64,
    /// The run's `run.seed`.
    pub seed: u64,
}

/// A validated plan with its design.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The plan file as named by the user.
    pub file: PathBuf,
    /// The plan's file name (recorded in the manifest without folders).
    pub file_name: String,
    /// The plan as written, in file order.
    pub raw: IndexMap<String, Node>,
    pub base: ScenarioChain,
    /// The base scenario with `[fixed]` applied.
    pub resolved_base: ResolvedScenario,
    pub seed: u64,
    pub replicates: u64,
    pub design: DesignKind,
    pub samples: Option<u64>,
    /// Replicate r has the same seed at every point (common random numbers).
    pub common_seeds: bool,
    pub fixed: Vec<Override>,
    pub factors: Vec<Factor>,
    /// The design points, computed on demand ([`Plan::point`]).
    points: Design,
    /// Time-series columns kept (always starting with `step` and `year`).
    pub columns: Vec<String>,
    /// Position of each kept column in a single run's row.
    pub column_index: Vec<usize>,
    /// Years kept (`None`: all).
    pub years: Option<BTreeSet<i64>>,
}

const PLAN_KEYS: &[&str] = &[
    "base",
    "seed",
    "replicates",
    "design",
    "samples",
    "seeds",
    "fixed",
    "vary",
    "output",
    "trajectories",
    "levels",
    "candidates",
    "second_order",
    "file",
];
const OUTPUT_KEYS: &[&str] = &["columns", "years"];
const YEAR_KEYS: &[&str] = &["from", "to", "every"];

/// The columns of a single run's `timeseries.csv`, in order.
pub fn series_columns() -> Result<Vec<String>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(StepRow::default())
        .map_err(|e| Error::Internal(format!("series header: {e}")))?;
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("series header: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text
        .lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .map(String::from)
        .collect())
}

/// Text of a scalar value in CSV files (floats keep a decimal point).
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => format!("{f:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Where a plan's errors point (its file).
pub(crate) struct Ctx<'a> {
    pub(crate) origin: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn err(&self, key: &str, message: impl Into<String>) -> Error {
        Error::scenario(self.origin, key, message)
    }

    pub(crate) fn check_keys(
        &self,
        table: &IndexMap<String, Node>,
        prefix: &str,
        allowed: &[&str],
    ) -> Result<()> {
        for key in table.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(self.err(
                    &join(prefix, key),
                    format!("unknown key; {}", suggest(key, allowed)),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn leaf<'n>(
        &self,
        node: &'n Node,
        key: &str,
        expected: &str,
    ) -> Result<&'n toml::Value> {
        match node {
            Node::Leaf(v) => Ok(v),
            Node::Table(_) => Err(self.err(key, format!("expected {expected}, found a table"))),
        }
    }

    pub(crate) fn integer(&self, node: &Node, key: &str, min: i64, max: i64) -> Result<i64> {
        let v = self.leaf(node, key, "an integer")?;
        let toml::Value::Integer(i) = v else {
            return Err(self.err(key, format!("expected an integer, found {}", found(v))));
        };
        if *i < min || *i > max {
            return Err(self.err(key, format!("{i} is out of range; allowed: {min} to {max}")));
        }
        Ok(*i)
    }

    pub(crate) fn string<'n>(
        &self,
        node: &'n Node,
        key: &str,
        allowed: &[&str],
    ) -> Result<&'n str> {
        let v = self.leaf(node, key, "a string")?;
        let toml::Value::String(s) = v else {
            return Err(self.err(key, format!("expected a string, found {}", found(v))));
        };
        if !allowed.is_empty() && !allowed.contains(&s.as_str()) {
            return Err(self.err(
                key,
                format!("`{s}` is not allowed; allowed: {}", allowed.join(", ")),
            ));
        }
        Ok(s)
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Flatten a table of dotted paths (quoted `"a.b" = …` or nested `a.b = …`)
/// into (path, leaf node) pairs in file order. A table with `min`/`max` keys
/// is a range, hence a leaf.
pub(crate) fn flatten<'n>(
    table: &'n IndexMap<String, Node>,
    prefix: &str,
    out: &mut Vec<(String, &'n Node)>,
) {
    for (key, node) in table {
        let path = join(prefix, key);
        match node {
            Node::Table(t) if !(t.contains_key("min") || t.contains_key("max")) => {
                flatten(t, &path, out)
            }
            _ => out.push((path, node)),
        }
    }
}

/// The value at a dotted path of a TOML tree.
fn lookup<'v>(tree: &'v toml::Value, path: &str) -> Option<&'v toml::Value> {
    path.split('.')
        .try_fold(tree, |v, segment| v.as_table().and_then(|t| t.get(segment)))
}

impl Plan {
    /// Read, check and expand a plan file. Every design point is checked as
    /// a scenario; the first problem is returned.
    pub fn load(path: &Path) -> Result<Self> {
        Self::load_with_progress(path, &|_, _| {})
    }

    /// [`Plan::load`], calling `progress(checked, points)` from worker
    /// threads while design points are checked one by one (plans whose
    /// factors enter rules across keys; see [`Plan::check_points`]).
    pub fn load_with_progress(path: &Path, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Self> {
        let origin = path.display().to_string();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = crate::util::input::read_text(path).map_err(|message| Error::ScenarioFile {
            origin: origin.clone(),
            message,
        })?;
        let raw = Node::parse(&origin, &text)?;
        // A plan is known by its content, whatever its name: it has `base`
        // and `design`; a file of scenario sections is a scenario.
        let scenario_keys = crate::scenario::defaults_value()?;
        let is_scenario = !raw.is_empty()
            && !PLAN_MARKERS.iter().any(|k| raw.contains_key(*k))
            && raw
                .keys()
                .all(|k| k == "extends" || scenario_keys.get(k).is_some());
        if is_scenario {
            return Err(Error::ScenarioFile {
                origin: origin.clone(),
                message: format!(
                    "is a scenario, not a sweep plan (a plan has `base`, `seed` and `design`); run it with `proxima run {origin}`"
                ),
            });
        }
        let ctx = Ctx { origin: &origin };
        ctx.check_keys(&raw, "", PLAN_KEYS)?;
        let required = |key: &str| {
            raw.get(key)
                .ok_or_else(|| ctx.err(key, "missing; every plan needs base, seed and design"))
        };

        let base_text = ctx.string(required("base")?, "base", &[])?;
        let base_path = path.parent().unwrap_or(Path::new(".")).join(base_text);
        let base = ScenarioChain::read(&base_path)
            .map_err(|e| ctx.err("base", format!("cannot use `{base_text}`: {e}")))?;
        let seed = ctx.integer(required("seed")?, "seed", 0, i64::MAX)? as u64;
        let replicates = match raw.get("replicates") {
            Some(n) => ctx.integer(n, "replicates", 1, MAX_RUNS as i64)? as u64,
            None => 1,
        };
        let design = match ctx.string(required("design")?, "design", DESIGN_NAMES)? {
            "grid" => DesignKind::Grid,
            "random" => DesignKind::Random,
            "lhs" => DesignKind::Lhs,
            "morris" => DesignKind::Morris,
            "sobol" => DesignKind::Sobol,
            "file" => DesignKind::File,
            _ => DesignKind::Oat,
        };
        let samples = match (design, raw.get("samples")) {
            (DesignKind::Sobol, Some(n)) => Some(ctx.integer(n, "samples", 2, 1 << 16)? as u64),
            (DesignKind::Random | DesignKind::Lhs, Some(n)) => {
                Some(ctx.integer(n, "samples", 1, MAX_RUNS as i64)? as u64)
            }
            (DesignKind::Random | DesignKind::Lhs | DesignKind::Sobol, None) => {
                return Err(ctx.err(
                    "samples",
                    "missing; random, lhs and sobol designs need samples = N",
                ));
            }
            (_, Some(_)) => {
                return Err(ctx.err(
                    "samples",
                    "only random, lhs and sobol designs take samples (morris takes trajectories)",
                ));
            }
            (_, None) => None,
        };
        let mut structure = design_structure(&ctx, &raw, design, samples)?;
        let common_seeds = match raw.get("seeds") {
            Some(n) => ctx.string(n, "seeds", &["independent", "common"])? == "common",
            None => false,
        };

        // [fixed]: overrides of every run.
        let fixed = fixed_overrides(&ctx, &raw, &origin)?;
        let resolved_base = base.resolve(&fixed).map_err(|e| match e {
            Error::Scenario {
                origin: o,
                key,
                message,
            } if o.contains("[fixed]") => ctx.err(&format!("fixed.{key}"), message),
            other => other,
        })?;
        let base_tree = toml::Value::try_from(&resolved_base.scenario)
            .map_err(|e| Error::Internal(format!("base scenario: {e}")))?;

        // [vary]: the factors (a file design: the file's columns).
        let mut factors = Vec::new();
        if design == DesignKind::File {
            if raw.contains_key("vary") {
                return Err(ctx.err(
                    "vary",
                    "a file design takes its parameters from the file's columns; remove [vary]",
                ));
            }
            let node = raw.get("file").ok_or_else(|| {
                ctx.err(
                    "file",
                    "missing; a file design needs file = \"points.csv\" (a CSV file, one column per parameter by dotted path)",
                )
            })?;
            let file = ctx.string(node, "file", &[])?;
            let file_path = path.parent().unwrap_or(Path::new(".")).join(file);
            let (f, columns) = read_design_file(&ctx, &file_path, &base_tree, &fixed)?;
            factors = f;
            structure.file = columns;
        }
        match raw.get("vary") {
            Some(Node::Table(t)) => {
                let mut leaves = Vec::new();
                flatten(t, "", &mut leaves);
                for (p, node) in leaves {
                    factors.push(factor(&ctx, design, &p, node, &base_tree, &fixed)?);
                }
            }
            Some(Node::Leaf(_)) => {
                return Err(ctx.err("vary", "expected a table of dotted paths and values"));
            }
            None => {}
        }
        if factors.is_empty() && design != DesignKind::Grid {
            return Err(ctx.err(
                "vary",
                "missing or empty; random, lhs, oat, morris and sobol designs need at least one parameter",
            ));
        }
        check_structure(&ctx, design, &factors, &structure)?;

        // [output]
        let all = series_columns()?;
        let mut columns = vec!["step".to_string(), "year".to_string()];
        let mut years = None;
        if let Some(node) = raw.get("output") {
            let Node::Table(t) = node else {
                return Err(ctx.err("output", "expected a table with columns and years"));
            };
            ctx.check_keys(t, "output", OUTPUT_KEYS)?;
            if let Some(node) = t.get("columns") {
                let names: Vec<&str> = all.iter().map(String::as_str).collect();
                let list = ctx.leaf(node, "output.columns", "a list of column names")?;
                let Some(items) = list.as_array() else {
                    return Err(ctx.err(
                        "output.columns",
                        format!("expected a list of column names, found {}", found(list)),
                    ));
                };
                if items.is_empty() {
                    return Err(ctx.err(
                        "output.columns",
                        "is empty; leave it out to keep every column",
                    ));
                }
                for item in items {
                    let Some(c) = item.as_str() else {
                        return Err(ctx.err(
                            "output.columns",
                            format!("expected column names in quotes, found {}", found(item)),
                        ));
                    };
                    if !names.contains(&c) {
                        return Err(ctx.err(
                            "output.columns",
                            format!(
                                "`{c}` is not a time-series column; {}",
                                suggest(c, &names).replace("valid keys here", "columns")
                            ),
                        ));
                    }
                    if !columns.iter().any(|x| x == c) {
                        columns.push(c.to_string());
                    }
                }
            } else {
                columns = all.clone();
            }
            if let Some(node) = t.get("years") {
                years = Some(year_selection(&ctx, node, &resolved_base)?);
            }
        } else {
            columns = all.clone();
        }

        let mut plan = Self {
            file: path.to_path_buf(),
            file_name: name,
            raw,
            base,
            resolved_base,
            seed,
            replicates,
            design,
            samples,
            common_seeds,
            fixed,
            factors,
            points: Design::new(design, &[], 0, seed, Structure::default()),
            column_index: columns
                .iter()
                .filter_map(|c| all.iter().position(|a| a == c))
                .collect(),
            columns,
            years,
        };
        let n_points = plan.count_points(&structure).ok_or_else(|| {
            ctx.err(
                "vary",
                format!("the design has more than {MAX_RUNS} points"),
            )
        })?;
        match n_points.checked_mul(plan.replicates) {
            Some(n) if n <= MAX_RUNS => {}
            _ => {
                return Err(ctx.err(
                    "replicates",
                    format!(
                        "{n_points} points × {} replicates is more than {MAX_RUNS} runs",
                        plan.replicates
                    ),
                ));
            }
        }
        let kept = design::kept_bytes(plan.design, &plan.factors, n_points);
        if kept > design::MAX_DESIGN_BYTES {
            return Err(ctx.err(
                "samples",
                format!(
                    "{n_points} points of {} factors would keep {} of draws; allowed: at most {} (use fewer samples or factors)",
                    plan.factors.len(),
                    crate::memory::human(kept),
                    crate::memory::human(design::MAX_DESIGN_BYTES)
                ),
            ));
        }
        plan.points = Design::new(plan.design, &plan.factors, n_points, plan.seed, structure);
        plan.check_points(&ctx, progress)?;
        Ok(plan)
    }

    fn count_points(&self, s: &Structure) -> Option<u64> {
        let groups = design::groups(&self.factors).0.len() as u64;
        match self.design {
            DesignKind::Morris => s.trajectories.checked_mul(groups + 1),
            DesignKind::Sobol => s
                .samples
                .checked_mul(design::saltelli_block(groups as usize, s.second_order)),
            DesignKind::File => Some(s.file.first().map_or(0, |c| c.len() as u64)),
            DesignKind::Grid => self.factors.iter().try_fold(1u64, |n, f| match &f.domain {
                Domain::Values(v) => n.checked_mul(v.len() as u64),
                _ => None,
            }),
            DesignKind::Random | DesignKind::Lhs => self.samples,
            DesignKind::Oat => Some(
                1 + self
                    .factors
                    .iter()
                    .map(|f| match &f.domain {
                        Domain::Values(v) => v.len() as u64,
                        _ => 0,
                    })
                    .sum::<u64>(),
            ),
        }
        .filter(|n| *n <= MAX_RUNS)
    }

    /// Number of design points.
    pub fn point_count(&self) -> u64 {
        self.points.points()
    }

    /// What a Morris, Sobol' or file design holds besides its factors.
    pub fn structure(&self) -> &Structure {
        self.points.structure()
    }

    /// The seed of a Sobol' design's scrambled sequence.
    pub fn sobol_seed(&self) -> u32 {
        self.points.sobol_seed()
    }

    /// The values of the factors at design point `point`.
    pub fn point(&self, point: u64) -> Vec<toml::Value> {
        self.points.point(&self.factors, point)
    }

    /// The overrides of design point `point` (without the seed).
    pub fn point_overrides(&self, point: u64) -> Vec<Override> {
        let mut out = self.fixed.clone();
        if point < self.point_count() {
            for (f, v) in self.factors.iter().zip(self.point(point)) {
                out.push(self.factor_override(f, v, point));
            }
        }
        out
    }

    fn factor_override(&self, f: &Factor, v: toml::Value, point: u64) -> Override {
        Override {
            path: f.path.clone(),
            text: format!(
                "{}={} ({} design point {point})",
                f.path,
                value_text(&v),
                self.file_name
            ),
            value: v,
        }
    }

    /// Check that every design point is a valid scenario and report the
    /// first, in design order, that is not.
    ///
    /// Resolving a scenario per point took about a millisecond, an hour for
    /// ten million points, so only what can differ between points is
    /// checked. The base with `[fixed]` is valid. A factor that no rule
    /// across keys reads (see `scenario::is_cross_field`) only has to be of
    /// the right type and in its range: each listed value is checked once,
    /// a range by its ends. The factors that such rules read are checked
    /// together, once per distinct combination of their values, with the
    /// others left at the base; then each point is checked by a look-up.
    /// `progress(checked, points)` is called as points are checked when
    /// they must be visited one by one.
    fn check_points(&self, ctx: &Ctx<'_>, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<()> {
        let n = self.point_count();
        let leaf_ok = |f: &Factor, v: &toml::Value| crate::scenario::leaf_ok(&f.path, &f.base, v);
        // What each factor needs checked point by point.
        enum Check {
            Nothing,
            Listed(Vec<bool>),
            EachValue,
            Together,
        }
        let checks: Vec<Check> = self
            .factors
            .iter()
            .map(|f| {
                let numeric = matches!(f.base, toml::Value::Integer(_) | toml::Value::Float(_));
                if !numeric || crate::scenario::is_cross_field(&f.path) {
                    return Check::Together;
                }
                match &f.domain {
                    Domain::Values(values) => {
                        let ok: Vec<bool> = values.iter().map(|v| leaf_ok(f, v)).collect();
                        if ok.iter().all(|&b| b) {
                            Check::Nothing
                        } else {
                            Check::Listed(ok)
                        }
                    }
                    Domain::File => Check::EachValue,
                    Domain::Range {
                        min, max, integer, ..
                    } => {
                        let end = |x: f64| {
                            if *integer {
                                toml::Value::Integer(x as i64)
                            } else {
                                toml::Value::Float(x)
                            }
                        };
                        // A real range's draws may round up to its max: its
                        // values are checked one by one if max sits at the
                        // parameter's upper bound.
                        let inside = *integer || crate::scenario::below_upper_bound(&f.path, *max);
                        if leaf_ok(f, &end(*min)) && leaf_ok(f, &end(*max)) && inside {
                            Check::Nothing
                        } else {
                            Check::EachValue
                        }
                    }
                }
            })
            .collect();
        let together: Vec<usize> = (0..checks.len())
            .filter(|&i| matches!(checks[i], Check::Together))
            .collect();
        let visit = checks.iter().any(|c| !matches!(c, Check::Nothing));
        // Verdicts of the combinations of the factors checked together
        // (bounded: beyond it, combinations are resolved every time).
        const MEMO: usize = 100_000;
        let memo: std::sync::Mutex<std::collections::HashMap<String, bool>> =
            std::sync::Mutex::new(std::collections::HashMap::new());
        let checked = std::sync::atomic::AtomicU64::new(0);
        let point_ok = |p: u64| -> bool {
            let done = checked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if done.is_multiple_of(4096) || done == n {
                progress(done, n);
            }
            for (i, c) in checks.iter().enumerate() {
                let ok = match c {
                    Check::Nothing | Check::Together => true,
                    Check::Listed(ok) => {
                        let (_, index) = self.points.value(&self.factors, p, i);
                        index.is_none_or(|k| ok[k])
                    }
                    Check::EachValue => {
                        leaf_ok(&self.factors[i], &self.points.value(&self.factors, p, i).0)
                    }
                };
                if !ok {
                    return false;
                }
            }
            if together.is_empty() {
                return true;
            }
            let values: Vec<toml::Value> = together
                .iter()
                .map(|&i| self.points.value(&self.factors, p, i).0)
                .collect();
            // Each value's own type and range, then the rules across keys.
            if !together
                .iter()
                .zip(&values)
                .all(|(&i, v)| leaf_ok(&self.factors[i], v))
            {
                return false;
            }
            let key = values
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("\u{1f}");
            if let Some(&ok) = memo.lock().ok().as_ref().and_then(|m| m.get(&key)) {
                return ok;
            }
            let mut o = self.fixed.clone();
            o.extend(
                together
                    .iter()
                    .zip(values)
                    .map(|(&i, v)| self.factor_override(&self.factors[i], v, p)),
            );
            let ok = self.base.rules_hold(&o);
            if let Ok(mut m) = memo.lock()
                && m.len() < MEMO
            {
                m.insert(key, ok);
            }
            ok
        };
        let mut from = 0;
        loop {
            let suspect = if visit {
                (from..n).into_par_iter().find_first(|&p| !point_ok(p))
            } else if from == 0 && n > 0 {
                // Nothing varies point by point: the first stands for all.
                Some(0)
            } else {
                None
            };
            let Some(p) = suspect else {
                return Ok(());
            };
            // The exact message, from the whole scenario of the point.
            match self.base.resolve(&self.point_overrides(p)) {
                Ok(_) if visit => from = p + 1,
                Ok(_) => return Ok(()),
                Err(e) => {
                    let detail = match e {
                        Error::Scenario { key, message, .. } => format!("{key}: {message}"),
                        other => other.to_string(),
                    };
                    let values: Vec<String> = self
                        .factors
                        .iter()
                        .zip(self.point(p))
                        .map(|(f, v)| format!("{}={}", f.path, value_text(&v)))
                        .collect();
                    return Err(ctx.err(
                        "vary",
                        format!(
                            "design point {p} ({}) is not a valid scenario: {detail}",
                            values.join(", ")
                        ),
                    ));
                }
            }
        }
    }

    /// Number of runs.
    pub fn runs(&self) -> u64 {
        self.point_count() * self.replicates
    }

    /// The run with this id.
    pub fn run(&self, run_id: u64) -> RunSpec {
        let point = run_id / self.replicates;
        let replicate = run_id % self.replicates;
        let seed_point = if self.common_seeds { 0 } else { point };
        RunSpec {
            run_id,
            point,
            replicate,
            seed: rng::run_seed(self.seed, seed_point, replicate),
        }
    }

    /// The scenario of a run: base, `[fixed]`, the point's values and the seed.
    pub fn scenario(&self, spec: &RunSpec) -> Result<ResolvedScenario> {
        let mut o = self.point_overrides(spec.point);
        o.push(Override {
            path: "run.seed".into(),
            value: toml::Value::Integer(spec.seed as i64),
            text: format!(
                "run.seed={} ({} run {})",
                spec.seed, self.file_name, spec.run_id
            ),
        });
        self.base.resolve(&o)
    }

    /// Identifier and parameter fields of a run, as in `design.csv`.
    pub fn id_fields(&self, spec: &RunSpec) -> Vec<String> {
        let mut f = vec![
            spec.run_id.to_string(),
            spec.replicate.to_string(),
            spec.seed.to_string(),
        ];
        if spec.point < self.point_count() {
            f.extend(self.point(spec.point).iter().map(value_text));
        }
        f
    }

    /// Header of `design.csv` (and first columns of the other files).
    pub fn id_header(&self) -> Vec<String> {
        let mut h = vec!["run_id".to_string(), "replicate".into(), "seed".into()];
        h.extend(self.factors.iter().map(|f| f.path.clone()));
        h
    }
}

pub(crate) fn number(ctx: &Ctx<'_>, v: &toml::Value, key: &str) -> Result<f64> {
    let x = match v {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        other => {
            return Err(ctx.err(key, format!("expected a number, found {}", found(other))));
        }
    };
    if !x.is_finite() {
        return Err(ctx.err(key, "must be a finite number"));
    }
    Ok(x)
}

/// The `[fixed]` table of a plan as overrides of every run.
pub(crate) fn fixed_overrides(
    ctx: &Ctx<'_>,
    raw: &IndexMap<String, Node>,
    origin: &str,
) -> Result<Vec<Override>> {
    let mut fixed = Vec::new();
    if let Some(node) = raw.get("fixed") {
        let Node::Table(t) = node else {
            return Err(ctx.err("fixed", "expected a table of dotted paths and values"));
        };
        let mut leaves = Vec::new();
        flatten(t, "", &mut leaves);
        for (p, node) in leaves {
            let key = format!("fixed.{p}");
            if p == "run.seed" {
                return Err(ctx.err(
                    &key,
                    "the sweep derives each run's seed from `seed`; set the master seed instead",
                ));
            }
            let value = match node {
                Node::Leaf(v) => v.clone(),
                Node::Table(_) => {
                    return Err(ctx.err(&key, "expected a value, found a range"));
                }
            };
            fixed.push(Override {
                text: format!("{p}={} ({origin} [fixed])", value_text(&value)),
                path: p,
                value,
            });
        }
    }
    Ok(fixed)
}

/// The base value of a varied parameter, after checking it may vary.
fn parameter_base<'t>(
    ctx: &Ctx<'_>,
    key: &str,
    path: &str,
    base_tree: &'t toml::Value,
    fixed: &[Override],
) -> Result<&'t toml::Value> {
    if path == "run.seed" {
        return Err(ctx.err(
            key,
            "the sweep derives run.seed for every run; use replicates for more seeds",
        ));
    }
    if fixed.iter().any(|o| o.path == path) {
        return Err(ctx.err(
            key,
            "is also in [fixed]; a parameter is either fixed or varied",
        ));
    }
    let Some(base) = lookup(base_tree, path) else {
        // Find the deepest known prefix to name what is wrong.
        let segments: Vec<&str> = path.split('.').collect();
        let mut node = base_tree;
        for (i, s) in segments.iter().enumerate() {
            let Some(t) = node.as_table() else { break };
            match t.get(*s) {
                Some(child) => node = child,
                None => {
                    let names: Vec<&str> = t.keys().map(String::as_str).collect();
                    let at = segments[..=i].join(".");
                    return Err(ctx.err(
                        key,
                        format!("`{at}` is not a scenario parameter; {}", suggest(s, &names)),
                    ));
                }
            }
        }
        return Err(ctx.err(key, "is not a scenario parameter"));
    };
    if base.is_table() {
        return Err(ctx.err(key, "is a section, not a parameter; name one of its keys"));
    }
    Ok(base)
}

pub(crate) fn factor(
    ctx: &Ctx<'_>,
    design: DesignKind,
    path: &str,
    node: &Node,
    base_tree: &toml::Value,
    fixed: &[Override],
) -> Result<Factor> {
    let key = format!("vary.{path}");
    let base = parameter_base(ctx, &key, path, base_tree, fixed)?;
    let domain = match node {
        Node::Leaf(toml::Value::Array(values)) => {
            if design.samples_ranges() {
                return Err(ctx.err(
                    &key,
                    "lhs, morris and sobol designs sample ranges; write { min = …, max = … }",
                ));
            }
            if values.is_empty() {
                return Err(ctx.err(&key, "the list of values is empty"));
            }
            for (i, v) in values.iter().enumerate() {
                if v.is_array() || v.is_table() {
                    return Err(ctx.err(
                        &key,
                        format!("value {} is {}; lists hold single values", i + 1, kind(v)),
                    ));
                }
            }
            // A float parameter listed with integers: keep one type per column.
            let values = values
                .iter()
                .map(|v| match (base, v) {
                    (toml::Value::Float(_), toml::Value::Integer(i)) => {
                        toml::Value::Float(*i as f64)
                    }
                    _ => v.clone(),
                })
                .collect::<Vec<_>>();
            for (i, v) in values.iter().enumerate() {
                if values[..i].contains(v) {
                    return Err(ctx.err(&key, format!("value {} is listed twice", value_text(v))));
                }
            }
            Domain::Values(values)
        }
        Node::Leaf(v) => {
            return Err(ctx.err(
                &key,
                format!(
                    "expected a list of values{}, found {}",
                    if design == DesignKind::Random {
                        " or { min, max }"
                    } else {
                        ""
                    },
                    found(v)
                ),
            ));
        }
        Node::Table(t) => {
            if matches!(design, DesignKind::Grid | DesignKind::Oat) {
                return Err(ctx.err(
                    &key,
                    "grid and oat designs take a list of values, e.g. [0.5, 1.0, 1.5]",
                ));
            }
            ctx.check_keys(t, &key, RANGE_KEYS)?;
            return range_factor(ctx, design, path, &key, t, base);
        }
    };
    Ok(Factor {
        path: path.to_string(),
        domain,
        base: base.clone(),
        group: None,
    })
}

const RANGE_KEYS: &[&str] = &["min", "max", "scale", "group"];

/// A range `{ min, max, scale = "linear" | "log", group = "name" }`.
fn range_factor(
    ctx: &Ctx<'_>,
    design: DesignKind,
    path: &str,
    key: &str,
    t: &IndexMap<String, Node>,
    base: &toml::Value,
) -> Result<Factor> {
    let get = |k: &str| -> Result<&toml::Value> {
        match t.get(k) {
            Some(Node::Leaf(v)) => Ok(v),
            Some(Node::Table(_)) => {
                Err(ctx.err(&format!("{key}.{k}"), "expected a number, found a table"))
            }
            None => Err(ctx.err(
                key,
                format!("a range needs both min and max; {k} is missing"),
            )),
        }
    };
    let (lo, hi) = (get("min")?, get("max")?);
    let min = number(ctx, lo, &format!("{key}.min"))?;
    let max = number(ctx, hi, &format!("{key}.max"))?;
    let integer = match base {
        toml::Value::Integer(_) => {
            if !(lo.is_integer() && hi.is_integer()) {
                return Err(ctx.err(key, "is an integer parameter; min and max must be integers"));
            }
            true
        }
        toml::Value::Float(_) => false,
        other => {
            return Err(ctx.err(
                key,
                format!(
                    "a range needs a numeric parameter; this one is {}; list its values instead",
                    kind(other)
                ),
            ));
        }
    };
    if min >= max {
        return Err(ctx.err(
            key,
            format!(
                "min ({}) must be below max ({})",
                value_text(lo),
                value_text(hi)
            ),
        ));
    }
    let log = match t.get("scale") {
        Some(n) => ctx.string(n, &format!("{key}.scale"), &["linear", "log"])? == "log",
        None => false,
    };
    if log && min <= 0.0 {
        return Err(ctx.err(
            &format!("{key}.min"),
            format!("a log scale needs min > 0; found {}", value_text(lo)),
        ));
    }
    let group = match t.get("group") {
        Some(_) if !matches!(design, DesignKind::Morris | DesignKind::Sobol) => {
            return Err(ctx.err(
                &format!("{key}.group"),
                "only morris and sobol designs group parameters",
            ));
        }
        Some(n) => Some(ctx.string(n, &format!("{key}.group"), &[])?.to_string()),
        None => None,
    };
    Ok(Factor {
        path: path.to_string(),
        domain: Domain::Range {
            min,
            max,
            integer,
            log,
        },
        base: base.clone(),
        group,
    })
}

/// The keys of a Morris, Sobol' or file design, checked.
fn design_structure(
    ctx: &Ctx<'_>,
    raw: &IndexMap<String, Node>,
    design: DesignKind,
    samples: Option<u64>,
) -> Result<Structure> {
    let only = |k: &str, kind: DesignKind, name: &str| -> Result<()> {
        if raw.contains_key(k) && design != kind {
            return Err(ctx.err(k, format!("only {name} designs take {k}")));
        }
        Ok(())
    };
    only("trajectories", DesignKind::Morris, "morris")?;
    only("levels", DesignKind::Morris, "morris")?;
    only("candidates", DesignKind::Morris, "morris")?;
    only("second_order", DesignKind::Sobol, "sobol")?;
    only("file", DesignKind::File, "file")?;
    let mut s = Structure {
        samples: samples.unwrap_or(0),
        ..Structure::default()
    };
    if design == DesignKind::Morris {
        s.trajectories = match raw.get("trajectories") {
            Some(n) => ctx.integer(n, "trajectories", 2, 1_000_000)? as u64,
            None => {
                return Err(ctx.err(
                    "trajectories",
                    "missing; a morris design needs trajectories = r (10 to 50 is usual)",
                ));
            }
        };
        s.levels = match raw.get("levels") {
            Some(n) => ctx.integer(n, "levels", 2, 1000)? as u64,
            None => 4,
        };
        if !s.levels.is_multiple_of(2) {
            return Err(ctx.err(
                "levels",
                format!(
                    "{} is odd; allowed: an even number of levels (4 is usual)",
                    s.levels
                ),
            ));
        }
        s.candidates = match raw.get("candidates") {
            Some(n) => ctx.integer(n, "candidates", 0, 10_000)? as u64,
            None => 0,
        };
        if s.candidates != 0 && s.candidates <= s.trajectories {
            return Err(ctx.err(
                "candidates",
                format!(
                    "{} must exceed trajectories ({}): the r trajectories are chosen among them",
                    s.candidates, s.trajectories
                ),
            ));
        }
    }
    if design == DesignKind::Sobol {
        s.second_order = match raw.get("second_order") {
            Some(n) => match ctx.leaf(n, "second_order", "true or false")? {
                toml::Value::Boolean(b) => *b,
                other => {
                    return Err(ctx.err(
                        "second_order",
                        format!("expected true or false, found {}", found(other)),
                    ));
                }
            },
            None => false,
        };
    }
    Ok(s)
}

/// What Morris and Sobol' designs need of their factors.
fn check_structure(
    ctx: &Ctx<'_>,
    design: DesignKind,
    factors: &[Factor],
    s: &Structure,
) -> Result<()> {
    let groups = design::groups(factors).0.len();
    if design == DesignKind::Sobol && groups > 128 {
        return Err(ctx.err(
            "vary",
            format!(
                "{groups} parameters or groups; a sobol design allows at most 128 (its sequence has 256 dimensions)"
            ),
        ));
    }
    if design == DesignKind::Morris {
        for f in factors {
            if let Domain::Range {
                min,
                max,
                integer: true,
                ..
            } = f.domain
                && max - min < (s.levels - 1) as f64
            {
                return Err(ctx.err(
                    &format!("vary.{}", f.path),
                    format!(
                        "an integer range needs at least {} values for {} levels",
                        s.levels, s.levels
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Largest design file read.
const MAX_DESIGN_FILE: u64 = 256 << 20;

/// The columns of a design file: a CSV file whose header names parameters
/// by dotted path and whose rows are the points.
fn read_design_file(
    ctx: &Ctx<'_>,
    path: &Path,
    base_tree: &toml::Value,
    fixed: &[Override],
) -> Result<(Vec<Factor>, Vec<Vec<toml::Value>>)> {
    let shown = path.display().to_string();
    let bad = |message: String| ctx.err("file", format!("{shown}: {message}"));
    let file = crate::util::input::open_regular(path).map_err(&bad)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_DESIGN_FILE {
        return Err(bad(format!(
            "is {}; allowed: at most {}",
            crate::memory::human(size),
            crate::memory::human(MAX_DESIGN_FILE)
        )));
    }
    let mut r = csv::Reader::from_reader(file);
    let header = r
        .headers()
        .map_err(|e| bad(crate::scenario::one_line(&e.to_string())))?
        .clone();
    let mut factors = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if header.iter().take(i).any(|h| h == name) {
            return Err(bad(format!("column `{name}` appears twice")));
        }
        let base = parameter_base(ctx, "file", name, base_tree, fixed).map_err(|e| match e {
            Error::Scenario { message, .. } => bad(format!("column `{name}`: {message}")),
            other => other,
        })?;
        factors.push(Factor {
            path: name.to_string(),
            domain: Domain::File,
            base: base.clone(),
            group: None,
        });
    }
    if factors.is_empty() {
        return Err(bad("has no columns; name one parameter per column".into()));
    }
    let mut columns: Vec<Vec<toml::Value>> = vec![Vec::new(); factors.len()];
    for (row, record) in r.records().enumerate() {
        let record = record.map_err(|e| bad(crate::scenario::one_line(&e.to_string())))?;
        if record.len() != factors.len() {
            return Err(bad(format!(
                "row {} has {} fields; the header has {}",
                row + 1,
                record.len(),
                factors.len()
            )));
        }
        for ((f, text), column) in factors.iter().zip(record.iter()).zip(&mut columns) {
            let value = cell(&f.base, text.trim()).ok_or_else(|| {
                bad(format!(
                    "row {}, column `{}`: `{}` is not {}",
                    row + 1,
                    f.path,
                    text.escape_default(),
                    kind(&f.base)
                ))
            })?;
            column.push(value);
        }
        if (row as u64 + 1) * factors.len() as u64 * 32 > design::MAX_DESIGN_BYTES {
            return Err(bad(format!(
                "has too many rows; allowed: at most {} values",
                design::MAX_DESIGN_BYTES / 32
            )));
        }
    }
    if columns[0].is_empty() {
        return Err(bad("has no rows".into()));
    }
    Ok((factors, columns))
}

/// A design-file cell as a value of its parameter's type.
fn cell(base: &toml::Value, text: &str) -> Option<toml::Value> {
    Some(match base {
        toml::Value::Integer(_) => toml::Value::Integer(text.parse().ok()?),
        toml::Value::Float(_) => {
            let x: f64 = text.parse().ok()?;
            if !x.is_finite() {
                return None;
            }
            toml::Value::Float(x)
        }
        toml::Value::Boolean(_) => toml::Value::Boolean(text.parse().ok()?),
        toml::Value::String(_) => toml::Value::String(text.to_string()),
        _ => return None,
    })
}

fn year_selection(ctx: &Ctx<'_>, node: &Node, base: &ResolvedScenario) -> Result<BTreeSet<i64>> {
    let run = &base.scenario.run;
    let (start, end) = (run.start_year, run.end_year);
    let key = "output.years";
    let check = |y: i64, k: &str| -> Result<i64> {
        if y < start || y > end {
            Err(ctx.err(
                k,
                format!("{y} is outside the run; allowed: {start} to {end}"),
            ))
        } else {
            Ok(y)
        }
    };
    match node {
        Node::Leaf(toml::Value::Array(items)) => {
            if items.is_empty() {
                return Err(ctx.err(key, "is empty; leave it out to keep every year"));
            }
            items
                .iter()
                .map(|v| match v {
                    toml::Value::Integer(y) => check(*y, key),
                    other => Err(ctx.err(
                        key,
                        format!("expected years (integers), found {}", found(other)),
                    )),
                })
                .collect()
        }
        Node::Table(t) => {
            ctx.check_keys(t, key, YEAR_KEYS)?;
            let get = |k: &str, default: i64, lo: i64, hi: i64| -> Result<i64> {
                match t.get(k) {
                    Some(n) => ctx.integer(n, &format!("{key}.{k}"), lo, hi),
                    None => Ok(default),
                }
            };
            let from = get("from", start, start, end)?;
            let to = get("to", end, from, end)?;
            let every = get("every", 1, 1, 1000)?;
            Ok((from..=to).step_by(every as usize).collect())
        }
        Node::Leaf(v) => Err(ctx.err(
            key,
            format!(
                "expected a list of years or {{ from, to, every }}, found {}",
                found(v)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(body: &str) -> Plan {
        let dir = tempfile::tempdir().unwrap();
        let base = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tiny.toml");
        let path = dir.path().join("sweep_t.toml");
        std::fs::write(&path, format!("base = \"{base}\"\n{body}")).unwrap();
        Plan::load(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    fn points(p: &Plan) -> Vec<Vec<toml::Value>> {
        (0..p.point_count()).map(|i| p.point(i)).collect()
    }

    fn floats(p: &Plan, factor: usize) -> Vec<f64> {
        points(p)
            .iter()
            .map(|x| {
                x[factor]
                    .as_float()
                    .or(x[factor].as_integer().map(|i| i as f64))
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn lhs_puts_one_sample_in_each_stratum() {
        let p = plan(
            "seed = 3\ndesign = \"lhs\"\nsamples = 25\n[vary]\n\
             \"cooperation.tie_decay\" = { min = 0.1, max = 0.6 }\n\
             \"population.firms\" = { min = 100, max = 124 }\n",
        );
        assert_eq!(p.point_count(), 25);
        let mut strata: Vec<usize> = floats(&p, 0)
            .iter()
            .map(|x| ((x - 0.1) / 0.5 * 25.0).floor() as usize)
            .collect();
        strata.sort();
        assert_eq!(strata, (0..25).collect::<Vec<_>>());
        // 25 integers over 25 values: a permutation.
        let mut ints: Vec<i64> = points(&p)
            .iter()
            .map(|x| x[1].as_integer().unwrap())
            .collect();
        ints.sort();
        assert_eq!(ints, (100..125).collect::<Vec<_>>());
    }

    #[test]
    fn adding_a_factor_keeps_the_others_samples() {
        let two = "seed = 3\ndesign = \"random\"\nsamples = 8\n[vary]\n\
                   \"cooperation.tie_decay\" = { min = 0.1, max = 0.6 }\n\
                   \"proximity.similarity_weight\" = [0.1, 0.2, 0.3]\n";
        let a = plan(two);
        let b = plan(&format!(
            "{two}\"population.firms\" = {{ min = 100, max = 200 }}\n"
        ));
        for (x, y) in points(&a).iter().zip(&points(&b)) {
            assert_eq!(x[..], y[..2]);
            let f = y[2].as_integer().unwrap();
            assert!((100..=200).contains(&f));
        }
        assert!(floats(&a, 0).iter().all(|x| (0.1..0.6).contains(x)));
        assert!(floats(&a, 1).iter().all(|x| [0.1, 0.2, 0.3].contains(x)));
        // Another master seed, other samples.
        let c = plan(&two.replace("seed = 3", "seed = 4"));
        assert_ne!(points(&a), points(&c));
    }

    #[test]
    fn oat_varies_one_factor_at_a_time_around_the_base() {
        let p = plan(
            "seed = 1\ndesign = \"oat\"\n[vary]\n\
             \"cooperation.tie_decay\" = [0.05, 0.5]\n\
             \"regimes.clusters.cluster_policy\" = [0.0, 0.3, 0.6]\n",
        );
        assert_eq!(p.point_count(), 6);
        let points = points(&p);
        let base = &points[0];
        assert_eq!(
            base[0],
            toml::Value::Float(p.resolved_base.scenario.cooperation.tie_decay)
        );
        for point in &points[1..] {
            let changed = point.iter().zip(base).filter(|(a, b)| a != b).count();
            assert_eq!(changed, 1, "{point:?}");
        }
        assert_eq!(points[3][1], toml::Value::Float(0.0));
    }

    #[test]
    fn seeds_follow_point_and_replicate_only() {
        let body = "seed = 9\nreplicates = 3\ndesign = \"grid\"\n[vary]\n\
                    \"cooperation.tie_decay\" = [0.1, 0.2, 0.3]\n";
        let p = plan(body);
        let seeds: BTreeSet<u64> = (0..p.runs()).map(|id| p.run(id).seed).collect();
        assert_eq!(seeds.len(), 9);
        assert!(seeds.iter().all(|s| *s <= i64::MAX as u64));
        let r = p.run(7);
        assert_eq!((r.point, r.replicate), (2, 1));
        assert_eq!(r.seed, rng::run_seed(9, 2, 1));
        // Common random numbers: replicate r has one seed at every point.
        let c = plan(&format!("seeds = \"common\"\n{body}"));
        for id in 0..c.runs() {
            let r = c.run(id);
            assert_eq!(r.seed, c.run(r.replicate).seed);
        }
        // A replicates-only plan: a grid without factors is one point.
        let one = plan("seed = 9\nreplicates = 4\ndesign = \"grid\"\n");
        assert_eq!((one.point_count(), one.runs()), (1, 4));
        assert_eq!(one.id_header(), ["run_id", "replicate", "seed"]);
    }
}
