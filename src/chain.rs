//! The reverse Markov chain x_T → x_0 for many samples at once, with history so the page can
//! step back, and inspection of one sample's numbers at one step.

use crate::cpu_mlp::{Kernel, Scratch};
use crate::diffusion::param::{self, check_combination, predict_scalar, sample_prev};
use crate::diffusion::rng::{self, Stream};
use crate::diffusion::schedule::StepCoefficients;
use crate::diffusion::{Parameterization, Schedule, Variance};
use crate::model::Denoiser;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};

/// Anything that maps (x_t, training timestep) to a raw output: the trained network, or in
/// tests an exact closed-form denoiser.
pub trait Denoise {
    /// Data dimension.
    fn dim(&self) -> usize;
    /// What the output means.
    fn parameterization(&self) -> Parameterization;
    /// `x`: row-major [n, dim]; returns row-major [n, parameterization.output_dim(dim)].
    fn denoise(&self, x: &[f32], timestep: usize) -> Result<Vec<f32>, String>;
    /// The same into `out`, reusing its allocation and `scratch`'s: what the chain calls each
    /// step, so that a step allocates nothing for the network.
    fn denoise_into(
        &self,
        x: &[f32],
        timestep: usize,
        scratch: &mut Scratch,
        out: &mut Vec<f32>,
    ) -> Result<(), String> {
        let _ = scratch;
        *out = self.denoise(x, timestep)?;
        Ok(())
    }
}

/// Benchmark switch (`setReferenceForward` in wasm, for `cargo xtask bench`): when on, every CPU
/// chain runs candle's reference forward instead of the fused one. Off unless a benchmark sets it.
static REFERENCE_FORWARD: AtomicBool = AtomicBool::new(false);

/// Makes every CPU chain run candle's forward (`true`) or the fused one (`false`, the default).
pub fn set_reference_forward(on: bool) {
    REFERENCE_FORWARD.store(on, Ordering::Relaxed);
}

/// A network loaded from a file runs the fused CPU forward ([`crate::cpu_mlp`]) with the best
/// kernel of this CPU; one in training (or with [`set_reference_forward`] on) runs candle's.
impl Denoise for Denoiser {
    fn dim(&self) -> usize {
        self.config.dim
    }
    fn parameterization(&self) -> Parameterization {
        self.config.parameterization
    }
    fn denoise(&self, x: &[f32], timestep: usize) -> Result<Vec<f32>, String> {
        let mut out = Vec::new();
        self.denoise_into(x, timestep, &mut Scratch::default(), &mut out)?;
        Ok(out)
    }
    fn denoise_into(
        &self,
        x: &[f32],
        timestep: usize,
        scratch: &mut Scratch,
        out: &mut Vec<f32>,
    ) -> Result<(), String> {
        match self.packed().filter(|_| !REFERENCE_FORWARD.load(Ordering::Relaxed)) {
            Some(packed) => packed.forward(Kernel::best(), x, timestep, scratch, out),
            None => *out = self.forward_slice(x, timestep).map_err(|e| e.to_string())?,
        }
        Ok(())
    }
}

/// x̂_0 of every sample of `x` (row-major [samples, dim]) as the network predicts it at paper
/// timestep `t` (1 ≤ t ≤ S): one batched forward, each coordinate converted as the chain's step
/// converts it ([`predict_scalar`]), so that x̂_0 of sample k is its inspection's `x0`. What the
/// grid of images shows beside x_t.
pub fn predicted_x0<M: Denoise>(model: &M, schedule: &Schedule, t: usize, x: &[f32]) -> Result<Vec<f32>, String> {
    if t == 0 || t > schedule.len() {
        return Err(format!(
            "x̂_0 is predicted for t from 1 to {}, not t = {t}",
            schedule.len()
        ));
    }
    let (dim, p) = (model.dim(), model.parameterization());
    if !x.len().is_multiple_of(dim) {
        return Err(format!("{} values are not whole samples of {dim}", x.len()));
    }
    let i = t - 1;
    let od = p.output_dim(dim);
    let raw = model.denoise(x, schedule.timestep_map[i])?;
    let mut out = vec![0.0; x.len()];
    for (k, row) in out.chunks_mut(dim).enumerate() {
        for (d, v) in row.iter_mut().enumerate() {
            let v_raw = p.learns_variance().then(|| raw[k * od + dim + d] as f64);
            // x̂_0 does not depend on the variance: any choice the parameterization allows
            let variance = p.default_variance();
            *v = predict_scalar(
                schedule,
                p,
                variance,
                i,
                x[k * dim + d] as f64,
                raw[k * od + d] as f64,
                v_raw,
            )
            .x0 as f32;
        }
    }
    Ok(out)
}

