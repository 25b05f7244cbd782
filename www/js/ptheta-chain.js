// <ptheta-chain>: the reverse chain x_T → x_0 as stacked layers — a background (axes and the data
// distribution), the points layer that the chain draws itself (backend.js: Canvas 2D on the CPU,
// straight from the GPU buffer on WebGPU) and an overlay for the inspector's arrows and the drift
// field — with play / pause / step / back / reset, speed, a t scrubber, samples, seed, and a live
// divergence between the samples and the data. A chain of images (the digits) is shown instead as
// two grids of its samples, x_t and x̂_0 (chain/grid.js), with the same controls, and inspects one
// pixel of one sample. All state lives in the element; the play loop
// (chain/player.js), hit-testing (chain/hit-test.js) and the overlay's drawing (chain/overlay.js)
// are modules of their own, its styles are chain/ptheta-chain.css, and every name, limit and
// drawing constant comes from the catalog (lesson-wasm.js).
import { createChain } from './backend.js';
import { lessonApi, catalog, catalogNow, fetchWeights, weightsUrl } from './lesson-wasm.js';
import { t, num, langOf, has } from './i18n.js';
import { sizeCanvas, drawPoints } from './draw.js';
import { shadow } from './sheets.js';
import { Player } from './chain/player.js';
import { eventToData, eventToCanvas, nearestSample, nearestSegment } from './chain/hit-test.js';
import { TERMS, DriftField, drawField, drawMarker, drawInspection } from './chain/overlay.js';
import { ImageGrid, pixelInspection } from './chain/grid.js';
import { define } from './dom.js';

export { TERMS };

/** Steps per frame the speed menu offers. */
const SPEEDS = [1, 2, 5];
/** How near (in CSS pixels) the pointer must be to an arrow to highlight it. */
const HOVER_PX = 10;
const CATALOG = await catalog();
/**
 * Attributes that change how the element looks or moves, not the chain it runs: changing one
 * after load does not rebuild the chain (a new `t` moves the chain there).
 */
const LIVE = new Set(['t', 'theme', 'controls', 'autoplay']);
/** Seeds of the data drawn for the divergence's reference and for the background. */
const REFERENCE_SEED = 2;
const BACKGROUND_SEED = 1;

const template = document.createElement('template');
template.innerHTML = `
<div class="status" role="status" aria-live="polite"><span part="status"></span><progress hidden max="1" value="0"></progress></div>
<div class="notice" role="alert" hidden></div>
<div class="stage">
  <canvas class="bg" aria-hidden="true"></canvas>
  <div class="points"></div>
  <canvas class="overlay" role="img"></canvas>
</div>
<div class="grids" hidden>
  <figure><canvas class="grid-xt" tabindex="0" role="img"></canvas><figcaption class="xt-caption"></figcaption></figure>
  <figure><canvas class="grid-x0" tabindex="0" role="img"></canvas><figcaption class="x0-caption"></figcaption></figure>
</div>
<div class="bar" role="group" data-group="controls" data-control="play">
  <button data-act="play" aria-pressed="false"></button>
  <button data-act="back"></button>
  <button data-act="step"></button>
  <button data-act="reset"></button>
  <span>t = <output class="t">–</output></span>
  <span><span data-m="chain.backend"></span>: <output class="backend">–</output></span>
</div>
<label class="scrub-label" data-control="scrub"><span data-m="chain.scrub"></span>
  <input type="range" class="scrub" min="0" step="1"></label>
<div class="bar" data-control="settings">
  <label><span data-m="chain.speed"></span> <select class="speed"></select></label>
  <label><span data-m="chain.samples"></span> <input type="number" class="samples" step="1"></label>
  <label><span data-m="chain.seed"></span> <input type="number" class="seed" step="1"></label>
</div>
<div class="bar" data-control="layers">
  <label class="check"><input type="checkbox" class="show-bg" checked><span data-m="chain.background"></span></label>
  <label class="check"><input type="checkbox" class="trails" checked><span data-m="chain.trails"></span></label>
  <label class="check"><input type="checkbox" class="field"><span data-m="chain.field"></span></label>
</div>
<div class="bar" role="group" data-group="inspect" data-control="inspect">
  <button data-act="prev"></button>
  <button data-act="next"></button>
  <label><span data-m="insp.sample"></span> <input type="number" class="sample" min="0" step="1" value="0"></label>
  <label class="pixel-label" hidden><span data-m="grid.pixel"></span> <input type="number" class="pixel" min="0" step="1" value="0"></label>
  <span class="scale"></span>
</div>
<div class="match" data-control="match">
  <span><strong data-m="chain.match"></strong>: <span class="js">–</span></span>
  <svg viewBox="0 0 100 48" preserveAspectRatio="none" role="img"><polyline points=""></polyline></svg>
</div>`;

