// Shared by the Playwright tests (playwright.config.mjs, fixtures.mjs, *.spec.mjs) and the
// benchmark scripts (bench.mjs, bench-gpu.mjs): the system Chromium and its flags, an empty page for
// the benchmarks, and the pixel counts the tests use. Nothing here downloads a browser; if Chromium
// cannot start, the run fails.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launch options for the system Chromium. `webgpu`: WebGPU on SwiftShader. `present` (with
 * webgpu, the default) adds the flags that make SwiftShader Chromium's Vulkan device too: without
 * them headless Chromium computes with WebGPU but loses the device when a WebGPU canvas is
 * presented.
 */
export function launchOptions({ webgpu = false, present = true } = {}) {
  const args = [
    '--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  if (webgpu && present) {
    args.push('--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--use-vulkan=swiftshader',
      '--use-angle=vulkan');
  }
  return { executablePath: CHROMIUM, headless: true, args };
}

/** The system Chromium with `launchOptions(opts)`, for the scripts outside the test runner. */
export function launch(opts = {}) {
  return chromium.launch(launchOptions(opts));
}

/**
 * An empty page of the site at `base`, for the benchmarks that load the module themselves. Not the
 * lesson page: that draws on a WebGPU canvas, which loses the device where Chromium runs WebGPU
 * without the presentation flags, and the adapter is refused from then on.
 */
export async function blankPage(browser, base) {
  const page = await browser.newPage();
  await page.route('**/blank.html', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>pθ</title>' }));
  await page.goto(`${base}/blank.html`);
  return page;
}

export function assert(cond, msg) { if (!cond) throw new Error(msg); }

/** The console errors a lost WebGPU device may cause, for the tests that lose one on purpose. */
export const DEVICE_LOSS_ERRORS = /lost|destroy|map/i;

/** Shrinks the page's chain (SwiftShader computes on the CPU) and waits until it is rebuilt. */
export async function small(page, samples, steps) {
  await page.$eval('ptheta-chain', (el, [n, s]) => { el.setAttribute('samples', String(n)); el.setAttribute('steps', String(s)); }, [samples, steps]);
  await page.waitForFunction((n) => document.querySelector('ptheta-chain').chain?.samples === n, samples, { timeout: 60000 });
  await page.waitForSelector(`ptheta-chain[data-state="ready"][data-t="${steps}"]`, { timeout: 60000 });
}

/**
 * Opaque pixels on `<ptheta-chain>`'s points layer (the canvas backend.js mounts), copied onto a
 * 2-D canvas so the count works whatever context drew it. The background layer does not count.
 */
export function inkPixels(page) {
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

/**
 * Ink on `<ptheta-chain>`'s points layer (the one `chain` selects) as the screen shows it: pixels far from the stage's paper
 * colour in a screenshot of the stage with only the points layer visible, minus the same count
 * with the points layer hidden too (the border and anything else that is not the points). Unlike
 * `inkPixels` this sees a WebGPU canvas after it was presented (copying one onto a 2-D canvas
 * gives transparent pixels in this browser).
 */
export async function screenInk(page, chain = 'ptheta-chain') {
  const stage = page.locator(`${chain} .stage`);
  const hide = (selector) => stage.evaluate((s, sel) => {
    for (const c of s.querySelectorAll('.bg, .overlay, .points')) c.style.visibility = c.matches(sel) ? 'hidden' : '';
  }, selector);
  const count = (png) => page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    // the paper colour: the pixel at the centre of the top edge, past the border
    const p = 4 * (4 * c.width + (c.width >> 1));
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - d[p]) + Math.abs(d[i + 1] - d[p + 1]) + Math.abs(d[i + 2] - d[p + 2]) > 120) n++;
    }
    return n;
  }, png.toString('base64'));
  await hide('.bg, .overlay');
  const withPoints = await count(await stage.screenshot());
  await hide('.bg, .overlay, .points');
  const without = await count(await stage.screenshot());
  await hide('none');
  return withPoints - without;
}

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

/**
 * Runs axe-core on the page (open shadow roots included) and fails on any serious or critical
 * violation; minor and moderate ones are printed. Returns every violation found.
 */
export async function axe(page, label) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const rest = result.filter((v) => !bad.includes(v));
  if (rest.length) console.log(`  # ${label}: axe, minor/moderate only: ${rest.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
  assert(bad.length === 0, `${label}: axe found ${bad.map((v) => `${v.id} (${v.impact}) at ${v.nodes.join(', ')}`).join('; ')}`);
  return result;
}
