//! The functions Step Functions adds to JSONata, and the engine built-ins replaced so that
//! evaluation stays pure and bounded.
//!
//! Argument rules and error texts are the ones AWS applies:
//! - `$partition(array, size)`: chunks of `size` items, the last one shorter. An undefined or
//!   empty array, or a size that truncates to 0, gives undefined; no size gives `[array]`; a
//!   negative size is `D3137: Second argument must be zero or greater`.
//! - `$range(start, end, step)`: `start`, `start+step`, … up to `end` inclusive. Arguments are
//!   truncated towards zero. An undefined or zero step, or one pointing away from `end`, gives
//!   undefined; a one-item range is that item.
//! - `$hash(data, algorithm)`: lower-case hex digest of the UTF-8 text, algorithm one of
//!   `MD5`, `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`.
//! - `$random([seed])`: a number in [0, 1); with a seed it is `java.util.Random(seed)`'s first
//!   `nextDouble()` (seed truncated towards zero), as on AWS.
//! - `$uuid()`: a version 4 UUID.
//! - `$parse(text)`: the JSON value of `text`; anything but a single well-formed JSON document
//!   without repeated keys is `D3137: Invalid JSON`.
//!
//! A wrong argument type is `T0410: Argument N of function "f" does not match function
//! signature`; so is a direct call with too many arguments (see [`super::analysis`]).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::OnceLock;

use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::analysis::{surplus_name, ARITIES};
use super::convert;

/// A deterministic stream of random numbers (SplitMix64) seeded from [`super::Scope::entropy`].
pub(crate) struct Entropy(Cell<u64>);

impl Entropy {
    pub(crate) fn new(seed: u64) -> Self {
        Entropy(Cell::new(seed))
    }

    fn next_u64(&self) -> u64 {
        let state = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1) with 53 random bits.
    fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A number in 0..bound (bound > 0).
    fn below(&self, bound: usize) -> usize {
        (self.next_f64() * bound as f64) as usize % bound
    }
}

