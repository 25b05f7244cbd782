// The CPU chain's steps split across Web Workers (chain-worker.js). The page's chain (backend.js)
// keeps the state, the history and everything it reads; a burst of steps gives each worker a
// contiguous slice of x_t, sized by how fast that worker ran the last burst (Rust's sliceShares),
// and the page chain adopts the states put back together. A core that other work slows (a
// laptop's efficiency cores, a busy machine) so gets fewer samples instead of holding up the burst. The noise is counter-based by sample index
// (src/diffusion/rng.rs), so the result is exactly the one-thread chain's (tests/slices.rs natively,
// `cargo xtask bench` and hardening.spec.mjs in the browser). Plain messages, no SharedArrayBuffer:
// the page needs no cross-origin isolation.

import { sliceShares } from '../ptheta.js';

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
    chain.samples = options.samples;
    chain.slices = [];
    try {
      // the main thread's wasm module is loaded: the chain it splits was made there
      for (let i = 0; i < Math.min(workers, options.samples); i++) chain.slices.push(SplitChain.#slice(url));
      await Promise.all(chain.slices.map((s) => {
        const bytes = weights.slice().buffer;
        return chain.#ask(s, { type: 'init', module: String(module), wasm, weights: bytes, options }, [bytes]);
      }));
    } catch (e) {
      chain.free();
      throw e;
    }
    return chain;
  }

  /** A worker and the requests it has yet to answer; a failure fails them all. */
  static #slice(url) {
    const s = { worker: moduleWorker(url), waiting: [] };
    const fail = (message) => { for (const w of s.waiting.splice(0)) w.reject(new Error(message)); };
    s.worker.onmessage = ({ data }) => {
      if (data.type === 'error') fail(data.message);
      else s.waiting.shift()?.resolve(data);
    };
    s.worker.onerror = (e) => { e.preventDefault?.(); fail(e.message || 'a chain worker could not start'); };
    return s;
  }

  /** How many workers run the slices. */
  get workers() { return this.slices.length; }

  /**
   * From `x` (x_t of every sample, row-major) at paper timestep `t`, runs up to `count` steps,
   * each worker its slice; resolves to every state reached, back to back, each ordered as the
   * one-thread chain orders its samples: what WasmChain.adopt takes. Each worker's speed (samples
   * a millisecond, timed in the worker: the page's own delays, a frame being drawn, are not the
   * core's) sizes its slice in the next burst; `lastShares` holds this burst's slice sizes.
   */
  run(t, x, count) {
    const work = this.#queue.then(async () => {
      const dim = x.length / this.samples;
      const steps = Math.min(count, t);
      const out = new Float32Array(steps * x.length);
      const shares = Array.from(sliceShares(this.samples, this.slices.map((s) => s.speed ?? 0)));
      let first = 0;
      await Promise.all(shares.map((samples, i) => {
        const s = this.slices[i];
        const start = first;
        first += samples;
        const slice = x.slice(start * dim, (start + samples) * dim);
        return this.#ask(s, { type: 'run', first: start, t, x: slice, count }, [slice.buffer]).then(({ states, ms }) => {
          // the mean of this burst's speed and the last estimate: one burst's hiccup moves the
          // next slice half as far
          const speed = (samples * steps) / Math.max(ms, 1e-3);
          s.speed = s.speed ? (s.speed + speed) / 2 : speed;
          const n = samples * dim;
          for (let k = 0; k < steps; k++) out.set(states.subarray(k * n, (k + 1) * n), k * x.length + start * dim);
        });
      }));
      this.lastShares = shares;
      return out;
    });
    this.#queue = work.catch(() => {});
    return work;
  }

  free() {
    for (const s of this.slices ?? []) s.worker.terminate();
    this.slices = [];
  }

  /**
   * Posts `message` to one worker; resolves to its answer. A worker answers in order,
   * so the answers settle its waiting requests first to last.
   */
  #ask(s, message, transfer = []) {
    return new Promise((resolve, reject) => {
      s.waiting.push({ resolve, reject });
      s.worker.postMessage(message, transfer);
    });
  }
}
