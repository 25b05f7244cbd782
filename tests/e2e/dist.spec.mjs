// `cargo xtask dist` (tools/site.mjs, from the dist/ this stage built): every file but the entry
// points carries the hash of its content in its name, no file names one that is not there, and
// the lesson, embed.html and the guide run under those names from a sub-path. Part of the `lesson`
// project: `npx playwright test tests/e2e/dist.spec.mjs --project lesson`.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { test as base } from './fixtures.mjs';
import { assert, screenInk } from './helpers.mjs';
import { serveDir } from './serve.mjs';
import { ENTRY_POINTS, HASH_DIGITS, siteFiles, writeSite } from '../../tools/site.mjs';

const OUT = 'test-artifacts/site';
const SUB = '/courses/generative/pθ/';

const test = base.extend({
  site: [async ({}, use) => {
    writeSite('dist', OUT);
    const server = await serveDir(OUT, { prefix: SUB });
    await use(`http://127.0.0.1:${server.address().port}${encodeURI(SUB)}`);
    await new Promise((resolve) => { server.close(resolve); });
  }, { scope: 'worker' }],
});

const hashOf = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, HASH_DIGITS);
const HASHED = new RegExp(`\\.[0-9a-f]{${HASH_DIGITS}}(\\.[^./]+)?$`);

/**
 * Every path-like string of a page, a stylesheet or a module (quoted, in url(), after = in a tag),
 * from the site's root: wider than what tools/site.mjs rewrites, on purpose. Comments are left
 * out (they mention files in prose), and so is the map of js/assets.js (paths from the root,
 * checked on their own).
 */
