// The base of the lesson's panels: custom elements that render into their own shadow root (with
// pθ's colours, KaTeX's styles and widgets/panel.css: see sheets.js), re-render their texts on `ptheta-lang`, redraw their canvases in the
// theme's colours on `ptheta-theme` (those that define `redraw()`), and, when linked to a chain
// with for="id", follow its `ptheta-step` events (those that define `update()`). They never touch
// the wasm chain except through the element's backend.js chain object.
//
// A panel renders through `refresh()`: a bad attribute (or anything else its `render()` throws)
// is shown in the panel, naming the attribute, its value and what it accepts, and fires
// `ptheta-error`; the rest of the page goes on.
import { t, num, langOf } from '../i18n.js';
import { h } from '../dom.js';
import { shadow } from '../sheets.js';
import { chainsDrawn } from '../lesson-wasm.js';

export class Panel extends HTMLElement {
  #renders = 0;
  /** Settles when the panel may first render: after the page's chains have drawn (chainsDrawn). */
  #ready = null;
  #rendered = false;

  /** The styles of its shadow root, by their names in sheets.js (a panel may add its own). */
  static sheets = ['katex', 'panel'];

  constructor() {
    super();
    /** Where the panel renders. */
    this.root = shadow(this, ...this.constructor.sheets);
  }

  /** Message `key` in this panel's language (its own `lang`, an ancestor's, or the page's). */
  msg(key, vars) { return t(key, vars, langOf(this)); }
  /** A number written in this panel's language. */
  num(x, digits) { return num(x, digits, langOf(this)); }

  /** Every panel observes `lang` (a subclass adds its own attributes to these): it may speak another language than its page. */
  static get observedAttributes() { return ['lang']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.refresh(); }

  connectedCallback() {
    this.onLang = () => this.refresh();
    document.addEventListener('ptheta-lang', this.onLang);
    this.onTheme = () => this.redraw?.();
    document.addEventListener('ptheta-theme', this.onTheme);
    const id = this.getAttribute('for');
    // the chain is looked up in the tree the panel is in (a page, or a component's shadow root)
    const scope = this.getRootNode();
    const target = id === null ? null : (scope.getElementById?.(id) ?? document.getElementById(id));
    this.chainEl = target?.localName === 'ptheta-chain' ? target : null;
    if (this.chainEl) {
      // before its first render the panel only keeps the step, which that render shows
      this.onStep = (e) => { this.step = e.detail; if (this.#rendered) this.update?.(); };
      this.chainEl.addEventListener('ptheta-step', this.onStep);
    }
    // the chains' first frame comes first: a page's panels can take longer to build than it
    this.#ready ??= chainsDrawn();
    this.refresh();
  }

  disconnectedCallback() {
    document.removeEventListener('ptheta-lang', this.onLang);
    document.removeEventListener('ptheta-theme', this.onTheme);
    this.chainEl?.removeEventListener('ptheta-step', this.onStep);
  }

  /** Renders the panel, or shows why it cannot. Resolves when done either way. */
  async refresh() {
    const run = ++this.#renders;
    // an upgraded panel hears of its attributes before it is connected
    this.#ready ??= chainsDrawn();
    await this.#ready;
    // refreshes asked for while waiting come to one render, the last
    if (run !== this.#renders) return;
    try {
      const id = this.getAttribute('for');
      if (id !== null && !this.chainEl) throw new Error(this.msg('panel.noChain', { value: id }));
      await this.render();
      this.#rendered = true;
      if (run === this.#renders) delete this.dataset.error;
    } catch (e) {
      if (run === this.#renders) this.showError(e);
    }
  }

  /** Replaces the panel's content with the message of `e`, as an alert. */
  showError(e) {
    const message = e instanceof Error ? e.message : String(e);
    this.root.replaceChildren(h('p', { class: 'error', role: 'alert' }, this.msg('panel.error', { element: this.localName, message })));
    this.dataset.error = message;
    emit(this, 'ptheta-error', { message });
  }
}

/**
 * The value of attribute `name` of `el` when it is one of `allowed` (names from the catalog or
 * the messages), `fallback` when it is absent; any other value throws an error naming the
 * attribute, the value and `allowed`.
 */
export function oneOf(el, name, allowed, fallback) {
  const value = el.getAttribute(name);
  if (value === null) return fallback;
  if (allowed.includes(value)) return value;
  throw new Error(el.msg('panel.badAttribute', { name, value, allowed: allowed.join(', ') }));
}

/** Fires a bubbling event from a panel (the page listens on the document). */
export function emit(el, type, detail) {
  el.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
