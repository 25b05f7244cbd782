//! The WGSL kernels natively (wgpu on Vulkan; lavapipe on the CI machines): the GPU chain
//! against the CPU chain for every shipped model and every variance it allows, at every step.
//!
//! Without a GPU adapter these tests print why and pass, unless `PTHETA_REQUIRE_GPU=1` (set by
//! `cargo xtask test`, which installs lavapipe), where a missing adapter fails.
#![cfg(not(target_arch = "wasm32"))]

use ptheta::chain::{Chain, ChainOptions};
use ptheta::diffusion::{Parameterization, Schedule, Variance};
use ptheta::gpu::{Gpu, GpuChain, LinearKernel};
use ptheta::model::Denoiser;

mod common;
// Largest allowed |GPU − CPU| (relative to max(1, |CPU|)) of any coordinate at any step: see
// common/mod.rs for why.
use common::{native_gpu, report_a_device_error, worst_relative_difference, TOLERANCE};

fn weights(file: &str) -> Denoiser {
    let path = format!("{}/weights/{file}", env!("CARGO_MANIFEST_DIR"));
    Denoiser::from_safetensors(&std::fs::read(path).unwrap()).unwrap()
}

fn options(variance: Variance, steps: usize, seed: u64) -> ChainOptions {
    ChainOptions {
        variance,
        steps,
        samples: 128,
        seed,
        keep_history: false,
    }
}

/// Runs both chains to t = 0, comparing at every step; returns the worst difference seen.
fn compare(gpu: &Gpu, file: &str, variance: Variance, steps: usize, gpu_seed: u64) -> f32 {
    let model = weights(file);
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps).unwrap();
    let mut g = GpuChain::new(gpu, &model, schedule.clone(), &options(variance, steps, gpu_seed)).unwrap();
    let mut c = Chain::new(model, schedule, &options(variance, steps, 11)).unwrap();
    let mut worst = 0f32;
    loop {
        let ours = pollster::block_on(g.positions()).unwrap();
        let want = c.positions();
        assert_eq!(ours.len(), want.len());
        let what = format!("{file} {variance} t = {}", c.t());
        worst = worst.max(worst_relative_difference(&ours, want, &what));
        if c.t() == 0 {
            break;
        }
        g.step(1);
        c.step().unwrap();
        assert_eq!(g.t(), c.t());
    }
    worst
}

fn variances(p: Parameterization) -> Vec<Variance> {
    if p.learns_variance() {
        vec![Variance::Learned, Variance::FixedSmall, Variance::FixedLarge]
    } else {
        vec![Variance::FixedSmall, Variance::FixedLarge]
    }
}

#[test]
fn every_shipped_model_and_variance_matches_the_cpu_at_every_step() {
    let Some(gpu) = native_gpu() else { return };
    eprintln!("adapter: {}", gpu.describe());
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/weights/manifest.json")).unwrap(),
    )
    .unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in manifest.as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let p = weights(file).config.parameterization;
        for v in variances(p) {
            // a full chain x_T → x_0, respaced to 10 steps: lavapipe takes ~0.3 s per step here
            let steps = 10;
            let worst = compare(&gpu, file, v, steps, 11);
            eprintln!("{file:38} {v:12} {steps:5} steps: worst |gpu − cpu| = {worst:.2e}");
            if worst >= TOLERANCE {
                failures.push(format!("{file} {v}: {worst}"));
            }
            checked += 1;
        }
    }
    // every shipped model under every variance the combination rule allows, none skipped
    let expected: usize = ptheta::catalog::models()
        .iter()
        .map(|m| {
            Variance::ALL
                .iter()
                .filter(|&&v| ptheta::diffusion::param::check_combination(m.parameterization, v).is_ok())
                .count()
        })
        .sum();
    assert_eq!(checked, expected, "every model × variance combination");
    assert!(failures.is_empty(), "over tolerance {TOLERANCE}: {failures:?}");
}

