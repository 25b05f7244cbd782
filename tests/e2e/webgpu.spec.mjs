// The page on the WebGPU backend (headless Chromium on SwiftShader, with the flags in helpers.mjs
// that let it present WebGPU canvases): `npx playwright test --project webgpu`, which also runs
// webgpu-compute-only.spec.mjs and webgpu-absent.spec.mjs, the browsers without those flags.
// Screenshots go to test-artifacts/.
import { test, expectErrors } from './fixtures.mjs';
import { assert, inkPixels, screenInk, small, DEVICE_LOSS_ERRORS } from './helpers.mjs';

const ARTIFACTS = 'test-artifacts';

/** Loads the page; `draw` is the points layer's drawing ('webgpu' unless told). */
async function load(page, draw = 'webgpu') {
  if (draw === 'canvas2d') await page.addInitScript(() => { globalThis.PTHETA_GPU_DRAW = false; });
  await page.goto('./');
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await page.$eval('ptheta-chain', (el) => el.chain.gpuDraw) === (draw === 'webgpu'), `drawing with ${draw}`);
}

test('auto picks WebGPU; the page plays the chain to t = 0 and WebGPU draws the points', async ({ page }) => {
  await load(page);
  const backend = await page.locator('ptheta-chain .backend').textContent();
  assert(/WebGPU/.test(backend), `backend shown: ${backend}`);
  assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'chain runs on WebGPU');
  await small(page, 256, 20);
  assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'still on WebGPU');
  await page.getByRole('button', { name: 'Play' }).first().click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 180000 });
  await page.screenshot({ path: `${ARTIFACTS}/webgpu-end.png` });
  const state = await page.$eval('ptheta-chain', (el) => ({
    backend: el.chain.backend,
    drewOnGpu: el.chain.drewOnGpu === true,
    // a canvas drawn by WebGPU has no 2-D context to give
    webgpuCanvas: el.shadowRoot.querySelector('.points canvas').getContext('2d') === null,
  }));
  assert(state.backend === 'webgpu' && state.drewOnGpu && state.webgpuCanvas, JSON.stringify(state));
  const ink = await screenInk(page);
  assert(ink > 500, `points drawn by WebGPU on screen (${ink} ink pixels)`);
});

test('the animation loop maps no buffer: step + WebGPU draw, and the page between readouts', async ({ page }) => {
  await load(page);
  // 1. the chain's own loop, as an embedding page would write it
  const counts = await page.$eval('ptheta-chain', async (el) => {
    const { createChain } = await import('/js/backend.js');
    const bytes = new Uint8Array(await (await fetch(el.getAttribute('weights'))).arrayBuffer());
    const box = document.createElement('div');
    box.style.cssText = 'position:relative;width:200px;height:200px';
    document.body.append(box);
    const chain = await createChain(bytes, { steps: 30, samples: 256 });
    chain.mount(box);
    const before = chain.mappings;
    for (let k = 0; k < 20; k++) {
      await chain.step(1);
      await chain.draw({ half: 3, trails: 8, color: '#1f4fa3' });
      await new Promise(requestAnimationFrame);
    }
    const stepped = chain.mappings;
    const drewOnGpu = chain.drewOnGpu === true;
    chain.free();
    box.remove();
    return { before, stepped, drewOnGpu, backend: chain.backend };
  });
  assert(counts.backend === 'webgpu' && counts.drewOnGpu, JSON.stringify(counts));
  assert(counts.stepped === counts.before, `mappings over 20 frames of step + draw: ${counts.stepped - counts.before}`);
  // 2. the page playing: frames without a readout (fresh = false) map nothing. The readout
  // interval is set so the outcome does not depend on this machine's speed: never while playing
  // (only t = 0 reads), then every frame.
  await small(page, 64, 30);
  const play = (interval) => page.$eval('ptheta-chain', async (el, ms) => {
    el.readoutInterval = ms;
    const frames = [];
    let last = el.chain.mappings;
    const listen = (e) => {
      const m = el.chain.mappings;
      frames.push({ t: e.detail.t, fresh: e.detail.fresh, mapped: m - last });
      last = m;
    };
    el.addEventListener('ptheta-step', listen);
    const done = new Promise((resolve, reject) => {
      el.addEventListener('ptheta-step', (e) => { if (e.detail.t === 0) resolve(); });
      setTimeout(() => reject(new Error('t = 0 not reached in 120 s')), 120000);
    });
    el.shadowRoot.querySelector('[data-act="play"]').click();
    await done;
    el.removeEventListener('ptheta-step', listen);
    return frames;
  }, interval);
  const quiet = await play(1e9);
  assert(quiet.length === 30, `one frame per step: ${quiet.length}`);
  const between = quiet.slice(0, -1);
  assert(between.every((f) => f.fresh === false && f.mapped === 0), `frames before t = 0: ${JSON.stringify(between.filter((f) => f.fresh || f.mapped))}`);
  assert(quiet.at(-1).fresh === true && quiet.at(-1).mapped > 0, `t = 0 reads the numbers: ${JSON.stringify(quiet.at(-1))}`);
  const busy = await play(0);
  assert(busy.length === 30 && busy.every((f) => f.fresh && f.mapped > 0), `readouts on every frame when asked: ${JSON.stringify(busy.slice(0, 3))}`);
  // pausing by hand shows the numbers of the state it stopped at
  const paused = await page.$eval('ptheta-chain', async (el) => {
    el.readoutInterval = 1e9;
    const events = [];
    const listen = (e) => events.push({ t: e.detail.t, fresh: e.detail.fresh, inspected: e.detail.inspection?.t ?? null });
    el.addEventListener('ptheta-step', listen);
    const play = el.shadowRoot.querySelector('[data-act="play"]');
    play.click();
    const started = Date.now();
    while (events.length < 5 && Date.now() - started < 60000) await new Promise((r) => setTimeout(r, 20));
    play.click();
    await new Promise((r) => setTimeout(r, 1500));
    el.removeEventListener('ptheta-step', listen);
    return { last: events.at(-1), t: el.chain.t, frames: events.length };
  });
  assert(paused.t > 0 && paused.last.t === paused.t && paused.last.fresh && paused.last.inspected === paused.t,
    `after Pause: ${JSON.stringify(paused)}`);
});

