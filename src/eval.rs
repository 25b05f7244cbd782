//! How good a model is: sample quality as a normalized energy distance, and the negative ELBO.

use crate::chain::Denoise;
use crate::diffusion::param::predict_scalar;
use crate::diffusion::rng::{self, Stream};
use crate::diffusion::{Schedule, Variance};

/// Energy distance between two point sets (row-major, `dim` per point) as the V-statistic
/// 2·E|X−Y| − E|X−X'| − E|Y−Y'| (Székely & Rizzo). It is zero only when the distributions agree;
/// for two finite samples of one distribution it is about 2·E|X−X'|/n, which is why
/// [`quality_ratio`] divides by that floor.
pub fn energy_distance(a: &[f32], b: &[f32], dim: usize) -> f64 {
    fn mean_dist(a: &[f32], b: &[f32], dim: usize) -> f64 {
        let mut total = 0.0f64;
        for p in a.chunks_exact(dim) {
            let mut row = 0.0f64;
            for q in b.chunks_exact(dim) {
                let mut s = 0.0f32;
                for d in 0..dim {
                    let v = p[d] - q[d];
                    s += v * v;
                }
                row += s.sqrt() as f64;
            }
            total += row;
        }
        total / ((a.len() / dim) as f64 * (b.len() / dim) as f64)
    }
    2.0 * mean_dist(a, b, dim) - mean_dist(a, a, dim) - mean_dist(b, b, dim)
}

/// Number of independent data/data pairs averaged for the denominator of [`quality_ratio`]:
/// one pair's energy distance is itself noisy, and the ratio should not inherit that noise.
pub const REFERENCE_PAIRS: usize = 4;

/// Sample quality: the energy distance between model samples and held-out data, divided by the
/// mean energy distance between independent data samples of the same size. About 1 means "as
/// close to the data as another draw of the data"; larger is worse.
/// `data(k)` must return a fresh, independent data sample of the same size for each `k`.
pub fn quality_ratio(samples: &[f32], dim: usize, data: impl Fn(u64) -> Vec<f32>) -> QualityFigures {
    let held_out = data(0);
    let numerator = energy_distance(samples, &held_out, dim);
    let denominator = (0..REFERENCE_PAIRS as u64)
        .map(|k| energy_distance(&data(1 + 2 * k), &data(2 + 2 * k), dim))
        .sum::<f64>()
        / REFERENCE_PAIRS as f64;
    QualityFigures {
        energy_distance: numerator,
        reference: denominator,
        ratio: numerator / denominator,
    }
}

#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct QualityFigures {
    pub energy_distance: f64,
    pub reference: f64,
    pub ratio: f64,
}

/// The quality ratio over several independent draws (of the chain and of the data): one draw is
/// too noisy to rank models (a letters model gave 0.66 with one seed and 1.86 with another).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct QualitySpread {
    /// Mean ratio over the draws.
    pub ratio: f64,
    /// Sample standard deviation (n − 1) of the ratio over the draws; 0 for a single draw.
    pub sd: f64,
    /// Each draw's ratio, in seed order.
    pub ratios: Vec<f64>,
    /// Energy distance and data/data reference of the first draw, as a one-draw eval gives them.
    pub energy_distance: f64,
    pub reference: f64,
}

