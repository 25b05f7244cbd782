// <ptheta-compare param="…" seed="…" samples="…">: every parameterization shipped for the dataset
// that ships them all, side by side from the same x_T and noise, each run the way the page runs it
// (its default variance and steps) with the figures measured for that same chain; one model under
// each of the catalog's variances (the API's refusal is shown where a model cannot sample with
// one); and the respacing experiment: a model that cannot skip steps, run respaced and in full.
import { t as msg, num } from '../i18n.js';
import { escapeHtml } from '../tex.js';
import { lessonApi, catalog, shippedFor, modelFor, parameterizationOf, weightsUrl, fetchWeights, compareDataset, figuresFor } from '../lesson-wasm.js';
import { createChain } from '../backend.js';
import { cssVar } from '../draw.js';
import { Panel } from './panel.js';

/** Most samples a small panel runs (eight chains run one after another). */
const MAX_SAMPLES = 512;
/** Seed of the data sample the divergence compares with. */
const REFERENCE_SEED = 2;

/** The figures measured for one panel's chain, in words, or why there are none. */
function figuresText(model, variance, steps) {
  const f = figuresFor(model, variance, steps);
  if (!f) return msg('cmp.notMeasured');
  return msg('cmp.figures', { q: num(f.quality.ratio, 2), sd: num(f.quality.sd, 2), seeds: f.seeds, n: num(f.nelbo.total, 2) });
}

class PthetaCompare extends Panel {
  static get observedAttributes() { return ['param', 'seed', 'samples']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.render(); }

  async render() {
    this.free();
    const cat = await catalog();
    this.free();
    const dataset = compareDataset(cat);
    const shipped = cat.parameterizations.filter((p) => shippedFor(cat, dataset).includes(p.name));
    const param = parameterizationOf(cat, this.getAttribute('param') ?? cat.defaults.param);
    // the experiment: a model that cannot skip steps, run respaced anyway
    const cut = shipped.find((p) => !p.skipsSteps && !p.learnsVariance);
    const samples = this.#samples(cat);
    const T = cat.limits.steps.max;
    this.innerHTML = `
      <div class="bar"><button type="button" class="cmp-run">${escapeHtml(msg('cmp.run'))}</button></div>
      <p class="note">${escapeHtml(msg('cmp.evalNote', { samples, T }))}</p>
      <div class="minis" data-row="params">${shipped.map((p) => this.#mini(p.name, p.defaultVariance, p.defaultSteps)).join('')}</div>
      <h4>${escapeHtml(msg('cmp.varRow', { param: msg(`param.${param.name}`) }))}</h4>
      <div class="minis" data-row="variances">${cat.variances.map((v) => this.#mini(param.name, v, param.defaultSteps)).join('')}</div>
      ${cut ? `<h4>${escapeHtml(msg('cmp.experiment', { param: msg(`param.${cut.name}`), steps: cat.defaults.steps }))}</h4>
      <div class="minis" data-row="experiment">${this.#mini(cut.name, cut.defaultVariance, cat.defaults.steps)}${this.#mini(cut.name, cut.defaultVariance, cut.defaultSteps)}</div>
      <p class="why">${escapeHtml(msg('cmp.why', { T, ratio: Math.round(T / cat.defaults.steps) }))}</p>` : ''}`;
    this.querySelector('.cmp-run').addEventListener('click', () => this.run());
    for (const fig of this.querySelectorAll('.mini')) {
      const model = modelFor(cat, dataset, fig.dataset.param);
      fig.querySelector('.figs').textContent = ` · ${figuresText(model, fig.dataset.variance, Number(fig.dataset.steps))}`;
    }
  }

  #samples(cat) {
    return Math.min(MAX_SAMPLES, Number(this.getAttribute('samples') ?? cat.defaults.samples));
  }

  #mini(param, variance, steps) {
    return `<figure class="mini" data-param="${param}" data-variance="${variance}" data-steps="${steps}">
      <div class="mini-stage"></div>
      <figcaption><strong>${escapeHtml(msg(`param.${param}`))}</strong> · ${escapeHtml(msg(`var.${variance}`))} · ${escapeHtml(msg('cmp.steps', { steps }))}
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
    const samples = this.#samples(cat);
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
        const chain = await createChain(bytes, { steps: Number(fig.dataset.steps), samples, seed, variance: fig.dataset.variance });
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
