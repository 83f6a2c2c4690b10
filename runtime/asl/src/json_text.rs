//! Compact JSON text of a [`Value`], byte for byte what `serde_json::to_string` writes, written
//! straight into a string. History events quote every state's input and output as this text, so
//! it is written once or twice per state transition and is worth doing directly.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{Number, Value};

/// Append the compact JSON text of `v` to `out`.
pub fn write_compact(out: &mut Vec<u8>, v: &Value) {
    let mut text = String::new();
    push_compact(&mut text, v);
    out.extend_from_slice(text.as_bytes());
}

/// Append the compact JSON text of `v` to `out`.
pub fn push_compact(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => push_number(out, n),
        Value::String(s) => push_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_compact(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(out, k);
                out.push(':');
                push_compact(out, item);
            }
            out.push('}');
        }
    }
}

/// The compact JSON text of `v`, in a string of exactly its length.
pub fn text(v: &Value) -> String {
    written(|buf| push_compact(buf, v))
}

/// The text `write` appends to an empty string, in a string of exactly its length.
pub fn written(write: impl FnOnce(&mut String)) -> String {
    with_scratch(|buf| {
        write(buf);
        buf.as_str().to_owned()
    })
}

/// [`text`], shared: history events quote a state's output text again as the next state's input.
pub fn shared_text(v: &Value) -> Arc<str> {
    with_scratch(|buf| {
        push_compact(buf, v);
        Arc::from(buf.as_str())
    })
}

/// The compact text of an object after a member `key` that it did not have was inserted at the
/// end holding `value`, given the object's compact text before: the text is copied, not written
/// again. `None` when `object_text` is not the text of an object.
pub fn append_member(object_text: &str, key: &str, value: &Value) -> Option<Arc<str>> {
    let body = object_text.strip_prefix('{')?.strip_suffix('}')?;
    Some(with_scratch(|out| {
        out.push('{');
        out.push_str(body);
        if !body.is_empty() {
            out.push(',');
        }
        push_string(out, key);
        out.push(':');
        push_compact(out, value);
        out.push('}');
        Arc::from(out.as_str())
    }))
}

/// Run `f` with an empty scratch string: one reused buffer per thread, so that writing a text
/// grows no buffer step by step before it is copied out at its exact length.
fn with_scratch<R>(f: impl FnOnce(&mut String) -> R) -> R {
    thread_local! {
        static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let r = f(&mut buf);
            // Do not hold on to the memory of an unusually large value.
            if buf.capacity() > 1 << 20 {
                *buf = String::new();
            }
            r
        }
        Err(_) => f(&mut String::new()),
    })
}

fn push_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        out.push_str(itoa::Buffer::new().format(u));
    } else if let Some(i) = n.as_i64() {
        out.push_str(itoa::Buffer::new().format(i));
    } else if let Some(f) = n.as_f64() {
        // The shortest representation, exactly as serde_json's serializer writes floats (a
        // `Value` never holds a NaN or an infinity).
        out.push_str(zmij::Buffer::new().format_finite(f));
    } else {
        let _ = write!(out, "{n}");
    }
}

