//! Range and consistency checks of a merged scenario.

use std::collections::BTreeMap;

use super::params::{fmt_bound, spec_for};
use super::{N_KNOWLEDGE, REGIME_NAMES, SECTOR_NAMES, Scenario};
use crate::error::{Error, Result};

/// Who set each key, to name the right file or option in an error.
pub(super) struct Blame<'a> {
    /// Leaf path → file or option that set it.
    pub origins: &'a BTreeMap<String, String>,
    /// Files and options in the order they were merged.
    pub layers: &'a [String],
    /// Named for keys left at their default.
    pub fallback: &'a str,
}

impl Blame<'_> {
    /// The file or option that set `key` (the scenario file for defaults).
    pub fn origin(&self, key: &str) -> String {
        self.origins
            .get(key)
            .cloned()
            .unwrap_or_else(|| self.fallback.to_string())
    }

    /// Of the keys a rule involves, the one set last (the likely culprit);
    /// of keys set by the same file or option, the first listed; the first
    /// key if none was set.
    fn culprit<'k>(&self, keys: &[&'k str]) -> &'k str {
        let rank = |k: &str| {
            self.origins
                .get(k)
                .and_then(|o| self.layers.iter().position(|l| l == o))
        };
        let mut best: Option<(&'k str, usize)> = None;
        for &k in keys {
            if let Some(r) = rank(k)
                && best.is_none_or(|(_, b)| r > b)
            {
                best = Some((k, r));
            }
        }
        best.map(|(k, _)| k).unwrap_or(keys[0])
    }

    /// An error about a rule involving `keys`.
    fn fail(&self, keys: &[&str], message: String) -> Error {
        let key = self.culprit(keys);
        Error::scenario(self.origin(key), key, message)
    }

    /// An error about element `index` of the list `key` (named `key[index]`)
    /// when it is the culprit among `keys`.
    fn fail_element(&self, keys: &[&str], index: usize, message: String) -> Error {
        let key = self.culprit(keys);
        let shown = if key == keys[0] {
            format!("{key}[{index}]")
        } else {
            key.to_string()
        };
        Error::scenario(self.origin(key), shown, message)
    }
}

/// Every key that the rules across keys of [`check_rules`] read (`*`: any
/// name). A sweep checks a factor among them against those rules point by
/// point; any other factor only against its own type and range. Keep this
/// list in step with the rules: a test sets every other parameter to the
/// ends of its range and expects the scenario to stay valid.
pub(crate) const CROSS_FIELD_KEYS: &[&str] = &[
    "run.start_year",
    "run.end_year",
    "regimes.*.start",
    "population.firms",
    "population.citizens",
    "population.initial_unemployment",
    "population.entry_age",
    "population.retirement_age",
    "firms.max_initial_size",
    "firms.large_group_share",
    "firms.large_foreign_share",
    "firms.sme_group_share",
    "firms.sme_foreign_share",
    "institutions.cluster_min_firms",
    "institutions.cluster_survival_firms",
    "territory.regions",
    "territory.regions_file",
    "instruments.*.kind",
    "instruments.*.regime",
    "instruments.*.calls",
    "instruments.*.labels",
    "instruments.*.sectors",
    "instruments.*.selection",
    "instruments.*.evaluations",
    "instruments.*.evaluation_thresholds",
    "shocks.*.enabled",
    "shocks.*.kind",
    "shocks.*.year",
    "shocks.*.sector",
    "shocks.*.region",
    "declared_firms.*.sector",
    "declared_firms.*.region",
    "declared_firms.*.ownership",
    "declared_firms.*.founded",
    "declared_firms.*.closed",
    "output.firm_snapshot_years",
    "governance.firm_weights.*",
    "governance.citizen_weights.*",
    "sectors.*.firm_share",
    "sectors.*.demand_share_1950",
    "sectors.*.demand_share_2025",
    "sectors.*.knowledge",
    "sectors.*.complements",
];

/// Whether a rule across keys reads the parameter at `path`.
pub(crate) fn is_cross_field(path: &str) -> bool {
    CROSS_FIELD_KEYS
        .iter()
        .any(|pattern| super::params::pattern_matches(pattern, path))
}

/// Whether `value`, alone, is a valid number for the parameter at `path`
/// (within its documented range); non-numbers are left to the caller.
pub(crate) fn number_in_range(path: &str, value: &toml::Value) -> bool {
    let x = match value {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        _ => return true,
    };
    spec_for(path).is_some_and(|spec| x >= spec.min && x <= spec.max)
}

