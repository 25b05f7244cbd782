// DOM construction for the widgets. Values that come from attributes, ids, the address or the
// network go in as text nodes and attribute values, never as markup: the only markup inserted is
// KaTeX's and our own messages' (tex.js), which escape their text.
import { tex, rich, authorRich } from './tex.js';

/**
 * A new element: `attrs` become attributes (true: present and empty; false, null or undefined:
 * absent; `dataset`: an object of data-* values), strings among `children` become text.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/**
 * Trusted markup (KaTeX's, or a message rendered by tex.js) as nodes. KaTeX sizes its boxes with
 * style attributes, which a strict Content-Security-Policy (`style-src 'self'`) refuses as
 * inline styles wherever they are parsed: each is renamed before parsing (in markup that escapes
 * its text, ` style="` can only be an attribute) and its declarations are set through the CSSOM
 * instead, which that policy allows.
 */
const STYLE = 'data-ptheta-style';
export function markupNodes(markup) {
  const t = document.createElement('template');
  t.innerHTML = markup.replace(/ style="/g, ` ${STYLE}="`);
  for (const el of t.content.querySelectorAll(`[${STYLE}]`)) {
    el.style.cssText = el.getAttribute(STYLE);
    el.removeAttribute(STYLE);
  }
  return t.content;
}
const nodes = markupNodes;

/** A message as nodes: its text escaped, its $…$ maths typeset. */
export const richNodes = (message) => nodes(rich(message));

/** A text from a quiz file (or any other author) as nodes: see tex.js's `authorRich`. */
export const authorNodes = (text) => nodes(authorRich(text));

/**
 * The words a screen reader should hear for `el` when its text is only maths (KaTeX's MathML,
 * which some checkers do not read as a name): its text with each formula as its MathML's
 * characters (no TeX annotation). Null when `el` has text of its own.
 */
export function mathOnlyName(el) {
  const copy = el.cloneNode(true);
  for (const k of copy.querySelectorAll('.katex')) k.remove();
  if (copy.textContent.trim() !== '') return null;
  const clone = el.cloneNode(true);
  for (const a of clone.querySelectorAll('annotation')) a.remove();
  for (const k of clone.querySelectorAll('.katex-html')) k.remove();
  return clone.textContent.replace(/\s+/g, ' ').trim() || null;
}

/** A formula as nodes (one of ours: see tex.js). */
export const texNodes = (src, displayMode = false) => nodes(tex(src, displayMode));

/**
 * Defines custom element `name` unless it already is: pθ's script loaded twice (a notebook cell
 * run again, two copies on one page) is harmless, and the first definition stays.
 */
export function define(name, cls) {
  if (!customElements.get(name)) customElements.define(name, cls);
}
