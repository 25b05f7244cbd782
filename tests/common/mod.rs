//! Shared by the test crates that compare two chains (`mod common;`): cross.rs and web.rs (the
//! native and the browser chain against one stored reference), gpu.rs and web_gpu.rs (the GPU
//! chain against the CPU chain, natively and in the browser).
#![allow(dead_code)] // each crate uses the helpers it needs

/// Largest allowed difference of any coordinate at any compared step, for every comparison of two
/// chains that run the same f32 network with different instructions:
///
/// - browser and native (cross.rs, web.rs): gemm's simd128 kernels sum in another order than its
///   AVX ones, and wasm's sin/cos come from another libm. Those ~1e-6 differences pass through 50
///   steps.
/// - GPU and CPU (gpu.rs, web_gpu.rs): the GPU sums the matmuls in another order, uses the
///   driver's exp/log/sqrt and trig.wgsl's sin/cos, and does the step's arithmetic in f32 where
///   the CPU uses f64. Those are ~1e-6 relative per step and pass through the chain (the reverse
///   process contracts, so they do not grow much: ≤ 1e-4 after 1000 steps natively; measured in
///   the browser ≤ 5e-6 over the 10-step chains, ≤ 1.4e-4 over 1000 steps). That holds on
///   SwiftShader only because the kernels compute sin/cos themselves (src/gpu/trig.wgsl): with
///   the builtins, which WebGPU lets be off by 2^-11, the 10-step chains differed by up to 3.5e-3
///   and the 1000-step chain of moons-mean by 0.57.
///
/// 2e-3 on points of spread ~1 sits far below what a wrong formula, a wrong noise draw, a wrong
/// weight or a wrong timestep gives (≥ 1e-1, checked by gpu.rs's `a_wrong_seed_is_caught`).
pub const TOLERANCE: f32 = 2e-3;

/// Largest |a − b| over the coordinates of `ours` and `want` (same length, all finite: a NaN
/// would otherwise hide in the maximum).
pub fn worst_abs_difference(ours: &[f32], want: &[f32]) -> f32 {
    assert_eq!(ours.len(), want.len(), "different numbers of coordinates");
    ours.iter()
        .zip(want)
        .enumerate()
        .map(|(k, (a, b))| {
            assert!(a.is_finite() && b.is_finite(), "coordinate {k} is {a}, expected {b}");
            (a - b).abs()
        })
        .fold(0.0, f32::max)
}

/// Largest |a − b| relative to max(1, |b|) (f32 resolves large values relatively), with `what`
/// naming the comparison when a coordinate is not finite.
pub fn worst_relative_difference(ours: &[f32], want: &[f32], what: &str) -> f32 {
    assert_eq!(ours.len(), want.len(), "{what}: different numbers of coordinates");
    let mut worst = 0f32;
    for (k, (a, b)) in ours.iter().zip(want).enumerate() {
        assert!(
            a.is_finite() && b.is_finite(),
            "{what}: coordinate {k} is {a} on the GPU, {b} on the CPU"
        );
        worst = worst.max((a - b).abs() / b.abs().max(1.0));
    }
    worst
}

/// The native GPU (lavapipe here), or None with the reason printed, so a machine without a Vulkan
/// driver skips the GPU tests; with `PTHETA_REQUIRE_GPU=1` (set by `cargo xtask test`, which
/// installs lavapipe) a missing adapter fails instead.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_gpu() -> Option<ptheta::gpu::Gpu> {
    match pollster::block_on(ptheta::gpu::Gpu::request()) {
        Ok(g) => Some(g),
        Err(e) if std::env::var("PTHETA_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("PTHETA_REQUIRE_GPU=1 but {e}")
        }
        Err(e) => {
            eprintln!("skipped: {e} (install mesa-vulkan-drivers for lavapipe)");
            None
        }
    }
}
