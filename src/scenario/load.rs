//! Reading a scenario: `extends` chains, `--set` overrides, strict merging
//! over the defaults, then one validation pass.
//!
//! Every layer (the defaults, each file of the `extends` chain from the root
//! down, then each `--set`) is merged key by key into one TOML tree. A key
//! that the defaults do not have is unknown; a value whose type differs from
//! the default's is refused. The origin of every leaf is remembered so that
//! an error names the file or option that set the offending value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Scenario;
use super::validate::{Blame, validate};
use crate::error::{Error, Result};

/// One `--set KEY=VALUE` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: String,
    pub value: toml::Value,
    /// How the user wrote it, for error messages.
    pub text: String,
}

/// A validated scenario with where each value came from.
#[derive(Debug, Clone)]
pub struct ResolvedScenario {
    pub scenario: Scenario,
    /// The scenario file the user named.
    pub source: PathBuf,
    /// Files read, from the root of the `extends` chain to `source`.
    pub files: Vec<PathBuf>,
    /// Leaf path → file or `--set` option that set it (defaults are absent).
    pub origins: BTreeMap<String, String>,
}

/// Parse `KEY=VALUE` as given to `--set`. The value is read as a TOML value
/// (`1995`, `0.5`, `true`, `"text"`, `[1, 2]`); a bare word is a string.
pub fn parse_override(text: &str) -> Result<Override> {
    let origin = format!("--set {text}");
    let Some((key, raw)) = text.split_once('=') else {
        return Err(Error::ScenarioFile {
            origin,
            message: "expected KEY=VALUE with a dotted key, e.g. regimes.clusters.start=1995"
                .into(),
        });
    };
    let key = key.trim();
    if key.is_empty() || key.split('.').any(|s| s.trim().is_empty()) {
        return Err(Error::ScenarioFile {
            origin,
            message: format!("`{key}` is not a dotted key such as run.end_year"),
        });
    }
    let raw = raw.trim();
    let value = match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or(toml::Value::String(raw.to_string())),
        Err(_) if !raw.starts_with(['[', '{', '"', '\'']) && !raw.is_empty() => {
            toml::Value::String(raw.to_string())
        }
        Err(e) => {
            return Err(Error::scenario(
                origin,
                key,
                format!("`{raw}` is not a TOML value ({})", e.message()),
            ));
        }
    };
    Ok(Override {
        path: key.to_string(),
        value,
        text: text.to_string(),
    })
}

/// Load, merge and validate a scenario file with overrides.
pub fn load(path: &Path, overrides: &[Override]) -> Result<ResolvedScenario> {
    ScenarioChain::read(path)?.resolve(overrides)
}

/// A scenario file and its `extends` chain, read once and resolved with as
/// many sets of overrides as needed (a sweep resolves one per design point).
#[derive(Debug, Clone)]
pub struct ScenarioChain {
    path: PathBuf,
    chain: Vec<(PathBuf, toml::Table)>,
}

impl ScenarioChain {
    /// Read `path` and the files it extends; nothing is validated yet.
    pub fn read(path: &Path) -> Result<Self> {
        let mut chain = Vec::new();
        read_chain(path, None, &mut Vec::new(), &mut chain)?;
        Ok(Self {
            path: path.to_path_buf(),
            chain,
        })
    }

    /// Merge the chain with `overrides` over the defaults and validate.
    pub fn resolve(&self, overrides: &[Override]) -> Result<ResolvedScenario> {
        let layers: Vec<(String, toml::Table)> = self
            .chain
            .iter()
            .map(|(p, t)| (p.display().to_string(), t.clone()))
            .collect();
        let mut resolved = resolve_layers(layers, overrides)?;
        resolved.source = self.path.clone();
        resolved.files = self.chain.iter().map(|(p, _)| p.clone()).collect();
        Ok(resolved)
    }
}

/// Resolve a scenario given as TOML text (no `extends`), for tests and
/// embedding. `origin` names it in errors.
pub fn resolve_str(origin: &str, text: &str, overrides: &[Override]) -> Result<ResolvedScenario> {
    let table = parse_toml(origin, text)?;
    if table.contains_key("extends") {
        return Err(Error::scenario(
            origin,
            "extends",
            "not allowed in a scenario given as text",
        ));
    }
    let mut r = resolve_layers(vec![(origin.to_string(), table)], overrides)?;
    r.source = PathBuf::from(origin);
    Ok(r)
}

