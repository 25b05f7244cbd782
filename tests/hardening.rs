//! No input can crash pθ: mutated weights files and random CSV text never panic the parsers (they
//! load or give an error), each CSV refusal names its line and quotes it briefly, and the README
//! lists the catalog's limits as they are.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use ptheta::catalog::{self, LIMITS};
use ptheta::data::{parse_csv, QUOTE_CHARS};
use ptheta::model::{Denoiser, WeightsError, CONFIG_KEY};

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/weights/moons-epsilon.safetensors");

fn shipped() -> Vec<u8> {
    std::fs::read(SHIPPED).unwrap()
}

/// The header's JSON and the tensor data of a safetensors file.
fn split(bytes: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    (header, bytes[8 + n..].to_vec())
}

/// A safetensors file from a header and tensor data (offsets are relative to the data).
fn join(header: &serde_json::Value, data: &[u8]) -> Vec<u8> {
    let json = serde_json::to_vec(header).unwrap();
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend(json);
    out.extend(data);
    out
}

/// The shipped file with one field of its pθ configuration set to `value`.
fn with_config_field(field: &str, value: serde_json::Value) -> Vec<u8> {
    let (mut header, data) = split(&shipped());
    let text = header["__metadata__"][CONFIG_KEY].as_str().unwrap().to_string();
    let mut config: serde_json::Value = serde_json::from_str(&text).unwrap();
    config[field] = value;
    header["__metadata__"][CONFIG_KEY] = serde_json::Value::String(config.to_string());
    join(&header, &data)
}

/// Loads `bytes` as a reader would; a panic fails the property.
fn load(bytes: &[u8]) -> Result<(), WeightsError> {
    let m = Denoiser::from_safetensors(bytes)?;
    // what loads must run: the probe guarantees finite output
    let out = m.forward_slice(&[0.3, -0.2], 0).expect("a loaded model runs");
    assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
    Ok(())
}

/// Any JSON value a hostile or careless writer might put in a configuration field.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        any::<u64>().prop_map(|v| json!(v)),
        any::<i64>().prop_map(|v| json!(v)),
        any::<f64>().prop_map(|v| json!(v)),
        (0u64..3000).prop_map(|v| json!(v)),
        prop::sample::select(vec![
            json!(0),
            json!(1),
            json!(2),
            json!(-1),
            json!(1e300),
            json!(-1e300),
            json!(18446744073709551615u64),
            json!(2_000_000_000u64),
            json!(100_000_000u64),
            json!(null),
            json!("moons"),
            json!("x".repeat(1000)),
            json!([1, 2]),
            json!({}),
            json!(true),
        ]),
    ]
}

const CONFIG_FIELDS: [&str; 12] = [
    "format_version",
    "dim",
    "emb_size",
    "hidden",
    "blocks",
    "input_scale",
    "parameterization",
    "schedule",
    "timesteps",
    "dataset",
    "train_steps",
    "seed",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn flipped_bytes_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                                 in_header in any::<bool>()) {
        let mut bytes = shipped();
        // half the time aim at the header, where a flip changes the structure, not a weight
        let span = if in_header { 1100 } else { bytes.len() };
        for (at, mask) in flips {
            let i = at.index(span);
            bytes[i] ^= mask | 1;
        }
        let _ = load(&bytes);
    }

    #[test]
    fn truncated_files_never_panic(cut in any::<prop::sample::Index>()) {
        let bytes = shipped();
        let at = cut.index(bytes.len());
        prop_assert!(load(&bytes[..at]).is_err(), "a file cut at {} of {} bytes was accepted", at, bytes.len());
    }

    #[test]
    fn overwritten_runs_never_panic(at in any::<prop::sample::Index>(), run in prop::collection::vec(any::<u8>(), 1..64)) {
        let mut bytes = shipped();
        let start = at.index(bytes.len());
        for (i, b) in run.into_iter().enumerate() {
            if let Some(slot) = bytes.get_mut(start + i) {
                *slot = b;
            }
        }
        let _ = load(&bytes);
    }

    #[test]
    fn any_configuration_field_value_never_panics(field in prop::sample::select(CONFIG_FIELDS.to_vec()), value in json_value()) {
        let _ = load(&with_config_field(field, value));
    }

    #[test]
    fn rewritten_tensor_entries_never_panic(entry in any::<prop::sample::Index>(), which in 0usize..3, value in json_value()) {
        let (mut header, data) = split(&shipped());
        let names: Vec<String> = header.as_object().unwrap().keys().filter(|k| *k != "__metadata__").cloned().collect();
        let name = entry.get(&names).clone();
        let key = ["dtype", "shape", "data_offsets"][which];
        header[&name][key] = value;
        let _ = load(&join(&header, &data));
    }

    #[test]
    fn random_csv_text_never_panics(pieces in prop::collection::vec(prop::sample::select(vec![
        "0", "1", "-2.5", "1e39", "-1e39", "3.4e38", "1e-50", "NaN", "inf", "x", "y", "é", "\u{feff}",
        ",", ",", ",", "\n", "\n", "\r\n", " ", "#", "", "1,2\n", "x,y\n",
    ]), 0..60), tail in any::<String>()) {
        let text = format!("{}{tail}", pieces.concat());
        match parse_csv(&text) {
            Ok(points) => {
                prop_assert!(points.len() % 2 == 0 && !points.is_empty());
                prop_assert!(points.iter().all(|v| v.is_finite()), "{:?}", points);
            }
            Err(e) => {
                prop_assert!(e.line <= text.lines().count().max(1), "{}", e);
                // the message quotes at most QUOTE_CHARS of the input, plus its own words
                prop_assert!(e.message.chars().count() <= QUOTE_CHARS + 100, "{}", e);
            }
        }
    }
}

