// <ptheta-chain>: the reverse chain x_T → x_0 as stacked layers — a background (axes and the data
// distribution), the points layer that the chain draws itself (backend.js: Canvas 2D on the CPU,
// straight from the GPU buffer on WebGPU) and an overlay for the inspector's arrows and the drift
// field — with play / pause / step / back / reset, speed, a t scrubber, samples, seed, and a live
// divergence between the samples and the data. All state lives in the element.
import { createChain, BACKENDS } from './backend.js';

// How a WebGPU chain's points reach the screen: straight from the GPU buffer (default), or read
// back and drawn with Canvas 2D where the browser cannot present a WebGPU canvas.
const DRAWS = ['webgpu', 'canvas2d'];
import { lessonApi } from './lesson-wasm.js';
import { t as msg, num } from './i18n.js';

const INT_ATTRS = { steps: [1, 1000], samples: [1, 65536], seed: [0, 4294967295], t: [0, 1000] };
const VARIANCES = ['fixed-small', 'fixed-large', 'learned'];
export const VIEW = 3; // the layers show [-VIEW, VIEW]² of data space
const BINS = 24;
const FIELD_N = 15;
// Least time between readbacks while playing on WebGPU (about four refreshes of the numbers a second).
const READOUT_MS = 250;
export const TERMS = ['mean', 'noise', 'eps', 'x0'];

const template = document.createElement('template');
template.innerHTML = `
<style>
  :host { display: block; color: var(--fg); }
  * { box-sizing: border-box; }
  .stage { position: relative; width: 100%; aspect-ratio: 1; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; background: var(--paper); touch-action: manipulation; }
  .stage > canvas, .points { position: absolute; inset: 0; width: 100%; height: 100%; }
  .overlay { cursor: crosshair; }
  .bar { display: flex; flex-wrap: wrap; gap: .4rem .6rem; align-items: center; margin: .5rem 0; }
  button, select, input { font: inherit; color: var(--fg); }
  button, select, input[type=number] { min-height: 44px; border-radius: 6px; border: 1px solid var(--line); background: var(--button); padding: .2rem .6rem; }
  button { min-width: 44px; cursor: pointer; }
  input[type=number] { width: 6.5rem; box-sizing: border-box; }
  input[type=range] { width: 100%; min-height: 44px; direction: rtl; accent-color: var(--ink); margin: 0; }
  input[type=checkbox] { width: 24px; height: 24px; accent-color: var(--ink); }
  label.check { display: inline-flex; align-items: center; gap: .4rem; min-height: 44px; }
  :is(button, select, input):focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  button:disabled { opacity: .55; cursor: default; }
  output { font-variant-numeric: tabular-nums; }
  .t { min-width: 4ch; display: inline-block; font-weight: 600; }
  .status { min-height: 1.5em; }
  .error { color: var(--error); font-weight: 600; }
  .notice { background: var(--warn-bg); border: 1px solid var(--warn); border-radius: 6px; padding: .4rem .6rem; margin: .4rem 0; }
  .notice[hidden] { display: none; }
  .match { display: grid; grid-template-columns: 1fr; gap: .2rem; font-size: .92rem; }
  .match svg { width: 100%; height: 48px; border: 1px solid var(--line); border-radius: 4px; }
  .match polyline { fill: none; stroke: var(--ink); stroke-width: 2; vector-effect: non-scaling-stroke; }
  progress { width: 100%; }
  .scale { font-size: .85rem; color: var(--muted); }
  @media (prefers-reduced-motion: reduce) { * { transition: none !important; } }
</style>
<div class="status" role="status" aria-live="polite"><span part="status"></span><progress hidden max="1" value="0"></progress></div>
<div class="notice" role="alert" hidden></div>
<div class="stage">
  <canvas class="bg" aria-hidden="true"></canvas>
  <div class="points"></div>
  <canvas class="overlay" role="img"></canvas>
</div>
<div class="bar" role="group" data-group="controls">
  <button data-act="play" aria-pressed="false"></button>
  <button data-act="back"></button>
  <button data-act="step"></button>
  <button data-act="reset"></button>
  <span>t = <output class="t">–</output></span>
  <span><span data-m="chain.backend"></span>: <output class="backend">–</output></span>
</div>
<label class="scrub-label"><span data-m="chain.scrub"></span>
  <input type="range" class="scrub" min="0" max="50" step="1" value="50"></label>
<div class="bar">
  <label><span data-m="chain.speed"></span> <select class="speed"></select></label>
  <label><span data-m="chain.samples"></span> <input type="number" class="samples" min="16" max="8192" step="1"></label>
  <label><span data-m="chain.seed"></span> <input type="number" class="seed" min="0" max="4294967295" step="1"></label>
</div>
<div class="bar">
  <label class="check"><input type="checkbox" class="show-bg" checked><span data-m="chain.background"></span></label>
  <label class="check"><input type="checkbox" class="trails" checked><span data-m="chain.trails"></span></label>
  <label class="check"><input type="checkbox" class="field"><span data-m="chain.field"></span></label>
</div>
<div class="bar" role="group" data-group="inspect">
  <button data-act="prev"></button>
  <button data-act="next"></button>
  <label><span data-m="insp.sample"></span> <input type="number" class="sample" min="0" step="1" value="0"></label>
  <span class="scale"></span>
</div>
<div class="match">
  <span><strong data-m="chain.match"></strong>: <span class="js">–</span></span>
  <svg viewBox="0 0 100 48" preserveAspectRatio="none" role="img"><polyline points=""></polyline></svg>
</div>`;

