//! Table-driven tests of parsing and of every function, including failures.
//!
//! Expected values come from AWS observations (see `tests_corpus.rs`), from the AWS
//! documentation, and, for the Java behaviours, from running the same operation on a JVM.

use serde_json::{json, Map, Value};

use super::functions::{evaluate_detailed, Detailed};
use super::java;
use super::{evaluate, looks_like_intrinsic, parse, Arg, Function, IntrinsicEnv, IntrinsicError};

/// A test environment: `$` is the input, `$$` the context, `$name` a variable.
pub(super) struct TestEnv {
    pub(super) input: Value,
    pub(super) context: Value,
    pub(super) vars: Map<String, Value>,
    state: u64,
}

impl TestEnv {
    pub(super) fn new(input: Value) -> TestEnv {
        let context = json!({
            "Execution": {"Id": "arn:aws:states:us-east-1:111111111111:execution:sm:exec-1",
                          "Input": input.clone(), "Name": "exec-1"},
            "StateMachine": {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:sm",
                             "Name": "sm"},
        });
        TestEnv { input, context, vars: Map::new(), state: 0x853c_49e6_748f_ea9b }
    }

    pub(super) fn with_var(mut self, name: &str, value: Value) -> TestEnv {
        self.vars.insert(name.to_string(), value);
        self
    }
}

impl IntrinsicEnv for TestEnv {
    type Error = String;

