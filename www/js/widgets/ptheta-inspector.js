// <ptheta-inspector for="chain">: one sample's next step, p_θ(x_{t−1} | x_t) with the current
// numbers, coloured like the chain's arrows; hovering or focusing a term or an arrow highlights the
// other. Every number comes from the chain's inspection, the schedule's coefficients included
// (`inspection.coefficients`); how μ_θ follows from the network's output is the catalog's
// `meanFrom` of the model's parameterization.
import { tex, rich, escapeHtml, markScrollable } from '../tex.js';
import { catalog, parameterizationOf } from '../lesson-wasm.js';
import { TERMS, TERM_MESSAGES } from '../chain/overlay.js';
import { Panel } from './panel.js';
import { define, markupNodes } from '../dom.js';

/** A number as the equations show it: 3 decimals, no negative zero. */
export const fmt = (x) => (Math.abs(x) < 5e-4 ? 0 : x).toFixed(3);
/** A point's coordinates in parentheses; one pixel's value (a vector of one) alone. */
const vec = (v) => (v.length === 1 ? fmt(v[0]) : `(${v.map(fmt).join(',\\ ')})`);
/** term.mean(tex) … : a part of a formula coloured and linked like that term's arrow (one per TERMS). */
const term = Object.fromEntries(TERMS.map((name) => [name, (body) => `\\htmlClass{term term-${name}}{${body}}`]));

/** How μ_θ follows from the output, by the catalog's `meanFrom`: the line it adds and its words. */
const MEAN_FROM = {
  noise: (panel, ins, c) => ({
    how: panel.msg('insp.fromEps'),
    lines: [['formula', `${term.mean('\\mu_\\theta')} = \\tfrac{1}{\\sqrt{\\alpha_t}}\\big(x_t - \\tfrac{\\beta_t}{\\sqrt{1-\\bar\\alpha_t}}${term.eps('\\hat\\varepsilon')}\\big) = \\tfrac{1}{${fmt(c.sqrt_alpha)}}\\big(${vec(ins.x_t)} - ${fmt(c.eps_coef)}\\,${term.eps(vec(ins.eps))}\\big)`]],
  }),
  'clean-point': (panel, ins, c) => ({
    how: panel.msg('insp.fromX0'),
    lines: [posteriorMean(ins, c)],
  }),
  velocity: (panel, ins, c) => ({
    how: panel.msg('insp.fromV'),
    lines: [
      ['x0-from-v', `${term.x0('\\hat x_0')} = \\sqrt{\\bar\\alpha_t}\\,x_t - \\sqrt{1-\\bar\\alpha_t}\\,\\hat v,\\quad \\hat v = ${vec(ins.raw)}`],
      posteriorMean(ins, c),
    ],
  }),
  network: (panel, ins, _c, entry) => ({
    how: panel.msg('insp.direct'),
    lines: entry.learnsVariance ? [['formula', `\\log\\Sigma_\\theta = ${vec(ins.log_variance)}`]] : [],
  }),
};

/** μ_θ as the posterior mean around x̂_0, with the step's two coefficients. */
function posteriorMean(ins, c) {
  return ['formula', `${term.mean('\\mu_\\theta')} = ${fmt(c.posterior_mean_coef1)}\\,${term.x0(vec(ins.x0))} + ${fmt(c.posterior_mean_coef2)}\\,${vec(ins.x_t)}`];
}

class PthetaInspector extends Panel {
  render() {
    this.root.replaceChildren(markupNodes(`
      <h3>${escapeHtml(this.msg('insp.title'))}</h3>
      <p class="help">${rich(this.msg('insp.help'))}</p>
      <div class="legend" role="group" aria-label="${escapeHtml(this.msg('insp.legend'))}">
        ${TERMS.map((k) => `<button type="button" class="term-btn term-${k}" data-term="${k}"><span class="swatch" aria-hidden="true"></span>${escapeHtml(this.msg(TERM_MESSAGES[k]))}</button>`).join('')}
      </div>
      <div class="insp-body"></div>`));
    for (const el of this.root.querySelectorAll('[data-term]')) {
      const on = () => this.#highlight(el.dataset.term);
      const off = () => this.#highlight(null);
      el.addEventListener('mouseenter', on);
      el.addEventListener('focus', on);
      el.addEventListener('mouseleave', off);
      el.addEventListener('blur', off);
    }
    this.update();
  }

