// The first stage of the denoiser's forward pass (Denoiser::forward in src/model.rs): sinusoidal
// embeddings of each coordinate of x_t and of the timestep, row-major, one row per sample.
// Needs step_params.wgsl in front.

@group(0) @binding(0) var<storage, read> history: array<f32>;
@group(0) @binding(1) var<storage, read> freqs: array<f32>;
@group(0) @binding(2) var<storage, read> time_embedding: array<f32>;
@group(0) @binding(3) var<storage, read_write> features: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

// sin and cos after reducing the argument to [−π, π] with a two-part 2π (Cody–Waite): the
// arguments reach ~100 here and GPU sin/cos are only accurate near zero.
fn sin_cos(a: f32) -> vec2<f32> {
    let k = round(a * 0.15915494309189535);
    let r = (a - k * 6.28125) - k * 0.0019353071795864769;
    return vec2<f32>(sin(r), cos(r));
}

// One invocation per (sample, input dimension, frequency); the time part is copied from the table
// computed on the CPU once per chain.
@compute @workgroup_size(64)
fn embed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let half = step.emb_size / 2u;
    let per_sample = (step.dim + 1u) * half;
    let index = gid.x + gid.y * groups.x * 64u;
    if (index >= step.n * per_sample) {
        return;
    }
    let sample = index / per_sample;
    let within = index % per_sample;
    let part = within / half;
    let j = within % half;
    let row = sample * (step.dim + 1u) * step.emb_size + part * step.emb_size;
    if (part < step.dim) {
        let x = history[step.src + sample * step.dim + part];
        let sc = sin_cos((x * step.input_scale) * freqs[j]);
        features[row + j] = sc.x;
        features[row + half + j] = sc.y;
    } else {
        let first = step.i * step.emb_size;
        features[row + j] = time_embedding[first + j];
        features[row + half + j] = time_embedding[first + half + j];
    }
}
