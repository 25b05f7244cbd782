// Browser end-to-end tests of the built page (dist/, from `trunk build --release`) on the CPU
// backend, in headless Chromium: `npx playwright test --project cpu`. Screenshots go to
// test-artifacts/.
import { test } from './fixtures.mjs';
import { assert, inkPixels } from './helpers.mjs';

const ARTIFACTS = 'test-artifacts';

test('the page loads, plays the chain to t = 0 and draws the samples', async ({ page, base }) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const S = await page.evaluate(async () => (await (await import('./js/lesson-wasm.js')).lessonApi()).catalog().defaults.steps);
  assert(await page.$eval('ptheta-chain', (el) => el.dataset.t) === String(S), `starts at t = T = ${S}`);
  const backend = await page.locator('ptheta-chain .backend').textContent();
  assert(/CPU/.test(backend), `backend shown: ${backend}`);
  await page.screenshot({ path: `${ARTIFACTS}/chain-start.png` });
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 120000 });
  assert(await page.locator('ptheta-chain output').first().textContent() === '0', 't readout shows 0');
  const ink = await inkPixels(page);
  assert(ink > 500, `points drawn on the canvas (${ink} ink pixels)`);
  await page.screenshot({ path: `${ARTIFACTS}/chain-end.png` });
});

test('keyboard alone: tab to Step, press it, then step back', async ({ page, base }) => {
  await page.goto(`${base}?steps=50`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const step = page.getByRole('button', { name: 'Step forward' });
  await step.focus();
  // a step of the default 1024 samples runs in the workers: it lands after a few messages
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.waitForSelector('ptheta-chain[data-t="48"]', { timeout: 10000 });
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('ptheta-chain[data-t="49"]', { timeout: 10000 });
});

test('a corrupt weights file gives a clear error and the page keeps working', async ({ page, base }) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'index.html'));
  await page.waitForSelector('ptheta-chain[data-state="error"]', { timeout: 30000 });
  const msg = await page.locator('ptheta-chain .status span').textContent();
  assert(/safetensors|truncated/.test(msg), `error names the problem: ${msg}`);
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/moons-epsilon.safetensors'));
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
});

test('an invalid attribute is named in the error', async ({ page, base }) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  await page.$eval('ptheta-chain', (el) => el.setAttribute('variance', 'huge'));
  await page.waitForSelector('ptheta-chain[data-state="error"]', { timeout: 30000 });
  const msg = await page.locator('ptheta-chain .status span').textContent();
  assert(msg.includes('variance="huge"') && msg.includes('fixed-small'), msg);
});

/**
 * The page's chain beside a reference: the same chain on the main thread alone, stepped to the
 * page chain's t the same way (to 0 and back where the page chain has come back).
 */
const sameAsOneThread = (page) => page.$eval('ptheta-chain', async (el) => {
  const api = await (await import('./js/lesson-wasm.js')).lessonApi();
  const { seed, variance, steps, samples } = el.chain.info();
  const one = new api.WasmChain(el.chain.weights, { seed, variance, steps, samples, backend: 'cpu' });
  one.goTo(Number(el.dataset.t));
  if (Number(el.dataset.t) < steps) { one.goTo(0); while (one.t < Number(el.dataset.t)) one.stepBack(); }
  const [a, b] = [await one.positions(), await el.chain.positions()];
  one.free();
  const differing = a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);
  return { t: el.dataset.t, workers: el.chain.workers, differing, length: a.length === b.length };
});

test('a seek after Play still runs in bursts the page can answer between', async ({ page, base }) => {
  // one thread (below the workers' samples), Play asking 20 steps a frame: a frame's steps take
  // well under the burst's 50 ms, the whole chain about a second
  await page.goto(`${base}?samples=200&steps=1000`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 120000 });
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.waitForSelector('ptheta-chain[data-t="1000"]', { timeout: 30000 });
  const bursts = await page.$eval('ptheta-chain', async (el) => {
    const counts = [];
    const step = el.chain.step.bind(el.chain);
    el.chain.step = (n) => { counts.push(n); return step(n); };
    await el.goTo(0);
    return counts;
  });
  // a burst is sized to about 50 ms of stepping, never the whole seek at once
  assert(bursts.length > 5 && Math.max(...bursts) < 1000, `bursts of the seek: ${bursts.join(', ')}`);
});

test('with more than one core, Web Workers share the steps and the samples are exactly the one-thread chain\'s', async ({ page, base }) => {
  // three "cores", whatever this machine has: three uneven slices (342 + 341 + 341 samples at first)
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 3 }));
  await page.goto(`${base}?samples=1024&steps=50`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const backend = page.locator('ptheta-chain .backend');
  await page.waitForFunction(() => document.querySelector('ptheta-chain').shadowRoot.querySelector('.backend').textContent.includes('3 threads'), null, { timeout: 30000 });
  assert(/CPU/.test(await backend.textContent()), await backend.textContent());
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 120000 });
  await page.getByRole('button', { name: 'Step back' }).click();
  await page.getByRole('button', { name: 'Step back' }).click();
  const same = () => sameAsOneThread(page);
  const afterBack = await same();
  assert(afterBack.t === '2' && afterBack.workers === 3, JSON.stringify(afterBack));
  assert(afterBack.length && afterBack.differing === 0, `after playing to 0 and two steps back: ${JSON.stringify(afterBack)}`);
  // a worker that fails leaves the chain on one thread, where it goes on from the same state
  await page.$eval('ptheta-chain', (el) => { el.chain.split.run = () => Promise.reject(new Error('a worker was lost')); });
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.getByRole('button', { name: 'Step forward' }).click();
  const afterFailure = await same();
  assert(afterFailure.t === '49' && afterFailure.workers === 1 && afterFailure.differing === 0, JSON.stringify(afterFailure));
});

test('a worker slowed by other work gets a smaller slice of the next burst, and the samples stay the one-thread chain\'s', async ({ page, base }) => {
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2 }));
  await page.goto(`${base}?samples=4096&steps=50`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  await page.waitForFunction(() => document.querySelector('ptheta-chain').shadowRoot.querySelector('.backend').textContent.includes('2 threads'), null, { timeout: 30000 });
  // the first worker reports its steps as taking ten times as long as they did, as a core busy
  // with other work would take them
  await page.$eval('ptheta-chain', (el) => {
    const slow = el.chain.split.slices[0].worker;
    const answer = slow.onmessage;
    slow.onmessage = ({ data }) => answer({ data: data.type === 'ran' ? { ...data, ms: data.ms * 10 } : data });
  });
  const step = page.getByRole('button', { name: 'Step forward' });
  const shares = [];
  for (const t of ['49', '48', '47']) {
    await step.click();
    await page.waitForSelector(`ptheta-chain[data-t="${t}"]`, { timeout: 30000 });
    shares.push(await page.$eval('ptheta-chain', (el) => el.chain.split.lastShares));
  }
  console.log(`slices of 4096 samples, the slowed worker's first, burst by burst: ${shares.map((s) => s.join(' + ')).join(', ')}`);
  // (each read comes after the burst run ahead: the first burst, halves, is already past.) The
  // slowed worker gets the least there is, a quarter of the other's share (MIN_SHARE_OF_FASTEST)
  const last = shares.at(-1);
  assert(last[0] + last[1] === 4096 && last[0] < last[1] / 2, JSON.stringify(shares));
  const after = await sameAsOneThread(page);
  assert(after.t === '47' && after.workers === 2 && after.length && after.differing === 0, JSON.stringify(after));
});
