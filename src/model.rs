//! The denoiser: an MLP over sinusoidal embeddings of the input coordinates and of t, with
//! residual blocks. Defined once with candle and used by training and inference alike; its
//! weights travel as safetensors with the configuration in the file's metadata.

use crate::catalog::{self, Limit};
use crate::cpu_mlp::PackedMlp;
use crate::data::Dataset;
use crate::diffusion::{Parameterization, ScheduleKind};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{linear, Linear, VarBuilder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// Metadata key under which the configuration is stored in the safetensors header.
pub const CONFIG_KEY: &str = "ptheta.config";
/// Bumped when the architecture or the meaning of a field changes.
pub const FORMAT_VERSION: u32 = 1;

/// Everything needed to rebuild the network and to use it correctly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub format_version: u32,
    /// Data dimension, its dataset's ([`Dataset::dim`]): 2 in the plane, 64 for the digits.
    pub dim: usize,
    /// Sinusoidal embedding size for each input coordinate and for t.
    pub emb_size: usize,
    /// Width of the hidden layers.
    pub hidden: usize,
    /// Number of residual blocks.
    pub blocks: usize,
    /// Input coordinates are multiplied by this before the embedding, so that features are
    /// fine enough for structure at the data's scale.
    pub input_scale: f64,
    pub parameterization: Parameterization,
    pub schedule: ScheduleKind,
    /// T the model was trained with.
    pub timesteps: usize,
    /// Name of the dataset (or CSV file) it was trained on.
    pub dataset: String,
    pub train_steps: usize,
    pub seed: u64,
}

impl ModelConfig {
    /// The architecture of the shipped models of `dataset`: [`ModelConfig::standard`] in the
    /// plane; for images, one embedding per pixel as in the plane but with fewer, lower
    /// frequencies (a pixel's value matters at the scale of its 17 ink levels, not of a moon's
    /// thickness) and wider hidden layers for 64 outputs: about 0.5 M parameters.
    pub fn for_dataset(
        dataset: Dataset,
        parameterization: Parameterization,
        schedule: ScheduleKind,
        timesteps: usize,
    ) -> Self {
        let standard = Self::standard(parameterization, schedule, timesteps);
        if dataset.is_plane() {
            return standard;
        }
        Self {
            dim: dataset.dim(),
            emb_size: 16,
            hidden: 256,
            blocks: 3,
            input_scale: 4.0,
            ..standard
        }
    }

