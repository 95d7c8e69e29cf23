//! The `pysbx` binary: argument parsing and dispatch to one module per subcommand.

mod alloc;
mod args;
mod baseline;
mod cache;
mod commands;
mod config;
mod distributions;
mod output;
mod pipeline;

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
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version on stdout with exit 0, usage errors on stderr with 2.
            let _ = err.print();
            return if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(&args),
        Command::Sanitize(args) => commands::sanitize::run(&args),
        Command::Exec(args) => commands::exec::run(&args),
        Command::Repl(args) => commands::repl::run(&args),
        Command::Policy(args) => commands::policy::run(&args),
        Command::Rules(args) => commands::rules::run(&args),
        Command::Merge(args) => commands::merge::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("pysbx: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A closed stdout (`pysbx scan . | head`) is not an error, as in ripgrep.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
