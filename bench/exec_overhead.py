#!/usr/bin/env python3
"""The startup overhead of `pysbx exec`: a hello-world run bare and under pysbx.

Usage: python3 bench/exec_overhead.py [PYSBX] [ROUNDS]

Each command runs in turn (interleaved, so load changes hit every command alike), ROUNDS
times; prints the median and the minimum wall time in milliseconds, and the median CPU time
(user + system of the command and everything it started), which other load on the machine
does not inflate the way it does wall time. The interpreter is given
by its real path: through pyenv's `python3` shim every run would pay for the shim script.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

PYSBX = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/pysbx")
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
PY = os.path.realpath(
    subprocess.run(
        ["python3", "-c", "import sys; print(sys.executable)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
)

with tempfile.TemporaryDirectory() as tmp:
    os.chmod(tmp, 0o755)
    hello = os.path.join(tmp, "hello.py")
    with open(hello, "w") as f:
        f.write('print("hello, world")\n')
    os.chmod(hello, 0o644)
    base = [PYSBX, "exec", "--no-config", "--python", PY]
    cmds = {
        "python -I -c pass": [PY, "-I", "-c", "pass"],
        "python -I hello.py": [PY, "-I", hello],
        "pysbx exec --no-gate hello.py": base + ["--no-gate", hello],
        "pysbx exec hello.py": base + [hello],
    }
    # One untimed round warms the page cache and pysbx's interpreter probe cache.
    for cmd in cmds.values():
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=tmp)
    times = {k: [] for k in cmds}
    cpu = {k: [] for k in cmds}
    for _ in range(ROUNDS):
        for name, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=tmp)
            times[name].append((time.perf_counter() - t) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)

print(f"interpreter: {PY}; {ROUNDS} rounds; load average {os.getloadavg()[0]:.2f}")
print("| command | median ms | min ms | median CPU ms |")
print("|---|---|---|---|")
for name, ts in times.items():
    print(f"| `{name}` | {statistics.median(ts):.1f} | {min(ts):.1f} | {statistics.median(cpu[name]):.1f} |")
bare = min(times["python -I hello.py"])
bare_cpu = statistics.median(cpu["python -I hello.py"])
for name in ("pysbx exec --no-gate hello.py", "pysbx exec hello.py"):
    print(
        f"overhead of `{name}`: wall {min(times[name]) - bare:.1f} ms (minima), "
        f"CPU {statistics.median(cpu[name]) - bare_cpu:.1f} ms (medians)"
    )
