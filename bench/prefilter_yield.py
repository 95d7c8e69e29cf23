#!/usr/bin/env python3
"""How much of a scan a token prefilter could skip: an upper bound, measured before building one.

    python3 bench/prefilter_yield.py CORPUS REPORT.json [RULES_DIR]

REPORT.json is `pysbx scan --format json` of CORPUS (the files with a finding are taken from
it). For every file of CORPUS without a finding, the script asks whether a prefilter reading only
the file's identifiers (names, attributes, imported modules, keywords, definitions, parameters)
and its string literals could prove that no built-in rule holds, so that the engine's walk of the
file could be skipped. The test is a necessary condition per rule, from the rules' YAML:

- a `call`, `reference`, `store` or `import` glob needs every literal part of its dotted name
  among the identifiers (`builtins` and wildcards aside), a call's keyword-only argument test
  its keyword;
- an `attribute` needs one of its names as an identifier or a string; an `assign` one of its
  globs among the identifiers and short strings (lowercased); a `handler` an `except` clause of
  one `pass` or `continue`; an `inside` its function names, classes, calls and file names;
- a `string` needs a literal its regex matches, or (second figure) any expression that could
  fold to a new string (`+`, `%`, `*` with a string operand, an f-string, a reversed slice, a
  call of `join`, `format`, `decode`...);
- `all` needs all of its positive parts, `any` one; `not` needs nothing;
- a file naming anything that reaches objects by computed names (`getattr`, `__import__`,
  `importlib`, `globals`, `vars`, `__dict__`, `exec`, `eval`...) is never skipped.

This optimistic test ignores every other way the engine reaches a name (return types, decorators,
aliases of the standard library, doctest examples), so a real prefilter would skip fewer files.
The figure to read is the share of bytes skipped: the engine's walk costs about the same per
byte parsed in files with and without findings (docs/benchmarks.md).
"""
import ast
import fnmatch
import json
import os
import re
import sys
from collections import Counter

import yaml

DYNAMIC = {
    "getattr", "setattr", "delattr", "__import__", "import_module", "importlib", "__dict__",
    "vars", "globals", "locals", "__builtins__", "builtins", "__builtin__", "modules",
    "attrgetter", "methodcaller", "resolve_name", "__getattribute__", "eval", "exec", "compile",
}
FOLDERS = {
    "join", "format", "replace", "decode", "b64decode", "fromhex", "chr", "upper", "lower",
    "translate", "unhexlify", "encode", "bytes", "bytearray", "reversed", "strip", "lstrip",
    "rstrip", "swapcase", "capitalize", "title", "decompress", "loads",
}
FILE_LEVEL = {"comment", "source_text", "confusable_identifier", "unused_suppression"}


class Facts:
    """What a prefilter would read of one file."""

    def __init__(self, tree):
        ids, strs = set(), set()
        self.handler = False
        self.folding = False
        for n in ast.walk(tree):
            if isinstance(n, ast.Name):
                ids.add(n.id)
            elif isinstance(n, ast.Attribute):
                ids.add(n.attr)
            elif isinstance(n, ast.alias):
                ids.update(n.name.split("."))
                if n.asname:
                    ids.add(n.asname)
            elif isinstance(n, ast.ImportFrom) and n.module:
                ids.update(n.module.split("."))
            elif isinstance(n, ast.keyword) and n.arg:
                ids.add(n.arg)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                ids.add(n.name)
            elif isinstance(n, ast.arg):
                ids.add(n.arg)
            elif isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes)):
                v = n.value
                strs.add(v if isinstance(v, str) else v.decode("latin-1"))
            elif isinstance(n, ast.ExceptHandler):
                if len(n.body) == 1 and isinstance(n.body[0], (ast.Pass, ast.Continue)):
                    self.handler = True
            elif isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Mod, ast.Mult)):
                if any(isinstance(x, ast.JoinedStr) or (isinstance(x, ast.Constant) and isinstance(x.value, (str, bytes)))
                       for x in (n.left, n.right)):
                    self.folding = True
            elif isinstance(n, ast.JoinedStr):
                self.folding = True
            elif isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Slice):
                self.folding = True
        self.ids = ids
        self.strs = strs
        self.lowered = {i.lower() for i in ids} | {s.lower() for s in strs if len(s) < 40}
        self.folding = self.folding or bool(ids & FOLDERS) or any(">>>" in s for s in strs)
        self.dynamic = bool(ids & DYNAMIC)


def parts(pattern):
    return [p.replace("()", "") for p in pattern.split(".") if p.replace("()", "") not in ("", "*", "**", "builtins")]


def has_part(part, facts):
    if any(c in part for c in "*?["):
        return any(fnmatch.fnmatchcase(i, part) for i in facts.ids)
    return part in facts.ids


