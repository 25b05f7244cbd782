// `cargo xtask pkg`: the npm package `ptheta`, from Trunk's build (dist/, the same files the site
// serves: no second wasm build) and the element reference generated from the catalog
// (www/custom-elements.json, www/ptheta-widgets.d.ts: `cargo test --test elements`).
//
//   node tools/pkg.mjs <from: Trunk's dist/> <to: pkg/>
//
// `to` keeps its README.md (committed: the package's own README) and loses everything else.
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASM_BUILDS } from '../www/js/wasm-builds.js';

/**
 * What the package holds from the build: the entry script and every module under js/ (the lesson
 * page's own modules too, so embed.html works from the package), every build of the wasm module, the shipped
 * weights with their manifest, the messages, the quizzes, and the part of KaTeX the widgets load.
 */
export const FROM_BUILD = Object.freeze([
  'ptheta-widgets.js', 'ptheta.js', ...WASM_BUILDS.map((b) => b.file), 'embed.html', 'js', 'weights', 'i18n', 'quiz',
  'katex/katex.min.css', 'katex/katex.mjs', 'katex/fonts', 'wasm-feature-detect',
]);

/** Generated beside the sources and copied as they are. */
const FROM_REPO = Object.freeze({
  'www/bundler-entry.js': 'bundler-entry.js',
  'www/ptheta-widgets.d.ts': 'ptheta-widgets.d.ts',
  'www/custom-elements.json': 'custom-elements.json',
  'LICENSE-MIT': 'LICENSE-MIT',
  'LICENSE-APACHE': 'LICENSE-APACHE',
});

/** The crate's version and licence (Cargo.toml), so the package and the crate never disagree. */
function crateField(name) {
  const toml = readFileSync('Cargo.toml', 'utf8').split('\n[').find((s) => s.startsWith('package]'));
  const value = new RegExp(`^${name} = "([^"]*)"`, 'm').exec(toml ?? '')?.[1];
  if (!value) throw new Error(`Cargo.toml has no [package] ${name}`);
  return value;
}

export function packageJson() {
  // a bundler resolves the package through `exports`; a page without one loads ptheta-widgets.js
  const entry = { types: './ptheta-widgets.d.ts', default: './bundler-entry.js' };
  return {
    name: 'ptheta',
    version: crateField('version'),
    description: 'pθ: interactive widgets on the reverse process of diffusion models (a Rust core in WebAssembly, custom elements)',
    license: crateField('license'),
    type: 'module',
    main: './bundler-entry.js',
    types: './ptheta-widgets.d.ts',
    exports: {
      '.': entry,
      './widgets': entry,
      './custom-elements.json': './custom-elements.json',
      './package.json': './package.json',
      './*': './*',
    },
    customElements: 'custom-elements.json',
    // loading the entry defines the elements: a bundler must keep it
    sideEffects: true,
    files: [...FROM_BUILD, ...Object.values(FROM_REPO), 'README.md'],
    keywords: ['diffusion', 'custom-elements', 'web-components', 'webassembly', 'teaching'],
  };
}

/** Writes the package from Trunk's `from` into `to`. */
export function writePackage(from, to) {
  for (const f of FROM_BUILD) if (!existsSync(join(from, f))) throw new Error(`${from}/${f} is missing (run trunk build --release)`);
  for (const f of Object.keys(FROM_REPO)) if (!existsSync(f)) throw new Error(`${f} is missing (PTHETA_BLESS=1 cargo test --test elements writes the generated ones)`);
  if (!existsSync(join(to, 'README.md'))) throw new Error(`${to}/README.md is missing: it is the package's README, kept in git`);
  // everything but the README is deleted: only what an earlier package holds, never other files
  const ours = new Set([...packageJson().files.map((f) => f.split('/')[0]), 'package.json']);
  const stranger = readdirSync(to).find((name) => !ours.has(name));
  if (stranger !== undefined) throw new Error(`${to} holds ${stranger}, which the package does not: refusing to empty it`);
  for (const name of readdirSync(to)) if (name !== 'README.md') rmSync(join(to, name), { recursive: true, force: true });
  for (const f of FROM_BUILD) cpSync(join(from, f), join(to, f), { recursive: true });
  for (const [src, dest] of Object.entries(FROM_REPO)) copyFileSync(src, join(to, dest));
  writeFileSync(join(to, 'package.json'), `${JSON.stringify(packageJson(), null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error('usage: node tools/pkg.mjs <Trunk dist/> <pkg/>');
    process.exit(2);
  }
  try {
    writePackage(from, to);
    console.log(`pkg: the npm package ptheta@${crateField('version')} is in ${to} (npm pack or npm publish there)`);
  } catch (e) {
    console.error(`pkg: ${e.message}`);
    process.exit(1);
  }
}
