//! The browser binding of [`crate::lesson`]: the lesson page's plots, background data, forward
//! process, histogram divergence and drift field. Errors become `JsError`, floats leave as
//! `Float32Array`, metadata goes through serde-wasm-bindgen.

use crate::diffusion::{Schedule, ScheduleKind, Variance};
use crate::lesson;
use crate::model::{self, Denoiser};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn f32s(v: &[f64]) -> js_sys::Float32Array {
    let v: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    js_sys::Float32Array::from(&v[..])
}

/// The tables one schedule choice plots.
#[wasm_bindgen]
pub struct LessonSchedule {
    table: lesson::ScheduleTable,
}

#[wasm_bindgen]
impl LessonSchedule {
    /// `name`: linear, cosine or linear-unscaled; `timesteps`: T.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, timesteps: usize) -> Result<LessonSchedule, JsError> {
        Ok(LessonSchedule {
            table: lesson::panel_table(name, timesteps).map_err(err)?,
        })
    }
    /// The schedule a chain samples with: `kind` trained with `timesteps` steps, respaced to `steps`.
    pub fn respaced(kind: &str, timesteps: usize, steps: usize) -> Result<LessonSchedule, JsError> {
        let kind: ScheduleKind = kind.parse().map_err(err)?;
        Ok(LessonSchedule {
            table: lesson::schedule_table(kind, timesteps, steps).map_err(err)?,
        })
    }
    pub fn beta(&self) -> js_sys::Float32Array {
        f32s(&self.table.beta)
    }
    #[wasm_bindgen(js_name = alphaBar)]
    pub fn alpha_bar(&self) -> js_sys::Float32Array {
        f32s(&self.table.alpha_bar)
    }
    pub fn snr(&self) -> js_sys::Float32Array {
        f32s(&self.table.snr)
    }
    /// ᾱ_T in full precision (it is often below f32's comfortable range of digits).
    #[wasm_bindgen(getter, js_name = alphaBarT)]
    pub fn alpha_bar_t(&self) -> f64 {
        self.table.alpha_bar_t
    }
    #[wasm_bindgen(getter, js_name = terminalWarning)]
    pub fn terminal_warning(&self) -> bool {
        self.table.terminal_warning
    }
}

/// `n` points of a named dataset.
#[wasm_bindgen(js_name = datasetSamples)]
pub fn dataset_samples(name: &str, n: usize, seed: u32) -> Result<js_sys::Float32Array, JsError> {
    let p = lesson::dataset_samples(name, n, seed as u64).map_err(err)?;
    Ok(js_sys::Float32Array::from(&p[..]))
}

/// The points of a CSV file (`x,y` per line) as a model trained on it saw them (standardized, as
/// `ptheta train --csv` does), for the chain's background and divergence; throws naming the line.
#[wasm_bindgen(js_name = csvPoints)]
pub fn csv_points(text: &str) -> Result<js_sys::Float32Array, JsError> {
    let p = crate::data::training_points(text).map_err(err)?;
    Ok(js_sys::Float32Array::from(&p[..]))
}

/// Samples of q(x_t | x_0) for the rows of `x0`, given ᾱ_t.
#[wasm_bindgen(js_name = forwardSamples)]
pub fn forward_samples(alpha_bar: f64, x0: &[f32], seed: u32) -> Result<js_sys::Float32Array, JsError> {
    let p = lesson::forward_samples(alpha_bar, x0, seed as u64).map_err(err)?;
    Ok(js_sys::Float32Array::from(&p[..]))
}

/// Counts of 2-D points on a bins×bins grid over [−half, half]², row 0 at y = −half.
#[wasm_bindgen]
pub fn histogram(points: &[f32], bins: usize, half: f64) -> Result<js_sys::Float32Array, JsError> {
    let h = lesson::histogram(points, bins, half).map_err(err)?;
    Ok(js_sys::Float32Array::from(&h[..]))
}

/// Jensen–Shannon divergence in bits between two histograms (0 … 1).
#[wasm_bindgen(js_name = jsDivergence)]
pub fn js_divergence(p: &[f32], q: &[f32]) -> Result<f64, JsError> {
    lesson::js_divergence(p, q).map_err(err)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelInfo {
    dataset: String,
    parameterization: String,
    schedule: String,
    timesteps: usize,
}

/// What a weights file says about itself, without building the network.
#[wasm_bindgen(js_name = modelInfo)]
pub fn model_info(weights: &[u8]) -> Result<JsValue, JsError> {
    let c = model::read_config(weights).map_err(err)?;
    let info = ModelInfo {
        dataset: c.dataset.clone(),
        parameterization: c.parameterization.to_string(),
        schedule: c.schedule.to_string(),
        timesteps: c.timesteps,
    };
    serde_wasm_bindgen::to_value(&info).map_err(err)
}

/// The learned reverse drift μ_θ(x, t) − x of one model, sampled with `steps` steps.
#[wasm_bindgen]
pub struct LessonField {
    model: Denoiser,
    schedule: Schedule,
    variance: Variance,
}

#[wasm_bindgen]
impl LessonField {
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8], steps: usize, variance: &str) -> Result<LessonField, JsError> {
        let model = Denoiser::from_safetensors(weights).map_err(err)?;
        let variance: Variance = variance.parse().map_err(err)?;
        let schedule = Schedule::respaced(model.config.schedule, model.config.timesteps, steps).map_err(err)?;
        Ok(LessonField {
            model,
            schedule,
            variance,
        })
    }

    /// Centres of an n×n grid over [−half, half]², [x0, y0, x1, y1, …].
    pub fn grid(n: usize, half: f64) -> Result<js_sys::Float32Array, JsError> {
        Ok(js_sys::Float32Array::from(&lesson::grid(n, half).map_err(err)?[..]))
    }

    /// μ_θ(x, t) − x at each point of `points`, for the step from paper timestep t.
    pub fn drift(&self, t: usize, points: &[f32]) -> Result<js_sys::Float32Array, JsError> {
        let d = lesson::drift(&self.model, &self.schedule, self.variance, t, points).map_err(err)?;
        Ok(js_sys::Float32Array::from(&d[..]))
    }
}
