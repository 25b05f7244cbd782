//! The native chain against the stored reference that the browser chain (tests/web.rs) is also
//! checked against, so browser and native agree through one file. `PTHETA_BLESS=1` rewrites it
//! (after retraining the default model).
#![cfg(not(target_arch = "wasm32"))]

use ptheta::chain::{Chain, ChainOptions};
use ptheta::diffusion::{Schedule, Variance};
use ptheta::model::Denoiser;

mod common;
use common::{worst_abs_difference, TOLERANCE};

const WEIGHTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/weights/moons-epsilon.safetensors");
const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/chain-moons-epsilon.json");

#[test]
fn native_chain_matches_the_shared_reference() {
    let model = Denoiser::from_safetensors(&std::fs::read(WEIGHTS).unwrap()).unwrap();
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 50).unwrap();
    let opts = ChainOptions {
        variance: Variance::FixedSmall,
        steps: 50,
        samples: 256,
        seed: 7,
        keep_history: false,
    };
    let mut chain = Chain::new(model, schedule, &opts).unwrap();
    let mut states = vec![chain.positions().to_vec()];
    for _ in 0..50 {
        chain.step().unwrap();
        if chain.t().is_multiple_of(10) {
            states.push(chain.positions().to_vec());
        }
    }
    if std::env::var("PTHETA_BLESS").is_ok() {
        let json = serde_json::json!({ "weights": "moons-epsilon.safetensors", "steps": 50, "samples": 256, "seed": 7,
            "variance": "fixed-small", "states_at_t": [50, 40, 30, 20, 10, 0], "states": states });
        std::fs::write(REFERENCE, json.to_string()).unwrap();
    }
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(REFERENCE).unwrap()).unwrap();
    let stored = stored["states"].as_array().unwrap();
    assert_eq!(stored.len(), states.len());
    for (k, (ours, want)) in states.iter().zip(stored).enumerate() {
        let want: Vec<f32> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let worst = worst_abs_difference(ours, &want);
        assert!(worst < TOLERANCE, "state {k}: largest difference {worst}");
    }
}
