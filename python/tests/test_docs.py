"""docs/PYTHON.md stays true: its Python blocks run, in order, in one
namespace, from a folder that holds the repository's scenarios/ and
tests/ (so relative paths work as in a checkout)."""

import os
import re


def test_python_md_code_runs(root, tmp_path, monkeypatch):
    text = (root / "docs/PYTHON.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 6
    for name in ["scenarios", "tests"]:
        os.symlink(root / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"docs/PYTHON.md block {i + 1}", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"docs/PYTHON.md block {i + 1} failed: {e!r}\n{code}") from e