#[test]
fn the_properties_see_what_they_test() {
    // the unmutated file loads, and a configuration rewrite takes effect
    load(&shipped()).unwrap();
    let e = load(&with_config_field("blocks", serde_json::json!(100_000_000u64))).unwrap_err();
    assert!(
        matches!(e, WeightsError::ConfigOutOfRange { field: "blocks", .. }),
        "{e}"
    );
}

#[test]
fn csv_values_beyond_f32_are_refused_with_their_line() {
    let e = parse_csv("x,y\n1,2\n3,1e39\n").unwrap_err();
    assert_eq!(e.line, 3);
    assert_eq!(e.message, "'1e39' is beyond the range of 32-bit floats (±3.4e38)");
    let e = parse_csv("-3.5e38,0\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1: '-3.5e38' is beyond the range of 32-bit floats (±3.4e38)"
    );
    // the largest f32 itself is a value
    assert_eq!(parse_csv("3.4e38,0\n").unwrap(), vec![3.4e38, 0.0]);
}

#[test]
fn a_leading_byte_order_mark_is_ignored() {
    assert_eq!(parse_csv("\u{feff}1,2\n3,4\n").unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(parse_csv("\u{feff}x,y\n1,2\n").unwrap(), vec![1.0, 2.0]);
    // only at the start: elsewhere it is not a number
    let e = parse_csv("1,2\n\u{feff}3,4\n").unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (2, "'\u{feff}3' is not a number"));
}

#[test]
fn a_long_bad_line_is_quoted_briefly() {
    let long = "7".repeat(600_000);
    let e = parse_csv(&format!("1,2\n{long}\n")).unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(
        e.message,
        format!(
            "expected 2 values 'x,y', found 1 field(s) in '{}…'",
            "7".repeat(QUOTE_CHARS)
        )
    );
    let e = parse_csv(&format!("1,{long}z\n")).unwrap_err();
    assert_eq!(e.message, format!("'{}…' is not a number", "7".repeat(QUOTE_CHARS)));
    // a short one whole, without the ellipsis
    let e = parse_csv("1,abc\n").unwrap_err();
    assert_eq!(e.message, "'abc' is not a number");
}

#[test]
fn csv_size_and_rows_are_bounded() {
    let max = catalog::CSV_BYTES.max as usize;
    let e = parse_csv(&" ".repeat(max + 1)).unwrap_err();
    assert_eq!(e.line, 0);
    assert_eq!(
        e.to_string(),
        format!("the CSV is {} bytes, more than the {max} pθ reads", max + 1)
    );
    let rows = catalog::CSV_ROWS.max as usize;
    let text = "0,0\n".repeat(rows + 1);
    let e = parse_csv(&text).unwrap_err();
    assert_eq!(e.line, rows + 1);
    assert_eq!(e.message, format!("more than {rows} points, the most pθ reads"));
    assert_eq!(parse_csv(&text[..4 * rows]).unwrap().len(), 2 * rows);
}

/// The README's "Limits" table, as the catalog gives it.
fn limits_table() -> String {
    let mut t = String::from("| limit | accepts | bounds |\n|---|---|---|\n");
    for e in &LIMITS {
        t.push_str(&format!(
            "| `{}` | {} to {} | {} |\n",
            e.key, e.limit.min, e.limit.max, e.bounds
        ));
    }
    t
}

