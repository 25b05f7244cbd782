//! The CPU forward of the denoiser, written for its shapes: what the CPU chain runs each step, in
//! the browser and natively. Candle stays the reference (`Denoiser::forward`), and trains and
//! loads; this is the same function, computed faster:
//!
//! - the weights are packed once, at load, into panels of [`NR`] output neurons, k-major, padded
//!   with zeros (padding adds exact zeros, so any hidden and embedding size works);
//! - the time embedding is the same for every sample of a step, so its part of the input layer
//!   (W_t · emb(t) + b) is one bias vector per step instead of a matmul per sample;
//! - samples go through the whole network [`TILE`] at a time, so activations stay in cache, and
//!   each layer's bias, GELU and residual are applied to the accumulators as they leave the matmul;
//! - nothing is allocated per step: the buffers live in a [`Scratch`] the chain owns.
//!
//! Every kernel does the same f32 operations in the same order for every sample (each sum runs
//! over k in order, multiply then add, never fused; sin, cos and exp are the polynomials below
//! rather than the platform's libm), so the portable build, its AVX2 instance and the wasm
//! simd128 kernel give bit-identical outputs, and one sample's output does not depend on how many
//! others run beside it (the inspector's one-sample forward equals the chain's step). Against
//! candle the outputs differ by rounding only: tests/fast_forward.rs states the tolerance.

use crate::model::Denoiser;

/// Output neurons per weight panel: two simd128 vectors, one AVX2 vector.
pub const NR: usize = 8;
/// Samples per micro-tile: the accumulators of MR × NR outputs stay in registers.
const MR: usize = 4;
/// Samples per tile: their activations stay in the L1 cache through every layer.
pub const TILE: usize = 16;
/// Lanes of the sinusoid and output vectors (one simd128 vector).
const LANES: usize = 4;

/// Arguments of sin and cos beyond this go to the platform's libm: the reduction below is exact
/// only while j · DP2 is (j < 2¹¹). The shipped models stay far inside (|x| ≤ 82 at scale 25).
const SINCOS_LIMIT: f32 = 2048.0;

/// Which instructions compute the forward. All give the same bits (see the module's comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust over lane arrays: the scalar build (wasm without simd128), and natively what
    /// the compiler vectorizes it to for the target's baseline.
    Portable,
    /// The portable code compiled for AVX2, chosen at run time where the CPU has it.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// Hand-written wasm simd128 (the shipped wasm build).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

impl Kernel {
    /// The fastest kernel this build and this CPU can run.
    pub fn best() -> Kernel {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        let best = Kernel::Simd128;
        #[cfg(target_arch = "x86_64")]
        let best = if std::arch::is_x86_feature_detected!("avx2") {
            Kernel::Avx2
        } else {
            Kernel::Portable
        };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        let best = Kernel::Portable;
        best
    }

    /// Every kernel this build and this CPU can run (for the tests that compare them).
    pub fn available() -> Vec<Kernel> {
        let mut v = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            v.push(Kernel::Avx2);
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        v.push(Kernel::Simd128);
        v
    }
}

/// One layer's weights in panels: panel p holds outputs p·NR … p·NR + NR − 1 as `k_len` rows of
/// NR numbers (row k: W[p·NR + j, k] for j < NR), zero where the output or input is padding.
#[derive(Clone)]
struct Panels {
    w: Vec<f32>,
    /// Bias, padded to the panels' width with zeros.
    b: Vec<f32>,
    k_len: usize,
}

impl Panels {
    /// `weight` is [out, in] row-major; `column(k)` maps packed input k to a column of it or None
    /// for padding.
    fn pack(
        weight: &[f32],
        bias: &[f32],
        out: usize,
        inp: usize,
        out_padded: usize,
        k_len: usize,
        column: impl Fn(usize) -> Option<usize>,
    ) -> Panels {
        let mut w = vec![0f32; out_padded * k_len];
        for p in 0..out_padded / NR {
            for k in 0..k_len {
                let Some(c) = column(k) else { continue };
                for j in 0..NR {
                    let o = p * NR + j;
                    if o < out {
                        w[(p * k_len + k) * NR + j] = weight[o * inp + c];
                    }
                }
            }
        }
        let mut b = vec![0f32; out_padded];
        b[..out].copy_from_slice(bias);
        Panels { w, b, k_len }
    }

    fn panel(&self, p: usize) -> &[f32] {
        &self.w[p * self.k_len * NR..(p + 1) * self.k_len * NR]
    }
}

