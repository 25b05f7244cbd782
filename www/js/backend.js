// One chain object for the page, whatever runs it: WebGPU when the browser has a usable device,
// the CPU (wasm SIMD) otherwise. Every widget talks to this module, never to the wasm exports
// directly, so the backend can change under a running chain (device lost) without the page noticing
// more than an event.
//
// Contract (kept stable for the widgets):
//   const chain = await createChain(weightsBytes, { steps, samples, seed, variance, backend }, { onBackendChange })
//   chain.backend            the backend running it: webgpu or cpu
//   chain.adapter            { vendor, architecture, description } | null
//   chain.fallbackReason     why the CPU runs when WebGPU was possible or asked for, else null
//   chain.t, chain.steps, chain.samples
//   chain.info()             model, schedule, variance, ᾱ_T, backend
//   await chain.step(n)      runs up to n reverse steps, returns t
//   await chain.stepBack()   returns t
//   await chain.reset()
//   await chain.goTo(t, { signal, onProgress })  steps forward or back to t (the scrubber, a
//                            link's t). Forward moves run in bursts of at most about BURST_MS,
//                            yielding to the event loop between bursts; `signal` (an AbortSignal)
//                            stops them at the t reached, `onProgress(fraction)` follows them.
//                            Returns the t reached.
//   await chain.positions()  Float32Array [x0, y0, x1, y1, …] of x_t (`dim` values a sample)
//   await chain.predictions(count)  Float32Array of x̂_0 of the first `count` samples (all when
//                            absent), laid out the same, as the network predicts it at t (refused
//                            at t = 0): what a grid of images shows beside x_t
//   await chain.inspect(i)   one sample's numbers for the next step (x_t, eps, x0, mean, sigma, z, x_prev, …)
//   await chain.histogram(bins, half)  Float32Array bins×bins counts of x_t over [-half, half]², row 0 at y = -half
//   chain.mount(container)   puts the points layer (a canvas filling the container) inside it
//   await chain.draw({ half, trails, color })  draws x_t (and `trails` earlier states, fainter) on that layer
//   chain.free()             frees the wasm chain (a second call does nothing)
//   liveChains()             chains created and not yet freed, page-wide (tests count leaks with it)
//   chain.mappings           GPU buffer mappings made so far (the animation loop makes none)
//   createChain(…, { workers }) true: split a CPU chain across workers whatever its samples; false:
//     never; absent: the catalog's rule. { lookahead: false }: the workers run no burst ahead (a
//     benchmark timing each burst; the page lets the next frame's run while it draws)
//   createChain(…, { gpuDraw: false }) draws a WebGPU chain with Canvas 2D from a readback per
//     frame, for browsers that cannot present a WebGPU canvas (headless Chromium on SwiftShader)
//   chain.loseDevice()       destroys the WebGPU device, as a driver reset would (tests, demos)
//   chain.workers            threads stepping a CPU chain: one per core once its Web Workers are
//                            up (split-chain.js; from the catalog's view.workerMinSamples samples,
//                            with exactly the one-thread samples), else 1
//   await chain.workersReady()  resolves once the workers run the steps, or it is settled that
//                            they will not (a worker that cannot start leaves the chain on one thread)
// onBackendChange({ backend, reason }) fires when the chain moves from WebGPU to the CPU mid-run
// (it is also kept as the property chain.onBackendChange). The points layer is a canvas that
// drawImage can copy in both backends.
import { WasmChain } from '../ptheta.js';
import { loadWasm, catalog } from './lesson-wasm.js';
import { SplitChain } from './split-chain.js';
import { sizeCanvas, drawTrails, rgba } from './draw.js';

export { loadWasm };

let adapterInfoOnce = null;
/**
 * Vendor and architecture as the browser reports them (wgpu does not pass them on). Asked once,
 * before wgpu's own request: Chromium destroys existing devices when another adapter is requested.
 */
function adapterInfo() {
  adapterInfoOnce ??= requestAdapterInfo();
  return adapterInfoOnce;
}

async function requestAdapterInfo() {
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    const info = adapter?.info;
    return info ? { vendor: info.vendor, architecture: info.architecture, description: info.description } : null;
  } catch {
    return null;
  }
}

// Set when a device was lost after WebGPU drew on a canvas: some browsers (headless Chromium on
// SwiftShader) compute with WebGPU but lose the device when presenting a canvas. Later chains on
// the page then keep WebGPU for the chain and draw with Canvas 2D. A page (or test) may decide up
// front with globalThis.PTHETA_GPU_DRAW = false.
let canvasPresentationFailed = false;

/** Chains created here and not yet freed. */
let live = 0;
/** How many chains are created and not yet freed: a widget that drops one without freeing it leaks wasm memory. */
export const liveChains = () => live;

