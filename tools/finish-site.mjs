// Trunk's post-build hook (Trunk.toml): the page starts its wasm itself (www/js/lesson-wasm.js,
// relative to the module), so the inline loader Trunk writes into index.html — which a strict
// Content-Security-Policy refuses, and which names the site's root — is taken out, and the links
// Trunk writes from the root become relative, so the site works from any sub-path.
import { readFileSync, writeFileSync } from 'node:fs';

const file = `${process.env.TRUNK_STAGING_DIR}/index.html`;
const html = readFileSync(file, 'utf8');
const loader = /<script type="module">\s*import init, \* as bindings from '[^']*';[\s\S]*?<\/script>\s*/;
if (!loader.test(html)) throw new Error(`${file}: Trunk's wasm loader is not where this hook expects it (a new Trunk?)`);
const out = html.replace(loader, '').replace(/ (href|src)="\/(?!\/)/g, ' $1="');
if (/<script(?![^>]*\bsrc=)[^>]*>(?!\s*<\/script>)/.test(out.replace(/<script type="application\/json">[\s\S]*?<\/script>/g, ''))) {
  throw new Error(`${file}: an inline script is left, which a strict Content-Security-Policy refuses`);
}
writeFileSync(file, out);
