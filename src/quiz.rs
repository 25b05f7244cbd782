//! Quizzes as data: the format `<ptheta-quiz>` reads (Rust types, from which the published JSON
//! Schema `www/quiz/quiz.schema.json` is generated), its validation, the grading of every answer,
//! the numeric questions generated from a real chain of a shipped model, and the xAPI statement
//! each answer yields. The widget calls all of it through `src/wasm_quiz.rs`; the native tests in
//! `tests/quiz.rs` call the same functions.
//!
//! A quiz is checked question by question: a question with a missing or wrong field is reported
//! with its number, its id and the field's path (`choices[2].text`, `generate.t`), and the others
//! still work. Fields the format does not know are ignored.

use crate::catalog::{self, Language};
use crate::chain::{Chain, ChainOptions};
use crate::data::{Dataset, PLANE_DIM};
use crate::diffusion::param::check_combination;
use crate::diffusion::{Parameterization, Schedule, Variance};
use crate::model::Denoiser;
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Bytes of a quiz file.
pub const MAX_BYTES: usize = 1 << 20;
/// Questions of one quiz.
pub const MAX_QUESTIONS: usize = 200;
/// Choices, items, or entries of one side of a matching.
pub const MAX_OPTIONS: usize = 26;
/// Characters of one text.
pub const MAX_TEXT: usize = 4000;
/// Characters of an id.
pub const MAX_ID: usize = 64;
/// Characters of a link.
pub const MAX_LINK: usize = 2000;
/// Points one question is worth, at most.
pub const MAX_POINTS: u32 = 100;
/// Significant digits of the numbers a generated question shows: (least, most, default).
pub const DIGITS: (u8, u8, u8) = (3, 10, 6);

/// A text: one string, or one string per language (`{ "en": "…", "es": "…" }`, the languages of
/// the catalog; other keys are ignored). Maths goes between `$…$`. Never markup: `<b>` shows as
/// the characters `<b>`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Languages(BTreeMap<String, String>),
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bad = || {
            let langs: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
            serde::de::Error::custom(format!(
                "must be a text: a string, or an object of strings keyed by language ({})",
                langs.join(", ")
            ))
        };
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Text::Plain(s)),
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k, s)),
                    _ => Err(bad()),
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
                .map(Text::Languages),
            _ => Err(bad()),
        }
    }
}

impl Text {
    /// The text in `lang`, else in the catalog's default language, else in the first catalog
    /// language it has (validation guarantees one).
    pub fn get(&self, lang: Language) -> &str {
        match self {
            Text::Plain(s) => s,
            Text::Languages(map) => std::iter::once(lang)
                .chain(std::iter::once(Language::DEFAULT))
                .chain(Language::ALL)
                .find_map(|l| map.get(l.name()))
                .map(String::as_str)
                .unwrap_or(""),
        }
    }

    fn check(&self, field: &str) -> Result<(), FieldError> {
        let one = |field: String, s: &str| {
            if s.trim().is_empty() {
                Err(FieldError::new(field, "is empty"))
            } else if s.chars().count() > MAX_TEXT {
                Err(FieldError::new(field, format!("is longer than {MAX_TEXT} characters")))
            } else {
                Ok(())
            }
        };
        match self {
            Text::Plain(s) => one(field.to_string(), s),
            Text::Languages(map) => {
                let mut any = false;
                for l in Language::ALL {
                    if let Some(s) = map.get(l.name()) {
                        one(format!("{field}.{l}"), s)?;
                        any = true;
                    }
                }
                if any {
                    Ok(())
                } else {
                    let langs: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
                    Err(FieldError::new(
                        field,
                        format!("has no text in any of the languages {}", langs.join(", ")),
                    ))
                }
            }
        }
    }

    /// An xAPI language map: the text in each catalog language it has ("und" for a plain string).
    pub fn language_map(&self) -> Value {
        match self {
            Text::Plain(s) => json!({ "und": s }),
            Text::Languages(map) => Value::Object(
                Language::ALL
                    .iter()
                    .filter_map(|l| map.get(l.name()).map(|s| (l.name().to_string(), json!(s))))
                    .collect(),
            ),
        }
    }
}

/// A whole quiz file.
#[derive(Serialize, JsonSchema)]
#[schemars(
    title = "pθ quiz",
    description = "A quiz for <ptheta-quiz> (src/quiz.rs). Unknown fields are ignored."
)]
pub struct QuizFile {
    /// Names the quiz: its results and its saved progress. Letters, digits, '.', '_' or '-', at most 64.
    pub id: String,
    pub title: Text,
    /// One to 200 questions.
    pub questions: Vec<Question>,
}

/// One question: the fields every type has, then those of its `type`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Question {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub body: Body,
}

/// The fields every question has.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Common {
    /// Unique within the quiz: letters, digits, '.', '_' or '-', at most 64.
    pub id: String,
    /// The question.
    pub prompt: Text,
    /// Shown after each answer: why the right answer is right.
    pub explanation: Text,
    /// Shown when the student asks for a hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Where the lesson teaches this, shown under the explanation: a relative address
    /// ("index.html#s5") or an http(s) one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// What a right answer scores (1 to 100; 1 when absent). A wrong one scores 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u32>,
}

/// What a question asks and how it is graded, by its `type`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Body {
    /// One right choice (radio buttons).
    Single(SingleBody),
    /// A set of right choices, all of them and no other (check boxes).
    Multiple(MultipleBody),
    /// Put the items in order (drag and drop, or the move buttons).
    Order(OrderBody),
    /// Match each left entry to one right entry (right entries may be left over or used twice).
    Match(MatchBody),
    /// A number within a tolerance: given, or generated from a shipped model's chain.
    Numeric(NumericBody),
    /// A task done on a `<ptheta-chain>` of the same page, graded from that chain's state.
    Chain(ChainBody),
}

impl Body {
    pub fn type_name(&self) -> &'static str {
        match self {
            Body::Single(_) => "single",
            Body::Multiple(_) => "multiple",
            Body::Order(_) => "order",
            Body::Match(_) => "match",
            Body::Numeric(_) => "numeric",
            Body::Chain(_) => "chain",
        }
    }
}

