#!/usr/bin/env bash
# pgo/check.sh [--target TRIPLE] [PROFILE]: whether the recorded profile (default
# pgo/pysbx.profdata) still names the crates the last release build compiled (for TRIPLE, such
# as x86_64-unknown-linux-musl, the static build the README installs; default the host's).
#
# The profile names a function of a library crate by its code unit, which carries the crate's
# hash (`pysbx_analysis.fecd708e1a2d966f-cgu.0;...`). That hash changes with the crate's
# dependencies and build settings: after such a change (a dependency added to the scanner's
# crate, a new ruff parser), a release build finds none of the crate's functions in the profile
# and drops all of them, without a warning (+10% instructions per scan, see docs/benchmarks.md).
# The hash also changes with the compiler (another rustc build on another machine) and with the
# target: a build with `--target` is named apart from the host's, so pgo/train.sh records both.
# This script compares, for the workspace's crates and ruff's parser crates, the hash the
# profile recorded with the hash in the release build's libraries (the names of their object
# files), and exits 1 naming every crate whose profile is lost.
#
# A change to a function's code without such a change only drops that function's counts; this
# check does not see it (run pgo/train.sh after changes to the scanner's hot paths).
#
# Needs a release build (`cargo build --release`), `ar` (binutils) and llvm-profdata of the
# toolchain's own LLVM (`rustup component add llvm-tools`).
set -euo pipefail
cd "$(dirname "$0")/.."
target_args=()
build_hint="cargo build --release"
if [ "${1:-}" = --target ]; then
  [ -n "${2:-}" ] || { echo "pgo/check.sh: --target needs a target triple" >&2; exit 2; }
  target_args=(--target "$2")
  build_hint="cargo build --release --target $2"
  shift 2
fi
profile="${1:-pgo/pysbx.profdata}"
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
[ -x "$profdata" ] || { echo "pgo/check.sh: llvm-profdata not found at $profdata (rustup component add llvm-tools)" >&2; exit 2; }
[ -f "$profile" ] || { echo "pgo/check.sh: no profile at $profile (pgo/train.sh records one)" >&2; exit 2; }
command -v ar > /dev/null || { echo "pgo/check.sh: ar is needed (apt-get install binutils)" >&2; exit 2; }
# The libraries the release binary is built from, as cargo reports them (building what is not
# built yet): target/release/deps also keeps libraries of earlier builds and of the examples,
# whose hashes differ.
libs=$(cargo build --release --quiet --bin pysbx "${target_args[@]}" --message-format=json 2> /dev/null |
  grep -o '"[^"]*/lib\(pysbx_[a-z]*\|ruff_[a-z_]*\)-[0-9a-f]*\.rlib"' | tr -d '"' | sort -u)
[ -n "$libs" ] || { echo "pgo/check.sh: cargo built no library of the workspace ($build_hint)" >&2; exit 2; }

# crate.hash pairs the profile names, for the crates whose speed matters.
recorded=$("$profdata" show --all-functions "$profile" |
  grep -o '\(pysbx_[a-z]*\|ruff_[a-z_]*\)\.[0-9a-f]\{16\}-cgu' | sed 's/-cgu$//' | sort -u)
if [ -z "$recorded" ]; then
  echo "pgo/check.sh: $profile names none of the workspace's crates" >&2
  exit 1
fi
stale=()
checked=0
# The scan's own crates must be in it at all: a profile without them optimises nothing of the
# engine.
for crate in pysbx_analysis ruff_python_parser; do
  if ! printf '%s\n' "$recorded" | grep -q "^$crate\."; then
    stale+=("$crate (the profile names none of its functions)")
  fi
done
# The binary's own libraries: with --target, those under the target's directory (the host's
# copies there are for build scripts).
if [ ${#target_args[@]} -gt 0 ]; then
  libs=$(printf '%s\n' "$libs" | grep "/${target_args[1]}/release/deps/" || true)
fi
# The profile may name a crate more than once (one hash per target it was recorded for, and a
# crate built twice for a build script and for the binary): one of the build's must be named.
for crate in $(printf '%s\n' "$recorded" | sed 's/\..*//' | sort -u); do
  built=""
  matched=0
  for lib in $(printf '%s\n' "$libs" | grep "/lib$crate-" || true); do
    unit=$(ar t "$lib" | grep -o "$crate\.[0-9a-f]\{16\}" | head -n 1 || true)
    [ -n "$unit" ] || continue
    built="$built ${unit#*.}"
    if printf '%s\n' "$recorded" | grep -qx "$unit"; then
      matched=1
    fi
  done
  [ -n "$built" ] || continue
  checked=$((checked + 1))
  if [ "$matched" -eq 0 ]; then
    hashes=$(printf '%s\n' "$recorded" | grep "^$crate\." | sed 's/^[^.]*\.//' | tr '\n' ' ')
    stale+=("$crate (profile ${hashes% }, build$built)")
  fi
done
if [ "$checked" -eq 0 ]; then
  echo "pgo/check.sh: the release build has none of the profile's crates" >&2
  exit 2
fi
if [ ${#stale[@]} -gt 0 ]; then
  echo "pgo/check.sh: the profile no longer matches these crates of the release build; their functions are built without it:" >&2
  printf '  %s\n' "${stale[@]}" >&2
  echo "record it again: bash pgo/train.sh, then $build_hint" >&2
  exit 1
fi
echo "pgo/check.sh: $profile matches the release build's $checked profiled crates${target_args[1]:+ (${target_args[1]})}"
# A function whose code changed after the profile was recorded loses its counts without any
# sign in the build; its hot blocks may then even be laid out as cold code (see
# docs/benchmarks.md, "the profile recorded again"). Say how many commits changed the engine
# since the profile was committed.
if git rev-parse --git-dir > /dev/null 2>&1; then
  recorded_at=$(git log -1 --format=%H -- "$profile" 2> /dev/null || true)
  if [ -n "$recorded_at" ]; then
    changed=$(git rev-list --count "$recorded_at"..HEAD -- crates/pysbx_analysis/src crates/pysbx_walk/src 2> /dev/null || echo 0)
    if [ "$changed" -gt 0 ]; then
      echo "pgo/check.sh: warning: $changed commit(s) changed the engine since the profile was recorded; their functions lost their counts (bash pgo/train.sh records it again)" >&2
    fi
  fi
fi
