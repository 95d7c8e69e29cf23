#!/usr/bin/env python3
"""bench/helper_calls.py PYSBX [CALLS] [ITEMS]

Times `pysbx scan` of a generated file that calls one long helper of its own with constant
arguments many times: `def h(x): return [x + 0, x + 1, ...]` (ITEMS items, default 6,000) and
CALLS calls `h(n)` (default 300). Each call of a helper whose body is one `return` is folded by
reading that expression again; the reading is charged its length against the file's folding
budget, so the scan stays linear in the file's size however many calls there are. Prints the
wall time of the scan, the file's size and the number of findings.
"""
from scan_timing import arguments, scan_generated


def main():
    pysbx, calls, items = arguments(__doc__, 300, 6000)

    def write(f):
        f.write("def h(x):\n    return [" + ", ".join(f"x + {i}" for i in range(items)) + "]\n")
        for n in range(calls):
            f.write(f"v{n} = h({n})\n")

    size, wall, findings, status = scan_generated(pysbx, "helpers.py", write)
    print(f"{calls} calls of a {items}-item helper ({size} bytes): {wall:.2f} s, "
          f"{findings} findings (exit {status})")


if __name__ == "__main__":
    main()
