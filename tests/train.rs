//! A short smoke run of the trainer: deterministic for a seed, every loss trains, and the result
//! is a valid weights file. (The shipped models are trained by tools/train-shipped.sh, not here.)
#![cfg(not(target_arch = "wasm32"))]

use ptheta::data::Dataset;
use ptheta::diffusion::{Parameterization, ScheduleKind};
use ptheta::model::ModelConfig;
use ptheta::train::{train, TrainOptions};

fn small(p: Parameterization, seed: u64, steps: usize) -> (Vec<u8>, Vec<f64>) {
    let mut config = ModelConfig::standard(p, ScheduleKind::Linear, 100);
    config.emb_size = 16;
    config.hidden = 32;
    config.blocks = 1;
    let opts = TrainOptions {
        config,
        data: Dataset::EightGaussians.sample(512, 1).unwrap(),
        steps,
        batch: 64,
        learning_rate: 3e-3,
        ema_decay: 0.99,
        seed,
    };
    let mut losses = Vec::new();
    let trained = train(opts, |p| losses.push(p.loss)).unwrap();
    (trained.weights, losses)
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let (a, _) = small(Parameterization::Epsilon, 5, 20);
    let (b, _) = small(Parameterization::Epsilon, 5, 20);
    let (c, _) = small(Parameterization::Epsilon, 6, 20);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn every_loss_trains_and_decreases() {
    for p in Parameterization::ALL {
        let (_, losses) = small(p, 0, 400);
        assert!(losses.iter().all(|l| l.is_finite()), "{p}");
        let head: f64 = losses[..10].iter().sum::<f64>() / 10.0;
        let tail: f64 = losses[losses.len() - 10..].iter().sum::<f64>() / 10.0;
        // A smoke test, not a quality bar: it catches a loss that does not reach the parameters
        // (tail ≈ head) or diverges. The v loss falls least: v's error is x̂_0's error divided by
        // √(1−ᾱ_t), so at the many noisy timesteps it is dominated by the data's own spread,
        // which no network can remove (the shipped moons-v run also plateaus near 1.1).
        let factor = if p == Parameterization::V { 0.97 } else { 0.9 };
        assert!(tail < factor * head, "{p}: loss {head} → {tail}");
    }
}
