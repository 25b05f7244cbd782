//! Every way a weights file is refused, each with an error that says which.
#![cfg(not(target_arch = "wasm32"))]

use candle_core::{Device, Tensor};
use ptheta::diffusion::{Parameterization, ScheduleKind};
use ptheta::model::{to_half, to_safetensors, Denoiser, ModelConfig, WeightsError};

fn config() -> ModelConfig {
    let mut c = ModelConfig::standard(Parameterization::Epsilon, ScheduleKind::Linear, 1000);
    c.emb_size = 8;
    c.hidden = 6;
    c.blocks = 1;
    c
}

fn tensors(c: &ModelConfig) -> Vec<(String, Tensor)> {
    c.tensor_shapes()
        .into_iter()
        .map(|(n, s)| {
            let len: usize = s.iter().product();
            let v: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin() * 0.1).collect();
            (n, Tensor::from_vec(v, s.as_slice(), &Device::Cpu).unwrap())
        })
        .collect()
}

fn refuse(bytes: &[u8]) -> WeightsError {
    match Denoiser::from_safetensors(bytes) {
        Ok(_) => panic!("weights were accepted"),
        Err(e) => e,
    }
}

#[test]
fn a_valid_file_loads_and_runs() {
    let c = config();
    let bytes = to_safetensors(&c, &tensors(&c)).unwrap();
    let m = Denoiser::from_safetensors(&bytes).unwrap();
    assert_eq!(m.config, c);
    assert_eq!(m.forward_slice(&[0.1, 0.2, -0.3, 0.4], 10).unwrap().len(), 4);
}

