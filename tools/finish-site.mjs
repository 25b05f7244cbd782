// Trunk's post-build hook (Trunk.toml): the page starts its wasm itself (www/js/lesson-wasm.js,
// relative to the module), so the inline loader Trunk writes into index.html — which a strict
// Content-Security-Policy refuses, and which names the site's root — is taken out, and the links
// Trunk writes from the root become relative, so the site works from any sub-path. A release build's
// wasm then goes through wasm-opt -O2 (binaryen from npm: Trunk's own wasm-opt step would download
// one, and Debian's binaryen 108 is too old for wasm-bindgen's output): 2.08 → 1.71 MB, 600 → 530
// KiB gzip, the chain's step as fast (README, "How fast the page starts"). The other builds of
// www/js/wasm-builds.js are made here too (tools/wasm-builds.mjs).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { modulesReached, withIntegrity } from './site.mjs';
import { writeWasmBuilds } from './wasm-builds.mjs';
import { WASM_BUILDS } from '../www/js/wasm-builds.js';

const file = `${process.env.TRUNK_STAGING_DIR}/index.html`;
const html = readFileSync(file, 'utf8');
const loader = /<script type="module">\s*import init, \* as bindings from '[^']*';[\s\S]*?<\/script>\s*/;
if (!loader.test(html)) throw new Error(`${file}: Trunk's wasm loader is not where this hook expects it (a new Trunk?)`);
const out = html.replace(loader, '').replace(/ (href|src)="\/(?!\/)/g, ' $1="');
if (/<script(?![^>]*\bsrc=)[^>]*>(?!\s*<\/script>)/.test(out.replace(/<script type="application\/json">[\s\S]*?<\/script>/g, ''))) {
  throw new Error(`${file}: an inline script is left, which a strict Content-Security-Policy refuses`);
}
let page = withModulePreloads(await withWeightsPreload(out));

/**
 * The page's first frame needs the default model's weights, which the page can only name once its
 * wasm has started (the catalog owns the name), long after the page's other files are on their
 * way. A preload in the page asks for them at once; its href is read here from the built wasm's
 * own catalog, so the name is still written only in Rust.
 */
async function withWeightsPreload(html) {
  const staged = process.env.TRUNK_STAGING_DIR;
  const { initSync, catalog, shippedWeights } = await import(pathToFileURL(join(staged, 'ptheta.js')).href);
  initSync({ module: readFileSync(join(staged, 'ptheta_bg.wasm')) });
  const { defaults } = catalog();
  const href = `weights/${shippedWeights(defaults.dataset, defaults.param)}`;
  if (!existsSync(join(staged, href))) throw new Error(`${file}: the default weights ${href} are not in the site`);
  // crossorigin: the page fetches them in CORS mode, and a preload is reused only by a request like it
  const link = `<link rel="preload" href="${href}" as="fetch" type="application/octet-stream" crossorigin>`;
  if (!html.includes('</title>')) throw new Error(`${file}: no </title> to put the weights preload after`);
  return html.replace('</title>', `</title>\n  ${link}`);
}

/**
 * A browser learns of a module only once it has the module that imports it, so a graph as deep as
 * the lesson's (page → start → lesson → widgets → panels → each panel → …) arrives one level per
 * round trip, and nothing runs until all of it is there. A modulepreload for each module the
 * page's entry script leads to asks for them all at once, the entry script first: over HTTP/1.1 a
 * browser opens six connections to a host, and a script asked for after forty preloads waits for
 * them. (Relative to the page, like every link here; `cargo xtask dist` renames them with the rest.)
 */
function withModulePreloads(html) {
  const staged = process.env.TRUNK_STAGING_DIR;
  const entries = [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].map((m) => m[1]);
  if (entries.length === 0) throw new Error(`${file}: no module script to preload the modules of`);
  const have = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]));
  const links = [...new Set(entries.flatMap((e) => [e, ...modulesReached(staged, e)]))]
    .filter((m) => !have.has(m))
    .map((m) => `<link rel="modulepreload" href="${m}">`);
  return html.replace('</head>', `${links.join('')}</head>`);
}

/**
 * Trunk preloads its wasm build, but which build a browser runs is decided at run time
 * (www/js/wasm-builds.js): a browser that runs another would download both. The page's first
 * module starts the right one instead (www/js/start.js).
 */
function withoutWasmPreload(html) {
  const preload = /<link rel="preload" href="ptheta_bg\.wasm"[^>]*>/;
  if (!preload.test(html)) throw new Error(`${file}: Trunk's wasm preload is not where this hook expects it (a new Trunk?)`);
  return html.replace(preload, '');
}
page = withoutWasmPreload(page);

if (process.env.TRUNK_PROFILE !== 'release') writeWasmBuilds(process.env.TRUNK_STAGING_DIR, { release: false });
else {
  const staged = process.env.TRUNK_STAGING_DIR;
  const wasmOptBin = createRequire(import.meta.url).resolve('binaryen/bin/wasm-opt');
  // wasm-opt refuses instructions whose feature is not enabled: each build's are in wasm-builds.js
  const wasmOpt = (wasm, features) => execFileSync(process.execPath, [wasmOptBin, '-O2', ...features.map((f) => `--enable-${f}`), wasm, '-o', wasm], { stdio: 'inherit' });
  const trunks = WASM_BUILDS.find((b) => b.rustflags === null);
  wasmOpt(join(staged, trunks.file), trunks.wasmOpt);
  writeWasmBuilds(staged, { release: true, wasmOpt });
  // Trunk hashed ptheta.js for its modulepreload's integrity; recomputed for the files as written
  const written = (path) => { const f = join(staged, path); return existsSync(f) ? readFileSync(f) : null; };
  page = withIntegrity('index.html', page, written);
}
writeFileSync(file, page);