/// The network, packed for the fused forward. Built once from a loaded [`Denoiser`].
#[derive(Clone)]
pub struct PackedMlp {
    dim: usize,
    /// Output width (`parameterization.output_dim(dim)`), and padded to [`LANES`].
    out_dim: usize,
    out_padded: usize,
    /// Hidden width, padded to [`NR`].
    hidden_padded: usize,
    input_scale: f32,
    /// The sinusoids' frequencies, padded with zeros to a multiple of [`LANES`] (sin 0 = 0 and
    /// cos 0 = 1 there, met by zero weights).
    freqs: Vec<f32>,
    /// Features of one coordinate: sin then cos of every padded frequency.
    per_coord: usize,
    /// The input layer's part for the coordinates' features; its bias is not used (see `time`).
    input_x: Panels,
    /// The input layer's part for the time features, [hidden_padded, emb_size] row-major, and
    /// its bias: one bias vector per step.
    time_w: Vec<f32>,
    time_b: Vec<f32>,
    emb_size: usize,
    blocks: Vec<Panels>,
    /// Output layer, [hidden_padded][out_padded] k-major, and its bias.
    output_w: Vec<f32>,
    output_b: Vec<f32>,
}

/// The buffers of one forward, owned by whoever runs it (the chain keeps one for all its steps).
/// Sized on first use; after that a forward allocates nothing.
#[derive(Default)]
pub struct Scratch {
    /// The tile's coordinates, padded with zeros to TILE samples.
    x: Vec<f32>,
    /// The tile's input features, [TILE][input_x.k_len].
    features: Vec<f32>,
    /// Hidden activations, two buffers of [TILE][hidden_padded] (a block reads one, writes the other).
    h: [Vec<f32>; 2],
    /// The tile's outputs, [TILE][out_padded].
    out: Vec<f32>,
    /// This step's time features and the input layer's bias with them.
    time_features: Vec<f32>,
    step_bias: Vec<f32>,
}

impl Scratch {
    fn fit(&mut self, m: &PackedMlp) {
        let fit = |v: &mut Vec<f32>, len: usize| {
            if v.len() != len {
                v.clear();
                v.resize(len, 0.0);
            }
        };
        fit(&mut self.x, TILE * m.dim);
        fit(&mut self.features, TILE * m.input_x.k_len);
        for h in &mut self.h {
            fit(h, TILE * m.hidden_padded);
        }
        fit(&mut self.out, TILE * m.out_padded);
        fit(&mut self.time_features, m.emb_size);
        fit(&mut self.step_bias, m.hidden_padded);
    }
}

fn round_up(n: usize, m: usize) -> usize {
    n.div_ceil(m) * m
}

