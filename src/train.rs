//! Training a denoiser on 2-D points (native only).
//!
//! Losses, per parameterization:
//! - `epsilon`, `x0`, `v`: L_simple, the mean squared error to the true ε, x_0 or v (Ho et al.).
//! - `mean`: the mean squared error to the posterior mean μ̃_t(x_t, x_0).
//! - `mean-variance`: that error plus λ·L_vlb with λ = 0.001 (Nichol & Dhariwal §3.1), where the
//!   variational term sees the mean through a stop-gradient so it only trains the variance.
//! - `epsilon-variance`: L_simple on ε plus the same λ·L_vlb, the mean in it computed from ε̂ (DDPM
//!   eq. 11) through a stop-gradient: Nichol & Dhariwal's L_hybrid.

use crate::catalog;
use crate::diffusion::rng::Rng;
use crate::diffusion::{Parameterization, Schedule};
use crate::model::{to_safetensors, Denoiser, ModelConfig, WeightsError};
use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};

pub struct TrainOptions {
    pub config: ModelConfig,
    /// Training points, row-major [n, dim].
    pub data: Vec<f32>,
    pub steps: usize,
    pub batch: usize,
    pub learning_rate: f64,
    /// Exponential moving average of the weights; the averaged weights are what ships.
    pub ema_decay: f64,
    pub seed: u64,
}

/// Where training stands, for progress reports.
pub struct Progress {
    pub step: usize,
    pub steps: usize,
    /// Mean loss over the last report interval.
    pub loss: f64,
}

pub struct Trained {
    pub model: Denoiser,
    pub weights: Vec<u8>,
    pub final_loss: f64,
}

/// λ of the hybrid loss.
const LAMBDA_VLB: f64 = 0.001;

pub fn train(opts: TrainOptions, mut progress: impl FnMut(&Progress)) -> Result<Trained, String> {
    let e = |e: candle_core::Error| e.to_string();
    let dev = Device::Cpu;
    let cfg = opts.config.clone();
    cfg.check().map_err(|e| e.to_string())?;
    let dim = cfg.dim;
    if opts.data.len() < dim || !opts.data.len().is_multiple_of(dim) {
        return Err("training data must hold at least one point".into());
    }
    let n = opts.data.len() / dim;
    catalog::POINTS.check("training points", n)?;
    catalog::BATCH.check("batch", opts.batch)?;
    catalog::ITERATIONS.check("training steps", opts.steps)?;
    catalog::check_ema(opts.ema_decay).map_err(|e| format!("EMA decay {e}"))?;
    catalog::check_positive(opts.learning_rate).map_err(|e| format!("learning rate {e}"))?;
    let schedule = Schedule::new(cfg.schedule, cfg.timesteps)?;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
    let model = Denoiser::new(cfg.clone(), vb).map_err(e)?;
    // Variables in a fixed order, so initialization and the EMA are reproducible.
    let mut named: Vec<(String, Var)> = varmap
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    reinit(&named, opts.seed).map_err(e)?;
    let mut ema: Vec<Tensor> = named
        .iter()
        .map(|(_, v)| v.as_tensor().copy())
        .collect::<Result<_, _>>()
        .map_err(e)?;
    let vars: Vec<Var> = named.iter().map(|(_, v)| v.clone()).collect();
    let params = ParamsAdamW {
        lr: opts.learning_rate,
        weight_decay: 0.0,
        ..Default::default()
    };
    let mut opt = AdamW::new(vars.clone(), params).map_err(e)?;

    let mut rng = Rng::new(opts.seed);
    let b = opts.batch;
    let report_every = (opts.steps / 200).max(1);
    let (mut acc, mut acc_n, mut last_loss) = (0.0, 0, f64::NAN);
    for step in 0..opts.steps {
        // Cosine decay of the learning rate to 10%: big steps early, fine ones at the end.
        let frac = step as f64 / opts.steps as f64;
        opt.set_learning_rate(opts.learning_rate * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())));
        let batch = Batch::draw(&schedule, cfg.parameterization, &opts.data, dim, b, n, &mut rng);
        let loss = batch.loss(&model, &schedule, &dev).map_err(e)?;
        opt.backward_step(&loss).map_err(e)?;
        let l = loss.to_scalar::<f32>().map_err(e)? as f64;
        if !l.is_finite() {
            return Err(format!("training diverged at step {step}: loss is {l}"));
        }
        // Warm-up of the EMA (as in many diffusion codebases): early weights are forgotten fast.
        let decay = opts.ema_decay.min((1.0 + step as f64) / (10.0 + step as f64));
        // Detached: an average computed from a `Var` keeps a backprop link to the previous
        // average, and that chain through every step grew by ~20 MB a second (17 GB after 15
        // minutes).
        for (m, v) in ema.iter_mut().zip(&vars) {
            *m = ((&*m * decay).map_err(e)? + (v.as_tensor() * (1.0 - decay)).map_err(e)?)
                .map_err(e)?
                .detach();
        }
        acc += l;
        acc_n += 1;
        if (step + 1) % report_every == 0 || step + 1 == opts.steps {
            last_loss = acc / acc_n as f64;
            progress(&Progress {
                step: step + 1,
                steps: opts.steps,
                loss: last_loss,
            });
            acc = 0.0;
            acc_n = 0;
        }
    }
    let tensors: Vec<(String, Tensor)> = named.iter().map(|(k, _)| k.clone()).zip(ema).collect();
    let weights = to_safetensors(&cfg, &tensors).map_err(|e: WeightsError| e.to_string())?;
    let model = Denoiser::from_safetensors(&weights).map_err(|e| e.to_string())?;
    Ok(Trained {
        model,
        weights,
        final_loss: last_loss,
    })
}

