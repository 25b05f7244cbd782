//! The lesson page's math (src/lesson.rs) against closed-form cases and against the chain itself.
#![cfg(not(target_arch = "wasm32"))]

use ptheta::chain::{Chain, ChainOptions, Denoise};
use ptheta::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
use ptheta::lesson;
use ptheta::model::Denoiser;

const WEIGHTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/weights/moons-epsilon.safetensors");

#[test]
fn snr_follows_its_definition_on_a_hand_made_schedule() {
    // Linear, not rescaled, T = 4: β = 1e-4, 1e-4 + (0.02 − 1e-4)/3, …, 0.02, worked out by hand.
    let t = lesson::panel_table("linear-unscaled", 4).unwrap();
    let beta = [1e-4, 1e-4 + 0.0199 / 3.0, 1e-4 + 2.0 * 0.0199 / 3.0, 0.02];
    let mut ab = 1.0;
    for (k, b) in beta.iter().enumerate() {
        ab *= 1.0 - b;
        assert!((t.beta[k] - b).abs() < 1e-15);
        assert!((t.alpha_bar[k] - ab).abs() < 1e-15);
        assert!((t.snr[k] - ab / (1.0 - ab)).abs() < 1e-9 * t.snr[k]);
    }
    assert_eq!(t.alpha_bar_t, ab);
    // Four steps of at most 2 % noise leave nearly all the signal: far from N(0, I).
    assert!(t.terminal_warning);
    assert_eq!(lesson::snr(0.5), 1.0);
    assert_eq!(lesson::snr(0.0), 0.0);
}

#[test]
fn shipped_schedules_end_near_zero_and_unscaled_linear_does_not_at_small_t() {
    for name in ["linear", "cosine"] {
        for big_t in [50, 1000] {
            let t = lesson::panel_table(name, big_t).unwrap();
            assert!(!t.terminal_warning, "{name} T={big_t}: ᾱ_T = {}", t.alpha_bar_t);
        }
    }
    // With T = 1000 the unscaled and the rescaled linear schedules are the same schedule.
    let a = lesson::panel_table("linear-unscaled", 1000).unwrap();
    let b = lesson::panel_table("linear", 1000).unwrap();
    for (x, y) in a.alpha_bar.iter().zip(&b.alpha_bar) {
        assert!((x - y).abs() < 1e-12);
    }
    // ∏(1 − β) ≈ exp(−Σβ) = exp(−100 · 0.01005) ≈ 0.37 for T = 100 (the exact product is a bit lower).
    let c = lesson::panel_table("linear-unscaled", 100).unwrap();
    assert!(c.terminal_warning && c.alpha_bar_t > 0.3 && c.alpha_bar_t < (-1.005f64).exp());
    assert!(lesson::panel_table("quadratic", 100)
        .unwrap_err()
        .contains("linear-unscaled"));
}

#[test]
fn respaced_table_keeps_the_terminal_alpha_bar() {
    let full = Schedule::new(ScheduleKind::Linear, 1000).unwrap();
    let t = lesson::schedule_table(ScheduleKind::Linear, 1000, 50).unwrap();
    assert_eq!(t.beta.len(), 50);
    assert!((t.alpha_bar_t - full.terminal_alpha_bar()).abs() < 1e-15);
}

#[test]
fn divergence_is_zero_for_equal_and_one_bit_for_disjoint_histograms() {
    let p = [3.0, 1.0, 0.0, 4.0];
    assert_eq!(lesson::js_divergence(&p, &p).unwrap(), 0.0);
    // Scaling one histogram changes nothing: they are normalized.
    assert!(lesson::js_divergence(&p, &[6.0, 2.0, 0.0, 8.0]).unwrap().abs() < 1e-15);
    let d = lesson::js_divergence(&[1.0, 0.0, 0.0, 0.0], &[0.0, 5.0, 2.0, 0.0]).unwrap();
    assert!((d - 1.0).abs() < 1e-12, "{d}");
    // Half overlap: P = (½, ½, 0), Q = (0, ½, ½): JS = 0.5 bit in closed form.
    let h = lesson::js_divergence(&[1.0, 1.0, 0.0], &[0.0, 1.0, 1.0]).unwrap();
    assert!((h - 0.5).abs() < 1e-12, "{h}");
    assert!(lesson::js_divergence(&[1.0], &[1.0, 2.0]).is_err());
    assert!(lesson::js_divergence(&[0.0, 0.0], &[1.0, 2.0]).is_err());
    assert!(lesson::js_divergence(&[-1.0, 2.0], &[1.0, 2.0]).is_err());
}

#[test]
fn histogram_bins_points_with_row_zero_at_the_bottom() {
    // Grid of 2×2 over [−1, 1]²: (−.5, −.5) bottom-left, (.5, −.5) bottom-right, (−.5, .5) top-left.
    let pts = [-0.5, -0.5, 0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 3.0, 0.0];
    assert_eq!(lesson::histogram(&pts, 2, 1.0).unwrap(), vec![1.0, 2.0, 1.0, 0.0]);
    assert!(lesson::histogram(&pts, 0, 1.0).is_err());
    assert!(lesson::histogram(&pts[..3], 2, 1.0).is_err());
}

