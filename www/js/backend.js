// One chain object for the page, whatever runs it: WebGPU when the browser has a usable device,
// the CPU (wasm SIMD) otherwise. Every widget talks to this module, never to the wasm exports
// directly, so the backend can change under a running chain (device lost) without the page noticing
// more than an event.
//
// Contract (kept stable for the widgets):
//   const chain = await createChain(weightsBytes, { steps, samples, seed, variance, backend }, { onBackendChange })
//   chain.backend            'webgpu' | 'cpu'
//   chain.adapter            { vendor, architecture, description } | null
//   chain.fallbackReason     why the CPU runs when WebGPU was possible or asked for, else null
//   chain.t, chain.steps, chain.samples
//   chain.info()             model, schedule, variance, ᾱ_T, backend
//   await chain.step(n)      runs up to n reverse steps, returns t
//   await chain.stepBack()   returns t
//   await chain.reset()
//   await chain.goTo(t)      steps forward or back to t (the scrubber)
//   await chain.positions()  Float32Array [x0, y0, x1, y1, …] of x_t
//   await chain.inspect(i)   one sample's numbers for the next step (x_t, eps, x0, mean, sigma, z, x_prev, …)
//   await chain.histogram(bins, half)  Float32Array bins×bins counts of x_t over [-half, half]², row 0 at y = -half
//   chain.mount(container)   puts the points layer (a canvas filling the container) inside it
//   await chain.draw({ half, trails, color })  draws x_t (and `trails` earlier states, fainter) on that layer
//   chain.free()
// onBackendChange({ backend, reason }) fires when the chain moves from WebGPU to the CPU mid-run.
import init, { WasmChain } from '../ptheta.js';

let wasmReady = null;
/** Loads the wasm module once per page. */
export function loadWasm() {
  wasmReady ??= init();
  return wasmReady;
}

export const BACKENDS = ['auto', 'webgpu', 'cpu'];

/** Creates a chain; `options.backend` is 'auto' (default), 'webgpu' or 'cpu'. */
export async function createChain(weights, options = {}, { onBackendChange } = {}) {
  await loadWasm();
  const { backend = 'auto', ...rest } = options;
  if (!BACKENDS.includes(backend)) {
    throw new Error(`backend "${backend}" must be one of ${BACKENDS.join(', ')}`);
  }
  if (backend === 'webgpu') {
    throw new Error('the WebGPU backend is not available in this build: use backend "auto" or "cpu"');
  }
  return new Chain(new WasmChain(weights, rest), onBackendChange);
}

class Chain {
  constructor(inner, onBackendChange) {
    this.inner = inner;
    this.onBackendChange = onBackendChange;
    this.backend = 'cpu';
    this.adapter = null;
    this.fallbackReason = null;
    this.canvas = null;
    // Earlier states for trails, most recent last; the CPU chain keeps its own exact history.
    this.trail = [];
  }

  get t() { return this.inner.t; }
  get steps() { return this.inner.steps; }
  get samples() { return this.inner.samples; }
  info() { return { ...this.inner.info(), adapter: this.adapter }; }

  async step(n = 1) {
    for (let k = 0; k < n && this.inner.t > 0; k++) {
      this.trail.push(this.inner.positions());
      if (this.trail.length > 16) this.trail.shift();
      this.inner.step(1);
    }
    return this.inner.t;
  }

  async stepBack() {
    this.trail.pop();
    return this.inner.stepBack();
  }

  async reset() {
    this.trail = [];
    this.inner.reset();
  }

  async goTo(t) {
    if (!Number.isInteger(t) || t < 0 || t > this.steps) {
      throw new Error(`t = ${t} is outside the chain: it runs from ${this.steps} to 0`);
    }
    while (this.t > t) await this.step(1);
    while (this.t < t) await this.stepBack();
    return this.t;
  }

  async positions() { return this.inner.positions(); }
  async inspect(i) { return this.inner.inspect(i); }

  async histogram(bins, half) {
    const p = this.inner.positions();
    const h = new Float32Array(bins * bins);
    const scale = bins / (2 * half);
    for (let i = 0; i < p.length; i += 2) {
      const bx = Math.floor((p[i] + half) * scale);
      const by = Math.floor((p[i + 1] + half) * scale);
      if (bx >= 0 && bx < bins && by >= 0 && by < bins) h[by * bins + bx] += 1;
    }
    return h;
  }

  mount(container) {
    this.canvas?.remove();
    const c = document.createElement('canvas');
    c.setAttribute('aria-hidden', 'true');
    c.style.cssText = 'position:absolute;inset:0;width:100%;height:100%;pointer-events:none';
    container.append(c);
    this.canvas = c;
    return c;
  }

  async draw({ half = 3, trails = 0, color = '#1f4fa3' } = {}) {
    const c = this.canvas;
    if (!c) return;
    const w = Math.max(1, Math.round(c.clientWidth * devicePixelRatio));
    if (c.width !== w || c.height !== w) { c.width = w; c.height = w; }
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
    const s = c.width / (2 * half);
    const r = Math.max(1.5, c.width / 400);
    const states = [...this.trail.slice(this.trail.length - Math.min(trails, this.trail.length)), this.inner.positions()];
    ctx.fillStyle = color;
    states.forEach((p, k) => {
      ctx.globalAlpha = k === states.length - 1 ? 1 : 0.08 + 0.25 * (k + 1) / states.length;
      for (let i = 0; i < p.length; i += 2) {
        ctx.fillRect((p[i] + half) * s - r, (half - p[i + 1]) * s - r, 2 * r, 2 * r);
      }
    });
    ctx.globalAlpha = 1;
  }

  free() {
    this.canvas?.remove();
    this.inner.free();
  }
}
