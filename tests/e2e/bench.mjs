// Benchmark (not a test): milliseconds per reverse step of the shipped default model, side by side
// in ONE headless Chromium run: pθ's CPU chain (the fused forward, one thread, in the build this
// Chromium's pages run, relaxed SIMD, and in the simd128 build other browsers run; and split
// across one Web Worker per core, www/js/split-chain.js), the same chain through candle's
// forward, pθ on WebGPU (SwiftShader here: a CPU rasterizer), and the same network with the same
// weights in TensorFlow.js (wasm backend, SIMD) and ONNX Runtime Web (wasm, one thread)
// (bench/peers.mjs), next to the native chain (one thread). Every figure is the median over ROUNDS
// timed rounds after warm-up; each round runs enough steps to last ≈ 10 ms or more (one step at
// 4096 samples and above), and the page's CPU engines take turns round by round. The workers'
// figure is the page's own chain (backend.js: history kept, states adopted from the workers),
// moved as Play moves it: four bursts a round of the page's size (about WORKER_BURST_MS of
// stepping each), the next burst running ahead while the page adopts the last; the
// burst a round leaves running ahead is waited for and dropped outside the timing. Before timing,
// each peer's output on one batch of 256 samples is checked against pθ's, and the worker-split
// chain's samples against the one-thread chain's (bit for bit). Prints one table (every figure
// with its ratio to the fastest peer), writes target/bench/results.json and results.svg.
// Run with `cargo xtask bench` (it builds dist/ and ptheta, installs the peers with
// `npm ci --prefix bench`). SIZES=… and ROUNDS=… override.
/* global B, tf, ort -- the page's: set up by newPage() and the peers' scripts */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { serveDir } from './serve.mjs';
import { blankPage, launch } from './helpers.mjs';

const SIZES = (process.env.SIZES ?? '256,1024,4096,16384').split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const WARMUP = 2;
const WEIGHTS = 'weights/moons-epsilon.safetensors';
/** Largest |ε̂_peer − ε̂_pθ| accepted on the check batch (ε̂ is of order 1). */
const TOLERANCE = 1e-4;
/**
 * The same for a peer's WebGPU backend: its sin, cos and tanh are the GPU's builtins, whose error
 * WGSL leaves to the implementation (pθ's kernels carry their own, src/gpu/trig.wgsl); measured
 * 2.1e-4 for both peers on SwiftShader, against |ε̂| ≤ 3.3.
 */
const GPU_TOLERANCE = 1e-3;
const perRound = (n) => Math.max(1, Math.round(4096 / n));
const version = (p) => JSON.parse(readFileSync(`bench/node_modules/${p}/package.json`, 'utf8')).version;
const TFJS = version('@tensorflow/tfjs-backend-wasm');
const ORT = version('onnxruntime-web');

const ENGINES = [
  { key: 'ptheta/wasm-relaxed-simd', label: 'pθ CPU (fused, wasm relaxed SIMD)' },
  { key: 'ptheta/wasm-simd128', label: 'pθ CPU (fused, wasm SIMD)' },
  { key: 'ptheta/wasm-relaxed-simd/workers', label: 'pθ CPU, all cores (Web Workers, relaxed SIMD, page bursts)' },
  { key: 'ptheta/wasm-candle', label: 'pθ CPU (candle)' },
  { key: 'ptheta/webgpu-swiftshader', label: 'pθ WebGPU (SwiftShader)' },
  { key: 'tfjs/wasm-simd', label: `TF.js ${TFJS} wasm`, peer: true },
  { key: 'ort-web/wasm-simd', label: `ORT-web ${ORT} wasm`, peer: true },
  { key: 'tfjs/webgpu-swiftshader', label: `TF.js ${TFJS} WebGPU (SwiftShader)` },
  { key: 'ort-web/webgpu-swiftshader', label: `ORT-web ${ORT} WebGPU (SwiftShader)` },
  { key: 'ptheta/native', label: 'pθ native (fused)' },
  { key: 'ptheta/native/threads', label: 'pθ native, all cores (threads)' },
];

