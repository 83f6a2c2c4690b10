//! What each intrinsic function computes.

use base64::Engine as _;
use md5::Md5;
use serde_json::{Map, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::java::{self, JavaRandom};
use super::parse::template_from_text;
use super::{Arg, Call, Function, IntrinsicEnv, IntrinsicError, TemplatePart};

/// Longest input (in UTF-16 code units, as Java counts) for Base64 and Hash.
const MAX_ENCODE_INPUT: usize = 10_000;
/// Most items `States.ArrayRange` may produce.
const MAX_RANGE_ITEMS: i64 = 1000;

/// An evaluation failure that keeps the reason AWS's cause leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Detailed<E> {
    Path(E),
    /// The function that rejected its arguments, and why.
    Invalid(Function, String),
}

impl<E> From<Detailed<E>> for IntrinsicError<E> {
    fn from(d: Detailed<E>) -> Self {
        match d {
            Detailed::Path(e) => IntrinsicError::Path(e),
            Detailed::Invalid(f, _) => {
                IntrinsicError::Failure(format!("Invalid arguments in {}", f.name()))
            }
        }
    }
}

pub(super) fn evaluate<E: IntrinsicEnv>(
    call: &Call,
    env: &mut E,
) -> Result<Value, IntrinsicError<E::Error>> {
    evaluate_detailed(call, env).map_err(IntrinsicError::from)
}

/// Evaluate with the detailed reason kept. Recursion follows the call tree, whose depth the
/// parser bounds.
pub(super) fn evaluate_detailed<E: IntrinsicEnv>(
    call: &Call,
    env: &mut E,
) -> Result<Value, Detailed<E::Error>> {
    let f = call.function;
    check_arity(f, call.args.len()).map_err(|r| Detailed::Invalid(f, r))?;
    let mut values = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        values.push(match arg {
            Arg::Str(lit) => Value::String(lit.value.clone()),
            Arg::Number(n) => Value::Number(n.clone()),
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Null => Value::Null,
            Arg::Path(p) => env.resolve_path(p).map_err(Detailed::Path)?,
            Arg::Call(inner) => evaluate_detailed(inner, env)?,
        });
    }
    apply(call, values, env).map_err(|reason| Detailed::Invalid(f, reason))
}

fn check_arity(f: Function, n: usize) -> Result<(), String> {
    let (min, max) = match f {
        Function::Format => (1, usize::MAX),
        Function::Array => (0, usize::MAX),
        Function::Uuid => (0, 0),
        Function::StringToJson
        | Function::JsonToString
        | Function::ArrayLength
        | Function::ArrayUnique
        | Function::Base64Encode
        | Function::Base64Decode => (1, 1),
        Function::ArrayPartition
        | Function::ArrayContains
        | Function::ArrayGetItem
        | Function::Hash
        | Function::MathAdd
        | Function::StringSplit => (2, 2),
        Function::MathRandom => (2, 3),
        Function::ArrayRange | Function::JsonMerge => (3, 3),
    };
    if (min..=max).contains(&n) {
        return Ok(());
    }
    let expected = match (min, max) {
        (a, b) if a == b => format!("{a}"),
        (a, usize::MAX) => format!("at least {a}"),
        (a, b) => format!("{a} to {b}"),
    };
    Err(format!("{} takes {expected} argument(s), {n} given", f.name()))
}

fn apply<E: IntrinsicEnv>(call: &Call, mut v: Vec<Value>, env: &mut E) -> Result<Value, String> {
    // `check_arity` guarantees the argument counts used below.
    match call.function {
        Function::Format => format(call, &v),
        Function::StringToJson => string_to_json(&v[0]),
        Function::JsonToString => java::to_json(&v[0]).map(Value::String).map_err(|_| too_deep()),
        Function::Array => Ok(Value::Array(v)),
        Function::ArrayPartition => array_partition(&v[0], &v[1]),
        Function::ArrayContains => array_contains(&v[0], &v[1]),
        Function::ArrayRange => array_range(&v[0], &v[1], &v[2]),
        Function::ArrayGetItem => array_get_item(v.swap_remove(0), &v[0]),
        Function::ArrayLength => Ok(Value::from(array(&v[0], "argument")?.len())),
        Function::ArrayUnique => java::hash_set_order(array(&v[0], "argument")?)
            .map(Value::Array)
            .map_err(|_| too_deep()),
        Function::Base64Encode => base64_encode(&v[0]),
        Function::Base64Decode => base64_decode(&v[0]),
        Function::Hash => hash(&v[0], &v[1]),
        Function::JsonMerge => json_merge(&v[0], &v[1], &v[2]),
        Function::MathRandom => math_random(&v, env),
        Function::MathAdd => math_add(&v[0], &v[1]),
        Function::StringSplit => string_split(&v[0], &v[1]),
        Function::Uuid => Ok(uuid(env)),
    }
}

fn too_deep() -> String {
    format!("the value is nested more than {} levels deep", java::MAX_VALUE_DEPTH)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn array<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array().ok_or_else(|| format!("the {what} must be an array, got {}", type_name(v)))
}

fn string<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    v.as_str().ok_or_else(|| format!("the {what} must be a string, got {}", type_name(v)))
}

