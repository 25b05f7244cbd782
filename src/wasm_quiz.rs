//! The browser binding of [`crate::quiz`]: `<ptheta-quiz>` reads, checks, grades and generates
//! through this, so the page and the native tests use the same rules. Errors become `JsError`,
//! values go through serde-wasm-bindgen as plain objects.

use crate::catalog::Language;
use crate::quiz::{self, Instance, Quiz};
use serde::Serialize;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js(v: &impl Serialize) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(err)
}

fn language(lang: &str) -> Result<Language, JsError> {
    lang.parse().map_err(err)
}

/// One quiz file, checked: its questions each usable or carrying the error that names its field,
/// and the numbers generated for this student.
#[wasm_bindgen(js_name = Quiz)]
pub struct QuizHandle {
    quiz: Quiz,
    instances: HashMap<usize, Instance>,
}

#[wasm_bindgen(js_class = Quiz)]
impl QuizHandle {
    /// Reads a quiz file; throws when it is not a quiz at all (the message names the field).
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<QuizHandle, JsError> {
        Ok(QuizHandle {
            quiz: quiz::parse(text).map_err(err)?,
            instances: HashMap::new(),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.quiz.id.clone()
    }

    /// What the widget draws in `lang` (see `quiz::view`).
    pub fn view(&self, lang: &str) -> Result<JsValue, JsError> {
        to_js(&quiz::view(&self.quiz, language(lang)?))
    }

    /// Makes question `index`'s numbers from its model's `weights` with `seed` (the question's own
    /// seed wins); returns what the student sees.
    pub fn generate(&mut self, index: usize, weights: &[u8], seed: u32) -> Result<JsValue, JsError> {
        let q = self.quiz.question(index).map_err(err)?;
        let spec = q
            .generate
            .as_ref()
            .ok_or_else(|| err("this question is not generated"))?;
        let quiz::Body::Numeric(b) = &q.question.body else {
            return Err(err("this question is not numeric"));
        };
        let instance = quiz::generate(spec, b.tolerance, weights, seed).map_err(err)?;
        let out = to_js(&instance)?;
        self.instances.insert(index, instance);
        Ok(out)
    }

    /// Grades `response` to question `index`: `{ correct, score, maxScore, response, value,
    /// picked, solution, statement }`, the statement being xAPI's "answered" for the page at
    /// `base` in `lang`.
    pub fn grade(&self, index: usize, response: JsValue, lang: &str, base: &str) -> Result<JsValue, JsError> {
        let lang = language(lang)?;
        let q = self.quiz.question(index).map_err(err)?;
        let response: serde_json::Value = serde_wasm_bindgen::from_value(response).map_err(err)?;
        let instance = self.instances.get(&index);
        let graded = quiz::grade(q, &response, instance).map_err(err)?;
        let statement = quiz::statement(&self.quiz, q, &graded, instance, base, lang);
        let mut out = serde_json::to_value(&graded).map_err(err)?;
        out["solution"] = quiz::solution(q, instance);
        out["statement"] = statement;
        to_js(&out)
    }

    /// The right answer of question `index` (a generated one's once its numbers exist).
    pub fn solution(&self, index: usize) -> Result<JsValue, JsError> {
        let q = self.quiz.question(index).map_err(err)?;
        to_js(&quiz::solution(q, self.instances.get(&index)))
    }
}

/// The rules of `<ptheta-feedback>`: `{ ratings, maxComment }`.
#[wasm_bindgen(js_name = feedbackRules)]
pub fn feedback_rules() -> Result<JsValue, JsError> {
    to_js(&serde_json::json!({ "ratings": quiz::FEEDBACK_RATINGS, "maxComment": quiz::MAX_COMMENT }))
}

/// The checked detail of a `ptheta-feedback` event (see `quiz::feedback`).
#[wasm_bindgen(js_name = feedbackDetail)]
pub fn feedback_detail(section: &str, rating: &str, comment: Option<String>) -> Result<JsValue, JsError> {
    to_js(&quiz::feedback(section, rating, comment.as_deref()).map_err(err)?)
}
