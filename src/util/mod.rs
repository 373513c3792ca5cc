//! Small helpers the model shares, each in a file named for what it does.
//! They import nothing of the crate but each other (and the error type),
//! so that any layer may use them.

pub mod apportion;
pub mod draw;
pub mod geometry;
pub mod input;
pub mod par;
pub mod profile;
pub mod rng;