    fn resolve_path(&mut self, path: &str) -> Result<Value, String> {
        let not_found = || format!("The JSONPath '{path}' could not be found");
        let (root, rest) = if let Some(rest) = path.strip_prefix("$$") {
            (&self.context, rest)
        } else if let Some(rest) = path.strip_prefix('$') {
            if rest.is_empty() || rest.starts_with(['.', '[']) {
                (&self.input, rest)
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                (self.vars.get(&rest[..end]).ok_or_else(not_found)?, &rest[end..])
            }
        } else {
            return Err(not_found());
        };
        let mut current = root;
        let mut rest = rest;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                current = current.get(&r[..end]).ok_or_else(not_found)?;
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').ok_or_else(not_found)?;
                let index: usize = r[..end].parse().map_err(|_| not_found())?;
                current = current.get(index).ok_or_else(not_found)?;
                rest = &r[end + 1..];
            } else {
                return Err(not_found());
            }
        }
        Ok(current.clone())
    }

    fn entropy(&mut self) -> u64 {
        // SplitMix64: deterministic, and different on every call.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// What a case should produce.
pub(super) enum Expect {
    /// This value (JSON text).
    Value(&'static str),
    /// A failure of this function whose reason contains this text.
    Invalid(Function, &'static str),
    /// A failed path resolution.
    PathError,
    /// A parse error whose message contains this text, at this position.
    Parse(&'static str, usize),
}

/// Run `(expression, input JSON, expectation)` rows and report every mismatch at once.
pub(super) fn check(cases: &[(&str, &str, Expect)]) {
    let mut failures = Vec::new();
    for (src, input, expect) in cases {
        let input: Value = serde_json::from_str(input).expect("test input is valid JSON");
        let got = run(src, TestEnv::new(input));
        if let Some(problem) = mismatch(&got, expect) {
            failures.push(format!("{src}\n    {problem}"));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

pub(super) type Outcome = Result<Result<Value, Detailed<String>>, super::ParseError>;

pub(super) fn run(src: &str, mut env: TestEnv) -> Outcome {
    parse(src).map(|call| evaluate_detailed(&call, &mut env))
}

pub(super) fn mismatch(got: &Outcome, expect: &Expect) -> Option<String> {
    match (got, expect) {
        (Ok(Ok(v)), Expect::Value(want)) => {
            let want: Value = serde_json::from_str(want).expect("expected value is valid JSON");
            // Numbers compare strictly (3 and 3.0 differ); object key order does not matter.
            (v != &want).then(|| format!("got {v}, want {want}"))
        }
        (Ok(Err(Detailed::Invalid(f, reason))), Expect::Invalid(want_f, want_reason)) => {
            (f != want_f || !reason.contains(want_reason)).then(|| {
                format!(
                    "got {} failure '{reason}', want {} failure containing '{want_reason}'",
                    f.name(),
                    want_f.name()
                )
            })
        }
        (Ok(Err(Detailed::Path(_))), Expect::PathError) => None,
        (Err(e), Expect::Parse(msg, pos)) => {
            (!e.message.contains(msg) || e.position != *pos).then(|| {
                format!("got parse error '{}' at {}, want '{msg}' at {pos}", e.message, e.position)
            })
        }
        (got, _) => Some(format!("unexpected outcome {got:?}")),
    }
}

use Expect::{Invalid, Parse, PathError, Value as V};
use Function as F;

#[test]
fn recognises_intrinsic_text() {
    assert!(looks_like_intrinsic("States.Format('{}', $.a)"));
    assert!(looks_like_intrinsic("  States.UUID()"));
    assert!(!looks_like_intrinsic("$.States.Format"));
    assert!(!looks_like_intrinsic("States."));
    assert!(!looks_like_intrinsic("States.(1)"));
    assert!(!looks_like_intrinsic("states.Format('x')"));
}

#[test]
fn parses_arguments_of_every_kind() {
    let call = parse(r"States.Array('a\'b\{\}\\', -12, 3.25, 1e2, true, false, null, $.x[0]['a,b'], States.UUID())")
        .expect("parses");
    assert_eq!(call.function(), F::Array);
    let args = call.args();
    assert_eq!(args.len(), 9);
    assert!(matches!(&args[0], Arg::Str(s) if s.value() == r"a'b{}\"));
    assert!(matches!(&args[1], Arg::Number(n) if n.as_i64() == Some(-12)));
    assert!(matches!(&args[2], Arg::Number(n) if n.as_f64() == Some(3.25) && !n.is_i64()));
    assert!(matches!(&args[3], Arg::Number(n) if n.as_f64() == Some(100.0) && n.is_f64()));
    assert_eq!(args[4], Arg::Bool(true));
    assert_eq!(args[5], Arg::Bool(false));
    assert_eq!(args[6], Arg::Null);
    assert_eq!(args[7], Arg::Path("$.x[0]['a,b']".into()));
    assert!(matches!(&args[8], Arg::Call(c) if c.function() == F::Uuid && c.args().is_empty()));
    assert_eq!(call.paths(), vec!["$.x[0]['a,b']"]);
}

#[test]
fn parse_errors_say_what_and_where() {
    check(&[
        ("States.Nope(1)", "{}", Parse("unknown intrinsic function 'States.Nope'", 0)),
        ("States.format('x')", "{}", Parse("unknown intrinsic function", 0)),
        ("Format('x')", "{}", Parse("expected an intrinsic function name", 0)),
        ("States.Array", "{}", Parse("expected '(' after 'States.Array'", 12)),
        ("States.Array(", "{}", Parse("expected an argument, found the end", 13)),
        ("States.Array(1", "{}", Parse("missing ')'", 14)),
        ("States.Array(1 2)", "{}", Parse("expected ',' or ')'", 15)),
        ("States.Array(1,)", "{}", Parse("expected an argument, found ')'", 15)),
        ("States.Array(,1)", "{}", Parse("expected an argument, found ','", 13)),
        ("States.Array($.a) trailing", "{}", Parse("unexpected 't' after the end of the call", 18)),
        ("States.Array('abc)", "{}", Parse("unterminated string literal", 13)),
        (r"States.Array('a\nb')", "{}", Parse(r"invalid escape sequence '\n'", 15)),
        (r"States.Array('a\", "{}", Parse("unterminated string literal", 13)),
        ("States.Array(1.)", "{}", Parse("expected a digit after the decimal point", 15)),
        ("States.Array(.5)", "{}", Parse("expected an argument, found '.'", 13)),
        ("States.Array(-)", "{}", Parse("expected a digit after '-'", 14)),
        ("States.Array(01)", "{}", Parse("leading zero", 13)),
        ("States.Array(1e)", "{}", Parse("expected a digit in the exponent", 15)),
        ("States.Array(12ab)", "{}", Parse("unexpected 'a' after a number", 15)),
        ("States.Array(1e400)", "{}", Parse("number 1e400 is out of range", 13)),
        ("States.Array(yes)", "{}", Parse("unexpected 'yes'", 13)),
        ("States.Array(\"x\")", "{}", Parse("expected an argument, found '\"'", 13)),
        ("States.Array([1,2])", "{}", Parse("expected an argument, found '['", 13)),
        ("States.Array($.a[0)", "{}", Parse("unclosed '['", 13)),
        ("States.Array($.a])", "{}", Parse("unbalanced ']'", 16)),
        ("States.Array($.a['b)", "{}", Parse("unterminated quoted name", 17)),
        ("States.Array(\u{1})", "{}", Parse("found character U+0001", 13)),
        ("", "{}", Parse("expected an intrinsic function name", 0)),
    ]);
}

#[test]
fn parse_error_display_names_the_text() {
    let err = parse("States.Array(1 2)").expect_err("fails");
    assert_eq!(
        err.to_string(),
        "invalid intrinsic function call: expected ',' or ')' in the arguments of States.Array, \
         found '2' at position 15 in 'States.Array(1 2)'"
    );
}

#[test]
fn positions_count_characters_not_bytes() {
    let err = parse("States.Array('é', 'ü' x)").expect_err("fails");
    assert_eq!(err.position, 22);
}

#[test]
fn nesting_is_limited_to_ten_levels() {
    let nest = |levels: usize| {
        let mut s = "1".to_string();
        for _ in 0..levels {
            s = format!("States.Array({s})");
        }
        s
    };
    let ten = run(&nest(10), TestEnv::new(json!({})));
    assert_eq!(ten.expect("parses").expect("evaluates"), json!([[[[[[[[[[1]]]]]]]]]]));
    let err = parse(&nest(11)).expect_err("eleven levels are refused");
    assert!(err.message.contains("nested more than 10 levels"), "{}", err.message);
    assert_eq!(err.position, 130);
    // Deep nesting far beyond the limit fails cleanly instead of recursing.
    assert!(parse(&nest(5000)).is_err());
}

#[test]
fn whitespace_around_tokens_is_allowed() {
    check(&[
        ("States.Array( $.a , $.b )", r#"{"a":1,"b":2}"#, V("[1,2]")),
        ("States.Array (\n1,\t2 )", "{}", V("[1,2]")),
        ("  States.MathAdd(1,2)  ", "{}", V("3")),
        ("States.Array()", "{}", V("[]")),
        ("States.Array( )", "{}", V("[]")),
    ]);
}

#[test]
fn string_literal_escapes() {
    check(&[
        (r"States.Format('It\'s {}', 'me')", "{}", V(r#""It's me""#)),
        (r"States.Format('\{\} {} \\ \}', 1)", "{}", V(r#""{} 1 \\ }""#)),
        (r"States.Format('a\{b')", "{}", V(r#""a{b""#)),
        (r"States.Array('{}', '{', '}', '\{}')", "{}", V(r#"["{}","{","}","{}"]"#)),
        ("States.StringToJson('{\"a\": [1]}')", "{}", V(r#"{"a":[1]}"#)),
        (
            r#"States.Format('Name: \'{}\', Surname: "{}"', $.n, $.s)"#,
            r#"{"n":"Gabriel","s":"Moreira"}"#,
            V(r#""Name: 'Gabriel', Surname: \"Moreira\"""#),
        ),
        ("States.Array('tab\there', 'ünï©ødé 🚀')", "{}", V(r#"["tab\there","ünï©ødé 🚀"]"#)),
    ]);
}

#[test]
fn paths_variables_and_context() {
    check(&[
        (
            "States.Array($, $.a, $.b[1], $$.Execution.Name, $v, $v.x)",
            r#"{"a":1,"b":[5,6]}"#,
            PathError,
        ),
        (
            "States.Array($.a, $.b[1], $$.Execution.Name)",
            r#"{"a":1,"b":[5,6]}"#,
            V(r#"[1,6,"exec-1"]"#),
        ),
        ("States.Array($)", r#"{"a":1}"#, V(r#"[{"a":1}]"#)),
        ("States.Array($.missing)", "{}", PathError),
        ("States.MathAdd($.missing, 1)", "{}", PathError),
    ]);
    let env = TestEnv::new(json!({})).with_var("v", json!({"x": [1, 2]}));
    let got = run("States.Array($v, $v.x, $v.x[1])", env).expect("parses").expect("evaluates");
    assert_eq!(got, json!([{"x": [1, 2]}, [1, 2], 2]));
}

#[test]
fn path_errors_pass_through_unchanged() {
    let call = parse("States.Format('{}', $.nope)").expect("parses");
    let err = evaluate(&call, &mut TestEnv::new(json!({}))).expect_err("fails");
    assert_eq!(err, IntrinsicError::Path("The JSONPath '$.nope' could not be found".to_string()));
}

#[test]
fn failures_carry_the_aws_cause() {
    for (src, cause) in [
        ("States.MathAdd('a', 1)", "Invalid arguments in States.MathAdd"),
        ("States.ArrayRange(1, 1001, 1)", "Invalid arguments in States.ArrayRange"),
        ("States.ArrayPartition($.a, 0)", "Invalid arguments in States.ArrayPartition"),
        ("States.Format('{} {}', 1)", "Invalid arguments in States.Format"),
        ("States.UUID(1)", "Invalid arguments in States.UUID"),
        ("States.Array(States.MathAdd(1, 'x'))", "Invalid arguments in States.MathAdd"),
    ] {
        let call = parse(src).expect("parses");
        let err = evaluate(&call, &mut TestEnv::new(json!({"a": [1]}))).expect_err(src);
        assert_eq!(err, IntrinsicError::Failure(cause.to_string()), "{src}");
        assert_eq!(err.to_string(), cause);
    }
    assert_eq!(super::FAILURE_ERROR, "States.Runtime");
}

#[test]
fn arity_is_checked_for_every_function() {
    check(&[
        ("States.Format()", "{}", Invalid(F::Format, "takes at least 1 argument(s), 0 given")),
        ("States.StringToJson()", "{}", Invalid(F::StringToJson, "takes 1 argument(s), 0 given")),
        ("States.StringToJson('1', '2')", "{}", Invalid(F::StringToJson, "2 given")),
        ("States.JsonToString()", "{}", Invalid(F::JsonToString, "0 given")),
        ("States.JsonToString(1, 2)", "{}", Invalid(F::JsonToString, "2 given")),
        ("States.ArrayPartition($.a)", r#"{"a":[]}"#, Invalid(F::ArrayPartition, "takes 2")),
        ("States.ArrayPartition($.a, 2, 9)", r#"{"a":[]}"#, Invalid(F::ArrayPartition, "takes 2")),
        ("States.ArrayContains($.a)", r#"{"a":[]}"#, Invalid(F::ArrayContains, "takes 2")),
        ("States.ArrayContains($.a, 2, 9)", r#"{"a":[]}"#, Invalid(F::ArrayContains, "takes 2")),
        ("States.ArrayRange(1, 5)", "{}", Invalid(F::ArrayRange, "takes 3")),
        ("States.ArrayRange(1, 5, 1, 9)", "{}", Invalid(F::ArrayRange, "takes 3")),
        ("States.ArrayGetItem($.a)", r#"{"a":[1]}"#, Invalid(F::ArrayGetItem, "takes 2")),
        ("States.ArrayGetItem($.a, 0, 1)", r#"{"a":[1]}"#, Invalid(F::ArrayGetItem, "takes 2")),
        ("States.ArrayLength()", "{}", Invalid(F::ArrayLength, "takes 1")),
        ("States.ArrayLength($.a, 9)", r#"{"a":[]}"#, Invalid(F::ArrayLength, "takes 1")),
        ("States.ArrayUnique()", "{}", Invalid(F::ArrayUnique, "takes 1")),
        ("States.Base64Encode()", "{}", Invalid(F::Base64Encode, "takes 1")),
        ("States.Base64Encode('a', 'b')", "{}", Invalid(F::Base64Encode, "takes 1")),
        ("States.Base64Decode()", "{}", Invalid(F::Base64Decode, "takes 1")),
        ("States.Hash('x')", "{}", Invalid(F::Hash, "takes 2")),
        ("States.Hash('x', 'MD5', 'y')", "{}", Invalid(F::Hash, "takes 2")),
        ("States.JsonMerge($.a, $.a)", r#"{"a":{}}"#, Invalid(F::JsonMerge, "takes 3")),
        ("States.JsonMerge($.a, $.a, false, 1)", r#"{"a":{}}"#, Invalid(F::JsonMerge, "takes 3")),
        ("States.MathRandom(1)", "{}", Invalid(F::MathRandom, "takes 2 to 3")),
        ("States.MathRandom(1, 10, 5, 99)", "{}", Invalid(F::MathRandom, "takes 2 to 3")),
        ("States.MathAdd(1)", "{}", Invalid(F::MathAdd, "takes 2")),
        ("States.MathAdd(1, 2, 3)", "{}", Invalid(F::MathAdd, "takes 2")),
        ("States.StringSplit('a')", "{}", Invalid(F::StringSplit, "takes 2")),
        ("States.UUID(1)", "{}", Invalid(F::Uuid, "takes 0")),
    ]);
}

#[test]
fn format() {
    check(&[
        ("States.Format('Hello {}', $.name)", r#"{"name":"Ada"}"#, V(r#""Hello Ada""#)),
        (
            "States.Format('{} {} {}', $.a, $.b, $.c)",
            r#"{"a":"x","b":2,"c":true}"#,
            V(r#""x 2 true""#),
        ),
        ("States.Format('no placeholders')", "{}", V(r#""no placeholders""#)),
        ("States.Format($.t, $.name)", r#"{"t":"Hello {}","name":"Ada"}"#, V(r#""Hello Ada""#)),
        ("States.Format('  {}  ', 'x')", "{}", V(r#""  x  ""#)),
        ("States.Format('{}{}', 1, 2)", "{}", V(r#""12""#)),
        (
            "States.Format('{}|{}|{}|{}|{}', $.n, $.f, $.neg, $.frac, $.huge)",
            r#"{"n":null,"f":false,"neg":-1,"frac":3.5,"huge":9007199254740991}"#,
            V(r#""null|false|-1|3.5|9007199254740991""#),
        ),
        ("States.Format('{} {} {}', 1.0, 1e20, 0.0001)", "{}", V(r#""1.0 1.0E20 1.0E-4""#)),
        (
            "States.Format('{}', $.o)",
            r#"{"o":{"a":1,"b":[1,"x",{"c":null}],"d":{}}}"#,
            V(r#""{a=1, b=[1, x, {c=null}], d={}}""#),
        ),
        ("States.Format('{}', $.a)", r#"{"a":[]}"#, V(r#""[]""#)),
        (
            "States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))",
            r#"{"svc":"lambda","obj":{"k":1}}"#,
            V(r#""arn:lambda:{\"k\":1}""#),
        ),
        // A StringToJson result prints as JSON text, not as the bare value.
        ("States.Format('{}', States.StringToJson($.j))", r#"{"j":"\"x\""}"#, V(r#""\"x\"""#)),
        (
            "States.Format('{}', States.StringToJson('{\"a\": [1, 2.0]}'))",
            "{}",
            V(r#""{\"a\":[1,2.0]}""#),
        ),
        ("States.Format('{}', States.Array('x', 1))", "{}", V(r#""[x, 1]""#)),
        (
            "States.Format('{} {}', 1)",
            "{}",
            Invalid(F::Format, "has 2 placeholder(s) {} but 1 value(s)"),
        ),
        (
            "States.Format('{}', 1, 2)",
            "{}",
            Invalid(F::Format, "has 1 placeholder(s) {} but 2 value(s)"),
        ),
        ("States.Format('x', 1)", "{}", Invalid(F::Format, "has 0 placeholder(s)")),
        (
            "States.Format($.t, 'x')",
            r#"{"t":123}"#,
            Invalid(F::Format, "template (first argument) must be a string, got a number"),
        ),
        (
            "States.Format('Hello {', 'x')",
            "{}",
            Invalid(F::Format, "unmatched brace at position 21 of the call"),
        ),
        (
            "States.Format('Hello {{}}', 'x')",
            "{}",
            Invalid(F::Format, "unmatched brace at position 21 of the call"),
        ),
        (
            "States.Format('}')",
            "{}",
            Invalid(F::Format, "unmatched brace at position 15 of the call"),
        ),
        (
            r"States.Format('\{}', 1)",
            "{}",
            Invalid(F::Format, "unmatched brace at position 17 of the call"),
        ),
        ("States.Format('{ }', 1)", "{}", Invalid(F::Format, "unmatched brace")),
        (
            "States.Format($.t, 1)",
            r#"{"t":"a { b"}"#,
            Invalid(F::Format, "unmatched brace at character 2"),
        ),
        (
            "States.Format($.t)",
            r#"{"t":"a\\{b"}"#,
            Invalid(F::Format, "unmatched brace at character 2"),
        ),
        ("States.Format($.t, 1)", r#"{"t":"{}\\"}"#, V(r#""1\\""#)),
    ]);
}

#[test]
fn string_to_json() {
    check(&[
        ("States.StringToJson($.j)", r#"{"j":"{\"a\":1}"}"#, V(r#"{"a":1}"#)),
        ("States.StringToJson($.j)", r#"{"j":" {\"a\":1} "}"#, V(r#"{"a":1}"#)),
        ("States.StringToJson($.j)", r#"{"j":"[1,2.5,\"x\"]"}"#, V(r#"[1,2.5,"x"]"#)),
        ("States.StringToJson($.j)", r#"{"j":"1.0"}"#, V("1.0")),
        ("States.StringToJson($.j)", r#"{"j":"\"hello\""}"#, V(r#""hello""#)),
        ("States.StringToJson($.j)", r#"{"j":"null"}"#, V("null")),
        ("States.StringToJson($.j)", r#"{"j":""}"#, V("null")),
        ("States.StringToJson($.j)", r#"{"j":" \n\t "}"#, V("null")),
        ("States.StringToJson($.j)", r#"{"j":"{} trailing"}"#, V("{}")),
        ("States.StringToJson($.j)", r#"{"j":"{\"a\":\"it's\"}"}"#, V(r#"{"a":"it's"}"#)),
        (
            "States.StringToJson($.j)",
            r#"{"j":"{bad json}"}"#,
            Invalid(F::StringToJson, "not valid JSON"),
        ),
        (
            "States.StringToJson($.j)",
            r#"{"j":"{\"a\":1"}"#,
            Invalid(F::StringToJson, "not valid JSON"),
        ),
        (
            "States.StringToJson($.j)",
            r#"{"j":"undefined"}"#,
            Invalid(F::StringToJson, "not valid JSON"),
        ),
        ("States.StringToJson($.j)", r#"{"j":"1x"}"#, Invalid(F::StringToJson, "not valid JSON")),
        (
            "States.StringToJson($.j)",
            r#"{"j":123}"#,
            Invalid(F::StringToJson, "must be a string, got a number"),
        ),
        ("States.StringToJson($.j)", r#"{"j":{"a":1}}"#, Invalid(F::StringToJson, "got an object")),
        ("States.StringToJson($.j)", r#"{"j":[1]}"#, Invalid(F::StringToJson, "got an array")),
        ("States.StringToJson(null)", "{}", Invalid(F::StringToJson, "got null")),
        (
            "States.StringToJson(States.JsonToString($.o))",
            r#"{"o":{"a":1,"n":{"ok":true}}}"#,
            V(r#"{"a":1,"n":{"ok":true}}"#),
        ),
    ]);
}

#[test]
fn json_to_string() {
    check(&[
        (
            "States.JsonToString($.o)",
            r#"{"o":{"nested":{"a":1},"arr":[true,null]}}"#,
            V(r#""{\"nested\":{\"a\":1},\"arr\":[true,null]}""#),
        ),
        ("States.JsonToString($.o)", r#"{"o":{}}"#, V(r#""{}""#)),
        ("States.JsonToString($.o)", r#"{"o":[]}"#, V(r#""[]""#)),
        (
            "States.JsonToString($.o)",
            r#"{"o":[-1,3.5,-9007199254740991,9007199254740991,1.0,1e20]}"#,
            V(r#""[-1,3.5,-9007199254740991,9007199254740991,1.0,1.0E20]""#),
        ),
        (
            "States.JsonToString($.o)",
            r#"{"o":"a\"b\\c\n\u0001\u001f/é"}"#,
            V(r#""\"a\\\"b\\\\c\\n\\u0001\\u001F/é\"""#),
        ),
        ("States.JsonToString('x')", "{}", V(r#""\"x\"""#)),
        ("States.JsonToString(null)", "{}", V(r#""null""#)),
        ("States.JsonToString(States.Array($.a, $.b))", r#"{"a":1,"b":2}"#, V(r#""[1,2]""#)),
    ]);
}

#[test]
fn array_and_length() {
    check(&[
        ("States.Array()", "{}", V("[]")),
        ("States.Array(42, true, null, 'hello', -1.5)", "{}", V(r#"[42,true,null,"hello",-1.5]"#)),
        ("States.Array(1, States.Array(2, 3))", "{}", V("[1,[2,3]]")),
        ("States.Array($.o, $.o)", r#"{"o":{"x":1}}"#, V(r#"[{"x":1},{"x":1}]"#)),
        ("States.ArrayLength($.a)", r#"{"a":[]}"#, V("0")),
        ("States.ArrayLength($.a)", r#"{"a":[[1],[2],{"x":3}]}"#, V("3")),
        ("States.ArrayLength(States.Array(1, 2, 3))", "{}", V("3")),
        (
            "States.ArrayLength('not-array')",
            "{}",
            Invalid(F::ArrayLength, "must be an array, got a string"),
        ),
        ("States.ArrayLength($.o)", r#"{"o":{"k":1}}"#, Invalid(F::ArrayLength, "got an object")),
    ]);
}

#[test]
fn array_partition() {
    check(&[
        (
            "States.ArrayPartition($.a, 4)",
            r#"{"a":[1,2,3,4,5,6,7,8,9]}"#,
            V("[[1,2,3,4],[5,6,7,8],[9]]"),
        ),
        ("States.ArrayPartition($.a, 10)", r#"{"a":[1,2,3]}"#, V("[[1,2,3]]")),
        ("States.ArrayPartition($.a, 2147483647)", r#"{"a":[1,2,3]}"#, V("[[1,2,3]]")),
        ("States.ArrayPartition($.a, 3)", r#"{"a":[]}"#, V("[]")),
        (
            "States.ArrayPartition($.a, 2)",
            r#"{"a":[[1],[2],{"c":3}]}"#,
            V(r#"[[[1],[2]],[{"c":3}]]"#),
        ),
        // Fractional sizes are truncated, not rounded.
        ("States.ArrayPartition($.a, 2.6)", r#"{"a":[1,2,3,4,5]}"#, V("[[1,2],[3,4],[5]]")),
        ("States.ArrayPartition($.a, 2.4)", r#"{"a":[1,2,3,4,5]}"#, V("[[1,2],[3,4],[5]]")),
        (
            "States.ArrayPartition($.a, 0.6)",
            r#"{"a":[1]}"#,
            Invalid(F::ArrayPartition, "positive integer, got 0"),
        ),
        ("States.ArrayPartition($.a, -0.4)", r#"{"a":[1]}"#, Invalid(F::ArrayPartition, "got 0")),
        ("States.ArrayPartition($.a, -1)", r#"{"a":[1]}"#, Invalid(F::ArrayPartition, "got -1")),
        ("States.ArrayPartition($.a, 0)", r#"{"a":[1]}"#, Invalid(F::ArrayPartition, "got 0")),
        (
            "States.ArrayPartition($.a, '2')",
            r#"{"a":[1]}"#,
            Invalid(F::ArrayPartition, "chunk size must be a number, got a string"),
        ),
        (
            "States.ArrayPartition($.a, null)",
            r#"{"a":[1]}"#,
            Invalid(F::ArrayPartition, "got null"),
        ),
        (
            "States.ArrayPartition($.a, 3000000000)",
            r#"{"a":[1]}"#,
            Invalid(F::ArrayPartition, "between -2147483648 and 2147483647"),
        ),
        (
            "States.ArrayPartition('not-array', 2)",
            "{}",
            Invalid(F::ArrayPartition, "first argument must be an array"),
        ),
    ]);
}

#[test]
fn array_contains_compares_printed_forms() {
    check(&[
        ("States.ArrayContains($.a, 2)", r#"{"a":[1,2,3]}"#, V("true")),
        ("States.ArrayContains($.a, 5)", r#"{"a":[1,2,3]}"#, V("false")),
        ("States.ArrayContains($.a, null)", r#"{"a":[1,null,3]}"#, V("true")),
        ("States.ArrayContains($.a, $.t)", r#"{"a":[[1,2],[3,4]],"t":[1,2]}"#, V("true")),
        (
            "States.ArrayContains($.a, $.t)",
            r#"{"a":[{"a":1}],"t":{"a":1,"extra":null}}"#,
            V("false"),
        ),
        ("States.ArrayContains($.a, false)", r#"{"a":[0,1,-1,-1.5]}"#, V("false")),
        ("States.ArrayContains(States.Array(1, 2, 3), 2)", "{}", V("true")),
        // AWS observations: key order matters, and a value matches its printed string.
        (
            "States.ArrayContains($.a, $.t)",
            r#"{"a":[{"a":1,"b":2}],"t":{"b":2,"a":1}}"#,
            V("false"),
        ),
        ("States.ArrayContains($.a, true)", r#"{"a":["true","false"]}"#, V("true")),
        (
            "States.ArrayContains($.a, $.t)",
            r#"{"a":["-1","9007199254740991"],"t":9007199254740991}"#,
            V("true"),
        ),
        ("States.ArrayContains($.a, 1.0)", r#"{"a":[1]}"#, V("false")),
        (
            "States.ArrayContains('not-array', 'x')",
            "{}",
            Invalid(F::ArrayContains, "must be an array"),
        ),
    ]);
}

#[test]
fn array_range() {
    check(&[
        ("States.ArrayRange(1, 9, 2)", "{}", V("[1,3,5,7,9]")),
        ("States.ArrayRange(0, 10, 3)", "{}", V("[0,3,6,9]")),
        ("States.ArrayRange(-2, 2, 2)", "{}", V("[-2,0,2]")),
        ("States.ArrayRange(3, 3, -1)", "{}", V("[3]")),
        ("States.ArrayRange(5, 1, -2)", "{}", V("[5,3,1]")),
        ("States.ArrayRange(5, 1, 1)", "{}", V("[]")),
        ("States.ArrayRange(1, 5, -1)", "{}", V("[]")),
        // Fractional arguments are truncated toward zero.
        ("States.ArrayRange(1.4, 5.6, 2.2)", "{}", V("[1,3,5]")),
        ("States.ArrayRange(1.6, 1.4, 1)", "{}", V("[1]")),
        ("States.ArrayRange(5.4, -0.6, -2.4)", "{}", V("[5,3,1]")),
        ("States.ArrayLength(States.ArrayRange(1, 1000, 1))", "{}", V("1000")),
        ("States.ArrayLength(States.ArrayRange(1000, 1, -1))", "{}", V("1000")),
        (
            "States.ArrayRange(-2147483648, 2147483647, 2147483647)",
            "{}",
            V("[-2147483648,-1,2147483646]"),
        ),
        (
            "States.ArrayRange(1, 1001, 1)",
            "{}",
            Invalid(F::ArrayRange, "1001 items, more than 1000"),
        ),
        ("States.ArrayRange(1001, 1, -1)", "{}", Invalid(F::ArrayRange, "1001 items")),
        (
            "States.ArrayRange(-2147483648, 2147483647, 1)",
            "{}",
            Invalid(F::ArrayRange, "4294967296 items"),
        ),
        ("States.ArrayRange(1, 10, 0)", "{}", Invalid(F::ArrayRange, "step must not be zero")),
        ("States.ArrayRange(1, 10, 0.49)", "{}", Invalid(F::ArrayRange, "step must not be zero")),
        ("States.ArrayRange('a', 5, 1)", "{}", Invalid(F::ArrayRange, "start must be a number")),
        ("States.ArrayRange(1, 'b', 1)", "{}", Invalid(F::ArrayRange, "end must be a number")),
        ("States.ArrayRange(1, 5, 'c')", "{}", Invalid(F::ArrayRange, "step must be a number")),
        (
            "States.ArrayRange(1, 3000000000, 1)",
            "{}",
            Invalid(F::ArrayRange, "end must be between"),
        ),
    ]);
}

#[test]
fn array_get_item() {
    check(&[
        ("States.ArrayGetItem($.a, 0)", r#"{"a":["a","b","c"]}"#, V(r#""a""#)),
        ("States.ArrayGetItem($.a, $.i)", r#"{"a":[10,20,30,40],"i":2}"#, V("30")),
        ("States.ArrayGetItem($.a, 1)", r#"{"a":[{"a":1},{"b":2}]}"#, V(r#"{"b":2}"#)),
        ("States.ArrayGetItem($.a, 0)", r#"{"a":[null]}"#, V("null")),
        ("States.ArrayGetItem(States.Array('x', 'y', 'z'), 1)", "{}", V(r#""y""#)),
        // AWS truncates a fractional index and answers null for an empty array.
        ("States.ArrayGetItem($.a, 1.2)", r#"{"a":[10,20,30]}"#, V("20")),
        ("States.ArrayGetItem($.a, 999)", r#"{"a":[]}"#, V("null")),
        (
            "States.ArrayGetItem($.a, 3)",
            r#"{"a":[10,20,30]}"#,
            Invalid(F::ArrayGetItem, "index 3 is out of bounds for an array of 3"),
        ),
        (
            "States.ArrayGetItem($.a, -1)",
            r#"{"a":[10,20,30]}"#,
            Invalid(F::ArrayGetItem, "must not be negative, got -1"),
        ),
        (
            "States.ArrayGetItem($.a, '1')",
            r#"{"a":[10]}"#,
            Invalid(F::ArrayGetItem, "index must be a number, got a string"),
        ),
        (
            "States.ArrayGetItem('not-array', 0)",
            "{}",
            Invalid(F::ArrayGetItem, "first argument must be an array, got a string"),
        ),
    ]);
}

#[test]
fn array_unique_follows_java_hash_set_order() {
    // Expected orders were produced by `new ArrayList<>(new HashSet<>(list))` on OpenJDK 17.
    check(&[
        ("States.ArrayUnique($.a)", r#"{"a":[1,2,3,3,3,4]}"#, V("[1,2,3,4]")),
        ("States.ArrayUnique($.a)", r#"{"a":["a","b","a","c","b"]}"#, V(r#"["a","b","c"]"#)),
        ("States.ArrayUnique($.a)", r#"{"a":[]}"#, V("[]")),
        ("States.ArrayUnique($.a)", r#"{"a":[true,false,true,false]}"#, V("[false,true]")),
        ("States.ArrayUnique($.a)", r#"{"a":[null,null,1,null]}"#, V("[null,1]")),
        ("States.ArrayUnique($.a)", r#"{"a":[[1,2],[1,2],[2,1]]}"#, V("[[2,1],[1,2]]")),
        (
            "States.ArrayUnique($.a)",
            r#"{"a":[{"a":1,"b":2},{"b":2,"a":1}]}"#,
            V(r#"[{"a":1,"b":2}]"#),
        ),
        ("States.ArrayUnique($.a)", r#"{"a":[1,"1",1,"01"]}"#, V(r#"[1,"1","01"]"#)),
        (
            "States.ArrayUnique($.a)",
            r#"{"a":["b","a",17,1.5,"HelloWorld",1,1.0,3000000000,true,null,"a"]}"#,
            V(r#"[1.0,3000000000,null,"a",17,1,"b",1.5,"HelloWorld",true]"#),
        ),
        (
            "States.ArrayUnique($.a)",
            r#"{"a":[{"a":1,"b":1},{"a":1,"b":2},{"b":2,"a":1},[],"x",[null]]}"#,
            V(r#"[{"a":1,"b":2},[],{"a":1,"b":1},"x",[null]]"#),
        ),
        ("States.ArrayUnique(States.Array(1, 1, 2, 2, 3))", "{}", V("[1,2,3]")),
        ("States.ArrayUnique('not-array')", "{}", Invalid(F::ArrayUnique, "must be an array")),
    ]);
    // 40 strings size the table at 64 buckets.
    let items: Vec<Value> = (0..40).map(|i| json!(format!("k{}", i * 7 % 23))).collect();
    let got = run("States.ArrayUnique($.a)", TestEnv::new(json!({ "a": items }))).unwrap().unwrap();
    let want = "k11 k10 k13 k12 k15 k14 k17 k16 k19 k18 k0 k1 k2 k3 k20 k4 k5 k22 k21 k6 k7 k8 k9";
    assert_eq!(got, json!(want.split(' ').collect::<Vec<_>>()));
}

#[test]
fn java_hash_codes_match_the_jvm() {
    let h = |v: Value| java::java_hash(&v, 0).unwrap();
    assert_eq!(h(json!("HelloWorld")), 439_329_280);
    assert_eq!(h(json!(3_000_000_000u64)), -1_294_967_296);
    assert_eq!(h(json!(1.5)), 1_073_217_536);
    assert_eq!(h(json!({"a": 1, "b": 2})), 192);
    assert_eq!(h(json!(u64::MAX)), -32);
    assert_eq!(h(json!([1, 2])), 994);
}
