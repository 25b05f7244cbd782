//! The WebGPU backend: the whole reverse chain in GPU buffers, driven through wgpu (the browser's
//! WebGPU on wasm, Vulkan natively, where the same kernels are tested on lavapipe).
//!
//! - [`context`]: finding an adapter and a device, checking limits, watching for device loss.
//! - [`contract`]: the codes, record layout, slot size and structs shared with WGSL, written once
//!   and emitted as the kernels' prelude.
//! - [`kernels`]: the compute pipelines and their layouts, built once per device.
//! - [`chain`]: [`GpuChain`], the GPU twin of [`crate::chain::Chain`]: bind groups and buffers
//!   built once per chain; a step is a few dispatches and no readback.
//! - [`readback`]: the few reads the page needs (positions, one inspected sample, a histogram).
//! - `render` (wasm only): draws the points straight from the chain's state buffer.
//!
//! The WGSL lives next to this file, one kernel family per file.

pub mod chain;
pub mod context;
pub mod contract;
pub mod kernels;
pub mod readback;
#[cfg(target_arch = "wasm32")]
pub mod render;

pub use chain::{BurstTiming, GpuChain, LinearKernel};
pub use context::{Gpu, GpuError};
