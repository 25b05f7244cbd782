//! The catalog: every name, default, limit and rule pθ knows, in one place.
//!
//! The browser gets it once through `catalog()` (src/wasm_catalog.rs) and builds its selects,
//! parses the address, validates attributes and words every refusal from it; the CLI lists the
//! same enums through clap. Nothing here is re-typed in JS: adding a dataset, a parameterization
//! or a shipped model means editing Rust (and the message files for its label), nothing else.
//!
//! - names: [`Dataset`], [`Parameterization`], [`Variance`], [`ScheduleKind`] (what a model was
//!   trained with), [`PlotSchedule`] (what the schedule panel can plot), [`Backend`], [`Draw`],
//!   [`Language`];
//! - limits: [`SAMPLES`], [`STEPS`], [`SEED`], [`PLOT_TIMESTEPS`], [`HISTOGRAM_BINS`], and the
//!   resource budgets that bound every size an input can ask for ([`LIMITS`] lists them all);
//! - rules: [`allowed_variances`] (from `param::check_combination`), [`shipped_parameterizations`];
//! - shipped models and their recorded figures: [`models`], read from `weights/manifest.json` when
//!   the crate is built;
//! - the page's shareable state ([`PageState`]) and the `<ptheta-chain>` attributes
//!   ([`chain_attribute`]), each refusal naming the field and what it accepts;
//! - the view's drawing constants ([`VIEW`], [`point_radius_px`], [`trail_alpha`]), shared by the
//!   WebGPU renderer and the Canvas 2D path.

pub use crate::data::Dataset;
pub use crate::diffusion::{Parameterization, ScheduleKind, Variance};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// What runs a chain in the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// WebGPU where a real adapter and device are granted, else the CPU, saying why.
    Auto,
    /// WebGPU or a clear error.
    Webgpu,
    /// The CPU (wasm SIMD) always.
    Cpu,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Auto, Backend::Webgpu, Backend::Cpu];
    pub const DEFAULT: Backend = Backend::Auto;
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Webgpu => "webgpu",
            Backend::Cpu => "cpu",
        }
    }
}
crate::names::named_enum!(Backend, "backend");

/// How a WebGPU chain's points reach the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Draw {
    /// Straight from the GPU state buffer (no readback).
    Webgpu,
    /// Read back and drawn with Canvas 2D, for browsers that cannot present a WebGPU canvas.
    Canvas2d,
}

impl Draw {
    pub const ALL: [Draw; 2] = [Draw::Webgpu, Draw::Canvas2d];
    pub fn name(self) -> &'static str {
        match self {
            Draw::Webgpu => "webgpu",
            Draw::Canvas2d => "canvas2d",
        }
    }
}
crate::names::named_enum!(Draw, "draw");

/// The languages the page is written in (one message file each in `www/i18n/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    En,
    Es,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Es];
    pub const DEFAULT: Language = Language::En;
    pub fn name(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }
}
crate::names::named_enum!(Language, "language");

/// The schedules the schedule panel plots: the two a model can be trained with, and Ho et al.'s
/// linear schedule without rescaling to T (to show why ᾱ_T must be near 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlotSchedule {
    Linear,
    Cosine,
    LinearUnscaled,
}

impl PlotSchedule {
    pub const ALL: [PlotSchedule; 3] = [PlotSchedule::Linear, PlotSchedule::Cosine, PlotSchedule::LinearUnscaled];
    pub const DEFAULT: PlotSchedule = PlotSchedule::Linear;
    pub fn name(self) -> &'static str {
        match self {
            PlotSchedule::Linear => "linear",
            PlotSchedule::Cosine => "cosine",
            PlotSchedule::LinearUnscaled => "linear-unscaled",
        }
    }
    /// The training schedule it is, if it is one.
    pub fn trained(self) -> Option<ScheduleKind> {
        match self {
            PlotSchedule::Linear => Some(ScheduleKind::Linear),
            PlotSchedule::Cosine => Some(ScheduleKind::Cosine),
            PlotSchedule::LinearUnscaled => None,
        }
    }
}
crate::names::named_enum!(PlotSchedule, "schedule");

/// A whole-number setting: its bounds (inclusive) and its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub min: u64,
    pub max: u64,
    pub default: u64,
}

impl Limit {
    pub fn contains(&self, value: u64) -> bool {
        (self.min..=self.max).contains(&value)
    }

    /// What the bounds accept, in words: "a whole number from 1 to 4096".
    pub fn accepts(&self) -> String {
        format!("a whole number from {} to {}", self.min, self.max)
    }

    /// `raw` as a whole number within the bounds, or a refusal naming `field`.
    pub fn parse(&self, field: &str, raw: &str) -> Result<u64, String> {
        self.parse_value(raw).map_err(|why| format!("{field}=\"{raw}\" {why}"))
    }

    /// `raw` as a whole number within the bounds, or what it must be ("must be a whole number
    /// from 1 to 4096"), for a caller that names the field itself (clap names the flag).
    pub fn parse_value(&self, raw: &str) -> Result<u64, String> {
        match raw.trim().parse::<u64>() {
            Ok(v) if raw.trim() == raw && self.contains(v) => Ok(v),
            _ => Err(format!("must be {}", self.accepts())),
        }
    }

    /// `value` of `field` within the bounds, or a refusal naming the field, the value and the
    /// bounds. Callers check sizes with it before allocating anything they describe.
    pub fn check(&self, field: &str, value: usize) -> Result<usize, String> {
        match u64::try_from(value) {
            Ok(v) if self.contains(v) => Ok(value),
            _ => Err(format!(
                "{field} must be from {} to {}, got {value}",
                self.min, self.max
            )),
        }
    }
}

