//! `cargo xtask serve` and `cargo xtask test`: the contributor's two commands. Each installs what
//! is missing (saying what), then builds and serves, or runs every test and prints
//! `N passed, N failed` and the time it took. `cargo xtask dist` writes the finished site for a
//! static host, `cargo xtask pkg` the npm package; both from the same Trunk build.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRUNK_VERSION: &str = "0.21.14";

/// The Debian packages the tests need, the one list (`.ci/run` lets `cargo xtask test` install
/// them): Chromium and its WebDriver for the browser tests, and lavapipe, the Vulkan driver the
/// native WebGPU tests (`tests/gpu.rs`, `tests/engine.rs`) run on where there is no GPU.
const DEBIAN_PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "mesa-vulkan-drivers"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    std::env::set_current_dir(&root).unwrap();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("install-test-packages") => install_test_packages(),
        Some("bench") => bench(),
        Some("dist") => dist(&args[1..]),
        Some("pkg") => pkg(&args[1..]),
        _ => Err(
            "usage: cargo xtask serve [--port N] [--host ADDRESS] | cargo xtask test | cargo xtask dist [--out DIR] | cargo xtask pkg | cargo xtask bench | cargo xtask install-test-packages"
                .into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn have(program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program).arg(arg).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The exact wasm-bindgen version in Cargo.lock: the CLI must match it.
fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string("Cargo.lock").map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

fn install_build_tools() -> Result<(), String> {
    let targets = have("rustup", "--version").and_then(|_| {
        let o = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&o.stdout).to_string())
    });
    if !targets.unwrap_or_default().contains("wasm32-unknown-unknown") {
        eprintln!("xtask: installing the wasm32-unknown-unknown target (rustup)");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
            .map_err(|e| format!("{e}\nxtask: install rustup from https://rustup.rs, then retry"))?;
    }
    let wb = locked_wasm_bindgen()?;
    if !have("wasm-bindgen", "--version").is_some_and(|v| v.ends_with(&wb)) {
        eprintln!("xtask: installing wasm-bindgen-cli {wb} to match Cargo.lock (a few minutes)");
        // Not --locked: one of its locked dependencies is missing from some registry mirrors.
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wb]))?;
    }
    if !have("trunk", "--version").is_some_and(|v| v.ends_with(TRUNK_VERSION)) {
        eprintln!("xtask: installing trunk {TRUNK_VERSION} (about 5 minutes)");
        // 0.22 needs a newer rustc; 0.21 only builds with its own lock file.
        run(Command::new("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    }
    if have("node", "--version").is_none() || have("npm", "--version").is_none() {
        return Err(
            "Node.js and npm are needed (for KaTeX, Playwright and the linter): install Node.js 20 or later".into(),
        );
    }
    if npm_packages_missing() {
        eprintln!("xtask: installing npm packages (npm ci)");
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}

/// True when node_modules lacks a package that package.json lists (e.g. one added since the last
/// `npm ci`), so a checkout with an older node_modules is brought up to date.
fn npm_packages_missing() -> bool {
    let Ok(text) = std::fs::read_to_string("package.json") else {
        return true;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return true;
    };
    let names = ["dependencies", "devDependencies"]
        .iter()
        .filter_map(|k| json[k].as_object())
        .flat_map(|deps| deps.keys().cloned())
        .collect::<Vec<_>>();
    !Path::new("node_modules/.package-lock.json").exists()
        || names
            .iter()
            .any(|n| !Path::new("node_modules").join(n).join("package.json").exists())
}

fn install_test_tools() -> Result<(), String> {
    install_build_tools()?;
    if have("wasm-pack", "--version").is_none() {
        eprintln!("xtask: installing wasm-pack");
        run(Command::new("cargo").args(["install", "wasm-pack"]))?;
    }
    install_test_packages()
}

/// Whether dpkg has `package` installed.
fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).ends_with(" installed"))
}