/// A number converted the way Java's `(int)` cast does (toward zero), required to fit an `int`.
fn int_truncated(v: &Value, what: &str) -> Result<i32, String> {
    let n = v
        .as_number()
        .ok_or_else(|| format!("the {what} must be a number, got {}", type_name(v)))?;
    let whole = match n.as_i64() {
        Some(i) => i as f64,
        None => n.as_f64().unwrap_or(f64::NAN).trunc(),
    };
    to_i32(whole, what)
}

/// A number rounded the way Java's `Math.round` does, required to fit an `int`.
fn int_rounded(v: &Value, what: &str) -> Result<i32, String> {
    let n = v
        .as_number()
        .ok_or_else(|| format!("the {what} must be a number, got {}", type_name(v)))?;
    match n.as_i64() {
        Some(i) => to_i32(i as f64, what),
        None => to_i32(java::math_round(n.as_f64().unwrap_or(f64::NAN)) as f64, what),
    }
}

fn to_i32(x: f64, what: &str) -> Result<i32, String> {
    if (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&x) {
        Ok(x as i32)
    } else {
        Err(format!("the {what} must be between -2147483648 and 2147483647"))
    }
}

fn format(call: &Call, v: &[Value]) -> Result<Value, String> {
    let from_path;
    let template: &[TemplatePart] = match &call.args[0] {
        Arg::Str(lit) => lit.template().map_err(|at| {
            format!("unmatched brace at position {at} of the call; escape it as \\{{ or \\}}")
        })?,
        _ => {
            let text = string(&v[0], "template (first argument)")?;
            from_path = template_from_text(text).map_err(|at| {
                format!("unmatched brace at character {at} of the template '{text}'")
            })?;
            &from_path
        }
    };
    let holes = template.iter().filter(|p| matches!(p, TemplatePart::Placeholder)).count();
    if holes != v.len() - 1 {
        return Err(format!(
            "the template has {holes} placeholder(s) {{}} but {} value(s) were given",
            v.len() - 1
        ));
    }
    let mut out = String::new();
    let mut next = 1;
    for part in template {
        match part {
            TemplatePart::Text(t) => out.push_str(t),
            TemplatePart::Placeholder => {
                // A StringToJson result prints as JSON text; other values as Java prints them.
                let is_json = matches!(&call.args[next], Arg::Call(c) if c.function == Function::StringToJson);
                let rendered =
                    if is_json { java::to_json(&v[next]) } else { java::to_java_string(&v[next]) };
                out.push_str(&rendered.map_err(|_| too_deep())?);
                next += 1;
            }
        }
    }
    Ok(Value::String(out))
}

fn string_to_json(v: &Value) -> Result<Value, String> {
    let text = string(v, "argument")?;
    if text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
        return Ok(Value::Null);
    }
    // Like Jackson's default reader: the first JSON value counts, anything after it is ignored.
    match serde_json::Deserializer::from_str(text).into_iter::<Value>().next() {
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(format!("the argument is not valid JSON: {e}")),
        None => Ok(Value::Null),
    }
}

fn array_partition(arr: &Value, size: &Value) -> Result<Value, String> {
    let items = array(arr, "first argument")?;
    let size = int_truncated(size, "chunk size")?;
    if size < 1 {
        return Err(format!("the chunk size must be a positive integer, got {size}"));
    }
    let chunks = items.chunks(size as usize).map(|c| Value::Array(c.to_vec())).collect();
    Ok(Value::Array(chunks))
}

fn array_contains(arr: &Value, target: &Value) -> Result<Value, String> {
    // AWS compares the printed (toString) forms: true matches "true", {a=1,b=2} misses {b=2,a=1}.
    let items = array(arr, "first argument")?;
    let wanted = java::to_java_string(target).map_err(|_| too_deep())?;
    for item in items {
        if java::to_java_string(item).map_err(|_| too_deep())? == wanted {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn array_range(start: &Value, end: &Value, step: &Value) -> Result<Value, String> {
    let start = i64::from(int_truncated(start, "start")?);
    let end = i64::from(int_truncated(end, "end")?);
    let step = i64::from(int_truncated(step, "step")?);
    if step == 0 {
        return Err("the step must not be zero".into());
    }
    let count = if (step > 0 && start <= end) || (step < 0 && start >= end) {
        (end - start) / step + 1
    } else {
        0
    };
    if count > MAX_RANGE_ITEMS {
        return Err(format!("the range would hold {count} items, more than {MAX_RANGE_ITEMS}"));
    }
    Ok(Value::Array((0..count).map(|i| Value::from(start + i * step)).collect()))
}

fn array_get_item(arr: Value, index: &Value) -> Result<Value, String> {
    let Value::Array(mut items) = arr else {
        return Err(format!("the first argument must be an array, got {}", type_name(&arr)));
    };
    let index = int_truncated(index, "index")?;
    if index < 0 {
        return Err(format!("the index must not be negative, got {index}"));
    }
    if items.is_empty() {
        // AWS answers null for any index into an empty array.
        return Ok(Value::Null);
    }
    let len = items.len();
    if index as usize >= len {
        return Err(format!("index {index} is out of bounds for an array of {len} item(s)"));
    }
    Ok(items.swap_remove(index as usize))
}

fn check_length(s: &str, what: &str) -> Result<(), String> {
    let len = java::utf16_len(s);
    if len > MAX_ENCODE_INPUT {
        return Err(format!("the {what} is {len} characters long, more than {MAX_ENCODE_INPUT}"));
    }
    Ok(())
}

fn base64_encode(v: &Value) -> Result<Value, String> {
    let s = string(v, "argument")?;
    check_length(s, "argument")?;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(s.as_bytes())))
}

fn base64_decode(v: &Value) -> Result<Value, String> {
    let s = string(v, "argument")?;
    check_length(s, "argument")?;
    Ok(Value::String(String::from_utf8_lossy(&lenient_base64_decode(s)).into_owned()))
}

/// Decode Base64 the forgiving way AWS does: characters outside the alphabet (standard or
/// URL-safe) are skipped, the first `=` ends the data, and leftover bits that do not make a
/// whole byte are dropped.
fn lenient_base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut have = 0u32;
    for b in s.bytes() {
        let sextet = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(sextet);
        have += 6;
        if have >= 8 {
            have -= 8;
            out.push((acc >> have) as u8);
            acc &= (1 << have) - 1;
        }
    }
    out
}

