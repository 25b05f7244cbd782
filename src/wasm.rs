//! The browser binding of [`crate::engine`]: a thin layer that translates. Errors become
//! `JsError`, bulk floats leave as `Float32Array`, metadata goes through serde-wasm-bindgen, reads
//! that may need the GPU return Promises. Backend choice, the CPU fallback and device-loss
//! recovery are the engine's (tested natively in tests/engine.rs); what lives here is only what
//! needs the page: one shared WebGPU device per page and drawing on a canvas.

use crate::engine::{self, ChainError, Engine, EngineOptions, Spec};
use crate::gpu::render::PointsRenderer;
use crate::gpu::Gpu;
use serde::Serialize;
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

/// Benchmark only: CPU chains run candle's reference forward (`true`) or the fused one (default).
#[wasm_bindgen(js_name = setReferenceForward)]
pub fn set_reference_forward(on: bool) {
    crate::chain::set_reference_forward(on);
}

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn js_err(e: ChainError) -> JsValue {
    err(e).into()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    backend: &'static str,
    adapter: Option<String>,
    /// on WebGPU, the kernel that runs the network's layers (`LinearKernel::name`)
    linear_kernel: Option<&'static str>,
    fallback_reason: Option<String>,
    dataset: String,
    dim: usize,
    parameterization: crate::diffusion::Parameterization,
    variance: crate::diffusion::Variance,
    schedule: crate::diffusion::ScheduleKind,
    train_timesteps: usize,
    steps: usize,
    samples: usize,
    seed: u32,
    alpha_bar_t: f64,
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

/// Options from JS: `{ variance, steps, samples, seed, backend, parameterization?, schedule? }`,
/// every field optional; a misspelt one is refused by name.
fn spec(weights: Vec<u8>, options: JsValue) -> Result<(Spec, crate::model::Denoiser), JsError> {
    let o: EngineOptions = if options.is_undefined() || options.is_null() {
        EngineOptions::default()
    } else {
        let Some(obj) = options.dyn_ref::<js_sys::Object>() else {
            return Err(err("chain options must be an object"));
        };
        let keys: Vec<String> = js_sys::Object::keys(obj).iter().filter_map(|k| k.as_string()).collect();
        EngineOptions::check_names(keys.iter().map(String::as_str)).map_err(err)?;
        serde_wasm_bindgen::from_value(options).map_err(|e| err(format!("invalid chain options: {e}")))?
    };
    Spec::new(weights, o).map_err(err)
}

#[wasm_bindgen]
pub struct WasmChain {
    engine: Rc<RefCell<Engine>>,
    renderer: Option<PointsRenderer>,
}

#[wasm_bindgen]
impl WasmChain {
    /// A CPU chain, built synchronously. `weights`: a safetensors file's bytes.
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8], options: JsValue) -> Result<WasmChain, JsError> {
        let (spec, model) = spec(weights.to_vec(), options)?;
        Ok(Self::wrap(Engine::on_cpu(spec, model, None).map_err(err)?))
    }

    fn wrap(engine: Engine) -> WasmChain {
        WasmChain {
            engine: Rc::new(RefCell::new(engine)),
            renderer: None,
        }
    }

    /// A chain on the backend `options.backend` asks for (see [`Engine::create`]).
    pub async fn create(weights: Vec<u8>, options: JsValue) -> Result<WasmChain, JsError> {
        let (spec, model) = spec(weights, options)?;
        Ok(Self::wrap(
            Engine::create(spec, model, shared_gpu()).await.map_err(err)?,
        ))
    }

    /// Runs up to `count` reverse steps; returns the new t. On WebGPU this only submits work.
    pub fn step(&mut self, count: usize) -> Result<usize, JsError> {
        self.engine.borrow_mut().step(count).map_err(err)
    }

    /// Takes the next states of this chain computed by its slices (WasmChainSlice::run), back to
    /// back; returns the new t. Only a CPU chain can.
    pub fn adopt(&mut self, states: &[f32]) -> Result<usize, JsError> {
        self.engine.borrow_mut().adopt(states).map_err(err)
    }

    /// Goes back one step to exactly the earlier state; returns the new t.
    #[wasm_bindgen(js_name = stepBack)]
    pub fn step_back(&mut self) -> Result<usize, JsError> {
        self.engine.borrow_mut().step_back().map_err(err)
    }

    pub fn reset(&mut self) -> Result<(), JsError> {
        self.engine.borrow_mut().reset().map_err(err)
    }

    /// Steps forward or back to paper timestep `t`; returns it.
    #[wasm_bindgen(js_name = goTo)]
    pub fn go_to(&mut self, t: usize) -> Result<usize, JsError> {
        self.engine.borrow_mut().go_to(t).map_err(err)
    }

    /// Current t (steps … 0).
    #[wasm_bindgen(getter)]
    pub fn t(&self) -> usize {
        self.engine.borrow().chain().t()
    }

    #[wasm_bindgen(getter)]
    pub fn steps(&self) -> usize {
        self.engine.borrow().chain().steps()
    }

    #[wasm_bindgen(getter)]
    pub fn samples(&self) -> usize {
        self.engine.borrow().chain().samples()
    }

    /// "webgpu" or "cpu": what runs the chain now.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.engine.borrow().backend().to_string()
    }

    /// Whether a GPU device runs the chain now (so it can draw from its buffers and reads cost a
    /// mapping).
    #[wasm_bindgen(getter, js_name = onGpu)]
    pub fn on_gpu(&self) -> bool {
        self.engine.borrow().chain().as_gpu().is_some()
    }

    /// Why the CPU runs although WebGPU was possible or running, if it does.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.engine.borrow().fallback_reason().map(str::to_string)
    }

    /// Buffer mappings (GPU → CPU reads) made by this chain; the animation loop must make none.
    #[wasm_bindgen(getter)]
    pub fn mappings(&self) -> f64 {
        self.engine.borrow().chain().mappings() as f64
    }

    /// Moves to the CPU now if the device was lost; returns whether it did.
    #[wasm_bindgen(js_name = checkDevice)]
    pub fn check_device(&mut self) -> Result<bool, JsError> {
        let moved = self.engine.borrow_mut().check_health().map_err(err)?;
        if moved {
            self.renderer = None;
        }
        Ok(moved)
    }

    /// Destroys the WebGPU device under the chain, as a driver reset would (for tests and for
    /// showing the fallback). The next call continues on the CPU.
    #[wasm_bindgen(js_name = loseDevice)]
    pub fn lose_device(&self) -> Result<(), JsError> {
        match self.engine.borrow().chain().as_gpu() {
            Some(g) => {
                g.gpu().destroy();
                Ok(())
            }
            None => Err(err("this chain runs on the CPU: there is no device to lose")),
        }
    }

    /// x_t of every sample, [x0, y0, x1, y1, …]: a Promise of a Float32Array.
    pub fn positions(&self) -> js_sys::Promise {
        let engine = self.engine.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let p = engine::read(&engine, |c| c.positions()).await.map_err(js_err)?;
            Ok(js_sys::Float32Array::from(p.as_slice()).into())
        })
    }

    /// x_t `back` steps before the current state, from the chain's own history (CPU chains; a
    /// WebGPU chain draws its trails itself): a Float32Array, or undefined.
    pub fn earlier(&self, back: usize) -> Option<js_sys::Float32Array> {
        let e = self.engine.borrow();
        e.chain()
            .earlier(back)
            .map(|p| js_sys::Float32Array::from(p.as_slice()))
    }

    /// One sample's numbers for the next step (x_t, t, raw output, ε̂, x̂_0, μ_θ, log Σ_θ, σ_θ, z,
    /// x_{t−1}, the parameterization and the schedule's coefficients): a Promise of an object.
    pub fn inspect(&self, sample: usize) -> js_sys::Promise {
        let engine = self.engine.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let ins = engine::read(&engine, |c| c.inspect(sample)).await.map_err(js_err)?;
            serde_wasm_bindgen::to_value(&ins).map_err(|e| err(e).into())
        })
    }

    /// x̂_0 of the first `count` samples at the current t, as the network predicts it
    /// (crate::engine::predictions): a Promise of a Float32Array [count, dim]; refused at t = 0.
    pub fn predictions(&self, count: usize) -> js_sys::Promise {
        let engine = self.engine.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let x0 = engine::predictions(&engine, count).await.map_err(js_err)?;
            Ok(js_sys::Float32Array::from(x0.as_slice()).into())
        })
    }

    /// Counts of x_t on a bins × bins grid over [−half, half]², row 0 at y = −half (binned as
    /// crate::histogram): a Promise of a Float32Array. On WebGPU only the counts are read back.
    pub fn histogram(&self, bins: usize, half: f32) -> js_sys::Promise {
        let engine = self.engine.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let h = engine::read(&engine, |c| c.histogram(bins, half))
                .await
                .map_err(js_err)?;
            Ok(js_sys::Float32Array::from(h.as_slice()).into())
        })
    }

    /// Lets the chain draw its points on `canvas` with WebGPU, straight from the state buffer.
    /// Only for a WebGPU chain; the canvas must not have another context.
    #[wasm_bindgen(js_name = attachCanvas)]
    pub fn attach_canvas(&mut self, canvas: web_sys::HtmlCanvasElement) -> Result<(), JsError> {
        let renderer = match self.engine.borrow().chain().as_gpu() {
            Some(g) => PointsRenderer::new(g.gpu(), canvas).map_err(err)?,
            None => return Err(err("a CPU chain draws with Canvas 2D: read positions() instead")),
        };
        self.renderer = Some(renderer);
        Ok(())
    }

    /// Draws x_t and up to `trails` earlier states over [−half, half]² on the attached canvas;
    /// `rgba` is 4 numbers in 0–1. Returns false when there is nothing to draw with (CPU, or no
    /// canvas attached), so the page draws itself.
    pub fn draw(&mut self, half: f32, trails: usize, rgba: &[f32]) -> Result<bool, JsError> {
        self.check_device()?;
        let engine = self.engine.borrow();
        let (Some(g), Some(r)) = (engine.chain().as_gpu(), self.renderer.as_mut()) else {
            return Ok(false);
        };
        let color = match rgba {
            [r, g, b, a] => [*r, *g, *b, *a],
            _ => return Err(err("draw needs a colour of 4 numbers (r, g, b, a in 0–1)")),
        };
        r.draw(g, half, trails, color).map_err(err)?;
        Ok(true)
    }

    /// What runs: backend, adapter, the GPU's kernel for the network, model, schedule, ᾱ_T.
    pub fn info(&self) -> Result<JsValue, JsError> {
        let e = self.engine.borrow();
        let (spec, cfg) = (e.spec(), &e.spec().config);
        let info = Info {
            backend: e.backend().name(),
            adapter: e.adapter().map(str::to_string),
            linear_kernel: e.chain().as_gpu().map(|g| g.linear_kernel().name()),
            fallback_reason: e.fallback_reason().map(str::to_string),
            dataset: cfg.dataset.clone(),
            dim: cfg.dim,
            parameterization: cfg.parameterization,
            variance: spec.options.variance,
            schedule: cfg.schedule,
            train_timesteps: cfg.timesteps,
            steps: spec.schedule.len(),
            samples: spec.options.samples,
            seed: spec.options.seed as u32,
            alpha_bar_t: spec.schedule.terminal_alpha_bar(),
        };
        serde_wasm_bindgen::to_value(&info).map_err(err)
    }
}

