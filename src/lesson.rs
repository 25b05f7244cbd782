//! The lesson page's own math, in plain Rust: tables for the schedule plots, points of the data
//! distribution and of the forward process q(x_t | x_0), 2-D histograms and how far apart two of
//! them are, and the learned reverse drift μ_θ(x, t) − x on a grid. The chain itself stays in
//! [`crate::chain`]; this module only reads what the page draws next to it.

use crate::catalog::SAMPLES;
use crate::chain::Denoise;
use crate::data::{Dataset, PLANE_DIM};
use crate::diffusion::param::{self, check_combination};
use crate::diffusion::rng::{self, Stream};
use crate::diffusion::schedule::MAX_TERMINAL_ALPHA_BAR;
use crate::diffusion::{Schedule, ScheduleKind, Variance};

/// What the schedule panel plots, index i standing for the paper's t = i + 1.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleTable {
    pub beta: Vec<f64>,
    pub alpha_bar: Vec<f64>,
    /// Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t) of q(x_t | x_0).
    pub snr: Vec<f64>,
    /// ᾱ_T, the signal left at the start of the reverse chain.
    pub alpha_bar_t: f64,
    /// Whether ᾱ_T is too far from 0 for x_T ~ N(0, I) to be right.
    pub terminal_warning: bool,
}

/// Signal-to-noise ratio of q(x_t | x_0) for one ᾱ_t.
pub fn snr(alpha_bar: f64) -> f64 {
    alpha_bar / (1.0 - alpha_bar)
}

/// The tables of `kind` trained with `timesteps` steps and sampled with `steps` (respaced).
pub fn schedule_table(kind: ScheduleKind, timesteps: usize, steps: usize) -> Result<ScheduleTable, String> {
    let s = Schedule::respaced(kind, timesteps, steps)?;
    Ok(table_of(&s))
}

/// The tables of a schedule already built.
pub fn table_of(s: &Schedule) -> ScheduleTable {
    let alpha_bar_t = s.terminal_alpha_bar();
    ScheduleTable {
        beta: s.beta.clone(),
        snr: s.alpha_bar.iter().map(|&a| snr(a)).collect(),
        alpha_bar: s.alpha_bar.clone(),
        alpha_bar_t,
        terminal_warning: alpha_bar_t > MAX_TERMINAL_ALPHA_BAR,
    }
}

/// `n` points of a named dataset, row-major (x, y), as many as a chain may hold at most.
pub fn dataset_samples(name: &str, n: usize, seed: u64) -> Result<Vec<f32>, String> {
    let d: Dataset = name.parse()?;
    crate::catalog::Limit {
        min: 0,
        ..crate::catalog::SAMPLES
    }
    .check("points", n)?;
    d.sample(n, seed)
}

/// Samples of q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) for each row of `x0`, given ᾱ_t
/// (1 for t = 0). The noise is the counter-based generator's evaluation stream, so one seed gives
/// the same ε at every t and scrubbing t moves each point smoothly.
pub fn forward_samples(alpha_bar: f64, x0: &[f32], seed: u64) -> Result<Vec<f32>, String> {
    if !(0.0..=1.0).contains(&alpha_bar) {
        return Err(format!("ᾱ_t = {alpha_bar} is not between 0 and 1"));
    }
    if !x0.len().is_multiple_of(PLANE_DIM) {
        return Err(format!("{} floats are not a list of 2-D points", x0.len()));
    }
    let (a, b) = (alpha_bar.sqrt(), (1.0 - alpha_bar).sqrt());
    Ok(x0
        .iter()
        .enumerate()
        .map(|(j, &v)| {
            let eps = rng::normal(seed, Stream::Eval, 0, (j / PLANE_DIM) as u32, (j % PLANE_DIM) as u32);
            (a * v as f64 + b * eps) as f32
        })
        .collect())
}

/// The schedule choices the schedule panel offers: the two the models use, and the linear
/// schedule of Ho et al. NOT rescaled to T (β from 1e-4 to 0.02 whatever T), which at small T
/// leaves ᾱ_T far from 0: the case the ᾱ_T warning is for.
pub const PANEL_SCHEDULES: [&str; 3] = ["linear", "cosine", "linear-unscaled"];

