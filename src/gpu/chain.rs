//! [`GpuChain`]: the reverse chain with every sample's state in GPU memory.
//!
//! Built once per chain: the weights, the schedule (one uniform slot per step) and the bind groups
//! that tie them to the device's shared [`Kernels`](super::kernels::Kernels). A step is then three
//! dispatches (embed, the whole network in one, the update), or one per layer in between with a
//! per-layer [`LinearKernel`], each selecting the step's uniform slot by dynamic offset: nothing
//! is written or read per step, and a burst of steps is one submission.
//!
//! History: states live in a ring of `capacity` slots in one GPU buffer (all steps when they fit
//! in [`HISTORY_BUDGET_BYTES`], the usual case: 50 steps of 16384 samples take 6.5 MiB). Stepping
//! back within the ring moves an index; stepping back past it re-runs the chain from x_T, which is
//! exact because the prior and every step's noise are counter-based (the same (seed, step,
//! sample) always gives the same z). Re-stepping forward over states still in the ring is free.

use super::context::{Gpu, GpuError};
use super::contract::{
    parameterization_code, variance_code, FusedShape, HistogramParams, InspectParams, LayerParams, RecordField,
    StepParams, FUSED_BLOCKS, LINEAR_COLS, TILE_SHAPES, UNIFORM_SLOT, WORKGROUP,
};
use super::readback::{self, MapCounter};
use crate::chain::{ChainOptions, Inspection};
use crate::diffusion::{Parameterization, Schedule, Variance};
use crate::model::Denoiser;
use wgpu::util::DeviceExt;

/// Most bytes the history ring may take.
pub const HISTORY_BUDGET_BYTES: u64 = 64 << 20;

/// Which kernel runs the network's linear layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinearKernel {
    /// linear.wgsl's `linear`: one invocation per sample and LINEAR_COLS outputs, no workgroup
    /// memory or barriers. The simplest: the baseline `ptheta bench-gpu` compares the others with,
    /// and what a chain runs if it can run neither of [`LinearKernel::preferred`].
    Rows,
    /// linear_tiled.wgsl's `linear_tiled` in the shape `TILE_SHAPES[i]`: blocks of outputs from
    /// tiles in workgroup memory. `ptheta bench-gpu` times every kernel side by side.
    Tiled(usize),
    /// mlp_fused.wgsl: every layer in one dispatch, in the block `FUSED_BLOCKS[i]`, for
    /// models and devices it fits ([`GpuChain::set_linear_kernel`] says why not).
    Fused(usize),
}

impl LinearKernel {
    /// Every kernel: `Rows`, then each tile shape.
    pub fn all() -> impl Iterator<Item = LinearKernel> {
        std::iter::once(LinearKernel::Rows)
            .chain((0..TILE_SHAPES.len()).map(LinearKernel::Tiled))
            .chain((0..FUSED_BLOCKS.len()).map(LinearKernel::Fused))
    }

    /// The kernels every chain tries in turn, the first that the model and the device fit being
    /// used. On each device measured (README: an NVIDIA H200; SwiftShader, natively and in
    /// Chromium; lavapipe) `fused-16` ran fastest or, on lavapipe, second to the tiled kernel, and
    /// both beat `Rows`. A browser's adapter comes without a type (wgpu reports `Other`), so one
    /// order serves every adapter. (`tiled-64x64-trusted` is compiled with wgpu's checks on the
    /// web, where there is no other way.)
    pub fn preferred() -> [LinearKernel; 2] {
        [LinearKernel::Fused(0), LinearKernel::Tiled(1)]
    }

    pub fn name(self) -> &'static str {
        match self {
            LinearKernel::Rows => "rows",
            LinearKernel::Tiled(i) => TILE_SHAPES[i].name,
            LinearKernel::Fused(i) => FUSED_BLOCKS[i].name,
        }
    }
}

/// What the GPU measured of a burst of steps ([`GpuChain::step_timed`]).
#[derive(Clone, Debug)]
pub struct BurstTiming {
    /// from the start of the burst's pass to its end
    pub total_ms: f64,
    /// each linear layer alone, summed over the steps, where the device can time inside a pass
    pub layer_ms: Option<Vec<f64>>,
}