/// The question types, as `type` spells them.
pub const TYPES: [&str; 6] = ["single", "multiple", "order", "match", "numeric", "chain"];

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Choice {
    pub id: String,
    pub text: Text,
    /// Shown when this choice was picked and checked: why it is right or wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Text>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    pub id: String,
    pub text: Text,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct SingleBody {
    /// Two to 26 choices.
    pub choices: Vec<Choice>,
    /// The id of the right choice.
    pub answer: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct MultipleBody {
    /// Two to 26 choices.
    pub choices: Vec<Choice>,
    /// The ids of every right choice (at least one).
    pub answer: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct OrderBody {
    /// Two to 26 items; the student sees them shuffled.
    pub items: Vec<Item>,
    /// Every item's id once, in the right order.
    pub answer: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct MatchBody {
    /// One to 26 entries, each matched to a right entry.
    pub left: Vec<Item>,
    /// Two to 26 entries to choose from.
    pub right: Vec<Item>,
    /// For every left id, the id of its right entry.
    pub answer: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct NumericBody {
    /// The right number (or give `generate` instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<f64>,
    /// An answer within this distance of the right number is right (above 0).
    pub tolerance: f64,
    /// Make the numbers from a real chain instead of giving `answer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generate>,
}

/// What the student does on the chain widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Scrub (or step) a chain of the moons to the first t, coming from x_T, at which the two
    /// moons are separate ([`SEPARATE`] states the rule). The chain must show `moons`.
    Separate,
    /// Pick (click, or the sample box) the sample whose x̂_0 is furthest from its x_t at the
    /// chain's current t > 0 ([`FURTHEST_TOLERANCE`]).
    Furthest,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Separate => "separate",
            Task::Furthest => "furthest",
        }
    }
}

/// A question answered by acting on a chain widget: the element names it like a panel does.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ChainBody {
    /// The id of the `<ptheta-chain>` on the same page (as a panel's for="…").
    #[serde(rename = "for")]
    pub chain: String,
    pub task: Task,
}

/// The rule of [`Task::Separate`]. A sample lies *on the moons* when it is within `radius` of
/// one of the two arcs the moons are drawn along (the data's noise has s.d. 0.06). The moons
/// are *separate* when at least `fraction` of the samples lie on them: what is left between
/// and around them is a thin haze. The first such t is graded from the state the chain shows:
/// an answer is right when that share is at least `fraction` and below `fraction + band` — the
/// share grows as t falls, so a t far past the first one (more samples on the moons) is
/// wrong, and so is one before it. With the shipped moons models at 200 steps the share is
/// about 0.35 down to t ≈ 40, passes 0.9 at t ≈ 7–8 and grows about 0.025 a step there, so the
/// band, wider than a step, always holds the first t and at most a step or two after it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SeparateRule {
    pub radius: f64,
    pub fraction: f64,
    pub band: f64,
}

pub const SEPARATE: SeparateRule = SeparateRule {
    radius: 0.25,
    fraction: 0.9,
    band: 0.05,
};

/// [`Task::Furthest`] is right when the picked sample's distance |x̂_0 − x_t| is at least
/// (1 − this) times the largest one: a near tie counts.
pub const FURTHEST_TOLERANCE: f64 = 0.02;

/// The share of `points` ([x0, y0, x1, y1, …], the page's coordinates) within `radius` of the
/// arcs of the moons dataset (`Dataset::Moons`): the upper arc of radius 1.6 about (−0.8, −0.4),
/// above y = −0.4, and the lower arc of radius 1.6 about (0.8, 0.4), below y = 0.4.
pub fn on_moons(points: &[f64], radius: f64) -> f64 {
    const R: f64 = 1.6;
    let arc = |x: f64, y: f64, cx: f64, cy: f64, upper: bool| -> f64 {
        let (dx, dy) = (x - cx, y - cy);
        if (upper && dy >= 0.0) || (!upper && dy <= 0.0) {
            ((dx * dx + dy * dy).sqrt() - R).abs()
        } else {
            // nearest end of the half circle
            let a = ((dx - R).powi(2) + dy * dy).sqrt();
            let b = ((dx + R).powi(2) + dy * dy).sqrt();
            a.min(b)
        }
    };
    let n = points.len() / PLANE_DIM;
    if n == 0 {
        return 0.0;
    }
    let on = points
        .chunks_exact(PLANE_DIM)
        .filter(|p| arc(p[0], p[1], -0.8, -0.4, true).min(arc(p[0], p[1], 0.8, 0.4, false)) <= radius)
        .count();
    on as f64 / n as f64
}

/// What a generated question asks for, at the step x_t → x_{t−1} of one sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ask {
    /// μ_θ(x_t, t), the mean of p_θ(x_{t−1} | x_t).
    Mean,
    /// x̂_0, the clean point the model believes x_t came from.
    X0,
    /// σ_t, the standard deviation of the step's noise.
    Sigma,
}

impl Ask {
    pub fn name(self) -> &'static str {
        match self {
            Ask::Mean => "mean",
            Ask::X0 => "x0",
            Ask::Sigma => "sigma",
        }
    }
    /// The symbol the widget shows for what is asked.
    pub fn tex(self) -> &'static str {
        match self {
            Ask::Mean => r"\mu_\theta",
            Ask::X0 => r"\hat x_0",
            Ask::Sigma => r"\sigma_t",
        }
    }
}

/// A numeric question made from a real chain: the shipped model of (`dataset`,
/// `parameterization`) runs one sample from x_T down to `t`; the student sees x_t, t, β_t, ᾱ_t,
/// ᾱ_{t−1} and the network's output there, and computes `ask` for one coordinate. The right
/// number is what the sampler itself computes.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Generate {
    #[schemars(schema_with = "dataset_schema")]
    pub dataset: String,
    #[schemars(schema_with = "parameterization_schema")]
    pub parameterization: String,
    /// The chain's variance (the model's default when absent); `sigma` needs a fixed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "variance_schema")]
    pub variance: Option<String>,
    /// Sampling steps of the chain (the page's default for the model when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u64>,
    /// The step asked about: x_t → x_{t−1}, from 2 to `steps`.
    pub t: u64,
    pub ask: Ask,
    /// Which coordinate is asked for: 1 or 2 (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinate: Option<u64>,
    /// The chain's seed; when absent each student (and each reset) gets a new draw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
    /// Significant digits of the numbers shown (3 to 10; 6 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<u8>,
}

fn names_schema(names: Vec<&'static str>) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        enum_values: Some(names.into_iter().map(Value::from).collect()),
        ..Default::default()
    }
    .into()
}
fn dataset_schema(_: &mut SchemaGenerator) -> Schema {
    names_schema(Dataset::PLANE.iter().map(|d| d.name()).collect())
}
fn parameterization_schema(_: &mut SchemaGenerator) -> Schema {
    names_schema(Parameterization::ALL.iter().map(|p| p.name()).collect())
}
fn variance_schema(_: &mut SchemaGenerator) -> Schema {
    names_schema(Variance::ALL.iter().map(|v| v.name()).collect())
}

