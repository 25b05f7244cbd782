//! [`Kernels`]: every compute pipeline and bind group layout, built once per device and shared by
//! all chains on it (the WGSL is the same for every model; sizes come in through uniforms).
//!
//! Built once, not per chain: besides saving the compile, Chromium's SwiftShader ran the
//! pipelines of a chain created after the device's first submission about 15× slower than the
//! first chain's (measured with `node tests/e2e/bench-gpu.mjs`, 1024 samples: 25 ms per step for
//! the first chain, ~400 ms for a second one); sharing the first pipelines avoids that.

use super::contract::{FusedShape, TILE_SHAPES};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The bind group layouts, one binding per line in the order the WGSL declares them.
pub struct Layouts {
    pub params: wgpu::BindGroupLayout,
    pub embed: wgpu::BindGroupLayout,
    pub linear: wgpu::BindGroupLayout,
    pub step: wgpu::BindGroupLayout,
    pub histogram: wgpu::BindGroupLayout,
}

pub struct Kernels {
    pub layouts: Layouts,
    /// embed.wgsl: sinusoidal features of x_t and t
    pub embed: wgpu::ComputePipeline,
    /// linear.wgsl: one MLP layer (matmul, bias, GELU, residual), one invocation per sample and
    /// LINEAR_COLS outputs
    pub linear: wgpu::ComputePipeline,
    /// linear_tiled.wgsl, one pipeline per [`TILE_SHAPES`] entry, compiled when a chain first
    /// asks for it
    linear_tiled: [OnceLock<wgpu::ComputePipeline>; TILE_SHAPES.len()],
    /// mlp_fused.wgsl, compiled for each model shape a chain asks for
    mlp_fused: Mutex<HashMap<FusedShape, wgpu::ComputePipeline>>,
    device: wgpu::Device,
    /// step.wgsl: x_T ~ N(0, I)
    pub prior: wgpu::ComputePipeline,
    /// step.wgsl: raw output → (μ_θ, log Σ_θ) → x_{t−1}
    pub reverse_step: wgpu::ComputePipeline,
    /// step.wgsl: every term of one sample's step, for the inspector
    pub inspect: wgpu::ComputePipeline,
    /// histogram.wgsl: counts of the samples on a square grid
    pub histogram: wgpu::ComputePipeline,
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn uniform_entry(binding: u32, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: None,
        },
        count: None,
    }
}

/// The WGSL of each compute module as it is compiled: the generated contract
/// ([`super::contract::prelude`]) in front of the kernel and the helpers it needs.
pub struct Sources {
    pub embed: String,
    pub linear: String,
    /// one per [`TILE_SHAPES`] entry
    pub linear_tiled: Vec<String>,
    pub step: String,
    pub histogram: String,
}

pub fn sources() -> Sources {
    let prelude = super::contract::prelude();
    let trig = include_str!("trig.wgsl");
    let philox = include_str!("philox.wgsl");
    let linear_common = [include_str!("linear_bindings.wgsl"), include_str!("gelu.wgsl")].concat();
    Sources {
        embed: [prelude.as_str(), trig, include_str!("embed.wgsl")].concat(),
        linear: [prelude.as_str(), &linear_common, include_str!("linear.wgsl")].concat(),
        linear_tiled: TILE_SHAPES
            .iter()
            .map(|shape| {
                [
                    prelude.as_str(),
                    &shape.wgsl(),
                    &linear_common,
                    include_str!("load_samples.wgsl"),
                    include_str!("linear_tiled.wgsl"),
                ]
                .concat()
            })
            .collect(),
        step: [prelude.as_str(), trig, philox, include_str!("step.wgsl")].concat(),
        histogram: [prelude.as_str(), include_str!("histogram.wgsl")].concat(),
    }
}

/// Text that stands in for mlp_fused.wgsl in this process, set by `ptheta bench-gpu
/// --fused-wgsl` to time a variant of the kernel on a lent GPU without a rebuild (the same
/// bindings and shape constants; see [`fused_source`]). Chains run the shipped kernel unless it
/// is set, and tests never set it.
static FUSED_VARIANT: OnceLock<String> = OnceLock::new();

/// Makes every fused pipeline compiled after this call from `source` instead of mlp_fused.wgsl;
/// refused once a variant is set, so one process times one text.
pub fn use_fused_variant(source: String) -> Result<(), String> {
    FUSED_VARIANT
        .set(source)
        .map_err(|_| "a fused kernel variant is already set".to_string())
}

/// mlp_fused.wgsl (or the variant set by [`use_fused_variant`]) as compiled for `shape`.
pub fn fused_source(shape: FusedShape) -> String {
    let body = FUSED_VARIANT
        .get()
        .map_or(include_str!("mlp_fused.wgsl"), String::as_str);
    [
        super::contract::prelude().as_str(),
        &shape.wgsl(),
        include_str!("gelu.wgsl"),
        include_str!("load_samples.wgsl"),
        body,
    ]
    .concat()
}

