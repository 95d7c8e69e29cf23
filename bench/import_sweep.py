#!/usr/bin/env python3
"""Imports every top-level package of an interpreter's site-packages under `pysbx exec`.

    python3 bench/import_sweep.py PYSBX [PYTHON] [--policy FILE]

Lists the packages PYTHON (default: this interpreter) imports on its own, then runs
`import NAME` for each under `pysbx exec` (default policy unless --policy is given) and prints
one line per package: OK, or FAIL with the last violation line. Ends with the counts and the
causes of failure grouped. A package whose import needs a capability the policy refuses
(ctypes, network at import) fails by design; the others are benign programs that should run.
"""
import collections
import os
import pkgutil
import subprocess
import sys
import tempfile


def main() -> int:
    args = sys.argv[1:]
    policy = []
    if "--policy" in args:
        at = args.index("--policy")
        policy = ["--policy", args[at + 1]]
        del args[at:at + 2]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    pysbx = args[0]
    python = args[1] if len(args) > 1 else sys.executable
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip()
    names = sorted({m.name for m in pkgutil.iter_modules([site]) if not m.name.startswith("_")})
    importable = [n for n in names
                  if subprocess.run([python, "-c", f"import {n}"], capture_output=True,
                                    timeout=120).returncode == 0]
    causes = collections.Counter()
    ok = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in importable:
            script = os.path.join(tmp, f"import_{name}.py")
            with open(script, "w") as f:
                f.write(f"import {name}\nprint('IMPORTED')\n")
            run = subprocess.run([pysbx, "exec", *policy, "--python", python, script],
                                 capture_output=True, text=True, timeout=300)
            if "IMPORTED" in run.stdout.splitlines():
                ok += 1
                print(f"{name} OK")
                continue
            lines = [l for l in run.stderr.splitlines() if "policy violation" in l or "Error" in l]
            cause = lines[-1][:200] if lines else f"exit {run.returncode}"
            causes[cause.split(": ", 1)[-1]] += 1
            print(f"{name} FAIL {cause}")
    print(f"\n{ok} of {len(importable)} importable packages import under pysbx exec")
    for cause, count in causes.most_common():
        print(f"{count:4}  {cause}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
