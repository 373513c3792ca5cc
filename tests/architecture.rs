//! The crate's files form layers and import each other only downwards
//! (docs/ARCHITECTURE.md). This test reads every file of `src/`, builds the
//! graph of which module imports which — from `use` declarations and from
//! `crate::…`, `super::…` and `self::…` paths in the code (`proxima::…` in
//! the binary) — and fails when
//!
//! * modules import each other in a circle (it names the circle);
//! * a file imports a higher layer, or a mechanism imports another
//!   mechanism;
//! * a file lies in no layer (a new folder must be placed in [`LAYERS`]
//!   and in docs/ARCHITECTURE.md).
//!
//! Comments and string literals are skipped: a doc link imports nothing.
//! A folder's `mod.rs` may use the files of its folder (it is their face),
//! and the crate root only declares and re-exports: those edges are left
//! out. A unit test module counts as part of its file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of the library and the binary's folder, with its
/// layer and rank: a file may import its own layer (mechanisms excepted)
/// and the layers of lower rank.
const LAYERS: &[(&str, &str, u8)] = &[
    ("error", "helpers", 0),
    ("util", "helpers", 0),
    ("scenario", "input", 1),
    ("state", "state", 2),
    ("mechanisms", "mechanisms", 3),
    ("statistics", "statistics", 4),
    ("schedule", "schedule", 5),
    ("output", "application", 6),
    ("sweep", "application", 6),
    ("compare", "application", 6),
    ("memory", "application", 6),
    ("plot", "application", 6),
    ("sensitivity", "application", 6),
    ("calibrate", "application", 6),
    ("cli", "binary", 7),
];

/// The layer of a module (by its first segment), if it has one.
fn layer(module: &str) -> Option<(&'static str, u8)> {
    let first = module.split("::").next().unwrap_or_default();
    LAYERS
        .iter()
        .find(|(name, _, _)| *name == first)
        .map(|&(_, layer, rank)| (layer, rank))
}

/// One file of the crate as a module.
struct File {
    /// Module path (`state::model`); the library root is `""`.
    module: String,
    /// Text with comments and string literals blanked out.
    code: String,
    /// Whether it belongs to the binary (whose `crate` is the binary's root).
    binary: bool,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary's root file, from Cargo.toml (`[[bin]] path`), else `src/main.rs`.
fn binary_root(root: &Path) -> PathBuf {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin
            && let Some(rest) = line.strip_prefix("path")
            && let Some(value) = rest.trim_start().strip_prefix('=')
        {
            return root.join(value.trim().trim_matches('"'));
        }
    }
    root.join("src/main.rs")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every file of `src/` as a module. The binary's root is the module
/// named after its folder (`cli`), or `main` if it lies in `src/` itself.
fn files(root: &Path) -> Vec<File> {
    let src = root.join("src");
    let bin_root = binary_root(root);
    let bin_dir = bin_root.parent().unwrap().to_path_buf();
    let bin_folder = (bin_dir != src).then(|| bin_dir.clone());
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&src).unwrap();
            let mut parts: Vec<String> = rel
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            let last = parts.pop().unwrap();
            let binary = p == bin_root || bin_folder.as_ref().is_some_and(|d| p.starts_with(d));
            match last.as_str() {
                "lib.rs" if parts.is_empty() => {}
                "mod.rs" => {}
                "main.rs" if p == bin_root => {
                    if parts.is_empty() {
                        parts.push("main".into());
                    }
                }
                _ => parts.push(last.trim_end_matches(".rs").to_string()),
            }
            File {
                module: parts.join("::"),
                code: strip(&std::fs::read_to_string(&p).unwrap()),
                binary,
            }
        })
        .collect()
}

