//! The page's messages (`www/i18n/<language>.json`, read by `www/js/i18n.js`) against the catalog
//! and the page: one file per `Language`, each with exactly English's keys, the same `{placeholder}`
//! names and the same number of `$…$` maths spans in every message; every key `www/index.html`
//! names exists; and every key the page builds from a catalog name (`ds.<dataset>`,
//! `param.<parameterization>`, `eq.p.<parameterization>`, `var.<variance>`, `sch.<plot schedule>`)
//! exists, so a new dataset or variance without its label fails here, not in a reader's browser.
//! The `controls` module shows that each comparison does reject a bad file.

use ptheta::catalog::{self, Language};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

type Messages = BTreeMap<String, String>;

fn www() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www")
}

/// A message file as a flat map of strings, or what is wrong with it.
fn parse(text: &str) -> Result<Messages, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    let mut out = Messages::new();
    for (key, v) in object {
        match v.as_str() {
            Some(s) if !s.trim().is_empty() => {
                out.insert(key.clone(), s.to_string());
            }
            Some(_) => return Err(format!("\"{key}\" is empty")),
            None => return Err(format!("\"{key}\" is not a string")),
        }
    }
    Ok(out)
}

fn load(lang: &str) -> Messages {
    let path = www().join("i18n").join(format!("{lang}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: missing for language \"{lang}\": {e}", path.display()));
    parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `{name}` placeholders of a message, as `t()` in i18n.js finds them (`/\{(\w+)\}/g`).
fn placeholders(msg: &str) -> BTreeSet<String> {
    let bytes = msg.as_bytes();
    let mut out = BTreeSet::new();
    for (i, _) in msg.match_indices('{') {
        let name: String = msg[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && bytes.get(i + 1 + name.len()) == Some(&b'}') {
            out.insert(name);
        }
    }
    out
}

/// Dollar signs in a message: each `$…$` maths span has two (tex.js's `rich`).
fn dollars(msg: &str) -> usize {
    msg.matches('$').count()
}

/// Everything that differs between English and a translation: missing and extra keys, and per
/// message a different set of placeholders or a different number of maths spans.
fn compare(en: &Messages, other: &Messages, lang: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for key in en.keys().filter(|k| !other.contains_key(*k)) {
        problems.push(format!("{lang}: no message \"{key}\""));
    }
    for key in other.keys().filter(|k| !en.contains_key(*k)) {
        problems.push(format!("{lang}: \"{key}\" is not in en.json"));
    }
    for (key, text) in other {
        let Some(english) = en.get(key) else { continue };
        let (want, got) = (placeholders(english), placeholders(text));
        if want != got {
            problems.push(format!(
                "{lang}: \"{key}\" has placeholders {got:?}, English has {want:?}"
            ));
        }
        if !dollars(text).is_multiple_of(2) {
            problems.push(format!("{lang}: \"{key}\" has an unclosed $…$ span"));
        }
        if dollars(english) != dollars(text) {
            problems.push(format!(
                "{lang}: \"{key}\" has {} maths spans, English has {}",
                dollars(text) / 2,
                dollars(english) / 2
            ));
        }
    }
    problems
}

/// The keys `www/index.html` names in `data-i18n="…"` and `data-i18n-label="…"`.
fn page_keys(html: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for attr in ["data-i18n=\"", "data-i18n-label=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            let end = rest.find('"').expect("an attribute value ends with a quote");
            out.insert(rest[..end].to_string());
        }
    }
    out
}

/// The message keys the page builds from catalog names (lesson.js's selects, panels.js, the
/// chain's status line), read from the catalog as the browser receives it.
fn catalog_keys() -> BTreeSet<String> {
    let c = serde_json::to_value(catalog::catalog()).unwrap();
    let names = |list: &Value, field: Option<&str>| -> Vec<String> {
        list.as_array()
            .expect("a catalog list")
            .iter()
            .map(|v| match field {
                Some(f) => v[f].as_str().expect("a name").to_string(),
                None => v.as_str().expect("a name").to_string(),
            })
            .collect()
    };
    let mut keys = BTreeSet::new();
    for d in names(&c["datasets"], Some("name")) {
        keys.insert(format!("ds.{d}"));
    }
    for p in names(&c["parameterizations"], Some("name")) {
        keys.insert(format!("param.{p}"));
        keys.insert(format!("eq.p.{p}"));
    }
    for v in names(&c["variances"], None) {
        keys.insert(format!("var.{v}"));
    }
    for s in names(&c["plotSchedules"], None) {
        keys.insert(format!("sch.{s}"));
    }
    // the language menu names each language in itself
    keys.insert("lang.name".into());
    keys
}

#[test]
fn every_language_has_a_file_with_english_keys_placeholders_and_maths() {
    let en = load(Language::En.name());
    assert!(en.len() > 100, "en.json has only {} messages", en.len());
    let mut problems = Vec::new();
    for lang in Language::ALL {
        problems.extend(compare(&en, &load(lang.name()), lang.name()));
    }
    assert!(
        problems.is_empty(),
        "message files disagree with en.json:\n{}",
        problems.join("\n")
    );
}

#[test]
fn no_message_file_without_its_language() {
    let known: BTreeSet<String> = Language::ALL.iter().map(|l| format!("{}.json", l.name())).collect();
    for entry in std::fs::read_dir(www().join("i18n")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            known.contains(&name),
            "www/i18n/{name} is not a catalog language ({known:?})"
        );
    }
}

