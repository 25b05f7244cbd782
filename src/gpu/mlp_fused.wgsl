// `mlp_fused`: every linear layer of the denoiser in one dispatch. A workgroup takes a block of
// FUSED_SAMPLES samples through all FUSED_LAYERS layers, keeping the hidden activations in
// workgroup memory, so nothing between the input features and the raw output goes through device
// memory and the layers need no dispatch (and no device-wide barrier) each. Each invocation
// computes 4 samples × 4 outputs of every layer: FUSED_SAMPLES / 4 invocations along the samples,
// FUSED_HIDDEN / 4 along the outputs.
//
// One activation buffer, one row per input, holds a layer's inputs; every invocation reads what
// it needs of them (its sums, its residual) before a barrier, and the outputs overwrite them
// after it. Half the workgroup memory of an input and an output buffer is what lets an NVIDIA
// H200 hold three times as many workgroups at once (its Vulkan driver gives a multiprocessor
// 48 KiB of workgroup memory) and runs the kernel 1.4× faster at 16384 samples (README).
//
// The weights come transposed (chain.rs builds them once): for each layer, in_dim rows of 4-output
// vec4s, [k][output / 4], then one row of biases, each row padded with zeros to whole vec4s, from
// the layer's `weight_t_offset` (in vec4s). The invocations of a warp that share outputs read
// the same vec4 and neighbouring outputs lie in neighbouring vec4s, so the weights need no
// staging. The first layers' sums run over k in the order `linear`'s do; the last layer's in
// groups of consecutive k, added in order (see `last_layer`).
//
// FUSED_* come from the shape compiled (contract.rs `FusedShape::wgsl`); the chain uses this
// kernel only for models it fits (`FusedShape::fits`): every layer but the first reads
// FUSED_HIDDEN inputs, every layer but the last writes FUSED_HIDDEN outputs, the last at most that.

@group(0) @binding(0) var<storage, read> weights_t: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> src: array<f32>; // the input features, [k][sample]
@group(0) @binding(2) var<storage, read_write> dst: array<f32>; // the raw output, [c][sample]
@group(0) @binding(3) var<uniform> mlp: array<Layer, FUSED_LAYERS>;

const SAMPLE_VECS: u32 = FUSED_SAMPLES / 4u; // vec4s of samples in a block
const OUTPUT_GROUPS: u32 = FUSED_HIDDEN / 4u; // invocations along the outputs
const INVOCATIONS: u32 = SAMPLE_VECS * OUTPUT_GROUPS;
const ACT: u32 = FUSED_HIDDEN * SAMPLE_VECS; // vec4s of the activation buffer

// A layer's inputs, [feature][sample / 4]; the first layer's are staged FUSED_HIDDEN at a time.
var<workgroup> act: array<vec4<f32>, ACT>;

// Output 4q + j of four samples, j = 0 .. 3.
struct Quad {
    v0: vec4<f32>,
    v1: vec4<f32>,
    v2: vec4<f32>,
    v3: vec4<f32>,
}

// vec4s in one row of a layer's transposed weights.
fn row_vecs(out_dim: u32) -> u32 {
    return (out_dim + 3u) / 4u;
}

fn add(a: Quad, b: Quad) -> Quad {
    return Quad(a.v0 + b.v0, a.v1 + b.v1, a.v2 + b.v2, a.v3 + b.v3);
}

// Layer l's bias and activation on the sums of its outputs 4q .. 4q + 3.
fn activate(l: u32, q: u32, sums: Quad) -> Quad {
    let layer = mlp[l];
    let b = weights_t[layer.weight_t_offset + layer.in_dim * row_vecs(layer.out_dim) + q];
    var v = Quad(sums.v0 + b.x, sums.v1 + b.y, sums.v2 + b.z, sums.v3 + b.w);
    if (layer.activation == 1u) {
        v.v0 = vec4<f32>(gelu(v.v0.x), gelu(v.v0.y), gelu(v.v0.z), gelu(v.v0.w));
        v.v1 = vec4<f32>(gelu(v.v1.x), gelu(v.v1.y), gelu(v.v1.z), gelu(v.v1.w));
        v.v2 = vec4<f32>(gelu(v.v2.x), gelu(v.v2.y), gelu(v.v2.z), gelu(v.v2.w));
        v.v3 = vec4<f32>(gelu(v.v3.x), gelu(v.v3.y), gelu(v.v3.z), gelu(v.v3.w));
    }
    return v;
}

// Rows 4q .. 4q + 3 of act for the samples in vec4 lx: the inputs a residual adds back.
fn inputs(q: u32, lx: u32) -> Quad {
    return Quad(
        act[(4u * q) * SAMPLE_VECS + lx],
        act[(4u * q + 1u) * SAMPLE_VECS + lx],
        act[(4u * q + 2u) * SAMPLE_VECS + lx],
        act[(4u * q + 3u) * SAMPLE_VECS + lx],
    );
}

// Layer l's outputs 4q .. 4q + 3 of the samples in vec4 lx from their sums. Reads the residual
// from act, so it comes before the barrier that frees act.
fn settle(l: u32, q: u32, lx: u32, sums: Quad) -> Quad {
    let v = activate(l, q, sums);
    if (mlp[l].residual == 1u) {
        return add(v, inputs(q, lx));
    }
    return v;
}

