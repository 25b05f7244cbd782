//! Quizzes (src/quiz.rs): every shipped quiz file validates and covers what the lesson promises;
//! the published schema is the one the types generate; broken files name their question and
//! field while the other questions still work; every type grades right and wrong answers; the
//! xAPI statement has the fields course tools read; and generated questions ask for exactly what
//! the sampler computes, for every shipped parameterization, graded within their tolerance.
//!
//! `PTHETA_BLESS=1 cargo test --test quiz` rewrites `www/quiz/quiz.schema.json` from the types.

use ptheta::catalog::{self, Language};
use ptheta::chain::{Chain, ChainOptions};
use ptheta::diffusion::param::{log_variance, sample_prev};
use ptheta::diffusion::rng::{self, Stream};
use ptheta::diffusion::{Parameterization, Schedule, Variance};
use ptheta::model::Denoiser;
use ptheta::quiz::{self, Body, Checked, GenSpec, Instance, Quiz, Slot};
use serde_json::{json, Value};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn quiz_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("www/quiz"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with(".schema.json"))
        .collect();
    files.sort();
    files
}

fn lesson() -> Quiz {
    quiz::parse(&std::fs::read_to_string(root().join("www/quiz/lesson.json")).unwrap()).unwrap()
}

fn usable(q: &Quiz) -> Vec<&Checked> {
    q.slots
        .iter()
        .filter_map(|s| match s {
            Slot::Ok(c) => Some(c.as_ref()),
            Slot::Err(_) => None,
        })
        .collect()
}

