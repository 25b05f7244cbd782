//! pθ: the reverse process of diffusion models, as an interactive lesson.
//!
//! `diffusion` is the math, `model` the denoiser, `data` the 2-D worlds, `chain` the reverse
//! Markov chain on the CPU, `gpu` the same chain in WebGPU buffers; `train` and `eval` are native-only; `wasm` is the thin browser binding.

pub mod chain;
pub mod data;
pub mod diffusion;
pub mod eval;
pub mod gpu;
pub mod model;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
