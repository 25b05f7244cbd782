// The lesson page: reads the shared state from the address, wires the settings, the language and
// theme switches to the widgets, and writes the state back so a teacher can share the exact view.
// Every choice, limit and rule comes from the catalog (state.js); every text from i18n/*.json.
import { isWidget } from './widgets.js';
import { t as msg, num, setLang, lang, initialLang, LANGS, MESSAGES } from './i18n.js';
import { compareDataset, modelFor, figuresFor } from './lesson-wasm.js';
import { rich, markScrollable } from './tex.js';
import { CATALOG, parseState, stateWith, writeState, formatState, paramsFor, paramEntry, weightsFor } from './state.js';
import { markupNodes } from './dom.js';

const $ = (s) => document.querySelector(s);
const chainEl = $('#chain');
const parsed = parseState(location.search);
let state = { ...parsed.state, lang: parsed.state.lang ?? initialLang() };
setLang(state.lang);
document.documentElement.lang = state.lang;

/** What #state-error shows: the address's refused fields, or the last refused change. */
let notice = parsed.errors.length
  ? { key: 'ui.stateError', vars: { message: parsed.errors.map((e) => e.message).join('; ') } }
  : null;

const label = {
  dataset: (v) => msg(`ds.${v}`),
  param: (v) => msg(`param.${v}`),
  variance: (v) => msg(`var.${v}`),
  schedule: (v) => msg(`sch.${v}`),
};

/**
 * The measured figures the lesson's sentences quote: `q_<parameterization>` for each model of the
 * comparison's dataset on the chain the page runs it with (`sd_<parameterization>` its spread over
 * `seeds` draws of `samples` samples), `q_cut` for the respacing experiment (a model that cannot
 * skip steps, run with `few` respaced steps), the page's default steps and T.
 */
function figureWords() {
  const words = { steps: CATALOG.defaults.steps, few: CATALOG.respacingExperimentSteps, T: CATALOG.limits.steps.max };
  const dataset = compareDataset(CATALOG);
  for (const p of CATALOG.parameterizations) {
    const model = modelFor(CATALOG, dataset, p.name);
    const f = figuresFor(model, p.defaultVariance, p.defaultSteps);
    const key = p.name.replace(/-/g, '_');
    words[`q_${key}`] = f ? num(f.quality.ratio, 2) : '–';
    words[`sd_${key}`] = f ? num(f.quality.sd, 2) : '–';
    if (f) Object.assign(words, { seeds: f.seeds, samples: f.samples });
    if (!p.skipsSteps && !p.learnsVariance) {
      const cut = figuresFor(model, p.defaultVariance, CATALOG.respacingExperimentSteps);
      words.q_cut = cut ? num(cut.quality.ratio, 0) : '–';
    }
  }
  return words;
}

/** The notes under the settings: what the current dataset and model cannot do, from the catalog. */
function notes() {
  const out = [];
  // how the chosen model runs, and why (the catalog's skipsSteps)
  const model = paramEntry(state.param);
  const T = CATALOG.limits.steps.max;
  const words = { param: label.param(state.param), steps: state.steps, T, perFrame: Math.ceil(state.steps / CATALOG.view.playFrames) };
  if (model.skipsSteps) {
    out.push(msg('steps.respaced', words));
    if (state.steps < model.defaultSteps) out.push(msg('steps.few', { ...words, usual: model.defaultSteps }));
  } else out.push(msg(state.steps < model.defaultSteps ? 'steps.cut' : 'steps.all', words));
  const every = CATALOG.parameterizations.length;
  const shipped = paramsFor(state.dataset);
  const full = CATALOG.datasets.filter((d) => d.parameterizations.length === every).map((d) => label.dataset(d.name));
  if (shipped.length < every && full.length) {
    out.push(msg('ui.fewModels', { full: full.join(', '), dataset: label.dataset(state.dataset), models: shipped.map(label.param).join(', ') }));
  }
  const allowed = paramEntry(state.param).variances;
  for (const v of CATALOG.variances.filter((x) => !allowed.includes(x))) {
    const able = CATALOG.parameterizations.filter((p) => p.variances.includes(v)).map((p) => label.param(p.name));
    out.push(msg('var.needs', { variance: label.variance(v), params: able.join(', ') }));
  }
  return out.join(' ');
}

function texts() {
  document.title = msg('doc.title');
  const words = { samples: state.samples, ...figureWords() };
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.replaceChildren(markupNodes(rich(msg(el.dataset.i18n, words), el.hasAttribute('data-i18n-html'))));
  }
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', msg(el.dataset.i18nLabel));
  const shipped = paramsFor(state.dataset);
  const variances = paramEntry(state.param).variances;
  fillSelect($('#set-dataset'), CATALOG.datasets.map((d) => d.name), label.dataset, state.dataset);
  fillSelect($('#set-param'), CATALOG.parameterizations.map((p) => p.name), label.param, state.param, (v) => !shipped.includes(v));
  fillSelect($('#set-variance'), CATALOG.variances, label.variance, state.variance, (v) => !variances.includes(v));
  fillSelect($('#set-schedule'), CATALOG.plotSchedules, label.schedule, state.schedule);
  // Each language is named in itself.
  fillSelect($('#set-lang'), LANGS, (l) => MESSAGES[l]['lang.name'], lang()).forEach((o) => { o.lang = o.value; });
  const steps = $('#set-steps');
  steps.min = String(CATALOG.limits.steps.min);
  steps.max = String(CATALOG.limits.steps.max);
  steps.value = String(state.steps);
  $('#model-note').textContent = notes();
  const box = $('#state-error');
  box.hidden = notice === null;
  box.textContent = notice ? msg(notice.key, notice.vars) : '';
}

