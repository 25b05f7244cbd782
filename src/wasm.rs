//! The browser binding: a thin layer over [`crate::chain`] (CPU) and [`crate::gpu`] (WebGPU).
//! Errors become `JsError`, bulk floats leave as `Float32Array`, metadata goes through
//! serde-wasm-bindgen. Reads that may need the GPU return Promises.
//!
//! Backend selection and the fallback live here, so every page gets them: `create` asks for a real
//! adapter and device (never trusting `navigator.gpu` alone); every call first checks the
//! device's health, and a lost device hands the chain to the CPU, which rebuilds the state at the
//! same t by re-running from x_T. That is exact, not approximate: the prior and each step's noise
//! are counter-based, so the CPU chain equals one that ran on the CPU from the start.

use crate::chain::{Chain, ChainOptions};
use crate::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
use crate::gpu::render::PointsRenderer;
use crate::gpu::{Gpu, GpuChain};
use crate::model::Denoiser;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
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
    backend: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    backend: &'static str,
    adapter: Option<String>,
    fallback_reason: Option<String>,
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

const OPTION_NAMES: [&str; 7] = [
    "parameterization",
    "variance",
    "schedule",
    "steps",
    "samples",
    "seed",
    "backend",
];

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

thread_local! {
    /// One device for every chain on the page (compare mode runs several); replaced once lost.
    static GPU: RefCell<Option<Gpu>> = const { RefCell::new(None) };
    /// The request in flight, shared by chains created meanwhile: Chromium destroys a device
    /// when the page requests another adapter, so the page must never hold two requests.
    static REQUEST: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
    static LAST_ERROR: RefCell<Option<crate::gpu::GpuError>> = const { RefCell::new(None) };
}

async fn shared_gpu() -> Result<Gpu, crate::gpu::GpuError> {
    if let Some(g) = GPU.with(|g| g.borrow().clone()).filter(|g| g.failure().is_none()) {
        return Ok(g);
    }
    let promise = REQUEST.with(|r| {
        r.borrow_mut()
            .get_or_insert_with(|| {
                wasm_bindgen_futures::future_to_promise(async {
                    let result = Gpu::request().await;
                    REQUEST.with(|r| *r.borrow_mut() = None);
                    match result {
                        Ok(g) => GPU.with(|slot| *slot.borrow_mut() = Some(g)),
                        Err(e) => LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(e)),
                    }
                    Ok(JsValue::UNDEFINED)
                })
            })
            .clone()
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    match GPU.with(|g| g.borrow().clone()).filter(|g| g.failure().is_none()) {
        Some(g) => Ok(g),
        None => Err(LAST_ERROR
            .with(|e| e.borrow().clone())
            .unwrap_or_else(|| crate::gpu::GpuError::NoDevice("the device was lost as soon as it was made".into()))),
    }
}

/// Everything needed to build (or rebuild) a chain.
struct Spec {
    weights: Vec<u8>,
    schedule: Schedule,
    options: ChainOptions,
}

impl Spec {
    fn parse(weights: Vec<u8>, options: JsValue) -> Result<(Spec, Denoiser, String), JsError> {
        let o: Options = if options.is_undefined() || options.is_null() {
            Options::default()
        } else {
            check_option_names(&options)?;
            serde_wasm_bindgen::from_value(options).map_err(|e| err(format!("invalid chain options: {e}")))?
        };
        let backend = o.backend.unwrap_or_else(|| "auto".into());
        if !["auto", "webgpu", "cpu"].contains(&backend.as_str()) {
            return Err(err(format!(
                "unknown backend '{backend}': expected one of auto, webgpu, cpu"
            )));
        }
        let model = Denoiser::from_safetensors(&weights).map_err(err)?;
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
        let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps).map_err(err)?;
        let options = ChainOptions {
            variance: o.variance.unwrap_or(cfg.parameterization.default_variance()),
            steps,
            samples,
            seed: o.seed.unwrap_or(0) as u64,
            keep_history: true,
        };
        crate::diffusion::param::check_combination(cfg.parameterization, options.variance).map_err(err)?;
        Ok((
            Spec {
                weights,
                schedule,
                options,
            },
            model,
            backend,
        ))
    }

    /// The CPU chain at paper timestep `t`, by re-running from x_T.
    fn cpu_chain_at(&self, model: Denoiser, t: usize) -> Result<Chain<Denoiser>, String> {
        let mut chain = Chain::new(model, self.schedule.clone(), &self.options)?;
        while chain.t() > t {
            chain.step()?;
        }
        Ok(chain)
    }
}