const results = [];
let WORKERS = 1;
const CORES = availableParallelism();
const record = (key, samples, ms) => {
  const [engine, backend, workers] = key.split('/');
  // threads: the CPU threads computing (null on WebGPU: the device's own)
  const threads = backend.startsWith('webgpu') ? null : workers === 'threads' ? CORES : workers ? WORKERS : 1;
  results.push({ key, engine, backend, threads, samples, ms_per_step: ms });
};
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// ---- native: `ptheta bench` (one run of 20 steps per size, mean of the 19 after the first), one
// thread and one thread per core (`--threads`: a slice of the samples each), taking turns, ROUNDS times
{
  const runs = { 'ptheta/native': [], 'ptheta/native/threads': [] };
  for (let r = 0; r < Math.min(ROUNDS, 5); r++) {
    for (const [key, threads] of [['ptheta/native', 1], ['ptheta/native/threads', CORES]]) {
      const out = execFileSync('target/release/ptheta', ['bench', '--weights', WEIGHTS, '--steps', '20', '--threads', String(threads), ...SIZES.flatMap((n) => ['--samples', String(n)])],
        { encoding: 'utf8' });
      runs[key].push(out.trim().split('\n').map((l) => JSON.parse(l)));
    }
  }
  for (const [key, rs] of Object.entries(runs)) SIZES.forEach((n, i) => record(key, n, median(rs.map((r) => r[i].ms_per_step))));
}

// ---- the browser: dist/ for pθ, bench/ (peers.mjs and the npm packages) under /peers/
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch({ webgpu: true, present: false });
async function newPage() {
  const page = await blankPage(browser, base);
  page.on('console', (m) => { if (m.type() === 'error') console.error(`page: ${m.text()}`); });
  await page.route('**/peers/**', (route) => {
    const path = normalize(new URL(route.request().url()).pathname.slice('/peers/'.length)).replace(/^(\.\.[/\\])+/, '');
    route.fulfill({ path: join('bench', path), contentType: TYPES[extname(path)] ?? 'application/octet-stream' });
  });
  await page.evaluate(async (weights) => {
    const load = (src) => new Promise((ok, fail) => { const s = document.createElement('script'); s.src = src; s.onload = ok; s.onerror = fail; document.head.append(s); });
    // the build the page runs, loaded as the page loads it (relaxed SIMD in this Chromium:
    // www/js/wasm-builds.js), and the simd128 build as a second instance of the glue: the
    // reference, bit for bit native pθ's
    const page = await import('/js/lesson-wasm.js');
    const { build } = await page.loadWasm();
    if (build.name !== 'relaxed-simd') throw new Error(`the page runs the ${build.name} build, not relaxed-simd`);
    const relaxed = await page.lessonApi();
    const mod = await import('/ptheta.js?simd128');
    await mod.default({ module_or_path: '/ptheta_bg.wasm' });
    const bytes = new Uint8Array(await (await fetch(weights)).arrayBuffer());
    const peers = await import('/peers/peers.mjs');
    window.B = {
      mod, relaxed, bytes, peers, load,
      L: peers.layers(peers.readSafetensors(bytes.slice().buffer)),
      median: (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; },
      async time(step, k, rounds, warmup) {
        await step(warmup);
        const t = [];
        for (let r = 0; r < rounds; r++) {
          const t0 = performance.now();
          await step(k);
          t.push((performance.now() - t0) / k);
        }
        return B.median(t);
      },
      chainOptions: (samples, steps) => ({ samples, steps, seed: 0, variance: 'fixed-small' }),
    };
  }, WEIGHTS);
  return page;
}

