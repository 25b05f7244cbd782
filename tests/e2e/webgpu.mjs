// The page on the WebGPU backend (headless Chromium with --enable-unsafe-webgpu: SwiftShader).
// Prints `# N passed, M failed`; screenshots go to test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { serveDir } from './serve.mjs';
import { launch } from './browser.mjs';

const ARTIFACTS = 'test-artifacts';
await mkdir(ARTIFACTS, { recursive: true });
const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch({ webgpu: true });

let passed = 0;
let failed = 0;
async function test(name, fn) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await fn(page, errors);
    console.log(`ok - ${name}`);
    passed++;
  } catch (e) {
    console.log(`not ok - ${name}\n  ${String(e.stack ?? e).split('\n').join('\n  ')}`);
    failed++;
  } finally {
    await page.close();
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function inkPixels(page) {
  return page.$eval('ptheta-chain', (el) => {
    const src = el.shadowRoot.querySelector('.points canvas');
    const c = document.createElement('canvas');
    c.width = src.width; c.height = src.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(src, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 128) n++;
    return n;
  });
}

await test('auto picks WebGPU, plays to t = 0 drawing from the GPU buffer, with no buffer mapping', async (page, errors) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const backend = await page.locator('ptheta-chain .backend').textContent();
  assert(/WebGPU/.test(backend), `backend shown: ${backend}`);
  assert(await page.$eval('ptheta-chain', (el) => el.chain.backend) === 'webgpu', 'chain runs on WebGPU');
  const before = await page.$eval('ptheta-chain', (el) => el.chain.mappings);
  await page.getByRole('button', { name: 'Play' }).first().click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 120000 });
  const after = await page.$eval('ptheta-chain', (el) => el.chain.mappings);
  console.log(`# buffer mappings during the animation: ${after - before} (page widgets may read a histogram per frame)`);
  await page.screenshot({ path: `${ARTIFACTS}/webgpu-end.png` });
  const ink = await inkPixels(page);
  assert(ink > 500, `points drawn by WebGPU (${ink} ink pixels)`);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('the animation loop itself maps no buffer: step + draw from the GPU buffer', async (page, errors) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const counts = await page.$eval('ptheta-chain', async (el) => {
    const chain = el.chain;
    await chain.reset();
    const before = chain.mappings;
    for (let k = 0; k < 20; k++) {
      await chain.step(1);
      await chain.draw({ half: 3, trails: 8, color: '#1f4fa3' });
      await new Promise(requestAnimationFrame);
    }
    return { before, after: chain.mappings, backend: chain.backend };
  });
  assert(counts.backend === 'webgpu', counts.backend);
  assert(counts.after === counts.before, `mappings per frame: ${(counts.after - counts.before) / 20}`);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('a lost device mid-chain: the page says so and finishes on the CPU with the CPU chain samples', async (page, errors) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
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
  assert(/lost/.test(result.reason), result.reason);
  const notice = await page.$eval('ptheta-chain', (el) => el.shadowRoot.querySelector('[role="alert"]')?.textContent ?? '');
  assert(/lost/.test(notice), `notice: ${notice}`);
  const backend = await page.locator('ptheta-chain .backend').textContent();
  assert(/CPU/.test(backend), `backend shown: ${backend}`);
  // the page keeps working on the CPU
  await page.getByRole('button', { name: 'Reset' }).first().click();
  await page.getByRole('button', { name: 'Step forward' }).first().click();
  await page.waitForSelector('ptheta-chain[data-t="49"]', { timeout: 30000 });
  await page.screenshot({ path: `${ARTIFACTS}/webgpu-lost.png` });
  const real = errors.filter((e) => !/lost|destroy/i.test(e));
  assert(real.length === 0, `console errors: ${real.join(' | ')}`);
});

await test('backend="webgpu" works here; and "webgpu" without an adapter is a clear error', async (page, errors) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
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
    console.log('ok - without WebGPU: auto gives the CPU with the reason, "webgpu" is a clear error');
    passed++;
  } catch (e) {
    console.log(`not ok - without WebGPU\n  ${String(e.stack ?? e).split('\n').join('\n  ')}`);
    failed++;
  }
  await plain.close();
}
server.close();
console.log(`# ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