#[test]
fn every_shipped_quiz_validates() {
    let files = quiz_files();
    assert!(!files.is_empty(), "www/quiz holds the lesson's quiz");
    for f in files {
        let q = quiz::parse(&std::fs::read_to_string(&f).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let errors: Vec<String> = q.errors().iter().map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {}", f.display(), errors.join("; "));
    }
}

/// Every TEXT of a JSON value, with its path.
fn texts(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    const TEXT_FIELDS: [&str; 6] = ["title", "prompt", "explanation", "hint", "text", "feedback"];
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                if TEXT_FIELDS.contains(&k.as_str()) {
                    out.push((p, x.clone()));
                } else {
                    texts(x, p, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                texts(x, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_lessons_quiz_covers_the_syllabus_in_every_language() {
    let raw: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("www/quiz/lesson.json")).unwrap()).unwrap();
    let mut all = Vec::new();
    texts(&raw, String::new(), &mut all);
    assert!(all.len() > 50, "found the texts");
    for (path, t) in &all {
        for l in Language::ALL {
            assert!(
                t.get(l.name())
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.trim().is_empty()),
                "{path} has no {l} text"
            );
        }
        // the same number of maths spans in each language
        let dollars: Vec<usize> = Language::ALL
            .iter()
            .map(|l| t[l.name()].as_str().unwrap().matches('$').count())
            .collect();
        assert!(
            dollars.windows(2).all(|w| w[0] == w[1]) && dollars[0].is_multiple_of(2),
            "{path}: $ counts {dollars:?}"
        );
    }
    let q = lesson();
    let ok = usable(&q);
    assert!(ok.len() >= 12, "{} questions", ok.len());
    for t in quiz::TYPES {
        assert!(ok.iter().any(|c| c.question.body.type_name() == t), "no {t} question");
    }
    assert!(
        ok.iter().filter(|c| c.generate.is_some()).count() >= 2,
        "two generated questions at least"
    );
    assert!(
        ok.iter().filter(|c| matches!(c.question.body, Body::Match(_))).count() >= 2,
        "parameterizations matched to outputs and to the mean"
    );
    // the source lesson's question, with distractors for each misconception
    let sp = ok
        .iter()
        .find(|c| c.id() == "sampling-procedure")
        .expect("the sampling-procedure question");
    let Body::Single(b) = &sp.question.body else {
        panic!("single choice")
    };
    let ids: Vec<&str> = b.choices.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["noise-down", "upward", "from-q", "one-jump", "from-data"]);
    assert_eq!(b.answer, "noise-down");
    assert!(
        b.choices.iter().skip(1).all(|c| c.feedback.is_some()),
        "every distractor explains itself"
    );
    // the ordering question is the algorithm's lines
    let order = ok.iter().find(|c| matches!(c.question.body, Body::Order(_))).unwrap();
    let Body::Order(o) = &order.question.body else {
        unreachable!()
    };
    assert_eq!(o.answer, ["prior", "loop", "noise", "step", "return"]);
    assert_ne!(
        quiz::shown_order(&q.id, order),
        o.answer,
        "never shown in the right order"
    );
}

#[test]
fn the_published_schema_is_the_one_the_types_generate() {
    let path = root().join("www/quiz/quiz.schema.json");
    let generated = quiz::schema_json();
    if std::env::var("PTHETA_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is not the schema src/quiz.rs generates: run `PTHETA_BLESS=1 cargo test --test quiz`",
        path.display()
    );
    let schema: Value = serde_json::from_str(&generated).unwrap();
    // the names come from the catalog and the types
    let text = schema.to_string();
    for t in quiz::TYPES {
        assert!(text.contains(&format!("\"{t}\"")), "schema names type {t}");
    }
    for p in Parameterization::ALL {
        assert!(text.contains(&format!("\"{p}\"")), "schema names parameterization {p}");
    }
    // control: a schema one field short would not pass
    assert_ne!(generated.replacen("\"tolerance\"", "\"tol\"", 1), committed);
}

/// A valid quiz with one question of each type, to break one field at a time.
fn base() -> Value {
    json!({
        "id": "probe",
        "title": { "en": "Probe", "es": "Sonda" },
        "questions": [
            { "id": "s", "type": "single", "prompt": "P", "explanation": "E",
              "choices": [ { "id": "a", "text": "A", "feedback": "no" }, { "id": "b", "text": "B" } ], "answer": "b" },
            { "id": "m", "type": "multiple", "prompt": "P", "explanation": "E",
              "choices": [ { "id": "a", "text": "A" }, { "id": "b", "text": "B" }, { "id": "c", "text": "C" } ], "answer": ["a", "c"] },
            { "id": "o", "type": "order", "prompt": "P", "explanation": "E",
              "items": [ { "id": "x", "text": "X" }, { "id": "y", "text": "Y" }, { "id": "z", "text": "Z" } ], "answer": ["x", "y", "z"] },
            { "id": "k", "type": "match", "prompt": "P", "explanation": "E",
              "left": [ { "id": "l1", "text": "L1" }, { "id": "l2", "text": "L2" } ],
              "right": [ { "id": "r1", "text": "R1" }, { "id": "r2", "text": "R2" } ], "answer": { "l1": "r2", "l2": "r1" } },
            { "id": "n", "type": "numeric", "prompt": "P", "explanation": "E", "answer": 0.5, "tolerance": 0.01, "unknown": "ignored" },
            { "id": "g", "type": "numeric", "prompt": "P", "explanation": "E", "tolerance": 0.01,
              "generate": { "dataset": "swiss-roll", "parameterization": "epsilon", "t": 20, "ask": "mean" } }
        ]
    })
}

#[test]
fn the_probe_quiz_is_valid() {
    let q = quiz::parse(&base().to_string()).unwrap();
    assert!(q.errors().is_empty(), "{:?}", q.errors());
    assert_eq!(q.max_score(), 6);
}

#[test]
fn a_broken_question_names_its_number_id_and_field_and_the_others_still_work() {
    // (question index, JSON pointer to change, new value or null to remove, field named, words of the message)
    let cases: Vec<(usize, &str, Option<Value>, &str, &str)> = vec![
        (0, "/prompt", None, "prompt", "is missing"),
        (0, "/prompt", Some(json!(3)), "prompt", "must be a text"),
        (
            0,
            "/prompt",
            Some(json!({ "fr": "Bonjour" })),
            "prompt",
            "no text in any of the languages en, es",
        ),
        (
            0,
            "/explanation",
            Some(json!({ "en": "E", "es": " " })),
            "explanation.es",
            "is empty",
        ),
        (
            0,
            "/type",
            Some(json!("essay")),
            "type",
            "must be one of single, multiple, order, match, numeric, chain",
        ),
        (0, "/type", None, "type", "is missing"),
        (0, "/id", Some(json!("has space")), "id", "letters, digits"),
        (1, "/id", Some(json!("s")), "id", "earlier question"),
        (0, "/choices/1/text", None, "choices[1].text", "is missing"),
        (
            0,
            "/choices/1/id",
            Some(json!("a")),
            "choices[1].id",
            "repeats the id \"a\"",
        ),
        (
            0,
            "/choices/0/feedback",
            Some(json!([])),
            "choices[0].feedback",
            "must be a text",
        ),
        (
            0,
            "/answer",
            Some(json!("d")),
            "answer",
            "\"d\" is not the id of a choice (a, b)",
        ),
        (
            0,
            "/choices",
            Some(json!([{ "id": "a", "text": "A" }])),
            "choices",
            "needs 2 to 26",
        ),
        (
            1,
            "/answer/1",
            Some(json!("q")),
            "answer[1]",
            "\"q\" is not the id of a choice",
        ),
        (1, "/answer", Some(json!([])), "answer", "names no choice"),
        (
            2,
            "/answer",
            Some(json!(["x", "y"])),
            "answer",
            "leaves out the item \"z\"",
        ),
        (2, "/answer/2", Some(json!("x")), "answer[2]", "names \"x\" twice"),
        (
            2,
            "/items/2/text",
            Some(json!({ "en": "" })),
            "items[2].text.en",
            "is empty",
        ),
        (3, "/answer/l2", None, "answer", "no match for the left entry \"l2\""),
        (
            3,
            "/answer/l2",
            Some(json!("r9")),
            "answer.l2",
            "\"r9\" is not the id of a right entry",
        ),
        (
            3,
            "/answer/l9",
            Some(json!("r1")),
            "answer.l9",
            "\"l9\" is not the id of a left entry",
        ),
        (4, "/tolerance", Some(json!(-1)), "tolerance", "must be above 0"),
        (4, "/tolerance", Some(json!("small")), "tolerance", "invalid type"),
        (4, "/answer", None, "answer", "is missing (or give \"generate\")"),
        (
            4,
            "/link",
            Some(json!("javascript:alert(1)")),
            "link",
            "relative address or an http(s) one",
        ),
        (4, "/points", Some(json!(0)), "points", "from 1 to 100"),
        (
            5,
            "/generate/dataset",
            Some(json!("mars")),
            "generate.dataset",
            "unknown dataset 'mars'",
        ),
        (
            5,
            "/generate/parameterization",
            Some(json!("x0")),
            "generate.parameterization",
            "no 'x0' model is shipped for 'swiss-roll' (shipped: epsilon)",
        ),
        (5, "/generate/t", Some(json!(1)), "generate.t", "from 2 to 200"),
        (5, "/generate/t", Some(json!(201)), "generate.t", "from 2 to 200"),
        (
            5,
            "/generate/variance",
            Some(json!("learned")),
            "generate.variance",
            "needs a model that predicts its variance",
        ),
        (
            5,
            "/generate/ask",
            Some(json!("mu")),
            "generate.ask",
            "unknown variant `mu`",
        ),
        (
            5,
            "/generate/coordinate",
            Some(json!(3)),
            "generate.coordinate",
            "from 1 to 2",
        ),
        (5, "/generate/steps", Some(json!(0)), "generate.steps", "must be"),
        (5, "/generate/digits", Some(json!(2)), "generate.digits", "from 3 to 10"),
        (5, "/answer", Some(json!(1.0)), "generate", "not both"),
    ];
    for (index, pointer, value, field, words) in cases {
        let mut v = base();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = v.pointer_mut(&format!("/questions/{index}{parent}")).unwrap();
        match (target, value) {
            (Value::Object(m), Some(x)) => {
                m.insert(key.to_string(), x);
            }
            (Value::Object(m), None) => {
                m.remove(key);
            }
            (Value::Array(a), Some(x)) => a[key.parse::<usize>().unwrap()] = x,
            _ => unreachable!(),
        }
        let q = quiz::parse(&v.to_string()).unwrap();
        let errors = q.errors();
        assert_eq!(errors.len(), 1, "{pointer} of question {index}: {errors:?}");
        let e = errors[0];
        assert_eq!((e.index, e.field.as_str()), (index, field), "{pointer}: {e}");
        assert!(
            e.message.contains(words),
            "{pointer}: \"{}\" lacks \"{words}\"",
            e.message
        );
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("question {}", index + 1)) && text.contains(&format!("field \"{field}\"")),
            "{text}"
        );
        assert_eq!(usable(&q).len(), 5, "{pointer}: the other questions still work");
    }
    // the mean model's own output is not a question; sigma needs a fixed variance
    let mut v = base();
    v["questions"][5]["generate"] = json!({ "dataset": "moons", "parameterization": "mean", "t": 20, "ask": "mean" });
    assert_eq!(quiz::parse(&v.to_string()).unwrap().errors()[0].field, "generate.ask");
    v["questions"][5]["generate"] =
        json!({ "dataset": "moons", "parameterization": "mean-variance", "t": 20, "ask": "sigma" });
    assert!(quiz::parse(&v.to_string()).unwrap().errors()[0]
        .message
        .contains("fixed variance"));
}

