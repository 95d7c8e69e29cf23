#!/usr/bin/env python3
"""Where a `pysbx exec` hello-world run spends its time, from kernel tracepoints.

Usage: python3 bench/exec_phases.py ROUNDS PYSBX [OTHER_PYSBX...]   (as root, needs `perf`)

The builds run in turn, ROUNDS times each, under `perf record -a` with the scheduler's exec,
fork and exit tracepoints and the entry and exit of a few system calls the set-up makes.
For each build it prints the medians of the phases of a run (the supervisor's exec, its fork
of the trampoline, the fork of stage B, stage B's `execveat` of the interpreter, the
interpreter's exit and the supervisor's) and of the durations of those system calls in pysbx's
processes. Unlike bench/exec_overhead.py, which times whole runs and whose batches drift by
several milliseconds, these figures show what one step of the start changed.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

CALLS = ["mkdir", "rmdir", "unshare", "mount", "seccomp", "clone"]
PHASES = [
    ("exec", "fork_a", "supervisor exec -> trampoline fork"),
    ("fork_a", "fork_b", "trampoline fork -> stage B fork"),
    ("fork_b", "execveat", "stage B fork -> interpreter execveat"),
    ("execveat", "py_exit", "interpreter execveat -> interpreter exit"),
    ("py_exit", "exit", "interpreter exit -> supervisor exit"),
]
LINE = re.compile(r"\s*(\S+)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    builds = [os.path.abspath(b) for b in sys.argv[2:]]
    py = os.path.realpath(subprocess.run(
        ["python3", "-c", "import sys; print(sys.executable)"],
        capture_output=True, text=True, check=True).stdout.strip())
    # perf's output goes elsewhere than the program's directory: with it written there during
    # the runs, the interpreter's exit took several milliseconds longer.
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as out:
        hello = os.path.join(tmp, "hello.py")
        with open(hello, "w") as f:
            f.write('print("hello, world")\n')
        os.chmod(tmp, 0o755)
        os.chmod(hello, 0o644)
        runs = " ".join(f"{b} exec --no-config --python {py} {hello} >/dev/null;" for b in builds)
        events = ["sched:sched_process_exec", "sched:sched_process_exit",
                  "sched:sched_process_fork", "syscalls:sys_enter_execveat"]
        for call in CALLS:
            events += [f"syscalls:sys_enter_{call}", f"syscalls:sys_exit_{call}"]
        data = os.path.join(out, "perf.data")
        subprocess.run(["perf", "record", "-q", "-a", "-o", data, "-e", ",".join(events), "--",
                        "bash", "-c", f"for i in $(seq {rounds}); do {runs} done"],
                       check=True, stderr=subprocess.DEVNULL)
        script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,time,event,trace"],
                                capture_output=True, text=True, check=True).stdout
    report(parse(script, builds), builds, rounds)


def parse(script, builds):
    """One record per run: the times of its phases and its system calls' durations."""
    runs, by_pid, entered = [], {}, {}
    for line in script.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        _comm, pid, tid, t, event, rest = m.groups()
        pid, tid, t = int(pid), int(tid), float(t) * 1000
        if event == "sched:sched_process_exec":
            name = re.search(r"filename=(\S+)", rest).group(1)
            if name in builds:
                run = {"build": name, "exec": t, "calls": {}, "pids": {pid}}
                runs.append(run)
                by_pid[pid] = (run, "supervisor")
            continue
        owner = by_pid.get(pid)
        if event == "sched:sched_process_fork" and owner:
            child = int(re.search(r"child_pid=(\d+)", rest).group(1))
            run, role = owner
            if role == "supervisor" and "fork_a" not in run:
                run["fork_a"], run["a_pid"] = t, child
                by_pid[child] = (run, "stage_a")
            elif role == "stage_a":
                by_pid[child] = (run, "stage_a_child")
            continue
        if not owner:
            continue
        run, role = owner
        if event == "syscalls:sys_enter_execveat" and role == "stage_a_child" and "execveat" not in run:
            run["execveat"] = t
            by_pid[pid] = (run, "stage_b")
        elif event == "sched:sched_process_exit" and tid == pid:
            if role == "stage_b" and "py_exit" not in run:
                run["py_exit"] = t
            elif role == "supervisor":
                run["exit"] = t
        elif event.startswith("syscalls:sys_enter_"):
            entered[tid] = t
        elif event.startswith("syscalls:sys_exit_") and tid in entered:
            call = event[len("syscalls:sys_exit_"):]
            run["calls"].setdefault(call, []).append(t - entered.pop(tid))
    # Stage B is the child of stage A that executes the interpreter; its fork time is the
    # fork event that named it, found again here.
    forks = {}
    for line in script.splitlines():
        m = LINE.match(line)
        if m and m.group(5) == "sched:sched_process_fork":
            forks[int(re.search(r"child_pid=(\d+)", m.group(6)).group(1))] = float(m.group(4)) * 1000
    for pid, (run, role) in by_pid.items():
        if role == "stage_b" and pid in forks:
            run["fork_b"] = forks[pid]
    return runs


def report(runs, builds, rounds):
    for build in builds:
        mine = [r for r in runs if r["build"] == build and all(
            k in r for k in ("exec", "fork_a", "fork_b", "execveat", "py_exit", "exit"))]
        print(f"{build}: {len(mine)} of {rounds} runs traced")
        if not mine:
            continue
        for start, end, label in PHASES:
            values = [r[end] - r[start] for r in mine]
            print(f"  {label:<44} median {statistics.median(values):7.3f} ms  min {min(values):7.3f}")
        # pysbx's own share of a run: all of it but the interpreter's, whose time varies by
        # tens of milliseconds from run to run on a busy machine.
        outside = [(r["exit"] - r["exec"]) - (r["py_exit"] - r["execveat"]) for r in mine]
        print(f"  {'outside the interpreter (total - interpreter)':<44} median "
              f"{statistics.median(outside):7.3f} ms  min {min(outside):7.3f}")
        for call in CALLS:
            totals = [sum(r["calls"].get(call, [])) for r in mine]
            singles = [d for r in mine for d in r["calls"].get(call, [])]
            if singles:
                print(f"  {call + '(2)':<44} median {statistics.median(singles):7.3f} ms per call, "
                      f"{statistics.median(totals):7.3f} ms per run")


if __name__ == "__main__":
    main()
