// The lesson's panels, each a custom element in the light DOM so that the page's KaTeX styles
// reach the formulas: the inspector, the equations, the sampling algorithm, the schedule and
// forward process, the comparison of parameterizations, and the quiz. Panels linked to a chain
// name it with for="id" and follow its `ptheta-step` events; they never touch the wasm chain
// except through the element's backend.js chain object.
import { t as msg, num, lang } from './i18n.js';
import { tex, rich, escapeHtml, markScrollable } from './tex.js';
import { lessonApi, fetchWeights, evalFigures } from './lesson-wasm.js';
import { createChain } from './backend.js';
import { TERMS, VIEW } from './ptheta-chain.js';
import { PARAMS, VARIANCES, paramsFor, weightsFor } from './state.js';

/** Base: re-renders on language change, finds its chain through for="id". */
class Panel extends HTMLElement {
  connectedCallback() {
    this.onLang = () => this.render();
    document.addEventListener('ptheta-lang', this.onLang);
    this.chainEl = this.getAttribute('for') ? document.getElementById(this.getAttribute('for')) : null;
    if (this.chainEl) {
      this.onStep = (e) => { this.step = e.detail; this.update?.(); };
      this.chainEl.addEventListener('ptheta-step', this.onStep);
    }
    this.render();
  }
  disconnectedCallback() {
    document.removeEventListener('ptheta-lang', this.onLang);
    this.chainEl?.removeEventListener('ptheta-step', this.onStep);
  }
}

/** A number as the equations show it: 3 decimals, no negative zero. */
export const fmt = (x) => (Math.abs(x) < 5e-4 ? 0 : x).toFixed(3);
const vec = (v) => `(${fmt(v[0])},\\ ${fmt(v[1])})`;
const term = (name, body) => `\\htmlClass{term term-${name}}{${body}}`;

const schedules = new Map();
async function respaced(info) {
  const key = `${info.schedule}/${info.trainTimesteps}/${info.steps}`;
  if (!schedules.has(key)) {
    const api = await lessonApi();
    const s = api.LessonSchedule.respaced(info.schedule, info.trainTimesteps, info.steps);
    schedules.set(key, { beta: s.beta(), alphaBar: s.alphaBar() });
    s.free();
  }
  return schedules.get(key);
}