#[test]
fn a_file_that_is_no_quiz_says_which_field() {
    let cases: Vec<(String, &str, &str)> = vec![
        ("{ not json".into(), "", "is not JSON"),
        ("[]".into(), "", "must be a JSON object"),
        (json!({ "title": "T", "questions": [] }).to_string(), "id", "is missing"),
        (
            json!({ "id": "a b", "title": "T", "questions": [] }).to_string(),
            "id",
            "letters, digits",
        ),
        (json!({ "id": "q", "questions": [] }).to_string(), "title", "is missing"),
        (
            json!({ "id": "q", "title": "T" }).to_string(),
            "questions",
            "is missing",
        ),
        (
            json!({ "id": "q", "title": "T", "questions": {} }).to_string(),
            "questions",
            "must be a list",
        ),
        (
            json!({ "id": "q", "title": "T", "questions": [] }).to_string(),
            "questions",
            "1 to 200",
        ),
        (" ".repeat(quiz::MAX_BYTES + 1), "", "larger than"),
    ];
    for (text, field, words) in cases {
        let e = quiz::parse(&text).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(e.message.contains(words), "{e}");
    }
    // a question that is not an object
    let mut v = base();
    v["questions"][2] = json!("just text");
    let q = quiz::parse(&v.to_string()).unwrap();
    assert_eq!(
        (q.errors()[0].index, q.errors()[0].message.as_str()),
        (2, "must be an object")
    );
}

fn graded(q: &Quiz, index: usize, response: Value) -> quiz::Graded {
    let Slot::Ok(c) = &q.slots[index] else { panic!() };
    quiz::grade(c, &response, None).unwrap()
}

