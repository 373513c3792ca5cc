//! A mutation fuzzer for bad input: scenario files, `--set` overrides and
//! sweep plans, mutated from the shipped scenarios and test data.
//!
//! Every case must be accepted, or refused with one line that names the
//! file or option (no panic, no hang, no line break, no message without a
//! key where a key is at fault). Mutations are both byte-level (flips,
//! insertions of control characters and odd Unicode, cut and repeated
//! chunks) and TOML-aware (values replaced by wrong types, numbers out of
//! range, huge and non-finite numbers, long strings, deleted and misspelt
//! keys, new entries, deep nesting, `--set` values followed by more TOML).
//!
//! ```text
//! cargo run --release --example fuzz_scenarios -- --execs 1000000
//! cargo run --release --example fuzz_scenarios -- --binary 3000
//! ```
//!
//! The first form calls the library in process (`--threads`, `--seed`,
//! `--report FILE` for every distinct message shape); the second drives
//! the `proxima` binary (`--bin PATH`, default `target/release/proxima`)
//! with mutated files and command lines and checks exit codes too. The
//! exit code is 1 if anything failed. docs/FUZZING.md says more.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proxima::scenario::{self, Override};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A case slower than this counts as a hang (the watchdog stops the run).
const HANG: Duration = Duration::from_secs(10);
/// A case slower than this is reported as slow.
const SLOW: Duration = Duration::from_millis(200);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: u64| {
        opt(name)
            .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}: not a number")))
            .unwrap_or(default)
    };
    let seed = num("--seed", 1);
    let corpus = Corpus::load();
    let report = opt("--report").map(PathBuf::from);
    let failed = if let Some(n) = opt("--binary") {
        let n: u64 = n.parse().expect("--binary N");
        let bin = opt("--bin")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target/release/proxima"));
        binary_campaign(&corpus, &bin, n, seed, report.as_deref())
    } else {
        let threads = num(
            "--threads",
            std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
        );
        library_campaign(
            &corpus,
            num("--execs", 100_000),
            threads,
            seed,
            report.as_deref(),
        )
    };
    std::process::exit(i32::from(failed));
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What the mutations start from.
struct Corpus {
    /// Scenario texts (their `extends` lines kept).
    scenarios: Vec<String>,
    /// Plan texts, with `base` made absolute.
    plans: Vec<String>,
    /// Every parameter path, with its default and range.
    params: Vec<scenario::params::ParamRow>,
}

impl Corpus {
    fn load() -> Self {
        let mut scenarios = Vec::new();
        let mut plans = Vec::new();
        for dir in ["scenarios", "tests/data"] {
            let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
                .expect("corpus folder")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).expect("corpus file");
                if text.lines().any(|l| l.starts_with("design")) {
                    let base = f.parent().expect("folder").display().to_string();
                    plans.push(text.replace("base = \"", &format!("base = \"{base}/")));
                } else {
                    scenarios.push(text);
                }
            }
        }
        let defaults = scenario::defaults_value().expect("defaults");
        let params = scenario::params::rows(&defaults).expect("params");
        Self {
            scenarios,
            plans,
            params,
        }
    }
}

