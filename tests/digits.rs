//! The second world: the digits file and its split, the image figures of `ptheta eval` on known
//! cases (the real held-out digits score as the reference; copies of the training set and noise
//! are caught), a 64-dimensional model through the limits and the chain, the catalog keeping the
//! digits out of the 2-D page, and the CLI from `train --dataset digits` to `eval`.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

use candle_core::{DType, Device};
use ptheta::catalog::{self, PageState};
use ptheta::chain::{predicted_x0, Chain, ChainOptions};
use ptheta::data::Dataset;
use ptheta::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
use ptheta::digits::{self, Split, CLASSES, DIM};
use ptheta::image_eval::{self, Classifier};
use ptheta::model::{Denoiser, ModelConfig, WeightsError};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_file_holds_the_1797_digits_scaled_to_plus_minus_one() {
    let all = digits::images(Split::All);
    assert_eq!((all.len(), all.images.len()), (1797, 1797 * DIM));
    assert!(all.images.iter().all(|v| (-1.0..=1.0).contains(v)));
    // blank and fully inked cells both occur, at the ends of the scale
    assert!(all.images.contains(&-1.0) && all.images.contains(&1.0));
    // the class counts scikit-learn's digits.csv.gz holds
    assert_eq!(all.class_counts(), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // the file's first row, a 0: "0,0,5,13,9,1,0,0,…"
    assert_eq!(all.labels[0], 0);
    let first: Vec<f32> = [0, 0, 5, 13, 9, 1, 0, 0].iter().map(|&v| digits::scale(v)).collect();
    assert_eq!(&all.image(0)[..8], first.as_slice());
    assert_eq!(digits::scale(0), -1.0);
    assert_eq!(digits::scale(8), 0.0);
    assert_eq!(Dataset::Digits.dim(), DIM);
    assert_eq!(Dataset::Digits.image_side(), Some(digits::SIDE));
}

#[test]
fn every_fifth_digit_is_held_out_and_the_rest_trains() {
    let (all, train, held) = (
        digits::images(Split::All),
        digits::images(Split::Train),
        digits::images(Split::HeldOut),
    );
    assert_eq!((train.len(), held.len()), (1442, 355));
    // the file's rows 0 … 9 are the digits 0 … 9 in order, and its fifth 0 is held out
    assert_eq!(&all.labels[..10], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let fifth_zero = (0..all.len()).filter(|&i| all.labels[i] == 0).nth(4).unwrap();
    let first_held_zero = (0..held.len()).find(|&i| held.labels[i] == 0).unwrap();
    assert_eq!(held.image(first_held_zero), all.image(fifth_zero));
    assert_eq!(train.image(0), all.image(0));
    for k in 0..CLASSES {
        assert_eq!(train.class_counts()[k] + held.class_counts()[k], all.class_counts()[k]);
        assert_eq!(
            held.class_counts()[k],
            all.class_counts()[k] / 5,
            "a fifth of each digit"
        );
    }
}

#[test]
fn the_classifier_reads_held_out_digits_and_their_figures_are_the_reference() {
    let (train, held) = (digits::images(Split::Train), digits::images(Split::HeldOut));
    let classifier = Classifier::train(&train);
    let accuracy = classifier.accuracy(&held);
    println!(
        "held-out accuracy {accuracy:.3}, on its training digits {:.3}",
        classifier.accuracy(&train)
    );
    assert!(
        accuracy > 0.9,
        "a linear classifier reads 8×8 digits at about 95%: {accuracy}"
    );
    // the real held-out digits, scored as if a model had drawn them, get the reference figures
    let f = image_eval::image_figures(std::slice::from_ref(&held.images), &train, &held);
    assert_eq!(f.reference.accuracy, accuracy);
    assert_eq!(f.confidence.mean, f.reference.confidence);
    assert_eq!(f.classes.mean, f.reference.classes);
    assert_eq!(f.nearest.mean, f.reference.nearest);
    assert!(
        f.reference.classes > 9.9,
        "the held-out digits are balanced: {}",
        f.reference.classes
    );
    assert!(f.reference.confidence > 0.8, "{}", f.reference.confidence);
    assert!(
        f.reference.nearest > 1.0,
        "held-out digits are not copies: {}",
        f.reference.nearest
    );
    assert!((f.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn copies_noise_and_a_single_digit_are_told_apart_from_digits() {
    let (train, held) = (digits::images(Split::Train), digits::images(Split::HeldOut));
    let reference = image_eval::image_figures(std::slice::from_ref(&held.images), &train, &held).reference;
    // a model that copies its training set: every sample at distance 0 from it
    let copies = train.images[..300 * DIM].to_vec();
    assert_eq!(image_eval::mean_nearest_distance(&copies, &train.images), 0.0);
    // Gaussian noise: far from every digit, and not read confidently
    let mut noise = vec![0f32; 300 * DIM];
    ptheta::diffusion::rng::fill_normal(&mut noise, DIM, 7, ptheta::diffusion::rng::Stream::Prior, 0);
    let f = image_eval::image_figures(&[copies, noise.clone()], &train, &held);
    assert_eq!(f.nearest.values[0], 0.0);
    assert!(
        f.nearest.values[1] > 2.0 * reference.nearest,
        "noise {} vs held-out {}",
        f.nearest.values[1],
        reference.nearest
    );
    assert!(f.nearest.sd > 0.0 && f.confidence.values[1] < f.confidence.values[0]);
    // a model that draws one digit only: one class, all of the shares
    let one: Vec<f32> = held.image(0).repeat(50);
    let r = image_eval::recognize(&Classifier::train(&train), &one);
    assert_eq!(r.classes, 1.0);
    assert_eq!(r.shares.iter().filter(|&&s| s == 1.0).count(), 1);
}

/// A 64-dimensional network with zero weights: loads, runs, and is bounded like any other.
fn zero_image_model(p: Parameterization, timesteps: usize) -> Denoiser {
    let mut c = ModelConfig::for_dataset(Dataset::Digits, p, ScheduleKind::Linear, timesteps);
    c.dataset = "digits".into();
    Denoiser::new(c, candle_nn::VarBuilder::zeros(DType::F32, &Device::Cpu)).unwrap()
}

#[test]
fn a_weights_file_must_have_a_datasets_dimension_and_a_bounded_input_layer() {
    let digits = ModelConfig::for_dataset(Dataset::Digits, Parameterization::Epsilon, ScheduleKind::Linear, 1000);
    assert_eq!((digits.dim, digits.input_width()), (64, 1040));
    digits.check().unwrap();
    assert!(digits.input_width() as u64 <= catalog::INPUT_FEATURES.max);
    let refused = |c: &ModelConfig| match c.check() {
        Err(WeightsError::ConfigOutOfRange { field, accepts, .. }) => format!("{field}: {accepts}"),
        other => panic!("{other:?}"),
    };
    let three = ModelConfig {
        dim: 3,
        ..digits.clone()
    };
    assert_eq!(refused(&three), "dim: the dimension of one of pθ's datasets: 2 or 64");
    let wide = ModelConfig {
        emb_size: 32,
        ..digits.clone()
    };
    assert_eq!(refused(&wide), "dim and emb_size: (dim + 1) · emb_size of at most 1040");
    // a model in the plane keeps its shape
    let plane = ModelConfig::for_dataset(Dataset::Moons, Parameterization::Epsilon, ScheduleKind::Linear, 1000);
    assert_eq!(
        plane,
        ModelConfig::standard(Parameterization::Epsilon, ScheduleKind::Linear, 1000)
    );
}

#[test]
fn an_image_chain_runs_and_its_history_is_bounded() {
    let model = zero_image_model(Parameterization::EpsilonVariance, 100);
    let schedule = Schedule::respaced(ScheduleKind::Linear, 100, 10).unwrap();
    let options = |samples, keep_history, variance| ChainOptions {
        variance,
        steps: 10,
        samples,
        seed: 3,
        keep_history,
    };
    let mut chain = Chain::new(model, schedule.clone(), &options(5, true, Variance::Learned)).unwrap();
    chain.run().unwrap();
    assert_eq!(chain.positions().len(), 5 * DIM);
    assert!(chain.positions().iter().all(|v| v.is_finite()));
    // 16384 images over 1000 steps would keep 4 GiB of history
    let full = Schedule::respaced(ScheduleKind::Linear, 1000, 1000).unwrap();
    let big = zero_image_model(Parameterization::Epsilon, 1000);
    let e = Chain::new(big, full.clone(), &options(16384, true, Variance::FixedSmall))
        .err()
        .unwrap();
    assert!(e.contains("4000 MiB of history, more than the 125 MiB"), "{e}");
    // the same chain without history is only its state
    assert!(Chain::new(
        zero_image_model(Parameterization::Epsilon, 1000),
        full,
        &options(16384, false, Variance::FixedSmall)
    )
    .is_ok());
}

#[test]
fn the_digits_are_offered_as_a_world_of_images_never_as_a_2d_dataset() {
    let c = serde_json::to_value(catalog::catalog()).unwrap();
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!names(&c["datasets"]).contains(&"digits".to_string()));
    assert_eq!(names(&c["imageDatasets"]), ["digits"]);
    let d = &c["imageDatasets"][0];
    assert_eq!((d["side"].as_u64(), d["dim"].as_u64()), (Some(8), Some(64)));
    // the grid shades from a blank pixel to full ink: the values the denoisers were trained on
    assert_eq!((d["paper"].as_f64(), d["ink"].as_f64()), (Some(-1.0), Some(1.0)));
    assert_eq!(d["samples"].as_u64(), Some(catalog::IMAGE_SAMPLES));
    let shipped: Vec<Parameterization> = catalog::shipped_parameterizations(Dataset::Digits);
    assert_eq!(
        d["parameterizations"],
        serde_json::to_value(&shipped).unwrap(),
        "what ships for the digits"
    );
    // the grid of n images: the fewest columns that keep it square
    let columns: Vec<usize> = [1, 2, 4, 5, 63, 64, 65, 1024].map(catalog::grid_columns).to_vec();
    assert_eq!(columns, [1, 2, 2, 3, 8, 8, 9, 32]);
    // the 2-D page's address and the lesson's points refuse it by name
    let (s, errors) = PageState::parse(&[("dataset".into(), "digits".into())]);
    assert_eq!(s.dataset, Dataset::DEFAULT);
    assert!(
        errors[0].message.starts_with("dataset=\"digits\" must be one of moons"),
        "{errors:?}"
    );
    assert!(PageState::default().with("dataset", "digits").is_err());
    // <ptheta-chain> runs it (as a grid of images), with the models that ship for it
    assert_eq!(
        catalog::chain_attribute("dataset", "digits"),
        Ok(catalog::AttributeValue::Name("digits"))
    );
    assert_eq!(
        catalog::shipped_weights("digits", "epsilon").as_deref(),
        Ok("digits-epsilon.safetensors")
    );
    assert!(catalog::shipped_weights("digits", "v")
        .unwrap_err()
        .starts_with("no model ships for dataset=\"digits\" param=\"v\": digits ships epsilon"));
    assert!(ptheta::lesson::dataset_samples("digits", 4, 0)
        .unwrap_err()
        .contains("not a world in the plane"));
}

fn ptheta(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ptheta"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("ptheta runs")
}

#[test]
fn ptheta_trains_samples_and_evaluates_on_the_digits() {
    let dir = std::env::temp_dir().join(format!("ptheta-digits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let weights = dir.join("tiny.safetensors");
    let w = weights.to_str().unwrap();
    let o = ptheta(&[
        "train",
        "--dataset",
        "digits",
        "--iterations",
        "3",
        "--batch",
        "16",
        "--timesteps",
        "50",
        "--out",
        w,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("1442 training images"));
    let model = Denoiser::from_safetensors(&std::fs::read(&weights).unwrap()).unwrap();
    assert_eq!((model.config.dim, model.config.dataset.as_str()), (64, "digits"));

    let csv = dir.join("samples.csv");
    let o = ptheta(&[
        "sample",
        "--weights",
        w,
        "--samples",
        "5",
        "--steps",
        "3",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "a header and one row per sample");
    assert!(lines[0].starts_with("r0c0,r0c1,") && lines[0].ends_with(",r7c7"));
    for row in &lines[1..] {
        let values: Vec<f32> = row.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(values.len(), 64);
    }

    let o = ptheta(&[
        "eval",
        "--weights",
        w,
        "--samples",
        "20",
        "--steps",
        "3",
        "--elbo-points",
        "10",
        "--seeds",
        "2",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f: image_eval::ImageFigures = serde_json::from_value(v["images"].clone()).unwrap();
    assert_eq!((f.confidence.values.len(), f.nearest.values.len()), (2, 2));
    assert!(f.reference.accuracy > 0.9);
    assert!(v["nelbo"]["total"].as_f64().unwrap().is_finite());
    assert!(v.get("quality").is_none(), "no kernel discrepancy in 64 dimensions");
    let o = ptheta(&[
        "eval",
        "--weights",
        w,
        "--samples",
        "4",
        "--steps",
        "2",
        "--elbo-points",
        "0",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("classifier confidence") && text.contains("nearest training digit"),
        "{text}"
    );
    let o = ptheta(&["eval", "--weights", w, "--csv", "tests/data/golden.json"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not on a CSV of points"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The shipped digits models' recorded figures (weights/manifest.json; `tests/shipped.spec.mjs`
/// re-runs their eval commands): every one has image figures, its real-digit reference is what
/// the code computes now, and the samples read as digits without being copies.
#[test]
fn the_shipped_digits_models_draw_digits_that_are_not_copies() {
    let (train, held) = (digits::images(Split::Train), digits::images(Split::HeldOut));
    let reference = image_eval::ImageReference::of(&Classifier::train(&train), &train, &held);
    let shipped: Vec<&catalog::Model> = catalog::models()
        .iter()
        .filter(|m| m.dataset == Dataset::Digits)
        .collect();
    let params: Vec<Parameterization> = shipped.iter().map(|m| m.parameterization).collect();
    assert_eq!(params, [Parameterization::Epsilon, Parameterization::EpsilonVariance]);
    for m in shipped {
        for f in std::iter::once(&m.figures).chain(&m.evals) {
            let what = format!("{} {} {} steps", m.file, f.variance, f.steps);
            let i = f.images.as_ref().expect("image figures");
            let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
            assert!(
                close(i.reference.accuracy, reference.accuracy)
                    && close(i.reference.confidence, reference.confidence)
                    && close(i.reference.nearest, reference.nearest),
                "{what}: recorded reference {:?}, computed {reference:?}",
                i.reference
            );
            assert!(f.seeds >= 5 && i.confidence.values.len() == f.seeds as usize, "{what}");
            // read as digits, most of the confidence the real ones get, every digit drawn
            assert!(
                i.confidence.mean > reference.confidence - 0.15,
                "{what}: {:?}",
                i.confidence
            );
            assert!(i.classes.mean > 9.0, "{what}: {:?}", i.classes);
            // not copies (those are at 0) and not noise (far beyond the held-out digits' distance)
            assert!(
                i.nearest.mean > 0.8 * reference.nearest && i.nearest.mean < 1.5 * reference.nearest,
                "{what}: {:?} vs held-out {}",
                i.nearest,
                reference.nearest
            );
            assert!(f.nelbo.total.is_finite());
        }
    }
}

/// What the lesson says of the grid (`world2.p2` in www/i18n), measured on the shipped
/// digits-epsilon at the page's steps (200), 256 samples, seed 1: how much of x̂_0 lies within an
/// image's range (|v| ≤ 1.25: paper −1 and ink 1 and a little beyond), and how like the image the
/// sample ends as each grid is, as drawn (clamped to [−1, 1]): the mean over samples of the
/// correlation of its 64 pixels with those of its x_0.
///
/// Measured (t: x̂_0 within range; x_t, x̂_0 correlation with x_0): 180: 0.27; 0.02, 0.06 ·
/// 120: 0.91; 0.11, 0.64 · 80: 0.99; 0.34, 0.80 · 40: 0.99; 0.73, 0.92 · 20: 0.98; 0.92, 0.97.
/// The bounds sit between these and what each sentence, were it false, would give: "wild at
/// first" (most of x̂_0 beyond range at 90 % of S), "by the middle a blurred version of the digit
/// while x_t still looks like noise" (at 60 %: x̂_0 in range and correlated above 0.5, x_t below
/// 0.25), "it sharpens" (the correlation rises at every later checkpoint, ahead of x_t's). Each
/// `predicted_x0` row is also the chain's own inspection's x̂_0.
#[test]
fn what_the_grid_shows_is_what_the_lesson_says() {
    let bytes = std::fs::read(format!("{ROOT}/weights/digits-epsilon.safetensors")).unwrap();
    let model = Denoiser::from_safetensors(&bytes).unwrap();
    let cfg = model.config.clone();
    let steps = catalog::model_default_steps(cfg.parameterization, cfg.timesteps);
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps).unwrap();
    let options = ChainOptions {
        variance: cfg.parameterization.default_variance(),
        steps,
        samples: 256,
        seed: 1,
        keep_history: false,
    };
    let mut chain = Chain::new(model, schedule.clone(), &options).unwrap();
    let checkpoints: Vec<usize> = [90, 60, 40, 20, 10].iter().map(|p| steps * p / 100).collect();
    let mut seen = Vec::new();
    while chain.t() > 0 {
        if checkpoints.contains(&chain.t()) {
            let x = chain.positions().to_vec();
            let x0 = predicted_x0(chain.model(), &schedule, chain.t(), &x).unwrap();
            for k in [0, 17, 255] {
                let ins = chain.inspect(k).unwrap();
                let row: Vec<f32> = ins.x0.iter().map(|&v| v as f32).collect();
                assert_eq!(row, x0[k * DIM..(k + 1) * DIM], "sample {k} at t = {}", chain.t());
            }
            seen.push((chain.t(), x, x0));
        }
        chain.step().unwrap();
    }
    let end = chain.positions().to_vec();
    let in_range = |v: &[f32]| v.iter().filter(|u| u.abs() <= 1.25).count() as f64 / v.len() as f64;
    let like_the_end = |v: &[f32]| {
        let mut total = 0.0;
        for (p, q) in v.chunks(DIM).zip(end.chunks(DIM)) {
            let p: Vec<f64> = p.iter().map(|u| u.clamp(-1.0, 1.0) as f64).collect();
            let q: Vec<f64> = q.iter().map(|u| u.clamp(-1.0, 1.0) as f64).collect();
            let (mp, mq) = (p.iter().sum::<f64>() / 64.0, q.iter().sum::<f64>() / 64.0);
            let (mut pq, mut pp, mut qq) = (0.0, 0.0, 0.0);
            for (u, v) in p.iter().zip(&q) {
                pq += (u - mp) * (v - mq);
                pp += (u - mp) * (u - mp);
                qq += (v - mq) * (v - mq);
            }
            total += pq / (pp * qq).sqrt();
        }
        total / (v.len() / DIM) as f64
    };
    let m: Vec<(usize, f64, f64, f64)> = seen
        .iter()
        .map(|(t, x, x0)| (*t, in_range(x0), like_the_end(x), like_the_end(x0)))
        .collect();
    eprintln!("t, x̂_0 within range, x_t like x_0, x̂_0 like x_0: {m:.3?}");
    let (_, early_range, ..) = m[0];
    assert!(early_range < 0.5, "at first x̂_0 is wild: {m:?}");
    let (_, mid_range, mid_xt, mid_x0) = m[1];
    assert!(mid_range > 0.8 && mid_x0 > 0.5 && mid_xt < 0.25, "by the middle: {m:?}");
    for w in m[1..].windows(2) {
        assert!(w[1].3 > w[0].3, "x̂_0 sharpens as t falls: {m:?}");
    }
    assert!(m[1..].iter().all(|&(_, _, xt, x0)| x0 > xt), "x̂_0 ahead of x_t: {m:?}");
}
