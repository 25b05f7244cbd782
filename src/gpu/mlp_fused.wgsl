// `mlp_fused`: every linear layer of the denoiser in one dispatch. A workgroup takes a block of
// FUSED_SAMPLES samples through all FUSED_LAYERS layers, keeping the hidden activations in
// workgroup memory, so nothing between the input features and the raw output goes through device
// memory and the layers need no dispatch (and no device-wide barrier) each. Each invocation
// computes FUSED_SAMPLE_VECS vec4s of samples (1 or 2) × 4 outputs of every layer:
// FUSED_SAMPLES / (4 · FUSED_SAMPLE_VECS) invocations along the samples, FUSED_HIDDEN / 4 along
// the outputs. Its second vec4 lies SAMPLE_INVS vec4s after its first, so the invocations of a
// warp read consecutive vec4s of an activation row both times. (8 outputs an invocation ran 1.4×
// slower on an NVIDIA H200.)
//
// The weights come transposed (chain.rs builds them once): for each layer, in_dim rows of 4-output
// vec4s, [k][output / 4], then one row of biases, each row padded with zeros to whole vec4s, from
// the layer's `weight_t_offset` (in vec4s). The invocations of a warp that share outputs read
// the same vec4 and neighbouring outputs lie in neighbouring vec4s, so the weights need no
// staging. Each sum runs over k in the order `linear`'s does.
//
// FUSED_* come from the shape compiled (contract.rs `FusedShape::wgsl`); the chain uses this
// kernel only for models it fits (`FusedShape::fits`): every layer but the first reads
// FUSED_HIDDEN inputs, every layer but the last writes FUSED_HIDDEN outputs, the last at most that.

@group(0) @binding(0) var<storage, read> weights_t: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> src: array<f32>; // the input features, [k][sample]
@group(0) @binding(2) var<storage, read_write> dst: array<f32>; // the raw output, [c][sample]
@group(0) @binding(3) var<uniform> mlp: array<Layer, FUSED_LAYERS>;

const SAMPLE_VECS: u32 = FUSED_SAMPLES / 4u; // vec4s of samples in a block
const SAMPLE_INVS: u32 = SAMPLE_VECS / FUSED_SAMPLE_VECS; // invocations along the samples
const OUTPUT_GROUPS: u32 = FUSED_HIDDEN / 4u; // invocations along the outputs
const INVOCATIONS: u32 = SAMPLE_INVS * OUTPUT_GROUPS;
// whether an invocation has a second vec4 of samples: a constant, so the branches on it are
// uniform and the compiler drops the one not taken
const PAIRED: bool = FUSED_SAMPLE_VECS == 2u;
const ACT: u32 = FUSED_HIDDEN * SAMPLE_VECS; // vec4s of one activation buffer

// Two activation buffers, [feature][sample / 4]: layer l writes buffer l % 2 and reads the other.
var<workgroup> act: array<vec4<f32>, 2u * ACT>;
// The first layer's inputs, FUSED_K of them at a time, [k][sample / 4].
var<workgroup> staged: array<vec4<f32>, FUSED_K * SAMPLE_VECS>;

// vec4s in one row of a layer's transposed weights.
fn row_vecs(out_dim: u32) -> u32 {
    return (out_dim + 3u) / 4u;
}

// Layer l's bias, activation and residual on sums of outputs 4q .. 4q + 3 (a_j: output 4q + j of
// four samples), then stored: into activation buffer l % 2, or for the last layer into dst.
fn settle(l: u32, q: u32, lx: u32, s: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>) {
    let layer = mlp[l];
    if (4u * q >= layer.out_dim) {
        return;
    }
    let row = row_vecs(layer.out_dim);
    let b = weights_t[layer.weight_t_offset + layer.in_dim * row + q];
    var v0 = a0 + b.x;
    var v1 = a1 + b.y;
    var v2 = a2 + b.z;
    var v3 = a3 + b.w;
    if (layer.activation == 1u) {
        v0 = vec4<f32>(gelu(v0.x), gelu(v0.y), gelu(v0.z), gelu(v0.w));
        v1 = vec4<f32>(gelu(v1.x), gelu(v1.y), gelu(v1.z), gelu(v1.w));
        v2 = vec4<f32>(gelu(v2.x), gelu(v2.y), gelu(v2.z), gelu(v2.w));
        v3 = vec4<f32>(gelu(v3.x), gelu(v3.y), gelu(v3.z), gelu(v3.w));
    }
    if (layer.residual == 1u) {
        let input = ((l + 1u) % 2u) * ACT;
        v0 += act[input + (4u * q) * SAMPLE_VECS + lx];
        v1 += act[input + (4u * q + 1u) * SAMPLE_VECS + lx];
        v2 += act[input + (4u * q + 2u) * SAMPLE_VECS + lx];
        v3 += act[input + (4u * q + 3u) * SAMPLE_VECS + lx];
    }
    if (l + 1u < FUSED_LAYERS) {
        let to = (l % 2u) * ACT;
        act[to + (4u * q) * SAMPLE_VECS + lx] = v0;
        act[to + (4u * q + 1u) * SAMPLE_VECS + lx] = v1;
        act[to + (4u * q + 2u) * SAMPLE_VECS + lx] = v2;
        act[to + (4u * q + 3u) * SAMPLE_VECS + lx] = v3;
        return;
    }
    store(4u * q, s, v0, layer);
    store(4u * q + 1u, s, v1, layer);
    store(4u * q + 2u, s, v2, layer);
    store(4u * q + 3u, s, v3, layer);
}

