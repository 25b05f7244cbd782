// The lesson page: reads the shared state from the address, wires the settings, the language and
// theme switches to the widgets, and writes the state back so a teacher can share the exact view.
import './ptheta-chain.js';
import './panels.js';
import { t as msg, setLang, lang, initialLang } from './i18n.js';
import { rich, markScrollable } from './tex.js';
import { parseState, writeState, formatState, paramsFor, weightsFor, DATASETS, PARAMS, VARIANCES, SCHEDULES } from './state.js';

const $ = (s) => document.querySelector(s);
const chainEl = $('#chain');
const { state, errors } = parseState(location.search);
state.lang ??= initialLang();
setLang(state.lang);
document.documentElement.lang = state.lang;

function texts() {
  document.title = msg('doc.title');
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.innerHTML = rich(msg(el.dataset.i18n, { samples: state.samples }), el.hasAttribute('data-i18n-html'));
  }
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', msg(el.dataset.i18nLabel));
  fillSelect($('#set-dataset'), DATASETS, (v) => msg(`ds.${v}`), state.dataset);
  fillSelect($('#set-param'), PARAMS, (v) => msg(`param.${v}`), state.param, (v) => !paramsFor(state.dataset).includes(v));
  fillSelect($('#set-variance'), VARIANCES, (v) => msg(`var.${v}`), state.variance,
    (v) => v === 'learned' && state.param !== 'mean-variance');
  fillSelect($('#set-schedule'), SCHEDULES, (v) => msg(`sch.${v}`), state.schedule);
  $('#set-steps').value = String(state.steps);
  $('#set-lang').value = lang();
  $('#only-moons').textContent = [state.dataset === 'moons' ? '' : msg('ui.onlyMoons'),
    state.param === 'mean-variance' ? '' : msg('var.learnedNeeds')].filter(Boolean).join(' ');
  const notice = $('#state-error');
  notice.hidden = errors.length === 0;
  notice.textContent = errors.length ? msg('ui.stateError', { message: errors.join('; ') }) : '';
}

function fillSelect(select, values, label, current, disabled = () => false) {
  select.replaceChildren(...values.map((v) => {
    const o = new Option(label(v), v, false, v === current);
    o.disabled = disabled(v);
    return o;
  }));
}

/** Pushes the state into every widget; `keepT` re-runs a new model to the chain's current t. */
function apply({ keepT = false } = {}) {
  if (keepT && chainEl.chain) state.t = chainEl.chain.t;
  const attrs = {
    weights: weightsFor(state.dataset, state.param), steps: state.steps, samples: state.samples,
    seed: state.seed, variance: state.variance,
  };
  if (state.t !== null) chainEl.setAttribute('t', String(state.t)); else chainEl.removeAttribute('t');
  for (const [k, v] of Object.entries(attrs)) {
    if (chainEl.getAttribute(k) !== String(v)) chainEl.setAttribute(k, String(v));
  }
  for (const el of document.querySelectorAll('ptheta-equations')) {
    el.setAttribute('param', state.param);
    el.setAttribute('dataset', state.dataset);
  }
  const sch = $('ptheta-schedule');
  sch.setAttribute('schedule', state.schedule);
  sch.setAttribute('dataset', state.dataset);
  const cmp = $('ptheta-compare');
  for (const k of ['seed', 'steps', 'samples']) cmp.setAttribute(k, String(state[k]));
  cmp.setAttribute('param', state.dataset === 'moons' ? state.param : 'epsilon');
  texts();
  writeState(state);
}

function setParam(param) {
  state.param = param;
  if (state.variance === 'learned' && param !== 'mean-variance') state.variance = 'fixed-small';
  if (param === 'mean-variance' && state.variance === 'fixed-small') state.variance = 'learned';
  apply({ keepT: true });
}

$('#set-dataset').addEventListener('change', (e) => {
  state.dataset = e.target.value;
  if (!paramsFor(state.dataset).includes(state.param)) state.param = 'epsilon';
  if (state.variance === 'learned' && state.param !== 'mean-variance') state.variance = 'fixed-small';
  state.t = null;
  apply();
});
$('#set-param').addEventListener('change', (e) => setParam(e.target.value));
document.addEventListener('ptheta-param', (e) => setParam(e.detail.param));
$('#set-variance').addEventListener('change', (e) => { state.variance = e.target.value; apply({ keepT: true }); });
$('#set-schedule').addEventListener('change', (e) => { state.schedule = e.target.value; apply(); });
document.addEventListener('ptheta-schedule', (e) => { state.schedule = e.detail.schedule; apply(); });
$('#set-steps').addEventListener('change', (e) => {
  const v = Number(e.target.value);
  if (Number.isInteger(v) && v >= 2 && v <= 1000) { state.steps = v; state.t = null; apply(); } else e.target.value = String(state.steps);
});
chainEl.addEventListener('ptheta-config', (e) => { Object.assign(state, e.detail); state.t = null; apply(); });

// t changes many times a second while playing; the address follows when it settles.
let urlTimer = 0;
chainEl.addEventListener('ptheta-step', (e) => {
  state.t = e.detail.t;
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => writeState(state), 250);
});

$('#set-lang').addEventListener('change', (e) => {
  state.lang = e.target.value;
  setLang(state.lang);
  texts();
  writeState(state);
});

const THEMES = ['auto', 'light', 'dark'];
$('#set-theme').addEventListener('change', (e) => {
  const v = THEMES.includes(e.target.value) ? e.target.value : 'auto';
  if (v === 'auto') delete document.documentElement.dataset.theme; else document.documentElement.dataset.theme = v;
  // The canvases read their colours from CSS when they draw; the widgets redraw on this event.
  document.dispatchEvent(new CustomEvent('ptheta-lang', { detail: { lang: lang() } }));
});

$('#share').addEventListener('click', async () => {
  const url = `${location.origin}${location.pathname}${formatState(state)}`;
  const out = $('#share-out');
  try {
    await navigator.clipboard.writeText(url);
    out.textContent = msg('ui.shared');
  } catch {
    out.textContent = `${msg('ui.shareFallback')} ${url}`;
  }
});

document.addEventListener('ptheta-lang', () => texts());
addEventListener('resize', () => markScrollable());
// KaTeX's fonts change the formulas' widths once they arrive.
document.fonts.ready.then(() => markScrollable());
apply();
