"""Shared by the single-file scan benchmarks (helper_calls.py, scope_sweeps.py, long_tables.py)."""
import json
import subprocess
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
