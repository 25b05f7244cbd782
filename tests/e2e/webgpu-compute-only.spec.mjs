// The page in Chromium with WebGPU but without the flags that let it present WebGPU canvases
// (helpers.mjs, `present: false`); part of `npx playwright test --project webgpu`.
import { test, expectErrors } from './fixtures.mjs';
import { assert, inkPixels, small, launchOptions, DEVICE_LOSS_ERRORS } from './helpers.mjs';

test.use({ launchOptions: launchOptions({ webgpu: true, present: false }) });

// WebGPU without the presentation flags: Chromium computes but loses the device when a WebGPU
// canvas is presented, as some real browsers do. The chain goes on on the CPU with a notice, and
// the next chain computes on WebGPU again and draws with Canvas 2D.
test('a browser that cannot present: CPU with a notice, then WebGPU compute with Canvas 2D drawing', expectErrors(DEVICE_LOSS_ERRORS), async ({ page }) => {
  // every backend change on the page, from the start
  await page.addInitScript(() => {
    globalThis.backendChanges = [];
    document.addEventListener('ptheta-backend', (e) => globalThis.backendChanges.push(e.detail));
  });
  await page.goto('./');
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
});
