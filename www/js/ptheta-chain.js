// <ptheta-chain>: the reverse chain x_T → x_0 on a canvas, with play / pause / step / back /
// reset, the current t and the backend in use. All state lives in the element; the wasm module
// is shared by every element on the page.
import init, { WasmChain } from '../ptheta.js';

let wasmReady = null;
/** Loads the wasm module once per page. */
function loadWasm() {
  wasmReady ??= init();
  return wasmReady;
}

const INT_ATTRS = { steps: [1, 1000], samples: [1, 65536], seed: [0, 4294967295] };
const VARIANCES = ['fixed-small', 'fixed-large', 'learned'];
const VIEW = 3; // the canvas shows [-VIEW, VIEW]² of data space

const template = document.createElement('template');
template.innerHTML = `
<style>
  :host { display: block; max-width: 36rem; --ink: #1f4fa3; --paper: #ffffff; --text: #1b1b1f; }
  @media (prefers-color-scheme: dark) { :host { --ink: #8fb4ff; --paper: #101014; --text: #ececf1; } }
  canvas { width: 100%; aspect-ratio: 1; background: var(--paper); border: 1px solid #888; border-radius: 6px; touch-action: manipulation; }
  .bar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; color: var(--text); }
  button { font: inherit; min-height: 44px; min-width: 44px; padding: .25rem .8rem; border-radius: 6px; border: 1px solid #555; background: #f3f3f6; color: #111; cursor: pointer; }
  button:focus-visible { outline: 3px solid #d4380d; outline-offset: 2px; }
  button:disabled { opacity: .55; cursor: default; }
  output { font-variant-numeric: tabular-nums; min-width: 6ch; }
  .status { min-height: 1.5em; }
  .error { color: #b3261e; font-weight: 600; }
  @media (prefers-color-scheme: dark) { .error { color: #ffb4ab; } }
  progress { width: 100%; }
</style>
<div class="status" role="status" aria-live="polite"><span part="status"></span><progress hidden max="1" value="0" aria-label="Downloading weights"></progress></div>
<canvas width="600" height="600" role="img" aria-label="Samples of the reverse chain"></canvas>
<div class="bar" role="group" aria-label="Chain controls">
  <button data-act="play" aria-pressed="false">Play</button>
  <button data-act="back" aria-label="Step back">◀ Back</button>
  <button data-act="step" aria-label="Step forward">Step ▶</button>
  <button data-act="reset">Reset</button>
  <span>t = <output aria-label="Current timestep t">–</output></span>
  <span>backend: <output class="backend" aria-label="Backend">–</output></span>
</div>`;

