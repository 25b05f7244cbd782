//! The catalog the browser receives (serialized exactly as `catalog()` hands it to JS) against the
//! Rust enums and rules it is built from, and the checks the page and `<ptheta-chain>` delegate to
//! it: every catalog value accepted, one bad value of each field refused by name.

use ptheta::catalog::{self, chain_attribute, Backend, Draw, Language, PageState, PlotSchedule};
use ptheta::data::Dataset;
use ptheta::diffusion::param::check_combination;
use ptheta::diffusion::{Parameterization, ScheduleKind, Variance};
use serde_json::Value;

fn js_catalog() -> Value {
    serde_json::to_value(catalog::catalog()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|&k| name(k).to_string()).collect()
}

#[test]
fn the_js_catalog_lists_exactly_the_rust_enums() {
    let c = js_catalog();
    assert_eq!(strings(&c["variances"]), names(&Variance::ALL, Variance::name));
    assert_eq!(strings(&c["schedules"]), names(&ScheduleKind::ALL, ScheduleKind::name));
    assert_eq!(
        strings(&c["plotSchedules"]),
        names(&PlotSchedule::ALL, PlotSchedule::name)
    );
    assert_eq!(strings(&c["backends"]), names(&Backend::ALL, Backend::name));
    assert_eq!(strings(&c["draws"]), names(&Draw::ALL, Draw::name));
    assert_eq!(strings(&c["languages"]), names(&Language::ALL, Language::name));
    let datasets: Vec<String> = c["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        datasets,
        names(&Dataset::PLANE, Dataset::name),
        "the 2-D page offers the worlds in the plane"
    );
    let params: Vec<String> = c["parameterizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    // every parameterization once, in the order the lesson teaches them
    assert_eq!(params, names(&catalog::LESSON_ORDER, Parameterization::name));
    let mut sorted = params.clone();
    sorted.sort();
    let mut all = names(&Parameterization::ALL, Parameterization::name);
    all.sort();
    assert_eq!(sorted, all);
    // every name parses back to the variant it came from
    for p in Parameterization::ALL {
        assert_eq!(p.name().parse::<Parameterization>().unwrap(), p);
    }
    for d in Dataset::ALL {
        assert_eq!(d.name().parse::<Dataset>().unwrap(), d);
    }
}

#[test]
fn the_js_catalog_states_the_combination_rule_of_param_rs() {
    let c = js_catalog();
    for entry in c["parameterizations"].as_array().unwrap() {
        let p: Parameterization = entry["name"].as_str().unwrap().parse().unwrap();
        let listed = strings(&entry["variances"]);
        for v in Variance::ALL {
            assert_eq!(
                listed.contains(&v.name().to_string()),
                check_combination(p, v).is_ok(),
                "{p} with {v}"
            );
        }
        assert_eq!(entry["defaultVariance"], p.default_variance().name());
        assert!(listed.contains(&p.default_variance().name().to_string()));
    }
}

#[test]
fn shipped_models_come_from_the_manifest_and_exist() {
    let c = js_catalog();
    let manifest: Vec<Value> = serde_json::from_str(catalog::MANIFEST_JSON).unwrap();
    let models = c["models"].as_array().unwrap();
    assert_eq!(models.len(), manifest.len());
    for (m, row) in models.iter().zip(&manifest) {
        assert_eq!(m["file"], row["file"]);
        assert_eq!(m["figures"]["quality"]["ratio"], row["eval"]["quality"]["ratio"]);
        let path = format!("{}/weights/{}", env!("CARGO_MANIFEST_DIR"), m["file"].as_str().unwrap());
        assert!(std::path::Path::new(&path).exists(), "{path} is listed but missing");
    }
    // what ships per dataset, as the page offers it
    for d in c["datasets"].as_array().unwrap() {
        let name = d["name"].as_str().unwrap();
        let listed = strings(&d["parameterizations"]);
        let from_manifest: Vec<String> = Parameterization::ALL
            .iter()
            .filter(|p| {
                manifest
                    .iter()
                    .any(|r| r["file"] == format!("{name}-{}.safetensors", p.name()).as_str())
            })
            .map(|p| p.name().to_string())
            .collect();
        assert_eq!(listed, from_manifest, "{name}");
        assert!(!listed.is_empty(), "{name} ships no model");
    }
}

#[test]
fn a_manifest_row_that_contradicts_its_file_name_is_refused() {
    let bad = r#"[{"file": "moons-v.safetensors", "eval_command": "x", "eval": {"dataset": "moons",
        "parameterization": "epsilon", "quality": {"ratio": 1.0}, "nelbo": {"total": 1.0},
        "steps": 1000, "variance": "fixed-small", "samples": 10, "seed": 0}}]"#;
    let e = catalog::parse_manifest(bad).unwrap_err();
    assert!(e.contains("moons-epsilon.safetensors"), "{e}");
    let unknown = bad.replace("\"moons\"", "\"mars\"");
    assert!(catalog::parse_manifest(&unknown)
        .unwrap_err()
        .contains("unknown dataset 'mars'"));
}

fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
    q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn the_address_accepts_every_catalog_value() {
    for d in Dataset::PLANE {
        for p in catalog::shipped_parameterizations(d) {
            for v in catalog::allowed_variances(p) {
                let (s, e) = PageState::parse(&pairs(&[
                    ("dataset", d.name()),
                    ("param", p.name()),
                    ("variance", v.name()),
                ]));
                assert!(e.is_empty(), "{d} {p} {v}: {e:?}");
                assert_eq!((s.dataset, s.param, s.variance), (d, p, v));
                // and the written address reads back to the same state
                let q = s.to_query();
                let back: Vec<(String, String)> = q[1..]
                    .split('&')
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').unwrap();
                        (k.to_string(), v.to_string())
                    })
                    .collect();
                assert_eq!(PageState::parse(&back).0, s, "{q}");
            }
        }
    }
    for s in PlotSchedule::ALL {
        assert!(PageState::parse(&pairs(&[("schedule", s.name())])).1.is_empty());
    }
    for l in Language::ALL {
        assert_eq!(PageState::parse(&pairs(&[("lang", l.name())])).0.lang, Some(l));
    }
    for (field, limit) in [
        ("steps", catalog::STEPS),
        ("samples", catalog::SAMPLES),
        ("seed", catalog::SEED),
    ] {
        for v in [limit.min, limit.max] {
            let (_, e) = PageState::parse(&pairs(&[(field, &v.to_string())]));
            assert!(e.is_empty(), "{field}={v}: {e:?}");
        }
    }
}

#[test]
fn one_bad_value_of_each_field_is_refused_by_name() {
    let bad = [
        ("dataset", "mars", "must be one of moons, swiss-roll"),
        ("param", "banana", "must be one of epsilon, x0, v, mean, mean-variance"),
        ("variance", "huge", "must be one of fixed-small, fixed-large, learned"),
        ("schedule", "sigmoid", "must be one of linear, cosine, linear-unscaled"),
        ("lang", "xx", "must be one of en, es"),
        ("steps", "0", "must be a whole number from 1 to 1000"),
        ("steps", "abc", "must be a whole number from 1 to 1000"),
        ("samples", "16385", "must be a whole number from 1 to 16384"),
        ("seed", "-1", "must be a whole number from 0 to 4294967295"),
        ("t", "1.5", "must be a whole number from 0 to 1000"),
    ];
    for (field, raw, says) in bad {
        let (s, e) = PageState::parse(&pairs(&[(field, raw)]));
        assert_eq!(e.len(), 1, "{field}={raw}: {e:?}");
        assert_eq!(e[0].field, field);
        assert!(
            e[0].message.starts_with(&format!("{field}=\"{raw}\"")),
            "{}",
            e[0].message
        );
        assert!(e[0].message.contains(says), "{}", e[0].message);
        assert_eq!(s, PageState::default(), "{field}={raw} falls back to the defaults");
    }
}

#[test]
fn rules_between_fields_are_named_and_repaired() {
    let (s, e) = PageState::parse(&pairs(&[("dataset", "circles"), ("param", "x0")]));
    assert_eq!(s.param, Parameterization::Epsilon);
    assert!(
        e[0].message
            .contains("not shipped for dataset \"circles\" (only epsilon)"),
        "{e:?}"
    );
    let (s, e) = PageState::parse(&pairs(&[("variance", "learned")]));
    assert_eq!(s.variance, Variance::FixedSmall);
    assert!(
        e[0].message.contains("needs a model that predicts its variance"),
        "{e:?}"
    );
    let (s, e) = PageState::parse(&pairs(&[("steps", "20"), ("t", "21")]));
    assert_eq!(s.t, None);
    assert_eq!(e[0].message, "t=\"21\" is beyond steps=20");
    // the malformed address of the lesson's own test: every field named, nothing else
    let (s, e) = PageState::parse(&pairs(&[
        ("param", "banana"),
        ("steps", "abc"),
        ("variance", "learned"),
        ("t", "999"),
        ("lang", "xx"),
    ]));
    let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["param", "steps", "lang", "variance", "t"]);
    assert_eq!(
        (s.param, s.variance, s.steps, s.t),
        (
            Parameterization::Epsilon,
            Variance::FixedSmall,
            catalog::STEPS.default,
            None
        )
    );
}

