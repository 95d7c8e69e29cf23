//! Setup command classes that no installer runs.
//!
//! A class of `setup.py` derived from a plain `setuptools.Command` runs only when its name is
//! asked for: pip and the build backends ask for `egg_info`, `bdist_wheel`, `build`, `install`
//! and the like, never for the maintainer's own `upload`, `publish` or `clean`. The widespread
//! "setup.py for humans" template registers an `UploadCommand` under `upload` whose `run`
//! builds, uploads with twine and pushes a git tag through `os.system`: code the maintainer
//! runs by hand, not the installer's. Such a class is read as an ordinary class by the rules
//! about install-time command classes (`inside: {class_base: ...}`), but only when nothing in
//! the file could make an installer run it after all.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, Stmt};
use rustc_hash::FxHashMap;

/// Command names of the maintainer's own tasks, which neither pip nor a build backend asks a
/// `setup.py` for. A name outside this list (`install`, `build_py`, `compile_catalog`, any
/// other) may be one an installer runs, directly or as a sub-command.
const MAINTAINER_COMMANDS: &[&str] = &[
    "upload",
    "publish",
    "release",
    "deploy",
    "register",
    "twine",
    "pypi",
    "tag",
    "bump",
    "version",
    "clean",
    "distclean",
    "cleanall",
    "test",
    "tests",
    "pytest",
    "tox",
    "nosetests",
    "coverage",
    "lint",
    "flake8",
    "pylint",
    "mypy",
    "typecheck",
    "format",
    "fmt",
    "style",
    "docs",
    "doc",
    "benchmark",
    "bench",
];

/// The classes of the module's top level (by name) that the file registers as setup commands
/// (values of a dict display such as `cmdclass={"upload": UploadCommand}`) only under names of
/// [`MAINTAINER_COMMANDS`], and that nothing else in the file names: not another use of the
/// class, not the command's name as any other string (`sub_commands`, `run_command("upload")`,
/// `sys.argv.append("upload")`), and nothing that could ask for a computed name (a
/// `run_command` of a non-literal, `sub_commands`, `script_args=`, `distclass=`, a change of
/// `sys.argv`). Empty for a file that never says `cmdclass`.
pub(crate) fn unrun_commands(source: &str, body: &[Stmt]) -> Vec<String> {
    if !source.contains("cmdclass") {
        return Vec::new();
    }
    let mut seen = Seen::default();
    for stmt in body {
        if let Stmt::ClassDef(c) = stmt {
            seen.classes.push(c.name.id.to_string());
        }
        seen.visit_stmt(stmt);
    }
    if seen.unsafe_file {
        return Vec::new();
    }
    seen.classes
        .iter()
        .filter(|class| {
            let Some(keys) = seen.registered.get(class.as_str()) else { return false };
            !keys.is_empty()
                && seen.other_uses.get(class.as_str()).is_none_or(|n| *n == 0)
                && keys.iter().all(|k| {
                    MAINTAINER_COMMANDS.contains(&k.as_str())
                        && seen.strings.get(k.as_str()) == seen.key_strings.get(k.as_str())
                })
        })
        .cloned()
        .collect()
}

/// Whether the file's `if` tests of `sys.argv` against a maintainer's command say when their
/// bodies run: the file never changes `sys.argv` (an assignment to it or an item, a method
/// that changes the list), which would make such a test true wherever the file likes.
pub(crate) fn argv_tests_hold(source: &str, body: &[Stmt]) -> bool {
    if !source.contains("argv") {
        return false;
    }
    let mut seen = Seen::default();
    for stmt in body {
        seen.visit_stmt(stmt);
    }
    !seen.argv_changed
}

