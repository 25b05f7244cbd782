// <ptheta-compare param="…" seed="…" steps="…" samples="…">: every parameterization shipped for
// the dataset that ships them all, side by side from the same x_T and noise, each with its
// recorded figures from the catalog's models, and one model under each of the catalog's variances
// (the API's refusal is shown where a model cannot sample with one).
import { t as msg, num } from '../i18n.js';
import { escapeHtml } from '../tex.js';
import { lessonApi, catalog, shippedFor, modelFor, weightsUrl, fetchWeights } from '../lesson-wasm.js';
import { createChain } from '../backend.js';
import { cssVar } from '../draw.js';
import { Panel } from './panel.js';

/** Most samples a small panel runs (eight chains run one after another). */
const MAX_SAMPLES = 512;
/** Seed of the data sample the divergence compares with. */
const REFERENCE_SEED = 2;

/** The dataset the comparison runs on: the one with the most shipped parameterizations. */
function compareDataset(cat) {
  return cat.datasets.reduce((a, b) => (b.parameterizations.length > a.parameterizations.length ? b : a)).name;
}

class PthetaCompare extends Panel {
  static get observedAttributes() { return ['param', 'seed', 'steps', 'samples']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.render(); }

  async render() {
    this.free();
    const cat = await catalog();
    this.free();
    const dataset = compareDataset(cat);
    const shipped = shippedFor(cat, dataset);
    const params = cat.parameterizations.map((p) => p.name).filter((p) => shipped.includes(p));
    const variance = this.variance ?? cat.defaults.variance;
    const param = this.getAttribute('param') ?? cat.defaults.param;
    this.innerHTML = `
      <div class="bar">
        <label>${escapeHtml(msg('cmp.variance'))} <select class="cmp-var">${cat.variances.map((v) => `<option value="${v}"${v === variance ? ' selected' : ''}>${escapeHtml(msg(`var.${v}`))}</option>`).join('')}</select></label>
        <button type="button" class="cmp-run">${escapeHtml(msg('cmp.run'))}</button>
      </div>
      <p class="note">${escapeHtml(msg('cmp.evalNote', { steps: this.getAttribute('steps') ?? cat.defaults.steps }))}</p>
      <div class="minis" data-row="params">${params.map((p) => this.#mini(p, variance)).join('')}</div>
      <h4>${escapeHtml(msg('cmp.varRow', { param: msg(`param.${param}`) }))}</h4>
      <div class="minis" data-row="variances">${cat.variances.map((v) => this.#mini(param, v)).join('')}</div>`;
    this.querySelector('.cmp-var').addEventListener('change', (e) => { this.variance = e.target.value; this.render(); });
    this.querySelector('.cmp-run').addEventListener('click', () => this.run());
    for (const fig of this.querySelectorAll('.mini')) {
      const figures = modelFor(cat, dataset, fig.dataset.param)?.figures;
      if (figures) fig.querySelector('.figs').textContent = ` · ${msg('cmp.quality', { q: num(figures.quality.ratio, 2) })} · ${msg('cmp.nelbo', { n: num(figures.nelbo.total, 2) })}`;
    }
  }

  #mini(param, variance) {
    return `<figure class="mini" data-param="${param}" data-variance="${variance}">
      <div class="mini-stage"></div>
      <figcaption><strong>${escapeHtml(msg(`param.${param}`))}</strong> · ${escapeHtml(msg(`var.${variance}`))}
      <span class="figs"></span><span class="result"></span></figcaption></figure>`;
  }

  free() {
    for (const c of this.chains ?? []) c.free();
    this.chains = [];
  }

  /** Redraws the panels that ran in the theme's colours. */
  async redraw() {
    const half = (await catalog()).view.half;
    const color = cssVar(this, '--ink');
    for (const chain of this.chains ?? []) await chain.draw({ half, trails: 0, color });
  }

  /** Runs every panel's chain from the same seed (same x_T, same z) to t = 0. */
  async run() {
    this.free();
    this.dataset.state = 'running';
    const [api, cat] = await Promise.all([lessonApi(), catalog()]);
    const { half, bins, referencePoints } = cat.view;
    const dataset = compareDataset(cat);
    const seed = Number(this.getAttribute('seed') ?? cat.defaults.seed);
    const steps = Number(this.getAttribute('steps') ?? cat.defaults.steps);
    const samples = Math.min(MAX_SAMPLES, Number(this.getAttribute('samples') ?? MAX_SAMPLES));
    const dataHist = api.histogram(api.datasetSamples(dataset, referencePoints, REFERENCE_SEED), bins, half);
    const color = cssVar(this, '--ink');
    for (const fig of this.querySelectorAll('.mini')) {
      const out = fig.querySelector('.result');
      const stage = fig.querySelector('.mini-stage');
      stage.replaceChildren();
      try {
        const model = modelFor(cat, dataset, fig.dataset.param);
        if (!model) throw new Error(`no shipped ${fig.dataset.param} model for ${dataset}`);
        const bytes = await fetchWeights(weightsUrl(model));
        const chain = await createChain(bytes, { steps, samples, seed, variance: fig.dataset.variance });
        this.chains.push(chain);
        chain.mount(stage);
        await chain.goTo(0);
        await chain.draw({ half, trails: 0, color });
        const js = api.jsDivergence(await chain.histogram(bins, half), dataHist);
        out.textContent = ` · ${msg('cmp.match', { js: num(js, 3) })}`;
        fig.dataset.js = String(js);
        stage.setAttribute('role', 'img');
        stage.setAttribute('aria-label', msg('cmp.panel', { name: msg(`param.${fig.dataset.param}`), t: 0 }));
      } catch (e) {
        // The API refuses impossible combinations (learned variance without a variance output)
        // with a specific message; show it where the panel would be.
        out.textContent = ` · ${msg('cmp.varNA', { reason: e.message })}`;
        fig.dataset.refused = 'true';
      }
    }
    this.dataset.state = 'done';
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.free();
  }
}

customElements.define('ptheta-compare', PthetaCompare);
