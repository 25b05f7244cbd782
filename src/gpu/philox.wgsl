// Counter-based Gaussian noise, the same recipe as src/diffusion/rng.rs (read its module comment):
// Philox4x32-10 keyed by the seed, counter (sample, dimension / 4, step, stream), a 24-bit uniform
// from each output word, Box–Muller on the pairs (0, 1) and (2, 3). WGSL has no 64-bit integers,
// so the 32×32 → 64-bit product is put together from 16-bit halves. Needs trig.wgsl.

// PHILOX_* and STREAM_* come from the generated prelude (src/gpu/contract.rs, from rng.rs).

// High 32 bits of a * b (the low ones are the wrapping product a * b).
fn mul_hi(a: u32, b: u32) -> u32 {
    let a_lo = a & 0xFFFFu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xFFFFu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_lo = a_hi * b_lo;
    let mid = (lo_lo >> 16u) + (lo_hi & 0xFFFFu) + (hi_lo & 0xFFFFu);
    return a_hi * b_hi + (lo_hi >> 16u) + (hi_lo >> 16u) + (mid >> 16u);
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var round = 0u; round < 10u; round++) {
        if (round > 0u) {
            k = k + vec2<u32>(PHILOX_W0, PHILOX_W1);
        }
        let hi0 = mul_hi(PHILOX_M0, c.x);
        let lo0 = PHILOX_M0 * c.x;
        let hi1 = mul_hi(PHILOX_M1, c.z);
        let lo1 = PHILOX_M1 * c.z;
        c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// ((w >> 8) + 0.5) / 2^24: strictly inside (0, 1), so the logarithm below is finite.
fn unit_uniform(w: u32) -> f32 {
    return (f32(w >> 8u) + 0.5) * (1.0 / 16777216.0);
}

fn philox_normal(seed: vec2<u32>, stream: u32, step: u32, sample: u32, dim: u32) -> f32 {
    let out = philox4x32_10(vec4<u32>(sample, dim / 4u, step, stream), seed);
    var pair = out.xy;
    if ((dim % 4u) >= 2u) {
        pair = out.zw;
    }
    let r = sqrt(-2.0 * log(unit_uniform(pair.x)));
    // sin/cos of 2π·u from trig.wgsl: the builtins may be off by 2^-11 (see there)
    let sc = sin_cos_turns(unit_uniform(pair.y));
    if ((dim % 2u) == 0u) {
        return r * sc.y;
    }
    return r * sc.x;
}