/// Whether an `if` test holds only when the program's command line names a maintainer's
/// command ([`MAINTAINER_COMMANDS`]): `sys.argv[-1] == "publish"` (either side), `"upload" in
/// sys.argv`, `sys.argv[1] in ("publish", "release")`, or an `and` with such a test among its
/// operands, or an `or` of such tests only.
pub(crate) fn is_maintainer_argv_test(test: &Expr) -> bool {
    use ruff_python_ast::{BoolOp, CmpOp};
    let maintainer = |e: &Expr| {
        match e {
        Expr::StringLiteral(s) => MAINTAINER_COMMANDS.contains(&s.value.to_str()),
        Expr::Tuple(t) => !t.elts.is_empty() && t.elts.iter().all(|x| {
            matches!(x, Expr::StringLiteral(s) if MAINTAINER_COMMANDS.contains(&s.value.to_str()))
        }),
        Expr::List(l) => !l.elts.is_empty() && l.elts.iter().all(|x| {
            matches!(x, Expr::StringLiteral(s) if MAINTAINER_COMMANDS.contains(&s.value.to_str()))
        }),
        _ => false,
    }
    };
    let item = |e: &Expr| matches!(e, Expr::Subscript(s) if is_argv(&s.value));
    match test {
        Expr::Compare(c) if c.ops.len() == 1 && c.comparators.len() == 1 => {
            let (left, right) = (&*c.left, &c.comparators[0]);
            match c.ops[0] {
                CmpOp::Eq => {
                    (item(left) && matches!(right, Expr::StringLiteral(_)) && maintainer(right))
                        || (item(right)
                            && matches!(left, Expr::StringLiteral(_))
                            && maintainer(left))
                }
                CmpOp::In => {
                    (matches!(left, Expr::StringLiteral(_)) && maintainer(left) && is_argv(right))
                        || (item(left) && maintainer(right))
                }
                _ => false,
            }
        }
        Expr::BoolOp(b) => match b.op {
            BoolOp::And => b.values.iter().any(is_maintainer_argv_test),
            BoolOp::Or => b.values.iter().all(is_maintainer_argv_test),
        },
        _ => false,
    }
}

/// Whether an `if` test fails only when the command line names a maintainer's command
/// (`sys.argv[-1] != "publish"`, `"upload" not in sys.argv`, `not` of a test
/// [`is_maintainer_argv_test`] accepts): its `else` runs only then.
pub(crate) fn is_negated_maintainer_argv_test(test: &Expr) -> bool {
    use ruff_python_ast::{CmpOp, UnaryOp};
    match test {
        Expr::UnaryOp(u) if u.op == UnaryOp::Not => is_maintainer_argv_test(&u.operand),
        Expr::Compare(c) if c.ops.len() == 1 => {
            let positive = match c.ops[0] {
                CmpOp::NotEq => CmpOp::Eq,
                CmpOp::NotIn => CmpOp::In,
                _ => return false,
            };
            let mut flipped = c.clone();
            flipped.ops = vec![positive].into_boxed_slice();
            is_maintainer_argv_test(&Expr::Compare(flipped))
        }
        _ => false,
    }
}

#[derive(Default)]
struct Seen {
    /// The module's top-level classes.
    classes: Vec<String>,
    /// Class name -> the command names it is registered under.
    registered: FxHashMap<String, Vec<String>>,
    /// Class name -> its uses other than as a registered value.
    other_uses: FxHashMap<String, usize>,
    /// Every string literal's text -> how often it is written.
    strings: FxHashMap<String, usize>,
    /// A registration's key text -> how often it is written as one.
    key_strings: FxHashMap<String, usize>,
    /// Something that could make an installer run any command.
    unsafe_file: bool,
    /// The file changes `sys.argv` (see [`argv_tests_hold`]).
    argv_changed: bool,
}

impl Seen {
    fn count_string(&mut self, text: &str) {
        *self.strings.entry(text.to_string()).or_default() += 1;
    }
}

/// Whether `e` is `sys.argv` or a bare `argv`.
fn is_argv(e: &Expr) -> bool {
    match e {
        Expr::Attribute(a) => a.attr.id.as_str() == "argv",
        Expr::Name(n) => n.id.as_str() == "argv",
        Expr::Subscript(s) => is_argv(&s.value),
        _ => false,
    }
}