test('draw="canvas2d": WebGPU computes, Canvas 2D draws from one readback a frame', async ({ page }) => {
  await load(page, 'canvas2d');
  await small(page, 256, 20);
  await page.getByRole('button', { name: 'Play' }).first().click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 180000 });
  const ink = await inkPixels(page);
  assert(ink > 500, `points drawn with Canvas 2D (${ink} ink pixels)`);
  const counts = await page.$eval('ptheta-chain', async (el) => {
    const before = el.chain.mappings;
    await el.chain.draw({ half: 3, trails: 0, color: '#1f4fa3' });
    return { backend: el.chain.backend, frame: el.chain.mappings - before };
  });
  assert(counts.backend === 'webgpu', counts.backend);
  assert(counts.frame === 1, `mappings for one Canvas 2D frame: ${counts.frame}`);
});

test('a lost device mid-chain: the page says so and finishes on the CPU with the CPU chain samples', expectErrors(DEVICE_LOSS_ERRORS), async ({ page }) => {
  await load(page);
  const result = await page.$eval('ptheta-chain', async (el) => {
    const { createChain } = await import('/js/backend.js');
    const chain = el.chain;
    const bytes = new Uint8Array(await (await fetch(el.getAttribute('weights'))).arrayBuffer());
    const info = chain.info();
    const cpu = await createChain(bytes, { steps: info.steps, samples: info.samples, seed: info.seed, variance: info.variance, backend: 'cpu' });
    await cpu.goTo(0);
    const want = Array.from(await cpu.positions());
    await chain.reset();
    await chain.step(10);
    chain.loseDevice();
    await new Promise((r) => setTimeout(r, 100));
    await chain.goTo(0);
    const got = Array.from(await chain.positions());
    const same = want.length === got.length && want.every((v, i) => v === got[i]);
    return { same, backend: chain.backend, reason: chain.fallbackReason };
  });
  assert(result.backend === 'cpu', `backend after loss: ${result.backend}`);
  assert(result.same, 'final samples equal an uninterrupted CPU chain');
  assert(/lost|stopped answering/.test(result.reason), result.reason);
  const notice = await page.$eval('ptheta-chain', (el) => el.shadowRoot.querySelector('[role="alert"]')?.textContent ?? '');
  assert(/lost|stopped answering/.test(notice), `notice: ${notice}`);
  const backend = await page.locator('ptheta-chain .backend').textContent();
  assert(/CPU/.test(backend), `backend shown: ${backend}`);
  // the page keeps working on the CPU
  await page.getByRole('button', { name: 'Reset' }).first().click();
  const next = (await page.$eval('ptheta-chain', (el) => el.info.steps)) - 1;
  await page.getByRole('button', { name: 'Step forward' }).first().click();
  await page.waitForSelector(`ptheta-chain[data-t="${next}"]`, { timeout: 30000 });
  await page.screenshot({ path: `${ARTIFACTS}/webgpu-lost.png` });
});

test('backend="webgpu" works here', async ({ page }) => {
  await load(page);
  await page.$eval('ptheta-chain', (el) => el.setAttribute('backend', 'webgpu'));
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'webgpu asked, webgpu given');
});

test('a chain of digits on WebGPU: the grid follows the GPU chain, and x̂_0 matches the CPU chain\'s', async ({ page }) => {
  await page.goto('./embed.html?widget=chain&dataset=digits&steps=20&backend=webgpu&panels=inspector');
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 120000 });
  const got = await page.$eval('ptheta-chain', async (el) => {
    await el.goTo(8);
    const api = await (await import('./js/lesson-wasm.js')).lessonApi();
    const { seed, variance, steps, samples } = el.chain.info();
    const cpu = new api.WasmChain(el.chain.weights, { seed, variance, steps, samples, backend: 'cpu' });
    cpu.goTo(8);
    const [a, b] = [await el.chain.predictions(), await cpu.predictions(samples)];
    cpu.free();
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
    const c = el.shadowRoot.querySelector('.grid-x0');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return { backend: el.chain.backend, worst, n: a.length, shades: new Set(data.filter((_, i) => i % 4 === 0)).size };
  });
  // the bound of tests/common/mod.rs's TOLERANCE, for the same reasons (GPU f32 arithmetic)
  assert(got.backend === 'webgpu' && got.n === 64 * 64 && got.worst < 2e-3 && got.shades > 20, JSON.stringify(got));
  await page.locator('ptheta-inspector .pixel-note').waitFor();
});