export class PthetaChain extends HTMLElement {
  /** Resolves the `built` of a widget waiting to be scrolled to, once it starts. */
  #started = null;
  /** Resolves `placed`. */
  #placedNow = null;
  /**
   * Between connectedCallback and disconnectedCallback. An element upgraded in a page hears of
   * each attribute it has before it is connected: those are read when it starts, not acted on.
   */
  #connected = false;

  /** Every attribute the catalog lists for the element, and `lang`: it may speak another language than its page. */
  static get observedAttributes() { return [...CATALOG.chainAttributes, 'lang']; }

  /** Message `key` in this element's language (its own `lang`, an ancestor's, or the page's). */
  msg(key, vars) { return t(key, vars, langOf(this)); }
  /** A number written in this element's language. */
  num(x, digits) { return num(x, digits, langOf(this)); }

  constructor() {
    super();
    const root = shadow(this, 'chain');
    root.append(template.content.cloneNode(true));
    const $ = (s) => root.querySelector(s);
    Object.assign(this, {
      stage: $('.stage'), bg: $('.bg'), pointsBox: $('.points'), overlay: $('.overlay'),
      statusText: $('.status span'), progress: $('progress'), notice: $('.notice'),
      tOut: $('.t'), backendOut: $('.backend'), scrub: $('.scrub'), speed: $('.speed'),
      samplesIn: $('.samples'), seedIn: $('.seed'), showBg: $('.show-bg'), trailsIn: $('.trails'),
      fieldIn: $('.field'), sampleIn: $('.sample'), scaleOut: $('.scale'), jsOut: $('.js'),
      spark: $('.match polyline'), sparkSvg: $('.match svg'),
      grids: $('.grids'), gridXt: $('.grid-xt'), gridX0: $('.grid-x0'), x0Caption: $('.x0-caption'), xtCaption: $('.xt-caption'),
      pixelLabel: $('.pixel-label'), pixelIn: $('.pixel'),
    });
    this.buttons = Object.fromEntries([...root.querySelectorAll('button')].map((b) => [b.dataset.act, b]));
    root.addEventListener('click', (e) => {
      const act = e.target.closest('button')?.dataset.act;
      if (act) this.#act(act);
    });
    this.scrub.addEventListener('input', () => this.#seek(Number(this.scrub.value)));
    this.samplesIn.addEventListener('change', () => this.#setConfig('samples', this.samplesIn));
    this.seedIn.addEventListener('change', () => this.#setConfig('seed', this.seedIn));
    for (const box of [this.showBg, this.trailsIn, this.fieldIn]) box.addEventListener('change', () => this.#render());
    this.sampleIn.addEventListener('change', () => this.select(Number(this.sampleIn.value)));
    this.pixelIn.addEventListener('change', () => this.selectPixel(Number(this.pixelIn.value)));
    this.overlay.addEventListener('click', (e) => this.#pick(e));
    this.overlay.addEventListener('pointermove', (e) => this.#hover(e));
    this.overlay.addEventListener('pointerleave', () => this.#hoverTerm(null));
    this.chain = null;
    this.info = null;
    this.selected = 0;
    /** A chain of images: the inspected pixel of the selected sample, and the catalog's entry of its world. */
    this.pixel = 0;
    this.image = null;
    this.grid = null;
    this.highlight = null;
    this.inspection = null;
    this.marker = null;
    this.generation = 0;
    this.work = Promise.resolve();
    /** Resolves once the chain of the current attributes is built (or has failed to be). */
    this.built = Promise.resolve();
    /**
     * Resolves once the widget knows whether it starts now: at once when eager, else at the first
     * report of how near the view it is (when it starts, it is loading by then), or when it
     * leaves the page. The page's other work waits for it (lesson-wasm.js, chainsDrawn).
     */
    this.placed = Promise.resolve();
    // Aborted by #pause, which every action of the reader's calls first: long work in flight (a
    // far t, a play frame) stops at the next burst instead of running on behind the new action.
    this.job = new AbortController();
    this.seeking = false;
    this.seekId = 0;
    this.matchByT = new Map();
    this.player = new Player({
      queue: (fn) => this.#serial(fn),
      advance: (n) => this.#advance(n),
      onChange: () => this.#playButton(),
    });
    this.onLang = () => { this.#texts(); if (this.chain) this.#render(); };
    // the layers read their colours from the theme when they draw
    this.onTheme = () => {
      if (this.grid) this.grid.redraw();
      else if (this.chain) { this.#drawBackground(); this.#render(); }
    };
    this.#texts();
  }

  /** Least ms between readbacks of the numbers while playing on WebGPU (see #renderNow); the catalog's unless set. */
  get readoutInterval() { return this.readoutMs ?? catalogNow()?.view.readoutMs; }
  set readoutInterval(ms) { this.readoutMs = ms; }

  /** Whether the play loop runs. */
  get playing() { return this.player.playing; }

  connectedCallback() {
    this.#connected = true;
    this.#texts();
    document.addEventListener('ptheta-lang', this.onLang);
    document.addEventListener('ptheta-theme', this.onTheme);
    this.resize = new ResizeObserver(() => this.onTheme());
    this.resize.observe(this.stage);
    this.resize.observe(this.grids);
    this.#startWhenNear();
  }

  /**
   * Starts the widget's work (its download, its chain) at once with loading="eager", else once it
   * is scrolled within the catalog's `view.lazyMarginPx` of the view; a method called starts it.
   */
  #startWhenNear() {
    // eager, or a value the catalog refuses, which the widget says at once
    const loading = this.getAttribute('loading');
    if (loading !== null && loading !== CATALOG.loading[0]) { this.#scheduleRebuild(); return; }
    this.waiting = true;
    // `built` settles once the widget has started and built its chain (or left the page first)
    this.built = new Promise((resolve) => { this.#started = resolve; });
    this.dataset.state = 'waiting';
    this.placed = new Promise((resolve) => { this.#placedNow = resolve; });
    this.#status(this.msg('chain.waiting'));
    this.near = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.#start();
      this.#placed();
    }, { rootMargin: `${CATALOG.view.lazyMarginPx}px` });
    this.near.observe(this);
  }

  #placed() {
    this.#placedNow?.();
    this.#placedNow = null;
  }

  #start() {
    if (!this.waiting) return;
    this.waiting = false;
    this.near?.disconnect();
    this.near = null;
    this.#scheduleRebuild();
    this.#started?.(this.built);
    this.#started = null;
  }

  /** The chain once it is built (starting a widget still waiting to be scrolled to). */
  async #loaded() {
    this.#start();
    await this.built;
  }

  disconnectedCallback() {
    this.#connected = false;
    this.near?.disconnect();
    this.near = null;
    this.waiting = false;
    this.#started?.();
    this.#started = null;
    this.#placed();
    document.removeEventListener('ptheta-lang', this.onLang);
    document.removeEventListener('ptheta-theme', this.onTheme);
    this.resize?.disconnect();
    // a load in flight sees a newer generation and frees what it creates
    this.generation++;
    this.download?.abort();
    this.#pause();
    this.chain?.free();
    this.chain = null;
    this.field?.free();
    this.field = null;
    this.grid?.free();
    this.grid = null;
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (!this.#connected || oldValue === newValue) return;
    if (name === 'lang') { this.onLang(); return; }
    // a widget still waiting reads its attributes when it starts
    if (this.waiting) { if (name === 'loading' && newValue !== null && newValue !== CATALOG.loading[0]) this.#start(); return; }
    if (!LIVE.has(name) || !this.chain || this.rebuildQueued) { this.#scheduleRebuild(); return; }
    try {
      const value = newValue === null ? null : this.api.chainAttribute(name, newValue);
      // a page writing back the t the chain is at (the lesson's address) leaves it playing
      if (name === 't' && value !== null && value !== this.chain.t) this.goTo(value).catch((e) => this.#fail(e));
      if (name === 'theme') this.onTheme();
      if (name === 'controls') this.#showControls(value);
    } catch (e) {
      this.#fail(e);
    }
  }

  /**
   * Shows the groups of controls in `list` (the catalog's names), or all of them when null; a
   * chain of images has no layers and no divergence to show.
   */
  #showControls(list) {
    this.controlsShown = list;
    const none = this.image ? ['layers', 'match'] : [];
    for (const el of this.shadowRoot.querySelectorAll('[data-control]')) {
      el.hidden = (list !== null && !list.includes(el.dataset.control)) || none.includes(el.dataset.control);
    }
  }

  // The element's methods: each waits for the chain (a load in flight) and resolves when the
  // chain is at rest again, to the t it reached. Like the buttons, each stops what was running.

  /** Plays from where the chain is (from x_T again at t = 0) to t = 0. */
  async play() {
    await this.#loaded();
    if (this.chain && !this.playing) this.#play();
  }

  /** Stops playing (or going to a t) where the chain is. */
  async pause() {
    await this.#loaded();
    if (!this.chain) return null;
    this.#pause();
    await this.#render();
    return this.chain.t;
  }

  /** Takes `n` reverse steps (fewer at t = 0). */
  async step(n = 1) {
    const k = Number(n);
    if (!Number.isInteger(k) || k < 1) throw new Error(`step(n): n must be a whole number from 1, not ${n}`);
    return this.#run((c) => c.step(k));
  }

  /** Goes back one step. */
  stepBack() { return this.#run((c) => c.stepBack()); }

  /** Goes back to x_T. */
  reset() { return this.#run((c) => c.reset()); }

  /** Goes to t (checked like the attribute), in bursts, showing progress. */
  async goTo(t) {
    await this.#loaded();
    if (!this.chain) return null;
    const target = this.api.chainAttribute('t', String(t));
    if (target > this.chain.steps) throw new Error(`goTo(${t}): t must be at most the chain's steps, ${this.chain.steps}`);
    await this.#seek(target);
    return this.chain.t;
  }

  async #run(fn) {
    await this.#loaded();
    if (!this.chain) return null;
    this.#pause();
    await this.#serial(async () => {
      await fn(this.chain);
      await this.#renderNow();
    });
    return this.chain.t;
  }

  /** Follows sample `i` in the inspector. */
  select(i) {
    if (!this.chain) return;
    const n = this.chain.samples;
    this.selected = ((Math.trunc(i) % n) + n) % n;
    this.sampleIn.value = String(this.selected);
    this.#selected();
  }

  /** A chain of images: follows pixel `p` (row-major, 0 at the top left) of the selected sample. */
  selectPixel(p) {
    if (!this.chain || !this.image) return;
    const n = this.image.dim;
    this.pixel = ((Math.trunc(p) % n) + n) % n;
    this.pixelIn.value = String(this.pixel);
    this.#selected();
  }

  #selected() {
    const detail = { sample: this.selected, ...(this.image ? { pixel: this.pixel } : {}) };
    this.dispatchEvent(new CustomEvent('ptheta-select', { detail, bubbles: true, composed: true }));
    this.#render();
  }

  /** Highlights one term's arrow (one of TERMS, or null). */
  setHighlight(term) {
    this.highlight = term;
    this.#drawOverlay();
  }

  /** The drift field's grid points [x0, y0, …] (null before the first chain). */
  fieldGrid() {
    return this.field?.points ?? null;
  }

  /** Queues `fn` after any chain work in flight, so steps, scrubs and draws never interleave. */
  #serial(fn) {
    this.work = this.work.then(fn).catch((e) => this.#fail(e));
    return this.work;
  }

  #texts() {
    const root = this.shadowRoot;
    for (const el of root.querySelectorAll('[data-m]')) el.textContent = this.msg(el.dataset.m);
    this.#playButton();
    this.buttons.back.textContent = this.msg('chain.back');
    this.buttons.back.setAttribute('aria-label', this.msg('chain.backLabel'));
    this.buttons.step.textContent = this.msg('chain.step');
    this.buttons.step.setAttribute('aria-label', this.msg('chain.stepLabel'));
    this.buttons.reset.textContent = this.msg('chain.reset');
    this.buttons.prev.textContent = this.msg('insp.prev');
    this.buttons.next.textContent = this.msg('insp.next');
    root.querySelector('[data-group=controls]').setAttribute('aria-label', this.msg('chain.controls'));
    root.querySelector('[data-group=inspect]').setAttribute('aria-label', this.msg('insp.title'));
    this.tOut.setAttribute('aria-label', this.msg('chain.t'));
    this.progress.setAttribute('aria-label', this.msg(this.seeking ? 'chain.seekingLabel' : 'chain.downloading'));
    this.sparkSvg.setAttribute('aria-label', this.msg('chain.matchPlot'));
    const speed = this.speed.value || String(SPEEDS[0]);
    this.speed.replaceChildren(...SPEEDS.map((n) => new Option(this.msg('chain.speed.n', { n }), String(n))));
    this.speed.value = speed;
    if (this.chain) {
      this.#statusReady();
      this.#describe();
    } else if (this.waiting) {
      this.#status(this.msg('chain.waiting'));
    }
  }

  /** The inputs' bounds from the catalog's limits; before the first chain, the scrubber at T. */
  #limits(cat) {
    for (const [input, limit] of [[this.samplesIn, cat.limits.samples], [this.seedIn, cat.limits.seed]]) {
      input.min = String(limit.min);
      input.max = String(limit.max);
    }
    if (!this.chain) {
      this.scrub.max = String(cat.defaults.steps);
      this.scrub.value = this.scrub.max;
    }
  }

  /**
   * The attributes, each checked by the catalog (`chainAttribute`), or an error naming the
   * attribute and what it accepts.
   */
  #attributes(api, cat) {
    const out = {};
    for (const name of cat.chainAttributes) {
      const raw = this.getAttribute(name);
      if (raw !== null) out[name] = api.chainAttribute(name, raw);
    }
    // `theme` only restyles (the CSS reads the attribute) and `loading` only says when to start
    // (connectedCallback): both checked above all the same
    const { dataset, param, controls, autoplay, ...rest } = out;
    delete rest.theme;
    delete rest.loading;
    if (rest.weights !== undefined && (dataset !== undefined || param !== undefined)) {
      throw new Error('attribute weights="…" names a file, dataset="…" and param="…" a shipped model: give one or the other');
    }
    rest.weights ??= weightsUrl({ file: api.shippedWeights(dataset ?? cat.defaults.dataset, param ?? cat.defaults.param) });
    return { ...rest, live: { controls: controls ?? null, autoplay: autoplay === true } };
  }

  /**
   * Several attributes set together (the page switching a model) rebuild the chain once.
   * `built` settles when that rebuild is over: ready, failed, or abandoned for a newer one or
   * because the element left the page.
   */
  #scheduleRebuild() {
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    this.built = new Promise((resolve) => {
      queueMicrotask(() => {
        this.rebuildQueued = false;
        resolve(this.#rebuild());
      });
    });
  }

  async #rebuild() {
    const generation = ++this.generation;
    this.#pause();
    this.#setBusy(true);
    this.dataset.state = 'loading';
    try {
      const [api, cat] = await Promise.all([lessonApi(), catalog()]);
      if (generation !== this.generation) return; // a newer configuration won
      this.#limits(cat);
      const { t: startT, draw, weights: url, data: dataUrl, live, ...opts } = this.#attributes(api, cat);
      this.#showControls(live.controls);
      if (['download', 'data'].includes(this.notice.dataset.kind)) this.notice.hidden = true;
      // the previous load's download is withdrawn only now, so that one still needed (the same
      // file, another attribute changed) goes on rather than starting over
      const previous = this.download;
      this.download = new AbortController();
      const bytesLoading = fetchWeights(url, {
        signal: this.download.signal,
        onProgress: (f) => {
          if (generation !== this.generation) return;
          this.progress.hidden = false;
          this.progress.value = f;
        },
      }).catch((e) => {
        if (generation === this.generation) this.#notify('download', this.msg('chain.downloadFailed', { url, reason: e.message }));
        throw e;
      });
      previous?.abort();
      // the CSV a model of the reader's own was trained on (its points go behind the samples)
      const csv = dataUrl === undefined ? null : await fetch(dataUrl)
        .then((res) => { if (!res.ok) throw new Error(`HTTP ${res.status}`); return res.text(); })
        .then((text) => api.csvPoints(text))
        .catch((e) => {
          const reason = `${dataUrl}: ${e.message}`;
          if (generation === this.generation) this.#notify('data', this.msg('chain.dataFailed', { reason }));
          return null;
        });
      const bytes = await bytesLoading;
      this.progress.hidden = true;
      if (generation !== this.generation) return;
      const chain = await createChain(bytes, opts, {
        // `draw` is the catalog's switch: false draws with Canvas 2D from a readback
        gpuDraw: draw === false ? false : undefined,
        onBackendChange: ({ backend, reason }) => this.#backendChanged(backend, reason),
      });
      if (generation !== this.generation) { chain.free(); return; }
      const image = cat.imageDatasets.find((d) => d.dim === chain.info().dim) ?? null;
      if (image && dataUrl !== undefined) {
        const { dataset } = chain.info();
        chain.free();
        throw new Error(`attribute data="${dataUrl}" is a CSV of points in the plane: a chain of ${dataset} images draws none`);
      }
      if (startT !== undefined && startT > chain.steps) {
        const steps = chain.steps;
        chain.free();
        throw new Error(`attribute t="${startT}" is beyond the chain's steps="${steps}"`);
      }
      await this.work;
      this.chain?.free();
      this.field?.free();
      const view = cat.view;
      this.view = view;
      this.chain = chain;
      this.info = chain.info();
      this.grid?.free();
      this.grid = null;
      this.field = null;
      this.image = image;
      this.stage.hidden = this.image !== null;
      this.grids.hidden = this.image === null;
      this.pixelLabel.hidden = this.image === null;
      this.#showControls(this.controlsShown ?? null);
      if (this.image) {
          this.grid = new ImageGrid([this.gridXt, this.gridX0], this.image, Math.min(chain.samples, view.gridImages), (k, p) => {
          this.selected = k;
          this.sampleIn.value = String(k);
          this.selectPixel(p);
        });
        this.pixel = Math.min(this.pixel, this.image.dim - 1);
        this.pixelIn.max = String(this.image.dim - 1);
        this.pixelIn.value = String(this.pixel);
      } else {
        this.field = new DriftField(api, bytes, chain.steps, this.info.variance, { grid: view.fieldGrid, half: view.half });
        chain.mount(this.pointsBox).classList.add('points-layer');
      }
      this.selected = Math.min(this.selected, chain.samples - 1);
      this.sampleIn.max = String(chain.samples - 1);
      this.sampleIn.value = String(this.selected);
      this.samplesIn.value = String(chain.samples);
      this.seedIn.value = String(this.info.seed);
      this.scrub.max = String(chain.steps);
      this.matchByT = new Map();
      // the data behind the samples and measured against: the CSV given, else the dataset the
      // model names when pθ has it, else none (a model trained on a CSV given without it)
      const known = cat.datasets.some((d) => d.name === this.info.dataset);
      const data = csv ?? (known ? api.datasetSamples(this.info.dataset, view.referencePoints, REFERENCE_SEED) : null);
      this.background = csv ?? (known ? api.datasetSamples(this.info.dataset, view.backgroundPoints, BACKGROUND_SEED) : null);
      this.dataHist = data && api.histogram(data, view.bins, view.half);
      this.api = api;
      this.#showBackend(chain);
      chain.workersReady().then(() => { if (this.chain === chain) this.#showBackend(chain); });
      this.#statusReady();
      this.#setBusy(false);
      this.#drawBackground();
      // A far t (a shared link's) can take minutes on the CPU: x_T is shown and the controls work
      // while the chain gets there, and the reader's next action stops it.
      const seek = startT !== undefined && startT !== chain.t;
      if (!seek) this.dataset.state = 'ready';
      await this.#render();
      if (generation !== this.generation) return;
      this.dispatchEvent(new CustomEvent('ptheta-ready', { detail: this.info, bubbles: true, composed: true }));
      if (seek) this.#seek(startT);
      else if (live.autoplay) this.#play();
    } catch (e) {
      if (generation !== this.generation) return;
      this.#fail(e);
    }
  }

  /** Shows `text` in the notice; `kind` says what it is about, so a later load can clear its own. */
  #notify(kind, text) {
    this.notice.hidden = false;
    this.notice.dataset.kind = kind;
    this.notice.textContent = text;
  }

  /** What runs the chain: the backend, the GPU's name, or the CPU's threads once its workers are up. */
  #showBackend(chain) {
    const adapter = chain.adapter ? ` — ${[chain.adapter.vendor, chain.adapter.architecture].filter(Boolean).join(' ')}` : '';
    const threads = !chain.onGpu && chain.workers > 1 ? ` · ${this.msg('chain.threads', { n: chain.workers })}` : '';
    this.backendOut.textContent = `${this.msg(`chain.${chain.backend}`, { build: this.msg(`build.${chain.build}`) })}${adapter}${threads}`;
    this.backendOut.title = chain.fallbackReason ?? '';
  }

  #backendChanged(backend, reason) {
    this.#notify('backend', this.msg('chain.fallback', { reason: reason ?? backend }));
    const chain = this.chain;
    if (chain) {
      this.#showBackend(chain);
      chain.workersReady().then(() => { if (this.chain === chain) this.#showBackend(chain); });
    }
    this.dispatchEvent(new CustomEvent('ptheta-backend', { detail: { backend, reason }, bubbles: true, composed: true }));
  }

  #statusReady() {
    const i = this.info;
    this.#status(this.msg('chain.ready', {
      parameterization: this.msg(`param.${i.parameterization}`), dataset: has(`ds.${i.dataset}`) ? this.msg(`ds.${i.dataset}`) : i.dataset, steps: i.steps, samples: i.samples,
    }));
  }

  /** A number typed into the samples or seed field, checked like the attribute it sets. */
  #setConfig(name, input) {
    let v;
    try {
      if (!this.api) return;
      v = this.api.chainAttribute(name, input.value);
    } catch (e) {
      this.#status(this.msg('chain.error', { message: e.message }), true);
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
      if (this.playing || this.seeking) { this.#pause(); this.#render(); } else this.#play();
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

  /**
   * Goes to t in bursts (backend.js), showing how far it got when it takes more than one burst,
   * until it gets there or the next action (#pause) stops it where it is. Meanwhile the Play
   * button reads Pause, and stops it.
   */
  #seek(target) {
    this.#pause();
    const { signal } = this.job;
    const id = ++this.seekId;
    const generation = this.generation;
    const current = () => id === this.seekId && generation === this.generation;
    this.seeking = true;
    this.dataset.state = 'seeking';
    this.#playButton();
    return this.#serial(async () => {
      try {
        if (!this.chain || signal.aborted) return;
        await this.chain.goTo(target, {
          signal,
          onProgress: (f) => {
            if (!current() || signal.aborted || f >= 1) return;
            if (this.progress.hidden) {
              this.progress.hidden = false;
              this.progress.setAttribute('aria-label', this.msg('chain.seekingLabel'));
              this.#status(this.msg('chain.seeking', { t: target }));
            }
            this.progress.value = f;
            this.tOut.textContent = String(this.chain.t);
          },
        });
        if (current()) await this.#renderNow();
      } finally {
        if (current()) {
          this.seeking = false;
          this.progress.hidden = true;
          this.progress.setAttribute('aria-label', this.msg('chain.downloading'));
          this.#playButton();
          if (this.info) this.#statusReady();
          if (this.dataset.state === 'seeking') this.dataset.state = 'ready';
        }
      }
    });
  }

  /** The Play button reads Pause while the chain plays or goes to a far t. */
  #playButton() {
    const on = this.playing || this.seeking;
    this.buttons.play.textContent = this.msg(on ? 'chain.pause' : 'chain.play');
    this.buttons.play.setAttribute('aria-pressed', String(on));
  }

