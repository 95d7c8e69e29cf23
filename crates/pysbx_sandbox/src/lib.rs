//! The sandbox: runtime policy, the confined child launcher, the in-child guard and events.
//!
//! [`run()`] runs one program: it resolves the interpreter, passes the entry program through the
//! static gate (a callback, so this crate knows nothing of rules), starts the [`trampoline`]
//! (forked early by `pysbx exec` while it has one thread, see [`trampoline::Prefork`], else
//! `pysbx` re-executed) that confines itself (namespaces, uid drop, rlimits, Landlock, seccomp)
//! and then executes `python3 -I -B` with the guard's bootstrap, and supervises the run.
#![deny(missing_docs)]

mod alerts;
mod confine;
mod error;
pub mod events;
pub mod interp;
mod launch;
pub mod learn;
mod leftover;
mod netdns;
mod netrelay;
mod plan;
pub mod policy;
mod protocol;
pub mod repl;
mod run;
mod stop;
mod sys;
pub mod tier;
pub mod trampoline;

pub use error::{PolicyError, Position, SandboxError};
pub use events::{End, EndReason, Event, EventKind, Outcome, StackFrame};
pub use interp::Interpreter;
pub use policy::Policy;
pub use repl::{ReplFrontend, ReplInput, ReplLine, ReplReader, ReplSession};
pub use run::{
    EXIT_INTERNAL, EXIT_LIMIT, EXIT_VIOLATION, ExecRequest, Gate, GateFinding, GateReply,
    MAX_GATED_SOURCE, Program, passthrough_gate, run, run_learning, run_with_input,
};
pub use stop::{end_on_signals, stop_on_signals};
pub use tier::{ALL_LAYERS, LayerState, Tier};
