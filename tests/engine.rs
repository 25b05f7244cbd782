//! The engine natively: backend choice, the CPU fallback with its reason, and recovery from a
//! device lost mid-chain, which must give exactly the samples of a chain that ran on the CPU
//! throughout (the noise is counter-based, so this is bit-for-bit, not within a tolerance).
//! The GPU is lavapipe here; without an adapter the GPU tests print why and pass, unless
//! `PTHETA_REQUIRE_GPU=1` (set by `cargo xtask test`).
#![cfg(not(target_arch = "wasm32"))]

use ptheta::catalog::Backend;
use ptheta::engine::{self, ChainError, Engine, EngineOptions, Spec};
use ptheta::gpu::{Gpu, GpuError};
use std::cell::RefCell;

mod common;
use common::{native_gpu, report_a_device_error, worst_relative_difference, TOLERANCE};

fn bytes(file: &str) -> Vec<u8> {
    std::fs::read(format!("{}/weights/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn options(backend: Backend) -> EngineOptions {
    EngineOptions {
        steps: Some(20),
        samples: Some(256),
        seed: Some(3),
        backend: Some(backend),
        ..Default::default()
    }
}

fn engine(file: &str, o: EngineOptions, gpu: Result<Gpu, GpuError>) -> Result<Engine, ChainError> {
    let (spec, model) = Spec::new(bytes(file), o)?;
    pollster::block_on(Engine::create(spec, model, async { gpu }))
}

fn positions(e: Engine) -> Vec<f32> {
    let cell = RefCell::new(e);
    pollster::block_on(engine::read(&cell, |c| c.positions())).unwrap()
}

fn no_adapter() -> Result<Gpu, GpuError> {
    Err(GpuError::NoAdapter("no WebGPU adapter is available here".into()))
}

#[test]
fn cpu_is_chosen_without_asking_for_a_device() {
    let (spec, model) = Spec::new(bytes("moons-epsilon.safetensors"), options(Backend::Cpu)).unwrap();
    let never = async { panic!("backend 'cpu' must not request a device") };
    let e = pollster::block_on(Engine::create(spec, model, never)).unwrap();
    assert_eq!(e.backend(), Backend::Cpu);
    assert_eq!(e.fallback_reason(), None);
}

#[test]
fn auto_without_a_device_runs_on_the_cpu_and_says_why() {
    let e = engine("moons-epsilon.safetensors", options(Backend::Auto), no_adapter()).unwrap();
    assert_eq!(e.backend(), Backend::Cpu);
    assert!(e
        .fallback_reason()
        .unwrap()
        .contains("no WebGPU adapter is available here"));
}

#[test]
fn webgpu_without_a_device_is_refused_with_the_reason() {
    let Err(ChainError::Refused(m)) = engine("moons-epsilon.safetensors", options(Backend::Webgpu), no_adapter())
    else {
        panic!("backend 'webgpu' without a device must be refused");
    };
    assert!(m.starts_with("backend 'webgpu' was asked for, but"), "{m}");
    assert!(m.contains("no WebGPU adapter is available here"), "{m}");
}

#[test]
fn bad_options_are_refused_by_name() {
    let spec = |o: EngineOptions| {
        Spec::new(bytes("moons-epsilon.safetensors"), o)
            .err()
            .map(|e| e.to_string())
    };
    let learned = spec(EngineOptions {
        variance: Some(ptheta::diffusion::Variance::Learned),
        ..Default::default()
    })
    .unwrap();
    assert!(learned.contains("variance 'learned' needs"), "{learned}");
    let many = spec(EngineOptions {
        samples: Some(16385),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(many, "samples must be from 1 to 16384, got 16385");
    let wrong = spec(EngineOptions {
        parameterization: Some(ptheta::diffusion::Parameterization::V),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(wrong, "these weights predict 'epsilon', not 'v'");
    let steps = spec(EngineOptions {
        steps: Some(0),
        ..Default::default()
    })
    .unwrap();
    assert!(steps.contains("between 1 and T = 1000"), "{steps}");
    // a misspelt option is an error, not silently ignored, whichever deserializer reads it
    let e = serde_json::from_str::<EngineOptions>(r#"{"varience": "fixed-small"}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `varience`"), "{e}");
    let e = EngineOptions::check_names(["steps", "varience"])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("unknown chain option 'varience': expected parameterization, variance"),
        "{e}"
    );
    assert!(EngineOptions::check_names(EngineOptions::NAMES).is_ok());
    // NAMES are exactly the struct's fields: serde lists those when it refuses an unknown one
    let listed = e_fields(
        &serde_json::from_str::<EngineOptions>(r#"{"x": 1}"#)
            .unwrap_err()
            .to_string(),
    );
    assert_eq!(listed, EngineOptions::NAMES);
}

/// The field names in serde's "expected one of `a`, `b`" message.
fn e_fields(message: &str) -> Vec<String> {
    message.split('`').skip(3).step_by(2).map(str::to_string).collect()
}

#[test]
fn go_to_moves_both_ways_exactly() {
    let mut e = engine("moons-epsilon.safetensors", options(Backend::Cpu), no_adapter()).unwrap();
    e.go_to(12).unwrap();
    let cell = RefCell::new(e);
    let at12 = pollster::block_on(engine::read(&cell, |c| c.positions())).unwrap();
    let mut e = cell.into_inner();
    e.go_to(3).unwrap();
    assert_eq!(e.go_to(12).unwrap(), 12);
    assert_eq!(e.chain().earlier(0).unwrap(), at12);
    assert!(e.go_to(21).unwrap_err().to_string().contains("runs from 20 to 0"));
}

#[test]
fn auto_with_a_device_runs_on_webgpu_and_agrees_with_the_cpu() {
    let Some(gpu) = native_gpu() else { return };
    let mut g = engine("moons-v.safetensors", options(Backend::Auto), Ok(gpu)).unwrap();
    assert_eq!(g.backend(), Backend::Webgpu);
    assert!(g.adapter().is_some());
    let mut c = engine("moons-v.safetensors", options(Backend::Cpu), no_adapter()).unwrap();
    g.step(20).unwrap();
    c.step(20).unwrap();
    let worst = worst_relative_difference(&positions(g), &positions(c), "moons-v after 20 steps");
    assert!(worst < TOLERANCE, "|gpu − cpu| = {worst}");
}

#[test]
fn a_device_lost_mid_chain_finishes_on_the_cpu_with_the_cpu_samples() {
    let Some(gpu) = native_gpu() else { return };
    let mut g = engine("moons-epsilon.safetensors", options(Backend::Auto), Ok(gpu)).unwrap();
    assert_eq!(g.backend(), Backend::Webgpu);
    g.step(7).unwrap();
    g.chain().as_gpu().unwrap().gpu().destroy();
    g.chain()
        .as_gpu()
        .unwrap()
        .gpu()
        .device
        .poll(wgpu::PollType::wait_indefinitely())
        .ok();
    assert_eq!(g.step(13).unwrap(), 0);
    assert_eq!(g.backend(), Backend::Cpu);
    let reason = g.fallback_reason().unwrap().to_string();
    assert!(reason.contains("continuing on the CPU from t = 13"), "{reason}");
    let mut c = engine("moons-epsilon.safetensors", options(Backend::Cpu), no_adapter()).unwrap();
    c.step(20).unwrap();
    assert_eq!(
        positions(g),
        positions(c),
        "bit-identical to an uninterrupted CPU chain"
    );
}

/// A chain stepped 5 times on the GPU, then `fail` done to its device, then read through the
/// engine: the read is answered by the CPU chain at the same t, with exactly the samples of a chain
/// that ran on the CPU from the start. Returns the fallback reason.
fn read_after(fail: impl Fn(&ptheta::gpu::Gpu)) -> Option<String> {
    let gpu = native_gpu()?;
    let mut g = engine("moons-epsilon.safetensors", options(Backend::Auto), Ok(gpu.clone())).unwrap();
    g.step(5).unwrap();
    let cell = RefCell::new(g);
    fail(&gpu);
    let got = pollster::block_on(engine::read(&cell, |c| c.positions())).unwrap();
    assert_eq!(cell.borrow().backend(), Backend::Cpu);
    let mut c = engine("moons-epsilon.safetensors", options(Backend::Cpu), no_adapter()).unwrap();
    c.step(5).unwrap();
    assert_eq!(got, positions(c));
    let reason = cell.borrow().fallback_reason().map(str::to_string);
    reason
}

#[test]
fn a_read_that_fails_on_the_device_is_answered_by_the_cpu() {
    read_after(|gpu| gpu.destroy());
}

/// An error the device reports without being lost is handled as a loss.
#[test]
fn a_device_error_moves_the_chain_to_the_cpu() {
    if let Some(reason) = read_after(report_a_device_error) {
        assert!(reason.contains("reported an error"), "{reason}");
    }
}

/// The digits model on both backends: x_t and the x̂_0 the grid shows beside it agree within the
/// GPU's [`TOLERANCE`] after 20 of its 64-pixel steps, and the 64 samples an image chain gets by
/// default are the catalog's.
#[test]
fn an_image_chain_and_its_predictions_agree_on_both_backends() {
    let Some(gpu) = native_gpu() else { return };
    let o = |backend| EngineOptions {
        steps: Some(50),
        seed: Some(4),
        backend: Some(backend),
        ..Default::default()
    };
    let g = engine("digits-epsilon.safetensors", o(Backend::Webgpu), Ok(gpu)).unwrap();
    let c = engine("digits-epsilon.safetensors", o(Backend::Cpu), no_adapter()).unwrap();
    assert_eq!(g.chain().samples() as u64, ptheta::catalog::IMAGE_SAMPLES);
    let (g, c) = (RefCell::new(g), RefCell::new(c));
    for e in [&g, &c] {
        e.borrow_mut().step(20).unwrap();
    }
    let read = |e: &RefCell<Engine>| {
        let x = pollster::block_on(engine::read(e, |c| c.positions())).unwrap();
        let x0 = pollster::block_on(engine::predictions(e, usize::MAX)).unwrap();
        assert_eq!((x.len(), x0.len()), (64 * 64, 64 * 64));
        // the first few only: those samples' rows, from the same forward
        let some = pollster::block_on(engine::predictions(e, 5)).unwrap();
        assert_eq!(some, x0[..5 * 64]);
        (x, x0)
    };
    let ((gx, gx0), (cx, cx0)) = (read(&g), read(&c));
    let worst = worst_relative_difference(&gx, &cx, "digits x_t after 20 steps");
    assert!(worst < TOLERANCE, "x_t: |gpu − cpu| = {worst}");
    let worst = worst_relative_difference(&gx0, &cx0, "digits x̂_0 after 20 steps");
    assert!(worst < TOLERANCE, "x̂_0: |gpu − cpu| = {worst}");
    // no prediction is left at t = 0
    c.borrow_mut().go_to(0).unwrap();
    let e = pollster::block_on(engine::predictions(&c, 64)).unwrap_err();
    assert!(e.to_string().contains("not t = 0"), "{e}");
}
