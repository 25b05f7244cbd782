// Benchmark (not a test): how long the lesson page's Play takes from x_T to x_0 on the CPU, on one
// thread and with the chain's steps shared by Web Workers (www/js/split-chain.js), and how long the
// stepping alone takes through the page's chain object (www/js/backend.js), 1000 steps in bursts
// of 20, as a playing chain asks for them. One thread is had by reporting one core to the page
// (navigator.hardwareConcurrency), which is what decides the workers. The modes take turns,
// ROUNDS times. Needs dist/ (`trunk build --release`): `node tests/e2e/bench-play.mjs`;
// QUERY=?param=epsilon (the lesson's address) and ROUNDS=… override.
import { serveDir } from './serve.mjs';
import { launch } from './helpers.mjs';

const QUERY = process.env.QUERY ?? '?param=mean';
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const server = await serveDir('dist');
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launch({});
const cores = async (n) => {
  const page = await browser.newPage();
  await page.addInitScript((c) => { if (c) Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => c }); }, n);
  return page;
};
const rows = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const n of [1, null]) {
    const page = await cores(n);
    await page.goto(base + QUERY);
    await page.waitForSelector('ptheta-chain[data-state="ready"]', { timeout: 60000 });
    const info = await page.$eval('ptheta-chain', async (el) => {
      await el.chain.workersReady();
      const started = performance.now();
      await el.play();
      await new Promise((resolve) => { const check = () => (el.dataset.t === '0' ? resolve() : setTimeout(check, 10)); check(); });
      const play = performance.now() - started;
      // the stepping alone, through the page's chain object, with the same weights and options
      const { createChain } = await import('./js/backend.js');
      const { steps, samples, seed, variance } = el.chain.info();
      const chain = await createChain(el.chain.weights, { steps, samples, seed, variance, backend: 'cpu' });
      await chain.workersReady();
      const t0 = performance.now();
      while (chain.t > 0) await chain.step(20);
      const stepping = performance.now() - t0;
      const workers = chain.workers;
      chain.free();
      return { steps, samples, workers, play, stepping };
    });
    rows.push(info);
    console.error(`round ${r + 1}: ${info.workers} thread(s): play ${(info.play / 1000).toFixed(2)} s, stepping ${(info.stepping / 1000).toFixed(2)} s`);
    await page.close();
  }
}
await browser.close();
server.close();
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const by = (w) => rows.filter((r) => (w === 1 ? r.workers === 1 : r.workers > 1));
const [one, all] = [by(1), by(2)];
const { steps, samples } = rows[0];
console.log(`lesson page ${QUERY}: ${steps} steps of ${samples} samples, median of ${ROUNDS}`);
console.log('| threads | Play, x_T to x_0 (s) | stepping alone (s) |');
console.log('|---|---|---|');
for (const [label, set] of [['1', one], [`${all[0]?.workers ?? '–'} (Web Workers)`, all]]) {
  if (set.length) console.log(`| ${label} | ${(median(set.map((r) => r.play)) / 1000).toFixed(2)} | ${(median(set.map((r) => r.stepping)) / 1000).toFixed(2)} |`);
}
if (one.length && all.length) {
  console.log(`speed-up: Play ${(median(one.map((r) => r.play)) / median(all.map((r) => r.play))).toFixed(2)}×, stepping ${(median(one.map((r) => r.stepping)) / median(all.map((r) => r.stepping))).toFixed(2)}×`);
}
