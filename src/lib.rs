//! Proxima: an agent-based simulator of how territorial productive systems
//! (industrial districts, local productive systems, clusters, industrial and
//! business ecosystems) evolve from 1950 to today.
//!
//! The library holds the model; the `proxima` binary is a thin command line
//! over it. See `docs/MODEL.md` for the ODD description.

pub mod error;
pub mod scenario;

pub use error::{Error, Result};
pub use scenario::Scenario;
