// Starts pθ's modules and, if they cannot start (the wasm module or a message file did not load,
// an old browser), says so where pθ would have been instead of leaving it blank. The messages
// themselves come from the wasm catalog and i18n files, which are exactly what may be missing, so
// this one text is written here, in every language the page has.
const FAILED = 'pθ could not start · pθ no pudo arrancar';

/** Runs `load` (a dynamic import); on failure shows why in every pθ element and the page's #boot-error. */
export function boot(load) {
  return load().catch((e) => {
    const reason = e instanceof Error ? e.message : String(e);
    console.error(`${FAILED}: ${reason}`);
    for (const el of document.querySelectorAll('*')) {
      if (!el.localName.startsWith('ptheta-') || customElements.get(el.localName) || el.shadowRoot) continue;
      const p = document.createElement('p');
      p.setAttribute('role', 'alert');
      p.textContent = `${FAILED}: ${reason}`;
      el.attachShadow({ mode: 'open' }).append(p);
      el.dataset.error = reason;
    }
    const notice = document.getElementById('boot-error');
    if (notice) {
      notice.textContent = `${FAILED}: ${reason}`;
      notice.hidden = false;
      document.documentElement.classList.add('boot-failed');
    }
    document.dispatchEvent(new CustomEvent('ptheta-error', { detail: { message: reason } }));
  });
}

/**
 * Defines every element by importing `widgets` (the path of js/widgets.js from the entry script)
 * at run time: from the page's <meta name="ptheta-base" content="…/"> when there is one, else from
 * `here`, the entry script's own URL. A bundler copies the entry script into the page's bundle but
 * not the files it loads, and inside a bundle the script has no URL of its own (`here` is
 * undefined), so a bundled page names where pθ's files are served.
 */
export function bootWidgets(widgets, here) {
  const hint = 'in a bundle, say where pθ\'s files are served: <meta name="ptheta-base" content="…/">';
  const meta = document.querySelector('meta[name="ptheta-base"]')?.content;
  const base = meta === undefined || meta.endsWith('/') ? meta : `${meta}/`;
  return boot(async () => {
    const from = base ?? here;
    if (from === undefined) throw new Error(`pθ's files are not found: ${hint}`);
    try {
      return await import(new URL(widgets, new URL(from, document.baseURI)).href);
    } catch (e) {
      throw base === undefined ? new Error(`${e.message} (${hint})`) : e;
    }
  });
}