impl PackedMlp {
    /// Packs a loaded network's weights.
    pub fn new(model: &Denoiser) -> candle_core::Result<PackedMlp> {
        let c = &model.config;
        let layers = model.flat_layers()?;
        let (dim, emb, hidden) = (c.dim, c.emb_size, c.hidden);
        let out_dim = c.output_dim();
        let hidden_padded = round_up(hidden, NR);
        let half = emb / 2;
        let half_padded = round_up(half, LANES);
        let per_coord = 2 * half_padded;
        let mut freqs = crate::model::frequencies(emb);
        freqs.resize(half_padded, 0.0);

        let input = &layers[0];
        // packed feature k of coordinate d: sin of frequency i at d·per_coord + i, cos at
        // d·per_coord + half_padded + i; in the candle input, d·emb + i and d·emb + half + i.
        let input_x = Panels::pack(
            &input.weight,
            &vec![0.0; hidden],
            hidden,
            input.in_dim,
            hidden_padded,
            dim * per_coord,
            |k| {
                let (d, r) = (k / per_coord, k % per_coord);
                let (cos, i) = (r >= half_padded, r % half_padded);
                (i < half).then_some(d * emb + if cos { half } else { 0 } + i)
            },
        );
        let mut time_w = vec![0f32; hidden_padded * emb];
        for o in 0..hidden {
            time_w[o * emb..(o + 1) * emb]
                .copy_from_slice(&input.weight[o * input.in_dim + dim * emb..(o + 1) * input.in_dim]);
        }
        let mut time_b = vec![0f32; hidden_padded];
        time_b[..hidden].copy_from_slice(&input.bias);

        let blocks = layers[1..layers.len() - 1]
            .iter()
            .map(|l| {
                Panels::pack(&l.weight, &l.bias, hidden, hidden, hidden_padded, hidden_padded, |k| {
                    (k < hidden).then_some(k)
                })
            })
            .collect();

        let output = &layers[layers.len() - 1];
        let out_padded = round_up(out_dim, LANES);
        let mut output_w = vec![0f32; hidden_padded * out_padded];
        for k in 0..hidden {
            for o in 0..out_dim {
                output_w[k * out_padded + o] = output.weight[o * hidden + k];
            }
        }
        let mut output_b = vec![0f32; out_padded];
        output_b[..out_dim].copy_from_slice(&output.bias);

        Ok(PackedMlp {
            dim,
            out_dim,
            out_padded,
            hidden_padded,
            input_scale: c.input_scale as f32,
            freqs,
            per_coord,
            input_x,
            time_w,
            time_b,
            emb_size: emb,
            blocks,
            output_w,
            output_b,
        })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn output_dim(&self) -> usize {
        self.out_dim
    }

    /// Adds `delta` to one packed weight of the first block (or of the input layer where there
    /// are no blocks): the negative control of the tests that compare this forward with candle's.
    #[doc(hidden)]
    pub fn perturb_one_weight(&mut self, delta: f32) {
        match self.blocks.first_mut() {
            Some(block) => block.w[0] += delta,
            None => self.input_x.w[0] += delta,
        }
    }

    /// The raw output for `x` (row-major [n, dim]) at training timestep `timestep`, written into
    /// `out` (resized to [n, output_dim]; its allocation is reused).
    pub fn forward(&self, kernel: Kernel, x: &[f32], timestep: usize, scratch: &mut Scratch, out: &mut Vec<f32>) {
        assert!(x.len().is_multiple_of(self.dim), "x holds whole points");
        let n = x.len() / self.dim;
        out.clear();
        out.resize(n * self.out_dim, 0.0);
        scratch.fit(self);
        self.step_bias(timestep, scratch);
        match kernel {
            Kernel::Portable => self.tiles_portable(x, scratch, out),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                assert!(std::arch::is_x86_feature_detected!("avx2"), "this CPU has no AVX2");
                // SAFETY: the CPU has AVX2, checked just above.
                unsafe { self.tiles_avx2(x, scratch, out) }
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => self.tiles_simd128(x, scratch, out),
        }
    }

    /// The time features of this step (the same code as every other sinusoid here) and the input
    /// layer's bias with them: b + W_t · emb(t), the same for every sample.
    fn step_bias(&self, timestep: usize, s: &mut Scratch) {
        let half = self.emb_size / 2;
        let t = timestep as f32;
        for i in 0..half {
            let (sin, cos) = sincos_scalar(t * self.freqs[i]);
            s.time_features[i] = sin;
            s.time_features[half + i] = cos;
        }
        for (o, bias) in s.step_bias.iter_mut().enumerate() {
            let row = &self.time_w[o * self.emb_size..(o + 1) * self.emb_size];
            let mut acc = 0f32;
            for (w, f) in row.iter().zip(&s.time_features) {
                acc += w * f;
            }
            *bias = acc + self.time_b[o];
        }
    }

    /// Copies tile `t` of `x` into the scratch, zero-padded to TILE samples; returns its length.
    fn load_tile(&self, x: &[f32], tile: usize, s: &mut Scratch) -> usize {
        let start = tile * TILE * self.dim;
        let end = (start + TILE * self.dim).min(x.len());
        let len = end - start;
        s.x[..len].copy_from_slice(&x[start..end]);
        s.x[len..].fill(0.0);
        len / self.dim
    }

    fn store_tile(&self, tile: usize, samples: usize, s: &Scratch, out: &mut [f32]) {
        for k in 0..samples {
            let row = &s.out[k * self.out_padded..k * self.out_padded + self.out_dim];
            let at = (tile * TILE + k) * self.out_dim;
            out[at..at + self.out_dim].copy_from_slice(row);
        }
    }

    #[inline(always)]
    fn tiles_portable(&self, x: &[f32], s: &mut Scratch, out: &mut [f32]) {
        let n = x.len() / self.dim;
        for tile in 0..n.div_ceil(TILE) {
            let samples = self.load_tile(x, tile, s);
            self.embed_portable(s);
            let (h0, h1) = s.h.split_at_mut(1);
            let (mut cur, mut next) = (&mut h0[0], &mut h1[0]);
            for p in 0..self.hidden_padded / NR {
                let panel = self.input_x.panel(p);
                for g in 0..TILE / MR {
                    let acc = micro_portable(panel, &s.features, g * MR, self.input_x.k_len);
                    for (r, acc) in acc.iter().enumerate() {
                        let at = (g * MR + r) * self.hidden_padded + p * NR;
                        let bias: &[f32; NR] = s.step_bias[p * NR..p * NR + NR].try_into().unwrap();
                        let dst: &mut [f32; NR] = (&mut cur[at..at + NR]).try_into().unwrap();
                        for j in 0..NR {
                            dst[j] = gelu_scalar(acc[j] + bias[j]);
                        }
                    }
                }
            }
            for block in &self.blocks {
                for p in 0..self.hidden_padded / NR {
                    let panel = block.panel(p);
                    let bias: &[f32; NR] = block.b[p * NR..p * NR + NR].try_into().unwrap();
                    for g in 0..TILE / MR {
                        let acc = micro_portable(panel, cur, g * MR, self.hidden_padded);
                        for (r, acc) in acc.iter().enumerate() {
                            let at = (g * MR + r) * self.hidden_padded + p * NR;
                            let src: &[f32; NR] = cur[at..at + NR].try_into().unwrap();
                            let dst: &mut [f32; NR] = (&mut next[at..at + NR]).try_into().unwrap();
                            for j in 0..NR {
                                dst[j] = src[j] + gelu_scalar(acc[j] + bias[j]);
                            }
                        }
                    }
                }
                std::mem::swap(&mut cur, &mut next);
            }
            self.output_portable(cur, &mut s.out);
            self.store_tile(tile, samples, s, out);
        }
    }

    /// The tile's input features: sin and cos of each scaled coordinate times each frequency.
    #[inline(always)]
    fn embed_portable(&self, s: &mut Scratch) {
        let k_len = self.input_x.k_len;
        let half = self.freqs.len();
        for r in 0..TILE {
            for d in 0..self.dim {
                let xs = s.x[r * self.dim + d] * self.input_scale;
                let at = r * k_len + d * self.per_coord;
                let (sin, cos) = s.features[at..at + self.per_coord].split_at_mut(half);
                for i in 0..half {
                    (sin[i], cos[i]) = sincos_poly(xs * self.freqs[i]);
                }
                // a second pass, so that the first stays free of branches
                for i in 0..half {
                    let a = xs * self.freqs[i];
                    if sincos_far(a) {
                        (sin[i], cos[i]) = (a.sin(), a.cos());
                    }
                }
            }
        }
    }

    #[inline(always)]
    fn output_portable(&self, h: &[f32], out: &mut [f32]) {
        let hp = self.hidden_padded;
        for r in 0..TILE {
            let row = &h[r * hp..(r + 1) * hp];
            for o in (0..self.out_padded).step_by(LANES) {
                let mut acc = [0f32; LANES];
                for (k, &a) in row.iter().enumerate() {
                    let w = &self.output_w[k * self.out_padded + o..k * self.out_padded + o + LANES];
                    for l in 0..LANES {
                        acc[l] += w[l] * a;
                    }
                }
                for l in 0..LANES {
                    out[r * self.out_padded + o + l] = acc[l] + self.output_b[o + l];
                }
            }
        }
    }

    /// The portable code, compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn tiles_avx2(&self, x: &[f32], s: &mut Scratch, out: &mut [f32]) {
        self.tiles_portable(x, s, out)
    }
}