/// Samples in one chain. 16384 is the largest size the benchmarks run; above it the CPU chain
/// no longer steps at an interactive rate on a school laptop.
pub const SAMPLES: Limit = Limit {
    min: 1,
    max: 16384,
    default: 1024,
};
/// Sampling steps S of a chain (respaced when S < T); at most the shipped models' T, which is
/// also where the models that cannot skip steps run by default ([`default_steps`]).
/// The default is where every noise-predicting model reaches the data (quality ratio ≤ 1.5 over
/// five draws, weights/manifest.json). With fewer, larger steps the fixed variance β̃ is too
/// small, since it treats x̂_0 as exact, and the samples come out too tight: at 50 steps
/// eight-gaussians' blobs had a median radius of 0.087 instead of 0.118 (ratio ≈ 4), letters and
/// moons ≈ 1.6; at 200 all six were at most 1.43, and a chain still takes a fifth of T.
pub const STEPS: Limit = Limit {
    min: 1,
    max: 1000,
    default: 200,
};
/// Steps of the respacing experiment (a model that cannot skip steps, run respaced anyway): few
/// enough that each step stands for twenty of the training chain, so the failure is plain.
pub const RESPACING_EXPERIMENT_STEPS: u64 = 50;
/// The seed of x_T and every z: 32 bits, so it survives a JS number and an address.
pub const SEED: Limit = Limit {
    min: 0,
    max: u32::MAX as u64,
    default: 0,
};
/// T of the schedule panel's plots (2 because a one-step schedule has no curve).
pub const PLOT_TIMESTEPS: Limit = Limit {
    min: 2,
    max: 1000,
    default: 1000,
};
/// Bins per axis of a histogram of the samples.
pub const HISTOGRAM_BINS: Limit = Limit {
    min: 1,
    max: 1024,
    default: 24,
};

// Resource budgets. Every size pθ accepts, from a flag, an attribute, a weights file or a CSV, is
// bounded here and checked before anything it describes is allocated, so that no input can
// exhaust the memory of the CLI or of the shared wasm instance (4 GiB at most, and a school
// laptop's tab far less). The bounds are chosen so that the worst accepted input stays within
// [`MEMORY_BUDGET_BYTES`]; the arithmetic is in each doc comment (f32 = 4 B, f64 = 8 B).

/// The memory the largest accepted input may take at once: 512 MiB. The largest consumer is the
/// page's CPU chain at the bounds: its history, [`SAMPLES`] · [`STEPS`] · 2 · 4 B = 125 MiB, one
/// forward of the largest network, under 200 MiB (see [`EMBEDDING`]), and the weights twice
/// (the file and the tensors), 2 · 4 MiB. Training at the bounds takes less: 156 MiB for the
/// backward pass ([`BATCH`]), 32 MiB of CSV text and 7.6 MiB of points.
pub const MEMORY_BUDGET_BYTES: u64 = 512 << 20;

/// T of a model (`train --timesteps`, a weights file's `timesteps`): at most [`STEPS`]' bound,
/// so the page can run every model's whole chain (the models that cannot skip steps need it).
/// The schedule holds 16 f64 tables of T entries: 1000 · 16 · 8 B = 125 KiB.
pub const TIMESTEPS: Limit = Limit {
    min: 2,
    max: STEPS.max,
    default: 1000,
};
/// Sinusoidal embedding size per input coordinate and for t (a weights file's `emb_size`; even,
/// as it holds sin and cos pairs). With [`HIDDEN`] and [`BLOCKS`] at their bounds the network has
/// 256·3·256 + 8·(256² + 256) + 4·256 + 256 + 4 = 724,228 parameters (2.8 MiB), 7.3 times the
/// shipped 99k. One forward of [`SAMPLES`]' 16384 samples then holds the input features,
/// 16384 · 3·256 · 4 B = 48 MiB, up to three times while they are built (arguments, sin and
/// cos, concatenation: 144 MiB), and 16 MiB per hidden activation: under 200 MiB.
pub const EMBEDDING: Limit = Limit {
    min: 4,
    max: 256,
    default: 128,
};
/// Width of a network's input layer, (dim + 1) · emb_size (a weights file's `dim` and `emb_size`):
/// at most the digits' 64 pixels and t at 16 features each, 65 · 16 = 1040. Then one forward of
/// [`SAMPLES`]' 16384 samples holds 16384 · 1040 · 4 B = 65 MiB of input features, three times
/// while they are built: 195 MiB, with 16 MiB per hidden activation under 250 MiB. (In the plane
/// [`EMBEDDING`]'s bounds give 3 · 4 to 3 · 256.) A chain that keeps its history is bounded by
/// [`HISTORY_BYTES`].
pub const INPUT_FEATURES: Limit = Limit {
    min: 3 * EMBEDDING.min,
    max: 1040,
    default: 3 * EMBEDDING.default,
};
/// The states a chain with history holds (the page's, to step back): [`SAMPLES`] · [`STEPS`] of
/// 2-D points, 16384 · 1000 · 2 · 4 B = 125 MiB. A 64-dimensional chain fits as many values:
/// 1024 digits over 200 steps take 52 MiB, and 16384 over 1000 steps are refused.
pub const HISTORY_BYTES: u64 = SAMPLES.max * STEPS.max * 2 * 4;
/// Width of the hidden layers (a weights file's `hidden`); see [`EMBEDDING`] for the arithmetic.
pub const HIDDEN: Limit = Limit {
    min: 1,
    max: 256,
    default: 128,
};
/// Residual blocks (a weights file's `blocks`); see [`EMBEDDING`] for the arithmetic.
pub const BLOCKS: Limit = Limit {
    min: 0,
    max: 8,
    default: 3,
};
/// The largest `input_scale` a weights file may hold (the shipped models use 25): coordinates
/// within ±10 times it stay below 10⁵, where f32 still resolves the sinusoids' arguments to 1/128.
/// Non-finite or non-positive scales are refused too.
pub const INPUT_SCALE_MAX: f64 = 1.0e4;
/// Bytes of a weights file's dataset name: a file stem's most on common file systems.
pub const NAME_BYTES: Limit = Limit {
    min: 0,
    max: 255,
    default: 0,
};
/// Bytes of a weights file: the largest accepted network's 3.2 MiB of f32 (64 inputs at
/// [`INPUT_FEATURES`]' bound, [`HIDDEN`] and [`BLOCKS`] at theirs, 128 outputs: 825,728 parameters;
/// in the plane 2.8 MiB, see [`EMBEDDING`]) and its header fit in 4 MiB; the shipped files are
/// 400 KiB in the plane, 1.9 MB for the digits.
pub const WEIGHTS_BYTES: Limit = Limit {
    min: 8,
    max: 4 << 20,
    default: 4 << 20,
};
/// Optimizer steps of `train --iterations` (and a weights file's `train_steps`, 0 for untrained).
/// Bounded for time rather than memory: at about 20 ms a step, 10⁶ steps take 5.5 hours.
pub const ITERATIONS: Limit = Limit {
    min: 1,
    max: 1_000_000,
    default: 20_000,
};
/// Points per optimizer step (`train --batch`). With the largest network (see [`EMBEDDING`]) the
/// backward pass keeps the input features three times over (3 · 3·256 floats a point) and about
/// three activations for each of its 10 layers (3 · 10 · 256): 4096 · (2304 + 7680) · 4 B = 156 MiB.
pub const BATCH: Limit = Limit {
    min: 1,
    max: 4096,
    default: 256,
};
/// Training points drawn from a built-in dataset (`train --points`): 10⁶ · 2 · 4 B = 7.6 MiB.
pub const POINTS: Limit = Limit {
    min: 1,
    max: 1_000_000,
    default: 8000,
};
/// Held-out points of `eval --elbo-points` (0 skips the ELBO). Each of the T terms runs one
/// forward of them, smaller than a chain's step at [`SAMPLES`]' bound; 10⁴ points over T = 1000
/// are 10⁷ network evaluations, about a minute on two cores.
pub const ELBO_POINTS: Limit = Limit {
    min: 0,
    max: 10_000,
    default: 1000,
};
/// Independent draws of `eval --seeds`; each is a whole chain and its quality ratio.
pub const EVAL_SEEDS: Limit = Limit {
    min: 1,
    max: 100,
    default: 1,
};
/// Reverse steps of `bench` and `bench-gpu`: one warm-up step, then at least one timed.
pub const BENCH_STEPS: Limit = Limit {
    min: 2,
    max: STEPS.max,
    default: 50,
};
/// Threads of `bench --threads`, each running one slice of the chain ([`crate::chain::slice_sizes`]).
pub const THREADS: Limit = Limit {
    min: 1,
    max: 256,
    default: 1,
};
/// Bytes of a CSV file: 32 MiB of text, about a million `x,y` lines of full-precision floats.
pub const CSV_BYTES: Limit = Limit {
    min: 1,
    max: 32 << 20,
    default: 32 << 20,
};
/// Points in a CSV file: as many as a built-in dataset may give ([`POINTS`]).
pub const CSV_ROWS: Limit = Limit {
    min: 1,
    max: POINTS.max,
    default: POINTS.max,
};

