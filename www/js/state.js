// The page's shareable state, kept in the address (?dataset=…&param=…). Every name, default, limit
// and rule is Rust's (src/catalog.rs, exported by src/wasm_catalog.rs): this module only calls it.
// A state is `{ dataset, param, variance, schedule, steps, samples, seed, t, lang }` (t and lang
// may be null).
import { lessonApi, catalog, shippedFor, parameterizationOf, modelFor, weightsUrl } from './lesson-wasm.js';

const api = await lessonApi();

/** Every name, limit, default, rule and shipped model (see src/wasm_catalog.rs for its shape). */
export const CATALOG = await catalog();

/**
 * State from a query string: `{ state, errors: [{ field, message }] }`. Every bad field is named
 * and falls back to its default (or to what the rules allow), so the page always opens.
 */
export function parseState(search) {
  return api.parseState(search);
}

/**
 * `state` with one field changed by the reader, the catalog's rules applied (a new dataset keeps
 * the parameterization if it ships there, a new parameterization takes its default variance
 * unless another allowed one was chosen, a new model or T starts at x_T). Throws the refusal, an
 * Error whose message names the field and what it accepts.
 */
export function stateWith(state, field, value) {
  return api.stateWith(state, field, String(value));
}

/** The query string of a state (only what differs from the defaults, plus t and lang). */
export function formatState(state) {
  return api.formatState(state);
}

/** Puts the state in the address without adding a history entry. */
export function writeState(state) {
  history.replaceState(null, '', `${location.pathname}${formatState(state)}${location.hash}`);
}

/** Which parameterizations ship for a dataset, in the lesson's order. */
export const paramsFor = (dataset) => shippedFor(CATALOG, dataset);

/** The catalog's entry of a parameterization: `{ name, variances, defaultVariance, tex, meanFrom }`. */
export const paramEntry = (name) => parameterizationOf(CATALOG, name);

/** The shipped weights file of a (dataset, parameterization), from the catalog's models. */
export function weightsFor(dataset, param) {
  const model = modelFor(CATALOG, dataset, param);
  if (!model) throw new Error(`no shipped model for dataset "${dataset}" and param "${param}" (shipped: ${paramsFor(dataset).join(', ')})`);
  return weightsUrl(model);
}
