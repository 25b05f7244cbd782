//! Noise schedules and every table derived from them, in f64.
//!
//! Indexing: arrays are 0-based, index `i` holds the value for the paper's timestep `t = i + 1`,
//! so `beta[0]` is β_1 and `alpha_bar[T - 1]` is ᾱ_T. This is improved-diffusion's convention.

use serde::{Deserialize, Serialize};

/// How β_t grows with t.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), value(rename_all = "kebab-case"))]
pub enum ScheduleKind {
    /// Ho et al. 2020: β linear from 1e-4 to 0.02 at T = 1000, both ends scaled by 1000/T so that
    /// other T keep roughly the same ᾱ_T.
    Linear,
    /// Nichol & Dhariwal 2021 eq. 17: ᾱ_t follows a squared cosine, β clipped at 0.999.
    Cosine,
}

impl ScheduleKind {
    pub const ALL: [ScheduleKind; 2] = [ScheduleKind::Linear, ScheduleKind::Cosine];
    pub fn name(self) -> &'static str {
        match self {
            ScheduleKind::Linear => "linear",
            ScheduleKind::Cosine => "cosine",
        }
    }
}

crate::names::named_enum!(ScheduleKind, "schedule");

/// β_1 … β_T for a schedule of `num_timesteps` steps.
pub fn betas(kind: ScheduleKind, num_timesteps: usize) -> Vec<f64> {
    let n = num_timesteps;
    match kind {
        ScheduleKind::Linear => {
            let scale = 1000.0 / n as f64;
            let (start, end) = (scale * 1e-4, scale * 0.02);
            if n == 1 {
                return vec![start];
            }
            (0..n)
                .map(|i| start + (end - start) * i as f64 / (n - 1) as f64)
                .collect()
        }
        ScheduleKind::Cosine => {
            let s = 0.008;
            let f = |t: f64| {
                ((t / n as f64 + s) / (1.0 + s) * std::f64::consts::FRAC_PI_2)
                    .cos()
                    .powi(2)
            };
            (0..n)
                .map(|i| (1.0 - f((i + 1) as f64) / f(i as f64)).min(0.999))
                .collect()
        }
    }
}

/// Evenly spaced original timestep indices kept when sampling with `steps` < T
/// (Nichol & Dhariwal §4): `round(j·(T−1)/(S−1))`, always keeping the first and the last.
pub fn respaced_indices(num_timesteps: usize, steps: usize) -> Vec<usize> {
    if steps >= num_timesteps {
        return (0..num_timesteps).collect();
    }
    if steps == 1 {
        return vec![num_timesteps - 1];
    }
    let stride = (num_timesteps - 1) as f64 / (steps - 1) as f64;
    (0..steps).map(|j| (j as f64 * stride).round() as usize).collect()
}

/// A schedule with its derived tables, named like the formulas they hold.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub kind: ScheduleKind,
    /// T the model was trained with.
    pub train_timesteps: usize,
    /// For each index of this (possibly respaced) schedule, the training timestep index the
    /// network is evaluated at.
    pub timestep_map: Vec<usize>,
    /// β_t
    pub beta: Vec<f64>,
    /// α_t = 1 − β_t
    pub alpha: Vec<f64>,
    /// ᾱ_t = ∏_{s≤t} α_s
    pub alpha_bar: Vec<f64>,
    /// ᾱ_{t−1}, with ᾱ_0 = 1
    pub alpha_bar_prev: Vec<f64>,
    pub sqrt_alpha_bar: Vec<f64>,
    pub sqrt_one_minus_alpha_bar: Vec<f64>,
    /// 1/√ᾱ_t
    pub sqrt_recip_alpha_bar: Vec<f64>,
    /// √(1/ᾱ_t − 1)
    pub sqrt_recipm1_alpha_bar: Vec<f64>,
    /// β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)  (DDPM eq. 7); β̃_1 = 0
    pub posterior_variance: Vec<f64>,
    /// log β̃_t with β̃_1 replaced by β̃_2, so the log stays finite at t = 1
    pub posterior_log_variance_clipped: Vec<f64>,
    /// log of improved-diffusion's "fixed large" variance: β_t, with β̃_2 at t = 1
    pub fixed_large_log_variance: Vec<f64>,
    /// log β_t, the upper end of the learned-variance interpolation (Nichol & Dhariwal eq. 15)
    pub log_beta: Vec<f64>,
    /// coefficient of x̂_0 in μ̃_t(x_t, x_0) (DDPM eq. 7)
    pub posterior_mean_coef1: Vec<f64>,
    /// coefficient of x_t in μ̃_t(x_t, x_0) (DDPM eq. 7)
    pub posterior_mean_coef2: Vec<f64>,
}

