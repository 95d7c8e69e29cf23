//! The examples of a module's docstrings, as `doctest` runs them.
//!
//! `doctest.testmod()` compiles and runs each `>>> ` example of the docstrings of a module's
//! functions, classes and methods: text the gate reads as a string, not as code. Under
//! `code: false` the guard refuses code made at run time, and a docstring can be set at run
//! time (`f.__doc__ = text`), so the guard runs an example only when it is one of a module's
//! docstrings as the gate read them (listed here, for every module the gate lets run) and the
//! gate, reading the example as code of that module, would run it unchanged.
//!
//! The text of an example is what `doctest.DocTestParser` makes of it: the docstring with its
//! tabs expanded, a `>>>` line and the `...` lines after it, each without its indentation and
//! its four-character prompt, joined by newlines and ended by one. A look-alike that doctest
//! would refuse to run (no space after the prompt) is listed too: it is still a constant of the
//! module's, and the gate judges it before it runs.

use ruff_python_ast::{ElifElseClause, ExceptHandler, Expr, Stmt};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};

/// The doctest examples of every docstring of `source` (the module's, its classes', its
/// functions' and methods', at any depth), each once, in the order met; empty when the text
/// has no `>>>` at all or does not parse. The import gate has them from the tree its analysis
/// parses (see [`crate::AnalyzeOptions::doctest_examples`]), whose bounds on a hostile text's
/// size and depth then hold; this parses the text itself, without them.
#[must_use]
pub fn doctest_examples(source: &str) -> Vec<String> {
    if !source.contains(">>>") {
        return Vec::new();
    }
    let parsed = parse_unchecked(source, ParseOptions::from(Mode::Module));
    if !parsed.errors().is_empty() {
        return Vec::new();
    }
    let ruff_python_ast::Mod::Module(module) = parsed.syntax() else { return Vec::new() };
    examples_of_module(&module.body)
}

/// The examples of the docstrings of a module's statements. Statements alone are visited
/// (a docstring is the first statement of a body): no expression is walked.
// Kept out of the analysis's own code: only the gate asks for it.
#[cold]
#[inline(never)]
pub(crate) fn examples_of_module(body: &[Stmt]) -> Vec<String> {
    let mut all = Vec::new();
    add_docstring(body, &mut all);
    visit(body, &mut all);
    // Each once, by a set: the module's text is the program's, and a docstring of a million
    // `>>>` lines must not cost a million squared comparisons.
    let mut seen = std::collections::HashSet::with_capacity(all.len());
    all.retain(|example| seen.insert(example.clone()));
    all
}

fn add_docstring(body: &[Stmt], examples: &mut Vec<String>) {
    if let Some(doc) = docstring(body)
        && doc.contains(">>>")
    {
        examples.extend(examples_of(&doc));
    }
}

/// The bodies of definitions at any depth: inside other definitions and inside compound
/// statements (`if TYPE_CHECKING:`, `try:` around an import, a `with` block).
fn visit(body: &[Stmt], examples: &mut Vec<String>) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(f) => {
                add_docstring(&f.body, examples);
                visit(&f.body, examples);
            }
            Stmt::ClassDef(c) => {
                add_docstring(&c.body, examples);
                visit(&c.body, examples);
            }
            Stmt::If(s) => {
                visit(&s.body, examples);
                for ElifElseClause { body, .. } in &s.elif_else_clauses {
                    visit(body, examples);
                }
            }
            Stmt::For(s) => {
                visit(&s.body, examples);
                visit(&s.orelse, examples);
            }
            Stmt::While(s) => {
                visit(&s.body, examples);
                visit(&s.orelse, examples);
            }
            Stmt::With(s) => visit(&s.body, examples),
            Stmt::Try(s) => {
                visit(&s.body, examples);
                for ExceptHandler::ExceptHandler(h) in &s.handlers {
                    visit(&h.body, examples);
                }
                visit(&s.orelse, examples);
                visit(&s.finalbody, examples);
            }
            Stmt::Match(s) => {
                for case in &s.cases {
                    visit(&case.body, examples);
                }
            }
            _ => {}
        }
    }
}

/// The docstring of a body: its first statement, when that is a string literal alone.
fn docstring(body: &[Stmt]) -> Option<String> {
    let Some(Stmt::Expr(first)) = body.first() else { return None };
    let Expr::StringLiteral(literal) = &*first.value else { return None };
    Some(literal.value.to_str().to_string())
}

