// Benchmark (not a test): CPU milliseconds per reverse step for N = 1024 and 4096 samples, in
// headless Chromium with wasm SIMD (the shipped build) and without (a build without simd128 and
// with gemm's simd128 kernels off), next to the native CPU chain, all in one run on one machine.
// Run with `cargo xtask bench` (it builds everything first).
import { execFileSync } from 'node:child_process';
import { serveDir } from './serve.mjs';
import { launch } from './helpers.mjs';

const SIZES = [1024, 4096];
const STEPS = 50;
const WEIGHTS = 'weights/moons-epsilon.safetensors';

const native = execFileSync('target/release/ptheta', ['bench', '--weights', WEIGHTS, '--steps', String(STEPS)], { encoding: 'utf8' })
  .trim().split('\n').map((l) => JSON.parse(l));

const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const page = await browser.newPage();
await page.goto(`${base}/index.html`);

async function browserBench(modulePath) {
  return page.evaluate(async ({ modulePath, sizes, steps, weights }) => {
    const mod = await import(modulePath);
    await mod.default();
    if (modulePath.includes('nosimd')) mod.setMatmulSimd(false);
    const bytes = new Uint8Array(await (await fetch(weights)).arrayBuffer());
    const out = [];
    for (const samples of sizes) {
      const chain = new mod.WasmChain(bytes, { samples, steps, seed: 0, variance: 'fixed-small' });
      chain.step(1); // warm-up
      const t0 = performance.now();
      chain.step(steps - 1);
      out.push({ samples, ms_per_step: (performance.now() - t0) / (steps - 1) });
      chain.free();
    }
    return out;
  }, { modulePath, sizes: SIZES, steps: STEPS, weights: WEIGHTS });
}

const simd = await browserBench('/ptheta.js');
const scalar = await browserBench('/nosimd/ptheta.js');
await browser.close();
server.close();

console.log(`ms per reverse step, ${STEPS}-step chain of ${WEIGHTS} (99k-parameter MLP), one run`);
console.log('samples | browser wasm SIMD | browser wasm no SIMD | native | no-SIMD/SIMD | SIMD/native');
for (let i = 0; i < SIZES.length; i++) {
  const [a, b, c] = [simd[i].ms_per_step, scalar[i].ms_per_step, native[i].ms_per_step];
  console.log(`${SIZES[i]} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${c.toFixed(2)} | ${(b / a).toFixed(2)}x | ${(a / c).toFixed(2)}x`);
}