#[test]
fn a_readers_change_keeps_what_still_fits() {
    let s = PageState::default();
    let mv = s.with("param", "mean-variance").unwrap();
    assert_eq!(mv.variance, Variance::Learned, "the new model's default variance");
    let back = mv.with("param", "epsilon").unwrap();
    assert_eq!(back.variance, Variance::FixedSmall);
    let large = s
        .with("variance", "fixed-large")
        .unwrap()
        .with("param", "mean-variance")
        .unwrap();
    assert_eq!(large.variance, Variance::FixedLarge, "a chosen allowed variance stays");
    let v = s.with("param", "v").unwrap().with("dataset", "letters").unwrap();
    assert_eq!(v.param, Parameterization::Epsilon, "letters ships only epsilon");
    let e = s.with("variance", "learned").unwrap_err();
    assert_eq!(e.field, "variance");
    assert!(s.with("steps", "0").unwrap_err().message.contains("from 1 to 1000"));
    assert!(s
        .with("colour", "red")
        .unwrap_err()
        .message
        .contains("unknown setting 'colour'"));
    let at = PageState {
        t: Some(10),
        ..s.clone()
    };
    assert_eq!(at.with("seed", "3").unwrap().t, None, "a new seed starts at x_T");
    assert_eq!(at.with("lang", "es").unwrap().t, Some(10));
}

#[test]
fn a_model_with_a_short_chain_runs_all_of_it_by_default() {
    use catalog::model_default_steps;
    assert_eq!(
        model_default_steps(Parameterization::Epsilon, 1000),
        catalog::STEPS.default as usize
    );
    assert_eq!(model_default_steps(Parameterization::Epsilon, 100), 100);
    assert_eq!(
        model_default_steps(Parameterization::Mean, 1000),
        1000,
        "a mean model runs its whole chain"
    );
    assert_eq!(model_default_steps(Parameterization::Mean, 300), 300);
}

#[test]
fn shipped_weights_name_the_file_or_what_the_dataset_ships() {
    for m in catalog::models().iter().filter(|m| m.dataset.is_plane()) {
        let file = catalog::shipped_weights(m.dataset.name(), m.parameterization.name()).unwrap();
        assert_eq!(file, m.file, "the file the manifest lists");
        assert!(chain_attribute("dataset", m.dataset.name()).is_ok());
        assert!(chain_attribute("param", m.parameterization.name()).is_ok());
    }
    let shipped: Vec<&str> = catalog::shipped_parameterizations(Dataset::Checkerboard)
        .iter()
        .map(|p| p.name())
        .collect();
    assert!(
        !shipped.contains(&"mean"),
        "checkerboard ships no mean model (the refusal below needs one missing)"
    );
    assert_eq!(
        catalog::shipped_weights("checkerboard", "mean").unwrap_err(),
        format!(
            "no model ships for dataset=\"checkerboard\" param=\"mean\": checkerboard ships {}",
            shipped.join(", ")
        )
    );
    assert!(catalog::shipped_weights("mnist", "epsilon")
        .unwrap_err()
        .starts_with("attribute dataset: "));
    assert!(catalog::shipped_weights("moons", "noise")
        .unwrap_err()
        .starts_with("attribute param: "));
    assert!(chain_attribute("dataset", "mnist")
        .unwrap_err()
        .starts_with("attribute dataset=\"mnist\" must be one of moons"));
}

