//! Counter-based Gaussian noise: the same z for the same (seed, stream, step, sample, dimension),
//! in any order, on any backend.
//!
//! The recipe, to be written identically elsewhere (WGSL uses only u32 arithmetic):
//! 1. Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3") with
//!    key = (seed low 32 bits, seed high 32 bits) and
//!    counter = (sample, dimension / 4, step, stream).
//! 2. Of its four u32 outputs, dimensions 4b, 4b+1 use outputs (0, 1) and 4b+2, 4b+3 use (2, 3).
//! 3. Each u32 becomes a uniform in (0, 1): u = ((w >> 8) + 0.5) / 2^24, never 0 or 1.
//! 4. Box–Muller on the pair (u_a, u_b): r = √(−2 ln u_a), θ = 2π u_b; the even dimension gets
//!    r cos θ, the odd one r sin θ.
//!
//! `step` is the schedule index the noise is used at; `stream` separates independent uses.

/// Independent noise streams, so that x_T, the chain's z and training noise never coincide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Stream {
    /// x_T ~ N(0, I), the start of the reverse chain.
    Prior = 0,
    /// z in x_{t−1} = μ + σ z.
    Chain = 1,
    /// The sequential [`Rng`]: training (batches, timesteps, ε) and dataset generation.
    Uniform = 3,
    /// Held-out data and anything else evaluation needs.
    Eval = 4,
}

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;
/// Philox's multipliers and Weyl increments by name, for the WGSL prelude (src/gpu/contract.rs).
pub const PHILOX_CONSTANTS: [(&str, u32); 4] = [("M0", M0), ("M1", M1), ("W0", W0), ("W1", W1)];

#[inline]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = a as u64 * b as u64;
    ((p >> 32) as u32, p as u32)
}

/// Philox4x32 with 10 rounds.
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(W0);
            k[1] = k[1].wrapping_add(W1);
        }
        let (hi0, lo0) = mulhilo(M0, c[0]);
        let (hi1, lo1) = mulhilo(M1, c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// Maps a u32 to (0, 1) with 24 bits, exactly representable in f32.
#[inline]
pub fn uniform(w: u32) -> f64 {
    ((w >> 8) as f64 + 0.5) / 16_777_216.0
}

fn key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

/// One standard normal draw.
pub fn normal(seed: u64, stream: Stream, step: u32, sample: u32, dim: u32) -> f64 {
    let out = philox4x32_10([sample, dim / 4, step, stream as u32], key(seed));
    let pair = ((dim % 4) / 2) as usize;
    let (ua, ub) = (uniform(out[2 * pair]), uniform(out[2 * pair + 1]));
    let r = (-2.0 * ua.ln()).sqrt();
    let theta = 2.0 * std::f64::consts::PI * ub;
    if dim.is_multiple_of(2) {
        r * theta.cos()
    } else {
        r * theta.sin()
    }
}

/// Fills `out` (row-major, `dim` per sample) with normals for samples `0..out.len()/dim`.
pub fn fill_normal(out: &mut [f32], dim: usize, seed: u64, stream: Stream, step: u32) {
    fill_normal_from(out, dim, seed, stream, step, 0);
}

/// [`fill_normal`] for samples `first..first + out.len()/dim`: a slice of a larger chain draws the
/// same numbers as that chain does for those samples.
pub fn fill_normal_from(out: &mut [f32], dim: usize, seed: u64, stream: Stream, step: u32, first: u32) {
    for (s, row) in out.chunks_mut(dim).enumerate() {
        for (d, v) in row.iter_mut().enumerate() {
            *v = normal(seed, stream, step, first.wrapping_add(s as u32), d as u32) as f32;
        }
    }
}

/// A sequential generator on top of the counter-based one, for data generation and training
/// where draws are consumed in order.
#[derive(Clone, Debug)]
pub struct Rng {
    seed: u64,
    counter: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { seed, counter: 0 }
    }

    fn next_block(&mut self) -> [u32; 4] {
        let c = self.counter;
        self.counter += 1;
        philox4x32_10([c as u32, (c >> 32) as u32, 0, Stream::Uniform as u32], key(self.seed))
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        uniform(self.next_block()[0])
    }

    /// Uniform integer in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n - 1)
    }

    /// Standard normal (Box–Muller on one block).
    pub fn normal(&mut self) -> f64 {
        let b = self.next_block();
        let (ua, ub) = (uniform(b[0]), uniform(b[1]));
        (-2.0 * ua.ln()).sqrt() * (2.0 * std::f64::consts::PI * ub).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known-answer vectors from Random123's kat_vectors file (philox4x32_10).
    #[test]
    fn philox_known_answers() {
        assert_eq!(
            philox4x32_10([0, 0, 0, 0], [0, 0]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn normal_moments() {
        // 200k draws: the standard error of the mean is 1/√200000 ≈ 0.0022, of the variance
        // ≈ √2/√200000 ≈ 0.0032; 5 standard errors keep this test from flaking while still
        // catching a wrong scale or offset.
        let n = 100_000u32;
        let mut sum = 0.0;
        let mut sq = 0.0;
        let mut cross = 0.0;
        for i in 0..n {
            let a = normal(7, Stream::Chain, 3, i, 0);
            let b = normal(7, Stream::Chain, 3, i, 1);
            sum += a + b;
            sq += a * a + b * b;
            cross += a * b;
        }
        let m = 2.0 * n as f64;
        assert!((sum / m).abs() < 5.0 * 0.0023, "mean {}", sum / m);
        assert!((sq / m - 1.0).abs() < 5.0 * 0.0032, "var {}", sq / m);
        assert!((cross / n as f64).abs() < 5.0 * 0.0032, "cov {}", cross / n as f64);
    }

    #[test]
    fn streams_and_steps_differ() {
        let a = normal(1, Stream::Chain, 0, 0, 0);
        assert_ne!(a, normal(1, Stream::Prior, 0, 0, 0));
        assert_ne!(a, normal(1, Stream::Chain, 1, 0, 0));
        assert_ne!(a, normal(2, Stream::Chain, 0, 0, 0));
        assert_eq!(a, normal(1, Stream::Chain, 0, 0, 0));
    }
}
