// The lesson's second world (issue 14): <ptheta-chain dataset="digits"> draws its 64 samples as
// a grid of 8×8 images, x_t beside x̂_0, with the controls of the chain in the plane, and
// inspects one pixel of one sample with the equation filled in. Part of the `lesson` project:
// `npx playwright test tests/e2e/digits.spec.mjs --project lesson`. Screenshots go to docs/.
import { test } from './fixtures.mjs';
import { assert, axe } from './helpers.mjs';

/** The lesson with its digits chain shown (by its button, with the keyboard) and ready. */
async function openDigits(page, base) {
  await page.goto(`${base}?lang=en`);
  await page.waitForSelector('#chain[data-state="ready"]', { timeout: 120000 });
  assert(await page.locator('#digits').count() === 0, 'no second chain before the reader asks for it');
  await page.getByRole('button', { name: 'Show the digits' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#digits[data-state="ready"]', { timeout: 120000 });
  assert(await page.evaluate(() => document.activeElement?.id) === 'digits', 'the focus moves to the new chain');
}

/**
 * How well each grid's shades follow the chain's numbers: the correlation, over every pixel of
 * every sample, between a value (clamped to the catalog's paper..ink) and the luminance at the
 * centre of its square, for each grid against `positions()` and `predictions()`.
 */
function shading(page) {
  return page.$eval('#digits', async (el) => {
    const { paper, ink, side } = el.image;
    const x = await el.chain.positions();
    const x0 = await el.chain.predictions();
    const n = el.chain.samples;
    const { cols } = el.grid;
    const luminance = (canvas) => {
      const ctx = canvas.getContext('2d');
      const units = 1 + cols * (side + 1);
      const s = canvas.width / units;
      const out = [];
      for (let k = 0; k < n; k++) {
        for (let p = 0; p < side * side; p++) {
          const gx = 1 + (k % cols) * (side + 1) + (p % side);
          const gy = 1 + Math.floor(k / cols) * (side + 1) + Math.floor(p / side);
          const [r, g, b] = ctx.getImageData(Math.floor((gx + 0.5) * s), Math.floor((gy + 0.5) * s), 1, 1).data;
          out.push(0.2126 * r + 0.7152 * g + 0.0722 * b);
        }
      }
      return out;
    };
    const clamp = (v) => [...v].map((u) => Math.min(ink, Math.max(paper, u)));
    const corr = (a, b) => {
      const m = (v) => v.reduce((s, u) => s + u, 0) / v.length;
      const [ma, mb] = [m(a), m(b)];
      let [sab, saa, sbb] = [0, 0, 0];
      for (let i = 0; i < a.length; i++) {
        sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2;
      }
      return sab / Math.sqrt(saa * sbb);
    };
    const root = el.shadowRoot;
    const [lxt, lx0] = [luminance(root.querySelector('.grid-xt')), luminance(root.querySelector('.grid-x0'))];
    return {
      xt: corr(clamp(x), lxt), x0: corr(clamp(x0), lx0), crossed: corr(clamp(x), lx0), t: el.chain.t,
    };
  });
}

test('the second world: 64 digits come out of noise, x̂_0 beside x_t, and both grids show the chain\'s numbers', async ({ page, base }) => {
  await openDigits(page, base);
  const setup = await page.$eval('#digits', (el) => {
    const root = el.shadowRoot;
    const shown = [...root.querySelectorAll('[data-control]')].filter((c) => !c.hidden).map((c) => c.dataset.control);
    return {
      samples: el.chain.samples, dim: el.chain.info().dim, steps: el.chain.steps, shown,
      stage: root.querySelector('.stage').hidden, grids: root.querySelector('.grids').hidden, pixel: root.querySelector('.pixel-label').hidden,
    };
  });
  assert(setup.samples === 64 && setup.dim === 64, `an 8×8 grid of 64-pixel images: ${JSON.stringify(setup)}`);
  assert(setup.stage && !setup.grids && !setup.pixel, `the grids and the pixel picker replace the plane: ${JSON.stringify(setup)}`);
  assert(setup.shown.join() === 'play,scrub,settings,inspect', `no layers and no divergence for images: ${setup.shown}`);
  // 60 % of the way: x_t still mostly noise, x̂_0 already a digit
  const mid = Math.round(setup.steps * 0.6);
  await page.$eval('#digits', (el, t) => el.goTo(t), mid);
  const s = await shading(page);
  // The dark theme is not in use (locale en-US, light): more ink is darker, so the correlation is
  // negative. −0.99: the only departures from a straight line are the 8-bit rounding of shades.
  assert(s.t === mid && s.xt < -0.99 && s.x0 < -0.99, `each grid is shaded by its own numbers: ${JSON.stringify(s)}`);
  // the control: the x̂_0 grid does not also follow x_t, so a grid drawing the wrong array fails
  assert(s.crossed > -0.9, `x̂_0's grid is not x_t's: ${JSON.stringify(s)}`);
  await page.locator('#digits').screenshot({ path: 'docs/digits-midway.png' });
  await page.locator('#digits').getByRole('button', { name: 'Play' }).click();
  await page.waitForSelector('#digits[data-t="0"]', { timeout: 180000 });
  const caption = await page.locator('#digits .x0-caption').textContent();
  assert(/nothing left to predict/.test(caption), `at t = 0 the right grid says it shows x_0: ${caption}`);
  const end = await page.$eval('#digits', async (el) => {
    const x = await el.chain.positions();
    // pixels near paper or near ink: finished digits are mostly one or the other
    const decided = [...x].filter((v) => Math.abs(v) > 0.5).length / x.length;
    return { decided };
  });
  assert(end.decided > 0.7, `the samples at t = 0 are images, not noise: ${JSON.stringify(end)}`);
  await page.locator('#digits').screenshot({ path: 'docs/digits-grid.png' });
});

test('the pixel inspector: a clicked pixel\'s step with its numbers, and the arrow keys move it', async ({ page, base }) => {
  await openDigits(page, base);
  await page.$eval('#digits', (el) => el.goTo(120));
  // the pixel at row 3, column 5 of sample 9, clicked where the grid draws it
  const target = { sample: 9, row: 3, col: 5 };
  const point = await page.$eval('#digits', (el, { sample, row, col }) => {
    const canvas = el.shadowRoot.querySelector('.grid-xt');
    const box = canvas.getBoundingClientRect();
    const { side } = el.image;
    const { cols } = el.grid;
    const s = box.width / (1 + cols * (side + 1));
    return {
      x: box.left + (1 + (sample % cols) * (side + 1) + col + 0.5) * s,
      y: box.top + (1 + Math.floor(sample / cols) * (side + 1) + row + 0.5) * s,
    };
  }, target);
  await page.mouse.click(point.x, point.y);
  const index = target.row * 8 + target.col;
  await page.waitForFunction((i) => document.querySelector('#digits').pixel === i, index);
  const inspector = page.locator('#digits-inspector');
  await inspector.locator('.pixel-note').filter({ hasText: 'Sample 9, the pixel at row 3, column 5' }).waitFor();
  // the equation holds this pixel's numbers, as the chain computes them for that sample
  const check = async (pixel) => {
    const want = await page.$eval('#digits', async (el, p) => {
      const ins = await el.chain.inspect(el.selected);
      const f = (v) => (Math.abs(v) < 5e-4 ? 0 : v).toFixed(3);
      return [ins.x_t[p], ins.mean_step[p], ins.noise[p], ins.x_prev[p], ins.eps[p], ins.x0[p]].map(f);
    }, pixel);
    const text = async (eq) => (await inspector.locator(`[data-eq="${eq}"] .katex-mathml`).textContent()).replace(/\s+/g, '');
    const sample = await text('sample');
    const beliefs = await text('beliefs');
    for (const v of want.slice(0, 4)) assert(sample.includes(v), `x_{t-1} = x_t + (μ − x_t) + σz with ${v}: ${sample}`);
    for (const v of want.slice(4)) assert(beliefs.includes(v), `ε̂ and x̂_0 with ${v}: ${beliefs}`);
  };
  await check(index);
  const legend = await inspector.locator('.legend').getAttribute('aria-label');
  assert(/in the equations/.test(legend), `no arrows to highlight on a grid: ${legend}`);
  await inspector.screenshot({ path: 'docs/digits-inspector.png' });
  await axe(page, 'the digits and their pixel inspector');
  // the keyboard: focus the x̂_0 grid, one step right and one down
  await page.$eval('#digits', (el) => el.shadowRoot.querySelector('.grid-x0').focus());
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const moved = index + 1 + 8;
  await page.waitForFunction((i) => document.querySelector('#digits').pixel === i, moved);
  await inspector.locator('.pixel-note').filter({ hasText: 'row 4, column 6' }).waitFor();
  await check(moved);
  // the number field names a pixel too, and the sample stays
  await page.$eval('#digits', (el) => {
    const input = el.shadowRoot.querySelector('.pixel');
    input.value = '0';
    input.dispatchEvent(new Event('change'));
  });
  await inspector.locator('.pixel-note').filter({ hasText: 'Sample 9, the pixel at row 0, column 0' }).waitFor();
});

test('an image chain refuses a CSV of points, and a dataset without the model asked for names what it ships', async ({ page, base }) => {
  await openDigits(page, base);
  await page.$eval('#digits', (el) => el.setAttribute('param', 'v'));
  await page.waitForSelector('#digits[data-state="error"]');
  const msg = await page.locator('#digits .status span').textContent();
  assert(msg.includes('no model ships for dataset="digits" param="v"') && msg.includes('epsilon'), msg);
  await page.route(`${base}points.csv`, (route) => route.fulfill({ body: 'x,y\n0.5,0.25\n-1,1\n', contentType: 'text/csv' }));
  await page.$eval('#digits', (el) => { el.removeAttribute('param'); el.setAttribute('data', 'points.csv'); });
  await page.waitForSelector('#digits[data-state="error"]');
  const csv = await page.locator('#digits .status span').textContent();
  assert(csv.includes('a CSV of points in the plane'), csv);
  await page.$eval('#digits', (el) => el.removeAttribute('data'));
  await page.waitForSelector('#digits[data-state="ready"]');
});

test('the iframe page runs a chain of digits with its inspector, from its address alone; a grid shows at most the catalog\'s images', async ({ page, base }) => {
  await page.goto(`${base}embed.html?widget=chain&dataset=digits&steps=20&samples=300&panels=inspector&lang=es`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 120000 });
  assert(await page.$eval('ptheta-chain', (el) => el.goTo(10)) === 10, 'it steps');
  await page.locator('ptheta-inspector .pixel-note').filter({ hasText: 'Muestra 0' }).waitFor();
  const shown = await page.$eval('ptheta-chain', async (el) => ({
    max: (await (await import('./js/lesson-wasm.js')).catalog()).view.gridImages,
    grid: el.grid.samples, chain: el.chain.samples,
    caption: el.shadowRoot.querySelector('.xt-caption').textContent,
  }));
  assert(shown.chain === 300 && shown.grid === shown.max && shown.caption.includes(`${shown.max} de 300`), JSON.stringify(shown));
  // a sample beyond the grid is inspected all the same
  await page.$eval('ptheta-chain', (el) => el.select(299));
  await page.locator('ptheta-inspector .pixel-note').filter({ hasText: 'Muestra 299' }).waitFor();
});
