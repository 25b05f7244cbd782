//! The Rust↔WGSL contract, written once: the codes of parameterizations and variances, the fields
//! of the inspector's record, the noise streams and Philox constants, the workgroup width, the
//! uniform slot size, and every struct both sides read. [`prelude`] emits them as WGSL, and
//! `kernels.rs` puts it in front of every kernel, so the `.wgsl` files use these names and never
//! declare them. `tests/wgsl_contract.rs` parses the kernels with naga and checks every struct's
//! field offsets and size against the Rust layout.

use crate::diffusion::rng::{self, Stream};
use crate::diffusion::{Parameterization, Variance};

/// Invocations per workgroup of the element-wise kernels (embed, linear, step, histogram).
pub const WORKGROUP: u32 = 64;
/// Outputs per invocation in linear.wgsl.
pub const LINEAR_COLS: u32 = 4;
/// One block shape of linear_tiled.wgsl: a workgroup of `threads_x` × `threads_y` invocations
/// computes a block of `4 · threads_x` samples × `4 · threads_y` output features, each invocation
/// 4 × 4 of it, from tiles of the inputs and the weights staged in workgroup memory `k` inputs at a
/// time. Every shape is compiled as its own module with [`TileShape::wgsl`] in front of the
/// kernel; `ptheta bench-gpu` times them side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileShape {
    pub name: &'static str,
    pub threads_x: u32,
    pub threads_y: u32,
    pub k: u32,
    /// compiled natively without wgpu's runtime checks (bounds, loop bounding, division guards):
    /// the kernel clamps or guards every index itself, every loop ends, and every divisor is a
    /// non-zero constant
    pub trusted: bool,
}

impl TileShape {
    /// Samples of the block one workgroup computes.
    pub const fn block_samples(&self) -> u32 {
        4 * self.threads_x
    }
    /// Output features of the block one workgroup computes.
    pub const fn block_outputs(&self) -> u32 {
        4 * self.threads_y
    }
    /// Bytes of workgroup memory: the two staged tiles.
    pub const fn workgroup_bytes(&self) -> u32 {
        4 * self.k * (self.block_samples() + self.block_outputs())
    }
    /// The shape as the WGSL constants linear_tiled.wgsl is written against.
    pub fn wgsl(&self) -> String {
        format!(
            "const TILE_THREADS_X: u32 = {}u;\nconst TILE_THREADS_Y: u32 = {}u;\nconst TILE_K: u32 = {}u;\n",
            self.threads_x, self.threads_y, self.k
        )
    }
}

/// The tiled kernel's shapes, named samples × outputs of a block. Each stays within WebGPU's
/// default limits (256 invocations, 16 KiB of workgroup memory) so it compiles on any device.
/// On an NVIDIA H200 (`ptheta bench-gpu`, README) 64 × 64 blocks ran as fast as or faster than
/// 64 × 128, 128 × 64, 32 × 64 and 32 × 128 blocks, 4 × 8 or 8 × 8 per invocation, or 32 inputs
/// at a time; without the runtime checks they ran 1.3× faster.
pub const TILE_SHAPES: [TileShape; 2] = [
    TileShape {
        name: "tiled-64x64",
        threads_x: 16,
        threads_y: 16,
        k: 16,
        trusted: false,
    },
    TileShape {
        name: "tiled-64x64-trusted",
        threads_x: 16,
        threads_y: 16,
        k: 16,
        trusted: true,
    },
];

/// A block of mlp_fused.wgsl: the samples one workgroup takes through every layer, each
/// invocation 4 samples × 4 outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FusedBlock {
    pub name: &'static str,
    pub samples: u32,
}

/// mlp_fused.wgsl's blocks that `ptheta bench-gpu` compares. On an NVIDIA H200 `fused-16` ran
/// fastest at every size measured, `fused-32` 1.04–1.24× slower (README).
pub const FUSED_BLOCKS: [FusedBlock; 2] = [
    FusedBlock {
        name: "fused-16",
        samples: 16,
    },
    FusedBlock {
        name: "fused-32",
        samples: 32,
    },
];