#[test]
fn every_type_grades_right_and_wrong_answers() {
    let q = quiz::parse(&base().to_string()).unwrap();
    let cases = [
        (0, json!("b"), true),
        (0, json!("a"), false),
        (1, json!(["c", "a"]), true),
        (1, json!(["a"]), false),
        (1, json!(["a", "b", "c"]), false),
        (2, json!(["x", "y", "z"]), true),
        (2, json!(["y", "x", "z"]), false),
        (3, json!({ "l1": "r2", "l2": "r1" }), true),
        (3, json!({ "l1": "r2", "l2": "r2" }), false),
        (3, json!({ "l1": "r2" }), false),
        (4, json!(0.505), true),
        (4, json!("0,495"), true),
        (4, json!("0.52"), false),
        (4, json!(-0.5), false),
    ];
    for (index, response, want) in cases {
        let g = graded(&q, index, response.clone());
        assert_eq!(g.correct, want, "question {index}, {response}");
        assert_eq!((g.score, g.max_score), (if want { 1 } else { 0 }, 1));
    }
    assert_eq!(graded(&q, 1, json!(["c", "a"])).response, "a[,]c");
    assert_eq!(
        graded(&q, 3, json!({ "l2": "r1", "l1": "r2" })).response,
        "l1[.]r2[,]l2[.]r1"
    );
    // responses the question does not know are refused, not graded
    let Slot::Ok(c) = &q.slots[0] else { panic!() };
    assert!(quiz::grade(c, &json!("z"), None).is_err());
    let Slot::Ok(c) = &q.slots[2] else { panic!() };
    assert!(quiz::grade(c, &json!(["x", "x", "z"]), None).is_err());
    let Slot::Ok(c) = &q.slots[4] else { panic!() };
    assert!(quiz::grade(c, &json!("abc"), None)
        .unwrap_err()
        .contains("not a number"));
    let Slot::Ok(c) = &q.slots[5] else { panic!() };
    assert!(quiz::grade(c, &json!(1.0), None)
        .unwrap_err()
        .contains("not been generated"));
    for (text, want) in [
        ("−1,5", Some(-1.5)),
        (" 2e-3 ", Some(0.002)),
        ("1,000.5", None),
        ("inf", None),
        ("", None),
    ] {
        assert_eq!(quiz::parse_number(text).ok(), want, "{text}");
    }
}

#[test]
fn the_xapi_statement_has_what_course_tools_read() {
    let q = quiz::parse(&base().to_string()).unwrap();
    let base_url = "https://example.org/course/page.html#part";
    for (index, response, kind, pattern) in [
        (0, json!("a"), "choice", "b"),
        (1, json!(["a", "c"]), "choice", "a[,]c"),
        (2, json!(["x", "z", "y"]), "sequencing", "x[,]y[,]z"),
        (3, json!({ "l1": "r2", "l2": "r1" }), "matching", "l1[.]r2[,]l2[.]r1"),
        (4, json!(0.5), "numeric", "0.49[:]0.51"),
    ] {
        let Slot::Ok(c) = &q.slots[index] else { panic!() };
        let g = quiz::grade(c, &response, None).unwrap();
        let s = quiz::statement(&q, c, &g, None, base_url, Language::Es);
        assert_eq!(s["verb"]["id"], "http://adlnet.gov/expapi/verbs/answered");
        assert_eq!(
            s["object"]["id"],
            format!("https://example.org/course/page.html#ptheta-quiz/probe/{}", c.id())
        );
        let d = &s["object"]["definition"];
        assert_eq!(d["type"], "http://adlnet.gov/expapi/activities/cmi.interaction");
        assert_eq!(d["interactionType"], kind);
        assert_eq!(d["correctResponsesPattern"], json!([pattern]), "{kind}");
        assert_eq!(s["result"]["success"], g.correct);
        assert_eq!(s["result"]["response"], g.response);
        assert_eq!(
            s["result"]["score"],
            json!({ "raw": g.score, "min": 0, "max": 1, "scaled": g.score as f64 })
        );
        assert_eq!(s["context"]["language"], "es");
        assert_eq!(
            s["context"]["contextActivities"]["parent"][0]["id"],
            "https://example.org/course/page.html#ptheta-quiz/probe"
        );
        assert_eq!(
            s["context"]["contextActivities"]["parent"][0]["definition"]["name"],
            json!({ "en": "Probe", "es": "Sonda" })
        );
    }
    let Slot::Ok(c) = &q.slots[3] else { panic!() };
    let g = quiz::grade(c, &json!({ "l1": "r2", "l2": "r1" }), None).unwrap();
    let s = quiz::statement(&q, c, &g, None, base_url, Language::En);
    assert_eq!(
        s["object"]["definition"]["source"][1],
        json!({ "id": "l2", "description": { "und": "L2" } })
    );
    assert_eq!(s["object"]["definition"]["target"].as_array().unwrap().len(), 2);
}

