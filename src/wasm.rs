//! The browser binding: a thin layer over [`crate::chain`]. Errors become `JsError`, bulk floats
//! leave as `Float32Array`, metadata goes through serde-wasm-bindgen.

use crate::chain::{Chain, ChainOptions};
use crate::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
use crate::model::Denoiser;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Switches gemm's simd128 matmul kernels (on by default); the benchmark compares both.
#[wasm_bindgen(js_name = setMatmulSimd)]
pub fn set_matmul_simd(enable: bool) {
    gemm::set_wasm_simd128(enable);
}

/// Options of a new chain. Parameterization and schedule are properties of the trained model:
/// when given they must match it, so a page that asks for the wrong one hears about it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Options {
    parameterization: Option<Parameterization>,
    variance: Option<Variance>,
    schedule: Option<ScheduleKind>,
    steps: Option<usize>,
    samples: Option<usize>,
    seed: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    backend: &'static str,
    dataset: String,
    parameterization: Parameterization,
    variance: Variance,
    schedule: ScheduleKind,
    train_timesteps: usize,
    steps: usize,
    samples: usize,
    seed: u32,
    alpha_bar_t: f64,
}

#[wasm_bindgen]
pub struct WasmChain {
    chain: Chain<Denoiser>,
    seed: u32,
}

const OPTION_NAMES: [&str; 6] = ["parameterization", "variance", "schedule", "steps", "samples", "seed"];

/// serde-wasm-bindgen reads only the fields it knows, so a misspelt option would be silently
/// ignored; refuse it by name instead.
fn check_option_names(options: &JsValue) -> Result<(), JsError> {
    let Some(obj) = options.dyn_ref::<js_sys::Object>() else {
        return Err(err("chain options must be an object"));
    };
    for key in js_sys::Object::keys(obj).iter() {
        let key = key.as_string().unwrap_or_default();
        if !OPTION_NAMES.contains(&key.as_str()) {
            return Err(err(format!(
                "unknown chain option '{key}': expected {}",
                OPTION_NAMES.join(", ")
            )));
        }
    }
    Ok(())
}

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
impl WasmChain {
    /// `weights`: a safetensors file's bytes. `options`: `{ variance, steps, samples, seed,
    /// parameterization?, schedule? }`, every field optional.
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8], options: JsValue) -> Result<WasmChain, JsError> {
        let o: Options = if options.is_undefined() || options.is_null() {
            Options::default()
        } else {
            check_option_names(&options)?;
            serde_wasm_bindgen::from_value(options).map_err(|e| err(format!("invalid chain options: {e}")))?
        };
        let model = Denoiser::from_safetensors(weights).map_err(err)?;
        let cfg = model.config.clone();
        if let Some(p) = o.parameterization.filter(|&p| p != cfg.parameterization) {
            return Err(err(format!(
                "these weights predict '{}', not '{p}'",
                cfg.parameterization
            )));
        }
        if let Some(s) = o.schedule.filter(|&s| s != cfg.schedule) {
            return Err(err(format!(
                "these weights were trained with the '{}' schedule, not '{s}'",
                cfg.schedule
            )));
        }
        let steps = o.steps.unwrap_or(50);
        let samples = o.samples.unwrap_or(1024);
        if samples > 1 << 20 {
            return Err(err(format!(
                "{samples} samples is more than this page can hold (at most 1048576)"
            )));
        }
        let seed = o.seed.unwrap_or(0);
        let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps).map_err(err)?;
        let options = ChainOptions {
            variance: o.variance.unwrap_or(cfg.parameterization.default_variance()),
            steps,
            samples,
            seed: seed as u64,
            keep_history: true,
        };
        Ok(WasmChain {
            chain: Chain::new(model, schedule, &options).map_err(err)?,
            seed,
        })
    }

    /// Runs up to `count` reverse steps; returns the new t.
    pub fn step(&mut self, count: usize) -> Result<usize, JsError> {
        for _ in 0..count {
            if self.chain.is_done() {
                break;
            }
            self.chain.step().map_err(err)?;
        }
        Ok(self.chain.t())
    }

    /// Goes back one step through the history; returns the new t.
    #[wasm_bindgen(js_name = stepBack)]
    pub fn step_back(&mut self) -> Result<usize, JsError> {
        self.chain.step_back().map_err(err)?;
        Ok(self.chain.t())
    }

    pub fn reset(&mut self) {
        self.chain.reset();
    }

    /// Current t (steps … 0).
    #[wasm_bindgen(getter)]
    pub fn t(&self) -> usize {
        self.chain.t()
    }

    #[wasm_bindgen(getter)]
    pub fn steps(&self) -> usize {
        self.chain.steps()
    }

    #[wasm_bindgen(getter)]
    pub fn samples(&self) -> usize {
        self.chain.samples()
    }

    /// x_t of every sample, [x0, y0, x1, y1, …].
    pub fn positions(&self) -> js_sys::Float32Array {
        js_sys::Float32Array::from(self.chain.positions())
    }

    /// One sample's numbers for the next step: x_t, t, raw output, ε̂, x̂_0, μ_θ, σ_θ, z, x_{t−1}.
    pub fn inspect(&self, sample: usize) -> Result<JsValue, JsError> {
        let i = self.chain.inspect(sample).map_err(err)?;
        serde_wasm_bindgen::to_value(&i).map_err(err)
    }

    /// What runs: backend, model, schedule, ᾱ_T.
    pub fn info(&self) -> Result<JsValue, JsError> {
        let cfg = &self.chain.model().config;
        let info = Info {
            backend: "cpu",
            dataset: cfg.dataset.clone(),
            parameterization: cfg.parameterization,
            variance: self.chain.variance(),
            schedule: cfg.schedule,
            train_timesteps: cfg.timesteps,
            steps: self.chain.steps(),
            samples: self.chain.samples(),
            seed: self.seed,
            alpha_bar_t: self.chain.schedule().terminal_alpha_bar(),
        };
        serde_wasm_bindgen::to_value(&info).map_err(err)
    }
}