/// Deterministic initialization (candle's own draws from a global RNG): the usual uniform
/// ±1/√fan_in, from our counter-based generator.
fn reinit(named: &[(String, Var)], seed: u64) -> candle_core::Result<()> {
    let mut rng = Rng::new(seed.wrapping_add(0x1417));
    for (name, var) in named {
        let dims = var.dims().to_vec();
        let fan_in = if name.ends_with(".weight") {
            dims[1]
        } else {
            128.min(dims[0]).max(1)
        };
        let bound = 1.0 / (fan_in as f64).sqrt();
        let values: Vec<f32> = (0..var.elem_count())
            .map(|_| ((2.0 * rng.uniform() - 1.0) * bound) as f32)
            .collect();
        var.set(&Tensor::from_vec(values, dims.as_slice(), var.device())?)?;
    }
    Ok(())
}

/// One minibatch with everything the losses need, computed on the CPU in f64 then stored f32.
struct Batch {
    b: usize,
    dim: usize,
    p: Parameterization,
    x_t: Vec<f32>,
    timesteps: Vec<f32>,
    target: Vec<f32>,
    /// Posterior mean μ̃ and x_0, and per-row coefficients for the variational term.
    post_mean: Vec<f32>,
    x0: Vec<f32>,
    log_beta: Vec<f32>,
    log_post_var: Vec<f32>,
    is_first: Vec<f32>,
    /// Per row: 1/√ᾱ_t, √(1/ᾱ_t − 1) and the posterior-mean coefficients, for μ from ε̂.
    sqrt_recip_alpha_bar: Vec<f32>,
    sqrt_recipm1_alpha_bar: Vec<f32>,
    coef1: Vec<f32>,
    coef2: Vec<f32>,
}

impl Batch {
    fn draw(s: &Schedule, p: Parameterization, data: &[f32], dim: usize, b: usize, n: usize, rng: &mut Rng) -> Self {
        let mut me = Batch {
            b,
            dim,
            p,
            x_t: Vec::with_capacity(b * dim),
            timesteps: Vec::with_capacity(b),
            target: Vec::with_capacity(b * dim),
            post_mean: Vec::with_capacity(b * dim),
            x0: Vec::with_capacity(b * dim),
            log_beta: Vec::with_capacity(b),
            log_post_var: Vec::with_capacity(b),
            is_first: Vec::with_capacity(b),
            sqrt_recip_alpha_bar: Vec::with_capacity(b),
            sqrt_recipm1_alpha_bar: Vec::with_capacity(b),
            coef1: Vec::with_capacity(b),
            coef2: Vec::with_capacity(b),
        };
        for _ in 0..b {
            let row = rng.below(n);
            let i = rng.below(s.len());
            me.timesteps.push(i as f32);
            me.log_beta.push(s.log_beta[i] as f32);
            me.log_post_var.push(s.posterior_log_variance_clipped[i] as f32);
            me.is_first.push(if i == 0 { 1.0 } else { 0.0 });
            me.sqrt_recip_alpha_bar.push(s.sqrt_recip_alpha_bar[i] as f32);
            me.sqrt_recipm1_alpha_bar.push(s.sqrt_recipm1_alpha_bar[i] as f32);
            me.coef1.push(s.posterior_mean_coef1[i] as f32);
            me.coef2.push(s.posterior_mean_coef2[i] as f32);
            for d in 0..dim {
                let x0 = data[row * dim + d] as f64;
                let eps = rng.normal();
                let x = s.q_sample(i, x0, eps);
                let mu = s.posterior_mean(i, x, x0);
                me.x_t.push(x as f32);
                me.x0.push(x0 as f32);
                me.post_mean.push(mu as f32);
                me.target.push(match p {
                    Parameterization::Epsilon | Parameterization::EpsilonVariance => eps,
                    Parameterization::X0 => x0,
                    Parameterization::V => crate::diffusion::param::v_from_x0_eps(s, i, x0, eps),
                    Parameterization::Mean | Parameterization::MeanVariance => mu,
                } as f32);
            }
        }
        me
    }

