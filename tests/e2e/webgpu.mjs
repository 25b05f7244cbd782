// The page on the WebGPU backend (headless Chromium on SwiftShader, with the flags in browser.mjs
// that let it present WebGPU canvases).
// Prints `# N passed, M failed`; screenshots go to test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { serveDir } from './serve.mjs';
import { launch, suite, assert, inkPixels, screenInk } from './browser.mjs';

const ARTIFACTS = 'test-artifacts';
await mkdir(ARTIFACTS, { recursive: true });
const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch({ webgpu: true });
const { test, report, summary } = suite(browser);

/** Loads the page; `draw` is the points layer's drawing ('webgpu' unless told). */
async function load(page, draw = 'webgpu') {
  if (draw === 'canvas2d') await page.addInitScript(() => { globalThis.PTHETA_GPU_DRAW = false; });
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await page.$eval('ptheta-chain', (el) => el.chain.gpuDraw) === (draw === 'webgpu'), `drawing with ${draw}`);
}

/** Shrinks the page's chain (SwiftShader computes on the CPU) and waits until it is rebuilt. */
async function small(page, samples, steps) {
  await page.$eval('ptheta-chain', (el, [n, s]) => { el.setAttribute('samples', String(n)); el.setAttribute('steps', String(s)); }, [samples, steps]);
  await page.waitForFunction((n) => document.querySelector('ptheta-chain').chain?.samples === n, samples, { timeout: 60000 });
  await page.waitForSelector(`ptheta-chain[data-state="ready"][data-t="${steps}"]`, { timeout: 60000 });
}

await test('auto picks WebGPU; the page plays the chain to t = 0 and WebGPU draws the points', async (page, errors) => {
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
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('the animation loop maps no buffer: step + WebGPU draw, and the page between readouts', async (page, errors) => {
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
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('draw="canvas2d": WebGPU computes, Canvas 2D draws from one readback a frame', async (page, errors) => {
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
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('a lost device mid-chain: the page says so and finishes on the CPU with the CPU chain samples', async (page, errors) => {
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
  await page.getByRole('button', { name: 'Step forward' }).first().click();
  await page.waitForSelector('ptheta-chain[data-t="49"]', { timeout: 30000 });
  await page.screenshot({ path: `${ARTIFACTS}/webgpu-lost.png` });
  const real = errors.filter((e) => !/lost|destroy|map/i.test(e));
  assert(real.length === 0, `console errors: ${real.join(' | ')}`);
});

await test('backend="webgpu" works here', async (page, errors) => {
  await load(page);
  await page.$eval('ptheta-chain', (el) => el.setAttribute('backend', 'webgpu'));
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'webgpu asked, webgpu given');
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await browser.close();

// WebGPU without the presentation flags: Chromium computes but loses the device when a WebGPU
// canvas is presented, as some real browsers do. The chain goes on on the CPU with a notice, and
// the next chain computes on WebGPU again and draws with Canvas 2D.
const computeOnly = await launch({ webgpu: true, present: false });
{
  const page = await computeOnly.newPage({ viewport: { width: 1000, height: 1100 } });
  try {
    // every backend change on the page, from the start
    await page.addInitScript(() => {
      globalThis.backendChanges = [];
      document.addEventListener('ptheta-backend', (e) => globalThis.backendChanges.push(e.detail));
    });
    await page.goto(base);
    await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
    // The first WebGPU draw loses the device; the chain notices on its next call. Step until it
    // has (the loss arrives from the GPU process whenever it does).
    for (let k = 0; k < 20; k++) {
      if (await page.evaluate(() => globalThis.backendChanges.length > 0)) break;
      await page.getByRole('button', { name: 'Step forward' }).first().click();
      await page.waitForTimeout(500);
    }
    const changes = await page.evaluate(() => globalThis.backendChanges);
    assert(changes.length > 0 && changes[0].backend === 'cpu' && /lost/.test(changes[0].reason), JSON.stringify(changes));
    const notice = await page.$eval('ptheta-chain', (el) => el.shadowRoot.querySelector('[role="alert"]')?.textContent ?? '');
    assert(/continues on the CPU/.test(notice), `notice: ${notice}`);
    assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'cpu', 'that chain goes on on the CPU');
    await small(page, 96, 10);
    const next = await page.$eval('ptheta-chain', (el) => ({ backend: el.chain.backend, gpuDraw: el.chain.gpuDraw }));
    assert(next.backend === 'webgpu' && next.gpuDraw === false, JSON.stringify(next));
    await page.getByRole('button', { name: 'Play' }).first().click();
    await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 120000 });
    const ink = await inkPixels(page);
    assert(ink > 200, `points drawn with Canvas 2D (${ink} ink pixels)`);
    assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'still computing on WebGPU');
    report('a browser that cannot present: CPU with a notice, then WebGPU compute with Canvas 2D drawing');
  } catch (e) {
    report('a browser that cannot present', e);
  }
  await computeOnly.close();
}

// Without --enable-unsafe-webgpu Chromium grants no adapter.
const plain = await launch();
{
  const page = await plain.newPage();
  try {
    await page.goto(base);
    await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
    const r = await page.evaluate(async () => {
      const { createChain } = await import('/js/backend.js');
      const bytes = new Uint8Array(await (await fetch('weights/moons-epsilon.safetensors')).arrayBuffer());
      const auto = await createChain(bytes, { steps: 5, samples: 16 });
      let error = '';
      try {
        await createChain(bytes, { steps: 5, samples: 16, backend: 'webgpu' });
      } catch (e) {
        error = e.message;
      }
      return { backend: auto.backend, reason: auto.fallbackReason, error };
    });
    assert(r.backend === 'cpu' && /no WebGPU adapter/.test(r.reason), JSON.stringify(r));
    assert(/backend 'webgpu' was asked for, but no WebGPU adapter/.test(r.error), r.error);
    report('without WebGPU: auto gives the CPU with the reason, "webgpu" is a clear error');
  } catch (e) {
    report('without WebGPU', e);
  }
  await plain.close();
}
server.close();
process.exit(summary() ? 1 : 0);
