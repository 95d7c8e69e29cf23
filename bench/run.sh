#!/usr/bin/env bash
# bench/run.sh [CORPUS_ROOT] [--with-bandit]
#
# Times `pysbx scan` on the reference corpus side by side with the parse floor, ruff's security
# rules and (optionally, ~25 minutes) bandit. Build the corpus first with
# ../shared/bench/setup-corpus.sh (default location: ~/.cache/pysbx-bench).
# Prints one line per tool: wall seconds, CPU seconds (user+sys), peak RSS in MiB.
set -euo pipefail
ROOT="${1:-$HOME/.cache/pysbx-bench}"
WITH_BANDIT="${2:-}"
CORPUS="$ROOT/corpus-large"
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS: run setup-corpus.sh first" >&2; exit 2; }
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin pysbx --example parse_floor
# A profile that no longer names the engine's crates leaves the release build about 10% slower.
bash pgo/check.sh || echo "warning: pgo/check.sh did not confirm that the PGO profile matches this build (see above): figures may not be comparable" >&2
PYSBX=target/release/pysbx
FLOOR=target/release/examples/parse_floor
# A directory of its own: two runs at once (another worktree's) must not overwrite each
# other's timings and outputs.
OUT="$(mktemp -d "${TMPDIR:-/tmp}/pysbx-bench.XXXXXX")"
echo "outputs: $OUT"

measure() {  # measure NAME CMD...
  local name="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || true
  # A command that exits non-zero (pysbx with findings) gets a status line first: take the last.
  read -r wall user sys rss < <(tail -n 1 "$OUT/$name.time")
  printf '%-28s wall %7.2f s   cpu %7.2f s   peak %6.0f MiB\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc)"
}

echo "corpus: $CORPUS ($(find "$CORPUS" -name '*.py' | wc -l) .py files)"
echo "pysbx: $($PYSBX --version)   ruff: $("$ROOT/peer-ruff/bin/ruff" --version)"
# Warm the page cache so every tool reads from memory.
find "$CORPUS" -name '*.py' -print0 | xargs -0 cat > /dev/null
for i in 1 2 3; do
  measure "parse-floor#$i" "$FLOOR" "$CORPUS"
  measure "pysbx-scan#$i" "$PYSBX" scan --audit --format json -o "$OUT/pysbx.json" --quiet "$CORPUS"
  measure "ruff-S#$i" "$ROOT/peer-ruff/bin/ruff" check --isolated --select S --no-cache --exit-zero --output-format json -o "$OUT/ruff.json" "$CORPUS"
done
# The same scan written as SARIF (what CI uploads): its peak memory should stay with the JSON
# scan's, as the results are written one at a time.
measure "pysbx-scan-sarif" "$PYSBX" scan --audit --format sarif -o "$OUT/pysbx.sarif" --quiet "$CORPUS"
if [ "$WITH_BANDIT" = "--with-bandit" ]; then
  measure "bandit" "$ROOT/peer-bandit/bin/bandit" -r -q -f json -o "$OUT/bandit.json" "$CORPUS"
fi
python3 - "$OUT" <<'PY'
import json, sys, collections
out = sys.argv[1]
doc = json.load(open(f"{out}/pysbx.json"))
sev = collections.Counter(f["severity"] for f in doc["findings"])
print("pysbx findings:", len(doc["findings"]), dict(sev), "errors:", len(doc["errors"]))
try:
    ruff = json.load(open(f"{out}/ruff.json"))
    print("ruff S findings:", len(ruff))
except Exception as e:
    print("ruff output unreadable:", e)
PY
