//! Proxima: an agent-based simulator of how territorial productive systems
//! (industrial districts, local productive systems, clusters, industrial and
//! business ecosystems) evolve from 1950 to today.
//!
//! The library holds the model; the `proxima` binary is a thin command line
//! over it. See `docs/MODEL.md` for the ODD description.
//!
//! ```no_run
//! let resolved = proxima::scenario::load("scenarios/default.toml".as_ref(), &[])?;
//! let mut model = proxima::Model::new(resolved.scenario)?;
//! while !model.is_done() {
//!     let out = model.step()?;
//!     println!("{} {}", out.row.year, out.row.large_firm_employment_share);
//! }
//! # Ok::<(), proxima::Error>(())
//! ```

// Helpers: shared by every layer above.
pub mod error;
pub mod util;
// Input: the scenario, checked once.
pub mod scenario;
// State: data types of the model, importing no behaviour.
pub mod state;
// Behaviour: one file per mechanism, importing no other mechanism.
pub mod mechanisms;
// Statistics: the output rows of a step.
pub mod statistics;
// Schedule: the initial state and the order of a step's phases.
pub mod schedule;
// Application: a run to a folder, sweeps, comparisons, memory estimate,
// figures, sensitivity indices, calibration.
pub mod calibrate;
pub mod compare;
pub mod memory;
pub mod output;
pub mod plot;
pub mod sensitivity;
pub mod sweep;

pub use error::{Error, Result};
pub use scenario::Scenario;
pub use state::model::Model;
pub use statistics::StepOutput;
