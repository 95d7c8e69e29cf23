//! Hostile input: deep nesting of every kind, huge lines, syntax errors around deep trees and
//! random token soup must come back as findings or a positioned error, never as a crash. Each
//! case runs on a thread with a small stack, as a worker thread of a scanner would.

use std::path::Path;

use pysbx_analysis::{AnalyzeOptions, Analyzer, FileAnalysis, SourceErrorKind};
use pysbx_rules::RuleSet;

mod support;
use support::Xorshift;

const PACK: &str = "family: t\nrules:\n  - id: TST001\n    name: eval-call\n    severity: high\n    message: m\n    match: {call: builtins.eval}\n  - id: TST002\n    name: url\n    severity: high\n    message: m\n    match: {string: 'http://'}\n";

fn analyzer() -> Analyzer {
    let mut set = RuleSet::new();
    pysbx_rules::load_rules_from_str(PACK, Path::new("t.yaml"), "t", &mut set).expect("pack loads");
    Analyzer::new(&set).expect("pack compiles")
}

/// Analyses `source` on a thread with a 512 KiB stack.
fn run(source: String) -> FileAnalysis {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            analyzer().analyze(&source, Path::new("hostile.py"), &AnalyzeOptions::default())
        })
        .expect("thread spawns")
        .join()
        .expect("the analysis thread must not crash")
}

fn too_deep(out: &FileAnalysis) -> bool {
    out.error
        .as_ref()
        .is_some_and(|e| e.kind == SourceErrorKind::TooDeep && e.line >= 1 && e.column >= 1)
}

#[test]
fn nested_brackets_follow_cpythons_limit() {
    // CPython refuses more than 200 nested brackets; so does the engine, before the parser's
    // unguarded recursions (assignment targets, patterns) can exhaust the stack.
    let ok = format!("eval({}1{})\n", "(".repeat(199), ")".repeat(199));
    let out = run(ok);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1);
    for n in [201, 5_000, 15_000, 100_000] {
        let out = run(format!("eval({}1{})\n", "(".repeat(n), ")".repeat(n)));
        assert!(too_deep(&out), "{n}: {:?}", out.error);
        assert_eq!(out.error.unwrap().column, 205, "{n}");
    }
}

#[test]
fn deep_assignment_targets_and_patterns_do_not_reach_the_parser() {
    for src in [
        format!("{}a{} = 2\n", "[".repeat(50_000), "]".repeat(50_000)),
        format!("del {}a{}\n", "[".repeat(50_000), "]".repeat(50_000)),
        format!("for {}a{} in b: pass\n", "[".repeat(50_000), "]".repeat(50_000)),
        format!(
            "match x:\n    case {}1{}:\n        pass\n",
            "[".repeat(50_000),
            "]".repeat(50_000) + "("
        ),
        format!("{}a{} = 2\n", "[".repeat(3_000), "]".repeat(3_000)),
        // Fewer brackets than the count above which a file is lexed first: parsed at once,
        // on a stack sized by the count.
        format!("{}a{} = 2\n", "[".repeat(19_000), "]".repeat(19_000)),
        format!(
            "match x:\n    case {}1{}:\n        pass\n",
            "[".repeat(19_000),
            "]".repeat(19_000)
        ),
    ] {
        let head: String = src.chars().take(12).collect();
        let out = run(src);
        assert!(too_deep(&out), "{head}...: {:?}", out.error);
    }
}

