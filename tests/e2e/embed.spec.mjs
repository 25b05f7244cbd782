// pθ's widgets on pages pθ did not write (issue 11): a course page on one origin loading
// ptheta-widgets.js from another origin and a sub-path, the same page under a hostile stylesheet,
// the script loaded twice and a widget removed and added again, and embed.html in an iframe
// talking to its parent by messages. Part of the `lesson` project:
// `npx playwright test tests/e2e/embed.spec.mjs --project lesson`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { test as base, expectErrors } from './fixtures.mjs';
import { assert, screenInk } from './helpers.mjs';
import { serveDir } from './serve.mjs';

const SUB = '/courses/pθ-widgets/';
/** The policy the site and the widgets must run under, with nothing added (issue 11). */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

/** dist/ on 127.0.0.1 under a sub-path, with CORS; the course pages on localhost (another origin). */
const test = base.extend({
  origins: [async ({}, use) => {
    const widgets = await serveDir('dist', { prefix: SUB, cors: true, csp: CSP });
    const widgetsBase = `http://127.0.0.1:${widgets.address().port}${encodeURI(SUB)}`;
    const copy = await serveDir('dist', { prefix: '/copy/', cors: true });
    const copyBase = `http://127.0.0.1:${copy.address().port}/copy/`;
    const hosts = await serveDir('tests/e2e/hosts', { host: 'localhost', fill: { WIDGETS: widgetsBase } });
    await use({ widgets: widgetsBase, copy: copyBase, host: `http://localhost:${hosts.address().port}/` });
    await Promise.all([widgets, copy, hosts].map((s) => new Promise((resolve) => { s.close(resolve); })));
  }, { scope: 'worker' }],
});

const ready = (page, id) => page.waitForSelector(`ptheta-chain#${id}[data-state="ready"]`, { timeout: 120000 });

async function openCourse(page, origins) {
  const fetched = [];
  page.on('request', (r) => fetched.push(r.url()));
  await page.goto(`${origins.host}course.html`);
  await ready(page, 'moons');
  await ready(page, 'board');
  return fetched;
}

test('a course page on another origin loads the widgets from a sub-path; two chains run to t = 0, the inspector follows, the quiz answers', async ({ page, origins }) => {
  const fetched = await openCourse(page, origins);
  const wasm = fetched.filter((u) => u.endsWith('.wasm'));
  assert(wasm.length === 1 && wasm[0].startsWith(origins.widgets), `the wasm came from the widgets' sub-path: ${wasm}`);
  const weights = fetched.filter((u) => u.endsWith('.safetensors'));
  assert(weights.length === 2 && weights.every((u) => u.startsWith(`${origins.widgets}weights/`)), `the weights too: ${weights}`);
  // both chains to x_0 through their methods; ptheta-done fires once each
  const done = await page.evaluate(async () => {
    const seen = [];
    document.addEventListener('ptheta-done', (e) => seen.push(e.target.id));
    const ts = await Promise.all(['moons', 'board'].map((id) => document.getElementById(id).goTo(0)));
    await new Promise((r) => { setTimeout(r, 200); });
    return { ts, seen };
  });
  assert(done.ts.every((t) => t === 0) && done.seen.sort().join() === 'board,moons', JSON.stringify(done));
  // the checkerboard shows only the controls it asked for
  const shown = await page.$eval('#board', (el) => [...el.shadowRoot.querySelectorAll('[data-control]')].filter((c) => !c.hidden).map((c) => c.dataset.control));
  assert(shown.join() === 'play,scrub', `controls="play scrub": ${shown}`);
  // attributes are properties: a new sample count rebuilds the chain, a new t moves it there
  const reflected = await page.$eval('#board', async (el) => {
    el.samples = 64;
    await el.built;
    const out = { samples: el.chain.samples, attribute: el.getAttribute('samples'), property: el.samples };
    el.t = 7;
    return out;
  });
  assert(reflected.samples === 64 && reflected.attribute === '64' && reflected.property === '64', JSON.stringify(reflected));
  await page.waitForSelector('#board[data-t="7"]');
  // the inspector, linked by for="moons", shows the sample at the t the chain is at
  await page.$eval('#moons', (el) => el.stepBack());
  await page.waitForSelector('ptheta-inspector[data-t="1"]');
  assert(await screenInk(page, '#moons') > 200, 'the moons chain drew its samples');
  // the instructor's own question, inline in the page, answers
  await page.waitForSelector('#check[data-state="ready"]');
  const answer = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('ptheta-answer', (e) => resolve(e.detail), { once: true });
    const quiz = document.getElementById('check').shadowRoot;
    quiz.querySelector('input[type=radio]').click();
    quiz.querySelector('button.check').click();
  }));
  assert(answer.question === 'start' && answer.correct === true && answer.statement.result.success === true, JSON.stringify(answer));
});

