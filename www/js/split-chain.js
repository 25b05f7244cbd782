// The CPU chain's steps split across Web Workers (chain-worker.js). The page's chain (backend.js)
// keeps the state, the history and everything it reads; a burst of steps cuts x_t into contiguous
// pieces (Rust's pieceSizes: a few per worker), each worker takes the next piece as soon as it has
// sent back the last, and the page chain adopts the states put back together. A core that other
// work slows (a laptop's efficiency cores, a busy machine) so takes fewer pieces instead of holding
// up the burst. The noise is counter-based by sample index
// (src/diffusion/rng.rs), so the result is exactly the one-thread chain's (tests/slices.rs natively,
// `cargo xtask bench` and hardening.spec.mjs in the browser). Plain messages, no SharedArrayBuffer:
// the page needs no cross-origin isolation.

import { pieceSizes } from '../ptheta.js';

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
    chain.pieces = [];
    let first = 0;
    for (const samples of pieceSizes(options.samples, workers)) {
      chain.pieces.push({ first, samples });
      first += samples;
    }
    chain.slices = [];
    try {
      // the main thread's wasm module is loaded: the chain it splits was made there
      for (let i = 0; i < Math.min(workers, chain.pieces.length); i++) chain.slices.push({ worker: moduleWorker(url) });
      await Promise.all(chain.slices.map((s) => chain.#ask(s, {
        type: 'init', module: String(module), wasm, weights: weights.slice().buffer, options,
      }, true)));
    } catch (e) {
      chain.free();
      throw e;
    }
    return chain;
  }

  /** How many workers run the pieces. */
  get workers() { return this.slices.length; }

  /**
   * From `x` (x_t of every sample, row-major) at paper timestep `t`, runs up to `count` steps of
   * every piece, each worker taking the next piece when it is free; resolves to every state
   * reached, back to back, each ordered as the one-thread chain orders its samples: what
   * WasmChain.adopt takes. `lastShares` then holds how many pieces each worker ran.
   */
  run(t, x, count) {
    const work = this.#queue.then(async () => {
      const dim = x.length / this.samples;
      const steps = Math.min(count, t);
      const out = new Float32Array(steps * x.length);
      const shares = this.slices.map(() => 0);
      let next = 0;
      const take = async (s, i) => {
        while (next < this.pieces.length) {
          const { first, samples } = this.pieces[next++];
          const piece = x.slice(first * dim, (first + samples) * dim);
          const states = await this.#ask(s, { type: 'run', first, t, x: piece, count }, false, [piece.buffer]);
          const n = samples * dim;
          for (let k = 0; k < steps; k++) out.set(states.subarray(k * n, (k + 1) * n), k * x.length + first * dim);
          shares[i]++;
        }
      };
      await Promise.all(this.slices.map(take));
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

  /** Posts `message` to one worker; resolves to its answer's states. */
  #ask(s, message, transferWeights, transfer = []) {
    return new Promise((resolve, reject) => {
      s.worker.onmessage = ({ data }) => {
        if (data.type === 'error') reject(new Error(data.message));
        else resolve(data.states);
      };
      s.worker.onerror = (e) => { e.preventDefault?.(); reject(new Error(e.message || 'a chain worker could not start')); };
      s.worker.postMessage(message, transferWeights ? [...transfer, message.weights] : transfer);
    });
  }
}
