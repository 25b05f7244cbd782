// The base of the lesson's panels: custom elements in the light DOM (so the page's KaTeX styles
// reach their formulas) that re-render their texts on `ptheta-lang`, redraw their canvases in the
// theme's colours on `ptheta-theme` (those that define `redraw()`), and, when linked to a chain
// with for="id", follow its `ptheta-step` events (those that define `update()`). They never touch
// the wasm chain except through the element's backend.js chain object.

export class Panel extends HTMLElement {
  connectedCallback() {
    this.onLang = () => this.render();
    document.addEventListener('ptheta-lang', this.onLang);
    this.onTheme = () => this.redraw?.();
    document.addEventListener('ptheta-theme', this.onTheme);
    this.chainEl = this.getAttribute('for') ? document.getElementById(this.getAttribute('for')) : null;
    if (this.chainEl) {
      this.onStep = (e) => { this.step = e.detail; this.update?.(); };
      this.chainEl.addEventListener('ptheta-step', this.onStep);
    }
    this.render();
  }

  disconnectedCallback() {
    document.removeEventListener('ptheta-lang', this.onLang);
    document.removeEventListener('ptheta-theme', this.onTheme);
    this.chainEl?.removeEventListener('ptheta-step', this.onStep);
  }
}

/** Fires a bubbling event from a panel (the page listens on the document). */
export function emit(el, type, detail) {
  el.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