/// The decay of the weights' moving average (`train --ema`): 0 keeps the last weights, and 1
/// would keep the initial ones forever.
pub fn check_ema(decay: f64) -> Result<f64, String> {
    if (0.0..1.0).contains(&decay) {
        Ok(decay)
    } else {
        Err(format!("must be at least 0 and below 1, got {decay}"))
    }
}

/// A rate or a scale that must be a finite number above 0 (`train --lr`, `bench-gpu
/// --peak-gflops`).
pub fn check_positive(value: f64) -> Result<f64, String> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(format!("must be a finite number above 0, got {value}"))
    }
}

/// One limit as the catalog publishes it: its key in `catalog().limits` and what it bounds.
#[derive(Clone, Copy, Debug)]
pub struct LimitEntry {
    pub key: &'static str,
    pub limit: Limit,
    pub bounds: &'static str,
}

/// Every limit, in the order the README lists them (its "Limits" table is checked against this).
pub const LIMITS: [LimitEntry; 21] = [
    LimitEntry {
        key: "samples",
        limit: SAMPLES,
        bounds: "samples of one chain (page, `sample`, `eval`, `bench`, `bench-gpu`)",
    },
    LimitEntry {
        key: "steps",
        limit: STEPS,
        bounds: "sampling steps of one chain (page, `sample --steps`, `eval --steps`)",
    },
    LimitEntry {
        key: "seed",
        limit: SEED,
        bounds: "the page's seed",
    },
    LimitEntry {
        key: "plotTimesteps",
        limit: PLOT_TIMESTEPS,
        bounds: "T of the schedule panel's plots",
    },
    LimitEntry {
        key: "histogramBins",
        limit: HISTOGRAM_BINS,
        bounds: "bins per axis of a histogram",
    },
    LimitEntry {
        key: "timesteps",
        limit: TIMESTEPS,
        bounds: "T of a model (`train --timesteps`, weights `timesteps`)",
    },
    LimitEntry {
        key: "embedding",
        limit: EMBEDDING,
        bounds: "embedding size, even (weights `emb_size`)",
    },
    LimitEntry {
        key: "inputFeatures",
        limit: INPUT_FEATURES,
        bounds: "width of the input layer, (dim + 1) · emb_size (weights `dim`, `emb_size`)",
    },
    LimitEntry {
        key: "hidden",
        limit: HIDDEN,
        bounds: "hidden width (weights `hidden`)",
    },
    LimitEntry {
        key: "blocks",
        limit: BLOCKS,
        bounds: "residual blocks (weights `blocks`)",
    },
    LimitEntry {
        key: "nameBytes",
        limit: NAME_BYTES,
        bounds: "bytes of a model's dataset name (weights `dataset`)",
    },
    LimitEntry {
        key: "weightsBytes",
        limit: WEIGHTS_BYTES,
        bounds: "bytes of a weights file",
    },
    LimitEntry {
        key: "iterations",
        limit: ITERATIONS,
        bounds: "optimizer steps (`train --iterations`, weights `train_steps` from 0)",
    },
    LimitEntry {
        key: "batch",
        limit: BATCH,
        bounds: "points per optimizer step (`train --batch`)",
    },
    LimitEntry {
        key: "points",
        limit: POINTS,
        bounds: "training points of a built-in dataset (`train --points`)",
    },
    LimitEntry {
        key: "elboPoints",
        limit: ELBO_POINTS,
        bounds: "held-out points of the ELBO (`eval --elbo-points`)",
    },
    LimitEntry {
        key: "evalSeeds",
        limit: EVAL_SEEDS,
        bounds: "independent draws (`eval --seeds`)",
    },
    LimitEntry {
        key: "benchSteps",
        limit: BENCH_STEPS,
        bounds: "reverse steps of `bench` and `bench-gpu`",
    },
    LimitEntry {
        key: "threads",
        limit: THREADS,
        bounds: "threads of `bench --threads`",
    },
    LimitEntry {
        key: "csvBytes",
        limit: CSV_BYTES,
        bounds: "bytes of a CSV file",
    },
    LimitEntry {
        key: "csvRows",
        limit: CSV_ROWS,
        bounds: "points in a CSV file",
    },
];

