//! The `pysbx` binary: argument parsing and dispatch to one module per subcommand.

mod alloc;
mod args;
mod baseline;
mod build_backend;
mod cache;
mod cmake;
mod commands;
mod config;
mod distributions;
mod entry_calls;
mod entry_points;
mod output;
mod pending;
mod pipeline;
mod record;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// jemalloc or the system allocator (see `alloc`), with the per-thread regions that hold
/// parsed trees in front (see `pysbx_arena`).
#[global_allocator]
static ALLOCATOR: pysbx_arena::WithRegions<alloc::PysbxAlloc> =
    pysbx_arena::WithRegions(alloc::PysbxAlloc);

fn main() -> ExitCode {
    // The sandbox may re-execute this binary as its trampoline; that path must run before anything
    // else touches the process (no argument parsing, no threads).
    if let Some(code) = pysbx_sandbox::trampoline::dispatch_if_trampoline() {
        return code;
    }
    // `pysbx -i [OPTIONS]` is `pysbx repl [OPTIONS]`, as `python -i` is interactive.
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "-i") {
        argv[1] = "repl".into();
    }
    program_owns_the_rest(&mut argv);
    if let Some(args) = exec_args_alone(&argv) {
        return finish(commands::exec::run(&args));
    }
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version on stdout with exit 0, usage errors on stderr with 2.
            let _ = err.print();
            return if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    // Before any thread: an interrupted command that writes files removes its temporary ones.
    // (`exec` and `repl` take the signals themselves, for the program they run.)
    if matches!(
        cli.command,
        Command::Scan(_) | Command::Sanitize(_) | Command::Merge(_) | Command::Rules(_)
    ) && let Err(e) = pysbx_sandbox::end_on_signals(pending::remove_all)
    {
        eprintln!("pysbx: warning: an interrupted run may leave a temporary file: {e}");
    }
    finish(match cli.command {
        Command::Scan(args) => commands::scan::run(&args),
        Command::Sanitize(args) => commands::sanitize::run(&args),
        Command::Exec(args) => commands::exec::run(&args),
        Command::Repl(args) => commands::repl::run(&args),
        Command::Policy(args) => commands::policy::run(&args),
        Command::Rules(args) => commands::rules::run(&args),
        Command::Merge(args) => commands::merge::run(&args),
    })
}

/// `pysbx exec ...` parsed against the `exec` subcommand alone, when that succeeds.
///
/// Building the whole command line (every subcommand's arguments) before parsing took about
/// 0.3 ms of a sandboxed run's start (0.05 ms warm); `exec` alone takes a fraction of that.
/// The arguments are `ExecArgs`' own, so a parse that succeeds gives what the full parse
/// gives (`pysbx` has no global options). Anything else (help, version, a usage error) returns
/// `None` and goes through the full parser, whose messages name the whole program.
fn exec_args_alone(argv: &[std::ffi::OsString]) -> Option<commands::exec::ExecArgs> {
    use clap::{Args, FromArgMatches};
    if argv.get(1).is_none_or(|a| a != "exec") {
        return None;
    }
    let command = commands::exec::ExecArgs::augment_args(clap::Command::new("exec"));
    let matches = command.try_get_matches_from(&argv[1..]).ok()?;
    commands::exec::ExecArgs::from_arg_matches(&matches).ok()
}

/// `pysbx exec -c CODE ...` and `-m MODULE ...`: as with `python3 -m pytest -v`, what follows
/// the code or the module is the program's, options included (`-v`, `--version`), so a `--` is
/// put after it for the parsers. Only pysbx's own options may come before; a `--` already
/// there, or a script named first, leaves the command line as it is (everything after a
/// script is the program's already).
fn program_owns_the_rest(argv: &mut Vec<std::ffi::OsString>) {
    use clap::Args;
    if argv.get(1).is_none_or(|a| a != "exec") {
        return;
    }
    let command = commands::exec::ExecArgs::augment_args(clap::Command::new("exec"));
    // Whether the long option `--name` (without `=value`) takes the next word as its value.
    let long_takes_value = |name: &str| {
        command.get_arguments().any(|a| {
            a.get_long() == Some(name)
                && a.get_action().takes_values()
                && !a.is_require_equals_set()
        })
    };
    let mut i = 2;
    while let Some(word) = argv.get(i).and_then(|w| w.to_str()) {
        if word == "--" || !word.starts_with('-') || word == "-" {
            return;
        }
        if let Some(long) = word.strip_prefix("--") {
            i += if !long.contains('=') && long_takes_value(long) { 2 } else { 1 };
            continue;
        }
        // A cluster of short flags (`-v`), ending at `-c`/`-m`, whose value is the rest of the
        // word or the next one.
        match word[1..].find(['c', 'm']) {
            Some(at) => {
                let value_in_word = at + 2 < word.len();
                let after = if value_in_word { i + 1 } else { i + 2 };
                if after <= argv.len() && argv.get(after).is_none_or(|w| w != "--") {
                    argv.insert(after, "--".into());
                }
                return;
            }
            None => i += 1,
        }
    }
}

