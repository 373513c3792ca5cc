//! A run's `manifest.json` read back as a scenario: the fully resolved
//! scenario it records (every default filled in, seed included), so that
//! `proxima run output/x/manifest.json --out y` repeats the run byte for
//! byte.

use crate::error::{Error, Result};

/// The scenario recorded in a run manifest, as a TOML table; `None` if
/// `text` is not JSON (a TOML scenario never starts with `{`).
pub(super) fn scenario_table(origin: &str, text: &str) -> Result<Option<toml::Table>> {
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let bad = |message: String| Error::ScenarioFile {
        origin: origin.to_string(),
        message,
    };
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "is neither a TOML scenario nor a run's manifest.json (invalid JSON at line {}, column {}: {})",
            e.line(),
            e.column(),
            super::one_line(&e.to_string())
        ))
    })?;
    if json.get("program").and_then(|p| p.as_str()) != Some("proxima") {
        return Err(bad(
            "is JSON but not a Proxima manifest (no \"program\": \"proxima\"); give a scenario file or a run's manifest.json".into(),
        ));
    }
    if json.get("kind").and_then(|k| k.as_str()) == Some("sweep") {
        return Err(bad(
            "is a sweep's manifest, not a run's; repeat one run of a sweep from its design point, or the sweep with proxima sweep".into(),
        ));
    }
    let Some(scenario) = json.get("scenario") else {
        return Err(bad(
            "is a manifest without a `scenario`; it cannot be repeated".into(),
        ));
    };
    match toml::Value::try_from(scenario) {
        Ok(toml::Value::Table(t)) => Ok(Some(t)),
        Ok(_) => Err(bad("its `scenario` is not a table of settings".into())),
        Err(e) => Err(bad(format!(
            "its `scenario` cannot be read: {}",
            super::one_line(&e.to_string())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_text_is_not_a_manifest() {
        assert!(
            scenario_table("a.toml", "[run]\nseed = 3\n")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn manifest_gives_its_scenario() {
        let text = r#"{"program": "proxima", "scenario": {"run": {"seed": 7, "end_year": 1960}}}"#;
        let t = scenario_table("m.json", text).unwrap().unwrap();
        assert_eq!(t["run"]["seed"].as_integer(), Some(7));
    }

    #[test]
    fn other_json_is_refused_in_one_line() {
        let e = scenario_table("m.json", "{\"a\": 1}")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "m.json: is JSON but not a Proxima manifest (no \"program\": \"proxima\"); give a scenario file or a run's manifest.json"
        );
        let e = scenario_table("m.json", r#"{"program": "proxima", "kind": "sweep"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.json: is a sweep's manifest"), "{e}");
        let e = scenario_table("m.json", "{\n\"a\": ")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n'), "{e}");
    }
}