fn resolve_layers(
    layers: Vec<(String, toml::Table)>,
    overrides: &[Override],
) -> Result<ResolvedScenario> {
    let last_origin = layers
        .last()
        .map(|(o, _)| o.clone())
        .unwrap_or_else(|| "scenario".into());
    let mut tree = defaults_table()?;
    let mut origins = BTreeMap::new();
    let mut layer_names = Vec::new();
    for (origin, table) in layers {
        merge(&mut tree, table, "", &origin, &mut origins)?;
        layer_names.push(origin);
    }
    for o in overrides {
        let origin = format!("--set {}", o.text);
        layer_names.push(origin.clone());
        let mut nested = toml::Table::new();
        let segments: Vec<&str> = o.path.split('.').map(str::trim).collect();
        insert_path(&mut nested, &segments, o.value.clone());
        merge(&mut tree, nested, "", &origin, &mut origins)?;
    }
    let scenario: Scenario =
        toml::Value::Table(tree.clone())
            .try_into()
            .map_err(|e: toml::de::Error| Error::ScenarioFile {
                origin: last_origin.clone(),
                message: one_line(e.message()),
            })?;
    let blame = Blame {
        origins: &origins,
        layers: &layer_names,
        fallback: &last_origin,
    };
    validate(&scenario, &tree, &blame)?;
    Ok(ResolvedScenario {
        scenario,
        source: PathBuf::new(),
        files: Vec::new(),
        origins,
    })
}

/// The defaults as a TOML table (serialised once: sweeps resolve thousands
/// of scenarios).
pub(crate) fn defaults_table() -> Result<toml::Table> {
    static DEFAULTS: std::sync::OnceLock<std::result::Result<toml::Table, String>> =
        std::sync::OnceLock::new();
    DEFAULTS
        .get_or_init(|| match toml::Value::try_from(Scenario::default()) {
            Ok(toml::Value::Table(t)) => Ok(t),
            Ok(_) => Err("defaults did not serialise to a table".into()),
            Err(e) => Err(format!("defaults did not serialise: {e}")),
        })
        .clone()
        .map_err(Error::Internal)
}

