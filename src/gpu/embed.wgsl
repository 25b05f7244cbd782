// The first stage of the denoiser's forward pass (Denoiser::forward in src/model.rs): sinusoidal
// embeddings of each coordinate of x_t and of the timestep, one row per feature (see below).
// Needs the generated prelude and trig.wgsl in front.

@group(0) @binding(0) var<storage, read> history: array<f32>;
@group(0) @binding(1) var<storage, read> freqs: array<f32>;
@group(0) @binding(2) var<storage, read> time_embedding: array<f32>;
@group(0) @binding(3) var<storage, read_write> features: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

// One invocation per (input dimension or time, frequency, sample), samples fastest: features are
// stored feature-major, features[f * n + sample], so neighbouring invocations touch neighbouring
// words (and the linear layers read them that way). The time part is copied from the table
// computed on the CPU once per chain.
@compute @workgroup_size(WORKGROUP)
fn embed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let half = step.emb_size / 2u;
    let index = gid.x + gid.y * groups.x * WORKGROUP;
    if (index >= step.n * (step.dim + 1u) * half) {
        return;
    }
    let sample = index % step.n;
    let within = index / step.n;
    let part = within / half;
    let j = within % half;
    let f = part * step.emb_size + j;
    if (part < step.dim) {
        let x = history[step.src + sample * step.dim + part];
        let sc = sin_cos((x * step.input_scale) * freqs[j]);
        features[f * step.n + sample] = sc.x;
        features[(f + half) * step.n + sample] = sc.y;
    } else {
        let first = step.i * step.emb_size;
        features[f * step.n + sample] = time_embedding[first + j];
        features[(f + half) * step.n + sample] = time_embedding[first + half + j];
    }
}
