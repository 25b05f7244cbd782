// Benchmark (not a test): milliseconds per reverse step on the WebGPU path and the CPU path
// (wasm SIMD) side by side, same page, same weights, same run, for N = 1024 and 4096 by default
// (SIZES=1024,4096,16384 for more; SwiftShader here dies at 16384).
// Headless Chromium here has no GPU: WebGPU runs on SwiftShader, a CPU rasterizer, so the WebGPU
// column measures overhead and a software device, not GPU speed. Run `trunk build --release`
// first (`cargo xtask bench` does).
import { serveDir } from './serve.mjs';
import { launch } from './browser.mjs';

const SIZES = (process.env.SIZES ?? "1024,4096").split(",").map(Number);
const STEPS = Number(process.env.STEPS ?? 6);
const WEIGHTS = 'weights/moons-epsilon.safetensors';

const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch({ webgpu: true });
const page = await browser.newPage();
await page.goto(`${base}/index.html`);

const rows = await page.evaluate(async ({ sizes, steps, weights }) => {
  const mod = await import('/ptheta.js');
  await mod.default();
  const bytes = new Uint8Array(await (await fetch(weights)).arrayBuffer());
  const time = async (backend, samples) => {
    const chain = await mod.WasmChain.create(bytes, { samples, steps, seed: 0, variance: 'fixed-small', backend });
    if (chain.backend !== backend) throw new Error(`asked for ${backend}, got ${chain.backend}`);
    chain.step(1); // warm-up: pipelines, caches
    await chain.positions();
    const t0 = performance.now();
    chain.step(steps - 1);
    await chain.positions(); // waits for the GPU to finish the submitted steps
    const ms = (performance.now() - t0) / (steps - 1);
    chain.free();
    return ms;
  };
  const out = [];
  for (const samples of sizes) {
    out.push({ samples, webgpu: await time('webgpu', samples), cpu: await time('cpu', samples) });
  }
  return out;
}, { sizes: SIZES, steps: STEPS, weights: WEIGHTS });
await browser.close();
server.close();

console.log(`ms per reverse step, ${STEPS}-step chain of ${WEIGHTS}, headless Chromium, one run`);
console.log('samples | WebGPU (SwiftShader) | CPU wasm SIMD | WebGPU/CPU');
for (const r of rows) {
  console.log(`${r.samples} | ${r.webgpu.toFixed(2)} | ${r.cpu.toFixed(2)} | ${(r.webgpu / r.cpu).toFixed(2)}x`);
}