// One Engine per chain: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
enum Engine {
    Cpu(Chain<Denoiser>),
    Gpu(Box<GpuChain>),
}

struct Inner {
    engine: Engine,
    spec: Spec,
    config: crate::model::ModelConfig,
    adapter: Option<String>,
    fallback_reason: Option<String>,
    renderer: Option<PointsRenderer>,
}

impl Inner {
    fn t(&self) -> usize {
        match &self.engine {
            Engine::Cpu(c) => c.t(),
            Engine::Gpu(g) => g.t(),
        }
    }

    /// Moves to the CPU at the current t if the device is gone; returns whether it did.
    fn check_health(&mut self) -> Result<bool, JsError> {
        let failure = match &self.engine {
            Engine::Gpu(g) => g.gpu().failure(),
            Engine::Cpu(_) => None,
        };
        match failure {
            Some(reason) => {
                self.fall_back(reason)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// After a failed GPU read: the device is gone or stopped answering, so the CPU takes over.
    fn recover(&mut self, error: String) -> Result<&Chain<Denoiser>, JsError> {
        if !self.check_health()? {
            self.fall_back(format!("the WebGPU device stopped answering ({error})"))?;
        }
        match &self.engine {
            Engine::Cpu(c) => Ok(c),
            Engine::Gpu(_) => Err(err("the chain could not move to the CPU")),
        }
    }

    fn fall_back(&mut self, reason: String) -> Result<(), JsError> {
        let t = self.t();
        let model = Denoiser::from_safetensors(&self.spec.weights).map_err(err)?;
        let chain = self.spec.cpu_chain_at(model, t).map_err(err)?;
        self.engine = Engine::Cpu(chain);
        self.renderer = None;
        self.fallback_reason = Some(format!("{reason}; continuing on the CPU from t = {t}"));
        Ok(())
    }
}

#[wasm_bindgen]
pub struct WasmChain {
    inner: Rc<RefCell<Inner>>,
}

#[wasm_bindgen]
impl WasmChain {
    /// A CPU chain, built synchronously. `weights`: a safetensors file's bytes. `options`:
    /// `{ variance, steps, samples, seed, parameterization?, schedule? }`, every field optional.
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8], options: JsValue) -> Result<WasmChain, JsError> {
        let (spec, model, _) = Spec::parse(weights.to_vec(), options)?;
        let config = model.config.clone();
        let chain = Chain::new(model, spec.schedule.clone(), &spec.options).map_err(err)?;
        Ok(Self::wrap(Engine::Cpu(chain), spec, config, None, None))
    }

    fn wrap(
        engine: Engine,
        spec: Spec,
        config: crate::model::ModelConfig,
        adapter: Option<String>,
        fallback_reason: Option<String>,
    ) -> WasmChain {
        WasmChain {
            inner: Rc::new(RefCell::new(Inner {
                engine,
                spec,
                config,
                adapter,
                fallback_reason,
                renderer: None,
            })),
        }
    }

    /// A chain on the backend `options.backend` asks for: `auto` (default: WebGPU when a real
    /// device is granted, else the CPU, saying why), `webgpu` (an error if there is none) or `cpu`.
    pub async fn create(weights: Vec<u8>, options: JsValue) -> Result<WasmChain, JsError> {
        let (spec, model, backend) = Spec::parse(weights, options)?;
        let config = model.config.clone();
        if backend == "cpu" {
            let chain = Chain::new(model, spec.schedule.clone(), &spec.options).map_err(err)?;
            return Ok(Self::wrap(Engine::Cpu(chain), spec, config, None, None));
        }
        let gpu_chain = match shared_gpu().await {
            Ok(gpu) => GpuChain::new(&gpu, &model, spec.schedule.clone(), &spec.options)
                .map(|c| (c, gpu.describe()))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match gpu_chain {
            Ok((chain, adapter)) => Ok(Self::wrap(
                Engine::Gpu(Box::new(chain)),
                spec,
                config,
                Some(adapter),
                None,
            )),
            Err(e) if backend == "webgpu" => Err(err(format!("backend 'webgpu' was asked for, but {e}"))),
            Err(e) => {
                let chain = Chain::new(model, spec.schedule.clone(), &spec.options).map_err(err)?;
                Ok(Self::wrap(Engine::Cpu(chain), spec, config, None, Some(e)))
            }
        }
    }

    /// Runs up to `count` reverse steps; returns the new t. On WebGPU this only submits work.
    pub fn step(&mut self, count: usize) -> Result<usize, JsError> {
        let mut inner = self.inner.borrow_mut();
        inner.check_health()?;
        match &mut inner.engine {
            Engine::Cpu(c) => {
                for _ in 0..count {
                    if c.is_done() {
                        break;
                    }
                    c.step().map_err(err)?;
                }
                Ok(c.t())
            }
            Engine::Gpu(g) => Ok(g.step(count)),
        }
    }

    /// Goes back one step to exactly the earlier state; returns the new t.
    #[wasm_bindgen(js_name = stepBack)]
    pub fn step_back(&mut self) -> Result<usize, JsError> {
        let mut inner = self.inner.borrow_mut();
        inner.check_health()?;
        match &mut inner.engine {
            Engine::Cpu(c) => c.step_back().map(|_| c.t()).map_err(err),
            Engine::Gpu(g) => g.step_back().map_err(err),
        }
    }

    pub fn reset(&mut self) -> Result<(), JsError> {
        let mut inner = self.inner.borrow_mut();
        inner.check_health()?;
        match &mut inner.engine {
            Engine::Cpu(c) => c.reset(),
            Engine::Gpu(g) => g.reset(),
        }
        Ok(())
    }

    /// Current t (steps … 0).
    #[wasm_bindgen(getter)]
    pub fn t(&self) -> usize {
        self.inner.borrow().t()
    }

    #[wasm_bindgen(getter)]
    pub fn steps(&self) -> usize {
        self.inner.borrow().spec.schedule.len()
    }

    #[wasm_bindgen(getter)]
    pub fn samples(&self) -> usize {
        self.inner.borrow().spec.options.samples
    }

    /// "webgpu" or "cpu": what runs the chain now.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        match self.inner.borrow().engine {
            Engine::Cpu(_) => "cpu".into(),
            Engine::Gpu(_) => "webgpu".into(),
        }
    }

