//! The shipped scenarios are valid, `default.toml` spells out the defaults,
//! and the parameter tables of docs/MODEL.md are the current ones.

mod common;

use common::root;
use proxima::Scenario;
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
            && !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("calibrate_")
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

fn shipped(name: &str) -> Scenario {
    scenario::load(&root().join("scenarios").join(name), &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// Dotted keys whose values differ between two scenarios.
fn differences(a: &Scenario, b: &Scenario) -> Vec<String> {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let null = serde_json::Value::Null;
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(
                        &p,
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        out,
                    );
                }
            }
            _ if a != b => out.push(path.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let (a, b) = (
        serde_json::to_value(a).unwrap(),
        serde_json::to_value(b).unwrap(),
    );
    walk("", &a, &b, &mut out);
    out
}

/// Each counterfactual is `default.toml` with only the levers its comment
/// names changed: once those are set back, the whole resolved scenario is
/// the default one.
#[test]
fn counterfactuals_differ_from_default_only_where_they_say() {
    let d = shipped("default.toml");
    let check = |file: &str, reset: &dyn Fn(&mut Scenario)| {
        let mut s = shipped(file);
        assert_ne!(s, d, "{file} changes nothing");
        reset(&mut s);
        let diff = differences(&s, &d);
        assert!(
            diff.is_empty(),
            "{file} also differs from default.toml in {diff:?}"
        );
        assert_eq!(s, d);
    };

    // Local authorities keep the large-firm regime's budget and never
    // support SMEs, in every regime after it.
    check("no_decentralisation.toml", &|s| {
        let lf = s.regimes.large_firm.local_authority_budget;
        for (r, dr) in [
            (&mut s.regimes.decentralisation, &d.regimes.decentralisation),
            (&mut s.regimes.clusters, &d.regimes.clusters),
            (&mut s.regimes.transition, &d.regimes.transition),
        ] {
            assert_eq!((r.local_authority_budget, r.sme_support), (lf, 0.0));
            assert!(dr.local_authority_budget > lf && dr.sme_support > 0.0);
            r.local_authority_budget = dr.local_authority_budget;
            r.sme_support = dr.sme_support;
        }
    });

    // Organised proximity weighs nothing in any regime.
    check("no_organised_proximity.toml", &|s| {
        for (r, dr) in [
            (&mut s.regimes.large_firm, &d.regimes.large_firm),
            (&mut s.regimes.decentralisation, &d.regimes.decentralisation),
            (&mut s.regimes.clusters, &d.regimes.clusters),
            (&mut s.regimes.transition, &d.regimes.transition),
        ] {
            assert_eq!(r.weight_organised, 0.0);
            r.weight_organised = dr.weight_organised;
        }
    });

    // Nobody facilitates symbiosis: no programme in any regime, no help
    // from cluster organisations or local authorities.
    check("no_symbiosis_facilitation.toml", &|s| {
        for (r, dr) in [
            (&mut s.regimes.large_firm, &d.regimes.large_firm),
            (&mut s.regimes.decentralisation, &d.regimes.decentralisation),
            (&mut s.regimes.clusters, &d.regimes.clusters),
            (&mut s.regimes.transition, &d.regimes.transition),
        ] {
            assert_eq!(r.symbiosis_facilitation, 0.0);
            r.symbiosis_facilitation = dr.symbiosis_facilitation;
        }
        let (sy, dy) = (&mut s.symbiosis, &d.symbiosis);
        assert_eq!(
            (sy.cluster_facilitation, sy.authority_facilitation),
            (0.0, 0.0)
        );
        sy.cluster_facilitation = dy.cluster_facilitation;
        sy.authority_facilitation = dy.authority_facilitation;
    });

    // One shock more: the hub's removal in 2015.
    check("hub_removal.toml", &|s| {
        let shock = s.shocks.remove("hub_2015").expect("the hub_2015 shock");
        assert_eq!((shock.kind.as_str(), shock.year), ("remove_hub", 2015));
        assert!(shock.enabled);
    });
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
