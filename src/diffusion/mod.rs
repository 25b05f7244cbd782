//! The diffusion math: plain Rust, no wasm, GPU or tensor library, tested against golden values.

pub mod param;
pub mod rng;
pub mod schedule;

pub use param::{Parameterization, Prediction, Variance};
pub use schedule::{Schedule, ScheduleKind};
