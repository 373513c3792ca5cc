#!/usr/bin/env python3
"""Replace the generated parameter tables of docs/MODEL.md with the output of
`proxima params` (run from the project root; builds the binary if needed)."""
import pathlib
import subprocess

root = pathlib.Path(__file__).resolve().parent.parent
tables = subprocess.run(
    ["cargo", "run", "--quiet", "--release", "--", "params"],
    cwd=root, capture_output=True, text=True, check=True,
).stdout.strip()
doc = root / "docs" / "MODEL.md"
text = doc.read_text()
begin = text.index("<!-- BEGIN PARAMETER TABLES")
begin = text.index("\n", begin) + 1
end = text.index("<!-- END PARAMETER TABLES")
doc.write_text(text[:begin] + tables + "\n" + text[end:])
print(f"updated {doc}")