#[test]
fn deep_lists_are_refused_with_a_position() {
    let src = format!("x = 1\ny = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let out = run(src);
    assert!(too_deep(&out), "{:?}", out.error);
    assert_eq!(out.error.unwrap().line, 2);
}

#[test]
fn a_million_term_sum_is_refused() {
    let out = run(format!("x = 1{}\n", "+1".repeat(1_000_000)));
    assert!(too_deep(&out), "{:?}", out.error);
    assert!(out.findings.is_empty());
}

#[test]
fn long_unary_attribute_call_subscript_and_lambda_chains_are_refused() {
    for src in [
        format!("x = {}1\n", "-".repeat(200_000)),
        format!("x = {}1\n", "not ".repeat(100_000)),
        format!("x = y{}\n", ".a".repeat(200_000)),
        format!("x = f{}\n", "()".repeat(200_000)),
        format!("x = y{}\n", "[0]".repeat(200_000)),
        format!("x = {}0\n", "lambda: ".repeat(100_000)),
        format!("x = {}0{}\n", "(1 if c else ".repeat(50_000), ")".repeat(50_000)),
        format!("x = {}\n", "2 ** ".repeat(100_000) + "2"),
    ] {
        let head: String = src.chars().take(20).collect();
        let out = run(src);
        assert!(too_deep(&out), "{head}...: {:?}", out.error);
    }
}

#[test]
fn nesting_cpython_accepts_is_analysed() {
    // CPython 3.11 compiles an expression nested 2000 deep; so must the engine.
    let src = format!("x = eval('1'){}\n", "+1".repeat(2_000));
    let out = run(src);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1);
}

#[test]
fn deep_statement_nesting() {
    let mut src = String::new();
    for level in 0..300 {
        src.push_str(&" ".repeat(level));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(300));
    src.push_str("eval('1')\n");
    let out = run(src);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1);
}

#[test]
fn syntax_errors_after_deep_trees_do_not_crash() {
    for src in [
        format!("x = 1{}\n)\n", "+1".repeat(1_000_000)),
        format!("x = {}\n", "[".repeat(100_000)),
        format!("def f(:\n    return {}\n", "-".repeat(100_000) + "1"),
        format!(
            "match x:\n    case {}1{}:\n        pass\n",
            "[".repeat(50_000),
            "]".repeat(50_000) + "("
        ),
    ] {
        let head: String = src.chars().take(20).collect();
        let out = run(src.clone());
        assert!(out.error.is_some(), "{head}...");
        assert!(out.findings.is_empty());
        // Read in the recovered tree, as a scan does: an error still, and no crash.
        let recovered = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let options =
                    AnalyzeOptions { read_despite_syntax_errors: true, ..Default::default() };
                analyzer().analyze(&src, Path::new("hostile.py"), &options)
            })
            .expect("thread spawns")
            .join()
            .expect("the analysis thread must not crash");
        assert!(recovered.error.is_some(), "{head}...");
    }
}

#[test]
fn deep_patterns_and_fstrings() {
    let pattern = format!(
        "match x:\n    case {}1{}:\n        eval('1')\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert!(too_deep(&run(pattern)));
    let nested = (0..2_000).fold("eval('1')".to_string(), |inner, _| format!("f\"{{{inner}}}\""));
    let out = run(format!("x = {nested}\n"));
    assert!(out.error.is_none() || too_deep(&out), "{:?}", out.error);
}

#[test]
fn ten_megabyte_single_line() {
    let mut src = String::from("x = [");
    while src.len() < 10 * 1024 * 1024 {
        src.push_str("'http://a', 1, eval, ");
    }
    src.push_str("]\n");
    let out = run(src);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(out.findings.len() > 100_000);
}

#[test]
fn long_concatenations_fold_within_budget() {
    // 200 000 concatenated pieces: folding stays linear, the result is capped, nothing crashes.
    let src = format!("x = ({})\ny = 'http://' + 'h'\n", vec!["'ab'"; 200_000].join(" + "));
    let out = run(src);
    assert!(too_deep(&out) || out.error.is_none(), "{:?}", out.error);
    let src = format!("s = 'a'\n{}t = s + 'http://'\n", "s = s + s\n".repeat(100));
    let out = run(src);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1, "the literal is still matched when folding gives up");
}