/// The JSON Schema of the quiz format, as published in `www/quiz/quiz.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(QuizFile);
    serde_json::to_string_pretty(&schema).expect("a schema serializes") + "\n"
}

/// A field that is missing or wrong: its path in the question (or the file) and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn join(prefix: &str, field: &str) -> String {
    match (prefix, field) {
        ("", f) | (".", f) => f.to_string(),
        (p, "") | (p, ".") => p.to_string(),
        (p, f) if f.starts_with('[') => format!("{p}{f}"),
        (p, f) => format!("{p}.{f}"),
    }
}

/// Deserializes `value` as a `T`, naming the path of the first field that does not fit.
fn de<T: DeserializeOwned>(value: &Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        match inner.strip_prefix("missing field `").and_then(|s| s.strip_suffix('`')) {
            Some(name) => FieldError::new(join(&path, name), "is missing"),
            None => FieldError::new(if path == "." { String::new() } else { path }, inner),
        }
    })
}

/// A question that could not be used: which one and which field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuestionError {
    /// 0-based position in `questions`.
    pub index: usize,
    /// Its id, when it has a string one.
    pub id: Option<String>,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for QuestionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "question {}", self.index + 1)?;
        if let Some(id) = &self.id {
            write!(f, " (\"{id}\")")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ", field \"{}\": {}", self.field, self.message)
        }
    }
}

/// A file that is not a quiz at all (not JSON, no id, no questions).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuizError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for QuizError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "the quiz {}", self.message)
        } else {
            write!(f, "the quiz's field \"{}\" {}", self.field, self.message)
        }
    }
}

/// A generated question's chain, resolved against the catalog.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenSpec {
    pub dataset: Dataset,
    pub parameterization: Parameterization,
    pub variance: Variance,
    pub steps: usize,
    pub t: usize,
    pub ask: Ask,
    /// 1-based.
    pub coordinate: usize,
    pub seed: Option<u32>,
    pub digits: u8,
    /// The shipped weights file, under `weights/`.
    pub weights: String,
}

/// A question that passed every check.
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    pub question: Question,
    #[serde(skip)]
    pub generate: Option<GenSpec>,
}

impl Checked {
    pub fn id(&self) -> &str {
        &self.question.common.id
    }
    pub fn points(&self) -> u32 {
        self.question.common.points.unwrap_or(1)
    }
}

/// One entry of `questions`: usable, or why not.
#[derive(Clone, Debug)]
pub enum Slot {
    Ok(Box<Checked>),
    Err(QuestionError),
}

/// A quiz whose file parsed: its questions each usable or not.
#[derive(Clone, Debug)]
pub struct Quiz {
    pub id: String,
    pub title: Text,
    pub slots: Vec<Slot>,
}

impl Quiz {
    /// The question at `index` if it is usable.
    pub fn question(&self, index: usize) -> Result<&Checked, String> {
        match self.slots.get(index) {
            Some(Slot::Ok(q)) => Ok(q),
            Some(Slot::Err(e)) => Err(e.to_string()),
            None => Err(format!("the quiz has no question {}", index + 1)),
        }
    }
    /// The sum of the usable questions' points.
    pub fn max_score(&self) -> u32 {
        self.slots
            .iter()
            .map(|s| match s {
                Slot::Ok(q) => q.points(),
                Slot::Err(_) => 0,
            })
            .sum()
    }
    /// Every question's error, in order.
    pub fn errors(&self) -> Vec<&QuestionError> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Err(e) => Some(e),
                Slot::Ok(_) => None,
            })
            .collect()
    }
}

fn check_id(field: &str, id: &str) -> Result<(), FieldError> {
    if id.is_empty()
        || id.chars().count() > MAX_ID
        || !id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(FieldError::new(
            field,
            format!("\"{id}\" must be 1 to {MAX_ID} letters, digits, '.', '_' or '-'"),
        ));
    }
    Ok(())
}

/// Ids of a list of choices or items: valid and unique. Returns them in order.
fn check_ids<'a>(field: &str, ids: impl Iterator<Item = &'a str>) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for (k, id) in ids.enumerate() {
        let f = format!("{field}[{k}].id");
        check_id(&f, id)?;
        if let Some(j) = out.iter().position(|o| o == id) {
            return Err(FieldError::new(f, format!("repeats the id \"{id}\" of {field}[{j}]")));
        }
        out.push(id.to_string());
    }
    Ok(out)
}

fn check_count(field: &str, n: usize, least: usize) -> Result<(), FieldError> {
    if n < least || n > MAX_OPTIONS {
        return Err(FieldError::new(
            field,
            format!("has {n} entries: it needs {least} to {MAX_OPTIONS}"),
        ));
    }
    Ok(())
}

fn check_link(link: &str) -> Result<(), FieldError> {
    let field = "link";
    if link.is_empty() || link.chars().count() > MAX_LINK {
        return Err(FieldError::new(field, format!("must be 1 to {MAX_LINK} characters")));
    }
    if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(field, "must not contain spaces or control characters"));
    }
    // a scheme is letters, digits, '+', '-', '.' before the first ':' that precedes any '/', '?' or '#'
    if let Some(colon) = link.find(':') {
        let head = &link[..colon];
        let is_scheme = head.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && head.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if is_scheme && !matches!(head.to_ascii_lowercase().as_str(), "http" | "https") {
            return Err(FieldError::new(
                field,
                format!("\"{link}\" must be a relative address or an http(s) one"),
            ));
        }
    }
    Ok(())
}

fn choices_checked(choices: &[Choice]) -> Result<Vec<String>, FieldError> {
    check_count("choices", choices.len(), 2)?;
    let ids = check_ids("choices", choices.iter().map(|c| c.id.as_str()))?;
    for (k, c) in choices.iter().enumerate() {
        c.text.check(&format!("choices[{k}].text"))?;
        if let Some(f) = &c.feedback {
            f.check(&format!("choices[{k}].feedback"))?;
        }
    }
    Ok(ids)
}

fn items_checked(field: &str, items: &[Item], least: usize) -> Result<Vec<String>, FieldError> {
    check_count(field, items.len(), least)?;
    let ids = check_ids(field, items.iter().map(|c| c.id.as_str()))?;
    for (k, c) in items.iter().enumerate() {
        c.text.check(&format!("{field}[{k}].text"))?;
    }
    Ok(ids)
}

