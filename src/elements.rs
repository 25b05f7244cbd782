//! pθ's custom elements as tools see them: each element's attributes, properties, methods and
//! events, written out as a Custom Elements Manifest (`www/custom-elements.json`, schema 2.x) and
//! as TypeScript types (`www/ptheta-widgets.d.ts`), both shipped in the npm package.
//! `PTHETA_BLESS=1 cargo test --test elements` rewrites them; the test fails while they differ.
//!
//! `<ptheta-chain>`'s attributes, and every name an attribute or an event accepts, come from the
//! catalog ([`CHAIN_ATTRIBUTES`], [`CHAIN_CONTROLS`], [`THEMES`], the enums' `ALL`); this file adds
//! only what a reader needs beside them (a sentence, a type). `tests/elements.rs` checks the rest
//! against where it lives: the panels' attributes against their modules, the events against
//! `www/js/widgets.js` and the README's Events table, the CSS properties against the theme.

use crate::catalog::{
    Backend, Draw, Language, PlotSchedule, CHAIN_ATTRIBUTES, CHAIN_CONTROLS, LOADING, SAMPLES, SEED, STEPS, THEMES,
};
use crate::data::Dataset;
use crate::diffusion::{Parameterization, Variance};
use crate::quiz::FEEDBACK_RATINGS;
use serde_json::{json, Value};
use std::fmt::Write;

/// What an attribute's text holds.
#[derive(Clone, Debug)]
pub enum Kind {
    /// One of these names (a type alias of the `.d.ts`, e.g. `PthetaDataset`).
    Names(&'static str),
    /// A whole number in [min, max].
    Number(u64, u64),
    /// A URL, relative to the page.
    Url,
    /// Present or absent.
    Switch,
    /// Any text (described).
    Text,
    /// `<ptheta-chain controls>`: groups of [`CHAIN_CONTROLS`] separated by spaces, or `none`.
    Controls,
    /// The id of a `<ptheta-chain>` on the page.
    ChainId,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
    /// Whether the element has a property of the same name that reads and writes it.
    pub property: bool,
}

#[derive(Clone, Debug)]
pub struct Member {
    pub name: &'static str,
    /// TypeScript: a field's type, or a method's `(params) => return`.
    pub ts: &'static str,
    pub description: &'static str,
    pub readonly: bool,
    /// Parameters of a method (`name: type`, `name?: type`), with its return type in `returns`.
    pub params: &'static [&'static str],
    pub returns: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub name: &'static str,
    /// TypeScript type of `detail`.
    pub detail: &'static str,
    pub description: &'static str,
}

#[derive(Clone, Debug)]
pub struct Element {
    pub tag: &'static str,
    /// The class its module defines.
    pub class: &'static str,
    /// The module that defines it, from the site's root.
    pub module: &'static str,
    pub description: &'static str,
    pub attributes: Vec<Attribute>,
    pub members: Vec<Member>,
    pub events: Vec<Event>,
}

/// The events every element may fire when it cannot run or show, and the two on `document`.
const ERROR_EVENT: Event = Event {
    name: "ptheta-error",
    detail: "{ message: string }",
    description: "The element cannot run or show (a bad attribute, a failed download) and says why in itself.",
};

/// Events dispatched on `document` (not by an element): the language and the theme changed.
pub const DOCUMENT_EVENTS: [Event; 2] = [
    Event {
        name: "ptheta-lang",
        detail: "{ lang: PthetaLanguage }",
        description: "The language changed: widgets re-render their texts.",
    },
    Event {
        name: "ptheta-theme",
        detail: "{ theme: PthetaTheme }",
        description: "The theme changed: widgets redraw with the new colours.",
    },
];

fn field(name: &'static str, ts: &'static str, readonly: bool, description: &'static str) -> Member {
    Member {
        name,
        ts,
        description,
        readonly,
        params: &[],
        returns: None,
    }
}

fn method(
    name: &'static str,
    params: &'static [&'static str],
    returns: &'static str,
    description: &'static str,
) -> Member {
    Member {
        name,
        ts: "",
        description,
        readonly: false,
        params,
        returns: Some(returns),
    }
}

fn attr(name: &'static str, kind: Kind, description: &'static str) -> Attribute {
    Attribute {
        name,
        kind,
        description,
        property: false,
    }
}

