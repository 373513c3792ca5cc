//! Range and consistency checks of a merged scenario.

use super::params::{fmt_bound, spec_for};
use super::{N_KNOWLEDGE, REGIME_NAMES, SECTOR_NAMES, Scenario};
use crate::error::{Error, Result};

/// Check every value against its range and the scenario's cross-field
/// rules. `origin_of` names the file or option that set a key.
pub(super) fn validate(
    s: &Scenario,
    tree: &toml::Table,
    origin_of: &dyn Fn(&str) -> String,
) -> Result<()> {
    check_ranges(tree, "", origin_of)?;
    let fail = |key: &str, msg: String| Err(Error::scenario(origin_of(key), key, msg));

    let run = &s.run;
    if run.end_year < run.start_year {
        return fail(
            "run.end_year",
            format!(
                "{} is before run.start_year = {}; the run must end in or after its first year",
                run.end_year, run.start_year
            ),
        );
    }
    let starts: Vec<(&str, i64)> = REGIME_NAMES
        .iter()
        .zip(s.regimes.all())
        .map(|(n, r)| (*n, r.start))
        .collect();
    let first_key = "regimes.large_firm.start";
    if starts[0].1 != run.start_year {
        return fail(
            first_key,
            format!(
                "{} must equal run.start_year = {} (the first regime covers the start of the run)",
                starts[0].1, run.start_year
            ),
        );
    }
    for w in starts.windows(2) {
        let key = format!("regimes.{}.start", w[1].0);
        if w[1].1 < w[0].1 {
            return fail(
                &key,
                format!(
                    "{} is before regimes.{}.start = {}; regimes must start in the order large_firm, decentralisation, clusters, transition",
                    w[1].1, w[0].0, w[0].1
                ),
            );
        }
    }
    for (name, start) in &starts {
        let key = format!("regimes.{name}.start");
        if *start > run.end_year {
            return fail(
                &key,
                format!(
                    "{start} is after run.end_year = {}; regime starts must lie within the run ({}–{})",
                    run.end_year, run.start_year, run.end_year
                ),
            );
        }
    }

    let p = &s.population;
    let employed = (p.citizens as f64 * (1.0 - p.initial_unemployment)).floor() as i64;
    if employed < p.firms {
        return fail(
            "population.firms",
            format!(
                "{} firms need at least as many employed citizens, but citizens × (1 − initial_unemployment) = {employed}",
                p.firms
            ),
        );
    }
    if p.retirement_age <= p.entry_age {
        return fail(
            "population.retirement_age",
            format!(
                "{} must be above population.entry_age = {}",
                p.retirement_age, p.entry_age
            ),
        );
    }

    let f = &s.firms;
    if f.large_group_share + f.large_foreign_share > 1.0 {
        return fail(
            "firms.large_foreign_share",
            "large_group_share + large_foreign_share must not exceed 1".into(),
        );
    }
    if f.sme_group_share + f.sme_foreign_share > 1.0 {
        return fail(
            "firms.sme_foreign_share",
            "sme_group_share + sme_foreign_share must not exceed 1".into(),
        );
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
            return fail(
                &format!("sectors.services.{field}"),
                format!("the sectors' {field} values sum to 0; at least one must be positive"),
            );
        }
    }
    for (name, sector) in SECTOR_NAMES.iter().zip(sectors) {
        let key = format!("sectors.{name}.knowledge");
        if sector.knowledge.len() != N_KNOWLEDGE {
            return fail(
                &key,
                format!(
                    "expected {N_KNOWLEDGE} weights (one per knowledge field), found {}",
                    sector.knowledge.len()
                ),
            );
        }
        if sector.knowledge.iter().sum::<f64>() <= 0.0 {
            return fail(&key, "at least one weight must be positive".into());
        }
        let key = format!("sectors.{name}.complements");
        for c in &sector.complements {
            if c == name {
                return fail(&key, format!("a sector cannot list itself (`{c}`)"));
            }
            if !SECTOR_NAMES.contains(&c.as_str()) {
                return fail(
                    &key,
                    format!(
                        "`{c}` is not a sector; sectors are {}",
                        SECTOR_NAMES.join(", ")
                    ),
                );
            }
        }
    }
    Ok(())
}

fn check_ranges(
    table: &toml::Table,
    prefix: &str,
    origin_of: &dyn Fn(&str) -> String,
) -> Result<()> {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => check_ranges(t, &path, origin_of)?,
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                check_number(&path, value, origin_of)?
            }
            toml::Value::Array(items) => {
                for item in items {
                    if matches!(item, toml::Value::Integer(_) | toml::Value::Float(_)) {
                        check_number(&path, item, origin_of)?;
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

fn check_number(path: &str, value: &toml::Value, origin_of: &dyn Fn(&str) -> String) -> Result<()> {
    let Some(spec) = spec_for(path) else {
        return Err(Error::Internal(format!(
            "parameter `{path}` has no documented range"
        )));
    };
    let (x, shown) = match value {
        toml::Value::Integer(i) => (*i as f64, i.to_string()),
        toml::Value::Float(f) => (*f, f.to_string()),
        _ => return Ok(()),
    };
    // Written so that NaN fails.
    if !(x >= spec.min && x <= spec.max) {
        return Err(Error::scenario(
            origin_of(path),
            path,
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

#[cfg(test)]
mod tests {
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
        assert!(
            e.contains("run.end_year: 1940 is before run.start_year = 1950"),
            "{e}"
        );
    }

    #[test]
    fn regimes_out_of_order() {
        let e = err(&["regimes.clusters.start=1970"]);
        assert!(
            e.contains(
                "regimes.clusters.start: 1970 is before regimes.decentralisation.start = 1973"
            ),
            "{e}"
        );
    }

    #[test]
    fn regime_after_end_of_run() {
        let e = err(&["run.end_year=2000"]);
        assert!(
            e.contains("regimes.transition.start: 2010 is after run.end_year = 2000"),
            "{e}"
        );
    }

    #[test]
    fn first_regime_must_cover_start() {
        let e = err(&["regimes.large_firm.start=1955"]);
        assert!(e.contains("must equal run.start_year"), "{e}");
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
        assert!(e.contains("population.firms: 150000 firms need"), "{e}");
    }
}