/// Runs trig.wgsl's `sin_cos` (or `sin_cos_turns`) on `inputs` and returns (sin, cos) pairs.
fn gpu_sin_cos(gpu: &Gpu, inputs: &[f32], turns: bool) -> Vec<f32> {
    use wgpu::util::DeviceExt;
    let call = if turns { "sin_cos_turns" } else { "sin_cos" };
    let source = format!(
        "{}
@group(0) @binding(0) var<storage, read> inputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> outputs: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {{
    if (gid.x >= arrayLength(&inputs)) {{
        return;
    }}
    outputs[gid.x] = {call}(inputs[gid.x]);
}}",
        include_str!("../src/gpu/trig.wgsl")
    );
    let device = &gpu.device;
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("trig test"),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("trig test"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let input = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("trig inputs"),
        contents: bytemuck::cast_slice(inputs),
        usage: wgpu::BufferUsages::STORAGE,
    });
    let output = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("trig outputs"),
        size: (inputs.len() * 8) as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("trig test"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: output.as_entire_binding(),
            },
        ],
    });
    let mut encoder = device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(inputs.len().div_ceil(64) as u32, 1, 1);
    }
    gpu.queue.submit([encoder.finish()]);
    let counter = ptheta::gpu::readback::MapCounter::default();
    let bytes = ptheta::gpu::readback::read(gpu, &output, 0, (inputs.len() * 8) as u64, &counter);
    ptheta::gpu::readback::floats(&pollster::block_on(bytes).unwrap())
}

/// trig.wgsl replaces the builtin sin/cos, which WebGPU lets be off by 2^-11 ≈ 4.9e-4. Checked
/// against f64 on every argument the kernels give it: the embedding's (|a| up to ~200) and
/// Box–Muller's turns in (0, 1). 3e-7 is about 2.5 f32 ulps of 1 (the polynomials are accurate
/// to ~1 ulp and the reduction is exact), 1600 times tighter than what the builtins promise.
#[test]
fn trig_wgsl_matches_f64_sin_and_cos() {
    let Some(gpu) = native_gpu() else { return };
    let radians: Vec<f32> = (-40_000..=40_000).map(|i| i as f32 * 0.005_123).collect();
    let turns: Vec<f32> = (0..(1 << 16)).map(|i| (i as f32 + 0.5) / 65536.0).collect();
    for (inputs, is_turns) in [(&radians, false), (&turns, true)] {
        let out = gpu_sin_cos(&gpu, inputs, is_turns);
        let mut worst = 0f64;
        for (k, &a) in inputs.iter().enumerate() {
            let angle = if is_turns {
                std::f64::consts::TAU * a as f64
            } else {
                a as f64
            };
            let err = (out[2 * k] as f64 - angle.sin())
                .abs()
                .max((out[2 * k + 1] as f64 - angle.cos()).abs());
            assert!(err < 3e-7, "sin/cos of {a} (turns: {is_turns}): error {err}");
            worst = worst.max(err);
        }
        eprintln!("trig.wgsl, turns: {is_turns}: worst error {worst:.2e}");
    }
}

/// Length rather than breadth: the model's own T = 1000 steps, no respacing, compared at every
/// step, for an ε-model and a μ-model with learned variance (whose output moves x_{t−1} directly,
/// so per-step errors are not scaled down). ~10 s each on lavapipe.
#[test]
fn full_thousand_step_chains_match_the_cpu_at_every_step() {
    let Some(gpu) = native_gpu() else { return };
    for (file, v) in [
        ("moons-epsilon.safetensors", Variance::FixedSmall),
        ("moons-mean-variance.safetensors", Variance::Learned),
    ] {
        let worst = compare(&gpu, file, v, 1000, 11);
        eprintln!("{file:38} {v:12} 1000 steps: worst |gpu − cpu| = {worst:.2e}");
        assert!(worst < TOLERANCE, "{file} {v}: {worst} over 1000 steps");
    }
}

#[test]
fn a_wrong_seed_is_caught() {
    // The comparison must be able to fail: a GPU chain with another seed draws another x_T and z.
    let Some(gpu) = native_gpu() else { return };
    let worst = compare(&gpu, "moons-epsilon.safetensors", Variance::FixedSmall, 5, 12);
    assert!(worst > 100.0 * TOLERANCE, "different seeds gave states within {worst}");
}