/// The tables of one of [`PANEL_SCHEDULES`] with `timesteps` steps.
pub fn panel_table(name: &str, timesteps: usize) -> Result<ScheduleTable, String> {
    crate::catalog::PLOT_TIMESTEPS.check("T", timesteps)?;
    if name != "linear-unscaled" {
        let kind: ScheduleKind = name.parse().map_err(|_| {
            format!(
                "unknown schedule '{name}': expected one of {}",
                PANEL_SCHEDULES.join(", ")
            )
        })?;
        return schedule_table(kind, timesteps, timesteps);
    }
    let beta: Vec<f64> = (0..timesteps)
        .map(|i| 1e-4 + (0.02 - 1e-4) * i as f64 / (timesteps - 1) as f64)
        .collect();
    let mut acc = 1.0;
    let alpha_bar: Vec<f64> = beta
        .iter()
        .map(|b| {
            acc *= 1.0 - b;
            acc
        })
        .collect();
    let alpha_bar_t = acc;
    Ok(ScheduleTable {
        snr: alpha_bar.iter().map(|&a| snr(a)).collect(),
        beta,
        alpha_bar,
        alpha_bar_t,
        terminal_warning: alpha_bar_t > MAX_TERMINAL_ALPHA_BAR,
    })
}

/// Counts of 2-D points on a `bins`×`bins` grid over [−half, half]², row 0 at y = −half (the
/// layout of the page's `chain.histogram`). Points outside are not counted.
pub fn histogram(points: &[f32], bins: usize, half: f64) -> Result<Vec<f32>, String> {
    crate::histogram::counts(points, PLANE_DIM, bins, half as f32)
}

/// Jensen–Shannon divergence in bits between two histograms (each normalized to sum 1): 0 when
/// they are equal, 1 when they share no bin. Finite even where one histogram is empty, which is
/// why the page uses it rather than the KL divergence.
pub fn js_divergence(p: &[f32], q: &[f32]) -> Result<f64, String> {
    if p.len() != q.len() {
        return Err(format!(
            "histograms of {} and {} bins cannot be compared",
            p.len(),
            q.len()
        ));
    }
    let sp: f64 = p.iter().map(|&v| v as f64).sum();
    let sq: f64 = q.iter().map(|&v| v as f64).sum();
    if !(sp > 0.0 && sq > 0.0) || p.iter().chain(q).any(|&v| v.is_nan() || v < 0.0) {
        return Err("histograms must have non-negative counts and at least one point each".into());
    }
    let mut d = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a as f64 / sp, b as f64 / sq);
        let m = 0.5 * (a + b);
        if a > 0.0 {
            d += 0.5 * a * (a / m).log2();
        }
        if b > 0.0 {
            d += 0.5 * b * (b / m).log2();
        }
    }
    Ok(d.max(0.0))
}

/// Centres of an `n`×`n` grid of cells over [−half, half]², row-major from (−half, −half). At
/// most [`SAMPLES`]' max cells: the grid is a batch the network runs on, like a chain's samples.
pub fn grid(n: usize, half: f64) -> Result<Vec<f32>, String> {
    let cells = n.saturating_mul(n);
    SAMPLES.check("the grid's cells (n²)", cells)?;
    if !(half.is_finite() && half > 0.0) {
        return Err(format!("the grid's half-width must be a positive number, got {half}"));
    }
    let cell = 2.0 * half / n as f64;
    let mut out = Vec::with_capacity(n * n * PLANE_DIM);
    for r in 0..n {
        for c in 0..n {
            out.push((-half + (c as f64 + 0.5) * cell) as f32);
            out.push((-half + (r as f64 + 0.5) * cell) as f32);
        }
    }
    Ok(out)
}

/// The learned reverse drift μ_θ(x, t) − x at each row of `points`, for the step from paper
/// timestep `t` (S … 1) of schedule `s`: the same conversion the chain's step uses.
pub fn drift<M: Denoise>(
    model: &M,
    s: &Schedule,
    variance: Variance,
    t: usize,
    points: &[f32],
) -> Result<Vec<f32>, String> {
    check_combination(model.parameterization(), variance)?;
    if t == 0 || t > s.len() {
        return Err(format!("the drift is defined for t = 1 … {}, not t = {t}", s.len()));
    }
    let dim = model.dim();
    if !points.len().is_multiple_of(dim) {
        return Err(format!("{} floats are not a list of {dim}-D points", points.len()));
    }
    SAMPLES.check("the drift's points", points.len() / dim)?;
    let i = t - 1;
    let p = model.parameterization();
    let od = p.output_dim(dim);
    let raw = model.denoise(points, s.timestep_map[i])?;
    let mut out = Vec::with_capacity(points.len());
    for (k, x) in points.chunks_exact(dim).enumerate() {
        let x: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let r: Vec<f64> = raw[k * od..(k + 1) * od].iter().map(|&v| v as f64).collect();
        let pred = param::predict(s, p, variance, i, &x, &r);
        out.extend(pred.mean.iter().zip(&x).map(|(m, x)| (m - x) as f32));
    }
    Ok(out)
}
