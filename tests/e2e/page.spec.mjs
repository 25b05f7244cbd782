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
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  assert(await page.$eval('ptheta-chain', (el) => el.dataset.t) === '48', 'two steps by keyboard');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  assert(await page.$eval('ptheta-chain', (el) => el.dataset.t) === '49', 'back by keyboard');
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
