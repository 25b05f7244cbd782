// dst = act(src · Wᵀ + b) (+ src when residual): one linear layer of the denoiser for all samples.
// W is [out, in] row-major, as candle stores it. 16×16 tiles through workgroup memory: each
// invocation owns one (sample, output) element.

struct Layer {
    n: u32,
    in_dim: u32,
    out_dim: u32,
    weight_offset: u32,
    bias_offset: u32,
    // 0: none, 1: GELU (tanh approximation, as candle's `gelu`)
    activation: u32,
    // 1: add the input back (needs in_dim == out_dim)
    residual: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> weights: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> layer: Layer;

const TILE: u32 = 16u;
var<workgroup> tile_x: array<array<f32, 16>, 16>;
var<workgroup> tile_w: array<array<f32, 16>, 16>;

// tanh from exp, clamped: some drivers' tanh turns large arguments into NaN.
fn tanh_safe(y: f32) -> f32 {
    let a = min(abs(y), 15.0);
    let e = exp(2.0 * a);
    return sign(y) * (1.0 - 2.0 / (e + 1.0));
}

fn gelu(v: f32) -> f32 {
    return 0.5 * v * (1.0 + tanh_safe(0.7978845608028654 * v * (1.0 + 0.044715 * v * v)));
}

@compute @workgroup_size(16, 16)
fn linear(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let row = wid.y * TILE + lid.y;
    let col = wid.x * TILE + lid.x;
    let w_row = wid.x * TILE + lid.y;
    var acc = 0.0;
    for (var k0 = 0u; k0 < layer.in_dim; k0 += TILE) {
        let k = k0 + lid.x;
        var xv = 0.0;
        if (row < layer.n && k < layer.in_dim) {
            xv = src[row * layer.in_dim + k];
        }
        tile_x[lid.y][lid.x] = xv;
        var wv = 0.0;
        if (w_row < layer.out_dim && k < layer.in_dim) {
            wv = weights[layer.weight_offset + w_row * layer.in_dim + k];
        }
        tile_w[lid.y][lid.x] = wv;
        workgroupBarrier();
        for (var kk = 0u; kk < TILE; kk++) {
            acc += tile_x[lid.y][kk] * tile_w[lid.x][kk];
        }
        workgroupBarrier();
    }
    if (row >= layer.n || col >= layer.out_dim) {
        return;
    }
    var v = acc + weights[layer.bias_offset + col];
    if (layer.activation == 1u) {
        v = gelu(v);
    }
    if (layer.residual == 1u) {
        v += src[row * layer.in_dim + col];
    }
    dst[row * layer.out_dim + col] = v;
}
