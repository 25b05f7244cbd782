//! The elements' reference for tools (src/elements.rs): the Custom Elements Manifest and the
//! TypeScript types shipped in the npm package are the ones it generates, and what it says
//! matches where each fact lives: the modules that define the elements and read their
//! attributes, the events `www/js/widgets.js` lists, the README's Events table, and the theme's
//! stylesheet.
//!
//! `PTHETA_BLESS=1 cargo test --test elements` rewrites `www/custom-elements.json` and
//! `www/ptheta-widgets.d.ts`.

use ptheta::catalog::CHAIN_ATTRIBUTES;
use ptheta::elements::{self, Kind, DOCUMENT_EVENTS};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn css() -> Vec<(String, String)> {
    elements::css_properties(&read("www/js/theme.css"))
}

/// Writes `generated` to `path` under PTHETA_BLESS=1; fails while the file differs.
fn blessed(path: &str, generated: &str) {
    if std::env::var("PTHETA_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(root().join(path), generated).unwrap();
    }
    assert!(
        std::fs::read_to_string(root().join(path)).unwrap_or_default() == generated,
        "{path} is not what src/elements.rs generates: run `PTHETA_BLESS=1 cargo test --test elements`"
    );
}

#[test]
fn the_published_manifest_and_types_are_the_ones_generated() {
    blessed("www/custom-elements.json", &elements::manifest_json(&css()));
    blessed("www/ptheta-widgets.d.ts", &elements::typescript());
}

#[test]
fn the_manifest_holds_the_catalogs_names() {
    let m = elements::manifest(&css());
    let chain = m["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|module| module["declarations"].as_array().unwrap())
        .find(|d| d["tagName"] == "ptheta-chain")
        .expect("ptheta-chain is declared");
    let names: Vec<&str> = chain["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [CHAIN_ATTRIBUTES.as_slice(), &["lang"]].concat(),
        "the chain's attributes are the catalog's, in its order, and HTML's lang"
    );
    let dataset = chain["attributes"][0]["type"]["text"].as_str().unwrap();
    for d in ptheta::data::Dataset::ALL {
        assert!(
            dataset.contains(&format!("\"{d}\"")),
            "dataset's type names every world <ptheta-chain> runs, in the plane or of images: {d}: {dataset}"
        );
    }
    let theme = chain["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "theme")
        .unwrap();
    assert_eq!(theme["type"]["text"], "\"auto\" | \"light\" | \"dark\"");
    let aliases: Vec<&str> = elements::name_types().iter().map(|(a, ..)| *a).collect();
    for e in elements::elements() {
        for a in &e.attributes {
            if let Kind::Names(alias) = a.kind {
                assert!(
                    aliases.contains(&alias),
                    "{} {}: {alias} is one of name_types()",
                    e.tag,
                    a.name
                );
            }
        }
    }
}

/// The string literals in `source` after each `prefix` (`getAttribute('` → the names read).
fn quoted_after(source: &str, prefix: &str) -> Vec<String> {
    source
        .split(prefix)
        .skip(1)
        .filter_map(|rest| rest.split(['\'', '"']).next())
        .map(str::to_string)
        .collect()
}

/// The names in a module's `observedAttributes` list, but the base class's (`...super.…`).
fn observed(source: &str) -> BTreeSet<String> {
    let Some(list) = source.split("observedAttributes() { return [").nth(1) else {
        return BTreeSet::new();
    };
    list.split(']')
        .next()
        .unwrap()
        .split(',')
        .map(|n| n.trim().trim_matches(['\'', '"']).to_string())
        .filter(|n| !n.starts_with("..."))
        .collect()
}

/// The attributes a panel's module reads: observed, read with getAttribute/hasAttribute or
/// checked with oneOf, and `for` when it follows a chain (defines `update()`: see panel.js).
fn read_attributes(source: &str) -> BTreeSet<String> {
    let mut names = observed(source);
    // a panel observes the base class's attributes (panel.js) besides its own
    if source.contains(" extends Panel {") {
        names.extend(observed(&read("www/js/widgets/panel.js")));
    }
    for prefix in ["getAttribute('", "hasAttribute('", "oneOf(this, '"] {
        names.extend(quoted_after(source, prefix));
    }
    if source.contains("\n  update() {") || source.contains("\n  async update() {") {
        names.insert("for".into());
    }
    names
}

#[test]
fn each_element_is_defined_by_its_module_and_reads_the_attributes_it_documents() {
    for e in elements::elements() {
        let source = read(&format!("www/{}", e.module));
        assert!(
            source.contains(&format!("define('{}', {})", e.tag, e.class)),
            "{} defines <{}> as {}",
            e.module,
            e.tag,
            e.class
        );
        if e.tag == "ptheta-chain" {
            assert!(
                source.contains("return [...CATALOG.chainAttributes, 'lang'];"),
                "the chain observes the catalog's attributes and lang"
            );
            continue;
        }
        let documented: BTreeSet<String> = e.attributes.iter().map(|a| a.name.to_string()).collect();
        assert_eq!(
            read_attributes(&source),
            documented,
            "<{}>: the attributes {} reads",
            e.tag,
            e.module
        );
    }
}

#[test]
fn the_events_are_the_ones_the_widgets_fire_and_the_readme_lists() {
    let widgets = read("www/js/widgets.js");
    let list = widgets
        .split("export const EVENTS = Object.freeze([")
        .nth(1)
        .unwrap()
        .split("])")
        .next()
        .unwrap();
    let fired: BTreeSet<String> = list
        .split(',')
        .map(|n| n.trim().trim_matches('\'').to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let all = elements::elements();
    let described: BTreeSet<String> = all
        .iter()
        .flat_map(|e| e.events.iter().map(|ev| ev.name.to_string()))
        .collect();
    assert_eq!(described, fired, "the elements' events are www/js/widgets.js's EVENTS");

    let readme = read("README.md");
    let table = readme.split("### Events").nth(1).expect("README has an Events section");
    let rows: Vec<(String, String)> = table
        .lines()
        .skip_while(|l| !l.starts_with("| `ptheta-"))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].to_string())
        })
        .collect();
    let listed: BTreeSet<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    let mut expected = described.clone();
    expected.extend(DOCUMENT_EVENTS.iter().map(|e| e.name.to_string()));
    assert_eq!(listed, expected, "the README's Events table lists every event");
    for e in &all {
        for ev in e.events.iter().filter(|ev| ev.name != "ptheta-error") {
            let from = &rows.iter().find(|(n, _)| n == ev.name).unwrap().1;
            assert!(
                from.contains(&format!("`<{}>`", e.tag)),
                "README: {} comes from <{}>, not {from}",
                ev.name,
                e.tag
            );
        }
    }
}

#[test]
fn the_css_properties_are_the_themes() {
    let props = css();
    let names: Vec<&str> = props.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.len() >= 20 && names.contains(&"--ptheta-ink") && names.contains(&"--ptheta-font"),
        "{names:?}"
    );
    let ink = props.iter().find(|(n, _)| n == "--ptheta-data").unwrap();
    assert_eq!(
        ink.1, "rgba(120, 120, 135, .28)",
        "a default with parentheses is read whole"
    );
    let readme = read("README.md");
    for n in names {
        assert!(
            readme.contains(&format!("`{n}`")),
            "the README's theming list names {n}"
        );
    }
}
