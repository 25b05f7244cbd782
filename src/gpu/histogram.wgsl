// Counts x_t of every sample in a bins × bins grid over [−half, half]²: the summary the page reads
// back instead of every position. Row 0 is y = −half.

// Binned exactly as src/histogram.rs, with the scale it computes (HistogramParams, from the
// generated prelude).

@group(0) @binding(0) var<storage, read> history: array<f32>;
@group(0) @binding(1) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> hist: HistogramParams;

@compute @workgroup_size(WORKGROUP)
fn histogram(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let sample = gid.x + gid.y * groups.x * WORKGROUP;
    if (sample >= hist.n) {
        return;
    }
    let x = history[hist.offset + sample * hist.dim];
    let y = history[hist.offset + sample * hist.dim + 1u];
    let bx = floor((x + hist.half) * hist.scale);
    let by = floor((y + hist.half) * hist.scale);
    if (bx < 0.0 || by < 0.0 || bx >= f32(hist.bins) || by >= f32(hist.bins)) {
        return;
    }
    atomicAdd(&counts[u32(by) * hist.bins + u32(bx)], 1u);
}
