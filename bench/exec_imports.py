#!/usr/bin/env python3
"""What `pysbx exec` adds to a program that imports a third-party package.

Usage: python3 bench/exec_imports.py [PYSBX] [ROUNDS] [MODULE]

Runs `import MODULE` (default `requests`, which must be importable by `python3`) bare and under
`pysbx exec` with a policy allowing one network destination (so that the gate leaves network
code in place), ROUNDS times in turn (default 15): with an empty gate cache (every module is
analysed, as on a first run) and with a warm one (a later run of the same program). Prints the
median and minimum wall time and the median CPU time in milliseconds.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

PYSBX = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/pysbx")
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 15
MODULE = sys.argv[3] if len(sys.argv) > 3 else "requests"
PY = os.path.realpath(
    subprocess.run(
        ["python3", "-c", "import sys; print(sys.executable)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
)
if subprocess.run([PY, "-c", f"import {MODULE}"], capture_output=True).returncode != 0:
    sys.exit(f"{MODULE} cannot be imported by {PY}: install it first")


def timed(cmd, cwd, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   cwd=cwd, env=env)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as caches:
    os.chmod(work, 0o755)
    with open(os.path.join(work, "main.py"), "w") as f:
        f.write(f"import {MODULE}\n")
    with open(os.path.join(work, "net.yaml"), "w") as f:
        f.write('net:\n  allow: ["127.0.0.1:9"]\n')
    cmd = [PYSBX, "exec", "--no-config", "--python", PY, "--policy", "net.yaml", "main.py"]
    warm = dict(os.environ, XDG_CACHE_HOME=os.path.join(caches, "warm"))
    timed(cmd, work, warm)  # fills the warm cache
    results = {"python -I main.py": [], "pysbx exec, empty gate cache": [],
               "pysbx exec, warm gate cache": []}
    for i in range(ROUNDS):
        cold = dict(os.environ, XDG_CACHE_HOME=os.path.join(caches, f"cold{i}"))
        results["python -I main.py"].append(timed([PY, "-I", "main.py"], work))
        results["pysbx exec, empty gate cache"].append(timed(cmd, work, cold))
        results["pysbx exec, warm gate cache"].append(timed(cmd, work, warm))

print(f"import {MODULE}; interpreter {PY}; {ROUNDS} rounds; load {os.getloadavg()[0]:.2f}")
print("| command | median ms | min ms | median CPU ms |")
print("|---|---|---|---|")
for name, runs in results.items():
    walls = [w for w, _ in runs]
    cpus = [c for _, c in runs]
    print(f"| {name} | {statistics.median(walls):.0f} | {min(walls):.0f} | "
          f"{statistics.median(cpus):.0f} |")
