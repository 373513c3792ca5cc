"""Proxima from Python: run scenarios and sweeps of the agent-based
simulator of territorial productive systems, read their outputs as pandas
DataFrames and draw their figures.

    >>> import proxima
    >>> r = proxima.run("scenarios/default.toml", seed=7)
    >>> r.timeseries[["year", "firms", "employment"]].tail()
    >>> r.plot()                      # figures, shown inline in a notebook
    >>> r.save("output/default-7")    # the same files as `proxima run`

Everything runs in the same Rust library as the command line: a run gives
the same files, byte for byte, for the same scenario, seed and overrides.
Errors raise :class:`InputError` (bad scenario, plan, option or folder) or
:class:`RunError`, with the command line's one-line message; Ctrl-C
(KeyboardInterrupt) stops a run between two steps and leaves nothing
behind. See docs/PYTHON.md.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import shutil
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from . import _native
from ._native import InputError, ProximaError, RunError

__version__ = _native.__version__

__all__ = [
    "run",
    "sweep",
    "validate",
    "params",
    "load",
    "Result",
    "Figures",
    "ProximaError",
    "InputError",
    "RunError",
]

PathLike = str | os.PathLike


# ---------------------------------------------------------------- overrides


def _toml(value: Any, key: str) -> str:
    """A Python value as one TOML value (what `--set KEY=VALUE` takes)."""
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v, key) for v in value) + "]"
    raise InputError(
        f"set: {key}: a value of type {type(value).__name__} is not a TOML value; "
        "allowed: bool, int, float, str or a list of them"
    )


def _overrides(set: Mapping[str, Any] | Iterable[str] | None) -> list[str]:
    """`set` as the command line's `KEY=VALUE` strings: a mapping of dotted
    keys to Python values, or `KEY=VALUE` strings as given to `--set`."""
    if set is None:
        return []
    if isinstance(set, Mapping):
        return [f"{k}={_toml(v, k)}" for k, v in set.items()]
    if isinstance(set, str):
        return [set]
    return [str(s) for s in set]


# ---------------------------------------------------------------- progress


class _Bar:
    """A progress bar on stderr (tqdm: a widget in a notebook where
    ipywidgets is installed, text elsewhere), or nothing when quiet."""

    def __init__(self, quiet: bool, unit: str, what: str):
        self.quiet, self.unit, self.what, self.bar = quiet, unit, what, None

    def __call__(self, done: int, total: int, note: str) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=total, unit=self.unit, desc=self.what, file=sys.stderr, leave=False
            )
        self.bar.set_postfix_str(note, refresh=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------- results


class Figures:
    """The figures :meth:`Result.plot` drew: SVG files and an `index.html`
    that shows them. In a notebook they show inline."""

    def __init__(self, report: dict):
        self.folder = Path(report["folder"])
        self.figures = report["figures"]
        self.notes = report["notes"]

    @property
    def files(self) -> list[Path]:
        """The SVG files, in page order."""
        return [self.folder / f["file"] for f in self.figures]

    @property
    def index(self) -> Path:
        """The HTML page that shows them all."""
        return self.folder / "index.html"

    def __iter__(self):
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.figures)

    def __repr__(self) -> str:
        names = ", ".join(f["file"] for f in self.figures)
        return f"<proxima.Figures {self.folder}: {names}>"

    def _repr_html_(self) -> str:
        import html

        parts = []
        for f in self.figures:
            svg = (self.folder / f["file"]).read_text()
            parts.append(
                f"<h3>{html.escape(f['title'])}</h3><div>{svg}</div>"
                f"<p><i>{html.escape(f['caption'])}</i></p>"
            )
        for n in self.notes:
            parts.append(f"<p>Not drawn: {html.escape(n)}</p>")
        return "\n".join(parts)


class Result:
    """A finished run or sweep folder.

    Every CSV file of the folder is a table, read on first use as a pandas
    DataFrame identical in content to the file (`result.timeseries`,
    `result.regions`, `result["firms"]`…; `result.tables` lists them);
    `result.manifest` is `manifest.json` as a dict. A result of
    :func:`run` or :func:`sweep` without `out` lives in a temporary
    folder, removed when the result is garbage-collected: :meth:`save`
    keeps it.
    """

    def __init__(self, folder: PathLike, *, _temporary: PathLike | None = None):
        self.folder = Path(folder)
        self._cache: dict[str, pd.DataFrame] = {}
        self._remove = (
            weakref.finalize(self, shutil.rmtree, str(_temporary), True)
            if _temporary is not None
            else None
        )

    @property
    def tables(self) -> list[str]:
        """Names of the folder's CSV files (without `.csv`), in the order of
        the manifest's `files`, then any others."""
        present = sorted(p.stem for p in self.folder.glob("*.csv"))
        listed = [Path(f).stem for f in self.manifest.get("files", []) if f.endswith(".csv")]
        return [n for n in listed if n in present] + [n for n in present if n not in listed]

    def table(self, name: str) -> pd.DataFrame:
        """The CSV file `name`.csv as a DataFrame (numbers parsed exactly
        as written, text kept as is, empty text as "")."""
        if name not in self._cache:
            path = self.folder / f"{name}.csv"
            if not path.is_file():
                raise KeyError(f"{self.folder}: no table {name!r}; tables: {', '.join(self.tables)}")
            self._cache[name] = pd.read_csv(
                path, float_precision="round_trip", keep_default_na=False, na_values=[]
            )
        return self._cache[name]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.table(name)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        if (self.__dict__["folder"] / f"{name}.csv").is_file():
            return self.table(name)
        raise AttributeError(
            f"{type(self).__name__} has no attribute or table {name!r}; tables: {', '.join(self.tables)}"
        )

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.tables))

    @property
    def manifest(self) -> dict:
        """`manifest.json`: the resolved scenario (or plan) and run metadata."""
        return json.loads((self.folder / "manifest.json").read_text())

    def save(self, folder: PathLike, *, force: bool = False) -> Path:
        """Copy the folder to `folder`, whole or not at all: the same files
        as the command line's. An existing folder is replaced only with
        `force=True` (and only one that Proxima wrote)."""
        return Path(_native.copy_run(str(self.folder), str(folder), force))

    def plot(
        self,
        out: PathLike | None = None,
        *,
        map_column: str | None = None,
        map_year: int | None = None,
        network_year: int | None = None,
        force: bool = False,
    ) -> Figures:
        """Draw the figures of the folder (as `proxima plot`): into
        `out`, or the folder's own `figures/` (replaced on each call).
        A run gets the headline series with the regimes shaded, employment
        by size class and by sector, a map of the regions coloured by
        `map_column` in `map_year`, and the cooperation network of
        `network_year`; a sweep gets each design point's replicate mean
        with a 95 % band."""
        own = out is None
        report = _native.plot(
            str(self.folder),
            str(out) if out is not None else None,
            force or own,
            map_column,
            map_year,
            network_year,
        )
        return Figures(report)

    def __repr__(self) -> str:
        return f"<proxima.Result {self.folder}: {', '.join(self.tables)}>"