/// How to run a chain.
#[derive(Clone, Debug)]
pub struct ChainOptions {
    pub variance: Variance,
    /// Sampling steps S ≤ T (respaced when smaller).
    pub steps: usize,
    pub samples: usize,
    pub seed: u64,
    /// Keep every state so `step_back` works (costs samples·dim·steps floats).
    pub keep_history: bool,
}

/// One sample's numbers at one reverse step: what the inspector shows.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Inspection {
    pub sample: usize,
    /// What the network's output means, so the page knows which derivation to show.
    pub parameterization: Parameterization,
    /// Paper timestep t of x_t (S … 1).
    pub t: usize,
    /// Training timestep index the network was evaluated at.
    pub timestep: usize,
    pub x_t: Vec<f64>,
    pub raw: Vec<f64>,
    pub eps: Vec<f64>,
    pub x0: Vec<f64>,
    pub mean: Vec<f64>,
    pub log_variance: Vec<f64>,
    pub sigma: Vec<f64>,
    /// The noise z drawn at this step (zero at t = 1, where no noise is added).
    pub z: Vec<f64>,
    pub x_prev: Vec<f64>,
    /// μ_θ − x_t: the deterministic part of the step (the inspector's mean arrow).
    pub mean_step: Vec<f64>,
    /// σ_θ z: the random part of the step (the inspector's noise arrow).
    pub noise: Vec<f64>,
    /// σ_θ² = exp(log Σ_θ), per dimension.
    pub variance: Vec<f64>,
    /// The schedule's numbers of this step, as they enter μ_θ.
    pub coefficients: StepCoefficients,
}

/// Sizes of `parts` contiguous slices of `samples` (at most one per sample, at least one), the
/// first ones one larger: the Web Workers' slices before any speed is measured
/// ([`weighted_slice_sizes`]), and the native threads' pieces ([`piece_sizes`]).
pub fn slice_sizes(samples: usize, parts: usize) -> Vec<usize> {
    let n = parts.min(samples).max(1);
    (0..n).map(|i| samples / n + usize::from(i < samples % n)).collect()
}

/// Pieces per thread that `ptheta bench --threads` cuts the samples into: a thread that finishes its
/// piece takes the next, the best balance threads can have, so the native figure is the ceiling
/// the page's Web Workers are held to.
pub const PIECES_PER_WORKER: usize = 8;
/// The fewest samples in a piece: 8 of the fused forward's tiles, so what is done once per piece
/// and step (the time embedding's bias: the work of about 0.2 samples) is small beside it.
pub const MIN_PIECE_SAMPLES: usize = 128;

/// Sizes of the pieces `samples` are cut into for `workers` threads (see [`PIECES_PER_WORKER`]):
/// a multiple of the workers, so equal cores still get equal shares, up to `PIECES_PER_WORKER`
/// each while every piece keeps [`MIN_PIECE_SAMPLES`].
pub fn piece_sizes(samples: usize, workers: usize) -> Vec<usize> {
    let workers = workers.max(1);
    let per_worker = (samples / (workers * MIN_PIECE_SAMPLES)).clamp(1, PIECES_PER_WORKER);
    slice_sizes(samples, workers * per_worker)
}

/// The least share of the samples a Web Worker gets, as a fraction of the fastest one's: a worker
/// slowed for one burst (another program, a garbage collection) still gets enough samples for its
/// next burst to measure its speed again.
pub const MIN_SHARE_OF_FASTEST: f64 = 0.25;

