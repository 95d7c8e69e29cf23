//! End-to-end tests of the `pysbx` binary, one module per command.

mod common;
mod rules_cmd;
mod sanitize;
mod scan;