pub struct GpuChain {
    gpu: Gpu,
    linear_kernel: LinearKernel,
    /// mlp_fused.wgsl's pipeline and shape where `linear_kernel` is fused, held here so that
    /// encoding a step takes no lock
    fused: Option<(wgpu::ComputePipeline, FusedShape)>,
    embed_group: wgpu::BindGroup,
    /// one bind group per linear layer, for the per-layer kernels
    layers: Vec<wgpu::BindGroup>,
    /// every layer in one bind group, for mlp_fused.wgsl
    fused_group: wgpu::BindGroup,
    /// each layer's (in, out)
    layer_dims: Vec<(usize, usize)>,
    hidden: usize,
    step_group: wgpu::BindGroup,
    params_group: wgpu::BindGroup,
    history: wgpu::Buffer,
    record: wgpu::Buffer,
    inspect_uniform: wgpu::Buffer,
    schedule: Schedule,
    parameterization: Parameterization,
    variance: Variance,
    samples: usize,
    dim: usize,
    out_dim: usize,
    emb_size: usize,
    capacity: usize,
    /// Steps taken: the state is x_t with t = steps − k.
    k: usize,
    /// States k in lo..=hi are valid in the ring.
    lo: usize,
    hi: usize,
    mappings: MapCounter,
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// Workgroups for `total` invocations of a 64-wide kernel, folded into 2-D past the 65535 limit;
/// the kernels rebuild the flat index from `num_workgroups`.
fn element_groups(total: usize) -> (u32, u32) {
    let groups = total.div_ceil(WORKGROUP as usize).max(1);
    let x = groups.min(65_535);
    (x as u32, groups.div_ceil(x) as u32)
}

impl GpuChain {
    /// Uploads the model and schedule and builds every GPU object the chain will use; the state
    /// starts at x_T, drawn on the GPU from the same counter-based noise as the CPU.
    pub fn new(gpu: &Gpu, model: &Denoiser, schedule: Schedule, options: &ChainOptions) -> Result<Self, GpuError> {
        Self::with_history_budget(gpu, model, schedule, options, HISTORY_BUDGET_BYTES)
    }