#[test]
fn chain_attributes_accept_the_catalog_and_refuse_by_name() {
    use catalog::AttributeValue::{List, Switch};
    assert_eq!(
        chain_attribute("controls", "scrub  play").unwrap(),
        List(vec!["play", "scrub"])
    );
    assert_eq!(chain_attribute("controls", "none").unwrap(), List(vec![]));
    assert_eq!(
        chain_attribute("controls", "play pause").unwrap_err(),
        "attribute controls=\"play pause\" has \"pause\": list any of play, scrub, settings, layers, inspect, match (or none)"
    );
    assert!(chain_attribute("controls", " ").unwrap_err().contains("is empty"));
    assert_eq!(chain_attribute("autoplay", "").unwrap(), Switch(true));
    assert!(chain_attribute("autoplay", "false")
        .unwrap_err()
        .contains("is a switch"));
    assert_eq!(
        chain_attribute("theme", "sepia").unwrap_err(),
        "attribute theme=\"sepia\" must be one of auto, light, dark"
    );
    for v in Variance::ALL {
        assert!(chain_attribute("variance", v.name()).is_ok());
    }
    for b in Backend::ALL {
        assert!(chain_attribute("backend", b.name()).is_ok());
    }
    for d in Draw::ALL {
        assert_eq!(
            chain_attribute("draw", d.name()).unwrap(),
            catalog::AttributeValue::Switch(d == Draw::Webgpu)
        );
    }
    assert_eq!(
        chain_attribute("samples", "16384").unwrap(),
        catalog::AttributeValue::Number(16384)
    );
    let cases = [
        (
            "variance",
            "huge",
            "attribute variance=\"huge\" must be one of fixed-small, fixed-large, learned",
        ),
        (
            "backend",
            "gpu",
            "attribute backend=\"gpu\" must be one of auto, webgpu, cpu",
        ),
        ("draw", "svg", "attribute draw=\"svg\" must be one of webgpu, canvas2d"),
        (
            "steps",
            "2.5",
            "attribute steps=\"2.5\" must be a whole number from 1 to 1000",
        ),
        (
            "samples",
            "0",
            "attribute samples=\"0\" must be a whole number from 1 to 16384",
        ),
        (
            "seed",
            " 7",
            "attribute seed=\" 7\" must be a whole number from 0 to 4294967295",
        ),
        ("t", "x", "attribute t=\"x\" must be a whole number from 0 to 1000"),
        (
            "weights",
            "",
            "attribute weights=\"\" must be the URL of a .safetensors file",
        ),
    ];
    for (name, raw, says) in cases {
        assert_eq!(chain_attribute(name, raw).unwrap_err(), says);
    }
    assert!(chain_attribute("colour", "red")
        .unwrap_err()
        .contains("no attribute 'colour'"));
}

#[test]
fn drawing_constants_fade_older_trails_and_keep_points_visible() {
    assert_eq!(catalog::trail_alpha(0, 8), 1.0);
    assert!(catalog::trail_alpha(1, 8) > catalog::trail_alpha(8, 8));
    assert!(catalog::trail_alpha(8, 8) > 0.0);
    assert_eq!(catalog::point_radius_px(100.0), 1.5);
    assert_eq!(catalog::point_radius_px(800.0), 2.0);
}

#[test]
fn models_that_cannot_skip_steps_run_their_whole_chain_by_default() {
    for p in Parameterization::ALL {
        let mu = matches!(p, Parameterization::Mean | Parameterization::MeanVariance);
        assert_eq!(p.skips_steps(), !mu, "{p}");
        assert_eq!(
            catalog::default_steps(p),
            if mu { catalog::STEPS.max } else { catalog::STEPS.default }
        );
    }
    // from the address: the default steps follow the model unless the address gives them
    let (s, e) = PageState::parse(&pairs(&[("param", "mean")]));
    assert!(e.is_empty());
    assert_eq!(s.steps, 1000);
    let (mv, _) = PageState::parse(&pairs(&[("param", "mean-variance")]));
    assert_eq!(
        (mv.variance, mv.steps),
        (Variance::Learned, 1000),
        "its own variance and steps"
    );
    assert_eq!(mv.to_query(), "?param=mean-variance");
    let (mv, _) = PageState::parse(&pairs(&[("param", "mean-variance"), ("variance", "fixed-large")]));
    assert_eq!(mv.variance, Variance::FixedLarge);
    assert_eq!(s.to_query(), "?param=mean", "the default is not written");
    let (s, _) = PageState::parse(&pairs(&[("param", "mean"), ("steps", "50")]));
    assert_eq!(s.steps, 50, "the respacing experiment stays possible");
    assert_eq!(s.to_query(), "?param=mean&steps=50");
    // from a reader's change
    let at = PageState {
        t: Some(30),
        ..PageState::default()
    };
    let mean = at.with("param", "mean").unwrap();
    assert_eq!((mean.steps, mean.t), (1000, None), "new steps start at x_T");
    let back = mean.with("param", "x0").unwrap();
    assert_eq!(back.steps, catalog::STEPS.default);
    let chosen = at.with("steps", "20").unwrap().with("param", "mean").unwrap();
    assert_eq!(chosen.steps, 20, "steps the reader chose stay");
    let x0 = at.with("param", "x0").unwrap();
    assert_eq!(
        (x0.steps, x0.t),
        (catalog::STEPS.default, Some(30)),
        "same steps: t stays"
    );
}