/// Sizes of the slices of `samples` a burst gives the Web Workers, in proportion to the speeds
/// they ran at in the last one ([`crate::chain::weighted_slice_sizes`]).
#[wasm_bindgen(js_name = sliceShares)]
pub fn slice_shares(samples: usize, speeds: &[f64]) -> Vec<u32> {
    crate::chain::weighted_slice_sizes(samples, speeds)
        .into_iter()
        .map(|n| n as u32)
        .collect()
}

/// The CPU chain of `options` for one Web Worker (`www/js/chain-worker.js`): it runs whichever
/// slice of the samples it is handed, and slices side by side give exactly the one-thread chain's
/// samples (the noise is counter-based, by sample index). Steps forward only.
#[wasm_bindgen]
pub struct WasmChainSlice {
    chain: crate::chain::Chain<crate::model::Denoiser>,
}

#[wasm_bindgen]
impl WasmChainSlice {
    /// `options` are the whole chain's, as `WasmChain` takes them.
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8], options: JsValue) -> Result<WasmChainSlice, JsError> {
        let (spec, model) = spec(weights.to_vec(), options)?;
        let options = crate::chain::ChainOptions {
            keep_history: false,
            ..spec.options.clone()
        };
        let chain = crate::chain::Chain::new(model, spec.schedule.clone(), &options).map_err(err)?;
        Ok(WasmChainSlice { chain })
    }

    /// From state `x` of samples `first..` (row-major) at paper timestep `t`, runs up to `count`
    /// steps and returns every state reached, back to back, each of those samples only.
    pub fn run(&mut self, first: usize, t: usize, x: &[f32], count: usize) -> Result<js_sys::Float32Array, JsError> {
        self.chain.restore_at(first, t, x).map_err(err)?;
        let n = count.min(t);
        let len = x.len();
        let mut states = Vec::with_capacity(n * len);
        for _ in 0..n {
            self.chain.step().map_err(err)?;
            states.extend_from_slice(self.chain.positions());
        }
        Ok(js_sys::Float32Array::from(states.as_slice()))
    }
}