  connectedCallback() {
    super.connectedCallback();
    this.onArrow = (e) => this.#highlight(e.detail.term, false);
    this.chainEl?.addEventListener('ptheta-highlight', this.onArrow);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.chainEl?.removeEventListener('ptheta-highlight', this.onArrow);
  }

  #highlight(name, toChain = true) {
    if (toChain) this.chainEl?.setHighlight(name);
    for (const el of this.root.querySelectorAll('.term')) el.classList.toggle('hl', !!name && el.classList.contains(`term-${name}`));
    for (const el of this.root.querySelectorAll('.term-btn')) el.classList.toggle('hl', el.dataset.term === name);
  }

  async update() {
    const body = this.root.querySelector('.insp-body');
    if (!body || !this.step) return;
    const { inspection: ins, info, t } = this.step;
    // a play frame between readouts carries an inspection from an earlier t: show its own t
    this.dataset.t = String(ins?.t ?? t);
    if (!ins) {
      body.replaceChildren(markupNodes(`<p>${escapeHtml(this.msg('insp.none'))}</p>`));
      this.dataset.sample = '';
      return;
    }
    const cat = await catalog();
    if (this.step.inspection !== ins) return; // a newer step arrived while we waited
    // a chain of images inspects one pixel: the same step, for one of the sample's numbers
    this.root.querySelector('.help')?.replaceChildren(markupNodes(rich(this.msg(ins.pixel ? 'insp.helpPixel' : 'insp.help'))));
    // a grid of images draws no arrows: the terms highlight in the equations only
    this.root.querySelector('.legend')?.setAttribute('aria-label', this.msg(ins.pixel ? 'insp.legendPixel' : 'insp.legend'));
    const where = ins.pixel ? `<p class="pixel-note">${escapeHtml(this.msg('insp.pixel', { sample: ins.sample, row: ins.pixel.row, col: ins.pixel.col }))}</p>` : '';
    const lines = [
      ['transition', `p_\\theta(x_{${ins.t - 1}} \\mid x_{${ins.t}}) = \\mathcal N\\big(${term.mean(`\\mu_\\theta = ${vec(ins.mean)}`)},\\ \\sigma_\\theta^2 = ${vec(ins.variance)}\\big)`],
      ['sample', `x_{${ins.t - 1}} = \\underbrace{${vec(ins.x_t)}}_{x_{${ins.t}}} + ${term.mean(`\\underbrace{${vec(ins.mean_step)}}_{\\mu_\\theta - x_t}`)} + ${term.noise(`\\underbrace{${vec(ins.noise)}}_{\\sigma_\\theta z}`)} = ${vec(ins.x_prev)}`],
      ['beliefs', `${term.eps(`\\hat\\varepsilon = ${vec(ins.eps)}`)},\\qquad ${term.x0(`\\hat x_0 = ${vec(ins.x0)}`)},\\qquad z = ${vec(ins.z)}`],
    ];
    const entry = parameterizationOf(cat, ins.parameterization ?? info.parameterization);
    const { how, lines: more } = MEAN_FROM[entry.meanFrom](this, ins, ins.coefficients, entry);
    const eq = ([k, src]) => `<div class="eq" data-eq="${k}">${tex(src, true)}</div>`;
    body.replaceChildren(markupNodes(`${where}${lines.map(eq).join('')}
      <p>${escapeHtml(how)}</p>
      ${more.map(eq).join('')}`));
    for (const el of body.querySelectorAll('.term')) {
      const name = TERMS.find((k) => el.classList.contains(`term-${k}`));
      el.addEventListener('mouseenter', () => this.#highlight(name));
      el.addEventListener('mouseleave', () => this.#highlight(null));
    }
    markScrollable(this.root);
    this.dataset.sample = String(ins.sample);
    this.dataset.t = String(ins.t);
  }
}

define('ptheta-inspector', PthetaInspector);
