//! Shared by the test crates that compare two chains (`mod common;`): cross.rs and web.rs (the
//! native and the browser chain against one stored reference), gpu.rs and web_gpu.rs (the GPU
//! chain against the CPU chain, natively and in the browser), fast_forward.rs and web.rs (the
//! fused CPU forward against candle's).
#![allow(dead_code)] // each crate uses the helpers it needs

/// Largest allowed difference of any coordinate at any compared step, for every comparison of two
/// chains that run the same f32 network with different instructions:
///
/// - browser and native (cross.rs, web.rs): both chains run the fused forward of src/cpu_mlp.rs,
///   which gives the same bits on every kernel, but the stored reference was recorded with
///   candle's forward (it differs by [`FORWARD_TOLERANCE`]'s rounding), and the step's f64
///   arithmetic calls another libm in wasm. Those ~1e-6 differences pass through 50 steps (the
///   native chain is within 6.7e-6 of the reference).
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

/// Largest difference of any output from candle's, relative to max(1, |candle's|), on one forward.
///
/// Both compute the same f32 network; they differ only in rounding: the matmuls sum in another
/// order (gemm's blocked AVX order there, k = 0, 1, … here), sin and cos and the GELU's exp are
/// polynomials here (≤ 2 ulp) where candle calls libm, and the GELU is written v / (1 + e^(−2u))
/// instead of 0.5·v·(1 + tanh u). Each is ~1e-7 relative per operation; through five layers of
/// sums of up to 384 terms the outputs of the shipped models differ by at most 1.6e-6 (measured
/// natively, AVX2 gemm; the test prints the worst of each model). 1e-5 leaves that a factor of
/// six for another platform's gemm order and libm (tests/web.rs checks the browser against the
/// same bound), and stays far below what one wrong weight does: the negative control adds 0.05 to
/// one packed weight and must move some output by more than ten times the tolerance (it moves
/// them by 2.3e-4 to 8.2e-3, the test prints each).
pub const FORWARD_TOLERANCE: f32 = 1e-5;

/// [`FORWARD_TOLERANCE`] for the digits' network (64 pixels, src/model.rs's
/// `ModelConfig::for_dataset`), which is wider where the rounding adds up: its input layer sums
/// 1040 features (1024 of them sin and cos within 2 ulp of libm's) instead of 384, into 256 hidden
/// units instead of 128. Its shipped models differ from candle by at most 1.16e-5 natively on
/// [`forward_inputs`] (digits-epsilon at t = 1, where ε̂'s gain is largest; 1.22e-5 on clean
/// held-out digits there, 7e-6 at the other timesteps), above the plane's 1e-5.
/// 5e-5 leaves a factor four, and one wrong weight still moves its outputs by 3.0e-2, 600 times it.
pub const IMAGE_FORWARD_TOLERANCE: f32 = 5e-5;

/// The forward tolerance for a network of `dim` inputs: the plane's, or the digits'.
pub fn forward_tolerance(dim: usize) -> f32 {
    if dim == 2 {
        FORWARD_TOLERANCE
    } else {
        IMAGE_FORWARD_TOLERANCE
    }
}

/// 77 points (not a multiple of the tile, nor of the micro-tile): a grid over the view and past
/// it, where the chain starts (x_T ~ N(0, I)) and where it ends, and one point far enough out that
/// its largest sinusoid arguments go to libm (|25 · 100| > 2048).
pub fn forward_points() -> Vec<f32> {
    let mut v = Vec::new();
    for i in 0..8 {
        for j in 0..9 {
            v.push(-4.0 + i as f32 * 8.0 / 7.0);
            v.push(-3.5 + j as f32 * 0.9);
        }
    }
    v.extend([0.0, 0.0, 1e-3, -1e-3, 10.0, -10.0, 100.0, 0.5, -0.25, 60.0]);
    assert_eq!(v.len() / 2, 77);
    assert!(!(v.len() / 2).is_multiple_of(ptheta::cpu_mlp::TILE));
    v
}

/// 77 inputs of `dim` values: [`forward_points`] in the plane; in more dimensions the same values
/// in turn, so the images hold the grid's values, the chain's start and end, and the far ones.
pub fn forward_inputs(dim: usize) -> Vec<f32> {
    let points = forward_points();
    if dim == 2 {
        return points;
    }
    (0..77 * dim).map(|i| points[(i * 7) % points.len()]).collect()
}

/// Training timesteps to compare at: both ends, the middle, and two in between.
pub fn forward_timesteps(config: &ptheta::model::ModelConfig) -> Vec<usize> {
    let last = config.timesteps - 1;
    vec![0, 1, last / 3, last / 2, last - 1, last]
}

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

/// Makes `gpu` report an error without losing the device, as a failed validation would: it asks
/// for a buffer wgpu refuses (MAP_READ with STORAGE), which the uncaptured-error handler records.
#[cfg(not(target_arch = "wasm32"))]
pub fn report_a_device_error(gpu: &ptheta::gpu::Gpu) {
    let _refused = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("not a valid buffer"),
        size: 16,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
}
