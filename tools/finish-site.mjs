// Trunk's post-build hook (Trunk.toml): the page starts its wasm itself (www/js/lesson-wasm.js,
// relative to the module), so the inline loader Trunk writes into index.html — which a strict
// Content-Security-Policy refuses, and which names the site's root — is taken out, and the links
// Trunk writes from the root become relative, so the site works from any sub-path. A release build's
// wasm then goes through wasm-opt -O2 (binaryen from npm: Trunk's own wasm-opt step would download
// one, and Debian's binaryen 108 is too old for wasm-bindgen's output): 2.08 → 1.71 MB, 600 → 530
// KiB gzip, the chain's step as fast (README, "How fast the page starts").
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { withIntegrity } from './site.mjs';

const file = `${process.env.TRUNK_STAGING_DIR}/index.html`;
const html = readFileSync(file, 'utf8');
const loader = /<script type="module">\s*import init, \* as bindings from '[^']*';[\s\S]*?<\/script>\s*/;
if (!loader.test(html)) throw new Error(`${file}: Trunk's wasm loader is not where this hook expects it (a new Trunk?)`);
const out = html.replace(loader, '').replace(/ (href|src)="\/(?!\/)/g, ' $1="');
if (/<script(?![^>]*\bsrc=)[^>]*>(?!\s*<\/script>)/.test(out.replace(/<script type="application\/json">[\s\S]*?<\/script>/g, ''))) {
  throw new Error(`${file}: an inline script is left, which a strict Content-Security-Policy refuses`);
}
let page = out;

if (process.env.TRUNK_PROFILE === 'release') {
  const wasm = `${process.env.TRUNK_STAGING_DIR}/ptheta_bg.wasm`;
  const wasmOpt = createRequire(import.meta.url).resolve('binaryen/bin/wasm-opt');
  // the features rustc (1.95, +simd128 in .cargo/config.toml) emits; wasm-opt refuses what is not enabled
  const features = ['bulk-memory', 'nontrapping-float-to-int', 'sign-ext', 'simd', 'mutable-globals', 'multivalue', 'reference-types'];
  execFileSync(process.execPath, [wasmOpt, '-O2', ...features.map((f) => `--enable-${f}`), wasm, '-o', wasm], { stdio: 'inherit' });
  // Trunk hashed the wasm before wasm-opt changed it: its preload's integrity must name these bytes
  const staged = (path) => { const f = join(process.env.TRUNK_STAGING_DIR, path); return existsSync(f) ? readFileSync(f) : null; };
  page = withIntegrity('index.html', page, staged);
}
writeFileSync(file, page);