/// What a student computes by hand from the numbers shown, with the DDPM formulas written out
/// here (not the crate's): the check that the question can be answered from what it shows.
fn by_hand(spec: &GenSpec, i: &Instance) -> f64 {
    let get = |sym: &str| {
        i.shown
            .iter()
            .find(|s| s.symbol == sym)
            .unwrap_or_else(|| panic!("{sym} shown"))
            .values
            .clone()
    };
    let k = spec.coordinate - 1;
    let x = get("x_t")[k];
    let (beta, ab, ab_prev) = (get(r"\beta_t")[0], get(r"\bar\alpha_t")[0], get(r"\bar\alpha_{t-1}")[0]);
    let r = get(quiz::output_symbol(spec.parameterization))[k];
    let c1 = ab_prev.sqrt() * beta / (1.0 - ab);
    let c2 = (1.0 - beta).sqrt() * (1.0 - ab_prev) / (1.0 - ab);
    let x0 = match spec.parameterization {
        Parameterization::Epsilon | Parameterization::EpsilonVariance => (x - (1.0 - ab).sqrt() * r) / ab.sqrt(),
        Parameterization::X0 => r,
        Parameterization::V => ab.sqrt() * x - (1.0 - ab).sqrt() * r,
        Parameterization::Mean | Parameterization::MeanVariance => (r - c2 * x) / c1,
    };
    match spec.ask {
        quiz::Ask::X0 => x0,
        quiz::Ask::Mean => match spec.parameterization {
            Parameterization::Epsilon | Parameterization::EpsilonVariance => {
                (x - beta / (1.0 - ab).sqrt() * r) / (1.0 - beta).sqrt()
            }
            _ => c1 * x0 + c2 * x,
        },
        quiz::Ask::Sigma => match spec.variance {
            Variance::FixedSmall => ((1.0 - ab_prev) / (1.0 - ab) * beta).sqrt(),
            Variance::FixedLarge => beta.sqrt(),
            Variance::Learned => unreachable!("refused by validation"),
        },
    }
}

fn weights(file: &str) -> Vec<u8> {
    std::fs::read(root().join("weights").join(file)).unwrap()
}

/// Runs the sampler itself to x_{t−1} for the instance's seed and returns (x_t, x_{t−1}) of the
/// asked coordinate, the z of that step and log Σ_θ: what `Chain::step` really did.
fn sampler_step(spec: &GenSpec, seed: u32) -> (f64, f64, f64, Schedule, Vec<f32>) {
    let model = Denoiser::from_safetensors(&weights(&spec.weights)).unwrap();
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, spec.steps).unwrap();
    let opts = ChainOptions {
        variance: spec.variance,
        steps: spec.steps,
        samples: 1,
        seed: seed as u64,
        keep_history: false,
    };
    let mut chain = Chain::new(model, schedule.clone(), &opts).unwrap();
    while chain.t() > spec.t {
        chain.step().unwrap();
    }
    let k = spec.coordinate - 1;
    let x_t = chain.positions()[k] as f64;
    let raw = {
        let m = Denoiser::from_safetensors(&weights(&spec.weights)).unwrap();
        m.forward_slice(chain.positions(), schedule.timestep_map[spec.t - 1])
            .unwrap()
    };
    chain.step().unwrap();
    let x_prev = chain.positions()[k] as f64;
    let z = rng::normal(seed as u64, Stream::Chain, (spec.t - 1) as u32, 0, k as u32);
    (x_t, x_prev, z, schedule, raw)
}

#[test]
fn generated_questions_ask_what_the_sampler_computes_for_every_parameterization() {
    let mut covered = Vec::new();
    for model in catalog::models()
        .iter()
        .filter(|m| m.dataset == ptheta::data::Dataset::Moons)
    {
        let p = model.parameterization;
        let steps = catalog::default_steps(p);
        for ask in [quiz::Ask::Mean, quiz::Ask::X0, quiz::Ask::Sigma] {
            for variance in catalog::allowed_variances(p) {
                let g = quiz::Generate {
                    dataset: "moons".into(),
                    parameterization: p.to_string(),
                    variance: Some(variance.to_string()),
                    steps: None,
                    t: steps * 3 / 10,
                    ask,
                    coordinate: Some(if ask == quiz::Ask::X0 { 2 } else { 1 }),
                    seed: None,
                    digits: None,
                };
                let Ok(spec) = quiz::resolve_generate(&g) else {
                    continue; // the model's own output, or sigma of a learned variance: refused above
                };
                let tolerance = 0.01;
                for seed in [0u32, 7] {
                    let inst = quiz::generate(&spec, tolerance, &weights(&spec.weights), seed).unwrap();
                    assert_eq!((inst.seed, inst.t, inst.steps), (seed, spec.t, steps as usize));
                    // the sampler's own step, from the same x_T and noise
                    let (x_t, x_prev, z, schedule, raw) = sampler_step(&spec, seed);
                    let i = spec.t - 1;
                    let k = spec.coordinate - 1;
                    let v_raw = p.learns_variance().then(|| raw[2 + k] as f64);
                    let lv = log_variance(&schedule, i, spec.variance, v_raw);
                    let sampled_mean = x_prev - (0.5 * lv).exp() * z;
                    let expected = match ask {
                        quiz::Ask::Mean => sample_prev(i, inst.answer, lv, z),
                        quiz::Ask::X0 => {
                            let mean = if p.skips_steps() {
                                schedule.posterior_mean(i, x_t, inst.answer)
                            } else {
                                raw[k] as f64
                            };
                            sample_prev(i, mean, lv, z)
                        }
                        quiz::Ask::Sigma => sampled_mean + inst.answer * z,
                    };
                    let what = format!("{p}, {variance}, ask {}, seed {seed}", ask.name());
                    assert!(
                        (expected - x_prev).abs() <= 1e-5 * (1.0 + x_prev.abs()),
                        "{what}: the answer gives x_(t-1) = {expected}, the sampler {x_prev}"
                    );
                    if ask == quiz::Ask::X0 && p.skips_steps() {
                        // and x̂_0 is the one the posterior mean was built from
                        let back =
                            (sampled_mean - schedule.posterior_mean_coef2[i] * x_t) / schedule.posterior_mean_coef1[i];
                        assert!(
                            (back - inst.answer).abs() <= 1e-3,
                            "{what}: x̂_0 {} vs {back}",
                            inst.answer
                        );
                    }
                    // a student who computes from the numbers shown is right; off by more than the tolerance, wrong
                    let hand = by_hand(&spec, &inst);
                    assert!(
                        (hand - inst.answer).abs() <= tolerance / 10.0,
                        "{what}: by hand {hand}, answer {}",
                        inst.answer
                    );
                    let checked = Checked {
                        question: quiz::Question {
                            common: serde_json::from_value(json!({ "id": "g", "prompt": "P", "explanation": "E" }))
                                .unwrap(),
                            body: Body::Numeric(quiz::NumericBody {
                                answer: None,
                                tolerance,
                                generate: Some(g.clone()),
                            }),
                        },
                        generate: Some(spec.clone()),
                    };
                    for (offset, right) in [(0.0, true), (0.5, true), (-0.9, true), (1.5, false), (-1.1, false)] {
                        let response = json!(format!("{}", hand + offset * tolerance).replace('.', ","));
                        let g = quiz::grade(&checked, &response, Some(&inst)).unwrap();
                        assert_eq!(g.correct, right, "{what}: {response}");
                    }
                }
                covered.push((p, ask));
            }
        }
    }
    for p in Parameterization::ALL {
        assert!(covered.iter().any(|(q, _)| *q == p), "{p} has a generated question");
    }
    for ask in [quiz::Ask::Mean, quiz::Ask::X0, quiz::Ask::Sigma] {
        assert!(covered.iter().any(|(_, a)| *a == ask), "{} is asked", ask.name());
    }
}

