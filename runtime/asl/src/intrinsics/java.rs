//! The Java behaviours AWS's intrinsics show through: how values print with `toString`, how
//! Jackson writes JSON, `hashCode`/`equals` and `HashSet` iteration order, `Math.round`, and
//! `java.util.Random`.
//!
//! AWS hands intrinsics plain Java values: JSON objects become insertion-ordered maps, arrays
//! become lists, integers become `Integer`, `Long` or `BigInteger` by size, and numbers with a
//! fraction or exponent become `Double`.

use serde_json::{Number, Value};

/// Values nested deeper than this are refused instead of walked (keeps recursion bounded).
pub(super) const MAX_VALUE_DEPTH: usize = 1000;

/// A value was nested deeper than [`MAX_VALUE_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooDeep;

/// The Java type a JSON number becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum JavaNumber {
    Integer(i32),
    Long(i64),
    /// A `BigInteger` above `Long.MAX_VALUE` (serde keeps these up to `u64::MAX`).
    BigInteger(u64),
    Double(f64),
}

fn classify(n: &Number) -> JavaNumber {
    if let Some(i) = n.as_i64() {
        match i32::try_from(i) {
            Ok(small) => JavaNumber::Integer(small),
            Err(_) => JavaNumber::Long(i),
        }
    } else if let Some(u) = n.as_u64() {
        JavaNumber::BigInteger(u)
    } else {
        JavaNumber::Double(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// How Java prints a number (`Integer.toString`, `Double.toString`, ...).
pub(super) fn number_to_string(n: &Number) -> String {
    match classify(n) {
        JavaNumber::Integer(i) => i.to_string(),
        JavaNumber::Long(l) => l.to_string(),
        JavaNumber::BigInteger(u) => u.to_string(),
        JavaNumber::Double(d) => double_to_string(d),
    }
}

/// `Double.toString`: the shortest digits that read back as `d`, in plain notation for
/// magnitudes in [10^-3, 10^7) and as `d.dddE<n>` otherwise, always with a fraction digit.
pub(super) fn double_to_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let (digits, exp) = shortest_digits(d.abs());
    let sign = if d < 0.0 { "-" } else { "" };
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            let (int_part, frac) = if digits.len() > int_len {
                (digits[..int_len].to_string(), digits[int_len..].to_string())
            } else {
                (format!("{digits:0<int_len$}"), "0".to_string())
            };
            format!("{sign}{int_part}.{frac}")
        } else {
            let zeros = "0".repeat((-exp - 1) as usize);
            format!("{sign}0.{zeros}{digits}")
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

/// The decimal digits and exponent `Double.toString` picks for a positive finite `x`: the
/// shortest that read back as `x`; when that is one digit, the closest of at most two digits
/// (so `Double.MIN_VALUE` prints as `4.9E-324`, not `5.0E-324`).
fn shortest_digits(x: f64) -> (String, i32) {
    let split = |sci: String| -> (String, i32) {
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        (digits, exp.parse().unwrap_or(0))
    };
    let (digits, exp) = split(format!("{x:e}"));
    if digits.len() == 1 {
        let two = format!("{x:.1e}");
        if two.parse::<f64>().ok() == Some(x) {
            let (two_digits, two_exp) = split(two);
            let trimmed = two_digits.trim_end_matches('0');
            if trimmed.len() == 2 {
                return (two_digits, two_exp);
            }
        }
    }
    (digits, exp)
}

/// How Java prints a value with `toString` (`String.valueOf`): maps as `{k=v, k2=v2}`, lists
/// as `[a, b]`, strings without quotes, `null` as `null`.
pub(super) fn to_java_string(v: &Value) -> Result<String, TooDeep> {
    let mut out = String::new();
    write_tree(v, &mut out, &JAVA_STRING, 0)?;
    Ok(out)
}

/// Compact JSON as Jackson writes it: no spaces, Java number forms (`1.0E20`), control
/// characters as `\uXXXX` with upper-case hex except the short forms `\b \t \n \f \r`.
pub(super) fn to_json(v: &Value) -> Result<String, TooDeep> {
    let mut out = String::new();
    write_tree(v, &mut out, &JACKSON, 0)?;
    Ok(out)
}

/// What differs between `toString` and Jackson's JSON: separators and how strings print.
struct Style {
    item_separator: &'static str,
    key_separator: char,
    string: fn(&str, &mut String),
}

const JAVA_STRING: Style = Style { item_separator: ", ", key_separator: '=', string: |s, out| out.push_str(s) };
const JACKSON: Style = Style { item_separator: ",", key_separator: ':', string: write_json_string };

fn write_tree(v: &Value, out: &mut String, style: &Style, depth: usize) -> Result<(), TooDeep> {
    if depth > MAX_VALUE_DEPTH {
        return Err(TooDeep);
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_to_string(n)),
        Value::String(s) => (style.string)(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(style.item_separator);
                }
                write_tree(item, out, style, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(style.item_separator);
                }
                (style.string)(k, out);
                out.push(style.key_separator);
                write_tree(item, out, style, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `String.length()`: the length in UTF-16 code units.
pub(super) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `String.hashCode()`.
fn string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `Objects.hashCode(value)` for the Java value AWS builds from JSON.
pub(super) fn java_hash(v: &Value, depth: usize) -> Result<i32, TooDeep> {
    if depth > MAX_VALUE_DEPTH {
        return Err(TooDeep);
    }
    Ok(match v {
        Value::Null => 0,
        Value::Bool(b) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        Value::String(s) => string_hash(s),
        Value::Number(n) => match classify(n) {
            JavaNumber::Integer(i) => i,
            JavaNumber::Long(l) => (l ^ ((l as u64) >> 32) as i64) as i32,
            JavaNumber::BigInteger(u) => {
                let (hi, lo) = ((u >> 32) as u32 as i32, u as u32 as i32);
                hi.wrapping_mul(31).wrapping_add(lo)
            }
            JavaNumber::Double(d) => {
                let bits = if d.is_nan() { 0x7ff8_0000_0000_0000u64 } else { d.to_bits() };
                (bits ^ (bits >> 32)) as u32 as i32
            }
        },
        Value::Array(items) => {
            let mut h = 1i32;
            for item in items {
                h = h.wrapping_mul(31).wrapping_add(java_hash(item, depth + 1)?);
            }
            h
        }
        Value::Object(map) => {
            let mut h = 0i32;
            for (k, item) in map {
                h = h.wrapping_add(string_hash(k) ^ java_hash(item, depth + 1)?);
            }
            h
        }
    })
}

/// `Objects.equals(a, b)`: numbers are equal only with the same Java type and value; maps
/// compare regardless of key order.
fn java_equals(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_VALUE_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => match (classify(x), classify(y)) {
            (JavaNumber::Double(p), JavaNumber::Double(q)) => p.to_bits() == q.to_bits(),
            (p, q) => p == q,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| java_equals(p, q, depth + 1))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, p)| y.get(k).is_some_and(|q| java_equals(p, q, depth + 1)))
        }
        _ => false,
    }
}

/// The distinct items of `items` in the order `new HashSet<>(items)` iterates them: buckets in
/// index order, items within a bucket in insertion order, the first of equal items kept.
/// (Buckets that Java would turn into trees, eight or more colliding items, are not modelled.)
pub(super) fn hash_set_order(items: &[Value]) -> Result<Vec<Value>, TooDeep> {
    // HashSet(Collection c) sizes its table as max((int) (c.size() / .75f) + 1, 16), rounded up
    // to a power of two; it never resizes while adding c.
    let wanted = ((items.len() as f32 / 0.75f32) as usize).saturating_add(1).max(16);
    let capacity = wanted.checked_next_power_of_two().unwrap_or(1 << 30).min(1 << 30);
    let mut buckets: Vec<Vec<&Value>> = vec![Vec::new(); capacity];
    for item in items {
        let h = java_hash(item, 0)? as u32;
        let spread = h ^ (h >> 16);
        let bucket = &mut buckets[spread as usize & (capacity - 1)];
        if !bucket.iter().any(|seen| java_equals(seen, item, 0)) {
            bucket.push(item);
        }
    }
    Ok(buckets.into_iter().flatten().cloned().collect())
}

/// `Math.round(double)`: the closest integer, ties toward positive infinity, saturating.
pub(super) fn math_round(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    let floor = x.floor();
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    rounded as i64
}

/// `java.util.Random`: the 48-bit linear congruential generator its documentation specifies.
pub(super) struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const ADDEND: u64 = 0xB;
    const MASK: u64 = (1 << 48) - 1;

    /// `new Random(seed)`.
    pub(super) fn new(seed: i64) -> JavaRandom {
        JavaRandom { seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK }
    }

    /// `next(bits)`: the top `bits` of the next state, as a Java `int`.
    fn next(&mut self, bits: u32) -> i32 {
        self.seed =
            self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(Self::ADDEND) & Self::MASK;
        (self.seed >> (48 - bits)) as u32 as i32
    }

    /// `nextInt()`.
    #[cfg(test)]
    pub(super) fn next_int(&mut self) -> i32 {
        self.next(32)
    }

    /// `nextDouble()`.
    #[cfg(test)]
    pub(super) fn next_double(&mut self) -> f64 {
        let high = i64::from(self.next(26)) << 27;
        let low = i64::from(self.next(27));
        (high + low) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `nextInt(bound)` for `bound > 0`: uniform in `[0, bound)`.
    pub(super) fn next_int_bounded(&mut self, bound: i32) -> i32 {
        debug_assert!(bound > 0);
        let m = bound.wrapping_sub(1);
        let mut r = self.next(31);
        if bound & m == 0 {
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }
}