export class PthetaChain extends HTMLElement {
  static get observedAttributes() { return ['weights', 'steps', 'samples', 'seed', 'variance']; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).append(template.content.cloneNode(true));
    const $ = (s) => this.shadowRoot.querySelector(s);
    this.canvas = $('canvas');
    this.statusText = $('.status span');
    this.progress = $('progress');
    this.tOut = $('output');
    this.backendOut = $('.backend');
    this.buttons = Object.fromEntries([...this.shadowRoot.querySelectorAll('button')].map((b) => [b.dataset.act, b]));
    this.shadowRoot.querySelector('.bar').addEventListener('click', (e) => {
      const act = e.target.closest('button')?.dataset.act;
      if (act) this.#act(act);
    });
    this.chain = null;
    this.playing = false;
    this.generation = 0;
  }

  connectedCallback() { this.#rebuild(); }
  disconnectedCallback() { this.#pause(); this.chain?.free(); this.chain = null; }
  attributeChangedCallback(_name, oldValue, newValue) {
    if (this.isConnected && oldValue !== newValue) this.#rebuild();
  }

  /** Chain options from the attributes, or an error naming the attribute and what it accepts. */
  #options() {
    const opts = {};
    for (const [name, [lo, hi]] of Object.entries(INT_ATTRS)) {
      const raw = this.getAttribute(name);
      if (raw === null) continue;
      const v = Number(raw);
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new Error(`attribute ${name}="${raw}" must be a whole number from ${lo} to ${hi}`);
      }
      opts[name] = v;
    }
    const variance = this.getAttribute('variance');
    if (variance !== null) {
      if (!VARIANCES.includes(variance)) {
        throw new Error(`attribute variance="${variance}" must be one of ${VARIANCES.join(', ')}`);
      }
      opts.variance = variance;
    }
    return opts;
  }

  async #rebuild() {
    const generation = ++this.generation;
    this.#pause();
    this.#setBusy(true);
    try {
      const opts = this.#options();
      const url = this.getAttribute('weights');
      if (!url) throw new Error('attribute weights="…" (URL of a .safetensors file) is required');
      const [, bytes] = await Promise.all([loadWasm(), this.#download(url)]);
      if (generation !== this.generation) return; // a newer configuration won
      const chain = new WasmChain(bytes, opts);
      this.chain?.free();
      this.chain = chain;
      const info = chain.info();
      this.backendOut.textContent = info.backend === 'cpu' ? 'CPU (wasm SIMD)' : info.backend;
      this.#status(`${info.parameterization} model on ${info.dataset}, ${info.steps} steps, ${info.samples} samples`);
      this.dataset.state = 'ready';
      this.#setBusy(false);
      this.#draw();
      this.dispatchEvent(new CustomEvent('ptheta-ready', { detail: info, bubbles: true, composed: true }));
    } catch (e) {
      if (generation !== this.generation) return;
      this.#fail(e);
    }
  }

  /** Fetches the weights, showing progress when the size is known. */
  async #download(url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load weights from ${url}: HTTP ${res.status}`);
    const total = Number(res.headers.get('content-length')) || 0;
    if (!res.body || !total) return new Uint8Array(await res.arrayBuffer());
    this.progress.hidden = false;
    const reader = res.body.getReader();
    const bytes = new Uint8Array(total);
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (got + value.length > total) throw new Error(`weights from ${url} are larger than announced`);
      bytes.set(value, got);
      got += value.length;
      this.progress.value = got / total;
    }
    this.progress.hidden = true;
    return bytes.subarray(0, got);
  }

  #act(act) {
    if (!this.chain) return;
    try {
      if (act === 'play') {
        if (this.playing) this.#pause(); else this.#play();
        return;
      }
      this.#pause();
      if (act === 'step' && this.chain.t > 0) this.chain.step(1);
      if (act === 'back' && this.chain.t < this.chain.steps) this.chain.stepBack();
      if (act === 'reset') this.chain.reset();
      this.#draw();
    } catch (e) {
      this.#fail(e);
    }
  }

  #play() {
    if (this.chain.t === 0) this.chain.reset();
    this.playing = true;
    this.buttons.play.textContent = 'Pause';
    this.buttons.play.setAttribute('aria-pressed', 'true');
    // With reduced motion the chain still runs, in fewer, larger visual jumps.
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const perFrame = reduced ? Math.max(1, Math.ceil(this.chain.steps / 5)) : 1;
    const delay = reduced ? 400 : 0;
    const tick = () => {
      if (!this.playing || !this.chain) return;
      try {
        this.chain.step(perFrame);
      } catch (e) {
        this.#fail(e);
        return;
      }
      this.#draw();
      if (this.chain.t === 0) this.#pause();
      else if (delay) this.timer = setTimeout(() => requestAnimationFrame(tick), delay);
      else this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  #pause() {
    this.playing = false;
    cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.buttons.play.textContent = 'Play';
    this.buttons.play.setAttribute('aria-pressed', 'false');
  }

  #draw() {
    const c = this.canvas;
    const ctx = c.getContext('2d');
    const style = getComputedStyle(this);
    ctx.fillStyle = style.getPropertyValue('--paper').trim() || '#fff';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.strokeStyle = 'rgba(128,128,128,.35)';
    ctx.beginPath();
    ctx.moveTo(c.width / 2, 0); ctx.lineTo(c.width / 2, c.height);
    ctx.moveTo(0, c.height / 2); ctx.lineTo(c.width, c.height / 2);
    ctx.stroke();
    ctx.fillStyle = style.getPropertyValue('--ink').trim() || '#1f4fa3';
    const p = this.chain.positions();
    const s = c.width / (2 * VIEW);
    for (let i = 0; i < p.length; i += 2) {
      ctx.fillRect((p[i] + VIEW) * s - 1.5, (VIEW - p[i + 1]) * s - 1.5, 3, 3);
    }
    const t = this.chain.t;
    this.tOut.textContent = String(t);
    this.dataset.t = String(t);
    this.buttons.step.disabled = t === 0;
    this.buttons.back.disabled = t === this.chain.steps;
    this.dispatchEvent(new CustomEvent('ptheta-step', { detail: { t }, bubbles: true, composed: true }));
  }

  #setBusy(busy) {
    for (const b of Object.values(this.buttons)) b.disabled = busy;
    if (busy) this.#status('Loading…');
  }

  #status(text, isError = false) {
    this.statusText.textContent = text;
    this.statusText.className = isError ? 'error' : '';
  }

  #fail(e) {
    this.#pause();
    this.progress.hidden = true;
    const message = e instanceof Error ? e.message : String(e);
    this.dataset.state = 'error';
    this.#status(`Error: ${message}`, true);
    this.dispatchEvent(new CustomEvent('ptheta-error', { detail: { message }, bubbles: true, composed: true }));
  }
}

customElements.define('ptheta-chain', PthetaChain);
