#!/usr/bin/env python3
"""What the standard library's code generators cost under `pysbx exec`.

Usage: python3 bench/exec_codegen.py ROUNDS PYSBX [OTHER_PYSBX...]

Runs one program, ROUNDS times with each build in turn (alternating, so a slow spell of the
machine falls on all of them) and once per round under plain `python3`: it makes 100 classes
with `dataclasses.make_dataclass` (five fields, `order=True`, every other one `frozen=True`)
and 100 with `collections.namedtuple` (five fields), and prints the time that took, measured
inside the program, so the interpreter's start and pysbx's set-up are not in it. Each
generated method's text is checked by the guard (its tree read, its code compared with the
text compiled apart), which is what the figure shows. Runs with `--no-gate`: the gate's cost
is the import's, not the generators'.
"""
import os
import statistics
import subprocess
import sys
import tempfile

PROGRAM = r"""
import collections, dataclasses, time
t0 = time.perf_counter()
for i in range(100):
    fields = [("f%d" % j, int, dataclasses.field(default=j)) for j in range(5)]
    dataclasses.make_dataclass("D%d" % i, fields, order=True, frozen=bool(i % 2))
    collections.namedtuple("N%d" % i, ["f%d" % j for j in range(5)])
print("%.1f" % ((time.perf_counter() - t0) * 1000))
"""


def timed(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit("%s failed: %s" % (" ".join(cmd), out.stderr[-2000:]))
    return float(out.stdout.strip().splitlines()[-1])


def compare(rounds, builds, program, name):
    """Runs `program` (which prints its own time in ms last), ROUNDS times under each build in
    turn and under `python3`, and prints the times."""
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        script = os.path.join(d, name)
        with open(script, "w") as f:
            f.write(program)
        os.chmod(script, 0o644)
        times = {b: [] for b in builds}
        plain = []
        for _ in range(rounds):
            for b in builds:
                times[b].append(timed([b, "exec", "--no-gate", script]))
            plain.append(timed(["python3", script]))
    for b in builds:
        print("%s: %s ms (median %.1f)" % (b, " / ".join("%.0f" % t for t in times[b]),
                                           statistics.median(times[b])))
    print("python3: %s ms (median %.1f)" % (" / ".join("%.0f" % t for t in plain),
                                            statistics.median(plain)))


def command_line(doc, program, name):
    """`ROUNDS PYSBX [OTHER_PYSBX...]` from the command line, for `compare`."""
    if len(sys.argv) < 3:
        sys.exit(doc)
    compare(int(sys.argv[1]), [os.path.abspath(b) for b in sys.argv[2:]], program, name)


def main():
    command_line(__doc__, PROGRAM, "codegen.py")


if __name__ == "__main__":
    main()