/// What the chain view shows and how: one set of numbers for the WebGPU renderer, the Canvas 2D
/// path, the background and every panel.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// The layers show [−half, half]² of data space.
    pub half: f64,
    /// Bins per axis of the histograms compared with the data.
    pub bins: usize,
    /// Points per axis of the drift field's grid.
    pub field_grid: usize,
    /// Earlier states drawn behind x_t when trails are on.
    pub trails: usize,
    /// Least milliseconds between readbacks while a WebGPU chain plays.
    pub readout_ms: u32,
    /// Frames a chain takes to play at speed 1, whatever its steps: a 1000-step chain takes 20
    /// steps a frame, so it plays as quickly as a 50-step one.
    pub play_frames: usize,
    /// Data points drawn in the background, and the sample the divergence compares with.
    pub background_points: usize,
    pub reference_points: usize,
    /// Fewest samples for which a CPU chain shares its steps with Web Workers, one per core
    /// (www/js/split-chain.js): the page's default chain and larger ones. Smaller chains (the
    /// comparison's eight, the quiz's) take a few milliseconds a step on one thread, where a
    /// worker's start (its own wasm instance and model) and round trips cost about what they save.
    pub worker_min_samples: usize,
    /// How near the view, in CSS pixels, a lazy widget (`loading`, [`LOADING`]) starts: about a
    /// screen ahead, so its model is usually ready by the time the reader scrolls to it.
    pub lazy_margin_px: u32,
    /// The most images the grid of a chain of images shows (16 × 16), the first of its samples:
    /// beyond them the squares are too small to read, and x̂_0 costs a forward of every image
    /// shown at every frame (8192 digits would take seconds a frame on the CPU).
    pub grid_images: usize,
}

pub const VIEW: View = View {
    half: 3.0,
    bins: 24,
    field_grid: 15,
    trails: 8,
    readout_ms: 250,
    play_frames: 50,
    background_points: 1500,
    reference_points: 4096,
    worker_min_samples: 1024,
    lazy_margin_px: 800,
    grid_images: 256,
};

/// Radius in pixels of one sample drawn on a square layer `width` pixels wide: visible on a
/// phone, not blobs on a projector.
pub fn point_radius_px(width: f64) -> f64 {
    (width / 400.0).max(1.5)
}

/// Columns of the grid that shows `samples` images of a chain of images: the fewest that make
/// it no taller than wide (8 for the 64 digits), so it fills a square.
pub fn grid_columns(samples: usize) -> usize {
    (1..=samples.max(1)).find(|c| c * c >= samples).unwrap_or(1)
}

/// Opacity of the state `back` steps behind x_t when `layers` states are drawn (x_t itself is
/// `back = 0` and opaque): older states fade.
pub fn trail_alpha(back: usize, layers: usize) -> f64 {
    if back == 0 || layers == 0 {
        1.0
    } else {
        0.08 + 0.25 * (layers - back.min(layers)) as f64 / layers as f64
    }
}

/// The steps the page runs a model of parameterization `p` with unless told otherwise: a few
/// respaced steps where the model can skip steps, its whole training chain where it cannot
/// ([`Parameterization::skips_steps`]).
pub fn default_steps(p: Parameterization) -> u64 {
    if p.skips_steps() {
        STEPS.default
    } else {
        STEPS.max
    }
}

/// The steps a chain of a model trained with T = `timesteps` runs when none are asked for: the
/// page's ([`default_steps`]), or all T when the model has fewer (a model of one's own, trained
/// with a short chain).
pub fn model_default_steps(p: Parameterization, timesteps: usize) -> usize {
    (default_steps(p) as usize).min(timesteps)
}

/// The variances a model of parameterization `p` can sample with (`param::check_combination`).
pub fn allowed_variances(p: Parameterization) -> Vec<Variance> {
    Variance::ALL
        .into_iter()
        .filter(|&v| crate::diffusion::param::check_combination(p, v).is_ok())
        .collect()
}

/// The chains whose figures the page shows for a model of parameterization `p` (each with its
/// own figures, so none is shown beside a picture it was not measured on): every allowed
/// variance at the page's steps for `p`, and for a model that cannot skip steps the respacing
/// experiment, its default variance at [`RESPACING_EXPERIMENT_STEPS`]. `ptheta info --json` lists them and
/// `tools/record-evals.py` measures them.
pub fn page_chains(p: Parameterization) -> Vec<(Variance, u64)> {
    let mut chains: Vec<(Variance, u64)> = allowed_variances(p)
        .into_iter()
        .map(|v| (v, default_steps(p)))
        .collect();
    if !p.skips_steps() {
        chains.push((p.default_variance(), RESPACING_EXPERIMENT_STEPS));
    }
    chains
}

/// The parameterizations in the order the lesson teaches them: the source's three (mean and
/// variance; mean with fixed variance; noise), the noise with a learned variance beside it, then
/// the two extensions.
pub const LESSON_ORDER: [Parameterization; 6] = [
    Parameterization::MeanVariance,
    Parameterization::Mean,
    Parameterization::Epsilon,
    Parameterization::EpsilonVariance,
    Parameterization::X0,
    Parameterization::V,
];

/// The equation card of parameterization `p`.
pub fn parameterization_tex(p: Parameterization) -> &'static str {
    match p {
        Parameterization::MeanVariance => {
            r"\mu_\theta(x_t, t),\quad \Sigma_\theta(x_t, t) = \exp\big(v \log\beta_t + (1 - v)\log\tilde\beta_t\big)\,\mathbf I"
        }
        Parameterization::Mean => {
            r"\mu_\theta(x_t, t),\quad \Sigma_\theta = \sigma_t^2\mathbf I,\ \sigma_t^2 \in \{\beta_t, \tilde\beta_t\}"
        }
        Parameterization::Epsilon => {
            r"\mu_\theta(x_t, t) = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,\varepsilon_\theta(x_t, t)\Big)"
        }
        Parameterization::EpsilonVariance => {
            r"\mu_\theta \text{ from } \varepsilon_\theta(x_t, t) \text{ as above},\quad \Sigma_\theta(x_t, t) = \exp\big(v \log\beta_t + (1 - v)\log\tilde\beta_t\big)\,\mathbf I"
        }
        Parameterization::X0 => {
            r"\mu_\theta = \tilde\mu_t(x_t, \hat x_0) = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1 - \bar\alpha_t}\hat x_0 + \frac{\sqrt{\alpha_t}(1 - \bar\alpha_{t-1})}{1 - \bar\alpha_t}x_t"
        }
        Parameterization::V => {
            r"\hat x_0 = \sqrt{\bar\alpha_t}\,x_t - \sqrt{1 - \bar\alpha_t}\,\hat v,\quad v = \sqrt{\bar\alpha_t}\,\varepsilon - \sqrt{1 - \bar\alpha_t}\,x_0"
        }
    }
}