test('a hostile stylesheet on the page leaves the widgets as they were, and their styles stay inside', async ({ page, origins }) => {
  // as wide as the course's column, so that the page losing its layout leaves the widget's width
  await page.setViewportSize({ width: 704, height: 1100 });
  await openCourse(page, origins);
  const hostButton = () => page.$eval('button.host', (b) => { const s = getComputedStyle(b); return `${s.fontSize} ${s.minHeight} ${s.color}`; });
  const before = { box: await page.locator('#moons').boundingBox(), ink: await screenInk(page, '#moons'), button: await hostButton() };
  assert(before.button.startsWith('12px') && !before.button.includes('44px'), `pθ's button styles do not reach the page's: ${before.button}`);
  const pageRules = await page.evaluate(() => document.adoptedStyleSheets.flatMap((s) => [...s.cssRules]).filter((r) => !(r instanceof CSSFontFaceRule)).length);
  assert(pageRules === 0, `the page gains font faces only, not ${pageRules} rules`);
  await page.addStyleTag({ content: '* { all: unset !important; } canvas { display: none !important; } html, body, p, div { font-size: 48px !important; } ptheta-chain { color: red !important; }' });
  await page.waitForTimeout(500);
  const box = await page.locator('#moons').boundingBox();
  const ink = await screenInk(page, '#moons');
  assert(Math.abs(box.width - before.box.width) < 2, `width ${before.box.width} → ${box.width}`);
  assert(Math.abs(box.height - before.box.height) < 40, `height ${before.box.height} → ${box.height}`);
  assert(Math.abs(ink - before.ink) <= 0.05 * before.ink, `ink on the stage ${before.ink} → ${ink}`);
  const play = page.locator('#moons').getByRole('button', { name: 'Play', exact: true });
  assert(await play.isVisible(), 'the controls are still there');
  const fontSize = await page.$eval('#moons', (el) => getComputedStyle(el.shadowRoot.querySelector('button')).fontSize);
  assert(fontSize === '16px', `the widget keeps its font size: ${fontSize}`);
  await page.locator('#moons').screenshot({ path: 'test-artifacts/embed-hostile.png' });
});

test('the script loaded twice (and from a second copy) is harmless; a widget removed and added again works', async ({ page, origins }) => {
  await openCourse(page, origins);
  await page.evaluate((copy) => {
    for (const src of [document.querySelector('script[type=module]').src, `${copy}ptheta-widgets.js`]) {
      const s = document.createElement('script');
      s.type = 'module';
      s.src = src;
      document.body.append(s);
    }
  }, origins.copy);
  await page.waitForResponse((r) => r.url() === `${origins.copy}js/widgets.js`);
  await page.waitForTimeout(1000);
  const again = await page.evaluate(async () => {
    const el = document.getElementById('moons');
    const parent = el.parentNode;
    const next = el.nextSibling;
    el.remove();
    const freed = el.chain === null;
    parent.insertBefore(el, next);
    await el.built;
    const t = await el.step(3);
    const added = document.createElement('ptheta-chain');
    added.id = 'late';
    added.setAttribute('dataset', 'swiss-roll');
    added.setAttribute('samples', '64');
    added.setAttribute('steps', '20');
    added.setAttribute('backend', 'cpu');
    // below the page's end, out of view: eager, or it would wait to be scrolled to
    added.setAttribute('loading', 'eager');
    document.body.append(added);
    await added.built;
    return { freed, t, steps: el.chain.steps, late: added.dataset.state };
  });
  assert(again.freed && again.t === again.steps - 3 && again.late === 'ready', JSON.stringify(again));
});

