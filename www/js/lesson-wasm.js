// The wasm module, loaded once per page and shared by the chain (backend.js), the lesson's own
// exports (src/wasm_lesson.rs) and the catalog (src/wasm_catalog.rs): every name, limit, default,
// drawing rule and shipped model the widgets use comes from `catalog()`, never from a list here.
import init, * as wasm from '../ptheta.js';
import * as features from '../wasm-feature-detect/index.js';
import { siteUrl } from './assets.js';
import { WASM_BUILDS } from './wasm-builds.js';

/**
 * The build of the wasm module this browser runs (wasm-builds.js): the first whose features it
 * has. A page (or a test) may name one up front with globalThis.PTHETA_WASM_BUILD.
 */
async function chooseBuild() {
  const asked = globalThis.PTHETA_WASM_BUILD;
  if (asked !== undefined) {
    const build = WASM_BUILDS.find((b) => b.name === asked);
    if (!build) throw new Error(`PTHETA_WASM_BUILD is '${asked}'; the builds are ${WASM_BUILDS.map((b) => b.name).join(', ')}`);
    return build;
  }
  for (const build of WASM_BUILDS) {
    const has = await Promise.all(build.needs.map((f) => features[f]()));
    if (has.every(Boolean)) return build;
  }
  throw new Error('no build of pθ runs in this browser');
}

