#!/usr/bin/env bash
# bench/engine_instructions.sh [CORPUS_ROOT] [BINARY...]
#
# Counts the instructions the analysis engine executes on a fixed sample of the reference
# corpus (every 20th `.py` file in path order: 1,691 files, 31 MB), under valgrind's callgrind.
# Instruction counts do not drift with the machine's load, as CPU seconds do on this shared
# 2-core VM (which has no hardware counters for `perf stat`), so two builds of the engine can
# be compared exactly: build `corpus_dump` before and after a change, copy each binary aside,
# and pass both. With no binary, the current release build is counted.
#
# Prints the total per binary and keeps each callgrind profile (read it with
# `callgrind_annotate --inclusive=yes FILE`) and each findings file in the output directory;
# two builds that write the same findings file find the same things on the sample.
set -euo pipefail
ROOT="${1:-$HOME/.cache/pysbx-bench}"
shift || true
CORPUS="$ROOT/corpus-large"
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS: run setup-corpus.sh first" >&2; exit 2; }
command -v valgrind > /dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
cd "$(dirname "$0")/.."
BINARIES=("$@")
if [ ${#BINARIES[@]} -eq 0 ]; then
  cargo build --release --quiet -p pysbx_analysis --example corpus_dump
  BINARIES=(target/release/examples/corpus_dump)
fi
OUT="$(mktemp -d "${TMPDIR:-/tmp}/pysbx-icount.XXXXXX")"
SAMPLE="$OUT/sample"
echo "outputs: $OUT"
(cd "$CORPUS" && find . -name '*.py' | LC_ALL=C sort | awk 'NR % 20 == 0') | while IFS= read -r f; do
  mkdir -p "$SAMPLE/$(dirname "$f")"
  cp "$CORPUS/$f" "$SAMPLE/$f"
done
echo "sample: $(find "$SAMPLE" -name '*.py' | wc -l) files, $(du -sh "$SAMPLE" | cut -f1)"
i=0
for bin in "${BINARIES[@]}"; do
  i=$((i + 1))
  name="$i-$(basename "$bin")"
  total=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.callgrind" \
    "$bin" "$SAMPLE" "$OUT/$name.findings" 2>&1 | sed -n 's/.*Collected : //p')
  # The digest is taken over paths relative to the sample, so it compares across runs.
  digest=$(sed "s|^$SAMPLE/||" "$OUT/$name.findings" | sha256sum | cut -c1-16)
  printf '%-40s %15s instructions   findings %s\n' "$bin" "$total" "$digest"
done
