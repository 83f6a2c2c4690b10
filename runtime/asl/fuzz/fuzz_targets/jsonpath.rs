//! JSONPath: the first line of the input is the path, the rest a JSON document (a fixed document
//! when the rest is not JSON). Parsing, selecting, borrowing lookup, normalized printing and, for
//! reference paths, `ResultPath` writes must never panic.

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
    let _ = path.select(&doc);
    let _ = path.get(&doc);
    let _ = path.normalized();
    let _ = path.is_definite();
    if path.is_reference() {
        let _ = path.write(doc, json!(1));
    }
});