/// Whether `x` lies clearly below the upper bound of the parameter at
/// `path` (by more than rounding).
pub(crate) fn below_upper_bound(path: &str, x: f64) -> bool {
    spec_for(path).is_some_and(|spec| x + x.abs().max(1.0) * 1e-9 < spec.max)
}

/// The rules across keys (those reading [`CROSS_FIELD_KEYS`]); each value's
/// range is checked by [`check_ranges`].
pub(super) fn check_rules(s: &Scenario, blame: &Blame<'_>, regions: &[String]) -> Result<()> {
    let run = &s.run;
    if run.end_year < run.start_year {
        return Err(blame.fail(
            &["run.end_year", "run.start_year"],
            format!(
                "the run must end in or after its first year (run.start_year = {}, run.end_year = {})",
                run.start_year, run.end_year
            ),
        ));
    }
    let starts: Vec<(String, i64)> = REGIME_NAMES
        .iter()
        .zip(s.regimes.all())
        .map(|(n, r)| (format!("regimes.{n}.start"), r.start))
        .collect();
    if starts[0].1 != run.start_year {
        return Err(blame.fail(
            &[&starts[0].0, "run.start_year"],
            format!(
                "the first regime must start in the run's first year ({} = {}, run.start_year = {})",
                starts[0].0, starts[0].1, run.start_year
            ),
        ));
    }
    for w in starts.windows(2) {
        if w[1].1 < w[0].1 {
            return Err(blame.fail(
                &[&w[1].0, &w[0].0],
                format!(
                    "regimes must start in the order large_firm, decentralisation, clusters, transition ({} = {}, {} = {})",
                    w[0].0, w[0].1, w[1].0, w[1].1
                ),
            ));
        }
    }
    // A regime starting after the run's end simply never starts
    // (`Scenario::after_the_run` lists it, and the manifest records it).

    let p = &s.population;
    let pop_keys = [
        "population.firms",
        "population.citizens",
        "population.initial_unemployment",
    ];
    let employed = (p.citizens as f64 * (1.0 - p.initial_unemployment)).floor() as i64;
    if employed < p.firms {
        return Err(blame.fail(
            &pop_keys,
            format!(
                "every firm needs an employee, but citizens × (1 − initial_unemployment) = {employed} is below population.firms = {}",
                p.firms
            ),
        ));
    }
    let most = p.firms.saturating_mul(s.firms.max_initial_size);
    if employed > most {
        return Err(blame.fail(
            &["population.citizens", "population.firms", "firms.max_initial_size"],
            format!(
                "citizens × (1 − initial_unemployment) = {employed} is more than population.firms × firms.max_initial_size = {most} can employ"
            ),
        ));
    }
    let inst = &s.institutions;
    if inst.cluster_survival_firms > inst.cluster_min_firms {
        return Err(blame.fail(
            &["institutions.cluster_survival_firms", "institutions.cluster_min_firms"],
            format!(
                "institutions.cluster_survival_firms = {} must not exceed institutions.cluster_min_firms = {}",
                inst.cluster_survival_firms, inst.cluster_min_firms
            ),
        ));
    }
    if p.retirement_age <= p.entry_age {
        return Err(blame.fail(
            &["population.retirement_age", "population.entry_age"],
            format!(
                "population.retirement_age = {} must be above population.entry_age = {}",
                p.retirement_age, p.entry_age
            ),
        ));
    }

    let f = &s.firms;
    if f.large_group_share + f.large_foreign_share > 1.0 {
        return Err(blame.fail(
            &["firms.large_foreign_share", "firms.large_group_share"],
            "firms.large_group_share + firms.large_foreign_share must not exceed 1".into(),
        ));
    }
    if f.sme_group_share + f.sme_foreign_share > 1.0 {
        return Err(blame.fail(
            &["firms.sme_foreign_share", "firms.sme_group_share"],
            "firms.sme_group_share + firms.sme_foreign_share must not exceed 1".into(),
        ));
    }

    for (name, shock) in &s.shocks {
        let key = |field: &str| format!("shocks.{name}.{field}");
        if !super::transition::SHOCK_KINDS.contains(&shock.kind.as_str()) {
            return Err(blame.fail(
                &[&key("kind")],
                format!(
                    "`{}` is not a shock kind; kinds are {}",
                    shock.kind,
                    super::transition::SHOCK_KINDS.join(", ")
                ),
            ));
        }
        if !shock.enabled {
            continue;
        }
        // A default shock outside the run simply does not happen, nor does
        // any shock after the run's end (a pilot run may stop early); a
        // year the scenario sets before the run's start is a mistake.
        let set = blame.origins.contains_key(&key("year"));
        if set && shock.year < run.start_year {
            return Err(blame.fail(
                &[&key("year"), "run.start_year"],
                format!(
                    "a shock cannot happen before the run's start ({} = {}, run.start_year = {}); allowed: {} or later",
                    key("year"),
                    shock.year,
                    run.start_year,
                    run.start_year
                ),
            ));
        }
        if shock.kind == "sector_closure" {
            if Scenario::sector_index(&shock.sector).is_none() {
                return Err(blame.fail(
                    &[&key("sector")],
                    format!(
                        "`{}` is not a sector; sectors are {}",
                        shock.sector,
                        SECTOR_NAMES.join(", ")
                    ),
                ));
            }
            if !regions.contains(&shock.region) {
                return Err(blame.fail(
                    &[
                        &key("region"),
                        "territory.regions",
                        "territory.regions_file",
                    ],
                    region_message(&shock.region, regions),
                ));
            }
        }
    }
    for (label, firm) in &s.declared_firms {
        let key = |field: &str| format!("declared_firms.{label}.{field}");
        if Scenario::sector_index(&firm.sector).is_none() {
            return Err(blame.fail(
                &[&key("sector")],
                format!(
                    "`{}` is not a sector; sectors are {}",
                    firm.sector,
                    SECTOR_NAMES.join(", ")
                ),
            ));
        }
        if !firm.region.is_empty() && !regions.contains(&firm.region) {
            return Err(blame.fail(
                &[
                    &key("region"),
                    "territory.regions",
                    "territory.regions_file",
                ],
                region_message(&firm.region, regions),
            ));
        }
        if !super::transition::OWNERSHIP_NAMES.contains(&firm.ownership.as_str()) {
            return Err(blame.fail(
                &[&key("ownership")],
                format!(
                    "`{}` is not an ownership; allowed: {}",
                    firm.ownership,
                    super::transition::OWNERSHIP_NAMES.join(", ")
                ),
            ));
        }
        if firm.closed != 0 && firm.closed <= firm.founded.max(run.start_year) {
            return Err(blame.fail(
                &[&key("closed"), &key("founded")],
                format!(
                    "a firm must close after it starts ({} = {}, {} = {})",
                    key("closed"),
                    firm.closed,
                    key("founded"),
                    firm.founded
                ),
            ));
        }
        // A firm founded after the run's end never starts.
    }
    check_instruments(s, blame)?;
    // A snapshot year after the run's end is never reached (a pilot run may
    // stop early); one before its start is a mistake.
    for (i, &year) in s.output.firm_snapshot_years.iter().enumerate() {
        if year < run.start_year {
            return Err(blame.fail_element(
                &["output.firm_snapshot_years", "run.start_year"],
                i,
                format!(
                    "{year} is before the run's start; allowed: {} or later (run.start_year = {})",
                    run.start_year, run.start_year
                ),
            ));
        }
    }
    for field in ["firm_weights", "citizen_weights"] {
        let w = if field == "firm_weights" {
            &s.governance.firm_weights
        } else {
            &s.governance.citizen_weights
        };
        if w.to_array().iter().sum::<f64>() <= 0.0 {
            let k = format!("governance.{field}.sme_support");
            return Err(blame.fail(
                &[&k],
                format!("governance.{field} sum to 0; at least one share must be positive"),
            ));
        }
    }

    let sectors = s.sectors.all();
    for (field, get) in [
        (
            "firm_share",
            (|x: &super::SectorParams| x.firm_share) as fn(&super::SectorParams) -> f64,
        ),
        ("demand_share_1950", |x| x.demand_share_1950),
        ("demand_share_2025", |x| x.demand_share_2025),
    ] {
        if sectors.iter().map(|x| get(x)).sum::<f64>() <= 0.0 {
            let keys: Vec<String> = SECTOR_NAMES
                .iter()
                .map(|n| format!("sectors.{n}.{field}"))
                .collect();
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            return Err(blame.fail(
                &refs,
                format!("the sectors' {field} values sum to 0; at least one must be positive"),
            ));
        }
    }
    for (name, sector) in SECTOR_NAMES.iter().zip(sectors) {
        let key = format!("sectors.{name}.knowledge");
        if sector.knowledge.len() != N_KNOWLEDGE {
            return Err(blame.fail(
                &[&key],
                format!(
                    "expected {N_KNOWLEDGE} weights (one per knowledge field), found {}",
                    sector.knowledge.len()
                ),
            ));
        }
        if sector.knowledge.iter().sum::<f64>() <= 0.0 {
            return Err(blame.fail(&[&key], "at least one weight must be positive".into()));
        }
        let key = format!("sectors.{name}.complements");
        for c in &sector.complements {
            if c == name {
                return Err(blame.fail(&[&key], format!("a sector cannot list itself (`{c}`)")));
            }
            if !SECTOR_NAMES.contains(&c.as_str()) {
                return Err(blame.fail(
                    &[&key],
                    format!(
                        "`{c}` is not a sector; sectors are {}",
                        SECTOR_NAMES.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Names of the `n` regions of the synthetic country: R01 (the largest)
/// to Rnn.
pub fn synthetic_region_names(n: usize) -> Vec<String> {
    (1..=n).map(|k| format!("R{k:02}")).collect()
}

fn region_message(name: &str, regions: &[String]) -> String {
    let (first, last) = (
        regions.first().map_or("", String::as_str),
        regions.last().map_or("", String::as_str),
    );
    if first == "R01" {
        format!("`{name}` is not a region; regions are named R01 (the largest) to {last}")
    } else {
        format!(
            "`{}` is not a region; regions are named by their code in the regions file ({first} … {last})",
            name.escape_default()
        )
    }
}

/// With a regions file, read it (a bad file is refused in one line naming
/// the file, row and column) and take the number of regions from it; a
/// `territory.regions` set to another number is an error. Returns the
/// regions' names (codes), or those of the synthetic country.
pub(super) fn regions_from_file(s: &mut Scenario, blame: &Blame<'_>) -> Result<Vec<String>> {
    if s.territory.regions_file.is_empty() {
        return Ok(synthetic_region_names(s.territory.regions.max(0) as usize));
    }
    let key = "territory.regions_file";
    let path = std::path::Path::new(&s.territory.regions_file);
    let records = super::regions_file::read(path).map_err(|e| match e {
        Error::ScenarioFile { origin, message } if origin == path.display().to_string() => {
            Error::scenario(blame.origin(key), key, format!("{origin}: {message}"))
        }
        other => other,
    })?;
    let n = records.len() as i64;
    // A count set with or after the file must agree with it; one set
    // before (by a scenario the file's scenario extends) gives way.
    let rank = |k: &str| {
        blame
            .origins
            .get(k)
            .and_then(|o| blame.layers.iter().position(|l| l == o))
    };
    let count_after_file = match (rank("territory.regions"), rank(key)) {
        (Some(r), Some(f)) => r >= f,
        (Some(_), None) => true,
        _ => false,
    };
    if count_after_file && s.territory.regions != n {
        return Err(blame.fail(
            &["territory.regions", key],
            format!(
                "territory.regions = {} but the regions file has {n} regions; set territory.regions to the file's count or leave it out",
                s.territory.regions
            ),
        ));
    }
    if !(2..=2000).contains(&n) {
        return Err(blame.fail(
            &[key],
            format!("the regions file has {n} regions; allowed: 2 to 2000"),
        ));
    }
    s.territory.regions = n;
    Ok(records.into_iter().map(|r| r.code).collect())
}

/// Check every number of the merged tree against its documented range.
pub(super) fn check_ranges(table: &toml::Table, prefix: &str, blame: &Blame<'_>) -> Result<()> {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => check_ranges(t, &path, blame)?,
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                check_number(&path, None, value, blame)?
            }
            toml::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if matches!(item, toml::Value::Integer(_) | toml::Value::Float(_)) {
                        check_number(&path, Some(i), item, blame)?;
                    }
                }
            }
            _ => {
                if spec_for(&path).is_none() {
                    return Err(Error::Internal(format!(
                        "parameter `{path}` has no documented range"
                    )));
                }
            }
        }
    }
    Ok(())
}

fn check_number(
    path: &str,
    index: Option<usize>,
    value: &toml::Value,
    blame: &Blame<'_>,
) -> Result<()> {
    let Some(spec) = spec_for(path) else {
        return Err(Error::Internal(format!(
            "parameter `{path}` has no documented range"
        )));
    };
    let (x, shown) = match value {
        toml::Value::Integer(i) => (*i as f64, i.to_string()),
        toml::Value::Float(f) => (*f, fmt_float(*f)),
        _ => return Ok(()),
    };
    // Written so that NaN fails.
    if !(x >= spec.min && x <= spec.max) {
        let key = match index {
            Some(i) => format!("{path}[{i}]"),
            None => path.to_string(),
        };
        return Err(Error::scenario(
            blame.origin(path),
            key,
            format!(
                "{shown} is out of range; allowed: {} to {} ({})",
                fmt_bound(spec.min),
                fmt_bound(spec.max),
                spec.unit
            ),
        ));
    }
    Ok(())
}

/// A number as written in messages: `1.5`, `7`, `1e300` (never hundreds
/// of digits).
fn fmt_float(x: f64) -> String {
    if x != 0.0 && x.is_finite() && (x.abs() >= 1e15 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// The instruments: known kinds, regimes and selections, one label count
/// per call and one threshold per evaluation, known sectors, and no call
/// before the regime that enables the instrument has started.
fn check_instruments(s: &Scenario, blame: &Blame<'_>) -> Result<()> {
    use super::instruments::{INSTRUMENT_KINDS, SELECTIONS};
    for (name, ins) in &s.instruments {
        let key = |field: &str| format!("instruments.{name}.{field}");
        let one_of = |field: &str, value: &str, allowed: &[&str]| -> Result<()> {
            if allowed.contains(&value) {
                return Ok(());
            }
            Err(blame.fail(
                &[&key(field)],
                format!(
                    "`{}` is not allowed; allowed: {}",
                    value.escape_default(),
                    allowed.join(", ")
                ),
            ))
        };
        one_of("kind", &ins.kind, &INSTRUMENT_KINDS)?;
        one_of("regime", &ins.regime, &REGIME_NAMES)?;
        one_of("selection", &ins.selection, &SELECTIONS)?;
        if ins.labels.len() != ins.calls.len() {
            return Err(blame.fail(
                &[&key("labels"), &key("calls")],
                format!(
                    "give one count of labels per call ({} has {} years, {} has {} counts)",
                    key("calls"),
                    ins.calls.len(),
                    key("labels"),
                    ins.labels.len()
                ),
            ));
        }
        if ins.evaluation_thresholds.len() != ins.evaluations.len() {
            return Err(blame.fail(
                &[&key("evaluation_thresholds"), &key("evaluations")],
                format!(
                    "give one threshold per evaluation ({} has {} years, {} has {} thresholds)",
                    key("evaluations"),
                    ins.evaluations.len(),
                    key("evaluation_thresholds"),
                    ins.evaluation_thresholds.len()
                ),
            ));
        }
        for (i, sector) in ins.sectors.iter().enumerate() {
            if Scenario::sector_index(sector).is_none() {
                return Err(blame.fail_element(
                    &[&key("sectors")],
                    i,
                    format!(
                        "`{}` is not a sector; sectors are {}",
                        sector.escape_default(),
                        SECTOR_NAMES.join(", ")
                    ),
                ));
            }
        }
        let regime = REGIME_NAMES
            .iter()
            .position(|r| *r == ins.regime)
            .unwrap_or(0);
        let start = s.regimes.all()[regime].start;
        let start_key = format!("regimes.{}.start", ins.regime);
        for (i, &year) in ins.calls.iter().enumerate() {
            if year < start {
                return Err(blame.fail_element(
                    &[&key("calls"), &key("regime"), &start_key],
                    i,
                    format!(
                        "a call of {name} in {year} comes before its regime {} starts ({start_key} = {start}); allowed: {start} or later",
                        ins.regime
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::spec_for;
    use crate::scenario::{parse_override, resolve_str};

    fn err(sets: &[&str]) -> String {
        let o: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
        resolve_str("t.toml", "", &o).unwrap_err().to_string()
    }

    #[test]
    fn every_default_has_a_spec_and_is_in_range() {
        resolve_str("t.toml", "", &[]).unwrap();
    }

    #[test]
    fn out_of_range_probability() {
        let e = err(&["regimes.clusters.cluster_policy=1.5"]);
        assert!(
            e.contains("regimes.clusters.cluster_policy: 1.5 is out of range; allowed: 0 to 1"),
            "{e}"
        );
    }

    #[test]
    fn negative_count() {
        let e = err(&["population.firms=-5"]);
        assert!(e.contains("population.firms: -5 is out of range"), "{e}");
    }

    #[test]
    fn nan_is_refused() {
        let e = err(&["firms.competition=nan"]);
        assert!(
            e.contains("firms.competition: NaN is out of range")
                || e.contains("nan is out of range"),
            "{e}"
        );
    }

    #[test]
    fn end_before_start() {
        let e = err(&["run.end_year=1940"]);
        let want = "run.end_year: the run must end in or after its first year (run.start_year = 1950, run.end_year = 1940)";
        assert!(e.contains(want), "{e}");
    }

    #[test]
    fn regimes_out_of_order_names_the_key_that_was_set() {
        let e = err(&["regimes.clusters.start=1970"]);
        assert!(e.starts_with("--set regimes.clusters.start=1970: regimes.clusters.start: regimes must start in the order"), "{e}");
        let e = err(&["regimes.decentralisation.start=1995"]);
        assert!(
            e.starts_with(
                "--set regimes.decentralisation.start=1995: regimes.decentralisation.start:"
            ),
            "{e}"
        );
    }

    #[test]
    fn regimes_after_the_end_of_a_short_run_never_start() {
        let o = [parse_override("run.end_year=1980").unwrap()];
        let r = resolve_str("t.toml", "", &o).unwrap();
        let late: Vec<(String, i64)> = r
            .scenario
            .after_the_run()
            .into_iter()
            .map(|a| (a.key, a.year))
            .collect();
        assert_eq!(
            late,
            [
                ("regimes.clusters.start".to_string(), 1990),
                ("regimes.transition.start".to_string(), 2010),
                ("shocks.crisis_2008.year".to_string(), 2009),
            ]
        );
        // Their order is still checked.
        let e = err(&["run.end_year=1980", "regimes.clusters.start=2020"]);
        assert!(
            e.starts_with("--set regimes.clusters.start=2020: regimes.clusters.start: regimes must start in the order"),
            "{e}"
        );
    }

    #[test]
    fn a_rule_blames_the_first_of_its_keys_set_by_the_same_file() {
        let e = resolve_str(
            "t.toml",
            "[run]\nend_year = 2012\n[output]\nfirm_snapshot_years = [1990, 1800]\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "t.toml: output.firm_snapshot_years[1]: 1800 is before the run's start; allowed: 1950 or later (run.start_year = 1950)"
        );
    }

    #[test]
    fn parameters_outside_the_cross_field_list_are_free_within_their_range() {
        // Every parameter that no rule across keys reads (see
        // CROSS_FIELD_KEYS) can take either end of its range alone and the
        // scenario stays valid: a sweep checks such factors by their own
        // range only.
        let defaults = crate::scenario::defaults_value().unwrap();
        let mut leaves = Vec::new();
        fn walk(v: &toml::Value, path: &str, out: &mut Vec<(String, toml::Value)>) {
            match v {
                toml::Value::Table(t) => {
                    for (k, c) in t {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        walk(c, &p, out);
                    }
                }
                leaf => out.push((path.to_string(), leaf.clone())),
            }
        }
        walk(&defaults, "", &mut leaves);
        let mut probed = 0;
        for (path, value) in leaves {
            // Sweeps check factors that are not numbers point by point anyway.
            let numeric = matches!(value, toml::Value::Integer(_) | toml::Value::Float(_));
            if super::is_cross_field(&path) || !numeric {
                continue;
            }
            let Some(spec) = spec_for(&path) else {
                panic!("{path} has no spec");
            };
            for end in [spec.min, spec.max] {
                let text = match value {
                    toml::Value::Integer(_) => format!("{path}={}", end as i64),
                    _ => format!("{path}={end:?}"),
                };
                let o = [parse_override(&text).unwrap()];
                if let Err(e) = resolve_str("t.toml", "", &o) {
                    panic!("{text}: {e}: a rule reads {path}; add it to CROSS_FIELD_KEYS");
                }
                probed += 1;
            }
        }
        assert!(probed > 600, "{probed}");
    }

    #[test]
    fn first_regime_must_cover_start() {
        let e = err(&["regimes.large_firm.start=1955"]);
        assert!(
            e.contains(
                "regimes.large_firm.start: the first regime must start in the run's first year"
            ),
            "{e}"
        );
    }

    #[test]
    fn knowledge_length_and_complements() {
        let e = err(&["sectors.pharma.knowledge=[0.5, 0.5]"]);
        assert!(
            e.contains("sectors.pharma.knowledge: expected 8 weights"),
            "{e}"
        );
        let e = err(&["sectors.pharma.complements=[\"steel\"]"]);
        assert!(e.contains("`steel` is not a sector"), "{e}");
    }

    #[test]
    fn too_many_firms_for_citizens() {
        let e = err(&["population.firms=150000", "population.citizens=100000"]);
        assert!(e.contains("every firm needs an employee"), "{e}");
    }
}
