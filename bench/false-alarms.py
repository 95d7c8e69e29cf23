#!/usr/bin/env python3
"""False-alarm figure: high and critical findings per 10,000 lines of trusted code.

Usage:
  bench/false-alarms.py CORPUS --pysbx PYSBX.json [--ruff RUFF.json] [--bandit BANDIT.json]
                        [--sample 50] [--seed 6] [--context 0] [--top 25]

CORPUS is a tree of popular, trusted packages (bench corpus-large). The JSON reports come from:

  pysbx scan --audit --format json -o PYSBX.json --quiet CORPUS
  ruff check --isolated --select S --no-cache --exit-zero --output-format json -o RUFF.json CORPUS
  bandit -r -q -f json -o BANDIT.json CORPUS

Prints: lines of code in the corpus; pysbx high+critical findings per 10k lines, overall and per
rule; the same for ruff's S rules and bandit; then a seeded random sample of pysbx high+critical
findings (file:line, rule, source line) for a reviewer to judge real or false.

Lines of code: every physical line of every .py file that is neither blank nor only a comment
(docstrings count; this is close to bandit's own `loc` metric). Physical lines are printed too.

ruff's S rules carry no severity. Two figures are given: all S findings, and those whose bandit
counterpart (ruff's S<nnn> is bandit's B<nnn>) reports HIGH severity, listed in BANDIT_HIGH below.
S602 and S605 are counted as high only when the command is not a literal (ruff's message then
lacks "seems safe"), as bandit does.

Only the standard library is used.
"""

import argparse
import collections
import json
import os
import random
import sys

# Bandit checks whose findings are (at least sometimes) HIGH severity, from bandit 1.9's plugins
# and blacklists, checked against a bandit run over fixtures/bandit/parity.py. B602/B605 are
# HIGH only for a non-literal command; B103 only for world-writable modes; B505 only for the
# weakest key sizes; B701 only for autoescape=False.
BANDIT_HIGH = {
    "B103", "B201", "B202", "B304", "B312", "B321", "B324", "B401", "B402", "B411", "B412", "B413",
    "B415", "B501", "B502", "B505", "B507", "B602", "B605", "B609", "B613", "B701",
}
RUFF_LITERAL_SAFE = ("S602", "S605")


