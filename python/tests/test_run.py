"""proxima.run: the files of the command line byte for byte, tables equal
to them, errors with the command line's line, Ctrl-C, the GIL released,
the progress bar."""

import csv
import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import proxima

TIMINGS = {"wall_seconds", "setup_seconds", "phase_seconds", "output_seconds"}


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def same_run(a: Path, b: Path) -> None:
    """Two run folders hold the same files, byte for byte, but for the
    timings of manifest.json."""
    fa, fb = files(a), files(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        if name == "manifest.json":
            import json

            ma, mb = json.loads(fa[name]), json.loads(fb[name])
            for k in TIMINGS:
                ma.pop(k), mb.pop(k)
            assert ma == mb
        else:
            assert fa[name] == fb[name], f"{name} differs between {a} and {b}"


def test_same_bytes_as_the_command_line(cli, small, tmp_path):
    args = ["--seed", "7", "--set", "regimes.clusters.start=1992",
            "--set", "output.firm_snapshot_years=[1990, 2020]", "--threads", "1"]
    cli("run", small, "--out", tmp_path / "cli", "--quiet", *args)
    r = proxima.run(
        str(small),
        seed=7,
        set={"regimes.clusters.start": 1992, "output.firm_snapshot_years": [1990, 2020]},
        threads=1,
        out=tmp_path / "py",
        quiet=True,
    )
    assert r.folder == tmp_path / "py"
    same_run(tmp_path / "cli", tmp_path / "py")
    assert {"timeseries", "regions", "exchanges", "firms", "events", "resilience"} <= set(r.tables)
    # Another thread count, the --set strings, a temporary folder saved: the same files.
    t = proxima.run(
        str(small),
        seed=7,
        set=["regimes.clusters.start=1992", "output.firm_snapshot_years=[1990, 2020]"],
        threads=2,
        quiet=True,
    )
    saved = t.save(tmp_path / "saved")
    manifest = (saved / "manifest.json").read_text().replace('"threads": 2', '"threads": 1')
    (saved / "manifest.json").write_text(manifest)
    same_run(tmp_path / "cli", saved)


def test_tables_hold_the_files_values(tiny, tmp_path):
    r = proxima.run(tiny, seed=3, out=tmp_path / "r", quiet=True,
                    set={"output.firm_snapshot_years": [2000]})
    assert r.tables == [f[:-4] for f in r.manifest["files"] if f.endswith(".csv")]
    for name in r.tables:
        df = r.table(name)
        assert isinstance(df, pd.DataFrame)
        with open(tmp_path / "r" / f"{name}.csv", newline="") as f:
            rows = list(csv.reader(f))
        assert list(df.columns) == rows[0], name
        assert len(df) == len(rows) - 1, name
        for j, column in enumerate(rows[0]):
            for i, row in enumerate(rows[1:]):
                v, cell = df[column].iloc[i], row[j]
                if cell in ("true", "false"):
                    assert bool(v) == (cell == "true"), (name, column, i)
                else:
                    try:
                        x = float(cell)
                    except ValueError:
                        assert v == cell, (name, column, i)
                    else:
                        assert float(v) == x, (name, column, i, v, cell)
    assert r.timeseries is r["timeseries"]
    assert "timeseries" in dir(r)
    with pytest.raises(AttributeError, match="tables: timeseries"):
        r.nothing
    assert r.manifest["seed"] == 3 and r.manifest["program"] == "proxima"


def test_errors_are_the_command_lines_line(cli, tiny, tmp_path):
    cases = [
        (["--set", 'run.end_year="x"'], dict(set={"run.end_year": "x"})),
        (["--set", "regimes.clusters.strat=1990"], dict(set=["regimes.clusters.strat=1990"])),
        (["--seed", str(2**63)], dict(seed=2**63)),
    ]
    for args, kwargs in cases:
        done = cli("run", tiny, "--out", tmp_path / "x", *args, check=False)
        assert done.returncode == 2
        line = done.stderr.strip().removeprefix("error: ")
        with pytest.raises(proxima.InputError) as e:
            proxima.run(tiny, out=tmp_path / "y", quiet=True, **kwargs)
        assert str(e.value) == line
        assert isinstance(e.value, proxima.ProximaError)
    missing = tmp_path / "none.toml"
    done = cli("run", missing, check=False)
    with pytest.raises(proxima.InputError) as e:
        proxima.run(missing, quiet=True)
    assert str(e.value) == done.stderr.strip().removeprefix("error: ")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    # An existing folder is replaced only with force.
    proxima.run(tiny, out=tmp_path / "z", quiet=True)
    with pytest.raises(proxima.InputError, match="already exists"):
        proxima.run(tiny, out=tmp_path / "z", quiet=True)
    proxima.run(tiny, out=tmp_path / "z", quiet=True, force=True)
    with pytest.raises(proxima.InputError, match="not a TOML value"):
        proxima.run(tiny, set={"run.end_year": object()}, quiet=True)


def test_ctrl_c_stops_the_run_and_leaves_nothing(small, tmp_path):
    bigger = {"population.firms": 6000, "population.citizens": 60000}
    started = time.monotonic()
    proxima.run(small, set=bigger, threads=1, quiet=True, out=tmp_path / "whole")
    whole = time.monotonic() - started
    timer = threading.Timer(whole / 4, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        proxima.run(small, set=bigger, threads=1, quiet=True, out=tmp_path / "cut")
    stopped = time.monotonic() - started
    timer.join()
    assert stopped < whole * 0.75, (stopped, whole)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["whole"], "no folder, no partial folder"


def test_the_gil_is_released_while_a_run_goes(small):
    ticks = 0
    done = threading.Event()
    result = {}

    def work():
        result["r"] = proxima.run(small, quiet=True, threads=1)
        done.set()

    thread = threading.Thread(target=work)
    started = time.monotonic()
    thread.start()
    while not done.is_set():
        ticks += 1
        sum(range(2000))  # pure Python work, which needs the GIL
    thread.join()
    elapsed = time.monotonic() - started
    assert "r" in result
    # Holding the GIL through the run would leave this thread a few ticks
    # at most.
    assert ticks > 100 * elapsed, (ticks, elapsed)


def test_progress_bar_and_notes_unless_quiet(cli, tiny, capfd, tmp_path):
    proxima.run(tiny, quiet=True, set={"run.end_year": 1970})
    assert capfd.readouterr().err == ""
    proxima.run(tiny, set={"run.end_year": 1970})
    err = capfd.readouterr().err
    assert "step" in err and "tiny" in err, err
    # The command line's note on what is dated after a short run's end.
    done = cli("run", tiny, "--out", tmp_path / "c", "--set", "run.end_year=1970")
    note = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert note and note[0] in err.splitlines(), (note, err)


def test_validate_and_params(cli, tiny):
    facts = proxima.validate(tiny, set={"run.end_year": 1970})
    assert facts["end_year"] == 1970 and facts["firms"] == 300 and facts["regions"] == 6
    assert facts["peak_memory_bytes"] > 0
    assert {"key": "regimes.clusters.start", "year": 1990} in facts["after_the_run"]
    with pytest.raises(proxima.InputError, match="run.end_year"):
        proxima.validate(tiny, set={"run.end_year": 1800})
    p = proxima.params()
    assert list(p.columns) == ["path", "default", "unit", "min", "max", "meaning"]
    import json

    assert p.to_dict("records") == json.loads(cli("params", "--format", "json").stdout)
    row = p.set_index("path").loc["run.end_year"]
    assert row["default"] == 2025