    /// [`GpuChain::new`] with another cap on the history ring's bytes (tests use a small one).
    pub fn with_history_budget(
        gpu: &Gpu,
        model: &Denoiser,
        schedule: Schedule,
        options: &ChainOptions,
        history_budget: u64,
    ) -> Result<Self, GpuError> {
        let cfg = &model.config;
        crate::diffusion::param::check_combination(cfg.parameterization, options.variance).map_err(GpuError::Limits)?;
        let device = &gpu.device;
        let (n, dim, out_dim, emb) = (options.samples, cfg.dim, cfg.output_dim(), cfg.emb_size);
        let steps = schedule.len();
        let state_bytes = (n * dim * 4) as u64;
        let feature_bytes = (n * (dim + 1) * emb * 4) as u64;
        let hidden_bytes = (n * cfg.hidden.max(out_dim) * 4) as u64;
        let max = gpu.max_binding_bytes();
        if feature_bytes.max(hidden_bytes).max(state_bytes * 2) > max {
            return Err(GpuError::Limits(format!(
                "{n} samples need {feature_bytes} bytes in one buffer; this device allows {max}"
            )));
        }
        let budget = history_budget.min(max);
        let capacity = ((budget / state_bytes) as usize).clamp(2, steps + 1);

        let layers = model.flat_layers().map_err(|e| GpuError::Limits(e.to_string()))?;
        let mut weights = Vec::new();
        let mut offsets = Vec::new();
        for l in &layers {
            let w = weights.len() as u32;
            weights.extend_from_slice(&l.weight);
            let b = weights.len() as u32;
            weights.extend_from_slice(&l.bias);
            offsets.push((w, b));
        }
        // mlp_fused.wgsl's copy: per layer, W's columns as rows of 4-output vec4s, then the biases,
        // each row padded to whole vec4s
        let mut weights_t: Vec<f32> = Vec::new();
        let mut t_offsets = Vec::new();
        for l in &layers {
            let row = l.out_dim.div_ceil(4) * 4;
            t_offsets.push((weights_t.len() / 4) as u32);
            for k in 0..l.in_dim {
                let start = weights_t.len();
                weights_t.extend((0..l.out_dim).map(|c| l.weight[c * l.in_dim + k]));
                weights_t.resize(start + row, 0.0);
            }
            let start = weights_t.len();
            weights_t.extend_from_slice(&l.bias);
            weights_t.resize(start + row, 0.0);
        }
        let layer_dims: Vec<(usize, usize)> = layers.iter().map(|l| (l.in_dim, l.out_dim)).collect();
        let time_embedding = model
            .time_embedding(&schedule.timestep_map)
            .map_err(|e| GpuError::Limits(e.to_string()))?;

        let init = |label: &str, contents: &[u8], usage: wgpu::BufferUsages| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
        };
        let empty = |label: &str, size: u64, usage: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(16),
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let weights_buf = init("weights", bytemuck::cast_slice(&weights), U::STORAGE);
        let weights_t_buf = init("weights transposed", bytemuck::cast_slice(&weights_t), U::STORAGE);
        let freqs_buf = init(
            "frequencies",
            bytemuck::cast_slice(&crate::model::frequencies(emb)),
            U::STORAGE,
        );
        let temb_buf = init("time embedding", bytemuck::cast_slice(&time_embedding), U::STORAGE);
        // The points renderer binds the history as an instance-rate vertex buffer.
        let history = empty(
            "history",
            state_bytes * capacity as u64,
            U::STORAGE | U::COPY_SRC | U::VERTEX,
        );
        let features = empty("features", feature_bytes, U::STORAGE);
        let hidden = [
            empty("hidden a", hidden_bytes, U::STORAGE),
            empty("hidden b", hidden_bytes, U::STORAGE),
        ];
        let raw = empty("raw output", (n * out_dim * 4) as u64, U::STORAGE);
        let record = empty(
            "inspect record",
            (RecordField::COUNT * dim * 4) as u64,
            U::STORAGE | U::COPY_SRC,
        );
        let inspect_uniform = empty("inspect params", 16, U::UNIFORM | U::COPY_DST);

        // One uniform slot per schedule index, and one more for the prior draw.
        let seed = [options.seed as u32, (options.seed >> 32) as u32];
        let s = &schedule;
        let mut slots = vec![0u8; (steps + 1) * UNIFORM_SLOT as usize];
        let base = StepParams {
            i: 0,
            src: 0,
            dst: 0,
            n: n as u32,
            dim: dim as u32,
            out_dim: out_dim as u32,
            parameterization: parameterization_code(cfg.parameterization),
            variance: variance_code(options.variance),
            seed,
            add_noise: 0,
            emb_size: emb as u32,
            input_scale: cfg.input_scale as f32,
            sqrt_recip_alpha_bar: 0.0,
            sqrt_recipm1_alpha_bar: 0.0,
            sqrt_alpha_bar: 0.0,
            sqrt_one_minus_alpha_bar: 0.0,
            posterior_mean_coef1: 0.0,
            posterior_mean_coef2: 0.0,
            posterior_log_variance_clipped: 0.0,
            fixed_large_log_variance: 0.0,
            log_beta: 0.0,
            _pad0: 0,
            _pad1: 0,
        };
        let slot_of = |k: usize| ((k % capacity) * n * dim) as u32;
        for i in 0..steps {
            // schedule index i is taken when k = steps − (i + 1) steps are done
            let k = steps - (i + 1);
            let p = StepParams {
                i: i as u32,
                src: slot_of(k),
                dst: slot_of(k + 1),
                add_noise: u32::from(i > 0),
                sqrt_recip_alpha_bar: s.sqrt_recip_alpha_bar[i] as f32,
                sqrt_recipm1_alpha_bar: s.sqrt_recipm1_alpha_bar[i] as f32,
                sqrt_alpha_bar: s.sqrt_alpha_bar[i] as f32,
                sqrt_one_minus_alpha_bar: s.sqrt_one_minus_alpha_bar[i] as f32,
                posterior_mean_coef1: s.posterior_mean_coef1[i] as f32,
                posterior_mean_coef2: s.posterior_mean_coef2[i] as f32,
                posterior_log_variance_clipped: s.posterior_log_variance_clipped[i] as f32,
                fixed_large_log_variance: s.fixed_large_log_variance[i] as f32,
                log_beta: s.log_beta[i] as f32,
                ..base
            };
            let at = i * UNIFORM_SLOT as usize;
            slots[at..at + std::mem::size_of::<StepParams>()].copy_from_slice(bytemuck::bytes_of(&p));
        }
        let prior_at = steps * UNIFORM_SLOT as usize;
        slots[prior_at..prior_at + std::mem::size_of::<StepParams>()]
            .copy_from_slice(bytemuck::bytes_of(&StepParams { dst: 0, ..base }));
        let params_buf = init("step params", &slots, U::UNIFORM);