test('embed.html in an iframe on another origin: resize and events out, only the documented commands in', async ({ page, origins }) => {
  await page.goto(`${origins.host}iframe.html`);
  const frame = page.frameLocator('#ptheta');
  await frame.locator('ptheta-chain[data-state="ready"]').waitFor({ timeout: 120000 });
  const received = () => page.evaluate(() => window.received);
  await page.waitForFunction(() => window.received.some((m) => m.type === 'ptheta-resize' && m.height > 300));
  const height = await page.$eval('#ptheta', (f) => f.getBoundingClientRect().height);
  assert(height > 300, `the page sized the frame from the message: ${height}`);
  assert((await received()).some((m) => m.type === 'ptheta-event' && m.name === 'ptheta-ready' && m.detail.dataset === 'moons'), 'ptheta-ready arrived');
  assert(await frame.getByRole('button', { name: 'Reproducir', exact: true }).isVisible(), 'lang=es: the controls speak Spanish');
  const t = () => frame.locator('ptheta-chain').evaluate((el) => el.chain.t);
  // malformed, unknown or extended messages change nothing
  await page.evaluate(() => {
    const w = document.getElementById('ptheta').contentWindow;
    for (const m of ['goTo', null, { type: 'ptheta-command', command: 'free' }, { type: 'ptheta-command', command: 'goTo', t: '0' },
      { type: 'ptheta-command', command: 'goTo', t: 0, then: 'free' }, { type: 'ptheta-command', command: 'constructor' },
      { type: 'ptheta-command', command: 'step', n: 2.5 }, { type: 'command', command: 'reset' }]) w.postMessage(m, '*');
  });
  await page.waitForTimeout(1000);
  assert(await t() === 20, `still at x_T: ${await t()}`);
  // the documented ones work
  await page.evaluate(() => document.getElementById('ptheta').contentWindow.postMessage({ type: 'ptheta-command', command: 'goTo', t: 5 }, '*'));
  await frame.locator('ptheta-chain[data-t="5"]').waitFor();
  await page.evaluate(() => document.getElementById('ptheta').contentWindow.postMessage({ type: 'ptheta-command', command: 'step', n: 5 }, '*'));
  await page.waitForFunction(() => window.received.some((m) => m.name === 'ptheta-done'));
  const steps = (await received()).filter((m) => m.name === 'ptheta-step').map((m) => m.detail.t);
  assert(steps.includes(5) && steps.at(-1) === 0, `ptheta-step events followed the chain: ${steps}`);
  await page.screenshot({ path: 'test-artifacts/embed-iframe.png' });
});

test("a model trained on the author's own CSV runs in the widget, its data behind it; bad files are named", expectErrors(/404/), async ({ page, origins }) => {
  // an author's points: a ring far from the origin (training standardizes them, and so must the page)
  const dir = 'test-artifacts/embed-csv';
  mkdirSync(dir, { recursive: true });
  const rows = ['x,y'];
  for (let i = 0; i < 2000; i++) {
    const a = (2 * Math.PI * i) / 2000;
    const r = 3 + 0.15 * Math.sin(37 * i);
    rows.push(`${(10 + r * Math.cos(a)).toFixed(4)},${(-5 + r * Math.sin(a)).toFixed(4)}`);
  }
  writeFileSync(`${dir}/ring.csv`, `${rows.join('\n')}\n`);
  // a few hundred optimizer steps: enough for a ring (quality ratio ≈ 1.3 measured with `ptheta eval`)
  execFileSync('target/debug/ptheta', ['train', '--csv', `${dir}/ring.csv`, '--iterations', '400', '--timesteps', '100', '--out', `${dir}/ring.safetensors`, '--quiet']);
  await page.route('**/mine/*', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    if (name === 'missing.csv') return route.fulfill({ status: 404, body: 'not here' });
    return route.fulfill({ body: readFileSync(`${dir}/${name}`) });
  });
  await openCourse(page, origins);
  const add = (id, attrs) => page.evaluate(([i, a]) => {
    const el = document.createElement('ptheta-chain');
    el.id = i;
    for (const [k, v] of Object.entries(a)) el.setAttribute(k, v);
    document.body.append(el);
    // as a reader would, scrolled to: a widget out of view waits
    el.scrollIntoView();
    return el.built.then(() => el.dataset.state);
  }, [id, attrs]);
  assert(await add('mine', { weights: 'mine/ring.safetensors', data: 'mine/ring.csv', samples: '512', backend: 'cpu' }) === 'ready', 'the model loads');
  const status = await page.locator('#mine .status span').textContent();
  assert(status.includes('ring'), `the dataset is named as the author named the file: ${status}`);
  const fit = await page.$eval('#mine', async (el) => {
    const T = el.chain.steps;
    await el.goTo(0);
    return { T, start: el.matchByT.get(T), end: el.matchByT.get(0), background: el.background.length };
  });
  assert(fit.background === 4000, `the CSV's 2000 points are drawn behind: ${JSON.stringify(fit)}`);
  assert(fit.end < 0.5 * fit.start && fit.end < 0.3, `at t = 0 the samples sit on the ring: ${JSON.stringify(fit)}`);
  await page.locator('#mine').screenshot({ path: 'test-artifacts/embed-csv.png' });
  // without its data file the chain still runs, and says what is missing
  assert(await add('nodata', { weights: 'mine/ring.safetensors', data: 'mine/missing.csv', samples: '64', backend: 'cpu' }) === 'ready', 'runs without its data');
  const notice = await page.locator('#nodata .notice').textContent();
  assert(notice.includes('missing.csv') && notice.includes('404'), notice);
  // a file that is not pθ weights
  assert(await add('notweights', { weights: 'mine/ring.csv', samples: '64', backend: 'cpu' }) === 'error', 'refused');
  const refusal = await page.locator('#notweights .status span').textContent();
  assert(/safetensors|header|weights/i.test(refusal), `a clear message: ${refusal}`);
});