#[test]
fn stepping_back_and_reset_restore_exact_states_even_past_the_ring() {
    let Some(gpu) = native_gpu() else { return };
    let model = weights("moons-v.safetensors");
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 12).unwrap();
    let mut g = GpuChain::new(&gpu, &model, schedule, &options(Variance::FixedSmall, 12, 3)).unwrap();
    assert_eq!(g.capacity(), 13, "12 steps of 128 samples fit the history budget");
    let read = |g: &GpuChain| pollster::block_on(g.positions()).unwrap();
    let start = read(&g);
    g.step(2);
    let at_10 = read(&g);
    g.step(8);
    assert_eq!(g.t(), 2);
    for _ in 0..8 {
        g.step_back().unwrap();
    }
    assert_eq!(g.t(), 10);
    assert_eq!(read(&g), at_10, "stepping back restores the state bit for bit");
    g.reset();
    assert_eq!(g.t(), 12);
    assert_eq!(read(&g), start);
    assert!(g.step_back().is_err(), "no step back from x_T");
}

#[test]
fn a_small_ring_recomputes_exactly() {
    // A ring of 4 states for a 14-step chain: stepping back past it re-runs from x_T.
    let Some(gpu) = native_gpu() else { return };
    let model = weights("moons-epsilon.safetensors");
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 14).unwrap();
    let opts = options(Variance::FixedSmall, 14, 5);
    let mut g = GpuChain::with_history_budget(&gpu, &model, schedule, &opts, 4 * 128 * 2 * 4).unwrap();
    assert_eq!(g.capacity(), 4);
    let read = |g: &GpuChain| pollster::block_on(g.positions()).unwrap();
    g.step(2);
    let at_12 = read(&g);
    g.step(8);
    g.step_back().unwrap();
    let at_5 = read(&g);
    g.step_back().unwrap();
    g.step(1);
    assert_eq!(read(&g), at_5);
    while g.t() < 12 {
        g.step_back().unwrap();
    }
    assert_eq!(read(&g), at_12, "the recomputed state equals the first one bit for bit");
}

#[test]
fn inspect_and_histogram_agree_with_the_cpu() {
    let Some(gpu) = native_gpu() else { return };
    let model = weights("moons-mean-variance.safetensors");
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 12).unwrap();
    // the learned variance: the inspector's record carries the variance output too
    let opts = options(Variance::Learned, 12, 9);
    let mut g = GpuChain::new(&gpu, &model, schedule.clone(), &opts).unwrap();
    let mut c = Chain::new(model, schedule, &opts).unwrap();
    for _ in 0..4 {
        g.step(1);
        c.step().unwrap();
    }
    let ours = pollster::block_on(g.inspect(17).unwrap()).unwrap();
    let want = c.inspect(17).unwrap();
    assert_eq!(
        (ours.t, ours.timestep, ours.sample),
        (want.t, want.timestep, want.sample)
    );
    let fields = [
        ("x_t", &ours.x_t, &want.x_t),
        ("raw", &ours.raw, &want.raw),
        ("eps", &ours.eps, &want.eps),
        ("x0", &ours.x0, &want.x0),
        ("mean", &ours.mean, &want.mean),
        ("log_variance", &ours.log_variance, &want.log_variance),
        ("sigma", &ours.sigma, &want.sigma),
        ("z", &ours.z, &want.z),
        ("x_prev", &ours.x_prev, &want.x_prev),
    ];
    for (name, a, b) in fields {
        assert_eq!(a.len(), b.len(), "{name}");
        for (x, y) in a.iter().zip(b.iter()) {
            assert!((x - y).abs() < 1e-3 * (1.0 + y.abs()), "{name}: gpu {a:?} cpu {b:?}");
        }
    }
    let mapped = g.mappings();
    g.step(3);
    assert_eq!(g.mappings(), mapped, "stepping maps no buffer");

    let counts = pollster::block_on(g.histogram(8, 3.0).unwrap()).unwrap();
    for _ in 0..3 {
        c.step().unwrap();
    }
    let want: Vec<u32> = ptheta::histogram::counts(c.positions(), 2, 8, 3.0)
        .unwrap()
        .iter()
        .map(|&n| n as u32)
        .collect();
    // a point within TOLERANCE of a bin edge may land on either side
    let moved: u32 = counts.iter().zip(&want).map(|(a, b)| a.abs_diff(*b)).sum();
    assert!(
        moved <= 4,
        "histograms differ by {moved} points: {counts:?} vs {want:?}"
    );
    assert!(
        want.iter().sum::<u32>() > 20,
        "enough points inside [-3, 3]² for the comparison to mean something"
    );
}

