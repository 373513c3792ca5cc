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
use super::validate::{Blame, check_ranges, check_rules};
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

/// `--seed N` as the override of `run.seed` (0 to 2^63−1).
pub fn seed_override(seed: u64) -> Result<Override> {
    let seed = i64::try_from(seed).map_err(|_| {
        Error::scenario(
            "--seed",
            "run.seed",
            format!("{seed} is out of range; allowed: 0 to 2^63−1"),
        )
    })?;
    Ok(Override {
        path: "run.seed".into(),
        value: toml::Value::Integer(seed),
        text: format!("run.seed={seed} (--seed)"),
    })
}

/// Parse `KEY=VALUE` as given to `--set`. The value is one TOML value
/// (`1995`, `0.5`, `true`, `"text"`, `[1, 2]`) and nothing else; a bare
/// word on one line is a string.
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
    if key.is_empty() {
        return Err(Error::ScenarioFile {
            origin,
            message:
                "no key before `=`; expected KEY=VALUE with a dotted key, e.g. run.end_year=2000"
                    .into(),
        });
    }
    if key.split('.').any(|s| s.trim().is_empty()) {
        return Err(Error::ScenarioFile {
            origin,
            message: format!(
                "`{}` is not a dotted key such as run.end_year",
                shorten(key, 60)
            ),
        });
    }
    let raw = raw.trim();
    let value = match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => {
            let value = t.remove("v");
            match value {
                Some(v) if t.is_empty() => v,
                _ => {
                    return Err(Error::scenario(
                        origin,
                        key,
                        format!("`{}` is more than one value; {ONE_VALUE}", shorten(raw, 60)),
                    ));
                }
            }
        }
        Err(_) if is_bare_word(raw) => toml::Value::String(raw.to_string()),
        Err(_) if raw.chars().any(char::is_control) && !raw.starts_with(['[', '{', '"', '\'']) => {
            return Err(Error::scenario(
                origin,
                key,
                format!(
                    "`{}` holds control characters; write a string in quotes with escapes, e.g. \"a\\tb\"",
                    shorten(raw, 60)
                ),
            ));
        }
        Err(e) => {
            return Err(Error::scenario(
                origin,
                key,
                format!(
                    "`{}` is not a TOML value ({}); {ONE_VALUE}",
                    shorten(raw, 60),
                    one_line(e.message())
                ),
            ));
        }
    };
    Ok(Override {
        path: key.to_string(),
        value,
        text: text.to_string(),
    })
}

const ONE_VALUE: &str = "allowed: one TOML value, e.g. 1995, 0.5, true, \"text\" or [1, 2]";

/// Text taken as a string without quotes: one line that does not start
/// like a quoted string, list or table.
fn is_bare_word(raw: &str) -> bool {
    !raw.is_empty()
        && !raw.starts_with(['[', '{', '"', '\''])
        && !raw.chars().any(|c| c.is_control() || c == '=' || c == '#')
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
    /// The chain merged over the defaults, once it is known to merge.
    merged: std::sync::OnceLock<Merged>,
}

impl ScenarioChain {
    /// Read `path` and the files it extends; nothing is validated yet.
    pub fn read(path: &Path) -> Result<Self> {
        let mut chain = Vec::new();
        read_chain(path, None, &mut Vec::new(), &mut chain)?;
        Ok(Self {
            path: path.to_path_buf(),
            chain,
            merged: std::sync::OnceLock::new(),
        })
    }

    /// The chain merged over the defaults (merged once, then copied).
    fn merged(&self) -> Result<Merged> {
        if let Some(m) = self.merged.get() {
            return Ok(m.clone());
        }
        let layers: Vec<(String, toml::Table)> = self
            .chain
            .iter()
            .map(|(p, t)| (p.display().to_string(), t.clone()))
            .collect();
        let m = merge_layers(layers)?;
        let _ = self.merged.set(m.clone());
        Ok(m)
    }

    /// Merge the chain with `overrides` over the defaults and validate.
    pub fn resolve(&self, overrides: &[Override]) -> Result<ResolvedScenario> {
        let mut resolved = finish(self.merged()?, overrides, Checks::All)?;
        resolved.source = self.path.clone();
        resolved.files = self.chain.iter().map(|(p, _)| p.clone()).collect();
        Ok(resolved)
    }

    /// Whether the chain with `overrides` passes the rules across keys,
    /// each overriding value's own type and range aside (a sweep checks
    /// those apart, once per value; see `leaf_ok`).
    pub(crate) fn rules_hold(&self, overrides: &[Override]) -> bool {
        self.merged()
            .and_then(|m| finish(m, overrides, Checks::Rules))
            .is_ok()
    }
}

