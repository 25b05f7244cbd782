// Every shipped weights file is listed in weights/manifest.json, and re-running the eval command
// recorded there reproduces the recorded figures. Prints `# N passed, M failed`.
//
// Tolerance: eval is deterministic for a given binary, but another CPU (AVX-512 vs AVX2 gemm
// kernels) sums in another order; those ~1e-6 differences pass through the 1000-step chain. 5%
// relative on the quality ratio and 0.02 nats/dim on the ELBO are far above that drift and far
// below the gap between models.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('weights/manifest.json', 'utf8'));
execFileSync('cargo', ['build', '--release', '--bin', 'ptheta'], { stdio: 'inherit' });
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? `: ${detail}` : ''}`);
  if (ok) passed++; else failed++;
}

const listed = new Set(manifest.map((m) => m.file));
for (const f of readdirSync('weights').filter((f) => f.endsWith('.safetensors'))) {
  check(`${f} is listed in the manifest`, listed.has(f));
}
for (const m of manifest) {
  const args = m.eval_command.split(' ').slice(1);
  const out = JSON.parse(execFileSync('target/release/ptheta', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const r0 = m.eval.quality.ratio;
  const r1 = out.quality.ratio;
  check(`${m.file} quality ratio reproduced`, Math.abs(r1 - r0) <= 0.05 * Math.abs(r0), `recorded ${r0.toFixed(4)}, now ${r1.toFixed(4)}`);
  const e0 = m.eval.nelbo.total;
  const e1 = out.nelbo.total;
  check(`${m.file} negative ELBO reproduced`, Math.abs(e1 - e0) <= 0.02, `recorded ${e0.toFixed(4)}, now ${e1.toFixed(4)}`);
  if (m.file.endsWith('-epsilon.safetensors')) {
    check(`${m.file} epsilon model reaches quality ratio ≤ 2.0`, r0 <= 2.0, `ratio ${r0.toFixed(3)}`);
  }
}
console.log(`# ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