/// Sizes of contiguous slices of `samples`, one per Web Worker, in proportion to `speeds` (samples
/// a millisecond each ran at in the last burst, www/js/split-chain.js), so a burst ends at about
/// the same moment on a fast core and a slow one (a laptop's efficiency cores, a core busy with
/// other work). A speed is raised to at least [`MIN_SHARE_OF_FASTEST`] of the fastest; speeds that
/// are not all positive and finite (no burst measured yet) give equal slices, as [`slice_sizes`].
/// Every worker gets at least one sample while there are as many samples as workers.
pub fn weighted_slice_sizes(samples: usize, speeds: &[f64]) -> Vec<usize> {
    let parts = speeds.len().min(samples).max(1);
    let speeds = &speeds[..parts.min(speeds.len())];
    let fastest = speeds.iter().copied().fold(0.0, f64::max);
    if speeds.len() < parts || !speeds.iter().all(|&v| v.is_finite() && v > 0.0) || !fastest.is_finite() {
        return slice_sizes(samples, parts);
    }
    let weights: Vec<f64> = speeds.iter().map(|&v| v.max(fastest * MIN_SHARE_OF_FASTEST)).collect();
    let total: f64 = weights.iter().sum();
    // one sample each first, the rest in proportion, largest remainders first (earlier on ties)
    let rest = samples - parts;
    let ideal: Vec<f64> = weights.iter().map(|w| rest as f64 * w / total).collect();
    let mut sizes: Vec<usize> = ideal.iter().map(|v| 1 + v.floor() as usize).collect();
    let mut order: Vec<usize> = (0..parts).collect();
    order.sort_by(|&a, &b| {
        (ideal[b] - ideal[b].floor())
            .total_cmp(&(ideal[a] - ideal[a].floor()))
            .then(a.cmp(&b))
    });
    let short = samples - sizes.iter().sum::<usize>();
    for &i in order.iter().cycle().take(short) {
        sizes[i] += 1;
    }
    sizes
}

pub struct Chain<M: Denoise> {
    model: M,
    schedule: Schedule,
    variance: Variance,
    seed: u64,
    samples: usize,
    /// Index of this chain's first sample in the chain it is a slice of (0 for a whole chain):
    /// the noise of sample k is that of sample `first + k` of the whole chain.
    first: u32,
    keep_history: bool,
    /// x_t for all samples, row-major.
    x: Vec<f32>,
    /// Paper timestep of `x`: S at the start, 0 when done.
    t: usize,
    /// States x_S … x_{t+1}, most recent last.
    history: Vec<Vec<f32>>,
    /// The network's buffers and its raw output, reused by every step.
    scratch: Scratch,
    raw: Vec<f32>,
    /// The state before the last step, reused for the next one when no history is kept.
    spare: Vec<f32>,
}

impl<M: Denoise> Chain<M> {
    /// Starts a chain at x_T ~ N(0, I). `schedule` is the model's training schedule respaced to
    /// `options.steps`.
    pub fn new(model: M, schedule: Schedule, options: &ChainOptions) -> Result<Self, String> {
        check_combination(model.parameterization(), options.variance)?;
        if options.samples == 0 {
            return Err("the number of samples must be at least 1".into());
        }
        // The product's entry points (the engine, the CLI) hold samples to catalog::SAMPLES; a
        // library caller may ask for more (tests/golden.rs), but never for a size that wraps.
        let len = options.samples.checked_mul(model.dim()).ok_or_else(|| {
            format!(
                "{} samples of dimension {} do not fit in memory",
                options.samples,
                model.dim()
            )
        })?;
        // A chain that keeps every state to step back holds steps · samples · dim floats: bounded
        // (catalog::HISTORY_BYTES) now that a sample may be a 64-value image.
        let history = (len as u64).saturating_mul(schedule.len() as u64).saturating_mul(4);
        if options.keep_history && history > crate::catalog::HISTORY_BYTES {
            return Err(format!(
                "{} samples of dimension {} over {} steps would keep {} MiB of history, more than the {} MiB pθ holds",
                options.samples,
                model.dim(),
                schedule.len(),
                history >> 20,
                crate::catalog::HISTORY_BYTES >> 20
            ));
        }
        let mut x = vec![0f32; len];
        rng::fill_normal(&mut x, model.dim(), options.seed, Stream::Prior, 0);
        Ok(Self {
            t: schedule.len(),
            model,
            schedule,
            variance: options.variance,
            seed: options.seed,
            samples: options.samples,
            first: 0,
            keep_history: options.keep_history,
            x,
            history: Vec::new(),
            scratch: Scratch::default(),
            raw: Vec::new(),
            spare: Vec::new(),
        })
    }