/// `<ptheta-chain>`'s attribute `name` (one of [`CHAIN_ATTRIBUTES`]), described.
fn chain_attribute(name: &'static str) -> Attribute {
    let (kind, description) = match name {
        "dataset" => (
            Kind::Names("PthetaChainDataset"),
            "The dataset of a shipped model (with `param`); the lesson's by default. A world of images (`digits`) is drawn as a grid of its samples, with x̂_0 beside x_t.",
        ),
        "param" => (
            Kind::Names("PthetaParameterization"),
            "The parameterization of a shipped model (with `dataset`); the lesson's by default.",
        ),
        "weights" => (
            Kind::Url,
            "The URL of any `.safetensors` file written by `ptheta train`, instead of a shipped model.",
        ),
        "data" => (
            Kind::Url,
            "The URL of the CSV the `weights` were trained on: drawn behind the samples and measured against.",
        ),
        "steps" => (
            Kind::Number(STEPS.min, STEPS.max),
            "Reverse steps of the chain (respaced); by default the lesson's, or all T of a model trained with fewer.",
        ),
        "samples" => (
            Kind::Number(SAMPLES.min, SAMPLES.max),
            "How many samples run through the chain.",
        ),
        "seed" => (Kind::Number(SEED.min, SEED.max), "The seed of x_T and of every z."),
        "t" => (
            Kind::Number(0, STEPS.max),
            "Go to this t after loading; changing it later moves the chain there.",
        ),
        "variance" => (
            Kind::Names("PthetaVariance"),
            "The variance of each step; the model's default if absent.",
        ),
        "backend" => (
            Kind::Names("PthetaBackend"),
            "Where the chain runs: `auto` picks WebGPU where a usable device exists, else the CPU.",
        ),
        "draw" => (Kind::Names("PthetaDraw"), "How a WebGPU chain's points are drawn."),
        "controls" => (
            Kind::Controls,
            "Which groups of controls to show, separated by spaces, or `none`; all by default.",
        ),
        "autoplay" => (Kind::Switch, "Play once loaded."),
        "loading" => (
            Kind::Names("PthetaLoading"),
            "When to start (download the model, build the chain): `lazy`, once scrolled near the view, or `eager`, at once; a method called starts it either way.",
        ),
        "theme" => (
            Kind::Names("PthetaTheme"),
            "The palette: `auto` follows the reader's system.",
        ),
        other => panic!("CHAIN_ATTRIBUTES lists \"{other}\", which src/elements.rs does not describe"),
    };
    Attribute {
        name,
        kind,
        description,
        // HTMLElement.dataset is the element's data-* map, so that one has no property
        property: name != "dataset",
    }
}

/// HTML's `lang`, which every element reads (it is no attribute of pθ's own, so it is no
/// property here: HTMLElement has it).
fn lang_attribute() -> Attribute {
    attr(
        "lang",
        Kind::Text,
        "The language it speaks when pθ has it (en, es): its own `lang` or its nearest ancestor's, as HTML defines an element's language; else the page's, then the browser's. Live.",
    )
}

/// Every element, in the order the README lists them, each reading `lang` besides its own.
pub fn elements() -> Vec<Element> {
    let mut all = own_elements();
    for e in &mut all {
        e.attributes.push(lang_attribute());
    }
    all
}