/// MR samples (rows `row0 …` of `a`, stride `lda`) times one panel: the MR × NR sums over k,
/// each in order k = 0, 1, …
#[inline(always)]
fn micro_portable(panel: &[f32], a: &[f32], row0: usize, lda: usize) -> [[f32; NR]; MR] {
    let mut acc = [[0f32; NR]; MR];
    let rows: [&[f32]; MR] = std::array::from_fn(|r| &a[(row0 + r) * lda..(row0 + r + 1) * lda]);
    for (k, w) in panel.chunks_exact(NR).enumerate() {
        let w: &[f32; NR] = w.try_into().unwrap();
        for r in 0..MR {
            let v = rows[r][k];
            for j in 0..NR {
                acc[r][j] += w[j] * v;
            }
        }
    }
    acc
}

// ---- sin, cos and exp: the same operations in every kernel ----

/// 1.5 · 2²³: adding it rounds an f32 of magnitude below 2²² to the nearest integer (ties to
/// even), which then sits in the low bits of the sum.
const ROUND: f32 = 12_582_912.0;
const ROUND_BITS: i32 = 0x4b40_0000;

const FRAC_2_PI: f32 = std::f32::consts::FRAC_2_PI;
/// π/2 in three parts (Cody–Waite): j · DP1 is exact for j < 2¹⁶, j · DP2 for j < 2¹¹.
const DP1: f32 = 1.570_312_5;
const DP2: f32 = 4.837_513e-4;
const DP3: f32 = 7.549_79e-8;
/// Minimax polynomials of sin and cos on [−π/4, π/4] (Cephes' sinf and cosf).
const S1: f32 = -1.951_529_6e-4;
const S2: f32 = 8.332_161e-3;
const S3: f32 = -1.666_665_5e-1;
const C1: f32 = 2.443_315_7e-5;
const C2: f32 = -1.388_731_6e-3;
const C3: f32 = 4.166_664_6e-2;