fn hash(data: &Value, algorithm: &Value) -> Result<Value, String> {
    let text = match data {
        Value::String(s) => s.clone(),
        Value::Null => return Err("the data to hash must not be null".into()),
        other => java::to_java_string(other).map_err(|_| too_deep())?,
    };
    check_length(&text, "data to hash")?;
    let algorithm = string(algorithm, "algorithm")?;
    let bytes = text.as_bytes();
    let digest = match algorithm {
        "MD5" => hex::encode(Md5::digest(bytes)),
        "SHA-1" => hex::encode(Sha1::digest(bytes)),
        "SHA-256" => hex::encode(Sha256::digest(bytes)),
        "SHA-384" => hex::encode(Sha384::digest(bytes)),
        "SHA-512" => hex::encode(Sha512::digest(bytes)),
        other => {
            return Err(format!(
                "unsupported hash algorithm '{other}' (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)"
            ))
        }
    };
    Ok(Value::String(digest))
}

fn json_merge(a: &Value, b: &Value, deep: &Value) -> Result<Value, String> {
    let object = |v: &Value, what: &str| -> Result<Map<String, Value>, String> {
        v.as_object()
            .cloned()
            .ok_or_else(|| format!("the {what} must be an object, got {}", type_name(v)))
    };
    let mut merged = object(a, "first argument")?;
    let second = object(b, "second argument")?;
    if deep == &Value::Bool(true) {
        return Err("deep merging (third argument true) is not supported; pass false".into());
    }
    for (k, v) in second {
        merged.insert(k, v);
    }
    Ok(Value::Object(merged))
}

fn math_random<E: IntrinsicEnv>(v: &[Value], env: &mut E) -> Result<Value, String> {
    let start = int_truncated(&v[0], "start")?;
    let end = int_truncated(&v[1], "end")?;
    let bound = i64::from(end) - i64::from(start);
    if bound <= 0 {
        return Err(format!("the start ({start}) must be less than the end ({end})"));
    }
    let bound = i32::try_from(bound)
        .map_err(|_| format!("the range from {start} to {end} is wider than 2147483647"))?;
    let seed = match v.get(2) {
        Some(seed) => {
            let n = seed
                .as_number()
                .ok_or_else(|| format!("the seed must be a number, got {}", type_name(seed)))?;
            match n.as_i64() {
                Some(i) => i,
                None => n.as_f64().map(|f| f.trunc() as i64).unwrap_or(0),
            }
        }
        None => env.entropy() as i64,
    };
    let drawn = JavaRandom::new(seed).next_int_bounded(bound);
    Ok(Value::from(i64::from(start) + i64::from(drawn)))
}

fn math_add(a: &Value, b: &Value) -> Result<Value, String> {
    let sum = i64::from(int_rounded(a, "first argument")?)
        + i64::from(int_rounded(b, "second argument")?);
    if i32::try_from(sum).is_err() {
        return Err(format!("the sum {sum} is outside -2147483648..2147483647"));
    }
    Ok(Value::from(sum))
}

fn string_split(s: &Value, delimiters: &Value) -> Result<Value, String> {
    // java.util.StringTokenizer: every character of the second argument separates tokens, and
    // empty tokens are dropped.
    let s = string(s, "first argument")?;
    let delimiters: Vec<char> =
        string(delimiters, "delimiter (second argument)")?.chars().collect();
    let tokens = s
        .split(|c| delimiters.contains(&c))
        .filter(|t| !t.is_empty())
        .map(|t| Value::String(t.to_string()))
        .collect();
    Ok(Value::Array(tokens))
}

fn uuid<E: IntrinsicEnv>(env: &mut E) -> Value {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&env.entropy().to_be_bytes());
    bytes[8..].copy_from_slice(&env.entropy().to_be_bytes());
    Value::String(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string())
}