#[test]
fn every_key_in_index_html_exists() {
    let html = std::fs::read_to_string(www().join("index.html")).unwrap();
    let keys = page_keys(&html);
    assert!(
        keys.len() > 30,
        "found only {} data-i18n keys in index.html",
        keys.len()
    );
    let en = load(Language::En.name());
    let missing: Vec<_> = keys.iter().filter(|k| !en.contains_key(*k)).collect();
    assert!(missing.is_empty(), "index.html names keys en.json lacks: {missing:?}");
}

#[test]
fn every_key_built_from_a_catalog_name_exists() {
    let en = load(Language::En.name());
    let keys = catalog_keys();
    assert!(
        keys.contains("ds.moons") && keys.contains("var.learned"),
        "catalog keys: {keys:?}"
    );
    let missing: Vec<_> = keys.iter().filter(|k| !en.contains_key(*k)).collect();
    assert!(missing.is_empty(), "catalog names without a message: {missing:?}");
}

/// Negative controls: each comparison rejects a file that is wrong in the way it checks.
mod controls {
    use super::*;

    fn messages(pairs: &[(&str, &str)]) -> Messages {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn placeholders_are_found_as_i18n_js_finds_them() {
        let names = placeholders("{a} and {b_2} but not x_{t-1}, {}, { c } or {{d}}");
        let want: BTreeSet<String> = ["a", "b_2", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(names, want);
    }

    #[test]
    fn a_different_placeholder_is_rejected() {
        let en = messages(&[("k", "{n} steps of {T}")]);
        let es = messages(&[("k", "{n} pasos de {t}")]);
        let problems = compare(&en, &es, "es");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("placeholders"), "{problems:?}");
        assert!(compare(&en, &messages(&[("k", "de {T}, {n} pasos")]), "es").is_empty());
    }

    #[test]
    fn a_missing_maths_span_is_rejected() {
        let en = messages(&[("k", "draw $x_T$ from $p$")]);
        let problems = compare(&en, &messages(&[("k", "tomar $x_T$ de p")]), "es");
        assert!(
            problems.len() == 1 && problems[0].contains("has 1 maths spans, English has 2"),
            "{problems:?}"
        );
        let problems = compare(&en, &messages(&[("k", "tomar $x_T$ de $p")]), "es");
        assert!(problems.iter().any(|p| p.contains("unclosed")), "{problems:?}");
        assert!(compare(&en, &messages(&[("k", "de $p$, tomar $x_T$")]), "es").is_empty());
    }

    #[test]
    fn missing_and_extra_keys_are_rejected() {
        let en = messages(&[("a", "A"), ("b", "B")]);
        let problems = compare(&en, &messages(&[("a", "A"), ("c", "C")]), "es");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("no message \"b\"") && problems[1].contains("\"c\" is not in en.json"),
            "{problems:?}"
        );
    }

    #[test]
    fn empty_and_non_string_messages_are_rejected() {
        assert!(parse(r#"{"a": ""}"#).is_err());
        assert!(parse(r#"{"a": 1}"#).is_err());
        assert!(parse(r#"["a"]"#).is_err());
        assert!(parse(r#"{"a": "A"}"#).is_ok());
    }

    #[test]
    fn page_keys_are_read_from_both_attributes() {
        let keys =
            page_keys(r#"<h1 data-i18n="page.title" data-i18n-html>x</h1><aside data-i18n-label="ui.chainView">"#);
        let want: BTreeSet<String> = ["page.title", "ui.chainView"].iter().map(|s| s.to_string()).collect();
        assert_eq!(keys, want);
    }
}
