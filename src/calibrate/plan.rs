//! Calibration plans: a base scenario, the parameters to fit with their
//! bounds, a targets file, the replicates of each point and the budget of
//! the search, read and checked before anything runs.
//!
//! ```toml
//! base = "france.toml"                      # relative to the plan file
//! seed = 7                                  # master seed
//! targets = "../data/france/targets.toml"   # read as `proxima compare` reads it
//! method = "cmaes"
//! replicates = 2          # runs per point (their mean is compared); default 1
//! generations = 12        # per restart
//! population = 8          # points per generation; default 4 + ⌊3 ln d⌋
//! restarts = 1            # independent searches; shards split them
//! sigma = 0.3             # initial step, in the unit cube of the bounds
//!
//! [fixed]                 # overrides of every run
//! [vary]                  # the parameters, with bounds
//! "cooperation.tie_decay" = { min = 0.05, max = 0.5 }
//! "proximity.decay_length_km" = { min = 5.0, max = 80.0, scale = "log" }
//! [weights]               # weight of a target in the distance; default 1, 0 leaves it out
//! spl_active_2008 = 2.0
//! ```

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::compare::Target;
use crate::error::{Error, Result};
use crate::scenario::{Override, ResolvedScenario, ScenarioChain, found};
use crate::sweep::plan::{Ctx, Node, factor, fixed_overrides, flatten, number, series_columns};
use crate::sweep::{DesignKind, Domain, Factor};

const KEYS: &[&str] = &[
    "base",
    "seed",
    "targets",
    "method",
    "replicates",
    "generations",
    "population",
    "restarts",
    "sigma",
    "fixed",
    "vary",
    "weights",
];

/// A checked calibration plan.
#[derive(Debug, Clone)]
pub struct CalibrationPlan {
    pub file: PathBuf,
    pub file_name: String,
    pub raw: IndexMap<String, Node>,
    pub base: ScenarioChain,
    /// The base scenario file, as found from the plan.
    pub base_path: PathBuf,
    pub resolved_base: ResolvedScenario,
    pub seed: u64,
    pub replicates: u64,
    pub generations: u64,
    pub population: u64,
    pub restarts: u64,
    pub sigma: f64,
    pub fixed: Vec<Override>,
    /// The parameters (ranges).
    pub factors: Vec<Factor>,
    /// The targets compared (in the run, weight > 0), with their weights.
    pub targets: Vec<(Target, f64)>,
    /// Position of each target's column in a run's time-series row.
    pub target_columns: Vec<usize>,
}

