//! The WebGPU backend in headless Chromium (`wasm-pack test --headless --chrome -- --test
//! web_gpu`; webdriver.json passes --enable-unsafe-webgpu, which gives SwiftShader here). A
//! missing adapter fails these tests: `auto` must pick WebGPU in this browser.
#![cfg(target_arch = "wasm32")]

use ptheta::wasm::WasmChain;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MODELS: [(&str, &[u8], &[&str]); 13] = [
    (
        "moons-epsilon",
        include_bytes!("../weights/moons-epsilon.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "swiss-roll-epsilon",
        include_bytes!("../weights/swiss-roll-epsilon.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "checkerboard-epsilon",
        include_bytes!("../weights/checkerboard-epsilon.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "circles-epsilon",
        include_bytes!("../weights/circles-epsilon.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "letters-epsilon",
        include_bytes!("../weights/letters-epsilon.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "eight-gaussians-epsilon",
        include_bytes!("../weights/eight-gaussians-epsilon.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "moons-x0",
        include_bytes!("../weights/moons-x0.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "moons-v",
        include_bytes!("../weights/moons-v.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "moons-mean",
        include_bytes!("../weights/moons-mean.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "moons-mean-variance",
        include_bytes!("../weights/moons-mean-variance.safetensors"),
        &["learned", "fixed-small", "fixed-large"],
    ),
    (
        "moons-epsilon-variance",
        include_bytes!("../weights/moons-epsilon-variance.safetensors"),
        &["learned", "fixed-small", "fixed-large"],
    ),
    // the 8×8 digits: 64 values a sample, the widest layers the kernels run
    (
        "digits-epsilon",
        include_bytes!("../weights/digits-epsilon.safetensors"),
        &["fixed-small", "fixed-large"],
    ),
    (
        "digits-epsilon-variance",
        include_bytes!("../weights/digits-epsilon-variance.safetensors"),
        &["learned", "fixed-small", "fixed-large"],
    ),
];

mod common;
// The same bound and relative difference as tests/gpu.rs: see common/mod.rs for why (measured
// here: ≤ 5e-6 over the 10-step chains, ≤ 1.4e-4 over 1000 steps).
use common::{worst_relative_difference, TOLERANCE};

fn options(variance: &str, steps: usize, samples: usize, backend: &str) -> JsValue {
    js_sys::JSON::parse(&format!(
        r#"{{"steps": {steps}, "samples": {samples}, "seed": 21, "variance": "{variance}", "backend": "{backend}"}}"#
    ))
    .unwrap()
}

async fn create(weights: &[u8], options: JsValue) -> WasmChain {
    WasmChain::create(weights.to_vec(), options)
        .await
        .map_err(JsValue::from)
        .unwrap_or_else(|e| panic!("{:?}", js_sys::Error::from(e).message()))
}

async fn positions(chain: &WasmChain) -> Vec<f32> {
    let v = JsFuture::from(chain.positions()).await.unwrap();
    js_sys::Float32Array::from(v).to_vec()
}

async fn predictions(chain: &WasmChain) -> Vec<f32> {
    let v = JsFuture::from(chain.predictions(chain.samples())).await.unwrap();
    js_sys::Float32Array::from(v).to_vec()
}

#[wasm_bindgen_test]
async fn every_model_and_variance_matches_the_cpu_at_every_step() {
    let mut report = Vec::new();
    let mut combos = 0;
    for (name, weights, variances) in MODELS {
        for v in variances {
            // a full chain x_T → x_0 respaced to 10 steps: SwiftShader is a CPU rasterizer
            let mut gpu = create(weights, options(v, 10, 128, "webgpu")).await;
            let mut cpu = create(weights, options(v, 10, 128, "cpu")).await;
            assert_eq!(gpu.backend(), "webgpu");
            assert_eq!(cpu.backend(), "cpu");
            let mut largest = 0f32;
            loop {
                let want = positions(&cpu).await;
                let d = worst_relative_difference(&positions(&gpu).await, &want, &format!("{name} {v}"));
                assert!(d < TOLERANCE, "{name} {v}: |gpu − cpu| = {d} at t = {}", cpu.t());
                largest = largest.max(d);
                if cpu.t() == 0 {
                    break;
                }
                // x̂_0, what a grid of images shows beside x_t, from the GPU chain's state
                let want = predictions(&cpu).await;
                let d = worst_relative_difference(&predictions(&gpu).await, &want, &format!("{name} {v} x̂_0"));
                assert!(d < TOLERANCE, "{name} {v}: x̂_0 |gpu − cpu| = {d} at t = {}", cpu.t());
                gpu.step(1).unwrap();
                cpu.step(1).unwrap();
            }
            // a lost device would have moved the chain to the CPU and made this comparison moot
            assert_eq!(
                gpu.backend(),
                "webgpu",
                "{name} {v}: the chain left the GPU: {:?}",
                gpu.fallback_reason()
            );
            report.push(format!("{name} {v}: {largest:.1e}"));
            combos += 1;
        }
    }
    // every shipped model under every variance it allows, none skipped
    assert_eq!(combos, MODELS.iter().map(|m| m.2.len()).sum::<usize>());
    web_sys::console::log_1(&format!("worst |gpu − cpu| per chain: {}", report.join(", ")).into());
}

#[wasm_bindgen_test]
async fn auto_picks_webgpu_and_stepping_maps_nothing() {
    let (_, weights, _) = MODELS[0];
    let mut chain = create(weights, options("fixed-small", 20, 1024, "auto")).await;
    assert_eq!(chain.backend(), "webgpu");
    assert_eq!(chain.fallback_reason(), None);
    // Chromium's SwiftShader device holds the fused kernel's workgroup memory, so the chain runs
    // the first kernel every chain tries
    let info = chain.info().unwrap();
    let kernel = js_sys::Reflect::get(&info, &"linearKernel".into()).unwrap().as_string();
    let first = ptheta::gpu::LinearKernel::preferred()[0].name();
    assert_eq!(kernel.as_deref(), Some(first), "the kernel that runs the network");
    let before = chain.mappings();
    for _ in 0..20 {
        chain.step(1).unwrap();
    }
    assert_eq!(chain.mappings(), before, "no buffer is mapped while stepping");
    assert_eq!(chain.t(), 0);
    positions(&chain).await;
    assert_eq!(chain.mappings(), before + 1.0, "one read is one mapping");
}

#[wasm_bindgen_test]
async fn a_lost_device_finishes_on_the_cpu_with_the_cpu_chain_result() {
    let (_, weights, _) = MODELS[7];
    let mut cpu = create(weights, options("fixed-small", 16, 256, "cpu")).await;
    cpu.step(16).unwrap();
    let want = positions(&cpu).await;

    let mut chain = create(weights, options("fixed-small", 16, 256, "webgpu")).await;
    chain.step(6).unwrap();
    positions(&chain).await; // the GPU really ran
    chain.lose_device().unwrap();
    // the loss is reported asynchronously (GPUDevice.lost); let the event loop run
    JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50)
            .unwrap();
    }))
    .await
    .unwrap();
    chain.step(10).unwrap();
    assert_eq!(chain.backend(), "cpu", "the chain moved to the CPU");
    let reason = chain.fallback_reason().unwrap();
    assert!(reason.contains("lost") && reason.contains("t = 10"), "{reason}");
    assert_eq!(chain.t(), 0);
    assert_eq!(
        positions(&chain).await,
        want,
        "same final samples as an uninterrupted CPU chain"
    );
}

#[wasm_bindgen_test]
async fn step_back_on_the_gpu_restores_the_exact_state() {
    let (_, weights, _) = MODELS[0];
    let mut chain = create(weights, options("fixed-small", 12, 256, "webgpu")).await;
    chain.step(5).unwrap();
    let before = positions(&chain).await;
    chain.step(3).unwrap();
    for _ in 0..3 {
        chain.step_back().unwrap();
    }
    assert_eq!(positions(&chain).await, before);
}

/// The 10-step chains above cover every model; these cover length: the model's own T = 1000
/// steps, no respacing, compared at every one of them, for an ε-model, a μ-model and a learned
/// variance. Errors that add up over many steps show here and not in 10 steps: an off-by-one in
/// t, a noise counter that repeats, or (found this way) the builtin sin/cos of SwiftShader, whose
/// 5e-4 per step moons-mean passes straight into x_{t−1}.
#[wasm_bindgen_test]
async fn a_full_thousand_step_chain_matches_the_cpu_at_every_step() {
    for (index, variance) in [(0, "fixed-small"), (8, "fixed-large"), (9, "learned")] {
        let (name, weights, _) = MODELS[index];
        let mut gpu = create(weights, options(variance, 1000, 64, "webgpu")).await;
        let mut cpu = create(weights, options(variance, 1000, 64, "cpu")).await;
        assert_eq!(cpu.t(), 1000, "{name}: the chain is not respaced");
        let (mut largest, mut compared) = (0f32, 0);
        loop {
            let d = worst_relative_difference(&positions(&gpu).await, &positions(&cpu).await, name);
            assert!(d < TOLERANCE, "{name} {variance}: |gpu − cpu| = {d} at t = {}", cpu.t());
            largest = largest.max(d);
            compared += 1;
            if cpu.t() == 0 {
                break;
            }
            gpu.step(1).unwrap();
            cpu.step(1).unwrap();
        }
        assert_eq!(compared, 1001);
        assert_eq!(gpu.backend(), "webgpu", "{name}: {:?}", gpu.fallback_reason());
        web_sys::console::log_1(&format!("{name} {variance}, 1000 steps: worst {largest:.1e}").into());
    }
}
