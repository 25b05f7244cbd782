// Draws x_t straight from the history buffer, bound as an instance-rate vertex buffer: one small
// square per sample, no copy and no readback. Trails are earlier history slots drawn fainter.

// `View` comes from the generated prelude (src/gpu/contract.rs).

@group(0) @binding(0) var<uniform> view: View;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
}

@vertex
fn vs_main(@builtin(vertex_index) corner: u32, @location(0) point: vec2<f32>) -> VertexOut {
    // two triangles of a square around the point
    var offsets = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    );
    var out: VertexOut;
    let center = point * view.scale;
    out.position = vec4<f32>(center + offsets[corner] * view.radius, 0.0, 1.0);
    return out;
}

@fragment
fn fs_main() -> @location(0) vec4<f32> {
    // premultiplied alpha, as the canvas is configured
    return vec4<f32>(view.color.rgb * view.color.a, view.color.a);
}
