// Benchmark (not a test): milliseconds per reverse step on the WebGPU path and the CPU path
// (wasm SIMD) side by side, same page, same weights, same run, for N = 1024, 4096 and 16384
// (SIZES=… and STEPS=… override).
// Headless Chromium here has no GPU: WebGPU runs on SwiftShader, a CPU rasterizer, so the WebGPU
// column measures overhead and a software device, not GPU speed. Run `trunk build --release`
// first (`cargo xtask bench` does).
//
// Each size gets a fresh page, so a fresh WebGPU device: with WebGPU alone, SwiftShader steps a
// chain whose buffers are created after the device ran a forward pass ~15× slower than the first
// one (the last line of each table measures that, at the smallest size).
import { serveDir } from './serve.mjs';
import { blankPage, launch } from './helpers.mjs';

const SIZES = (process.env.SIZES ?? "1024,4096,16384").split(",").map(Number);
const STEPS = Number(process.env.STEPS ?? 6);
const WEIGHTS = 'weights/moons-epsilon.safetensors';

const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;

// ms per step for each entry of `runs` ([backend, samples]), in order, in one fresh page
async function measure(browser, runs) {
  const page = await blankPage(browser, base);
  const out = await page.evaluate(async ({ runs, steps, weights }) => {
    const mod = await import('/ptheta.js');
    await mod.default();
    const bytes = new Uint8Array(await (await fetch(weights)).arrayBuffer());
    const times = [];
    for (const [backend, samples] of runs) {
      const chain = await mod.WasmChain.create(bytes, { samples, steps, seed: 0, variance: 'fixed-small', backend });
      if (chain.backend !== backend) throw new Error(`asked for ${backend}, got ${chain.backend}`);
      chain.step(1); // warm-up: pipelines, caches
      await chain.positions();
      const t0 = performance.now();
      chain.step(steps - 1);
      await chain.positions(); // waits for the GPU to finish the submitted steps
      times.push((performance.now() - t0) / (steps - 1));
      chain.free();
    }
    return times;
  }, { runs, steps: STEPS, weights: WEIGHTS });
  await page.close();
  return out;
}

console.log(`ms per reverse step, ${STEPS}-step chain of ${WEIGHTS}, headless Chromium, one run`);
// Two browser set-ups: the one the page tests use (SwiftShader also as Chromium's Vulkan device,
// so WebGPU canvases can be presented) and WebGPU alone (compute only).
for (const [label, present] of [['WebGPU + presentation flags', true], ['WebGPU only', false]]) {
  const browser = await launch({ webgpu: true, present });
  const rows = [];
  for (const samples of SIZES) {
    const [webgpu, cpu] = await measure(browser, [['webgpu', samples], ['cpu', samples]]);
    rows.push({ samples, webgpu, cpu });
  }
  const [first, second] = await measure(browser, [['webgpu', SIZES[0]], ['webgpu', SIZES[0]]]);
  await browser.close();
  console.log(`\n${label}\nsamples | WebGPU (SwiftShader) | CPU wasm SIMD | WebGPU/CPU`);
  for (const r of rows) {
    console.log(`${r.samples} | ${r.webgpu.toFixed(2)} | ${r.cpu.toFixed(2)} | ${(r.webgpu / r.cpu).toFixed(2)}x`);
  }
  console.log(`a second WebGPU chain on one device, ${SIZES[0]} samples: ${second.toFixed(2)} ms vs ${first.toFixed(2)} ms for the first (${(second / first).toFixed(1)}x)`);
}
server.close();