#[test]
fn the_lessons_generated_questions_are_answerable_from_what_they_show() {
    let q = lesson();
    for c in usable(&q).into_iter().filter(|c| c.generate.is_some()) {
        let spec = c.generate.as_ref().unwrap();
        let Body::Numeric(b) = &c.question.body else {
            unreachable!()
        };
        for seed in [1u32, 2, 3] {
            let inst = quiz::generate(spec, b.tolerance, &weights(&spec.weights), seed).unwrap();
            let hand = by_hand(spec, &inst);
            assert!(
                (hand - inst.answer).abs() <= b.tolerance / 5.0,
                "{}: by hand {hand}, answer {}",
                c.id(),
                inst.answer
            );
            assert!(quiz::grade(c, &json!(hand), Some(&inst)).unwrap().correct);
            assert!(
                !quiz::grade(c, &json!(hand + 2.0 * b.tolerance), Some(&inst))
                    .unwrap()
                    .correct
            );
        }
    }
}

#[test]
fn generation_refuses_weights_of_another_model() {
    let q = quiz::parse(&base().to_string()).unwrap();
    let Slot::Ok(c) = &q.slots[5] else { panic!() };
    let e = quiz::generate(
        c.generate.as_ref().unwrap(),
        0.01,
        &weights("moons-epsilon.safetensors"),
        0,
    )
    .unwrap_err();
    assert!(e.contains("'epsilon' model of 'moons'"), "{e}");
    assert!(quiz::generate(c.generate.as_ref().unwrap(), 0.01, b"not weights", 0).is_err());
}

// ---- questions answered on a chain widget (type "chain") ----

fn chain_quiz() -> Value {
    json!({
        "id": "chain-probe", "title": "Chain",
        "questions": [
            { "id": "apart", "type": "chain", "for": "chain", "task": "separate", "prompt": "P", "explanation": "E" },
            { "id": "far", "type": "chain", "for": "chain", "task": "furthest", "prompt": "P", "explanation": "E", "points": 2 }
        ]
    })
}

#[test]
fn a_broken_chain_question_names_its_field() {
    let cases: Vec<(&str, Option<Value>, &str, &str)> = vec![
        ("/for", None, "for", "is missing"),
        ("/for", Some(json!("two words")), "for", "letters, digits"),
        ("/for", Some(json!(3)), "for", "invalid type"),
        ("/task", None, "task", "is missing"),
        ("/task", Some(json!("jump")), "task", "unknown variant"),
    ];
    for (pointer, value, field, words) in cases {
        let mut file = chain_quiz();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let obj = file["questions"][0]
            .pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap();
        match value {
            Some(v) => obj.insert(key.to_string(), v),
            None => obj.remove(key),
        };
        let q = quiz::parse(&file.to_string()).unwrap();
        let errors = q.errors();
        assert_eq!(errors.len(), 1, "{pointer}: {errors:?}");
        assert_eq!(errors[0].field, field, "{pointer}: {errors:?}");
        assert!(errors[0].message.contains(words), "{pointer}: {}", errors[0].message);
        assert!(q.question(1).is_ok(), "the other question still works");
    }
}