function pathsIn(file, text) {
  const code = text.replace(/<!--[\s\S]*?-->|\/\*[\s\S]*?\*\/|(^|\s)\/\/.*$/gm, '$1').replace(/const RENAMED = \{.*\};/, '');
  const found = [];
  for (const m of code.matchAll(/(?:['"`(=]\s*)((?:\.{1,2}\/)*[\w@~+-][\w@~+./-]*\.[a-z0-9]{2,12})(?=[?#'"`)\s>])/gi)) {
    const p = posix.normalize(posix.join(posix.dirname(file), m[1]));
    if (!p.startsWith('..')) found.push(p);
  }
  return found;
}

test('every file but the entry points is named by the hash of its content; no file names a file that is not there', async ({ site }) => {
  assert(site, 'the site is written');
  const files = siteFiles(OUT);
  const here = new Set(files);
  const before = new Set(siteFiles('dist'));
  for (const e of ENTRY_POINTS) assert(here.has(e), `the entry point ${e} keeps its name`);
  // the README's list is this one
  const said = /\*\*entry point\*\*[\s\S]*?\(the one list is/.exec(readFileSync('README.md', 'utf8'))?.[0] ?? '';
  assert([...said.matchAll(/`([^`]+)`/g)].map((m) => m[1]).join() === ENTRY_POINTS.join(), `the README lists the entry points: ${said}`);
  const unhashed = [];
  for (const f of files) {
    if (ENTRY_POINTS.includes(f)) continue;
    const m = HASHED.exec(f);
    const hash = hashOf(readFileSync(`${OUT}/${f}`));
    if (!m || !f.endsWith(`.${hash}${m[1] ?? ''}`)) unhashed.push(`${f} (content hash ${hash})`);
  }
  assert(unhashed.length === 0, `files not named by their content's hash: ${unhashed.join(', ')}`);
  assert(files.some((f) => f.startsWith('weights/')) && files.some((f) => f.startsWith('i18n/')) && files.some((f) => f.endsWith('.wasm')), `the site has its weights, messages and wasm: ${files.join(' ')}`);

  // A path that named a file of the build, or has the shape of a hashed name, must be there.
  const missing = [];
  let resolved = 0;
  for (const f of files.filter((n) => /\.(m?js|css|html)$/.test(n))) {
    for (const p of pathsIn(f, readFileSync(`${OUT}/${f}`, 'utf8'))) {
      if (here.has(p)) resolved++;
      else if (before.has(p) || HASHED.test(p)) missing.push(`${f} → ${p}`);
    }
  }
  assert(missing.length === 0, `files named but not in the site: ${missing.join(', ')}`);
  // every integrity attribute, in Trunk's build (its hook ran wasm-opt after Trunk hashed the wasm)
  // and in the hashed site, names the bytes served
  const wrong = [];
  for (const [dir, names] of [['dist', [...before]], [OUT, files]]) {
    for (const f of names.filter((n) => n.endsWith('.html'))) {
      for (const [, href, alg, digest] of readFileSync(`${dir}/${f}`, 'utf8').matchAll(/<[^>]*\shref="([^"]+)"[^>]*\sintegrity="(sha\d+)-([^"]+)"/g)) {
        const actual = createHash(alg).update(readFileSync(`${dir}/${href}`)).digest('base64');
        if (actual !== digest) wrong.push(`${dir}/${f}: ${href}`);
      }
    }
  }
  assert(wrong.length === 0, `integrity attributes that do not name the file's bytes: ${wrong.join(', ')}`);
  assert(resolved > 100, `the check found the site's references (${resolved})`);
  // files named only at run time are found through the map in js/assets.*.js
  const assets = files.find((f) => /^js\/assets\.[0-9a-f]+\.js$/.test(f));
  const map = JSON.parse(/const RENAMED = (\{.*\});/.exec(readFileSync(`${OUT}/${assets}`, 'utf8'))[1]);
  for (const [from, to] of Object.entries(map)) assert(before.has(from) && here.has(to), `the map's ${from} → ${to}`);
  assert(map['weights/moons-epsilon.safetensors'] && map['i18n/es.json'], 'the map holds the weights and the messages');
  // --out names a folder that is replaced: one holding anything but a site is refused, untouched
  const other = mkdtempSync(join(tmpdir(), 'ptheta-out-'));
  writeFileSync(join(other, 'notes.txt'), 'a teacher\'s notes');
  let refusal = null;
  try { writeSite('dist', other); } catch (e) { refusal = e.message; }
  const kept = readFileSync(join(other, 'notes.txt'), 'utf8');
  rmSync(other, { recursive: true, force: true });
  assert(refusal?.includes('notes.txt') && kept === 'a teacher\'s notes', `a folder of other files is refused and kept: ${refusal}`);
});

test('from a sub-path, under the hashed names: the lesson runs a chain to t = 0, embed.html and the guide run', async ({ page, site }) => {
  const requests = [];
  page.on('response', (r) => { if (r.url().startsWith(site)) requests.push({ path: decodeURI(new URL(r.url()).pathname).slice(SUB.length), status: r.status() }); });
  await page.goto(`${site}?steps=20&samples=256`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 120000 });
  assert(await page.$eval('ptheta-chain', (el) => el.goTo(0)) === 0, 'the lesson\'s chain reached t = 0');
  assert(await screenInk(page) > 100, 'the chain drew its samples');

  await page.goto(`${site}embed.html?widget=chain&dataset=checkerboard&samples=128&steps=10&lang=es&panels=inspector`);
  await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 120000 });
  assert(await page.getByRole('button', { name: 'Reproducir', exact: true }).isVisible(), 'the Spanish messages loaded through the map');
  assert(await page.$eval('ptheta-chain', (el) => el.goTo(0)) === 0, 'the framed chain reached t = 0');

  await page.goto(`${site}guide.html`);
  await page.waitForSelector('html[data-ready="true"]');
  await page.waitForSelector('#demo[data-state="ready"]', { timeout: 120000 });
  const snippet = await page.textContent('[data-snippet="script"]');
  assert(snippet.includes(`${site}ptheta-widgets.js`), `the guide's snippet names the entry point: ${snippet}`);

  const failed = requests.filter((r) => r.status >= 400);
  assert(failed.length === 0, `requests that failed: ${JSON.stringify(failed)}`);
  const named = requests.filter((r) => r.path !== '' && !ENTRY_POINTS.includes(r.path) && !HASHED.test(r.path));
  assert(named.length === 0, `requests for names without a hash: ${named.map((r) => r.path).join(', ')}`);
  for (const kind of [/\.wasm$/, /^weights\//, /^i18n\/es\./, /^katex\/fonts\//, /^js\/widgets\./]) {
    assert(requests.some((r) => kind.test(r.path)), `the pages loaded ${kind} (${requests.length} requests)`);
  }
});