impl Schedule {
    /// The full training schedule with T steps, T within [`crate::catalog::TIMESTEPS`].
    pub fn new(kind: ScheduleKind, num_timesteps: usize) -> Result<Self, String> {
        crate::catalog::TIMESTEPS.check("T", num_timesteps)?;
        let beta = betas(kind, num_timesteps);
        Ok(Self::from_betas(
            kind,
            num_timesteps,
            (0..num_timesteps).collect(),
            beta,
        ))
    }

    /// A schedule of `steps` steps that skips timesteps of the `num_timesteps` training
    /// schedule while keeping the same ᾱ at the kept ones (Nichol & Dhariwal §4):
    /// β'_j = 1 − ᾱ_{k_j} / ᾱ_{k_{j−1}}.
    pub fn respaced(kind: ScheduleKind, num_timesteps: usize, steps: usize) -> Result<Self, String> {
        if steps == 0 || steps > num_timesteps {
            return Err(format!(
                "sampling steps must be between 1 and T = {num_timesteps}, got {steps}"
            ));
        }
        let full = Self::new(kind, num_timesteps)?;
        if steps == num_timesteps {
            return Ok(full);
        }
        let kept = respaced_indices(num_timesteps, steps);
        let mut last = 1.0;
        let beta = kept
            .iter()
            .map(|&k| {
                let b = 1.0 - full.alpha_bar[k] / last;
                last = full.alpha_bar[k];
                b
            })
            .collect();
        Ok(Self::from_betas(kind, num_timesteps, kept, beta))
    }

    fn from_betas(kind: ScheduleKind, train_timesteps: usize, timestep_map: Vec<usize>, beta: Vec<f64>) -> Self {
        let n = beta.len();
        let alpha: Vec<f64> = beta.iter().map(|b| 1.0 - b).collect();
        let mut alpha_bar = Vec::with_capacity(n);
        let mut acc = 1.0;
        for a in &alpha {
            acc *= a;
            alpha_bar.push(acc);
        }
        let alpha_bar_prev: Vec<f64> = std::iter::once(1.0).chain(alpha_bar[..n - 1].iter().copied()).collect();
        let map = |f: &dyn Fn(usize) -> f64| (0..n).map(f).collect::<Vec<f64>>();
        let posterior_variance = map(&|i| beta[i] * (1.0 - alpha_bar_prev[i]) / (1.0 - alpha_bar[i]));
        // β̃_1 = 0, so its log is −∞; both fixed choices borrow β̃_2 there (n ≥ 2 unless respaced to 1).
        let pv1 = if n > 1 { posterior_variance[1] } else { beta[0] };
        Self {
            kind,
            train_timesteps,
            timestep_map,
            sqrt_alpha_bar: map(&|i| alpha_bar[i].sqrt()),
            sqrt_one_minus_alpha_bar: map(&|i| (1.0 - alpha_bar[i]).sqrt()),
            sqrt_recip_alpha_bar: map(&|i| (1.0 / alpha_bar[i]).sqrt()),
            sqrt_recipm1_alpha_bar: map(&|i| (1.0 / alpha_bar[i] - 1.0).sqrt()),
            posterior_log_variance_clipped: map(&|i| if i == 0 { pv1.ln() } else { posterior_variance[i].ln() }),
            fixed_large_log_variance: map(&|i| if i == 0 { pv1.ln() } else { beta[i].ln() }),
            log_beta: map(&|i| beta[i].ln()),
            posterior_mean_coef1: map(&|i| beta[i] * alpha_bar_prev[i].sqrt() / (1.0 - alpha_bar[i])),
            posterior_mean_coef2: map(&|i| (1.0 - alpha_bar_prev[i]) * alpha[i].sqrt() / (1.0 - alpha_bar[i])),
            posterior_variance,
            beta,
            alpha,
            alpha_bar,
            alpha_bar_prev,
        }
    }

