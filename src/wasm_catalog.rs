//! The browser binding of [`crate::catalog`]: the page reads every name, limit, default, rule and
//! shipped model from here, and asks here whether an address or an attribute is valid.
//!
//! JS shapes (all plain objects and arrays):
//! - `catalog()`: `{ version, datasets: [{ name, parameterizations }], parameterizations:
//!   [{ name, variances, defaultVariance }], variances, schedules, plotSchedules, backends, draws,
//!   languages, limits: { samples, steps, seed, plotTimesteps, histogramBins, … } (one
//!   `{ min, max, default }` per key of `catalog::LIMITS`), defaults (a state),
//!   respacingExperimentSteps, view: { half, bins, fieldGrid, trails, readoutMs,
//!   backgroundPoints, referencePoints, workerMinSamples }, models: [{ file, dataset, parameterization, evalCommand,
//!   figures: { quality: { ratio }, nelbo: { total }, steps, variance, samples, seed } }],
//!   chainAttributes: the attributes `<ptheta-chain>` reads }`
//! - a state: `{ dataset, param, variance, schedule, steps, samples, seed, t, lang }` (`t`, `lang`
//!   may be null)
//! - `parseState(search)`: `{ state, errors: [{ field, message }] }`
//! - `stateWith(state, field, value)`: the new state, or throws the refusal
//! - `formatState(state)`: `"?dataset=…"`
//! - `shippedWeights(dataset, param)`: the shipped model's file name, or throws naming both
//! - `chainAttribute(name, value)`: the checked value (a number or a string), or throws

use crate::catalog::{self, PageState};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js(value: &impl Serialize) -> Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&s).map_err(err)
}

/// Every fact of the lesson: see the module documentation for its shape.
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsError> {
    to_js(&catalog::catalog())
}

/// Query pairs of `search` (`?a=b&c=d`, with or without the `?`), percent-decoded.
fn query_pairs(search: &str) -> Vec<(String, String)> {
    let params = web_sys::UrlSearchParams::new_with_str(search);
    let Ok(params) = params else { return Vec::new() };
    let mut out = Vec::new();
    for entry in js_sys::try_iter(&params).ok().flatten().into_iter().flatten() {
        let Ok(pair) = entry else { continue };
        let pair = js_sys::Array::from(&pair);
        out.push((
            pair.get(0).as_string().unwrap_or_default(),
            pair.get(1).as_string().unwrap_or_default(),
        ));
    }
    out
}

#[derive(Serialize)]
struct Parsed {
    state: PageState,
    errors: Vec<catalog::FieldError>,
}

/// The page state an address holds, every bad field named and replaced.
#[wasm_bindgen(js_name = parseState)]
pub fn parse_state(search: &str) -> Result<JsValue, JsError> {
    let (state, errors) = PageState::parse(&query_pairs(search));
    to_js(&Parsed { state, errors })
}

fn state_from(value: JsValue) -> Result<PageState, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| err(format!("not a page state: {e}")))
}

/// `state` with one field changed by the reader, the rules applied; throws the refusal.
#[wasm_bindgen(js_name = stateWith)]
pub fn state_with(state: JsValue, field: &str, value: &str) -> Result<JsValue, JsError> {
    let state = state_from(state)?;
    match state.with(field, value) {
        Ok(next) => to_js(&next),
        Err(e) => Err(err(e.message)),
    }
}

/// The address query of a state.
#[wasm_bindgen(js_name = formatState)]
pub fn format_state(state: JsValue) -> Result<String, JsError> {
    Ok(state_from(state)?.to_query())
}

/// One `<ptheta-chain>` attribute, checked: a number or a name, or a refusal naming it.
/// The file name of the shipped model for (dataset, param), or throws naming both and what the
/// dataset ships.
#[wasm_bindgen(js_name = shippedWeights)]
pub fn shipped_weights(dataset: &str, param: &str) -> Result<String, JsError> {
    catalog::shipped_weights(dataset, param).map_err(err)
}

#[wasm_bindgen(js_name = chainAttribute)]
pub fn chain_attribute(name: &str, value: &str) -> Result<JsValue, JsError> {
    to_js(&catalog::chain_attribute(name, value).map_err(err)?)
}

/// Radius in pixels of a sample on a layer `width` pixels wide.
#[wasm_bindgen(js_name = pointRadius)]
pub fn point_radius(width: f64) -> f64 {
    catalog::point_radius_px(width)
}

/// Columns of the grid that shows `samples` images.
#[wasm_bindgen(js_name = gridColumns)]
pub fn grid_columns(samples: usize) -> usize {
    catalog::grid_columns(samples)
}

/// Opacity of the state `back` steps behind x_t when `layers` states are drawn.
#[wasm_bindgen(js_name = trailAlpha)]
pub fn trail_alpha(back: usize, layers: usize) -> f64 {
    catalog::trail_alpha(back, layers)
}
