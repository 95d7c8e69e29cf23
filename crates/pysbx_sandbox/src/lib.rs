//! The sandbox: runtime policy, the confined child launcher, the in-child guard and events.
#![deny(missing_docs)]

mod error;
pub mod policy;
pub mod trampoline;

pub use error::{PolicyError, Position, SandboxError};
pub use policy::Policy;