test('under a strict Content-Security-Policy the lesson and a course page run with no violation', async ({ page, origins }) => {
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  // a course page on the widgets' own origin ('self'), served with the policy
  await page.route(`${origins.widgets}course-csp.html`, (route) => route.fulfill({
    body: readFileSync('tests/e2e/hosts/csp.html', 'utf8').replaceAll('{{WIDGETS}}', origins.widgets),
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP },
  }));
  await page.goto(`${origins.widgets}course-csp.html`);
  await ready(page, 'c');
  assert(await page.$eval('#c', (el) => el.goTo(0)) === 0, 'the chain runs to t = 0');
  // a chain of images too: its grids drawn with ImageData, its pixel inspector typeset
  await ready(page, 'd');
  assert(await page.$eval('#d', (el) => el.goTo(10)) === 10, 'the digits chain runs');
  const shades = await page.$eval('#d', (el) => {
    const c = el.shadowRoot.querySelector('.grid-x0');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return new Set(Array.from({ length: data.length / 4 }, (_, i) => data[4 * i])).size;
  });
  assert(shades > 20, `the x̂_0 grid is drawn in many shades: ${shades}`);
  await page.locator('#di .pixel-note').waitFor();
  await page.waitForSelector('#q[data-state="ready"]');
  await page.locator('#q').getByText('The noise', { exact: false }).first().click();
  await page.locator('#q').getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('#q .verdict').waitFor();
  // KaTeX's boxes keep their sizes (set through the CSSOM, not style attributes)
  const sized = await page.$eval('ptheta-equations', (el) => [...el.shadowRoot.querySelectorAll('.katex-html *')].filter((s) => s.style.cssText !== '').length);
  assert(sized > 100, `KaTeX's boxes are sized: ${sized}`);
  await page.locator('ptheta-equations').screenshot({ path: 'test-artifacts/embed-csp-equations.png' });
  const onCourse = await page.evaluate(() => window.violations);
  assert(onCourse.length === 0, `no violation on the course page: ${onCourse.join(' | ')}`);
  // the lesson page itself (index.html is served with the policy by the widgets' server)
  await page.goto(`${origins.widgets}?steps=50`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 120000 });
  await page.getByRole('button', { name: 'Step forward' }).click();
  await page.waitForSelector('ptheta-inspector[data-t="49"]');
  const violations = await page.evaluate(() => window.violations);
  assert(violations.length === 0, `no violation on the lesson: ${violations.join(' | ')}`);
});