    /// Why the CPU runs although WebGPU was possible or running, if it does.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.inner.borrow().fallback_reason.clone()
    }

    /// Buffer mappings (GPU → CPU reads) made by this chain; the animation loop must make none.
    #[wasm_bindgen(getter)]
    pub fn mappings(&self) -> f64 {
        match &self.inner.borrow().engine {
            Engine::Gpu(g) => g.mappings() as f64,
            Engine::Cpu(_) => 0.0,
        }
    }

    /// Moves to the CPU now if the device was lost; returns whether it did.
    #[wasm_bindgen(js_name = checkDevice)]
    pub fn check_device(&mut self) -> Result<bool, JsError> {
        self.inner.borrow_mut().check_health()
    }

    /// Destroys the WebGPU device under the chain, as a driver reset would (for tests and for
    /// showing the fallback). The next call continues on the CPU.
    #[wasm_bindgen(js_name = loseDevice)]
    pub fn lose_device(&self) -> Result<(), JsError> {
        match &self.inner.borrow().engine {
            Engine::Gpu(g) => {
                g.gpu().destroy();
                Ok(())
            }
            Engine::Cpu(_) => Err(err("this chain runs on the CPU: there is no device to lose")),
        }
    }

    /// x_t of every sample, [x0, y0, x1, y1, …]: a Promise of a Float32Array.
    pub fn positions(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let read = {
                let mut i = inner.borrow_mut();
                i.check_health()?;
                match &i.engine {
                    Engine::Cpu(c) => return Ok(js_sys::Float32Array::from(c.positions()).into()),
                    Engine::Gpu(g) => g.positions(),
                }
            };
            match read.await {
                Ok(p) => Ok(js_sys::Float32Array::from(p.as_slice()).into()),
                Err(e) => {
                    let mut i = inner.borrow_mut();
                    Ok(js_sys::Float32Array::from(i.recover(e)?.positions()).into())
                }
            }
        })
    }

    /// One sample's numbers for the next step (x_t, t, raw output, ε̂, x̂_0, μ_θ, log Σ_θ, σ_θ, z,
    /// x_{t−1}): a Promise of an object.
    pub fn inspect(&self, sample: usize) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let read = {
                let mut i = inner.borrow_mut();
                i.check_health()?;
                match &i.engine {
                    Engine::Cpu(c) => return to_js(&c.inspect(sample).map_err(err)?),
                    Engine::Gpu(g) => g.inspect(sample).map_err(err)?,
                }
            };
            match read.await {
                Ok(ins) => to_js(&ins),
                Err(e) => {
                    let mut i = inner.borrow_mut();
                    to_js(&i.recover(e)?.inspect(sample).map_err(err)?)
                }
            }
        })
    }

    /// Counts of x_t in a bins × bins grid over [−half, half]², row 0 at y = −half: a Promise of
    /// a Float32Array. On WebGPU only the counts are read back.
    pub fn histogram(&self, bins: usize, half: f32) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let read = {
                let mut i = inner.borrow_mut();
                i.check_health()?;
                match &i.engine {
                    Engine::Cpu(c) => return histogram_cpu(c.positions(), bins, half),
                    Engine::Gpu(g) => g.histogram(bins, half).map_err(err)?,
                }
            };
            match read.await {
                Ok(counts) => {
                    let f: Vec<f32> = counts.iter().map(|&c| c as f32).collect();
                    Ok(js_sys::Float32Array::from(f.as_slice()).into())
                }
                Err(e) => {
                    let mut i = inner.borrow_mut();
                    histogram_cpu(i.recover(e)?.positions(), bins, half)
                }
            }
        })
    }

    /// Lets the chain draw its points on `canvas` with WebGPU, straight from the state buffer.
    /// Only for a WebGPU chain; the canvas must not have another context.
    #[wasm_bindgen(js_name = attachCanvas)]
    pub fn attach_canvas(&mut self, canvas: web_sys::HtmlCanvasElement) -> Result<(), JsError> {
        let mut inner = self.inner.borrow_mut();
        let renderer = match &inner.engine {
            Engine::Gpu(g) => PointsRenderer::new(g.gpu(), canvas).map_err(err)?,
            Engine::Cpu(_) => return Err(err("a CPU chain draws with Canvas 2D: read positions() instead")),
        };
        inner.renderer = Some(renderer);
        Ok(())
    }

    /// Draws x_t and up to `trails` earlier states over [−half, half]² on the attached canvas;
    /// `rgba` is 4 numbers in 0–1. Returns false when there is nothing to draw with (CPU, or no
    /// canvas attached), so the page draws itself.
    pub fn draw(&mut self, half: f32, trails: usize, rgba: &[f32]) -> Result<bool, JsError> {
        let mut inner = self.inner.borrow_mut();
        inner.check_health()?;
        let inner = &mut *inner;
        let (Engine::Gpu(g), Some(r)) = (&inner.engine, inner.renderer.as_mut()) else {
            return Ok(false);
        };
        let color = match rgba {
            [r, g, b, a] => [*r, *g, *b, *a],
            _ => return Err(err("draw needs a colour of 4 numbers (r, g, b, a in 0–1)")),
        };
        r.draw(g, half, trails, color).map_err(err)?;
        Ok(true)
    }

    /// What runs: backend, adapter, model, schedule, ᾱ_T.
    pub fn info(&self) -> Result<JsValue, JsError> {
        let inner = self.inner.borrow();
        let cfg = &inner.config;
        let info = Info {
            backend: match inner.engine {
                Engine::Cpu(_) => "cpu",
                Engine::Gpu(_) => "webgpu",
            },
            adapter: inner.adapter.clone(),
            fallback_reason: inner.fallback_reason.clone(),
            dataset: cfg.dataset.clone(),
            parameterization: cfg.parameterization,
            variance: inner.spec.options.variance,
            schedule: cfg.schedule,
            train_timesteps: cfg.timesteps,
            steps: inner.spec.schedule.len(),
            samples: inner.spec.options.samples,
            seed: inner.spec.options.seed as u32,
            alpha_bar_t: inner.spec.schedule.terminal_alpha_bar(),
        };
        serde_wasm_bindgen::to_value(&info).map_err(err)
    }
}

fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(value).map_err(|e| err(e).into())
}

fn histogram_cpu(p: &[f32], bins: usize, half: f32) -> Result<JsValue, JsValue> {
    if bins == 0 || bins > 1024 || !(half > 0.0 && half.is_finite()) {
        return Err(err(format!(
            "a histogram needs 1–1024 bins and a positive half-width (got {bins} bins, half {half})"
        ))
        .into());
    }
    let mut h = vec![0f32; bins * bins];
    let scale = bins as f32 / (2.0 * half);
    for xy in p.chunks_exact(2) {
        let (bx, by) = (((xy[0] + half) * scale).floor(), ((xy[1] + half) * scale).floor());
        if bx >= 0.0 && by >= 0.0 && bx < bins as f32 && by < bins as f32 {
            h[by as usize * bins + bx as usize] += 1.0;
        }
    }
    Ok(js_sys::Float32Array::from(h.as_slice()).into())
}