const page = await newPage();
const setup = await page.evaluate(async () => {
  await B.load(`/peers/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js`);
  await B.load(`/peers/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`);
  tf.wasm.setWasmPaths('/peers/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await tf.setBackend('wasm');
  await tf.ready();
  await B.load('/peers/node_modules/onnxruntime-web/dist/ort.wasm.min.js');
  ort.env.wasm.wasmPaths = '/peers/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1;
  B.tfjs = B.peers.tfjsPeer(tf, B.L);
  B.ort = await B.peers.ortPeer(ort, B.L);
  // the check batch: 256 samples of pθ's chain after 10 of 50 steps, pθ's ε̂ from its inspector
  const chain = new B.mod.WasmChain(B.bytes, B.chainOptions(256, 50));
  chain.step(10);
  const inspect = async () => { const v = []; for (let i = 0; i < 256; i++) v.push(await chain.inspect(i)); return v; };
  const fused = await inspect();
  B.mod.setReferenceForward(true);
  const candle = await inspect();
  B.mod.setReferenceForward(false);
  chain.free();
  const x = Float32Array.from(fused.flatMap((r) => r.x_t));
  const ref = fused.flatMap((r) => r.raw);
  const { timestep, coefficients } = fused[0];
  B.coefficients = { timestep, eps_coef: coefficients.eps_coef, sqrt_alpha: coefficients.sqrt_alpha, sigma: fused[0].sigma[0] };
  const maxDiff = (v) => ref.reduce((m, r, i) => Math.max(m, Math.abs(r - v[i])), 0);
  // the chain split across Web Workers: exactly the one-thread chain's samples
  B.workers = navigator.hardwareConcurrency || 1;
  const { createChain } = await import('/js/backend.js');
  B.pageChain = async (options) => {
    const chain = await createChain(B.bytes, { ...options, backend: 'cpu' }, { workers: true });
    await chain.workersReady();
    if (chain.workers !== B.workers) throw new Error(`the page chain runs ${chain.workers} threads, not ${B.workers}: ${chain.workerFailure}`);
    return chain;
  };
  const one = new B.relaxed.WasmChain(B.bytes, B.chainOptions(1000, 20));
  const split = await B.pageChain(B.chainOptions(1000, 20));
  one.step(20);
  await split.step(20);
  const [a, b] = [await one.positions(), await split.positions()];
  one.free();
  split.free();
  return {
    workers: B.workers,
    splitSame: a.length === b.length && a.every((v, i) => Object.is(v, b[i])),
    timestep,
    maxAbs: ref.reduce((m, r) => Math.max(m, Math.abs(r)), 0),
    candle: maxDiff(candle.flatMap((r) => r.raw)),
    check: { x: [...x], ref },
    coefficients: B.coefficients,
    tfjs: maxDiff(B.tfjs.forward(x, 256, timestep)),
    ort: maxDiff(await B.ort.forward(x, 256, timestep)),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tfThreads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    isolated: crossOriginIsolated,
  };
});
console.log(`output check, 256 samples at training timestep ${setup.timestep} (|ε̂| ≤ ${setup.maxAbs.toFixed(2)}): largest |ε̂ − ε̂ of pθ fused|: `
  + `candle ${setup.candle.toExponential(1)}, TF.js ${setup.tfjs.toExponential(1)}, ORT-web ${setup.ort.toExponential(1)} (tolerance ${TOLERANCE})`);
console.log(`TF.js wasm: SIMD ${setup.simd}, threads ${setup.tfThreads}; page cross-origin isolated: ${setup.isolated} (so ORT-web and TF.js run one thread)`);
console.log(`the chain split across ${setup.workers} Web Workers (1000 samples, 20 steps): ${setup.splitSame ? 'bit-identical to' : 'DIFFERENT from'} the one-thread chain`);
if (!setup.splitSame) throw new Error('the worker-split chain differs from the one-thread chain');
WORKERS = setup.workers;
for (const k of ['candle', 'tfjs', 'ort']) {
  if (!(setup[k] <= TOLERANCE)) throw new Error(`${k} differs from pθ by ${setup[k]} > ${TOLERANCE}`);
}

// The page's CPU engines take turns, one round each, ROUNDS times: other load on the machine
// then falls on all of them alike. Candle is pθ's chain with the reference-forward switch on.
for (const n of SIZES) {
  const k = perRound(n);
  const ms = await page.evaluate(async ({ n, k, rounds, warmup }) => {
    const steps = 2 * warmup + rounds * k + 1;
    const fused = new B.mod.WasmChain(B.bytes, B.chainOptions(n, steps));
    const relaxed = new B.relaxed.WasmChain(B.bytes, B.chainOptions(n, steps));
    const candle = new B.mod.WasmChain(B.bytes, B.chainOptions(n, steps));
    const tfjs = B.peers.peerChain(B.tfjs, n, B.coefficients);
    const ortc = B.peers.peerChain(B.ort, n, B.coefficients);
    // the workers' rounds: four of the page's bursts (a burst: its time budget over what one
    // thread takes a step, times the workers), the next burst running ahead while the page takes
    // the last one, as Play runs them
    const { WORKER_BURST_MS } = await import('/js/backend.js');
    const t0 = performance.now();
    relaxed.step(warmup);
    const T = B.relaxed.catalog().limits.steps.max;
    const burst = Math.min(Math.floor((T - 1) / 4), Math.max(k, Math.ceil((WORKER_BURST_MS * B.workers) / ((performance.now() - t0) / warmup))));
    const kw = 4 * burst;
    // the burst a round leaves running ahead is waited for and dropped outside the timing, so it
    // neither overlaps another engine's turn nor starts the next round ahead
    const settle = async () => { await split.ahead?.states.catch(() => {}); split.ahead = null; };
    // the longest chain there is; when a round would run past x_0 it starts again from x_T
    const split = await B.pageChain(B.chainOptions(n, T));
    const engines = {
      'ptheta/wasm-relaxed-simd': (s) => relaxed.step(s),
      'ptheta/wasm-simd128': (s) => fused.step(s),
      // a burst at a time, as Play asks for a frame's steps: the one run ahead is the one asked next
      'ptheta/wasm-relaxed-simd/workers': async (s) => { for (let i = 0; i < s / burst; i++) await split.step(burst); },
      'ptheta/wasm-candle': (s) => { B.mod.setReferenceForward(true); try { candle.step(s); } finally { B.mod.setReferenceForward(false); } },
      'tfjs/wasm-simd': (s) => tfjs.step(s),
      'ort-web/wasm-simd': (s) => ortc.step(s),
    };
    const times = {};
    const perKey = (key) => (key.endsWith('/workers') ? kw : k);
    // the workers warm up on a whole burst, so goTo has learnt its burst size before timing
    for (const [key, step] of Object.entries(engines)) {
      if (key.endsWith('/workers') && split.t < kw) await split.reset();
      await step(key.endsWith('/workers') ? kw : warmup);
      await settle();
      times[key] = [];
    }
    for (let r = 0; r < rounds; r++) {
      for (const [key, step] of Object.entries(engines)) {
        const steps = perKey(key);
        if (key.endsWith('/workers') && split.t < steps) await split.reset();
        const t0 = performance.now();
        await step(steps);
        times[key].push((performance.now() - t0) / steps);
        if (key.endsWith('/workers')) await settle();
      }
    }
    fused.free();
    relaxed.free();
    candle.free();
    split.free();
    return Object.fromEntries(Object.entries(times).map(([key, t]) => [key, B.median(t)]));
  }, { n, k, rounds: ROUNDS, warmup: WARMUP });
  for (const [key, v] of Object.entries(ms)) record(key, n, v);
  console.error(`bench: ${n} samples done`);
}
await page.close();

// WebGPU: a fresh page (so a fresh device) per size; see bench-gpu.mjs for why
for (const n of SIZES) {
  const p = await newPage();
  const ms = await p.evaluate(async ({ n, rounds }) => {
    if (!navigator.gpu) return null;
    const chain = await B.mod.WasmChain.create(B.bytes, { ...B.chainOptions(n, rounds + 2), backend: 'webgpu' });
    if (chain.backend !== 'webgpu') { chain.free(); return null; }
    const ms = await B.time(async (s) => { chain.step(s); await chain.positions(); }, 1, rounds, 1);
    chain.free();
    return ms;
  }, { n, rounds: Math.min(ROUNDS, 5) });
  await p.close();
  if (ms !== null) record('ptheta/webgpu-swiftshader', n, ms);
}
// The peers' WebGPU backends, the same way: a fresh page per engine and size, each checked on the
// check batch first. A peer that cannot start here is reported and left out, not fatal: this
// is SwiftShader, and the peers' WebGPU paths are younger than their wasm ones.
const GPU_PEERS = {
  'tfjs/webgpu-swiftshader': async () => {
    await B.load('/peers/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js');
    await B.load('/peers/node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js');
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js has no WebGPU backend here');
    await tf.ready();
    return B.peers.tfjsPeer(tf, B.L, { async: true });
  },
  'ort-web/webgpu-swiftshader': async () => {
    await B.load('/peers/node_modules/onnxruntime-web/dist/ort.webgpu.min.js');
    ort.env.wasm.wasmPaths = '/peers/node_modules/onnxruntime-web/dist/';
    ort.env.wasm.numThreads = 1;
    return B.peers.ortPeer(ort, B.L, 'webgpu');
  },
};
for (const [key, start] of Object.entries(GPU_PEERS)) {
  for (const n of SIZES) {
    const p = await newPage();
    // the starter is this file's own code, sent to the page as source
    await p.evaluate(`window.startPeer = ${start.toString()};`);
    const got = await p.evaluate(async ({ n, rounds, check, coefficients, tolerance }) => {
      try {
        const peer = await window.startPeer();
        const eps = await peer.forward(Float32Array.from(check.x), check.ref.length / 2, coefficients.timestep);
        const diff = check.ref.reduce((m, r, i) => Math.max(m, Math.abs(r - eps[i])), 0);
        if (!(diff <= tolerance)) return { error: `differs from pθ by ${diff} > ${tolerance}` };
        const chain = B.peers.peerChain(peer, n, coefficients);
        return { ms: await B.time((s) => chain.step(s), 1, rounds, 1), diff };
      } catch (e) {
        return { error: String(e?.message ?? e) };
      }
    }, { n, rounds: Math.min(ROUNDS, 5), check: setup.check, coefficients: setup.coefficients, tolerance: GPU_TOLERANCE });
    await p.close();
    if (got.error) { console.log(`${key}: left out at ${n} samples: ${got.error}`); break; }
    if (n === SIZES[0]) console.log(`${key}: largest |ε̂ − ε̂ of pθ| on the check batch ${got.diff.toExponential(1)}`);
    record(key, n, got.ms);
  }
}
await browser.close();
server.close();

// ---- the table, results.json and the plot
const at = (key, n) => results.find((r) => r.key === key && r.samples === n)?.ms_per_step;
const fastestPeer = (n) => Math.min(...ENGINES.filter((e) => e.peer).map((e) => at(e.key, n)));
const shown = ENGINES.filter((e) => SIZES.some((n) => at(e.key, n) !== undefined));
console.log(`\nms per reverse step of ${WEIGHTS}, one thread each (but the workers: ${WORKERS}), median of ${ROUNDS} rounds after warm-up; (×) = ratio to the fastest peer (TF.js or ORT-web) at that size`);
console.log(`| samples | ${shown.map((e) => e.label).join(' | ')} |`);
console.log(`|---|${shown.map(() => '---').join('|')}|`);
for (const n of SIZES) {
  const f = fastestPeer(n);
  console.log(`| ${n} | ${shown.map((e) => { const v = at(e.key, n); return v === undefined ? '—' : `${v.toFixed(2)} (${(v / f).toFixed(2)}×)`; }).join(' | ')} |`);
}
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/results.json', `${JSON.stringify(results.map((r) => ({ engine: r.engine, backend: r.backend, threads: r.threads, samples: r.samples, ms_per_step: r.ms_per_step })), null, 1)}\n`);
writeFileSync('target/bench/results.svg', plot(shown));
console.log('\nwrote target/bench/results.json and target/bench/results.svg');

/** Log–log lines of ms per step against samples, one per engine, with a legend. */
function plot(engines) {
  const W = 720, H = 440, L = 64, R = 250, T = 24, B = 48;
  const all = results.map((r) => r.ms_per_step);
  const [y0, y1] = [Math.floor(Math.log10(Math.min(...all))), Math.ceil(Math.log10(Math.max(...all)))];
  const [x0, x1] = [Math.log2(SIZES[0]), Math.log2(SIZES.at(-1))];
  const px = (n) => L + ((Math.log2(n) - x0) / Math.max(1, x1 - x0)) * (W - L - R);
  const py = (ms) => T + (1 - (Math.log10(ms) - y0) / Math.max(1, y1 - y0)) * (H - T - B);
  const colours = ['#1b6ac9', '#7a9cc6', '#8e44ad', '#e67e22', '#c0392b', '#27ae60'];
  const s = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`];
  for (let e = y0; e <= y1; e++) {
    s.push(`<line x1="${L}" x2="${W - R}" y1="${py(10 ** e)}" y2="${py(10 ** e)}" stroke="#ddd"/>`, `<text x="${L - 6}" y="${py(10 ** e) + 4}" text-anchor="end">${10 ** e}</text>`);
  }
  for (const n of SIZES) s.push(`<line x1="${px(n)}" x2="${px(n)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`, `<text x="${px(n)}" y="${H - B + 16}" text-anchor="middle">${n}</text>`);
  s.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">samples</text>`,
    `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">ms per reverse step (log)</text>`);
  engines.forEach((e, i) => {
    const pts = SIZES.filter((n) => at(e.key, n) !== undefined).map((n) => `${px(n).toFixed(1)},${py(at(e.key, n)).toFixed(1)}`);
    s.push(`<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${pts.join(' ')}"${e.peer ? ' stroke-dasharray="6 3"' : ''}/>`);
    s.push(`<line x1="${W - R + 16}" x2="${W - R + 40}" y1="${T + 10 + i * 20}" y2="${T + 10 + i * 20}" stroke="${colours[i % colours.length]}" stroke-width="2"${e.peer ? ' stroke-dasharray="6 3"' : ''}/>`,
      `<text x="${W - R + 46}" y="${T + 14 + i * 20}">${e.label}</text>`);
  });
  s.push('</svg>');
  return `${s.join('\n')}\n`;
}
