//! pθ: the reverse process of diffusion models, as an interactive lesson.
//!
//! `diffusion` is the math, `model` the denoiser, `data` the datasets (the 2-D worlds and
//! `digits`, the 8×8 images, with `image_eval` the figures that fit them), `chain` the reverse
//! Markov chain on the CPU, `cpu_mlp` the fused network forward it runs, `gpu` the same chain in
//! WebGPU buffers, `lesson` the numbers the lesson page plots; `quiz` the quiz format, its
//! grading and its generated questions; `train` and `eval` are native-only; `wasm`,
//! `wasm_lesson` and `wasm_quiz` are the thin browser bindings.

pub mod catalog;
pub mod chain;
pub mod cpu_mlp;
pub mod data;
pub mod diffusion;
pub mod digits;
pub mod elements;
pub mod engine;
pub mod eval;
pub mod gpu;
pub mod histogram;
pub mod image_eval;
pub mod lesson;
pub mod model;
mod names;
pub mod quiz;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
#[cfg(target_arch = "wasm32")]
pub mod wasm_catalog;
#[cfg(target_arch = "wasm32")]
pub mod wasm_lesson;
#[cfg(target_arch = "wasm32")]
pub mod wasm_quiz;