def count_lines(corpus):
    files = physical = code = 0
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        for name in names:
            if not name.endswith(".py"):
                continue
            files += 1
            try:
                with open(os.path.join(root, name), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for line in data.splitlines():
                physical += 1
                s = line.strip()
                if s and not s.startswith(b"#"):
                    code += 1
    return files, physical, code


def rel(path, corpus):
    path = os.path.normpath(path)
    corpus = os.path.normpath(os.path.abspath(corpus))
    if os.path.isabs(path) and path.startswith(corpus + os.sep):
        return path[len(corpus) + 1:]
    base = os.path.basename(corpus)
    if path.startswith(base + os.sep):
        return path[len(base) + 1:]
    return path


def per10k(n, loc):
    return 10000.0 * n / loc if loc else 0.0


def line_of(corpus, path, line, context):
    try:
        with open(os.path.join(corpus, path), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        return [f"    <unreadable: {e}>"]
    lo, hi = max(1, line - context), min(len(lines), line + context)
    out = []
    for n in range(lo, hi + 1):
        mark = ">" if n == line else " "
        out.append(f"  {mark}{n:6} {lines[n - 1].rstrip()[:160]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("corpus")
    ap.add_argument("--pysbx", required=True)
    ap.add_argument("--ruff")
    ap.add_argument("--bandit")
    ap.add_argument("--sample", type=int, default=50)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--context", type=int, default=0)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--loc", type=int, help="skip counting: lines of code already known")
    a = ap.parse_args()

    if a.loc:
        files, physical, loc = None, None, a.loc
        print(f"corpus: {a.corpus}: {loc:,} lines of code (given)")
    else:
        files, physical, loc = count_lines(a.corpus)
        print(f"corpus: {a.corpus}: {files:,} .py files, {physical:,} physical lines, "
              f"{loc:,} lines of code")
    print()

    with open(a.pysbx) as f:
        doc = json.load(f)
    findings = doc["findings"]
    hc = [x for x in findings if x["severity"] in ("high", "critical")]
    sev = collections.Counter(x["severity"] for x in findings)
    print(f"pysbx {doc.get('version', '?')}: {len(findings):,} findings "
          f"({', '.join(f'{k} {sev[k]:,}' for k in ('critical', 'high', 'medium', 'low'))})")
    print(f"  high+critical: {len(hc):,} = {per10k(len(hc), loc):.2f} per 10k lines "
          f"({len({x['path'] for x in hc}):,} files)")
    by_rule = collections.Counter((x["rule_id"], x["name"], x["severity"]) for x in hc)
    for (rid, name, s), n in by_rule.most_common(a.top):
        print(f"    {rid} {name:34} {s:8} {n:6,}  {per10k(n, loc):6.2f}")
    if len(by_rule) > a.top:
        rest = sum(n for _, n in by_rule.most_common()[a.top:])
        print(f"    ... {len(by_rule) - a.top} more rules, {rest:,} findings")
    print()

    if a.ruff:
        with open(a.ruff) as f:
            ruff = json.load(f)
        codes = collections.Counter(x["code"] for x in ruff)
        high = [x for x in ruff
                if ("B" + x["code"][1:]) in BANDIT_HIGH
                and not (x["code"] in RUFF_LITERAL_SAFE and "seems safe" in x["message"])]
        no_assert = len(ruff) - codes.get("S101", 0)
        print(f"ruff --select S: {len(ruff):,} findings = {per10k(len(ruff), loc):.2f} per 10k lines")
        print(f"  without S101 (assert): {no_assert:,} = {per10k(no_assert, loc):.2f} per 10k lines")
        print(f"  bandit-HIGH counterparts: {len(high):,} = {per10k(len(high), loc):.2f} per 10k lines")
        for c, n in collections.Counter(x["code"] for x in high).most_common(a.top):
            print(f"    {c} {n:6,}  {per10k(n, loc):6.2f}")
        print()

    if a.bandit:
        with open(a.bandit) as f:
            bandit = json.load(f)
        res = bandit["results"]
        high = [x for x in res if x["issue_severity"] == "HIGH"]
        high_conf = [x for x in high if x["issue_confidence"] in ("HIGH", "MEDIUM")]
        bloc = bandit.get("metrics", {}).get("_totals", {}).get("loc")
        print(f"bandit: {len(res):,} findings = {per10k(len(res), loc):.2f} per 10k lines"
              + (f" (bandit's own loc: {bloc:,})" if bloc else ""))
        print(f"  severity HIGH: {len(high):,} = {per10k(len(high), loc):.2f} per 10k lines")
        print(f"  severity HIGH, confidence HIGH/MEDIUM: {len(high_conf):,} = "
              f"{per10k(len(high_conf), loc):.2f} per 10k lines")
        for c, n in collections.Counter(x["test_id"] for x in high).most_common(a.top):
            print(f"    {c} {n:6,}  {per10k(n, loc):6.2f}")
        print()

    if a.sample:
        rng = random.Random(a.seed)
        ordered = sorted(hc, key=lambda x: (x["path"], x["line"], x["column"], x["rule_id"]))
        pick = rng.sample(ordered, min(a.sample, len(ordered)))
        print(f"sample: {len(pick)} of {len(ordered):,} pysbx high+critical findings, seed {a.seed}")
        for i, x in enumerate(pick, 1):
            path = rel(x["path"], a.corpus)
            print(f"{i:3}. {path}:{x['line']} {x['rule_id']} {x['name']} ({x['severity']}) "
                  f"{x.get('subject') or ''}")
            for s in line_of(a.corpus, path, x["line"], a.context):
                print(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
