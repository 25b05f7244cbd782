//! The fused CPU forward (src/cpu_mlp.rs) against candle's forward, the reference, for every
//! shipped model: the same outputs within [`FORWARD_TOLERANCE`] (in the plane; the digits'
//! wider network within [`forward_tolerance`]'s), with a negative control; every
//! kernel this CPU runs gives the same bits; and a sample's output does not depend on the batch
//! around it.
#![cfg(not(target_arch = "wasm32"))]

use ptheta::cpu_mlp::{Kernel, PackedMlp, Scratch, TILE};
use ptheta::model::Denoiser;

mod common;
use common::{forward_inputs, forward_timesteps, forward_tolerance, worst_relative_difference, FORWARD_TOLERANCE};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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

fn fast(packed: &PackedMlp, kernel: Kernel, x: &[f32], timestep: usize) -> Vec<f32> {
    let mut out = Vec::new();
    packed.forward(kernel, x, timestep, &mut Scratch::default(), &mut out);
    out
}

/// The worst relative difference from candle over the points and timesteps, with `packed`.
fn worst_against_candle(model: &Denoiser, packed: &PackedMlp, kernel: Kernel) -> f32 {
    let x = forward_inputs(model.config.dim);
    let mut worst = 0f32;
    for t in forward_timesteps(&model.config) {
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
                worst < forward_tolerance(model.config.dim),
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
        println!("{file}: one wrong weight moves the outputs by {worst:.1e}");
        assert!(
            worst > 10.0 * forward_tolerance(model.config.dim),
            "{file}: one packed weight off by 0.05 moved the outputs by only {worst}"
        );
    }
}

