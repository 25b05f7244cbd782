// The bindings of the per-layer linear kernels (linear.wgsl, linear_tiled.wgsl), each of which
// computes dst = act(src · Wᵀ + b) (+ src when residual), one linear layer of the denoiser for all
// samples. W is [out, in] row-major, as candle stores it; activations are feature-major
// (src[k * n + sample], dst[c * n + sample]).

// `Layer` (the uniform) comes from the generated prelude (src/gpu/contract.rs).

@group(0) @binding(0) var<storage, read> weights: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> layer: Layer;