/// Installs the missing [`DEBIAN_PACKAGES`] with apt-get as root, or says which to install.
fn install_test_packages() -> Result<(), String> {
    if have("dpkg-query", "--version").is_none() {
        return Err(format!(
            "the tests need the Debian packages {} (or your system's equivalents: Chromium at \
             /usr/bin/chromium, ChromeDriver at /usr/bin/chromedriver, Mesa's lavapipe Vulkan driver); \
             this is not a Debian system, so install them yourself and retry",
            DEBIAN_PACKAGES.join(", ")
        ));
    }
    let missing: Vec<&str> = DEBIAN_PACKAGES.into_iter().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = have("id", "-u").as_deref() == Some("0");
    if !root || have("apt-get", "--version").is_none() {
        return Err(format!(
            "the tests need {}: run `sudo apt-get install {}`, then retry",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    eprintln!("xtask: installing {} (apt-get)", missing.join(", "));
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn trunk_build() -> Result<(), String> {
    run(Command::new("trunk").args(["build", "--release"]))
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut port = "8080".to_string();
    let mut it = args.iter();
    let mut host = "127.0.0.1".to_string();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => port = it.next().ok_or("--port needs a number")?.clone(),
            // 0.0.0.0: every address of this machine, so a classroom on the same network can open it
            "--host" => host = it.next().ok_or("--host needs an address, e.g. 0.0.0.0")?.clone(),
            other => return Err(format!("unknown option {other}")),
        }
    }
    port.parse::<u16>()
        .map_err(|_| format!("--port {port} is not a port number"))?;
    host.parse::<std::net::IpAddr>()
        .map_err(|_| format!("--host {host} is not an IP address (0.0.0.0 for every address of this machine)"))?;
    install_build_tools()?;
    let shown = if host == "0.0.0.0" {
        "every address of this machine".to_string()
    } else {
        host.clone()
    };
    eprintln!("xtask: building and serving the lesson on {shown}, port {port} (http://{host}:{port}/, embedding script /ptheta-widgets.js)");
    run(Command::new("trunk").args(["serve", "--release", "--address", &host, "--port", &port]))
}

/// The site for a static host: Trunk's build, every file but the entry points renamed with a hash
/// of its content (`tools/site.mjs`, which holds the list of entry points).
fn dist(args: &[String]) -> Result<(), String> {
    let mut out = "target/site".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().ok_or("--out needs a folder")?.clone(),
            other => return Err(format!("unknown option {other} (cargo xtask dist [--out DIR])")),
        }
    }
    install_build_tools()?;
    trunk_build()?;
    run(Command::new("node").args(["tools/site.mjs", "dist", &out]))?;
    eprintln!(
        "xtask: the site is in {out}: serve that folder from any path of any static host; send \
         `Cache-Control: no-cache` with the entry points and `Cache-Control: public, max-age=31536000, immutable` \
         with every other file (README, \"Putting the site on a host\")"
    );
    Ok(())
}

/// The npm package in pkg/: the same Trunk build as the site (no second wasm build), plus the
/// types and the custom-elements manifest generated from the catalog (`tests/elements.rs`).
fn pkg(args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("unknown option {other} (cargo xtask pkg takes none)"));
    }
    install_build_tools()?;
    trunk_build()?;
    run(Command::new("node").args(["tools/pkg.mjs", "dist", "pkg"]))
}

/// One test step: its name, the (passed, failed) counts it reported, and how long it ran.
struct Outcome {
    name: &'static str,
    passed: usize,
    failed: usize,
    took: Duration,
}

/// `12m 03s`, `41s`.
fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Runs a command, echoing its output, and counts tests from the lines it prints: cargo's
/// `test result: … N passed; M failed`, and our scripts' `# N passed, M failed`. A command that
/// fails without reporting counts is one failure, so nothing fails silently.
fn step(name: &'static str, cmd: &mut Command) -> Outcome {
    eprintln!("\n=== {name}: {cmd:?}");
    let started = Instant::now();
    let out = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).output();
    let (ok, text) = match out {
        Ok(o) => (o.status.success(), String::from_utf8_lossy(&o.stdout).to_string()),
        Err(e) => (false, format!("cannot start: {e}")),
    };
    print!("{text}");
    let (mut passed, mut failed) = (0, 0);
    for line in text.lines() {
        let l = line.trim_start_matches("# ");
        if let Some(rest) = l.strip_prefix("test result: ") {
            passed += count(rest, " passed");
            failed += count(rest, " failed");
        } else if l.contains(" passed, ") && l.ends_with(" failed") {
            passed += count(l, " passed");
            failed += count(l, " failed");
        }
    }
    if !ok && failed == 0 {
        failed = 1;
    }
    if ok && passed == 0 && failed == 0 {
        passed = 1; // a check with no test count (clippy, fmt, lint) counts as one
    }
    let took = started.elapsed();
    eprintln!("=== {name}: {passed} passed, {failed} failed ({})", minutes(took));
    Outcome {
        name,
        passed,
        failed,
        took,
    }
}