/// The states (t, positions) of a shipped moons model's chain from x_T to x_0.
fn moons_states(file: &str, samples: usize, seed: u64) -> Vec<(usize, Vec<f64>)> {
    let model = Denoiser::from_safetensors(&weights(file)).unwrap();
    let c = model.config.clone();
    let steps = catalog::default_steps(c.parameterization) as usize;
    let schedule = Schedule::respaced(c.schedule, c.timesteps, steps).unwrap();
    let options = ChainOptions {
        variance: c.parameterization.default_variance(),
        steps,
        samples,
        seed,
        keep_history: false,
    };
    let mut chain = Chain::new(model, schedule, &options).unwrap();
    let mut out = Vec::new();
    loop {
        out.push((chain.t(), chain.positions().iter().map(|&v| v as f64).collect()));
        if chain.t() == 0 {
            return out;
        }
        chain.step().unwrap();
    }
}

fn separate_state(t: usize, steps: usize, positions: &[f64], dataset: &str) -> Value {
    json!({ "t": t, "steps": steps, "dataset": dataset, "selected": 0, "positions": positions })
}

#[test]
fn separate_is_graded_from_a_real_chains_state_at_its_first_separate_t() {
    let q = quiz::parse(&chain_quiz().to_string()).unwrap();
    let Slot::Ok(c) = &q.slots[0] else { panic!() };
    let rule = quiz::SEPARATE;
    for (file, seed) in [("moons-epsilon.safetensors", 7), ("moons-v.safetensors", 11)] {
        let states = moons_states(file, 512, seed);
        let steps = states[0].0;
        let share = |p: &[f64]| quiz::on_moons(p, rule.radius);
        assert!(share(&states[0].1) < 0.6, "{file}: x_T is no pair of moons");
        // the first t, coming from x_T, at which the moons are separate
        let first = states
            .iter()
            .position(|(_, p)| share(p) >= rule.fraction)
            .expect("the chain separates the moons");
        let (t_first, p_first) = &states[first];
        assert!(*t_first > 0 && *t_first < steps / 4, "{file}: first at t = {t_first}");
        let g = quiz::grade(c, &separate_state(*t_first, steps, p_first, "moons"), None).unwrap();
        assert!(
            g.correct,
            "{file}: the first separate t = {t_first} is right: {:?}",
            g.value
        );
        assert_eq!(g.response, format!("t={t_first}"));
        // three steps before it (larger t): not separate yet
        let (t, p) = &states[first - 3];
        let g = quiz::grade(c, &separate_state(*t, steps, p, "moons"), None).unwrap();
        assert!(
            !g.correct && g.value["side"] == "before",
            "{file}: t = {t}: {:?}",
            g.value
        );
        // x_0: separate, but long after the first t
        let (t, p) = states.last().unwrap();
        let g = quiz::grade(c, &separate_state(*t, steps, p, "moons"), None).unwrap();
        assert!(!g.correct && g.value["side"] == "after", "{file}: t = 0: {:?}", g.value);
        // every t graded right is the first one or at most two steps after it
        for (k, (t, p)) in states.iter().enumerate() {
            let right = quiz::grade(c, &separate_state(*t, steps, p, "moons"), None)
                .unwrap()
                .correct;
            assert!(
                !right || (first..=first + 2).contains(&k),
                "{file}: t = {t} right, first {t_first}"
            );
        }
        // another dataset is refused, and so is a state that is no positions
        let e = quiz::grade(c, &separate_state(*t_first, steps, p_first, "circles"), None).unwrap_err();
        assert!(e.contains("'moons'"), "{e}");
    }
    assert!(quiz::grade(c, &separate_state(3, 10, &[1.0], "moons"), None).is_err());
    assert!(quiz::grade(c, &separate_state(11, 10, &[0.0, 0.0], "moons"), None).is_err());
    assert!(quiz::grade(c, &json!({ "t": 3 }), None).is_err());
}

#[test]
fn on_moons_measures_the_distance_to_the_two_arcs() {
    // on the upper arc (about (−0.8, −0.4), radius 1.6), on the lower arc, at an end, far away
    let on_upper = [-0.8, 1.2];
    let on_lower = [0.8, -1.2];
    let past_end = [0.8 + 0.2, -0.4];
    let gap = [0.0, 0.0]; // the middle, 0.7 from both arcs
    assert_eq!(quiz::on_moons(&[on_upper, on_lower].concat(), 0.25), 1.0);
    assert_eq!(quiz::on_moons(&[on_upper, gap].concat(), 0.25), 0.5);
    assert_eq!(quiz::on_moons(&past_end, 0.25), 1.0);
    assert_eq!(quiz::on_moons(&past_end, 0.15), 0.0);
    assert_eq!(quiz::on_moons(&[5.0, 5.0], 0.25), 0.0);
    // the data itself lies on them
    let data: Vec<f64> = ptheta::data::Dataset::Moons
        .sample(4000, 3)
        .unwrap()
        .iter()
        .map(|&v| v as f64)
        .collect();
    assert!(quiz::on_moons(&data, quiz::SEPARATE.radius) > 0.99);
}