/// The recorded figure of `p` on moons for the chain the page runs it with.
fn page_figure(p: Parameterization) -> catalog::Figures {
    let m = catalog::models()
        .iter()
        .find(|m| m.dataset == Dataset::Moons && m.parameterization == p)
        .unwrap_or_else(|| panic!("moons-{p} ships"));
    m.figures_for(p.default_variance(), catalog::default_steps(p) as usize)
        .unwrap_or_else(|| panic!("moons-{p} has figures for the chain the page runs (tools/record-evals.py)"))
        .clone()
}

#[test]
fn every_shipped_model_has_figures_for_every_chain_the_page_offers() {
    for m in catalog::models() {
        let p = m.parameterization;
        for (variance, steps) in catalog::page_chains(p) {
            let f = m
                .figures_for(variance, steps as usize)
                .unwrap_or_else(|| panic!("{}: no figures for {variance} at {steps} steps", m.file));
            assert!(
                f.seeds >= 5,
                "{} {variance} {steps}: the page's figures are means over at least 5 draws",
                m.file
            );
        }
    }
}

/// What section 4 of the lesson (`s4.p3`) says, against the recorded figures. "a reaches the data
/// better than b" must hold by more than the two means' standard errors (sd/√draws) together, so
/// it is not an accident of the draws.
#[test]
fn the_lessons_ranking_of_parameterizations_holds_in_the_figures() {
    use Parameterization::*;
    let better = |a: Parameterization, b: Parameterization| {
        let (fx, fy) = (page_figure(a), page_figure(b));
        let quality = |f: &catalog::Figures| f.quality.clone().expect("a model in the plane has a quality ratio");
        let se = |f: &catalog::Figures| quality(f).sd / (f.seeds as f64).sqrt();
        let (x, y) = (quality(&fx), quality(&fy));
        assert!(
            x.ratio + se(&fx) + se(&fy) < y.ratio,
            "the lesson says {a} reaches the data better than {b}: {:.3} ± {:.3} vs {:.3} ± {:.3}",
            x.ratio,
            x.sd,
            y.ratio,
            y.sd
        );
    };
    // "predicting the noise ε or v reaches the data best, predicting the clean point x_0 less
    // well, and predicting the mean or the mean and its variance worst"
    for a in [Epsilon, V] {
        better(a, X0);
        for b in [Mean, MeanVariance] {
            better(a, b);
        }
    }
    for b in [Mean, MeanVariance] {
        better(X0, b);
    }
    // "the same mean model with few steps scores … and ends in noise": it scores like N(0, I)
    // itself, measured here the way `ptheta eval` measures (2000 points, held-out data seeds far
    // from the models'); within 20%, which is far more than one draw's spread (sd ≈ 0.2–0.7).
    let mean = catalog::models()
        .iter()
        .find(|m| m.dataset == Dataset::Moons && m.parameterization == Mean)
        .unwrap();
    let cut = mean
        .figures_for(Mean.default_variance(), catalog::RESPACING_EXPERIMENT_STEPS as usize)
        .expect("the respacing experiment is recorded");
    let mut noise = vec![0f32; cut.samples * 2];
    ptheta::diffusion::rng::fill_normal(&mut noise, 2, 99, ptheta::diffusion::rng::Stream::Prior, 0);
    let noise_ratio = ptheta::eval::quality_ratio(&noise, 2, |k| {
        Dataset::Moons.sample(cut.samples, 5_000_000 + k).unwrap()
    })
    .ratio;
    assert!(
        cut.quality.as_ref().unwrap().ratio > 0.8 * noise_ratio,
        "respaced mean model {:.2}, plain N(0, I) noise {noise_ratio:.2}",
        cut.quality.as_ref().unwrap().ratio
    );
}
