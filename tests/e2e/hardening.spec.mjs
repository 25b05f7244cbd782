// The page against a hostile or unlucky reader (issue 13): a link that asks for minutes of work, a
// panel given attributes it does not know, an element removed while it loads, downloads that fail
// and ids written to break out of HTML. Part of the `lesson` project:
// `npx playwright test --project lesson tests/e2e/hardening.spec.mjs`.
import { test, expectErrors } from './fixtures.mjs';
import { assert } from './helpers.mjs';

async function open(page, query = '') {
  await page.goto(`./${query}`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
}
const shown = (page) => page.$eval('ptheta-chain', (el) => Number(el.shadowRoot.querySelector('output.t').textContent));
const liveChains = (page) => page.evaluate(async () => (await import('./js/backend.js')).liveChains());
/** Waits up to five seconds for `check()` to hold. */
async function expectSoon(check, message) {
  for (let i = 0; i < 50 && !check(); i++) await new Promise((r) => { setTimeout(r, 100); });
  assert(check(), message());
}
const catalog = (page) => page.evaluate(async () => (await import('./js/lesson-wasm.js')).catalog());

/**
 * Clicks a button of `<ptheta-chain>` and checks that within a second the chain is at rest and
 * stays there; returns the t it rests at.
 */
async function stopsWithinASecond(page, name) {
  const clicked = Date.now();
  await page.getByRole('button', { name, exact: true }).click();
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 1000 });
  await page.waitForTimeout(Math.max(0, 1000 - (Date.now() - clicked)));
  const t = await shown(page);
  await page.waitForTimeout(1500);
  const later = await shown(page);
  assert(later === t, `${name}: t = ${t} one second after the click, ${later} 1.5 s later`);
  return t;
}

test('a link to a far t shows progress, stays responsive, and Pause or Reset stop it within a second', async ({ page }) => {
  // 1000 steps of 8192 samples: minutes of work on the CPU
  const link = './?samples=8192&steps=1000&t=0';
  await page.goto(link);
  await page.waitForSelector('ptheta-chain[data-state="seeking"]', { timeout: 60000 });
  const progress = page.locator('ptheta-chain progress');
  await progress.waitFor({ state: 'visible', timeout: 30000 });
  const status = await page.locator('ptheta-chain .status span').textContent();
  assert(status.includes('t = 0'), `the status says where the chain is going: ${status}`);
  await page.waitForFunction(() => Number(document.querySelector('ptheta-chain').shadowRoot.querySelector('progress').value) > 0, null, { timeout: 30000 });
  // the page answers between bursts: a script's turn comes quickly
  const lag = await page.evaluate(() => new Promise((resolve) => { const t0 = performance.now(); setTimeout(() => resolve(performance.now() - t0), 0); }));
  assert(lag < 1000, `a timer waited ${lag.toFixed(0)} ms`);
  const paused = await stopsWithinASecond(page, 'Pause');
  assert(paused > 0 && paused < 1000, `paused on the way, at t = ${paused}`);
  assert(await progress.isHidden(), 'the progress bar is gone');
  assert(await page.getByRole('button', { name: 'Play', exact: true }).isVisible(), 'the button offers Play again');

  await page.goto(link);
  await page.waitForSelector('ptheta-chain[data-state="seeking"]', { timeout: 60000 });
  await progress.waitFor({ state: 'visible', timeout: 30000 });
  assert(await stopsWithinASecond(page, 'Reset') === 1000, 'Reset went back to x_T and the chain stayed there');
  assert(await progress.isHidden(), 'the progress bar is gone');
});

