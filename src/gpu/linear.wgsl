// dst = act(src · Wᵀ + b) (+ src when residual): one linear layer of the denoiser for all samples.
// W is [out, in] row-major, as candle stores it.

// `Layer` (the uniform) and LINEAR_COLS come from the generated prelude (src/gpu/contract.rs).

@group(0) @binding(0) var<storage, read> weights: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> layer: Layer;

// tanh from exp, clamped: some drivers' tanh turns large arguments into NaN.
fn tanh_safe(y: f32) -> f32 {
    let a = min(abs(y), 15.0);
    let e = exp(2.0 * a);
    return sign(y) * (1.0 - 2.0 / (e + 1.0));
}

fn gelu(v: f32) -> f32 {
    return 0.5 * v * (1.0 + tanh_safe(0.7978845608028654 * v * (1.0 + 0.044715 * v * v)));
}

// Activations are feature-major (src[k * n + sample], dst[c * n + sample]) and neighbouring
// invocations take neighbouring samples with the same four outputs: their reads of src are
// contiguous and their weight reads are the same word, which a GPU broadcasts and a CPU
// implementation of WebGPU (SwiftShader, lavapipe, running invocations as SIMD lanes) turns into
// vector loads. No workgroup memory or barriers: those CPU implementations run barriers as context
// switches, and at these widths (≤ 384 inputs) the weights sit in cache.

@compute @workgroup_size(WORKGROUP)
fn linear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let per_row = (layer.out_dim + LINEAR_COLS - 1u) / LINEAR_COLS;
    let index = gid.x + gid.y * groups.x * WORKGROUP;
    if (index >= layer.n * per_row) {
        return;
    }
    let row = index % layer.n;
    let c0 = (index / layer.n) * LINEAR_COLS;
    // columns past out_dim read row out_dim − 1 again and are not stored
    let last = layer.out_dim - 1u;
    let w0 = layer.weight_offset + min(c0, last) * layer.in_dim;
    let w1 = layer.weight_offset + min(c0 + 1u, last) * layer.in_dim;
    let w2 = layer.weight_offset + min(c0 + 2u, last) * layer.in_dim;
    let w3 = layer.weight_offset + min(c0 + 3u, last) * layer.in_dim;
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < layer.in_dim; k++) {
        let x = src[k * layer.n + row];
        acc += x * vec4<f32>(weights[w0 + k], weights[w1 + k], weights[w2 + k], weights[w3 + k]);
    }
    for (var j = 0u; j < LINEAR_COLS; j++) {
        let col = c0 + j;
        if (col >= layer.out_dim) {
            break;
        }
        var v = acc[j] + weights[layer.bias_offset + col];
        if (layer.activation == 1u) {
            v = gelu(v);
        }
        if (layer.residual == 1u) {
            v += src[col * layer.n + row];
        }
        dst[col * layer.n + row] = v;
    }
}

// The same layer for a GPU with fast workgroup memory (`LinearKernel::Tiled`): a workgroup of
// LINEAR_TILE_SIDE² invocations computes a LINEAR_TILE × LINEAR_TILE block of dst (samples ×
// output features), each invocation 4 × 4 of it, from tiles of src and W staged in workgroup
// memory LINEAR_TILE_K inputs at a time, so each value read from memory serves LINEAR_TILE
// multiply-adds instead of 4. Padding past in_dim, n or out_dim is 0 and adds nothing; each sum
// runs over k in the order `linear`'s does.

var<workgroup> tile_x: array<f32, LINEAR_TILE * LINEAR_TILE_K>; // [k][sample]
var<workgroup> tile_w: array<f32, LINEAR_TILE * LINEAR_TILE_K>; // [k][output]

@compute @workgroup_size(LINEAR_TILE_SIDE, LINEAR_TILE_SIDE)
fn linear_tiled(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(local_invocation_index) flat: u32,
) {
    let n0 = group.x * LINEAR_TILE;
    let c0 = group.y * LINEAR_TILE;
    let threads = LINEAR_TILE_SIDE * LINEAR_TILE_SIDE;
    var acc: array<vec4<f32>, 4>;
    for (var k0 = 0u; k0 < layer.in_dim; k0 += LINEAR_TILE_K) {
        for (var e = flat; e < LINEAR_TILE * LINEAR_TILE_K; e += threads) {
            // src: neighbouring invocations read neighbouring samples of one input feature
            let kx = k0 + e / LINEAR_TILE;
            let s = n0 + e % LINEAR_TILE;
            var x = 0.0;
            if (kx < layer.in_dim && s < layer.n) {
                x = src[kx * layer.n + s];
            }
            tile_x[e] = x;
            // W: neighbouring invocations read neighbouring inputs of one output's row
            let kw = e % LINEAR_TILE_K;
            let c = e / LINEAR_TILE_K;
            var w = 0.0;
            if (k0 + kw < layer.in_dim && c0 + c < layer.out_dim) {
                w = weights[layer.weight_offset + (c0 + c) * layer.in_dim + k0 + kw];
            }
            tile_w[kw * LINEAR_TILE + c] = w;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < LINEAR_TILE_K; kk++) {
            let xb = kk * LINEAR_TILE + local.x * 4u;
            let xv = vec4<f32>(tile_x[xb], tile_x[xb + 1u], tile_x[xb + 2u], tile_x[xb + 3u]);
            let wb = kk * LINEAR_TILE + local.y * 4u;
            acc[0] += tile_w[wb] * xv;
            acc[1] += tile_w[wb + 1u] * xv;
            acc[2] += tile_w[wb + 2u] * xv;
            acc[3] += tile_w[wb + 3u] * xv;
        }
        workgroupBarrier();
    }
    for (var j = 0u; j < 4u; j++) {
        let col = c0 + local.y * 4u + j;
        if (col >= layer.out_dim) {
            break;
        }
        for (var i = 0u; i < 4u; i++) {
            let row = n0 + local.x * 4u + i;
            if (row >= layer.n) {
                break;
            }
            var v = acc[j][i] + weights[layer.bias_offset + col];
            if (layer.activation == 1u) {
                v = gelu(v);
            }
            if (layer.residual == 1u) {
                v += src[col * layer.n + row];
            }
            dst[col * layer.n + row] = v;
        }
    }
}
