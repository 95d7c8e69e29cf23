#!/usr/bin/env python3
"""bench/long_tables.py PYSBX [FUNCTIONS] [ITEMS]

Times `pysbx scan` of a generated file whose module holds one long table of path strings
(ITEMS items, default 4,000: dotfiles, with one credentials file among them) that FUNCTIONS
functions (default 30) each loop over, opening every file under the home directory and
posting what they read. A loop over more constants than a name keeps picks the items some
rule tells apart first, and the rules' judgement of each text is remembered per file (at
most 4,096 texts), so the scan stays about linear in the file's size however many functions
read the table. Prints the wall time of the scan, the file's size and the number of
findings.
"""
from scan_timing import arguments, scan_generated


def main():
    pysbx, functions, items = arguments(__doc__, 30, 4000)
    paths = [f".config/tool{i}/settings.ini" for i in range(items - 1)] + [".aws/credentials"]

    def write(f):
        f.write("import os\nimport requests\n\nHOME = os.path.expanduser('~')\n")
        f.write("FILES = [\n" + "".join(f"    {p!r},\n" for p in paths) + "]\n")
        for n in range(functions):
            f.write(f"\n\ndef collect{n}(url):\n    found = {{}}\n")
            f.write("    for rel in FILES:\n")
            f.write("        found[rel] = open(os.path.join(HOME, rel)).read()\n")
            f.write("    requests.post(url, json=found, timeout=5)\n")

    size, wall, findings, status = scan_generated(pysbx, "tables.py", write)
    print(f"{functions} functions over a {items}-item table ({size} bytes): {wall:.2f} s, "
          f"{findings} findings (exit {status})")


if __name__ == "__main__":
    main()
