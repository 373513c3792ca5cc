"""proxima.sweep and the figures: the command line's files, and figures
that are valid SVG with real content, drawn by the same code as
`proxima plot`."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import proxima

PLAN = """base = "{base}"
seed = 9
replicates = 2
design = "grid"

[fixed]
"run.end_year" = 1975

[vary]
"regimes.large_firm.aggregate_demand" = [0.9, 1.1]
"""


def svg_content(path: Path) -> tuple[int, set[str]]:
    """Elements and distinct fill and stroke colours of an SVG file (it
    must parse as XML)."""
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    elements = list(root.iter())
    colours = {
        e.get(a) for e in elements for a in ("fill", "stroke") if (e.get(a) or "").startswith("#")
    }
    return len(elements), colours


def test_sweep_same_files_as_the_command_line(cli, tiny, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.format(base=tiny))
    cli("sweep", plan, "--out", tmp_path / "cli", "--quiet", "--jobs", "2")
    s = proxima.sweep(plan, out=tmp_path / "py", jobs=1, threads=1, quiet=True)
    assert s.tables == ["design", "timeseries", "summary", "runs"]
    for name in ["design.csv", "timeseries.csv", "summary.csv", "manifest.json"]:
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "py" / name).read_bytes(), name
    assert list(s.runs.status) == ["ok"] * 4
    assert len(s.design) == 4 and s.manifest["kind"] == "sweep"
    with pytest.raises(proxima.InputError, match="already exists"):
        proxima.sweep(plan, out=tmp_path / "py", quiet=True)
    figures = s.plot()
    assert [f.name for f in figures.files] == ["sweep.svg"]
    count, colours = svg_content(figures.files[0])
    assert count > 100 and len(colours) >= 4


def test_figures_of_a_run(cli, tiny, tmp_path):
    r = proxima.run(tiny, seed=2, quiet=True, set={"output.firm_snapshot_years": [1990, 2010]})
    figures = r.plot()
    names = [f.name for f in figures.files]
    assert names == ["headline.svg", "employment_size.svg", "employment_sector.svg", "map.svg",
                     "network.svg"]
    page = figures.index.read_text()
    for f in figures.files:
        count, colours = svg_content(f)
        assert count > 30, (f.name, count)
        assert len(colours) >= 5, (f.name, colours)
        assert f'<img src="{f.name}"' in page
    html = figures._repr_html_()
    assert html.count("<svg") == len(names)
    # The command line draws the same figures (one implementation).
    cli("plot", r.folder, "--out", tmp_path / "cli", "--quiet")
    for f in figures.files:
        assert f.read_bytes() == (tmp_path / "cli" / f.name).read_bytes(), f.name
    # A chosen column and year; calling again replaces the result's own figures.
    again = r.plot(map_column="ties", map_year=1980)
    assert "ties in 1980" in (again.folder / "map.svg").read_text()
    done = cli("plot", r.folder, "--out", tmp_path / "bad", "--map-column", "nope", check=False)
    with pytest.raises(proxima.InputError) as e:
        r.plot(map_column="nope")
    assert str(e.value) == done.stderr.strip().removeprefix("error: ")
    # Elsewhere, an existing folder only with force.
    r.plot(tmp_path / "mine")
    with pytest.raises(proxima.InputError, match="already exists"):
        r.plot(tmp_path / "mine")
    r.plot(tmp_path / "mine", force=True)


def test_load_a_command_line_folder(cli, tiny, tmp_path):
    cli("run", tiny, "--out", tmp_path / "run", "--quiet")
    r = proxima.load(tmp_path / "run")
    assert len(r.timeseries) == 63
    with pytest.raises(proxima.InputError, match="no manifest.json"):
        proxima.load(tmp_path)


def test_ctrl_c_stops_a_sweep_that_resumes(tiny, tmp_path):
    import os
    import signal
    import threading
    import time

    plan = tmp_path / "plan.toml"
    plan.write_text(
        PLAN.format(base=tiny).replace("[0.9, 1.1]", "[0.8, 0.9, 1.0, 1.1, 1.2, 1.3]")
    )
    started = time.monotonic()
    whole = proxima.sweep(plan, out=tmp_path / "whole", jobs=1, threads=1, quiet=True)
    took = time.monotonic() - started
    timer = threading.Timer(took / 3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        proxima.sweep(plan, out=tmp_path / "cut", jobs=1, threads=1, quiet=True)
    timer.join()
    parts = list((tmp_path / "cut" / "parts").glob("*.csv"))
    assert 0 < len(parts) < 12, "some runs saved, not all"
    done = proxima.sweep(plan, out=tmp_path / "cut", jobs=1, threads=1, quiet=True, resume=True)
    for name in ["design", "timeseries", "summary"]:
        assert (whole.folder / f"{name}.csv").read_bytes() == (done.folder / f"{name}.csv").read_bytes()