/**
 * Longest a burst of forward steps should block the page, in ms: a far t (the whole training
 * chain of thousands of samples takes minutes on the CPU) must leave the page able to draw and
 * answer Pause.
 */
const BURST_MS = 50;
/**
 * The same for a chain whose steps run in its workers: the page is not blocked, so a burst may
 * be longer and need fewer messages; how long it takes is only how late Pause takes effect.
 */
export const WORKER_BURST_MS = 200;

/** Lets the browser handle input and draw before the next burst. */
const yieldToPage = () => new Promise((resolve) => { setTimeout(resolve, 0); });

/**
 * Creates a chain; `options.backend` is one of the catalog's backends (the wasm chain checks it
 * and picks its default, `auto`, when it is absent).
 */
export async function createChain(weights, options = {}, { onBackendChange, gpuDraw, workers, lookahead = true } = {}) {
  gpuDraw ??= !canvasPresentationFailed && globalThis.PTHETA_GPU_DRAW !== false;
  const { build } = await loadWasm();
  // Before wgpu's own request, whatever the backend: asking later would destroy its device. A
  // CPU chain asks too (harmless: no device exists before the first WebGPU chain has asked).
  const info = await adapterInfo();
  const inner = await WasmChain.create(weights, options);
  live++;
  const chain = new Chain(inner, onBackendChange);
  chain.gpuDraw = gpuDraw;
  /** The wasm build computing on the CPU (wasm-builds.js). */
  chain.build = build.name;
  chain.weights = weights;
  chain.lookahead = lookahead;
  chain.workerMinSamples = workers === true ? 1 : workers === false ? Infinity : (await catalog()).view.workerMinSamples;
  if (inner.onGpu) chain.adapter = info;
  else chain.startWorkers();
  return chain;
}

class Chain {
  constructor(inner, onBackendChange) {
    this.inner = inner;
    this.onBackendChange = onBackendChange;
    this.backend = inner.backend;
    this.adapter = null;
    this.fallbackReason = inner.fallbackReason ?? null;
    this.canvas = null;
    this.container = null;
    this.split = null;
    this.splitting = null;
  }

  /** Threads stepping the chain. */
  get workers() { return this.split?.workers ?? 1; }

  /**
   * Starts the Web Workers that share a CPU chain's steps, where there are cores to share them
   * and enough samples to be worth the messages. The chain steps on one thread until they are up.
   */
  startWorkers() {
    const cores = navigator.hardwareConcurrency || 1;
    if (this.split || this.splitting || !this.inner || this.inner.onGpu || cores < 2
      || this.inner.samples < this.workerMinSamples) return;
    const { variance, steps, samples, seed } = this.inner.info();
    this.splitting = loadWasm().then(({ module: wasm }) => SplitChain.create({
      module: new URL('../ptheta.js', import.meta.url),
      wasm,
      weights: this.weights,
      options: { variance, steps, samples, seed },
      workers: cores,
    })).then((split) => {
      if (this.inner) this.split = split;
      else split.free();
    }, (e) => {
      this.workerFailure = e.message;
    });
  }

  async workersReady() { await this.splitting; }

  get t() { return this.inner.t; }
  get steps() { return this.inner.steps; }
  get samples() { return this.inner.samples; }
  /** Whether a GPU device runs the chain now: it draws from its buffers, and reads cost a mapping. */
  get onGpu() { return this.inner.onGpu; }
  get mappings() { return this.inner.mappings; }
  info() { return { ...this.inner.info(), adapter: this.adapter }; }