        let kernels = gpu.kernels();
        let layouts = &kernels.layouts;
        let group = |label: &str, layout: &wgpu::BindGroupLayout, entries: &[wgpu::BindGroupEntry]| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout,
                entries,
            })
        };
        let params_group = group(
            "step params",
            &layouts.params,
            &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &params_buf,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<StepParams>() as u64),
                }),
            }],
        );
        let embed_group = group(
            "embed",
            &layouts.embed,
            &[
                entry(0, &history),
                entry(1, &freqs_buf),
                entry(2, &temb_buf),
                entry(3, &features),
            ],
        );
        // Layer l reads `features` (l = 0) or a hidden buffer and writes the other one; the last
        // writes the raw output.
        let last = layers.len() - 1;
        let mut gpu_layers = Vec::with_capacity(layers.len());
        let mut all_params = Vec::with_capacity(layers.len());
        for (l, (layer, &(w, b))) in layers.iter().zip(&offsets).enumerate() {
            let src = if l == 0 { &features } else { &hidden[(l + 1) % 2] };
            let dst = if l == last { &raw } else { &hidden[l % 2] };
            let params = LayerParams {
                n: n as u32,
                in_dim: layer.in_dim as u32,
                out_dim: layer.out_dim as u32,
                weight_offset: w,
                bias_offset: b,
                activation: u32::from(l != last),
                residual: u32::from(l != 0 && l != last),
                weight_t_offset: t_offsets[l],
            };
            all_params.push(params);
            let uniform = init("layer params", bytemuck::bytes_of(&params), U::UNIFORM);
            gpu_layers.push(group(
                "linear",
                &layouts.linear,
                &[entry(0, &weights_buf), entry(1, src), entry(2, dst), entry(3, &uniform)],
            ));
        }
        let mlp_uniform = init("fused layer params", bytemuck::cast_slice(&all_params), U::UNIFORM);
        let fused_group = group(
            "mlp fused",
            &layouts.linear,
            &[
                entry(0, &weights_t_buf),
                entry(1, &features),
                entry(2, &raw),
                entry(3, &mlp_uniform),
            ],
        );
        let step_group = group(
            "step",
            &layouts.step,
            &[
                entry(0, &history),
                entry(1, &raw),
                entry(2, &record),
                entry(3, &inspect_uniform),
            ],
        );

        let mut chain = GpuChain {
            linear_kernel: LinearKernel::Rows,
            fused: None,
            gpu: gpu.clone(),
            embed_group,
            layers: gpu_layers,
            fused_group,
            layer_dims,
            hidden: cfg.hidden,
            step_group,
            params_group,
            history,
            record,
            inspect_uniform,
            schedule,
            parameterization: cfg.parameterization,
            variance: options.variance,
            samples: n,
            dim,
            out_dim,
            emb_size: emb,
            capacity,
            k: 0,
            lo: 0,
            hi: 0,
            mappings: MapCounter::default(),
        };
        // the first kernel the model and the device fit, else `Rows`, as built
        for kernel in LinearKernel::preferred() {
            if chain.set_linear_kernel(kernel).is_ok() {
                break;
            }
        }
        chain.draw_prior();
        // natively a bad shader or binding is reported by now; on the web it arrives later and is
        // caught by the wasm layer's health check
        if let Some(failure) = gpu.failure() {
            return Err(GpuError::Lost(failure));
        }
        Ok(chain)
    }

    pub fn steps(&self) -> usize {
        self.schedule.len()
    }
    pub fn t(&self) -> usize {
        self.steps() - self.k
    }
    pub fn samples(&self) -> usize {
        self.samples
    }
    /// Runs the linear layers of the next steps with `kernel`: the same outputs within the GPU's
    /// rounding (tests/gpu.rs), at another speed (`ptheta bench-gpu`). Refuses, saying why, a
    /// fused kernel that does not fit the model or the device.
    pub fn set_linear_kernel(&mut self, kernel: LinearKernel) -> Result<(), String> {
        // the pipeline is compiled now, so that a driver's refusal is reported with the chain
        // that asked for it rather than at its first step
        let kernels = self.gpu.kernels();
        let fused = match kernel {
            LinearKernel::Fused(i) => {
                let shape = self.fused_shape(i);
                shape.fits(&self.layer_dims, &self.gpu.device.limits())?;
                Some((kernels.mlp_fused(shape), shape))
            }
            LinearKernel::Tiled(i) => {
                kernels.linear_tiled(i);
                None
            }
            LinearKernel::Rows => None,
        };
        self.linear_kernel = kernel;
        self.fused = fused;
        Ok(())
    }

    /// The kernel that runs the network's linear layers.
    pub fn linear_kernel(&self) -> LinearKernel {
        self.linear_kernel
    }

    fn fused_shape(&self, block: usize) -> FusedShape {
        FusedShape {
            hidden: self.hidden as u32,
            layers: self.layer_dims.len() as u32,
            samples: FUSED_BLOCKS[block].samples,
        }
    }

    /// Dispatches of the linear layers in one step.
    fn linear_dispatches(&self) -> usize {
        match self.linear_kernel {
            LinearKernel::Fused(_) => 1,
            _ => self.layers.len(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }
    pub fn variance(&self) -> Variance {
        self.variance
    }
    pub fn parameterization(&self) -> Parameterization {
        self.parameterization
    }
    /// How many states the history ring holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// Buffer mappings made so far (each readback is one).
    pub fn mappings(&self) -> u64 {
        self.mappings.get()
    }
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// The buffer holding x_t for every sample, and the byte range of the current state in it:
    /// `samples` rows of `dim` f32s. A renderer can bind it directly.
    pub fn state_buffer(&self) -> (&wgpu::Buffer, std::ops::Range<u64>) {
        self.state_range(self.k)
    }

    /// The buffer range of the state `back` steps before the current one, if still in the ring.
    pub fn earlier_state(&self, back: usize) -> Option<(&wgpu::Buffer, std::ops::Range<u64>)> {
        let k = self.k.checked_sub(back)?;
        (k >= self.lo).then(|| self.state_range(k))
    }

    fn state_range(&self, k: usize) -> (&wgpu::Buffer, std::ops::Range<u64>) {
        let bytes = (self.samples * self.dim * 4) as u64;
        let start = (k % self.capacity) as u64 * bytes;
        (&self.history, start..start + bytes)
    }

    fn draw_prior(&mut self) {
        let mut encoder = self.encoder();
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.gpu.kernels().prior);
            pass.set_bind_group(0, &self.step_group, &[]);
            pass.set_bind_group(1, &self.params_group, &[self.slot_offset(self.steps())]);
            let (x, y) = element_groups(self.samples * self.dim);
            pass.dispatch_workgroups(x, y, 1);
        }
        self.gpu.queue.submit([encoder.finish()]);
        self.k = 0;
        self.lo = 0;
        self.hi = 0;
    }

    fn encoder(&self) -> wgpu::CommandEncoder {
        self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("ptheta chain"),
        })
    }

    fn slot_offset(&self, i: usize) -> u32 {
        (i as u64 * UNIFORM_SLOT) as u32
    }

    /// The network's raw output for every sample at schedule index `i` into the raw buffer;
    /// with `marks`, timestamp `index` before the linear layers and `index + 1 + l` after layer l.
    fn encode_forward(&self, pass: &mut wgpu::ComputePass, i: usize, marks: Option<(&wgpu::QuerySet, u32)>) {
        let n = self.samples;
        pass.set_pipeline(&self.gpu.kernels().embed);
        pass.set_bind_group(0, &self.embed_group, &[]);
        pass.set_bind_group(1, &self.params_group, &[self.slot_offset(i)]);
        let (x, y) = element_groups(n * (self.dim + 1) * self.emb_size / 2);
        pass.dispatch_workgroups(x, y, 1);
        let kernels = self.gpu.kernels();
        if let Some((pipeline, shape)) = &self.fused {
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &self.fused_group, &[]);
            if let Some((set, index)) = marks {
                pass.write_timestamp(set, index);
            }
            pass.dispatch_workgroups(n.div_ceil(shape.samples as usize) as u32, 1, 1);
            if let Some((set, index)) = marks {
                pass.write_timestamp(set, index + 1);
            }
            return;
        }
        match self.linear_kernel {
            LinearKernel::Rows => pass.set_pipeline(&kernels.linear),
            LinearKernel::Tiled(shape) => pass.set_pipeline(kernels.linear_tiled(shape)),
            LinearKernel::Fused(_) => unreachable!("dispatched above"),
        }
        if let Some((set, index)) = marks {
            pass.write_timestamp(set, index);
        }
        for (l, layer) in self.layers.iter().enumerate() {
            let out_dim = self.layer_dims[l].1;
            pass.set_bind_group(0, layer, &[]);
            let (x, y) = match self.linear_kernel {
                LinearKernel::Rows => element_groups(n * out_dim.div_ceil(LINEAR_COLS as usize)),
                LinearKernel::Fused(_) => unreachable!("dispatched above"),
                LinearKernel::Tiled(shape) => {
                    let shape = TILE_SHAPES[shape];
                    (
                        n.div_ceil(shape.block_samples() as usize) as u32,
                        out_dim.div_ceil(shape.block_outputs() as usize) as u32,
                    )
                }
            };
            pass.dispatch_workgroups(x, y, 1);
            if let Some((set, index)) = marks {
                pass.write_timestamp(set, index + 1 + l as u32);
            }
        }
    }

    /// Runs up to `count` reverse steps as one submission; returns the new t. Nothing is read
    /// back and nothing is written to the GPU but the commands.
    pub fn step(&mut self, count: usize) -> usize {
        let target = (self.k + count).min(self.steps());
        // states already in the ring (stepped back over) need no work
        while self.k < target && self.k < self.hi {
            self.k += 1;
        }
        if self.k < target {
            self.encode_steps(target, None);
        }
        self.t()
    }

    /// Runs `count` new reverse steps as one submission timed by the GPU itself (timestamp
    /// queries: the whole pass, and the linear layers of each step where the device can write
    /// timestamps inside a pass). For `ptheta bench-gpu`; refuses a device without timestamps,
    /// steps already in the history, or steps past x_0.
    pub fn step_timed(
        &mut self,
        count: usize,
    ) -> Result<impl std::future::Future<Output = Result<BurstTiming, String>> + 'static, String> {
        let features = self.gpu.device.features();
        if !features.contains(wgpu::Features::TIMESTAMP_QUERY) {
            return Err("this device cannot time its work (no timestamp queries)".into());
        }
        if count == 0 || self.k != self.hi || self.k + count > self.steps() {
            return Err(format!(
                "{count} new steps from step {} of {} (history up to {})",
                self.k,
                self.steps(),
                self.hi
            ));
        }
        let inside = features.contains(wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES);
        let per_step = 1 + self.linear_dispatches() as u32;
        let queries = if inside { 2 + per_step * count as u32 } else { 2 };
        let device = self.gpu.device.clone();
        let set = device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("ptheta timing"),
            ty: wgpu::QueryType::Timestamp,
            count: queries,
        });
        let bytes = u64::from(queries) * 8;
        let resolved = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("ptheta timing"),
            size: bytes,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        self.encode_steps(self.k + count, Some((&set, per_step, inside)));
        let mut encoder = self.encoder();
        encoder.resolve_query_set(&set, 0..queries, &resolved, 0);
        self.gpu.queue.submit([encoder.finish()]);
        let ns_per_tick = f64::from(self.gpu.queue.get_timestamp_period());
        let read = readback::read(&self.gpu, &resolved, 0, bytes, &self.mappings);
        Ok(async move {
            let bytes = read.await?;
            let ticks: Vec<u64> = bytes
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
                .collect();
            let ms = |from: u64, to: u64| to.wrapping_sub(from) as f64 * ns_per_tick * 1e-6;
            Ok(BurstTiming {
                total_ms: ms(ticks[0], ticks[1]),
                layer_ms: inside.then(|| {
                    let mut layers = vec![0.0; per_step as usize - 1];
                    for step in ticks[2..].chunks_exact(per_step as usize) {
                        for (l, pair) in step.windows(2).enumerate() {
                            layers[l] += ms(pair[0], pair[1]);
                        }
                    }
                    layers
                }),
            })
        })
    }

    /// Encodes and submits the steps from the current one to `target`, all new; with a query set,
    /// the pass writes its start and end to queries 0 and 1 and, if `inside`, each step's linear
    /// layers their marks (`encode_forward`) to the next `per_step`.
    fn encode_steps(&mut self, target: usize, timing: Option<(&wgpu::QuerySet, u32, bool)>) {
        let mut encoder = self.encoder();
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("ptheta steps"),
                timestamp_writes: timing.map(|(query_set, _, _)| wgpu::ComputePassTimestampWrites {
                    query_set,
                    beginning_of_pass_write_index: Some(0),
                    end_of_pass_write_index: Some(1),
                }),
            });
            for (n, k) in (self.k..target).enumerate() {
                let marks = match timing {
                    Some((set, per_step, true)) => Some((set, 2 + per_step * n as u32)),
                    _ => None,
                };
                // 1. network output at this step's timestep (embed + layers)
                let i = self.steps() - (k + 1);
                self.encode_forward(&mut pass, i, marks);
                // 2–3. raw → (μ_θ, log Σ_θ) → x_{t−1} = μ_θ + exp(½ log Σ_θ)·z
                pass.set_pipeline(&self.gpu.kernels().reverse_step);
                pass.set_bind_group(0, &self.step_group, &[]);
                pass.set_bind_group(1, &self.params_group, &[self.slot_offset(i)]);
                let (x, y) = element_groups(self.samples * self.dim);
                pass.dispatch_workgroups(x, y, 1);
            }
        }
        self.gpu.queue.submit([encoder.finish()]);
        self.k = target;
        self.hi = target;
        self.lo = self.lo.max((target + 1).saturating_sub(self.capacity));
    }

    /// Goes back one step to exactly the earlier state; returns the new t.
    pub fn step_back(&mut self) -> Result<usize, String> {
        if self.k == 0 {
            return Err("the chain is at its start, x_T".into());
        }
        let target = self.k - 1;
        if target >= self.lo {
            self.k = target;
        } else {
            // fell out of the ring: x_T and every z are counter-based, so re-running is exact
            self.draw_prior();
            self.step(target);
        }
        Ok(self.t())
    }

    /// Back to x_T with the same noise.
    pub fn reset(&mut self) {
        if self.lo == 0 {
            self.k = 0;
        } else {
            self.draw_prior();
        }
    }

    /// x_t of every sample, row-major [samples, dim].
    pub fn positions(&self) -> impl std::future::Future<Output = Result<Vec<f32>, String>> + 'static {
        let (buffer, range) = self.state_buffer();
        let read = readback::read(&self.gpu, buffer, range.start, range.end - range.start, &self.mappings);
        async move { Ok(readback::floats(&read.await?)) }
    }

    /// One sample's numbers for the next step, as the step kernel computes them (the state is not
    /// changed). Runs the forward pass for all samples: cheap on a GPU, and it keeps one code path.
    pub fn inspect(
        &self,
        sample: usize,
    ) -> Result<impl std::future::Future<Output = Result<Inspection, String>> + 'static, String> {
        if sample >= self.samples {
            return Err(format!(
                "sample {sample} does not exist: the chain has {}",
                self.samples
            ));
        }
        if self.t() == 0 {
            return Err("the chain is at t = 0: there is no next step to inspect".into());
        }
        let i = self.t() - 1;
        let q = &self.gpu.queue;
        q.write_buffer(
            &self.inspect_uniform,
            0,
            bytemuck::bytes_of(&InspectParams {
                sample: sample as u32,
                _pad0: 0,
                _pad1: 0,
                _pad2: 0,
            }),
        );
        let mut encoder = self.encoder();
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            self.encode_forward(&mut pass, i, None);
            pass.set_pipeline(&self.gpu.kernels().inspect);
            pass.set_bind_group(0, &self.step_group, &[]);
            pass.set_bind_group(1, &self.params_group, &[self.slot_offset(i)]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        q.submit([encoder.finish()]);
        let size = (RecordField::COUNT * self.dim * 4) as u64;
        let read = readback::read(&self.gpu, &self.record, 0, size, &self.mappings);
        let (t, dim, timestep) = (self.t(), self.dim, self.schedule.timestep_map[i]);
        let (parameterization, coefficients) = (self.parameterization, self.schedule.coefficients(i));
        let raw_len = self.out_dim;
        Ok(async move {
            let r = readback::floats(&read.await?);
            let field = |f: RecordField| -> Vec<f64> {
                r[f.index() * dim..(f.index() + 1) * dim]
                    .iter()
                    .map(|&v| v as f64)
                    .collect()
            };
            let mut raw = field(RecordField::Raw);
            if raw_len > dim {
                raw.extend(field(RecordField::RawVariance));
            }
            let (x_t, mean, sigma, z) = (
                field(RecordField::XT),
                field(RecordField::Mean),
                field(RecordField::Sigma),
                field(RecordField::Z),
            );
            Ok(Inspection {
                sample,
                parameterization,
                coefficients,
                t,
                timestep,
                mean_step: mean.iter().zip(&x_t).map(|(m, x)| m - x).collect(),
                noise: sigma.iter().zip(&z).map(|(s, z)| s * z).collect(),
                variance: sigma.iter().map(|s| s * s).collect(),
                x_t,
                raw,
                eps: field(RecordField::Eps),
                x0: field(RecordField::X0),
                mean,
                log_variance: field(RecordField::LogVariance),
                sigma,
                z,
                x_prev: field(RecordField::XPrev),
            })
        })
    }

    /// Counts of x_t in a bins × bins grid over [−half, half]² (row 0 at y = −half): the summary
    /// the page reads instead of every position.
    pub fn histogram(
        &self,
        bins: usize,
        half: f32,
    ) -> Result<impl std::future::Future<Output = Result<Vec<u32>, String>> + 'static, String> {
        let scale = crate::histogram::scale(bins, half)?;
        if self.dim < 2 {
            return Err(format!(
                "a histogram needs 2-D data; this chain's samples have {} dimension",
                self.dim
            ));
        }
        let device = &self.gpu.device;
        let bytes = (bins * bins * 4) as u64;
        let counts = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("histogram"),
            size: bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let (_, range) = self.state_buffer();
        let params = HistogramParams {
            offset: (range.start / 4) as u32,
            n: self.samples as u32,
            dim: self.dim as u32,
            bins: bins as u32,
            half,
            scale,
            _pad0: 0,
            _pad1: 0,
        };
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("histogram params"),
            contents: bytemuck::bytes_of(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("histogram"),
            layout: &self.gpu.kernels().layouts.histogram,
            entries: &[entry(0, &self.history), entry(1, &counts), entry(2, &uniform)],
        });
        let mut encoder = self.encoder();
        encoder.clear_buffer(&counts, 0, None);
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.gpu.kernels().histogram);
            pass.set_bind_group(0, &group, &[]);
            let (x, y) = element_groups(self.samples);
            pass.dispatch_workgroups(x, y, 1);
        }
        self.gpu.queue.submit([encoder.finish()]);
        let read = readback::read(&self.gpu, &counts, 0, bytes, &self.mappings);
        Ok(async move {
            let b = read.await?;
            Ok(b.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        })
    }
}
