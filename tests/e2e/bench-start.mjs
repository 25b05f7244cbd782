// Benchmark (not a test): how fast the lesson page starts. The time from navigation to the first
// drawn frame of its <ptheta-chain> (the element's `ptheta-ready`, which it fires once the points
// are drawn, then the next animation frame, when the browser shows them), and the bytes the page
// fetched before it, as a static host sends them (gzip, ETag, max-age=600: serve.mjs `asHost`).
// Cold: a fresh browser context (empty cache) per run; warm: the same page loaded again in that
// context. The CPU chain (the browser runs without WebGPU here). Every figure is the median of RUNS
// runs (5); the per-file sizes are the first cold run's. Prints the tables, writes
// target/bench/start.json. Run after `trunk build --release`: `node tests/e2e/bench-start.mjs`, or
// as part of `cargo xtask bench` (`ONLY=start cargo xtask bench` runs only this part).
import { mkdirSync, writeFileSync } from 'node:fs';
import { serveDir } from './serve.mjs';
import { launch } from './helpers.mjs';

const RUNS = Number(process.env.RUNS ?? 5);
/** What the page may still fetch after the first frame, to say what it loads later. */
const SETTLE_MS = 3000;

const log = [];
const server = await serveDir('dist', { asHost: true, log: (e) => log.push(e) });
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const runs = { cold: [], warm: [] };
for (let r = 0; r < RUNS; r++) {
  const context = await browser.newContext();
  // the moment the chain's points are on screen: its ready event, then the frame that shows them
  await context.addInitScript(() => {
    document.addEventListener('ptheta-ready', () => requestAnimationFrame(() => { window.firstFrame ??= performance.now(); }), { once: true });
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error(`page: ${m.text()}`); });
  const waitFrame = (p) => p.waitForFunction(() => window.firstFrame !== undefined, null, { timeout: 60000 });
  // cold, then warm
  for (const kind of ['cold', 'warm']) {
    const from = log.length;
    const t0 = Date.now();
    await page.goto(`${base}/index.html`);
    await waitFrame(page);
    const { ms, at } = await page.evaluate(() => ({ ms: window.firstFrame, at: performance.timeOrigin + window.firstFrame }));
    await page.waitForTimeout(SETTLE_MS);
    const entries = log.slice(from).filter((e) => e.start >= t0 - 5);
    const before = entries.filter((e) => e.start <= at);
    const after = entries.filter((e) => e.start > at);
    const sum = (l) => l.reduce((s, e) => s + e.bytes, 0);
    runs[kind].push({ ms, bytes: sum(before), requests: before.length, later: sum(after), laterRequests: after.length, before, after });
  }
  await context.close();
  console.error(`bench-start: run ${r + 1} of ${RUNS}: cold ${runs.cold.at(-1).ms.toFixed(0)} ms, warm ${runs.warm.at(-1).ms.toFixed(0)} ms`);
}
await browser.close();
server.close();

const kb = (b) => (b / 1024).toFixed(1);
const summary = Object.fromEntries(Object.entries(runs).map(([kind, l]) => [kind, {
  first_frame_ms: median(l.map((x) => x.ms)),
  first_frame_ms_runs: l.map((x) => Math.round(x.ms)),
  bytes_before: median(l.map((x) => x.bytes)),
  requests_before: median(l.map((x) => x.requests)),
  bytes_after: median(l.map((x) => x.later)),
  requests_after: median(l.map((x) => x.laterRequests)),
}]));
const group = (path) => (path.endsWith('.wasm') ? 'wasm' : path.startsWith('/weights/') ? 'weights'
  : path.startsWith('/katex/fonts/') ? 'KaTeX fonts' : path.startsWith('/katex/') ? 'KaTeX JS/CSS'
    : path.startsWith('/i18n/') ? 'i18n' : /\.m?js$/.test(path) ? 'JS' : /\.css$/.test(path) ? 'CSS' : 'other');
const files = (entries) => {
  const m = new Map();
  for (const e of entries) m.set(e.path, (m.get(e.path) ?? 0) + e.bytes);
  return [...m].map(([path, bytes]) => ({ path, group: group(path), bytes })).sort((a, b) => b.bytes - a.bytes);
};
const first = { before: files(runs.cold[0].before), after: files(runs.cold[0].after) };
const groups = (l) => Object.entries(l.reduce((g, f) => ({ ...g, [f.group]: (g[f.group] ?? 0) + f.bytes }), {})).sort((a, b) => b[1] - a[1]);

console.log(`\nthe lesson page (dist/index.html) on localhost, CPU chain, median of ${RUNS} runs; bytes as sent (gzip, but woff2/woff/png as they are)`);
console.log('| cache | first frame (ms after navigation) | bytes before it (gzip) | requests before it | bytes after it (next 3 s) |');
console.log('|---|---|---|---|---|');
for (const [kind, s] of Object.entries(summary)) {
  console.log(`| ${kind} | ${s.first_frame_ms.toFixed(0)} (runs: ${s.first_frame_ms_runs.join(', ')}) | ${kb(s.bytes_before)} KiB | ${s.requests_before} | ${kb(s.bytes_after)} KiB in ${s.requests_after} |`);
}
console.log('\ncold, before the first frame, by kind (first run):');
console.log('| kind | KiB (gzip) |');
console.log('|---|---|');
for (const [g, b] of groups(first.before)) console.log(`| ${g} | ${kb(b)} |`);
console.log('\ncold, before the first frame, by file (first run):');
for (const f of first.before) console.log(`  ${kb(f.bytes).padStart(8)} KiB  ${f.path}`);
console.log('\ncold, after the first frame (first run, next 3 s):');
for (const f of first.after) console.log(`  ${kb(f.bytes).padStart(8)} KiB  ${f.path}`);
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/start.json', `${JSON.stringify({ runs: RUNS, ...summary, files_before: first.before, files_after: first.after }, null, 1)}\n`);
console.log('\nwrote target/bench/start.json');