/// The layers of a scenario merged over the defaults, before overrides.
#[derive(Debug, Clone)]
struct Merged {
    tree: toml::Table,
    origins: BTreeMap<String, String>,
    layers: Vec<String>,
    last_origin: String,
}

/// What [`finish`] checks after merging.
#[derive(Clone, Copy, PartialEq)]
enum Checks {
    /// Every value's range and the rules across keys.
    All,
    /// The rules across keys only.
    Rules,
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
    finish(merge_layers(layers)?, overrides, Checks::All)
}

fn merge_layers(layers: Vec<(String, toml::Table)>) -> Result<Merged> {
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
    Ok(Merged {
        tree,
        origins,
        layers: layer_names,
        last_origin,
    })
}

/// Apply `overrides` to merged layers, then deserialise and check.
fn finish(merged: Merged, overrides: &[Override], checks: Checks) -> Result<ResolvedScenario> {
    let Merged {
        mut tree,
        mut origins,
        layers: mut layer_names,
        last_origin,
    } = merged;
    for o in overrides {
        let origin = format!("--set {}", o.text);
        layer_names.push(origin.clone());
        let mut nested = toml::Table::new();
        let segments: Vec<&str> = o.path.split('.').map(str::trim).collect();
        insert_path(&mut nested, &segments, o.value.clone());
        merge(&mut tree, nested, "", &origin, &mut origins)?;
    }
    let blame = Blame {
        origins: &origins,
        layers: &layer_names,
        fallback: &last_origin,
    };
    if checks == Checks::All {
        check_ranges(&tree, "", &blame)?;
    }
    // Every leaf has its default's type by now (see `coerce`).
    let scenario: Scenario =
        toml::Value::Table(tree)
            .try_into()
            .map_err(|e: toml::de::Error| Error::ScenarioFile {
                origin: last_origin.clone(),
                message: one_line(e.message()),
            })?;
    let mut scenario = scenario;
    let regions = super::validate::regions_from_file(&mut scenario, &blame)?;
    check_rules(&scenario, &blame, &regions)?;
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
    let read = crate::util::input::read_text(path).and_then(|text| {
        path.canonicalize()
            .map(|c| (text, c))
            .map_err(|e| format!("cannot read: {e}"))
    });
    let (text, canonical) = read.map_err(|message| match child {
        Some((c, rel)) => Error::scenario(
            c.display().to_string(),
            "extends",
            match message.strip_prefix("cannot read: ") {
                Some(why) => format!("cannot read `{rel}`: {why}"),
                None => format!("`{rel}` {message}"),
            },
        ),
        None => Error::ScenarioFile {
            origin: display.clone(),
            message,
        },
    })?;
    if visiting.contains(&canonical) {
        let (c, rel) = child.unwrap_or((path, ""));
        let files: Vec<String> = visiting
            .iter()
            .chain(std::iter::once(&canonical))
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        return Err(Error::scenario(
            c.display().to_string(),
            "extends",
            format!(
                "`{rel}` makes a cycle of extends ({}); a scenario may extend a file that does not extend it back",
                files.join(" → ")
            ),
        ));
    }
    if let Some(table) = super::manifest::scenario_table(&display, &text)? {
        // A run's manifest holds a whole resolved scenario: no `extends`.
        chain.push((path.to_path_buf(), table));
        return Ok(());
    }
    let mut table = parse_toml(&display, &text)?;
    if let Some(which) = PLAN_MARKERS.into_iter().find(|k| table.contains_key(*k)) {
        // A calibration plan names its targets; a sweep plan does not.
        let (kind, command) = if table.contains_key("targets") {
            ("calibration plan", "calibrate")
        } else {
            ("sweep plan", "sweep")
        };
        let message = format!(
            "is a {kind} (it has `{which}`), not a scenario; run it with `proxima {command} {display}`"
        );
        return Err(match child {
            Some((c, rel)) => Error::scenario(
                c.display().to_string(),
                "extends",
                format!("`{rel}` {message}"),
            ),
            None => Error::ScenarioFile {
                origin: display.clone(),
                message,
            },
        });
    }
    if let Some(parent) = table.remove("extends") {
        let toml::Value::String(rel) = parent else {
            return Err(Error::scenario(
                &display,
                "extends",
                format!(
                    "expected a file name in quotes, e.g. extends = \"default.toml\", found {}",
                    found(&parent)
                ),
            ));
        };
        let parent_path = path.parent().unwrap_or(Path::new(".")).join(&rel);
        visiting.push(canonical);
        read_chain(&parent_path, Some((path, &rel)), visiting, chain)?;
        visiting.pop();
    }
    anchor_regions_file(&mut table, path);
    chain.push((path.to_path_buf(), table));
    Ok(())
}