    /// The architecture of every shipped model in the plane (about 99k parameters).
    pub fn standard(parameterization: Parameterization, schedule: ScheduleKind, timesteps: usize) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            dim: 2,
            emb_size: 128,
            hidden: 128,
            blocks: 3,
            input_scale: 25.0,
            parameterization,
            schedule,
            timesteps,
            dataset: String::new(),
            train_steps: 0,
            seed: 0,
        }
    }

    pub fn output_dim(&self) -> usize {
        self.parameterization.output_dim(self.dim)
    }

    /// Width of the input layer: the embeddings of every coordinate and of t.
    pub fn input_width(&self) -> usize {
        self.dim.saturating_add(1).saturating_mul(self.emb_size)
    }

    /// Names and shapes of the tensors this architecture needs, in a stable order. Meaningful for
    /// a configuration that passed [`ModelConfig::check`] (shapes saturate rather than wrap).
    pub fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let h = self.hidden;
        let mut v = vec![
            ("input.weight".to_string(), vec![h, self.input_width()]),
            ("input.bias".to_string(), vec![h]),
        ];
        for b in 0..self.blocks {
            v.push((format!("blocks.{b}.weight"), vec![h, h]));
            v.push((format!("blocks.{b}.bias"), vec![h]));
        }
        v.push(("output.weight".to_string(), vec![self.output_dim(), h]));
        v.push(("output.bias".to_string(), vec![self.output_dim()]));
        v
    }

    pub fn parameter_count(&self) -> usize {
        self.tensor_shapes()
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum()
    }

    /// Every field within what pθ accepts (the catalog's limits), before anything the
    /// configuration describes is allocated: a file from anywhere must not make a reader build
    /// a network of gigabytes or a schedule of billions of steps.
    pub fn check(&self) -> Result<(), WeightsError> {
        if self.format_version != FORMAT_VERSION {
            return Err(WeightsError::BadConfig(format!(
                "format version {} is not the supported {FORMAT_VERSION}",
                self.format_version
            )));
        }
        let out_of_range = |field: &'static str, value: String, accepts: String| {
            Err(WeightsError::ConfigOutOfRange { field, value, accepts })
        };
        let within = |field: &'static str, value: usize, limit: Limit| match limit.check(field, value) {
            Ok(_) => Ok(()),
            Err(_) => out_of_range(field, value.to_string(), limit.accepts()),
        };
        if !Dataset::ALL.iter().any(|d| d.dim() == self.dim) {
            let dims: Vec<String> = Dataset::ALL.iter().map(|d| d.dim().to_string()).collect();
            return out_of_range(
                "dim",
                self.dim.to_string(),
                format!("the dimension of one of pθ's datasets: {}", dedup(dims).join(" or ")),
            );
        }
        within("emb_size", self.emb_size, catalog::EMBEDDING)?;
        if !self.emb_size.is_multiple_of(2) {
            return out_of_range(
                "emb_size",
                self.emb_size.to_string(),
                format!(
                    "an even number (sin and cos pairs) from {} to {}",
                    catalog::EMBEDDING.min,
                    catalog::EMBEDDING.max
                ),
            );
        }
        // the input layer's width bounds a forward's memory (catalog::INPUT_FEATURES)
        if !catalog::INPUT_FEATURES.contains(self.input_width() as u64) {
            return out_of_range(
                "dim and emb_size",
                format!("{} and {}", self.dim, self.emb_size),
                format!("(dim + 1) · emb_size of at most {}", catalog::INPUT_FEATURES.max),
            );
        }
        within("hidden", self.hidden, catalog::HIDDEN)?;
        within("blocks", self.blocks, catalog::BLOCKS)?;
        within("timesteps", self.timesteps, catalog::TIMESTEPS)?;
        within(
            "train_steps",
            self.train_steps,
            Limit {
                min: 0,
                ..catalog::ITERATIONS
            },
        )?;
        if catalog::NAME_BYTES.check("dataset", self.dataset.len()).is_err() {
            return out_of_range(
                "dataset",
                format!("a name of {} bytes", self.dataset.len()),
                format!("a name of at most {} bytes", catalog::NAME_BYTES.max),
            );
        }
        if !(self.input_scale.is_finite() && self.input_scale > 0.0 && self.input_scale <= catalog::INPUT_SCALE_MAX) {
            return out_of_range(
                "input_scale",
                format!("{:?}", self.input_scale),
                format!("a number above 0 and at most {}", catalog::INPUT_SCALE_MAX),
            );
        }
        // The limits above keep this far from overflow; checked all the same, since the sizes multiply.
        let bytes = self
            .tensor_shapes()
            .iter()
            .try_fold(0usize, |acc, (_, shape)| {
                shape
                    .iter()
                    .try_fold(4usize, |n, &d| n.checked_mul(d))
                    .and_then(|n| acc.checked_add(n))
            })
            .filter(|&b| b as u64 <= catalog::WEIGHTS_BYTES.max);
        if bytes.is_none() {
            return out_of_range(
                "hidden and blocks",
                format!("{} and {}", self.hidden, self.blocks),
                format!("a network of at most {} bytes", catalog::WEIGHTS_BYTES.max),
            );
        }
        Ok(())
    }
}