/// See [`ParameterizationEntry::mean_from`].
pub fn mean_from(p: Parameterization) -> &'static str {
    match p {
        Parameterization::Epsilon | Parameterization::EpsilonVariance => "noise",
        Parameterization::X0 => "clean-point",
        Parameterization::V => "velocity",
        Parameterization::Mean | Parameterization::MeanVariance => "network",
    }
}

/// Figures recorded for a shipped model by `ptheta eval` (the manifest's `eval`): the quality
/// ratio for a model in the plane, the image figures for one of images, and the ELBO for both.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Figures {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<crate::image_eval::ImageFigures>,
    pub nelbo: Nelbo,
    /// Sampling steps of the chain the figures were measured on.
    pub steps: usize,
    pub variance: Variance,
    pub samples: usize,
    pub seed: u64,
    /// Independent draws the quality ratio is averaged over (`ptheta eval --seeds`).
    #[serde(default = "one")]
    pub seeds: u64,
}

fn one() -> u64 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Quality {
    /// Kernel discrepancy (MMD², `eval::quality_ratio`) of samples to data over that of data to
    /// data: ≈ 1 is as good as it gets (the mean over the draws where there are several).
    pub ratio: f64,
    /// Standard deviation of the ratio over the draws (0 for one draw).
    #[serde(default)]
    pub sd: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Nelbo {
    /// Negative ELBO in nats per dimension.
    pub total: f64,
}

/// One shipped model: its file in `weights/` and what it is.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub file: String,
    pub dataset: Dataset,
    pub parameterization: Parameterization,
    pub eval_command: String,
    /// The full training chain from one seed, as `eval_command` reproduces it.
    pub figures: Figures,
    /// Figures over several seeds for the chains the page runs: one per (variance, steps).
    pub evals: Vec<Figures>,
}

impl Model {
    /// The figures measured for the chain with this variance and these steps, if any: the page
    /// shows a figure beside a chain only when it was measured for that chain.
    pub fn figures_for(&self, variance: Variance, steps: usize) -> Option<&Figures> {
        self.evals.iter().find(|f| f.variance == variance && f.steps == steps)
    }
}

#[derive(Deserialize)]
struct ManifestRow {
    file: String,
    eval_command: String,
    eval: ManifestEval,
    #[serde(default)]
    evals: Vec<ManifestEval>,
}

#[derive(Deserialize)]
struct ManifestEval {
    dataset: String,
    parameterization: Parameterization,
    #[serde(flatten)]
    figures: Figures,
}

/// `weights/manifest.json` as it was when the crate was built.
pub const MANIFEST_JSON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/weights/manifest.json"));

/// Reads a manifest: every row must name a known dataset and parameterization, and its file must
/// be `<dataset>-<parameterization>.safetensors`, the name the page asks for.
pub fn parse_manifest(json: &str) -> Result<Vec<Model>, String> {
    let rows: Vec<ManifestRow> = serde_json::from_str(json).map_err(|e| format!("weights/manifest.json: {e}"))?;
    rows.into_iter()
        .map(|r| {
            let dataset: Dataset = r
                .eval
                .dataset
                .parse()
                .map_err(|e| format!("weights/manifest.json, {}: {e}", r.file))?;
            if let Some(e) = r
                .evals
                .iter()
                .find(|e| e.parameterization != r.eval.parameterization || e.dataset != r.eval.dataset)
            {
                return Err(format!(
                    "weights/manifest.json, {}: an entry of `evals` is for {} on {}",
                    r.file, e.parameterization, e.dataset
                ));
            }
            let plane = dataset.is_plane();
            let figures = std::iter::once(&r.eval.figures).chain(r.evals.iter().map(|e| &e.figures));
            for f in figures {
                if f.quality.is_some() != plane || f.images.is_some() == plane {
                    return Err(format!(
                        "weights/manifest.json, {}: every figure set of a model {} must hold {}",
                        r.file,
                        if plane { "in the plane" } else { "of images" },
                        if plane {
                            "a quality ratio and no image figures"
                        } else {
                            "image figures and no quality ratio"
                        },
                    ));
                }
            }
            let model = Model {
                dataset,
                parameterization: r.eval.parameterization,
                eval_command: r.eval_command,
                figures: r.eval.figures,
                evals: r.evals.into_iter().map(|e| e.figures).collect(),
                file: r.file,
            };
            let want = weights_file(model.dataset, model.parameterization);
            if model.file != want {
                return Err(format!(
                    "weights/manifest.json: {} holds a {} model on {}, so it must be named {want}",
                    model.file, model.parameterization, model.dataset
                ));
            }
            Ok(model)
        })
        .collect()
}

/// The shipped models, from the manifest built into this binary.
pub fn models() -> &'static [Model] {
    static MODELS: OnceLock<Vec<Model>> = OnceLock::new();
    MODELS.get_or_init(|| {
        parse_manifest(MANIFEST_JSON).expect("the built-in weights/manifest.json is valid (tests/catalog.rs)")
    })
}

/// The file name of the shipped model for (dataset, parameterization).
pub fn weights_file(d: Dataset, p: Parameterization) -> String {
    format!("{d}-{p}.safetensors")
}

/// The parameterizations shipped for dataset `d`, in the catalog's order.
pub fn shipped_parameterizations(d: Dataset) -> Vec<Parameterization> {
    Parameterization::ALL
        .into_iter()
        .filter(|&p| models().iter().any(|m| m.dataset == d && m.parameterization == p))
        .collect()
}