fn one_of(id: &str, ids: &[String], what: &str) -> Result<(), String> {
    if ids.iter().any(|i| i == id) {
        Ok(())
    } else {
        Err(format!("\"{id}\" is not the id of {what} ({})", ids.join(", ")))
    }
}

fn check_body(body: &Body) -> Result<(), FieldError> {
    match body {
        Body::Single(b) => {
            let ids = choices_checked(&b.choices)?;
            one_of(&b.answer, &ids, "a choice").map_err(|m| FieldError::new("answer", m))
        }
        Body::Multiple(b) => {
            let ids = choices_checked(&b.choices)?;
            if b.answer.is_empty() {
                return Err(FieldError::new("answer", "names no choice: at least one is right"));
            }
            let mut seen = BTreeSet::new();
            for (k, a) in b.answer.iter().enumerate() {
                let f = format!("answer[{k}]");
                one_of(a, &ids, "a choice").map_err(|m| FieldError::new(&f, m))?;
                if !seen.insert(a) {
                    return Err(FieldError::new(f, format!("names \"{a}\" twice")));
                }
            }
            Ok(())
        }
        Body::Order(b) => {
            let ids = items_checked("items", &b.items, 2)?;
            let mut seen = BTreeSet::new();
            for (k, a) in b.answer.iter().enumerate() {
                let f = format!("answer[{k}]");
                one_of(a, &ids, "an item").map_err(|m| FieldError::new(&f, m))?;
                if !seen.insert(a.as_str()) {
                    return Err(FieldError::new(f, format!("names \"{a}\" twice")));
                }
            }
            if let Some(missing) = ids.iter().find(|i| !seen.contains(i.as_str())) {
                return Err(FieldError::new("answer", format!("leaves out the item \"{missing}\"")));
            }
            Ok(())
        }
        Body::Match(b) => {
            let left = items_checked("left", &b.left, 1)?;
            let right = items_checked("right", &b.right, 2)?;
            for key in b.answer.keys() {
                one_of(key, &left, "a left entry").map_err(|m| FieldError::new(join("answer", key), m))?;
            }
            for l in &left {
                let value = b
                    .answer
                    .get(l)
                    .ok_or_else(|| FieldError::new("answer", format!("gives no match for the left entry \"{l}\"")))?;
                one_of(value, &right, "a right entry").map_err(|m| FieldError::new(join("answer", l), m))?;
            }
            Ok(())
        }
        Body::Numeric(b) => {
            if !(b.tolerance.is_finite() && b.tolerance > 0.0) {
                return Err(FieldError::new("tolerance", format!("{} must be above 0", b.tolerance)));
            }
            match (b.answer, &b.generate) {
                (Some(_), Some(_)) => Err(FieldError::new(
                    "generate",
                    "a numeric question has either \"answer\" or \"generate\", not both",
                )),
                (None, None) => Err(FieldError::new("answer", "is missing (or give \"generate\")")),
                _ => Ok(()),
            }
        }
        Body::Chain(b) => check_id("for", &b.chain),
    }
}

/// Resolves `generate` against the catalog: a shipped model, an allowed variance, a step inside
/// the chain, and a question that is not the network's own output.
pub fn resolve_generate(g: &Generate) -> Result<GenSpec, FieldError> {
    let f = |name: &str| format!("generate.{name}");
    let dataset: Dataset = g
        .dataset
        .parse()
        .map_err(|m: String| FieldError::new(f("dataset"), m))?;
    // the generated questions are about a point in the plane and its coordinates
    if !dataset.is_plane() {
        let plane: Vec<&str> = Dataset::PLANE.iter().map(|d| d.name()).collect();
        return Err(FieldError::new(
            f("dataset"),
            format!(
                "'{dataset}' is not a world in the plane: expected one of {}",
                plane.join(", ")
            ),
        ));
    }
    let parameterization: Parameterization = g
        .parameterization
        .parse()
        .map_err(|m: String| FieldError::new(f("parameterization"), m))?;
    let model = catalog::models()
        .iter()
        .find(|m| m.dataset == dataset && m.parameterization == parameterization)
        .ok_or_else(|| {
            let shipped: Vec<String> = catalog::shipped_parameterizations(dataset)
                .iter()
                .map(|p| p.to_string())
                .collect();
            FieldError::new(
                f("parameterization"),
                format!(
                    "no '{parameterization}' model is shipped for '{dataset}' (shipped: {})",
                    shipped.join(", ")
                ),
            )
        })?;
    let variance = match &g.variance {
        None => parameterization.default_variance(),
        Some(v) => {
            let v: Variance = v.parse().map_err(|m: String| FieldError::new(f("variance"), m))?;
            check_combination(parameterization, v).map_err(|m| FieldError::new(f("variance"), m))?;
            v
        }
    };
    let steps = match g.steps {
        None => catalog::default_steps(parameterization),
        Some(s) if catalog::STEPS.contains(s) => s,
        Some(s) => {
            return Err(FieldError::new(
                f("steps"),
                format!("{s} must be {}", catalog::STEPS.accepts()),
            ))
        }
    } as usize;
    if !(2..=steps as u64).contains(&g.t) {
        return Err(FieldError::new(
            f("t"),
            format!(
                "{} must be a step of the chain from 2 to {steps} (at t = 1 no noise is added)",
                g.t
            ),
        ));
    }
    let own = match parameterization {
        Parameterization::Mean | Parameterization::MeanVariance => Some(Ask::Mean),
        Parameterization::X0 => Some(Ask::X0),
        _ => None,
    };
    if own == Some(g.ask) {
        return Err(FieldError::new(
            f("ask"),
            format!(
                "\"{}\" is what a '{parameterization}' model outputs itself: ask for something the student computes",
                g.ask.name()
            ),
        ));
    }
    if g.ask == Ask::Sigma && variance == Variance::Learned {
        return Err(FieldError::new(
            f("ask"),
            "\"sigma\" needs a fixed variance (fixed-small or fixed-large): set \"variance\"",
        ));
    }
    let coordinate = g.coordinate.unwrap_or(1);
    if !(1..=PLANE_DIM as u64).contains(&coordinate) {
        return Err(FieldError::new(
            f("coordinate"),
            format!("{coordinate} must be from 1 to {PLANE_DIM}"),
        ));
    }
    let digits = g.digits.unwrap_or(DIGITS.2);
    if !(DIGITS.0..=DIGITS.1).contains(&digits) {
        return Err(FieldError::new(
            f("digits"),
            format!("{digits} must be from {} to {}", DIGITS.0, DIGITS.1),
        ));
    }
    Ok(GenSpec {
        dataset,
        parameterization,
        variance,
        steps,
        t: g.t as usize,
        ask: g.ask,
        coordinate: coordinate as usize,
        seed: g.seed,
        digits,
        weights: model.file.clone(),
    })
}

