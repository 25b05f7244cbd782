// A CPU chain split across Web Workers (chain-worker.js), one contiguous slice of samples each.
// The noise is counter-based by sample index (src/diffusion/rng.rs) and each slice starts at its
// first sample's x_T, so the workers' positions side by side are exactly the one-thread chain's
// (tests/slices.rs natively; `cargo xtask bench` checks it in the browser). Forward steps only.

/** Sizes of `workers` contiguous slices of `samples`, the first ones one larger. */
export function sliceSizes(samples, workers) {
  const n = Math.max(1, Math.min(workers, samples));
  return Array.from({ length: n }, (_, i) => Math.floor(samples / n) + (i < samples % n ? 1 : 0));
}

export class SplitChain {
  /**
   * `module`: the URL of ptheta.js; `weights`: the safetensors bytes; `options`: as for
   * WasmChain (`samples` is the whole chain's); `workers`: how many (default: every core).
   */
  static async create({ module, weights, options, workers = navigator.hardwareConcurrency || 1 }) {
    const chain = new SplitChain();
    const url = new URL('./chain-worker.js', import.meta.url);
    let first = 0;
    chain.slices = sliceSizes(options.samples, workers).map((samples) => {
      const worker = new Worker(url, { type: 'module' });
      const slice = { worker, first, samples, positions: null };
      first += samples;
      return slice;
    });
    chain.samples = options.samples;
    await chain.#all((s) => ({ type: 'init', module, weights: weights.slice().buffer, options: { ...options, samples: s.samples }, first: s.first }));
    return chain;
  }

  /** Runs up to `count` steps in every slice; resolves to the new t. */
  async step(count) {
    const ts = await this.#all(() => ({ type: 'step', count }));
    return ts[0];
  }

  /** x_t of every sample, row-major, as the one-thread chain orders them. */
  positions() {
    const dim = this.slices[0].positions.length / this.slices[0].samples;
    const out = new Float32Array(this.samples * dim);
    for (const s of this.slices) out.set(s.positions, s.first * dim);
    return out;
  }

  free() {
    for (const s of this.slices) s.worker.terminate();
  }

  #all(message) {
    return Promise.all(this.slices.map((s) => new Promise((resolve, reject) => {
      s.worker.onmessage = ({ data }) => {
        if (data.type === 'error') reject(new Error(data.message));
        else { s.positions = data.positions; resolve(data.t); }
      };
      s.worker.onerror = (e) => reject(new Error(e.message));
      const m = message(s);
      s.worker.postMessage(m, m.weights ? [m.weights] : []);
    })));
  }
}