impl<'a> Visitor<'a> for Seen {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let targets: &[Expr] = match stmt {
            Stmt::Assign(a) => &a.targets,
            Stmt::AugAssign(a) => std::slice::from_ref(&*a.target),
            Stmt::AnnAssign(a) => std::slice::from_ref(&*a.target),
            Stmt::Delete(d) => &d.targets,
            _ => &[],
        };
        if targets.iter().any(is_argv) {
            self.unsafe_file = true;
            self.argv_changed = true;
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Dict(d) => {
                for item in &d.items {
                    if let (Some(Expr::StringLiteral(k)), Expr::Name(v)) = (&item.key, &item.value)
                    {
                        let key = k.value.to_str().to_string();
                        self.count_string(&key);
                        *self.key_strings.entry(key.clone()).or_default() += 1;
                        self.registered.entry(v.id.to_string()).or_default().push(key);
                    } else {
                        if let Some(k) = &item.key {
                            self.visit_expr(k);
                        }
                        self.visit_expr(&item.value);
                    }
                }
                return;
            }
            Expr::StringLiteral(s) => self.count_string(s.value.to_str()),
            Expr::Name(n) => *self.other_uses.entry(n.id.to_string()).or_default() += 1,
            Expr::Attribute(a) if a.attr.id.as_str() == "sub_commands" => self.unsafe_file = true,
            Expr::Call(c) => {
                // `setattr(sys, "argv", [...])`.
                if matches!(&*c.func, Expr::Name(n) if n.id.as_str() == "setattr")
                    && c.arguments
                        .args
                        .iter()
                        .any(|a| matches!(a, Expr::StringLiteral(s) if s.value.to_str() == "argv"))
                {
                    self.unsafe_file = true;
                    self.argv_changed = true;
                }
                if c.arguments.keywords.iter().any(|k| {
                    k.arg
                        .as_ref()
                        .is_some_and(|a| matches!(a.id.as_str(), "distclass" | "script_args"))
                }) {
                    self.unsafe_file = true;
                }
                if let Expr::Attribute(a) = &*c.func {
                    let method = a.attr.id.as_str();
                    let literal_args =
                        c.arguments.args.iter().all(|x| matches!(x, Expr::StringLiteral(_)))
                            && c.arguments.keywords.is_empty();
                    let argv_changed = is_argv(&a.value)
                        && !matches!(method, "index" | "count" | "copy" | "__contains__");
                    if (method == "run_command" && !literal_args) || argv_changed {
                        self.unsafe_file = true;
                    }
                    self.argv_changed |= argv_changed;
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}

/// The classes' own bases that make a class a plain setup command.
pub(crate) const PLAIN_COMMAND_BASES: &[&str] =
    &["setuptools.Command", "distutils.cmd.Command", "distutils.core.Command"];

#[cfg(test)]
mod tests {
    use super::*;

    fn unrun(src: &str) -> Vec<String> {
        let parsed = ruff_python_parser::parse_module(src).expect("test source parses");
        unrun_commands(src, &parsed.syntax().body)
    }

    const TEMPLATE: &str = "import os\nfrom setuptools import setup, Command\n\
        class UploadCommand(Command):\n    def run(self):\n        os.system('twine upload dist/*')\n\
        class CleanCommand(Command):\n    def run(self):\n        os.system('rm -rf build')\n";

    #[test]
    fn maintainer_commands_registered_alone_are_not_run_by_installers() {
        let src = format!(
            "{TEMPLATE}setup(name='x', cmdclass={{'upload': UploadCommand, 'clean': CleanCommand}})\n"
        );
        assert_eq!(unrun(&src), ["UploadCommand", "CleanCommand"]);
    }

    #[test]
    fn anything_that_could_run_them_keeps_them_commands() {
        // Registered under a name an installer asks for: that class alone.
        let src = format!(
            "{TEMPLATE}setup(cmdclass={{'upload': UploadCommand, 'install': CleanCommand}})\n"
        );
        assert_eq!(unrun(&src), ["UploadCommand"]);
        for tail in [
            // The name written again: a sub-command, a command line made to ask for it.
            "setup(cmdclass={'upload': UploadCommand, 'clean': CleanCommand})\nimport sys\nsys.argv.append('upload')\nx = 'clean'\n",
            // A computed name asked for, or a command line of the file's own.
            "setup(cmdclass={'upload': UploadCommand, 'clean': CleanCommand}, script_args=['up' + 'load'])\n",
            "import sys\nsys.argv += ['up' + 'load', 'cl' + 'ean']\nsetup(cmdclass={'upload': UploadCommand, 'clean': CleanCommand})\n",
            "import sys\nsys.argv[1:] = ['up' + 'load', 'cl' + 'ean']\nsetup(cmdclass={'upload': UploadCommand, 'clean': CleanCommand})\n",
            "from setuptools.command.build import build\nbuild.sub_commands.append(('up' + 'load', None))\nbuild.sub_commands.append(('cl' + 'ean', None))\nsetup(cmdclass={'upload': UploadCommand, 'clean': CleanCommand})\n",
            "setup(cmdclass={'upload': UploadCommand, 'clean': CleanCommand}, distclass=D)\n",
        ] {
            assert!(unrun(&format!("{TEMPLATE}{tail}")).is_empty(), "{tail}");
        }
        // The class used again (subclassed, registered by another route).
        let src = format!(
            "{TEMPLATE}setup(cmdclass={{'upload': UploadCommand, 'clean': CleanCommand}})\nCMDS = [UploadCommand]\n"
        );
        assert_eq!(unrun(&src), ["CleanCommand"]);
        // A file that never says `cmdclass`.
        assert!(unrun(&format!("{TEMPLATE}setup(cmds={{'upload': UploadCommand}})\n")).is_empty());
    }

    fn test_of(src: &str) -> Expr {
        let parsed = ruff_python_parser::parse_module(src).expect("test source parses");
        match &parsed.syntax().body[0] {
            Stmt::If(i) => (*i.test).clone(),
            other => panic!("not an if: {other:?}"),
        }
    }

    #[test]
    fn tests_of_the_command_line_against_a_maintainers_command() {
        for yes in [
            "if sys.argv[-1] == 'publish': pass",
            "if 'upload' == sys.argv[1]: pass",
            "if 'release' in sys.argv: pass",
            "if sys.argv[1] in ('tag', 'bump'): pass",
            "if len(sys.argv) > 1 and sys.argv[1] == 'publish': pass",
            "if 'upload' in sys.argv or 'publish' in argv: pass",
        ] {
            assert!(is_maintainer_argv_test(&test_of(yes)), "{yes}");
        }
        for no in [
            "if sys.argv[-1] == 'install': pass",
            "if sys.argv[-1] == x: pass",
            "if os.environ['CI'] == 'publish': pass",
            "if 'publish' in ('publish', 'x'): pass",
            "if 'publish' == 'publish': pass",
            "if sys.argv[-1] != 'publish': pass",
            "if 'upload' in sys.argv or ready: pass",
        ] {
            assert!(!is_maintainer_argv_test(&test_of(no)), "{no}");
        }
        for negated in [
            "if sys.argv[-1] != 'publish': pass",
            "if 'upload' not in sys.argv: pass",
            "if not ('upload' in sys.argv): pass",
        ] {
            assert!(is_negated_maintainer_argv_test(&test_of(negated)), "{negated}");
        }
        assert!(!is_negated_maintainer_argv_test(&test_of("if sys.argv[-1] == 'publish': pass")));
    }

    #[test]
    fn a_command_line_the_file_changes_says_nothing() {
        let holds = |src: &str| {
            let parsed = ruff_python_parser::parse_module(src).expect("test source parses");
            argv_tests_hold(src, &parsed.syntax().body)
        };
        assert!(holds("import sys\nif sys.argv[-1] == 'publish': pass\n"));
        for changed in [
            "import sys\nsys.argv.append('publish')\n",
            "import sys\nsys.argv[-1] = 'publish'\n",
            "import sys\nsys.argv += ['publish']\n",
            "import sys\nsys.argv = ['setup.py', 'publish']\n",
            "import sys\nsetattr(sys, 'argv', ['x', 'publish'])\n",
            "import sys\ndef f():\n    sys.argv.insert(1, 'publish')\n",
        ] {
            assert!(!holds(changed), "{changed}");
        }
        assert!(!holds("x = 1\n"));
    }
}
