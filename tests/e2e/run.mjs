// Browser end-to-end tests of the built page (dist/, from `trunk build --release`) in headless
// Chromium. Prints `# N passed, M failed`; screenshots go to test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { serveDir } from './serve.mjs';
import { launch } from './browser.mjs';

const ARTIFACTS = 'test-artifacts';
await mkdir(ARTIFACTS, { recursive: true });
const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();

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

/**
 * Opaque pixels on the chain's points layer (the canvas backend.js mounts), copied onto a 2-D
 * canvas so the count works whatever context drew it. The background layer (axes, data) is a
 * separate canvas and does not count.
 */
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

await test('the page loads, plays the chain to t = 0 and draws the samples', async (page, errors) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await page.$eval('ptheta-chain', (el) => el.dataset.t) === '50', 'starts at t = T = 50');
  const backend = await page.locator('ptheta-chain .backend').textContent();
  assert(/CPU/.test(backend), `backend shown: ${backend}`);
  await page.screenshot({ path: `${ARTIFACTS}/chain-start.png` });
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 120000 });
  assert(await page.locator('ptheta-chain output').first().textContent() === '0', 't readout shows 0');
  const ink = await inkPixels(page);
  assert(ink > 500, `points drawn on the canvas (${ink} ink pixels)`);
  await page.screenshot({ path: `${ARTIFACTS}/chain-end.png` });
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('keyboard alone: tab to Step, press it, then step back', async (page, errors) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const step = page.getByRole('button', { name: 'Step forward' });
  await step.focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  assert(await page.$eval('ptheta-chain', (el) => el.dataset.t) === '48', 'two steps by keyboard');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  assert(await page.$eval('ptheta-chain', (el) => el.dataset.t) === '49', 'back by keyboard');
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

await test('a corrupt weights file gives a clear error and the page keeps working', async (page) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'index.html'));
  await page.waitForSelector('ptheta-chain[data-state="error"]', { timeout: 30000 });
  const msg = await page.locator('ptheta-chain .status span').textContent();
  assert(/safetensors|truncated/.test(msg), `error names the problem: ${msg}`);
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/moons-epsilon.safetensors'));
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
});

await test('an invalid attribute is named in the error', async (page) => {
  await page.goto(base);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  await page.$eval('ptheta-chain', (el) => el.setAttribute('variance', 'huge'));
  await page.waitForSelector('ptheta-chain[data-state="error"]', { timeout: 30000 });
  const msg = await page.locator('ptheta-chain .status span').textContent();
  assert(msg.includes('variance="huge"') && msg.includes('fixed-small'), msg);
});

await browser.close();
server.close();
console.log(`# ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