function fillSelect(select, values, text, current, disabled = () => false) {
  const options = values.map((v) => {
    const o = new Option(text(v), v, false, v === current);
    o.disabled = disabled(v);
    return o;
  });
  select.replaceChildren(...options);
  return options;
}

/** Pushes the state into every widget and the address. */
function apply() {
  const attrs = {
    weights: weightsFor(state.dataset, state.param), steps: state.steps, samples: state.samples,
    seed: state.seed, variance: state.variance,
  };
  for (const [k, v] of Object.entries(attrs)) {
    if (chainEl.getAttribute(k) !== String(v)) chainEl.setAttribute(k, String(v));
  }
  // after the model's attributes: a new model takes t with it, the same one moves there
  if (state.t !== null) chainEl.setAttribute('t', String(state.t)); else chainEl.removeAttribute('t');
  for (const el of document.querySelectorAll('ptheta-equations')) {
    el.setAttribute('param', state.param);
    el.setAttribute('dataset', state.dataset);
  }
  const sch = $('ptheta-schedule');
  sch.setAttribute('schedule', state.schedule);
  sch.setAttribute('dataset', state.dataset);
  const cmp = $('ptheta-compare');
  for (const k of ['seed', 'samples']) cmp.setAttribute(k, String(state[k]));
  cmp.setAttribute('param', state.param);
  texts();
  writeState(state);
}

/**
 * The reader changed one field: the catalog's rules give the new state (or refuse it, and the
 * notice names the field). `keepT` re-runs a new model to the chain's current t.
 */
function change(field, value, { keepT = false } = {}) {
  const from = keepT && chainEl.chain ? { ...state, t: chainEl.chain.t } : state;
  try {
    state = stateWith(from, field, value);
    if (notice?.key === 'ui.changeRefused') notice = null;
  } catch (e) {
    notice = { key: 'ui.changeRefused', vars: { field, message: e.message } };
  }
  apply();
}

$('#set-dataset').addEventListener('change', (e) => change('dataset', e.target.value));
$('#set-param').addEventListener('change', (e) => change('param', e.target.value, { keepT: true }));
document.addEventListener('ptheta-param', (e) => change('param', e.detail.param, { keepT: true }));
$('#set-variance').addEventListener('change', (e) => change('variance', e.target.value, { keepT: true }));
$('#set-schedule').addEventListener('change', (e) => change('schedule', e.target.value));
document.addEventListener('ptheta-schedule', (e) => change('schedule', e.detail.schedule));
$('#set-steps').addEventListener('change', (e) => change('steps', e.target.value));
chainEl.addEventListener('ptheta-config', (e) => {
  for (const [field, value] of Object.entries(e.detail)) change(field, value);
});

// t changes many times a second while playing; the address follows when it settles.
let urlTimer = 0;
chainEl.addEventListener('ptheta-step', (e) => {
  state.t = e.detail.t;
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => writeState(state), 250);
});

$('#set-lang').addEventListener('change', (e) => {
  try {
    state = stateWith(state, 'lang', e.target.value);
  } catch (err) {
    notice = { key: 'ui.changeRefused', vars: { field: 'lang', message: err.message } };
    texts();
    return;
  }
  setLang(state.lang);
  texts();
  writeState(state);
});

// The canvases read their colours from CSS when they draw; widgets redraw on `ptheta-theme`.
// The page's palette follows data-theme on the root, each widget's its own `theme` attribute.
$('#set-theme').addEventListener('change', (e) => {
  const theme = CATALOG.themes.includes(e.target.value) ? e.target.value : CATALOG.themes[0];
  if (theme === 'auto') delete document.documentElement.dataset.theme; else document.documentElement.dataset.theme = theme;
  for (const el of document.querySelectorAll('*')) {
    if (!isWidget(el)) continue;
    if (theme === 'auto') el.removeAttribute('theme'); else el.setAttribute('theme', theme);
  }
  document.dispatchEvent(new CustomEvent('ptheta-theme', { detail: { theme } }));
});

// The second world's widgets are built when the reader asks for them: the lesson's settings,
// address and tests speak of the one chain in the plane until then.
$('#world2-open').addEventListener('click', (e) => {
  const widgets = $('#world2-widgets').content.cloneNode(true);
  const theme = document.documentElement.dataset.theme;
  for (const el of widgets.children) if (theme) el.setAttribute('theme', theme);
  e.target.replaceWith(widgets);
  // keyboard focus stays where the button was: on the new chain
  const chain = $('#digits');
  chain.tabIndex = -1;
  chain.focus();
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
// the lesson's own formulas scroll sideways when too wide, like the panels'
markScrollable();
apply();
