//! JSONPath: the first line of the input is the path, the rest a JSON document (a fixed document
//! when the rest is not JSON). Parsing, selecting, borrowing lookup, normalized printing and
//! `ResultPath` writes must never panic, and:
//! - `read` gives what `select` gives; a value `get` finds is what `select` gives; an indefinite
//!   path always selects an array;
//! - the normalized form of a path without a filter parses again and selects the same;
//! - a write into a copy puts the value where `get` then finds it;
//! - a write made in place gives what a write into a copy gives (or the same error, with the
//!   document untouched) and its undo restores the document exactly.
//!
//! The document's compact text from `asl::json_text` must equal serde_json's.

#![no_main]

use asl::jsonpath::JsonPath;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path_text, doc_text) = text.split_once('\n').unwrap_or((text, ""));
    let doc: Value = serde_json::from_str(doc_text).unwrap_or_else(|_| {
        json!({"a": [1, 2, {"b": "c", "n": null}], "b": {"c": {"d": [true, 1.5, "x"]}}, "s": "t"})
    });
    let Ok(path) = JsonPath::parse(path_text) else {
        return;
    };
    let selected = path.select(&doc);
    assert_eq!(path.read(&doc).map(|v| v.into_owned()), selected, "read and select differ for {path_text}");
    if let Some(found) = path.get(&doc) {
        assert_eq!(Some(found), selected.as_ref(), "get and select differ for {path_text}");
    }
    if !path.is_definite() {
        assert!(matches!(selected, Some(Value::Array(_))), "indefinite {path_text} selected {selected:?}");
    }
    let normalized = path.normalized();
    if !normalized.contains("[?]") {
        let again = JsonPath::parse(&normalized)
            .unwrap_or_else(|e| panic!("normalized {normalized} of {path_text} does not parse: {e}"));
        assert_eq!(again.select(&doc), selected, "normalized {normalized} selects otherwise than {path_text}");
    }
    // Writing in place must agree with writing a copy, leave the document alone when it fails,
    // and be undone exactly (member order included).
    let before = serde_json::to_string(&doc).expect("a Value serialises");
    // The history's JSON writer must write what serde_json writes.
    let mut text_out = Vec::new();
    asl::json_text::write_compact(&mut text_out, &doc);
    assert_eq!(text_out, before.as_bytes(), "json_text differs from serde_json");
    let copied = path.write(doc.clone(), json!({"w": 1}));
    let mut in_place = doc;
    match (path.write_in_place(&mut in_place, json!({"w": 1})), copied) {
        (Ok(undo), Ok(expected)) => {
            assert_eq!(path.get(&expected), Some(&json!({"w": 1})), "written value not found at {path_text}");
            let expected = serde_json::to_string(&expected).expect("serialises");
            assert_eq!(serde_json::to_string(&in_place).expect("serialises"), expected, "in-place write differs for {path_text}");
            undo.undo(&path, &mut in_place);
            assert_eq!(serde_json::to_string(&in_place).expect("serialises"), before, "undo differs for {path_text}");
        }
        (Err(e), Err(expected)) => {
            assert_eq!(e, expected, "in-place error differs for {path_text}");
            assert_eq!(serde_json::to_string(&in_place).expect("serialises"), before, "failed write changed the document");
        }
        (a, b) => panic!("write and write_in_place disagree for {path_text}: {a:?} vs {b:?}"),
    }
});