fn own_elements() -> Vec<Element> {
    let error = || ERROR_EVENT.clone();
    vec![
        Element {
            tag: "ptheta-chain",
            class: "PthetaChain",
            module: "js/ptheta-chain.js",
            description: "The reverse chain x_T → x_0 of a diffusion model: its samples, the data behind them, play, step, scrub, inspect. A chain of images shows its samples as a grid, x_t beside x̂_0, and inspects one pixel.",
            attributes: CHAIN_ATTRIBUTES.into_iter().map(chain_attribute).collect(),
            members: vec![
                method("play", &[], "Promise<void>", "Plays from where the chain is (from x_T again at t = 0) to t = 0."),
                method("pause", &[], "Promise<number | null>", "Stops playing (or going to a t) where the chain is; resolves to that t."),
                method("step", &["n?: number"], "Promise<number | null>", "Takes `n` reverse steps (1 by default; fewer at t = 0); resolves to the t reached."),
                method("stepBack", &[], "Promise<number | null>", "Goes back one step; resolves to the t reached."),
                method("reset", &[], "Promise<number | null>", "Goes back to x_T; resolves to the t reached."),
                method("goTo", &["t: number"], "Promise<number | null>", "Goes to t (checked like the attribute), in bursts, showing progress; resolves to the t reached."),
                method("select", &["sample: number"], "void", "Follows sample `sample` in the inspector (counted modulo the samples)."),
                method("selectPixel", &["pixel: number"], "void", "A chain of images: follows pixel `pixel` of the selected sample, row by row from the top left."),
                field("built", "Promise<void>", true, "Settles when the chain of the current attributes is built (or has failed to be); a widget waiting to be scrolled to settles it once it starts and builds."),
                field("chain", "PthetaChainObject | null", true, "The running chain, or null before it loads."),
                field("playing", "boolean", true, "Whether the play loop runs."),
                field("readoutInterval", "number", false, "Least milliseconds between readbacks of the numbers while a WebGPU chain plays."),
            ],
            events: vec![
                Event { name: "ptheta-ready", detail: "PthetaChainInfo", description: "The chain loaded: the model and how it runs." },
                Event { name: "ptheta-step", detail: "{ t: number; steps: number; sample: number; inspection: PthetaInspection | null; fresh: boolean; info: PthetaChainInfo }", description: "The chain moved; `fresh` is false on play frames that skipped the readback, when `inspection` is from an earlier t." },
                Event { name: "ptheta-done", detail: "{ steps: number; samples: number; info: PthetaChainInfo }", description: "The chain arrived at t = 0 (by playing, stepping or going there)." },
                error(),
                Event { name: "ptheta-select", detail: "{ sample: number; pixel?: number }", description: "The inspected sample (or, in a chain of images, pixel) changed." },
                Event { name: "ptheta-config", detail: "{ samples?: number; seed?: number }", description: "The samples or the seed changed in the element." },
                Event { name: "ptheta-highlight", detail: "{ term: string | null }", description: "An inspector arrow was hovered." },
                Event { name: "ptheta-backend", detail: "{ backend: \"webgpu\" | \"cpu\"; reason: string | null }", description: "The chain moved to another backend, e.g. after a lost device." },
            ],
        },
        Element {
            tag: "ptheta-inspector",
            class: "PthetaInspector",
            module: "js/widgets/ptheta-inspector.js",
            description: "One sample's next step of a chain: μ_θ − x_t, σ_θ z, ε̂, x̂_0 as arrows and p_θ(x_{t−1} | x_t) with the numbers; in a chain of images, one pixel's.",
            attributes: vec![attr("for", Kind::ChainId, "The id of the `<ptheta-chain>` it follows.")],
            members: vec![],
            events: vec![error()],
        },
        Element {
            tag: "ptheta-equations",
            class: "PthetaEquations",
            module: "js/widgets/ptheta-equations.js",
            description: "The chain, the prior, the transition and the parameterizations, typeset; choosing a parameterization fires `ptheta-param`.",
            attributes: vec![
                attr("show", Kind::Text, "Which cards, separated by spaces: any of chain, prior, transition, params; all by default."),
                attr("param", Kind::Names("PthetaParameterization"), "The parameterization marked active."),
                attr("dataset", Kind::Names("PthetaDataset"), "The dataset whose shipped models can be chosen."),
            ],
            members: vec![],
            events: vec![
                Event { name: "ptheta-param", detail: "{ param: PthetaParameterization }", description: "A parameterization was chosen." },
                error(),
            ],
        },
        Element {
            tag: "ptheta-algorithm",
            class: "PthetaAlgorithm",
            module: "js/widgets/ptheta-algorithm.js",
            description: "The sampling loop, the line just executed highlighted, t in the loop header.",
            attributes: vec![attr("for", Kind::ChainId, "The id of the `<ptheta-chain>` it follows.")],
            members: vec![],
            events: vec![error()],
        },
        Element {
            tag: "ptheta-schedule",
            class: "PthetaSchedule",
            module: "js/widgets/ptheta-schedule.js",
            description: "β_t, ᾱ_t and log SNR of a noise schedule, and the forward process q(x_t | x_0) scrubbed on the data.",
            attributes: vec![
                attr("schedule", Kind::Names("PthetaPlotSchedule"), "The schedule shown first."),
                attr("dataset", Kind::Names("PthetaDataset"), "The data the forward process noises."),
            ],
            members: vec![],
            events: vec![
                Event { name: "ptheta-schedule", detail: "{ schedule: PthetaPlotSchedule }", description: "A schedule was chosen." },
                error(),
            ],
        },
        Element {
            tag: "ptheta-compare",
            class: "PthetaCompare",
            module: "js/widgets/ptheta-compare.js",
            description: "Every shipped model of one dataset side by side from the same x_T and noise, with their figures, and one model under each variance.",
            attributes: vec![
                attr("param", Kind::Names("PthetaParameterization"), "The model run under each variance."),
                attr("seed", Kind::Number(SEED.min, SEED.max), "The seed of x_T and of every z."),
                attr("samples", Kind::Number(SAMPLES.min, SAMPLES.max), "Samples of each chain."),
            ],
            members: vec![],
            events: vec![error()],
        },
        Element {
            tag: "ptheta-quiz",
            class: "PthetaQuiz",
            module: "js/widgets/ptheta-quiz.js",
            description: "A quiz written as data (www/quiz/quiz.schema.json): from `src`, or from the JSON inside it in a <script type=\"application/json\">.",
            attributes: vec![attr("src", Kind::Url, "The URL of the quiz's JSON file.")],
            members: vec![
                method("getScore", &[], "number", "Points scored by the answers checked so far."),
                method("getMaxScore", &[], "number", "Points of every usable question."),
                method("getAnswerGiven", &[], "boolean", "Whether any answer has been checked."),
                method("showSolutions", &[], "void", "Shows every usable question's solution."),
                method("resetTask", &[], "Promise<void>", "Forgets every answer, the saved progress and the generated numbers, and starts over."),
                method("getCurrentState", &[], "{ questions: Record<string, unknown> }", "What the student has done, as saved."),
            ],
            events: vec![
                Event { name: "ptheta-answer", detail: "{ quiz: string; question: string; response: unknown; correct: boolean; score: number; maxScore: number; statement: Record<string, unknown> }", description: "An answer was checked; `statement` is an xAPI \"answered\" statement without actor." },
                error(),
            ],
        },
        Element {
            tag: "ptheta-feedback",
            class: "PthetaFeedback",
            module: "js/widgets/ptheta-feedback.js",
            description: "\"Was this clear?\" for one section: a rating and an optional comment, sent nowhere but in an event.",
            attributes: vec![attr("section", Kind::Text, "The section's id (letters, digits, ., _, -).")],
            members: vec![],
            events: vec![
                Event { name: "ptheta-feedback", detail: "{ section: string; rating: PthetaFeedbackRating; clear: boolean; comment: string | null }", description: "A rating or a comment was given." },
                error(),
            ],
        },
    ]
}