def names_hold(patterns, facts):
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(all(has_part(p, facts) for p in parts(pat)) for pat in patterns)


class Regexes:
    def __init__(self):
        self.cache = {}

    def search(self, pattern, text):
        rx = self.cache.get(pattern)
        if rx is None:
            try:
                rx = re.compile(pattern.replace("(?-u:\\b)", "\\b"))
            except re.error:
                rx = False  # unreadable here: assumed to match (the bound stays an upper bound)
            self.cache[pattern] = rx
        return True if rx is False else rx.search(text) is not None


def may_hold(spec, facts, path, regexes, with_folding):
    """A necessary condition for `spec` to hold somewhere in the file."""
    if isinstance(spec, list):
        return any(may_hold(s, facts, path, regexes, with_folding) for s in spec)
    holds = True
    for key, value in spec.items():
        if key == "not" or key == "args":
            continue
        if key == "any":
            ok = any(may_hold(s, facts, path, regexes, with_folding) for s in value)
        elif key == "all":
            ok = all(may_hold(s, facts, path, regexes, with_folding) for s in value)
        elif key in ("call", "reference", "store", "import"):
            ok = names_hold(value, facts)
            for arg in spec.get("args", []) if key == "call" else []:
                keyword_only = "position" not in arg and "keyword" in arg
                absent_ok = any(t in arg for t in ("missing", "present", "forwarded", "not_forwarded", "not_literal", "computed"))
                if keyword_only and not absent_ok:
                    ok = ok and arg["keyword"] in facts.ids
        elif key == "attribute":
            names = value.get("names") if isinstance(value, dict) else value
            names = [names] if isinstance(names, str) else names
            ok = any(n in facts.ids or n in facts.strs for n in names)
        elif key == "assign":
            ok = any(t == "*" or any(fnmatch.fnmatchcase(i, t) for i in facts.lowered) for t in value["to"])
        elif key == "handler":
            ok = facts.handler
        elif key == "string":
            ok = (with_folding and facts.folding) or any(regexes.search(value, s) for s in facts.strs)
        elif key == "inside":
            ok = True
            if value.get("file"):
                ok = ok and any(fnmatch.fnmatchcase(os.path.basename(path), f) for f in value["file"])
            if value.get("function"):
                ok = ok and any(any(fnmatch.fnmatchcase(i, f) for i in facts.ids) for f in value["function"])
            for k in ("class_base", "call", "argument_of"):
                if value.get(k):
                    ok = ok and names_hold(value[k], facts)
        elif key in FILE_LEVEL:
            ok = False  # whole-file checks run apart from the walk
        else:
            ok = True
        holds = holds and ok
    return holds


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    corpus, report = sys.argv[1], sys.argv[2]
    rules_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "rules")
    rules = []
    for name in sorted(os.listdir(rules_dir)):
        if name.endswith(".yaml"):
            rules.extend(yaml.safe_load(open(os.path.join(rules_dir, name))).get("rules", []))
    with_findings = {os.path.normpath(f["path"]) for f in json.load(open(report))["findings"]}
    regexes = Regexes()
    total = Counter()
    blocking = Counter()
    for root, _, files in os.walk(corpus):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(root, f)
            size = os.path.getsize(path)
            total["files"] += 1
            total["bytes"] += size
            if os.path.normpath(path) in with_findings or os.path.normpath(os.path.relpath(path)) in with_findings:
                continue
            total["clean"] += 1
            total["clean_bytes"] += size
            try:
                tree = ast.parse(open(path, "rb").read())
            except (SyntaxError, ValueError):
                continue
            facts = Facts(tree)
            if facts.dynamic:
                continue
            for with_folding, label in ((False, "literals"), (True, "folding")):
                held = [r["id"] for r in rules if may_hold(r["match"], facts, path, regexes, with_folding)]
                if not held:
                    total[f"skip_{label}"] += 1
                    total[f"skip_{label}_bytes"] += size
                elif with_folding:
                    blocking.update(held)
    print(f"files: {total['files']} ({total['bytes'] / 1e6:.0f} MB); without a finding: {total['clean']} ({total['clean_bytes'] / 1e6:.0f} MB)")
    for label, what in (("literals", "string rules on literals only"), ("folding", "string rules on literals and folds")):
        n, b = total[f"skip_{label}"], total[f"skip_{label}_bytes"]
        print(f"skippable ({what}): {n} files ({n / max(total['files'], 1):.1%} of all), "
              f"{b / 1e6:.1f} MB ({b / max(total['bytes'], 1):.1%} of all bytes)")
    print("rules whose condition most often holds in files without a finding:",
          ", ".join(f"{r} {c}" for r, c in blocking.most_common(8)))


if __name__ == "__main__":
    main()
