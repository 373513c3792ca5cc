//! The state of the model: the data types of its agents, their network and
//! exchanges, the institutions, the territory and the sector table, what
//! holds during a step (the regime, the proximity kernel, prices), and the
//! [`model::Model`] that holds them all. Files here import no mechanism:
//! behaviour lives in `mechanisms`, the order of a step in `schedule`.

pub mod agents;
pub mod authorities;
pub mod bookkeeping;
pub mod cells;
pub mod context;
pub mod enterprise;
pub mod exchanges;
pub mod institutions;
pub mod materials;
pub mod model;
pub mod network;
pub mod proximity;
pub mod reach;
pub mod regimes;
pub mod sectors;
pub mod tally;
pub mod territory;
pub mod timings;
