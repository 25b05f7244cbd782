// sin and cos accurate to about one f32 ulp, in plain arithmetic. The builtins are not enough:
// WebGPU only promises an absolute error of 2^-11 for sin/cos on [−π, π], and SwiftShader (the
// WebGPU of browsers without a GPU) uses that latitude. An error of 5e-4 per step in the
// embedding (and so in the network's output) is harmless for an ε-model, whose output is scaled
// by β_t/√(1−ᾱ_t) before it moves a point, but a model that predicts μ directly passes it
// straight into x_{t−1}, and over the 1000-step chain it added up to 0.5 (tests/web_gpu.rs,
// a_full_thousand_step_chain_matches_the_cpu_at_every_step).

// Minimax polynomials on [−π/4, π/4] (Cephes sinf/cosf), z = r².
fn sin_poly(r: f32) -> f32 {
    let z = r * r;
    return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
}

fn cos_poly(r: f32) -> f32 {
    let z = r * r;
    return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z
        - 0.5 * z + 1.0;
}

// (sin, cos) of r + q·π/2 for |r| ≤ π/4.
fn sin_cos_quadrant(r: f32, q: i32) -> vec2<f32> {
    let s = sin_poly(r);
    let c = cos_poly(r);
    switch (q & 3) {
        case 0: { return vec2<f32>(s, c); }
        case 1: { return vec2<f32>(c, -s); }
        case 2: { return vec2<f32>(-s, -c); }
        default: { return vec2<f32>(-c, s); }
    }
}

// (sin a, cos a). a = k·π/2 + r with π/2 split in three (Cody–Waite): the first two parts have
// few enough bits that k times them is exact for |k| < 2^12, i.e. |a| < 6000; the embedding's
// arguments stay below ~200.
fn sin_cos(a: f32) -> vec2<f32> {
    let k = round(a * 0.6366197723675814);
    let r = ((a - k * 1.5703125) - k * 4.837512969970703e-4) - k * 7.549790126404332e-8;
    return sin_cos_quadrant(r, i32(k));
}

// (sin 2πu, cos 2πu) for u in turns: the reduction to a quarter turn is exact in f32.
fn sin_cos_turns(u: f32) -> vec2<f32> {
    let k = round(u * 4.0);
    let f = u - k * 0.25;
    return sin_cos_quadrant(f * 6.283185307179586, i32(k));
}
