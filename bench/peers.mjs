// The peers of `cargo xtask bench` (tests/e2e/bench.mjs loads this module in the page): pθ's
// denoiser (src/model.rs) with the same weights, written as a user would port it to TensorFlow.js
// and exported to ONNX for ONNX Runtime Web, and the reverse step around it in plain JS.
//
// The network, as src/model.rs defines it: sinusoidal features (sin, cos at 64 frequencies from 1
// to 1/10000) of 25·x, 25·y and t, concatenated (384), a linear layer to 128 and GELU (tanh
// approximation), three residual blocks h + GELU(W h + b), a linear layer to 2 (ε̂).
// Both peers use what the math allows, as pθ does: t is the same for every sample of a step, so
// its features and their product with the t columns of the input layer are one [1, 128] row per
// step, added to the x part like a bias. Everything else is the full forward, per sample, per step.

/** Tensors and configuration of a pθ safetensors file. */
/** An IEEE half's bits as a number, exactly (pθ stores most shipped weights as f16: model.rs `to_half`). */
function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export function readSafetensors(buffer) {
  const bytes = new Uint8Array(buffer);
  const n = Number(new DataView(buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const config = JSON.parse(header.__metadata__['ptheta.config']);
  const tensors = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = v.data_offsets;
    const raw = buffer.slice(8 + n + a, 8 + n + b);
    if (v.dtype !== 'F32' && v.dtype !== 'F16') throw new Error(`tensor ${name} is ${v.dtype}: the peers read F32 and F16`);
    tensors[name] = { shape: v.shape, data: v.dtype === 'F16' ? Float32Array.from(new Uint16Array(raw), halfToFloat) : new Float32Array(raw) };
  }
  return { config, tensors };
}

/** model.rs `frequencies`: exp(−ln(10000)·i/(half−1)), in f64, then f32. */
export function frequencies(size) {
  const half = size / 2;
  return Float32Array.from({ length: half }, (_, i) => Math.exp(-Math.log(10000) * i / (half - 1)));
}

/** [out, in] row-major → [in, out] row-major, columns `from`..`to` of the input only. */
function transposed({ shape: [out, inp], data }, from = 0, to = inp) {
  const t = new Float32Array((to - from) * out);
  for (let o = 0; o < out; o++) for (let i = from; i < to; i++) t[(i - from) * out + o] = data[o * inp + i];
  return t;
}

/** The layers as both peers use them: weights [in, out], the input layer split into x and t parts. */
export function layers({ config, tensors }) {
  const { emb_size: emb, dim, hidden, blocks } = config;
  return {
    config,
    freqs: frequencies(emb),
    wx: transposed(tensors['input.weight'], 0, dim * emb),
    wt: transposed(tensors['input.weight'], dim * emb, (dim + 1) * emb),
    bin: tensors['input.bias'].data,
    blocks: Array.from({ length: blocks }, (_, b) => ({ w: transposed(tensors[`blocks.${b}.weight`]), b: tensors[`blocks.${b}.bias`].data })),
    wo: transposed(tensors['output.weight']),
    bo: tensors['output.bias'].data,
    hidden,
    out: tensors['output.bias'].shape[0],
  };
}

// ---------------------------------------------------------------- TensorFlow.js

/**
 * The forward in TF.js ops: `forward(x, n, timestep)` → ε̂ as a Float32Array [n, 2] (a Promise of
 * it with `{ async: true }`: the WebGPU backend reads back asynchronously).
 */
export function tfjsPeer(tf, L, { async = false } = {}) {
  const { emb_size: emb, dim, input_scale: scale } = L.config;
  const half = emb / 2;
  const freqs = tf.tensor1d(L.freqs);
  const wx = tf.tensor2d(L.wx, [dim * emb, L.hidden]);
  const wt = tf.tensor2d(L.wt, [emb, L.hidden]);
  const bin = tf.tensor1d(L.bin);
  const blocks = L.blocks.map(({ w, b }) => ({ w: tf.tensor2d(w, [L.hidden, L.hidden]), b: tf.tensor1d(b) }));
  const wo = tf.tensor2d(L.wo, [L.hidden, L.out]);
  const bo = tf.tensor1d(L.bo);
  const C = Math.sqrt(2 / Math.PI);
  const { add, mul, matMul, reshape, concat, sin, cos, tanh } = tf;
  const gelu = (u) => mul(mul(u, 0.5), add(tanh(mul(add(u, mul(mul(mul(u, u), u), 0.044715)), C)), 1));
  return {
    name: 'TF.js',
    forward(x, n, timestep) {
      const y = tf.tidy(() => {
        const arg = mul(reshape(mul(tf.tensor2d(x, [n, dim]), scale), [n, dim, 1]), freqs);
        const e = reshape(concat([sin(arg), cos(arg)], 2), [n, dim * emb]);
        const targ = reshape(mul(tf.scalar(timestep), freqs), [1, half]);
        const tbias = add(matMul(concat([sin(targ), cos(targ)], 1), wt), bin);
        let h = gelu(add(matMul(e, wx), tbias));
        for (const blk of blocks) h = add(h, gelu(add(matMul(h, blk.w), blk.b)));
        return add(matMul(h, wo), bo);
      });
      if (async) return y.data().finally(() => y.dispose());
      const out = y.dataSync();
      y.dispose();
      return out;
    },
  };
}

// ---------------------------------------------------------------- ONNX

// A protobuf writer for the few ONNX messages the model needs (onnx.proto3 field numbers).
const varint = (v) => { const b = []; let n = BigInt(v); if (n < 0n) n += 1n << 64n; do { let c = Number(n & 0x7fn); n >>= 7n; if (n) c |= 0x80; b.push(c); } while (n); return b; };
const cat = (parts) => { const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
const fVarint = (f, v) => Uint8Array.from([...varint(f << 3), ...varint(v)]);
const fBytes = (f, bytes) => cat([Uint8Array.from([...varint((f << 3) | 2), ...varint(bytes.length)]), bytes]);
const fStr = (f, s) => fBytes(f, new TextEncoder().encode(s));

const FLOAT = 1;
const INT64 = 7;
function tensorProto(name, dims, values, type = FLOAT) {
  const raw = type === FLOAT ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
  return cat([...dims.map((d) => fVarint(1, d)), fVarint(2, type), fStr(8, name), fBytes(9, raw)]);
}
function valueInfo(name, dims) {
  const shape = cat(dims.map((d) => fBytes(1, typeof d === 'string' ? fStr(2, d) : fVarint(1, d))));
  return cat([fStr(1, name), fBytes(2, fBytes(1, cat([fVarint(1, FLOAT), fBytes(2, shape)])))]);
}
function node(op, inputs, outputs, attrs = []) {
  return cat([...inputs.map((i) => fStr(1, i)), ...outputs.map((o) => fStr(2, o)), fStr(4, op), ...attrs.map((a) => fBytes(5, a))]);
}
const intAttr = (name, v) => cat([fStr(1, name), fVarint(3, v), fVarint(20, 2)]);

/**
 * The network as an ONNX model (opset 13, IR 8): inputs `x` [n, 2] and `t` [1, 1] (the training
 * timestep as a float), output `eps` [n, 2]. GELU written out in primitive ops (Mul, Add, Tanh).
 */
export function onnxModel(L) {
  const { emb_size: emb, dim, input_scale: scale } = L.config;
  const H = L.hidden;
  const init = [];
  const nodes = [];
  const c = (name, dims, values, type) => { init.push(tensorProto(name, dims, values, type)); return name; };
  let k = 0;
  const op = (type, inputs, attrs) => { const out = `v${k++}`; nodes.push(node(type, inputs, [out], attrs)); return out; };
  const half = c('half', [1], [0.5]);
  const one = c('one', [1], [1]);
  const cubic = c('cubic', [1], [0.044715]);
  const root = c('root', [1], [Math.sqrt(2 / Math.PI)]);
  const gelu = (u) => op('Mul', [op('Mul', [u, half]), op('Add', [op('Tanh', [op('Mul', [op('Add', [u, op('Mul', [op('Mul', [op('Mul', [u, u]), u]), cubic])]), root])]), one])]);
  const freqs = c('freqs', [emb / 2], L.freqs);
  // x features: [n, 2] → [n, 2, 1] · freqs → sin, cos → [n, 2, 128] → [n, 256]
  const arg = op('Mul', [op('Reshape', [op('Mul', ['x', c('scale', [1], [scale])]), c('shape3', [3], [-1, dim, 1], INT64)]), freqs]);
  const e = op('Reshape', [op('Concat', [op('Sin', [arg]), op('Cos', [arg])], [intAttr('axis', 2)]), c('shape2', [2], [-1, dim * emb], INT64)]);
  // t features: one row per step, times the t columns of the input layer, plus its bias
  const targ = op('Mul', ['t', freqs]);
  const tbias = op('Add', [op('MatMul', [op('Concat', [op('Sin', [targ]), op('Cos', [targ])], [intAttr('axis', 1)]), c('wt', [emb, H], L.wt)]), c('bin', [H], L.bin)]);
  let h = gelu(op('Add', [op('MatMul', [e, c('wx', [dim * emb, H], L.wx)]), tbias]));
  L.blocks.forEach(({ w, b }, i) => {
    h = op('Add', [h, gelu(op('Add', [op('MatMul', [h, c(`w${i}`, [H, H], w)]), c(`b${i}`, [H], b)]))]);
  });
  nodes.push(node('Add', [op('MatMul', [h, c('wo', [H, L.out], L.wo)]), c('bo', [L.out], L.bo)], ['eps']));
  const graph = cat([
    ...nodes.map((n) => fBytes(1, n)), fStr(2, 'ptheta-denoiser'), ...init.map((t) => fBytes(5, t)),
    fBytes(11, valueInfo('x', ['n', dim])), fBytes(11, valueInfo('t', [1, 1])), fBytes(12, valueInfo('eps', ['n', L.out])),
  ]);
  return cat([fVarint(1, 8), fStr(2, 'ptheta bench'), fBytes(7, graph), fBytes(8, cat([fStr(1, ''), fVarint(2, 13)]))]);
}

/**
 * The ONNX model in ONNX Runtime Web (`provider` wasm, one thread, or webgpu, from its WebGPU
 * bundle): `forward(x, n, timestep)` → Promise of ε̂.
 */
export async function ortPeer(ort, L, provider = 'wasm') {
  const session = await ort.InferenceSession.create(onnxModel(L), { executionProviders: [provider], graphOptimizationLevel: 'all' });
  return {
    name: 'ORT',
    async forward(x, n, timestep) {
      const { eps } = await session.run({ x: new ort.Tensor('float32', x, [n, 2]), t: new ort.Tensor('float32', Float32Array.of(timestep), [1, 1]) });
      return eps.data;
    },
  };
}

// ---------------------------------------------------------------- the reverse step around a peer

/**
 * A chain of `n` samples around `peer`, as a straightforward port runs it: per step the full
 * forward, then x ← (x − eps_coef·ε̂)/√α + σ·z in JS, z standard normal (Box–Muller on a small
 * counter hash). `coefficients`: one step's numbers from pθ's inspector (`eps_coef`, `sqrt_alpha`,
 * `sigma`), used for every step: the cost of a step does not depend on them.
 */
export function peerChain(peer, n, { timestep, eps_coef: epsCoef, sqrt_alpha: sqrtAlpha, sigma }) {
  const x = new Float32Array(n * 2);
  let counter = 0;
  const uniform = () => { let h = Math.imul(++counter ^ 0x9e3779b9, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16; return ((h >>> 0) + 0.5) / 4294967296; };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  for (let i = 0; i < x.length; i++) x[i] = normal();
  return {
    async step(k) {
      for (let s = 0; s < k; s++) {
        const eps = await peer.forward(x, n, timestep);
        for (let i = 0; i < x.length; i++) x[i] = (x[i] - epsCoef * eps[i]) / sqrtAlpha + sigma * normal();
      }
    },
  };
}
