//! The `ptheta` command line as users meet it: version, help text, value lists, `info`, errors
//! and the progress bar. Runs the built binary.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

use clap::ValueEnum;
use ptheta::data::Dataset;
use ptheta::diffusion::{Parameterization, ScheduleKind, Variance};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn ptheta(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ptheta"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("ptheta runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch folder under the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ptheta-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// clap's value names must be the names the library parses, prints and stores.
fn same_names<T: ValueEnum + Copy + std::fmt::Debug>(all: &[T], name: impl Fn(T) -> &'static str) {
    assert_eq!(T::value_variants().len(), all.len());
    for &v in all {
        let pv = v.to_possible_value().expect("no variant is skipped");
        assert_eq!(pv.get_name(), name(v), "{v:?}");
        assert!(pv.get_help().is_some(), "{v:?} has help text");
    }
}

#[test]
fn clap_value_names_are_the_enum_names() {
    same_names(&Parameterization::ALL, Parameterization::name);
    same_names(&Variance::ALL, Variance::name);
    same_names(&ScheduleKind::ALL, ScheduleKind::name);
    same_names(&Dataset::ALL, Dataset::name);
}

#[test]
fn version_is_cargos() {
    let o = ptheta(&["--version"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), format!("ptheta {}\n", env!("CARGO_PKG_VERSION")));
}

/// Flags in a help text that have no help: a line naming a flag (`--x` or `-x, --x`) with
/// nothing after it, whose next line is not its help either (clap's long layout).
fn flags_without_help(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let b = t.as_bytes();
        let is_flag =
            t.starts_with("--") || (b.len() > 3 && b[0] == b'-' && b[1].is_ascii_alphanumeric() && b[2] == b',');
        if !is_flag {
            continue;
        }
        // The flag and its value name end at the first run of two spaces.
        let rest = t.split_once("  ").map(|(_, r)| r.trim()).unwrap_or("");
        let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
        let next_is_help = line.len() - t.len() < lines.get(i + 1).map_or(0, |l| l.len() - l.trim_start().len())
            && !next.is_empty()
            && !next.starts_with('-');
        if rest.is_empty() && !next_is_help {
            missing.push(t.to_string());
        }
    }
    missing
}

#[test]
fn every_flag_of_every_command_has_help() {
    for cmd in [
        &[][..],
        &["train"],
        &["sample"],
        &["eval"],
        &["info"],
        &["bench"],
        &["bench-gpu"],
    ] {
        for h in ["-h", "--help"] {
            let args: Vec<&str> = cmd.iter().copied().chain([h]).collect();
            let o = ptheta(&args);
            assert!(o.status.success(), "{args:?}");
            let help = stdout(&o);
            assert!(help.contains("--quiet"), "{args:?} lists --quiet:\n{help}");
            let missing = flags_without_help(&help);
            assert!(missing.is_empty(), "{args:?}: no help for {missing:?}\n{help}");
        }
    }
    // the check does catch a bare flag, in both layouts
    assert_eq!(flags_without_help("      --x <X>\n      --y  why\n"), ["--x <X>"]);
    assert!(flags_without_help("      --x <X>\n          why\n").is_empty());
}

#[test]
fn help_lists_the_values_of_enumerated_flags() {
    let short = stdout(&ptheta(&["train", "-h"]));
    let long = stdout(&ptheta(&["train", "--help"]));
    for help in [&short, &long] {
        for p in Parameterization::ALL {
            assert!(help.contains(p.name()), "{p} in train's help:\n{help}");
        }
        for d in Dataset::ALL {
            assert!(help.contains(d.name()), "{d} in train's help:\n{help}");
        }
        for s in ScheduleKind::ALL {
            assert!(help.contains(s.name()), "{s} in train's help:\n{help}");
        }
        assert!(help.contains("--iterations"), "{help}");
        assert!(!help.contains("--steps"), "train's --steps is a hidden alias:\n{help}");
    }
    let values: Vec<&str> = Parameterization::ALL.iter().map(|p| p.name()).collect();
    assert!(
        short.contains(&format!("[possible values: {}]", values.join(", "))),
        "{short}"
    );
    for cmd in ["sample", "eval"] {
        let help = stdout(&ptheta(&[cmd, "-h"]));
        assert!(
            help.contains("[possible values: fixed-small, fixed-large, learned]"),
            "{help}"
        );
    }
}