#[test]
fn forward_process_is_identity_at_alpha_bar_one_and_standard_normal_at_zero() {
    let x0 = lesson::dataset_samples("moons", 4000, 1).unwrap();
    assert_eq!(lesson::forward_samples(1.0, &x0, 3).unwrap(), x0);
    let noise = lesson::forward_samples(0.0, &x0, 3).unwrap();
    let n = noise.len() as f64;
    let mean = noise.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = noise.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    // 8000 draws of N(0, 1): mean within 4 standard errors (4/√8000 ≈ 0.045), variance within 0.1.
    assert!(mean.abs() < 0.045 && (var - 1.0).abs() < 0.1, "mean {mean} var {var}");
    // In between, each point is √ᾱ x_0 + √(1−ᾱ) ε with the same ε as at ᾱ = 0.
    let mid = lesson::forward_samples(0.36, &x0, 3).unwrap();
    for k in 0..x0.len() {
        let want = 0.6 * x0[k] as f64 + 0.8 * noise[k] as f64;
        assert!((mid[k] as f64 - want).abs() < 1e-5);
    }
    assert!(lesson::forward_samples(1.5, &x0, 3).is_err());
    assert!(lesson::dataset_samples("spirals", 3, 0).unwrap_err().contains("moons"));
}

#[test]
fn grid_holds_cell_centres() {
    assert_eq!(
        lesson::grid(2, 1.0).unwrap(),
        vec![-0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 0.5, 0.5]
    );
}

/// A grid or a drift batch from JS is a network batch: bounded like a chain's samples, refused
/// (not allocated) beyond it, with the size named.
#[test]
fn grid_and_drift_sizes_are_bounded() {
    let max = ptheta::catalog::SAMPLES.max as usize;
    let side = (max as f64).sqrt() as usize;
    assert_eq!(lesson::grid(side, 3.0).unwrap().len(), 2 * side * side);
    let e = lesson::grid(side + 1, 3.0).unwrap_err();
    assert!(
        e.contains("grid's cells") && e.contains(&format!("{}", (side + 1) * (side + 1))),
        "{e}"
    );
    assert!(lesson::grid(usize::MAX, 3.0).unwrap_err().contains("grid's cells"));
    assert!(lesson::grid(4, f64::NAN).unwrap_err().contains("half-width"));
    let bytes = std::fs::read(WEIGHTS).unwrap();
    let model = Denoiser::from_safetensors(&bytes).unwrap();
    let s = Schedule::respaced(model.config.schedule, model.config.timesteps, 10).unwrap();
    let too_many = vec![0f32; 2 * (max + 1)];
    let e = lesson::drift(&model, &s, Variance::FixedSmall, 5, &too_many).unwrap_err();
    assert!(
        e.contains("drift's points") && e.contains(&format!("{}", max + 1)),
        "{e}"
    );
}

#[test]
fn drift_at_a_sample_equals_what_the_chain_inspects() {
    let bytes = std::fs::read(WEIGHTS).unwrap();
    let model = Denoiser::from_safetensors(&bytes).unwrap();
    let cfg = model.config.clone();
    let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, 20).unwrap();
    for variance in [Variance::FixedSmall, Variance::FixedLarge] {
        let opts = ChainOptions {
            variance,
            steps: 20,
            samples: 16,
            seed: 5,
            keep_history: true,
        };
        let mut chain = Chain::new(Denoiser::from_safetensors(&bytes).unwrap(), schedule.clone(), &opts).unwrap();
        for _ in 0..3 {
            chain.step().unwrap();
        }
        for t_steps in [0, 10, 6] {
            for _ in 0..t_steps {
                chain.step().unwrap();
            }
            let t = chain.t();
            for sample in [0, 7, 15] {
                let ins = chain.inspect(sample).unwrap();
                let x: Vec<f32> = ins.x_t.iter().map(|&v| v as f32).collect();
                let d = lesson::drift(&model, &schedule, variance, t, &x).unwrap();
                assert_eq!(d.len(), 2);
                for (k, got) in d.iter().enumerate() {
                    let want = ins.mean[k] - ins.x_t[k];
                    assert!(
                        (*got as f64 - want).abs() < 1e-6,
                        "t {t} sample {sample}: {got} vs {want}"
                    );
                }
            }
        }
    }
    assert!(lesson::drift(&model, &schedule, Variance::Learned, 5, &[0.0, 0.0])
        .unwrap_err()
        .contains("learned"));
    assert!(lesson::drift(&model, &schedule, Variance::FixedSmall, 0, &[0.0, 0.0]).is_err());
    assert_eq!(model.parameterization(), Parameterization::Epsilon);
}
