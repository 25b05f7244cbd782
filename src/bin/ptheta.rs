//! `ptheta`: train, sample and evaluate pθ denoisers on 2-D data (native only).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = cli::run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand};
    use ptheta::chain::{Chain, ChainOptions};
    use ptheta::data::{self, Dataset, DIM};
    use ptheta::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
    use ptheta::eval;
    use ptheta::model::{Denoiser, ModelConfig};
    use ptheta::train::{train, TrainOptions};
    use std::io::Write;
    use std::path::PathBuf;
    use std::time::Instant;

    /// Seeds of held-out data start here, far from any training seed.
    const HELD_OUT_SEED: u64 = 1_000_000;

    #[derive(Parser)]
    #[command(
        name = "ptheta",
        about = "Train, sample and evaluate pθ diffusion denoisers on 2-D data"
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(clap::Args)]
    struct Source {
        /// Built-in dataset: moons, swiss-roll, eight-gaussians, checkerboard, circles, letters
        #[arg(long, conflicts_with = "csv")]
        dataset: Option<Dataset>,
        /// Your own points, one `x,y` per line (standardized to zero mean, unit spread)
        #[arg(long)]
        csv: Option<PathBuf>,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Train a denoiser and write its weights (safetensors, configuration in the metadata)
        Train {
            #[command(flatten)]
            source: Source,
            #[arg(long, default_value = "epsilon")]
            parameterization: Parameterization,
            #[arg(long, default_value = "linear")]
            schedule: ScheduleKind,
            /// Diffusion steps T
            #[arg(long, default_value_t = 1000)]
            timesteps: usize,
            /// Optimizer steps
            #[arg(long, default_value_t = 20_000)]
            steps: usize,
            #[arg(long, default_value_t = 256)]
            batch: usize,
            #[arg(long, default_value_t = 2e-3)]
            lr: f64,
            #[arg(long, default_value_t = 0.999)]
            ema: f64,
            /// Training points drawn from a built-in dataset
            #[arg(long, default_value_t = 8000)]
            points: usize,
            #[arg(long, default_value_t = 0)]
            seed: u64,
            #[arg(long)]
            out: PathBuf,
        },
        /// Run the reverse chain and write the samples as CSV
        Sample {
            #[arg(long)]
            weights: PathBuf,
            #[arg(long, default_value_t = 1000)]
            samples: usize,
            /// Sampling steps (default: the training T)
            #[arg(long)]
            steps: Option<usize>,
            #[arg(long)]
            variance: Option<Variance>,
            #[arg(long, default_value_t = 0)]
            seed: u64,
            #[arg(long)]
            out: PathBuf,
        },
        /// Sample quality (energy-distance ratio) and negative ELBO (nats per dimension)
        Eval {
            #[arg(long)]
            weights: PathBuf,
            /// Data to compare with (default: the dataset named in the weights)
            #[arg(long)]
            csv: Option<PathBuf>,
            #[arg(long, default_value_t = 2000)]
            samples: usize,
            /// Sampling steps (default: the training T, the full chain)
            #[arg(long)]
            steps: Option<usize>,
            #[arg(long)]
            variance: Option<Variance>,
            /// Held-out points for the ELBO (0 skips it)
            #[arg(long, default_value_t = 1000)]
            elbo_points: usize,
            #[arg(long, default_value_t = 0)]
            seed: u64,
            /// Print one JSON object instead of text
            #[arg(long)]
            json: bool,
        },
        /// Milliseconds per reverse step of the native CPU chain (for `cargo xtask bench`)
        Bench {
            #[arg(long)]
            weights: PathBuf,
            #[arg(long, default_values_t = [1024, 4096])]
            samples: Vec<usize>,
            #[arg(long, default_value_t = 50)]
            steps: usize,
        },
        /// The WGSL kernels natively (wgpu on Vulkan; WGPU_BACKEND picks another): ms per
        /// reverse step beside the native CPU chain, and the matmuls' GFLOP/s
        BenchGpu {
            #[arg(long)]
            weights: PathBuf,
            #[arg(long, value_delimiter = ',', default_values_t = [1024, 4096, 16384])]
            samples: Vec<usize>,
            #[arg(long, default_value_t = 20)]
            steps: usize,
            /// The card's peak f32 GFLOP/s, to print the fraction reached
            #[arg(long)]
            peak_gflops: Option<f64>,
            /// Skip the CPU column (for big N on a real GPU)
            #[arg(long)]
            no_cpu: bool,
        },
    }

    pub fn run() -> Result<(), String> {
        match Cli::parse().command {
            Command::Train {
                source,
                parameterization,
                schedule,
                timesteps,
                steps,
                batch,
                lr,
                ema,
                points,
                seed,
                out,
            } => {
                let (name, data) = load_source(&source, points, seed)?;
                let mut config = ModelConfig::standard(parameterization, schedule, timesteps);
                config.dataset = name.clone();
                config.train_steps = steps;
                config.seed = seed;
                let terminal = Schedule::new(schedule, timesteps)?.terminal_alpha_bar();
                eprintln!(
                    "training {parameterization} on {name} ({} points), {schedule} schedule, T = {timesteps} (ᾱ_T = {terminal:.2e}), {} parameters",
                    data.len() / DIM,
                    config.parameter_count()
                );
                let started = Instant::now();
                let trained = train(
                    TrainOptions {
                        config,
                        data,
                        steps,
                        batch,
                        learning_rate: lr,
                        ema_decay: ema,
                        seed,
                    },
                    |p| progress_bar(p.step, p.steps, p.loss, started),
                )?;
                eprintln!();
                std::fs::write(&out, &trained.weights).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
                eprintln!(
                    "wrote {} (final loss {:.4}, {:.0} s)",
                    out.display(),
                    trained.final_loss,
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            }
            Command::Sample {
                weights,
                samples,
                steps,
                variance,
                seed,
                out,
            } => {
                let model = load_model(&weights)?;
                let chain = run_chain(model, samples, steps, variance, seed)?;
                std::fs::write(&out, data::to_csv(chain.positions()))
                    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
                eprintln!("wrote {samples} samples to {}", out.display());
                Ok(())
            }
            Command::Bench {
                weights,
                samples,
                steps,
            } => bench(&weights, &samples, steps),
            Command::BenchGpu {
                weights,
                samples,
                steps,
                peak_gflops,
                no_cpu,
            } => bench_gpu(&weights, &samples, steps, peak_gflops, no_cpu),
            Command::Eval {
                weights,
                csv,
                samples,
                steps,
                variance,
                elbo_points,
                seed,
                json,
            } => {
                let model = load_model(&weights)?;
                let cfg = model.config.clone();
                let source = Source {
                    dataset: csv.is_none().then(|| cfg.dataset.parse()).transpose()?,
                    csv,
                };
                let variance = variance.unwrap_or(cfg.parameterization.default_variance());
                let started = Instant::now();
                let held_out = |k: u64, n: usize| load_source(&source, n, HELD_OUT_SEED + k).map(|(_, d)| d);
                // Fail early on an unreadable source, before the long chain.
                held_out(0, 1)?;
                let chain = run_chain(model, samples, steps, Some(variance), seed)?;
                let quality = eval::quality_ratio(chain.positions(), DIM, |k| {
                    held_out(k, samples).expect("source was readable")
                });
                let elbo = if elbo_points > 0 {
                    let data = held_out(100, elbo_points)?;
                    let schedule = Schedule::new(cfg.schedule, cfg.timesteps)?;
                    Some(eval::negative_elbo(chain.model(), &schedule, variance, &data, seed)?)
                } else {
                    None
                };
                if json {
                    let v = serde_json::json!({
                        "weights": weights.display().to_string(),
                        "dataset": cfg.dataset,
                        "parameterization": cfg.parameterization,
                        "variance": variance,
                        "samples": samples,
                        "steps": chain.steps(),
                        "seed": seed,
                        "quality": quality,
                        "nelbo": elbo,
                        "seconds": started.elapsed().as_secs_f64(),
                    });
                    println!("{v}");
                } else {
                    println!(
                        "{}: {} on {}, variance {variance}, {} steps, {samples} samples",
                        weights.display(),
                        cfg.parameterization,
                        cfg.dataset,
                        chain.steps()
                    );
                    println!(
                        "  quality ratio {:.3}  (energy distance {:.5} vs data/data {:.5})",
                        quality.ratio, quality.energy_distance, quality.reference
                    );
                    if let Some(e) = elbo {
                        println!(
                            "  negative ELBO {:.4} nats/dim  (prior {:.4}, diffusion {:.4}, decoder {:.4})",
                            e.total, e.prior, e.diffusion, e.decoder
                        );
                    }
                }
                Ok(())
            }
        }
    }

    /// The chain both benchmarks time: `n` samples, fixed-small variance, seed 0, no history.
    fn bench_options(steps: usize, n: usize) -> ChainOptions {
        ChainOptions {
            variance: Variance::FixedSmall,
            steps,
            samples: n,
            seed: 0,
            keep_history: false,
        }
    }

    /// Milliseconds per step of the native CPU chain, after one warm-up step.
    fn time_cpu_chain(weights: &PathBuf, steps: usize, n: usize) -> Result<f64, String> {
        let model = load_model(weights)?;
        let cfg = model.config.clone();
        let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps)?;
        let mut chain = Chain::new(model, schedule, &bench_options(steps, n))?;
        chain.step()?;
        let started = Instant::now();
        chain.run()?;
        Ok(started.elapsed().as_secs_f64() * 1000.0 / (steps - 1) as f64)
    }

    fn bench(weights: &PathBuf, samples: &[usize], steps: usize) -> Result<(), String> {
        for &n in samples {
            let ms = time_cpu_chain(weights, steps, n)?;
            println!("{}", serde_json::json!({ "samples": n, "ms_per_step": ms }));
        }
        Ok(())
    }

    fn bench_gpu(
        weights: &PathBuf,
        samples: &[usize],
        steps: usize,
        peak: Option<f64>,
        no_cpu: bool,
    ) -> Result<(), String> {
        use ptheta::gpu::{Gpu, GpuChain};
        if steps < 2 {
            return Err("--steps must be at least 2 (one warm-up step, then the timed ones)".into());
        }
        let gpu = pollster::block_on(Gpu::request()).map_err(|e| e.to_string())?;
        let model = load_model(weights)?;
        let cfg = model.config.clone();
        // Multiply-adds of the five linear layers; the embedding and the update are O(n·dim).
        let flops_per_sample: usize = model
            .flat_layers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|l| 2 * l.in_dim * l.out_dim)
            .sum();
        eprintln!("adapter: {}", gpu.describe());
        for &n in samples {
            let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps)?;
            let mut chain =
                GpuChain::new(&gpu, &model, schedule, &bench_options(steps, n)).map_err(|e| e.to_string())?;
            // warm-up: pipelines are compiled lazily by some drivers
            chain.step(1);
            pollster::block_on(chain.positions())?;
            let started = Instant::now();
            chain.step(steps - 1);
            // reading the state back waits for every submitted step
            pollster::block_on(chain.positions())?;
            let gpu_ms = started.elapsed().as_secs_f64() * 1000.0 / (steps - 1) as f64;
            if let Some(f) = gpu.failure() {
                return Err(f);
            }
            let cpu_ms = if no_cpu {
                None
            } else {
                Some(time_cpu_chain(weights, steps, n)?)
            };
            let gflops = (flops_per_sample * n) as f64 / (gpu_ms * 1e-3) / 1e9;
            println!(
                "{}",
                serde_json::json!({
                    "adapter": gpu.describe(),
                    "samples": n,
                    "gpu_ms_per_step": gpu_ms,
                    "cpu_ms_per_step": cpu_ms,
                    "cpu_over_gpu": cpu_ms.map(|c| c / gpu_ms),
                    "matmul_gflop_per_step": (flops_per_sample * n) as f64 / 1e9,
                    "gflops": gflops,
                    "fraction_of_peak": peak.map(|p| gflops / p),
                })
            );
        }
        Ok(())
    }

    fn load_source(source: &Source, points: usize, seed: u64) -> Result<(String, Vec<f32>), String> {
        match (&source.dataset, &source.csv) {
            (Some(d), None) => Ok((d.name().to_string(), d.sample(points, seed))),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let mut pts = data::parse_csv(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                data::standardize(&mut pts);
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Ok((name, pts))
            }
            _ => Err("give exactly one of --dataset NAME or --csv FILE".into()),
        }
    }

    fn load_model(path: &PathBuf) -> Result<Denoiser, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Denoiser::from_safetensors(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn run_chain(
        model: Denoiser,
        samples: usize,
        steps: Option<usize>,
        variance: Option<Variance>,
        seed: u64,
    ) -> Result<Chain<Denoiser>, String> {
        let cfg = model.config.clone();
        let steps = steps.unwrap_or(cfg.timesteps);
        let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps)?;
        let variance = variance.unwrap_or(cfg.parameterization.default_variance());
        let mut chain = Chain::new(
            model,
            schedule,
            &ChainOptions {
                variance,
                steps,
                samples,
                seed,
                keep_history: false,
            },
        )?;
        let started = Instant::now();
        while !chain.is_done() {
            chain.step()?;
            let done = steps - chain.t();
            if done.is_multiple_of(10) || chain.is_done() {
                progress_bar(done, steps, f64::NAN, started);
            }
        }
        eprintln!();
        Ok(chain)
    }

    /// One line on stderr, redrawn in place: bar, count, loss when known, ETA.
    fn progress_bar(done: usize, total: usize, loss: f64, started: Instant) {
        let frac = done as f64 / total.max(1) as f64;
        let width = 30;
        let filled = (frac * width as f64) as usize;
        let elapsed = started.elapsed().as_secs_f64();
        let eta = if done > 0 {
            elapsed / done as f64 * (total - done) as f64
        } else {
            0.0
        };
        let loss = if loss.is_finite() {
            format!(" loss {loss:.4}")
        } else {
            String::new()
        };
        eprint!(
            "\r[{}{}] {done}/{total}{loss} ETA {}m{:02}s ",
            "=".repeat(filled),
            " ".repeat(width - filled),
            (eta / 60.0) as u64,
            (eta % 60.0) as u64
        );
        let _ = std::io::stderr().flush();
    }
}