impl CalibrationPlan {
    pub fn load(path: &Path) -> Result<Self> {
        let origin = path.display().to_string();
        let text = crate::util::input::read_text(path).map_err(|message| Error::ScenarioFile {
            origin: origin.clone(),
            message,
        })?;
        let raw = Node::parse(&origin, &text)?;
        let ctx = Ctx { origin: &origin };
        ctx.check_keys(&raw, "", KEYS)?;
        let required = |key: &str| {
            raw.get(key).ok_or_else(|| {
                ctx.err(
                    key,
                    "missing; a calibration plan needs base, seed, targets, method, generations and [vary]",
                )
            })
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let base_text = ctx.string(required("base")?, "base", &[])?;
        let base_path = dir.join(base_text);
        let base = ScenarioChain::read(&base_path)
            .map_err(|e| ctx.err("base", format!("cannot use `{base_text}`: {e}")))?;
        let seed = ctx.integer(required("seed")?, "seed", 0, i64::MAX)? as u64;
        ctx.string(required("method")?, "method", &["cmaes"])?;
        let count = |key: &str, default: Option<u64>, max: i64| -> Result<u64> {
            match (raw.get(key), default) {
                (Some(n), _) => Ok(ctx.integer(n, key, 1, max)? as u64),
                (None, Some(d)) => Ok(d),
                (None, None) => Err(ctx.err(key, "missing")),
            }
        };
        let replicates = count("replicates", Some(1), 1000)?;
        let generations = count("generations", None, 100_000)?;
        let restarts = count("restarts", Some(1), 10_000)?;
        let sigma = match raw.get("sigma") {
            Some(n) => {
                let v = ctx.leaf(n, "sigma", "a number")?;
                let x = number(&ctx, v, "sigma")?;
                if !(x > 0.0 && x <= 1.0) {
                    return Err(ctx.err(
                        "sigma",
                        format!(
                            "{x} is out of range; allowed: above 0 to 1 (a share of each range)"
                        ),
                    ));
                }
                x
            }
            None => 0.3,
        };
        let fixed = fixed_overrides(&ctx, &raw, &origin)?;
        let resolved_base = base.resolve(&fixed).map_err(|e| match e {
            Error::Scenario { key, message, .. } => ctx.err(&format!("fixed.{key}"), message),
            other => other,
        })?;
        let base_tree = toml::Value::try_from(&resolved_base.scenario)
            .map_err(|e| Error::Internal(format!("base scenario: {e}")))?;
        let factors = vary(&ctx, &raw, &base_tree, &fixed)?;
        let d = factors.len() as f64;
        let population = count(
            "population",
            Some(4 + (3.0 * d.ln()).floor() as u64),
            10_000,
        )?
        .max(2);
        // Each bound must be a valid scenario with the others at the base.
        for f in &factors {
            if let Domain::Range {
                min, max, integer, ..
            } = f.domain
            {
                for x in [min, max] {
                    let value = if integer {
                        toml::Value::Integer(x as i64)
                    } else {
                        toml::Value::Float(x)
                    };
                    let mut o = fixed.clone();
                    o.push(Override {
                        path: f.path.clone(),
                        text: format!("{}={} ({origin} [vary])", f.path, x),
                        value,
                    });
                    base.resolve(&o).map_err(|e| {
                        let detail = match e {
                            Error::Scenario { key, message, .. } => format!("{key}: {message}"),
                            other => other.to_string(),
                        };
                        ctx.err(
                            &format!("vary.{}", f.path),
                            format!("bound {x} is not a valid scenario: {detail}"),
                        )
                    })?;
                }
            }
        }
        let targets_text = ctx.string(required("targets")?, "targets", &[])?;
        let all = crate::compare::load_targets(&dir.join(targets_text))?;
        let weights = weights(&ctx, &raw, &all)?;
        let run = &resolved_base.scenario.run;
        let columns = series_columns()?;
        let mut targets = Vec::new();
        let mut target_columns = Vec::new();
        for t in all.into_iter().filter(|t| t.in_run) {
            let w = weights.get(&t.id).copied().unwrap_or(1.0);
            if w == 0.0 {
                continue;
            }
            if t.year < run.start_year || t.year > run.end_year {
                return Err(ctx.err(
                    "targets",
                    format!(
                        "target `{}` is read in {}, outside the run ({} to {}); give it weight 0 in [weights] or change run.end_year",
                        t.id, t.year, run.start_year, run.end_year
                    ),
                ));
            }
            let Some(c) = columns.iter().position(|c| *c == t.column) else {
                return Err(ctx.err(
                    "targets",
                    format!(
                        "target `{}` reads `{}`, which is not a time-series column",
                        t.id, t.column
                    ),
                ));
            };
            target_columns.push(c);
            targets.push((t, w));
        }
        if targets.is_empty() {
            return Err(ctx.err(
                "targets",
                "no target is compared (every one is outside the run or has weight 0)",
            ));
        }
        Ok(Self {
            file: path.to_path_buf(),
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            raw,
            base,
            base_path,
            resolved_base,
            seed,
            replicates,
            generations,
            population,
            restarts,
            sigma,
            fixed,
            factors,
            targets,
            target_columns,
        })
    }

    /// Runs of the whole budget (a restart may stop before it).
    pub fn budget(&self) -> u64 {
        self.restarts * self.generations * self.population * self.replicates
    }
}

fn vary(
    ctx: &Ctx<'_>,
    raw: &IndexMap<String, Node>,
    base_tree: &toml::Value,
    fixed: &[Override],
) -> Result<Vec<Factor>> {
    let Some(Node::Table(t)) = raw.get("vary") else {
        return Err(ctx.err(
            "vary",
            "missing; name the parameters to fit with their bounds, \"path\" = { min = …, max = … }",
        ));
    };
    let mut leaves = Vec::new();
    flatten(t, "", &mut leaves);
    let mut factors = Vec::new();
    for (p, node) in leaves {
        if !matches!(node, Node::Table(_)) {
            return Err(ctx.err(
                &format!("vary.{p}"),
                "expected bounds { min = …, max = … } (scale = \"log\" optional)",
            ));
        }
        // Ranges as a Sobol' design reads them (no groups).
        factors.push(factor(ctx, DesignKind::Sobol, &p, node, base_tree, fixed)?);
    }
    if factors.is_empty() {
        return Err(ctx.err("vary", "is empty; name at least one parameter"));
    }
    Ok(factors)
}

fn weights(
    ctx: &Ctx<'_>,
    raw: &IndexMap<String, Node>,
    targets: &[Target],
) -> Result<IndexMap<String, f64>> {
    let mut out = IndexMap::new();
    let Some(node) = raw.get("weights") else {
        return Ok(out);
    };
    let Node::Table(t) = node else {
        return Err(ctx.err("weights", "expected a table of target ids and weights"));
    };
    let ids: Vec<&str> = targets.iter().map(|t| t.id.as_str()).collect();
    for (id, n) in t {
        let key = format!("weights.{id}");
        if !ids.contains(&id.as_str()) {
            return Err(ctx.err(
                &key,
                format!(
                    "is not a target of the targets file; {}",
                    crate::scenario::suggest(id, &ids).replace("valid keys here", "targets")
                ),
            ));
        }
        let v = ctx.leaf(n, &key, "a number")?;
        let w = match v {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            other => {
                return Err(ctx.err(&key, format!("expected a number, found {}", found(other))));
            }
        };
        if !(w >= 0.0 && w.is_finite()) {
            return Err(ctx.err(&key, format!("{w} is out of range; allowed: 0 or more")));
        }
        out.insert(id.clone(), w);
    }
    Ok(out)
}
