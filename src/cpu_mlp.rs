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
//! The kernel is written once, generic over a vector of lanes (the `Lanes` trait: wasm simd128, SSE2,
//! AVX2, or plain Rust arrays for the scalar build), and does the same f32 operations in the same
//! order for every sample: each sum runs over k in order, multiply then add, never fused; sin,
//! cos and exp are the polynomials below rather than the platform's libm. So every kernel gives
//! bit-identical outputs, natively and in the browser, and one sample's output does not depend on
//! how many others run beside it (the inspector's one-sample forward equals the chain's step).
//! The one exception is the relaxed-SIMD wasm build, which fuses the matmuls' multiply-adds
//! ([`FUSED`]); within that build the same holds.
//! Against candle the outputs differ by rounding only: tests/common/mod.rs states the tolerance
//! (`FORWARD_TOLERANCE`), tests/fast_forward.rs and tests/web.rs hold the fused forward to it.

use crate::model::Denoiser;

/// Output neurons per weight panel: two simd128 vectors, one AVX2 vector.
pub const NR: usize = 8;
/// Samples per micro-tile, where there are vector registers: the accumulators of MR × NR
/// outputs stay in them. The blocking changes no sum (each runs over k in order whatever is
/// computed beside it), so kernels may block differently and still agree bit for bit.
const MR: usize = 4;
/// The portable kernel's: one sample where it compiles to scalar code (wasm without simd128),
/// whose 16 registers could not hold 4 × 8 accumulators.
const PORTABLE_MR: usize = if cfg!(all(target_arch = "wasm32", not(target_feature = "simd128"))) {
    1
} else {
    MR
};
/// Samples per tile: their activations stay in the L1 cache through every layer.
pub const TILE: usize = 16;
/// Lanes of the output layer (one simd128 vector): the outputs are padded to it.
const LANES: usize = 4;

/// Whether this build's matmuls fuse each multiply-add: the wasm build for browsers with relaxed
/// SIMD, where the engine may (and on CPUs with FMA does) round a · b + c once instead of twice.
/// Faster, and no longer bit-identical to the other kernels and to WebGPU: its outputs differ from
/// theirs by rounding, within the fused forward's tolerance against candle (tests/common/mod.rs).
/// Every other build is unfused, and its kernels agree bit for bit.
pub const FUSED: bool = cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"));

/// Arguments of sin and cos beyond this go to the platform's libm: the reduction below is exact
/// only while j · DP2 is (j < 2¹¹). The shipped models stay far inside (|x| ≤ 82 at scale 25).
const SINCOS_LIMIT: f32 = 2048.0;

