//! Runs in headless Chromium (`wasm-pack test --headless --chrome -- --test web`): the browser's
//! CPU chain, through the same wasm-bindgen API the page uses, reproduces the native chain; the
//! fused forward's simd128 kernel gives the portable kernel's bits and candle's outputs.
#![cfg(target_arch = "wasm32")]

use ptheta::wasm::WasmChain;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod common;
use common::{
    forward_inputs, forward_timesteps, forward_tolerance, worst_abs_difference, worst_relative_difference, TOLERANCE,
};

wasm_bindgen_test_configure!(run_in_browser);

const WEIGHTS: &[u8] = include_bytes!("../weights/moons-epsilon.safetensors");
const REFERENCE: &str = include_str!("data/chain-moons-epsilon.json");

async fn positions(chain: &WasmChain) -> Vec<f32> {
    let v = wasm_bindgen_futures::JsFuture::from(chain.positions()).await.unwrap();
    js_sys::Float32Array::from(v).to_vec()
}

async fn inspect(chain: &WasmChain, sample: usize) -> JsValue {
    wasm_bindgen_futures::JsFuture::from(chain.inspect(sample))
        .await
        .unwrap()
}

fn options(extra: &str) -> JsValue {
    js_sys::JSON::parse(&format!(
        r#"{{"steps": 50, "samples": 256, "seed": 7, "variance": "fixed-small"{extra}}}"#
    ))
    .unwrap()
}