/// The examples of one docstring, as `DocTestParser` cuts them out.
pub(crate) fn examples_of(doc: &str) -> Vec<String> {
    let text = crate::fold::expand_tabs(doc);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut examples = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let rest = line.trim_start_matches(' ');
        if !rest.starts_with(">>>") {
            i += 1;
            continue;
        }
        let indent = line.len() - rest.len();
        let mut source = vec![after_prompt(line, indent)];
        i += 1;
        // The `...` lines that follow, at any indentation (doctest checks it is the example's
        // own and refuses the docstring otherwise).
        while i < lines.len() && lines[i].trim_start_matches(' ').starts_with("...") {
            source.push(after_prompt(lines[i], indent));
            i += 1;
        }
        // A blank or comment-only example is no example to doctest.
        if source.iter().all(|l| matches!(l.trim_start().chars().next(), None | Some('#'))) {
            continue;
        }
        let mut example = source.join("\n");
        if !example.ends_with('\n') {
            example.push('\n');
        }
        examples.push(example);
    }
    examples
}

/// A prompt line without the example's indentation and the four characters of its prompt
/// (`line[indent + 4:]` in doctest: empty when the line is shorter).
fn after_prompt(line: &str, indent: usize) -> &str {
    line.char_indices().nth(indent + 4).map_or("", |(at, _)| &line[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_of_functions_classes_methods_and_the_module() {
        let source = r#""""Module.

>>> 1 + 1
2
"""

def square(x):
    """
    >>> square(3)
    9
    >>> for i in range(2):
    ...     print(i)
    0
    1
    """
    return x * x

class C:
    """>>> C().f()"""
    def f(self):
        """
        >>> x = 1
        """
    def g(self):
        """No examples."""
"#;
        assert_eq!(
            doctest_examples(source),
            [
                "1 + 1\n",
                "square(3)\n",
                "for i in range(2):\n    print(i)\n",
                "C().f()\n",
                "x = 1\n"
            ]
        );
    }

    #[test]
    fn definitions_inside_compound_statements() {
        let source = "try:\n    import x\nexcept ImportError:\n    class C:\n        '>>> 1'\n\
                      if X:\n    pass\nelse:\n    with m:\n        def f():\n            '>>> 2'\n\
                      for i in y:\n    pass\nelse:\n    def g():\n        def h():\n            \
                      '>>> 3'\n\
                      match v:\n    case 1:\n        def k():\n            '>>> 4'\n";
        assert_eq!(doctest_examples(source), ["1\n", "2\n", "3\n", "4\n"]);
    }

    #[test]
    fn many_examples_are_listed_each_once_in_the_order_met() {
        // 100,000 examples, every other one a repeat: listed without comparing each with
        // every other (a quadratic count here would be 10^10 comparisons).
        let mut doc = String::new();
        for i in 0..50_000 {
            doc.push_str(&format!(">>> x{i}\n>>> x{i}\n"));
        }
        let source = format!("'''{doc}'''\ndef f():\n    '>>> x7'\n");
        let examples = doctest_examples(&source);
        assert_eq!(examples.len(), 50_000);
        assert_eq!(examples[..2], ["x0\n", "x1\n"]);
        assert_eq!(examples[49_999], "x49999\n");
    }

    #[test]
    fn only_docstrings_count() {
        // A string that is not the first statement, an f-string, a comment: no docstrings.
        let source = "def f():\n    x = 1\n    '>>> print(1)'\n\n# >>> print(2)\n\
                      def g():\n    f'>>> {print(3)}'\n";
        assert!(doctest_examples(source).is_empty());
        assert!(doctest_examples("def f(:\n    '>>> 1'\n").is_empty(), "does not parse");
        assert!(doctest_examples("x = 1\n").is_empty());
    }

    #[test]
    fn as_doctest_cuts_them_out() {
        // Tabs expanded to eight columns; a bare prompt and a comment are no examples; a
        // repeated example is listed once by `doctest_examples`; an escape in the literal is
        // its value. (Each as `doctest.DocTestParser().get_examples` gives it.)
        assert_eq!(examples_of("\t>>> a\t= 1\n"), ["a   = 1\n"]);
        assert_eq!(examples_of(">>>\n>>> # note\n>>> b\n>>> b\n"), ["b\n", "b\n"]);
        assert_eq!(doctest_examples("'''>>> b\n>>> b'''\n"), ["b\n"]);
        let source = "def f():\n    \">>> print('\\\\x41')\\n>>> f()\"\n";
        assert_eq!(doctest_examples(source), ["print('\\x41')\n", "f()\n"]);
    }
}