/// The text with comments, string and character literals replaced by
/// spaces (newlines kept).
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && ident(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if !prev_ident && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            // Raw string: r"…", r#"…"#, br"…".
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &c[i..j.min(c.len())] {
                blank(&mut out, ch);
            }
            i = j;
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            let j = (j + 1).min(c.len());
            for &ch in &c[i..j] {
                blank(&mut out, ch);
            }
            i = j;
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{…}'), not a lifetime.
            let end = if c.get(i + 1) == Some(&'\\') {
                (i + 3..c.len()).find(|&j| c[j] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for &ch in &c[i..=e] {
                        blank(&mut out, ch);
                    }
                    i = e + 1;
                }
                None => {
                    out.push(c[i]);
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// A token of stripped code: an identifier, `::`, or one other character.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path,
    Punct(char),
}

fn tokens(code: &str) -> Vec<Tok> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(Tok::Path);
            i += 2;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                i += 1;
            }
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// Expand the use tree starting at `toks[*i]` (after `use`) into paths,
/// each prefixed with `prefix`; stops after the tree.
fn use_tree(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(name)) => {
                path.push(name.clone());
                *i += 1;
                match toks.get(*i) {
                    Some(Tok::Path) => *i += 1,
                    Some(Tok::Ident(kw)) if kw == "as" => {
                        *i += 2;
                        out.push(path);
                        return;
                    }
                    _ => {
                        out.push(path);
                        return;
                    }
                }
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                out.push(path);
                return;
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    match toks.get(*i) {
                        Some(Tok::Punct('}')) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Punct(',')) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, &path, out),
                    }
                }
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// What a file names: each path with the module it appears in (the file's
/// module, or an inline module inside it such as `tests`).
fn references(file: &File) -> Vec<(Vec<String>, Vec<String>)> {
    let toks = tokens(&file.code);
    let base: Vec<String> = if file.module.is_empty() {
        Vec::new()
    } else {
        file.module.split("::").map(String::from).collect()
    };
    let mut out = Vec::new();
    // Inline modules open at a brace depth.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let here = |inline: &[(String, usize)]| {
        let mut m = base.clone();
        m.extend(inline.iter().map(|(n, _)| n.clone()));
        m
    };
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(kw)
                if kw == "mod"
                    && matches!(toks.get(i + 1), Some(Tok::Ident(_)))
                    && toks.get(i + 2) == Some(&Tok::Punct('{')) =>
            {
                if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                    depth += 1;
                    inline.push((name.clone(), depth));
                }
                i += 3;
            }
            Tok::Ident(kw) if kw == "use" && (i == 0 || toks[i - 1] != Tok::Path) => {
                i += 1;
                if toks.get(i) == Some(&Tok::Path) {
                    i += 1;
                }
                let mut paths = Vec::new();
                use_tree(&toks, &mut i, &[], &mut paths);
                let m = here(&inline);
                out.extend(paths.into_iter().map(|p| (m.clone(), p)));
            }
            Tok::Ident(first)
                if (first == "crate"
                    || first == "super"
                    || first == "self"
                    || (file.binary && first == "proxima"))
                    && toks.get(i + 1) == Some(&Tok::Path)
                    && (i == 0 || toks[i - 1] != Tok::Path) =>
            {
                let mut path = vec![first.clone()];
                i += 1;
                while toks.get(i) == Some(&Tok::Path) {
                    match toks.get(i + 1) {
                        Some(Tok::Ident(seg)) => {
                            path.push(seg.clone());
                            i += 2;
                        }
                        _ => break,
                    }
                }
                out.push((here(&inline), path));
            }
            _ => i += 1,
        }
    }
    out
}