impl QualitySpread {
    /// Mean and spread of `draws` (at least one).
    pub fn of(draws: &[QualityFigures]) -> Self {
        let n = draws.len() as f64;
        let ratios: Vec<f64> = draws.iter().map(|q| q.ratio).collect();
        let mean = ratios.iter().sum::<f64>() / n;
        let sd = if draws.len() > 1 {
            (ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        QualitySpread {
            ratio: mean,
            sd,
            ratios,
            energy_distance: draws[0].energy_distance,
            reference: draws[0].reference,
        }
    }
}

/// KL(N(m1, e^{lv1}) ‖ N(m2, e^{lv2})) for one coordinate, in nats.
pub fn normal_kl(m1: f64, lv1: f64, m2: f64, lv2: f64) -> f64 {
    0.5 * (-1.0 + lv2 - lv1 + (lv1 - lv2).exp() + (m1 - m2).powi(2) * (-lv2).exp())
}

/// −log N(x; m, e^{lv}) for one coordinate, in nats.
pub fn normal_nll(x: f64, m: f64, lv: f64) -> f64 {
    0.5 * ((2.0 * std::f64::consts::PI).ln() + lv + (x - m).powi(2) * (-lv).exp())
}

/// Terms of the negative ELBO, each averaged over data points and dimensions (nats per dim).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ElboTerms {
    /// L_T = KL(q(x_T | x_0) ‖ N(0, I)): what the prior misses.
    pub prior: f64,
    /// Σ_{t=2}^{T} L_{t−1} = KL(q(x_{t−1} | x_t, x_0) ‖ p_θ(x_{t−1} | x_t)).
    pub diffusion: f64,
    /// L_0 = −log p_θ(x_0 | x_1) under the Gaussian last step (a density: may be negative).
    pub decoder: f64,
    pub total: f64,
}

/// The negative ELBO of Ho et al. eq. 5 over the full training schedule, for continuous data
/// with a Gaussian decoder. x_t for each term is drawn from q(x_t | x_0) with noise from the
/// `Eval` stream of `seed`, so the figure is deterministic.
pub fn negative_elbo<M: Denoise>(
    model: &M,
    schedule: &Schedule,
    variance: Variance,
    data: &[f32],
    seed: u64,
) -> Result<ElboTerms, String> {
    let dim = model.dim();
    let n = data.len() / dim;
    let p = model.parameterization();
    let od = p.output_dim(dim);
    let per = 1.0 / (n * dim) as f64;
    let last = schedule.len() - 1;
    let mut prior = 0.0;
    for &x0 in data {
        let x0 = x0 as f64;
        let m = schedule.sqrt_alpha_bar[last] * x0;
        prior += normal_kl(m, (1.0 - schedule.alpha_bar[last]).ln(), 0.0, 0.0) * per;
    }
    let (mut diffusion, mut decoder) = (0.0, 0.0);
    let mut x_t = vec![0f32; data.len()];
    for i in 0..schedule.len() {
        for (j, v) in x_t.iter_mut().enumerate() {
            let eps = rng::normal(seed, Stream::Eval, i as u32, (j / dim) as u32, (j % dim) as u32);
            *v = schedule.q_sample(i, data[j] as f64, eps) as f32;
        }
        let raw = model.denoise(&x_t, schedule.timestep_map[i])?;
        for k in 0..n {
            for d in 0..dim {
                let (x0, x) = (data[k * dim + d] as f64, x_t[k * dim + d] as f64);
                let v_raw = (od > dim).then(|| raw[k * od + dim + d] as f64);
                let sp = predict_scalar(schedule, p, variance, i, x, raw[k * od + d] as f64, v_raw);
                if i == 0 {
                    decoder += normal_nll(x0, sp.mean, sp.log_variance) * per;
                } else {
                    let true_mean = schedule.posterior_mean(i, x, x0);
                    let true_lv = schedule.posterior_variance[i].ln();
                    diffusion += normal_kl(true_mean, true_lv, sp.mean, sp.log_variance) * per;
                }
            }
        }
    }
    Ok(ElboTerms {
        prior,
        diffusion,
        decoder,
        total: prior + diffusion + decoder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_distance_closed_form_1d() {
        // Two point masses at 0 and a: 2|a| − 0 − 0.
        assert!((energy_distance(&[0.0], &[3.0], 1) - 6.0).abs() < 1e-12);
        // Identical sets give exactly zero.
        let a = [0.0, 1.0, 2.0, 5.0];
        assert!(energy_distance(&a, &a, 2).abs() < 1e-12);
    }

    #[test]
    fn spread_is_the_mean_and_sample_sd() {
        let q = |ratio| QualityFigures {
            energy_distance: ratio,
            reference: 1.0,
            ratio,
        };
        let s = QualitySpread::of(&[q(1.0), q(2.0), q(3.0)]);
        assert_eq!((s.ratio, s.sd), (2.0, 1.0));
        let one = QualitySpread::of(&[q(0.7)]);
        assert_eq!((one.ratio, one.sd, one.energy_distance), (0.7, 0.0, 0.7));
    }

    #[test]
    fn kl_closed_form() {
        assert!(normal_kl(1.0, 0.0, 1.0, 0.0).abs() < 1e-15);
        // KL(N(0,1) ‖ N(1,4)) = log 2 + (1 + 1)/(2·4) − ½
        let want = 2f64.ln() + 2.0 / 8.0 - 0.5;
        assert!((normal_kl(0.0, 0.0, 1.0, 4f64.ln()) - want).abs() < 1e-12);
    }
}