#[wasm_bindgen_test]
async fn browser_chain_matches_native_reference() {
    let stored: serde_json::Value = serde_json::from_str(REFERENCE).unwrap();
    let states = stored["states"].as_array().unwrap();
    let mut chain = WasmChain::new(WEIGHTS, options("")).unwrap();
    let mut k = 0;
    loop {
        if chain.t().is_multiple_of(10) {
            let ours = positions(&chain).await;
            let want: Vec<f32> = states[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            let worst = worst_abs_difference(&ours, &want);
            assert!(worst < TOLERANCE, "t = {}: largest difference {worst}", chain.t());
            k += 1;
        }
        if chain.t() == 0 {
            break;
        }
        chain.step(1).unwrap();
    }
    assert_eq!(k, 6);
}

#[wasm_bindgen_test]
async fn step_back_restores_the_exact_state() {
    let mut chain = WasmChain::new(WEIGHTS, options("")).unwrap();
    chain.step(20).unwrap();
    let before = positions(&chain).await;
    chain.step(3).unwrap();
    for _ in 0..3 {
        chain.step_back().unwrap();
    }
    assert_eq!(chain.t(), 30);
    assert_eq!(positions(&chain).await, before);
}

#[wasm_bindgen_test]
fn bad_input_gets_a_specific_error() {
    let msg = |r: Result<WasmChain, wasm_bindgen::JsError>| {
        let v: JsValue = match r {
            Ok(c) => panic!("accepted, info {:?}", c.info().ok()),
            Err(e) => e.into(),
        };
        js_sys::Error::from(v).message().as_string().unwrap()
    };
    assert!(msg(WasmChain::new(&WEIGHTS[..1000], options(""))).contains("truncated"));
    assert!(msg(WasmChain::new(b"hello world, not weights", options(""))).contains("safetensors"));
    assert!(msg(WasmChain::new(WEIGHTS, options(r#", "variance": "learned""#))).contains("mean-variance"));
    assert!(msg(WasmChain::new(WEIGHTS, options(r#", "parameterization": "x0""#))).contains("predict 'epsilon'"));
    assert!(msg(WasmChain::new(WEIGHTS, options(r#", "colour": 1"#))).contains("colour"));
}

#[wasm_bindgen_test]
async fn inspect_matches_the_step_it_describes() {
    let mut chain = WasmChain::new(WEIGHTS, options("")).unwrap();
    chain.step(10).unwrap();
    let v = inspect(&chain, 5).await;
    let get =
        |k: &str| -> Vec<f64> { serde_wasm_bindgen::from_value(js_sys::Reflect::get(&v, &k.into()).unwrap()).unwrap() };
    let (mean, sigma, z, x_prev) = (get("mean"), get("sigma"), get("z"), get("x_prev"));
    for d in 0..2 {
        assert!((mean[d] + sigma[d] * z[d] - x_prev[d]).abs() < 1e-9);
    }
    chain.step(1).unwrap();
    let after = positions(&chain).await;
    for d in 0..2 {
        assert!(
            (after[10 + d] as f64 - x_prev[d]).abs() < 1e-4,
            "inspect predicts the step"
        );
    }
}

/// Every shipped model, named as in weights/manifest.json (checked against it below).
const SHIPPED: [(&str, &[u8]); 13] = [
    (
        "moons-epsilon.safetensors",
        include_bytes!("../weights/moons-epsilon.safetensors"),
    ),
    (
        "swiss-roll-epsilon.safetensors",
        include_bytes!("../weights/swiss-roll-epsilon.safetensors"),
    ),
    (
        "checkerboard-epsilon.safetensors",
        include_bytes!("../weights/checkerboard-epsilon.safetensors"),
    ),
    (
        "circles-epsilon.safetensors",
        include_bytes!("../weights/circles-epsilon.safetensors"),
    ),
    (
        "letters-epsilon.safetensors",
        include_bytes!("../weights/letters-epsilon.safetensors"),
    ),
    (
        "eight-gaussians-epsilon.safetensors",
        include_bytes!("../weights/eight-gaussians-epsilon.safetensors"),
    ),
    (
        "moons-x0.safetensors",
        include_bytes!("../weights/moons-x0.safetensors"),
    ),
    ("moons-v.safetensors", include_bytes!("../weights/moons-v.safetensors")),
    (
        "moons-mean.safetensors",
        include_bytes!("../weights/moons-mean.safetensors"),
    ),
    (
        "moons-mean-variance.safetensors",
        include_bytes!("../weights/moons-mean-variance.safetensors"),
    ),
    (
        "moons-epsilon-variance.safetensors",
        include_bytes!("../weights/moons-epsilon-variance.safetensors"),
    ),
    (
        "digits-epsilon.safetensors",
        include_bytes!("../weights/digits-epsilon.safetensors"),
    ),
    (
        "digits-epsilon-variance.safetensors",
        include_bytes!("../weights/digits-epsilon-variance.safetensors"),
    ),
];

/// The shipped build has simd128, so the browser's CPU chain runs the simd128 kernel; it gives
/// the portable kernel's bits (the scalar build runs the portable code) and candle's outputs
/// within the forward tolerance, for every shipped model.
#[wasm_bindgen_test]
fn simd128_kernel_equals_portable_and_candle_for_every_shipped_model() {
    use ptheta::cpu_mlp::{Kernel, Scratch};
    use ptheta::model::Denoiser;
    // Kernel::Simd128 exists only in a simd128 build: without it this does not compile
    assert_eq!(Kernel::best(), Kernel::Simd128);
    let manifest: serde_json::Value = serde_json::from_str(include_str!("../weights/manifest.json")).unwrap();
    let mut listed: Vec<&str> = manifest
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    let mut ours: Vec<&str> = SHIPPED.iter().map(|(f, _)| *f).collect();
    listed.sort();
    ours.sort();
    assert_eq!(ours, listed, "SHIPPED lists the manifest's models");
    let mut scratch = Scratch::default();
    let run = |packed: &ptheta::cpu_mlp::PackedMlp, x: &[f32], kernel, t, scratch: &mut Scratch| {
        let mut out = Vec::new();
        packed.forward(kernel, x, t, scratch, &mut out);
        out
    };
    for (file, bytes) in SHIPPED {
        let model = Denoiser::from_safetensors(bytes).unwrap();
        let packed = model.packed().unwrap();
        // the plane's points, or images of the same values (tests/common/mod.rs)
        let x = forward_inputs(model.config.dim);
        let tolerance = forward_tolerance(model.config.dim);
        for t in forward_timesteps(&model.config) {
            let simd = run(packed, &x, Kernel::Simd128, t, &mut scratch);
            let portable = run(packed, &x, Kernel::Portable, t, &mut scratch);
            assert_eq!(simd, portable, "{file}, t = {t}: simd128 and portable differ");
            let candle = model.forward_slice(&x, t).unwrap();
            let worst = worst_relative_difference(&simd, &candle, file);
            assert!(
                worst < tolerance,
                "{file}, t = {t}: simd128 differs from candle by {worst}"
            );
        }
        // negative control: one wrong packed weight is seen (as in tests/fast_forward.rs)
        let mut wrong = packed.clone();
        wrong.perturb_one_weight(0.05);
        let off = forward_timesteps(&model.config)
            .into_iter()
            .map(|t| {
                let candle = model.forward_slice(&x, t).unwrap();
                worst_relative_difference(&run(&wrong, &x, Kernel::Simd128, t, &mut scratch), &candle, file)
            })
            .fold(0.0, f32::max);
        assert!(
            off > 10.0 * tolerance,
            "{file}: a wrong weight moved the outputs by only {off}"
        );
    }
}