test('the embedding guide: its live examples run, its snippets name the site, its reference is the catalog', async ({ page, origins }) => {
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.sourceFile}:${e.lineNumber}`));
  });
  await page.goto(`${origins.widgets}guide.html`);
  await page.waitForSelector('html[data-ready="true"]');
  await ready(page, 'demo');
  // the framed widget waits, like any other, until the reader scrolls to it
  await page.locator('#frame').scrollIntoViewIfNeeded();
  await page.frameLocator('#frame').locator('ptheta-chain[data-state="ready"]').waitFor({ timeout: 120000 });
  await page.locator('#quiz-live ptheta-quiz[data-state="ready"]').waitFor();
  const shown = await page.evaluate(async () => {
    const cat = await (await import('./js/lesson-wasm.js')).catalog();
    return {
      attributes: [...document.querySelectorAll('.attributes code')].map((c) => c.textContent).join(),
      expected: cat.chainAttributes.join(),
      images: [...document.querySelectorAll('.image-datasets code')].map((c) => c.textContent).join(),
      imagesExpected: cat.imageDatasets.map((d) => d.name).join(),
      props: [...document.querySelectorAll('.props code')].map((c) => c.textContent),
      script: document.querySelector('[data-snippet="script"]').textContent,
    };
  });
  assert(shown.attributes === shown.expected, `the attribute list is the catalog's: ${shown.attributes}`);
  assert(shown.images === shown.imagesExpected && shown.images.includes('digits'), `the worlds of images are the catalog's: ${shown.images}`);
  assert(shown.props.includes('--ptheta-ink') && shown.props.includes('--ptheta-font') && shown.props.length >= 20, `theming properties: ${shown.props}`);
  assert(shown.script.includes(`${origins.widgets}ptheta-widgets.js`), `the snippet names this site: ${shown.script}`);
  const violations = await page.evaluate(() => window.violations);
  assert(violations.length === 0, `the guide runs under the strict policy: ${violations.join(' | ')}`);
  await page.screenshot({ path: 'test-artifacts/guide.png', fullPage: false });
});

test('each widget speaks its own lang or its section\'s; far widgets start only when scrolled to, or when asked', async ({ page, origins }) => {
  const words = (l) => JSON.parse(readFileSync(`www/i18n/${l}.json`, 'utf8'));
  const [en, es] = [words('en'), words('es')];
  const fetched = [];
  page.on('request', (r) => fetched.push(r.url()));
  await page.goto(`${origins.host}languages.html`);
  await ready(page, 'es');
  await ready(page, 'en');
  const play = (id) => page.$eval(`#${id}`, (el) => el.shadowRoot.querySelector('[data-act=play]').textContent);
  assert(await play('es') === es['chain.play'] && await play('en') === en['chain.play'], `${await play('es')} / ${await play('en')}`);
  const inspector = await page.$eval('ptheta-inspector', (el) => el.shadowRoot.querySelector('h3').textContent);
  assert(inspector === es['insp.title'], `the inspector in <section lang="es">: ${inspector}`);
  await page.screenshot({ path: 'test-artifacts/embed-languages.png' });
  // the attribute is live; without it the widget speaks the page's language
  await page.$eval('#es', (el) => el.setAttribute('lang', 'en'));
  assert(await play('es') === en['chain.play'], await play('es'));
  await page.$eval('#es', (el) => el.setAttribute('lang', 'es'));
  assert(await play('es') === es['chain.play'], await play('es'));
  await page.$eval('#es', (el) => el.removeAttribute('lang'));
  assert(await play('es') === en['chain.play'], await play('es'));
  // below a long reading: the eager widget loads at once, the lazy ones wait and fetch nothing
  await ready(page, 'eager');
  const state = (id) => page.$eval(`#${id}`, (el) => el.dataset.state);
  assert(await state('far') === 'waiting' && await state('asked') === 'waiting', `${await state('far')} ${await state('asked')}`);
  const status = await page.$eval('#far', (el) => el.shadowRoot.querySelector('.status span').textContent);
  assert(status === en['chain.waiting'], status);
  const got = (name) => fetched.some((u) => u.endsWith(`weights/${name}-epsilon.safetensors`));
  assert(got('eight-gaussians') && !got('checkerboard') && !got('swiss-roll'), fetched.filter((u) => u.includes('weights/')).join(' '));
  // a method starts a waiting widget where it is
  const t = await page.$eval('#asked', (el) => el.goTo(3));
  assert(t === 3 && got('swiss-roll') && !got('checkerboard'), `goTo(3) on a waiting widget: ${t}`);
  // scrolled to, the far one starts
  await page.locator('#far').scrollIntoViewIfNeeded();
  await ready(page, 'far');
  assert(got('checkerboard'), 'the far widget fetched its model once scrolled to');
});