class PthetaInspector extends Panel {
  render() {
    this.innerHTML = `
      <h3>${escapeHtml(msg('insp.title'))}</h3>
      <p>${rich(msg('insp.help'))}</p>
      <div class="legend" role="group" aria-label="${escapeHtml(msg('insp.legend'))}">
        ${TERMS.map((k) => `<button type="button" class="term-btn term-${k}" data-term="${k}"><span class="swatch" aria-hidden="true"></span>${escapeHtml(msg(`insp.${{ mean: 'meanStep', noise: 'noise', eps: 'eps', x0: 'x0' }[k]}`))}</button>`).join('')}
      </div>
      <div class="insp-body"></div>`;
    for (const el of this.querySelectorAll('[data-term]')) {
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
    for (const el of this.querySelectorAll('.term')) el.classList.toggle('hl', !!name && el.classList.contains(`term-${name}`));
    for (const el of this.querySelectorAll('.term-btn')) el.classList.toggle('hl', el.dataset.term === name);
  }

  async update() {
    const body = this.querySelector('.insp-body');
    if (!body || !this.step) return;
    const { inspection: ins, info, t } = this.step;
    // a play frame between readouts carries an inspection from an earlier t: show its own t
    this.dataset.t = String(ins?.t ?? t);
    if (!ins) {
      body.innerHTML = `<p>${escapeHtml(msg('insp.none'))}</p>`;
      this.dataset.sample = '';
      return;
    }
    const s = await respaced(info);
    if (this.step.inspection !== ins) return; // a newer step arrived while we waited
    const i = ins.t - 1;
    const beta = s.beta[i];
    const ab = s.alphaBar[i];
    const abPrev = i > 0 ? s.alphaBar[i - 1] : 1;
    const meanStep = [ins.mean[0] - ins.x_t[0], ins.mean[1] - ins.x_t[1]];
    const noise = [ins.sigma[0] * ins.z[0], ins.sigma[1] * ins.z[1]];
    const lines = [];
    lines.push(['transition', `p_\\theta(x_{${ins.t - 1}} \\mid x_{${ins.t}}) = \\mathcal N\\big(${term('mean', `\\mu_\\theta = ${vec(ins.mean)}`)},\\ \\sigma_\\theta^2 = ${vec(ins.sigma.map((v) => v * v))}\\big)`]);
    lines.push(['sample', `x_{${ins.t - 1}} = \\underbrace{${vec(ins.x_t)}}_{x_{${ins.t}}} + ${term('mean', `\\underbrace{${vec(meanStep)}}_{\\mu_\\theta - x_t}`)} + ${term('noise', `\\underbrace{${vec(noise)}}_{\\sigma_\\theta z}`)} = ${vec(ins.x_prev)}`]);
    lines.push(['beliefs', `${term('eps', `\\hat\\varepsilon = ${vec(ins.eps)}`)},\\qquad ${term('x0', `\\hat x_0 = ${vec(ins.x0)}`)},\\qquad z = ${vec(ins.z)}`]);
    let how = '';
    const p = info.parameterization;
    if (p === 'epsilon') {
      how = msg('insp.fromEps');
      const c = beta / Math.sqrt(1 - ab);
      lines.push(['formula', `${term('mean', '\\mu_\\theta')} = \\tfrac{1}{\\sqrt{\\alpha_t}}\\big(x_t - \\tfrac{\\beta_t}{\\sqrt{1-\\bar\\alpha_t}}${term('eps', '\\hat\\varepsilon')}\\big) = \\tfrac{1}{${fmt(Math.sqrt(1 - beta))}}\\big(${vec(ins.x_t)} - ${fmt(c)}\\,${term('eps', vec(ins.eps))}\\big)`]);
    } else if (p === 'x0' || p === 'v') {
      how = msg(p === 'x0' ? 'insp.fromX0' : 'insp.fromV');
      const c1 = (beta * Math.sqrt(abPrev)) / (1 - ab);
      const c2 = ((1 - abPrev) * Math.sqrt(1 - beta)) / (1 - ab);
      if (p === 'v') lines.push(['v', `${term('x0', '\\hat x_0')} = \\sqrt{\\bar\\alpha_t}\\,x_t - \\sqrt{1-\\bar\\alpha_t}\\,\\hat v,\\quad \\hat v = ${vec(ins.raw)}`]);
      lines.push(['formula', `${term('mean', '\\mu_\\theta')} = ${fmt(c1)}\\,${term('x0', vec(ins.x0))} + ${fmt(c2)}\\,${vec(ins.x_t)}`]);
    } else {
      how = msg('insp.direct');
      if (p === 'mean-variance') {
        lines.push(['formula', `\\log\\Sigma_\\theta = ${vec(ins.log_variance)}`]);
      }
    }
    body.innerHTML = `${lines.slice(0, 3).map(([k, src]) => `<div class="eq" data-eq="${k}">${tex(src, true)}</div>`).join('')}
      <p>${escapeHtml(how)}</p>
      ${lines.slice(3).map(([k, src]) => `<div class="eq" data-eq="${k}">${tex(src, true)}</div>`).join('')}`;
    for (const el of body.querySelectorAll('.term')) {
      const name = TERMS.find((k) => el.classList.contains(`term-${k}`));
      el.addEventListener('mouseenter', () => this.#highlight(name));
      el.addEventListener('mouseleave', () => this.#highlight(null));
    }
    markScrollable(this);
    this.dataset.sample = String(ins.sample);
    this.dataset.t = String(ins.t);
  }
}

const PARAM_TEX = {
  'mean-variance': '\\mu_\\theta(x_t, t),\\quad \\Sigma_\\theta(x_t, t) = \\exp\\big(v \\log\\beta_t + (1 - v)\\log\\tilde\\beta_t\\big)\\,\\mathbf I',
  mean: '\\mu_\\theta(x_t, t),\\quad \\Sigma_\\theta = \\sigma_t^2\\mathbf I,\\ \\sigma_t^2 \\in \\{\\beta_t, \\tilde\\beta_t\\}',
  epsilon: '\\mu_\\theta(x_t, t) = \\frac{1}{\\sqrt{\\alpha_t}}\\Big(x_t - \\frac{\\beta_t}{\\sqrt{1 - \\bar\\alpha_t}}\\,\\varepsilon_\\theta(x_t, t)\\Big)',
  x0: '\\mu_\\theta = \\tilde\\mu_t(x_t, \\hat x_0) = \\frac{\\sqrt{\\bar\\alpha_{t-1}}\\,\\beta_t}{1 - \\bar\\alpha_t}\\hat x_0 + \\frac{\\sqrt{\\alpha_t}(1 - \\bar\\alpha_{t-1})}{1 - \\bar\\alpha_t}x_t',
  v: '\\hat x_0 = \\sqrt{\\bar\\alpha_t}\\,x_t - \\sqrt{1 - \\bar\\alpha_t}\\,\\hat v,\\quad v = \\sqrt{\\bar\\alpha_t}\\,\\varepsilon - \\sqrt{1 - \\bar\\alpha_t}\\,x_0',
};
// The syllabus order: the three parameterizations, then the two extensions.
const PARAM_ORDER = ['mean-variance', 'mean', 'epsilon', 'x0', 'v'];

class PthetaEquations extends Panel {
  static get observedAttributes() { return ['param', 'dataset']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.render(); }

  render() {
    const show = (this.getAttribute('show') ?? 'chain prior transition params').split(/\s+/);
    const param = this.getAttribute('param') ?? 'epsilon';
    const shipped = paramsFor(this.getAttribute('dataset') ?? 'moons');
    const parts = [];
    const block = (key, src) => `<figure class="eq" data-eq="${key}"><figcaption>${escapeHtml(msg(`eq.${key}`))}</figcaption>${tex(src, true)}</figure>`;
    if (show.includes('chain')) parts.push(block('chain', 'p_\\theta(x_{0:T}) = p(x_T)\\prod_{t=1}^{T} p_\\theta(x_{t-1} \\mid x_t)'));
    if (show.includes('prior')) parts.push(block('prior', 'p(x_T) = \\mathcal N(x_T;\\ \\mathbf 0, \\mathbf I)'));
    if (show.includes('transition')) parts.push(block('transition', 'p_\\theta(x_{t-1} \\mid x_t) = \\mathcal N\\big(x_{t-1};\\ \\mu_\\theta(x_t, t),\\ \\Sigma_\\theta(x_t, t)\\big)'));
    if (show.includes('params')) {
      parts.push(`<fieldset class="params"><legend>${escapeHtml(msg('eq.params'))}</legend>
        ${PARAM_ORDER.map((p) => {
    const ok = shipped.includes(p);
    return `<label class="param-card${p === param ? ' active' : ''}" data-param="${p}">
            <span class="param-head"><input type="radio" name="eq-param-${this.id}" value="${p}"${p === param ? ' checked' : ''}${ok ? '' : ' disabled'}>
            <strong>${escapeHtml(msg(`param.${p}`))}</strong>${p === param ? ` <span class="badge">${escapeHtml(msg('eq.active'))}</span>` : ''}</span>
            <span class="param-text">${rich(msg(`eq.p.${p}`))}${ok ? '' : ` ${escapeHtml(msg('eq.p.unavailable'))}`}</span>
            <span class="eq">${tex(PARAM_TEX[p], true)}</span></label>`;
  }).join('')}</fieldset>`);
    }
    this.innerHTML = parts.join('');
    markScrollable(this);
    for (const input of this.querySelectorAll('input[type=radio]')) {
      input.addEventListener('change', () => this.dispatchEvent(new CustomEvent('ptheta-param', { detail: { param: input.value }, bubbles: true })));
    }
  }
}

class PthetaAlgorithm extends Panel {
  render() {
    this.innerHTML = `<figure class="algorithm"><figcaption>${escapeHtml(msg('alg.caption'))}</figcaption>
      <ol>
        <li data-line="1"></li>
        <li data-line="2"></li>
        <li data-line="3" class="indent"></li>
        <li data-line="4" class="indent"></li>
        <li data-line="5"></li>
      </ol></figure>`;
    this.update();
  }

  update() {
    const ol = this.querySelector('ol');
    if (!ol) return;
    const step = this.step;
    // At t = T only x_T has been drawn; below it, line 4 of iteration t + 1 just produced x_t;
    // at 0 the loop is over and x_0 is returned.
    const t = step?.t;
    const T = step?.steps;
    const loopT = step ? (t === T ? T : t + 1) : 'T';
    const active = !step ? 0 : t === T ? 1 : t === 0 ? 5 : 4;
    const lines = { 1: msg('alg.l1'), 2: msg('alg.l2', { t: loopT }), 3: msg('alg.l3'), 4: msg('alg.l4'), 5: msg('alg.l5') };
    for (const li of ol.children) {
      const n = Number(li.dataset.line);
      li.innerHTML = rich(lines[n]);
      const on = n === active || (active === 4 && n === 3);
      li.classList.toggle('current', on);
      if (on) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    }
    this.dataset.active = String(active);
    this.dataset.loopT = String(loopT);
  }
}

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
  static get observedAttributes() { return ['schedule', 'dataset']; }
  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === 'dataset') this.x0 = null;
    if (this.isConnected) this.render();
  }