/// The names each `Kind::Names` alias of the `.d.ts` stands for, from the catalog.
pub fn name_types() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let names = |v: Vec<&'static str>| v.into_iter().map(String::from).collect::<Vec<_>>();
    vec![
        (
            "PthetaDataset",
            "A world in the plane: what the lesson's panels draw.",
            Dataset::PLANE.iter().map(|d| d.to_string()).collect(),
        ),
        (
            "PthetaChainDataset",
            "A world `<ptheta-chain>` runs: one in the plane, or one of images.",
            Dataset::ALL.iter().map(|d| d.to_string()).collect(),
        ),
        (
            "PthetaParameterization",
            "What the network predicts.",
            Parameterization::ALL.iter().map(|p| p.to_string()).collect(),
        ),
        (
            "PthetaVariance",
            "The variance of each reverse step.",
            Variance::ALL.iter().map(|v| v.to_string()).collect(),
        ),
        (
            "PthetaBackend",
            "Where a chain runs.",
            Backend::ALL.iter().map(|b| b.to_string()).collect(),
        ),
        (
            "PthetaDraw",
            "How a WebGPU chain's points are drawn.",
            Draw::ALL.iter().map(|d| d.to_string()).collect(),
        ),
        (
            "PthetaPlotSchedule",
            "A noise schedule of the schedule panel.",
            PlotSchedule::ALL.iter().map(|s| s.to_string()).collect(),
        ),
        (
            "PthetaLanguage",
            "A language the widgets speak.",
            Language::ALL.iter().map(|l| l.to_string()).collect(),
        ),
        ("PthetaTheme", "A palette of the widgets.", names(THEMES.to_vec())),
        (
            "PthetaLoading",
            "When a `<ptheta-chain>` starts its work.",
            names(LOADING.to_vec()),
        ),
        (
            "PthetaControl",
            "A group of `<ptheta-chain>` controls.",
            names(CHAIN_CONTROLS.to_vec()),
        ),
        (
            "PthetaFeedbackRating",
            "A \"Was this clear?\" rating.",
            names(FEEDBACK_RATINGS.to_vec()),
        ),
    ]
}

