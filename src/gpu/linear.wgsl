// `linear`: one linear layer of the denoiser for all samples, one invocation per sample and
// LINEAR_COLS outputs (linear_bindings.wgsl says what a layer computes).

// Neighbouring invocations take neighbouring samples with the same four outputs: their reads of src are
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