/// The crate graph: module → modules it imports.
struct Graph {
    files: Vec<String>,
    binary: BTreeSet<String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn graph(root: &Path) -> Graph {
    let files = files(root);
    let modules: BTreeSet<String> = files.iter().map(|f| f.module.clone()).collect();
    let binary: BTreeSet<String> = files
        .iter()
        .filter(|f| f.binary)
        .map(|f| f.module.clone())
        .collect();
    let bin_root = files
        .iter()
        .filter(|f| f.binary)
        .map(|f| f.module.clone())
        .min_by_key(|m| m.len())
        .unwrap_or_default();
    // Names the library root re-exports (`pub use a::b::{X, Y}`), to the
    // module that defines them.
    let mut reexports: BTreeMap<String, String> = BTreeMap::new();
    if let Some(lib) = files.iter().find(|f| f.module.is_empty()) {
        for (_, path) in references(lib) {
            if let Some(target) = deepest(&modules, &path[..path.len() - 1], false) {
                reexports.insert(path[path.len() - 1].clone(), target);
            }
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        edges.entry(f.module.clone()).or_default();
        if f.module.is_empty() {
            continue; // the crate root declares and re-exports
        }
        for (here, path) in references(f) {
            let Some(absolute) = absolute(&here, &path, f.binary, &bin_root, &modules) else {
                continue;
            };
            // `crate::X` for a name the root re-exports: the module defining it.
            let target = deepest(&modules, &absolute, false)
                .or_else(|| absolute.first().and_then(|x| reexports.get(x).cloned()));
            let Some(target) = target.filter(|t| !t.is_empty() && *t != f.module) else {
                continue;
            };
            // A folder's mod.rs using its own files.
            let own_part = target.starts_with(&format!("{}::", f.module));
            if !own_part {
                edges.entry(f.module.clone()).or_default().insert(target);
            }
        }
    }
    Graph {
        files: files.iter().map(|f| f.module.clone()).collect(),
        binary,
        edges,
    }
}

/// The absolute module path a path names, from module `here`; `None` for
/// paths into other crates.
fn absolute(
    here: &[String],
    path: &[String],
    binary: bool,
    bin_root: &str,
    modules: &BTreeSet<String>,
) -> Option<Vec<String>> {
    let mut out: Vec<String>;
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            out = if binary {
                bin_root.split("::").map(String::from).collect()
            } else {
                Vec::new()
            };
            rest = &path[1..];
        }
        Some("proxima") if binary => {
            out = Vec::new();
            rest = &path[1..];
        }
        Some("self") => {
            out = here.to_vec();
            rest = &path[1..];
        }
        Some("super") => {
            out = here.to_vec();
            while rest.first().is_some_and(|s| s == "super") {
                out.pop();
                rest = &rest[1..];
            }
        }
        Some(first) => {
            // A bare name in `use`: a child module of this file, or another crate.
            let mut child = here.to_vec();
            child.push(first.to_string());
            let file = deepest(modules, here, true).unwrap_or_default();
            let mut as_child: Vec<String> = if file.is_empty() {
                Vec::new()
            } else {
                file.split("::").map(String::from).collect()
            };
            as_child.push(first.to_string());
            if modules.contains(&as_child.join("::")) {
                out = as_child;
                out.pop();
            } else {
                return None;
            }
        }
        None => return None,
    }
    out.extend(rest.iter().cloned());
    Some(out)
}

/// The longest prefix of `path` that is a file's module (with `allow_root`,
/// the root when no other is).
fn deepest(modules: &BTreeSet<String>, path: &[String], allow_root: bool) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].join("::"))
        .find(|m| modules.contains(m))
        .or_else(|| allow_root.then(String::new))
}