fn union(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" | ")
}

/// The TypeScript type of an attribute's value.
fn value_type(kind: &Kind) -> String {
    match kind {
        Kind::Names(alias) => alias.to_string(),
        Kind::Number(..) => "number".into(),
        Kind::Switch => "boolean".into(),
        Kind::Url | Kind::Text | Kind::ChainId | Kind::Controls => "string".into(),
    }
}

/// The attribute's description with the values it accepts.
fn attribute_text(a: &Attribute) -> String {
    match &a.kind {
        Kind::Number(min, max) => format!("{} A whole number from {min} to {max}.", a.description),
        Kind::Controls => format!("{} Groups: {}.", a.description, CHAIN_CONTROLS.join(", ")),
        _ => a.description.to_string(),
    }
}

/// The `--ptheta-*` properties of the theme's stylesheet with their light defaults, in order:
/// `var(--ptheta-fg, #1b1b1f)` in the first rule of `theme_css` (`www/js/theme.css`).
pub fn css_properties(theme_css: &str) -> Vec<(String, String)> {
    let first = theme_css.split('}').find(|r| r.contains("var(--ptheta-")).unwrap_or("");
    let mut out = Vec::new();
    let mut rest = first;
    while let Some(i) = rest.find("var(--ptheta-") {
        let body = &rest[i + 4..];
        let mut depth = 1;
        let end = body
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map_or(body.len(), |(j, _)| j);
        let (name, default) = body[..end].split_once(',').unwrap_or((&body[..end], ""));
        out.push((name.trim().to_string(), default.trim().to_string()));
        rest = &body[end..];
    }
    out
}

/// The Custom Elements Manifest (schema 2.1) of every element; `css` from [`css_properties`].
pub fn manifest(css: &[(String, String)]) -> Value {
    let aliases = name_types();
    let type_text = |kind: &Kind| match kind {
        Kind::Names(alias) => aliases
            .iter()
            .find(|(a, ..)| a == alias)
            .map_or_else(|| value_type(kind), |(_, _, names)| union(names)),
        _ => value_type(kind),
    };
    let mut modules: Vec<Value> = elements()
        .into_iter()
        .map(|e| {
            let attributes: Vec<Value> = e
                .attributes
                .iter()
                .map(|a| {
                    let mut v = json!({ "name": a.name, "type": { "text": type_text(&a.kind) }, "description": attribute_text(a) });
                    if a.property {
                        v["fieldName"] = json!(a.name);
                    }
                    v
                })
                .collect();
            let mut members: Vec<Value> = e
                .attributes
                .iter()
                .filter(|a| a.property)
                .map(|a| json!({ "kind": "field", "name": a.name, "type": { "text": "string | null" }, "description": format!("Reads and writes the attribute `{}`.", a.name), "attribute": a.name, "reflects": true }))
                .collect();
            members.extend(e.members.iter().map(|m| match m.returns {
                Some(r) => json!({
                    "kind": "method", "name": m.name, "description": m.description,
                    "parameters": m.params.iter().map(|p| {
                        let (name, ty) = p.split_once(':').unwrap();
                        let optional = name.ends_with('?');
                        json!({ "name": name.trim_end_matches('?'), "type": { "text": ty.trim() }, "optional": optional })
                    }).collect::<Vec<_>>(),
                    "return": { "type": { "text": r } },
                }),
                None => json!({ "kind": "field", "name": m.name, "type": { "text": m.ts }, "description": m.description, "readonly": m.readonly }),
            }));
            let events: Vec<Value> = e
                .events
                .iter()
                .map(|ev| json!({ "name": ev.name, "type": { "text": format!("CustomEvent<{}>", ev.detail) }, "description": ev.description }))
                .collect();
            let css_properties: Vec<Value> = css
                .iter()
                .map(|(name, default)| json!({ "name": name, "default": default, "description": "A colour (or, for --ptheta-font, a `font` shorthand) of pθ's theme, set on the element or any ancestor." }))
                .collect();
            json!({
                "kind": "javascript-module",
                "path": e.module,
                "declarations": [{
                    "kind": "class", "name": e.class, "description": e.description, "customElement": true,
                    "tagName": e.tag, "superclass": { "name": "HTMLElement", "package": "global:" },
                    "attributes": attributes, "members": members, "events": events, "cssProperties": css_properties,
                }],
                "exports": [{ "kind": "custom-element-definition", "name": e.tag, "declaration": { "name": e.class, "module": e.module } }],
            })
        })
        .collect();
    modules.insert(
        0,
        json!({
            "kind": "javascript-module",
            "path": "ptheta-widgets.js",
            "description": "Defines every element: load it once, by a module script or `import \"ptheta/widgets\"`.",
            "declarations": [],
            "exports": [],
        }),
    );
    json!({
        "schemaVersion": "2.1.0",
        "readme": "README.md",
        "modules": modules,
    })
}

