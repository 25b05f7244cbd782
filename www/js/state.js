// The page's shareable state, kept in the address (?dataset=…&param=…): parsing with a named
// error for each bad field (the field falls back to its default and the page keeps working), and
// writing it back without adding history entries.

export const DATASETS = ['moons', 'swiss-roll', 'eight-gaussians', 'checkerboard', 'circles', 'letters'];
export const PARAMS = ['epsilon', 'mean', 'mean-variance', 'x0', 'v'];
export const VARIANCES = ['fixed-small', 'fixed-large', 'learned'];
export const SCHEDULES = ['linear', 'cosine', 'linear-unscaled'];
export const LANG_KEYS = ['en', 'es'];

export const DEFAULTS = Object.freeze({
  dataset: 'moons', param: 'epsilon', variance: 'fixed-small', schedule: 'linear',
  steps: 50, samples: 1024, seed: 0, t: null, lang: null,
});

const INTS = { steps: [2, 1000], samples: [16, 8192], seed: [0, 4294967295], t: [0, 1000] };
const CHOICES = { dataset: DATASETS, param: PARAMS, variance: VARIANCES, schedule: SCHEDULES, lang: LANG_KEYS };

/** Which parameterizations ship for a dataset (only moons has all of them). */
export function paramsFor(dataset) {
  return dataset === 'moons' ? PARAMS : ['epsilon'];
}

/** The weights file of a (dataset, parameterization). */
export function weightsFor(dataset, param) {
  return `weights/${dataset}-${param}.safetensors`;
}

/**
 * State from a query string. Returns { state, errors }: every field valid, and one message per
 * rejected field naming it and what it accepts.
 */
export function parseState(search) {
  const q = new URLSearchParams(search);
  const state = { ...DEFAULTS };
  const errors = [];
  for (const [key, allowed] of Object.entries(CHOICES)) {
    const raw = q.get(key);
    if (raw === null) continue;
    if (allowed.includes(raw)) state[key] = raw;
    else errors.push(`${key}="${raw}" must be one of ${allowed.join(', ')}`);
  }
  for (const [key, [lo, hi]] of Object.entries(INTS)) {
    const raw = q.get(key);
    if (raw === null) continue;
    const v = Number(raw);
    if (raw.trim() !== '' && Number.isInteger(v) && v >= lo && v <= hi) state[key] = v;
    else errors.push(`${key}="${raw}" must be a whole number from ${lo} to ${hi}`);
  }
  if (!paramsFor(state.dataset).includes(state.param)) {
    errors.push(`param="${state.param}" is not shipped for dataset "${state.dataset}" (only ${paramsFor(state.dataset).join(', ')})`);
    state.param = 'epsilon';
  }
  if (state.variance === 'learned' && state.param !== 'mean-variance') {
    errors.push(`variance="learned" needs param="mean-variance", not "${state.param}"`);
    state.variance = 'fixed-small';
  }
  if (state.t !== null && state.t > state.steps) {
    errors.push(`t="${state.t}" is beyond steps=${state.steps}`);
    state.t = null;
  }
  return { state, errors };
}

/** The query string of a state (only what differs from the defaults, plus t and lang). */
export function formatState(state) {
  const q = new URLSearchParams();
  for (const key of ['dataset', 'param', 'variance', 'schedule', 'steps', 'samples', 'seed', 't', 'lang']) {
    const v = state[key];
    if (v !== null && v !== undefined && (v !== DEFAULTS[key] || key === 't' || key === 'lang')) q.set(key, String(v));
  }
  return `?${q}`;
}

export function writeState(state) {
  history.replaceState(null, '', `${location.pathname}${formatState(state)}${location.hash}`);
}