/// Checks one entry of `questions`; `seen` holds the ids of the questions before it.
fn check_question(value: &Value, seen: &BTreeSet<String>) -> Result<Checked, FieldError> {
    if !value.is_object() {
        return Err(FieldError::new("", "must be an object"));
    }
    let common: Common = de(value)?;
    check_id("id", &common.id)?;
    if seen.contains(&common.id) {
        return Err(FieldError::new(
            "id",
            format!("\"{}\" is the id of an earlier question", common.id),
        ));
    }
    common.prompt.check("prompt")?;
    common.explanation.check("explanation")?;
    if let Some(h) = &common.hint {
        h.check("hint")?;
    }
    if let Some(l) = &common.link {
        check_link(l)?;
    }
    if let Some(p) = common.points {
        if !(1..=MAX_POINTS).contains(&p) {
            return Err(FieldError::new("points", format!("{p} must be from 1 to {MAX_POINTS}")));
        }
    }
    let kind = match value.get("type") {
        None => return Err(FieldError::new("type", "is missing")),
        Some(Value::String(s)) if TYPES.contains(&s.as_str()) => s.as_str(),
        Some(other) => {
            return Err(FieldError::new(
                "type",
                format!("{other} must be one of {}", TYPES.join(", ")),
            ))
        }
    };
    let body = match kind {
        "single" => Body::Single(de(value)?),
        "multiple" => Body::Multiple(de(value)?),
        "order" => Body::Order(de(value)?),
        "match" => Body::Match(de(value)?),
        "chain" => Body::Chain(de(value)?),
        _ => Body::Numeric(de(value)?),
    };
    check_body(&body)?;
    let generate = match &body {
        Body::Numeric(NumericBody { generate: Some(g), .. }) => Some(resolve_generate(g)?),
        _ => None,
    };
    Ok(Checked {
        question: Question { common, body },
        generate,
    })
}

/// Reads a quiz file. A file that is not a quiz at all is an `Err`; otherwise each question is
/// usable or carries the error that names its field.
pub fn parse(text: &str) -> Result<Quiz, QuizError> {
    let qe = |field: &str, message: String| QuizError {
        field: field.to_string(),
        message,
    };
    if text.len() > MAX_BYTES {
        return Err(qe("", format!("is larger than {MAX_BYTES} bytes")));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| qe("", format!("is not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| qe("", "must be a JSON object".into()))?;
    let id = match object.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(qe("id", "must be a string".into())),
        None => return Err(qe("id", "is missing".into())),
    };
    check_id("id", &id).map_err(|e| qe("id", e.message))?;
    let title: Text = match object.get("title") {
        None => return Err(qe("title", "is missing".into())),
        Some(t) => de(t).map_err(|e| qe("title", e.message))?,
    };
    title.check("title").map_err(|e| qe(&e.field, e.message))?;
    let questions = match object.get("questions") {
        None => return Err(qe("questions", "is missing".into())),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(qe("questions", "must be a list of questions".into())),
    };
    if questions.is_empty() || questions.len() > MAX_QUESTIONS {
        return Err(qe(
            "questions",
            format!("has {} questions: a quiz has 1 to {MAX_QUESTIONS}", questions.len()),
        ));
    }
    let mut seen = BTreeSet::new();
    let slots = questions
        .iter()
        .enumerate()
        .map(|(index, value)| match check_question(value, &seen) {
            Ok(q) => {
                seen.insert(q.id().to_string());
                Slot::Ok(Box::new(q))
            }
            Err(e) => Slot::Err(QuestionError {
                index,
                id: value.get("id").and_then(Value::as_str).map(str::to_string),
                field: e.field,
                message: e.message,
            }),
        })
        .collect();
    Ok(Quiz { id, title, slots })
}

/// The order an ordering question's items are first shown in: a shuffle fixed by the quiz and
/// question ids (the same on every visit), never the right order.
pub fn shown_order(quiz_id: &str, q: &Checked) -> Vec<String> {
    let Body::Order(b) = &q.question.body else {
        return Vec::new();
    };
    let mut ids: Vec<String> = b.items.iter().map(|i| i.id.clone()).collect();
    // FNV-1a of the ids, then a linear congruential Fisher–Yates
    let mut state = format!("{quiz_id}/{}", q.id())
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        });
    for k in (1..ids.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = ((state >> 33) % (k as u64 + 1)) as usize;
        ids.swap(k, j);
    }
    if ids == b.answer {
        ids.rotate_left(1);
    }
    ids
}

/// One number (or vector) a generated question shows, with its symbol.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shown {
    pub symbol: &'static str,
    pub values: Vec<f64>,
}

/// A generated question as one student sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub seed: u32,
    pub t: usize,
    pub steps: usize,
    /// The numbers shown, rounded to the question's significant digits.
    pub shown: Vec<Shown>,
    /// The symbol of what is asked, and its coordinate (1-based).
    pub asked: &'static str,
    pub coordinate: usize,
    /// The right number, in full precision: what the sampler computes.
    pub answer: f64,
    pub tolerance: f64,
}

/// `x` rounded to `digits` significant digits.
pub fn round_significant(x: f64, digits: u8) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let p = digits as i32 - 1 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(p);
    (x * scale).round() / scale
}

/// The symbol of the network's output for each parameterization.
pub fn output_symbol(p: Parameterization) -> &'static str {
    match p {
        Parameterization::Epsilon | Parameterization::EpsilonVariance => r"\hat\varepsilon",
        Parameterization::X0 => r"\hat x_0",
        Parameterization::V => r"\hat v",
        Parameterization::Mean | Parameterization::MeanVariance => r"\mu_\theta",
    }
}