    fn loss(&self, model: &Denoiser, s: &Schedule, dev: &Device) -> candle_core::Result<Tensor> {
        let (b, dim) = (self.b, self.dim);
        let x_t = Tensor::from_slice(&self.x_t, (b, dim), dev)?;
        let t = Tensor::from_slice(&self.timesteps, b, dev)?;
        let out = model.forward(&x_t, &t)?;
        let target = Tensor::from_slice(&self.target, (b, dim), dev)?;
        let pred = out.narrow(1, 0, dim)?;
        let mse = (&pred - &target)?.sqr()?.mean_all()?;
        if !self.p.learns_variance() {
            return Ok(mse);
        }
        let col = |v: &[f32]| Tensor::from_slice(v, (b, 1), dev);
        // L_vlb term for the variance only: μ through a stop-gradient.
        let mean = if self.p == Parameterization::EpsilonVariance {
            // μ = c1·x̂_0 + c2·x_t with x̂_0 = x_t/√ᾱ_t − √(1/ᾱ_t − 1)·ε̂ (DDPM eqs. 4, 7)
            let eps = pred.detach();
            let x0 = (x_t.broadcast_mul(&col(&self.sqrt_recip_alpha_bar)?)?
                - eps.broadcast_mul(&col(&self.sqrt_recipm1_alpha_bar)?)?)?;
            (x0.broadcast_mul(&col(&self.coef1)?)? + x_t.broadcast_mul(&col(&self.coef2)?)?)?
        } else {
            pred.detach()
        };
        let v = out.narrow(1, dim, dim)?;
        // clamped as in param::log_variance, so training sees the variance sampling will use
        let frac = ((v + 1.0)? * 0.5)?.clamp(0f32, 1f32)?;
        let log_beta = col(&self.log_beta)?;
        let log_post = col(&self.log_post_var)?;
        let lv = (frac.broadcast_mul(&log_beta)? + (frac.affine(-1.0, 1.0)?).broadcast_mul(&log_post)?)?;
        let inv_var = lv.neg()?.exp()?;
        let true_mean = Tensor::from_slice(&self.post_mean, (b, dim), dev)?;
        // KL(N(μ̃, β̃) ‖ N(μ, e^lv)) per coordinate.
        let ratio = log_post.broadcast_sub(&lv)?.exp()?;
        let kl = ((lv.broadcast_sub(&log_post)? + ratio)? + (&true_mean - &mean)?.sqr()?.mul(&inv_var)?)?
            .affine(0.5, -0.5)?;
        // −log N(x_0; μ, e^lv) at t = 1, where there is no KL.
        let x0 = Tensor::from_slice(&self.x0, (b, dim), dev)?;
        let nll = (&lv + (&x0 - &mean)?.sqr()?.mul(&inv_var)?)?.affine(0.5, 0.5 * (2.0 * std::f64::consts::PI).ln())?;
        let first = col(&self.is_first)?;
        let vb = (nll.broadcast_mul(&first)? + kl.broadcast_mul(&first.affine(-1.0, 1.0)?)?)?
            .mean(D::Minus1)?
            .mean_all()?;
        // λ·L_vlb with L_vlb = T·E_t[L_t] (Nichol & Dhariwal eq. 16).
        mse + (vb * (LAMBDA_VLB * s.len() as f64))?
    }
}