/** Compiles the module at `url`, streaming where the host sends it as application/wasm. */
async function compile(url) {
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status}`);
    return WebAssembly.compile(await res.arrayBuffer());
  }
}

let wasmReady = null;
/**
 * Loads the wasm module once per page; resolves to { build, module }: the build's entry in
 * wasm-builds.js and the compiled WebAssembly.Module, which Web Workers instantiate without
 * compiling it again.
 */
export function loadWasm() {
  wasmReady ??= (async () => {
    const build = await chooseBuild();
    const module = await compile(siteUrl(build.file));
    await init({ module_or_path: module });
    return { build, module };
  })();
  return wasmReady;
}

/** The wasm exports, once loaded. */
export async function lessonApi() {
  await loadWasm();
  return wasm;
}

let catalogValue = null;
let catalogPromise = null;
/**
 * The catalog (shape: src/wasm_catalog.rs): datasets, parameterizations in lesson order, variances,
 * plotSchedules, backends, draws, limits, defaults, view, models. Read once per page.
 */
export function catalog() {
  catalogPromise ??= loadWasm().then(() => {
    catalogValue = wasm.catalog();
    return catalogValue;
  });
  return catalogPromise;
}

/** The catalog if it has been read already (after any `await catalog()`), else null. */
export function catalogNow() {
  return catalogValue;
}

/** The catalog entry of parameterization `name` ({ name, variances, defaultVariance, tex, meanFrom }). */
export function parameterizationOf(cat, name) {
  return cat.parameterizations.find((p) => p.name === name) ?? null;
}

/** The parameterizations shipped for dataset `name`. */
export function shippedFor(cat, name) {
  return cat.datasets.find((d) => d.name === name)?.parameterizations ?? [];
}

/** The dataset the comparison and the lesson's figures use: the one with the most shipped parameterizations. */
export function compareDataset(cat) {
  return cat.datasets.reduce((a, b) => (b.parameterizations.length > a.parameterizations.length ? b : a)).name;
}

/** The figures measured for the chain with this variance and these steps, or null. */
export function figuresFor(model, variance, steps) {
  return model?.evals.find((e) => e.variance === variance && e.steps === steps) ?? null;
}

/** The shipped model of (dataset, parameterization), with its recorded figures, or null. */
export function modelFor(cat, dataset, parameterization) {
  return cat.models.find((m) => m.dataset === dataset && m.parameterization === parameterization) ?? null;
}

/**
 * Settles once no <ptheta-chain> of the page is loading: when none is (none on the page, or each
 * still waiting to be scrolled to, or drawn), else at the first one's `ptheta-ready` (or
 * `ptheta-error`). A chain that has not yet learnt whether it is near enough the view to start
 * (its `placed`) is waited for first. Work that can wait (the panels' first render, a quiz's
 * generated numbers, another model's weights) waits for it, so the chain's own download and first
 * frame come first.
 */
export async function chainsDrawn() {
  const chains = [...document.querySelectorAll('ptheta-chain')];
  // the chain's module waits for the catalog before it defines the element, so other widgets may
  // be defined (and call this) first
  if (chains.length) await customElements.whenDefined('ptheta-chain');
  await Promise.all(chains.map((c) => c.placed));
  const loading = chains.some((c) => c.isConnected && c.dataset.state === 'loading');
  if (!loading) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      document.removeEventListener('ptheta-ready', done);
      document.removeEventListener('ptheta-error', done);
      // after the frame that shows the points (a hidden page draws no frames: not long after)
      requestAnimationFrame(() => resolve());
      setTimeout(resolve, 100);
    };
    document.addEventListener('ptheta-ready', done);
    document.addEventListener('ptheta-error', done);
  });
}

/** Where a shipped model's weights are served: beside the widgets, wherever the page is. */
export const weightsUrl = (model) => siteUrl(`weights/${model.file}`).href;

/**
 * Weights files are fetched once per page and shared by every widget that needs them.
 * `onProgress(fraction)` is called while the body arrives when its size is known (a later caller
 * of a download in flight joins its progress; a finished one reports nothing). `signal` (an
 * AbortSignal) withdraws this caller: its promise rejects with an AbortError at once, and when
 * every caller of a download in flight has withdrawn, the download itself is cancelled, so a
 * widget removed mid-load leaves no transfer running behind it.
 */
const cache = new Map();
export function fetchWeights(url, { onProgress, signal } = {}) {
  if (signal?.aborted) return Promise.reject(signal.reason);
  let entry = cache.get(url);
  if (!entry) {
    const controller = new AbortController();
    entry = { listeners: new Set(), waiting: 0, settled: false, controller };
    entry.promise = download(url, controller.signal, (f) => { for (const l of entry.listeners) l(f); })
      .catch((e) => { if (cache.get(url) === entry) cache.delete(url); throw e; })
      .finally(() => { entry.settled = true; entry.listeners.clear(); });
    // a download cancelled because nobody waits for it any more has nobody to tell
    entry.promise.catch(() => {});
    cache.set(url, entry);
  }
  if (onProgress) entry.listeners.add(onProgress);
  if (!signal) {
    entry.waiting = Infinity;
    return entry.promise;
  }
  entry.waiting++;
  const e = entry;
  return new Promise((resolve, reject) => {
    const withdraw = () => {
      if (onProgress) e.listeners.delete(onProgress);
      reject(signal.reason);
      if (--e.waiting === 0 && !e.settled) {
        e.controller.abort(signal.reason);
        if (cache.get(url) === e) cache.delete(url);
      }
    };
    signal.addEventListener('abort', withdraw, { once: true });
    e.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', withdraw));
  });
}

async function download(url, signal, progress) {
  // the browser's own message ("Failed to fetch") says neither what nor where
  const res = await fetch(url, { signal }).catch((e) => { throw signal.aborted ? e : new Error(`could not load weights from ${url}: ${e.message}`); });
  if (!res.ok) throw new Error(`could not load weights from ${url}: HTTP ${res.status}`);
  // A host that compresses (gzip) announces the compressed length: the weights are a little larger,
  // so the length is the first guess of the buffer's size and the progress's, not a limit.
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body || !total) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  let bytes = new Uint8Array(total);
  let got = 0;
  progress(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // the catalog's limit, checked as the bytes arrive: a host sending far more is stopped here
    const limit = catalogValue?.limits.weightsBytes.max ?? Infinity;
    if (got + value.length > limit) {
      reader.cancel().catch(() => {});
      throw new Error(`weights from ${url} are larger than ${limit} bytes, the most a weights file may have`);
    }
    if (got + value.length > bytes.length) {
      const grown = new Uint8Array(Math.max(2 * bytes.length, got + value.length));
      grown.set(bytes.subarray(0, got));
      bytes = grown;
    }
    bytes.set(value, got);
    got += value.length;
    progress(Math.min(1, got / total));
  }
  return bytes.subarray(0, got);
}