// Outputs 4q .. 4q + 3 of the samples in vec4 lx as the next layer's inputs.
fn keep(q: u32, lx: u32, v: Quad) {
    act[(4u * q) * SAMPLE_VECS + lx] = v.v0;
    act[(4u * q + 1u) * SAMPLE_VECS + lx] = v.v1;
    act[(4u * q + 2u) * SAMPLE_VECS + lx] = v.v2;
    act[(4u * q + 3u) * SAMPLE_VECS + lx] = v.v3;
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

@compute @workgroup_size(SAMPLE_VECS, OUTPUT_GROUPS)
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

    // The first layer (FUSED_HIDDEN outputs), from the input features in device memory.
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    let last_k = first.in_dim - 1u;
    for (var k0 = 0u; k0 < first.in_dim; k0 += FUSED_HIDDEN) {
        for (var e = flat; e < ACT; e += INVOCATIONS) {
            act[e] = load_samples(k0 + e / SAMPLE_VECS, n0 + (e % SAMPLE_VECS) * 4u, first.in_dim, n);
        }
        workgroupBarrier();
        // past in_dim the staged inputs are 0 and the (clamped) weights add nothing; a whole
        // stage needs no clamp, and the uniform choice keeps it out of the loop
        let whole = k0 + FUSED_HIDDEN <= first.in_dim;
        for (var kk = 0u; kk < FUSED_HIDDEN; kk++) {
            let k = select(min(k0 + kk, last_k), k0 + kk, whole);
            let x = act[kk * SAMPLE_VECS + lx];
            let w = weights_t[first.weight_t_offset + k * OUTPUT_GROUPS + q];
            a0 += w.x * x;
            a1 += w.y * x;
            a2 += w.z * x;
            a3 += w.w * x;
        }
        workgroupBarrier();
    }
    // a residual here needs in_dim = FUSED_HIDDEN: one stage, whose inputs act still holds
    keep(q, lx, settle(0u, q, lx, Quad(a0, a1, a2, a3)));
    workgroupBarrier();

    // The hidden layers, FUSED_HIDDEN → FUSED_HIDDEN, from act.
    for (var l = 1u; l + 1u < FUSED_LAYERS; l++) {
        let layer = mlp[l];
        a0 = vec4<f32>(0.0);
        a1 = vec4<f32>(0.0);
        a2 = vec4<f32>(0.0);
        a3 = vec4<f32>(0.0);
        for (var k = 0u; k < FUSED_HIDDEN; k++) {
            let x = act[k * SAMPLE_VECS + lx];
            let w = weights_t[layer.weight_t_offset + k * OUTPUT_GROUPS + q];
            a0 += w.x * x;
            a1 += w.y * x;
            a2 += w.z * x;
            a3 += w.w * x;
        }
        let v = settle(l, q, lx, Quad(a0, a1, a2, a3));
        workgroupBarrier();
        keep(q, lx, v);
        workgroupBarrier();
    }

    last_layer(q, lx, s);
}

// The last layer has few outputs (2 to FUSED_HIDDEN): a row of `row` output vec4s. Left to the
// invocations that own them, most of the workgroup would wait while a few ran all FUSED_HIDDEN
// inputs (on an H200 that was 9 % of the kernel at 16384 samples). Instead `groups` groups of
// `row` invocations each sum a consecutive range of the inputs; the partial sums go through act
// and the owners add them in order of k.
fn last_layer(q: u32, lx: u32, s: u32) {
    let layer = mlp[FUSED_LAYERS - 1u];
    let row = row_vecs(layer.out_dim);
    let groups = OUTPUT_GROUPS / row;
    let span = (FUSED_HIDDEN + groups - 1u) / groups;
    let g = q / row;
    let r = q % row;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    if (g < groups) {
        for (var k = g * span; k < min(g * span + span, FUSED_HIDDEN); k++) {
            let x = act[k * SAMPLE_VECS + lx];
            let w = weights_t[layer.weight_t_offset + k * row + r];
            a0 += w.x * x;
            a1 += w.y * x;
            a2 += w.z * x;
            a3 += w.w * x;
        }
    }
    // the owners' residual, read before act holds the partial sums
    let zero = vec4<f32>(0.0);
    var residual = Quad(zero, zero, zero, zero);
    if (q < row && layer.residual == 1u) {
        residual = inputs(q, lx);
    }
    workgroupBarrier();
    // group g's sums of output vec4 r sit where invocation g · row + r keeps its outputs
    if (g < groups) {
        keep(g * row + r, lx, Quad(a0, a1, a2, a3));
    }
    workgroupBarrier();
    if (q >= row) {
        return;
    }
    var sums = Quad(zero, zero, zero, zero);
    for (var h = 0u; h < groups; h++) {
        sums = add(sums, inputs(h * row + q, lx));
    }
    let v = add(activate(FUSED_LAYERS - 1u, q, sums), residual);
    store(4u * q, s, v.v0, layer);
    store(4u * q + 1u, s, v.v1, layer);
    store(4u * q + 2u, s, v.v2, layer);
    store(4u * q + 3u, s, v.v3, layer);
}