/// Whether sin a and cos a come from libm rather than [`sincos_poly`] (NaN included).
#[inline(always)]
fn sincos_far(a: f32) -> bool {
    a.is_nan() || a.abs() > SINCOS_LIMIT
}

/// sin a and cos a, within 2 ulp for |a| ≤ [`SINCOS_LIMIT`]; libm's beyond it.
#[inline(always)]
fn sincos_scalar(a: f32) -> (f32, f32) {
    if sincos_far(a) {
        (a.sin(), a.cos())
    } else {
        sincos_poly(a)
    }
}

/// sin a and cos a for |a| ≤ [`SINCOS_LIMIT`], without a branch (so loops of it vectorize).
#[inline(always)]
fn sincos_poly(a: f32) -> (f32, f32) {
    let y = a * FRAC_2_PI + ROUND;
    let q = (y.to_bits() as i32).wrapping_sub(ROUND_BITS);
    let j = y - ROUND;
    let r = a - j * DP1 - j * DP2 - j * DP3;
    let z = r * r;
    let sin_r = ((S1 * z + S2) * z + S3) * z * r + r;
    let cos_r = ((C1 * z + C2) * z + C3) * z * z - 0.5 * z + 1.0;
    // quadrant q mod 4: sin = (s, c, −s, −c), cos = (c, −s, −c, s)
    let swap = 0u32.wrapping_sub((q & 1) as u32);
    let (sb, cb) = (sin_r.to_bits(), cos_r.to_bits());
    let sin = (cb & swap) | (sb & !swap);
    let cos = (sb & swap) | (cb & !swap);
    let sin_sign = ((q & 2) as u32) << 30;
    let cos_sign = ((q.wrapping_add(1) & 2) as u32) << 30;
    (f32::from_bits(sin ^ sin_sign), f32::from_bits(cos ^ cos_sign))
}