/// Everything the browser needs to know, in one serializable value (see `catalog()` in
/// src/wasm_catalog.rs for its JS shape).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    pub version: &'static str,
    /// The worlds in the plane ([`Dataset::PLANE`]): what the page and `<ptheta-chain>` offer.
    pub datasets: Vec<DatasetEntry>,
    /// The worlds of images (the digits), for views that draw a grid of images: never among
    /// `datasets`, whose views draw points in the plane.
    pub image_datasets: Vec<ImageDatasetEntry>,
    pub parameterizations: Vec<ParameterizationEntry>,
    pub variances: Vec<Variance>,
    pub schedules: Vec<ScheduleKind>,
    pub plot_schedules: Vec<PlotSchedule>,
    pub backends: Vec<Backend>,
    pub draws: Vec<Draw>,
    pub languages: Vec<Language>,
    pub limits: Limits,
    pub defaults: PageState,
    /// [`RESPACING_EXPERIMENT_STEPS`]
    pub respacing_experiment_steps: u64,
    pub view: View,
    pub models: Vec<Model>,
    /// The attributes `<ptheta-chain>` reads ([`CHAIN_ATTRIBUTES`]).
    pub chain_attributes: &'static [&'static str],
    /// Its groups of controls ([`CHAIN_CONTROLS`]).
    pub chain_controls: &'static [&'static str],
    /// The widgets' palettes ([`THEMES`]).
    pub themes: &'static [&'static str],
    /// When a widget starts ([`LOADING`]).
    pub loading: &'static [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetEntry {
    pub name: Dataset,
    /// Parameterizations shipped for it.
    pub parameterizations: Vec<Parameterization>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageDatasetEntry {
    pub name: Dataset,
    /// Pixels per side of its square images.
    pub side: usize,
    /// Samples of a chain of it when the page gives none: one side of the grid squared.
    pub samples: u64,
    /// The value of a blank pixel and of one full of ink, as the denoisers see them: the grid
    /// shades each pixel between the two (and clamps the noise beyond them).
    pub paper: f32,
    pub ink: f32,
    /// Values per image (side²): a model of it has this `dim`.
    pub dim: usize,
    /// Parameterizations shipped for it.
    pub parameterizations: Vec<Parameterization>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterizationEntry {
    pub name: Parameterization,
    /// Variances it can sample with.
    pub variances: Vec<Variance>,
    pub default_variance: Variance,
    /// What the network predicts and how μ_θ (and Σ_θ) follow, in TeX.
    pub tex: &'static str,
    /// How the inspector derives μ_θ from the output: `noise` (from ε̂), `clean-point` (posterior
    /// mean around x̂_0), `velocity` (x̂_0 from v̂, then the posterior mean) or `network` (μ_θ is
    /// the output).
    pub mean_from: &'static str,
    /// Whether the network outputs Σ_θ too (D more outputs).
    pub learns_variance: bool,
    /// Whether a sampler may skip steps with it ([`Parameterization::skips_steps`]).
    pub skips_steps: bool,
    /// The steps the page runs it with by default ([`default_steps`]).
    pub default_steps: u64,
}

/// [`LIMITS`] as JS receives it: one `{ min, max, default }` per key.
pub struct Limits;

impl Serialize for Limits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Limits", LIMITS.len())?;
        for e in &LIMITS {
            s.serialize_field(e.key, &e.limit)?;
        }
        s.end()
    }
}

pub fn catalog() -> Catalog {
    Catalog {
        version: env!("CARGO_PKG_VERSION"),
        datasets: Dataset::PLANE
            .into_iter()
            .map(|d| DatasetEntry {
                name: d,
                parameterizations: shipped_parameterizations(d),
            })
            .collect(),
        image_datasets: Dataset::ALL
            .into_iter()
            .filter_map(|d| {
                Some(ImageDatasetEntry {
                    name: d,
                    side: d.image_side()?,
                    samples: IMAGE_SAMPLES,
                    paper: crate::digits::scale(0),
                    ink: crate::digits::scale(crate::digits::MAX_INK),
                    dim: d.dim(),
                    parameterizations: shipped_parameterizations(d),
                })
            })
            .collect(),
        parameterizations: LESSON_ORDER
            .into_iter()
            .map(|p| ParameterizationEntry {
                name: p,
                variances: allowed_variances(p),
                default_variance: p.default_variance(),
                tex: parameterization_tex(p),
                mean_from: mean_from(p),
                learns_variance: p.output_dim(1) > 1,
                skips_steps: p.skips_steps(),
                default_steps: default_steps(p),
            })
            .collect(),
        variances: Variance::ALL.to_vec(),
        schedules: ScheduleKind::ALL.to_vec(),
        plot_schedules: PlotSchedule::ALL.to_vec(),
        backends: Backend::ALL.to_vec(),
        draws: Draw::ALL.to_vec(),
        languages: Language::ALL.to_vec(),
        limits: Limits,
        defaults: PageState::default(),
        respacing_experiment_steps: RESPACING_EXPERIMENT_STEPS,
        view: VIEW,
        models: models().to_vec(),
        chain_attributes: &CHAIN_ATTRIBUTES,
        chain_controls: &CHAIN_CONTROLS,
        themes: &THEMES,
        loading: &LOADING,
    }
}

/// One refused field: which, and why (in words that name what it accepts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The lesson page's shareable view, as its address holds it
/// (`?dataset=moons&param=v&variance=fixed-large&schedule=linear&steps=50&samples=256&seed=7&t=45&lang=es`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageState {
    pub dataset: Dataset,
    pub param: Parameterization,
    pub variance: Variance,
    pub schedule: PlotSchedule,
    pub steps: u64,
    pub samples: u64,
    pub seed: u64,
    /// Go to this t after loading (None: start at x_T).
    pub t: Option<u64>,
    /// None: the browser's language.
    pub lang: Option<Language>,
}

impl Default for PageState {
    fn default() -> Self {
        PageState {
            dataset: Dataset::DEFAULT,
            param: Parameterization::Epsilon,
            variance: Parameterization::Epsilon.default_variance(),
            schedule: PlotSchedule::DEFAULT,
            steps: STEPS.default,
            samples: SAMPLES.default,
            seed: SEED.default,
            t: None,
            lang: None,
        }
    }
}

/// The address's fields, in the order they are written.
pub const STATE_FIELDS: [&str; 9] = [
    "dataset", "param", "variance", "schedule", "steps", "samples", "seed", "t", "lang",
];

fn choice<T: std::str::FromStr>(field: &str, raw: &str, names: &[&str]) -> Result<T, String> {
    raw.parse()
        .map_err(|_| format!("{field}=\"{raw}\" must be one of {}", names.join(", ")))
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&k| name(k)).collect()
}

impl PageState {
    /// The state an address's query pairs describe. Every bad field is refused by name and falls
    /// back to its default (or to what the rules allow), so the page always opens.
    pub fn parse(pairs: &[(String, String)]) -> (PageState, Vec<FieldError>) {
        let mut s = PageState::default();
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (key, raw) in pairs {
            // the first of repeated keys wins, as URLSearchParams.get reads it
            if !seen.insert(key.as_str()) {
                continue;
            }
            if let Err(message) = s.set(key, raw) {
                errors.push(FieldError {
                    field: key.clone(),
                    message,
                });
            }
        }
        let given = |field: &str| pairs.iter().any(|(k, _)| k == field) && !errors.iter().any(|e| e.field == field);
        let (variance_given, steps_given) = (given("variance"), given("steps"));
        // the variance and steps a model runs with unless the address says otherwise are its own
        if !variance_given {
            s.variance = s.param.default_variance();
        }
        errors.extend(s.enforce_model_rules());
        if !variance_given {
            s.variance = s.param.default_variance();
        }
        if !steps_given {
            s.steps = default_steps(s.param);
        }
        errors.extend(s.enforce_t_rule());
        (s, errors)
    }

