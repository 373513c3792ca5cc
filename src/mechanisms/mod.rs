//! The mechanisms: the behaviour of a step, one file per phase or concept
//! of the model (docs/MODEL.md, section 7). Each reads and writes the state
//! (`state`) with the helpers of `util`, and imports no other mechanism:
//! what two mechanisms share lives below them. The order in which they run
//! is the schedule's (`schedule`).

pub mod citizens;
pub mod cooperation;
pub mod demography;
pub mod enterprises;
pub mod governance;
pub mod innovation;
pub mod institutions;
pub mod instruments;
pub mod labour;
pub mod production;
pub mod shocks;
pub mod symbiosis;