// Output c of samples s .. s + 3 into dst, those that exist.
fn store(c: u32, s: u32, v: vec4<f32>, layer: Layer) {
    if (c >= layer.out_dim) {
        return;
    }
    for (var i = 0u; i < 4u; i++) {
        if (s + i < layer.n) {
            dst[c * layer.n + s + i] = v[i];
        }
    }
}

@compute @workgroup_size(SAMPLE_INVS, OUTPUT_GROUPS)
fn mlp_fused(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(local_invocation_index) flat: u32,
) {
    let first = mlp[0];
    let n = first.n;
    let n0 = group.x * FUSED_SAMPLES;
    let q = local.y; // this invocation's outputs are 4q .. 4q + 3
    let lx = local.x; // its samples: vec4 lx of the block, samples s .. s + 3
    let s = n0 + lx * 4u;
    let ly = lx + SAMPLE_INVS; // and where PAIRED, vec4 ly, samples t .. t + 3
    let t = n0 + ly * 4u;

    // The first layer, from the input features in device memory, staged FUSED_K at a time.
    // a_j: output 4q + j of the first vec4 of samples, b_j of the second.
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    var b0 = vec4<f32>(0.0);
    var b1 = vec4<f32>(0.0);
    var b2 = vec4<f32>(0.0);
    var b3 = vec4<f32>(0.0);
    let row0 = row_vecs(first.out_dim);
    for (var k0 = 0u; k0 < first.in_dim; k0 += FUSED_K) {
        for (var e = flat; e < FUSED_K * SAMPLE_VECS; e += INVOCATIONS) {
            staged[e] = load_samples(k0 + e / SAMPLE_VECS, n0 + (e % SAMPLE_VECS) * 4u, first.in_dim, n);
        }
        workgroupBarrier();
        if (4u * q < first.out_dim) {
            for (var kk = 0u; kk < FUSED_K; kk++) {
                // past in_dim the staged inputs are 0 and the (clamped) weights add nothing
                let k = min(k0 + kk, first.in_dim - 1u);
                let x = staged[kk * SAMPLE_VECS + lx];
                let w = weights_t[first.weight_t_offset + k * row0 + q];
                a0 += w.x * x;
                a1 += w.y * x;
                a2 += w.z * x;
                a3 += w.w * x;
                if (PAIRED) {
                    let y = staged[kk * SAMPLE_VECS + ly];
                    b0 += w.x * y;
                    b1 += w.y * y;
                    b2 += w.z * y;
                    b3 += w.w * y;
                }
            }
        }
        workgroupBarrier();
    }
    settle(0u, q, lx, s, a0, a1, a2, a3);
    if (PAIRED) {
        settle(0u, q, ly, t, b0, b1, b2, b3);
    }
    workgroupBarrier();

    // The other layers, from the activations in workgroup memory.
    for (var l = 1u; l < FUSED_LAYERS; l++) {
        let layer = mlp[l];
        let row = row_vecs(layer.out_dim);
        let input = ((l + 1u) % 2u) * ACT;
        a0 = vec4<f32>(0.0);
        a1 = vec4<f32>(0.0);
        a2 = vec4<f32>(0.0);
        a3 = vec4<f32>(0.0);
        b0 = vec4<f32>(0.0);
        b1 = vec4<f32>(0.0);
        b2 = vec4<f32>(0.0);
        b3 = vec4<f32>(0.0);
        if (4u * q < layer.out_dim) {
            for (var k = 0u; k < FUSED_HIDDEN; k++) {
                let x = act[input + k * SAMPLE_VECS + lx];
                let w = weights_t[layer.weight_t_offset + k * row + q];
                a0 += w.x * x;
                a1 += w.y * x;
                a2 += w.z * x;
                a3 += w.w * x;
                if (PAIRED) {
                    let y = act[input + k * SAMPLE_VECS + ly];
                    b0 += w.x * y;
                    b1 += w.y * y;
                    b2 += w.z * y;
                    b3 += w.w * y;
                }
            }
        }
        settle(l, q, lx, s, a0, a1, a2, a3);
        if (PAIRED) {
            settle(l, q, ly, t, b0, b1, b2, b3);
        }
        workgroupBarrier();
    }
}
