// `linear_tiled`: the same layer for a GPU with fast workgroup memory. A workgroup of
// TILE_THREADS_X × TILE_THREADS_Y invocations computes a block of samples × output features; each
// invocation computes 4 samples (one vec4) × 4 features from tiles of src and W staged in
// workgroup memory TILE_K inputs at a time, so each value read from memory serves a whole row or
// column of the block. The tiles hold vec4s (4 samples, or 4 outputs): the inner loop reads
// workgroup memory once per 16 multiply-adds. The accumulators are named, not an array, so that
// no compiler has to prove an index constant to keep them in registers.
//
// The TILE_* constants come from the shape compiled (contract.rs `TileShape::wgsl`). Padding past
// in_dim, n or out_dim is 0 and adds nothing; each sum runs over k in the order `linear`'s does.

const BLOCK_SAMPLES: u32 = 4u * TILE_THREADS_X;
const BLOCK_OUTPUTS: u32 = 4u * TILE_THREADS_Y;
const X_VECS: u32 = BLOCK_SAMPLES / 4u; // vec4s in one input's row of the src tile
const W_VECS: u32 = BLOCK_OUTPUTS / 4u; // vec4s in one input's row of the W tile
const THREADS: u32 = TILE_THREADS_X * TILE_THREADS_Y;

var<workgroup> tile_x: array<vec4<f32>, TILE_K * X_VECS>; // [k][sample / 4]
var<workgroup> tile_w: array<vec4<f32>, TILE_K * W_VECS>; // [k][output / 4]

// Element e of the src tile for inputs k0 .. k0 + TILE_K: 4 samples of one input feature, so
// neighbouring invocations read neighbouring samples (load_samples.wgsl).
fn load_x(e: u32, k0: u32, n0: u32) -> vec4<f32> {
    return load_samples(k0 + e / X_VECS, n0 + (e % X_VECS) * 4u, layer.in_dim, layer.n);
}

// Element e of the W tile: one input of four outputs' rows, neighbouring invocations reading
// neighbouring inputs; loaded as load_samples.wgsl loads, at clamped indices.
fn load_w(e: u32, k0: u32, c0: u32) -> vec4<f32> {
    let kw = e % TILE_K;
    let c = c0 + (e / TILE_K) * 4u;
    let last = layer.out_dim - 1u;
    let row = layer.weight_offset + min(k0 + kw, layer.in_dim - 1u);
    let d = layer.in_dim;
    let w = vec4<f32>(weights[row + min(c, last) * d], weights[row + min(c + 1u, last) * d], weights[row + min(c + 2u, last) * d], weights[row + min(c + 3u, last) * d]);
    let inside = k0 + kw < layer.in_dim;
    let valid = vec4<bool>(inside && c <= last, inside && c + 1u <= last, inside && c + 2u <= last, inside && c + 3u <= last);
    return select(vec4<f32>(0.0), w, valid);
}

// Where element e of the W tile goes: [k][output / 4].
fn w_slot(e: u32) -> u32 {
    return (e % TILE_K) * W_VECS + e / TILE_K;
}

// Stages inputs k0 .. k0 + TILE_K of the block's samples and outputs; every invocation takes part.
fn stage(k0: u32, n0: u32, c0: u32, flat: u32) {
    for (var e = flat; e < TILE_K * X_VECS; e += THREADS) {
        tile_x[e] = load_x(e, k0, n0);
    }
    for (var e = flat; e < TILE_K * W_VECS; e += THREADS) {
        tile_w[w_slot(e)] = load_w(e, k0, c0);
    }
}

// The epilogue's loads (biases, residuals) are also unconditional at clamped indices, and all of an
// invocation's are made before any result is stored, for the same reason as `stage`'s.

// Biases of outputs col .. col + 3.
fn biases(col: u32) -> vec4<f32> {
    let last = layer.bias_offset + layer.out_dim - 1u;
    let b = layer.bias_offset + col;
    return vec4<f32>(weights[min(b, last)], weights[min(b + 1u, last)], weights[min(b + 2u, last)], weights[min(b + 3u, last)]);
}

// src at output `col` of samples s .. s + 3 (the residual), or 0 when the layer has none.
fn residual(col: u32, s: u32) -> vec4<f32> {
    if (layer.residual != 1u) {
        return vec4<f32>(0.0);
    }
    let last = layer.n - 1u;
    let at = min(col, layer.out_dim - 1u) * layer.n;
    return vec4<f32>(src[at + min(s, last)], src[at + min(s + 1u, last)], src[at + min(s + 2u, last)], src[at + min(s + 3u, last)]);
}

// Bias, activation and residual for output `col` of samples s .. s + 3, then stored.
fn finish(col: u32, s: u32, acc: vec4<f32>, bias: f32, res: vec4<f32>) {
    if (col >= layer.out_dim) {
        return;
    }
    var v = acc + bias;
    if (layer.activation == 1u) {
        v = vec4<f32>(gelu(v.x), gelu(v.y), gelu(v.z), gelu(v.w));
    }
    v += res;
    let at = col * layer.n + s;
    for (var i = 0u; i < 4u; i++) {
        if (s + i < layer.n) {
            dst[at + i] = v[i];
        }
    }
}

@compute @workgroup_size(TILE_THREADS_X, TILE_THREADS_Y)
fn linear_tiled(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(local_invocation_index) flat: u32,
) {
    let n0 = group.x * BLOCK_SAMPLES;
    let c0 = group.y * BLOCK_OUTPUTS;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < layer.in_dim; k0 += TILE_K) {
        stage(k0, n0, c0, flat);
        workgroupBarrier();
        for (var kk = 0u; kk < TILE_K; kk++) {
            let xv = tile_x[kk * X_VECS + local.x];
            let w = tile_w[kk * W_VECS + local.y];
            a0 += w.x * xv;
            a1 += w.y * xv;
            a2 += w.z * xv;
            a3 += w.w * xv;
        }
        workgroupBarrier();
    }
    let c = c0 + local.y * 4u;
    let s = n0 + local.x * 4u;
    let b = biases(c);
    let r0 = residual(c, s);
    let r1 = residual(c + 1u, s);
    let r2 = residual(c + 2u, s);
    let r3 = residual(c + 3u, s);
    finish(c, s, a0, b.x, r0);
    finish(c + 1u, s, a1, b.y, r1);
    finish(c + 2u, s, a2, b.z, r2);
    finish(c + 3u, s, a3, b.w, r3);
}