/// Makes one student's generated question: loads the shipped `weights` the spec names, runs the
/// chain of `seed` (the spec's own seed wins) from x_T down to x_t with the sampler's own code
/// (`Chain::step`), and reads the step's numbers with `Chain::inspect`, which computes them as
/// `Chain::step` does.
pub fn generate(spec: &GenSpec, tolerance: f64, weights: &[u8], seed: u32) -> Result<Instance, String> {
    let model = Denoiser::from_safetensors(weights).map_err(|e| e.to_string())?;
    let config = model.config.clone();
    if config.parameterization != spec.parameterization || config.dataset != spec.dataset.name() {
        return Err(format!(
            "these weights hold a '{}' model of '{}', not the '{}' model of '{}' the question names",
            config.parameterization, config.dataset, spec.parameterization, spec.dataset
        ));
    }
    let schedule = Schedule::respaced(config.schedule, config.timesteps, spec.steps)?;
    let seed = spec.seed.unwrap_or(seed);
    let options = ChainOptions {
        variance: spec.variance,
        steps: spec.steps,
        samples: 1,
        seed: seed as u64,
        keep_history: false,
    };
    let mut chain = Chain::new(model, schedule, &options)?;
    while chain.t() > spec.t {
        chain.step()?;
    }
    let ins = chain.inspect(0)?;
    let c = &ins.coefficients;
    let dim = ins.x_t.len();
    let round = |v: &[f64]| v.iter().map(|&x| round_significant(x, spec.digits)).collect::<Vec<_>>();
    let shown = vec![
        Shown {
            symbol: "t",
            values: vec![spec.t as f64],
        },
        Shown {
            symbol: "x_t",
            values: round(&ins.x_t),
        },
        Shown {
            symbol: r"\beta_t",
            values: round(&[c.beta]),
        },
        Shown {
            symbol: r"\bar\alpha_t",
            values: round(&[c.alpha_bar]),
        },
        Shown {
            symbol: r"\bar\alpha_{t-1}",
            values: round(&[c.alpha_bar_prev]),
        },
        Shown {
            symbol: output_symbol(spec.parameterization),
            values: round(&ins.raw[..dim]),
        },
    ];
    let k = spec.coordinate - 1;
    let answer = match spec.ask {
        Ask::Mean => ins.mean[k],
        Ask::X0 => ins.x0[k],
        Ask::Sigma => ins.sigma[k],
    };
    Ok(Instance {
        seed,
        t: spec.t,
        steps: spec.steps,
        shown,
        asked: spec.ask.tex(),
        coordinate: spec.coordinate,
        answer,
        tolerance,
    })
}

/// Reads a number as a student types it: a decimal point or a decimal comma, an optional sign
/// (also '−'), an optional exponent.
pub fn parse_number(text: &str) -> Result<f64, String> {
    let mut s = text.trim().replace('\u{2212}', "-");
    if s.contains(',') && !s.contains('.') && s.matches(',').count() == 1 {
        s = s.replace(',', ".");
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && !s.is_empty() && !s.to_ascii_lowercase().contains("inf") => Ok(x),
        _ => Err(format!("\"{text}\" is not a number")),
    }
}

/// A graded answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Graded {
    pub correct: bool,
    pub score: u32,
    pub max_score: u32,
    /// The response in xAPI's form (`a[,]b`, `l[.]r[,]…`, a number).
    pub response: String,
    /// The response as the widget keeps it (ids, or the number read).
    pub value: Value,
    /// The ids of the picked choices (single, multiple), whose feedback the widget shows.
    pub picked: Vec<String>,
}

fn str_list(v: &Value, what: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .ok_or_else(|| format!("the response must be a list of {what} ids"))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("the response must be a list of {what} ids"))
        })
        .collect()
}

/// Grades `response` to question `q` (`instance`: the student's generated numbers, for a
/// generated question). Responses: single, the choice id; multiple, a list of choice ids;
/// order, the item ids in the student's order; match, an object of left id → right id;
/// numeric, a number or the text typed.
pub fn grade(q: &Checked, response: &Value, instance: Option<&Instance>) -> Result<Graded, String> {
    let (correct, text, value, picked) = match &q.question.body {
        Body::Single(b) => {
            let id = response.as_str().ok_or("the response must be a choice id")?;
            let ids: Vec<String> = b.choices.iter().map(|c| c.id.clone()).collect();
            one_of(id, &ids, "a choice")?;
            (id == b.answer, id.to_string(), json!(id), vec![id.to_string()])
        }
        Body::Multiple(b) => {
            let mut got = str_list(response, "choice")?;
            let ids: Vec<String> = b.choices.iter().map(|c| c.id.clone()).collect();
            for g in &got {
                one_of(g, &ids, "a choice")?;
            }
            // in the choices' order, once each
            got = ids.iter().filter(|i| got.contains(i)).cloned().collect();
            let want: BTreeSet<&String> = b.answer.iter().collect();
            let correct = got.iter().collect::<BTreeSet<_>>() == want;
            (correct, got.join("[,]"), json!(got), got)
        }
        Body::Order(b) => {
            let got = str_list(response, "item")?;
            let ids: Vec<String> = b.items.iter().map(|c| c.id.clone()).collect();
            let mut sorted = got.clone();
            sorted.sort();
            let mut all = ids.clone();
            all.sort();
            if sorted != all {
                return Err(format!("the response must list every item once ({})", ids.join(", ")));
            }
            (got == b.answer, got.join("[,]"), json!(got), Vec::new())
        }
        Body::Match(b) => {
            let map = response
                .as_object()
                .ok_or("the response must be an object of left id → right id")?;
            let right: Vec<String> = b.right.iter().map(|c| c.id.clone()).collect();
            let mut pairs = Vec::new();
            let mut out = Map::new();
            for l in &b.left {
                if let Some(r) = map.get(&l.id).and_then(Value::as_str) {
                    one_of(r, &right, "a right entry")?;
                    pairs.push(format!("{}[.]{r}", l.id));
                    out.insert(l.id.clone(), json!(r));
                }
            }
            let correct = b
                .left
                .iter()
                .all(|l| map.get(&l.id).and_then(Value::as_str) == b.answer.get(&l.id).map(String::as_str));
            (correct, pairs.join("[,]"), Value::Object(out), Vec::new())
        }
        Body::Numeric(b) => {
            let x = match response {
                Value::Number(n) => n.as_f64().ok_or("the response must be a number")?,
                Value::String(s) => parse_number(s)?,
                _ => return Err("the response must be a number".into()),
            };
            let (answer, tolerance) = match (&q.generate, instance) {
                (Some(_), Some(i)) => (i.answer, i.tolerance),
                (Some(_), None) => return Err("this question's numbers have not been generated yet".into()),
                (None, _) => (b.answer.unwrap_or(f64::NAN), b.tolerance),
            };
            ((x - answer).abs() <= tolerance, format!("{x}"), json!(x), Vec::new())
        }
        Body::Chain(b) => {
            let state: ChainState = serde_json::from_value(response.clone())
                .map_err(|e| format!("the chain's state is not readable: {e}"))?;
            let (correct, text, value) = grade_chain(b.task, &state)?;
            (correct, text, value, Vec::new())
        }
    };
    let max_score = q.points();
    Ok(Graded {
        correct,
        score: if correct { max_score } else { 0 },
        max_score,
        response: text,
        value,
        picked,
    })
}

