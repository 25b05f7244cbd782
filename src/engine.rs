//! One chain, whichever backend runs it: the [`ReverseChain`] interface both backends implement
//! with the same method shapes and one error type, and the [`Engine`] that picks the backend,
//! falls back to the CPU, and recovers from a lost GPU device. Plain Rust, tested natively
//! (tests/engine.rs, on lavapipe); `src/wasm.rs` only translates it for JS.
//!
//! Recovery is exact, not approximate: the prior and each step's noise are counter-based, so a CPU
//! chain rebuilt at the same t by re-running from x_T equals one that ran on the CPU throughout.

use crate::catalog::Backend;
use crate::chain::{predicted_x0, Chain, ChainOptions, Inspection};
use crate::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
use crate::gpu::{Gpu, GpuChain, GpuError};
use crate::model::{Denoiser, ModelConfig};
use std::cell::{OnceCell, RefCell};
use std::future::Future;
use std::pin::Pin;

/// Why a chain call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainError {
    /// The request cannot be met (a sample that does not exist, no step before x_T, bad weights):
    /// the same answer on every backend.
    Refused(String),
    /// The GPU device is gone or stopped answering: the engine moves to the CPU.
    Device(String),
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainError::Refused(m) | ChainError::Device(m) => f.write_str(m),
        }
    }
}

impl From<String> for ChainError {
    fn from(m: String) -> Self {
        ChainError::Refused(m)
    }
}

/// A read that may have to wait for the GPU (ready at once on the CPU). It owns what it needs, so
/// the chain can be used again while it is pending.
pub type Read<T> = Pin<Box<dyn Future<Output = Result<T, ChainError>>>>;

fn ready<T: 'static>(v: Result<T, ChainError>) -> Read<T> {
    Box::pin(std::future::ready(v))
}

/// The reverse chain x_T → x_0 as every caller sees it, on any backend.
pub trait ReverseChain {
    /// Current paper timestep t (steps … 0).
    fn t(&self) -> usize;
    /// Sampling steps S.
    fn steps(&self) -> usize;
    fn samples(&self) -> usize;
    /// Runs up to `count` reverse steps (stopping at t = 0); returns the new t.
    fn step(&mut self, count: usize) -> Result<usize, ChainError>;
    /// Goes back one step to exactly the earlier state; returns the new t.
    fn step_back(&mut self) -> Result<usize, ChainError>;
    /// Back to x_T with the same noise.
    fn reset(&mut self);
    /// x_t of every sample, row-major [samples, dim].
    fn positions(&self) -> Read<Vec<f32>>;
    /// One sample's numbers for the next step.
    fn inspect(&self, sample: usize) -> Read<Inspection>;
    /// Counts of x_t on the catalog's histogram grid (crate::histogram).
    fn histogram(&self, bins: usize, half: f32) -> Read<Vec<f32>>;
    /// x_t `back` steps before the current state, where the backend keeps it in host memory.
    fn earlier(&self, back: usize) -> Option<Vec<f32>>;
    /// GPU → CPU buffer mappings so far (always 0 on the CPU).
    fn mappings(&self) -> u64;
    /// Why the device cannot be used any more, if it cannot.
    fn device_failure(&self) -> Option<String>;
    /// Takes the next states computed elsewhere (Chain::adopt); only a CPU chain can.
    fn adopt(&mut self, _states: &[f32]) -> Result<usize, ChainError> {
        Err(ChainError::Refused(
            "only a chain on the CPU takes states computed elsewhere".into(),
        ))
    }
    /// The GPU chain underneath, for drawing straight from its buffers.
    fn as_gpu(&self) -> Option<&GpuChain> {
        None
    }
}

impl ReverseChain for Chain<Denoiser> {
    fn t(&self) -> usize {
        Chain::t(self)
    }
    fn steps(&self) -> usize {
        Chain::steps(self)
    }
    fn samples(&self) -> usize {
        Chain::samples(self)
    }
    fn step(&mut self, count: usize) -> Result<usize, ChainError> {
        for _ in 0..count {
            if self.is_done() {
                break;
            }
            Chain::step(self)?;
        }
        Ok(Chain::t(self))
    }
    fn step_back(&mut self) -> Result<usize, ChainError> {
        Chain::step_back(self)?;
        Ok(Chain::t(self))
    }
    fn reset(&mut self) {
        Chain::reset(self)
    }
    fn positions(&self) -> Read<Vec<f32>> {
        ready(Ok(Chain::positions(self).to_vec()))
    }
    fn inspect(&self, sample: usize) -> Read<Inspection> {
        ready(Chain::inspect(self, sample).map_err(ChainError::Refused))
    }
    fn histogram(&self, bins: usize, half: f32) -> Read<Vec<f32>> {
        ready(crate::histogram::counts(Chain::positions(self), self.dim(), bins, half).map_err(ChainError::Refused))
    }
    fn earlier(&self, back: usize) -> Option<Vec<f32>> {
        Chain::earlier(self, back).map(<[f32]>::to_vec)
    }
    fn adopt(&mut self, states: &[f32]) -> Result<usize, ChainError> {
        Chain::adopt(self, states).map_err(ChainError::Refused)?;
        Ok(Chain::t(self))
    }
    fn mappings(&self) -> u64 {
        0
    }
    fn device_failure(&self) -> Option<String> {
        None
    }
}

