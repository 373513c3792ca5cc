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

pub mod agents;
pub mod compare;
pub mod cooperation;
pub mod demography;
pub mod error;
pub mod governance;
pub mod init;
pub mod innovation;
pub mod institutions;
pub mod labour;
pub mod materials;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod output;
pub mod production;
pub mod proximity;
pub mod reach;
pub mod regimes;
pub mod scenario;
pub mod sectors;
pub mod shocks;
pub mod sweep;
pub mod symbiosis;
pub mod territory;
pub mod util;

pub use error::{Error, Result};
pub use model::{Model, StepOutput};
pub use scenario::Scenario;