/// A JSON string literal, escaped as serde_json escapes: `"`, `\`, and control characters
/// (short forms for \b \t \n \f \r, `\u00xx` with lowercase hex for the rest). Everything
/// else, non-ASCII included, is copied as is.
#[inline(always)]
pub fn push_string(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    // Most strings need no escaping at all: find the first byte that does (short strings, most
    // keys and many values, byte by byte; longer ones eight at a time).
    let clean = if bytes.len() <= 16 {
        bytes.iter().position(|&b| ESCAPED[usize::from(b)]).unwrap_or(bytes.len())
    } else {
        clean_prefix(bytes)
    };
    if clean == bytes.len() {
        out.reserve(bytes.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        push_escaped(out, s, clean);
    }
}

/// [`push_string`] for a string whose first byte to escape is at `clean`.
#[cold]
#[inline(never)]
fn push_escaped(out: &mut String, s: &str, clean: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    // Every byte that needs escaping is ASCII, so the text between two of them is whole
    // characters.
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        if !needs_escape(b) {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0C => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            _ => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Whether serde_json escapes the byte `b` in a string.
#[inline(always)]
const fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// [`needs_escape`] for every byte, looked up in one step.
static ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = needs_escape(b as u8);
        b += 1;
    }
    table
};

/// How many leading bytes of `bytes` need no escaping (a lower bound: it stops at the first
/// eight-byte word holding one that does).
fn clean_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte of `y` is zero exactly where `x` holds the byte the mask repeats; the classic
    // "has a zero byte" test says whether there is any such byte, and its "has a byte below"
    // form finds control characters.
    let needs_escape = |word: [u8; 8]| {
        let x = u64::from_le_bytes(word);
        let has_zero = |y: u64| y.wrapping_sub(ONES) & !y & HIGHS != 0;
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0;
        control || has_zero(x ^ (ONES * u64::from(b'"'))) || has_zero(x ^ (ONES * u64::from(b'\\')))
    };
    let mut n = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if needs_escape(word) {
            return n;
        }
        n += 8;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // Pad with a letter, which never needs escaping.
        let mut word = [b'a'; 8];
        word[..rest.len()].copy_from_slice(rest);
        if !needs_escape(word) {
            n += rest.len();
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(v: &Value) -> String {
        let mut out = Vec::new();
        write_compact(&mut out, v);
        String::from_utf8(out).expect("JSON text is UTF-8")
    }

    #[test]
    fn matches_serde_json_byte_for_byte() {
        let mut cases = vec![
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-1),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.0),
            json!(-0.0),
            json!(0.1),
            json!(42.5),
            json!(1e300),
            json!(-2.5e-310),
            json!(123456789012345680000.0),
            json!(""),
            json!("plain"),
            json!("quote \" backslash \\ slash / tab \t nl \n cr \r bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f}"),
            json!("é ü 中文 🎉 \u{2028}\u{2029}"),
            json!([]),
            json!({}),
            json!([1, [2, [3, []]], {"a": {}}]),
            json!({"z": 1, "a": [true, null, {"k\"ey": "v\\al"}], "m": {"n": -3.25}}),
        ];
        // Every byte below 0x80 alone, and in the middle of a string.
        for b in 0u8..0x80 {
            let c = char::from(b);
            cases.push(Value::String(c.to_string()));
            cases.push(Value::String(format!("a{c}b{c}")));
        }
        for v in &cases {
            let expected = serde_json::to_string(v).expect("serde_json writes every Value");
            assert_eq!(text(v), expected, "{v:?}");
        }
    }

    #[test]
    fn long_strings_with_an_escape_anywhere() {
        let base: String = "abcdefghijklmnopqrstuvwxyz0123456789ÄÖÜ".to_string();
        for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', ' ', '~', 'é'] {
            for at in 0..base.chars().count() {
                let mut s: String = base.chars().take(at).collect();
                s.push(special);
                s.extend(base.chars().skip(at));
                let v = Value::String(s);
                assert_eq!(text(&v), serde_json::to_string(&v).expect("serialises"), "{v:?}");
            }
        }
    }

    #[test]
    fn appending_a_member_matches_writing_the_object_again() {
        let objects = [json!({}), json!({"a": 1}), json!({"x": {"y": [1, 2]}, "s": "t\"u"})];
        let values = [json!(null), json!("v\n"), json!({"k": [true, 1.5]}), json!({})];
        for object in &objects {
            for key in ["new", "", "q\"uote", "é"] {
                for value in &values {
                    let before = serde_json::to_string(object).expect("serialises");
                    let mut after = object.clone();
                    after.as_object_mut().expect("an object").insert(key.to_string(), value.clone());
                    let expected = serde_json::to_string(&after).expect("serialises");
                    assert_eq!(append_member(&before, key, value).as_deref(), Some(expected.as_str()), "{before} + {key}");
                }
            }
        }
        assert_eq!(append_member("[1]", "k", &json!(1)), None);
        assert_eq!(append_member("", "k", &json!(1)), None);
    }

    #[test]
    fn appends_to_what_is_there() {
        let mut out = b"x=".to_vec();
        write_compact(&mut out, &json!({"a": [1, "b"]}));
        assert_eq!(out, br#"x={"a":[1,"b"]}"#);
    }
}