#[test]
fn furthest_is_graded_within_its_stated_tolerance() {
    let q = quiz::parse(&chain_quiz().to_string()).unwrap();
    let Slot::Ok(c) = &q.slots[1] else { panic!() };
    // distances |x̂_0 − x_t|: 1, 2, 3, 2.95 (within 2 % of 3), 2.9 (not)
    let positions = [0.0; 10];
    let x0 = [1.0, 0.0, 0.0, 2.0, -3.0, 0.0, 0.0, -2.95, 2.9, 0.0];
    let state = |selected: usize, t: usize| json!({ "t": t, "steps": 50, "dataset": "moons", "selected": selected, "positions": positions, "x0": x0 });
    for (picked, right) in [(0, false), (1, false), (2, true), (3, true), (4, false)] {
        let g = quiz::grade(c, &state(picked, 20), None).unwrap();
        assert_eq!(g.correct, right, "sample {picked}: {:?}", g.value);
        assert_eq!(g.value["best"], 2);
        assert_eq!((g.score, g.max_score), (if right { 2 } else { 0 }, 2));
    }
    assert!(quiz::grade(c, &state(2, 0), None).unwrap_err().contains("t = 0"));
    assert!(quiz::grade(c, &state(5, 20), None)
        .unwrap_err()
        .contains("does not exist"));
    let no_x0 = json!({ "t": 5, "steps": 50, "dataset": "moons", "selected": 0, "positions": positions });
    assert!(quiz::grade(c, &no_x0, None).is_err());

    // a real chain: the sample furthest by the chain's own inspect is right, the nearest wrong
    let model = Denoiser::from_safetensors(&weights("moons-x0.safetensors")).unwrap();
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 50).unwrap();
    let options = ChainOptions {
        variance: cfg.parameterization.default_variance(),
        steps: 50,
        samples: 64,
        seed: 5,
        keep_history: false,
    };
    let mut chain = Chain::new(model, schedule, &options).unwrap();
    for _ in 0..20 {
        chain.step().unwrap();
    }
    let ins: Vec<_> = (0..64).map(|i| chain.inspect(i).unwrap()).collect();
    let d: Vec<f64> = ins
        .iter()
        .map(|i| ((i.x0[0] - i.x_t[0]).powi(2) + (i.x0[1] - i.x_t[1]).powi(2)).sqrt())
        .collect();
    let argmax = (0..64).max_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap();
    let argmin = (0..64).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap();
    let state = |selected: usize| {
        json!({
            "t": chain.t(), "steps": 50, "dataset": "moons", "selected": selected,
            "positions": chain.positions().iter().map(|&v| v as f64).collect::<Vec<_>>(),
            "x0": ins.iter().flat_map(|i| i.x0.clone()).collect::<Vec<_>>(),
        })
    };
    assert!(quiz::grade(c, &state(argmax), None).unwrap().correct);
    assert!(!quiz::grade(c, &state(argmin), None).unwrap().correct);
}

#[test]
fn a_chain_questions_statement_is_a_performance_without_a_fixed_pattern() {
    let q = quiz::parse(&chain_quiz().to_string()).unwrap();
    let Slot::Ok(c) = &q.slots[0] else { panic!() };
    let g = quiz::grade(
        c,
        &json!({ "t": 0, "steps": 10, "dataset": "moons", "positions": [-0.8, 1.2] }),
        None,
    )
    .unwrap();
    let s = quiz::statement(&q, c, &g, None, "https://course.example/week3.html", Language::En);
    let def = &s["object"]["definition"];
    assert_eq!(def["interactionType"], "performance");
    assert!(def.get("correctResponsesPattern").is_none());
    assert_eq!(s["result"]["response"], "t=0");
    assert_eq!(s["result"]["success"], false);
    let v = quiz::view(&q, Language::Es);
    assert_eq!(v["questions"][0]["for"], "chain");
    assert_eq!(v["questions"][0]["rule"]["fraction"], quiz::SEPARATE.fraction);
    assert_eq!(v["questions"][1]["rule"]["tolerance"], quiz::FURTHEST_TOLERANCE);
}

#[test]
fn feedback_details_are_checked() {
    let d = quiz::feedback("s2", "no", Some("  the variance part was fast  ")).unwrap();
    assert_eq!(
        d,
        json!({ "section": "s2", "rating": "no", "clear": false, "comment": "the variance part was fast" })
    );
    let d = quiz::feedback("s2", "yes", Some("   ")).unwrap();
    assert_eq!((d["clear"].clone(), d["comment"].clone()), (json!(true), Value::Null));
    assert_eq!(quiz::FEEDBACK_RATINGS, ["yes", "no"]);
    assert!(quiz::feedback("s2", "maybe", None).unwrap_err().contains("yes, no"));
    assert!(quiz::feedback("s 2", "yes", None).unwrap_err().starts_with("section="));
    let long = "x".repeat(quiz::MAX_COMMENT + 1);
    assert!(quiz::feedback("s2", "yes", Some(&long))
        .unwrap_err()
        .contains("at most"));
    assert!(quiz::feedback("s2", "yes", Some(&long[1..])).is_ok());
}