fn count(s: &str, word: &str) -> usize {
    s.find(word)
        .and_then(|i| s[..i].rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .unwrap_or(0)
}

/// One project of playwright.config.mjs (the JS test runner, with the system Chromium). Its count
/// reporter prints `# N passed, M failed`, counting any test that did not pass, any error outside
/// a test and a run that failed without a failed test (no browser, no tests found) as failed.
fn playwright(project: &str) -> Command {
    let mut cmd = Command::new("npx");
    cmd.args(["playwright", "test", "--project", project])
        // never download a browser: the config points at /usr/bin/chromium
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    cmd
}

/// Every stage runs whatever failed before it (a failed stage cannot hide a later one), each
/// counted; the summary gives each stage's counts and time, the total wall time, and last
/// `N passed, M failed`; any failure makes the exit status nonzero.
fn test() -> Result<(), String> {
    let started = Instant::now();
    install_test_tools()?;
    let wasm = ["--target", "wasm32-unknown-unknown"];
    let mut outcomes = vec![
        step("rustfmt", Command::new("cargo").args(["fmt", "--all", "--check"])),
        step(
            "clippy native",
            Command::new("cargo").args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        ),
        step(
            "clippy wasm32",
            Command::new("cargo")
                .args(["clippy", "--lib", "--tests"])
                .args(wasm)
                .args(["--", "-D", "warnings"]),
        ),
        step(
            "cargo test",
            // lavapipe is one of DEBIAN_PACKAGES: the native WebGPU tests must not skip. Without
            // --no-fail-fast cargo stops at the first failing test binary and never runs the rest.
            Command::new("cargo")
                .args(["test", "--workspace", "--no-fail-fast"])
                .env("PTHETA_REQUIRE_GPU", "1"),
        ),
        step("eslint", Command::new("npx").args(["eslint", "."])),
    ];
    // the `ptheta` that `cargo test` just built (tests/shipped.spec.mjs): no second, release build
    outcomes.push(step("shipped weights", &mut playwright("shipped")));
    outcomes.push(step(
        "wasm-pack test (headless Chromium)",
        Command::new("wasm-pack")
            .args([
                "test",
                "--headless",
                "--chrome",
                "--",
                "--test",
                "web",
                "--test",
                "web_gpu",
            ])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "600"),
    ));
    let built = step("trunk build", Command::new("trunk").args(["build", "--release"]));
    let built_ok = built.failed == 0;
    outcomes.push(built);
    if built_ok {
        outcomes.push(step("browser end-to-end (Playwright)", &mut playwright("cpu")));
        outcomes.push(step("lesson page end-to-end (Playwright)", &mut playwright("lesson")));
        outcomes.push(step(
            "WebGPU end-to-end (Playwright, SwiftShader)",
            &mut playwright("webgpu"),
        ));
    } else {
        outcomes.push(Outcome {
            name: "browser end-to-end (not run: no build)",
            passed: 0,
            failed: 1,
            took: Duration::ZERO,
        });
    }
    let passed: usize = outcomes.iter().map(|o| o.passed).sum();
    let failed: usize = outcomes.iter().map(|o| o.failed).sum();
    eprintln!();
    for o in &outcomes {
        eprintln!(
            "  {:<44} {} passed, {} failed  {:>8}",
            o.name,
            o.passed,
            o.failed,
            minutes(o.took)
        );
    }
    eprintln!("total time: {}", minutes(started.elapsed()));
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        Err(format!("{failed} failed"))
    } else {
        Ok(())
    }
}

fn bench() -> Result<(), String> {
    install_test_tools()?;
    trunk_build()?;
    // the lesson page's start: first frame and bytes before it (target/bench/start.json)
    run(Command::new("node").arg("tests/e2e/bench-start.mjs"))?;
    // ONLY=start: that part alone (the rest takes minutes)
    if std::env::var("ONLY").as_deref() == Ok("start") {
        return Ok(());
    }
    run(Command::new("cargo").args(["build", "--release", "--bin", "ptheta"]))?;
    // The peers (TensorFlow.js, ONNX Runtime Web) stay out of the package.json the tests install.
    if !Path::new("bench/node_modules/.package-lock.json").exists() {
        eprintln!("xtask: installing the benchmark's peers (npm ci --prefix bench)");
        run(Command::new("npm").args(["ci", "--prefix", "bench", "--no-audit", "--no-fund"]))?;
    }
    // one table, target/bench/results.json and results.svg
    run(Command::new("node").arg("tests/e2e/bench.mjs"))?;
    // the same WGSL natively (lavapipe here, the card where there is one)
    run(Command::new("target/release/ptheta").args([
        "bench-gpu",
        "--weights",
        "weights/moons-epsilon.safetensors",
        "--steps",
        "4",
    ]))
}
