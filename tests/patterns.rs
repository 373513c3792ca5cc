//! The patterns of the model brief (section 5, items 1–4 and the
//! counterfactuals of item 7), each checked on the mean of five seeds of
//! the shipped scenarios, and the check that moving a regime's start moves
//! its effects. These runs take about a minute in release mode.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use common::{mean, run_series, scenario};

type Series = BTreeMap<i64, BTreeMap<String, f64>>;

const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

fn workdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}

fn mean_of(file: &str) -> Series {
    let dir = workdir(&format!("patterns-{file}"));
    let runs: Vec<Series> = SEEDS
        .iter()
        .map(|&s| run_series(&dir, &scenario(file), s, &[]))
        .collect();
    mean(&runs)
}

fn default_mean() -> &'static Series {
    static CELL: OnceLock<Series> = OnceLock::new();
    CELL.get_or_init(|| mean_of("default.toml"))
}

fn get(s: &Series, year: i64, col: &str) -> f64 {
    s[&year][col]
}

fn small_firm_share(s: &Series, year: i64) -> f64 {
    get(s, year, "sme_employment_share") + get(s, year, "micro_employment_share")
}

#[test]
fn large_firm_share_peaks_before_1975_then_falls() {
    let d = default_mean();
    let (peak_year, peak) = d
        .iter()
        .map(|(y, v)| (*y, v["large_firm_employment_share"]))
        .fold((0, f64::MIN), |best, x| if x.1 > best.1 { x } else { best });
    assert!(
        peak_year <= 1975,
        "large-firm share peaks in {peak_year} ({peak:.3})"
    );
    let (s1970, s2000) = (
        get(d, 1970, "large_firm_employment_share"),
        get(d, 2000, "large_firm_employment_share"),
    );
    assert!(
        s2000 <= 0.8 * s1970,
        "large-firm share 2000 {s2000:.3} vs 1970 {s1970:.3}"
    );
    let rise = small_firm_share(d, 1995) - small_firm_share(d, 1970);
    assert!(
        rise >= 0.05,
        "SME + micro share rose by {rise:.3} from 1970 to 1995"
    );
}

#[test]
fn spatial_concentration_rises_then_stops() {
    let d = default_mean();
    let h = |y| get(d, y, "regional_employment_hhi");
    assert!(
        h(1972) > h(1950),
        "HHI 1950 {:.4} → 1972 {:.4}",
        h(1950),
        h(1972)
    );
    assert!(
        h(1990) <= 1.01 * h(1973),
        "HHI 1973 {:.4} → 1990 {:.4}",
        h(1973),
        h(1990)
    );
}

#[test]
fn cooperation_innovation_and_distant_ties_rise_in_clusters_regime() {
    let d = default_mean();
    let (t85, t05) = (get(d, 1985, "ties_per_firm"), get(d, 2005, "ties_per_firm"));
    assert!(
        t05 >= 1.5 * t85,
        "ties per firm 1985 {t85:.3} → 2005 {t05:.3}"
    );
    let (n85, n05) = (
        get(d, 1985, "nonlocal_tie_share"),
        get(d, 2005, "nonlocal_tie_share"),
    );
    assert!(
        n05 >= n85 + 0.05,
        "non-local tie share 1985 {n85:.3} → 2005 {n05:.3}"
    );
    let per_firm = |a: i64, b: i64| {
        (a..=b)
            .map(|y| get(d, y, "innovations") / get(d, y, "firms"))
            .sum::<f64>()
            / (b - a + 1) as f64
    };
    let (i80, i00) = (per_firm(1980, 1989), per_firm(2000, 2009));
    assert!(
        i00 > i80,
        "innovations per firm 1980s {i80:.4} vs 2000s {i00:.4}"
    );
}

#[test]
fn cluster_organisations_appear_with_cluster_policy() {
    let d = default_mean();
    for (year, v) in d.range(..1990) {
        assert_eq!(
            v["cluster_organisations"], 0.0,
            "cluster organisations in {year}"
        );
    }
    let (c95, c09) = (
        get(d, 1995, "cluster_organisations"),
        get(d, 2009, "cluster_organisations"),
    );
    assert!(c09 > c95, "cluster organisations 1995 {c95} vs 2009 {c09}");
}

#[test]
fn no_decentralisation_means_fewer_small_firms() {
    let d = default_mean();
    let nd = mean_of("no_decentralisation.toml");
    let (a, b) = (small_firm_share(&nd, 1995), small_firm_share(d, 1995));
    assert!(
        a < b,
        "SME + micro share 1995: no_decentralisation {a:.3} vs default {b:.3}"
    );
}

#[test]
fn no_organised_proximity_means_few_distant_ties() {
    let d = default_mean();
    let no = mean_of("no_organised_proximity.toml");
    let (a, b) = (
        get(&no, 2005, "nonlocal_tie_share"),
        get(d, 2005, "nonlocal_tie_share"),
    );
    assert!(
        a <= b - 0.05,
        "non-local tie share 2005: no_organised_proximity {a:.3} vs default {b:.3}"
    );
}

/// Effects follow the levers, not the calendar: moving a regime's start
/// moves what it causes.
#[test]
fn moving_regime_starts_moves_their_effects() {
    let dir = workdir("regime-shift");
    let late = run_series(
        &dir,
        &scenario("default.toml"),
        1,
        &[
            "--set",
            "regimes.decentralisation.start=1982",
            "--set",
            "regimes.clusters.start=1998",
        ],
    );
    let peak_year = late
        .iter()
        .map(|(y, v)| (*y, v["large_firm_employment_share"]))
        .fold((0, f64::MIN), |best, x| if x.1 > best.1 { x } else { best })
        .0;
    assert!(
        (1979..=1986).contains(&peak_year),
        "peak moved to {peak_year}"
    );
    for (year, v) in late.range(..1998) {
        assert_eq!(
            v["cluster_organisations"], 0.0,
            "cluster organisations in {year}"
        );
    }
    assert!(late[&2003]["cluster_organisations"] > 0.0);
    let d = default_mean();
    assert!(
        late[&1995]["ties_per_firm"] < 0.8 * d[&1995]["ties_per_firm"],
        "ties per firm in 1995 with clusters from 1998: {:.3} vs default {:.3}",
        late[&1995]["ties_per_firm"],
        d[&1995]["ties_per_firm"]
    );
}