fn insert_path(table: &mut toml::Table, segments: &[&str], value: toml::Value) {
    match segments {
        [] => {}
        [last] => {
            table.insert((*last).to_string(), value);
        }
        [head, rest @ ..] => {
            let child = table
                .entry((*head).to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = child {
                insert_path(t, rest, value);
            }
        }
    }
}

fn read_chain(
    path: &Path,
    child: Option<(&Path, &str)>,
    visiting: &mut Vec<PathBuf>,
    chain: &mut Vec<(PathBuf, toml::Table)>,
) -> Result<()> {
    let display = path.display().to_string();
    let read = std::fs::read_to_string(path).and_then(|text| Ok((text, path.canonicalize()?)));
    let (text, canonical) = read.map_err(|e| match child {
        Some((c, rel)) => Error::scenario(
            c.display().to_string(),
            "extends",
            format!("cannot read `{rel}`: {e}"),
        ),
        None => Error::ScenarioFile {
            origin: display.clone(),
            message: format!("cannot read scenario: {e}"),
        },
    })?;
    if visiting.contains(&canonical) {
        let (c, rel) = child.unwrap_or((path, ""));
        return Err(Error::scenario(
            c.display().to_string(),
            "extends",
            format!("`{rel}` makes a cycle of extends"),
        ));
    }
    if let Some(table) = super::manifest::scenario_table(&display, &text)? {
        // A run's manifest holds a whole resolved scenario: no `extends`.
        chain.push((path.to_path_buf(), table));
        return Ok(());
    }
    let mut table = parse_toml(&display, &text)?;
    if let Some(parent) = table.remove("extends") {
        let toml::Value::String(rel) = parent else {
            return Err(Error::scenario(
                &display,
                "extends",
                "expected a file name in quotes, e.g. extends = \"default.toml\"",
            ));
        };
        let parent_path = path.parent().unwrap_or(Path::new(".")).join(&rel);
        visiting.push(canonical);
        read_chain(&parent_path, Some((path, &rel)), visiting, chain)?;
        visiting.pop();
    }
    chain.push((path.to_path_buf(), table));
    Ok(())
}

fn parse_toml(origin: &str, text: &str) -> Result<toml::Table> {
    parse_toml_as(origin, text)
}

fn parse_toml_as<T: serde::de::DeserializeOwned>(origin: &str, text: &str) -> Result<T> {
    toml::from_str::<T>(text).map_err(|e| invalid_toml(origin, text, e.span(), e.message()))
}

/// A TOML syntax error as one line with its position.
pub(crate) fn invalid_toml(
    origin: &str,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
) -> Error {
    let place = span
        .map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0)
                + 1;
            format!("line {line}, column {col}: ")
        })
        .unwrap_or_default();
    Error::ScenarioFile {
        origin: origin.to_string(),
        message: format!("invalid TOML at {place}{}", one_line(message)),
    }
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn kind(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

fn merge(
    base: &mut toml::Table,
    layer: toml::Table,
    prefix: &str,
    origin: &str,
    origins: &mut BTreeMap<String, String>,
) -> Result<()> {
    for (key, value) in layer {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if !base.contains_key(&key)
            && let Some(entry) = open_entry(prefix)?
        {
            if !valid_entry_name(&key) {
                return Err(Error::scenario(
                    origin,
                    &path,
                    "names of entries may only use letters, digits, `_` and `-`",
                ));
            }
            base.insert(key.clone(), entry);
        }
        let Some(slot) = base.get_mut(&key) else {
            return Err(unknown_key(origin, &path, &key, base));
        };
        match (slot, value) {
            (toml::Value::Table(bt), toml::Value::Table(lt)) => {
                merge(bt, lt, &path, origin, origins)?
            }
            (toml::Value::Table(_), other) => {
                return Err(Error::scenario(
                    origin,
                    &path,
                    format!("expected a table of settings, found {}", kind(&other)),
                ));
            }
            (slot, value) => {
                *slot = coerce(slot, value).map_err(|m| Error::scenario(origin, &path, m))?;
                origins.insert(path, origin.to_string());
            }
        }
    }
    Ok(())
}

/// Tables whose keys are names chosen by the scenario (`[shocks.<name>]`,
/// `[declared_firms.<label>]`): a new name starts from the entry's defaults.
fn open_entry(prefix: &str) -> Result<Option<toml::Value>> {
    let value = match prefix {
        "shocks" => toml::Value::try_from(super::Shock::default()),
        "declared_firms" => toml::Value::try_from(super::DeclaredFirm::default()),
        _ => return Ok(None),
    };
    value
        .map(Some)
        .map_err(|e| Error::Internal(format!("entry defaults: {e}")))
}

fn valid_entry_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Give `value` the type of `default`, converting integers to floats where
/// a number is expected.
fn coerce(default: &toml::Value, value: toml::Value) -> std::result::Result<toml::Value, String> {
    use toml::Value as V;
    match (default, value) {
        (V::Float(_), V::Integer(i)) => Ok(V::Float(i as f64)),
        (V::Array(d), V::Array(items)) => {
            let Some(elem) = d.first() else {
                return Ok(V::Array(items));
            };
            items
                .into_iter()
                .map(|item| coerce(elem, item).map_err(|m| format!("list element: {m}")))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(V::Array)
        }
        (d, v) if std::mem::discriminant(d) == std::mem::discriminant(&v) => Ok(v),
        (d, v) => Err(format!("expected {}, found {}", kind(d), kind(&v))),
    }
}

pub(crate) fn unknown_key(origin: &str, path: &str, key: &str, siblings: &toml::Table) -> Error {
    let names: Vec<&str> = siblings.keys().map(String::as_str).collect();
    Error::scenario(
        origin,
        path,
        format!("unknown key; {}", suggest(key, &names)),
    )
}

/// "did you mean `x`?" when a name is close to `key`, else the valid names.
pub fn suggest(key: &str, names: &[&str]) -> String {
    let mut best: Option<(&str, f64)> = None;
    for k in names {
        let score = strsim::jaro_winkler(key, k);
        if score > best.map(|b| b.1).unwrap_or(0.0) {
            best = Some((k, score));
        }
    }
    match best {
        Some((k, s)) if s >= 0.8 => format!("did you mean `{k}`?"),
        _ => format!("valid keys here: {}", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, sets: &[&str]) -> String {
        let overrides: Vec<Override> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
        resolve_str("test.toml", text, &overrides)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn empty_scenario_is_the_defaults() {
        let r = resolve_str("t.toml", "", &[]).unwrap();
        assert_eq!(r.scenario, Scenario::default());
        assert!(r.origins.is_empty());
    }

    #[test]
    fn unknown_key_suggests_close_match() {
        let e = err("[regimes.clusters]\nstrat = 1995\n", &[]);
        assert!(
            e.contains("test.toml: regimes.clusters.strat: unknown key; did you mean `start`?"),
            "{e}"
        );
    }

    #[test]
    fn unknown_section_lists_valid_keys() {
        let e = err("[zzz]\na = 1\n", &[]);
        assert!(
            e.contains("zzz: unknown key; valid keys here:") && e.contains("regimes"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_is_named() {
        let e = err("[run]\nseed = \"abc\"\n", &[]);
        assert!(
            e.contains("run.seed: expected an integer, found a string"),
            "{e}"
        );
    }

    #[test]
    fn integer_accepted_for_number() {
        let r = resolve_str("t.toml", "[firms]\ncompetition = 3\n", &[]).unwrap();
        assert_eq!(r.scenario.firms.competition, 3.0);
        assert_eq!(
            r.origins.get("firms.competition").map(String::as_str),
            Some("t.toml")
        );
    }

    #[test]
    fn set_overrides_file_and_is_validated() {
        let o = parse_override("regimes.clusters.start=1995").unwrap();
        let r = resolve_str("t.toml", "", &[o]).unwrap();
        assert_eq!(r.scenario.regimes.clusters.start, 1995);
        let e = err("", &["regimes.clusters.strt=1995"]);
        assert!(
            e.starts_with("--set regimes.clusters.strt=1995: regimes.clusters.strt: unknown key"),
            "{e}"
        );
    }

    #[test]
    fn set_needs_key_and_value() {
        assert!(parse_override("noequals").is_err());
        assert!(parse_override("=3").is_err());
        assert!(parse_override("a..b=3").is_err());
        assert_eq!(
            parse_override("x=word").unwrap().value,
            toml::Value::String("word".into())
        );
        assert_eq!(
            parse_override("x=[1, 2]")
                .unwrap()
                .value
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn malformed_toml_is_one_line_with_position() {
        let e = err("[run\nseed = 1\n", &[]);
        assert!(e.starts_with("test.toml: invalid TOML at line 1"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}