#[test]
fn a_bad_variance_lists_the_allowed_values() {
    let o = ptheta(&[
        "sample",
        "--weights",
        "weights/moons-epsilon.safetensors",
        "--variance",
        "huge",
        "--out",
        "x.csv",
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("huge"), "{err}");
    for v in Variance::ALL {
        assert!(err.contains(v.name()), "{v} in:\n{err}");
    }
}

#[test]
fn info_shows_the_configuration_and_the_manifests_figures() {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(ROOT).join("weights/manifest.json")).unwrap()).unwrap();
    let entry = manifest
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["file"] == "moons-epsilon.safetensors")
        .unwrap();
    let ratio = entry["eval"]["quality"]["ratio"].as_f64().unwrap();

    let o = ptheta(&["info", "--weights", "weights/moons-epsilon.safetensors"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("dataset            moons"), "{text}");
    assert!(text.contains("parameterization   epsilon"), "{text}");
    assert!(text.contains("schedule           linear, T = 1000"), "{text}");
    assert!(text.contains(&format!("quality ratio    {ratio:.3}")), "{text}");
    assert!(text.contains(entry["eval_command"].as_str().unwrap()), "{text}");

    let o = ptheta(&["info", "--weights", "weights/moons-epsilon.safetensors", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["config"]["dataset"], "moons");
    assert_eq!(v["config"]["parameterization"], "epsilon");
    assert_eq!(v["listed"], true);
    assert_eq!(v["eval"]["quality"]["ratio"].as_f64(), Some(ratio));
    assert_eq!(v["eval_command"], entry["eval_command"]);
    assert!(v["parameters"].as_u64().unwrap() > 0);
}

#[test]
fn info_says_plainly_when_a_file_is_not_in_the_manifest() {
    let dir = scratch("unlisted");
    let copy = dir.join("mine.safetensors");
    std::fs::copy(Path::new(ROOT).join("weights/moons-v.safetensors"), &copy).unwrap();
    let o = ptheta(&["info", "--weights", copy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("parameterization   v"), "{text}");
    assert!(text.contains("recorded figures   none: there is no"), "{text}");

    std::fs::write(dir.join("manifest.json"), "[]").unwrap();
    let text = stdout(&ptheta(&["info", "--weights", copy.to_str().unwrap()]));
    assert!(text.contains("none: mine.safetensors is not listed in"), "{text}");
    let o = ptheta(&["info", "--weights", copy.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["listed"], false);
    assert!(v["eval"].is_null());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn info_on_a_file_that_is_not_weights_fails_clearly() {
    let o = ptheta(&["info", "--weights", "Cargo.toml"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.starts_with("error: Cargo.toml: "), "{err}");
    assert!(err.contains("not a safetensors weights file"), "{err}");
    assert!(stdout(&o).is_empty());

    let o = ptheta(&["info", "--weights", "no/such.safetensors"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cannot read no/such.safetensors"), "{}", stderr(&o));
}

#[test]
fn train_still_accepts_steps_and_draws_no_bar_off_a_terminal() {
    let dir = scratch("train");
    let out = dir.join("tiny.safetensors");
    // --steps is the hidden alias of --iterations
    let o = ptheta(&[
        "train",
        "--dataset",
        "moons",
        "--steps",
        "3",
        "--batch",
        "8",
        "--points",
        "64",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        !err.contains('\r'),
        "no progress bar when stderr is not a terminal: {err:?}"
    );
    assert!(err.contains("wrote"), "{err}");
    let cfg = ptheta::model::read_config(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(cfg.train_steps, 3);

    // --quiet, after the subcommand or before it, silences the notes too
    for args in [&["train", "--quiet"][..], &["-q", "train"]] {
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--dataset",
            "moons",
            "--iterations",
            "2",
            "--batch",
            "8",
            "--points",
            "64",
            "--out",
        ]);
        all.push(out.to_str().unwrap());
        let o = ptheta(&all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{all:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_error_after_training_is_on_its_own_line() {
    let dir = scratch("unwritable");
    let out = dir.join("no-such-folder").join("w.safetensors");
    let args = format!(
        "train --dataset moons --iterations 40 --batch 8 --points 64 --out {}",
        out.display()
    );
    let o = ptheta(&args.split(' ').collect::<Vec<_>>());
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.lines().any(|l| l.starts_with("error: cannot write")), "{err:?}");

    // On a terminal (util-linux `script` gives one) the bar is drawn, and its line is ended
    // before the error.
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if cfg!(target_os = "linux") && has_script {
        let line = format!("'{}' {args}", env!("CARGO_BIN_EXE_ptheta"));
        let o = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .current_dir(ROOT)
            .output()
            .unwrap();
        let tty = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(!o.status.success(), "{tty:?}");
        assert!(
            tty.contains("\r[") && tty.contains("40/40"),
            "a bar on a terminal: {tty:?}"
        );
        let at = tty.find("error: cannot write").expect("the error");
        assert!(tty[..at].ends_with('\n'), "the error starts a line: {tty:?}");

        let quiet = Command::new("script")
            .args(["-qec", &format!("{line} --quiet"), "/dev/null"])
            .output()
            .unwrap();
        let tty = String::from_utf8_lossy(&quiet.stdout).into_owned();
        assert!(!tty.contains("\r["), "--quiet draws no bar: {tty:?}");
        assert!(
            tty.contains("error: cannot write"),
            "errors print under --quiet: {tty:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The refusal of a command line by its value parser: exit status 2 (a usage error, not a panic's
/// 101 or an abort's 134), nothing on stdout, and stderr's first line.
fn refused(args: &[&str]) -> String {
    let o = ptheta(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{args:?}");
    stderr(&o).lines().next().unwrap_or_default().to_string()
}

const W: &str = "weights/moons-epsilon.safetensors";

#[test]
fn sizes_beyond_the_catalogs_limits_are_refused_by_flag_before_anything_runs() {
    use ptheta::catalog::{BATCH, BENCH_STEPS, ELBO_POINTS, ITERATIONS, POINTS, SAMPLES, TIMESTEPS};
    let bounds = |l: ptheta::catalog::Limit| format!("must be a whole number from {} to {}", l.min, l.max);
    let u64_max = u64::MAX.to_string();
    let cases: Vec<(Vec<&str>, &str, &str, String)> = vec![
        (
            vec!["sample", "--weights", W, "--out", "x.csv", "--samples", "1e9"],
            "--samples <SAMPLES>",
            "1e9",
            bounds(SAMPLES),
        ),
        (
            vec!["sample", "--weights", W, "--out", "x.csv", "--samples", &u64_max],
            "--samples <SAMPLES>",
            &u64_max,
            bounds(SAMPLES),
        ),
        (
            vec!["sample", "--weights", W, "--out", "x.csv", "--steps", "0"],
            "--steps <STEPS>",
            "0",
            bounds(ptheta::catalog::STEPS),
        ),
        (
            vec!["train", "--dataset", "moons", "--out", "x", "--timesteps", "1000000000"],
            "--timesteps <TIMESTEPS>",
            "1000000000",
            bounds(TIMESTEPS),
        ),
        (
            vec!["train", "--dataset", "moons", "--out", "x", "--batch", "1000000000"],
            "--batch <BATCH>",
            "1000000000",
            bounds(BATCH),
        ),
        (
            vec!["train", "--dataset", "moons", "--out", "x", "--batch", "0"],
            "--batch <BATCH>",
            "0",
            bounds(BATCH),
        ),
        (
            vec!["train", "--dataset", "moons", "--out", "x", "--points", "10000000000"],
            "--points <POINTS>",
            "10000000000",
            bounds(POINTS),
        ),
        (
            vec!["train", "--dataset", "moons", "--out", "x", "--iterations", "0"],
            "--iterations <ITERATIONS>",
            "0",
            bounds(ITERATIONS),
        ),
        (
            vec!["eval", "--weights", W, "--elbo-points", "1000000000"],
            "--elbo-points <ELBO_POINTS>",
            "1000000000",
            bounds(ELBO_POINTS),
        ),
        (
            vec!["eval", "--weights", W, "--seeds", "0"],
            "--seeds <SEEDS>",
            "0",
            bounds(ptheta::catalog::EVAL_SEEDS),
        ),
        (
            vec!["bench", "--weights", W, "--steps", "1"],
            "--steps <STEPS>",
            "1",
            bounds(BENCH_STEPS),
        ),
        (
            vec!["bench", "--weights", W, "--samples", "0"],
            "--samples <SAMPLES>",
            "0",
            bounds(SAMPLES),
        ),
        (
            vec!["bench", "--weights", W, "--threads", "0"],
            "--threads <THREADS>",
            "0",
            bounds(ptheta::catalog::THREADS),
        ),
        (
            vec!["bench-gpu", "--weights", W, "--steps", "1"],
            "--steps <STEPS>",
            "1",
            bounds(BENCH_STEPS),
        ),
        (
            vec!["bench-gpu", "--weights", W, "--samples", "1024,99999999999"],
            "--samples <SAMPLES>",
            "99999999999",
            bounds(SAMPLES),
        ),
    ];
    for (args, flag, value, says) in cases {
        assert_eq!(
            refused(&args),
            format!("error: invalid value '{value}' for '{flag}': {says}"),
            "{args:?}"
        );
    }
}

#[test]
fn ema_and_learning_rate_are_refused_outside_their_range() {
    let base = ["train", "--dataset", "moons", "--out", "x"];
    for (flag, value, says) in [
        ("--ema", "-5", "must be at least 0 and below 1, got -5"),
        ("--ema", "1", "must be at least 0 and below 1, got 1"),
        ("--ema", "NaN", "must be at least 0 and below 1, got NaN"),
        ("--ema", "lots", "must be a number"),
        ("--lr", "0", "must be a finite number above 0, got 0"),
        ("--lr", "-0.001", "must be a finite number above 0, got -0.001"),
        ("--lr", "inf", "must be a finite number above 0, got inf"),
    ] {
        let mut args = base.to_vec();
        args.extend([flag, value]);
        let name = &flag[2..];
        assert_eq!(
            refused(&args),
            format!(
                "error: invalid value '{value}' for '{flag} <{}>': {says}",
                name.to_uppercase()
            ),
        );
    }
}

/// `n` points of a built-in dataset as CSV text.
fn csv_of(n: usize) -> String {
    ptheta::data::to_csv(&Dataset::Moons.sample(n, 3).unwrap(), 2)
}

#[test]
fn eval_on_a_csv_draws_its_reference_from_the_csv_or_says_how_many_points_it_needs() {
    let dir = scratch("eval-csv");
    let small = dir.join("small.csv");
    std::fs::write(&small, csv_of(100)).unwrap();
    let args = |csv: &Path, samples: &str| {
        let mut a = vec![
            "eval",
            "--weights",
            W,
            "--steps",
            "10",
            "--elbo-points",
            "0",
            "--json",
            "--samples",
        ];
        a.push(samples);
        a.extend(["--csv"]);
        a.push(csv.to_str().unwrap());
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| ptheta(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // 100 points cannot give nine disjoint draws of 50
    let o = run(args(&small, "50"));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "error: {}: 100 points are too few for the quality ratio at --samples 50: it compares ",
            small.display()
        )),
        "{err}"
    );
    let draws: usize = err
        .split("compares ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(draws >= 3, "a held-out draw and two for the reference at least: {err}");
    assert!(
        err.contains(&format!(
            "so it needs {}; give --samples {} or fewer",
            draws * 50,
            100 / draws
        )),
        "{err}"
    );
    assert!(stdout(&o).is_empty());

    // with enough points the ratio is a finite number and the reference is not zero
    let ok = dir.join("ok.csv");
    std::fs::write(&ok, csv_of(draws * 40)).unwrap();
    let o = run(args(&ok, "40"));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ratio = v["quality"]["ratio"].as_f64().expect("a number");
    assert!(ratio.is_finite() && ratio > 0.0 && ratio < 100.0, "{v}");
    assert!(v["quality"]["reference"].as_f64().unwrap() > 0.0, "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_figure_that_is_not_finite_is_an_error_and_never_printed() {
    let dir = scratch("eval-same");
    let same = dir.join("same.csv");
    // every point the same: two draws of it are at distance 0, so no ratio exists
    std::fs::write(&same, "1,1\n".repeat(2000)).unwrap();
    let line = format!(
        "'{}' eval --weights {W} --steps 10 --elbo-points 0 --samples 40 --csv {}",
        env!("CARGO_BIN_EXE_ptheta"),
        same.display()
    );
    let o = ptheta(&line.split(' ').skip(1).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).is_empty(), "nothing printed as a result: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: quality."), "{err}");
    assert!(
        err.contains("came out NaN or infinite, so there is no figure to report"),
        "{err}"
    );
    // on a terminal the chain's bar is ended before the error
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if cfg!(target_os = "linux") && has_script {
        let o = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .current_dir(ROOT)
            .output()
            .unwrap();
        let tty = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(tty.contains("\r[") && tty.contains("10/10"), "a bar: {tty:?}");
        let at = tty.find("error: quality.").expect("the error");
        assert!(tty[..at].ends_with('\n'), "the error starts a line: {tty:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_errors_name_the_line_and_quote_it_briefly() {
    let dir = scratch("csv-errors");
    let train = |csv: &Path| {
        ptheta(&[
            "train",
            "--csv",
            csv.to_str().unwrap(),
            "--iterations",
            "2",
            "--batch",
            "8",
            "--out",
            dir.join("w.safetensors").to_str().unwrap(),
        ])
    };
    let f = dir.join("huge-value.csv");
    std::fs::write(&f, "x,y\n1,2\n3,4e39\n").unwrap();
    let o = train(&f);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: line 3: '4e39' is beyond the range of 32-bit floats (±3.4e38)\n",
            f.display()
        )
    );

    let f = dir.join("long-line.csv");
    std::fs::write(&f, format!("1,2\n{}\n", "x".repeat(600_000))).unwrap();
    let err = stderr(&train(&f));
    assert!(err.len() < 400, "the 600 KB line is not echoed: {} bytes", err.len());
    assert!(
        err.contains("line 2: expected 2 values 'x,y', found 1 field(s) in 'xxxx"),
        "{err}"
    );
    assert!(err.ends_with("x…'\n"), "{err}");

    let f = dir.join("bom.csv");
    std::fs::write(&f, format!("\u{feff}{}", csv_of(64).trim_start_matches("x,y\n"))).unwrap();
    let o = train(&f);
    assert!(o.status.success(), "a BOM without a header: {}", stderr(&o));

    let f = dir.join("latin1.csv");
    std::fs::write(&f, b"1,2\n3,\xe9\n").unwrap();
    let o = train(&f);
    assert_eq!(
        stderr(&o),
        format!("error: {}: not UTF-8 text at byte 6\n", f.display())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn endless_or_oversized_files_are_refused_after_reading_their_limit() {
    use ptheta::catalog::{CSV_BYTES, WEIGHTS_BYTES};
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let o = ptheta(&["info", "--weights", "/dev/zero"]);
    assert_eq!(
        stderr(&o),
        format!(
            "error: /dev/zero: the weights file is larger than the {} bytes pθ reads\n",
            WEIGHTS_BYTES.max
        )
    );
    let o = ptheta(&["train", "--csv", "/dev/zero", "--out", "x"]);
    assert_eq!(
        stderr(&o),
        format!(
            "error: /dev/zero: the CSV is larger than the {} bytes pθ reads\n",
            CSV_BYTES.max
        )
    );
}

#[test]
fn a_weights_file_with_an_absurd_configuration_is_refused_by_field() {
    let dir = scratch("absurd");
    let bytes = std::fs::read(Path::new(ROOT).join(W)).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + n].to_vec()).unwrap();
    // the same length keeps the tensors' offsets valid
    let bad = header.replacen(r#"\"timesteps\":1000"#, r#"\"timesteps\":9999"#, 1);
    assert_ne!(bad, header);
    let mut out = bytes[..8].to_vec();
    out.extend(bad.as_bytes());
    out.extend(&bytes[8 + n..]);
    let f = dir.join("absurd.safetensors");
    std::fs::write(&f, out).unwrap();
    for cmd in ["info", "sample", "eval"] {
        let mut args = vec![cmd, "--weights", f.to_str().unwrap()];
        if cmd == "sample" {
            args.extend(["--out", "x.csv"]);
        }
        let o = ptheta(&args);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        assert_eq!(
            stderr(&o),
            format!(
                "error: {}: weights configuration field 'timesteps' is 9999; pθ accepts a whole number from 2 to 1000\n",
                f.display()
            ),
            "{cmd}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn half_writes_f16_only_where_the_samples_stay() {
    let dir = scratch("half");
    // a μ model: its 1000-step chain moves many samples when its weights are rounded
    let out = dir.join("mean-half.safetensors");
    let o = ptheta(&[
        "half",
        "--weights",
        "weights/moons-mean.safetensors",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("kept as f32, nothing written"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
    // a shipped ε model written back as f32 (its weights are f16 numbers, so rounding them to f16
    // again moves nothing): written, in half the bytes
    let shipped = std::fs::read("weights/moons-epsilon.safetensors").unwrap();
    let st = safetensors::SafeTensors::deserialize(&shipped).unwrap();
    assert!(
        st.tensors().iter().all(|(_, v)| v.dtype() == safetensors::Dtype::F16),
        "the shipped ε model is stored as f16"
    );
    let widened: Vec<(String, Vec<usize>, Vec<u8>)> = st
        .tensors()
        .into_iter()
        .map(|(n, v)| {
            let data = v
                .data()
                .chunks_exact(2)
                .flat_map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32().to_le_bytes())
                .collect();
            (n, v.shape().to_vec(), data)
        })
        .collect();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&shipped).unwrap();
    let views = widened.iter().map(|(n, s, d)| {
        (
            n.clone(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), d).unwrap(),
        )
    });
    let tiny = dir.join("epsilon-f32.safetensors");
    std::fs::write(&tiny, safetensors::serialize(views, meta.metadata().clone()).unwrap()).unwrap();
    let out = dir.join("epsilon-half.safetensors");
    let o = ptheta(&[
        "half",
        "--weights",
        tiny.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("99th percentile 0.0e0"),
        "it says how far the samples moved: {}",
        stderr(&o)
    );
    let (before, after) = (std::fs::read(&tiny).unwrap(), std::fs::read(&out).unwrap());
    assert!(
        after.len() < before.len() * 6 / 10,
        "{} → {} bytes",
        before.len(),
        after.len()
    );
    ptheta::model::Denoiser::from_safetensors(&after).expect("the f16 file loads");
}