  async render() {
    const api = await lessonApi();
    const kind = this.getAttribute('schedule') ?? 'linear';
    const T = this.T ?? 1000;
    this.fwdT = Math.min(this.fwdT ?? Math.round(T / 4), T);
    let table;
    try {
      table = new api.LessonSchedule(kind, T);
    } catch (e) {
      this.innerHTML = `<p class="error" role="alert">${escapeHtml(e.message)}</p>`;
      return;
    }
    this.table = { beta: table.beta(), alphaBar: table.alphaBar(), snr: table.snr(), alphaBarT: table.alphaBarT, warn: table.terminalWarning };
    table.free();
    const v = this.table.alphaBarT.toExponential(2);
    const ds = this.getAttribute('dataset') ?? 'moons';
    this.x0 ??= api.datasetSamples(ds, 1500, 3);
    const noise = api.forwardSamples(0, this.x0, 5);
    this.noiseHist = api.histogram(noise, 24, VIEW);
    this.innerHTML = `
      <div class="bar">
        <label>${escapeHtml(msg('sch.kind'))} <select class="kind">${['linear', 'cosine', 'linear-unscaled'].map((k) => `<option value="${k}"${k === kind ? ' selected' : ''}>${escapeHtml(msg(`sch.${k}`))}</option>`).join('')}</select></label>
        <label>${escapeHtml(msg('sch.T'))} <input type="number" class="T" min="2" max="1000" step="1" value="${T}"></label>
      </div>
      <p class="alpha-bar-t"><strong>${escapeHtml(msg('sch.alphaBarT', { v }))}</strong></p>
      <p class="${this.table.warn ? 'warn' : 'ok'}" role="${this.table.warn ? 'alert' : 'note'}" data-warning="${this.table.warn}">${escapeHtml(msg(this.table.warn ? 'sch.warn' : 'sch.ok', { v }))}</p>
      <div class="plots"></div>
      <label class="fwd-label">${escapeHtml(msg('sch.fwd'))} = <output class="fwd-t">${this.fwdT}</output>
        <input type="range" class="fwd" min="0" max="${T}" step="1" value="${this.fwdT}"></label>
      <div class="fwd-stage"><canvas class="fwd-canvas" role="img"></canvas></div>
      <p class="fwd-match"></p>`;
    this.querySelector('.kind').addEventListener('change', (e) => this.dispatchEvent(new CustomEvent('ptheta-schedule', { detail: { schedule: e.target.value }, bubbles: true })));
    this.querySelector('.T').addEventListener('change', (e) => {
      const n = Number(e.target.value);
      if (Number.isInteger(n) && n >= 2 && n <= 1000) { this.T = n; this.render(); } else e.target.value = String(T);
    });
    this.querySelector('.fwd').addEventListener('input', (e) => { this.fwdT = Number(e.target.value); this.drawForward(api); });
    this.drawForward(api);
  }