/// The shape mlp_fused.wgsl is compiled for: a model's hidden width and layer count, and the
/// samples one workgroup takes through every layer (its invocations: `samples / 4` along the
/// samples, `hidden / 4` along the outputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FusedShape {
    pub hidden: u32,
    pub layers: u32,
    pub samples: u32,
}

impl FusedShape {
    pub const fn invocations(&self) -> u32 {
        (self.samples / 4) * (self.hidden / 4)
    }
    /// Bytes of workgroup memory: one activation buffer, `hidden` f32s a sample.
    pub const fn workgroup_bytes(&self) -> u32 {
        4 * self.hidden * self.samples
    }
    /// Why a model of these layers ([in, out] each) cannot run fused on a device with these
    /// limits, if it cannot.
    pub fn fits(&self, layers: &[(usize, usize)], limits: &wgpu::Limits) -> Result<(), String> {
        let h = self.hidden as usize;
        let last = layers.len().checked_sub(1).ok_or("a model without layers")?;
        // the first layer's outputs are the hidden layers' inputs, the last layer's apart
        if layers.len() < 2 {
            return Err("the fused kernel needs at least two layers".into());
        }
        if layers.len() != self.layers as usize || !h.is_multiple_of(4) {
            return Err(format!("compiled for {} layers of width {h}", self.layers));
        }
        if self.samples == 0 || !self.samples.is_multiple_of(4) {
            return Err(format!("no block of {} samples", self.samples));
        }
        for (l, &(i, o)) in layers.iter().enumerate() {
            let inner_in = l == 0 || i == h;
            let inner_out = if l == last { o <= h } else { o == h };
            if !(inner_in && inner_out) {
                return Err(format!("layer {l} is {i} → {o}, not of width {h}"));
            }
        }
        let checks = [
            (
                "maxComputeWorkgroupStorageSize",
                limits.max_compute_workgroup_storage_size,
                self.workgroup_bytes(),
            ),
            (
                "maxComputeInvocationsPerWorkgroup",
                limits.max_compute_invocations_per_workgroup,
                self.invocations(),
            ),
            (
                "maxComputeWorkgroupSizeY",
                limits.max_compute_workgroup_size_y,
                self.hidden / 4,
            ),
        ];
        for (name, have, need) in checks {
            if have < need {
                return Err(format!("{name} is {have}, the fused kernel needs {need}"));
            }
        }
        Ok(())
    }
    /// The shape as the WGSL constants mlp_fused.wgsl is written against.
    pub fn wgsl(&self) -> String {
        format!(
            "const FUSED_HIDDEN: u32 = {}u;\nconst FUSED_LAYERS: u32 = {}u;\nconst FUSED_SAMPLES: u32 = {}u;\n",
            self.hidden, self.layers, self.samples
        )
    }
}

/// Bytes between uniform slots selected by dynamic offset (a chain's steps, the renderer's
/// layers): WebGPU's minUniformBufferOffsetAlignment, the largest
/// it may be, so one layout works on every device.
pub const UNIFORM_SLOT: u64 = 256;

/// The code a kernel switches on for each parameterization.
pub fn parameterization_code(p: Parameterization) -> u32 {
    match p {
        Parameterization::Epsilon => 0,
        Parameterization::X0 => 1,
        Parameterization::V => 2,
        Parameterization::Mean => 3,
        Parameterization::MeanVariance => 4,
        Parameterization::EpsilonVariance => 5,
    }
}

/// The code a kernel switches on for each variance choice.
pub fn variance_code(v: Variance) -> u32 {
    match v {
        Variance::FixedSmall => 0,
        Variance::FixedLarge => 1,
        Variance::Learned => 2,
    }
}

/// The inspector's record: `dim` floats per field, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordField {
    XT,
    Eps,
    X0,
    Mean,
    LogVariance,
    Sigma,
    Z,
    XPrev,
    Raw,
    RawVariance,
}