/// The exit status of a command's result, its error printed.
fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("pysbx: error: {}", error_message(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes joined by `: `, as `{:#}` does, except a cause whose text the
/// message already ends with (library errors print their I/O cause and also return it as
/// their source: `a.yaml: cannot read policy file: No such file or directory`, once).
fn error_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.is_empty() {
            message = text;
        } else if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}

/// A closed stdout (`pysbx scan . | head`) is not an error, as in ripgrep.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once("pysbx").chain(args.iter().copied()).map(Into::into).collect()
    }

    #[test]
    fn a_cause_the_message_already_ends_with_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = anyhow::Error::new(pysbx_sandbox::PolicyError::Io {
            path: "p.yaml".into(),
            source: io,
        })
        .context("pysbx exec");
        assert_eq!(
            error_message(&err),
            "pysbx exec: p.yaml: cannot read policy file: no such file"
        );
        let err = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_message(&err), "outer: inner");
    }

    #[test]
    fn exec_parsed_alone_gives_what_the_full_parser_gives() {
        for args in [
            &["exec", "hello.py"][..],
            &["exec", "--no-config", "--python", "/usr/bin/python3", "hello.py", "--", "-x", "y"],
            &["exec", "-c", "print(1)"],
            &["exec", "-m", "http.server", "--", "8000"],
            &["exec", "--no-gate", "--no-cache", "--policy", "p.yaml", "a.py", "--", "b", "--c"],
            &["exec", "--require-isolation=landlock,seccomp", "-v", "a.py"],
            &["exec", "--require-isolation", "--events", "e.jsonl", "--audit", "a.py"],
            &["exec", "--select", "PSB1", "--ignore", "PSB101", "a.py"],
            &["exec", "a.py", "extra", "-v", "--policy", "p.yaml"],
            &["exec", "-c", "print(1)", "a", "--", "-b"],
        ] {
            let alone = exec_args_alone(&argv(args)).expect("parsed alone");
            let full = match Cli::try_parse_from(argv(args)).expect("parsed in full").command {
                Command::Exec(full) => full,
                other => panic!("not exec: {other:?}"),
            };
            assert_eq!(format!("{alone:?}"), format!("{full:?}"), "{args:?}");
        }
    }

    #[test]
    fn what_follows_the_code_or_the_module_is_the_programs() {
        let normal = |args: &[&str]| {
            let mut v = argv(args);
            program_owns_the_rest(&mut v);
            v.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>()
        };
        assert_eq!(normal(&["exec", "-m", "pytest", "-v"]), ["exec", "-m", "pytest", "--", "-v"]);
        assert_eq!(
            normal(&["exec", "-v", "--policy", "p.yaml", "-m", "pip", "--version"]),
            ["exec", "-v", "--policy", "p.yaml", "-m", "pip", "--", "--version"]
        );
        assert_eq!(
            normal(&["exec", "-mjson.tool", "--sort-keys"]),
            ["exec", "-mjson.tool", "--", "--sort-keys"]
        );
        assert_eq!(
            normal(&["exec", "-vc", "print(1)", "-x"]),
            ["exec", "-vc", "print(1)", "--", "-x"]
        );
        assert_eq!(
            normal(&["exec", "--require-isolation", "-c", "1"]),
            ["exec", "--require-isolation", "-c", "1", "--"]
        );
        // Left as they are: a `--` already there, a script first, another command.
        for args in [
            &["exec", "-m", "pkg", "--", "-v"][..],
            &["exec", "a.py", "-m", "x"],
            &["exec", "--policy", "-m", "a.py"],
            &["scan", "-m", "x"],
        ] {
            assert_eq!(normal(args), args, "{args:?}");
        }
        // A flag after the module reaches the program, not pysbx.
        let parsed = exec_args_alone(&{
            let mut v = argv(&["exec", "-m", "pytest", "-v"]);
            program_owns_the_rest(&mut v);
            v
        })
        .expect("parsed");
        assert!(!parsed.verbose);
        assert_eq!(parsed.program, ["-v"]);
    }

    #[test]
    fn help_version_errors_and_other_commands_go_to_the_full_parser() {
        for args in [
            &["exec", "--help"][..],
            &["exec", "-h"],
            &["exec", "--version"],
            &["exec", "--no-such-option", "a.py"],
            &["exec", "-c"],
            &["scan", "exec"],
            &["exec-not", "a.py"],
            &[],
        ] {
            assert!(exec_args_alone(&argv(args)).is_none(), "{args:?}");
        }
    }
}
