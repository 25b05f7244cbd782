//! `ptheta`: train, sample and evaluate pθ denoisers on 2-D data (native only).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    // A panic's message starts on a line of its own, like an error's.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        cli::finish_bar();
        default_hook(info)
    }));
    if let Err(e) = cli::run() {
        cli::finish_bar();
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand};
    use ptheta::catalog::{self, Limit};
    use ptheta::chain::{Chain, ChainOptions};
    use ptheta::data::{self, Dataset, PLANE_DIM};
    use ptheta::diffusion::{Parameterization, Schedule, ScheduleKind, Variance};
    use ptheta::digits::{self, Split};
    use ptheta::eval;
    use ptheta::gpu::LinearKernel;
    use ptheta::image_eval;
    use ptheta::model::{Denoiser, ModelConfig};
    use ptheta::train::{train, TrainOptions};
    use std::io::{IsTerminal, Read, Write};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    /// Seeds of held-out data start here, far from any training seed.
    const HELD_OUT_SEED: u64 = 1_000_000;
    /// Held-out seeds of draw k of `eval --seeds` start at HELD_OUT_SEED + k·DRAW_STRIDE, past
    /// the ~10 seeds one draw uses (its sample, the reference pairs, the ELBO's points at 100).
    const DRAW_STRIDE: u64 = 1000;
    /// Held-out seed of the ELBO's points (offset from HELD_OUT_SEED, within draw 0's stride).
    const ELBO_SEED: u64 = 100;

    /// Whether the progress bar is drawn (stderr is a terminal and not `--quiet`).
    static PROGRESS: AtomicBool = AtomicBool::new(false);
    /// Whether notes go to stderr (not `--quiet`).
    static NOTES: AtomicBool = AtomicBool::new(true);
    /// Whether a progress bar line is on the screen, not yet ended by a newline.
    static BAR_OPEN: AtomicBool = AtomicBool::new(false);

    /// A note on stderr, unless `--quiet`.
    macro_rules! note {
        ($($arg:tt)*) => {
            if NOTES.load(Ordering::Relaxed) {
                finish_bar();
                eprintln!($($arg)*);
            }
        };
    }

    /// A clap value parser for a whole number within `limit`: clap names the flag and the value,
    /// the message says the bounds (`--batch 0`: "must be a whole number from 1 to 4096").
    fn within<T: TryFrom<u64> + Clone + Send + Sync + 'static>(
        limit: Limit,
    ) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
        move |raw| {
            limit
                .parse_value(raw)
                .and_then(|v| T::try_from(v).map_err(|_| format!("must be {}", limit.accepts())))
        }
    }

    /// A number for a flag whose range the catalog checks (`--ema`, `--lr`, `--peak-gflops`).
    fn real(check: fn(f64) -> Result<f64, String>) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
        move |raw| {
            let v: f64 = raw.trim().parse().map_err(|_| "must be a number".to_string())?;
            check(v)
        }
    }

    #[derive(Parser)]
    #[command(
        name = "ptheta",
        version,
        about = "Train, sample and evaluate pθ diffusion denoisers on 2-D data"
    )]
    struct Cli {
        /// No progress bar and no notes on stderr (errors still print)
        #[arg(long, short, global = true, display_order = 100)]
        quiet: bool,
        #[command(subcommand)]
        command: Command,
    }

    #[derive(clap::Args)]
    struct Source {
        /// Built-in dataset
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
            /// What the network predicts
            #[arg(long, default_value = "epsilon")]
            parameterization: Parameterization,
            /// Noise schedule: how β_t grows with t
            #[arg(long, default_value = "linear")]
            schedule: ScheduleKind,
            /// Diffusion steps T
            #[arg(long, default_value_t = catalog::TIMESTEPS.default as usize, value_parser = within::<usize>(catalog::TIMESTEPS))]
            timesteps: usize,
            /// Optimizer steps
            #[arg(long, alias = "steps", default_value_t = catalog::ITERATIONS.default as usize, value_parser = within::<usize>(catalog::ITERATIONS))]
            iterations: usize,
            /// Points per optimizer step
            #[arg(long, default_value_t = catalog::BATCH.default as usize, value_parser = within::<usize>(catalog::BATCH))]
            batch: usize,
            /// Peak learning rate of AdamW (cosine decay to a tenth of it)
            #[arg(long, default_value_t = 2e-3, allow_negative_numbers = true, value_parser = real(catalog::check_positive))]
            lr: f64,
            /// Decay of the moving average of the weights, in [0, 1); the averaged weights are written
            #[arg(long, default_value_t = 0.999, allow_negative_numbers = true, value_parser = real(catalog::check_ema))]
            ema: f64,
            /// Training points drawn from a built-in dataset
            #[arg(long, default_value_t = catalog::POINTS.default as usize, value_parser = within::<usize>(catalog::POINTS))]
            points: usize,
            /// Seed of the data, the initial weights and the batches
            #[arg(long, default_value_t = 0)]
            seed: u64,
            /// Weights file to write (safetensors)
            #[arg(long)]
            out: PathBuf,
        },
        /// Run the reverse chain and write the samples as CSV
        Sample {
            /// Weights file written by `ptheta train`
            #[arg(long)]
            weights: PathBuf,
            /// Number of samples
            #[arg(long, default_value_t = 1000, value_parser = within::<usize>(catalog::SAMPLES))]
            samples: usize,
            /// Sampling steps (default: the training T)
            #[arg(long, value_parser = within::<usize>(catalog::STEPS))]
            steps: Option<usize>,
            /// Variance of the reverse step (default: learned for mean-variance models, else fixed-small)
            #[arg(long)]
            variance: Option<Variance>,
            /// Seed of x_T and of the noise of each step
            #[arg(long, default_value_t = 0)]
            seed: u64,
            /// CSV file to write, one `x,y` per line
            #[arg(long)]
            out: PathBuf,
        },
        /// Sample quality (kernel-discrepancy ratio) and negative ELBO (nats per dimension)
        Eval {
            /// Weights file written by `ptheta train`
            #[arg(long)]
            weights: PathBuf,
            /// Data to compare with (default: the dataset named in the weights)
            #[arg(long)]
            csv: Option<PathBuf>,
            /// Samples of the chain, and held-out points, for the quality ratio
            #[arg(long, default_value_t = 2000, value_parser = within::<usize>(catalog::SAMPLES))]
            samples: usize,
            /// Sampling steps (default: the training T, the full chain)
            #[arg(long, value_parser = within::<usize>(catalog::STEPS))]
            steps: Option<usize>,
            /// Variance of the reverse step (default: learned for mean-variance models, else fixed-small)
            #[arg(long)]
            variance: Option<Variance>,
            /// Held-out points for the ELBO (0 skips it)
            #[arg(long, default_value_t = catalog::ELBO_POINTS.default as usize, value_parser = within::<usize>(catalog::ELBO_POINTS))]
            elbo_points: usize,
            /// Seed of the chain and of the ELBO's noise
            #[arg(long, default_value_t = 0)]
            seed: u64,
            /// Independent draws of the chain and of the data (seeds seed … seed+K−1) for the quality
            /// ratio, reported as mean ± standard deviation: one draw is too noisy to rank models
            #[arg(long, default_value_t = catalog::EVAL_SEEDS.default, value_parser = within::<u64>(catalog::EVAL_SEEDS))]
            seeds: u64,
            /// Print one JSON object instead of text
            #[arg(long)]
            json: bool,
        },
        /// Rewrite a weights file with its weights stored as f16 (half the bytes; f32 once loaded),
        /// if the chain's samples stay where the f32 file puts them (99 in 100 within model::HALF_TOLERANCE)
        Half {
            /// Weights file written by `ptheta train`
            #[arg(long)]
            weights: PathBuf,
            /// Weights file to write (may be the same file)
            #[arg(long)]
            out: PathBuf,
        },
        /// A weights file's configuration and its figures recorded in manifest.json beside it
        Info {
            /// Weights file written by `ptheta train`
            #[arg(long)]
            weights: PathBuf,
            /// Print one JSON object instead of text
            #[arg(long)]
            json: bool,
        },
        /// Milliseconds per reverse step of the native CPU chain (for `cargo xtask bench`)
        Bench {
            /// Weights file written by `ptheta train`
            #[arg(long)]
            weights: PathBuf,
            /// Numbers of samples to time, one run each
            #[arg(long, default_values_t = [1024, 4096], value_parser = within::<usize>(catalog::SAMPLES))]
            samples: Vec<usize>,
            /// Reverse steps per run; the first is a warm-up and not timed
            #[arg(long, default_value_t = catalog::BENCH_STEPS.default as usize, value_parser = within::<usize>(catalog::BENCH_STEPS))]
            steps: usize,
            /// Threads, sharing the samples in pieces as the page's Web Workers do
            #[arg(long, default_value_t = catalog::THREADS.default as usize, value_parser = within::<usize>(catalog::THREADS))]
            threads: usize,
        },
        /// The WGSL kernels natively (wgpu on Vulkan; WGPU_BACKEND picks another): ms per
        /// reverse step beside the native CPU chain, and the matmuls' GFLOP/s
        BenchGpu {
            /// Weights file written by `ptheta train`
            #[arg(long)]
            weights: PathBuf,
            /// Numbers of samples to time, comma-separated
            #[arg(long, value_delimiter = ',', default_values_t = [1024, 4096, 16384], value_parser = within::<usize>(catalog::SAMPLES))]
            samples: Vec<usize>,
            /// Reverse steps per run; the first is a warm-up and not timed
            #[arg(long, default_value_t = 20, value_parser = within::<usize>(catalog::BENCH_STEPS))]
            steps: usize,
            /// The card's peak f32 GFLOP/s, to print the fraction reached
            #[arg(long, value_parser = real(catalog::check_positive))]
            peak_gflops: Option<f64>,
            /// Skip the CPU column (for big N on a real GPU)
            #[arg(long)]
            no_cpu: bool,
            /// The linear layers' kernels to time side by side, comma-separated
            #[arg(long, value_delimiter = ',', default_values_t = LinearKernel::all().map(|k| k.name().to_string()),
                value_parser = clap::builder::PossibleValuesParser::new(LinearKernel::all().map(LinearKernel::name)))]
            kernels: Vec<String>,
            /// Time this WGSL file in place of mlp_fused.wgsl (same bindings and constants), to
            /// measure a variant of the fused kernel without a rebuild
            #[arg(long)]
            fused_wgsl: Option<PathBuf>,
        },
    }

    /// Ends the progress bar's line, if one is open, so that what follows starts a line.
    pub fn finish_bar() {
        if BAR_OPEN.swap(false, Ordering::Relaxed) {
            eprintln!();
        }
    }

    pub fn run() -> Result<(), String> {
        let cli = Cli::parse();
        NOTES.store(!cli.quiet, Ordering::Relaxed);
        PROGRESS.store(!cli.quiet && std::io::stderr().is_terminal(), Ordering::Relaxed);
        match cli.command {
            Command::Train {
                source,
                parameterization,
                schedule,
                timesteps,
                iterations,
                batch,
                lr,
                ema,
                points,
                seed,
                out,
            } => {
                let (name, data, dataset) = load_source(&source, points, seed)?;
                // a CSV holds points in the plane
                let dataset = dataset.unwrap_or(Dataset::DEFAULT);
                let mut config = ModelConfig::for_dataset(dataset, parameterization, schedule, timesteps);
                config.dataset = name.clone();
                config.train_steps = iterations;
                config.seed = seed;
                let terminal = Schedule::new(schedule, timesteps)?.terminal_alpha_bar();
                note!(
                    "training {parameterization} on {name} ({} points), {schedule} schedule, T = {timesteps} (ᾱ_T = {terminal:.2e}), {} parameters",
                    data.len() / config.dim,
                    config.parameter_count()
                );
                let started = Instant::now();
                let trained = train(
                    TrainOptions {
                        config,
                        data,
                        steps: iterations,
                        batch,
                        learning_rate: lr,
                        ema_decay: ema,
                        seed,
                    },
                    |p| progress_bar(p.step, p.steps, p.loss, started),
                )?;
                finish_bar();
                std::fs::write(&out, &trained.weights).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
                note!(
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
                std::fs::write(&out, data::to_csv(chain.positions(), chain.dim()))
                    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
                note!("wrote {samples} samples to {}", out.display());
                Ok(())
            }
            Command::Info { weights, json } => info(&weights, json),
            Command::Half { weights, out } => half(&weights, &out),
            Command::Bench {
                weights,
                samples,
                steps,
                threads,
            } => bench(&weights, &samples, steps, threads),
            Command::BenchGpu {
                weights,
                samples,
                steps,
                peak_gflops,
                no_cpu,
                kernels,
                fused_wgsl,
            } => {
                if let Some(path) = fused_wgsl {
                    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    note!("fused kernel: {}", path.display());
                    ptheta::gpu::kernels::use_fused_variant(source)?;
                }
                let kernels: Vec<LinearKernel> = kernels
                    .iter()
                    .filter_map(|k| LinearKernel::all().find(|l| l.name() == k))
                    .collect();
                bench_gpu(&weights, &samples, steps, peak_gflops, no_cpu, &kernels)
            }
            Command::Eval {
                weights,
                csv,
                samples,
                steps,
                variance,
                elbo_points,
                seed,
                seeds,
                json,
            } => {
                let model = load_model(&weights)?;
                let cfg = model.config.clone();
                let variance = variance.unwrap_or(cfg.parameterization.default_variance());
                let started = Instant::now();
                if cfg.dim != PLANE_DIM {
                    if csv.is_some() {
                        return Err(format!(
                            "{}: a model of {}-dimensional data is evaluated on its own dataset, not on a CSV of points",
                            weights.display(),
                            cfg.dim
                        ));
                    }
                    let options = ImageEval {
                        samples,
                        steps,
                        variance,
                        elbo_points,
                        seed,
                        seeds,
                        json,
                    };
                    return eval_images(&weights, model, &options, started);
                }
                // Read and size-check the data before the long chain.
                let held_out = match csv {
                    None => HeldOut::Dataset(cfg.dataset.parse()?),
                    Some(path) => {
                        let points = read_csv(&path)?;
                        HeldOut::Csv { path, points }
                    }
                };
                held_out.check_holds(samples)?;
                let mut per_seed = Vec::new();
                let mut model = Some(model);
                let mut first_chain = None;
                for k in 0..seeds {
                    let m = match model.take() {
                        Some(m) => m,
                        None => load_model(&weights)?,
                    };
                    // draw k: the chain from seed + k, compared with data of its own held-out seeds
                    let chain = run_chain(m, samples, steps, Some(variance), seed + k)?;
                    let data = held_out.draws(k);
                    per_seed.push(eval::quality_ratio(chain.positions(), PLANE_DIM, |j| data(j, samples)));
                    if first_chain.is_none() {
                        first_chain = Some(chain);
                    }
                }
                let chain = first_chain.expect("at least one seed");
                let quality = eval::QualitySpread::of(&per_seed);
                refuse_non_finite("quality", &quality)?;
                let elbo = if elbo_points > 0 {
                    let data = held_out.elbo_points(elbo_points);
                    let schedule = Schedule::new(cfg.schedule, cfg.timesteps)?;
                    let terms = eval::negative_elbo(chain.model(), &schedule, variance, &data, seed)?;
                    refuse_non_finite("nelbo", &terms)?;
                    Some(terms)
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
                        "seeds": seeds,
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
                    if seeds > 1 {
                        println!(
                            "  quality ratio {:.3} ± {:.3}  (mean ± sd over {seeds} seeds: {})",
                            quality.ratio,
                            quality.sd,
                            quality
                                .ratios
                                .iter()
                                .map(|r| format!("{r:.3}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    } else {
                        println!(
                            "  quality ratio {:.3}  (MMD² {:.6} vs data/data {:.6})",
                            quality.ratio, quality.distance, quality.reference
                        );
                    }
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

    /// `ptheta eval`'s options, for an image model.
    struct ImageEval {
        samples: usize,
        steps: Option<usize>,
        variance: Variance,
        elbo_points: usize,
        seed: u64,
        seeds: u64,
        json: bool,
    }

    /// `ptheta eval` of a model of images (the digits): what a classifier trained on the real
    /// training digits makes of the samples, how near they lie to the training set, each beside
    /// the held-out digits' own figure, and the ELBO on the held-out digits
    /// ([`ptheta::image_eval`]).
    fn eval_images(weights: &Path, model: Denoiser, o: &ImageEval, started: Instant) -> Result<(), String> {
        let cfg = model.config.clone();
        let dataset: Dataset = cfg.dataset.parse()?;
        if dataset != Dataset::Digits {
            return Err(format!("{}: no image figures for dataset {dataset}", weights.display()));
        }
        let (train, held_out) = (digits::images(Split::Train), digits::images(Split::HeldOut));
        let mut draws = Vec::new();
        let mut model = Some(model);
        let mut first_chain = None;
        for k in 0..o.seeds {
            let m = match model.take() {
                Some(m) => m,
                None => load_model(weights)?,
            };
            let chain = run_chain(m, o.samples, o.steps, Some(o.variance), o.seed + k)?;
            draws.push(chain.positions().to_vec());
            first_chain.get_or_insert(chain);
        }
        let chain = first_chain.expect("at least one seed");
        let figures = image_eval::image_figures(&draws, &train, &held_out);
        refuse_non_finite("images", &figures)?;
        let elbo = if o.elbo_points > 0 {
            if held_out.len() < o.elbo_points {
                note!(
                    "the ELBO uses all {} held-out digits, fewer than --elbo-points {}",
                    held_out.len(),
                    o.elbo_points
                );
            }
            let data = &held_out.images[..o.elbo_points.min(held_out.len()) * digits::DIM];
            let schedule = Schedule::new(cfg.schedule, cfg.timesteps)?;
            let terms = eval::negative_elbo(chain.model(), &schedule, o.variance, data, o.seed)?;
            refuse_non_finite("nelbo", &terms)?;
            Some(terms)
        } else {
            None
        };
        if o.json {
            let v = serde_json::json!({
                "weights": weights.display().to_string(),
                "dataset": cfg.dataset,
                "parameterization": cfg.parameterization,
                "variance": o.variance,
                "samples": o.samples,
                "steps": chain.steps(),
                "seed": o.seed,
                "seeds": o.seeds,
                "images": figures,
                "nelbo": elbo,
                "seconds": started.elapsed().as_secs_f64(),
            });
            println!("{v}");
            return Ok(());
        }
        let r = &figures.reference;
        let spread = |s: &image_eval::Spread, digits: usize| {
            if o.seeds > 1 {
                format!("{:.digits$} ± {:.digits$}", s.mean, s.sd)
            } else {
                format!("{:.digits$}", s.mean)
            }
        };
        let over = if o.seeds > 1 {
            format!(" (mean ± sd over {} seeds)", o.seeds)
        } else {
            String::new()
        };
        println!(
            "{}: {} on {}, variance {}, {} steps, {} samples{over}",
            weights.display(),
            cfg.parameterization,
            cfg.dataset,
            o.variance,
            chain.steps(),
            o.samples
        );
        println!(
            "  classifier confidence   {}  (held-out digits {:.3}; its held-out accuracy {:.3})",
            spread(&figures.confidence, 3),
            r.confidence,
            r.accuracy
        );
        println!(
            "  digits drawn            {} of 10 effectively  (held-out digits {:.2}); shares {}",
            spread(&figures.classes, 2),
            r.classes,
            figures
                .shares
                .iter()
                .enumerate()
                .map(|(k, s)| format!("{k}: {:.0}%", 100.0 * s))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  nearest training digit  {}  (held-out digits {:.3}; 0 would be a copy)",
            spread(&figures.nearest, 3),
            r.nearest
        );
        if let Some(e) = elbo {
            println!(
                "  negative ELBO {:.4} nats/dim  (prior {:.4}, diffusion {:.4}, decoder {:.4})",
                e.total, e.prior, e.diffusion, e.decoder
            );
        }
        Ok(())
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
    fn time_cpu_chain(weights: &Path, steps: usize, n: usize) -> Result<f64, String> {
        let model = load_model(weights)?;
        let cfg = model.config.clone();
        let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps)?;
        let mut chain = Chain::new(model, schedule, &bench_options(steps, n))?;
        chain.step()?;
        let started = Instant::now();
        chain.run()?;
        Ok(started.elapsed().as_secs_f64() * 1000.0 / (steps - 1) as f64)
    }

    /// Milliseconds per step of the native CPU chain on `threads` threads, shared as the page
    /// shares a burst among its Web Workers (www/js/split-chain.js): the samples are cut into
    /// `chain::piece_sizes` pieces, and each thread takes the next piece when it has run the last
    /// one to x_0. Every thread takes a warm-up step first.
    fn time_split_chain(weights: &Path, steps: usize, n: usize, threads: usize) -> Result<f64, String> {
        let new_chain = |samples| -> Result<Chain<_>, String> {
            // a model per thread, as each Web Worker loads its own
            let model = load_model(weights)?;
            let cfg = model.config.clone();
            let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps)?;
            Chain::new(model, schedule, &bench_options(steps, samples))
        };
        let mut whole = new_chain(n)?;
        whole.step()?;
        let (t, x, dim) = (whole.t(), whole.positions(), whole.dim());
        let mut pieces = Vec::new();
        for samples in ptheta::chain::piece_sizes(n, threads) {
            let first = pieces.last().map_or(0, |&(f, s)| f + s);
            pieces.push((first, samples));
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let start = std::sync::Barrier::new(threads.min(pieces.len()) + 1);
        std::thread::scope(|s| {
            let runs: Vec<_> = (0..threads.min(pieces.len()))
                .map(|_| {
                    let (start, next, pieces) = (&start, &next, &pieces);
                    s.spawn(move || -> Result<(), String> {
                        let mut chain = new_chain(n)?;
                        let (first, samples) = pieces[0];
                        chain.restore_at(first, t, &x[..samples * dim])?;
                        chain.step()?;
                        start.wait();
                        while let Some(&(first, samples)) =
                            pieces.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                        {
                            chain.restore_at(first, t, &x[first * dim..(first + samples) * dim])?;
                            chain.run()?;
                        }
                        Ok(())
                    })
                })
                .collect();
            start.wait();
            let started = Instant::now();
            for run in runs {
                run.join().map_err(|_| "a bench thread panicked".to_string())??;
            }
            Ok(started.elapsed().as_secs_f64() * 1000.0 / t as f64)
        })
    }

    fn bench(weights: &Path, samples: &[usize], steps: usize, threads: usize) -> Result<(), String> {
        for &n in samples {
            let ms = if threads == 1 {
                time_cpu_chain(weights, steps, n)?
            } else {
                time_split_chain(weights, steps, n, threads)?
            };
            println!(
                "{}",
                serde_json::json!({ "samples": n, "threads": threads.min(n), "ms_per_step": ms })
            );
        }
        Ok(())
    }

    /// Wall ms, GPU-timed ms, and GPU-timed ms of each linear dispatch, each per step.
    type GpuTimes = (f64, Option<f64>, Option<Vec<f64>>);

    /// Times `kernel` on a fresh chain of `n` samples: one warm-up step, then `BURSTS` bursts of
    /// the remaining steps, each one submission; the burst with the median wall time is kept.
    /// The inner `Err` is the chain's refusal of the kernel (a fused kernel the model or the
    /// device does not fit).
    fn time_gpu_chain(
        gpu: &ptheta::gpu::Gpu,
        model: &Denoiser,
        steps: usize,
        n: usize,
        kernel: LinearKernel,
    ) -> Result<Result<GpuTimes, String>, String> {
        use ptheta::gpu::GpuChain;
        const BURSTS: usize = 3;
        let cfg = &model.config;
        let schedule = Schedule::respaced(cfg.schedule, cfg.timesteps, steps)?;
        let mut chain = GpuChain::new(gpu, model, schedule, &bench_options(steps, n)).map_err(|e| e.to_string())?;
        if let Err(refused) = chain.set_linear_kernel(kernel) {
            return Ok(Err(refused));
        }
        // warm-up: pipelines are compiled lazily by some drivers
        chain.step(1);
        pollster::block_on(chain.positions())?;
        let per_burst = ((steps - 1) / BURSTS).max(1);
        let timed = gpu.device.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let mut runs = Vec::new();
        while runs.len() < BURSTS && chain.t() >= per_burst {
            let started = Instant::now();
            let timing = if timed {
                Some(pollster::block_on(chain.step_timed(per_burst)?)?)
            } else {
                chain.step(per_burst);
                None
            };
            // reading the state back waits for every submitted step
            pollster::block_on(chain.positions())?;
            let wall = started.elapsed().as_secs_f64() * 1000.0;
            if let Some(f) = gpu.failure() {
                return Err(f);
            }
            let per = |ms: f64| ms / per_burst as f64;
            runs.push((
                per(wall),
                timing.as_ref().map(|t| per(t.total_ms)),
                timing.and_then(|t| t.layer_ms.map(|l| l.into_iter().map(per).collect())),
            ));
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(Ok(runs.swap_remove(runs.len() / 2)))
    }

    fn bench_gpu(
        weights: &Path,
        samples: &[usize],
        steps: usize,
        peak: Option<f64>,
        no_cpu: bool,
        kernels: &[LinearKernel],
    ) -> Result<(), String> {
        use ptheta::gpu::Gpu;
        let gpu = pollster::block_on(Gpu::request()).map_err(|e| e.to_string())?;
        let model = load_model(weights)?;
        // Multiply-adds of the linear layers; the embedding and the update are O(n·dim).
        let flops_per_sample: usize = model
            .flat_layers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|l| 2 * l.in_dim * l.out_dim)
            .sum();
        note!("adapter: {}", gpu.describe());
        // A GPU's clocks rise only under load: about a second of the largest chain first, on the
        // kernel every device runs.
        if let Some(&n) = samples.iter().max() {
            let started = Instant::now();
            while started.elapsed().as_secs_f64() < 1.0 {
                time_gpu_chain(&gpu, &model, steps, n, LinearKernel::Rows)?.ok();
            }
        }
        for &n in samples {
            let cpu_ms = if no_cpu {
                None
            } else {
                Some(time_cpu_chain(weights, steps, n)?)
            };
            for &kernel in kernels {
                let (wall_ms, gpu_ms, layer_ms) = match time_gpu_chain(&gpu, &model, steps, n, kernel)? {
                    Ok(times) => times,
                    Err(refused) => {
                        note!("{}: {refused}", kernel.name());
                        continue;
                    }
                };
                let linear_ms = layer_ms.as_ref().map(|l| l.iter().sum::<f64>());
                let gflop = (flops_per_sample * n) as f64 / 1e9;
                // the linear layers' own time where the GPU measured it, else the whole step's
                let rate_ms = linear_ms.or(gpu_ms).unwrap_or(wall_ms);
                let gflops = gflop / (rate_ms * 1e-3);
                println!(
                    "{}",
                    serde_json::json!({
                        "adapter": gpu.describe(),
                        "kernel": kernel.name(),
                        "samples": n,
                        "wall_ms_per_step": wall_ms,
                        "gpu_ms_per_step": gpu_ms,
                        "linear_ms_per_step": linear_ms,
                        "layer_ms_per_step": layer_ms,
                        "cpu_ms_per_step": cpu_ms,
                        "cpu_over_gpu": cpu_ms.map(|c| c / wall_ms),
                        "matmul_gflop_per_step": gflop,
                        "gflops": gflops,
                        "gflops_measured_over": if linear_ms.is_some() { "linear layers (GPU timestamps)" } else if gpu_ms.is_some() { "whole steps (GPU timestamps)" } else { "whole steps (wall clock)" },
                        "fraction_of_peak": peak.map(|p| gflops / p),
                    })
                );
            }
        }
        Ok(())
    }

    /// What `manifest.json` beside a weights file records about it.
    enum Recorded {
        /// The file's entry: `eval`, `eval_command`, `train_command`.
        Listed(serde_json::Value),
        NotListed,
        NoManifest,
        Unreadable(String),
    }

    /// Looks the weights file up, by file name, in the `manifest.json` of its folder.
    fn recorded(weights: &Path) -> (PathBuf, Recorded) {
        let dir = match weights.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let path = dir.join("manifest.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (path, Recorded::NoManifest),
            Err(e) => return (path, Recorded::Unreadable(e.to_string())),
        };
        let entries: Vec<serde_json::Value> = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => return (path, Recorded::Unreadable(format!("not a list of models: {e}"))),
        };
        let name = weights.file_name().map(|n| n.to_string_lossy().into_owned());
        let found = entries
            .into_iter()
            .find(|m| name.is_some() && m["file"].as_str() == name.as_deref());
        (path, found.map_or(Recorded::NotListed, Recorded::Listed))
    }

    fn info(weights: &Path, json: bool) -> Result<(), String> {
        let model = load_model(weights)?;
        let cfg = &model.config;
        let (manifest, rec) = recorded(weights);
        let file = weights
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let why_none = match &rec {
            Recorded::Listed(_) => None,
            Recorded::NotListed => Some(format!("{file} is not listed in {}", manifest.display())),
            Recorded::NoManifest => Some(format!("there is no {} beside it", manifest.display())),
            Recorded::Unreadable(e) => Some(format!("cannot read {}: {e}", manifest.display())),
        };
        let entry = match &rec {
            Recorded::Listed(m) => Some(m),
            _ => None,
        };
        if json {
            let field = |k: &str| entry.map_or(serde_json::Value::Null, |m| m[k].clone());
            let v = serde_json::json!({
                "weights": weights.display().to_string(),
                "config": cfg,
                "parameters": cfg.parameter_count(),
                "default_variance": cfg.parameterization.default_variance(),
                "page_chains": ptheta::catalog::page_chains(cfg.parameterization)
                    .into_iter()
                    .map(|(variance, steps)| serde_json::json!({ "variance": variance, "steps": steps }))
                    .collect::<Vec<_>>(),
                "manifest": manifest.display().to_string(),
                "listed": entry.is_some(),
                "eval": field("eval"),
                "eval_command": field("eval_command"),
                "train_command": field("train_command"),
                "not_listed_because": why_none,
            });
            println!("{v}");
            return Ok(());
        }
        println!("{}", weights.display());
        println!("  dataset            {}", cfg.dataset);
        println!(
            "  parameterization   {} (samples with variance {} unless told otherwise)",
            cfg.parameterization,
            cfg.parameterization.default_variance()
        );
        println!("  schedule           {}, T = {}", cfg.schedule, cfg.timesteps);
        println!(
            "  network            {} parameters: dim {}, embedding size {}, hidden {}, {} residual blocks, input scale {}",
            cfg.parameter_count(),
            cfg.dim,
            cfg.emb_size,
            cfg.hidden,
            cfg.blocks,
            cfg.input_scale
        );
        println!(
            "  trained            {} optimizer steps, seed {} (format version {})",
            cfg.train_steps, cfg.seed, cfg.format_version
        );
        match (entry, why_none) {
            (Some(m), _) => {
                let e = &m["eval"];
                let number = |v: &serde_json::Value| v.as_f64().map_or("?".to_string(), |x| format!("{x:.3}"));
                println!(
                    "  recorded figures   in {} (variance {}, {} samples, {} steps)",
                    manifest.display(),
                    e["variance"].as_str().unwrap_or("?"),
                    e["samples"],
                    e["steps"]
                );
                if e["images"].is_object() {
                    let i = &e["images"];
                    println!(
                        "    confidence       {} (held-out digits {})",
                        number(&i["confidence"]["mean"]),
                        number(&i["reference"]["confidence"])
                    );
                    println!(
                        "    digits drawn     {} of 10 (held-out digits {})",
                        number(&i["classes"]["mean"]),
                        number(&i["reference"]["classes"])
                    );
                    println!(
                        "    nearest digit    {} (held-out digits {})",
                        number(&i["nearest"]["mean"]),
                        number(&i["reference"]["nearest"])
                    );
                } else {
                    println!("    quality ratio    {}", number(&e["quality"]["ratio"]));
                }
                println!("    negative ELBO    {} nats/dim", number(&e["nelbo"]["total"]));
                if let Some(c) = m["eval_command"].as_str() {
                    println!("    eval command     {c}");
                }
                if let Some(c) = m["train_command"].as_str() {
                    println!("    train command    {c}");
                }
            }
            (None, why) => println!("  recorded figures   none: {}", why.unwrap_or_default()),
        }
        Ok(())
    }

    /// The training data's name, its points and its dataset (None for a CSV): `points` fresh
    /// points of a world in the plane, or the training split of the digits, whatever `points`.
    fn load_source(source: &Source, points: usize, seed: u64) -> Result<(String, Vec<f32>, Option<Dataset>), String> {
        match (&source.dataset, &source.csv) {
            (Some(Dataset::Digits), None) => {
                let train = digits::images(Split::Train);
                note!(
                    "the digits are a fixed set: training on its {} training images",
                    train.len()
                );
                Ok((Dataset::Digits.name().to_string(), train.images, Some(Dataset::Digits)))
            }
            (Some(d), None) => Ok((d.name().to_string(), d.sample(points, seed)?, Some(*d))),
            (None, Some(path)) => {
                let pts = read_csv(path)?;
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Ok((name, pts, None))
            }
            _ => Err("give exactly one of --dataset NAME or --csv FILE".into()),
        }
    }

    /// The bytes of the file at `path`, refused once they pass `limit`: reading stops there, so
    /// `/dev/zero` or a file that grows cannot exhaust memory.
    fn read_bounded(path: &Path, limit: Limit, what: &str) -> Result<Vec<u8>, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.take(limit.max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if bytes.len() as u64 > limit.max {
            return Err(format!(
                "{}: {what} is larger than the {} bytes pθ reads",
                path.display(),
                limit.max
            ));
        }
        Ok(bytes)
    }

    /// A CSV's points, standardized to zero mean and unit spread.
    fn read_csv(path: &Path) -> Result<Vec<f32>, String> {
        let bytes = read_bounded(path, catalog::CSV_BYTES, "the CSV")?;
        let text = String::from_utf8(bytes).map_err(|e| {
            format!(
                "{}: not UTF-8 text at byte {}",
                path.display(),
                e.utf8_error().valid_up_to()
            )
        })?;
        data::training_points(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// `ptheta half`: the f16 file, written only if its chain (the model's default steps and
    /// variance, 1024 samples, seed 0) ends with 99 in 100 samples within HALF_TOLERANCE of where
    /// the original puts them.
    fn half(path: &Path, out: &Path) -> Result<(), String> {
        const SAMPLES: usize = 1024;
        let bytes = read_bounded(path, catalog::WEIGHTS_BYTES, "the weights file")?;
        let halved = ptheta::model::to_half(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let f32_model = Denoiser::from_safetensors(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let f16_model = Denoiser::from_safetensors(&halved).map_err(|e| format!("the f16 file: {e}"))?;
        let dim = f32_model.config.dim;
        let steps = catalog::model_default_steps(f32_model.config.parameterization, f32_model.config.timesteps);
        let a = run_chain(f32_model, SAMPLES, Some(steps), None, 0)?;
        let b = run_chain(f16_model, SAMPLES, Some(steps), None, 0)?;
        let mut moved: Vec<f32> = a
            .positions()
            .chunks_exact(dim)
            .zip(b.positions().chunks_exact(dim))
            .map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum::<f32>().sqrt())
            .collect();
        moved.sort_by(f32::total_cmp);
        let at = |q: usize| moved[(moved.len() * q / 100).min(moved.len() - 1)];
        let limit = ptheta::model::HALF_TOLERANCE;
        note!(
            "{}: {} → {} bytes; after {steps} steps of {SAMPLES} samples, a sample of the f16 weights ends from its place with the f32 weights: median {:.1e}, 99th percentile {:.1e} (tolerance {limit:.0e}), largest {:.1e}",
            path.display(),
            bytes.len(),
            halved.len(),
            at(50),
            at(99),
            moved[moved.len() - 1]
        );
        // NaN (a sample the f16 weights sent nowhere) fails too
        if !matches!(
            at(99).partial_cmp(&limit),
            Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
        ) {
            return Err(format!(
                "{}: stored as f16, one sample in a hundred moves {:.1e} or more (tolerance {limit:.0e}): kept as f32, nothing written",
                path.display(),
                at(99)
            ));
        }
        std::fs::write(out, &halved).map_err(|e| format!("cannot write {}: {e}", out.display()))
    }

    fn load_model(path: &Path) -> Result<Denoiser, String> {
        let bytes = read_bounded(path, catalog::WEIGHTS_BYTES, "the weights file")?;
        Denoiser::from_safetensors(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Why a held-out dataset draws points: `eval` takes the image models' own way first.
    const PLANE_HELD_OUT: &str = "HeldOut::Dataset holds a world in the plane (eval branches for images first)";

    /// Where `eval` draws its data from.
    enum HeldOut {
        /// Fresh points of a built-in dataset for every draw.
        Dataset(Dataset),
        /// A CSV's standardized points, drawn without replacement.
        Csv { path: PathBuf, points: Vec<f32> },
    }

    impl HeldOut {
        /// Data draw `j` of `n` points for eval draw `k` (`eval --seeds`). A dataset gives fresh
        /// points from the held-out seeds; a CSV gives block `j` of its rows shuffled by draw k's
        /// seed, so the draws that one quality ratio compares share no point, as fresh draws
        /// would not ([`HeldOut::check_holds`] makes sure there are enough rows).
        fn draws(&self, k: u64) -> impl Fn(u64, usize) -> Vec<f32> + '_ {
            let first_seed = HELD_OUT_SEED + DRAW_STRIDE * k;
            let order = match self {
                HeldOut::Dataset(_) => Vec::new(),
                HeldOut::Csv { points, .. } => shuffled(points.len() / PLANE_DIM, first_seed),
            };
            move |j, n| match self {
                HeldOut::Dataset(d) => d.sample(n, first_seed + j).expect(PLANE_HELD_OUT),
                HeldOut::Csv { points, .. } => {
                    let blocks = (order.len() / n.max(1)).max(1) as u64;
                    let start = (j % blocks) as usize * n;
                    rows(points, &order[start.min(order.len())..(start + n).min(order.len())])
                }
            }
        }

        /// Refuses a CSV too small for disjoint draws of `n` points, saying how many it needs.
        fn check_holds(&self, n: usize) -> Result<(), String> {
            let HeldOut::Csv { path, points } = self else {
                return Ok(());
            };
            let have = points.len() / PLANE_DIM;
            let draws = quality_draws().max(1);
            let need = draws.checked_mul(n).ok_or("--samples is too large")?;
            if have < need {
                return Err(format!(
                    "{}: {have} points are too few for the quality ratio at --samples {n}: it compares \
                     {draws} disjoint draws of {n} points (the held-out one and those of its data/data \
                     reference), so it needs {need}; give --samples {} or fewer, or a CSV with more points",
                    path.display(),
                    have / draws
                ));
            }
            Ok(())
        }

        /// The ELBO's held-out points: `n` of a dataset, or `n` of the CSV's rows (all of them
        /// when it has fewer, as a note says).
        fn elbo_points(&self, n: usize) -> Vec<f32> {
            match self {
                HeldOut::Dataset(d) => d.sample(n, HELD_OUT_SEED + ELBO_SEED).expect(PLANE_HELD_OUT),
                HeldOut::Csv { path, points } => {
                    let order = shuffled(points.len() / PLANE_DIM, HELD_OUT_SEED + ELBO_SEED);
                    if order.len() < n {
                        note!(
                            "the ELBO uses all {} points of {}, fewer than --elbo-points {n}",
                            order.len(),
                            path.display()
                        );
                    }
                    rows(points, &order[..n.min(order.len())])
                }
            }
        }
    }

    /// How many data draws `eval::quality_ratio` asks for (its held-out sample and those of its
    /// data/data reference), counted on two points, so that a CSV can be checked to hold that
    /// many disjoint draws before the chain runs.
    fn quality_draws() -> usize {
        let asked = std::cell::Cell::new(0u64);
        eval::quality_ratio(&[0.5, 0.5, -1.0, 2.0], PLANE_DIM, |j| {
            asked.set(asked.get().max(j + 1));
            let shift = j as f32;
            vec![shift, 0.0, shift + 1.0, 1.0]
        });
        asked.get() as usize
    }

    /// 0 … n−1 in the order of a Fisher–Yates shuffle seeded by `seed`.
    fn shuffled(n: usize, seed: u64) -> Vec<usize> {
        let mut rng = ptheta::diffusion::rng::Rng::new(seed);
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.below(i + 1));
        }
        order
    }

    /// The points at `indices`, row-major.
    fn rows(points: &[f32], indices: &[usize]) -> Vec<f32> {
        indices
            .iter()
            .flat_map(|&i| points[i * PLANE_DIM..(i + 1) * PLANE_DIM].iter().copied())
            .collect()
    }

    /// Refuses figures that came out NaN or infinite, naming them: such a figure is never
    /// printed as a result. (serde_json writes a non-finite number as null.)
    fn refuse_non_finite(what: &str, figures: &impl serde::Serialize) -> Result<(), String> {
        fn walk(v: &serde_json::Value, path: String, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Null => out.push(path),
                serde_json::Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(x, format!("{path}[{i}]"), out);
                    }
                }
                serde_json::Value::Object(o) => {
                    for (k, x) in o {
                        walk(x, format!("{path}.{k}"), out);
                    }
                }
                _ => {}
            }
        }
        let value = serde_json::to_value(figures).map_err(|e| e.to_string())?;
        let mut bad = Vec::new();
        walk(&value, what.to_string(), &mut bad);
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} came out NaN or infinite, so there is no figure to report (the data/data \
                 reference is 0 when the data's draws are all the same point)",
                bad.join(", ")
            ))
        }
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
        finish_bar();
        if let Some(i) = chain.positions().iter().position(|v| !v.is_finite()) {
            return Err(format!(
                "sample {} of the chain is NaN or infinite: the model's steps grew without bound",
                i / chain.dim()
            ));
        }
        Ok(chain)
    }

    /// One line on stderr, redrawn in place: bar, count, loss when known, ETA. Drawn only on a
    /// terminal and without `--quiet`.
    fn progress_bar(done: usize, total: usize, loss: f64, started: Instant) {
        if !PROGRESS.load(Ordering::Relaxed) {
            return;
        }
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
        BAR_OPEN.store(true, Ordering::Relaxed);
        let _ = std::io::stderr().flush();
    }
}
