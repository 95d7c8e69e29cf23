#!/usr/bin/env bash
# pgo/train.sh: records pgo/pysbx.profdata, the profile that release builds are optimised with
# (see pgo/rustc-wrapper). Run it after changes to the scanner's hot paths; commit the result.
#
# Builds an instrumented pysbx (about as long as a release build), runs it over a training set
# that has nothing to do with the benchmark corpus (this machine's Python standard library, the
# repository's fixtures and examples: sources any machine with Python has, so the profile is
# recorded the same way everywhere), and merges what it counted. The scan is most of the
# training, as it is most of what users run; `sanitize` and `exec` are trained too, so that
# their code is not treated as never run.
#
# Needs llvm-profdata of the toolchain's own LLVM: `rustup component add llvm-tools`.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  echo "pgo/train.sh: llvm-profdata not found at $profdata; install it with" >&2
  echo "  rustup component add llvm-tools" >&2
  exit 2
fi
stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
work=$(mktemp -d "${TMPDIR:-/tmp}/pysbx-pgo.XXXXXX")
trap 'rm -rf "$work"' EXIT
raw="$work/raw"

# The instrumented builds have a target directory of their own: their artifacts must not mix
# with the optimised ones. PYSBX_PGO=0 keeps the old profile out of them. A build for another
# target names every crate by another hash (pgo/check.sh), so the static musl build the README
# installs is instrumented and trained too when its target is installed, into the same profile.
MUSL=x86_64-unknown-linux-musl
bins=()
PYSBX_PGO=0 RUSTFLAGS="-Cprofile-generate=$raw" \
  cargo build --release --quiet --bin pysbx --target-dir target/pgo-instrumented
bins+=(target/pgo-instrumented/release/pysbx)
if rustup target list --installed 2> /dev/null | grep -qx "$MUSL"; then
  PYSBX_PGO=0 RUSTFLAGS="-Cprofile-generate=$raw" \
    cargo build --release --quiet --bin pysbx --target "$MUSL" --target-dir target/pgo-instrumented
  bins+=("target/pgo-instrumented/$MUSL/release/pysbx")
else
  echo "pgo/train.sh: the $MUSL target is not installed: the static build is left without a profile" >&2
fi

# The standard library without installed packages, as a tree of its own.
mkdir -p "$work/train"
mkdir -p "$work/train/stdlib"
(cd "$stdlib" && find . -name '*.py' -not -path './site-packages/*' -not -path './dist-packages/*' -print0 |
  tar --null -T - -cf -) | tar -xf - -C "$work/train/stdlib"
cp -r fixtures "$work/train/fixtures"
echo "training set: $(find "$work/train" -name '*.py' | wc -l) .py files"

# A training run that fails records nothing of what it was meant to train: stop. Findings make
# scan exit 1, which is expected here; 2 and above are errors.
train() {
  local status=0
  "$@" > /dev/null || status=$?
  if [ "$status" -gt 1 ]; then
    echo "pgo/train.sh: training run failed (exit $status): $*" >&2
    exit 1
  fi
}
for bin in "${bins[@]}"; do
  train "$bin" scan --audit --format json -o "$work/scan.json" --quiet "$work/train"
  train "$bin" scan --audit --format sarif -o "$work/scan.sarif" --quiet "$work/train/fixtures"
  train "$bin" scan --format text --no-cache examples
  rm -rf "$work/sanitized"
  train "$bin" sanitize "$work/train/fixtures" -o "$work/sanitized"
  for _ in 1 2 3; do
    "$bin" exec --no-cache examples/hello.py > /dev/null
  done
done

# Sparse: functions that never ran are left out (a quarter of the size).
"$profdata" merge --sparse -o pgo/pysbx.profdata "$raw"
echo "wrote pgo/pysbx.profdata ($(du -h pgo/pysbx.profdata | cut -f1)); rebuild with: cargo build --release (rustc lists the profile among its inputs, so every optimised crate is rebuilt); then bash pgo/check.sh (and bash pgo/check.sh --target $MUSL)"