test('every panel names a bad attribute, its value and what it accepts; the page goes on', async ({ page }) => {
  await open(page);
  const cat = await catalog(page);
  const names = (list) => list.map((x) => x.name ?? x).join(', ');
  const cases = [
    ['ptheta-equations', { param: 'nope' }, 'param="nope"', names(cat.parameterizations)],
    ['ptheta-equations', { dataset: 'mars' }, 'dataset="mars"', names(cat.datasets)],
    ['ptheta-equations', { show: 'chain bogus' }, 'show="chain bogus"', 'chain, prior, transition, params'],
    ['ptheta-schedule', { schedule: 'exponential' }, 'schedule="exponential"', names(cat.plotSchedules)],
    ['ptheta-schedule', { dataset: 'mars' }, 'dataset="mars"', names(cat.datasets)],
    ['ptheta-compare', { param: 'nope' }, 'param="nope"', names(cat.parameterizations)],
    ['ptheta-compare', { seed: 'x' }, 'seed="x"', String(cat.limits.seed.max)],
    ['ptheta-compare', { samples: '0' }, 'samples="0"', String(cat.limits.samples.max)],
    ['ptheta-quiz', { src: 'i18n/en.json' }, 'src="i18n/en.json"', 'field "id" is missing'],
    ['ptheta-feedback', { section: 'two words' }, 'section="two words"', 'letters, digits'],
    ['ptheta-inspector', { for: 'nowhere' }, 'for="nowhere"', '<ptheta-chain>'],
    ['ptheta-algorithm', { for: 'schedule' }, 'for="schedule"', '<ptheta-chain>'],
  ];
  await page.evaluate(() => {
    window.panelErrors = [];
    document.addEventListener('ptheta-error', (e) => window.panelErrors.push(e.target.localName));
  });
  for (const [tag, attrs, named, allowed] of cases) {
    const text = await page.evaluate(async ([tagName, attributes]) => {
      const el = document.createElement(tagName);
      el.className = 'probe';
      for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
      document.querySelector('main').append(el);
      for (let i = 0; i < 100 && !el.dataset.error; i++) await new Promise((r) => { setTimeout(r, 50); });
      const p = el.shadowRoot.querySelector('p.error[role="alert"]');
      const out = p && p.checkVisibility() ? p.textContent : null;
      el.remove();
      return out;
    }, [tag, attrs]);
    assert(text !== null, `<${tag} ${JSON.stringify(attrs)}> shows an alert`);
    assert(text.includes(`<${tag}>`) && text.includes(named) && text.includes(allowed), `<${tag}> ${JSON.stringify(attrs)}: ${text}`);
  }
  assert(await page.evaluate(() => window.panelErrors.length) === cases.length, 'each fires ptheta-error');
  // a panel whose attribute is repaired renders
  const fixed = await page.evaluate(async () => {
    const el = document.createElement('ptheta-equations');
    el.setAttribute('param', 'nope');
    document.querySelector('main').append(el);
    for (let i = 0; i < 100 && !el.dataset.error; i++) await new Promise((r) => { setTimeout(r, 50); });
    el.setAttribute('param', (await (await import('./js/lesson-wasm.js')).catalog()).defaults.param);
    for (let i = 0; i < 100 && el.dataset.error; i++) await new Promise((r) => { setTimeout(r, 50); });
    const ok = !el.dataset.error && el.shadowRoot.querySelectorAll('.param-card').length > 0;
    el.remove();
    return ok;
  });
  assert(fixed, 'the repaired panel renders its cards');
  // the page goes on: the chain steps and the linked inspector follows
  const next = (await page.$eval('ptheta-chain', (el) => el.info.steps)) - 1;
  await page.getByRole('button', { name: 'Step forward' }).click();
  await page.waitForSelector(`ptheta-chain[data-t="${next}"]`);
  await page.waitForSelector(`ptheta-inspector[data-t="${next}"]`);
});

