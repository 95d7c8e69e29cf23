#!/usr/bin/env python3
"""bench/exec_forged_output.py PYSBX [FRAMES]

pysbx's own peak memory while a sandboxed program writes FRAMES forged value frames of
64 MiB each (a JSON array) straight onto the guard's pipe, past `pysbx_io.output`'s 32 MiB
check: the supervisor must hold the last one only. Prints pysbx's peak resident set (its
VmHWM, sampled until it exits) and the run's exit code and time.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

PROGRAM = r'''
import json, os, struct, sys
frames = int(sys.argv[1])
blob = b"[" + b"0," * ((64 * 1024 * 1024 - 2) // 2 - 1) + b"0]"
head = json.dumps({"t": "output", "blob": len(blob)}).encode()
for _ in range(frames):
    os.write(253, struct.pack(">I", len(head)) + head)
    view = memoryview(blob)
    while view:
        view = view[os.write(253, view):]
print("sent", frames)
'''


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pysbx, frames = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 12
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "forged.py")
        with open(script, "w") as f:
            f.write(PROGRAM)
        started = time.monotonic()
        proc = subprocess.Popen([pysbx, "exec", "--no-cache", script, "--", str(frames)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            hwm = vm_hwm_kib(proc.pid)
            if hwm is not None:
                peak = max(peak, hwm)
            time.sleep(0.02)
        took = time.monotonic() - started
    print(json.dumps({"frames": frames, "pysbx_peak_mib": round(peak / 1024, 1),
                      "exit": proc.returncode, "seconds": round(took, 2)}))


if __name__ == "__main__":
    main()
