// The wasm builds (www/js/wasm-builds.js) in the browser: which one a browser gets, that each runs
// the page, and how their samples compare. `npx playwright test --project cpu`.
import { readFileSync } from 'node:fs';
import { test } from './fixtures.mjs';
import { assert, inkPixels } from './helpers.mjs';
import { WASM_BUILDS } from '../../www/js/wasm-builds.js';

const EN = JSON.parse(readFileSync('www/i18n/en.json', 'utf8'));
const label = (name) => EN['chain.cpu'].replace('{build}', EN[`build.${name}`]);
const backendText = (page) => page.$eval('ptheta-chain', (el) => el.shadowRoot.querySelector('.backend').textContent);

/**
 * Largest |x_0 difference| between the relaxed-SIMD build and the others after 1000 steps. Fusing
 * a multiply-add rounds once instead of twice (≈ 6e-8 relative each); carried through the chain,
 * the samples measured 6.3e-6 apart at most (1024 samples, moons-epsilon). 1e-4 leaves room for
 * another CPU's FMA choices and is still four orders of magnitude below the samples' spread (≈ 1).
 */
const FUSED_TOLERANCE = 1e-4;

for (const build of WASM_BUILDS) {
  test(`the ${build.name} build runs the page: the chain plays to 0 on it, split across workers that run it too`, async ({ page, base }) => {
    await page.addInitScript((name) => { globalThis.PTHETA_WASM_BUILD = name; }, build.name);
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2 }));
    const wasm = [];
    page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
    await page.goto(`${base}?samples=1024&steps=50`);
    await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
    await page.waitForFunction(() => document.querySelector('ptheta-chain').chain?.workers === 2, null, { timeout: 30000 });
    const shown = await backendText(page);
    assert(shown.startsWith(label(build.name)), `the backend names the build: "${shown}", expected "${label(build.name)}"`);
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForSelector('ptheta-chain[data-t="0"]', { timeout: 120000 });
    assert(await inkPixels(page) > 500, 'samples drawn');
    // the workers ran the page's module: their samples are the one-thread chain's of this build
    const differing = await page.$eval('ptheta-chain', async (el) => {
      const api = await (await import('./js/lesson-wasm.js')).lessonApi();
      const { seed, variance, steps, samples } = el.chain.info();
      const one = new api.WasmChain(el.chain.weights, { seed, variance, steps, samples, backend: 'cpu' });
      one.goTo(0);
      const [a, b] = [await one.positions(), await el.chain.positions()];
      one.free();
      return a.length === b.length ? a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0) : -1;
    });
    assert(differing === 0, `worker-split samples differ from the one-thread chain in ${differing} values`);
    assert(wasm.length === 1 && wasm[0] === build.file, `the page fetched only ${build.file}: ${wasm.join(', ')}`);
  });
}

test('a browser gets the fastest build it can run: relaxed SIMD here, the scalar build where wasm SIMD is missing', async ({ page, base }) => {
  await page.goto(`${base}?steps=50`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const here = await backendText(page);
  assert(here.startsWith(label('relaxed-simd')), `this Chromium has relaxed SIMD: "${here}"`);
  // a browser without wasm SIMD: it refuses every module that holds a SIMD instruction
  const old = await page.context().newPage();
  await old.addInitScript(() => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => {
      const b = new Uint8Array(bytes.buffer ?? bytes);
      // 0xfd: the prefix of every SIMD instruction; the probes are a few dozen bytes
      return b.length < 100 && b.includes(0xfd) ? false : validate(bytes);
    };
  });
  await old.goto(`${base}?steps=50`);
  await old.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  const shown = await backendText(old);
  assert(shown.startsWith(label('scalar')), `without SIMD: "${shown}"`);
  await old.getByRole('button', { name: 'Step forward' }).click();
  await old.waitForSelector('ptheta-chain[data-t="49"]');
  await old.close();
});

test('the builds agree: scalar and simd128 bit for bit, relaxed SIMD within its tolerance (and not bit for bit: it fuses)', async ({ page, base }) => {
  // a blank page of the site's origin (with an icon, or the browser asks for /favicon.ico)
  await page.route('**/blank.html', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>builds</title><link rel="icon" href="data:,">' }));
  await page.goto(new URL('blank.html', base).href);
  const r = await page.evaluate(async (builds) => {
    const bytes = new Uint8Array(await (await fetch('weights/moons-epsilon.safetensors')).arrayBuffer());
    const out = {};
    for (const { name, file } of builds) {
      // one instance of the glue per build: a query makes it another module
      const mod = await import(`./ptheta.js?build=${name}`);
      await mod.default({ module_or_path: file });
      const chain = await mod.WasmChain.create(bytes, { samples: 1024, steps: 1000, seed: 3, variance: 'fixed-small', backend: 'cpu' });
      chain.goTo(0);
      out[name] = { x0: [...await chain.positions()], catalog: JSON.stringify(mod.catalog()) };
      chain.free();
    }
    return out;
  }, WASM_BUILDS.map(({ name, file }) => ({ name, file })));
  const [relaxed, simd, scalar] = ['relaxed-simd', 'simd128', 'scalar'].map((n) => r[n]);
  assert(simd.catalog === scalar.catalog && simd.catalog === relaxed.catalog, 'every build has the same catalog');
  const diff = (a, b) => a.x0.reduce((m, v, i) => Math.max(m, Math.abs(v - b.x0[i])), 0);
  const differing = (a, b) => a.x0.reduce((n, v, i) => n + (Object.is(v, b.x0[i]) ? 0 : 1), 0);
  assert(simd.x0.length === 2048 && scalar.x0.length === 2048 && relaxed.x0.length === 2048, 'all ran 1024 samples');
  assert(differing(simd, scalar) === 0, `scalar and simd128 differ in ${differing(simd, scalar)} values`);
  const d = diff(relaxed, simd);
  console.log(`relaxed SIMD vs simd128 after 1000 steps: largest |Δx_0| ${d.toExponential(2)}, ${differing(relaxed, simd)} of 2048 values differ`);
  assert(d <= FUSED_TOLERANCE, `relaxed SIMD is ${d} from simd128 (tolerance ${FUSED_TOLERANCE})`);
  assert(differing(relaxed, simd) > 0, 'the relaxed-SIMD build gave the unfused bits: its multiply-adds are not fused');
});