#[test]
fn huge_folded_names_stay_linear() {
    // Folded names tens of kilobytes long, used as module and attribute names.
    let src = "import sys, operator\n\
               m = 'a.' * 30000 + 'b'\n\
               __import__(m)\n\
               sys.modules[m]\n\
               getattr(sys, m)\n\
               operator.attrgetter(m)\n\
               ''.replace('', 'x' * 60000)\n\
               'y'.replace('', 'x' * 60000)\n";
    let out = run(src.to_string());
    assert!(out.error.is_none(), "{:?}", out.error);
}

#[test]
fn multiplied_strings_are_capped() {
    let out = run("x = 'http://' * 10**9\ny = ('a' * 100000) * 100000\n".to_string());
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1);
}

#[test]
fn random_token_soup_never_crashes() {
    let tokens = [
        "eval",
        "exec",
        "os",
        "import",
        "from",
        "as",
        ".",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        ",",
        "=",
        "+",
        "*",
        "%",
        "'s'",
        "b'x'",
        "f'{x}'",
        "1",
        "lambda",
        "if",
        "else",
        "for",
        "in",
        "def",
        "class",
        "global",
        "nonlocal",
        "del",
        "\n",
        "    ",
        "getattr",
        "__import__",
        "'%s%s'",
        "''.join",
        "[::-1]",
        "chr",
        "**",
        "not",
        "await",
        "yield",
        "@",
        "->",
        "match",
        "case",
        "try",
        "except",
        "with",
        "return",
        "*",
        "__builtins__",
        "globals()",
        "\\\n",
        "'''",
        "#",
        "\"",
        "é",
        "ｅｖａｌ",
        ";",
    ];
    let an = analyzer();
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3_000 {
        let len = 1 + rng.next() % 60;
        let mut src = String::new();
        for _ in 0..len {
            src.push_str(rng.pick(&tokens));
            src.push(' ');
        }
        // Most soups do not parse: read as a scan reads them too, in the tree the parser
        // recovers, whose nodes (empty names, missing operands) no valid file has.
        for recover in [false, true] {
            let options = AnalyzeOptions {
                honor_suppressions: true,
                read_despite_syntax_errors: recover,
                ..Default::default()
            };
            let out = an.analyze(&src, Path::new("soup.py"), &options);
            for f in &out.findings {
                assert!(f.start <= f.end && (f.end as usize) <= src.len(), "{src:?}");
                assert!(f.location.line >= 1 && f.location.column >= 1);
            }
        }
    }
}

#[test]
fn random_bytes_never_crash_the_decoder() {
    let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
    let prefixes: [&[u8]; 4] = [
        b"",
        b"# coding: latin-1\n",
        b"# -*- coding: shift_jis -*-\n",
        b"\xef\xbb\xbf# coding: utf-8\n",
    ];
    for i in 0..3_000 {
        let mut bytes = prefixes[i % prefixes.len()].to_vec();
        for _ in 0..rng.next() % 80 {
            bytes.push(u8::try_from(rng.next() & 0xff).unwrap());
        }
        match pysbx_analysis::decode_source(&bytes) {
            Ok(text) => {
                let _ = analyzer().analyze(&text, Path::new("r.py"), &AnalyzeOptions::default());
            }
            Err(e) => assert!(e.line >= 1 && e.column >= 1),
        }
    }
}