  /** Notices a move to the CPU (device lost) and gives the points layer a fresh canvas. */
  #sync() {
    if (this.inner.backend === this.backend) return;
    if (this.drewOnGpu) canvasPresentationFailed = true;
    this.backend = this.inner.backend;
    this.fallbackReason = this.inner.fallbackReason ?? null;
    this.adapter = null;
    this.startWorkers();
    // a canvas that had a WebGPU context cannot get a 2-D one
    if (this.container) this.mount(this.container);
    this.onBackendChange?.({ backend: this.backend, reason: this.fallbackReason });
  }

  /** Runs `fn` against the wasm chain, then notices a backend change. */
  async #call(fn) {
    try {
      return await fn();
    } finally {
      this.#sync();
    }
  }

  async step(n = 1) {
    if (this.split && !this.inner.onGpu && n > 0 && this.inner.t > 0) return this.#splitStep(n);
    return this.#call(() => this.inner.step(n));
  }

  /**
   * Up to n steps run by the workers, adopted by this chain (history and all). The next burst of
   * as many steps starts at once, while the page draws this one: a playing chain asks for it
   * next, and any other move leaves it unused (x_t at a given t is always the same, so a burst
   * started from there stays valid until the chain is freed).
   */
  async #splitStep(n) {
    const t = this.inner.t;
    const count = Math.min(n, t);
    const ahead = this.ahead?.t === t && this.ahead.count === count ? this.ahead.states : null;
    this.ahead = null;
    let states;
    try {
      states = await (ahead ?? this.split.run(t, await this.inner.positions(), count));
    } catch (e) {
      // a worker that fails leaves the chain on one thread, where it goes on
      this.split.free();
      this.split = null;
      this.workerFailure = e.message;
      return this.inner ? this.#call(() => this.inner.step(n)) : null;
    }
    // freed, or moved by someone else while the workers ran: these states start from another x_t
    if (!this.inner || this.inner.t !== t) return this.inner?.t ?? null;
    const reached = await this.#call(() => this.inner.adopt(states));
    const next = Math.min(n, reached);
    if (this.split && this.lookahead && next > 0) {
      const run = this.split.run(reached, await this.inner.positions(), next);
      run.catch(() => {}); // seen by the step that uses it, if any
      this.ahead = { t: reached, count: next, states: run };
    }
    return reached;
  }
  async stepBack() { return this.#call(() => this.inner.stepBack()); }
  async reset() { return this.#call(() => { this.inner.reset(); }); }

  /**
   * Steps forward or back to t; the engine refuses a t outside the chain. Going back restores
   * kept states and is quick; going forward runs the network once a step, so it runs in bursts
   * sized to about BURST_MS, yielding between them, until it reaches t or `signal` aborts.
   */
  async goTo(t, { signal, onProgress } = {}) {
    const from = this.t;
    if (!Number.isInteger(t) || t < 0 || t >= from) return this.#call(() => this.inner.goTo(t));
    // the size learnt by the last call: a playing chain asks for a frame's steps at a time
    let burst = this.burst ?? 1;
    // the signal first: an aborted chain may have been freed since
    while (!signal?.aborted && this.inner && this.t > t) {
      const started = performance.now();
      const count = Math.min(burst, this.t - t);
      await this.step(count);
      if (!this.inner) break;
      const took = performance.now() - started;
      const budget = this.split ? WORKER_BURST_MS : BURST_MS;
      // only a whole burst says how many steps fit: Play asks a frame's few at a time, and a
      // size learnt from those would let a later seek run every step at once, the page frozen
      if (took < budget / 2 && count === burst) burst *= 2;
      else if (took > budget) burst = Math.max(1, burst >> 1);
      this.burst = burst;
      onProgress?.((from - this.t) / (from - t));
      if (this.t > t) await yieldToPage();
    }
    return this.inner ? this.t : null;
  }

  async positions() { return this.#call(() => this.inner.positions()); }
  async predictions(count = this.samples) { return this.#call(() => this.inner.predictions(count)); }
  async inspect(i) { return this.#call(() => this.inner.inspect(i)); }
  async histogram(bins, half) { return this.#call(() => this.inner.histogram(bins, half)); }

  /** Destroys the WebGPU device under the chain; the next call continues on the CPU. */
  loseDevice() { this.inner.loseDevice(); }

  mount(container) {
    this.canvas?.remove();
    this.container = container;
    const c = document.createElement('canvas');
    c.setAttribute('aria-hidden', 'true');
    c.style.cssText = 'position:absolute;inset:0;width:100%;height:100%;pointer-events:none';
    container.append(c);
    this.canvas = c;
    if (this.inner.onGpu && this.gpuDraw) this.inner.attachCanvas(c);
    return c;
  }

  /**
   * Draws x_t and up to `trails` earlier states. Defaults (`half`, the view's extent) come from
   * the catalog's view; `color` is any CSS colour.
   */
  async draw({ half, trails = 0, color = '#1f4fa3' } = {}) {
    const c = this.canvas;
    if (!c) return;
    half ??= (await catalog()).view.half;
    sizeCanvas(c);
    this.inner.checkDevice();
    this.#sync();
    if (this.canvas !== c) return this.draw({ half, trails, color });
    // WebGPU: drawn from the state buffer, nothing read back
    if (this.inner.draw(half, trails, new Float32Array(rgba(color)))) {
      this.drewOnGpu = true;
      return;
    }
    // read first, then clear and draw in one go: clearing before the await would show an empty
    // layer for as long as the readback takes
    const layers = [{ back: 0, points: await this.inner.positions() }];
    // The CPU chain keeps its own history; a WebGPU chain drawn here has its ring on the GPU,
    // which would cost a readback per state, so it draws x_t alone.
    if (!this.inner.onGpu) {
      for (let back = 1; back <= trails; back++) {
        const points = this.inner.earlier(back);
        if (!points) break;
        layers.push({ back, points });
      }
    }
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
    drawTrails(ctx, layers, { half, width: c.width, color });
  }

  free() {
    if (!this.inner) return;
    this.split?.free();
    this.split = null;
    this.canvas?.remove();
    this.inner.free();
    this.inner = null;
    live--;
  }
}