/// [`manifest`] as the file holds it.
pub fn manifest_json(css: &[(String, String)]) -> String {
    serde_json::to_string_pretty(&manifest(css)).expect("a manifest serializes") + "\n"
}

/// The `.d.ts` of `ptheta-widgets.js`: the elements, their attributes as properties, methods and
/// events, the details of the events, and the tag names for `querySelector`/`createElement`.
pub fn typescript() -> String {
    let mut s = String::new();
    let w = &mut s;
    writeln!(
        w,
        "// Types of pθ's custom elements (`import \"ptheta/widgets\"`, or ptheta-widgets.js in a page)."
    )
    .unwrap();
    writeln!(
        w,
        "// Generated from src/elements.rs and the catalog (src/catalog.rs) by"
    )
    .unwrap();
    writeln!(w, "// `PTHETA_BLESS=1 cargo test --test elements`: do not edit.").unwrap();
    writeln!(w).unwrap();
    for (alias, doc, names) in name_types() {
        writeln!(w, "/** {doc} */\nexport type {alias} = {};", union(&names)).unwrap();
    }
    w.push_str(CHAIN_OBJECT_TYPES);
    let elements = elements();
    for e in &elements {
        let iface = format!("{}Element", e.class);
        let events = format!("{}EventMap", e.class);
        writeln!(
            w,
            "\n/** Events of `<{}>` (bubbling, composed). */\nexport interface {events} {{",
            e.tag
        )
        .unwrap();
        for ev in &e.events {
            writeln!(
                w,
                "  /** {} */\n  \"{}\": CustomEvent<{}>;",
                ev.description, ev.name, ev.detail
            )
            .unwrap();
        }
        writeln!(
            w,
            "}}\n\n/** `<{}>`: {} */\nexport interface {iface} extends HTMLElement {{",
            e.tag, e.description
        )
        .unwrap();
        for a in e.attributes.iter().filter(|a| a.property) {
            let ty = value_type(&a.kind);
            let set = match a.kind {
                Kind::Number(..) => "number | string".to_string(),
                Kind::Switch => "boolean".to_string(),
                _ => ty.clone(),
            };
            let get = if matches!(a.kind, Kind::Number(..) | Kind::Switch) {
                "string".to_string()
            } else {
                ty
            };
            writeln!(w, "  /** Attribute `{}`: {} Reads the attribute's text (null when absent). */\n  get {}(): {get} | null;\n  set {}(value: {set} | null);", a.name, attribute_text(a), a.name, a.name).unwrap();
        }
        for m in &e.members {
            match m.returns {
                Some(r) => writeln!(
                    w,
                    "  /** {} */\n  {}({}): {r};",
                    m.description,
                    m.name,
                    m.params.join(", ")
                )
                .unwrap(),
                None => writeln!(
                    w,
                    "  /** {} */\n  {}{}: {};",
                    m.description,
                    if m.readonly { "readonly " } else { "" },
                    m.name,
                    m.ts
                )
                .unwrap(),
            }
        }
        writeln!(
            w,
            "  addEventListener<K extends keyof {events}>(type: K, listener: (this: {iface}, ev: {events}[K]) => unknown, options?: boolean | AddEventListenerOptions): void;\n  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;\n}}"
        )
        .unwrap();
    }
    writeln!(w, "\n/** Every pθ event, by name (they bubble and are composed, so a page can listen on `document`). */\nexport interface PthetaEventMap {{").unwrap();
    let mut seen = Vec::new();
    for ev in elements.iter().flat_map(|e| &e.events).chain(DOCUMENT_EVENTS.iter()) {
        if !seen.contains(&ev.name) {
            seen.push(ev.name);
            writeln!(
                w,
                "  /** {} */\n  \"{}\": CustomEvent<{}>;",
                ev.description, ev.name, ev.detail
            )
            .unwrap();
        }
    }
    writeln!(w, "}}\n\ndeclare global {{\n  interface HTMLElementTagNameMap {{").unwrap();
    for e in &elements {
        writeln!(w, "    \"{}\": {}Element;", e.tag, e.class).unwrap();
    }
    writeln!(w, "  }}\n  interface DocumentEventMap extends PthetaEventMap {{}}\n  interface HTMLElementEventMap extends PthetaEventMap {{}}\n}}\n\nexport {{}};").unwrap();
    s
}

