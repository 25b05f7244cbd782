// The page takes its names, ranges and refusals from the catalog (src/catalog.rs), as served in
// its own wasm: every select offers exactly the catalog's values (and disables exactly what the
// rules forbid), the address parser and <ptheta-chain>'s attribute checks accept the catalog's
// bounds and refuse one bad value of each field with the catalog's own message. Run with the
// lesson project: `npx playwright test --project lesson -g catalog`.
import { test } from './fixtures.mjs';
import { assert } from './helpers.mjs';

/** The catalog, from the page's own wasm module. */
const catalogOf = (page) => page.evaluate(async () => (await (await import('./js/lesson-wasm.js')).lessonApi()).catalog());
/** The catalog's refusals of an address. */
const addressErrors = (page, query) => page.evaluate(async (q) => {
  const api = await (await import('./js/lesson-wasm.js')).lessonApi();
  return api.parseState(q).errors.map((e) => e.message);
}, query);
/** The catalog's refusal of one attribute value, or null. */
const attributeError = (page, name, value) => page.evaluate(async ([n, v]) => {
  const api = await (await import('./js/lesson-wasm.js')).lessonApi();
  try { api.chainAttribute(n, v); return null; } catch (e) { return e.message; }
}, [name, value]);

async function open(page, query = '') {
  await page.goto(`./${query}`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
}

const options = (page, id) => page.$$eval(`#${id} option`, (os) => os.map((o) => ({ value: o.value, disabled: o.disabled })));
const same = (a, b, what) => assert(JSON.stringify(a) === JSON.stringify(b), `${what}: page ${JSON.stringify(a)}, catalog ${JSON.stringify(b)}`);

test('catalog: the selects offer exactly the catalog values and disable what the rules forbid', async ({ page }) => {
  await open(page);
  const cat = await catalogOf(page);
  same((await options(page, 'set-dataset')).map((o) => o.value), cat.datasets.map((d) => d.name), 'datasets');
  same((await options(page, 'set-schedule')).map((o) => o.value), cat.plotSchedules, 'schedules');
  same((await options(page, 'set-lang')).map((o) => o.value), cat.languages, 'languages');
  const steps = await page.$eval('#set-steps', (i) => [Number(i.min), Number(i.max)]);
  same(steps, [cat.limits.steps.min, cat.limits.steps.max], 'steps range');
  for (const d of cat.datasets) {
    await page.selectOption('#set-dataset', d.name);
    const params = await options(page, 'set-param');
    same(params.map((o) => o.value), cat.parameterizations.map((p) => p.name), `parameterizations for ${d.name}`);
    same(params.filter((o) => !o.disabled).map((o) => o.value), cat.parameterizations.map((p) => p.name).filter((p) => d.parameterizations.includes(p)), `shipped for ${d.name}`);
  }
  await page.selectOption('#set-dataset', cat.defaults.dataset);
  for (const p of cat.parameterizations) {
    await page.selectOption('#set-param', p.name);
    await page.waitForFunction((n) => document.querySelector('#set-param').value === n, p.name);
    const variances = await options(page, 'set-variance');
    same(variances.map((o) => o.value), cat.variances, `variances with ${p.name}`);
    same(variances.filter((o) => !o.disabled).map((o) => o.value), p.variances, `allowed with ${p.name}`);
    assert(await page.$eval('#set-variance', (s) => s.value) === p.defaultVariance, `${p.name} starts with its default variance`);
  }
});

test('catalog: the address accepts the catalog bounds and refuses each bad field with its message', async ({ page }) => {
  await open(page);
  const cat = await catalogOf(page);
  const { steps, samples, seed } = cat.limits;
  await open(page, `?steps=${steps.min}&samples=${samples.max}&seed=${seed.max}`);
  assert(await page.locator('#state-error').isHidden(), 'the bounds are accepted');
  const info = await page.$eval('ptheta-chain', (el) => el.info);
  same([info.steps, info.samples, info.seed], [steps.min, samples.max, seed.max], 'the chain runs at the bounds');
  const bad = {
    dataset: 'mars', param: 'banana', variance: 'huge', schedule: 'sigmoid', lang: 'xx',
    steps: String(steps.max + 1), samples: String(samples.min - 1), seed: '-1', t: '1.5',
  };
  for (const [field, value] of Object.entries(bad)) {
    const query = `?${field}=${encodeURIComponent(value)}`;
    const want = await addressErrors(page, query);
    assert(want.length === 1 && want[0].startsWith(`${field}="${value}"`), `the catalog refuses ${query}: ${want}`);
    await open(page, query);
    const shown = await page.locator('#state-error').textContent();
    assert(shown.includes(want[0]), `${query}: the page shows "${shown}", the catalog says "${want[0]}"`);
  }
});

test('catalog: <ptheta-chain> refuses one bad value of each attribute with the catalog message', async ({ page }) => {
  await open(page);
  const cat = await catalogOf(page);
  const bad = {
    steps: String(cat.limits.steps.max + 1), samples: String(cat.limits.samples.max + 1), seed: '1e3', t: '-2',
    variance: 'huge', backend: 'gpu', draw: 'svg', loading: 'soon',
  };
  for (const [name, value] of Object.entries(bad)) {
    const want = await attributeError(page, name, value);
    assert(want?.startsWith(`attribute ${name}="${value}"`), `the catalog refuses ${name}="${value}": ${want}`);
    // a fresh element, as a page author would write it
    await page.evaluate(([n, v]) => {
      const el = document.createElement('ptheta-chain');
      el.id = 'probe';
      el.setAttribute('weights', 'weights/moons-epsilon.safetensors');
      el.setAttribute(n, v);
      // at the top, in view: a widget further down waits to be scrolled to before it starts
      document.body.prepend(el);
    }, [name, value]);
    await page.waitForSelector('#probe[data-state="error"]', { timeout: 30000 });
    const shown = await page.locator('#probe .status span').textContent();
    assert(shown.includes(want), `${name}: the element shows "${shown}", the catalog says "${want}"`);
    await page.$eval('#probe', (el) => el.remove());
  }
  // the catalog's largest sample count is accepted by the element as well as the address
  await page.$eval('ptheta-chain', (el, n) => el.setAttribute('samples', String(n)), cat.limits.samples.max);
  await page.waitForFunction((n) => document.querySelector('ptheta-chain').chain?.samples === n, cat.limits.samples.max, { timeout: 60000 });
});
