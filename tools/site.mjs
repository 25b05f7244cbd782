// `cargo xtask dist`: the finished static site, from Trunk's build (dist/) to one folder that any
// static host can serve from any sub-path, every file but the entry points under a name that
// carries a hash of its content, so hosts can let browsers keep those for good (README, "Putting
// the site on a host").
//
//   node tools/site.mjs <from: Trunk's dist/> <to>
//
// How the runtime keeps working under new names: every path the code writes as a string (an
// import, `new URL('…', import.meta.url)`, a sheet in sheets.js) and every src/href in a page and
// url() in a stylesheet is rewritten to the new name; a path the code builds at run time (a
// model's weights, a language's messages) goes through `siteUrl()` in js/assets.js, whose map of
// new names is written here. A file is renamed after the files it names, so a change anywhere
// renames everything that leads to it (the module graph has no cycles: a cycle is refused).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files that keep their names: the pages people open or link to, the one script an embedding
 * page loads, and the lesson's quiz and the quiz schema that authors may point at
 * (`embed.html?widget=quiz&src=quiz/lesson.json`, a quiz's `$schema`). The one list: the README
 * and the tests read it from here.
 */
export const ENTRY_POINTS = Object.freeze(['index.html', 'embed.html', 'guide.html', 'ptheta-widgets.js', 'quiz/lesson.json', 'quiz/quiz.schema.json']);

/** The module whose map of new names this writes, and the line it replaces. */
const ASSET_MAP = { file: 'js/assets.js', line: 'const RENAMED = {};' };

/** Hex digits of the content's SHA-256 in a renamed file's name (`theme.0123456789ab.css`). */
export const HASH_DIGITS = 12;

/** A renamed file's name: `….<HASH_DIGITS hex digits>.<extension>`, or without the extension (a `LICENSE`). */
export const HASHED = new RegExp(`\\.[0-9a-f]{${HASH_DIGITS}}(\\.[^./]+)?$`);

const isModule = (f) => /\.m?js$/.test(f);
const isPage = (f) => f.endsWith('.html');
const TEXT = /\.(m?js|css|html)$/;

/** Every file under `dir`, as site paths (`js/theme.css`). */
export function siteFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The places in `text` (the file `file`) that name another file of the site: [start, end, path]
 * of each, `path` from the site's root. JS: any quoted string that is a path to a site file
 * relative to the module; CSS: url(); HTML: src and href. Query strings and fragments are kept.
 */
function references(file, text, exists) {
  const patterns = isModule(file)
    ? [/(['"])((?:\.{1,2}\/)*[\w@~+-][\w@~+./-]*)\1/g]
    : file.endsWith('.css')
      ? [/url\(\s*(['"]?)([^'")?#\s]+)[^'")]*\1\s*\)/g]
      : [/\s(?:src|href)\s*=\s*(["'])([^"'?#]+)[^"']*\1/g];
  const found = [];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const path = posix.normalize(posix.join(posix.dirname(file), m[2]));
      if (path.startsWith('..') || !exists(path)) continue;
      const start = m.index + m[0].indexOf(m[2], m[1] ? m[0].indexOf(m[1]) + 1 : 0);
      found.push([start, start + m[2].length, path]);
    }
  }
  return found;
}

/**
 * The modules `entry` (a module of the site in `dir`) leads to, itself excepted, in the order
 * they are first named: every module a module names, imported or loaded later (a dynamic
 * import, a worker), since the page starts them all.
 */
export function modulesReached(dir, entry) {
  const exists = (p) => existsSync(join(dir, p)) && statSync(join(dir, p)).isFile();
  const seen = new Set([entry]);
  const out = [];
  const walk = (f) => {
    for (const [, , p] of references(f, readFileSync(join(dir, f), 'utf8'), exists)) {
      if (!isModule(p) || seen.has(p)) continue;
      seen.add(p);
      out.push(p);
      walk(p);
    }
  };
  walk(entry);
  return out;
}

/** `js/theme.css` with hash `h` → `js/theme.h.css`. */
const hashedName = (path, h) => path.replace(/(\.[^./]+)?$/, (ext) => `.${h}${ext}`);

const sha = (alg, bytes) => createHash(alg).update(bytes);

/**
 * Writes the site from Trunk's `from` to `to` (replaced if it holds an earlier site, refused if it
 * holds anything else). Returns { files, renamed }.
 */
export function writeSite(from, to) {
  const all = siteFiles(from);
  const inSource = new Set(all);
  for (const e of ENTRY_POINTS) if (!inSource.has(e)) throw new Error(`${from}/${e}: an entry point of the site is missing (run trunk build --release)`);
  if (!inSource.has(ASSET_MAP.file)) throw new Error(`${from}/${ASSET_MAP.file} is missing: the widgets find files named at run time through it`);
  const entries = new Set(ENTRY_POINTS);
  const read = (f) => readFileSync(join(from, f));
  const refs = new Map();
  for (const f of all) refs.set(f, TEXT.test(f) ? references(f, read(f).toString('utf8'), (p) => inSource.has(p)) : []);

  // Modules and pages the entry points reach; every other kind of file (weights, messages, styles,
  // fonts) is kept, since code names some of them only at run time, through the map.
  const keep = new Set();
  const reach = (f) => {
    if (keep.has(f)) return;
    keep.add(f);
    for (const [, , p] of refs.get(f)) reach(p);
  };
  for (const e of ENTRY_POINTS) reach(e);
  reach(ASSET_MAP.file);
  for (const f of all) if (!isModule(f) && !isPage(f)) reach(f);
  const data = [...keep].filter((f) => !isModule(f) && !isPage(f) && !entries.has(f));
  refs.set(ASSET_MAP.file, [...refs.get(ASSET_MAP.file), ...data.map((p) => [0, 0, p])]);

  // Each file after the files it names, so its new name covers theirs.
  const order = [];
  const state = new Map();
  const visit = (f, path) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') throw new Error(`the site's files name each other in a cycle (${[...path.slice(path.indexOf(f)), f].join(' → ')}): a content hash cannot name a cycle`);
    state.set(f, 'open');
    for (const [, , p] of refs.get(f)) if (p !== f) visit(p, [...path, f]);
    state.set(f, 'done');
    order.push(f);
  };
  for (const f of [...keep].sort()) visit(f, []);

  const out = new Map();
  const renamed = new Map();
  for (const f of order) {
    let bytes = read(f);
    if (TEXT.test(f)) {
      let text = bytes.toString('utf8');
      // back to front, so earlier offsets stay valid
      for (const [start, end, p] of refs.get(f).filter(([s, e]) => e > s).sort((a, b) => b[0] - a[0])) {
        const name = renamed.get(p);
        if (name) text = text.slice(0, start) + text.slice(start, end).replace(/[^/]*$/, posix.basename(name)) + text.slice(end);
      }
      if (f === ASSET_MAP.file) {
        if (text.split(ASSET_MAP.line).length !== 2) throw new Error(`${from}/${f}: expected the line "${ASSET_MAP.line}" once, to write the map of new names there`);
        text = text.replace(ASSET_MAP.line, `const RENAMED = ${JSON.stringify(Object.fromEntries(data.map((p) => [p, renamed.get(p)])))};`);
      }
      if (isPage(f)) text = withIntegrity(f, text, (p) => out.get(p));
      bytes = Buffer.from(text, 'utf8');
    }
    const name = entries.has(f) ? f : hashedName(f, sha('sha256', bytes).digest('hex').slice(0, HASH_DIGITS));
    renamed.set(f, name);
    out.set(name, bytes);
  }

  // Replacing a folder deletes it: only an earlier site (nothing but entry points and hashed
  // names) is replaced, never a folder of sources such as www/ or a course's own files.
  const stranger = existsSync(to) ? firstStranger(to, '', entries) : undefined;
  if (stranger !== undefined) throw new Error(`${to} holds ${stranger}, which no site of cargo xtask dist has: refusing to replace it (choose an empty or new folder)`);
  rmSync(to, { recursive: true, force: true });
  for (const [name, bytes] of out) {
    mkdirSync(dirname(join(to, name)), { recursive: true });
    writeFileSync(join(to, name), bytes);
  }
  return { files: out.size, renamed: [...renamed].filter(([a, b]) => a !== b).length };
}

/** The first file under `dir` that is neither an entry point nor a hashed name (links count), if any. */
function firstStranger(dir, prefix, entries) {
  for (const name of readdirSync(dir).sort()) {
    const path = `${prefix}${name}`;
    const stat = lstatSync(join(dir, name));
    if (stat.isDirectory()) {
      const inner = firstStranger(join(dir, name), `${path}/`, entries);
      if (inner !== undefined) return inner;
    } else if (!stat.isFile() || (!entries.has(path) && !HASHED.test(path))) {
      return path;
    }
  }
  return undefined;
}

/**
 * The page's `integrity` attributes recomputed for the files as written (the rewrite changed some;
 * Trunk's post-build hook, after wasm-opt, too): `written(path)` gives a file's bytes.
 */
export function withIntegrity(page, text, written) {
  return text.replace(/<[^>]*\sintegrity="(sha\d+)-[^"]*"[^>]*>/g, (tag, alg) => {
    const target = /\s(?:src|href)="([^"?#]+)/.exec(tag)?.[1];
    const bytes = target && written(posix.normalize(posix.join(posix.dirname(page), target)));
    if (!bytes) throw new Error(`${page}: cannot recompute the integrity of ${tag}`);
    return tag.replace(/integrity="[^"]*"/, `integrity="${alg}-${sha(alg, bytes).digest('base64')}"`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error('usage: node tools/site.mjs <Trunk dist/> <out>');
    process.exit(2);
  }
  try {
    const { files, renamed } = writeSite(from, to);
    console.log(`site: ${files} files in ${to}, ${renamed} under content-hashed names; entry points: ${ENTRY_POINTS.join(', ')}`);
  } catch (e) {
    console.error(`site: ${e.message}`);
    process.exit(1);
  }
}