/// The WGSL of the points renderer (render.rs), with the same prelude.
pub fn points_source() -> String {
    super::contract::prelude() + include_str!("points.wgsl")
}

fn compute_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    entry_point: &str,
    groups: &[&wgpu::BindGroupLayout],
) -> wgpu::ComputePipeline {
    let groups: Vec<Option<&wgpu::BindGroupLayout>> = groups.iter().map(|g| Some(*g)).collect();
    let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(entry_point),
        bind_group_layouts: &groups,
        immediate_size: 0,
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry_point),
        layout: Some(&layout),
        module,
        entry_point: Some(entry_point),
        compilation_options: Default::default(),
        cache: None,
    })
}

fn shader_module(device: &wgpu::Device, label: &str, source: &str) -> wgpu::ShaderModule {
    device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.to_owned().into()),
    })
}

impl Kernels {
    /// The tiled linear kernel of shape `TILE_SHAPES[shape]`.
    pub fn linear_tiled(&self, shape: usize) -> &wgpu::ComputePipeline {
        self.linear_tiled[shape].get_or_init(|| {
            let source = &sources().linear_tiled[shape];
            let module = self.trusted_module(TILE_SHAPES[shape].name, source, TILE_SHAPES[shape].trusted);
            compute_pipeline(&self.device, &module, "linear_tiled", &[&self.layouts.linear])
        })
    }

    /// mlp_fused.wgsl compiled for `shape`: natively without wgpu's runtime checks, as the tiled
    /// shapes marked `trusted` (every index there is clamped or guarded, every loop ends, every
    /// divisor is a non-zero constant).
    pub fn mlp_fused(&self, shape: FusedShape) -> wgpu::ComputePipeline {
        let mut compiled = self.mlp_fused.lock().unwrap_or_else(|e| e.into_inner());
        compiled
            .entry(shape)
            .or_insert_with(|| {
                let source = fused_source(shape);
                let module = self.trusted_module("mlp fused", &source, true);
                compute_pipeline(&self.device, &module, "mlp_fused", &[&self.layouts.linear])
            })
            .clone()
    }

    /// A module without wgpu's runtime checks where `trusted` and the platform allows it.
    fn trusted_module(&self, label: &str, source: &str, trusted: bool) -> wgpu::ShaderModule {
        if trusted && cfg!(not(target_arch = "wasm32")) {
            let desc = wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.to_owned().into()),
            };
            // SAFETY: only for kernels whose every index is clamped or guarded, whose every loop
            // ends, and which divide only by non-zero constants (their modules say so).
            unsafe {
                self.device
                    .create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked())
            }
        } else {
            shader_module(&self.device, label, source)
        }
    }

    pub fn new(device: &wgpu::Device) -> Self {
        let layout = |label: &str, entries: &[wgpu::BindGroupLayoutEntry]| {
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries,
            })
        };
        let layouts = Layouts {
            params: layout(
                "step params",
                &[
                    uniform_entry(0, true), // step: StepParams, selected per step by offset
                ],
            ),
            embed: layout(
                "embed",
                &[
                    storage_entry(0, true),  // history
                    storage_entry(1, true),  // freqs
                    storage_entry(2, true),  // time_embedding
                    storage_entry(3, false), // features
                ],
            ),
            linear: layout(
                "linear",
                &[
                    storage_entry(0, true),  // weights
                    storage_entry(1, true),  // src
                    storage_entry(2, false), // dst
                    uniform_entry(3, false), // layer
                ],
            ),
            step: layout(
                "step",
                &[
                    storage_entry(0, false), // history
                    storage_entry(1, true),  // raw
                    storage_entry(2, false), // record
                    uniform_entry(3, false), // inspect_params
                ],
            ),
            histogram: layout(
                "histogram",
                &[
                    storage_entry(0, true),  // history
                    storage_entry(1, false), // counts
                    uniform_entry(2, false), // hist
                ],
            ),
        };

        let module = |label: &str, source: &str| shader_module(device, label, source);
        let sources = sources();
        let embed_module = module("embed", &sources.embed);
        let linear_module = module("linear", &sources.linear);
        let step_module = module("step", &sources.step);
        let histogram_module = module("histogram", &sources.histogram);
        let pipeline = |module: &wgpu::ShaderModule, entry_point: &str, groups: &[&wgpu::BindGroupLayout]| {
            compute_pipeline(device, module, entry_point, groups)
        };
        let l = &layouts;
        Kernels {
            embed: pipeline(&embed_module, "embed", &[&l.embed, &l.params]),
            linear: pipeline(&linear_module, "linear", &[&l.linear]),
            linear_tiled: Default::default(),
            mlp_fused: Mutex::default(),
            device: device.clone(),
            prior: pipeline(&step_module, "prior", &[&l.step, &l.params]),
            reverse_step: pipeline(&step_module, "reverse_step", &[&l.step, &l.params]),
            inspect: pipeline(&step_module, "inspect", &[&l.step, &l.params]),
            histogram: pipeline(&histogram_module, "histogram", &[&l.histogram]),
            layouts,
        }
    }
}