/// Which instructions compute the forward. All give the same bits (see the module's comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust over lane arrays: the scalar build (wasm without simd128), and elsewhere what
    /// the compiler vectorizes it to (at opt-level 2 or more).
    Portable,
    /// SSE2 intrinsics, four lanes: every x86-64 CPU.
    #[cfg(target_arch = "x86_64")]
    Sse2,
    /// AVX2 intrinsics, eight lanes, chosen at run time where the CPU has AVX2.
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
            Kernel::Sse2
        };
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        let best = Kernel::Portable;
        best
    }

    /// Every kernel this build and this CPU can run (for the tests that compare them).
    pub fn available() -> Vec<Kernel> {
        let mut v = Vec::with_capacity(3);
        v.push(Kernel::Portable);
        #[cfg(target_arch = "x86_64")]
        v.push(Kernel::Sse2);
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
    /// The sinusoids' frequencies, padded with zeros to a multiple of [`NR`] (sin 0 = 0 and
    /// cos 0 = 1 there, met by zero weights).
    freqs: Vec<f32>,
    /// Features of one coordinate: sin then cos of every padded frequency.
    per_coord: usize,
    /// The input layer's part for the coordinates' features; its bias is unused (see `time_b`).
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
        let half_padded = round_up(half, NR);
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
            Kernel::Portable => self.tiles::<Lane<NR>, 1, PORTABLE_MR>(x, scratch, out),
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => self.tiles::<std::arch::x86_64::__m128, 2, MR>(x, scratch, out),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                assert!(std::arch::is_x86_feature_detected!("avx2"), "this CPU has no AVX2");
                // SAFETY: the CPU has AVX2, checked just above.
                unsafe { self.tiles_avx2(x, scratch, out) }
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => self.tiles::<core::arch::wasm32::v128, 2, MR>(x, scratch, out),
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

    fn store_tile(&self, tile: usize, samples: usize, tile_out: &[f32], out: &mut [f32]) {
        for k in 0..samples {
            let row = &tile_out[k * self.out_padded..k * self.out_padded + self.out_dim];
            let at = (tile * TILE + k) * self.out_dim;
            out[at..at + self.out_dim].copy_from_slice(row);
        }
    }

    /// Every tile of `x` through the network, `V` vectors of lanes `L` per panel (V · L::N = NR),
    /// `M` samples per micro-tile.
    /// Each kernel is this function with its lane type: the operations, and so the bits, are the
    /// same in all.
    #[inline(always)]
    fn tiles<L: Lanes, const V: usize, const M: usize>(&self, x: &[f32], s: &mut Scratch, out: &mut [f32]) {
        assert!(V * L::N == NR && TILE.is_multiple_of(M));
        let (hp, k_in) = (self.hidden_padded, self.input_x.k_len);
        let n = x.len() / self.dim;
        for tile in 0..n.div_ceil(TILE) {
            let samples = self.load_tile(x, tile, s);
            self.embed::<L>(s);
            let Scratch {
                features,
                h: [h0, h1],
                step_bias,
                out: tile_out,
                ..
            } = s;
            let (mut cur, mut next) = (h0, h1);
            assert!(features.len() == TILE * k_in && step_bias.len() == hp);
            assert!(cur.len() == TILE * hp && next.len() == TILE * hp);
            for p in 0..hp / NR {
                let panel = self.input_x.panel(p);
                // SAFETY: every pointer below stays inside the buffer it comes from, whose length
                // is asserted above (and `panel`'s by `Panels::panel`).
                unsafe {
                    let bias: [L; V] = std::array::from_fn(|v| L::load(step_bias.as_ptr().add(p * NR + v * L::N)));
                    for g in 0..TILE / M {
                        let acc = micro::<L, V, M>(panel, features.as_ptr().add(g * M * k_in), k_in);
                        for (r, acc) in acc.iter().enumerate() {
                            let dst = cur.as_mut_ptr().add((g * M + r) * hp + p * NR);
                            for v in 0..V {
                                gelu(acc[v].add(bias[v])).store(dst.add(v * L::N));
                            }
                        }
                    }
                }
            }
            for block in &self.blocks {
                for p in 0..hp / NR {
                    let panel = block.panel(p);
                    // SAFETY: as above; `cur` and `next` are distinct buffers of TILE · hp.
                    unsafe {
                        let bias: [L; V] = std::array::from_fn(|v| L::load(block.b.as_ptr().add(p * NR + v * L::N)));
                        for g in 0..TILE / M {
                            let acc = micro::<L, V, M>(panel, cur.as_ptr().add(g * M * hp), hp);
                            for (r, acc) in acc.iter().enumerate() {
                                let at = (g * M + r) * hp + p * NR;
                                for v in 0..V {
                                    let h = L::load(cur.as_ptr().add(at + v * L::N));
                                    h.add(gelu(acc[v].add(bias[v])))
                                        .store(next.as_mut_ptr().add(at + v * L::N));
                                }
                            }
                        }
                    }
                }
                std::mem::swap(&mut cur, &mut next);
            }
            self.output::<L::Out>(cur, tile_out);
            self.store_tile(tile, samples, tile_out, out);
        }
    }

    /// The tile's input features: sin and cos of each scaled coordinate times each frequency.
    #[inline(always)]
    fn embed<L: Lanes>(&self, s: &mut Scratch) {
        let k_in = self.input_x.k_len;
        let half = self.freqs.len();
        assert!(
            L::N <= NR && half.is_multiple_of(L::N) && s.features.len() == TILE * k_in && s.x.len() == TILE * self.dim
        );
        for r in 0..TILE {
            for d in 0..self.dim {
                let xs = s.x[r * self.dim + d] * self.input_scale;
                let at = r * k_in + d * self.per_coord;
                for i in (0..half).step_by(L::N) {
                    // SAFETY: `freqs` holds `half` floats, a multiple of L::N; the features row
                    // holds `per_coord` = 2 · half from `at`.
                    unsafe {
                        let a = L::splat(xs).mul(L::load(self.freqs.as_ptr().add(i)));
                        let (sin, cos) = if a.far() {
                            // some lane beyond the reduction's range (rare): every lane through
                            // sincos_scalar, which gives the other lanes the same bits
                            let (mut args, mut sin, mut cos) = ([0f32; NR], [0f32; NR], [0f32; NR]);
                            a.store(args.as_mut_ptr());
                            for ((a, s), c) in args.iter().zip(&mut sin).zip(&mut cos).take(L::N) {
                                (*s, *c) = sincos_scalar(*a);
                            }
                            (L::load(sin.as_ptr()), L::load(cos.as_ptr()))
                        } else {
                            sincos(a)
                        };
                        sin.store(s.features.as_mut_ptr().add(at + i));
                        cos.store(s.features.as_mut_ptr().add(at + half + i));
                    }
                }
            }
        }
    }

    /// The output layer for the tile, with lanes `O` over the outputs.
    #[inline(always)]
    fn output<O: Lanes>(&self, h: &[f32], out: &mut [f32]) {
        let (hp, op) = (self.hidden_padded, self.out_padded);
        assert!(op.is_multiple_of(O::N) && h.len() == TILE * hp && out.len() == TILE * op);
        assert!(self.output_w.len() == hp * op && self.output_b.len() == op);
        for r in 0..TILE {
            for o in (0..op).step_by(O::N) {
                // SAFETY: bounds asserted above.
                unsafe {
                    let mut acc = O::splat(0.0);
                    for k in 0..hp {
                        let w = O::load(self.output_w.as_ptr().add(k * op + o));
                        acc = acc.mul_add(w, O::splat_load(h.as_ptr().add(r * hp + k)));
                    }
                    acc.add(O::load(self.output_b.as_ptr().add(o)))
                        .store(out.as_mut_ptr().add(r * op + o));
                }
            }
        }
    }

    /// The AVX2 kernel: the one place the AVX2 lanes are used.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn tiles_avx2(&self, x: &[f32], s: &mut Scratch, out: &mut [f32]) {
        self.tiles::<std::arch::x86_64::__m256, 1, MR>(x, s, out)
    }
}