def load(folder: PathLike) -> Result:
    """A run or sweep folder written earlier (by Python or the command
    line) as a :class:`Result`."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file():
        raise InputError(f"{folder}: is not a finished run or sweep folder (it has no manifest.json)")
    return Result(folder)


# ---------------------------------------------------------------- commands


def _target(out: PathLike | None, name: str) -> tuple[Path, Path | None]:
    """Where a run goes: `out`, or a new temporary folder (also returned,
    to be removed with the result)."""
    if out is not None:
        return Path(out), None
    temporary = Path(tempfile.mkdtemp(prefix="proxima-"))
    return temporary / name, temporary


def _call(native, temporary: Path | None, bar: _Bar, *args):
    """`native(*args, bar)`, closing the bar, and removing the temporary
    folder if it fails or is interrupted."""
    try:
        return native(*args, bar)
    except BaseException:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        bar.close()


def run(
    scenario: PathLike,
    *,
    seed: int | None = None,
    set: Mapping[str, Any] | Iterable[str] | None = None,
    threads: int | None = None,
    out: PathLike | None = None,
    force: bool = False,
    quiet: bool = False,
) -> Result:
    """Simulate a scenario file, as `proxima run SCENARIO`.

    `seed` overrides `run.seed`; `set` overrides parameters by dotted path,
    as a dict (`{"regimes.clusters.start": 1995}`) or as `--set` strings
    (`["regimes.clusters.start=1995"]`); `threads` defaults to all cores
    (results do not depend on it). Without `out` the run goes to a
    temporary folder (see :meth:`Result.save`). A progress bar shows on
    stderr unless `quiet`.
    """
    overrides = _overrides(set)
    target, temporary = _target(out, Path(scenario).stem or "run")
    summary = _call(
        _native.run, temporary, _Bar(quiet, "step", Path(scenario).stem),
        str(scenario), str(target), overrides, seed, threads, force,
    )
    if not quiet:
        for note in summary["notes"]:
            print(note, file=sys.stderr)
    return Result(target, _temporary=temporary)


def sweep(
    plan: PathLike,
    *,
    out: PathLike | None = None,
    jobs: int | None = None,
    threads: int | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
) -> Result:
    """Run the design of a plan file, as `proxima sweep PLAN`: the result's
    tables are `design`, `timeseries` (long form), `summary` and `runs`.
    Failed runs do not stop the others: they are listed in `runs.csv`
    (status `failed`, with their error) and a warning says how many.
    KeyboardInterrupt stops the sweep; with `out`, `resume=True` finishes
    it later."""
    target, temporary = _target(out, Path(plan).stem or "sweep")
    report = _call(
        _native.sweep, temporary, _Bar(quiet, "run", Path(plan).stem),
        str(plan), str(target), jobs, threads, resume, force,
    )
    if report["failed"]:
        import warnings

        warnings.warn(
            f"{target / 'runs.csv'}: {report['failed']} of {report['runs']} runs failed; "
            "their errors are in the error column",
            RuntimeWarning,
            stacklevel=2,
        )
    return Result(target, _temporary=temporary)


def validate(scenario: PathLike, *, set: Mapping[str, Any] | Iterable[str] | None = None) -> dict:
    """Check a scenario (and overrides) without running it, as `proxima
    validate`: raises :class:`InputError` if it is not valid, else returns
    what it would run (years, seed, firms, citizens, regions, the estimated
    peak memory and what is dated after the run's end)."""
    return _native.validate(str(scenario), _overrides(set))


def params() -> pd.DataFrame:
    """Every parameter, as `proxima params --format json`: `path`,
    `default`, `unit`, `min`, `max` (None for booleans and names) and
    `meaning`. `default`, `min` and `max` hold each parameter's values as
    they are (integers, floats, booleans, names, lists, None)."""
    rows = json.loads(_native.params_json())
    columns = ["path", "default", "unit", "min", "max", "meaning"]
    return pd.DataFrame(
        {
            c: pd.Series([r[c] for r in rows], dtype=object if c in ("default", "min", "max") else None)
            for c in columns
        }
    )