test('removing <ptheta-chain> while its weights download frees everything it made', async ({ page }) => {
  await open(page);
  assert(await liveChains(page) === 1, 'one chain: the page\'s');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/weights/moons-v.safetensors', async (route) => { await held; await route.continue(); });
  const requested = page.waitForRequest(/moons-v\.safetensors/);
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/moons-v.safetensors'));
  await requested;
  await page.evaluate(() => {
    window.removed = document.querySelector('ptheta-chain');
    window.removed.remove();
  });
  assert(await liveChains(page) === 0, 'the chain it showed is freed on removal');
  release();
  await page.evaluate(() => window.removed.built);
  assert(await liveChains(page) === 0, 'the load it had in flight created no chain');
  // put back, it loads again and holds one chain
  await page.evaluate(() => document.querySelector('aside').prepend(window.removed));
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await liveChains(page) === 1, 'back on the page: one chain');
});

test('removing a widget mid-download cancels the download; a download another widget still needs goes on', async ({ page }) => {
  await open(page);
  const failed = [];
  page.on('requestfailed', (r) => failed.push(`${new URL(r.url()).pathname} ${r.failure()?.errorText}`));
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  // a query no other widget asks for: a file the page has already downloaded is not fetched again
  const x0 = (url) => url.pathname.endsWith('/moons-x0.safetensors') && url.search === '?removal';
  await page.route(x0, async (route) => { await held; await route.continue().catch(() => {}); });
  // two chains wait for the same file; the first leaves, the second still needs it
  const requested = page.waitForRequest((r) => x0(new URL(r.url())));
  await page.evaluate(() => {
    const main = document.querySelector('main');
    for (const id of ['a', 'b']) {
      const el = document.createElement('ptheta-chain');
      el.id = `extra-${id}`;
      el.setAttribute('weights', 'weights/moons-x0.safetensors?removal');
      el.setAttribute('samples', '64');
      // at the end of the lesson, far below: eager, or it would wait to be scrolled to
      el.setAttribute('loading', 'eager');
      main.append(el);
    }
  });
  await requested;
  await page.evaluate(() => document.getElementById('extra-a').remove());
  await page.waitForTimeout(300);
  assert(failed.length === 0, `nothing cancelled while another widget waits: ${failed.join(', ')}`);
  release();
  await page.waitForSelector('#extra-b[data-state="ready"]', { timeout: 60000 });
  // alone now: removing the only widget that waits cancels the transfer
  let release2;
  const held2 = new Promise((resolve) => { release2 = resolve; });
  const mean = (url) => url.pathname.endsWith('/moons-mean.safetensors') && url.search === '?removal';
  await page.route(mean, async (route) => { await held2; await route.continue().catch(() => {}); });
  const requested2 = page.waitForRequest((r) => mean(new URL(r.url())));
  await page.$eval('#extra-b', (el) => el.setAttribute('weights', 'weights/moons-mean.safetensors?removal'));
  await requested2;
  await page.evaluate(() => { window.gone = document.getElementById('extra-b'); window.gone.remove(); });
  await expectSoon(() => failed.some((f) => f.startsWith('/weights/moons-mean.safetensors') && f.includes('ERR_ABORTED')), () => `the download was cancelled: ${failed.join(', ')}`);
  release2();
  await page.evaluate(() => window.gone.built);
  assert(await liveChains(page) === 1, 'only the page\'s chain is left');
});

test('the comparison frees its chains when it is removed, mid-run and after a run', async ({ page }) => {
  await open(page);
  assert(await liveChains(page) === 1, 'one chain: the page\'s');
  const counts = await page.evaluate(async () => {
    const { liveChains } = await import('./js/backend.js');
    const cmp = document.querySelector('ptheta-compare');
    const parent = cmp.parentNode;
    const next = cmp.nextSibling;
    const out = {};
    // mid-run: removed once its second chain exists
    const run = cmp.run();
    while (liveChains() < 3) await new Promise((r) => { setTimeout(r, 20); });
    out.during = liveChains();
    cmp.remove();
    await run;
    out.afterMidRunRemoval = liveChains();
    // after a whole run (put back, it renders afresh first)
    parent.insertBefore(cmp, next);
    await cmp.refresh();
    await cmp.run();
    out.afterRun = liveChains();
    cmp.remove();
    out.afterRemoval = liveChains();
    parent.insertBefore(cmp, next);
    return out;
  });
  assert(counts.during >= 3, `the run had chains of its own: ${JSON.stringify(counts)}`);
  assert(counts.afterMidRunRemoval === 1, `removed mid-run, nothing of the run is left: ${JSON.stringify(counts)}`);
  assert(counts.afterRun > 2, `a whole run holds its panels' chains: ${JSON.stringify(counts)}`);
  assert(counts.afterRemoval === 1, `removed after the run, its chains are freed: ${JSON.stringify(counts)}`);
});

