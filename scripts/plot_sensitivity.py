#!/usr/bin/env python3
"""Plots of docs/SENSITIVITY.md from the sensitivity.csv that `proxima
analyse` writes: for a Morris sweep, mu* against sigma per output (the
top parameters named); for a Sobol' sweep, S1 and ST with their 95 %
bootstrap intervals per output. Run it in the tests' venv (pinned
matplotlib and pandas):

    $(bash scripts/pyenv.sh) scripts/plot_sensitivity.py SENSITIVITY_CSV OUT.png [OUTPUT@YEARS ...]

With OUTPUT@YEARS arguments (e.g. ties_per_firm@2005), only those panels.
"""
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

source, target = sys.argv[1], sys.argv[2]
df = pd.read_csv(source, keep_default_na=False, na_values=[""])
df = df[df["parameter"].fillna("") != ""]
df["years"] = df["years"].astype(str)
keys = list(dict.fromkeys(zip(df["output"], df["years"])))
if len(sys.argv) > 3:
    keys = [tuple(a.split("@", 1)) for a in sys.argv[3:]]
cols = 3
rows = math.ceil(len(keys) / cols)
fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.2 * rows), squeeze=False)
method = df["method"].iloc[0]
for ax, (output, years) in zip(axes.flat, keys):
    d = df[(df["output"] == output) & (df["years"] == years)]
    if method == "morris":
        w = d.pivot_table(index="parameter", columns="index", values="value")
        ax.scatter(w["mu_star"], w["sigma"], s=12)
        for name, r in w.sort_values("mu_star", ascending=False).head(5).iterrows():
            short = name.split(".")[-1]
            ax.annotate(short, (r["mu_star"], r["sigma"]), fontsize=7)
        ax.set_xlabel("μ*")
        ax.set_ylabel("σ")
    else:
        d = d[d["parameter2"].fillna("") == ""]
        names = list(dict.fromkeys(d["parameter"]))
        for k, (index, shift) in enumerate([("S1", -0.18), ("ST", 0.18)]):
            e = d[d["index"] == index].set_index("parameter").loc[names]
            x = [i + shift for i in range(len(names))]
            ax.errorbar(
                x,
                e["value"],
                yerr=[e["value"] - e["low"], e["high"] - e["value"]],
                fmt="o",
                label=index,
                capsize=2,
            )
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([n.split(".")[-1] for n in names], rotation=30, fontsize=7)
        ax.axhline(0, color="grey", lw=0.5)
        ax.legend(fontsize=7)
    ax.set_title(f"{output}, {years}", fontsize=9)
for ax in list(axes.flat)[len(keys):]:
    ax.axis("off")
fig.tight_layout()
fig.savefig(target, dpi=110)
