#!/usr/bin/env bash
# Makes (or reuses) the tests' Python venv in target/pyenv with the pinned
# packages of python/requirements-test.txt, and prints the path of its
# python. A venv whose requirements changed is rebuilt. Needs python3 with
# the venv module and access to PyPI (or a pip cache).
set -euo pipefail
cd "$(dirname "$0")/.."
req=python/requirements-test.txt
venv=target/pyenv
stamp="$venv/.requirements"
mkdir -p target
exec 9>target/pyenv.lock
flock 9   # tests in parallel wait for one build of the venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$stamp"; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
    cp "$req" "$stamp"
fi
echo "$PWD/$venv/bin/python"