/// Circles of the graph: one per strongly connected component of more
/// than one module, as the modules of a shortest circle through its
/// first module.
fn circles(g: &Graph) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iteratively simple enough for a few hundred nodes.
    struct State<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        components: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(targets) = s.g.edges.get(v) {
            for w in targets {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            s.components.push(component);
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in g.edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    let mut out = Vec::new();
    for component in s.components.iter().filter(|c| c.len() > 1) {
        let members: BTreeSet<&str> = component.iter().copied().collect();
        let start = *members.iter().next().unwrap();
        // Breadth-first within the component back to `start`.
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut end = None;
        while let Some(v) = queue.pop_front() {
            for w in &g.edges[v] {
                let w = w.as_str();
                if !members.contains(w) {
                    continue;
                }
                if w == start {
                    end = Some(v);
                    queue.clear();
                    break;
                }
                if !parent.contains_key(w) {
                    parent.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut circle = vec![start.to_string()];
        let mut v = end.unwrap_or(start);
        let mut back = Vec::new();
        while v != start {
            back.push(v.to_string());
            v = parent[v];
        }
        back.reverse();
        circle.extend(back);
        circle.push(start.to_string());
        let others = members.len() - (circle.len() - 1);
        let mut line = circle.join(" → ");
        if others > 0 {
            let all: Vec<&str> = members.iter().map(|m| show_ref(m)).collect();
            line.push_str(&format!(
                "; the same knot holds {} modules: {}",
                members.len(),
                all.join(", ")
            ));
        }
        out.push(vec![line]);
    }
    out
}

fn show_ref(module: &str) -> &str {
    if module.is_empty() {
        "the crate root"
    } else {
        module
    }
}

fn show(module: &str) -> String {
    if module.is_empty() {
        "the crate root".into()
    } else {
        module.to_string()
    }
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let g = graph(&root());
    let found: Vec<String> = circles(&g).into_iter().flatten().collect();
    assert!(
        found.is_empty(),
        "modules import each other in a circle:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn every_import_points_down() {
    let g = graph(&root());
    let mut wrong = Vec::new();
    for (from, targets) in &g.edges {
        let Some((from_layer, from_rank)) = layer(from) else {
            continue;
        };
        for to in targets {
            let Some((to_layer, to_rank)) = layer(to) else {
                continue;
            };
            if to_rank > from_rank {
                wrong.push(format!(
                    "{} ({from_layer}) imports {} ({to_layer}, a higher layer)",
                    show(from),
                    show(to)
                ));
            } else if from_layer == "mechanisms"
                && to_layer == "mechanisms"
                && from.contains("::")
                && to.contains("::")
            {
                wrong.push(format!(
                    "mechanism {from} imports mechanism {to}: a helper both need belongs in state or util"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports pointing up:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn every_file_lies_in_a_layer() {
    let g = graph(&root());
    let lost: Vec<&String> = g
        .files
        .iter()
        .filter(|m| !m.is_empty() && layer(m).is_none() && !g.binary.contains(*m))
        .collect();
    assert!(
        lost.is_empty(),
        "modules in no layer (place them in LAYERS and docs/ARCHITECTURE.md): {lost:?}"
    );
}

/// The checks see what they should: a use tree, a path in code, an inline
/// test module's `super`, and nothing in comments or strings.
#[test]
fn the_reader_finds_imports_and_skips_comments_and_strings() {
    let file = File {
        module: "mechanisms::x".into(),
        code: strip(
            "//! see `crate::schedule`\n\
             use crate::state::{model::Model, agents::{Firm, NONE}};\n\
             use rand::RngExt;\n\
             fn f() { let s = \"crate::output\"; let c = '{'; crate::util::par::parts(); }\n\
             /* crate::sweep */\n\
             mod tests { use super::*; use crate::statistics::collect; }\n",
        ),
        binary: false,
    };
    let refs: Vec<String> = references(&file)
        .into_iter()
        .map(|(m, p)| format!("{}: {}", m.join("::"), p.join("::")))
        .collect();
    assert_eq!(
        refs,
        [
            "mechanisms::x: crate::state::model::Model",
            "mechanisms::x: crate::state::agents::Firm",
            "mechanisms::x: crate::state::agents::NONE",
            "mechanisms::x: rand::RngExt",
            "mechanisms::x: crate::util::par::parts",
            "mechanisms::x::tests: super",
            "mechanisms::x::tests: crate::statistics::collect",
        ]
    );
}

/// The graph, by layer: `cargo test --test architecture -- --ignored
/// --nocapture` prints which module imports which.
#[test]
#[ignore = "prints the import graph; run it to look"]
fn print_the_graph() {
    let g = graph(&root());
    for (from, targets) in &g.edges {
        let layer = layer(from).map_or("-", |l| l.0);
        let to: Vec<&str> = targets.iter().map(String::as_str).collect();
        println!("{} [{layer}] → {}", show(from), to.join(", "));
    }
}