/// Why a weights file was refused.
#[derive(Debug)]
pub enum WeightsError {
    /// Larger than any weights file pθ accepts ([`catalog::WEIGHTS_BYTES`]).
    TooLarge {
        bytes: usize,
    },
    /// Not parseable as safetensors at all.
    NotSafetensors(String),
    /// Shorter than its own header says.
    Truncated(String),
    /// No pθ configuration in the metadata, or one we cannot read.
    BadConfig(String),
    /// A configuration field outside what pθ accepts (the catalog's limits).
    ConfigOutOfRange {
        field: &'static str,
        value: String,
        accepts: String,
    },
    /// A tensor is missing, unexpected, of the wrong type or shape.
    ArchitectureMismatch(String),
    /// A weight is NaN or infinite.
    NonFinite {
        tensor: String,
        index: usize,
    },
    /// Finite weights whose network gives NaN or infinity on the load-time probe: a chain would
    /// turn every sample into NaN.
    NonFiniteOutput {
        x: Vec<f32>,
        timestep: usize,
    },
    Candle(String),
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::TooLarge { bytes } => write!(
                f,
                "weights file is {bytes} bytes, more than the {} pθ accepts",
                catalog::WEIGHTS_BYTES.max
            ),
            WeightsError::NotSafetensors(e) => write!(f, "not a safetensors weights file: {e}"),
            WeightsError::Truncated(e) => write!(f, "weights file is truncated: {e}"),
            WeightsError::BadConfig(e) => write!(f, "weights file has no usable pθ configuration: {e}"),
            WeightsError::ConfigOutOfRange { field, value, accepts } => {
                write!(
                    f,
                    "weights configuration field '{field}' is {value}; pθ accepts {accepts}"
                )
            }
            WeightsError::ArchitectureMismatch(e) => {
                write!(f, "weights do not match the architecture in their configuration: {e}")
            }
            WeightsError::NonFinite { tensor, index } => {
                write!(f, "weights hold NaN or infinity: tensor '{tensor}' at index {index}")
            }
            WeightsError::NonFiniteOutput { x, timestep } => {
                // an image's 64 values would bury the message: its first few say which probe
                const SHOWN: usize = 4;
                let mut values: Vec<String> = x.iter().take(SHOWN).map(f32::to_string).collect();
                if x.len() > SHOWN {
                    values.push(format!("… ({} values)", x.len()));
                }
                write!(
                    f,
                    "the network gives NaN or infinity at x = ({}), t = {}: these weights cannot sample",
                    values.join(", "),
                    timestep + 1
                )
            }
            WeightsError::Candle(e) => write!(f, "tensor error: {e}"),
        }
    }
}

impl std::error::Error for WeightsError {}

impl From<candle_core::Error> for WeightsError {
    fn from(e: candle_core::Error) -> Self {
        WeightsError::Candle(e.to_string())
    }
}

/// The `size/2` frequencies of the sinusoidal features, from 1 down to 1/10000.
pub fn frequencies(size: usize) -> Vec<f32> {
    let half = size / 2;
    (0..half)
        .map(|i| (-(10_000f64.ln()) * i as f64 / (half - 1) as f64).exp() as f32)
        .collect()
}

/// One linear layer's parameters, flattened for upload to the GPU: `weight` is [out, in] row-major.
pub struct FlatLayer {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub in_dim: usize,
    pub out_dim: usize,
}

/// Sinusoidal features of a column vector `x` ([n, 1]): sin and cos at `size/2` geometric
/// frequencies from 1 to 1/10000, after multiplying by `scale`.
fn sinusoidal(x: &Tensor, size: usize, scale: f64) -> candle_core::Result<Tensor> {
    let half = size / 2;
    let freqs = Tensor::from_vec(frequencies(size), (1, half), x.device())?;
    let arg = (x * scale)?.broadcast_mul(&freqs)?;
    Tensor::cat(&[arg.sin()?, arg.cos()?], 1)
}

/// The network. `forward` maps (x_t, training timestep) to the raw output its parameterization
/// gives meaning to.
pub struct Denoiser {
    pub config: ModelConfig,
    input: Linear,
    blocks: Vec<Linear>,
    output: Linear,
    /// The same weights packed for the CPU chain's fused forward ([`crate::cpu_mlp`]): only for a
    /// network loaded from a file, whose weights never change (a network in training has none).
    packed: Option<PackedMlp>,
}