/// A device that reports an error while a chain runs leaves buffers whose contents are not results
/// (zeros where a pipeline never ran): every read after it is refused with the device's reason,
/// so the engine moves the chain to the CPU (tests/engine.rs) instead of drawing them. The error
/// here is a buffer wgpu refuses (MAP_READ with STORAGE); before it, the same reads succeed.
#[test]
fn reads_after_a_device_error_are_refused_with_its_reason() {
    let Some(gpu) = native_gpu() else { return };
    let model = weights("moons-epsilon.safetensors");
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 12).unwrap();
    let mut g = GpuChain::new(&gpu, &model, schedule, &options(Variance::FixedSmall, 12, 3)).unwrap();
    g.step(2);
    assert!(
        pollster::block_on(g.positions()).is_ok(),
        "a healthy device's reads succeed"
    );
    assert!(pollster::block_on(g.histogram(8, 3.0).unwrap()).is_ok());
    report_a_device_error(&gpu);
    let failure = gpu.failure().expect("wgpu reports the buffer as an uncaptured error");
    g.step(1);
    let reads = [
        ("positions", pollster::block_on(g.positions()).map(|_| ())),
        ("inspect", pollster::block_on(g.inspect(0).unwrap()).map(|_| ())),
        (
            "histogram",
            pollster::block_on(g.histogram(8, 3.0).unwrap()).map(|_| ()),
        ),
    ];
    for (name, got) in reads {
        assert_eq!(got, Err(failure.clone()), "{name}");
    }
}

/// Every linear kernel (`LinearKernel`: rows, tiled, fused) the device can hold, whichever a chain
/// would choose itself (the other tests here run that one), against the CPU chain for every shipped model at its
/// default variance: a 10-step chain of 301 samples, so the last block of samples is partial
/// (301 = 4 · 64 + 45 = 18 · 16 + 13 = 9 · 32 + 13) and ends inside one invocation's vec4 of
/// samples (301 = 4 · 75 + 1), as are the tiled kernel's blocks of outputs for every model (2, 4,
/// 64 or 128 of them against blocks of 64) and the fused kernel's last layer (2 to 128 outputs of
/// a width of 128 or 256, split across groups of invocations), within the same TOLERANCE. A
/// fused block is refused only where the device has too little workgroup memory for it, and runs
/// wherever it has enough (lavapipe: 32 KiB, so every block for every model).
#[test]
fn every_linear_kernel_matches_the_cpu_for_every_shipped_model() {
    let Some(gpu) = native_gpu() else { return };
    let kernels: Vec<LinearKernel> = LinearKernel::all().collect();
    let mut seen = 0;
    let mut fused_ran = 0;
    let mut fused_fit = 0;
    let limit = gpu.device.limits().max_compute_workgroup_storage_size;
    for m in ptheta::catalog::models() {
        let model = weights(&m.file);
        let layers = model.flat_layers().unwrap();
        for block in ptheta::gpu::contract::FUSED_BLOCKS {
            let shape = ptheta::gpu::contract::FusedShape {
                hidden: layers[0].out_dim as u32,
                layers: layers.len() as u32,
                samples: block.samples,
            };
            fused_fit += usize::from(shape.workgroup_bytes() <= limit);
        }
        let cfg = model.config.clone();
        let variance = cfg.parameterization.default_variance();
        let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 10).unwrap();
        let o = ChainOptions {
            samples: 301,
            ..options(variance, 10, 11)
        };
        let mut chains = Vec::new();
        for &k in &kernels {
            let mut g = GpuChain::new(&gpu, &model, schedule.clone(), &o).unwrap();
            match g.set_linear_kernel(k) {
                Ok(()) => chains.push((g, k)),
                // a device may hold too little workgroup memory for a wide model's block
                Err(why) => assert!(
                    matches!(k, LinearKernel::Fused(_)) && why.contains("maxCompute"),
                    "{} {}: {why}",
                    m.file,
                    k.name()
                ),
            }
        }
        fused_ran += chains
            .iter()
            .filter(|(_, k)| matches!(k, LinearKernel::Fused(_)))
            .count();
        let mut c = Chain::new(model, schedule, &o).unwrap();
        while c.t() > 0 {
            c.step().unwrap();
            for (g, k) in &mut chains {
                g.step(1);
                let ours = pollster::block_on(g.positions()).unwrap();
                let what = format!("{} {} t = {}", m.file, k.name(), c.t());
                let worst = worst_relative_difference(&ours, c.positions(), &what);
                assert!(worst < TOLERANCE, "{what}: |gpu − cpu| = {worst}");
            }
        }
        seen += 1;
    }
    assert_eq!(seen, ptheta::catalog::models().len());
    assert!(kernels.len() >= 4, "the kernels bench-gpu compares are all checked");
    // a width of 128 needs 8 KiB for 16 samples, 256 needs 32 KiB for 32: every block of every
    // model fits lavapipe and the H200
    assert!(
        fused_fit >= 2 * planar_models() && fused_ran == fused_fit,
        "fused chains run: {fused_ran} of the {fused_fit} that fit {limit} bytes of workgroup memory"
    );
}

