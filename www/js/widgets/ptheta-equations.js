// <ptheta-equations show="chain prior transition params">: KaTeX cards for the chain, the prior,
// the transition and the parameterizations. The parameterizations, their order (the lesson's),
// their TeX and which of them ship for the dataset are the catalog's. Choosing one fires
// `ptheta-param`; the page rebuilds the chain with that model from the same seed and t.
import { t as msg } from '../i18n.js';
import { tex, rich, escapeHtml, markScrollable } from '../tex.js';
import { catalog, shippedFor } from '../lesson-wasm.js';
import { Panel, emit } from './panel.js';

/** The general equations, by the key `show` names them with. */
const EQUATIONS = {
  chain: 'p_\\theta(x_{0:T}) = p(x_T)\\prod_{t=1}^{T} p_\\theta(x_{t-1} \\mid x_t)',
  prior: 'p(x_T) = \\mathcal N(x_T;\\ \\mathbf 0, \\mathbf I)',
  transition: 'p_\\theta(x_{t-1} \\mid x_t) = \\mathcal N\\big(x_{t-1};\\ \\mu_\\theta(x_t, t),\\ \\Sigma_\\theta(x_t, t)\\big)',
};

/** The datasets a parameterization ships for, named in the page's language. */
const shippedIn = (cat, p) => cat.datasets.filter((d) => d.parameterizations.includes(p)).map((d) => msg(`ds.${d.name}`)).join(', ');

class PthetaEquations extends Panel {
  static get observedAttributes() { return ['param', 'dataset']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.render(); }

  async render() {
    const cat = await catalog();
    const show = (this.getAttribute('show') ?? `${Object.keys(EQUATIONS).join(' ')} params`).split(/\s+/);
    const param = this.getAttribute('param') ?? cat.defaults.param;
    const shipped = shippedFor(cat, this.getAttribute('dataset') ?? cat.defaults.dataset);
    const block = (key, src) => `<figure class="eq" data-eq="${key}"><figcaption>${escapeHtml(msg(`eq.${key}`))}</figcaption>${tex(src, true)}</figure>`;
    const parts = Object.entries(EQUATIONS).filter(([key]) => show.includes(key)).map(([key, src]) => block(key, src));
    if (show.includes('params')) {
      parts.push(`<fieldset class="params"><legend>${escapeHtml(msg('eq.params'))}</legend>
        ${cat.parameterizations.map(({ name: p, tex: src }) => {
    const ok = shipped.includes(p);
    return `<label class="param-card${p === param ? ' active' : ''}" data-param="${p}">
            <span class="param-head"><input type="radio" name="eq-param-${this.id}" value="${p}"${p === param ? ' checked' : ''}${ok ? '' : ' disabled'}>
            <strong>${escapeHtml(msg(`param.${p}`))}</strong>${p === param ? ` <span class="badge">${escapeHtml(msg('eq.active'))}</span>` : ''}</span>
            <span class="param-text">${rich(msg(`eq.p.${p}`))}${ok ? '' : ` ${escapeHtml(msg('eq.p.unavailable', { datasets: shippedIn(cat, p) }))}`}</span>
            <span class="eq">${tex(src, true)}</span></label>`;
  }).join('')}</fieldset>`);
    }
    this.innerHTML = parts.join('');
    markScrollable(this);
    for (const input of this.querySelectorAll('input[type=radio]')) {
      input.addEventListener('change', () => emit(this, 'ptheta-param', { param: input.value }));
    }
  }
}

customElements.define('ptheta-equations', PthetaEquations);