impl Denoiser {
    /// Builds the layers from `vb`: fresh variables when training, loaded tensors otherwise.
    pub fn new(config: ModelConfig, vb: VarBuilder) -> candle_core::Result<Self> {
        let h = config.hidden;
        let input = linear((config.dim + 1) * config.emb_size, h, vb.pp("input"))?;
        let blocks = (0..config.blocks)
            .map(|b| linear(h, h, vb.pp(format!("blocks.{b}"))))
            .collect::<candle_core::Result<Vec<_>>>()?;
        let output = linear(h, config.output_dim(), vb.pp("output"))?;
        Ok(Self {
            config,
            input,
            blocks,
            output,
            packed: None,
        })
    }

    /// The packed weights of the fused CPU forward, for a network loaded from a file.
    pub fn packed(&self) -> Option<&PackedMlp> {
        self.packed.as_ref()
    }

    /// `x`: `[n, dim]` f32, `t`: `[n]` f32 training timestep indices (0-based). Returns `[n, out]`.
    /// The reference forward: training differentiates it; the CPU chain runs the fused
    /// [`crate::cpu_mlp`] forward of a loaded network, tested against it.
    pub fn forward(&self, x: &Tensor, t: &Tensor) -> candle_core::Result<Tensor> {
        let c = &self.config;
        // Every coordinate's features at once (a 64-pixel image made 64 narrow/sin/cos/cat chains,
        // most of a training step): row-major [n · dim, emb] is [n, dim · emb] with coordinate d's
        // sin and cos at d · emb, as the input layer expects.
        let n = x.dim(0)?;
        let coords =
            sinusoidal(&x.reshape((n * c.dim, 1))?, c.emb_size, c.input_scale)?.reshape((n, c.dim * c.emb_size))?;
        let time = sinusoidal(&t.unsqueeze(1)?, c.emb_size, 1.0)?;
        let mut h = self.input.forward(&Tensor::cat(&[coords, time], 1)?)?.gelu()?;
        for b in &self.blocks {
            h = (&h + b.forward(&h)?.gelu()?)?;
        }
        self.output.forward(&h)
    }

    /// Convenience for plain slices: `x` row-major [n, dim], one timestep for all rows.
    pub fn forward_slice(&self, x: &[f32], timestep: usize) -> candle_core::Result<Vec<f32>> {
        let n = x.len() / self.config.dim;
        let dev = Device::Cpu;
        let xt = Tensor::from_slice(x, (n, self.config.dim), &dev)?;
        let tt = Tensor::full(timestep as f32, n, &dev)?;
        self.forward(&xt, &tt)?.flatten_all()?.to_vec1::<f32>()
    }

    /// The layers in evaluation order: input, the residual blocks, output.
    pub fn flat_layers(&self) -> candle_core::Result<Vec<FlatLayer>> {
        std::iter::once(&self.input)
            .chain(&self.blocks)
            .chain(std::iter::once(&self.output))
            .map(|l| {
                let (out_dim, in_dim) = l.weight().dims2()?;
                Ok(FlatLayer {
                    weight: l.weight().flatten_all()?.to_vec1()?,
                    bias: l.bias().map_or(Ok(vec![0.0; out_dim]), |b| b.to_vec1())?,
                    in_dim,
                    out_dim,
                })
            })
            .collect()
    }

    /// The time part of the input features for each training timestep, [timesteps.len(), emb_size],
    /// computed by the same code as `forward`, so another backend can reuse it exactly.
    pub fn time_embedding(&self, timesteps: &[usize]) -> candle_core::Result<Vec<f32>> {
        let t: Vec<f32> = timesteps.iter().map(|&t| t as f32).collect();
        let t = Tensor::from_vec(t, (timesteps.len(), 1), &Device::Cpu)?;
        sinusoidal(&t, self.config.emb_size, 1.0)?.flatten_all()?.to_vec1()
    }