const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 in two parts: n · LN2_HI is exact for |n| < 2¹⁵.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Minimax polynomial of (eʳ − 1 − r)/r² on [−ln2/2, ln2/2] (Cephes' expf).
const E0: f32 = 1.987_569_1e-4;
const E1: f32 = 1.398_2e-3;
const E2: f32 = 8.333_452e-3;
const E3: f32 = 4.166_579_6e-2;
const E4: f32 = 1.666_666_5e-1;
const E5: f32 = 0.5;
/// eˣ is computed for x clamped to this range, where 2ⁿ stays a normal f32.
const EXP_MIN: f32 = -87.0;
const EXP_MAX: f32 = 88.0;

/// √(2/π), as candle's GELU spells it.
const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const GELU_CUBIC: f32 = 0.044_715;

/// eˣ within 2 ulp on [−87, 88] (clamped outside; NaN stays NaN).
#[inline(always)]
fn exp_scalar(x: f32) -> f32 {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let y = x * LOG2_E + ROUND;
    let n = (y.to_bits() as i32).wrapping_sub(ROUND_BITS);
    let j = y - ROUND;
    let r = x - j * LN2_HI - j * LN2_LO;
    let p = ((((E0 * r + E1) * r + E2) * r + E3) * r + E4) * r + E5;
    let e = p * (r * r) + r + 1.0;
    e * f32::from_bits(((n + 127) << 23) as u32)
}

/// Candle's GELU, 0.5·v·(1 + tanh u) with u = √(2/π)·v·(1 + 0.044715·v²), written as
/// v / (1 + e^(−2u)) (the same function; no cancellation where tanh u ≈ −1).
#[inline(always)]
fn gelu_scalar(v: f32) -> f32 {
    let u = SQRT_2_OVER_PI * v * (1.0 + GELU_CUBIC * v * v);
    v / (1.0 + exp_scalar(-2.0 * u))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    //! The wasm simd128 kernel: the portable kernel's operations, four lanes at a time.
    use super::*;
    use core::arch::wasm32::*;

    #[inline(always)]
    fn splat(v: f32) -> v128 {
        f32x4_splat(v)
    }

    /// [`sincos_scalar`] on four lanes.
    #[inline(always)]
    pub(super) fn sincos(a: v128) -> (v128, v128) {
        let y = f32x4_add(f32x4_mul(a, splat(FRAC_2_PI)), splat(ROUND));
        let q = i32x4_sub(y, i32x4_splat(ROUND_BITS));
        let j = f32x4_sub(y, splat(ROUND));
        let r = f32x4_sub(
            f32x4_sub(f32x4_sub(a, f32x4_mul(j, splat(DP1))), f32x4_mul(j, splat(DP2))),
            f32x4_mul(j, splat(DP3)),
        );
        let z = f32x4_mul(r, r);
        let sp = f32x4_add(f32x4_mul(f32x4_add(f32x4_mul(splat(S1), z), splat(S2)), z), splat(S3));
        let sin_r = f32x4_add(f32x4_mul(f32x4_mul(sp, z), r), r);
        let cp = f32x4_add(f32x4_mul(f32x4_add(f32x4_mul(splat(C1), z), splat(C2)), z), splat(C3));
        let cos_r = f32x4_add(
            f32x4_sub(f32x4_mul(f32x4_mul(cp, z), z), f32x4_mul(splat(0.5), z)),
            splat(1.0),
        );
        let swap = i32x4_neg(v128_and(q, i32x4_splat(1)));
        let sin = v128_bitselect(cos_r, sin_r, swap);
        let cos = v128_bitselect(sin_r, cos_r, swap);
        let sin_sign = i32x4_shl(v128_and(q, i32x4_splat(2)), 30);
        let cos_sign = i32x4_shl(v128_and(i32x4_add(q, i32x4_splat(1)), i32x4_splat(2)), 30);
        (v128_xor(sin, sin_sign), v128_xor(cos, cos_sign))
    }

    /// [`exp_scalar`] on four lanes.
    #[inline(always)]
    fn exp(x: v128) -> v128 {
        let x = f32x4_min(f32x4_max(x, splat(EXP_MIN)), splat(EXP_MAX));
        let y = f32x4_add(f32x4_mul(x, splat(LOG2_E)), splat(ROUND));
        let n = i32x4_sub(y, i32x4_splat(ROUND_BITS));
        let j = f32x4_sub(y, splat(ROUND));
        let r = f32x4_sub(f32x4_sub(x, f32x4_mul(j, splat(LN2_HI))), f32x4_mul(j, splat(LN2_LO)));
        let mut p = f32x4_add(f32x4_mul(splat(E0), r), splat(E1));
        p = f32x4_add(f32x4_mul(p, r), splat(E2));
        p = f32x4_add(f32x4_mul(p, r), splat(E3));
        p = f32x4_add(f32x4_mul(p, r), splat(E4));
        p = f32x4_add(f32x4_mul(p, r), splat(E5));
        let e = f32x4_add(f32x4_add(f32x4_mul(p, f32x4_mul(r, r)), r), splat(1.0));
        f32x4_mul(e, i32x4_shl(i32x4_add(n, i32x4_splat(127)), 23))
    }

    /// [`gelu_scalar`] on four lanes.
    #[inline(always)]
    pub(super) fn gelu(v: v128) -> v128 {
        let inner = f32x4_add(splat(1.0), f32x4_mul(f32x4_mul(splat(GELU_CUBIC), v), v));
        let u = f32x4_mul(f32x4_mul(splat(SQRT_2_OVER_PI), v), inner);
        f32x4_div(v, f32x4_add(splat(1.0), exp(f32x4_mul(splat(-2.0), u))))
    }

    /// [`micro_portable`] on simd128: MR samples × two vectors of outputs.
    ///
    /// # Safety
    /// `panel` holds `k_len · NR` floats; `a` holds rows `row0 … row0 + MR − 1` of `lda ≥ k_len`.
    #[inline(always)]
    pub(super) unsafe fn micro(
        panel: *const f32,
        a: *const f32,
        row0: usize,
        lda: usize,
        k_len: usize,
    ) -> [[v128; 2]; MR] {
        let z = f32x4_splat(0.0);
        let mut acc = [[z; 2]; MR];
        let rows: [*const f32; MR] = std::array::from_fn(|r| a.add((row0 + r) * lda));
        for k in 0..k_len {
            let w0 = v128_load(panel.add(k * NR) as *const v128);
            let w1 = v128_load(panel.add(k * NR + 4) as *const v128);
            for r in 0..MR {
                let v = v128_load32_splat(rows[r].add(k) as *const u32);
                acc[r][0] = f32x4_add(acc[r][0], f32x4_mul(w0, v));
                acc[r][1] = f32x4_add(acc[r][1], f32x4_mul(w1, v));
            }
        }
        acc
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl PackedMlp {
    fn tiles_simd128(&self, x: &[f32], s: &mut Scratch, out: &mut [f32]) {
        use core::arch::wasm32::*;
        let n = x.len() / self.dim;
        let hp = self.hidden_padded;
        for tile in 0..n.div_ceil(TILE) {
            let samples = self.load_tile(x, tile, s);
            self.embed_simd128(s);
            let (h0, h1) = s.h.split_at_mut(1);
            let (mut cur, mut next) = (&mut h0[0], &mut h1[0]);
            let k_len = self.input_x.k_len;
            assert!(s.features.len() >= TILE * k_len && cur.len() >= TILE * hp && next.len() >= TILE * hp);
            for p in 0..hp / NR {
                let panel = self.input_x.panel(p);
                let bias = &s.step_bias[p * NR..p * NR + NR];
                // SAFETY: the slices hold what they are read at (asserted above and by `panel`).
                unsafe {
                    let b = [
                        v128_load(bias.as_ptr() as *const v128),
                        v128_load(bias.as_ptr().add(4) as *const v128),
                    ];
                    for g in 0..TILE / MR {
                        let acc = simd128::micro(panel.as_ptr(), s.features.as_ptr(), g * MR, k_len, k_len);
                        for (r, acc) in acc.iter().enumerate() {
                            let dst = cur.as_mut_ptr().add((g * MR + r) * hp + p * NR);
                            for (l, acc) in acc.iter().enumerate() {
                                v128_store(dst.add(4 * l) as *mut v128, simd128::gelu(f32x4_add(*acc, b[l])));
                            }
                        }
                    }
                }
            }
            for block in &self.blocks {
                for p in 0..hp / NR {
                    let panel = block.panel(p);
                    let bias = &block.b[p * NR..p * NR + NR];
                    // SAFETY: as above; `cur` and `next` are distinct buffers of TILE · hp.
                    unsafe {
                        let b = [
                            v128_load(bias.as_ptr() as *const v128),
                            v128_load(bias.as_ptr().add(4) as *const v128),
                        ];
                        for g in 0..TILE / MR {
                            let acc = simd128::micro(panel.as_ptr(), cur.as_ptr(), g * MR, hp, hp);
                            for (r, acc) in acc.iter().enumerate() {
                                let at = (g * MR + r) * hp + p * NR;
                                let src = cur.as_ptr().add(at);
                                let dst = next.as_mut_ptr().add(at);
                                for (l, acc) in acc.iter().enumerate() {
                                    let g = simd128::gelu(f32x4_add(*acc, b[l]));
                                    let h = v128_load(src.add(4 * l) as *const v128);
                                    v128_store(dst.add(4 * l) as *mut v128, f32x4_add(h, g));
                                }
                            }
                        }
                    }
                }
                std::mem::swap(&mut cur, &mut next);
            }
            self.output_simd128(cur, &mut s.out);
            self.store_tile(tile, samples, s, out);
        }
    }

    fn embed_simd128(&self, s: &mut Scratch) {
        use core::arch::wasm32::*;
        let k_len = self.input_x.k_len;
        let half = self.freqs.len();
        assert!(s.features.len() >= TILE * k_len && s.x.len() >= TILE * self.dim);
        for r in 0..TILE {
            for d in 0..self.dim {
                let xs = f32x4_splat(s.x[r * self.dim + d] * self.input_scale);
                let at = r * k_len + d * self.per_coord;
                for i in (0..half).step_by(LANES) {
                    // SAFETY: freqs holds `half`, a multiple of LANES; the features row holds
                    // `per_coord` = 2 · half from `at`.
                    unsafe {
                        let a = f32x4_mul(xs, v128_load(self.freqs.as_ptr().add(i) as *const v128));
                        let (mut sin, mut cos) = simd128::sincos(a);
                        let far = f32x4_gt(f32x4_abs(a), f32x4_splat(SINCOS_LIMIT));
                        let nan = f32x4_ne(a, a);
                        if v128_any_true(v128_or(far, nan)) {
                            let mut lanes = [0f32; LANES];
                            v128_store(lanes.as_mut_ptr() as *mut v128, a);
                            let (mut sl, mut cl) = ([0f32; LANES], [0f32; LANES]);
                            for l in 0..LANES {
                                (sl[l], cl[l]) = sincos_scalar(lanes[l]);
                            }
                            sin = v128_load(sl.as_ptr() as *const v128);
                            cos = v128_load(cl.as_ptr() as *const v128);
                        }
                        v128_store(s.features.as_mut_ptr().add(at + i) as *mut v128, sin);
                        v128_store(s.features.as_mut_ptr().add(at + half + i) as *mut v128, cos);
                    }
                }
            }
        }
    }

    fn output_simd128(&self, h: &[f32], out: &mut [f32]) {
        use core::arch::wasm32::*;
        let hp = self.hidden_padded;
        let op = self.out_padded;
        assert!(h.len() >= TILE * hp && out.len() >= TILE * op && self.output_w.len() == hp * op);
        for r in 0..TILE {
            for o in (0..op).step_by(LANES) {
                // SAFETY: bounds asserted above.
                unsafe {
                    let mut acc = f32x4_splat(0.0);
                    for k in 0..hp {
                        let w = v128_load(self.output_w.as_ptr().add(k * op + o) as *const v128);
                        let v = v128_load32_splat(h.as_ptr().add(r * hp + k) as *const u32);
                        acc = f32x4_add(acc, f32x4_mul(w, v));
                    }
                    let b = v128_load(self.output_b.as_ptr().add(o) as *const v128);
                    v128_store(out.as_mut_ptr().add(r * op + o) as *mut v128, f32x4_add(acc, b));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Cody–Waite parts are exact where the reduction needs them to be: DP1 and LN2_HI have
    /// few enough significant bits, and the parts sum to π/2 and ln 2.
    #[test]
    fn reduction_constants_are_what_the_reduction_assumes() {
        let bits = |v: f32| 24 - v.to_bits().trailing_zeros().min(23);
        assert!(bits(DP1) <= 8 && bits(DP2) <= 13 && bits(LN2_HI) <= 9);
        let pio2 = DP1 as f64 + DP2 as f64 + DP3 as f64;
        assert!((pio2 - std::f64::consts::FRAC_PI_2).abs() < 1e-14);
        let ln2 = LN2_HI as f64 + LN2_LO as f64;
        assert!((ln2 - std::f64::consts::LN_2).abs() < 1e-11);
        assert_eq!(f32::from_bits(ROUND_BITS as u32), ROUND);
    }

    /// sin, cos, exp and GELU against f64, across the arguments the network meets.
    #[test]
    fn polynomials_are_within_a_few_ulp() {
        let ulp = |want: f64| (want.abs().max(f32::MIN_POSITIVE as f64) as f32).to_bits();
        let off = |got: f32, want: f64| {
            let step = f32::from_bits(ulp(want) + 1) as f64 - f32::from_bits(ulp(want)) as f64;
            (got as f64 - want).abs() / step
        };
        let (mut worst_trig, mut worst_exp, mut worst_gelu) = (0f64, 0f64, 0f64);
        for i in -200_000..=200_000 {
            let a = i as f32 * (SINCOS_LIMIT / 200_000.0);
            let (s, c) = sincos_scalar(a);
            // absolute error in units of 2^-24 (sin and cos are ≤ 1, near 0 relative ulps mislead)
            let abs = |got: f32, want: f64| (got as f64 - want).abs() * (1u64 << 24) as f64;
            worst_trig = worst_trig.max(abs(s, (a as f64).sin())).max(abs(c, (a as f64).cos()));
            let x = i as f32 * (87.0 / 200_000.0);
            worst_exp = worst_exp.max(off(exp_scalar(x), (x as f64).exp()));
            let v = i as f32 * (12.0 / 200_000.0);
            let vd = v as f64;
            let want = 0.5 * vd * (1.0 + (0.797_884_560_802_865_4 * vd * (1.0 + 0.044715 * vd * vd)).tanh());
            worst_gelu =
                worst_gelu.max((gelu_scalar(v) as f64 - want).abs() / want.abs().max(1.0) * (1u64 << 24) as f64);
        }
        assert!(worst_trig <= 3.0, "sin/cos off by {worst_trig} × 2^-24");
        assert!(worst_exp <= 2.0, "exp off by {worst_exp} ulp");
        assert!(
            worst_gelu <= 8.0,
            "GELU off by {worst_gelu} × 2^-24 relative to max(1, |gelu|)"
        );
        // libm beyond the reduction's range, and NaN through
        assert_eq!(sincos_scalar(3000.0), (3000f32.sin(), 3000f32.cos()));
        assert!(sincos_scalar(f32::NAN).0.is_nan() && gelu_scalar(f32::NAN).is_nan());
        assert!(gelu_scalar(-200.0).abs() < 1e-30);
        assert_eq!(gelu_scalar(200.0), 200.0);
    }
}
