// The page on the WebGPU backend (headless Chromium with --enable-unsafe-webgpu: SwiftShader).
// Prints `# N passed, M failed`; screenshots go to test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { serveDir } from './serve.mjs';
import { launch, suite, assert, inkPixels } from './browser.mjs';

const ARTIFACTS = 'test-artifacts';
await mkdir(ARTIFACTS, { recursive: true });
const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch({ webgpu: true });
const { test, report, summary } = suite(browser);

/**
 * Loads the page with PTHETA_GPU_DRAW = false: this headless Chromium computes with WebGPU (SwiftShader)
 * but cannot present a WebGPU canvas (its GPU process has no shared-image backing for the swap
 * chain and loses the device), so the points are read back and drawn with Canvas 2D here.
 */
async function load(page) {
  await page.addInitScript(() => { globalThis.PTHETA_GPU_DRAW = false; });
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await page.$eval('ptheta-chain', (el) => el.chain.gpuDraw) === false, 'Canvas 2D drawing');
}

await test('auto picks WebGPU and the page plays the chain to t = 0 and draws it', async (page, errors) => {
  await load(page);
  const backend = await page.locator('ptheta-chain .backend').textContent();
  assert(/WebGPU/.test(backend), `backend shown: ${backend}`);
  assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'chain runs on WebGPU');
  // SwiftShader runs compute on the CPU: a small chain keeps this test short
  await page.$eval('ptheta-chain', (el) => { el.setAttribute('samples', '128'); el.setAttribute('steps', '20'); });
  await page.waitForFunction(() => document.querySelector('ptheta-chain').chain?.samples === 128, null, { timeout: 60000 });
  await page.waitForSelector('ptheta-chain[data-state="ready"][data-t="20"]', { timeout: 60000 });
  assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'still on WebGPU');
  await page.getByRole('button', { name: 'Play' }).first().click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 180000 });
  await page.screenshot({ path: `${ARTIFACTS}/webgpu-end.png` });
  const ink = await inkPixels(page);
  assert(ink > 500, `points drawn by WebGPU (${ink} ink pixels)`);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('stepping maps no buffer; a Canvas 2D frame maps exactly one', async (page, errors) => {
  await load(page);
  const counts = await page.$eval('ptheta-chain', async (el) => {
    // a chain of its own, so the page's widgets (histogram, inspector) do not read from it
    const { createChain } = await import('/js/backend.js');
    const bytes = new Uint8Array(await (await fetch(el.getAttribute('weights'))).arrayBuffer());
    const chain = await createChain(bytes, { steps: 30, samples: 256 });
    chain.mount(el.shadowRoot.querySelector('.points'));
    const before = chain.mappings;
    for (let k = 0; k < 20; k++) {
      await chain.step(1);
      await new Promise(requestAnimationFrame);
    }
    const stepped = chain.mappings;
    await chain.draw({ half: 3, trails: 8, color: '#1f4fa3' });
    return { before, stepped, drawn: chain.mappings, backend: chain.backend };
  });
  assert(counts.backend === 'webgpu', counts.backend);
  assert(counts.stepped === counts.before, `mappings per step: ${(counts.stepped - counts.before) / 20}`);
  assert(counts.drawn === counts.stepped + 1, `mappings for one Canvas 2D frame: ${counts.drawn - counts.stepped}`);
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
