//! The page only shows what Rust knows: no JS file under www/js spells a name, a limit or a
//! formula the catalog (src/catalog.rs) or the math owns. Names, ranges and rules reach the page
//! through `catalog()`; numbers of the equations through the inspection's `coefficients`.
//! Message files (www/i18n) may name things: they are the words, not the facts.

use ptheta::catalog::{self, Backend, Draw, PlotSchedule};
use ptheta::data::Dataset;
use ptheta::diffusion::{Parameterization, ScheduleKind, Variance};
use std::path::{Path, PathBuf};

fn js_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            js_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "js" || e == "mjs") {
            out.push(path);
        }
    }
}

/// Every catalog name a JS file must not spell as a string literal.
fn names() -> Vec<String> {
    let mut n: Vec<String> = Vec::new();
    n.extend(Dataset::ALL.iter().map(|d| d.name().to_string()));
    n.extend(Parameterization::ALL.iter().map(|p| p.name().to_string()));
    n.extend(Variance::ALL.iter().map(|v| v.name().to_string()));
    n.extend(ScheduleKind::ALL.iter().map(|s| s.name().to_string()));
    n.extend(PlotSchedule::ALL.iter().map(|s| s.name().to_string()));
    n.extend(
        Backend::ALL
            .iter()
            .filter(|b| **b != Backend::Auto)
            .map(|b| b.name().to_string()),
    );
    n.extend(Draw::ALL.iter().map(|d| d.name().to_string()));
    n
}

/// Every upper limit, which a JS file must not spell as a number.
fn limits() -> Vec<String> {
    let mut l = Vec::new();
    for lim in [
        catalog::SAMPLES,
        catalog::STEPS,
        catalog::SEED,
        catalog::PLOT_TIMESTEPS,
        catalog::HISTOGRAM_BINS,
    ] {
        l.push(lim.max.to_string());
    }
    l
}

/// What `source` spells that it must not: quoted names, limit numbers, formula arithmetic.
fn facts_in(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for name in names() {
        for q in ['\'', '"', '`'] {
            if source.contains(&format!("{q}{name}{q}")) {
                found.push(format!("the name {q}{name}{q}"));
            }
        }
    }
    let digits: Vec<&str> = source
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .filter(|w| !w.is_empty())
        .collect();
    for limit in limits() {
        if digits.contains(&limit.as_str()) {
            found.push(format!("the limit {limit}"));
        }
    }
    // the schedule's coefficients are square roots and exponentials of ᾱ and β: Rust's
    for f in ["Math.sqrt", "Math.exp", "** 0.5", "**0.5"] {
        if source.contains(f) {
            found.push(format!("the arithmetic {f}"));
        }
    }
    found
}

#[test]
fn no_js_file_spells_a_catalog_fact() {
    let mut files = Vec::new();
    js_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/www/js")), &mut files);
    assert!(files.len() > 5, "found the page's scripts: {files:?}");
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for fact in facts_in(&text) {
            bad.push(format!("{}: {fact}", f.display()));
        }
    }
    assert!(bad.is_empty(), "facts that belong to Rust:\n{}", bad.join("\n"));
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let old_state_js = "export const DATASETS = ['moons', 'swiss-roll'];\nconst INTS = { samples: [16, 8192], seed: [0, 4294967295] };";
    let found = facts_in(old_state_js);
    assert!(found.contains(&"the name 'moons'".to_string()), "{found:?}");
    assert!(found.contains(&"the limit 4294967295".to_string()), "{found:?}");
    let old_inspector = "const c = beta / Math.sqrt(1 - ab);";
    assert_eq!(facts_in(old_inspector), ["the arithmetic Math.sqrt"]);
    assert!(facts_in("msg(`param.${p}`); const half = view.half;").is_empty());
}
