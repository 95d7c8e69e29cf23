//! End-to-end tests of the `pysbx` binary, one module per command.

mod audit;
mod cache;
mod common;
mod exec_benign;
mod exec_bombs;
mod exec_cli;
mod exec_escapes;
mod exec_gate_cache;
mod exec_guard_state;
mod exec_support;
mod policy_alerts;
mod policy_explain;
mod policy_features;
mod policy_io;
mod policy_learn;
mod policy_modules;
mod policy_network;
mod policy_permits;
mod policy_root;
mod precommit;
mod repl;
mod rules_cmd;
mod sanitize;
mod scan;