  drawForward(api) {
    const t = this.fwdT;
    const { beta, alphaBar, snr } = this.table;
    this.querySelector('.plots').innerHTML = [
      plot(beta, { label: msg('sch.beta'), mark: t || null }),
      plot(alphaBar, { label: msg('sch.alphaBar'), mark: t || null }),
      plot(snr, { label: msg('sch.snr'), mark: t || null, log: true }),
    ].join('');
    this.querySelector('.fwd-t').textContent = String(t);
    const ab = t === 0 ? 1 : alphaBar[t - 1];
    const xt = api.forwardSamples(Math.min(1, Math.max(0, ab)), this.x0, 5);
    const js = api.jsDivergence(api.histogram(xt, 24, VIEW), this.noiseHist);
    this.querySelector('.fwd-match').textContent = msg('sch.fwdMatch', { js: num(js, 3) });
    const c = this.querySelector('.fwd-canvas');
    c.setAttribute('aria-label', msg('sch.fwdCanvas', { t }));
    const w = Math.max(1, Math.round(c.clientWidth * devicePixelRatio));
    c.width = w; c.height = w;
    const ctx = c.getContext('2d');
    const style = getComputedStyle(this);
    ctx.fillStyle = style.getPropertyValue('--ink').trim();
    const s = w / (2 * VIEW);
    const r = Math.max(1.5, w / 300);
    for (let i = 0; i < xt.length; i += 2) ctx.fillRect((xt[i] + VIEW) * s - r, (VIEW - xt[i + 1]) * s - r, 2 * r, 2 * r);
    this.dataset.fwdT = String(t);
    this.dataset.shows = this.getAttribute('dataset') ?? 'moons';
  }
}

