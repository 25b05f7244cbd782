//! The fused CPU forward (src/cpu_mlp.rs) against candle's forward, the reference, for every
//! shipped model: the same outputs within [`FORWARD_TOLERANCE`], with a negative control; every
//! kernel this CPU runs gives the same bits; and a sample's output does not depend on the batch
//! around it.
#![cfg(not(target_arch = "wasm32"))]

use ptheta::cpu_mlp::{Kernel, PackedMlp, Scratch, TILE};
use ptheta::model::Denoiser;

mod common;
use common::worst_relative_difference;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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
/// one packed weight (the shipped ones are ~0.1) and must move some output by more than ten
/// times the tolerance (it moves them by 5e-4 to 1e-1).
pub const FORWARD_TOLERANCE: f32 = 1e-5;

/// The shipped models, from weights/manifest.json.
fn shipped() -> Vec<(String, Denoiser)> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/weights/manifest.json")).unwrap()).unwrap();
    let rows = manifest.as_array().unwrap();
    assert!(rows.len() >= 10, "the manifest lists the shipped models");
    rows.iter()
        .map(|row| {
            let file = row["file"].as_str().unwrap().to_string();
            let bytes = std::fs::read(format!("{ROOT}/weights/{file}")).unwrap();
            (file, Denoiser::from_safetensors(&bytes).unwrap())
        })
        .collect()
}

/// 77 points (not a multiple of the tile, nor of the micro-tile): a grid over the view and past
/// it, where the chain starts (x_T ~ N(0, I)) and where it ends, and one point far enough out that
/// its largest sinusoid arguments go to libm (|25 · 100| > 2048).
fn points() -> Vec<f32> {
    let mut v = Vec::new();
    for i in 0..8 {
        for j in 0..9 {
            v.push(-4.0 + i as f32 * 8.0 / 7.0);
            v.push(-3.5 + j as f32 * 0.9);
        }
    }
    v.extend([0.0, 0.0, 1e-3, -1e-3, 10.0, -10.0, 100.0, 0.5, -0.25, 60.0]);
    assert_eq!(v.len() / 2, 77);
    assert!(!(v.len() / 2).is_multiple_of(TILE));
    v
}

/// Training timesteps to compare at: both ends, the middle, and two in between.
fn timesteps(model: &Denoiser) -> Vec<usize> {
    let last = model.config.timesteps - 1;
    vec![0, 1, last / 3, last / 2, last - 1, last]
}

fn fast(packed: &PackedMlp, kernel: Kernel, x: &[f32], timestep: usize) -> Vec<f32> {
    let mut out = Vec::new();
    packed.forward(kernel, x, timestep, &mut Scratch::default(), &mut out);
    out
}

/// The worst relative difference from candle over the points and timesteps, with `packed`.
fn worst_against_candle(model: &Denoiser, packed: &PackedMlp, kernel: Kernel) -> f32 {
    let x = points();
    let mut worst = 0f32;
    for t in timesteps(model) {
        let want = model.forward_slice(&x, t).unwrap();
        let ours = fast(packed, kernel, &x, t);
        worst = worst.max(worst_relative_difference(&ours, &want, &format!("t = {t}")));
    }
    worst
}

#[test]
fn fused_forward_equals_candle_for_every_shipped_model() {
    for (file, model) in shipped() {
        let packed = model.packed().expect("a loaded model is packed");
        for kernel in Kernel::available() {
            let worst = worst_against_candle(&model, packed, kernel);
            println!("{file} {kernel:?}: worst relative difference {worst:.2e}");
            assert!(
                worst < FORWARD_TOLERANCE,
                "{file}, {kernel:?}: the fused forward differs from candle's by {worst}"
            );
        }
    }
}

#[test]
fn a_wrong_packed_weight_is_caught() {
    for (file, model) in shipped() {
        let mut packed = model.packed().unwrap().clone();
        packed.perturb_one_weight(0.05);
        let worst = worst_against_candle(&model, &packed, Kernel::best());
        assert!(
            worst > 10.0 * FORWARD_TOLERANCE,
            "{file}: one packed weight off by 0.05 moved the outputs by only {worst}"
        );
    }
}

#[test]
fn every_kernel_gives_the_same_bits() {
    let x = points();
    for (file, model) in shipped() {
        let packed = model.packed().unwrap();
        for t in timesteps(&model) {
            let portable = fast(packed, Kernel::Portable, &x, t);
            for kernel in Kernel::available() {
                assert_eq!(fast(packed, kernel, &x, t), portable, "{file}, t = {t}, {kernel:?}");
            }
        }
    }
}

/// Each sample goes through the same operations wherever it sits in the batch, so the inspector's
/// one-sample forward equals the chain's step bit for bit.
#[test]
fn a_sample_does_not_depend_on_its_batch() {
    let x = points();
    let (_, model) = shipped().swap_remove(0);
    let packed = model.packed().unwrap();
    let od = packed.output_dim();
    let mut scratch = Scratch::default();
    let mut all = Vec::new();
    packed.forward(Kernel::best(), &x, 500, &mut scratch, &mut all);
    for k in [0, 5, TILE - 1, TILE, 76] {
        let mut one = Vec::new();
        // the same scratch, reused: what is left in it from a larger batch must not matter
        packed.forward(Kernel::best(), &x[2 * k..2 * k + 2], 500, &mut scratch, &mut one);
        assert_eq!(one, all[od * k..od * (k + 1)], "sample {k}");
    }
}
