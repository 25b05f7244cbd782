// The reverse step x_t → x_{t−1} for every sample (DDPM Algorithm 2, lines 3–4), the prior draw
// x_T ~ N(0, I), and the inspector's record of one sample. Needs philox.wgsl and step_params.wgsl
// in front. The arithmetic follows src/diffusion/param.rs (predict_scalar, log_variance,
// sample_prev) line for line, in f32 with the f64 tables rounded once on upload.

// Parameterization and variance codes, as chain.rs writes them.
const P_EPSILON: u32 = 0u;
const P_X0: u32 = 1u;
const P_V: u32 = 2u;
const P_MEAN: u32 = 3u;
const P_MEAN_VARIANCE: u32 = 4u;
const V_FIXED_SMALL: u32 = 0u;
const V_FIXED_LARGE: u32 = 1u;
const V_LEARNED: u32 = 2u;

// Fields of the inspector record, each `dim` floats long.
const R_X_T: u32 = 0u;
const R_EPS: u32 = 1u;
const R_X0: u32 = 2u;
const R_MEAN: u32 = 3u;
const R_LOG_VARIANCE: u32 = 4u;
const R_SIGMA: u32 = 5u;
const R_Z: u32 = 6u;
const R_X_PREV: u32 = 7u;
const R_RAW: u32 = 8u;
const R_RAW_VARIANCE: u32 = 9u;

struct InspectParams {
    sample: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> history: array<f32>;
// the network's output, feature-major as linear.wgsl writes it: raw[c * n + sample]
@group(0) @binding(1) var<storage, read> raw: array<f32>;
@group(0) @binding(2) var<storage, read_write> record: array<f32>;
@group(0) @binding(3) var<uniform> inspect_params: InspectParams;
@group(1) @binding(0) var<uniform> step: StepParams;

struct Prediction {
    eps: f32,
    x0: f32,
    mean: f32,
    log_variance: f32,
}

// param::predict_scalar: the raw output r (and v_raw for a learned variance) → (ε̂, x̂_0, μ_θ, log Σ_θ).
fn predict(x: f32, r: f32, v_raw: f32) -> Prediction {
    var p: Prediction;
    switch step.parameterization {
        case P_EPSILON: {
            // DDPM eq. 4 solved for x_0
            p.eps = r;
            p.x0 = step.sqrt_recip_alpha_bar * x - step.sqrt_recipm1_alpha_bar * r;
        }
        case P_X0: {
            p.x0 = r;
        }
        case P_V: {
            // Salimans & Ho 2022: x_0 = √ᾱ x_t − √(1−ᾱ) v
            p.x0 = step.sqrt_alpha_bar * x - step.sqrt_one_minus_alpha_bar * r;
        }
        default: {
            // mean, mean-variance: μ = c1·x_0 + c2·x_t solved for x_0
            p.x0 = (r - step.posterior_mean_coef2 * x) / step.posterior_mean_coef1;
        }
    }
    if (step.parameterization != P_EPSILON) {
        p.eps = (step.sqrt_recip_alpha_bar * x - p.x0) / step.sqrt_recipm1_alpha_bar;
    }
    if (step.parameterization == P_MEAN || step.parameterization == P_MEAN_VARIANCE) {
        p.mean = r;
    } else {
        // posterior mean μ̃_t(x_t, x̂_0) (DDPM eq. 7)
        p.mean = step.posterior_mean_coef1 * p.x0 + step.posterior_mean_coef2 * x;
    }
    // param::log_variance: the one place a log-variance comes from
    switch step.variance {
        case V_FIXED_LARGE: {
            p.log_variance = step.fixed_large_log_variance;
        }
        case V_LEARNED: {
            // Nichol & Dhariwal eq. 15, v mapped from [−1, 1] to [0, 1] and held there as in
            // param::log_variance: Σ stays between β̃_t and β_t
            let frac = clamp((v_raw + 1.0) / 2.0, 0.0, 1.0);
            p.log_variance = frac * step.log_beta + (1.0 - frac) * step.posterior_log_variance_clipped;
        }
        default: {
            p.log_variance = step.posterior_log_variance_clipped;
        }
    }
    return p;
}

fn noise(sample: u32, d: u32) -> f32 {
    if (step.add_noise == 0u) {
        return 0.0;
    }
    return philox_normal(step.seed, STREAM_CHAIN, step.i, sample, d);
}

fn element_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * 64u;
}

// x_T ~ N(0, I) into the history slot at `dst`.
@compute @workgroup_size(64)
fn prior(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = element_index(gid, groups);
    if (e >= step.n * step.dim) {
        return;
    }
    history[step.dst + e] = philox_normal(step.seed, STREAM_PRIOR, 0u, e / step.dim, e % step.dim);
}

fn raw_variance(sample: u32, d: u32) -> f32 {
    if (step.parameterization == P_MEAN_VARIANCE) {
        return raw[(step.dim + d) * step.n + sample];
    }
    return 0.0;
}

// One invocation per (sample, dimension).
@compute @workgroup_size(64)
fn reverse_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = element_index(gid, groups);
    if (e >= step.n * step.dim) {
        return;
    }
    let sample = e / step.dim;
    let d = e % step.dim;
    // 1. the network's output for this coordinate (computed by the forward kernels)
    let x = history[step.src + e];
    // 2. raw output → μ_θ and log Σ_θ
    let p = predict(x, raw[d * step.n + sample], raw_variance(sample, d));
    // 3. x_{t−1} = μ_θ + exp(½ log Σ_θ)·z, no noise on the last step
    history[step.dst + e] = p.mean + exp(0.5 * p.log_variance) * noise(sample, d);
}

// The same step for the one inspected sample, every intermediate kept; the state is not touched.
@compute @workgroup_size(1)
fn inspect() {
    let sample = inspect_params.sample;
    for (var d = 0u; d < step.dim; d++) {
        let x = history[step.src + sample * step.dim + d];
        let r = raw[d * step.n + sample];
        let v_raw = raw_variance(sample, d);
        let p = predict(x, r, v_raw);
        let z = noise(sample, d);
        let sigma = exp(0.5 * p.log_variance);
        record[R_X_T * step.dim + d] = x;
        record[R_EPS * step.dim + d] = p.eps;
        record[R_X0 * step.dim + d] = p.x0;
        record[R_MEAN * step.dim + d] = p.mean;
        record[R_LOG_VARIANCE * step.dim + d] = p.log_variance;
        record[R_SIGMA * step.dim + d] = sigma;
        record[R_Z * step.dim + d] = z;
        record[R_X_PREV * step.dim + d] = p.mean + sigma * z;
        record[R_RAW * step.dim + d] = r;
        record[R_RAW_VARIANCE * step.dim + d] = v_raw;
    }
}