/// The first `nextDouble()` of `java.util.Random` seeded with `seed`.
pub(crate) fn java_random_double(seed: i64) -> f64 {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;
    let mut state = (seed as u64 ^ MULTIPLIER) & MASK;
    let mut next = |bits: u32| {
        state = state.wrapping_mul(MULTIPLIER).wrapping_add(0xB) & MASK;
        state >> (48 - bits)
    };
    let high = next(26);
    let low = next(27);
    ((high << 27) + low) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn error(message: impl Into<String>) -> EvaluatorError {
    EvaluatorError::EvaluationError(message.into())
}

fn signature_error(function: &str, argument: usize) -> EvaluatorError {
    error(format!(
        "T0410: Argument {argument} of function \"{function}\" does not match function signature"
    ))
}

fn sequence_too_long(max: usize) -> EvaluatorError {
    error(format!(
        "D2015: The maximum sequence length of {max} was exceeded."
    ))
}

fn arg(args: &[JValue], index: usize) -> &JValue {
    args.get(index).unwrap_or(&JValue::Undefined)
}

/// A number argument truncated towards zero (saturating, NaN as 0, like a Java `(long)` cast).
fn whole(args: &[JValue], index: usize, function: &str) -> Result<i64, EvaluatorError> {
    match arg(args, index) {
        JValue::Number(n) => Ok(*n as i64),
        _ => Err(signature_error(function, index + 1)),
    }
}

/// `$partition(array, size)`.
pub(crate) fn partition(args: &[JValue], max_sequence: usize) -> Result<JValue, EvaluatorError> {
    let items = match arg(args, 0) {
        JValue::Undefined => return Ok(JValue::Undefined),
        JValue::Array(items) => items,
        _ => {
            return Err(error(
                "T0412: Argument 1 of function \"partition\" must be an array of undefined",
            ))
        }
    };
    if items.is_empty() {
        return Ok(JValue::Undefined);
    }
    if arg(args, 1).is_undefined() {
        return Ok(JValue::array(vec![JValue::array(items.to_vec())]));
    }
    let size = whole(args, 1, "partition")?;
    if size < 0 {
        return Err(error("D3137: Second argument must be zero or greater"));
    }
    if size == 0 {
        return Ok(JValue::Undefined);
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let chunks: Vec<JValue> = items
        .chunks(size)
        .map(|chunk| JValue::array(chunk.to_vec()))
        .collect();
    if chunks.len() > max_sequence {
        return Err(sequence_too_long(max_sequence));
    }
    Ok(JValue::array(chunks))
}

/// `$range(start, end, step)`.
pub(crate) fn range(args: &[JValue], max_sequence: usize) -> Result<JValue, EvaluatorError> {
    let start = whole(args, 0, "range")?;
    let end = whole(args, 1, "range")?;
    if arg(args, 2).is_undefined() {
        return Ok(JValue::Undefined);
    }
    let step = whole(args, 2, "range")?;
    if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
        return Ok(JValue::Undefined);
    }
    let count = (i128::from(end) - i128::from(start)) / i128::from(step) + 1;
    if count > max_sequence as i128 {
        return Err(sequence_too_long(max_sequence));
    }
    let values = (0..count)
        .map(|i| JValue::Number((i128::from(start) + i * i128::from(step)) as f64))
        .collect();
    // A sequence, so a one-item range is that item.
    Ok(JValue::sequence(values))
}

/// `$hash(data, algorithm)`.
pub(crate) fn hash(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let JValue::String(data) = arg(args, 0) else {
        return Err(signature_error("hash", 1));
    };
    let algorithm = match arg(args, 1) {
        JValue::Undefined => return Ok(JValue::Undefined),
        JValue::String(algorithm) => algorithm,
        _ => return Err(signature_error("hash", 2)),
    };
    let bytes = data.as_bytes();
    let digest = match &**algorithm {
        "MD5" => hex::encode(Md5::digest(bytes)),
        "SHA-1" => hex::encode(Sha1::digest(bytes)),
        "SHA-256" => hex::encode(Sha256::digest(bytes)),
        "SHA-384" => hex::encode(Sha384::digest(bytes)),
        "SHA-512" => hex::encode(Sha512::digest(bytes)),
        other => {
            return Err(error(format!(
            "D3137: Hash algorithm '{other}' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
        )))
        }
    };
    Ok(JValue::string(digest))
}

/// `$random([seed])`.
fn random(args: &[JValue], entropy: &Entropy) -> Result<JValue, EvaluatorError> {
    if arg(args, 0).is_undefined() {
        return Ok(JValue::Number(entropy.next_f64()));
    }
    Ok(JValue::Number(java_random_double(whole(
        args, 0, "random",
    )?)))
}

/// `$uuid()`.
fn uuid(entropy: &Entropy) -> JValue {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&entropy.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&entropy.next_u64().to_le_bytes());
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    JValue::string(id.hyphenated().to_string())
}

/// `$parse(text)`.
pub(crate) fn parse(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    match arg(args, 0) {
        JValue::Undefined => Ok(JValue::Undefined),
        JValue::String(text) => {
            convert::parse_strict(text).map_err(|_| error("D3137: Invalid JSON"))
        }
        _ => Err(signature_error("parse", 1)),
    }
}

/// `$shuffle(array)`, drawing from the scope's entropy instead of the engine's generator.
fn shuffle(args: &[JValue], entropy: &Entropy) -> JValue {
    let mut items = match arg(args, 0) {
        JValue::Undefined => return JValue::Undefined,
        JValue::Array(items) => items.to_vec(),
        other => vec![other.clone()],
    };
    for i in (1..items.len()).rev() {
        items.swap(i, entropy.below(i + 1));
    }
    JValue::array(items)
}

/// Engine functions the replacements of `$now` and `$pad` delegate to.
#[derive(Clone, Copy)]
enum Delegate {
    FromMillis,
    Pad,
}

/// Parsed once: `$fromMillis($m)`, `$fromMillis($m, $p)`, `$fromMillis($m, $p, $t)` and
/// `$pad($a)`, `$pad($a, $b)`, `$pad($a, $b, $c)`.
fn delegate_ast(function: Delegate, arity: usize) -> Option<&'static AstNode> {
    static ASTS: OnceLock<[Vec<AstNode>; 2]> = OnceLock::new();
    let asts = ASTS.get_or_init(|| {
        let calls = |name: &str, params: [&str; 3]| -> Vec<AstNode> {
            (1..=3)
                .filter_map(|n| {
                    let args: Vec<String> =
                        params.iter().take(n).map(|p| format!("${p}")).collect();
                    jsonata_core::parser::parse(&format!("${name}({})", args.join(", "))).ok()
                })
                .collect()
        };
        [
            calls("fromMillis", ["m", "p", "t"]),
            calls("pad", ["a", "b", "c"]),
        ]
    });
    let index = match function {
        Delegate::FromMillis => 0,
        Delegate::Pad => 1,
    };
    asts.get(index)?.get(arity.checked_sub(1)?)
}