impl RecordField {
    pub const ALL: [RecordField; 10] = [
        RecordField::XT,
        RecordField::Eps,
        RecordField::X0,
        RecordField::Mean,
        RecordField::LogVariance,
        RecordField::Sigma,
        RecordField::Z,
        RecordField::XPrev,
        RecordField::Raw,
        RecordField::RawVariance,
    ];
    /// Fields in the record.
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    fn wgsl_name(self) -> &'static str {
        match self {
            RecordField::XT => "R_X_T",
            RecordField::Eps => "R_EPS",
            RecordField::X0 => "R_X0",
            RecordField::Mean => "R_MEAN",
            RecordField::LogVariance => "R_LOG_VARIANCE",
            RecordField::Sigma => "R_SIGMA",
            RecordField::Z => "R_Z",
            RecordField::XPrev => "R_X_PREV",
            RecordField::Raw => "R_RAW",
            RecordField::RawVariance => "R_RAW_VARIANCE",
        }
    }
}

/// A `#[repr(C)]` struct shared with WGSL: the Rust struct, its WGSL declaration (`WGSL`) and
/// its fields' names, WGSL types and byte offsets (`FIELDS`), all from one list. Fields must be
/// 4-byte scalars or vectors whose WGSL alignment the Rust offsets already meet; the naga test
/// checks that they do.
macro_rules! gpu_struct {
    ($(#[$m:meta])* $name:ident as $wgsl:literal {
        $($(#[$fm:meta])* $field:ident : $rty:ty = $wty:literal),* $(,)?
    }) => {
        $(#[$m])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
        pub struct $name {
            $($(#[$fm])* pub $field: $rty),*
        }
        impl $name {
            /// The WGSL declaration, generated from the Rust fields.
            pub const WGSL: &'static str =
                concat!("struct ", $wgsl, " {\n", $("    ", stringify!($field), ": ", $wty, ",\n",)* "}\n");
            /// (name, WGSL type, byte offset) of every field.
            pub const FIELDS: &'static [(&'static str, &'static str, usize)] =
                &[$((stringify!($field), $wty, std::mem::offset_of!($name, $field))),*];
            /// The struct's name in WGSL.
            pub const WGSL_NAME: &'static str = $wgsl;
        }
    };
}

gpu_struct! {
    /// The per-step uniform, one [`UNIFORM_SLOT`] per schedule index (plus one for the prior), written
    /// once per chain; a step selects its slot with a dynamic offset, so stepping writes nothing.
    StepParams as "StepParams" {
        /// schedule index i = t − 1 of this step
        i: u32 = "u32",
        /// element offsets of x_t and x_{t−1} in the history buffer
        src: u32 = "u32",
        dst: u32 = "u32",
        n: u32 = "u32",
        dim: u32 = "u32",
        /// outputs per sample of the network
        out_dim: u32 = "u32",
        /// [`parameterization_code`]
        parameterization: u32 = "u32",
        /// [`variance_code`]
        variance: u32 = "u32",
        seed: [u32; 2] = "vec2<u32>",
        add_noise: u32 = "u32",
        emb_size: u32 = "u32",
        input_scale: f32 = "f32",
        sqrt_recip_alpha_bar: f32 = "f32",
        sqrt_recipm1_alpha_bar: f32 = "f32",
        sqrt_alpha_bar: f32 = "f32",
        sqrt_one_minus_alpha_bar: f32 = "f32",
        posterior_mean_coef1: f32 = "f32",
        posterior_mean_coef2: f32 = "f32",
        posterior_log_variance_clipped: f32 = "f32",
        fixed_large_log_variance: f32 = "f32",
        log_beta: f32 = "f32",
        // WGSL rounds the struct up to a multiple of its 8-byte alignment (from `seed`)
        _pad0: u32 = "u32",
        _pad1: u32 = "u32",
    }
}

gpu_struct! {
    /// One linear layer of the denoiser (linear.wgsl): dst = act(src · Wᵀ + b) (+ src).
    LayerParams as "Layer" {
        n: u32 = "u32",
        in_dim: u32 = "u32",
        out_dim: u32 = "u32",
        weight_offset: u32 = "u32",
        bias_offset: u32 = "u32",
        /// 0: none, 1: GELU (tanh approximation, as candle's `gelu`)
        activation: u32 = "u32",
        /// 1: add the input back (needs in_dim == out_dim)
        residual: u32 = "u32",
        /// mlp_fused.wgsl: where the layer's transposed weights start, in vec4s
        weight_t_offset: u32 = "u32",
    }
}

gpu_struct! {
    /// The histogram kernel's grid (see crate::histogram for the binning both sides share).
    HistogramParams as "HistogramParams" {
        offset: u32 = "u32",
        n: u32 = "u32",
        dim: u32 = "u32",
        bins: u32 = "u32",
        half: f32 = "f32",
        /// bins / (2·half), computed once on the CPU so both sides bin alike
        scale: f32 = "f32",
        _pad0: u32 = "u32",
        _pad1: u32 = "u32",
    }
}

gpu_struct! {
    /// Which sample the inspect kernel records.
    InspectParams as "InspectParams" {
        sample: u32 = "u32",
        _pad0: u32 = "u32",
        _pad1: u32 = "u32",
        _pad2: u32 = "u32",
    }
}

gpu_struct! {
    /// points.wgsl: how data units map to the canvas and how a point looks.
    ViewParams as "View" {
        /// data units → clip space: clip = position * scale
        scale: f32 = "f32",
        /// half the side of a point, in clip units
        radius: f32 = "f32",
        _pad0: f32 = "f32",
        _pad1: f32 = "f32",
        color: [f32; 4] = "vec4<f32>",
    }
}

/// Every constant and struct of the contract as WGSL, to go in front of each kernel.
pub fn prelude() -> String {
    let mut out = String::from("// Generated from src/gpu/contract.rs: do not declare these in the kernels.\n");
    let mut c = |name: &str, value: String| out.push_str(&format!("const {name}: u32 = {value};\n"));
    c("WORKGROUP", format!("{WORKGROUP}u"));
    c("LINEAR_COLS", format!("{LINEAR_COLS}u"));
    for p in Parameterization::ALL {
        let name = format!("P_{}", p.name().to_uppercase().replace('-', "_"));
        c(&name, format!("{}u", parameterization_code(p)));
    }
    for v in Variance::ALL {
        let name = format!("V_{}", v.name().to_uppercase().replace('-', "_"));
        c(&name, format!("{}u", variance_code(v)));
    }
    for f in RecordField::ALL {
        c(f.wgsl_name(), format!("{}u", f.index()));
    }
    c("RECORD_FIELDS", format!("{}u", RecordField::COUNT));
    c("STREAM_PRIOR", format!("{}u", Stream::Prior as u32));
    c("STREAM_CHAIN", format!("{}u", Stream::Chain as u32));
    for (name, value) in rng::PHILOX_CONSTANTS {
        c(&format!("PHILOX_{name}"), format!("0x{value:08X}u"));
    }
    for s in [
        StepParams::WGSL,
        LayerParams::WGSL,
        HistogramParams::WGSL,
        InspectParams::WGSL,
        ViewParams::WGSL,
    ] {
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tile_shape_fits_webgpus_default_limits() {
        for s in TILE_SHAPES {
            assert!(s.threads_x * s.threads_y <= 256, "{}: too many invocations", s.name);
            assert!(s.workgroup_bytes() <= 16 << 10, "{}: too much workgroup memory", s.name);
        }
    }

    #[test]
    fn every_struct_fits_its_slot_and_is_16_byte_sized() {
        assert!(std::mem::size_of::<StepParams>() as u64 <= UNIFORM_SLOT);
        for size in [
            std::mem::size_of::<StepParams>(),
            std::mem::size_of::<LayerParams>(),
            std::mem::size_of::<HistogramParams>(),
            std::mem::size_of::<InspectParams>(),
            std::mem::size_of::<ViewParams>(),
        ] {
            assert_eq!(size % 16, 0, "uniform structs are multiples of 16 bytes");
        }
    }
}