/// `exec("...")` of `code`, as a double-quoted Python literal.
fn exec_of(code: &str) -> String {
    format!("exec(\"{}\")", code.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn constant_code_strings_are_read_to_a_bounded_depth() {
    // Three levels of constant code are read, and the `eval` inside is reported at the call.
    let mut code = "eval(input())".to_string();
    for _ in 0..3 {
        code = exec_of(&code);
    }
    let out = run(code.clone());
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    assert_eq!((out.findings[0].location.line, out.findings[0].location.column), (1, 1));
    // Twelve levels: the reading stops at the bound instead of following every level.
    for _ in 3..12 {
        code = exec_of(&code);
    }
    let out = run(code);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(out.findings.is_empty(), "{:?}", out.findings);
}

#[test]
fn constant_code_strings_are_read_up_to_a_count_per_file() {
    let line = format!("{}\n", exec_of("eval(input())"));
    let out = run(line.repeat(2000));
    assert!(out.error.is_none(), "{:?}", out.error);
    // The first 256 strings are read; the rest are left (and their `exec` still reported by
    // whatever rule matches the call itself).
    assert_eq!(out.findings.len(), 256);
    // A string that does not parse is not read, and does not stop the file.
    let out = run(format!("{}\n{}", exec_of("eval(("), exec_of("eval(input())")));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].location.line, 2);
}

/// Comprehensions over constants fold, and a comprehension nested in another's element is
/// folded once per outer item: three levels over 4,096 items each would be 68 billion steps.
/// Folding is charged to the file's budget, so it stops after a number of steps proportional
/// to the file's size and the analysis goes on.
#[test]
fn nested_comprehensions_over_constants_fold_within_the_budget() {
    let items = (0..4096).map(|i| (i % 100 + 20).to_string()).collect::<Vec<_>>().join(", ");
    let source = format!(
        "T = ({items})\nx = [[[chr(c) for c in ({items})] for b in ({items})] for a in ({items})]\neval(input())\n"
    );
    let (sender, receiver) = std::sync::mpsc::channel();
    // A send after the wait below gave up has no one to reach: its failure means nothing.
    std::thread::spawn(move || {
        let _ = sender.send(run(source));
    });
    let out = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the analysis must end: folding is bounded by the file's budget");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
}

#[test]
fn a_file_of_endless_findings_stops_at_the_cap_with_a_position() {
    let lines = pysbx_analysis::MAX_FINDINGS_PER_FILE * 3;
    let out = run("eval(x)\n".repeat(lines));
    let error = out.error.expect("an error, not a million findings");
    assert_eq!(error.kind, SourceErrorKind::TooManyFindings);
    // Reading stopped at the statement after the cap, not at the end of the file.
    let cap = u32::try_from(pysbx_analysis::MAX_FINDINGS_PER_FILE).unwrap();
    assert!(error.line > cap && error.line < cap + 10, "{error:?}");
    assert!(out.findings.is_empty());
    // Just under the cap, every finding is kept.
    let out = run("eval(x)\n".repeat(pysbx_analysis::MAX_FINDINGS_PER_FILE - 1));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), pysbx_analysis::MAX_FINDINGS_PER_FILE - 1);
}

/// The folds that copy or widen what they are given stay within the file's budget: a list
/// changed in place copies it at every change, a format field pads to any width, `zip` with
/// `itertools.cycle` and `sorted` of thousands of items, a dict built key by key.
#[test]
fn container_changes_and_wide_formats_stay_within_the_budget() {
    let items = (0..4000).map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ");
    let mut source = format!("import itertools\nparts = [{items}]\nd = {{}}\n");
    for i in 0..20_000 {
        source.push_str(&format!("parts.append('x')\nparts.reverse()\nd[{i}] = 'v'\n"));
    }
    source.push_str(&"w = f'{\"a\":>60000}{\"b\":>60000}' % ()\n".repeat(2000));
    source.push_str(&"v = '%60000s%60000s' % ('a', 'b')\n".repeat(2000));
    source.push_str(
        &format!("z = sorted(k for k, _ in zip(({items}), itertools.cycle((1, 2))))\n").repeat(200),
    );
    source.push_str("eval(input())\n");
    let (sender, receiver) = std::sync::mpsc::channel();
    // A send after the wait below gave up has no one to reach: its failure means nothing.
    std::thread::spawn(move || {
        let _ = sender.send(run(source));
    });
    let out = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the analysis must end: folding is bounded by the file's budget");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
}