/// Calls the engine's own function with `args` bound to `$a`/`$b`/`$c` (or `$m`/`$p`/`$t`),
/// in a separate evaluator that has none of the replacements.
fn delegate(
    function: Delegate,
    args: &[JValue],
    options: &EvaluatorOptions,
) -> Result<JValue, EvaluatorError> {
    let params = match function {
        Delegate::FromMillis => ["m", "p", "t"],
        Delegate::Pad => ["a", "b", "c"],
    };
    let arity = args.len().clamp(1, 3);
    let Some(ast) = delegate_ast(function, arity) else {
        return Err(error("built-in function unavailable"));
    };
    let mut context = Context::new();
    for (param, value) in params.iter().zip(args.iter()) {
        context.bind(param.to_string(), value.clone());
    }
    let mut evaluator = Evaluator::with_options(context, options.clone());
    evaluator.evaluate(ast, &JValue::Undefined)
}

/// `$now([picture [, timezone]])` at the scope's clock.
fn now(
    args: &[JValue],
    now_millis: i64,
    options: &EvaluatorOptions,
) -> Result<JValue, EvaluatorError> {
    let mut all = vec![JValue::Number(now_millis as f64)];
    all.extend(args.iter().take(2).cloned());
    delegate(Delegate::FromMillis, &all, options)
}

/// `$pad(text, width [, char])`, refusing a width beyond the value-size limit.
fn pad(
    args: &[JValue],
    max_bytes: usize,
    options: &EvaluatorOptions,
) -> Result<JValue, EvaluatorError> {
    if let JValue::Number(width) = arg(args, 1) {
        if width.abs() > max_bytes as f64 {
            return Err(error(format!(
                "D2015: The padded width {width} exceeds the limit of {max_bytes}."
            )));
        }
    }
    delegate(Delegate::Pad, args, options)
}

/// Everything a session registers on its evaluator.
pub(crate) struct Installation {
    pub(crate) now_millis: i64,
    pub(crate) entropy: Rc<Entropy>,
    pub(crate) max_sequence: usize,
    pub(crate) max_bytes: usize,
    pub(crate) options: EvaluatorOptions,
}

/// Registers the Step Functions functions and the replacements on `evaluator`.
pub(crate) fn install(
    evaluator: &mut Evaluator,
    setup: Installation,
) -> Result<(), EvaluatorError> {
    let Installation {
        now_millis,
        entropy,
        max_sequence,
        max_bytes,
        options,
    } = setup;

    evaluator.register_fn("partition", move |args: &[JValue]| {
        partition(args, max_sequence)
    })?;
    evaluator.register_fn("range", move |args: &[JValue]| range(args, max_sequence))?;
    evaluator.register_fn("hash", hash)?;
    evaluator.register_fn("parse", parse)?;
    let e = Rc::clone(&entropy);
    evaluator.register_fn("uuid", move |_: &[JValue]| Ok(uuid(&e)))?;

    let e = Rc::clone(&entropy);
    evaluator.register_fn_override("random", move |args: &[JValue]| random(args, &e))?;
    let e = Rc::clone(&entropy);
    evaluator.register_fn_override("shuffle", move |args: &[JValue]| Ok(shuffle(args, &e)))?;
    evaluator.register_fn_override("eval", |_: &[JValue]| {
        Err(error("T1006: Attempted to invoke a non-function"))
    })?;
    evaluator.register_fn_override("millis", move |_: &[JValue]| {
        Ok(JValue::Number(now_millis as f64))
    })?;
    let o = options.clone();
    evaluator.register_fn_override("now", move |args: &[JValue]| now(args, now_millis, &o))?;
    evaluator.register_fn_override("pad", move |args: &[JValue]| pad(args, max_bytes, &options))?;

    for (name, allowed) in ARITIES {
        let surplus = *allowed + 1;
        evaluator.register_fn(surplus_name(name), move |_: &[JValue]| {
            Err(signature_error(name, surplus))
        })?;
    }
    Ok(())
}
