// The one place that picks the language and words every message. The messages are data: one flat
// `{ "key": "text" }` file per language in www/i18n/ (copied by Trunk to dist/i18n/), and the
// languages are the catalog's (src/catalog.rs, `Language`); `cargo test --test messages` checks
// that every file has the same keys and placeholders as en.json. Messages may hold inline maths
// between $…$ (rendered by KaTeX, see tex.js) and {name} placeholders. Widgets re-render on the
// `ptheta-lang` event, so switching needs no reload.
import { catalog } from './lesson-wasm.js';
import { siteUrl } from './assets.js';

/** The languages the page is written in, from the catalog. */
export const LANGS = Object.freeze([...(await catalog()).languages]);

async function load(l) {
  const url = siteUrl(`i18n/${l}.json`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load the ${l} messages from ${url}: HTTP ${res.status}`);
  return Object.freeze(await res.json());
}

/** Every message of every language: `MESSAGES[lang][key]`. */
export const MESSAGES = Object.freeze(Object.fromEntries(await Promise.all(LANGS.map(async (l) => [l, await load(l)]))));
const FALLBACK = LANGS[0];

let current = null;

/** The language from `?lang=`, else the browser's, else the first of the catalog's (English). */
export function initialLang(search = location.search) {
  const fromUrl = new URLSearchParams(search).get('lang');
  if (LANGS.includes(fromUrl)) return fromUrl;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (LANGS.includes(base)) return base;
  }
  return FALLBACK;
}

/**
 * The language every widget speaks: the one set last (the lesson's menu, embed.html's `lang`),
 * else the host page's own (`<html lang="es">`) when pθ speaks it, else as `initialLang`.
 */
export function lang() {
  const page = String(document.documentElement.lang).slice(0, 2).toLowerCase();
  current ??= LANGS.includes(page) ? page : initialLang();
  return current;
}

/**
 * The language of element `el`: that of its own `lang` attribute or its nearest ancestor's, as
 * HTML defines an element's language, when pθ speaks it (`<ptheta-chain lang="es">` on an English
 * page, or a Spanish section of a course), else `lang()`.
 */
export function langOf(el) {
  const tagged = el?.closest?.('[lang]');
  const l = String(tagged?.getAttribute('lang') ?? '').slice(0, 2).toLowerCase();
  return tagged && tagged !== document.documentElement && LANGS.includes(l) ? l : lang();
}

export function setLang(l) {
  if (!LANGS.includes(l)) throw new Error(`language "${l}" must be one of ${LANGS.join(', ')}`);
  if (l === current) return;
  current = l;
  document.documentElement.lang = l;
  document.dispatchEvent(new CustomEvent('ptheta-lang', { detail: { lang: l } }));
}

/** Whether there is a message `key` (a dataset of the reader's own has no name to translate). */
export const has = (key) => key in MESSAGES[FALLBACK];

/** The message `key` in language `l` (the page's by default) with {placeholders} filled in. */
export function t(key, vars = {}, l = lang()) {
  const msg = MESSAGES[l][key] ?? MESSAGES[FALLBACK][key];
  if (msg === undefined) throw new Error(`no message "${key}"`);
  return msg.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Formats a number for language `l` (the page's by default; decimal comma in Spanish). */
export function num(x, digits = 3, l = lang()) {
  return new Intl.NumberFormat(l, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}