/// Tallies of a campaign.
#[derive(Default)]
struct Stats {
    execs: u64,
    accepted: u64,
    refused: u64,
    crashes: Vec<String>,
    hangs: Vec<String>,
    multiline: Vec<String>,
    /// Refusals that name no file or option, or no key where one is at fault.
    unnamed: Vec<String>,
    slow: Vec<(u128, String)>,
    /// Hashes of distinct messages.
    distinct: HashSet<u64>,
    /// Message shapes (numbers and quoted text masked) with an example.
    shapes: HashMap<String, (u64, String)>,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.execs += o.execs;
        self.accepted += o.accepted;
        self.refused += o.refused;
        self.crashes.extend(o.crashes);
        self.hangs.extend(o.hangs);
        self.multiline.extend(o.multiline);
        self.unnamed.extend(o.unnamed);
        self.slow.extend(o.slow);
        self.distinct.extend(o.distinct);
        for (k, (n, ex)) in o.shapes {
            self.shapes.entry(k).or_insert((0, ex)).0 += n;
        }
    }

    /// Record message `m`; `body` is its text after the file or option and
    /// key, whose masked form is the message's shape.
    fn message(&mut self, m: &str, body: &str) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        m.hash(&mut h);
        self.distinct.insert(h.finish());
        let shape = shape(body);
        self.shapes.entry(shape).or_insert((0, m.to_string())).0 += 1;
    }

    fn print(&self, what: &str, seconds: f64, report: Option<&Path>) -> bool {
        println!(
            "{what}: {} executions in {seconds:.1} s ({:.0}/s): {} accepted, {} refused",
            self.execs,
            self.execs as f64 / seconds.max(1e-9),
            self.accepted,
            self.refused
        );
        println!(
            "  crashes {}, hangs {}, messages over one line {}, refusals naming no file, option or key {}, slow cases (> {} ms) {}",
            self.crashes.len(),
            self.hangs.len(),
            self.multiline.len(),
            self.unnamed.len(),
            SLOW.as_millis(),
            self.slow.len()
        );
        println!(
            "  distinct messages {}, distinct kinds of message (numbers and quoted text masked) {}",
            self.distinct.len(),
            self.shapes.len()
        );
        for (name, list) in [
            ("crash", &self.crashes),
            ("hang", &self.hangs),
            ("multi-line", &self.multiline),
            ("unnamed", &self.unnamed),
        ] {
            for c in list.iter().take(5) {
                println!("  {name}: {c}");
            }
        }
        let mut slow = self.slow.clone();
        slow.sort();
        for (ms, c) in slow.iter().rev().take(3) {
            println!("  slow ({ms} ms): {c}");
        }
        if let Some(path) = report {
            let mut shapes: Vec<_> = self.shapes.iter().collect();
            shapes.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
            let text: String = shapes
                .iter()
                .map(|(s, (n, ex))| format!("{n}\t{s}\n\texample: {ex}\n"))
                .collect();
            std::fs::write(path, text).expect("report");
            println!("  message shapes written to {}", path.display());
        }
        !(self.crashes.is_empty()
            && self.hangs.is_empty()
            && self.multiline.is_empty()
            && self.unnamed.is_empty())
    }
}