test('when the wasm module cannot load, the page and each widget say so instead of staying blank', expectErrors(/could not start|404/), async ({ page }) => {
  // whichever build the browser runs (www/js/wasm-builds.js)
  await page.route('**/*_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto('./');
  const notice = page.locator('#boot-error');
  await notice.waitFor({ state: 'visible', timeout: 30000 });
  const text = await notice.textContent();
  assert(text.includes('pθ could not start') && text.includes('pθ no pudo arrancar'), text);
  assert(/ptheta-relaxed_bg\.wasm: HTTP 404/.test(text), `it names the file and the status: ${text}`);
  assert(await page.getAttribute('#boot-error', 'role') === 'alert', 'an alert');
  const widget = await page.$eval('ptheta-chain', (el) => el.shadowRoot?.querySelector('[role=alert]')?.textContent);
  assert(widget?.includes('could not start'), `the chain's place says it too: ${widget}`);
  assert(await page.locator('.toolbar').isHidden(), 'no empty controls are left');
});

test('when a message file cannot load, the page says so instead of staying blank', expectErrors(/could not start|500/), async ({ page }) => {
  await page.route('**/i18n/es.json', (route) => route.fulfill({ status: 500, body: 'broken' }));
  await page.goto('./');
  const notice = page.locator('#boot-error');
  await notice.waitFor({ state: 'visible', timeout: 30000 });
  const text = await notice.textContent();
  assert(text.includes('could not start') && text.includes('es') && text.includes('500'), `it names the file and the status: ${text}`);
});

test('a weights file larger than the catalog allows is stopped as it arrives and named', async ({ page }) => {
  await open(page);
  const limit = (await catalog(page)).limits.weightsBytes.max;
  // a host that announces a small file and sends far more, as a broken or hostile one might
  await page.route('**/weights/huge.safetensors', (route) => route.fulfill({ headers: { 'content-length': '1000' }, body: Buffer.alloc(limit + 4096) }));
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/huge.safetensors'));
  await page.waitForSelector('ptheta-chain[data-state="error"]', { timeout: 30000 });
  const text = await page.locator('ptheta-chain .notice').textContent();
  assert(text.includes('huge.safetensors') && text.includes(`larger than ${limit} bytes`), text);
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/moons-epsilon.safetensors'));
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
});

test('a failed weights download is said in the widget, and the widget recovers', expectErrors(/404|ERR_FAILED/), async ({ page }) => {
  await open(page);
  const notice = page.locator('ptheta-chain .notice');
  await page.route('**/weights/moons-x0.safetensors', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/moons-x0.safetensors'));
  await page.waitForSelector('ptheta-chain[data-state="error"]', { timeout: 30000 });
  await notice.waitFor({ state: 'visible' });
  const text = await notice.textContent();
  assert(await notice.getAttribute('role') === 'alert' && text.includes('could not be downloaded') && text.includes('moons-x0.safetensors') && text.includes('404'), text);
  // a connection that drops
  await page.route('**/weights/moons-v.safetensors', (route) => route.abort('failed'));
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/moons-v.safetensors'));
  await page.waitForFunction(() => document.querySelector('ptheta-chain').shadowRoot.querySelector('.notice').textContent.includes('moons-v'), null, { timeout: 30000 });
  await page.$eval('ptheta-chain', (el) => el.setAttribute('weights', 'weights/moons-epsilon.safetensors'));
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
  assert(await notice.isHidden(), 'the notice goes once the weights load');
  // the comparison names the download that failed where its panel would be
  await page.route('**/weights/*.safetensors', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.locator('ptheta-compare .cmp-run').click();
  await page.waitForSelector('ptheta-compare[data-state="done"]', { timeout: 120000 });
  const failed = await page.$$eval('ptheta-compare .mini[data-failed="true"] .result', (els) => els.map((e) => e.textContent));
  assert(failed.length > 0 && failed.every((t) => t.includes('weights not downloaded') && t.includes('404')), failed.join(' | '));
});

test('the figures come from the catalog built into the wasm: a malformed manifest.json on the server changes nothing', async ({ page }) => {
  const asked = [];
  await page.route('**/weights/manifest.json', (route) => { asked.push(route.request().url()); return route.fulfill({ status: 200, contentType: 'application/json', body: '{ "not": json' }); });
  await open(page);
  await page.waitForSelector('ptheta-compare .mini .figs');
  const figs = await page.$$eval('ptheta-compare .mini .figs', (els) => els.map((e) => e.textContent));
  assert(figs.some((t) => t.includes('quality ratio')), `figures shown: ${figs.join(' | ')}`);
  assert(asked.length === 0, `the page fetched ${asked.join(', ')}`);
});

test('ids and attributes written as HTML stay text', async ({ page }) => {
  await open(page);
  const ID = '"><img src=x onerror=window.__pwned=1>';
  const result = await page.evaluate(async (id) => {
    const made = [];
    const quiz = { id: 'q', title: id, questions: [
      { id, type: 'single', prompt: id, explanation: id, choices: [{ id: 'a', text: id }, { id: 'b', text: 'b' }], answer: 'a' },
      { id: 'ok', type: 'single', prompt: id, explanation: id, choices: [{ id: 'a', text: id }, { id: 'b', text: 'b' }], answer: 'a' },
    ] };
    for (const [tag, attrs] of [['ptheta-equations', { show: 'params' }], ['ptheta-inspector', { for: id }], ['ptheta-quiz', {}]]) {
      const el = document.createElement(tag);
      el.id = `${id}${made.length}`;
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      if (tag === 'ptheta-quiz') el.append(Object.assign(document.createElement('script'), { type: 'application/json', textContent: JSON.stringify(quiz) }));
      document.querySelector('main').append(el);
      made.push(el);
    }
    await new Promise((r) => { setTimeout(r, 1000); });
    const out = {
      pwned: window.__pwned,
      images: made.reduce((n, el) => n + el.shadowRoot.querySelectorAll('img').length, 0),
      eqName: made[0].shadowRoot.querySelector('input[type=radio]')?.name,
      errors: [made[1].dataset.error],
      errorText: [made[1].shadowRoot.querySelector('.error')?.textContent, made[2].shadowRoot.querySelector('.q-error')?.textContent],
      quizText: [made[2].shadowRoot.querySelector('.quiz-title')?.textContent, made[2].shadowRoot.querySelector('.choice label')?.textContent],
    };
    for (const el of made) el.remove();
    return out;
  }, ID);
  assert(result.pwned === undefined && result.images === 0, JSON.stringify(result));
  assert(result.eqName === `eq-param-${ID}0`, `the ids are the inputs' names, verbatim: ${JSON.stringify(result)}`);
  assert(result.errorText.every((t) => t?.includes(ID)), `the bad values are shown as text: ${JSON.stringify(result.errorText)}`);
  assert(result.quizText.every((t) => t === ID), `a quiz's texts are shown as text: ${JSON.stringify(result.quizText)}`);
});
