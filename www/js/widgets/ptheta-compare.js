// <ptheta-compare param="…" seed="…" samples="…">: every parameterization shipped for the dataset
// that ships them all, side by side from the same x_T and noise, each run the way the page runs it
// (its default variance and steps) with the figures measured for that same chain; one model under
// each of the catalog's variances (the API's refusal is shown where a model cannot sample with
// one); and the respacing experiment: a model that cannot skip steps, run respaced and in full.
import { h, define } from '../dom.js';
import { lessonApi, catalog, shippedFor, modelFor, parameterizationOf, weightsUrl, fetchWeights, compareDataset, figuresFor } from '../lesson-wasm.js';
import { createChain } from '../backend.js';
import { cssVar } from '../draw.js';
import { Panel, oneOf } from './panel.js';

/** Most samples a small panel runs (eight chains run one after another). */
const MAX_SAMPLES = 512;
/** Seed of the data sample the divergence compares with. */
const REFERENCE_SEED = 2;

/** The figures measured for one panel's chain, in words, or why there are none. */
function figuresText(panel, model, variance, steps) {
  const f = figuresFor(model, variance, steps);
  if (!f) return panel.msg('cmp.notMeasured');
  return panel.msg('cmp.figures', { q: panel.num(f.quality.ratio, 2), sd: panel.num(f.quality.sd, 2), seeds: f.seeds, n: panel.num(f.nelbo.total, 2) });
}

class PthetaCompare extends Panel {
  static get observedAttributes() { return [...super.observedAttributes, 'param', 'seed', 'samples']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.refresh(); }

  async render() {
    this.free();
    const [api, cat] = await Promise.all([lessonApi(), catalog()]);
    this.free();
    const dataset = compareDataset(cat);
    const shipped = cat.parameterizations.filter((p) => shippedFor(cat, dataset).includes(p.name));
    const { param, samples } = this.#config(api, cat);
    // the experiment: a model that cannot skip steps, run respaced anyway
    const cut = shipped.find((p) => !p.skipsSteps && !p.learnsVariance);
    const T = cat.limits.steps.max;
    const few = cat.respacingExperimentSteps;
    const run = h('button', { type: 'button', class: 'cmp-run' }, this.msg('cmp.run'));
    const row = (name, minis) => h('div', { class: 'minis', dataset: { row: name } }, ...minis);
    this.root.replaceChildren(
      h('div', { class: 'bar' }, run),
      h('p', { class: 'note' }, this.msg('cmp.evalNote', { samples, T })),
      row('params', shipped.map((p) => this.#mini(p.name, p.defaultVariance, p.defaultSteps))),
      h('h4', {}, this.msg('cmp.varRow', { param: this.msg(`param.${param.name}`) })),
      row('variances', cat.variances.map((v) => this.#mini(param.name, v, param.defaultSteps))),
      ...(cut ? [
        h('h4', {}, this.msg('cmp.experiment', { param: this.msg(`param.${cut.name}`), steps: few })),
        row('experiment', [this.#mini(cut.name, cut.defaultVariance, few), this.#mini(cut.name, cut.defaultVariance, cut.defaultSteps)]),
        h('p', { class: 'why' }, this.msg('cmp.why', { T, ratio: Math.round(T / few) })),
      ] : []),
    );
    run.addEventListener('click', () => this.run().catch((e) => this.showError(e)));
    for (const fig of this.root.querySelectorAll('.mini')) {
      const model = modelFor(cat, dataset, fig.dataset.param);
      fig.querySelector('.figs').textContent = ` · ${figuresText(this, model, fig.dataset.variance, Number(fig.dataset.steps))}`;
    }
  }

  /**
   * The attributes, checked: `param` against the catalog's parameterizations, `seed` and
   * `samples` as <ptheta-chain> checks them (samples capped for this small panel). Throws the
   * refusal, naming the attribute.
   */
  #config(api, cat) {
    const name = oneOf(this, 'param', cat.parameterizations.map((p) => p.name), cat.defaults.param);
    const number = (attr) => (this.hasAttribute(attr) ? api.chainAttribute(attr, this.getAttribute(attr)) : cat.defaults[attr]);
    return {
      param: parameterizationOf(cat, name),
      seed: number('seed'),
      samples: Math.min(MAX_SAMPLES, number('samples')),
    };
  }

  #mini(param, variance, steps) {
    return h('figure', { class: 'mini', dataset: { param, variance, steps } },
      h('div', { class: 'mini-stage' }),
      h('figcaption', {}, h('strong', {}, this.msg(`param.${param}`)), ` · ${this.msg(`var.${variance}`)} · ${this.msg('cmp.steps', { steps })} `,
        h('span', { class: 'figs' }), h('span', { class: 'result' })));
  }

  /** Frees the chains that ran, and stops a run in flight (it frees what it creates after this). */
  free() {
    this.running?.abort();
    this.running = null;
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
    const running = new AbortController();
    this.running = running;
    const { signal } = running;
    this.dataset.state = 'running';
    const [api, cat] = await Promise.all([lessonApi(), catalog()]);
    if (signal.aborted) return;
    const { half, bins, referencePoints } = cat.view;
    const dataset = compareDataset(cat);
    const { seed, samples } = this.#config(api, cat);
    const dataHist = api.histogram(api.datasetSamples(dataset, referencePoints, REFERENCE_SEED), bins, half);
    const color = cssVar(this, '--ink');
    for (const fig of this.root.querySelectorAll('.mini')) {
      const out = fig.querySelector('.result');
      const stage = fig.querySelector('.mini-stage');
      stage.replaceChildren();
      const model = modelFor(cat, dataset, fig.dataset.param);
      if (!model) {
        out.textContent = ` · ${this.msg('cmp.varNA', { reason: `no shipped ${fig.dataset.param} model for ${dataset}` })}`;
        fig.dataset.refused = 'true';
        continue;
      }
      let bytes;
      try {
        bytes = await fetchWeights(weightsUrl(model), { signal });
      } catch (e) {
        if (signal.aborted) return;
        out.textContent = ` · ${this.msg('cmp.downloadFailed', { reason: e.message })}`;
        fig.dataset.failed = 'true';
        continue;
      }
      if (signal.aborted) return;
      try {
        const chain = await createChain(bytes, { steps: Number(fig.dataset.steps), samples, seed, variance: fig.dataset.variance });
        if (signal.aborted) { chain.free(); return; }
        this.chains.push(chain);
        chain.mount(stage);
        await chain.goTo(0, { signal });
        if (signal.aborted) return;
        await chain.draw({ half, trails: 0, color });
        const js = api.jsDivergence(await chain.histogram(bins, half), dataHist);
        out.textContent = ` · ${this.msg('cmp.match', { js: this.num(js, 3) })}`;
        fig.dataset.js = String(js);
        stage.setAttribute('role', 'img');
        stage.setAttribute('aria-label', this.msg('cmp.panel', { name: this.msg(`param.${fig.dataset.param}`), t: 0 }));
      } catch (e) {
        if (signal.aborted) return;
        // The API refuses impossible combinations (learned variance without a variance output)
        // with a specific message; show it where the panel would be.
        out.textContent = ` · ${this.msg('cmp.varNA', { reason: e.message })}`;
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

define('ptheta-compare', PthetaCompare);