fn planar_models() -> usize {
    ptheta::catalog::models()
        .iter()
        .filter(|m| !m.file.starts_with("digits"))
        .count()
}

/// The kernels a chain tries are the ones the README's measurements chose; an index moved in
/// `TILE_SHAPES` or `FUSED_BLOCKS` would silently pick another.
#[test]
fn the_kernels_every_chain_tries_are_the_measured_ones() {
    let names = LinearKernel::preferred().map(LinearKernel::name);
    assert_eq!(names, ["fused-16", "tiled-64x64-trusted"]);
}

/// `step_timed`, which `ptheta bench-gpu` times with, runs the same steps as `step`: the states
/// after it are the untimed chain's, bit for bit, and it reports a time for each linear layer.
#[test]
fn timed_steps_are_the_same_steps() {
    let Some(gpu) = native_gpu() else { return };
    if !gpu.device.features().contains(wgpu::Features::TIMESTAMP_QUERY) {
        eprintln!("skipped: this adapter has no timestamp queries");
        return;
    }
    let model = weights("moons-epsilon.safetensors");
    let cfg = model.config.clone();
    let layers = model.flat_layers().unwrap().len();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 6).unwrap();
    let o = options(Variance::FixedSmall, 6, 3);
    // one dispatch per layer, and all layers in one
    for (kernel, dispatches) in [(LinearKernel::Rows, layers), (LinearKernel::Fused(0), 1)] {
        let mut timed = GpuChain::new(&gpu, &model, schedule.clone(), &o).unwrap();
        let mut plain = GpuChain::new(&gpu, &model, schedule.clone(), &o).unwrap();
        timed.set_linear_kernel(kernel).unwrap();
        plain.set_linear_kernel(kernel).unwrap();
        let timing = pollster::block_on(timed.step_timed(4).unwrap()).unwrap();
        plain.step(4);
        let a = pollster::block_on(timed.positions()).unwrap();
        let b = pollster::block_on(plain.positions()).unwrap();
        let what = kernel.name();
        assert_eq!(a, b, "{what}: timed and untimed steps give the same states");
        assert_eq!(timed.t(), plain.t());
        assert!(timing.total_ms > 0.0, "{what}: {timing:?}");
        if let Some(ms) = &timing.layer_ms {
            assert_eq!(ms.len(), dispatches, "{what}: one time per linear dispatch");
            assert!(ms.iter().all(|&t| t >= 0.0) && ms.iter().sum::<f64>() <= timing.total_ms);
        }
        // steps already taken are not new work: refused, as are steps past x_0
        assert!(timed.step_timed(3).is_err());
        timed.step_back().unwrap();
        assert!(timed.step_timed(1).is_err(), "a step still in the history is not timed");
    }
}
