#!/usr/bin/env python3
"""What the guard's checks of frequent events cost under `pysbx exec`.

Usage: python3 bench/exec_events.py ROUNDS PYSBX [OTHER_PYSBX...]

As `exec_codegen.py` (the builds alternate, the time is measured inside the program), for
three workloads the standard library runs on the program's behalf: 20,000 log records
through `logging` (each asks for its caller's frame, `sys._getframe`, and reads frames'
`f_back` and `f_code`), 20,000 `inspect.iscoroutinefunction` calls (each reads a function's
`__code__`) and 5,000 opens and reads of a small file. The figure is their sum.
"""
from exec_codegen import command_line

PROGRAM = r"""
import inspect, logging, os, tempfile, time
logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))
log = logging.getLogger("bench")
def plain(a, b=1):
    return a
fd, small = tempfile.mkstemp()
os.write(fd, b"x" * 100)
os.close(fd)
t0 = time.perf_counter()
for i in range(20000):
    log.info("record %d", i)
for i in range(20000):
    inspect.iscoroutinefunction(plain)
for i in range(5000):
    with open(small) as f:
        f.read()
elapsed = (time.perf_counter() - t0) * 1000
os.remove(small)
print("%.1f" % elapsed)
"""


def main():
    command_line(__doc__, PROGRAM, "events.py")


if __name__ == "__main__":
    main()
