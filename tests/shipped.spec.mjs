// Every shipped weights file is listed in weights/manifest.json, and re-running the eval command
// recorded there reproduces the recorded figures: `npx playwright test --project shipped` (no
// browser). One test per check; each model's eval runs once, in the first check that needs it.
//
// Tolerance: eval is deterministic for a given binary, but another CPU (AVX-512 vs AVX2 gemm
// kernels) sums in another order; those ~1e-6 differences pass through the 1000-step chain. 5%
// relative on the quality ratio and 0.02 nats/dim on the ELBO are far above that drift and far
// below the gap between models. The digits' figures (src/image_eval.rs) are means over 200
// samples of five draws: 0.02 on the classifier's confidence, 0.2 on the digits drawn (of 10) and
// 2% on the nearest-digit distance hold the same drift and still catch a model that changed.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from '@playwright/test';

const manifest = JSON.parse(readFileSync('weights/manifest.json', 'utf8'));

function check(ok, detail) {
  if (!ok) throw new Error(detail);
  console.log(`  ${detail}`);
}

/**
 * The `ptheta` executable of the workspace's dev build, wherever CARGO_TARGET_DIR puts it. Under
 * `cargo xtask test` it is the one `cargo test` built, so nothing is compiled twice; the dev
 * profile optimizes the dependencies (candle, gemm) fully, and our code is plain IEEE arithmetic
 * at any opt-level, so the figures are those of a release build.
 */
let ptheta = null;
test.beforeAll(() => {
  test.setTimeout(60 * 60_000); // a cold build on a small machine
  const out = execFileSync('cargo', ['build', '--bin', 'ptheta', '--message-format=json-render-diagnostics'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  ptheta = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    .find((m) => m.reason === 'compiler-artifact' && m.target.name === 'ptheta' && m.target.kind.includes('bin'))?.executable;
  if (!ptheta) throw new Error('cargo build --bin ptheta reported no executable');
});

const listed = new Set(manifest.map((m) => m.file));
for (const f of readdirSync('weights').filter((f) => f.endsWith('.safetensors'))) {
  test(`${f} is listed in the manifest`, () => check(listed.has(f), `${f} ${listed.has(f) ? 'is' : 'is not'} in weights/manifest.json`));
}

const evals = new Map();
/** The figures of `ptheta` running the manifest's eval command for `m`. */
function evaluate(m) {
  if (!evals.has(m.file)) {
    const args = m.eval_command.split(' ').slice(1);
    evals.set(m.file, JSON.parse(execFileSync(ptheta, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
  }
  return evals.get(m.file);
}

/** The image figures of the digits models: [name, read from the figures, tolerance, relative?]. */
const IMAGE_FIGURES = [
  ['classifier confidence', (f) => f.confidence.mean, 0.02, false],
  ['digits drawn', (f) => f.classes.mean, 0.2, false],
  ['nearest training digit', (f) => f.nearest.mean, 0.02, true],
];

/** Checks that `now` reproduces the recorded `was` (both an eval's figures) within the tolerances. */
function reproduced(was, now) {
  if (was.images) {
    for (const [name, read, tol, relative] of IMAGE_FIGURES) {
      const [a, b] = [read(was.images), read(now.images)];
      check(Math.abs(b - a) <= tol * (relative ? Math.abs(a) : 1), `${name}: recorded ${a.toFixed(4)}, now ${b.toFixed(4)}`);
    }
    return;
  }
  const [r0, r1] = [was.quality.ratio, now.quality.ratio];
  check(Math.abs(r1 - r0) <= 0.05 * Math.abs(r0), `recorded ${r0.toFixed(4)} ± ${was.quality.sd.toFixed(4)}, now ${r1.toFixed(4)}`);
}

for (const m of manifest) {
  test(`${m.file} ${m.eval.images ? 'image figures' : 'quality ratio'} reproduced`, () => reproduced(m.eval, evaluate(m)));
  test(`${m.file} negative ELBO reproduced`, () => {
    const e0 = m.eval.nelbo.total;
    const e1 = evaluate(m).nelbo.total;
    check(Math.abs(e1 - e0) <= 0.02, `recorded ${e0.toFixed(4)}, now ${e1.toFixed(4)}`);
  });
}

// Noise-predicting models: mean quality ratio ≤ 1.5 on every chain recorded with their default
// variance (the page's respaced chain and the full training chain), and both are recorded. The
// bar is on the recorded mean over the draws; the checks below re-run the respaced ones.
const EPSILON_BAR = 1.5;
for (const m of manifest.filter((x) => x.file.endsWith('-epsilon.safetensors') && x.eval.quality)) {
  test(`${m.file}: epsilon model's mean quality ratio ≤ ${EPSILON_BAR} on its page and full chains`, () => {
    const own = (m.evals ?? []).filter((x) => x.variance === m.eval.variance);
    check(own.some((x) => x.steps === m.eval.steps) && own.some((x) => x.steps < m.eval.steps),
      `figures for the full ${m.eval.steps}-step chain and a respaced one: ${own.map((x) => x.steps)}`);
    for (const e of own) {
      check(e.quality.ratio <= EPSILON_BAR, `${e.steps} steps: mean ${e.quality.ratio.toFixed(3)} ± ${e.quality.sd.toFixed(3)} over ${e.seeds} draws`);
    }
  });
}

// The figures the page shows beside its chains (`evals`, recorded by tools/record-evals.py over
// several draws): re-run the respaced ones with each model's default variance (its page chain,
// or the respacing experiment; seconds each), so CI checks them without the full chains' half
// hour. Same 5% tolerance, on the mean over the draws.
for (const m of manifest) {
  for (const e of (m.evals ?? []).filter((x) => x.steps < m.eval.steps && x.variance === m.eval.variance)) {
    test(`${m.file} ${e.steps} steps, ${e.variance}: mean ${e.images ? 'image figures' : 'quality ratio'} over ${e.seeds} draws reproduced`, () => {
      const args = e.command.split(' ').slice(1);
      reproduced(e, JSON.parse(execFileSync(ptheta, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
    });
  }
}