    /// Parses and validates a weights file: its size, its configuration and every tensor's name,
    /// type and shape before any tensor is copied, every weight finite, and the network's output
    /// finite on a probe batch.
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self, WeightsError> {
        let config = read_config(bytes)?;
        let st = safetensors::SafeTensors::deserialize(bytes).map_err(classify)?;
        let expected = config.tensor_shapes();
        let mut views = Vec::with_capacity(expected.len());
        for (name, shape) in &expected {
            let view = st
                .tensor(name)
                .map_err(|_| WeightsError::ArchitectureMismatch(format!("missing tensor '{name}'")))?;
            if !matches!(view.dtype(), safetensors::Dtype::F32 | safetensors::Dtype::F16) {
                return Err(WeightsError::ArchitectureMismatch(format!(
                    "tensor '{name}' is {:?}, expected F32 or F16",
                    view.dtype()
                )));
            }
            if view.shape() != shape.as_slice() {
                return Err(WeightsError::ArchitectureMismatch(format!(
                    "tensor '{name}' has shape {:?}, the configuration needs {:?}",
                    view.shape(),
                    shape
                )));
            }
            views.push(view);
        }
        if let Some(extra) = st.names().into_iter().find(|n| !expected.iter().any(|(e, _)| e == n)) {
            return Err(WeightsError::ArchitectureMismatch(format!(
                "unexpected tensor '{extra}' that the configuration does not use"
            )));
        }
        let mut map = HashMap::new();
        for ((name, shape), view) in expected.iter().zip(views) {
            let values = stored_values(view.dtype(), view.data());
            if let Some(index) = values.iter().position(|v| !v.is_finite()) {
                return Err(WeightsError::NonFinite {
                    tensor: name.clone(),
                    index,
                });
            }
            map.insert(name.clone(), Tensor::from_vec(values, shape.as_slice(), &Device::Cpu)?);
        }
        let vb = VarBuilder::from_tensors(map, DType::F32, &Device::Cpu);
        let mut model = Self::new(config, vb)?;
        model.probe()?;
        model.packed = Some(PackedMlp::new(&model)?);
        Ok(model)
    }

    /// Runs the network on the view's centre and corners at the first, middle and last
    /// timestep, where every chain passes, and refuses it if any output is NaN or infinite. In
    /// more dimensions the "corners" are the points of all +h or all −h and of alternating signs
    /// (an image all ink, all blank, or striped); in the plane these are exactly the four corners.
    fn probe(&self) -> Result<(), WeightsError> {
        let h = catalog::VIEW.half as f32;
        let dim = self.config.dim;
        let alternating = |first: f32| (0..dim).map(|d| if d % 2 == 0 { first } else { -first }).collect();
        let points: Vec<Vec<f32>> = vec![
            vec![0.0; dim],
            vec![h; dim],
            alternating(-h),
            alternating(h),
            vec![-h; dim],
        ];
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        let last = self.config.timesteps.saturating_sub(1);
        for timestep in [0, last / 2, last] {
            let out = self.forward_slice(&flat, timestep)?;
            let per_point = out.len() / points.len();
            if let Some(i) = out.iter().position(|v| !v.is_finite()) {
                return Err(WeightsError::NonFiniteOutput {
                    x: points[i / per_point.max(1)].clone(),
                    timestep,
                });
            }
        }
        Ok(())
    }
}

fn classify(e: safetensors::SafeTensorError) -> WeightsError {
    use safetensors::SafeTensorError as E;
    match e {
        E::MetadataIncompleteBuffer | E::InvalidHeaderLength => WeightsError::Truncated(e.to_string()),
        other => WeightsError::NotSafetensors(other.to_string()),
    }
}

/// `values` without repeats, in their first order.
fn dedup(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Reads only the configuration from a weights file's header, and checks it
/// ([`ModelConfig::check`]).
pub fn read_config(bytes: &[u8]) -> Result<ModelConfig, WeightsError> {
    if bytes.len() as u64 > catalog::WEIGHTS_BYTES.max {
        return Err(WeightsError::TooLarge { bytes: bytes.len() });
    }
    if bytes.len() < 8 {
        return Err(WeightsError::Truncated(format!(
            "{} bytes, not even a header length",
            bytes.len()
        )));
    }
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).map_err(classify)?;
    let json = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get(CONFIG_KEY))
        .ok_or_else(|| WeightsError::BadConfig(format!("metadata key '{CONFIG_KEY}' is missing")))?;
    let config: ModelConfig =
        serde_json::from_str(json).map_err(|e| WeightsError::BadConfig(format!("'{CONFIG_KEY}': {e}")))?;
    config.check()?;
    Ok(config)
}

