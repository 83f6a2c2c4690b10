//! Intrinsic functions: the input is the text of a call. When it parses, it is evaluated with an
//! environment whose paths resolve against one fixed document (a path that selects nothing gives
//! the whole document), so every function sees strings, numbers, arrays and objects. Nothing may
//! panic; a text that parses must look like an intrinsic call (`looks_like_intrinsic`, which
//! templates use to tell calls from paths), and evaluation is a pure function of the call, the
//! document and the entropy: a second evaluation with the same entropy gives the same result.

#![no_main]

use asl::intrinsics::{self, IntrinsicEnv};
use asl::jsonpath::JsonPath;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

struct FixedEnv {
    doc: Value,
    counter: u64,
}

impl IntrinsicEnv for FixedEnv {
    type Error = String;

    fn resolve_path(&mut self, path: &str) -> Result<Value, String> {
        let parsed = JsonPath::parse(path).map_err(|e| e.to_string())?;
        Ok(parsed.select(&self.doc).unwrap_or_else(|| self.doc.clone()))
    }

    fn entropy(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.counter
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(call) = intrinsics::parse(text) else {
        return;
    };
    assert!(intrinsics::looks_like_intrinsic(text), "{text:?} parses but does not look like a call");
    let _ = call.paths();
    let mut env = FixedEnv {
        doc: json!({
            "a": [1, 2, {"b": "c"}],
            "s": "hello {} world",
            "n": 3,
            "neg": -7,
            "f": 1.5,
            "big": 1e300,
            "t": true,
            "z": null,
            "arr": ["x", "y", "x", 1, 1.0],
            "j": "{\"k\":[1,2]}",
            "b64": "aGVsbG8=",
        }),
        counter: 0,
    };
    let first = intrinsics::evaluate(&call, &mut env);
    env.counter = 0;
    let second = intrinsics::evaluate(&call, &mut env);
    assert_eq!(first, second, "evaluating {text:?} twice gave different results");
});