/// A message with what it echoes masked: numbers, quoted and backticked
/// text, lists and tables (a value shown after "found" in any form).
fn shape(m: &str) -> String {
    let mut out = String::new();
    let mut chars = m.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '"' | '\'' => {
                out.push('…');
                for d in chars.by_ref() {
                    if d == c {
                        break;
                    }
                }
            }
            '[' | '{' => {
                out.push('…');
                let mut depth = 1;
                for d in chars.by_ref() {
                    match d {
                        '[' | '{' => depth += 1,
                        ']' | '}' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            '0'..='9' | '-' if out.ends_with([' ', '(', '=']) || out.is_empty() => {
                out.push('#');
                while chars.peek().is_some_and(|d| {
                    d.is_ascii_alphanumeric() || matches!(d, '.' | '-' | '+' | ':')
                }) {
                    chars.next();
                }
            }
            '0'..='9' => {
                out.push('#');
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.')
                {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    // "found nan (a number)", "found inf", "found -1": one kind each way.
    for word in ["nan", "inf", "true", "false"] {
        out = out.replace(&format!("found {word}"), "found #");
    }
    out
}

/// Escape a case for a one-line report.
fn show(case: &str) -> String {
    let s = format!("{case:?}");
    if s.chars().count() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}

// ---------------------------------------------------------------- mutations

const TOKENS: &[&str] = &[
    "\n",
    "\t",
    "\r",
    "\0",
    "\u{1b}[31m",
    "\u{2028}",
    "\u{85}",
    "é",
    "😀",
    "\u{feff}",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    "#",
    ".",
    ",",
    "[[x]]",
    "[run]",
    "[shocks.x]",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "9223372036854775808",
    "-9223372036854775809",
    "0x7fffffffffffffff",
    "0b1",
    "1_000",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "true",
    "\"\"\"",
    "'''",
    "\\u0000",
    "\\",
    "extends",
    " = ",
    "x.y.z",
    "\"a\nb\"",
];

fn pick<'a, T>(r: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[r.random_range(0..items.len())]
}

/// A random string: words, control characters, odd Unicode, or very long.
fn random_string(r: &mut ChaCha8Rng) -> String {
    match r.random_range(0..8) {
        0 => pick(r, &scenario::SECTOR_NAMES).to_string(),
        1 => format!("R{:02}", r.random_range(0..120)),
        2 => pick(
            r,
            &[
                "energy_price",
                "demand",
                "remove_hub",
                "sector_closure",
                "meteor",
            ],
        )
        .to_string(),
        3 => pick(r, &["independent", "national_group", "foreign", ""]).to_string(),
        4 => "x".repeat(r.random_range(1000..20_000)),
        5 => (0..r.random_range(1..20))
            .map(|_| char::from_u32(r.random_range(0..0x3000)).unwrap_or('?'))
            .collect(),
        6 => format!("a{}b", pick(r, TOKENS)),
        _ => "word".into(),
    }
}

/// A random TOML value as text, often wrong for the parameter `p`.
fn random_value(r: &mut ChaCha8Rng, p: Option<&scenario::params::ParamRow>) -> String {
    let num = |n: &serde_json::Number| n.as_f64().unwrap_or(0.0);
    let (lo, hi) = p
        .and_then(|p| Some((num(p.min.as_ref()?), num(p.max.as_ref()?))))
        .unwrap_or((0.0, 1.0));
    let int = p.is_some_and(|p| p.default.is_integer());
    let number = |x: f64| {
        if int {
            format!("{}", x.round() as i64)
        } else {
            format!("{x:?}")
        }
    };
    match r.random_range(0..22) {
        0..=3 => number(lo + r.random::<f64>() * (hi - lo)),
        4 => number(hi + 1.0 + r.random::<f64>() * hi.abs()),
        5 => number(lo - 1.0 - r.random::<f64>() * lo.abs()),
        6 => pick(
            r,
            &[
                "nan",
                "inf",
                "-inf",
                "1e308",
                "-1e308",
                "5e-324",
                "-0.0",
                "0",
                "9223372036854775807",
                "-9223372036854775808",
                "1e19",
                "0.5",
            ],
        )
        .to_string(),
        7 => format!("{:?}", random_string(r)),
        8 => pick(r, &["true", "false"]).to_string(),
        9 => "1979-05-27".into(),
        10 => "[]".into(),
        11 => {
            let n = r.random_range(1..12);
            let items: Vec<String> = (0..n).map(|_| random_value(r, p)).collect();
            format!("[{}]", items.join(", "))
        }
        12 => {
            let d = r.random_range(1..200);
            format!("{}1{}", "[".repeat(d), "]".repeat(d))
        }
        13 => format!("{{ a = {} }}", random_value(r, None)),
        14 => format!("{}", r.random_range(1700..2300)),
        15 => format!("[{}]", r.random_range(1700..2300)),
        16 => format!("{}", r.random::<i64>()),
        17 => format!(
            "{:?}",
            r.random::<f64>() * 10f64.powi(r.random_range(-300..300))
        ),
        18 => p
            .map(|p| p.default.to_string())
            .unwrap_or_else(|| "1".into()),
        19 => format!("{:?}", random_string(r)),
        20 => format!("[{:?}, {:?}]", random_string(r), random_string(r)),
        _ => random_string(r),
    }
}

/// Parameters that rules across keys read (prefixes).
const RULE_KEYS: &[&str] = &[
    "run.start_year",
    "run.end_year",
    "regimes.",
    "population.",
    "firms.max_initial_size",
    "firms.large_",
    "firms.sme_",
    "institutions.cluster_",
    "territory.regions",
    "shocks.",
    "declared_firms.",
    "output.firm_snapshot_years",
    "governance.",
    "sectors.",
];

/// A valid-looking value for `p`: a number within its range, a year, a
/// sector, region, kind or ownership name, a list of such.
fn in_range(r: &mut ChaCha8Rng, p: &scenario::params::ParamRow) -> String {
    let num = |n: &Option<serde_json::Number>| n.as_ref().and_then(|n| n.as_f64());
    match &p.default {
        toml::Value::Integer(_) => {
            let (lo, hi) = (num(&p.min).unwrap_or(0.0), num(&p.max).unwrap_or(100.0));
            let (lo, hi) = (lo.max(-1e6), hi.min(1e6).max(lo.max(-1e6)));
            if p.unit == "year" {
                format!("{}", r.random_range(1900..2100))
            } else {
                format!("{}", r.random_range(lo as i64..=hi as i64))
            }
        }
        toml::Value::Float(_) => {
            let (lo, hi) = (num(&p.min).unwrap_or(0.0), num(&p.max).unwrap_or(1.0));
            format!("{:?}", lo + r.random::<f64>() * (hi - lo))
        }
        toml::Value::Boolean(_) => pick(r, &["true", "false"]).to_string(),
        toml::Value::Array(_) if p.path.ends_with("firm_snapshot_years") => {
            format!(
                "[{}, {}]",
                r.random_range(1900..2100),
                r.random_range(1900..2100)
            )
        }
        toml::Value::Array(_) if p.path.ends_with("complements") => {
            format!("[{:?}]", pick(r, &scenario::SECTOR_NAMES))
        }
        toml::Value::Array(_) => {
            let items: Vec<String> = (0..r.random_range(6..10))
                .map(|_| format!("{:?}", r.random::<f64>()))
                .collect();
            format!("[{}]", items.join(", "))
        }
        _ => format!("{:?}", random_string(r)),
    }
}

/// A key: a parameter path, often misspelt or extended.
fn random_key(r: &mut ChaCha8Rng, c: &Corpus) -> (String, Option<usize>) {
    let i = r.random_range(0..c.params.len());
    let mut key = c.params[i]
        .path
        .replace('*', &format!("fuzz{}", r.random_range(0..3)));
    let mut known = Some(i);
    match r.random_range(0..12) {
        0 => {
            let k = r.random_range(0..key.len());
            if key.is_char_boundary(k) {
                key.insert(k, 'x');
            }
            known = None;
        }
        1 => {
            key.push_str(".deeper");
            known = None;
        }
        2 => {
            key = key.replace('.', "..");
            known = None;
        }
        3 => {
            key = format!("{}{key}", pick(r, TOKENS));
            known = None;
        }
        _ => {}
    }
    (key, known)
}

/// A `--set` option.
fn random_set(r: &mut ChaCha8Rng, c: &Corpus) -> String {
    let (key, known) = random_key(r, c);
    let value = random_value(r, known.map(|i| &c.params[i]));
    match r.random_range(0..12) {
        0 => format!("{key}={value}\n[population]\nfirms=5"),
        1 => format!("{key}={value}\nfoo=1"),
        2 => format!("{key}{value}"),
        3 => format!("={value}"),
        4 => format!("{key}={value}{}", pick(r, TOKENS)),
        5 => mutate_bytes(r, &format!("{key}={value}")),
        _ => format!("{key}={value}"),
    }
}

/// Byte-level mutations, kept as text (invalid UTF-8 is the file reader's
/// business, tested apart).
fn mutate_bytes(r: &mut ChaCha8Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..r.random_range(1..4) {
        let n = chars.len();
        match r.random_range(0..6) {
            0 if n > 0 => {
                let i = r.random_range(0..n);
                chars[i] = char::from_u32(r.random_range(0..0x250)).unwrap_or('?');
            }
            1 => {
                let i = r.random_range(0..=n);
                let t: Vec<char> = pick(r, TOKENS).chars().collect();
                chars.splice(i..i, t);
            }
            2 if n > 0 => {
                let i = r.random_range(0..n);
                let j = (i + r.random_range(1..64)).min(n);
                chars.drain(i..j);
            }
            3 if n > 0 => {
                let i = r.random_range(0..n);
                let j = (i + r.random_range(1..256)).min(n);
                let chunk: Vec<char> = chars[i..j].to_vec();
                let k = r.random_range(0..=n);
                chars.splice(k..k, chunk);
            }
            4 => {
                let i = r.random_range(0..=n);
                chars.insert(i, char::from_u32(r.random_range(0..0x20)).unwrap_or('?'));
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Line-level and TOML-aware mutations.
fn mutate_toml(r: &mut ChaCha8Rng, c: &Corpus, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..r.random_range(1..5) {
        let n = lines.len().max(1);
        match r.random_range(0..12) {
            // Replace the value of an assignment.
            0..=3 => {
                let i = r.random_range(0..n);
                if let Some(line) = lines.get_mut(i)
                    && let Some((k, _)) = line.split_once('=')
                {
                    let k = k.trim().to_string();
                    let p = c.params.iter().find(|p| p.path.ends_with(&format!(".{k}")));
                    *line = format!("{k} = {}", random_value(r, p));
                }
            }
            // A new setting of a known (or misspelt) key, in its section.
            4..=6 => {
                let (key, known) = random_key(r, c);
                let value = random_value(r, known.map(|i| &c.params[i]));
                match key.rsplit_once('.') {
                    Some((section, leaf)) if r.random_bool(0.7) => {
                        lines.push(format!("[{section}]"));
                        lines.push(format!("{leaf} = {value}"));
                    }
                    _ => lines.insert(0, format!("{key} = {value}")),
                }
            }
            7 => {
                if !lines.is_empty() {
                    lines.remove(r.random_range(0..lines.len()));
                }
            }
            8 => {
                let i = r.random_range(0..n);
                if let Some(l) = lines.get(i).cloned() {
                    lines.insert(i, l);
                }
            }
            9 => {
                let other = pick(r, &c.scenarios);
                let other: Vec<&str> = other.lines().collect();
                if !other.is_empty() {
                    let l = other[r.random_range(0..other.len())].to_string();
                    lines.insert(r.random_range(0..=lines.len()), l);
                }
            }
            10 => {
                let d = r.random_range(1..150);
                let deep = format!("[{}]", vec!["t"; d].join("."));
                lines.push(deep);
                lines.push("x = 1".into());
            }
            _ => {
                let extends = pick(
                    r,
                    &[
                        "extends = \"/dev/zero\"",
                        "extends = \"\"",
                        "extends = \"/\"",
                        "extends = 3",
                        "extends = \"nowhere.toml\"",
                        "extends = [\"default.toml\"]",
                    ],
                );
                lines.insert(0, extends.to_string());
            }
        }
    }
    lines.join("\n") + "\n"
}

/// The value as a TOML item (a string if it does not parse as a value).
fn item(text: &str) -> toml_edit::Item {
    toml_edit::Item::Value(
        text.parse::<toml_edit::Value>()
            .unwrap_or_else(|_| toml_edit::Value::from(text)),
    )
}

/// Set `path` in a document, making tables on the way (a value on the way
/// is replaced by a table).
fn set_path(t: &mut toml_edit::Table, path: &[&str], value: toml_edit::Item) {
    match path {
        [] => {}
        [last] => {
            t.insert(last, value);
        }
        [head, rest @ ..] => {
            let child = t
                .entry(head)
                .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
            if !child.is_table() {
                *child = toml_edit::Item::Table(toml_edit::Table::new());
            }
            if let Some(c) = child.as_table_mut() {
                set_path(c, rest, value);
            }
        }
    }
}

/// The dotted paths of a document's values and tables.
fn paths(t: &toml_edit::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, item) in t.iter() {
        let p = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        out.push(p.clone());
        if let Some(child) = item.as_table() {
            paths(child, &p, out);
        }
    }
}

fn remove_path(t: &mut toml_edit::Table, path: &[&str]) -> Option<toml_edit::Item> {
    match path {
        [] => None,
        [last] => t.remove(last),
        [head, rest @ ..] => t
            .get_mut(head)?
            .as_table_mut()
            .and_then(|c| remove_path(c, rest)),
    }
}

/// TOML-aware mutations: values set at known (or misspelt) keys, keys
/// removed or renamed, tables replaced by values. `None` if `text` is not
/// TOML.
fn mutate_doc(r: &mut ChaCha8Rng, c: &Corpus, text: &str, rules_only: bool) -> Option<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().ok()?;
    for _ in 0..r.random_range(1..5) {
        let mut existing = Vec::new();
        paths(doc.as_table(), "", &mut existing);
        let which = if rules_only {
            10
        } else {
            r.random_range(0..12)
        };
        match which {
            // A key that rules across keys read, mostly within its range:
            // reaches those rules.
            10 | 11 => {
                let rules: Vec<usize> = (0..c.params.len())
                    .filter(|&i| RULE_KEYS.iter().any(|k| c.params[i].path.starts_with(k)))
                    .collect();
                let i = *pick(r, &rules);
                let p = &c.params[i];
                let key = p
                    .path
                    .replace('*', &format!("fuzz{}", r.random_range(0..3)));
                let value = if r.random_bool(0.8) {
                    in_range(r, p)
                } else {
                    random_value(r, Some(p))
                };
                set_path(
                    doc.as_table_mut(),
                    &key.split('.').collect::<Vec<_>>(),
                    item(&value),
                );
            }
            0..=6 => {
                let (key, known) = random_key(r, c);
                let value = random_value(r, known.map(|i| &c.params[i]));
                set_path(
                    doc.as_table_mut(),
                    &key.split('.').collect::<Vec<_>>(),
                    item(&value),
                );
            }
            7 if !existing.is_empty() => {
                let p = pick(r, &existing).clone();
                remove_path(doc.as_table_mut(), &p.split('.').collect::<Vec<_>>());
            }
            8 if !existing.is_empty() => {
                let p = pick(r, &existing).clone();
                let segments: Vec<&str> = p.split('.').collect();
                if let Some(old) = remove_path(doc.as_table_mut(), &segments) {
                    let mut renamed: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
                    if let Some(last) = renamed.last_mut() {
                        let suffix: &&str = pick(r, &["x", "_", "é", "\n", " "]);
                        last.push_str(suffix);
                    }
                    let renamed: Vec<&str> = renamed.iter().map(String::as_str).collect();
                    set_path(doc.as_table_mut(), &renamed, old);
                }
            }
            _ if !existing.is_empty() => {
                let p = pick(r, &existing).clone();
                let value = random_value(r, None);
                set_path(
                    doc.as_table_mut(),
                    &p.split('.').collect::<Vec<_>>(),
                    item(&value),
                );
            }
            _ => {}
        }
    }
    Some(doc.to_string())
}

/// One mutated scenario text.
fn mutant(r: &mut ChaCha8Rng, c: &Corpus) -> String {
    let mut seed = pick(r, &c.scenarios).clone();
    if r.random_bool(0.95) {
        // Most cases are resolved as text, where `extends` is refused.
        seed = seed
            .lines()
            .filter(|l| !l.starts_with("extends"))
            .collect::<Vec<_>>()
            .join("\n");
    }
    match r.random_range(0..15) {
        // Plausible values of the keys that rules across keys read.
        12..=14 => mutate_doc(r, c, &seed, true).unwrap_or(seed),
        0..=5 => mutate_doc(r, c, &seed, false).unwrap_or(seed),
        6 => mutate_toml(r, c, &seed),
        7 => mutate_bytes(r, &seed),
        8 => {
            let t = mutate_doc(r, c, &seed, false).unwrap_or(seed);
            mutate_bytes(r, &t)
        }
        _ => {
            // A short scenario of random settings: reaches the rules across keys.
            let mut t = String::new();
            for _ in 0..r.random_range(1..6) {
                t = mutate_doc(r, c, &t, false).unwrap_or(t);
            }
            t
        }
    }
}

// -------------------------------------------------------------- the oracle

/// Check a refusal: one line, naming the origin, and a key unless the
/// whole file is at fault.
fn judge(stats: &mut Stats, case: &str, e: &proxima::Error) {
    stats.refused += 1;
    let m = e.to_string();
    let body = match e {
        proxima::Error::Scenario { message, .. } | proxima::Error::ScenarioFile { message, .. } => {
            message.clone()
        }
        other => other.to_string(),
    };
    stats.message(&m, &body);
    if m.lines().count() != 1 || m.chars().any(|c| c.is_control()) {
        stats
            .multiline
            .push(format!("{} -> {}", show(case), show(&m)));
        return;
    }
    let named = match e {
        proxima::Error::Scenario { origin, key, .. } => !origin.is_empty() && !key.is_empty(),
        proxima::Error::ScenarioFile { origin, message } => {
            // Problems of the file or option as a whole.
            !origin.is_empty()
                && [
                    "invalid TOML",
                    "is ",
                    "cannot read",
                    "expected KEY=VALUE",
                    "no key before",
                    "`",
                ]
                .iter()
                .any(|p| message.starts_with(p))
        }
        proxima::Error::Io { .. } | proxima::Error::Output { .. } => true,
        _ => false,
    };
    if !named {
        stats
            .unnamed
            .push(format!("{} -> {}", show(case), show(&m)));
    }
}

thread_local! {
    static PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Run one case, catching panics and timing it.
fn run_case(
    stats: &mut Stats,
    case: &str,
    clock: &AtomicU64,
    started: Instant,
    f: impl FnOnce() -> proxima::Result<()>,
) {
    stats.execs += 1;
    clock.store(started.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
    let t = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(f));
    clock.store(0, Ordering::Relaxed);
    let took = t.elapsed();
    if took > SLOW {
        stats.slow.push((took.as_millis(), show(case)));
    }
    if took > HANG {
        stats.hangs.push(show(case));
    }
    match result {
        Ok(Ok(())) => stats.accepted += 1,
        Ok(Err(e)) => judge(stats, case, &e),
        Err(_) => {
            let why = PANIC.with(|p| p.borrow().clone());
            stats.crashes.push(format!("{} -> {why}", show(case)));
        }
    }
}

fn library_campaign(
    c: &Corpus,
    execs: u64,
    threads: u64,
    seed: u64,
    report: Option<&Path>,
) -> bool {
    std::panic::set_hook(Box::new(|info| {
        PANIC.with(|p| *p.borrow_mut() = info.to_string().replace('\n', " "));
    }));
    let started = Instant::now();
    let threads = threads.max(1);
    // Each worker's clock: when its current case started (0: idle).
    let clocks: Arc<Vec<AtomicU64>> = Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
    let current: Arc<Vec<Mutex<String>>> =
        Arc::new((0..threads).map(|_| Mutex::new(String::new())).collect());
    let done = Arc::new(AtomicBool::new(false));
    {
        // The watchdog: a case running past HANG is reported and stops all.
        let (clocks, current, done) = (clocks.clone(), current.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = started.elapsed().as_millis() as u64;
                for (i, c) in clocks.iter().enumerate() {
                    let t = c.load(Ordering::Relaxed);
                    if t > 0 && now.saturating_sub(t) > HANG.as_millis() as u64 {
                        let case = current[i].lock().map(|c| c.clone()).unwrap_or_default();
                        println!("HANG (over {} s): {}", HANG.as_secs(), show(&case));
                        std::process::exit(1);
                    }
                }
            }
        });
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let per = execs.div_ceil(threads);
    let stats = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let (clocks, current, dir) = (clocks.clone(), current.clone(), dir.path());
                std::thread::Builder::new()
                    .stack_size(8 << 20)
                    .spawn_scoped(s, move || {
                        let mut r = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(1000) + w);
                        let mut stats = Stats::default();
                        let folder = dir.join(format!("w{w}"));
                        std::fs::create_dir_all(&folder).expect("folder");
                        for i in 0..per {
                            one_case(
                                &mut r,
                                c,
                                &mut stats,
                                &clocks[w as usize],
                                &current[w as usize],
                                started,
                                &folder,
                                i,
                            );
                        }
                        stats
                    })
                    .expect("worker")
            })
            .collect();
        let mut all = Stats::default();
        for h in handles {
            all.merge(h.join().expect("worker"));
        }
        all
    });
    done.store(true, Ordering::Relaxed);
    stats.print("library", started.elapsed().as_secs_f64(), report)
}

#[allow(clippy::too_many_arguments)]
fn one_case(
    r: &mut ChaCha8Rng,
    c: &Corpus,
    stats: &mut Stats,
    clock: &AtomicU64,
    current: &Mutex<String>,
    started: Instant,
    folder: &Path,
    i: u64,
) {
    let remember = |case: &str| {
        if let Ok(mut cur) = current.lock() {
            cur.clear();
            cur.push_str(case);
        }
    };
    match i % 100 {
        // A scenario text with overrides, resolved in process.
        0..=69 => {
            let text = mutant(r, c);
            let sets: Vec<String> = (0..r.random_range(0..3))
                .map(|_| random_set(r, c))
                .collect();
            let case = format!("{text}\n--set {}", sets.join(" --set "));
            remember(&case);
            run_case(stats, &case, clock, started, || resolve_with(&text, &sets));
        }
        // Overrides of a shipped scenario.
        70..=94 => {
            let text = pick(r, &c.scenarios)
                .lines()
                .filter(|l| !l.starts_with("extends"))
                .collect::<Vec<_>>()
                .join("\n");
            let sets: Vec<String> = (0..r.random_range(1..4))
                .map(|_| random_set(r, c))
                .collect();
            let case = format!("--set {}", sets.join(" --set "));
            remember(&case);
            run_case(stats, &case, clock, started, || resolve_with(&text, &sets));
        }
        // A file with an `extends` chain, read from disk.
        95..=97 => {
            let parent = mutant(r, c);
            let child = format!("extends = \"parent.toml\"\n{}", mutant(r, c));
            let p = folder.join("parent.toml");
            let f = folder.join("child.toml");
            let write = std::fs::write(&p, &parent).and_then(|_| std::fs::write(&f, &child));
            write.expect("write case");
            let case = format!("{child}\n--- parent:\n{parent}");
            remember(&case);
            run_case(stats, &case, clock, started, || {
                scenario::load(&f, &[]).map(|_| ())
            });
        }
        // A plan.
        _ => {
            let plan = pick(r, &c.plans).clone();
            let text = if r.random_bool(0.5) {
                mutate_toml(r, c, &plan)
            } else {
                mutate_bytes(r, &plan)
            };
            let f = folder.join(format!("plan{}.toml", r.random_range(0..3)));
            std::fs::write(&f, &text).expect("write case");
            remember(&text);
            run_case(stats, &text, clock, started, || {
                proxima::sweep::Plan::load(&f).map(|_| ())
            });
        }
    }
}

// ---------------------------------------------------------- the binary

/// Random command lines.
fn random_args(r: &mut ChaCha8Rng, c: &Corpus, dir: &Path) -> Vec<String> {
    let file = dir.join("s.toml").display().to_string();
    let plan = dir.join("p.toml").display().to_string();
    let sub = *pick(
        r,
        &[
            "run", "validate", "params", "sweep", "merge", "rnu", "", "--help",
        ],
    );
    let mut args: Vec<String> = if sub.is_empty() {
        vec![]
    } else {
        vec![sub.into()]
    };
    match sub {
        "run" | "validate" => args.push(file),
        "sweep" => args.push(plan),
        "merge" => args.push(dir.join("m").display().to_string()),
        _ => {}
    }
    for _ in 0..r.random_range(0..5) {
        let flag = *pick(
            r,
            &[
                "--seed",
                "--threads",
                "--jobs",
                "--shard",
                "--set",
                "--out",
                "--format",
                "--force",
                "--quiet",
                "--dry-run",
                "--resume",
                "--timings",
                "--bogus",
                "-x",
                "--",
                "--version",
            ],
        );
        args.push(flag.into());
        if r.random_bool(0.8) {
            let v = match r.random_range(0..8) {
                0 => format!("{}", r.random_range(-5i64..5)),
                1 => pick(r, &["-1/3", "0/0", "4/4", "1/2", "slurm", "x/y", ""]).to_string(),
                2 => random_set(r, c),
                3 => pick(r, &["json", "csv", "markdown", "xml"]).to_string(),
                4 => "18446744073709551616".into(),
                5 => random_string(r),
                6 => dir.join("o").display().to_string(),
                _ => format!("{}", r.random::<u64>()),
            };
            args.push(v);
        }
    }
    args
}

fn binary_campaign(c: &Corpus, bin: &Path, n: u64, seed: u64, report: Option<&Path>) -> bool {
    assert!(
        bin.exists(),
        "{}: build it first (cargo build --release)",
        bin.display()
    );
    let started = Instant::now();
    let mut r = ChaCha8Rng::seed_from_u64(seed ^ 0xB1);
    let mut stats = Stats::default();
    let dir = tempfile::tempdir().expect("temporary folder");
    for i in 0..n {
        let case_dir = dir.path().join(format!("c{}", i % 4));
        let _ = std::fs::remove_dir_all(&case_dir);
        std::fs::create_dir_all(&case_dir).expect("folder");
        std::fs::write(case_dir.join("s.toml"), mutant(&mut r, c)).expect("write");
        let plan = pick(&mut r, &c.plans).clone();
        let plan = mutate_toml(&mut r, c, &plan);
        std::fs::write(case_dir.join("p.toml"), plan).expect("write");
        let s = case_dir.join("s.toml").display().to_string();
        let p = case_dir.join("p.toml").display().to_string();
        let out = case_dir.join("o").display().to_string();
        let args: Vec<String> = match i % 4 {
            0 => {
                let mut a = vec!["validate".to_string(), s];
                for _ in 0..r.random_range(0..3) {
                    a.push("--set".into());
                    a.push(random_set(&mut r, c));
                }
                a
            }
            1 => vec!["sweep".into(), p, "--dry-run".into(), "--out".into(), out],
            _ => random_args(&mut r, c, &case_dir),
        };
        // A command line cannot hold NUL bytes.
        let args: Vec<String> = args.into_iter().map(|a| a.replace('\0', "0")).collect();
        // A command that would really simulate is skipped: this campaign is
        // about refusals.
        let simulates = matches!(args.first().map(String::as_str), Some("run" | "sweep"))
            && !args
                .iter()
                .any(|a| a == "--dry-run" || a == "--help" || a == "--version")
            && (args[0] == "sweep" || proxima::scenario::load(Path::new(&args[1]), &[]).is_ok());
        if simulates {
            continue;
        }
        stats.execs += 1;
        let case = show(&args.join(" "));
        let mut child = Command::new(bin)
            .args(&args)
            .current_dir(&case_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn proxima");
        let t = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break Some(s);
            }
            if t.elapsed() > HANG {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        if t.elapsed() > SLOW {
            stats.slow.push((t.elapsed().as_millis(), case.clone()));
        }
        match status.and_then(|s| s.code()) {
            None => stats.hangs.push(format!("{case} (killed or signalled)")),
            Some(0) => stats.accepted += 1,
            Some(2) => {
                stats.refused += 1;
                let line = err.trim_end_matches('\n');
                // The binary's line: "error: ORIGIN: [KEY: ]MESSAGE".
                let body = line.rsplit(": ").next().unwrap_or(line);
                stats.message(line, body);
                if line.contains('\n') || !line.starts_with("error: ") {
                    stats.multiline.push(format!("{case} -> {}", show(&err)));
                }
            }
            Some(code) => stats
                .crashes
                .push(format!("{case} -> exit {code}: {}", show(&err))),
        }
        if err.contains("panicked") {
            stats.crashes.push(format!("{case} -> {}", show(&err)));
        }
    }
    stats.print("binary", started.elapsed().as_secs_f64(), report)
}

/// Resolve a scenario text with `--set` overrides, in process.
fn resolve_with(text: &str, sets: &[String]) -> proxima::Result<()> {
    let o: Vec<Override> = sets
        .iter()
        .map(|s| scenario::parse_override(s))
        .collect::<proxima::Result<_>>()?;
    scenario::resolve_str("fuzz.toml", text, &o).map(|_| ())
}