#[test]
fn every_kernel_gives_the_same_bits() {
    for (file, model) in shipped() {
        let x = forward_inputs(model.config.dim);
        let packed = model.packed().unwrap();
        for t in forward_timesteps(&model.config) {
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
    // one model of each dimension
    let mut models = shipped();
    models.dedup_by_key(|(_, m)| m.config.dim);
    for (file, model) in models {
        let packed = model.packed().unwrap();
        let (dim, od) = (packed.dim(), packed.output_dim());
        let x = forward_inputs(dim);
        let mut scratch = Scratch::default();
        let mut all = Vec::new();
        packed.forward(Kernel::best(), &x, 500, &mut scratch, &mut all);
        for k in [0, 5, TILE - 1, TILE, 76] {
            let mut one = Vec::new();
            // the same scratch, reused: what is left in it from a larger batch must not matter
            packed.forward(Kernel::best(), &x[dim * k..dim * (k + 1)], 500, &mut scratch, &mut one);
            assert_eq!(one, all[od * k..od * (k + 1)], "{file}, sample {k}");
        }
    }
}

/// Shapes the catalog accepts besides the shipped one: hidden widths and embedding halves that
/// are not multiples of the panel width (the packing pads them), no residual block, four outputs,
/// a small T and another input scale. Random weights of the shipped models' scale.
#[test]
fn fused_forward_equals_candle_for_other_shapes() {
    use candle_core::{Device, Tensor};
    use ptheta::diffusion::{Parameterization, ScheduleKind};
    use ptheta::model::{to_safetensors, ModelConfig};
    // (dim, emb, hidden, blocks, parameterization); 64 is an 8×8 image, its input layer the
    // widest the catalog accepts (65 · 16 features), its outputs 64 or 128
    let shapes = [
        (2, 4, 1, 0, Parameterization::Epsilon),
        (2, 6, 13, 1, Parameterization::MeanVariance),
        (2, 12, 6, 2, Parameterization::X0),
        (2, 20, 9, 0, Parameterization::EpsilonVariance),
        (2, 256, 256, 1, Parameterization::V),
        (64, 16, 256, 3, Parameterization::Epsilon),
        (64, 6, 13, 1, Parameterization::EpsilonVariance),
    ];
    for (k, (dim, emb, hidden, blocks, p)) in shapes.into_iter().enumerate() {
        let mut c = ModelConfig::standard(p, ScheduleKind::Cosine, 40);
        (c.dim, c.emb_size, c.hidden, c.blocks, c.input_scale) = (dim, emb, hidden, blocks, 3.0 + k as f64);
        let tensors: Vec<_> = c
            .tensor_shapes()
            .into_iter()
            .map(|(name, shape)| {
                let len: usize = shape.iter().product();
                let fan_in = *shape.last().unwrap() as f32;
                let v: Vec<f32> = (0..len)
                    .map(|i| ((i as f32 * 0.618 + k as f32).sin() * 43758.5).fract() * 2.0 / fan_in.sqrt())
                    .collect();
                (name, Tensor::from_vec(v, shape.as_slice(), &Device::Cpu).unwrap())
            })
            .collect();
        let model = Denoiser::from_safetensors(&to_safetensors(&c, &tensors).unwrap()).unwrap();
        let packed = model.packed().unwrap();
        assert_eq!((packed.dim(), packed.output_dim()), (dim, p.output_dim(dim)));
        for kernel in Kernel::available() {
            let worst = worst_against_candle(&model, packed, kernel);
            println!("dim {dim}, emb {emb}, hidden {hidden}, {blocks} blocks, {p}, {kernel:?}: {worst:.2e}");
            assert!(
                worst < forward_tolerance(dim),
                "dim {dim}, emb {emb}, hidden {hidden}, {blocks} blocks, {p}: {worst}"
            );
        }
        let mut wrong = packed.clone();
        wrong.perturb_one_weight(0.05);
        assert!(worst_against_candle(&model, &wrong, Kernel::best()) > forward_tolerance(dim));
    }
}

/// Inputs no chain should reach still go through without a panic, as candle's do: a coordinate
/// beyond f32's sinusoid reduction gives libm's sin and cos (the same outputs as candle), an
/// infinite or NaN one NaN outputs.
#[test]
fn extreme_inputs_give_what_candle_gives() {
    let (_, model) = shipped().swap_remove(0);
    let packed = model.packed().unwrap();
    let x = [1e30, -3e7, 0.5, f32::INFINITY, f32::NAN, 0.0, 4e3, -0.0];
    for kernel in Kernel::available() {
        let ours = fast(packed, kernel, &x, 10);
        let want = model.forward_slice(&x, 10).unwrap();
        for (k, (a, b)) in ours.iter().zip(&want).enumerate() {
            let sample = k / packed.output_dim();
            if sample == 1 || sample == 2 {
                assert!(a.is_nan() && b.is_nan(), "{kernel:?}, output {k}: {a}, candle {b}");
            } else {
                assert!(
                    (a - b).abs() < FORWARD_TOLERANCE * b.abs().max(1.0),
                    "{kernel:?}, output {k}: {a}, candle {b}"
                );
            }
        }
    }
}

/// Not a test: ms per forward of 4096 samples on each kernel and on candle, in the profile the
/// tests build with (`cargo test --test fast_forward timing -- --ignored --nocapture`).
/// Ignored because it measures and asserts nothing: timings on shared machines belong in
/// benchmarks, never in the suite.
#[test]
#[ignore]
fn timing() {
    let (_, model) = shipped().swap_remove(0);
    let packed = model.packed().unwrap();
    let x: Vec<f32> = (0..8192).map(|i| ((i * 7919) % 1000) as f32 / 300.0 - 1.6).collect();
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for kernel in Kernel::available() {
        let t0 = std::time::Instant::now();
        for _ in 0..5 {
            packed.forward(kernel, &x, 500, &mut scratch, &mut out);
        }
        println!(
            "{kernel:?}: {:.1} ms per forward of 4096",
            t0.elapsed().as_secs_f64() * 200.0
        );
    }
    let t0 = std::time::Instant::now();
    for _ in 0..5 {
        model.forward_slice(&x, 500).unwrap();
    }
    println!(
        "candle: {:.1} ms per forward of 4096",
        t0.elapsed().as_secs_f64() * 200.0
    );
}
