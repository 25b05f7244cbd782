// The CPU chain's steps split across Web Workers (chain-worker.js), one contiguous slice of samples
// each. The page's chain (backend.js) keeps the state, the history and everything it reads; for a
// burst of steps it hands each worker its slice of x_t, the workers step their slices, and the page
// chain adopts the states they send back. The noise is counter-based by sample index
// (src/diffusion/rng.rs), so the result is exactly the one-thread chain's (tests/slices.rs natively,
// `cargo xtask bench` and hardening.spec.mjs in the browser). Plain messages, no SharedArrayBuffer:
// the page needs no cross-origin isolation.

import { sliceSizes } from '../ptheta.js';

/**
 * A module worker for `url`. A worker script must have the page's origin, so when the widgets are
 * served from another origin the worker is a same-origin blob that imports the real one (which
 * then needs the CORS header the widgets need anyway; a CSP without blob: refuses it, and the
 * chain stays on one thread).
 */
function moduleWorker(url) {
  if (url.origin === location.origin) return new Worker(url, { type: 'module' });
  const blob = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(blob), { type: 'module' });
}

export class SplitChain {
  #queue = Promise.resolve();

  /**
   * `module`: the URL of ptheta.js; `wasm`: the compiled WebAssembly.Module the page runs (so
   * the workers run the same build, and none compiles it again); `weights`: the safetensors bytes; `options`: the chain's
   * resolved options (variance, steps, samples, seed: the page chain's own, so both run the same
   * chain); `workers`: how many (default: every core). Rejects if a worker cannot start.
   */
  static async create({ module, wasm, weights, options, workers = navigator.hardwareConcurrency || 1 }) {
    const chain = new SplitChain();
    const url = new URL('./chain-worker.js', import.meta.url);
    let first = 0;
    chain.samples = options.samples;
    chain.slices = [];
    try {
      // the main thread's wasm module is loaded: the chain it splits was made there
      for (const samples of sliceSizes(options.samples, workers)) {
        chain.slices.push({ worker: moduleWorker(url), first, samples });
        first += samples;
      }
      await chain.#all((s) => ({
        message: { type: 'init', module: String(module), wasm, weights: weights.slice().buffer, options: { ...options, samples: s.samples }, first: s.first },
        transfer: [],
      }));
    } catch (e) {
      chain.free();
      throw e;
    }
    return chain;
  }

  /** How many workers run the slices. */
  get workers() { return this.slices.length; }

  /**
   * From `x` (x_t of every sample, row-major) at paper timestep `t`, runs up to `count` steps in
   * every slice; resolves to every state reached, back to back, each ordered as the one-thread
   * chain orders its samples: what WasmChain.adopt takes.
   */
  run(t, x, count) {
    const work = this.#queue.then(async () => {
      const dim = x.length / this.samples;
      const parts = await this.#all((s) => {
        const slice = x.slice(s.first * dim, (s.first + s.samples) * dim);
        return { message: { type: 'run', t, x: slice, count }, transfer: [slice.buffer] };
      });
      const steps = parts[0].length / (this.slices[0].samples * dim);
      const out = new Float32Array(steps * x.length);
      this.slices.forEach((s, i) => {
        const n = s.samples * dim;
        for (let k = 0; k < steps; k++) out.set(parts[i].subarray(k * n, (k + 1) * n), k * x.length + s.first * dim);
      });
      return out;
    });
    this.#queue = work.catch(() => {});
    return work;
  }

  free() {
    for (const s of this.slices ?? []) s.worker.terminate();
    this.slices = [];
  }

  #all(make) {
    return Promise.all(this.slices.map((s) => new Promise((resolve, reject) => {
      s.worker.onmessage = ({ data }) => {
        if (data.type === 'error') reject(new Error(data.message));
        else resolve(data.states);
      };
      s.worker.onerror = (e) => { e.preventDefault?.(); reject(new Error(e.message || 'a chain worker could not start')); };
      const { message, transfer } = make(s);
      if (message.weights) transfer.push(message.weights);
      s.worker.postMessage(message, transfer);
    })));
  }
}
