//! One module per subcommand.

pub(crate) mod exec;
pub(crate) mod merge;
pub(crate) mod policy;
pub(crate) mod repl;
pub(crate) mod rules;
pub(crate) mod sanitize;
pub(crate) mod scan;
