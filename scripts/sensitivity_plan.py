#!/usr/bin/env python3
"""Writes scenarios/sweep_morris.toml, the Morris screening of
docs/SENSITIVITY.md: every regime lever (one group per lever: its value in
each of the four regimes moves together, each within 0.5x to 1.5x of its
default, inside its allowed range; a regime where the lever is 0 keeps 0)
and the main proximity, cooperation, innovation, institutions, symbiosis
and governance parameters (0.5x to 1.5x of the default, the decay length
on a log scale from 10 to 40 km).

    python3 scripts/sensitivity_plan.py   # needs target/release/proxima

    python3 scripts/sensitivity_plan.py sobol SENSITIVITY_CSV
writes scenarios/sweep_sobol.toml instead: a Sobol' design over the
five groups of the Morris plan with the highest mean of mu* / max mu*
over the headline outputs of SENSITIVITY_CSV (each output's top group
counts 1), with the same ranges and outputs, every point on the same
seed (common random numbers).
"""
import csv
import json
import subprocess
import sys
import tomllib

HEADLINE = [
    ("large_firm_employment_share", "2000"),
    ("sme_employment_share+micro_employment_share", "1995"),
    ("regional_employment_hhi", "1972"),
    ("ties_per_firm", "2005"),
    ("nonlocal_tie_share", "2005"),
    ("innovations/firms", "2000-2009"),
    ("cluster_organisations", "2009"),
    ("waste_reuse_rate", "2025"),
    ("citizen_participation_rate", "2025"),
]

if len(sys.argv) == 3 and sys.argv[1] == "sobol":
    rows = [
        r
        for r in csv.DictReader(open(sys.argv[2]))
        if r["index"] == "mu_star" and (r["output"], r["years"]) in HEADLINE
    ]
    best = {}
    for r in rows:
        key = (r["output"], r["years"])
        best[key] = max(best.get(key, 0.0), float(r["value"]))
    score = {}
    for r in rows:
        top = best[(r["output"], r["years"])]
        share = float(r["value"]) / top if top > 0 else 0.0
        score[r["parameter"]] = score.get(r["parameter"], 0.0) + share / len(best)
    top5 = sorted(score, key=lambda g: -score[g])[:5]
    morris = open("scenarios/sweep_morris.toml").read().splitlines()

    def group(line):
        path = line.split('"')[1]
        return line.split('group = "')[1].split('"')[0] if "group = " in line else path

    vary = [line for line in morris if line.startswith('"') and group(line) in top5]
    out = morris[morris.index("[output]") :]
    head = [
        "# Sobol' indices of the five groups the Morris screening ranks first",
        "# (docs/SENSITIVITY.md), written by scripts/sensitivity_plan.py sobol; run with",
        "#     proxima sweep scenarios/sweep_sobol.toml --jobs 2",
        "# mean mu*/max mu* over the outputs: "
        + ", ".join(f"{g} {score[g]:.2f}" for g in top5),
        'base = "default.toml"',
        "seed = 2122",
        'design = "sobol"',
        "samples = 8",
        'seeds = "common"',
        "",
        "[vary]",
    ]
    open("scenarios/sweep_sobol.toml", "w").write("\n".join(head + vary + [""] + out) + "\n")
    sys.exit(0)

MAIN = [
    "proximity.decay_length_km",
    "proximity.decay_length_growth",
    "proximity.belonging_weight",
    "proximity.similarity_weight",
    "cooperation.network_share",
    "cooperation.max_ties_base",
    "cooperation.tie_decay",
    "cooperation.renewal_rate",
    "cooperation.learning_rate",
    "innovation.knowledge_effect",
    "innovation.knowledge_obsolescence",
    "institutions.cluster_membership_rate",
    "symbiosis.search_rate",
    "symbiosis.transaction_cost",
    "symbiosis.reach_km",
    "symbiosis.trust_discount",
    "governance.budget_per_resident",
    "governance.citizen_influence",
]

params = {
    p["path"]: p
    for p in json.loads(
        subprocess.run(
            ["target/release/proxima", "params", "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
}
default = tomllib.load(open("scenarios/default.toml", "rb"))


def bounds(path, value):
    lo, hi = sorted((0.5 * value, 1.5 * value))
    p = params[path]
    if p["min"] is not None:
        lo = max(lo, float(p["min"]))
    if p["max"] is not None:
        hi = min(hi, float(p["max"]))
    return lo, hi


def value_of(path):
    """The value in default.toml, else the documented default."""
    node = default
    for s in path.split("."):
        node = node.get(s) if isinstance(node, dict) else None
    return node if node is not None else params[path]["default"]


lines = [
    "# Morris screening of default.toml (docs/SENSITIVITY.md), written by",
    "# scripts/sensitivity_plan.py; run with",
    "#     proxima sweep scenarios/sweep_morris.toml --jobs 2",
    "#     proxima analyse output/sweep_morris --columns ... --years ...",
    'base = "default.toml"',
    "seed = 2121",
    'design = "morris"',
    "trajectories = 2",
    "levels = 4",
    "candidates = 30",
    'seeds = "common"',
    "",
    "[vary]",
]
regimes = ["large_firm", "decentralisation", "clusters", "transition"]
levers = [
    p.split(".")[2]
    for p in params
    if p.startswith("regimes.large_firm.") and p != "regimes.large_firm.start"
]
for lever in levers:
    for regime in regimes:
        v = value_of(f"regimes.{regime}.{lever}")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v == 0:
            continue
        lo, hi = bounds(f"regimes.{regime}.{lever}", v)
        lines.append(
            f'"regimes.{regime}.{lever}" = {{ min = {lo!r}, max = {hi!r}, group = "{lever}" }}'
        )
for path in MAIN:
    v = float(value_of(path))
    if path == "proximity.decay_length_km":
        lines.append(f'"{path}" = {{ min = 10.0, max = 40.0, scale = "log" }}')
        continue
    lo, hi = bounds(path, v)
    lines.append(f'"{path}" = {{ min = {lo!r}, max = {hi!r} }}')
lines += [
    "",
    "[output]",
    "columns = [",
    '    "firms", "large_firm_employment_share", "sme_employment_share",',
    '    "micro_employment_share", "regional_employment_hhi", "ties_per_firm",',
    '    "nonlocal_tie_share", "innovations", "cluster_organisations",',
    '    "waste_reuse_rate", "citizen_participation_rate",',
    "]",
    "years = [1972, 1995, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2025]",
]
open("scenarios/sweep_morris.toml", "w").write("\n".join(lines) + "\n")