/// The numbers of a tensor's little-endian data as f32: exact for both types a file may store.
fn stored_values(dtype: safetensors::Dtype, data: &[u8]) -> Vec<f32> {
    match dtype {
        safetensors::Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        _ => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    }
}

/// How far 99 in 100 samples of a model stored as f16 may end from where the f32 model puts them,
/// after the model's default chain (1024 samples, seed 0: `ptheta half`). 0.02 is two pixels of
/// the page's 600-pixel view of ±3, where the data spread about 1. The last one in a hundred is
/// left out: near a boundary between two parts of the data (the gap between the moons) the chain
/// sends a sample one way or the other, and any change of the weights flips a few (so does
/// summing in another order, tests/shipped.spec.mjs). Measured: ε, v and x₀ models 1.3e-3 to
/// 1.4e-2; the μ models, whose 1000-step chain amplifies every change, 0.28 and 0.49 (kept f32).
pub const HALF_TOLERANCE: f32 = 2e-2;

/// The same weights file with every weight stored as f16, rounded to nearest: half the bytes.
/// Loading turns them back into f32 exactly, so the network computes in f32 as before, with
/// weights that differ from the originals by at most 2⁻¹¹ of their size (below 2⁻¹⁴ in magnitude,
/// by at most 2⁻²⁵). Whether the samples stay the same is the caller's to check (`ptheta half`
/// measures it against [`HALF_TOLERANCE`]). Refuses a file pθ would not load, and a weight beyond
/// f16's range.
pub fn to_half(bytes: &[u8]) -> Result<Vec<u8>, WeightsError> {
    Denoiser::from_safetensors(bytes)?;
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(classify)?;
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).map_err(classify)?;
    let mut owned = Vec::new();
    for (name, view) in st.tensors() {
        let mut data = Vec::with_capacity(view.data().len() / 2);
        for (index, v) in stored_values(view.dtype(), view.data()).into_iter().enumerate() {
            let h = half::f16::from_f32(v);
            if !h.is_finite() {
                return Err(WeightsError::ConfigOutOfRange {
                    field: "weights",
                    value: format!("{v} (tensor '{name}' at index {index})"),
                    accepts: format!("at most {} in size to store as f16", half::f16::MAX),
                });
            }
            data.extend_from_slice(&h.to_le_bytes());
        }
        owned.push((name, view.shape().to_vec(), data));
    }
    serialize(&owned, safetensors::Dtype::F16, meta.metadata().clone())
}

/// A safetensors file of `(name, shape, little-endian data)` tensors, all of type `dtype`.
fn serialize(
    tensors: &[(String, Vec<usize>, Vec<u8>)],
    dtype: safetensors::Dtype,
    metadata: Option<HashMap<String, String>>,
) -> Result<Vec<u8>, WeightsError> {
    let views = tensors
        .iter()
        .map(|(n, s, d)| {
            safetensors::tensor::TensorView::new(dtype, s.clone(), d)
                .map(|v| (n.clone(), v))
                .map_err(|e| WeightsError::NotSafetensors(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, metadata).map_err(|e| WeightsError::NotSafetensors(e.to_string()))
}

/// Serializes named f32 tensors with the configuration in the metadata.
pub fn to_safetensors(config: &ModelConfig, tensors: &[(String, Tensor)]) -> Result<Vec<u8>, WeightsError> {
    let mut owned = Vec::new();
    for (name, t) in tensors {
        let data: Vec<u8> = t
            .flatten_all()?
            .to_vec1::<f32>()?
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        owned.push((name.clone(), t.dims().to_vec(), data));
    }
    let meta = HashMap::from([(
        CONFIG_KEY.to_string(),
        serde_json::to_string(config).expect("config serializes"),
    )]);
    serialize(&owned, safetensors::Dtype::F32, Some(meta))
}
