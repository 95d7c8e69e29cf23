//! Measures the engine on a directory tree: lexing, parsing and full analysis, single-threaded.
//! `cargo run --release -p pysbx_analysis --example throughput -- DIR [RULES.yaml...]`

use std::path::{Path, PathBuf};
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "py") {
            out.push(p);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: throughput DIR [RULES.yaml...]");
        return;
    };
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    files.sort();
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let text = pysbx_analysis::decode_source(&bytes).ok()?.into_owned();
            Some((p, text))
        })
        .collect();
    let bytes: usize = sources.iter().map(|(_, s)| s.len()).sum();
    let builtin = if std::env::var_os("NO_BUILTIN").is_some() {
        Ok(pysbx_rules::RuleSet::new())
    } else {
        pysbx_rules::builtin_rules()
    };
    let mut rules = match builtin {
        Ok(r) => r,
        Err(e) => {
            eprintln!("built-in rules: {e}");
            return;
        }
    };
    for extra in &args[1..] {
        if let Err(e) = pysbx_rules::load_rule_file(Path::new(extra), &mut rules) {
            eprintln!("{e}");
            return;
        }
    }
    if std::env::var_os("NO_STRINGS").is_some() {
        fn has_string(m: &pysbx_rules::MatchSpec) -> bool {
            use pysbx_rules::MatchSpec as M;
            match m {
                M::String(_) => true,
                M::Any(v) | M::All(v) => v.iter().any(has_string),
                M::Not(i) => has_string(i),
                _ => false,
            }
        }
        rules.retain(|r| !has_string(&r.matcher));
    }
    if let Ok(only) = std::env::var("ONLY") {
        rules.retain(|r| only.split(',').any(|o| o == r.id));
    }
    let an = match pysbx_analysis::Analyzer::new(&rules) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    println!("{} files, {:.1} MB, {} rules", sources.len(), bytes as f64 / 1e6, rules.len());

    let phase = std::env::var("PHASE").unwrap_or_default();
    let t = Instant::now();
    let mut tokens = 0usize;
    for (_, s) in sources.iter().filter(|_| phase.is_empty() || phase == "lex") {
        let mut lexer = ruff_python_parser::lexer::lex(s, ruff_python_parser::Mode::Module);
        while lexer.next_token() != ruff_python_ast::token::TokenKind::EndOfFile {
            tokens += 1;
        }
    }
    println!("lex only:   {:>8.3} s ({tokens} tokens)", t.elapsed().as_secs_f64());

    let t = Instant::now();
    for (_, s) in sources.iter().filter(|_| phase.is_empty() || phase == "parse") {
        let parsed = ruff_python_parser::parse_unchecked(
            s,
            ruff_python_parser::ParseOptions::from(ruff_python_parser::Mode::Module),
        );
        std::hint::black_box(&parsed);
    }
    println!("parse only: {:>8.3} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let (mut findings, mut errors) = (0usize, 0usize);
    let options = pysbx_analysis::AnalyzeOptions { honor_suppressions: true, ..Default::default() };
    for (p, s) in sources.iter().filter(|_| phase.is_empty() || phase == "analyze") {
        let out = an.analyze(s, p, &options);
        findings += out.findings.len();
        errors += usize::from(out.error.is_some());
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "analyze:    {secs:>8.3} s ({findings} findings, {errors} errors, {:.1} MB/s, {:.0} files/s)",
        bytes as f64 / 1e6 / secs,
        sources.len() as f64 / secs
    );
}