    /// Sets one field from its text, checking only the field itself. Unknown keys are ignored:
    /// an address may carry other parameters (a course platform's tracking, say).
    fn set(&mut self, key: &str, raw: &str) -> Result<(), String> {
        match key {
            "dataset" => {
                let plane = names(&Dataset::PLANE, Dataset::name);
                let dataset: Dataset = choice(key, raw, &plane)?;
                if !dataset.is_plane() {
                    return Err(format!("{key}=\"{raw}\" must be one of {}", plane.join(", ")));
                }
                self.dataset = dataset;
            }
            "param" => self.param = choice(key, raw, &names(&Parameterization::ALL, Parameterization::name))?,
            "variance" => self.variance = choice(key, raw, &names(&Variance::ALL, Variance::name))?,
            "schedule" => self.schedule = choice(key, raw, &names(&PlotSchedule::ALL, PlotSchedule::name))?,
            "lang" => self.lang = Some(choice(key, raw, &names(&Language::ALL, Language::name))?),
            "steps" => self.steps = STEPS.parse(key, raw)?,
            "samples" => self.samples = SAMPLES.parse(key, raw)?,
            "seed" => self.seed = SEED.parse(key, raw)?,
            "t" => {
                self.t = Some(
                    Limit {
                        min: 0,
                        max: STEPS.max,
                        default: 0,
                    }
                    .parse(key, raw)?,
                )
            }
            _ => {}
        }
        Ok(())
    }

    /// The rules between fields; each broken one is named and repaired.
    fn enforce_rules(&mut self) -> Vec<FieldError> {
        let mut errors = self.enforce_model_rules();
        errors.extend(self.enforce_t_rule());
        errors
    }

    /// The model must ship for the dataset and be able to sample with the variance.
    fn enforce_model_rules(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let shipped = shipped_parameterizations(self.dataset);
        if !shipped.contains(&self.param) {
            let list: Vec<&str> = shipped.iter().map(|p| p.name()).collect();
            errors.push(FieldError {
                field: "param".into(),
                message: format!(
                    "param=\"{}\" is not shipped for dataset \"{}\" (only {})",
                    self.param,
                    self.dataset,
                    list.join(", ")
                ),
            });
            self.param = shipped.first().copied().unwrap_or(Parameterization::Epsilon);
        }
        if let Err(why) = crate::diffusion::param::check_combination(self.param, self.variance) {
            errors.push(FieldError {
                field: "variance".into(),
                message: format!("variance=\"{}\": {why}", self.variance),
            });
            self.variance = self.param.default_variance();
        }
        errors
    }

    /// t must lie on the chain.
    fn enforce_t_rule(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(t) = self.t.filter(|&t| t > self.steps) {
            errors.push(FieldError {
                field: "t".into(),
                message: format!("t=\"{t}\" is beyond steps={}", self.steps),
            });
            self.t = None;
        }
        errors
    }

    /// The state after the reader changes one field (a select, a panel's radio button), with the
    /// rules applied the way a reader expects: a new dataset keeps the parameterization if it
    /// ships there; a new parameterization takes its default variance unless the variance chosen
    /// before is allowed and not merely the old default; a new model keeps its steps if they were
    /// chosen, else takes its own default steps (all T for a model that cannot skip steps); a
    /// new model keeps t only when its steps did not change; new steps, samples, seed or a new
    /// dataset start at x_T.
    /// Returns the new state, or a refusal naming the field.
    pub fn with(&self, key: &str, raw: &str) -> Result<PageState, FieldError> {
        let mut next = self.clone();
        next.set(key, raw).map_err(|message| FieldError {
            field: key.into(),
            message,
        })?;
        if !STATE_FIELDS.contains(&key) {
            return Err(FieldError {
                field: key.into(),
                message: format!("unknown setting '{key}': expected one of {}", STATE_FIELDS.join(", ")),
            });
        }
        match key {
            "dataset" => {
                next.t = None;
                let shipped = shipped_parameterizations(next.dataset);
                if !shipped.contains(&next.param) {
                    next.param = shipped.first().copied().unwrap_or(Parameterization::Epsilon);
                }
                next.variance = variance_after(self.param, next.param, self.variance);
                next.steps = steps_after(self.param, next.param, self.steps);
            }
            "param" => {
                next.variance = variance_after(self.param, next.param, self.variance);
                next.steps = steps_after(self.param, next.param, self.steps);
                if next.steps != self.steps {
                    next.t = None;
                }
            }
            "steps" | "samples" | "seed" | "schedule" => next.t = None,
            _ => {}
        }
        let errors = next.enforce_rules();
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(next),
        }
    }

    /// The address's query (`?…`): every field that differs from the default, plus t and lang.
    pub fn to_query(&self) -> String {
        let d = PageState::default();
        let mut parts = Vec::new();
        let mut put = |k: &str, v: String, differs: bool| {
            if differs {
                parts.push(format!("{k}={v}"));
            }
        };
        put("dataset", self.dataset.to_string(), self.dataset != d.dataset);
        put("param", self.param.to_string(), self.param != d.param);
        put(
            "variance",
            self.variance.to_string(),
            self.variance != self.param.default_variance(),
        );
        put("schedule", self.schedule.to_string(), self.schedule != d.schedule);
        put("steps", self.steps.to_string(), self.steps != default_steps(self.param));
        put("samples", self.samples.to_string(), self.samples != d.samples);
        put("seed", self.seed.to_string(), self.seed != d.seed);
        if let Some(t) = self.t {
            put("t", t.to_string(), true);
        }
        if let Some(l) = self.lang {
            put("lang", l.to_string(), true);
        }
        format!("?{}", parts.join("&"))
    }
}

/// The steps after the model changes from `old` to `new`: chosen steps stay, default ones follow
/// the new model's default.
fn steps_after(old: Parameterization, new: Parameterization, steps: u64) -> u64 {
    if steps == default_steps(old) {
        default_steps(new)
    } else {
        steps
    }
}

