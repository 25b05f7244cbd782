// KaTeX, served from this site (Trunk copies node_modules/katex/dist to katex/), and the small
// renderer for messages that mix text with $…$ maths.
import katex from '../katex/katex.mjs';

// \htmlClass ties a term of an equation to its arrow on the canvas; nothing else needs trust.
const trust = (ctx) => ctx.command === '\\htmlClass' || ctx.command === '\\htmlData';

/** HTML for one formula. Errors throw: every formula on the page is ours, so a bad one is a bug. */
export function tex(src, displayMode = false) {
  return katex.renderToString(src, { displayMode, throwOnError: true, trust, strict: 'ignore' });
}

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
export const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => ESC[c]);

/**
 * HTML for a message: text is escaped, $…$ becomes inline maths. `allowHtml` keeps the text's own
 * markup (only for our trusted message tables, e.g. <sub> in the title).
 */
export function rich(msg, allowHtml = false) {
  return msg
    .split(/(\$[^$]+\$)/)
    .map((part) => (part.startsWith('$') && part.endsWith('$') && part.length > 1
      ? tex(part.slice(1, -1))
      : allowHtml ? part : escapeHtml(part)))
    .join('');
}

/**
 * HTML for a text written by someone else (a quiz file): every character outside $…$ is escaped,
 * and the maths between $…$ is typeset by KaTeX with nothing trusted (no \href, \html…, no
 * classes or data) and errors shown as the source in red instead of thrown. KaTeX escapes the
 * maths' own text, so nothing in the text becomes markup.
 */
export function authorRich(text) {
  return String(text)
    .split(/(\$[^$]+\$)/)
    .map((part) => (part.startsWith('$') && part.endsWith('$') && part.length > 1
      ? katex.renderToString(part.slice(1, -1), { throwOnError: false, trust: false, strict: 'ignore', maxExpand: 200, maxSize: 10 })
      : escapeHtml(part)))
    .join('');
}

/**
 * Wide formulas scroll sideways on small screens; a scrolling region must be reachable by
 * keyboard, so each .eq that overflows becomes focusable (and stops being so when it fits).
 * The check reruns whenever a formula or its box changes size (fonts arriving, a rotation).
 */
function mark(el) {
  if (el.scrollWidth > el.clientWidth + 1) el.tabIndex = 0;
  else el.removeAttribute('tabindex');
}
const watcher = new ResizeObserver((entries) => {
  for (const e of entries) {
    const eq = e.target.closest('.eq');
    if (eq) mark(eq);
  }
});
/** The documents and shadow roots whose formulas are watched (a panel's leaves with the panel). */
const roots = new Set();
/**
 * Watches each formula of `root`. The observer's first report on an element comes once the page
 * is laid out, and marks it then: measuring here, while widgets are still being built, would lay
 * out the whole page once per widget.
 */
export function markScrollable(root = document) {
  roots.add(root);
  for (const el of root.querySelectorAll('.eq')) {
    watcher.observe(el);
    for (const k of el.querySelectorAll('.katex')) watcher.observe(k);
  }
}
/** Every watched root again: a rotation, or KaTeX's fonts arriving, can change any formula's width. */
function markEverywhere() {
  for (const r of roots) {
    if (r.host && !r.host.isConnected) roots.delete(r);
    else for (const el of r.querySelectorAll('.eq')) mark(el);
  }
}
addEventListener('resize', markEverywhere);
// an inline formula's box is not one a ResizeObserver reports, so fonts arriving are watched here
document.fonts.addEventListener('loadingdone', markEverywhere);
document.fonts.ready.then(markEverywhere);