/// What the widget reads from the chain for a [`Body::Chain`] question (the response it passes
/// to [`grade`]): its t and steps, the dataset it shows, the selected sample, every sample's x_t
/// (`positions`, [x0, y0, x1, y1, …]) and, for [`Task::Furthest`], every sample's x̂_0 (`x0`, the
/// same layout, from the chain's own `inspect`).
#[derive(Clone, Debug, Deserialize)]
pub struct ChainState {
    pub t: usize,
    pub steps: usize,
    pub dataset: String,
    #[serde(default)]
    pub selected: usize,
    pub positions: Vec<f64>,
    #[serde(default)]
    pub x0: Option<Vec<f64>>,
}

/// Grades a chain task from the chain's state: (right, the xAPI response, what the widget keeps
/// and shows: t, the measure, the best sample).
pub fn grade_chain(task: Task, s: &ChainState) -> Result<(bool, String, Value), String> {
    if s.positions.is_empty()
        || !s.positions.len().is_multiple_of(PLANE_DIM)
        || s.positions.iter().any(|v| !v.is_finite())
    {
        return Err("the chain's positions must be finite pairs".into());
    }
    if s.t > s.steps {
        return Err(format!("t = {} is past the chain's {} steps", s.t, s.steps));
    }
    match task {
        Task::Separate => {
            if s.dataset != Dataset::Moons.name() {
                return Err(format!(
                    "this question needs a chain of the '{}' dataset, not '{}'",
                    Dataset::Moons.name(),
                    s.dataset
                ));
            }
            let share = on_moons(&s.positions, SEPARATE.radius);
            let correct = (SEPARATE.fraction..SEPARATE.fraction + SEPARATE.band).contains(&share);
            let side = if share < SEPARATE.fraction {
                "before"
            } else if correct {
                "first"
            } else {
                "after"
            };
            Ok((
                correct,
                format!("t={}", s.t),
                json!({ "t": s.t, "share": share, "side": side }),
            ))
        }
        Task::Furthest => {
            if s.t == 0 {
                return Err("at t = 0 there is no next step, so no x̂_0: go back to a t above 0".into());
            }
            let x0 = s.x0.as_ref().ok_or("the chain's x̂_0 of every sample is missing")?;
            if x0.len() != s.positions.len() || x0.iter().any(|v| !v.is_finite()) {
                return Err("the chain's x̂_0 must be one finite pair per sample".into());
            }
            let n = s.positions.len() / PLANE_DIM;
            if s.selected >= n {
                return Err(format!("sample {} does not exist: the chain has {n}", s.selected));
            }
            let dist: Vec<f64> = s
                .positions
                .chunks_exact(PLANE_DIM)
                .zip(x0.chunks_exact(PLANE_DIM))
                .map(|(x, h)| x.iter().zip(h).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt())
                .collect();
            let (best, far) =
                dist.iter().copied().enumerate().fold(
                    (0, f64::NEG_INFINITY),
                    |acc, (i, d)| if d > acc.1 { (i, d) } else { acc },
                );
            let mine = dist[s.selected];
            let correct = mine >= (1.0 - FURTHEST_TOLERANCE) * far;
            Ok((
                correct,
                format!("sample={}", s.selected),
                json!({ "t": s.t, "sample": s.selected, "distance": mine, "best": best, "bestDistance": far }),
            ))
        }
    }
}

/// The right answer: what "show solution" shows and what a course tool is told.
pub fn solution(q: &Checked, instance: Option<&Instance>) -> Value {
    match &q.question.body {
        Body::Single(b) => json!(b.answer),
        Body::Multiple(b) => json!(b.answer),
        Body::Order(b) => json!(b.answer),
        Body::Match(b) => json!(b.answer),
        Body::Numeric(b) => match (&q.generate, instance) {
            (Some(_), Some(i)) => json!(i.answer),
            (Some(_), None) => Value::Null,
            (None, _) => json!(b.answer),
        },
        // it depends on the chain's state: the widget states the rule, and a graded answer
        // carries the best sample
        Body::Chain(_) => Value::Null,
    }
}

pub const XAPI_ANSWERED: &str = "http://adlnet.gov/expapi/verbs/answered";
pub const XAPI_INTERACTION: &str = "http://adlnet.gov/expapi/activities/cmi.interaction";
pub const XAPI_ASSESSMENT: &str = "http://adlnet.gov/expapi/activities/assessment";

/// The xAPI interaction type of a question.
pub fn interaction_type(body: &Body) -> &'static str {
    match body {
        Body::Single(_) | Body::Multiple(_) => "choice",
        Body::Order(_) => "sequencing",
        Body::Match(_) => "matching",
        Body::Numeric(_) => "numeric",
        Body::Chain(_) => "performance",
    }
}

/// The activity id of a quiz (`question`: None) or of one of its questions, under the page's
/// address `base` (its fragment dropped).
pub fn activity_id(base: &str, quiz: &str, question: Option<&str>) -> String {
    let base = base.split('#').next().unwrap_or("");
    match question {
        Some(q) => format!("{base}#ptheta-quiz/{quiz}/{q}"),
        None => format!("{base}#ptheta-quiz/{quiz}"),
    }
}