impl ReverseChain for GpuChain {
    fn t(&self) -> usize {
        GpuChain::t(self)
    }
    fn steps(&self) -> usize {
        GpuChain::steps(self)
    }
    fn samples(&self) -> usize {
        GpuChain::samples(self)
    }
    fn step(&mut self, count: usize) -> Result<usize, ChainError> {
        Ok(GpuChain::step(self, count))
    }
    fn step_back(&mut self) -> Result<usize, ChainError> {
        Ok(GpuChain::step_back(self)?)
    }
    fn reset(&mut self) {
        GpuChain::reset(self)
    }
    fn positions(&self) -> Read<Vec<f32>> {
        let read = GpuChain::positions(self);
        Box::pin(async move { read.await.map_err(ChainError::Device) })
    }
    fn inspect(&self, sample: usize) -> Read<Inspection> {
        match GpuChain::inspect(self, sample) {
            Ok(read) => Box::pin(async move { read.await.map_err(ChainError::Device) }),
            Err(refused) => ready(Err(ChainError::Refused(refused))),
        }
    }
    fn histogram(&self, bins: usize, half: f32) -> Read<Vec<f32>> {
        match GpuChain::histogram(self, bins, half) {
            Ok(read) => Box::pin(async move {
                let counts = read.await.map_err(ChainError::Device)?;
                Ok(counts.into_iter().map(|c| c as f32).collect())
            }),
            Err(refused) => ready(Err(ChainError::Refused(refused))),
        }
    }
    fn earlier(&self, _back: usize) -> Option<Vec<f32>> {
        None
    }
    fn mappings(&self) -> u64 {
        GpuChain::mappings(self)
    }
    fn device_failure(&self) -> Option<String> {
        self.gpu().failure()
    }
    fn as_gpu(&self) -> Option<&GpuChain> {
        Some(self)
    }
}

/// Options of a new chain. Parameterization and schedule are properties of the trained model:
/// when given they must match it, so a caller that asks for the wrong one hears about it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EngineOptions {
    pub parameterization: Option<Parameterization>,
    pub variance: Option<Variance>,
    pub schedule: Option<ScheduleKind>,
    pub steps: Option<usize>,
    pub samples: Option<usize>,
    pub seed: Option<u32>,
    pub backend: Option<Backend>,
}

impl EngineOptions {
    /// The option names, as JS spells them.
    pub const NAMES: [&'static str; 7] = [
        "parameterization",
        "variance",
        "schedule",
        "steps",
        "samples",
        "seed",
        "backend",
    ];

