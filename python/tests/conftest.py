"""Shared fixtures: the repository, the command-line binary and small
scenarios."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Run the `proxima` binary (the one `cargo test` built, else
    target/release/proxima) and return the completed process."""
    binary = os.environ.get("PROXIMA_BIN", str(ROOT / "target/release/proxima"))
    if not Path(binary).is_file():
        pytest.skip(f"no proxima binary at {binary}: build it with cargo build --release")

    def run(*args, check=True):
        done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"proxima {' '.join(map(str, args))} failed: {done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def tiny() -> Path:
    return ROOT / "tests/data/tiny.toml"


@pytest.fixture(scope="session")
def small() -> Path:
    return ROOT / "tests/data/small.toml"