/// A relative `territory.regions_file` in a scenario file names a file
/// next to that scenario (like `extends`): it is made absolute here, so
/// the manifest records where the data came from. (Through `--set` it is
/// relative to the working folder.)
fn anchor_regions_file(table: &mut toml::Table, scenario: &Path) {
    let Some(toml::Value::Table(territory)) = table.get_mut("territory") else {
        return;
    };
    let Some(toml::Value::String(file)) = territory.get_mut("regions_file") else {
        return;
    };
    if file.is_empty() || Path::new(file.as_str()).is_absolute() {
        return;
    }
    let joined = scenario.parent().unwrap_or(Path::new(".")).join(&*file);
    let anchored = joined.canonicalize().unwrap_or(joined);
    *file = anchored.display().to_string();
}

/// Keys that make a TOML file a sweep plan rather than a scenario: plans
/// have both, scenarios neither.
pub(crate) const PLAN_MARKERS: [&str; 2] = ["base", "design"];

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
            let mut start = span.start.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let col = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0)
                + 1;
            format!(" at line {line}, column {col}")
        })
        .unwrap_or_default();
    Error::ScenarioFile {
        origin: origin.to_string(),
        message: format!("invalid TOML{place}: {}", one_line(message)),
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

/// What was found, for messages: the value as TOML (shortened) and its kind.
pub(crate) fn found(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(_) => "a table".into(),
        toml::Value::Boolean(b) => b.to_string(),
        // As TOML writes them: nan, inf, 1.5, 2.0, 1e300.
        toml::Value::Float(x) if x.is_nan() => "nan (a number)".into(),
        toml::Value::Float(x) => format!("{x:?} (a number)"),
        other => format!("{} ({})", shorten(&other.to_string(), 40), kind(other)),
    }
}

/// At most `max` characters of `text`, with `…` if cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
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
        let segment = key_segment(&key);
        let path = if prefix.is_empty() {
            segment.into_owned()
        } else {
            format!("{prefix}.{segment}")
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
                    format!("expected a table of settings, found {}", found(&other)),
                ));
            }
            (slot, value) => {
                *slot =
                    coerce(slot, value, &path).map_err(|(at, m)| Error::scenario(origin, at, m))?;
                origins.insert(path, origin.to_string());
            }
        }
    }
    Ok(())
}

/// A key as part of a dotted path: as is if it is a bare TOML key, else
/// quoted as in TOML (`""`, `"a.b"`), so that the path stays readable.
fn key_segment(key: &str) -> std::borrow::Cow<'_, str> {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        std::borrow::Cow::Borrowed(key)
    } else {
        std::borrow::Cow::Owned(format!("{:?}", key))
    }
}

