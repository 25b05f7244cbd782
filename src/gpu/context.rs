//! Device acquisition, kept apart from the work: one [`Gpu`] per page (or test), shared by every
//! chain on it. Asking only whether `navigator.gpu` exists proves nothing; a chain runs on the
//! GPU only after a real adapter and device were granted and their limits checked.

use super::kernels::Kernels;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// Why the GPU cannot be used. Each reads as a sentence the page can show.
#[derive(Clone, Debug, PartialEq)]
pub enum GpuError {
    /// No adapter: WebGPU missing, disabled, or no driver.
    NoAdapter(String),
    /// An adapter, but it refused a device.
    NoDevice(String),
    /// The device is too small for what was asked.
    Limits(String),
    /// The device was lost (destroyed, driver reset, tab evicted) or reported an error.
    Lost(String),
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::NoAdapter(e) => write!(f, "no WebGPU adapter is available: {e}"),
            GpuError::NoDevice(e) => write!(f, "the WebGPU adapter refused a device: {e}"),
            GpuError::Limits(e) => write!(f, "the WebGPU device is too small: {e}"),
            GpuError::Lost(e) => write!(f, "the WebGPU device was lost: {e}"),
        }
    }
}

impl std::error::Error for GpuError {}

/// What the device reported since it was created. The callbacks may run on another thread
/// natively, hence the mutex.
#[derive(Default)]
struct Health {
    lost: Option<String>,
    error: Option<String>,
}

/// The features that let the GPU time a burst of steps itself: the whole pass, and the linear
/// layers inside it.
pub const TIMESTAMPS: wgpu::Features =
    wgpu::Features::TIMESTAMP_QUERY.union(wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES);

/// An adapter, its device and queue, and what became of them.
#[derive(Clone)]
pub struct Gpu {
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub instance: wgpu::Instance,
    health: Arc<Mutex<Health>>,
    kernels: Arc<OnceLock<Kernels>>,
}

impl Gpu {
    /// Asks for a high-performance adapter and a device with the adapter's own limits (and,
    /// natively, its timestamp queries, which `ptheta bench-gpu` times the kernels with).
    pub async fn request() -> Result<Gpu, GpuError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = if cfg!(target_arch = "wasm32") {
            wgpu::Backends::BROWSER_WEBGPU
        } else {
            wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY)
        };
        let instance = wgpu::Instance::new(desc);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("ptheta"),
                required_features: if cfg!(target_arch = "wasm32") {
                    wgpu::Features::empty()
                } else {
                    adapter.features() & TIMESTAMPS
                },
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoDevice(e.to_string()))?;
        let health = Arc::new(Mutex::new(Health::default()));
        let on_lost = health.clone();
        device.set_device_lost_callback(move |reason, message| {
            on_lost.lock().unwrap().lost = Some(format!("{reason:?}{}", sentence(&message)));
        });
        // wgpu's default handler panics; an error here means the chain's results can no longer
        // be trusted, which the chain reports like a loss.
        let on_error = health.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut h = on_error.lock().unwrap();
            h.error.get_or_insert_with(|| e.to_string());
        }));
        let gpu = Gpu {
            adapter,
            device,
            queue,
            instance,
            health,
            kernels: Arc::default(),
        };
        gpu.check_limits()?;
        Ok(gpu)
    }

    /// The limits every kernel here relies on, whatever the chain's size.
    fn check_limits(&self) -> Result<(), GpuError> {
        let l = self.device.limits();
        let needs = [
            (
                "maxComputeInvocationsPerWorkgroup",
                l.max_compute_invocations_per_workgroup,
                64,
            ),
            ("maxComputeWorkgroupSizeX", l.max_compute_workgroup_size_x, 64),
            (
                "maxStorageBuffersPerShaderStage",
                l.max_storage_buffers_per_shader_stage,
                4,
            ),
            (
                "maxDynamicUniformBuffersPerPipelineLayout",
                l.max_dynamic_uniform_buffers_per_pipeline_layout,
                1,
            ),
        ];
        for (name, have, need) in needs {
            if have < need {
                return Err(GpuError::Limits(format!("{name} is {have}, the kernels need {need}")));
            }
        }
        Ok(())
    }

    /// The pipelines, compiled on first use and shared by every chain on this device.
    pub fn kernels(&self) -> &Kernels {
        self.kernels.get_or_init(|| Kernels::new(&self.device))
    }

    /// Largest storage binding and buffer, in bytes.
    pub fn max_binding_bytes(&self) -> u64 {
        let l = self.device.limits();
        l.max_storage_buffer_binding_size.min(l.max_buffer_size)
    }

    /// `Some(reason)` once the device was lost or reported an error: from then on nothing it
    /// computes is used.
    pub fn failure(&self) -> Option<String> {
        let h = self.health.lock().unwrap();
        h.lost
            .clone()
            .map(|l| format!("the WebGPU device was lost ({l})"))
            .or_else(|| {
                h.error
                    .clone()
                    .map(|e| format!("the WebGPU device reported an error: {e}"))
            })
    }

    /// Destroys the device, as a driver reset would: for tests and for showing the fallback.
    pub fn destroy(&self) {
        self.device.destroy();
    }

    /// The adapter's name and backend, as wgpu reports them (the browser reports vendor and
    /// architecture to JS itself).
    pub fn describe(&self) -> String {
        let info = self.adapter.get_info();
        let name = if info.name.is_empty() {
            "unnamed adapter"
        } else {
            &info.name
        };
        format!("{name} ({:?}, {:?})", info.backend, info.device_type)
    }
}

fn sentence(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}
