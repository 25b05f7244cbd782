// The lesson page's own wasm exports (src/wasm_lesson.rs), loaded through the same module and
// instance as the chain (backend.js), so the page instantiates the wasm once.
import { loadWasm } from './backend.js';
import * as wasm from '../ptheta.js';

export async function lessonApi() {
  await loadWasm();
  return wasm;
}

/** Weights files are fetched once per page and shared by every widget that needs them. */
const cache = new Map();
export function fetchWeights(url) {
  if (!cache.has(url)) {
    cache.set(url, fetch(url).then(async (res) => {
      if (!res.ok) throw new Error(`could not load weights from ${url}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    }).catch((e) => { cache.delete(url); throw e; }));
  }
  return cache.get(url);
}

let manifest = null;
/** The shipped models' eval figures (weights/manifest.json), keyed by file name. */
export function evalFigures() {
  manifest ??= fetch('weights/manifest.json').then((r) => {
    if (!r.ok) throw new Error(`could not load weights/manifest.json: HTTP ${r.status}`);
    return r.json();
  }).then((rows) => Object.fromEntries(rows.map((r) => [r.file, r.eval])));
  return manifest;
}
