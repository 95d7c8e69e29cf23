#!/usr/bin/env python3
"""The startup overhead of `pysbx exec`: a hello-world run bare and under pysbx.

Usage: python3 bench/exec_overhead.py [PYSBX] [ROUNDS] [OTHER_PYSBX...]

PYSBX defaults to the static musl release build (target/x86_64-unknown-linux-musl/release/pysbx)
when it exists, else target/release/pysbx.

Each command runs in turn (interleaved, so load changes hit every command alike), ROUNDS
times; prints the median and the minimum wall time in milliseconds, and the median CPU time
(user + system of the command and everything it started, including what it leaves exiting
when it returns: this script is a child subreaper and reaps those too, outside the timed wall
time), which other load on the machine does not inflate the way it does wall time.
OTHER_PYSBX binaries (an older build, say) run the same pysbx commands in the same rounds, for
a before/after comparison under equal load.
Each overhead is also given as the median of paired differences (a run against the bare run of
its own round), which a drift in the machine's speed between rounds does not distort, and
the paired wall time is also given against `python -I -c pass`, an interpreter that runs nothing.
One command runs under a policy with one pinned destination (`net.allow`), under which the
network relay runs beside the sandbox. One command runs under a policy granting processes (`process: true`), under which pysbx also
searches the machine's service directories for UNIX sockets and covers each before the program
starts: its difference from the plain `--no-gate` run is what that search and covering cost.

The interpreter is given by its real path: through pyenv's `python3` shim every bare run would
pay for the shim script. When pyenv is in use (`PYENV_ROOT` set, as pyenv's shim sets it for
this script), one pysbx command is given the shim itself, as a plain `pysbx exec` finds it on a
user's PATH (pysbx resolves the shim to the real interpreter).
"""
import ctypes
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

# A command that returned while a process it started was still exiting would have that
# process's CPU (and, for pysbx, the sandboxed program's, which reaches the caller only through
# the trampoline it runs under) counted nowhere. As a child subreaper this script inherits any
# such process, reaps it after the command (outside the timed wall time) and so counts its CPU
# with the command's. pysbx exec itself reaps everything it started before it returns.
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_orphans():
    """Waits for every remaining child: the orphans a command left (they are exiting)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


# By default the static musl build, the one the README installs, when it has been built.
MUSL = "target/x86_64-unknown-linux-musl/release/pysbx"
DEFAULT = MUSL if os.path.exists(MUSL) else "target/release/pysbx"
PYSBX = [os.path.abspath(p) for p in (sys.argv[1:2] or [DEFAULT]) + sys.argv[3:]]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
PY = os.path.realpath(
    subprocess.run(
        ["python3", "-c", "import sys; print(sys.executable)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
)
SHIM = os.path.join(os.environ.get("PYENV_ROOT", "/nonexistent"), "shims", "python3")
SHIM = SHIM if os.path.isfile(SHIM) else None

with tempfile.TemporaryDirectory() as tmp:
    os.chmod(tmp, 0o755)
    hello = os.path.join(tmp, "hello.py")
    with open(hello, "w") as f:
        f.write('print("hello, world")\n')
    os.chmod(hello, 0o644)
    # A policy granting processes, under which the trampoline also searches the machine's
    # service directories for UNIX sockets and covers each (docs/sandbox.md).
    processes = os.path.join(tmp, "processes.yaml")
    with open(processes, "w") as f:
        f.write("process: true\n")
    os.chmod(processes, 0o644)
    # A policy with one pinned destination, under which the network relay runs (its end used
    # to wait out the supervisor loop's 2 s timeout, docs/sandbox.md).
    relayed = os.path.join(tmp, "net.yaml")
    with open(relayed, "w") as f:
        f.write('net:\n  allow: ["127.0.0.1:9"]\n')
    os.chmod(relayed, 0o644)
    cmds = {
        "python -I -c pass": [PY, "-I", "-c", "pass"],
        "python -I hello.py": [PY, "-I", hello],
    }
    for i, binary in enumerate(PYSBX):
        label = "pysbx" if i == 0 else binary
        base = [binary, "exec", "--no-config"]
        cmds[f"{label} exec --no-gate hello.py"] = base + ["--python", PY, "--no-gate", hello]
        cmds[f"{label} exec hello.py"] = base + ["--python", PY, hello]
        cmds[f"{label} exec --no-gate --policy processes.yaml hello.py"] = base + [
            "--python", PY, "--no-gate", "--policy", processes, hello
        ]
        cmds[f"{label} exec --no-gate --policy net.yaml hello.py"] = base + [
            "--python", PY, "--no-gate", "--policy", relayed, hello
        ]
        if SHIM:
            cmds[f"{label} exec --no-gate hello.py (pyenv shim)"] = base + ["--python", SHIM, "--no-gate", hello]
    # One untimed round warms the page cache and pysbx's interpreter and bytecode caches.
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
            reap_orphans()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)

print(f"interpreter: {PY}; {ROUNDS} rounds; load average {os.getloadavg()[0]:.2f}")
print("| command | median ms | min ms | median CPU ms |")
print("|---|---|---|---|")
for name, ts in times.items():
    print(f"| `{name}` | {statistics.median(ts):.1f} | {min(ts):.1f} | {statistics.median(cpu[name]):.1f} |")
bare = min(times["python -I hello.py"])
bare_cpu = statistics.median(cpu["python -I hello.py"])
for name in list(cmds)[2:]:
    # Paired: each round's run against the bare run of the same round, so a drift in the
    # machine's speed between rounds cancels out; the median of those differences.
    paired_wall = statistics.median(a - b for a, b in zip(times[name], times["python -I hello.py"]))
    paired_cpu = statistics.median(a - b for a, b in zip(cpu[name], cpu["python -I hello.py"]))
    # Against an interpreter that runs nothing at all (the baseline the target names), which
    # also charges pysbx with the program's own print and the reading of its file.
    paired_pass = statistics.median(a - b for a, b in zip(times[name], times["python -I -c pass"]))
    print(
        f"overhead of `{name}`: wall {min(times[name]) - bare:.1f} ms (minima), "
        f"CPU {statistics.median(cpu[name]) - bare_cpu:.1f} ms (medians); "
        f"paired medians: wall {paired_wall:.1f} ms, CPU {paired_cpu:.1f} ms; "
        f"paired wall against `-c pass` {paired_pass:.1f} ms"
    )
