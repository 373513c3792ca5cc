"""Mean and 95 % confidence interval over replicates, per year and design
point, of one column of a sweep's timeseries.csv.

    pip install pandas==2.2.3 matplotlib==3.9.2 scipy==1.14.1
    python scripts/plot_sweep.py output/sweep_proximity nonlocal_tie_share

Writes <sweep folder>/<column>.png. The same code is in docs/EXPERIMENTS.md.
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

folder, column = sys.argv[1], sys.argv[2]
ts = pd.read_csv(f"{folder}/timeseries.csv")
design = pd.read_csv(f"{folder}/design.csv", nrows=0)
params = list(design.columns[3:])  # the varied parameters

# Statistics over replicates for each design point and year.
g = ts.groupby(params + ["year"])[column].agg(["mean", "std", "count"]).reset_index()
# Student t interval: with few replicates 1.96 would be far too narrow.
g["half"] = stats.t.ppf(0.975, g["count"] - 1) * g["std"] / np.sqrt(g["count"])

fig, ax = plt.subplots(figsize=(8, 5))
for point, d in g.groupby(params) if params else [((), g)]:
    label = ", ".join(f"{p.split('.')[-1]}={v}" for p, v in zip(params, point))
    ax.plot(d["year"], d["mean"], label=label or "base")
    ax.fill_between(d["year"], d["mean"] - d["half"], d["mean"] + d["half"], alpha=0.2)
ax.set_xlabel("year")
ax.set_ylabel(column)
ax.legend(fontsize="small")
fig.savefig(f"{folder}/{column}.png", dpi=120, bbox_inches="tight")
print(f"wrote {folder}/{column}.png")
