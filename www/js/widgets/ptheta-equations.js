// <ptheta-equations show="chain prior transition params">: KaTeX cards for the chain, the prior,
// the transition and the parameterizations. The parameterizations, their order (the lesson's),
// their TeX and which of them ship for the dataset are the catalog's. Choosing one fires
// `ptheta-param`; the page rebuilds the chain with that model from the same seed and t.
import { markScrollable } from '../tex.js';
import { h, richNodes, texNodes, define } from '../dom.js';
import { catalog, shippedFor } from '../lesson-wasm.js';
import { Panel, emit, oneOf } from './panel.js';

/** The general equations, by the key `show` names them with. */
const EQUATIONS = {
  chain: 'p_\\theta(x_{0:T}) = p(x_T)\\prod_{t=1}^{T} p_\\theta(x_{t-1} \\mid x_t)',
  prior: 'p(x_T) = \\mathcal N(x_T;\\ \\mathbf 0, \\mathbf I)',
  transition: 'p_\\theta(x_{t-1} \\mid x_t) = \\mathcal N\\big(x_{t-1};\\ \\mu_\\theta(x_t, t),\\ \\Sigma_\\theta(x_t, t)\\big)',
};

/** The datasets a parameterization ships for, named in the page's language. */
const shippedIn = (panel, cat, p) => cat.datasets.filter((d) => d.parameterizations.includes(p)).map((d) => panel.msg(`ds.${d.name}`)).join(', ');

class PthetaEquations extends Panel {
  static get observedAttributes() { return [...super.observedAttributes, 'param', 'dataset']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.refresh(); }

  async render() {
    const cat = await catalog();
    const show = this.getAttribute('show');
    const keys = [...Object.keys(EQUATIONS), 'params'];
    const shown = show === null ? keys : show.split(/\s+/).filter(Boolean);
    const unknown = shown.find((k) => !keys.includes(k));
    if (unknown !== undefined) throw new Error(this.msg('panel.badAttribute', { name: 'show', value: show, allowed: keys.join(', ') }));
    const param = oneOf(this, 'param', cat.parameterizations.map((p) => p.name), cat.defaults.param);
    const dataset = oneOf(this, 'dataset', cat.datasets.map((d) => d.name), cat.defaults.dataset);
    const shipped = shippedFor(cat, dataset);
    const parts = Object.entries(EQUATIONS).filter(([key]) => shown.includes(key))
      .map(([key, src]) => h('figure', { class: 'eq', dataset: { eq: key } }, h('figcaption', {}, this.msg(`eq.${key}`)), texNodes(src, true)));
    if (shown.includes('params')) {
      const cards = cat.parameterizations.map(({ name: p, tex: src }) => {
        const ok = shipped.includes(p);
        const active = p === param;
        return h('label', { class: `param-card${active ? ' active' : ''}`, dataset: { param: p } },
          h('span', { class: 'param-head' },
            h('input', { type: 'radio', name: `eq-param-${this.id}`, value: p, checked: active, disabled: !ok }), ' ',
            h('strong', {}, this.msg(`param.${p}`)), active && ' ', active && h('span', { class: 'badge' }, this.msg('eq.active'))),
          h('span', { class: 'param-text' }, richNodes(this.msg(`eq.p.${p}`)), !ok && ` ${this.msg('eq.p.unavailable', { datasets: shippedIn(this, cat, p) })}`),
          h('span', { class: 'eq' }, texNodes(src, true)));
      });
      parts.push(h('fieldset', { class: 'params' }, h('legend', {}, this.msg('eq.params')), ...cards));
    }
    this.root.replaceChildren(...parts);
    markScrollable(this.root);
    for (const input of this.root.querySelectorAll('input[type=radio]')) {
      input.addEventListener('change', () => emit(this, 'ptheta-param', { param: input.value }));
    }
  }
}

define('ptheta-equations', PthetaEquations);
