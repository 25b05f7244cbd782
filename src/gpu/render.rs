//! Draws the chain's points on a canvas straight from the GPU history buffer (bound as an
//! instance-rate vertex buffer): no readback per frame. Trails are earlier states still in the
//! ring, drawn fainter. Web only: the surface is a `<canvas>`.

use super::chain::GpuChain;
use super::context::Gpu;
use super::contract::{ViewParams as View, UNIFORM_SLOT};

/// Most states drawn in one frame: the current one and up to this many minus one trails.
pub const MAX_LAYERS: usize = 17;
// one uniform slot (contract::UNIFORM_SLOT) per drawn state

pub struct PointsRenderer {
    surface: wgpu::Surface<'static>,
    canvas: web_sys::HtmlCanvasElement,
    config: Option<wgpu::SurfaceConfiguration>,
    format: wgpu::TextureFormat,
    pipeline: wgpu::RenderPipeline,
    views: wgpu::Buffer,
    group: wgpu::BindGroup,
}

impl PointsRenderer {
    pub fn new(gpu: &Gpu, canvas: web_sys::HtmlCanvasElement) -> Result<Self, String> {
        let surface = gpu
            .instance
            .create_surface(wgpu::SurfaceTarget::Canvas(canvas.clone()))
            .map_err(|e| format!("cannot draw with WebGPU on this canvas: {e}"))?;
        let caps = surface.get_capabilities(&gpu.adapter);
        // an 8-bit format: the list may start with a float one that needs an HDR colour space
        let format = caps
            .formats
            .iter()
            .copied()
            .find(|f| matches!(f, wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Rgba8Unorm))
            .or_else(|| caps.formats.first().copied())
            .ok_or("the canvas offers no WebGPU texture format")?;
        let device = &gpu.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("points"),
            source: wgpu::ShaderSource::Wgsl(super::kernels::points_source().into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("points"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0, // view, one slot per drawn state
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("points"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("points"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: 8,
                    step_mode: wgpu::VertexStepMode::Instance,
                    attributes: &wgpu::vertex_attr_array![0 => Float32x2],
                })],
            },
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            primitive: Default::default(),
            depth_stencil: None,
            multisample: Default::default(),
            multiview_mask: None,
            cache: None,
        });
        let views = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("point views"),
            size: UNIFORM_SLOT * MAX_LAYERS as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("points"),
            layout: &layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &views,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<View>() as u64),
                }),
            }],
        });
        Ok(Self {
            surface,
            canvas,
            config: None,
            format,
            pipeline,
            views,
            group,
        })
    }

    /// Draws x_t and up to `trails` earlier states over [−half, half]² in `color` (RGBA, 0–1).
    pub fn draw(&mut self, chain: &GpuChain, half: f32, trails: usize, color: [f32; 4]) -> Result<(), String> {
        let gpu = chain.gpu();
        let (w, h) = (self.canvas.width().max(1), self.canvas.height().max(1));
        if self.config.as_ref().is_none_or(|c| c.width != w || c.height != h) {
            let config = wgpu::SurfaceConfiguration {
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
                format: self.format,
                width: w,
                height: h,
                present_mode: wgpu::PresentMode::Fifo,
                desired_maximum_frame_latency: 2,
                alpha_mode: wgpu::CompositeAlphaMode::PreMultiplied,
                view_formats: vec![],
                color_space: Default::default(),
            };
            self.surface.configure(&gpu.device, &config);
            self.config = Some(config);
        }
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            other => return Err(format!("the canvas gave no texture to draw on: {other:?}")),
        };
        let target = frame.texture.create_view(&Default::default());
        // oldest first, so the current state lands on top
        let layers: Vec<_> = (0..=trails.min(MAX_LAYERS - 1))
            .rev()
            .filter_map(|back| chain.earlier_state(back).map(|s| (back, s)))
            .collect();
        // the catalog's radius in pixels, as a fraction of the clip square's side of 2
        let radius = crate::catalog::point_radius_px(w as f64) as f32 / w as f32 * 2.0;
        let mut bytes = vec![0u8; UNIFORM_SLOT as usize * MAX_LAYERS];
        for (slot, (back, _)) in layers.iter().enumerate() {
            let alpha = color[3] * crate::catalog::trail_alpha(*back, layers.len()) as f32;
            let view = View {
                scale: 1.0 / half,
                radius,
                _pad0: 0.0,
                _pad1: 0.0,
                color: [color[0], color[1], color[2], alpha],
            };
            let at = slot * UNIFORM_SLOT as usize;
            bytes[at..at + std::mem::size_of::<View>()].copy_from_slice(bytemuck::bytes_of(&view));
        }
        gpu.queue.write_buffer(&self.views, 0, &bytes);
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("points"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            pass.set_pipeline(&self.pipeline);
            for (slot, (_, (buffer, range))) in layers.iter().enumerate() {
                pass.set_bind_group(0, &self.group, &[(slot as u64 * UNIFORM_SLOT) as u32]);
                pass.set_vertex_buffer(0, buffer.slice(range.clone()));
                pass.draw(0..6, 0..chain.samples() as u32);
            }
        }
        gpu.queue.submit([encoder.finish()]);
        gpu.queue.present(frame);
        Ok(())
    }
}
