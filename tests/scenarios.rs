//! The shipped scenarios are valid, `default.toml` spells out the defaults,
//! and the parameter tables of docs/MODEL.md are the current ones.

mod common;

use common::root;
use proxima::scenario::{self, params};

#[test]
fn every_shipped_scenario_is_valid() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml")
            && !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sweep_")
        {
            scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 3);
}

#[test]
fn default_toml_is_the_documented_defaults() {
    let r = scenario::load(&root().join("scenarios/default.toml"), &[]).unwrap();
    assert_eq!(r.scenario, proxima::Scenario::default());
}

#[test]
fn counterfactuals_differ_from_default_only_where_they_say() {
    let d = proxima::Scenario::default();
    let nd = scenario::load(&root().join("scenarios/no_decentralisation.toml"), &[])
        .unwrap()
        .scenario;
    assert_eq!(nd.regimes.decentralisation.sme_support, 0.0);
    assert_eq!(
        nd.regimes.decentralisation.globalisation_pressure,
        d.regimes.decentralisation.globalisation_pressure
    );
    let no = scenario::load(&root().join("scenarios/no_organised_proximity.toml"), &[])
        .unwrap()
        .scenario;
    assert!(no.regimes.all().iter().all(|r| r.weight_organised == 0.0));
    assert_eq!(
        no.regimes.clusters.cluster_policy,
        d.regimes.clusters.cluster_policy
    );
}

#[test]
fn model_md_holds_the_current_parameter_tables() {
    let tables = params::markdown_tables(&scenario::defaults_value().unwrap());
    let doc = std::fs::read_to_string(root().join("docs/MODEL.md")).unwrap();
    assert!(
        doc.contains(tables.trim()),
        "docs/MODEL.md is out of date: replace its parameter tables with the output of `proxima params`"
    );
}
