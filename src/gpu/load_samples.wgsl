// Input k of samples s .. s + 3 from a feature-major `src` ([k][sample], n samples, in_dim
// inputs), 0 past in_dim or n, for the kernels that stage inputs in workgroup memory. The loads are
// unconditional, at indices clamped into the buffer, and the padding is selected to 0 afterwards:
// they then issue together and wait for memory once, where loads under a loop's exit condition
// wait for each in turn.
fn load_samples(k: u32, s: u32, in_dim: u32, n: u32) -> vec4<f32> {
    let row = min(k, in_dim - 1u) * n;
    let last = n - 1u;
    let x = vec4<f32>(src[row + min(s, last)], src[row + min(s + 1u, last)], src[row + min(s + 2u, last)], src[row + min(s + 3u, last)]);
    let inside = k < in_dim;
    return select(vec4<f32>(0.0), x, vec4<bool>(inside && s < n, inside && s + 1u < n, inside && s + 2u < n, inside && s + 3u < n));
}