class PthetaCompare extends Panel {
  static get observedAttributes() { return ['param', 'seed', 'steps', 'samples']; }
  attributeChangedCallback(_name, oldValue, newValue) { if (this.isConnected && oldValue !== newValue) this.render(); }

  render() {
    this.free();
    const variance = this.variance ?? 'fixed-small';
    this.innerHTML = `
      <div class="bar">
        <label>${escapeHtml(msg('cmp.variance'))} <select class="cmp-var">${VARIANCES.map((v) => `<option value="${v}"${v === variance ? ' selected' : ''}>${escapeHtml(msg(`var.${v}`))}</option>`).join('')}</select></label>
        <button type="button" class="cmp-run">${escapeHtml(msg('cmp.run'))}</button>
      </div>
      <p class="note">${escapeHtml(msg('cmp.evalNote', { steps: this.getAttribute('steps') ?? 50 }))}</p>
      <div class="minis" data-row="params">${PARAMS.map((p) => this.#mini(p, variance)).join('')}</div>
      <h4>${escapeHtml(msg('cmp.varRow', { param: msg(`param.${this.#param()}`) }))}</h4>
      <div class="minis" data-row="variances">${VARIANCES.map((v) => this.#mini(this.#param(), v)).join('')}</div>`;
    this.querySelector('.cmp-var').addEventListener('change', (e) => { this.variance = e.target.value; this.render(); });
    this.querySelector('.cmp-run').addEventListener('click', () => this.run());
    this.#figures();
  }

  #param() { return this.getAttribute('param') ?? 'epsilon'; }

  #mini(param, variance) {
    return `<figure class="mini" data-param="${param}" data-variance="${variance}">
      <div class="mini-stage"></div>
      <figcaption><strong>${escapeHtml(msg(`param.${param}`))}</strong> · ${escapeHtml(msg(`var.${variance}`))}
      <span class="figs"></span><span class="result"></span></figcaption></figure>`;
  }

  async #figures() {
    const figs = await evalFigures();
    for (const fig of this.querySelectorAll('.mini')) {
      const e = figs[`moons-${fig.dataset.param}.safetensors`];
      if (e) fig.querySelector('.figs').textContent = ` · ${msg('cmp.quality', { q: num(e.quality.ratio, 2) })} · ${msg('cmp.nelbo', { n: num(e.nelbo.total, 2) })}`;
    }
  }

  free() {
    for (const c of this.chains ?? []) c.free();
    this.chains = [];
  }

  /** Runs every panel's chain from the same seed (same x_T, same z) to t = 0. */
  async run() {
    this.free();
    this.dataset.state = 'running';
    const api = await lessonApi();
    const seed = Number(this.getAttribute('seed') ?? 0);
    const steps = Number(this.getAttribute('steps') ?? 50);
    const samples = Math.min(512, Number(this.getAttribute('samples') ?? 512));
    const dataHist = api.histogram(api.datasetSamples('moons', 4096, 2), 24, VIEW);
    const color = getComputedStyle(this).getPropertyValue('--ink').trim();
    for (const fig of this.querySelectorAll('.mini')) {
      const out = fig.querySelector('.result');
      const stage = fig.querySelector('.mini-stage');
      stage.replaceChildren();
      try {
        const bytes = await fetchWeights(weightsFor('moons', fig.dataset.param));
        const chain = await createChain(bytes, { steps, samples, seed, variance: fig.dataset.variance, backend: 'auto' });
        this.chains.push(chain);
        chain.mount(stage);
        await chain.goTo(0);
        await chain.draw({ half: VIEW, trails: 0, color });
        const js = api.jsDivergence(await chain.histogram(24, VIEW), dataHist);
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

/** A multiple-choice question; `question` names its messages (quiz.q1 …), `answer` the right one. */
class PthetaQuiz extends Panel {
  render() {
    const q = this.getAttribute('question') ?? 'q1';
    const right = this.getAttribute('answer') ?? 'a';
    const name = `quiz-${this.id || q}`;
    this.innerHTML = `<fieldset><legend>${rich(msg(`quiz.${q}.q`))}</legend>
      ${['a', 'b', 'c'].map((k) => `<label class="choice"><input type="radio" name="${name}" value="${k}"> <span>${rich(msg(`quiz.${q}.${k}`))}</span></label>`).join('')}
      <button type="button" class="check">${escapeHtml(msg('quiz.check'))}</button>
      <p class="feedback" role="status"></p></fieldset>`;
    this.querySelector('.check').addEventListener('click', () => {
      const chosen = this.querySelector('input:checked')?.value;
      const fb = this.querySelector('.feedback');
      if (!chosen) { fb.textContent = msg('quiz.pick'); return; }
      const correct = chosen === right;
      fb.textContent = correct ? msg(`quiz.${q}.right`) : msg('quiz.wrong', { why: msg(`quiz.${q}.why.${chosen}`) });
      fb.className = `feedback ${correct ? 'right' : 'wrong'}`;
      this.dispatchEvent(new CustomEvent('ptheta-answer', { detail: { question: q, choice: chosen, correct }, bubbles: true }));
    });
  }
}

customElements.define('ptheta-inspector', PthetaInspector);
customElements.define('ptheta-equations', PthetaEquations);
customElements.define('ptheta-algorithm', PthetaAlgorithm);
customElements.define('ptheta-schedule', PthetaSchedule);
customElements.define('ptheta-compare', PthetaCompare);
customElements.define('ptheta-quiz', PthetaQuiz);
export { lang };
