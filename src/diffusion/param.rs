//! What the network predicts, which variance the reverse step uses, and the one conversion from
//! a raw network output to everything the lesson shows: (μ_θ, log Σ_θ, ε̂, x̂_0).

use super::schedule::Schedule;
use serde::{Deserialize, Serialize};

/// What the network's output means. Each choice gives the same Gaussian transition
/// p_θ(x_{t−1} | x_t) = N(μ_θ, Σ_θ); they differ in what is easy to learn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), value(rename_all = "kebab-case"))]
pub enum Parameterization {
    /// The noise ε that was added (Ho et al. 2020); μ follows from ε̂ (DDPM eq. 11).
    Epsilon,
    /// The clean point x_0; μ is the posterior mean μ̃_t(x_t, x̂_0).
    X0,
    /// v = √ᾱ_t ε − √(1−ᾱ_t) x_0 (Salimans & Ho 2022), a mix of the two above.
    V,
    /// The mean μ_θ of p_θ(x_{t−1} | x_t) itself, with a fixed variance.
    Mean,
    /// The mean and, in D more outputs v ∈ [−1, 1], the variance as an interpolation between
    /// log β̃_t and log β_t (Nichol & Dhariwal eq. 15).
    MeanVariance,
    /// The noise ε (the mean follows as for `Epsilon`) and, in D more outputs, the same
    /// interpolated variance as `MeanVariance`: Nichol & Dhariwal's own choice, trained with
    /// L_simple + λ·L_vlb where L_vlb sees the mean through a stop-gradient.
    EpsilonVariance,
}

impl Parameterization {
    pub const ALL: [Parameterization; 6] = [
        Parameterization::Epsilon,
        Parameterization::X0,
        Parameterization::V,
        Parameterization::Mean,
        Parameterization::MeanVariance,
        Parameterization::EpsilonVariance,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Parameterization::Epsilon => "epsilon",
            Parameterization::X0 => "x0",
            Parameterization::V => "v",
            Parameterization::Mean => "mean",
            Parameterization::MeanVariance => "mean-variance",
            Parameterization::EpsilonVariance => "epsilon-variance",
        }
    }

    /// Whether the network predicts its variance too (D more outputs, `Variance::Learned`).
    pub fn learns_variance(self) -> bool {
        matches!(self, Parameterization::MeanVariance | Parameterization::EpsilonVariance)
    }

    /// Number of network outputs per sample for data of dimension `dim`.
    pub fn output_dim(self, dim: usize) -> usize {
        if self.learns_variance() {
            2 * dim
        } else {
            dim
        }
    }

    /// Whether a sampler may skip steps of the training chain with this model. A prediction of
    /// ε, x_0 or v says where the clean point is, and the posterior of any coarser step follows
    /// from it. A predicted μ_θ is the mean of one step of the training chain: used for a larger
    /// step it moves the samples as far as one small step would, so a respaced chain barely
    /// leaves the noise; converted back to x̂_0 it divides the network's error by the tiny
    /// weight of x_0 in that one-step mean. Such models run every step they were trained with.
    pub fn skips_steps(self) -> bool {
        !matches!(self, Parameterization::Mean | Parameterization::MeanVariance)
    }

    /// The variance a model of this kind samples with unless told otherwise.
    pub fn default_variance(self) -> Variance {
        if self.learns_variance() {
            Variance::Learned
        } else {
            Variance::FixedSmall
        }
    }
}

/// Σ_θ(x_t, t) of the reverse step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), value(rename_all = "kebab-case"))]
pub enum Variance {
    /// β̃_t, the variance of the true posterior q(x_{t−1} | x_t, x_0): the lower bound.
    FixedSmall,
    /// β_t: the upper bound. Ho et al. found both give similar samples.
    FixedLarge,
    /// Predicted by the network (needs the `mean-variance` parameterization).
    Learned,
}

impl Variance {
    pub const ALL: [Variance; 3] = [Variance::FixedSmall, Variance::FixedLarge, Variance::Learned];
    pub fn name(self) -> &'static str {
        match self {
            Variance::FixedSmall => "fixed-small",
            Variance::FixedLarge => "fixed-large",
            Variance::Learned => "learned",
        }
    }
}

crate::names::named_enum!(Parameterization, "parameterization");
crate::names::named_enum!(Variance, "variance");

/// Checks that a model of parameterization `p` can sample with variance `v`.
pub fn check_combination(p: Parameterization, v: Variance) -> Result<(), String> {
    if v == Variance::Learned && !p.learns_variance() {
        return Err(format!(
            "variance 'learned' needs a model that predicts its variance (parameterization \
             'mean-variance' or 'epsilon-variance'); this model predicts '{p}'. Use 'fixed-small' or \
             'fixed-large'."
        ));
    }
    Ok(())
}

/// Everything one reverse step derives from the network's output for one sample.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Prediction {
    /// μ_θ(x_t, t)
    pub mean: Vec<f64>,
    /// log Σ_θ(x_t, t), per dimension (Σ is diagonal)
    pub log_variance: Vec<f64>,
    /// ε̂: the noise the model believes is in x_t
    pub eps: Vec<f64>,
    /// x̂_0: the clean point the model believes x_t came from
    pub x0: Vec<f64>,
}