    /// Number of steps of this schedule (T, or S when respaced).
    pub fn len(&self) -> usize {
        self.beta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.beta.is_empty()
    }

    /// ᾱ_T: how much signal is left at the last step. Starting the reverse chain from N(0, I) is
    /// only right when this is near zero.
    pub fn terminal_alpha_bar(&self) -> f64 {
        *self.alpha_bar.last().expect("schedule is never empty")
    }

    /// The schedule's numbers at index `i` that the inspector writes into the equations of one
    /// step, so the page shows them and never recomputes them.
    pub fn coefficients(&self, i: usize) -> StepCoefficients {
        StepCoefficients {
            beta: self.beta[i],
            alpha: self.alpha[i],
            alpha_bar: self.alpha_bar[i],
            alpha_bar_prev: self.alpha_bar_prev[i],
            sqrt_alpha: self.alpha[i].sqrt(),
            eps_coef: self.beta[i] / self.sqrt_one_minus_alpha_bar[i],
            posterior_mean_coef1: self.posterior_mean_coef1[i],
            posterior_mean_coef2: self.posterior_mean_coef2[i],
        }
    }

    /// Forward process q(x_t | x_0) (DDPM eq. 4): √ᾱ_t x_0 + √(1−ᾱ_t) ε.
    pub fn q_sample(&self, index: usize, x0: f64, eps: f64) -> f64 {
        self.sqrt_alpha_bar[index] * x0 + self.sqrt_one_minus_alpha_bar[index] * eps
    }

    /// Posterior mean μ̃_t(x_t, x_0) of q(x_{t−1} | x_t, x_0) (DDPM eq. 7).
    pub fn posterior_mean(&self, index: usize, x_t: f64, x0: f64) -> f64 {
        self.posterior_mean_coef1[index] * x0 + self.posterior_mean_coef2[index] * x_t
    }
}

/// One step's schedule numbers, see [`Schedule::coefficients`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepCoefficients {
    /// β_t
    pub beta: f64,
    /// α_t = 1 − β_t
    pub alpha: f64,
    /// ᾱ_t
    pub alpha_bar: f64,
    /// ᾱ_{t−1}
    pub alpha_bar_prev: f64,
    /// √α_t, which divides the bracket of μ_θ from ε̂ (DDPM eq. 11)
    pub sqrt_alpha: f64,
    /// β_t / √(1 − ᾱ_t), the weight of ε̂ in that bracket
    pub eps_coef: f64,
    /// weight of x̂_0 in μ̃_t(x_t, x̂_0) (DDPM eq. 7)
    pub posterior_mean_coef1: f64,
    /// weight of x_t in μ̃_t(x_t, x̂_0)
    pub posterior_mean_coef2: f64,
}

/// Largest ᾱ_T we accept for a shipped configuration: above this, x_T ~ N(0, I) visibly disagrees
/// with q(x_T | x_0) (at 1e-3, √ᾱ_T ≈ 0.03 of the data's scale is still signal).
pub const MAX_TERMINAL_ALPHA_BAR: f64 = 1e-3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respacing_keeps_ends_and_alpha_bar() {
        let full = Schedule::new(ScheduleKind::Linear, 1000).unwrap();
        let s = Schedule::respaced(ScheduleKind::Linear, 1000, 50).unwrap();
        assert_eq!(s.len(), 50);
        assert_eq!(s.timestep_map[0], 0);
        assert_eq!(*s.timestep_map.last().unwrap(), 999);
        for (j, &k) in s.timestep_map.iter().enumerate() {
            assert!((s.alpha_bar[j] - full.alpha_bar[k]).abs() < 1e-12);
        }
    }

    #[test]
    fn unknown_schedule_is_named() {
        let e = "quadratic".parse::<ScheduleKind>().unwrap_err();
        assert!(e.contains("quadratic") && e.contains("linear"));
    }
}