/// M samples (rows of `a`, `lda` apart) times one panel: the M × NR sums over k, each in order
/// k = 0, 1, …, by [`Lanes::mul_add`].
///
/// # Safety
/// `a` points at M rows of at least `panel.len() / NR` floats, `lda` apart.
#[inline(always)]
unsafe fn micro<L: Lanes, const V: usize, const M: usize>(panel: &[f32], a: *const f32, lda: usize) -> [[L; V]; M] {
    let k_len = panel.len() / NR;
    let w = panel.as_ptr();
    let mut acc = [[L::splat(0.0); V]; M];
    for k in 0..k_len {
        let wk: [L; V] = std::array::from_fn(|v| L::load(w.add(k * NR + v * L::N)));
        for (r, acc) in acc.iter_mut().enumerate() {
            let x = L::splat_load(a.add(r * lda + k));
            for v in 0..V {
                acc[v] = acc[v].mul_add(wk[v], x);
            }
        }
    }
    acc
}

// ---- the lanes: the few operations the kernels are written in ----

/// A vector of f32 lanes (ints where the bit tricks need them), operated on lane by lane. Every
/// operation is exact IEEE arithmetic or a bit operation, so any implementation gives the same
/// bits per lane.
trait Lanes: Copy {
    const N: usize;
    /// The lanes of the output layer (the outputs are padded to [`LANES`], a multiple of its N).
    type Out: Lanes;
    fn splat(v: f32) -> Self;
    fn splat_int(v: i32) -> Self;
    /// # Safety
    /// `p` points at N readable floats.
    unsafe fn load(p: *const f32) -> Self;
    /// # Safety
    /// `p` points at a readable float.
    unsafe fn splat_load(p: *const f32) -> Self {
        Self::splat(p.read())
    }
    /// # Safety
    /// `p` points at N writable floats.
    unsafe fn store(self, p: *mut f32);
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    /// self + a · b: the matmuls' one step. Multiply then add, rounded twice, except in the
    /// relaxed-SIMD build (see [`FUSED`]).
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        self.add(a.mul(b))
    }
    /// Clamped to [lo, hi]; NaN where the lane is NaN.
    fn clamp(self, lo: f32, hi: f32) -> Self;
    /// Integer lanes: wrapping add and subtract, and, xor, shift left, negate.
    fn int_add(self, o: Self) -> Self;
    fn int_sub(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    fn shl(self, n: u32) -> Self;
    fn int_neg(self) -> Self;
    /// The bits of `a` where `mask`'s are set, else `b`'s.
    fn select(mask: Self, a: Self, b: Self) -> Self;
    /// Whether any lane is NaN or beyond ±[`SINCOS_LIMIT`].
    fn far(self) -> bool;
}

