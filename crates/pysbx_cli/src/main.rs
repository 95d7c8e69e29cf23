//! The `pysbx` binary.
fn main() {}