/// Tables whose keys are names chosen by the scenario (`[shocks.<name>]`,
/// `[declared_firms.<label>]`): a new name starts from the entry's defaults.
fn open_entry(prefix: &str) -> Result<Option<toml::Value>> {
    let value = match prefix {
        "shocks" => toml::Value::try_from(super::Shock::default()),
        "declared_firms" => toml::Value::try_from(super::DeclaredFirm::default()),
        "instruments" => toml::Value::try_from(super::Instrument::default()),
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

/// An element of the list parameters whose default is empty, giving the
/// type of their elements (the others take it from their first element).
pub(crate) fn list_element(path: &str) -> Option<toml::Value> {
    if path == "output.firm_snapshot_years" || path == "output.network_snapshot_years" {
        Some(toml::Value::Integer(0))
    } else if path.ends_with(".complements") {
        Some(toml::Value::String(String::new()))
    } else if path.starts_with("instruments.") {
        let field = path.rsplit('.').next().unwrap_or("");
        match field {
            "calls" | "labels" | "evaluations" => Some(toml::Value::Integer(0)),
            "evaluation_thresholds" => Some(toml::Value::Float(0.0)),
            "sectors" => Some(toml::Value::String(String::new())),
            _ => None,
        }
    } else {
        None
    }
}

/// Give `value` (at `path`) the type of `default`, converting integers to
/// floats where a number is expected. An error names the path, with the
/// list index of a wrong element (`a.b[2]`).
fn coerce(
    default: &toml::Value,
    value: toml::Value,
    path: &str,
) -> std::result::Result<toml::Value, (String, String)> {
    use toml::Value as V;
    match (default, value) {
        (V::Float(_), V::Integer(i)) => Ok(V::Float(i as f64)),
        (V::Array(d), V::Array(items)) => {
            let Some(elem) = d.first().cloned().or_else(|| list_element(path)) else {
                return Err((
                    path.to_string(),
                    "internal: the type of this list's elements is unknown".into(),
                ));
            };
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| coerce(&elem, item, &format!("{path}[{i}]")))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(V::Array)
        }
        (d, v) if std::mem::discriminant(d) == std::mem::discriminant(&v) => Ok(v),
        (d, v) => Err((
            path.to_string(),
            format!("expected {}, found {}", kind(d), found(&v)),
        )),
    }
}

/// Whether `value` may replace `default` at `path` on its own: of the
/// right type (integers stand for numbers) and within the parameter's
/// range. Rules across keys are not checked.
pub(crate) fn leaf_ok(path: &str, default: &toml::Value, value: &toml::Value) -> bool {
    coerce(default, value.clone(), path).is_ok_and(|v| super::validate::number_in_range(path, &v))
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
        assert_eq!(
            e,
            "test.toml: run.seed: expected an integer, found \"abc\" (a string)"
        );
    }

    #[test]
    fn a_wrong_list_element_is_named_with_its_index() {
        let e = err("[output]\nfirm_snapshot_years = [1990, 1.5]\n", &[]);
        assert_eq!(
            e,
            "test.toml: output.firm_snapshot_years[1]: expected an integer, found 1.5 (a number)"
        );
        // Through --set, the option is blamed, not the file.
        let e = err("", &["output.firm_snapshot_years=[\"x\"]"]);
        assert_eq!(
            e,
            "--set output.firm_snapshot_years=[\"x\"]: output.firm_snapshot_years[0]: expected an integer, found \"x\" (a string)"
        );
        let e = err("[sectors.pharma]\ncomplements = [\"chemicals\", 3]\n", &[]);
        assert_eq!(
            e,
            "test.toml: sectors.pharma.complements[1]: expected a string, found 3 (an integer)"
        );
        let e = err("[sectors.pharma]\nknowledge = [0.1, [0.2]]\n", &[]);
        assert_eq!(
            e,
            "test.toml: sectors.pharma.knowledge[1]: expected a number, found [0.2] (a list)"
        );
    }

    #[test]
    fn every_empty_default_list_knows_its_element_type() {
        // A list whose default is empty takes its elements' type from
        // `list_element`; without it a wrong element would reach serde,
        // whose message names no key.
        fn walk(v: &toml::Value, path: &str) {
            match v {
                toml::Value::Table(t) => {
                    for (k, c) in t {
                        walk(
                            c,
                            &if path.is_empty() {
                                k.clone()
                            } else {
                                format!("{path}.{k}")
                            },
                        );
                    }
                }
                toml::Value::Array(a) if a.is_empty() => {
                    assert!(list_element(path).is_some(), "{path}");
                }
                _ => {}
            }
        }
        let mut all = defaults_table().unwrap();
        for (name, entry) in [
            (
                "shocks",
                toml::Value::try_from(super::super::Shock::default()).unwrap(),
            ),
            (
                "declared_firms",
                toml::Value::try_from(super::super::DeclaredFirm::default()).unwrap(),
            ),
        ] {
            let mut t = toml::Table::new();
            t.insert("*".into(), entry);
            all.insert(format!("{name}_entry"), toml::Value::Table(t));
        }
        walk(&toml::Value::Table(all), "");
    }

    #[test]
    fn a_set_value_is_one_value_and_nothing_else() {
        let one = |text: &str| {
            parse_override(text)
                .map(|o| o.value)
                .map_err(|e| e.to_string())
        };
        assert_eq!(one("run.end_year=2012"), Ok(toml::Value::Integer(2012)));
        assert_eq!(
            one("run.end_year = 2012 # pilot"),
            Ok(toml::Value::Integer(2012))
        );
        assert_eq!(
            one("sectors.pharma.knowledge=[0.1,\n0.2]").map(|v| v.as_array().map(Vec::len)),
            Ok(Some(2))
        );
        assert_eq!(
            one("run.end_year=2012\n[population]\nfirms=5"),
            Err("--set run.end_year=2012\\n[population]\\nfirms=5: run.end_year: `2012\\n[population]\\nfirms=5` is more than one value; allowed: one TOML value, e.g. 1995, 0.5, true, \"text\" or [1, 2]".into())
        );
        assert_eq!(
            one("territory.regions=7\nfoo=1"),
            Err("--set territory.regions=7\\nfoo=1: territory.regions: `7\\nfoo=1` is more than one value; allowed: one TOML value, e.g. 1995, 0.5, true, \"text\" or [1, 2]".into())
        );
        // A bare word is a string only on one line.
        assert_eq!(
            one("shocks.a.kind=demand"),
            Ok(toml::Value::String("demand".into()))
        );
        assert!(one("shocks.a.kind=demand\nx").is_err());
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