/// ε̂ from x̂_0 (DDPM eq. 4 solved for ε).
pub fn eps_from_x0(s: &Schedule, i: usize, x_t: f64, x0: f64) -> f64 {
    (s.sqrt_recip_alpha_bar[i] * x_t - x0) / s.sqrt_recipm1_alpha_bar[i]
}

/// x̂_0 from ε̂ (DDPM eq. 4 solved for x_0).
pub fn x0_from_eps(s: &Schedule, i: usize, x_t: f64, eps: f64) -> f64 {
    s.sqrt_recip_alpha_bar[i] * x_t - s.sqrt_recipm1_alpha_bar[i] * eps
}

/// x̂_0 from v̂ (Salimans & Ho 2022).
pub fn x0_from_v(s: &Schedule, i: usize, x_t: f64, v: f64) -> f64 {
    s.sqrt_alpha_bar[i] * x_t - s.sqrt_one_minus_alpha_bar[i] * v
}

/// v from (x_0, ε): the training target of the `v` parameterization.
pub fn v_from_x0_eps(s: &Schedule, i: usize, x0: f64, eps: f64) -> f64 {
    s.sqrt_alpha_bar[i] * eps - s.sqrt_one_minus_alpha_bar[i] * x0
}

/// x̂_0 from a predicted posterior mean: μ = c1·x_0 + c2·x_t solved for x_0.
pub fn x0_from_mean(s: &Schedule, i: usize, x_t: f64, mean: f64) -> f64 {
    (mean - s.posterior_mean_coef2[i] * x_t) / s.posterior_mean_coef1[i]
}

/// The one place that always returns a log-variance, for any variance choice.
/// `v_raw` is the network's variance output for `Variance::Learned`.
pub fn log_variance(s: &Schedule, i: usize, variance: Variance, v_raw: Option<f64>) -> f64 {
    match variance {
        Variance::FixedSmall => s.posterior_log_variance_clipped[i],
        Variance::FixedLarge => s.fixed_large_log_variance[i],
        Variance::Learned => {
            // Nichol & Dhariwal eq. 15: Σ = exp(v log β_t + (1 − v) log β̃_t), with v mapped
            // from the network's [−1, 1] to [0, 1] and held there: β̃_t and β_t are the lower and
            // upper bounds Ho et al. derive for the reverse variance, and outside them the
            // interpolation extrapolates (a mean that is off pushes v far past 1, and at small t
            // the extrapolated variance explodes the chain). Training uses the same clamp.
            let v = v_raw.expect("learned variance needs the variance output");
            let frac = ((v + 1.0) / 2.0).clamp(0.0, 1.0);
            frac * s.log_beta[i] + (1.0 - frac) * s.posterior_log_variance_clipped[i]
        }
    }
}

/// The four numbers one dimension of one sample yields, see [`predict`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalarPrediction {
    pub mean: f64,
    pub log_variance: f64,
    pub eps: f64,
    pub x0: f64,
}

/// [`predict`] for one coordinate: `r` is the network's output for this dimension and `v_raw`
/// its variance output (only for `mean-variance`). Allocation-free, for the chain's inner loop.
pub fn predict_scalar(
    s: &Schedule,
    p: Parameterization,
    variance: Variance,
    i: usize,
    x: f64,
    r: f64,
    v_raw: Option<f64>,
) -> ScalarPrediction {
    let (eps, x0) = match p {
        Parameterization::Epsilon | Parameterization::EpsilonVariance => (r, x0_from_eps(s, i, x, r)),
        Parameterization::X0 => (eps_from_x0(s, i, x, r), r),
        Parameterization::V => {
            let x0 = x0_from_v(s, i, x, r);
            (eps_from_x0(s, i, x, x0), x0)
        }
        Parameterization::Mean | Parameterization::MeanVariance => {
            let x0 = x0_from_mean(s, i, x, r);
            (eps_from_x0(s, i, x, x0), x0)
        }
    };
    let mean = match p {
        Parameterization::Mean | Parameterization::MeanVariance => r,
        _ => s.posterior_mean(i, x, x0),
    };
    ScalarPrediction {
        mean,
        log_variance: log_variance(s, i, variance, v_raw),
        eps,
        x0,
    }
}

/// Converts a raw network output at schedule index `i` into (μ_θ, log Σ_θ, ε̂, x̂_0).
/// `raw` holds `p.output_dim(x_t.len())` numbers.
pub fn predict(
    s: &Schedule,
    p: Parameterization,
    variance: Variance,
    i: usize,
    x_t: &[f64],
    raw: &[f64],
) -> Prediction {
    let d = x_t.len();
    debug_assert_eq!(raw.len(), p.output_dim(d));
    let mut out = Prediction::default();
    for k in 0..d {
        let v_raw = p.learns_variance().then(|| raw[d + k]);
        let sp = predict_scalar(s, p, variance, i, x_t[k], raw[k], v_raw);
        out.mean.push(sp.mean);
        out.log_variance.push(sp.log_variance);
        out.eps.push(sp.eps);
        out.x0.push(sp.x0);
    }
    out
}

/// Ancestral sampling step (DDPM Algorithm 2, line 4): x_{t−1} = μ + exp(½ log Σ)·z, with no
/// noise at the last step (index 0, t = 1), which returns the mean.
pub fn sample_prev(i: usize, mean: f64, log_variance: f64, z: f64) -> f64 {
    if i == 0 {
        mean
    } else {
        mean + (0.5 * log_variance).exp() * z
    }
}
