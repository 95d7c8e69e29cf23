#!/usr/bin/env python3
"""bench/scope_sweeps.py PYSBX [FUNCTIONS]

Times `pysbx scan` of a generated file where every scope's names are visited at once many
times: FUNCTIONS functions (default 4,000) of 40 locals each, every one calling
`globals().clear()`, which makes the engine mark every name of the module as possibly unbound.
Such a visit once walked the whole file's table of names; it now walks the scope's own.
Prints the wall time of the scan and the number of findings.
"""
from scan_timing import arguments, scan_generated


def main():
    pysbx, functions = arguments(__doc__, 4000)

    def write(f):
        for n in range(functions):
            f.write(f"def f{n}():\n")
            for k in range(40):
                f.write(f"    a{k} = {k}\n")
            f.write("    globals().clear()\n")

    _, wall, findings, status = scan_generated(pysbx, "sweeps.py", write)
    print(f"{functions} functions: {wall:.2f} s, {findings} findings (exit {status})")


if __name__ == "__main__":
    main()
