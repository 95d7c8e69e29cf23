#!/usr/bin/env bash
# bench/roundtrip.sh [CORPUS_ROOT]
#
# The sanitizer's round trip over the reference corpus (build it first with
# ../shared/bench/setup-corpus.sh; default location ~/.cache/pysbx-bench):
#
#   1. `pysbx sanitize corpus-large -o OUT` (timed: wall, CPU, peak RSS), with its JSON report;
#   2. every file that parses before parses after (ruff's parser, through `pysbx scan` of OUT);
#   3. CPython compiles every output file that CPython compiled as input (py_compile);
#   4. sanitizing OUT again changes nothing (`pysbx sanitize --check OUT`).
#
# Prints the figures and exits non-zero if any check fails.
set -euo pipefail
ROOT="${1:-$HOME/.cache/pysbx-bench}"
CORPUS="$ROOT/corpus-large"
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS: run setup-corpus.sh first" >&2; exit 2; }
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin pysbx
PYSBX="$PWD/target/release/pysbx"
WORK="${TMPDIR:-/tmp}/pysbx-roundtrip"
rm -rf "$WORK"
mkdir -p "$WORK"
OUT="$WORK/out"

echo "corpus: $CORPUS ($(find "$CORPUS" -name '*.py' | wc -l) .py files, $(du -sh --apparent-size "$CORPUS" | cut -f1))"
echo "pysbx: $($PYSBX --version)   python: $(python3 --version)"
find "$CORPUS" -name '*.py' -print0 | xargs -0 cat > /dev/null

# 1. Sanitize the whole tree. Files that do not parse are copied through and listed.
/usr/bin/time -f "%e %U %S %M" -o "$WORK/sanitize.time" \
  "$PYSBX" sanitize --audit --keep-unparsable --format json --report "$WORK/report.json" \
  "$CORPUS" -o "$OUT" > "$WORK/sanitize.out" 2> "$WORK/sanitize.err" || true
read -r wall user sys rss < "$WORK/sanitize.time"
printf 'sanitize: wall %.2f s, cpu %.2f s, peak %d MiB\n' "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"

# 2-3. Parse and compile checks, file by file, on both trees.
python3 - "$CORPUS" "$OUT" "$WORK" <<'PY'
import json, os, sys, py_compile, importlib.util, tempfile, warnings

corpus, out, work = sys.argv[1:4]
report = json.load(open(os.path.join(work, "report.json")))
edits = report["findings"]
files_changed = {e.get("path") for e in edits}
print(f"edits: {len(edits)} in {len(files_changed)} files; inputs reported as errors: {len(report['errors'])}")

warnings.simplefilter("ignore")
def compiles(path):
    try:
        source = open(path, "rb").read()
        compile(source, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False

total = compiled_before = compiled_after = 0
broken = []
missing = []
for dirpath, _, names in os.walk(corpus):
    for name in names:
        if not name.endswith(".py"):
            continue
        src = os.path.join(dirpath, name)
        rel = os.path.relpath(src, corpus)
        dst = os.path.join(out, rel)
        total += 1
        if not os.path.exists(dst):
            missing.append(rel)
            continue
        if compiles(src):
            compiled_before += 1
            if compiles(dst):
                compiled_after += 1
            else:
                broken.append(rel)
print(f"files: {total}; CPython compiled {compiled_before} inputs and {compiled_after} of their outputs")
for rel in broken[:20]:
    print("  output does not compile:", rel)
for rel in missing[:20]:
    print("  missing from the output:", rel)
sys.exit(1 if broken or missing else 0)
PY

# py_compile proper (writes bytecode) on every output, as the issue asks.
python3 - "$OUT" <<'PY'
import os, sys, py_compile, tempfile
out = sys.argv[1]
failed = ok = 0
with tempfile.TemporaryDirectory() as cfile_dir:
    for dirpath, _, names in os.walk(out):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                try:
                    py_compile.compile(path, cfile=os.path.join(cfile_dir, "x.pyc"), doraise=True)
                    ok += 1
                except py_compile.PyCompileError:
                    failed += 1
print(f"py_compile: {ok} outputs accepted, {failed} refused (inputs CPython itself refuses stay refused)")
PY

# The scan's view: every file that parsed before parses after.
# Scanned from inside each tree, so both reports name files by the same relative paths.
(cd "$CORPUS" && "$PYSBX" scan --audit --format json -o "$WORK/scan-in.json" --quiet .) || true
(cd "$OUT" && "$PYSBX" scan --audit --format json -o "$WORK/scan-out.json" --quiet .) || true
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
def syntax_errors(name):
    doc = json.load(open(f"{work}/{name}"))
    return {e["path"] for e in doc["errors"] if e.get("kind") == "syntax"}
before, after = syntax_errors("scan-in.json"), syntax_errors("scan-out.json")
print(f"ruff parser: {len(before)} inputs fail to parse; {len(after)} outputs fail to parse")
new = after - before
for p in sorted(new)[:20]:
    print("  parsed before, not after:", p)
sys.exit(1 if new else 0)
PY

# 4. Idempotence over the whole tree.
if "$PYSBX" sanitize --audit --keep-unparsable --check "$OUT" > /dev/null 2>&1; then
  echo "idempotent: sanitizing the output again changes nothing"
else
  echo "NOT idempotent: sanitizing the output again would change files" >&2
  exit 1
fi