/// The variance after the model changes from `old` to `new`.
fn variance_after(old: Parameterization, new: Parameterization, variance: Variance) -> Variance {
    let allowed = allowed_variances(new);
    if variance == old.default_variance() || !allowed.contains(&variance) {
        new.default_variance()
    } else {
        variance
    }
}

/// A `<ptheta-chain>` attribute's value, checked.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttributeValue {
    Number(u64),
    Name(&'static str),
    /// `draw`: true when the points are drawn straight from the GPU buffer; `autoplay`: true.
    Switch(bool),
    Text(String),
    /// `controls`: the groups of controls to show, in [`CHAIN_CONTROLS`]' order.
    List(Vec<&'static str>),
}

/// Samples of a chain of images when the page gives none: an 8 × 8 grid of them.
pub const IMAGE_SAMPLES: u64 = 64;

/// The groups of controls `<ptheta-chain controls="…">` can show (all by default): the play bar
/// (play, back, step, reset, t, backend), the t scrubber, the settings (speed, samples, seed), the
/// layers (background, trails, drift field), the inspector's sample picker, and the divergence.
/// A chain of images has no layers and no divergence: it shows neither, whatever is listed.
pub const CHAIN_CONTROLS: [&str; 6] = ["play", "scrub", "settings", "layers", "inspect", "match"];

/// The palettes a widget's `theme` attribute (and the lesson's theme menu) can pick; `auto`
/// follows the reader's system.
pub const THEMES: [&str; 3] = ["auto", "light", "dark"];

/// When a widget starts its work (downloading its weights, building its chain), as `<img
/// loading>` words it: `lazy`, the default, once it is scrolled near the view, so a long course
/// page with many widgets loads only what the reader reaches; `eager` at once. A method called
/// (`play()`, `goTo(t)`, …) starts it either way. The first is the default.
pub const LOADING: [&str; 2] = ["lazy", "eager"];

/// The attributes `<ptheta-chain>` reads. `dataset` and `param` pick a shipped model (served
/// beside the widgets); `weights` names any other file instead, and `data` the CSV its model was
/// trained on (drawn behind the samples and measured against).
pub const CHAIN_ATTRIBUTES: [&str; 15] = [
    "dataset", "param", "weights", "data", "steps", "samples", "seed", "t", "variance", "backend", "draw", "controls",
    "autoplay", "theme", "loading",
];

/// The file of the shipped model for (`dataset`, `param`), names as `<ptheta-chain>`'s attributes
/// give them; the refusal names both and what the dataset ships.
pub fn shipped_weights(dataset: &str, param: &str) -> Result<String, String> {
    let d: Dataset = dataset.parse().map_err(|e| format!("attribute dataset: {e}"))?;
    let p: Parameterization = param.parse().map_err(|e| format!("attribute param: {e}"))?;
    let shipped = shipped_parameterizations(d);
    if shipped.contains(&p) {
        return Ok(weights_file(d, p));
    }
    let list: Vec<&str> = shipped.iter().map(|p| p.name()).collect();
    Err(format!(
        "no model ships for dataset=\"{d}\" param=\"{p}\": {d} ships {}",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    ))
}

/// Checks one `<ptheta-chain>` attribute; the refusal names the attribute and what it accepts.
pub fn chain_attribute(name: &str, raw: &str) -> Result<AttributeValue, String> {
    let refuse = |m: String| format!("attribute {m}");
    let one_of = |all: Vec<&'static str>| -> Result<AttributeValue, String> {
        all.iter()
            .find(|&&n| n == raw)
            .map(|&n| AttributeValue::Name(n))
            .ok_or_else(|| refuse(format!("{name}=\"{raw}\" must be one of {}", all.join(", "))))
    };
    match name {
        "dataset" => one_of(names(&Dataset::ALL, Dataset::name)),
        "theme" => one_of(THEMES.to_vec()),
        "loading" => one_of(LOADING.to_vec()),
        "autoplay" if raw.is_empty() || raw == "autoplay" => Ok(AttributeValue::Switch(true)),
        "autoplay" => Err(refuse(format!(
            "autoplay=\"{raw}\" is a switch: write autoplay (or leave it out to start paused)"
        ))),
        "controls" => {
            let words: Vec<&str> = raw.split_whitespace().collect();
            if words == ["none"] {
                return Ok(AttributeValue::List(Vec::new()));
            }
            match words.iter().find(|w| !CHAIN_CONTROLS.contains(w)) {
                Some(bad) => Err(refuse(format!(
                    "controls=\"{raw}\" has \"{bad}\": list any of {} (or none)",
                    CHAIN_CONTROLS.join(", ")
                ))),
                None if words.is_empty() => Err(refuse(format!(
                    "controls=\"\" is empty: list any of {} (or none)",
                    CHAIN_CONTROLS.join(", ")
                ))),
                None => Ok(AttributeValue::List(
                    CHAIN_CONTROLS.into_iter().filter(|c| words.contains(c)).collect(),
                )),
            }
        }
        "param" => one_of(names(&Parameterization::ALL, Parameterization::name)),
        "data" if raw.trim().is_empty() => Err(refuse("data=\"\" must be the URL of a CSV file of x,y points".into())),
        "data" => Ok(AttributeValue::Text(raw.to_string())),
        "weights" if raw.trim().is_empty() => Err(refuse("weights=\"\" must be the URL of a .safetensors file".into())),
        "weights" => Ok(AttributeValue::Text(raw.to_string())),
        "steps" => STEPS.parse(name, raw).map(AttributeValue::Number).map_err(refuse),
        "samples" => SAMPLES.parse(name, raw).map(AttributeValue::Number).map_err(refuse),
        "seed" => SEED.parse(name, raw).map(AttributeValue::Number).map_err(refuse),
        "t" => Limit {
            min: 0,
            max: STEPS.max,
            default: 0,
        }
        .parse(name, raw)
        .map(AttributeValue::Number)
        .map_err(refuse),
        "variance" => one_of(names(&Variance::ALL, Variance::name)),
        "backend" => one_of(names(&Backend::ALL, Backend::name)),
        "draw" => one_of(names(&Draw::ALL, Draw::name)).map(|_| AttributeValue::Switch(raw == Draw::Webgpu.name())),
        _ => Err(format!(
            "<ptheta-chain> has no attribute '{name}': it reads {}",
            CHAIN_ATTRIBUTES.join(", ")
        )),
    }
}
