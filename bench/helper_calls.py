#!/usr/bin/env python3
"""bench/helper_calls.py PYSBX [CALLS] [ITEMS]

Times `pysbx scan` of a generated file that calls one long helper of its own with constant
arguments many times: `def h(x): return [x + 0, x + 1, ...]` (ITEMS items, default 6,000) and
CALLS calls `h(n)` (default 300). Each call of a helper whose body is one `return` is folded by
reading that expression again; the reading is charged its length against the file's folding
budget, so the scan stays linear in the file's size however many calls there are. Prints the
wall time of the scan, the file's size and the number of findings.
"""
import sys

from scan_timing import scan_generated


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pysbx = sys.argv[1]
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    items = int(sys.argv[3]) if len(sys.argv) > 3 else 6000
    def write(f):
        f.write("def h(x):\n    return [" + ", ".join(f"x + {i}" for i in range(items)) + "]\n")
        for n in range(calls):
            f.write(f"v{n} = h({n})\n")

    size, wall, findings, status = scan_generated(pysbx, "helpers.py", write)
    print(f"{calls} calls of a {items}-item helper ({size} bytes): {wall:.2f} s, "
          f"{findings} findings (exit {status})")


if __name__ == "__main__":
    main()