#[test]
fn the_readme_lists_every_limit_as_the_catalog_has_it() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = limits_table();
    assert!(
        readme.contains(&table),
        "README.md's Limits table differs from the catalog; it should read:\n{table}"
    );
    let budget = format!("{} MiB", catalog::MEMORY_BUDGET_BYTES >> 20);
    assert!(readme.contains(&budget), "README.md states the memory budget, {budget}");
}

#[test]
fn every_limit_is_published_to_js_under_its_key() {
    let catalog = serde_json::to_value(catalog::catalog()).unwrap();
    let limits = catalog["limits"].as_object().unwrap();
    assert_eq!(limits.len(), LIMITS.len());
    for e in &LIMITS {
        assert_eq!(limits[e.key]["min"], e.limit.min, "{}", e.key);
        assert_eq!(limits[e.key]["max"], e.limit.max, "{}", e.key);
        assert_eq!(limits[e.key]["default"], e.limit.default, "{}", e.key);
        assert!(
            e.limit.min <= e.limit.default && e.limit.default <= e.limit.max,
            "{}",
            e.key
        );
    }
}

#[test]
fn library_entry_points_check_sizes_before_allocating() {
    use ptheta::chain::{Chain, ChainOptions};
    use ptheta::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
    use ptheta::model::ModelConfig;
    use ptheta::train::{train, TrainOptions};

    assert_eq!(
        Schedule::new(ScheduleKind::Linear, 2_000_000_000).err().unwrap(),
        "T must be from 2 to 1000, got 2000000000"
    );
    let model = Denoiser::from_safetensors(&shipped()).unwrap();
    let schedule = Schedule::respaced(model.config.schedule, model.config.timesteps, 10).unwrap();
    let options = |samples| ChainOptions {
        variance: Variance::FixedSmall,
        steps: 10,
        samples,
        seed: 0,
        keep_history: true,
    };
    for (samples, says) in [
        (0, "the number of samples must be at least 1".to_string()),
        (
            usize::MAX,
            format!("{} samples of dimension 2 do not fit in memory", usize::MAX),
        ),
    ] {
        let e = Chain::new(
            Denoiser::from_safetensors(&shipped()).unwrap(),
            schedule.clone(),
            &options(samples),
        )
        .err()
        .unwrap();
        assert_eq!(e, says);
    }
    drop(model);

    let opts = |edit: fn(&mut TrainOptions)| {
        let mut o = TrainOptions {
            config: ModelConfig::standard(Parameterization::Epsilon, ScheduleKind::Linear, 100),
            data: vec![0.0; 16],
            steps: 1,
            batch: 4,
            learning_rate: 1e-3,
            ema_decay: 0.9,
            seed: 0,
        };
        edit(&mut o);
        train(o, |_| {}).err().unwrap()
    };
    assert_eq!(opts(|o| o.batch = 0), "batch must be from 1 to 4096, got 0");
    assert_eq!(
        opts(|o| o.steps = usize::MAX),
        format!("training steps must be from 1 to 1000000, got {}", usize::MAX)
    );
    assert_eq!(
        opts(|o| o.ema_decay = -5.0),
        "EMA decay must be at least 0 and below 1, got -5"
    );
    assert_eq!(
        opts(|o| o.learning_rate = f64::NAN),
        "learning rate must be a finite number above 0, got NaN"
    );
    assert_eq!(
        opts(|o| o.config.blocks = 100_000_000),
        "weights configuration field 'blocks' is 100000000; pθ accepts a whole number from 0 to 8"
    );
}

#[test]
fn the_lessons_sizes_from_the_page_are_bounded() {
    use ptheta::lesson;
    for name in lesson::PANEL_SCHEDULES {
        assert_eq!(
            lesson::panel_table(name, 2_000_000_000).err().unwrap(),
            "T must be from 2 to 1000, got 2000000000",
            "{name}"
        );
        assert_eq!(
            lesson::panel_table(name, 1).err().unwrap(),
            "T must be from 2 to 1000, got 1"
        );
        assert!(lesson::panel_table(name, catalog::PLOT_TIMESTEPS.max as usize).is_ok());
    }
    assert_eq!(
        lesson::dataset_samples("moons", 1_000_000_000, 0).unwrap_err(),
        "points must be from 0 to 16384, got 1000000000"
    );
}