/// N lanes in plain Rust: the portable kernel. The compiler turns the loops into the target's
/// vectors. Integer lanes live as the bits of f32 lanes (moves keep bits, and no arithmetic is
/// done on them), so the scalar build keeps its numbers in float registers.
#[derive(Clone, Copy)]
struct Lane<const N: usize>([f32; N]);

impl<const N: usize> Lane<N> {
    #[inline(always)]
    fn float(self, o: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        let mut r = self.0;
        for (r, b) in r.iter_mut().zip(o.0) {
            *r = f(*r, b);
        }
        Lane(r)
    }
    #[inline(always)]
    fn int(self, o: Self, f: impl Fn(u32, u32) -> u32) -> Self {
        let mut r = self.0;
        for (r, b) in r.iter_mut().zip(o.0) {
            *r = f32::from_bits(f(r.to_bits(), b.to_bits()));
        }
        Lane(r)
    }
    #[inline(always)]
    fn first(self) -> f32 {
        self.0[0]
    }
}

impl<const N: usize> Lanes for Lane<N> {
    const N: usize = N;
    type Out = Lane<{ LANES }>;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Lane([v; N])
    }
    #[inline(always)]
    fn splat_int(v: i32) -> Self {
        Lane([f32::from_bits(v as u32); N])
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Lane((p as *const [f32; N]).read_unaligned())
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        (p as *mut [f32; N]).write_unaligned(self.0)
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.float(o, |a, b| a + b)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.float(o, |a, b| a - b)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.float(o, |a, b| a * b)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self.float(o, |a, b| a / b)
    }
    #[inline(always)]
    fn clamp(self, lo: f32, hi: f32) -> Self {
        self.float(self, |a, _| a.clamp(lo, hi))
    }
    #[inline(always)]
    fn int_add(self, o: Self) -> Self {
        self.int(o, u32::wrapping_add)
    }
    #[inline(always)]
    fn int_sub(self, o: Self) -> Self {
        self.int(o, u32::wrapping_sub)
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        self.int(o, |a, b| a & b)
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        self.int(o, |a, b| a ^ b)
    }
    #[inline(always)]
    fn shl(self, n: u32) -> Self {
        self.int(self, |a, _| a << n)
    }
    #[inline(always)]
    fn int_neg(self) -> Self {
        self.int(self, |a, _| a.wrapping_neg())
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        let mut r = b.0;
        for ((r, a), m) in r.iter_mut().zip(a.0).zip(mask.0) {
            let m = m.to_bits();
            *r = f32::from_bits((a.to_bits() & m) | (r.to_bits() & !m));
        }
        Lane(r)
    }
    #[inline(always)]
    fn far(self) -> bool {
        self.0.iter().any(|&a| sincos_far(a))
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! x86-64: four lanes of SSE2, which every x86-64 CPU has, and eight of AVX2, chosen at run
    //! time. Written with intrinsics rather than left to the compiler, so that builds without
    //! the vectorizer (the tests' opt-level 1) are fast too.
    //!
    //! SAFETY of the `unsafe` blocks: SSE2 is part of every x86-64 CPU; the AVX2 methods are only
    //! ever inlined into `PackedMlp::tiles_avx2`, which runs after the CPU was checked for AVX2.
    use super::{Lanes, SINCOS_LIMIT};
    use std::arch::x86_64::*;

    impl Lanes for __m128 {
        const N: usize = 4;
        type Out = __m128;
        #[inline(always)]
        fn splat(v: f32) -> Self {
            unsafe { _mm_set1_ps(v) }
        }
        #[inline(always)]
        fn splat_int(v: i32) -> Self {
            unsafe { _mm_castsi128_ps(_mm_set1_epi32(v)) }
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            _mm_loadu_ps(p)
        }
        #[inline(always)]
        unsafe fn splat_load(p: *const f32) -> Self {
            _mm_load1_ps(p)
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            _mm_storeu_ps(p, self)
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { _mm_add_ps(self, o) }
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            unsafe { _mm_sub_ps(self, o) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { _mm_mul_ps(self, o) }
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            unsafe { _mm_div_ps(self, o) }
        }
        #[inline(always)]
        fn clamp(self, lo: f32, hi: f32) -> Self {
            unsafe {
                // maxps and minps return their second operand where either is NaN: NaN stays NaN
                _mm_min_ps(_mm_set1_ps(hi), _mm_max_ps(_mm_set1_ps(lo), self))
            }
        }
        #[inline(always)]
        fn int_add(self, o: Self) -> Self {
            unsafe { _mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(self), _mm_castps_si128(o))) }
        }
        #[inline(always)]
        fn int_sub(self, o: Self) -> Self {
            unsafe { _mm_castsi128_ps(_mm_sub_epi32(_mm_castps_si128(self), _mm_castps_si128(o))) }
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            unsafe { _mm_and_ps(self, o) }
        }
        #[inline(always)]
        fn xor(self, o: Self) -> Self {
            unsafe { _mm_xor_ps(self, o) }
        }
        #[inline(always)]
        fn shl(self, n: u32) -> Self {
            unsafe { _mm_castsi128_ps(_mm_sll_epi32(_mm_castps_si128(self), _mm_cvtsi32_si128(n as i32))) }
        }
        #[inline(always)]
        fn int_neg(self) -> Self {
            unsafe { _mm_castsi128_ps(_mm_sub_epi32(_mm_setzero_si128(), _mm_castps_si128(self))) }
        }
        #[inline(always)]
        fn select(mask: Self, a: Self, b: Self) -> Self {
            unsafe { _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b)) }
        }
        #[inline(always)]
        fn far(self) -> bool {
            unsafe {
                let abs = _mm_andnot_ps(_mm_set1_ps(-0.0), self);
                let far = _mm_or_ps(
                    _mm_cmpgt_ps(abs, _mm_set1_ps(SINCOS_LIMIT)),
                    _mm_cmpunord_ps(self, self),
                );
                _mm_movemask_ps(far) != 0
            }
        }
    }

    impl Lanes for __m256 {
        const N: usize = 8;
        type Out = __m128;
        #[inline(always)]
        fn splat(v: f32) -> Self {
            unsafe { _mm256_set1_ps(v) }
        }
        #[inline(always)]
        fn splat_int(v: i32) -> Self {
            unsafe { _mm256_castsi256_ps(_mm256_set1_epi32(v)) }
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            _mm256_loadu_ps(p)
        }
        #[inline(always)]
        unsafe fn splat_load(p: *const f32) -> Self {
            _mm256_broadcast_ss(&*p)
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            _mm256_storeu_ps(p, self)
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { _mm256_add_ps(self, o) }
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            unsafe { _mm256_sub_ps(self, o) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { _mm256_mul_ps(self, o) }
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            unsafe { _mm256_div_ps(self, o) }
        }
        #[inline(always)]
        fn clamp(self, lo: f32, hi: f32) -> Self {
            unsafe { _mm256_min_ps(_mm256_set1_ps(hi), _mm256_max_ps(_mm256_set1_ps(lo), self)) }
        }
        #[inline(always)]
        fn int_add(self, o: Self) -> Self {
            unsafe { _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(self), _mm256_castps_si256(o))) }
        }
        #[inline(always)]
        fn int_sub(self, o: Self) -> Self {
            unsafe { _mm256_castsi256_ps(_mm256_sub_epi32(_mm256_castps_si256(self), _mm256_castps_si256(o))) }
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            unsafe { _mm256_and_ps(self, o) }
        }
        #[inline(always)]
        fn xor(self, o: Self) -> Self {
            unsafe { _mm256_xor_ps(self, o) }
        }
        #[inline(always)]
        fn shl(self, n: u32) -> Self {
            unsafe { _mm256_castsi256_ps(_mm256_sll_epi32(_mm256_castps_si256(self), _mm_cvtsi32_si128(n as i32))) }
        }
        #[inline(always)]
        fn int_neg(self) -> Self {
            unsafe { _mm256_castsi256_ps(_mm256_sub_epi32(_mm256_setzero_si256(), _mm256_castps_si256(self))) }
        }
        #[inline(always)]
        fn select(mask: Self, a: Self, b: Self) -> Self {
            unsafe { _mm256_or_ps(_mm256_and_ps(mask, a), _mm256_andnot_ps(mask, b)) }
        }
        #[inline(always)]
        fn far(self) -> bool {
            unsafe {
                let abs = _mm256_andnot_ps(_mm256_set1_ps(-0.0), self);
                let beyond = _mm256_cmp_ps::<_CMP_GT_OQ>(abs, _mm256_set1_ps(SINCOS_LIMIT));
                let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(self, self);
                _mm256_movemask_ps(_mm256_or_ps(beyond, nan)) != 0
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    //! Four lanes of wasm simd128: the browser's kernel.
    use super::{Lanes, SINCOS_LIMIT};
    use core::arch::wasm32::*;

    impl Lanes for v128 {
        const N: usize = 4;
        type Out = v128;
        #[inline(always)]
        fn splat(v: f32) -> Self {
            f32x4_splat(v)
        }
        #[inline(always)]
        fn splat_int(v: i32) -> Self {
            i32x4_splat(v)
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            v128_load(p as *const v128)
        }
        #[inline(always)]
        unsafe fn splat_load(p: *const f32) -> Self {
            v128_load32_splat(p as *const u32)
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            v128_store(p as *mut v128, self)
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            f32x4_add(self, o)
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            f32x4_sub(self, o)
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            f32x4_mul(self, o)
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            f32x4_div(self, o)
        }
        #[cfg(target_feature = "relaxed-simd")]
        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            f32x4_relaxed_madd(a, b, self)
        }
        #[inline(always)]
        fn clamp(self, lo: f32, hi: f32) -> Self {
            // f32x4_max and f32x4_min propagate NaN, as f32::clamp does
            f32x4_min(f32x4_max(self, f32x4_splat(lo)), f32x4_splat(hi))
        }
        #[inline(always)]
        fn int_add(self, o: Self) -> Self {
            i32x4_add(self, o)
        }
        #[inline(always)]
        fn int_sub(self, o: Self) -> Self {
            i32x4_sub(self, o)
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            v128_and(self, o)
        }
        #[inline(always)]
        fn xor(self, o: Self) -> Self {
            v128_xor(self, o)
        }
        #[inline(always)]
        fn shl(self, n: u32) -> Self {
            i32x4_shl(self, n)
        }
        #[inline(always)]
        fn int_neg(self) -> Self {
            i32x4_neg(self)
        }
        #[inline(always)]
        fn select(mask: Self, a: Self, b: Self) -> Self {
            v128_bitselect(a, b, mask)
        }
        #[inline(always)]
        fn far(self) -> bool {
            let beyond = f32x4_gt(f32x4_abs(self), f32x4_splat(SINCOS_LIMIT));
            let nan = f32x4_ne(self, self);
            v128_any_true(v128_or(beyond, nan))
        }
    }
}

