// The widgets' styles: CSS files beside these modules, fetched once per page (relative to this
// module, so from wherever the widgets are served) and shared as constructable stylesheets by
// every shadow root — no <style> elements or style attributes, so a strict Content-Security-Policy
// (`style-src 'self'`) holds. KaTeX's @font-face rules are also adopted by the document, the one
// place browsers look for fonts; they name only KaTeX's own fonts, so the host page is unchanged.
const FILES = {
  theme: './theme.css',
  host: './host.css',
  chain: './chain/ptheta-chain.css',
  panel: './widgets/panel.css',
  quiz: './quiz/quiz.css',
  katex: '../katex/katex.min.css',
};

async function load(path) {
  const url = new URL(path, import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load the styles ${url}: HTTP ${res.status}`);
  // relative url()s (KaTeX's fonts) made absolute: a constructed sheet resolves them against the
  // document, not against the file it came from
  const text = (await res.text()).replace(/url\((['"]?)(?![a-z][a-z0-9+.-]*:|\/)([^'")]+)\1\)/gi, (_, q, path) => `url(${q}${new URL(path, url)}${q})`);
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(text);
  return sheet;
}

/** The sheets by name: theme (colours), host (every element's box), chain, panel, quiz, katex. */
export const SHEETS = Object.freeze(Object.fromEntries(await Promise.all(Object.entries(FILES).map(async ([k, p]) => [k, await load(p)]))));

if (!document.adoptedStyleSheets.some((s) => s.ptheta === 'fonts')) {
  const fonts = new CSSStyleSheet();
  fonts.replaceSync([...SHEETS.katex.cssRules].filter((r) => r instanceof CSSFontFaceRule).map((r) => r.cssText).join('\n'));
  fonts.ptheta = 'fonts';
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, fonts];
}

/** A shadow root for `el` with pθ's colours, its box rules and the sheets named in `names`. */
export function shadow(el, ...names) {
  const root = el.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = [SHEETS.theme, SHEETS.host, ...names.map((n) => SHEETS[n])];
  return root;
}
