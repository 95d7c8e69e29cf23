//! The trampoline: the re-executed `pysbx` process that confines itself, then execs Python.

use std::process::ExitCode;

/// The argument that marks a trampoline invocation of the `pysbx` binary.
pub const TRAMPOLINE_ARG: &str = "__pysbx-trampoline";

/// If this process was started as the sandbox trampoline, runs it and returns its exit code;
/// otherwise returns `None` and the binary carries on with normal argument parsing.
#[must_use]
pub fn dispatch_if_trampoline() -> Option<ExitCode> {
    let first = std::env::args_os().nth(1)?;
    if first != TRAMPOLINE_ARG {
        return None;
    }
    Some(ExitCode::from(125))
}