/// The chain object (`el.chain`) and what the chain's events carry: the shapes of
/// `www/js/backend.js` (its contract) and of the wasm's `info()` and `inspect()`.
const CHAIN_OBJECT_TYPES: &str = r#"
/** What a chain runs: `chain.info()`, the detail of `ptheta-ready`. */
export interface PthetaChainInfo {
  backend: "webgpu" | "cpu";
  adapter: string | null;
  fallbackReason: string | null;
  dataset: string;
  /** Values per sample: 2 for points in the plane, 64 for an 8×8 digit. */
  dim: number;
  parameterization: PthetaParameterization;
  variance: PthetaVariance;
  schedule: string;
  trainTimesteps: number;
  steps: number;
  samples: number;
  seed: number;
  alphaBarT: number;
}

/**
 * One sample's next step (`chain.inspect(i)`): vectors of its `dim` values. In a `ptheta-step`
 * event of a chain of images they are the one inspected pixel's, which `pixel` names.
 */
export interface PthetaInspection {
  sample: number;
  pixel?: { index: number; row: number; col: number };
  parameterization: PthetaParameterization;
  t: number;
  timestep: number;
  x_t: number[];
  raw: number[];
  eps: number[];
  x0: number[];
  mean: number[];
  log_variance: number[];
  sigma: number[];
  z: number[];
  x_prev: number[];
  mean_step: number[];
  noise: number[];
  variance: number[];
  coefficients: Record<string, number>;
}

/** The chain an element runs (`el.chain`), the same on WebGPU and the CPU (www/js/backend.js). */
export interface PthetaChainObject {
  readonly backend: "webgpu" | "cpu";
  readonly adapter: { vendor: string; architecture: string; description: string } | null;
  readonly fallbackReason: string | null;
  readonly t: number;
  readonly steps: number;
  readonly samples: number;
  /** Threads stepping a CPU chain: one per core once its Web Workers are up, else 1. */
  readonly workers: number;
  /** Settles once the workers run the steps, or it is settled that they will not. */
  workersReady(): Promise<void>;
  info(): PthetaChainInfo;
  step(n: number): Promise<number>;
  stepBack(): Promise<number>;
  reset(): Promise<void>;
  goTo(t: number, options?: { signal?: AbortSignal; onProgress?: (fraction: number) => void }): Promise<number>;
  /** x_t of every sample, `dim` values each: [x0, y0, x1, y1, …] in the plane. */
  positions(): Promise<Float32Array>;
  /** x̂_0 of the first `count` samples (all by default) as the network predicts it at t (refused at t = 0), laid out like `positions()`. */
  predictions(count?: number): Promise<Float32Array>;
  inspect(sample: number): Promise<PthetaInspection>;
  /** bins × bins counts of x_t over [−half, half]², row 0 at y = −half. */
  histogram(bins: number, half: number): Promise<Float32Array>;
}
"#;