#[test]
fn not_safetensors() {
    let e = refuse(b"this is a text file, not weights at all");
    assert!(
        matches!(e, WeightsError::NotSafetensors(_) | WeightsError::Truncated(_)),
        "{e}"
    );
    let e = refuse(b"");
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn truncated() {
    let c = config();
    let bytes = to_safetensors(&c, &tensors(&c)).unwrap();
    for cut in [bytes.len() - 1, bytes.len() / 2, 20] {
        let e = refuse(&bytes[..cut]);
        assert!(matches!(e, WeightsError::Truncated(_)), "cut at {cut}: {e}");
        assert!(e.to_string().starts_with("weights file is truncated"), "{e}");
    }
}

#[test]
fn holds_nan() {
    let c = config();
    let mut ts = tensors(&c);
    let mut v = ts[2].1.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    v[5] = f32::NAN;
    let name = ts[2].0.clone();
    ts[2].1 = Tensor::from_vec(v, ts[2].1.dims(), &Device::Cpu).unwrap();
    let e = refuse(&to_safetensors(&c, &ts).unwrap());
    assert_eq!(
        e.to_string(),
        format!("weights hold NaN or infinity: tensor '{name}' at index 5")
    );
}

#[test]
fn does_not_match_the_architecture() {
    let c = config();
    // A tensor of the wrong shape.
    let mut ts = tensors(&c);
    ts[0].1 = Tensor::zeros((6, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
    let e = refuse(&to_safetensors(&c, &ts).unwrap());
    assert!(matches!(e, WeightsError::ArchitectureMismatch(_)), "{e}");
    assert!(e.to_string().contains("has shape [6, 5]"), "{e}");
    // A missing tensor.
    let mut ts = tensors(&c);
    ts.retain(|(n, _)| n != "blocks.0.bias");
    let e = refuse(&to_safetensors(&c, &ts).unwrap());
    assert!(e.to_string().contains("missing tensor 'blocks.0.bias'"), "{e}");
    // An extra tensor.
    let mut ts = tensors(&c);
    ts.push((
        "blocks.7.weight".into(),
        Tensor::zeros((6, 6), candle_core::DType::F32, &Device::Cpu).unwrap(),
    ));
    let e = refuse(&to_safetensors(&c, &ts).unwrap());
    assert!(e.to_string().contains("unexpected tensor 'blocks.7.weight'"), "{e}");
    // Weights for another parameterization (mean-variance has 4 outputs).
    let mut other = c.clone();
    other.parameterization = Parameterization::MeanVariance;
    let e = refuse(&to_safetensors(&other, &tensors(&c)).unwrap());
    assert!(e.to_string().contains("output.weight"), "{e}");
}

#[test]
fn missing_or_bad_configuration() {
    let c = config();
    let bytes = to_safetensors(&c, &tensors(&c)).unwrap();
    // Rewrite the metadata key so the configuration is absent (same length keeps offsets valid).
    let text = unsafe { String::from_utf8_unchecked(bytes.clone()) };
    let renamed = text.replacen("ptheta.config", "something.els", 1).into_bytes();
    let e = refuse(&renamed);
    assert!(
        matches!(e, WeightsError::BadConfig(_)) && e.to_string().contains("missing"),
        "{e}"
    );
    let broken = text.replacen("format_version", "format_vexsion", 1).into_bytes();
    let e = refuse(&broken);
    assert!(matches!(e, WeightsError::BadConfig(_)), "{e}");
}

#[test]
fn every_shipped_file_loads() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/weights");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "safetensors") {
            let m = Denoiser::from_safetensors(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // the architecture of its world: 99k parameters in the plane, 480k for the 8×8 digits,
            // and one more output row (hidden + bias) per learned variance
            let (base, dim, hidden) = if m.config.dim == 2 {
                (99_074, 2, 128)
            } else {
                (480_320, 64, 256)
            };
            assert_eq!(
                m.config.parameter_count(),
                base + (hidden + 1) * (m.config.output_dim() - dim),
                "{}",
                path.display()
            );
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn configuration_fields_outside_the_limits_are_refused_by_name_before_allocating() {
    let c = config();
    type Edit = fn(&mut ModelConfig);
    let cases: [(Edit, &str); 10] = [
        (
            |c| c.timesteps = 2_000_000_000,
            "'timesteps' is 2000000000; pθ accepts a whole number from 2 to 1000",
        ),
        (
            |c| c.blocks = 100_000_000,
            "'blocks' is 100000000; pθ accepts a whole number from 0 to 8",
        ),
        (
            |c| c.dim = usize::MAX,
            "'dim' is 18446744073709551615; pθ accepts the dimension of one of pθ's datasets: 2 or 64",
        ),
        (
            |c| c.hidden = 1 << 40,
            "'hidden' is 1099511627776; pθ accepts a whole number from 1 to 256",
        ),
        (
            |c| c.emb_size = 7,
            "'emb_size' is 7; pθ accepts an even number (sin and cos pairs) from 4 to 256",
        ),
        (
            |c| c.emb_size = usize::MAX,
            "'emb_size' is 18446744073709551615; pθ accepts a whole number from 4 to 256",
        ),
        (
            |c| c.input_scale = 1e300,
            "'input_scale' is 1e300; pθ accepts a number above 0 and at most 10000",
        ),
        (
            |c| c.input_scale = -1.0,
            "'input_scale' is -1.0; pθ accepts a number above 0 and at most 10000",
        ),
        (
            |c| c.train_steps = 1_000_000_000_000,
            "'train_steps' is 1000000000000; pθ accepts a whole number from 0 to 1000000",
        ),
        (
            |c| c.dataset = "d".repeat(300),
            "'dataset' is a name of 300 bytes; pθ accepts a name of at most 255 bytes",
        ),
    ];
    for (edit, says) in cases {
        let mut bad = c.clone();
        edit(&mut bad);
        // the tensors are the small valid network's: the configuration alone must be refused
        let e = refuse(&to_safetensors(&bad, &tensors(&c)).unwrap());
        assert!(matches!(e, WeightsError::ConfigOutOfRange { .. }), "{says}: {e:?}");
        assert_eq!(e.to_string(), format!("weights configuration field {says}"));
    }
}

#[test]
fn a_file_larger_than_the_limit_is_refused_unread() {
    let max = ptheta::catalog::WEIGHTS_BYTES.max as usize;
    let e = refuse(&vec![0u8; max + 1]);
    assert!(
        matches!(e, WeightsError::TooLarge { bytes } if bytes == max + 1),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("weights file is {} bytes, more than the {max} pθ accepts", max + 1)
    );
}

#[test]
fn finite_weights_whose_output_is_not_finite_are_refused_at_load() {
    let c = config();
    let huge: Vec<(String, Tensor)> = c
        .tensor_shapes()
        .into_iter()
        .map(|(n, s)| (n, Tensor::full(f32::MAX, s.as_slice(), &Device::Cpu).unwrap()))
        .collect();
    let e = refuse(&to_safetensors(&c, &huge).unwrap());
    assert!(matches!(e, WeightsError::NonFiniteOutput { timestep: 0, .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("the network gives NaN or infinity at x = (0, 0), t = 1: these weights cannot sample"),
        "{e}"
    );
}

/// The weights of a loaded model, layer by layer, weights then bias.
fn weights_of(m: &Denoiser) -> Vec<f32> {
    m.flat_layers()
        .unwrap()
        .into_iter()
        .flat_map(|l| l.weight.into_iter().chain(l.bias))
        .collect()
}

#[test]
fn stored_as_f16_a_model_loads_with_each_weight_rounded_to_f16_in_half_the_bytes() {
    let c = config();
    let bytes = to_safetensors(&c, &tensors(&c)).unwrap();
    let halved = to_half(&bytes).unwrap();
    let (full, half_loaded) = (
        Denoiser::from_safetensors(&bytes).unwrap(),
        Denoiser::from_safetensors(&halved).unwrap(),
    );
    assert_eq!(half_loaded.config, c, "the configuration travels unchanged");
    let want: Vec<f32> = weights_of(&full)
        .iter()
        .map(|&w| half::f16::from_f32(w).to_f32())
        .collect();
    let got = weights_of(&half_loaded);
    assert_eq!(got, want, "every weight is the f32 one rounded to f16, exactly");
    // negative control: the rounding is not a no-op for these weights
    assert_ne!(got, weights_of(&full));
    let tensor_bytes = |b: &[u8]| b.len() - 8 - u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
    assert_eq!(
        tensor_bytes(&halved) * 2,
        tensor_bytes(&bytes),
        "tensor data takes half the bytes"
    );
    // a file already stored as f16 stays as it is
    assert_eq!(
        weights_of(&Denoiser::from_safetensors(&to_half(&halved).unwrap()).unwrap()),
        got
    );
}

#[test]
fn a_weight_beyond_f16s_range_is_refused_by_name_and_other_types_are_refused_at_load() {
    let c = config();
    let mut ts = tensors(&c);
    let (n, s) = (ts[1].0.clone(), ts[1].1.dims().to_vec());
    let mut v = ts[1].1.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    v[3] = 1e5;
    ts[1].1 = Tensor::from_vec(v, s.as_slice(), &Device::Cpu).unwrap();
    let bytes = to_safetensors(&c, &ts).unwrap();
    Denoiser::from_safetensors(&bytes).expect("a large weight is a valid f32 file");
    let e = to_half(&bytes).unwrap_err().to_string();
    assert!(
        e.contains("100000") && e.contains(&format!("tensor '{n}' at index 3")) && e.contains("65504"),
        "{e}"
    );
    // a BF16 tensor: safetensors knows the type, pθ does not read it
    let bf16: Vec<(String, Vec<usize>, Vec<u8>)> = tensors(&c)
        .into_iter()
        .map(|(n, t)| {
            let data = t
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
                .iter()
                .flat_map(|&w| half::bf16::from_f32(w).to_le_bytes())
                .collect();
            (n, t.dims().to_vec(), data)
        })
        .collect();
    let views = bf16.iter().map(|(n, s, d)| {
        (
            n.clone(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::BF16, s.clone(), d).unwrap(),
        )
    });
    let meta = std::collections::HashMap::from([(
        ptheta::model::CONFIG_KEY.to_string(),
        serde_json::to_string(&c).unwrap(),
    )]);
    let e = refuse(&safetensors::serialize(views, Some(meta)).unwrap());
    assert!(
        matches!(e, WeightsError::ArchitectureMismatch(_)) && e.to_string().contains("is BF16, expected F32 or F16"),
        "{e}"
    );
}