// ---- sin, cos, exp and GELU, written once for every lane type ----

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

/// Whether sin a and cos a come from libm rather than [`sincos`] (NaN included).
#[inline(always)]
fn sincos_far(a: f32) -> bool {
    a.is_nan() || a.abs() > SINCOS_LIMIT
}

/// sin a and cos a, within 1.3 · 2⁻²⁴ for |a| ≤ [`SINCOS_LIMIT`]; libm's beyond it.
#[inline(always)]
fn sincos_scalar(a: f32) -> (f32, f32) {
    if sincos_far(a) {
        (a.sin(), a.cos())
    } else {
        let (s, c) = sincos(Lane::<1>::splat(a));
        (s.first(), c.first())
    }
}

/// sin a and cos a on every lane, for |a| ≤ [`SINCOS_LIMIT`].
#[inline(always)]
fn sincos<L: Lanes>(a: L) -> (L, L) {
    let y = a.mul(L::splat(FRAC_2_PI)).add(L::splat(ROUND));
    let q = y.int_sub(L::splat_int(ROUND_BITS));
    let j = y.sub(L::splat(ROUND));
    let r = a
        .sub(j.mul(L::splat(DP1)))
        .sub(j.mul(L::splat(DP2)))
        .sub(j.mul(L::splat(DP3)));
    let z = r.mul(r);
    let sp = L::splat(S1).mul(z).add(L::splat(S2)).mul(z).add(L::splat(S3));
    let sin_r = sp.mul(z).mul(r).add(r);
    let cp = L::splat(C1).mul(z).add(L::splat(C2)).mul(z).add(L::splat(C3));
    let cos_r = cp.mul(z).mul(z).sub(L::splat(0.5).mul(z)).add(L::splat(1.0));
    // quadrant q mod 4: sin = (s, c, −s, −c), cos = (c, −s, −c, s)
    let swap = q.and(L::splat_int(1)).int_neg();
    let sin = L::select(swap, cos_r, sin_r);
    let cos = L::select(swap, sin_r, cos_r);
    let sin_sign = q.and(L::splat_int(2)).shl(30);
    let cos_sign = q.int_add(L::splat_int(1)).and(L::splat_int(2)).shl(30);
    (sin.xor(sin_sign), cos.xor(cos_sign))
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

/// eˣ within 1 ulp on [−87, 88] (clamped outside; NaN stays NaN).
#[inline(always)]
fn exp<L: Lanes>(x: L) -> L {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let y = x.mul(L::splat(LOG2_E)).add(L::splat(ROUND));
    let n = y.int_sub(L::splat_int(ROUND_BITS));
    let j = y.sub(L::splat(ROUND));
    let r = x.sub(j.mul(L::splat(LN2_HI))).sub(j.mul(L::splat(LN2_LO)));
    let mut p = L::splat(E0).mul(r).add(L::splat(E1));
    for c in [E2, E3, E4, E5] {
        p = p.mul(r).add(L::splat(c));
    }
    let e = p.mul(r.mul(r)).add(r).add(L::splat(1.0));
    e.mul(n.int_add(L::splat_int(127)).shl(23))
}

/// Candle's GELU, 0.5·v·(1 + tanh u) with u = √(2/π)·v·(1 + 0.044715·v²) (its evaluation order),
/// written as v / (1 + e^(−2u)): the same function, without the cancellation where tanh u ≈ −1.
#[inline(always)]
fn gelu<L: Lanes>(v: L) -> L {
    let inner = L::splat(1.0).add(L::splat(GELU_CUBIC).mul(v).mul(v));
    let u = L::splat(SQRT_2_OVER_PI).mul(v).mul(inner);
    v.div(L::splat(1.0).add(exp(u.mul(L::splat(-2.0)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp_scalar(x: f32) -> f32 {
        exp(Lane::<1>::splat(x)).first()
    }

    fn gelu_scalar(v: f32) -> f32 {
        gelu(Lane::<1>::splat(v)).first()
    }

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
