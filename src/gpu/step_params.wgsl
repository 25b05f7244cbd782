// The per-step uniform, one 256-byte slot per schedule index (plus one for the prior), written once
// per chain; a step selects its slot with a dynamic offset, so stepping writes nothing.
// Mirrors StepParams in chain.rs field for field.

struct StepParams {
    // Schedule index i = t − 1 of this step.
    i: u32,
    // Element offsets of x_t and x_{t−1} in the history buffer.
    src: u32,
    dst: u32,
    n: u32,
    dim: u32,
    // Outputs per sample of the network.
    out_dim: u32,
    parameterization: u32,
    variance: u32,
    seed: vec2<u32>,
    add_noise: u32,
    emb_size: u32,
    input_scale: f32,
    sqrt_recip_alpha_bar: f32,
    sqrt_recipm1_alpha_bar: f32,
    sqrt_alpha_bar: f32,
    sqrt_one_minus_alpha_bar: f32,
    posterior_mean_coef1: f32,
    posterior_mean_coef2: f32,
    posterior_log_variance_clipped: f32,
    fixed_large_log_variance: f32,
    log_beta: f32,
}
