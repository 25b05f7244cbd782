// <ptheta-schedule schedule="…" dataset="…">: β_t, ᾱ_t and log SNR of one of the catalog's plot
// schedules for any T within the catalog's limits, ᾱ_T with a warning when it is far from 0, and
// the forward process q(x_t | x_0) scrubbed on the same data. Choosing a schedule fires
// `ptheta-schedule`.
import { escapeHtml } from '../tex.js';
import { lessonApi, catalog } from '../lesson-wasm.js';
import { sizeCanvas, drawPoints, cssVar } from '../draw.js';
import { Panel, emit, oneOf } from './panel.js';
import { define, markupNodes } from '../dom.js';

/** Seeds of the data sample and of the forward noise. */
const DATA_SEED = 3;
const NOISE_SEED = 5;

/** An SVG line plot of `ys` (index 0 … n−1 ↦ t = 1 … n) with a marker at `mark`. */
function plot(ys, { label, mark = null, log = false }) {
  const v = Array.from(ys, (y) => (log ? Math.log10(Math.max(y, 1e-12)) : y));
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const span = hi - lo || 1;
  const n = v.length;
  const pts = v.map((y, i) => `${(100 * i) / Math.max(1, n - 1)},${38 - (36 * (y - lo)) / span}`).join(' ');
  const m = mark ? `<line x1="${(100 * (mark - 1)) / Math.max(1, n - 1)}" x2="${(100 * (mark - 1)) / Math.max(1, n - 1)}" y1="0" y2="40" class="mark"/>` : '';
  const f = (x) => (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(Math.abs(x) >= 10 ? 1 : 3) : x.toExponential(1));
  return `<figure class="plot"><figcaption>${escapeHtml(label)}</figcaption>
    <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(`${label}: ${f(v[0])} … ${f(v[n - 1])}`)}"><polyline points="${pts}"/>${m}</svg>
    <div class="axis"><span>t = 1</span><span>${escapeHtml(`${f(lo)} … ${f(hi)}`)}</span><span>t = ${n}</span></div></figure>`;
}

class PthetaSchedule extends Panel {
  static get observedAttributes() { return [...super.observedAttributes, 'schedule', 'dataset']; }
  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === 'dataset') this.x0 = null;
    if (this.isConnected) this.refresh();
  }

  async render() {
    const [api, cat] = await Promise.all([lessonApi(), catalog()]);
    const { half, bins, backgroundPoints } = cat.view;
    const limit = cat.limits.plotTimesteps;
    const kind = oneOf(this, 'schedule', cat.plotSchedules, cat.defaults.schedule);
    const ds = oneOf(this, 'dataset', cat.datasets.map((d) => d.name), cat.defaults.dataset);
    const T = this.T ?? limit.default;
    this.fwdT = Math.min(this.fwdT ?? Math.round(T / 4), T);
    const table = new api.LessonSchedule(kind, T);
    this.table = { beta: table.beta(), alphaBar: table.alphaBar(), snr: table.snr(), alphaBarT: table.alphaBarT, warn: table.terminalWarning };
    table.free();
    const v = this.table.alphaBarT.toExponential(2);
    this.shows = ds;
    this.x0 ??= api.datasetSamples(ds, backgroundPoints, DATA_SEED);
    const noise = api.forwardSamples(0, this.x0, NOISE_SEED);
    this.noiseHist = api.histogram(noise, bins, half);
    this.root.replaceChildren(markupNodes(`
      <div class="bar">
        <label>${escapeHtml(this.msg('sch.kind'))} <select class="kind">${cat.plotSchedules.map((k) => `<option value="${k}"${k === kind ? ' selected' : ''}>${escapeHtml(this.msg(`sch.${k}`))}</option>`).join('')}</select></label>
        <label>${escapeHtml(this.msg('sch.T'))} <input type="number" class="T" min="${limit.min}" max="${limit.max}" step="1" value="${T}"></label>
      </div>
      <p class="alpha-bar-t"><strong>${escapeHtml(this.msg('sch.alphaBarT', { v }))}</strong></p>
      <p class="${this.table.warn ? 'warn' : 'ok'}" role="${this.table.warn ? 'alert' : 'note'}" data-warning="${this.table.warn}">${escapeHtml(this.msg(this.table.warn ? 'sch.warn' : 'sch.ok', { v }))}</p>
      <div class="plots"></div>
      <label class="fwd-label">${escapeHtml(this.msg('sch.fwd'))} = <output class="fwd-t">${this.fwdT}</output>
        <input type="range" class="fwd" min="0" max="${T}" step="1" value="${this.fwdT}"></label>
      <div class="fwd-stage"><canvas class="fwd-canvas" role="img"></canvas></div>
      <p class="fwd-match"></p>`));
    this.root.querySelector('.kind').addEventListener('change', (e) => emit(this, 'ptheta-schedule', { schedule: e.target.value }));
    this.root.querySelector('.T').addEventListener('change', (e) => {
      const n = Number(e.target.value);
      if (Number.isInteger(n) && n >= limit.min && n <= limit.max) { this.T = n; this.refresh(); } else e.target.value = String(T);
    });
    this.root.querySelector('.fwd').addEventListener('input', (e) => { this.fwdT = Number(e.target.value); this.drawForward(api, cat); });
    this.drawForward(api, cat);
  }

  /** Redraws the forward samples in the theme's colours. */
  redraw() {
    if (this.drawn && this.root.querySelector('.fwd-canvas')) this.drawForward(...this.drawn);
  }

  drawForward(api, cat) {
    this.drawn = [api, cat];
    const { half, bins } = cat.view;
    const t = this.fwdT;
    const { beta, alphaBar, snr } = this.table;
    this.root.querySelector('.plots').replaceChildren(markupNodes([
      plot(beta, { label: this.msg('sch.beta'), mark: t || null }),
      plot(alphaBar, { label: this.msg('sch.alphaBar'), mark: t || null }),
      plot(snr, { label: this.msg('sch.snr'), mark: t || null, log: true }),
    ].join('')));
    this.root.querySelector('.fwd-t').textContent = String(t);
    const ab = t === 0 ? 1 : alphaBar[t - 1];
    const xt = api.forwardSamples(Math.min(1, Math.max(0, ab)), this.x0, NOISE_SEED);
    const js = api.jsDivergence(api.histogram(xt, bins, half), this.noiseHist);
    this.root.querySelector('.fwd-match').textContent = this.msg('sch.fwdMatch', { js: this.num(js, 3) });
    const c = this.root.querySelector('.fwd-canvas');
    c.setAttribute('aria-label', this.msg('sch.fwdCanvas', { t }));
    const w = sizeCanvas(c);
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, w, w);
    ctx.fillStyle = cssVar(this, '--ink');
    drawPoints(ctx, xt, { half, width: w });
    this.dataset.fwdT = String(t);
    this.dataset.shows = this.shows;
  }
}

define('ptheta-schedule', PthetaSchedule);