  #play() {
    if (this.chain.t === 0) this.#serial(() => this.chain.reset());
    this.player.start(Player.pace(this.chain.steps, Number(this.speed.value) || SPEEDS[0], this.view.playFrames));
  }

  /** One play frame: `n` steps, drawn; true while there is more to play. */
  async #advance(n) {
    if (!this.chain) return false;
    // in bursts, so that Pause stops a frame of a slow chain (20 steps of 8192 samples) midway
    const { signal } = this.job;
    await this.chain.goTo(Math.max(0, this.chain.t - n), { signal });
    if (signal.aborted) return false;
    await this.#renderNow({ live: true });
    return this.chain.t > 0;
  }

  #pause() {
    this.player.stop();
    this.job.abort();
    this.job = new AbortController();
    if (this.seeking) {
      this.seeking = false;
      this.progress.hidden = true;
      this.#playButton();
      if (this.info) this.#statusReady();
      if (this.dataset.state === 'seeking') this.dataset.state = 'ready';
    }
  }

  /** Hovering an inspector arrow highlights it and, through `ptheta-highlight`, its term. */
  #hover(e) {
    const { px, py, k } = eventToCanvas(e, this.overlay);
    this.#hoverTerm(nearestSegment(this.arrowSegs ?? [], px, py, HOVER_PX * k));
  }

  #hoverTerm(term) {
    if (term === this.highlight) return;
    this.setHighlight(term);
    this.dispatchEvent(new CustomEvent('ptheta-highlight', { detail: { term }, bubbles: true, composed: true }));
  }

  /** Picks the sample nearest to a click or tap (positions are read back only for this). */
  #pick(e) {
    if (!this.chain) return;
    const { x, y } = eventToData(e, this.overlay.getBoundingClientRect(), this.view.half);
    this.#serial(async () => {
      if (!this.chain) return;
      this.select(nearestSample(await this.chain.positions(), x, y));
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
    const t = c.t;
    const fresh = this.image ? await this.#renderGrid(c) : await this.#renderPoints(c, live);
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
    // arriving at x_0 (not redrawing it)
    if (t === 0 && this.drawnT !== 0) {
      this.dispatchEvent(new CustomEvent('ptheta-done', { detail: { steps: c.steps, samples: c.samples, info: this.info }, bubbles: true, composed: true }));
    }
    this.drawnT = t;
  }

  /** The points, the inspector's arrows and the drift field; whether the numbers were read. */
  async #renderPoints(c, live) {
    const { half, bins, trails } = this.view;
    const ink = getComputedStyle(this).getPropertyValue('--ink').trim();
    await c.draw({ half, trails: this.trailsIn.checked ? trails : 0, color: ink || undefined });
    const t = c.t;
    const now = performance.now();
    const fresh = !live || t === 0 || !c.onGpu || now - (this.lastReadout ?? -Infinity) >= this.readoutInterval;
    if (fresh) {
      this.lastReadout = now;
      this.inspection = t > 0 ? await c.inspect(this.selected) : null;
      // the ring around the selected sample: where it is now
      this.marker = this.inspection?.x_t ?? Array.from(await c.positions()).slice(2 * this.selected, 2 * this.selected + 2);
      if (!this.matchByT.has(t)) {
        const h = await c.histogram(bins, half);
        if (this.dataHist) this.matchByT.set(t, h.some((v) => v > 0) ? this.api.jsDivergence(h, this.dataHist) : 1);
      }
    }
    this.fieldArrows = this.fieldIn.checked && t > 0 ? this.field.drift(t) : null;
    this.#drawOverlay();
    return fresh;
  }

  /**
   * A chain of images: x_t and x̂_0 of every sample, and the inspected pixel's numbers. Each
   * frame reads them all: 64 images are a few thousand numbers, and x̂_0 is the picture.
   */
  async #renderGrid(c) {
    const t = c.t;
    const x = await c.positions();
    const shown = this.grid.samples;
    const prediction = t > 0 ? await c.predictions(shown) : null;
    const whole = t > 0 ? await c.inspect(this.selected) : null;
    this.inspection = whole && pixelInspection(whole, this.pixel, this.image.side);
    this.x0Caption.textContent = this.msg(t > 0 ? 'grid.x0' : 'grid.x0done');
    this.xtCaption.textContent = this.msg('grid.xt') + (shown < c.samples ? ` ${this.msg('grid.some', { shown, n: c.samples })}` : '');
    this.grid.draw({ x, prediction, sample: this.selected, pixel: this.pixel });
    const where = { sample: this.selected, row: Math.floor(this.pixel / this.image.side), col: this.pixel % this.image.side };
    this.gridXt.setAttribute('aria-label', this.msg('grid.canvas', { t, T: c.steps, n: shown, ...where }));
    this.gridX0.setAttribute('aria-label', this.msg(t > 0 ? 'grid.canvasX0' : 'grid.x0done', { t }));
    return true;
  }

  #describe() {
    const c = this.chain;
    this.overlay.setAttribute('aria-label', this.msg('chain.canvas', { t: c.t, T: c.steps }));
    const js = this.matchByT.get(c.t);
    this.jsOut.textContent = js === undefined ? '–' : this.msg('chain.matchValue', { js: this.num(js, 3) });
    // The sparkline runs left to right from t = T to 0, like the scrubber.
    const pts = [...this.matchByT.entries()].sort((a, b) => b[0] - a[0])
      .map(([t, v]) => `${(100 * (c.steps - t)) / c.steps},${48 - 46 * v}`);
    this.spark.setAttribute('points', pts.join(' '));
  }

  /** Axes and, when shown, the data distribution, in the theme's colours. */
  #drawBackground() {
    const w = sizeCanvas(this.bg, this.stage.clientWidth);
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
    drawPoints(ctx, this.background, { half: this.view.half, width: w, round: true });
  }

  /** Inspector arrows for the selected sample and the drift field (chain/overlay.js). */
  #drawOverlay() {
    const w = sizeCanvas(this.overlay, this.stage.clientWidth);
    const ctx = this.overlay.getContext('2d');
    ctx.clearRect(0, 0, w, w);
    // a chain of images marks its inspected pixel in its grids instead
    if (!this.chain || this.image) return;
    this.#drawBackground();
    const style = getComputedStyle(this);
    const color = (name) => style.getPropertyValue(`--c-${name}`).trim();
    const half = this.view.half;
    let fieldNote = '';
    if (this.fieldArrows) {
      const max = drawField(ctx, this.field, this.fieldArrows, { half, width: w, color: color('field') });
      this.fieldNote = this.msg('chain.fieldScale', { max: this.num(max, 3) });
      fieldNote = ` · ${this.fieldNote}`;
    }
    if (this.marker?.length === 2) drawMarker(ctx, this.marker, { half, width: w, color: style.getPropertyValue('--fg').trim() });
    this.arrowSegs = [];
    const ins = this.inspection;
    if (!ins) { this.scaleOut.textContent = fieldNote.slice(3); return; }
    const { magnification, segments } = drawInspection(ctx, ins, { half, width: w, colors: color, highlight: this.highlight });
    this.magnification = magnification;
    this.arrowSegs = segments;
    this.scaleOut.textContent = `μ_θ − x_t, σ_θ z ×${magnification}${fieldNote}`;
  }

  #setBusy(busy) {
    for (const b of Object.values(this.buttons)) b.disabled = busy;
    if (busy) this.#status(this.msg('chain.loading'));
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
    this.#status(this.msg('chain.error', { message }), true);
    this.dispatchEvent(new CustomEvent('ptheta-error', { detail: { message }, bubbles: true, composed: true }));
  }
}

// Every attribute is also a property (`el.samples = 256`, `el.t = 0`): reading gives the
// attribute's text (or null), writing sets or removes the attribute, checked as it is. `dataset`
// is the exception: HTMLElement.dataset is the element's data-* map.
for (const name of CATALOG.chainAttributes) {
  if (name in PthetaChain.prototype || name in HTMLElement.prototype) continue;
  Object.defineProperty(PthetaChain.prototype, name, {
    get() { return this.getAttribute(name); },
    set(v) {
      if (v === null || v === undefined || v === false) this.removeAttribute(name);
      else this.setAttribute(name, v === true ? '' : String(v));
    },
  });
}
define('ptheta-chain', PthetaChain);
