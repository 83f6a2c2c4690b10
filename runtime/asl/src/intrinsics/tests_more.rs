//! Tests of the encoding, hashing, JSON, math, string and UUID functions, of the Java
//! behaviours they rely on, and a no-panic sweep over generated input.

use serde_json::{json, Value};

use super::java::{self, JavaRandom};
use super::tests::{check, run, Expect, TestEnv};
use super::{evaluate, parse, Function as F};
use Expect::{Invalid, Value as V};

#[test]
fn base64_encode() {
    let long = "a".repeat(10_000);
    let too_long = "a".repeat(10_001);
    // 5000 two-unit characters are 10000 Java chars.
    let astral = "🚀".repeat(5000);
    let input = json!({ "long": long, "too_long": too_long, "astral": astral, "astral_over": format!("{astral}a") });
    let input = input.to_string();
    check(&[
        ("States.Base64Encode('hello')", "{}", V(r#""aGVsbG8=""#)),
        ("States.Base64Encode('')", "{}", V(r#""""#)),
        ("States.Base64Encode($.s)", r#"{"s":"Data to encode"}"#, V(r#""RGF0YSB0byBlbmNvZGU=""#)),
        ("States.Base64Encode($.s)", r#"{"s":"こんにちは"}"#, V(r#""44GT44KT44Gr44Gh44Gv""#)),
        ("States.Base64Encode($.s)", r#"{"s":"abc\u0000def"}"#, V(r#""YWJjAGRlZg==""#)),
        ("States.Base64Encode('🚀')", "{}", V(r#""8J+agA==""#)),
        ("States.Base64Encode(States.Format('{}-{}', 'x', 'y'))", "{}", V(r#""eC15""#)),
        ("States.ArrayLength(States.Array(States.Base64Encode($.long)))", &input, V("1")),
        (
            "States.Base64Encode($.too_long)",
            &input,
            Invalid(F::Base64Encode, "10001 characters long, more than 10000"),
        ),
        ("States.ArrayLength(States.Array(States.Base64Encode($.astral)))", &input, V("1")),
        (
            "States.Base64Encode($.astral_over)",
            &input,
            Invalid(F::Base64Encode, "10001 characters"),
        ),
        (
            "States.Base64Encode(123)",
            "{}",
            Invalid(F::Base64Encode, "must be a string, got a number"),
        ),
        ("States.Base64Encode($.o)", r#"{"o":{}}"#, Invalid(F::Base64Encode, "got an object")),
        ("States.Base64Encode($.o)", r#"{"o":["x"]}"#, Invalid(F::Base64Encode, "got an array")),
    ]);
}

#[test]
fn base64_decode_is_lenient() {
    check(&[
        ("States.Base64Decode('aGVsbG8=')", "{}", V(r#""hello""#)),
        ("States.Base64Decode('')", "{}", V(r#""""#)),
        ("States.Base64Decode('4pyT')", "{}", V(r#""✓""#)),
        ("States.Base64Decode('YWJjAGRlZg==')", "{}", V(r#""abc\u0000def""#)),
        ("States.Base64Decode(States.Base64Encode('hello'))", "{}", V(r#""hello""#)),
        // Characters outside the alphabet are skipped; '=' ends the data; spare bits are dropped.
        ("States.Base64Decode(' YWJjZA== ')", "{}", V(r#""abcd""#)),
        ("States.Base64Decode('YW Jj\nZA')", "{}", V(r#""abcd""#)),
        ("States.Base64Decode('abc')", "{}", V(r#""i\ufffd""#)),
        ("States.Base64Decode('ab==cd')", "{}", V(r#""i""#)),
        ("States.Base64Decode('a')", "{}", V(r#""""#)),
        ("States.Base64Decode('!!!aGk=!!!')", "{}", V(r#""hi""#)),
        ("States.Base64Decode('-_-_')", "{}", V(r#""\ufffd\ufffd\ufffd""#)),
        ("States.Base64Decode('/w==')", "{}", V(r#""\ufffd""#)),
        (
            "States.Base64Decode(123)",
            "{}",
            Invalid(F::Base64Decode, "must be a string, got a number"),
        ),
        ("States.Base64Decode($.o)", r#"{"o":{}}"#, Invalid(F::Base64Decode, "got an object")),
    ]);
    let too_long = json!({ "s": "A".repeat(10_001) }).to_string();
    check(&[("States.Base64Decode($.s)", &too_long, Invalid(F::Base64Decode, "more than 10000"))]);
}

#[test]
fn hash() {
    let input = json!({ "ok": "a".repeat(10_000), "over": "a".repeat(10_001) }).to_string();
    check(&[
        ("States.Hash('hello', 'MD5')", "{}", V(r#""5d41402abc4b2a76b9719d911017c592""#)),
        ("States.Hash('hello', 'SHA-1')", "{}", V(r#""aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d""#)),
        (
            "States.Hash('hello', 'SHA-256')",
            "{}",
            V(r#""2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824""#),
        ),
        (
            "States.Hash('hello', 'SHA-384')",
            "{}",
            V(
                r#""59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f""#,
            ),
        ),
        (
            "States.Hash('hello', 'SHA-512')",
            "{}",
            V(
                r#""9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043""#,
            ),
        ),
        (
            "States.Hash('', 'SHA-256')",
            "{}",
            V(r#""e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855""#),
        ),
        (
            "States.Hash($.s, 'SHA-256')",
            r#"{"s":"こんにちは"}"#,
            V(r#""125aeadf27b0459b8760c13a3d80912dfa8a81a68261906f60d87f4a0268646c""#),
        ),
        (
            "States.Hash('🚀', 'SHA-256')",
            "{}",
            V(r#""ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5""#),
        ),
        (
            "States.Hash($.s, $.alg)",
            r#"{"s":"Data to encode","alg":"MD5"}"#,
            V(r#""ca405671828a177e26947171bbe1e352""#),
        ),
        (
            "States.Hash(States.Format('{}:{}', 'x', 'y'), 'SHA-256')",
            "{}",
            V(r#""1274e286686b54fe765ec40735665b4bf789cee2a5b22124c5e0491a88e15271""#),
        ),
        // Non-string data is hashed in its printed form: 123 hashes like '123'.
        ("States.Hash(123, 'MD5')", "{}", V(r#""202cb962ac59075b964b07152d234b70""#)),
        ("States.Hash($.o, 'MD5')", r#"{"o":{}}"#, V(r#""99914b932bd37a50b983c5e7c90ae93b""#)),
        (
            "States.StringSplit(States.Hash($.ok, 'SHA-1'), '-')",
            &input,
            V(r#"["a080cbda64850abb7b7f67ee875ba068074ff6fe"]"#),
        ),
        (
            "States.Hash($.over, 'SHA-256')",
            &input,
            Invalid(F::Hash, "data to hash is 10001 characters long"),
        ),
        ("States.Hash(null, 'MD5')", "{}", Invalid(F::Hash, "must not be null")),
        (
            "States.Hash('hello', 123)",
            "{}",
            Invalid(F::Hash, "algorithm must be a string, got a number"),
        ),
        (
            "States.Hash('data', 'sha-256')",
            "{}",
            Invalid(F::Hash, "unsupported hash algorithm 'sha-256'"),
        ),
        ("States.Hash('data', 'SHA256')", "{}", Invalid(F::Hash, "unsupported hash algorithm")),
        ("States.Hash('data', 'MD-5')", "{}", Invalid(F::Hash, "unsupported hash algorithm")),
        ("States.Hash('data', '')", "{}", Invalid(F::Hash, "unsupported hash algorithm ''")),
    ]);
}

#[test]
fn json_merge() {
    check(&[
        (
            "States.JsonMerge($.a, $.b, false)",
            r#"{"a":{"x":1,"y":2},"b":{"y":3,"z":4}}"#,
            V(r#"{"x":1,"y":3,"z":4}"#),
        ),
        ("States.JsonMerge($.a, $.b, false)", r#"{"a":{},"b":{"x":1}}"#, V(r#"{"x":1}"#)),
        ("States.JsonMerge($.a, $.b, false)", r#"{"a":{"x":1},"b":{}}"#, V(r#"{"x":1}"#)),
        (
            "States.JsonMerge($.a, $.b, false)",
            r#"{"a":{"n":{"a1":1}},"b":{"n":{"a3":3}}}"#,
            V(r#"{"n":{"a3":3}}"#),
        ),
        (
            "States.JsonMerge($.a, $.b, false)",
            r#"{"a":{"n":{"l":true},"k":1},"b":{"n":null}}"#,
            V(r#"{"n":null,"k":1}"#),
        ),
        (
            "States.JsonMerge($.a, $.b, $.d)",
            r#"{"a":{"x":1},"b":{"y":2},"d":"false"}"#,
            V(r#"{"x":1,"y":2}"#),
        ),
        (
            "States.JsonMerge(States.StringToJson($.a), States.StringToJson($.b), false)",
            r#"{"a":"{\"left\":1}","b":"{\"right\":2}"}"#,
            V(r#"{"left":1,"right":2}"#),
        ),
        (
            "States.JsonMerge($.a, $.b, true)",
            r#"{"a":{},"b":{}}"#,
            Invalid(F::JsonMerge, "deep merging"),
        ),
        (
            "States.JsonMerge($.a, $.b, false)",
            r#"{"a":null,"b":{}}"#,
            Invalid(F::JsonMerge, "first argument must be an object, got null"),
        ),
        (
            "States.JsonMerge($.a, $.b, false)",
            r#"{"a":{},"b":"x"}"#,
            Invalid(F::JsonMerge, "second argument must be an object, got a string"),
        ),
        (
            "States.JsonMerge($.a, $.b, false)",
            r#"{"a":[],"b":{}}"#,
            Invalid(F::JsonMerge, "got an array"),
        ),
    ]);
}

#[test]
fn math_add() {
    check(&[
        ("States.MathAdd(5, 3)", "{}", V("8")),
        ("States.MathAdd($.v, -1)", r#"{"v":111}"#, V("110")),
        ("States.MathAdd(-5, -3)", "{}", V("-8")),
        ("States.MathAdd($.a, $.b)", r#"{"a":1.6,"b":2.7}"#, V("5")),
        ("States.MathAdd($.a, $.b)", r#"{"a":0.1,"b":0.2}"#, V("0")),
        ("States.MathAdd(1.4, 2.5)", "{}", V("4")),
        ("States.MathAdd(-1.5, 0)", "{}", V("-1")),
        ("States.MathAdd(0.49999999999999994, 0)", "{}", V("0")),
        ("States.MathAdd(1.0, 2.0)", "{}", V("3")),
        ("States.MathAdd(2147483647, 0)", "{}", V("2147483647")),
        ("States.MathAdd(-2147483648, 0)", "{}", V("-2147483648")),
        ("States.MathAdd(2147483646, 1)", "{}", V("2147483647")),
        ("States.MathAdd(-2147483647, -1)", "{}", V("-2147483648")),
        ("States.MathAdd(States.MathAdd($.x, 1), 2)", r#"{"x":5}"#, V("8")),
        ("States.MathAdd(2147483647, 1)", "{}", Invalid(F::MathAdd, "sum 2147483648 is outside")),
        ("States.MathAdd(-2147483648, -1)", "{}", Invalid(F::MathAdd, "sum -2147483649")),
        (
            "States.MathAdd(3000000000, 1)",
            "{}",
            Invalid(F::MathAdd, "first argument must be between"),
        ),
        (
            "States.MathAdd(1, -3000000000)",
            "{}",
            Invalid(F::MathAdd, "second argument must be between"),
        ),
        ("States.MathAdd(2147483647.5, 0)", "{}", Invalid(F::MathAdd, "must be between")),
        (
            "States.MathAdd('a', 1)",
            "{}",
            Invalid(F::MathAdd, "first argument must be a number, got a string"),
        ),
        ("States.MathAdd(1, '2')", "{}", Invalid(F::MathAdd, "second argument must be a number")),
        ("States.MathAdd(null, 1)", "{}", Invalid(F::MathAdd, "got null")),
        ("States.MathAdd(true, 1)", "{}", Invalid(F::MathAdd, "got a boolean")),
        ("States.MathAdd(-1, $.p)", r#"{"p":[0,1]}"#, Invalid(F::MathAdd, "got an array")),
    ]);
}

#[test]
fn math_random() {
    // Seeded draws equal `start + new java.util.Random(seed).nextInt(end - start)` on a JVM.
    check(&[
        ("States.MathRandom(-5, 5, 42)", "{}", V("-5")),
        ("States.MathRandom(0, 999, 3)", "{}", V("239")),
        ("States.MathRandom(1, 1000, 42)", "{}", V("126")),
        ("States.MathRandom(100, 116, 0)", "{}", V("111")),
        ("States.MathRandom(0, 10, -10)", "{}", V("3")),
        ("States.MathRandom(0, 2147483647, 123456789012)", "{}", V("29712462")),
        ("States.MathRandom(1, 10, 3.9)", "{}", V("6")),
        ("States.MathRandom($.s, $.e, $.seed)", r#"{"s":0.6,"e":10.9,"seed":3}"#, V("4")),
        (
            "States.MathRandom(1, 1)",
            "{}",
            Invalid(F::MathRandom, "start (1) must be less than the end (1)"),
        ),
        ("States.MathRandom(10, 5)", "{}", Invalid(F::MathRandom, "must be less than")),
        (
            "States.MathRandom(1.4, 1.6)",
            "{}",
            Invalid(F::MathRandom, "start (1) must be less than the end (1)"),
        ),
        (
            "States.MathRandom(-2147483648, 2147483647)",
            "{}",
            Invalid(F::MathRandom, "wider than 2147483647"),
        ),
        ("States.MathRandom('a', 10)", "{}", Invalid(F::MathRandom, "start must be a number")),
        ("States.MathRandom(1, 'b')", "{}", Invalid(F::MathRandom, "end must be a number")),
        (
            "States.MathRandom(1, 10, 'seed')",
            "{}",
            Invalid(F::MathRandom, "seed must be a number, got a string"),
        ),
        (
            "States.MathRandom(1, 10, null)",
            "{}",
            Invalid(F::MathRandom, "seed must be a number, got null"),
        ),
    ]);
    // Unseeded draws use the caller's entropy and stay in [start, end).
    let call = parse("States.MathRandom($.s, $.e)").unwrap();
    let mut env = TestEnv::new(json!({"s": -3, "e": 4}));
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..500 {
        let v = evaluate(&call, &mut env).unwrap().as_i64().unwrap();
        assert!((-3..4).contains(&v), "{v}");
        seen.insert(v);
    }
    assert_eq!(seen.len(), 7, "every value in the range shows up: {seen:?}");
}

#[test]
fn java_random_matches_the_jvm() {
    let mut r = JavaRandom::new(42);
    assert_eq!((r.next_int(), r.next_int()), (-1_170_105_035, 234_785_527));
    assert_eq!(JavaRandom::new(42).next_double(), 0.727_563_680_032_868_1);
    assert_eq!(JavaRandom::new(0).next_int(), -1_155_484_576);
    assert_eq!(JavaRandom::new(0).next_double(), 0.730_967_787_376_657);
    for (seed, bound, want) in [
        (42, 10, 0),
        (42, 999, 125),
        (42, 16, 11),
        (42, 1, 0),
        (42, 1_000_000, 431_130),
        (0, 999, 672),
        (0, 2_147_483_647, 1_569_741_360),
        (-10, 16, 4),
        (123_456_789_012, 16, 0),
    ] {
        assert_eq!(
            JavaRandom::new(seed).next_int_bounded(bound),
            want,
            "seed {seed} bound {bound}"
        );
    }
}

#[test]
fn math_round_matches_the_jvm() {
    for (x, want) in [
        (1.49, 1),
        (1.5, 2),
        (-1.5, -1),
        (-2.5, -2),
        (2.5, 3),
        (-0.5, 0),
        (-3.5, -3),
        (1e300, i64::MAX),
    ] {
        assert_eq!(java::math_round(x), want, "{x}");
    }
    assert_eq!(java::math_round(f64::NAN), 0);
}

#[test]
fn doubles_print_like_java() {
    // Each pair was printed by Double.toString on a JVM.
    for (x, want) in [
        (1.1, "1.1"),
        (100.0, "100.0"),
        (1e7, "1.0E7"),
        (9_999_999.0, "9999999.0"),
        (1e-3, "0.001"),
        (0.00099, "9.9E-4"),
        (1e20, "1.0E20"),
        (1e-5, "1.0E-5"),
        (123_456_789.123, "1.23456789123E8"),
        (-2.5e-7, "-2.5E-7"),
        (0.1 + 0.2, "0.30000000000000004"),
        (2e-3, "0.002"),
        (f64::MIN_POSITIVE * f64::EPSILON, "4.9E-324"),
        (f64::MAX, "1.7976931348623157E308"),
        (1_234_567.0, "1234567.0"),
        (12_345_678.0, "1.2345678E7"),
        (-0.0, "-0.0"),
        (0.0, "0.0"),
    ] {
        assert_eq!(java::double_to_string(x), want, "{x:e}");
    }
}

#[test]
fn string_split_drops_empty_tokens() {
    check(&[
        ("States.StringSplit($.s, ',')", r#"{"s":"a,b,c"}"#, V(r#"["a","b","c"]"#)),
        ("States.StringSplit($.s, $.d)", r#"{"s":"1+2,3.4","d":".+,"}"#, V(r#"["1","2","3","4"]"#)),
        ("States.StringSplit($.s, ',')", r#"{"s":",a,,b,"}"#, V(r#"["a","b"]"#)),
        ("States.StringSplit($.s, ',')", r#"{"s":""}"#, V("[]")),
        ("States.StringSplit($.s, ',')", r#"{"s":",,,,"}"#, V("[]")),
        ("States.StringSplit($.s, '')", r#"{"s":"abc"}"#, V(r#"["abc"]"#)),
        ("States.StringSplit($.s, 'ab')", r#"{"s":"1a2b3ab4"}"#, V(r#"["1","2","3","4"]"#)),
        ("States.StringSplit($.s, '|')", r#"{"s":"a|b"}"#, V(r#"["a","b"]"#)),
        ("States.StringSplit($.s, '🚀')", r#"{"s":"x🚀y"}"#, V(r#"["x","y"]"#)),
        ("States.StringSplit(States.Format('{}-{}', 'x', 'y'), '-')", "{}", V(r#"["x","y"]"#)),
        (
            "States.StringSplit($.s, ',')",
            r#"{"s":123}"#,
            Invalid(F::StringSplit, "first argument must be a string, got a number"),
        ),
        (
            "States.StringSplit($.s, $.d)",
            r#"{"s":"a","d":1}"#,
            Invalid(F::StringSplit, "delimiter (second argument) must be a string"),
        ),
        (
            "States.StringSplit($.s, $.d)",
            r#"{"s":"a","d":null}"#,
            Invalid(F::StringSplit, "got null"),
        ),
        (
            "States.StringSplit($.s, $.d)",
            r#"{"s":"a,b","d":[","]}"#,
            Invalid(F::StringSplit, "got an array"),
        ),
        (
            "States.StringSplit($.s, ',')",
            r#"{"s":false}"#,
            Invalid(F::StringSplit, "got a boolean"),
        ),
    ]);
}

#[test]
fn uuid_is_version_4_from_entropy() {
    let call = parse("States.UUID()").unwrap();
    let mut env = TestEnv::new(json!({}));
    let first = evaluate(&call, &mut env).unwrap();
    let second = evaluate(&call, &mut env).unwrap();
    assert_ne!(first, second);
    for v in [first, second] {
        let s = v.as_str().unwrap();
        let parsed = uuid::Uuid::parse_str(s).unwrap();
        assert_eq!(parsed.get_version_num(), 4, "{s}");
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{s}");
        assert_eq!(s, s.to_lowercase());
        assert_eq!(s.len(), 36);
    }
    // The same entropy gives the same UUID.
    let a = evaluate(&call, &mut TestEnv::new(json!({}))).unwrap();
    let b = evaluate(&call, &mut TestEnv::new(json!({}))).unwrap();
    assert_eq!(a, b);
}

#[test]
fn deeply_nested_values_are_refused_not_walked() {
    let mut deep = json!(1);
    for _ in 0..(java::MAX_VALUE_DEPTH + 5) {
        deep = json!([deep]);
    }
    let env = || TestEnv::new(json!({})).with_var("d", deep.clone());
    for (src, f) in [
        ("States.JsonToString($d)", F::JsonToString),
        ("States.Format('{}', $d)", F::Format),
        ("States.ArrayUnique($d)", F::ArrayUnique),
        ("States.ArrayContains($d, 1)", F::ArrayContains),
        ("States.Hash($d, 'MD5')", F::Hash),
    ] {
        match run(src, env()) {
            Ok(Err(super::functions::Detailed::Invalid(got, reason))) => {
                assert_eq!(got, f, "{src}");
                assert!(reason.contains("nested more than"), "{src}: {reason}");
            }
            other => panic!("{src}: {other:?}"),
        }
    }
    // Leaking keeps the test off serde_json's recursive drop of a deep value.
    std::mem::forget(deep);
}

/// A small deterministic generator (xorshift) for the no-panic sweep.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True one time in `n`, on average.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn no_panic_on_generated_text() {
    let names: Vec<&str> = F::ALL.iter().map(|f| f.name()).collect();
    let noise = [
        "(", ")", ",", " ", "'", "\\", "\\'", "{", "}", "{}", "$", "$.", "$$.", "[", "]", "['x']",
        "1.", ".", "-", "e", "nul", "States.", "é", "🚀", "\n", "\u{0}", "\"",
    ];
    let args = [
        "$.a",
        "$.b",
        "$.s",
        "$.n",
        "$.f",
        "$v",
        "$",
        "$$.Execution.Name",
        "$.a[3]",
        "0",
        "1",
        "-1",
        "2.5",
        "-0.5",
        "1e3",
        "99999999999",
        "true",
        "false",
        "null",
        "'a'",
        "'{}'",
        "'\\{'",
        "'SHA-256'",
        "'MD5'",
        "'aGk='",
        "','",
        "'{} and {}'",
        "''",
    ];
    let input = json!({
        "a": [1, 2, [3], {"k": "v"}], "b": {"x": 1}, "s": "a,b", "n": 2147483647, "f": 1.5
    });
    let mut g = Gen(0x2545_F491_4F6C_DD1D);
    let (mut parsed, mut evaluated) = (0, 0);
    for i in 0..20_000 {
        let mut text = String::new();
        match i % 3 {
            // Token soup, often starting like a call.
            0 => {
                if !g.one_in(4) {
                    text.push_str(g.pick(&names));
                    text.push('(');
                }
                for _ in 0..(g.next() % 12) {
                    let t = match g.next() % 4 {
                        0 => g.pick(&names),
                        1 => g.pick(&args),
                        _ => g.pick(&noise),
                    };
                    text.push_str(t);
                }
                if !g.one_in(3) {
                    text.push(')');
                }
            }
            // Well-formed calls with random arguments, sometimes one nested call.
            _ => {
                let call = |g: &mut Gen| {
                    let n = g.next() % 4;
                    let list: Vec<&str> = (0..n).map(|_| g.pick(&args)).collect();
                    format!("{}({})", g.pick(&names), list.join(", "))
                };
                let inner = call(&mut g);
                text = call(&mut g);
                if g.one_in(2) {
                    text = text.replacen('(', &format!("({inner}, "), 1).replace(", )", ")");
                }
                // Then, every other time, damage one character.
                if i % 3 == 2 {
                    let chars: Vec<char> = text.chars().collect();
                    let at = (g.next() % chars.len() as u64) as usize;
                    let damaged: String =
                        match g.next() % 2 {
                            0 => chars
                                .iter()
                                .enumerate()
                                .filter(|(j, _)| *j != at)
                                .map(|(_, c)| *c)
                                .collect(),
                            _ => {
                                let extra = g.pick(&noise);
                                chars
                                    .iter()
                                    .enumerate()
                                    .map(|(j, c)| {
                                        if j == at {
                                            format!("{extra}{c}")
                                        } else {
                                            c.to_string()
                                        }
                                    })
                                    .collect()
                            }
                        };
                    text = damaged;
                }
            }
        }
        if let Ok(call) = parse(&text) {
            parsed += 1;
            let mut env = TestEnv::new(input.clone()).with_var("v", json!([0.5, "x", null]));
            if evaluate(&call, &mut env).is_ok() {
                evaluated += 1;
            }
        }
    }
    // The generator must reach the evaluator and its success paths, not only parse errors.
    assert!(parsed > 5000, "only {parsed} generated calls parsed");
    assert!(evaluated > 300, "only {evaluated} generated calls evaluated");
}

#[test]
fn no_panic_on_every_function_with_every_argument_shape() {
    let shapes = [
        "null",
        "true",
        "0",
        "-1",
        "2147483648",
        "1.5",
        "-0.6",
        "1e300",
        "''",
        "'x'",
        "'{}'",
        "'a,b'",
        "'SHA-256'",
        "$.arr",
        "$.obj",
        "$.empty",
        "$.big",
        "$.str",
        "States.Array()",
    ];
    let input = json!({
        "arr": [1, "1", [1], {"a": 1}, null, true, 1.5], "obj": {"a": {"b": 1}}, "empty": [],
        "big": 18446744073709551615u64, "str": "{\"a\": [1, 2]}"
    });
    let mut count = 0;
    for f in F::ALL {
        for arity in 0..=3 {
            let mut combos = vec![String::new()];
            for _ in 0..arity {
                combos = combos
                    .iter()
                    .flat_map(|c| {
                        shapes.iter().map(move |s| {
                            if c.is_empty() {
                                s.to_string()
                            } else {
                                format!("{c}, {s}")
                            }
                        })
                    })
                    .collect();
            }
            for args in combos {
                let call = parse(&format!("{}({args})", f.name())).unwrap();
                let mut env = TestEnv::new(input.clone());
                let result: Result<Value, _> = evaluate(&call, &mut env);
                if let Ok(v) = result {
                    // Every success is valid JSON that serializes.
                    assert!(serde_json::to_string(&v).is_ok());
                }
                count += 1;
            }
        }
    }
    assert_eq!(count, 18 * (1 + 19 + 19 * 19 + 19 * 19 * 19));
}