/// The xAPI "answered" statement of one graded answer (no actor: the course tool that collects
/// it knows the learner; no timestamp: the widget adds the time).
pub fn statement(
    quiz: &Quiz,
    q: &Checked,
    graded: &Graded,
    instance: Option<&Instance>,
    base: &str,
    lang: Language,
) -> Value {
    let body = &q.question.body;
    let component = |items: &mut dyn Iterator<Item = (&String, &Text)>| -> Value {
        Value::Array(
            items
                .map(|(id, text)| json!({ "id": id, "description": text.language_map() }))
                .collect(),
        )
    };
    let mut definition = json!({
        "type": XAPI_INTERACTION,
        "name": q.question.common.prompt.language_map(),
        "interactionType": interaction_type(body),
    });
    let pattern = match body {
        Body::Single(b) => {
            definition["choices"] = component(&mut b.choices.iter().map(|c| (&c.id, &c.text)));
            Some(b.answer.clone())
        }
        Body::Multiple(b) => {
            definition["choices"] = component(&mut b.choices.iter().map(|c| (&c.id, &c.text)));
            Some(
                b.choices
                    .iter()
                    .filter(|c| b.answer.contains(&c.id))
                    .map(|c| c.id.clone())
                    .collect::<Vec<_>>()
                    .join("[,]"),
            )
        }
        Body::Order(b) => {
            definition["choices"] = component(&mut b.items.iter().map(|c| (&c.id, &c.text)));
            Some(b.answer.join("[,]"))
        }
        Body::Match(b) => {
            definition["source"] = component(&mut b.left.iter().map(|c| (&c.id, &c.text)));
            definition["target"] = component(&mut b.right.iter().map(|c| (&c.id, &c.text)));
            Some(
                b.left
                    .iter()
                    .map(|l| format!("{}[.]{}", l.id, b.answer[&l.id]))
                    .collect::<Vec<_>>()
                    .join("[,]"),
            )
        }
        Body::Numeric(b) => {
            let (answer, tolerance) = match (&q.generate, instance) {
                (Some(_), Some(i)) => (i.answer, i.tolerance),
                _ => (b.answer.unwrap_or(f64::NAN), b.tolerance),
            };
            Some(format!("{}[:]{}", answer - tolerance, answer + tolerance))
        }
        // the right response depends on the chain the student acted on: no fixed pattern
        Body::Chain(_) => None,
    };
    if let Some(pattern) = pattern {
        definition["correctResponsesPattern"] = json!([pattern]);
    }
    json!({
        "verb": { "id": XAPI_ANSWERED, "display": { "en-US": "answered" } },
        "object": {
            "objectType": "Activity",
            "id": activity_id(base, &quiz.id, Some(q.id())),
            "definition": definition,
        },
        "result": {
            "success": graded.correct,
            "response": graded.response,
            "score": {
                "raw": graded.score,
                "min": 0,
                "max": graded.max_score,
                "scaled": graded.score as f64 / graded.max_score as f64,
            },
        },
        "context": {
            "language": lang.name(),
            "contextActivities": {
                "parent": [{
                    "objectType": "Activity",
                    "id": activity_id(base, &quiz.id, None),
                    "definition": { "type": XAPI_ASSESSMENT, "name": quiz.title.language_map() },
                }],
            },
        },
    })
}

/// What the widget draws, in one language: every question usable (texts resolved, items in
/// their shown order, the solution) or its error.
pub fn view(quiz: &Quiz, lang: Language) -> Value {
    let text = |t: &Text| json!(t.get(lang));
    let opt = |t: &Option<Text>| t.as_ref().map(|t| json!(t.get(lang))).unwrap_or(Value::Null);
    let item = |id: &String, t: &Text| json!({ "id": id, "text": text(t) });
    let questions: Vec<Value> = quiz
        .slots
        .iter()
        .enumerate()
        .map(|(index, slot)| match slot {
            Slot::Err(e) => json!({
                "ok": false, "index": index, "id": e.id, "field": e.field, "message": e.message,
                "text": e.to_string(),
            }),
            Slot::Ok(q) => {
                let c = &q.question.common;
                let mut v = json!({
                    "ok": true, "index": index, "id": c.id, "type": q.question.body.type_name(),
                    "prompt": text(&c.prompt), "explanation": text(&c.explanation), "hint": opt(&c.hint),
                    "link": c.link, "points": q.points(), "solution": solution(q, None),
                });
                match &q.question.body {
                    Body::Single(SingleBody { choices, .. }) | Body::Multiple(MultipleBody { choices, .. }) => {
                        v["choices"] = choices
                            .iter()
                            .map(|ch| json!({ "id": ch.id, "text": text(&ch.text), "feedback": opt(&ch.feedback) }))
                            .collect();
                    }
                    Body::Order(b) => {
                        let order = shown_order(&quiz.id, q);
                        v["items"] = order
                            .iter()
                            .filter_map(|id| b.items.iter().find(|i| &i.id == id))
                            .map(|i| item(&i.id, &i.text))
                            .collect();
                    }
                    Body::Match(b) => {
                        v["left"] = b.left.iter().map(|i| item(&i.id, &i.text)).collect();
                        v["right"] = b.right.iter().map(|i| item(&i.id, &i.text)).collect();
                    }
                    Body::Numeric(b) => {
                        v["tolerance"] = json!(b.tolerance);
                        v["generate"] = serde_json::to_value(&q.generate).expect("a spec serializes");
                    }
                    Body::Chain(b) => {
                        v["for"] = json!(b.chain);
                        v["task"] = json!(b.task.name());
                        v["rule"] = match b.task {
                            Task::Separate => json!({
                                "dataset": Dataset::Moons.name(), "radius": SEPARATE.radius,
                                "fraction": SEPARATE.fraction, "band": SEPARATE.band,
                            }),
                            Task::Furthest => json!({ "tolerance": FURTHEST_TOLERANCE }),
                        };
                    }
                }
                v
            }
        })
        .collect();
    json!({
        "id": quiz.id,
        "title": text(&quiz.title),
        "maxScore": quiz.max_score(),
        "questions": questions,
    })
}

/// "Was this clear?" (`<ptheta-feedback>`): the ratings a reader gives, in the order shown.
pub const FEEDBACK_RATINGS: [&str; 2] = ["yes", "no"];
/// Characters of a feedback comment, at most.
pub const MAX_COMMENT: usize = 2000;

/// The detail of a `ptheta-feedback` event: `{ section, rating, clear, comment }` — `section`
/// the id the element names (the same rule as a quiz id), `rating` one of
/// [`FEEDBACK_RATINGS`], `clear` whether it is "yes", `comment` the trimmed text or null when
/// there is none. pθ sends it nowhere: the page that listens decides.
pub fn feedback(section: &str, rating: &str, comment: Option<&str>) -> Result<Value, String> {
    check_id("section", section).map_err(|e| format!("section={}", e.message))?;
    if !FEEDBACK_RATINGS.contains(&rating) {
        return Err(format!(
            "the rating \"{rating}\" must be one of {}",
            FEEDBACK_RATINGS.join(", ")
        ));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if let Some(c) = comment {
        let n = c.chars().count();
        if n > MAX_COMMENT {
            return Err(format!("the comment has {n} characters: at most {MAX_COMMENT}"));
        }
    }
    Ok(json!({
        "section": section,
        "rating": rating,
        "clear": rating == FEEDBACK_RATINGS[0],
        "comment": comment,
    }))
}
