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