    /// Refuses a misspelt option by name: a deserializer that reads only the fields it knows
    /// (serde-wasm-bindgen) would otherwise ignore it silently.
    pub fn check_names<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<(), ChainError> {
        for key in keys {
            if !Self::NAMES.contains(&key) {
                return Err(ChainError::Refused(format!(
                    "unknown chain option '{key}': expected {}",
                    Self::NAMES.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// Everything needed to build (or rebuild) a chain: the weights, the respaced schedule and the
/// chain's options, all checked against the catalog.
pub struct Spec {
    weights: Vec<u8>,
    pub config: ModelConfig,
    pub schedule: Schedule,
    pub options: ChainOptions,
    pub backend: Backend,
}

impl Spec {
    /// Checks `options` against the model and the catalog's limits.
    pub fn new(weights: Vec<u8>, o: EngineOptions) -> Result<(Spec, Denoiser), ChainError> {
        let model = Denoiser::from_safetensors(&weights).map_err(|e| ChainError::Refused(e.to_string()))?;
        let config = model.config.clone();
        if let Some(p) = o.parameterization.filter(|&p| p != config.parameterization) {
            return Err(ChainError::Refused(format!(
                "these weights predict '{}', not '{p}'",
                config.parameterization
            )));
        }
        if let Some(s) = o.schedule.filter(|&s| s != config.schedule) {
            return Err(ChainError::Refused(format!(
                "these weights were trained with the '{}' schedule, not '{s}'",
                config.schedule
            )));
        }
        use crate::catalog::SAMPLES;
        let steps = o
            .steps
            .unwrap_or_else(|| crate::catalog::model_default_steps(config.parameterization, config.timesteps));
        // a world of images shows its samples as a grid: a smaller one than a cloud of points
        let image = config
            .dataset
            .parse::<crate::data::Dataset>()
            .is_ok_and(|d| !d.is_plane());
        let default_samples = if image {
            crate::catalog::IMAGE_SAMPLES
        } else {
            SAMPLES.default
        };
        let samples = o.samples.unwrap_or(default_samples as usize);
        if !(SAMPLES.min..=SAMPLES.max).contains(&(samples as u64)) {
            return Err(ChainError::Refused(format!(
                "samples must be from {} to {}, got {samples}",
                SAMPLES.min, SAMPLES.max
            )));
        }
        let schedule = Schedule::respaced(config.schedule, config.timesteps, steps)?;
        let options = ChainOptions {
            variance: o.variance.unwrap_or(config.parameterization.default_variance()),
            steps,
            samples,
            seed: o.seed.unwrap_or(0) as u64,
            keep_history: true,
        };
        crate::diffusion::param::check_combination(config.parameterization, options.variance)?;
        let spec = Spec {
            weights,
            config,
            schedule,
            options,
            backend: o.backend.unwrap_or(Backend::DEFAULT),
        };
        Ok((spec, model))
    }

    /// The CPU chain at paper timestep `t`, by re-running from x_T.
    fn cpu_chain_at(&self, t: usize) -> Result<Chain<Denoiser>, ChainError> {
        let model = Denoiser::from_safetensors(&self.weights).map_err(|e| ChainError::Refused(e.to_string()))?;
        let mut chain = Chain::new(model, self.schedule.clone(), &self.options)?;
        while chain.t() > t {
            chain.step()?;
        }
        Ok(chain)
    }
}

/// A chain and what runs it: the backend chosen, why the CPU runs if it does, and the recovery
/// from a lost device.
pub struct Engine {
    chain: Box<dyn ReverseChain>,
    spec: Spec,
    adapter: Option<String>,
    fallback_reason: Option<String>,
    /// The network on the CPU for [`predictions`], loaded at the first: the GPU chain keeps its
    /// weights only on the device, and a CPU chain's own is borrowed mutably while it steps.
    reference: OnceCell<Denoiser>,
}

impl Engine {
    /// A chain on the backend the spec asks for. `gpu` is awaited only when the backend may use
    /// WebGPU: `auto` takes it when a device is granted and can hold the chain, else runs on the
    /// CPU and says why; `webgpu` refuses without one; `cpu` never asks.
    pub async fn create(
        spec: Spec,
        model: Denoiser,
        gpu: impl Future<Output = Result<Gpu, GpuError>>,
    ) -> Result<Engine, ChainError> {
        if spec.backend == Backend::Cpu {
            return Engine::on_cpu(spec, model, None);
        }
        let gpu_chain = match gpu.await {
            Ok(gpu) => GpuChain::new(&gpu, &model, spec.schedule.clone(), &spec.options)
                .map(|c| (c, gpu.describe()))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match gpu_chain {
            Ok((chain, adapter)) => Ok(Engine {
                chain: Box::new(chain),
                spec,
                adapter: Some(adapter),
                fallback_reason: None,
                reference: OnceCell::new(),
            }),
            Err(e) if spec.backend == Backend::Webgpu => {
                Err(ChainError::Refused(format!("backend 'webgpu' was asked for, but {e}")))
            }
            Err(e) => Engine::on_cpu(spec, model, Some(e)),
        }
    }

    /// A CPU chain, built at once.
    pub fn on_cpu(spec: Spec, model: Denoiser, fallback_reason: Option<String>) -> Result<Engine, ChainError> {
        let chain = Chain::new(model, spec.schedule.clone(), &spec.options)?;
        Ok(Engine {
            chain: Box::new(chain),
            spec,
            adapter: None,
            fallback_reason,
            reference: OnceCell::new(),
        })
    }

    pub fn chain(&self) -> &dyn ReverseChain {
        self.chain.as_ref()
    }
    pub fn spec(&self) -> &Spec {
        &self.spec
    }
    /// What runs the chain now.
    pub fn backend(&self) -> Backend {
        if self.chain.as_gpu().is_some() {
            Backend::Webgpu
        } else {
            Backend::Cpu
        }
    }
    pub fn adapter(&self) -> Option<&str> {
        self.adapter.as_deref()
    }
    /// Why the CPU runs although WebGPU was possible, asked for or running.
    pub fn fallback_reason(&self) -> Option<&str> {
        self.fallback_reason.as_deref()
    }

    /// Moves to the CPU at the current t if the device is gone; returns whether it did.
    pub fn check_health(&mut self) -> Result<bool, ChainError> {
        match self.chain.device_failure() {
            Some(reason) => {
                self.fall_back(reason)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// After a failed GPU read: the device is gone or stopped answering, so the CPU takes over.
    pub fn recover(&mut self, error: &str) -> Result<(), ChainError> {
        if !self.check_health()? && self.backend() == Backend::Webgpu {
            self.fall_back(format!("the WebGPU device stopped answering ({error})"))?;
        }
        Ok(())
    }

    fn fall_back(&mut self, reason: String) -> Result<(), ChainError> {
        let t = self.chain.t();
        self.chain = Box::new(self.spec.cpu_chain_at(t)?);
        self.adapter = None;
        self.fallback_reason = Some(format!("{reason}; continuing on the CPU from t = {t}"));
        Ok(())
    }

    /// The network on the CPU, loaded once from the spec's weights.
    fn reference(&self) -> Result<&Denoiser, ChainError> {
        if let Some(model) = self.reference.get() {
            return Ok(model);
        }
        let model = Denoiser::from_safetensors(&self.spec.weights).map_err(|e| ChainError::Refused(e.to_string()))?;
        Ok(self.reference.get_or_init(|| model))
    }

    /// Runs up to `count` steps; returns the new t.
    pub fn step(&mut self, count: usize) -> Result<usize, ChainError> {
        self.check_health()?;
        self.chain.step(count)
    }
    pub fn step_back(&mut self) -> Result<usize, ChainError> {
        self.check_health()?;
        self.chain.step_back()
    }
    pub fn reset(&mut self) -> Result<(), ChainError> {
        self.check_health()?;
        self.chain.reset();
        Ok(())
    }
    /// Takes the next states computed elsewhere; returns the new t.
    pub fn adopt(&mut self, states: &[f32]) -> Result<usize, ChainError> {
        self.check_health()?;
        self.chain.adopt(states)
    }
    /// Steps forward or back to paper timestep `t`.
    pub fn go_to(&mut self, t: usize) -> Result<usize, ChainError> {
        if t > self.chain.steps() {
            return Err(ChainError::Refused(format!(
                "t = {t} is outside the chain: it runs from {} to 0",
                self.chain.steps()
            )));
        }
        self.check_health()?;
        if self.chain.t() > t {
            let n = self.chain.t() - t;
            self.chain.step(n)?;
        }
        while self.chain.t() < t {
            self.chain.step_back()?;
        }
        Ok(self.chain.t())
    }
}

/// x̂_0 of the first `count` samples (all of them when there are fewer) at the chain's t,
/// row-major [count, dim] ([`predicted_x0`]): x_t read as [`read`] reads it, on any backend, then
/// one forward of the network on the CPU for those samples. Refused at t = 0, where no step is
/// left to predict for.
pub async fn predictions(engine: &RefCell<Engine>, count: usize) -> Result<Vec<f32>, ChainError> {
    let (t, x) = read(engine, |c| {
        let (t, x) = (c.t(), c.positions());
        Box::pin(async move { Ok((t, x.await?)) })
    })
    .await?;
    let e = engine.borrow();
    let dim = e.spec.config.dim;
    let first = &x[..count.min(x.len() / dim) * dim];
    predicted_x0(e.reference()?, &e.spec.schedule, t, first).map_err(ChainError::Refused)
}

/// Reads through an engine shared with the event loop: starts the read, and if the device fails
/// under it, moves to the CPU and reads there. No borrow is held while the read is pending.
pub async fn read<T: 'static>(
    engine: &RefCell<Engine>,
    start: impl Fn(&dyn ReverseChain) -> Read<T>,
) -> Result<T, ChainError> {
    let pending = {
        let mut e = engine.borrow_mut();
        e.check_health()?;
        start(e.chain())
    };
    match pending.await {
        Err(ChainError::Device(why)) => {
            let pending = {
                let mut e = engine.borrow_mut();
                e.recover(&why)?;
                start(e.chain())
            };
            pending.await
        }
        other => other,
    }
}
