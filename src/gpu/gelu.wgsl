// The denoiser's activation, GELU in its tanh form (candle's `gelu`), for every kernel that runs
// a layer.

// tanh from exp, clamped: some drivers' tanh turns large arguments into NaN.
fn tanh_safe(y: f32) -> f32 {
    let a = min(abs(y), 15.0);
    let e = exp(2.0 * a);
    return sign(y) * (1.0 - 2.0 / (e + 1.0));
}

fn gelu(v: f32) -> f32 {
    return 0.5 * v * (1.0 + tanh_safe(0.7978845608028654 * v * (1.0 + 0.044715 * v * v)));
}