export class PthetaChain extends HTMLElement {
  static get observedAttributes() { return ['weights', 'steps', 'samples', 'seed', 'variance', 'backend', 'draw']; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).append(template.content.cloneNode(true));
    const $ = (s) => this.shadowRoot.querySelector(s);
    Object.assign(this, {
      stage: $('.stage'), bg: $('.bg'), pointsBox: $('.points'), overlay: $('.overlay'),
      statusText: $('.status span'), progress: $('progress'), notice: $('.notice'),
      tOut: $('.t'), backendOut: $('.backend'), scrub: $('.scrub'), speed: $('.speed'),
      samplesIn: $('.samples'), seedIn: $('.seed'), showBg: $('.show-bg'), trailsIn: $('.trails'),
      fieldIn: $('.field'), sampleIn: $('.sample'), scaleOut: $('.scale'), jsOut: $('.js'),
      spark: $('.match polyline'), sparkSvg: $('.match svg'),
    });
    this.buttons = Object.fromEntries([...this.shadowRoot.querySelectorAll('button')].map((b) => [b.dataset.act, b]));
    this.shadowRoot.addEventListener('click', (e) => {
      const act = e.target.closest('button')?.dataset.act;
      if (act) this.#act(act);
    });
    this.scrub.addEventListener('input', () => this.#goTo(Number(this.scrub.value)));
    this.samplesIn.addEventListener('change', () => this.#setConfig('samples', this.samplesIn));
    this.seedIn.addEventListener('change', () => this.#setConfig('seed', this.seedIn));
    for (const box of [this.showBg, this.trailsIn, this.fieldIn]) box.addEventListener('change', () => this.#render());
    this.sampleIn.addEventListener('change', () => this.select(Number(this.sampleIn.value)));
    this.overlay.addEventListener('click', (e) => this.#pick(e));
    this.overlay.addEventListener('pointermove', (e) => this.#hover(e));
    this.overlay.addEventListener('pointerleave', () => this.#hoverTerm(null));
    this.chain = null;
    this.info = null;
    this.selected = 0;
    this.highlight = null;
    this.inspection = null;
    this.marker = null;
    /** Least ms between readbacks of the numbers while playing on WebGPU (see #renderNow). */
    this.readoutInterval = READOUT_MS;
    this.playing = false;
    this.generation = 0;
    this.work = Promise.resolve();
    this.matchByT = new Map();
    this.onLang = () => { this.#texts(); if (this.chain) this.#render(); };
    this.#texts();
  }

  connectedCallback() {
    document.addEventListener('ptheta-lang', this.onLang);
    this.resize = new ResizeObserver(() => { if (this.chain) { this.#drawBackground(); this.#render(); } });
    this.resize.observe(this.stage);
    this.#scheduleRebuild();
  }

  disconnectedCallback() {
    document.removeEventListener('ptheta-lang', this.onLang);
    this.resize?.disconnect();
    this.#pause();
    this.chain?.free();
    this.chain = null;
    this.field?.free();
    this.field = null;
  }

  attributeChangedCallback(_name, oldValue, newValue) {
    if (this.isConnected && oldValue !== newValue) this.#scheduleRebuild();
  }

  /** Follows sample `i` in the inspector. */
  select(i) {
    if (!this.chain) return;
    const n = this.chain.samples;
    this.selected = ((Math.trunc(i) % n) + n) % n;
    this.sampleIn.value = String(this.selected);
    this.dispatchEvent(new CustomEvent('ptheta-select', { detail: { sample: this.selected }, bubbles: true, composed: true }));
    this.#render();
  }

  /** Highlights one term's arrow ('mean', 'noise', 'eps', 'x0' or null). */
  setHighlight(term) {
    this.highlight = term;
    this.#drawOverlay();
  }

  /** Queues `fn` after any chain work in flight, so steps, scrubs and draws never interleave. */
  #serial(fn) {
    this.work = this.work.then(fn).catch((e) => this.#fail(e));
    return this.work;
  }

  #texts() {
    const root = this.shadowRoot;
    for (const el of root.querySelectorAll('[data-m]')) el.textContent = msg(el.dataset.m);
    this.buttons.play.textContent = msg(this.playing ? 'chain.pause' : 'chain.play');
    this.buttons.back.textContent = msg('chain.back');
    this.buttons.back.setAttribute('aria-label', msg('chain.backLabel'));
    this.buttons.step.textContent = msg('chain.step');
    this.buttons.step.setAttribute('aria-label', msg('chain.stepLabel'));
    this.buttons.reset.textContent = msg('chain.reset');
    this.buttons.prev.textContent = msg('insp.prev');
    this.buttons.next.textContent = msg('insp.next');
    root.querySelector('[data-group=controls]').setAttribute('aria-label', msg('chain.controls'));
    root.querySelector('[data-group=inspect]').setAttribute('aria-label', msg('insp.title'));
    this.tOut.setAttribute('aria-label', msg('chain.t'));
    this.progress.setAttribute('aria-label', msg('chain.downloading'));
    this.sparkSvg.setAttribute('aria-label', msg('chain.matchPlot'));
    const speed = this.speed.value || '1';
    this.speed.replaceChildren(...[1, 2, 5].map((n) => new Option(msg('chain.speed.n', { n }), String(n))));
    this.speed.value = speed;
    if (this.chain) {
      this.#statusReady();
      this.#describe();
    }
  }

  /** Chain options from the attributes, or an error naming the attribute and what it accepts. */
  #options() {
    const opts = {};
    for (const [name, [lo, hi]] of Object.entries(INT_ATTRS)) {
      const raw = this.getAttribute(name);
      if (raw === null) continue;
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isInteger(v) || v < lo || v > hi) {
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
    const backend = this.getAttribute('backend');
    if (backend !== null) {
      if (!BACKENDS.includes(backend)) {
        throw new Error(`attribute backend="${backend}" must be one of ${BACKENDS.join(', ')}`);
      }
      opts.backend = backend;
    }
    const draw = this.getAttribute('draw');
    if (draw !== null && !DRAWS.includes(draw)) {
      throw new Error(`attribute draw="${draw}" must be one of ${DRAWS.join(', ')}`);
    }
    return opts;
  }

  /** Several attributes set together (the page switching a model) rebuild the chain once. */
  #scheduleRebuild() {
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    queueMicrotask(() => {
      this.rebuildQueued = false;
      this.#rebuild();
    });
  }

  async #rebuild() {
    const generation = ++this.generation;
    this.#pause();
    this.#setBusy(true);
    this.dataset.state = 'loading';
    try {
      const { t: startT, ...opts } = this.#options();
      const url = this.getAttribute('weights');
      if (!url) throw new Error('attribute weights="…" (URL of a .safetensors file) is required');
      const [api, bytes] = await Promise.all([lessonApi(), this.#download(url)]);
      if (generation !== this.generation) return; // a newer configuration won
      const chain = await createChain(bytes, opts, {
        gpuDraw: this.getAttribute('draw') === 'canvas2d' ? false : undefined,
        onBackendChange: ({ backend, reason }) => this.#backendChanged(backend, reason),
      });
      if (generation !== this.generation) { chain.free(); return; }
      if (startT !== undefined && startT > chain.steps) {
        const steps = chain.steps;
        chain.free();
        throw new Error(`attribute t="${startT}" is beyond the chain's steps="${steps}"`);
      }
      await this.work;
      this.chain?.free();
      this.field?.free();
      this.chain = chain;
      this.info = chain.info();
      this.field = new api.LessonField(bytes, chain.steps, this.info.variance);
      chain.mount(this.pointsBox).classList.add('points-layer');
      if (startT !== undefined) await chain.goTo(startT);
      this.selected = Math.min(this.selected, chain.samples - 1);
      this.sampleIn.max = String(chain.samples - 1);
      this.sampleIn.value = String(this.selected);
      this.samplesIn.value = String(chain.samples);
      this.seedIn.value = String(this.info.seed);
      this.scrub.max = String(chain.steps);
      this.matchByT = new Map();
      const data = api.datasetSamples(this.info.dataset, 4096, 2);
      this.background = api.datasetSamples(this.info.dataset, 1500, 1);
      this.dataHist = api.histogram(data, BINS, VIEW);
      this.api = api;
      const adapter = chain.adapter ? ` — ${[chain.adapter.vendor, chain.adapter.architecture].filter(Boolean).join(' ')}` : '';
      this.backendOut.textContent = `${msg(chain.backend === 'cpu' ? 'chain.cpu' : 'chain.webgpu')}${adapter}`;
      this.backendOut.title = chain.fallbackReason ?? '';
      this.#statusReady();
      this.dataset.state = 'ready';
      this.#setBusy(false);
      this.#drawBackground();
      await this.#render();
      this.dispatchEvent(new CustomEvent('ptheta-ready', { detail: this.info, bubbles: true, composed: true }));
    } catch (e) {
      if (generation !== this.generation) return;
      this.#fail(e);
    }
  }

  #backendChanged(backend, reason) {
    this.notice.hidden = false;
    this.notice.textContent = msg('chain.fallback', { reason: reason ?? backend });
    this.backendOut.textContent = msg(backend === 'cpu' ? 'chain.cpu' : 'chain.webgpu');
    this.dispatchEvent(new CustomEvent('ptheta-backend', { detail: { backend, reason }, bubbles: true, composed: true }));
  }

  #statusReady() {
    const i = this.info;
    this.#status(msg('chain.ready', {
      parameterization: msg(`param.${i.parameterization}`), dataset: msg(`ds.${i.dataset}`), steps: i.steps, samples: i.samples,
    }));
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

  #setConfig(name, input) {
    const v = Number(input.value);
    const [lo, hi] = [Number(input.min), Number(input.max)];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      this.#status(msg('chain.error', { message: `${name} must be a whole number from ${lo} to ${hi}` }), true);
      input.value = name === 'samples' ? String(this.chain?.samples ?? '') : String(this.info?.seed ?? '');
      return;
    }
    this.removeAttribute('t');
    this.setAttribute(name, String(v));
    this.dispatchEvent(new CustomEvent('ptheta-config', { detail: { [name]: v }, bubbles: true, composed: true }));
  }

  #act(act) {
    if (!this.chain) return;
    if (act === 'prev') { this.select(this.selected - 1); return; }
    if (act === 'next') { this.select(this.selected + 1); return; }
    if (act === 'play') {
      // paused by hand: one full render, since play frames may have skipped the readback
      if (this.playing) { this.#pause(); this.#render(); } else this.#play();
      return;
    }
    this.#pause();
    this.#serial(async () => {
      const c = this.chain;
      if (act === 'step' && c.t > 0) await c.step(1);
      if (act === 'back' && c.t < c.steps) await c.stepBack();
      if (act === 'reset') await c.reset();
      await this.#renderNow();
    });
  }

  #goTo(t) {
    this.#pause();
    this.pendingT = t;
    this.#serial(async () => {
      if (this.pendingT === undefined || !this.chain) return;
      const target = this.pendingT;
      this.pendingT = undefined;
      await this.chain.goTo(target);
      await this.#renderNow();
    });
  }

  #play() {
    if (this.chain.t === 0) this.#serial(() => this.chain.reset());
    this.playing = true;
    this.buttons.play.textContent = msg('chain.pause');
    this.buttons.play.setAttribute('aria-pressed', 'true');
    // With reduced motion the chain still runs, in fewer, larger visual jumps.
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const perFrame = reduced ? Math.max(1, Math.ceil(this.chain.steps / 5)) : Number(this.speed.value) || 1;
    const delay = reduced ? 400 : 0;
    const tick = () => this.#serial(async () => {
      if (!this.playing || !this.chain) return;
      await this.chain.step(perFrame);
      await this.#renderNow({ live: true });
      if (this.chain.t === 0) this.#pause();
      else if (delay) this.timer = setTimeout(() => requestAnimationFrame(tick), delay);
      else this.frame = requestAnimationFrame(tick);
    });
    this.frame = requestAnimationFrame(tick);
  }

  #pause() {
    this.playing = false;
    cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.buttons.play.textContent = msg('chain.play');
    this.buttons.play.setAttribute('aria-pressed', 'false');
  }

  /** Hovering an inspector arrow highlights it and, through `ptheta-highlight`, its term. */
  #hover(e) {
    const r = this.overlay.getBoundingClientRect();
    const k = this.overlay.width / r.width;
    const px = (e.clientX - r.left) * k;
    const py = (e.clientY - r.top) * k;
    let best = null;
    let bestD = 10 * k;
    for (const a of this.arrowSegs ?? []) {
      const d = segmentDistance(px, py, a);
      if (d < bestD) { bestD = d; best = a.term; }
    }
    this.#hoverTerm(best);
  }

  #hoverTerm(term) {
    if (term === this.highlight) return;
    this.setHighlight(term);
    this.dispatchEvent(new CustomEvent('ptheta-highlight', { detail: { term }, bubbles: true, composed: true }));
  }

  /** Picks the sample nearest to a click or tap (positions are read back only for this). */
  #pick(e) {
    if (!this.chain) return;
    const r = this.overlay.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * 2 * VIEW - VIEW;
    const y = VIEW - ((e.clientY - r.top) / r.height) * 2 * VIEW;
    this.#serial(async () => {
      if (!this.chain) return;
      const p = await this.chain.positions();
      let best = 0;
      let bestD = Infinity;
      for (let i = 0; i < p.length; i += 2) {
        const d = (p[i] - x) ** 2 + (p[i + 1] - y) ** 2;
        if (d < bestD) { bestD = d; best = i / 2; }
      }
      this.select(best);
    });
  }

  #render() {
    return this.#serial(() => this.#renderNow());
  }

  /**
   * Draws every layer for the current t and tells the linked panels. Call inside #serial.
   * `live` (the play loop): the points are drawn straight from the GPU buffer and the numbers (the
   * inspected sample, the histogram) are read back at most every `readoutInterval` ms and at t = 0, so most
   * frames map no buffer. Otherwise, and on the CPU where reading costs no mapping, every number
   * is current.
   */
  async #renderNow({ live = false } = {}) {
    const c = this.chain;
    if (!c) return;
    const style = getComputedStyle(this);
    await c.draw({ half: VIEW, trails: this.trailsIn.checked ? 8 : 0, color: style.getPropertyValue('--ink').trim() || '#1f4fa3' });
    const t = c.t;
    const now = performance.now();
    const fresh = !live || t === 0 || c.backend !== 'webgpu' || now - (this.lastReadout ?? -Infinity) >= this.readoutInterval;
    if (fresh) {
      this.lastReadout = now;
      this.inspection = t > 0 ? await c.inspect(this.selected) : null;
      // the ring around the selected sample: where it is now
      this.marker = this.inspection?.x_t ?? Array.from(await c.positions()).slice(2 * this.selected, 2 * this.selected + 2);
      if (!this.matchByT.has(t)) {
        const h = await c.histogram(BINS, VIEW);
        this.matchByT.set(t, h.some((v) => v > 0) ? this.api.jsDivergence(h, this.dataHist) : 1);
      }
    }
    this.fieldArrows = this.fieldIn.checked && t > 0 ? this.field.drift(t, this.fieldGrid()) : null;
    this.#drawOverlay();
    this.tOut.textContent = String(t);
    this.scrub.value = String(t);
    this.scrub.setAttribute('aria-valuetext', `t = ${t}`);
    this.buttons.step.disabled = t === 0;
    this.buttons.back.disabled = t === c.steps;
    this.#describe();
    this.dataset.t = String(t);
    this.dispatchEvent(new CustomEvent('ptheta-step', {
      detail: { t, steps: c.steps, sample: this.selected, inspection: this.inspection, fresh, info: this.info },
      bubbles: true, composed: true,
    }));
  }

  fieldGrid() {
    this.gridPoints ??= this.api.LessonField.grid(FIELD_N, VIEW);
    return this.gridPoints;
  }

  #describe() {
    const c = this.chain;
    this.overlay.setAttribute('aria-label', msg('chain.canvas', { t: c.t, T: c.steps }));
    const js = this.matchByT.get(c.t);
    this.jsOut.textContent = js === undefined ? '–' : msg('chain.matchValue', { js: num(js, 3) });
    // The sparkline runs left to right from t = T to 0, like the scrubber.
    const pts = [...this.matchByT.entries()].sort((a, b) => b[0] - a[0])
      .map(([t, v]) => `${(100 * (c.steps - t)) / c.steps},${48 - 46 * v}`);
    this.spark.setAttribute('points', pts.join(' '));
  }

  #sizeCanvas(canvas) {
    const w = Math.max(1, Math.round(this.stage.clientWidth * devicePixelRatio));
    if (canvas.width !== w || canvas.height !== w) { canvas.width = w; canvas.height = w; }
    return w;
  }

  #drawBackground() {
    const w = this.#sizeCanvas(this.bg);
    const ctx = this.bg.getContext('2d');
    const style = getComputedStyle(this);
    ctx.clearRect(0, 0, w, w);
    ctx.strokeStyle = style.getPropertyValue('--line').trim();
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    ctx.moveTo(w / 2, 0); ctx.lineTo(w / 2, w);
    ctx.moveTo(0, w / 2); ctx.lineTo(w, w / 2);
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (!this.showBg.checked || !this.background) return;
    ctx.fillStyle = style.getPropertyValue('--data').trim();
    const s = w / (2 * VIEW);
    const r = Math.max(1.5, w / 300);
    const p = this.background;
    for (let i = 0; i < p.length; i += 2) {
      ctx.beginPath();
      ctx.arc((p[i] + VIEW) * s, (VIEW - p[i + 1]) * s, r, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  /** Inspector arrows for the selected sample and the drift field, in data units. */
  #drawOverlay() {
    const w = this.#sizeCanvas(this.overlay);
    const ctx = this.overlay.getContext('2d');
    ctx.clearRect(0, 0, w, w);
    if (!this.chain) return;
    this.#drawBackground();
    const style = getComputedStyle(this);
    const color = (name) => style.getPropertyValue(`--c-${name}`).trim();
    const s = w / (2 * VIEW);
    const X = (x) => (x + VIEW) * s;
    const Y = (y) => (VIEW - y) * s;
    const lw = Math.max(2, w / 250);
    if (this.fieldArrows) {
      // Drift per step is small; arrows are scaled so the longest fills most of a grid cell.
      const d = this.fieldArrows;
      const g = this.fieldGrid();
      let max = 1e-12;
      for (let i = 0; i < d.length; i += 2) max = Math.max(max, Math.hypot(d[i], d[i + 1]));
      const k = (0.9 * (2 * VIEW / FIELD_N)) / max;
      this.fieldNote = msg('chain.fieldScale', { max: num(max, 3) });
      ctx.globalAlpha = 0.8;
      for (let i = 0; i < d.length; i += 2) {
        arrow(ctx, X(g[i]), Y(g[i + 1]), X(g[i] + k * d[i]), Y(g[i + 1] + k * d[i + 1]), color('field'), lw * 0.7);
      }
      ctx.globalAlpha = 1;
    }
    const m = this.marker;
    if (m?.length === 2) {
      ctx.strokeStyle = style.getPropertyValue('--fg').trim();
      ctx.lineWidth = lw;
      ctx.beginPath();
      ctx.arc(X(m[0]), Y(m[1]), 4 * lw, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const ins = this.inspection;
    this.arrowSegs = [];
    const fieldNote = this.fieldArrows ? ` · ${this.fieldNote}` : '';
    if (!ins) { this.scaleOut.textContent = fieldNote.slice(3); return; }
    const [x, y] = ins.x_t;
    const mean = [ins.mean[0] - x, ins.mean[1] - y];
    const noise = [ins.sigma[0] * ins.z[0], ins.sigma[1] * ins.z[1]];
    // One reverse step is short; the mean step and the noise are magnified by a round factor
    // (said in the legend) so that they can be seen, while ε̂ and x̂_0 are drawn to scale.
    const len = Math.max(Math.hypot(...mean), Math.hypot(...noise), 1e-9);
    const mag = [1, 2, 5, 10, 20, 50, 100, 200, 500].filter((m) => m * len <= 1.2).pop() ?? 1;
    this.magnification = mag;
    this.scaleOut.textContent = `μ_θ − x_t, σ_θ z ×${mag}${fieldNote}`;
    const parts = {
      x0: [ins.x0[0], ins.x0[1]],
      eps: [x + ins.eps[0], y + ins.eps[1]],
      mean: [x + mag * mean[0], y + mag * mean[1]],
    };
    // The noise arrow starts where the (magnified) mean arrow ends: x_{t−1} = μ + σz.
    parts.noise = [parts.mean[0] + mag * noise[0], parts.mean[1] + mag * noise[1]];
    for (const term of ['x0', 'eps', 'mean', 'noise']) {
      const from = term === 'noise' ? parts.mean : [x, y];
      const to = parts[term];
      const hl = this.highlight === term;
      ctx.globalAlpha = this.highlight && !hl ? 0.35 : 1;
      arrow(ctx, X(from[0]), Y(from[1]), X(to[0]), Y(to[1]), color(term), hl ? lw * 2 : lw * 1.2, term === 'x0' || term === 'eps');
      this.arrowSegs.push({ term, x0: X(from[0]), y0: Y(from[1]), x1: X(to[0]), y1: Y(to[1]) });
    }
    ctx.globalAlpha = 1;
  }

  #setBusy(busy) {
    for (const b of Object.values(this.buttons)) b.disabled = busy;
    if (busy) this.#status(msg('chain.loading'));
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
    this.#status(msg('chain.error', { message }), true);
    this.dispatchEvent(new CustomEvent('ptheta-error', { detail: { message }, bubbles: true, composed: true }));
  }
}

/** Distance from a point to a segment {x0, y0, x1, y1}, all in canvas pixels. */
function segmentDistance(px, py, { x0, y0, x1, y1 }) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy || 1e-12;
  const u = Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
  return Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
}

/** An arrow from (x0, y0) to (x1, y1) in canvas pixels; dashed for the model's beliefs. */
function arrow(ctx, x0, y0, x1, y1, color, width, dashed = false) {
  const a = Math.atan2(y1 - y0, x1 - x0);
  const head = Math.min(4 * width + 4, Math.hypot(x1 - x0, y1 - y0) * 0.6);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dashed ? [3 * width, 2 * width] : []);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - head * Math.cos(a - 0.45), y1 - head * Math.sin(a - 0.45));
  ctx.lineTo(x1 - head * Math.cos(a + 0.45), y1 - head * Math.sin(a + 0.45));
  ctx.closePath();
  ctx.fill();
}

customElements.define('ptheta-chain', PthetaChain);