    /// This chain as samples `first..first + samples` of the chain of the same options with more
    /// samples: the same x_T and the same noise for those samples, so slices run anywhere give,
    /// side by side, exactly the whole chain's samples (tests/slices.rs). At x_T only; a chain
    /// already running moves to another slice with [`Chain::restore_at`].
    pub fn with_first_sample(mut self, first: usize) -> Result<Self, String> {
        let end = first.checked_add(self.samples).filter(|&e| e <= u32::MAX as usize);
        if end.is_none() || self.t != self.steps() {
            return Err(format!(
                "a slice of {} samples cannot start at sample {first}",
                self.samples
            ));
        }
        self.first = first as u32;
        rng::fill_normal_from(&mut self.x, self.model.dim(), self.seed, Stream::Prior, 0, self.first);
        Ok(self)
    }

    pub fn model(&self) -> &M {
        &self.model
    }
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }
    pub fn variance(&self) -> Variance {
        self.variance
    }
    pub fn samples(&self) -> usize {
        self.samples
    }
    pub fn dim(&self) -> usize {
        self.model.dim()
    }
    /// Current paper timestep t of the state (S … 0).
    pub fn t(&self) -> usize {
        self.t
    }
    pub fn steps(&self) -> usize {
        self.schedule.len()
    }
    pub fn is_done(&self) -> bool {
        self.t == 0
    }
    /// x_t for all samples, row-major [samples, dim].
    pub fn positions(&self) -> &[f32] {
        &self.x
    }

    /// x_t of every sample `back` steps before the current state (0 is the current one), from
    /// the chain's own history: what trails draw. None when the chain keeps no history or has
    /// not come that far.
    pub fn earlier(&self, back: usize) -> Option<&[f32]> {
        if back == 0 {
            return Some(&self.x);
        }
        let n = self.history.len();
        (back <= n).then(|| self.history[n - back].as_slice())
    }

    /// The noise z for sample `k`, dimension `d` at schedule index `i`.
    fn z(&self, i: usize, k: usize, d: usize) -> f64 {
        rng::normal(
            self.seed,
            Stream::Chain,
            i as u32,
            self.first.wrapping_add(k as u32),
            d as u32,
        )
    }

    /// One reverse step x_t → x_{t−1} for every sample (DDPM Algorithm 2, lines 3–4).
    pub fn step(&mut self) -> Result<(), String> {
        if self.t == 0 {
            return Err("the chain is already at t = 0".into());
        }
        let i = self.t - 1;
        let (dim, p) = (self.dim(), self.model.parameterization());
        let od = p.output_dim(dim);
        // 1. the network's raw output at the training timestep this step stands for
        let timestep = self.schedule.timestep_map[i];
        self.model
            .denoise_into(&self.x, timestep, &mut self.scratch, &mut self.raw)?;
        let raw = &self.raw;
        let mut next = std::mem::take(&mut self.spare);
        next.resize(self.x.len(), 0.0);
        for k in 0..self.samples {
            for d in 0..dim {
                let x = self.x[k * dim + d] as f64;
                let v_raw = p.learns_variance().then(|| raw[k * od + dim + d] as f64);
                // 2. raw output → μ_θ and log Σ_θ for this parameterization and variance
                let sp = predict_scalar(&self.schedule, p, self.variance, i, x, raw[k * od + d] as f64, v_raw);
                // 3. x_{t−1} = μ_θ + exp(½ log Σ_θ)·z, no noise on the last step
                let z = if i > 0 { self.z(i, k, d) } else { 0.0 };
                next[k * dim + d] = sample_prev(i, sp.mean, sp.log_variance, z) as f32;
            }
        }
        let prev = std::mem::replace(&mut self.x, next);
        if self.keep_history {
            self.history.push(prev);
        } else {
            self.spare = prev;
        }
        self.t -= 1;
        Ok(())
    }

    /// Takes the next states of this very chain, computed elsewhere (its slices in Web Workers,
    /// www/js/split-chain.js), as if it had stepped to each in turn: the same t, the same history.
    /// `states` holds them back to back, each [samples, dim].
    pub fn adopt(&mut self, states: &[f32]) -> Result<(), String> {
        let len = self.x.len();
        if !states.len().is_multiple_of(len) || states.len() / len > self.t {
            return Err(format!(
                "{} values are not whole states of {} samples of dimension {} within the {} steps left",
                states.len(),
                self.samples,
                self.dim(),
                self.t
            ));
        }
        for next in states.chunks_exact(len) {
            let prev = std::mem::replace(&mut self.x, next.to_vec());
            if self.keep_history {
                self.history.push(prev);
            }
            self.t -= 1;
        }
        Ok(())
    }

    /// Makes a chain that keeps no history samples `first..first + x.len() / dim` of the chain of
    /// its options, at state `x` of paper timestep `t`: one Web Worker's slice runs whichever piece
    /// of the samples it is handed next (www/js/split-chain.js). The noise of a sample depends
    /// only on its index, so where a piece runs changes nothing.
    pub fn restore_at(&mut self, first: usize, t: usize, x: &[f32]) -> Result<(), String> {
        let dim = self.dim();
        let samples = x.len() / dim;
        let end = first.checked_add(samples).filter(|&e| e <= u32::MAX as usize);
        if samples == 0 || !x.len().is_multiple_of(dim) || end.is_none() {
            return Err(format!(
                "{} values are not a piece of samples of dimension {dim} starting at sample {first}",
                x.len()
            ));
        }
        if self.keep_history {
            return Err("a chain that keeps its history cannot be moved to a state".into());
        }
        if t > self.steps() {
            return Err(format!("t = {t} is beyond this chain's {} steps", self.steps()));
        }
        self.samples = samples;
        self.first = first as u32;
        self.x.clear();
        self.x.extend_from_slice(x);
        self.t = t;
        Ok(())
    }

    /// Runs to t = 0.
    pub fn run(&mut self) -> Result<(), String> {
        while self.t > 0 {
            self.step()?;
        }
        Ok(())
    }

    /// Goes back one step to exactly the state before the last `step`.
    pub fn step_back(&mut self) -> Result<(), String> {
        match self.history.pop() {
            Some(prev) => {
                self.x = prev;
                self.t += 1;
                Ok(())
            }
            None if self.t == self.steps() => Err("the chain is at its start, x_T".into()),
            None => Err("this chain keeps no history".into()),
        }
    }

    /// Back to x_T with the same noise.
    pub fn reset(&mut self) {
        if let Some(first) = self.history.first() {
            self.x = first.clone();
        } else {
            rng::fill_normal_from(&mut self.x, self.model.dim(), self.seed, Stream::Prior, 0, self.first);
        }
        self.history.clear();
        self.t = self.steps();
    }

    /// The numbers of the next step for one sample, as the step itself computes them.
    pub fn inspect(&self, sample: usize) -> Result<Inspection, String> {
        if sample >= self.samples {
            return Err(format!(
                "sample {sample} does not exist: the chain has {}",
                self.samples
            ));
        }
        if self.t == 0 {
            return Err("the chain is at t = 0: there is no next step to inspect".into());
        }
        let i = self.t - 1;
        let (dim, p) = (self.dim(), self.model.parameterization());
        let x_t: Vec<f64> = self.x[sample * dim..(sample + 1) * dim]
            .iter()
            .map(|&v| v as f64)
            .collect();
        let x32: Vec<f32> = x_t.iter().map(|&v| v as f32).collect();
        let timestep = self.schedule.timestep_map[i];
        let raw: Vec<f64> = self.model.denoise(&x32, timestep)?.iter().map(|&v| v as f64).collect();
        let pred = param::predict(&self.schedule, p, self.variance, i, &x_t, &raw);
        let z: Vec<f64> = (0..dim)
            .map(|d| if i > 0 { self.z(i, sample, d) } else { 0.0 })
            .collect();
        let sigma: Vec<f64> = pred.log_variance.iter().map(|lv| (0.5 * lv).exp()).collect();
        let x_prev = (0..dim)
            .map(|d| sample_prev(i, pred.mean[d], pred.log_variance[d], z[d]))
            .collect();
        Ok(Inspection {
            sample,
            parameterization: p,
            coefficients: self.schedule.coefficients(i),
            mean_step: pred.mean.iter().zip(&x_t).map(|(m, x)| m - x).collect(),
            noise: sigma.iter().zip(&z).map(|(s, z)| s * z).collect(),
            variance: sigma.iter().map(|s| s * s).collect(),
            t: self.t,
            timestep,
            x_t,
            raw,
            eps: pred.eps,
            x0: pred.x0,
            mean: pred.mean,
            log_variance: pred.log_variance,
            sigma,
            z,
            x_prev,
        })
    }
}
