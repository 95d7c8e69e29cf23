"""Shared by the single-file scan benchmarks (helper_calls.py, scope_sweeps.py, long_tables.py)."""
import json
import os
import subprocess
import sys
import tempfile
import time


def timed_scan(pysbx, path):
    """Scans one file with the built-in rules; returns (wall seconds, findings, exit status)."""
    start = time.monotonic()
    out = subprocess.run(
        [pysbx, "scan", "--no-cache", "--format", "json", "--quiet", path],
        capture_output=True, text=True,
    )
    wall = time.monotonic() - start
    findings = len(json.loads(out.stdout)["findings"]) if out.stdout else "?"
    return wall, findings, out.returncode


def scan_generated(pysbx, name, write):
    """Writes a file named `name` in a fresh temporary directory with `write(f)`, scans it;
    returns (size in bytes, wall seconds, findings, exit status)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        with open(path, "w") as f:
            write(f)
        size = os.path.getsize(path)
        return (size, *timed_scan(pysbx, path))


def arguments(doc, *defaults):
    """The command line `PYSBX [N...]`: the binary, then one integer per default given, each
    taken from the line when written there. Without a binary, prints `doc` and exits."""
    if len(sys.argv) < 2:
        sys.exit(doc)
    given = sys.argv[2:]
    numbers = [int(given[i]) if i < len(given) else d for i, d in enumerate(defaults)]
    return (sys.argv[1], *numbers)
