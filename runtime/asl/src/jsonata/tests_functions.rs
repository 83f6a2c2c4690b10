//! The functions Step Functions adds: success and failure of each.

use serde_json::{json, Value};

use super::functions::java_random_double;
use super::tests::{failure, run_with, value};

fn signature(function: &str, argument: usize) -> String {
    format!(
        "T0410: Argument {argument} of function \"{function}\" does not match function signature"
    )
}

fn undefined(src: &str) {
    assert_eq!(run_with(src, json!({}), json!({})), Ok(None), "{src}");
}

// ── $partition ───────────────────────────────────────────────────────────────

#[test]
fn partition_matches_the_corpus() {
    // Corpus: test_array_jsonata.test_array_partition (exec_hist_resp_1 … _18).
    let src = "$partition($states.input.FunctionInput.fst, $states.input.FunctionInput.snd)";
    let cases: &[(Value, i64, Value)] = &[
        (json!([0]), 2, json!([[0]])),
        (json!([0]), 4, json!([[0]])),
        (json!([0]), 5, json!([[0]])),
        (json!([0, 1]), 2, json!([[0, 1]])),
        (json!([0, 1]), 3, json!([[0, 1]])),
        (json!([0, 1, 2]), 1, json!([[0], [1], [2]])),
        (json!([0, 1, 2]), 3, json!([[0, 1, 2]])),
        (json!([0, 1, 2]), 5, json!([[0, 1, 2]])),
        (json!([0, 1, 2, 3]), 2, json!([[0, 1], [2, 3]])),
        (json!([0, 1, 2, 3]), 4, json!([[0, 1, 2, 3]])),
    ];
    for (array, size, expected) in cases {
        let input = json!({"FunctionInput": {"fst": array, "snd": size}});
        assert_eq!(
            run_with(src, input, json!({})),
            Ok(Some(expected.clone())),
            "{array} / {size}"
        );
    }
}

#[test]
fn partition_shapes() {
    assert_eq!(
        value("$partition([1,2,3,4,5], 2)"),
        json!([[1, 2], [3, 4], [5]])
    );
    assert_eq!(
        value("$partition(['a', {'b': 1}, null], 2)"),
        json!([["a", {"b": 1}], [null]])
    );
    // The size is truncated towards zero.
    assert_eq!(
        value("$partition([1,2,3,4,5], 2.9)"),
        json!([[1, 2], [3, 4], [5]])
    );
    // Without a size, one chunk.
    assert_eq!(value("$partition([1,2,3])"), json!([[1, 2, 3]]));
    assert_eq!(value("$partition([7], 1)"), json!([[7]]));
}

#[test]
fn partition_undefined_cases() {
    undefined("$partition($nothing, 2)");
    undefined("$partition([], 2)");
    undefined("$partition([1,2], 0)");
    undefined("$partition([1,2], -0.5)");
    undefined("$partition()");
}

#[test]
fn partition_failures() {
    assert_eq!(
        failure("$partition([1,2,3], -1)"),
        "D3137: Second argument must be zero or greater"
    );
    assert_eq!(
        failure("$partition('abc', 2)"),
        "T0412: Argument 1 of function \"partition\" must be an array of undefined"
    );
    assert_eq!(failure("$partition([1], '2')"), signature("partition", 2));
    assert_eq!(failure("$partition([1], null)"), signature("partition", 2));
    assert_eq!(failure("$partition([1], 1, 1)"), signature("partition", 3));
}

// ── $range ───────────────────────────────────────────────────────────────────

#[test]
fn range_matches_the_corpus() {
    // Corpus: test_array_jsonata.test_array_range (exec_hist_resp_1 … _3).
    let src = "$range($states.input.FunctionInput.fst, $states.input.FunctionInput.snd, $states.input.FunctionInput.trd)";
    let cases: &[(i64, i64, i64, Value)] = &[
        (0, 10, 3, json!([0, 3, 6, 9])),
        (1, 9, 9, json!(1)),
        (1, 9, 2, json!([1, 3, 5, 7, 9])),
    ];
    for (start, end, step, expected) in cases {
        let input = json!({"FunctionInput": {"fst": start, "snd": end, "trd": step}});
        assert_eq!(
            run_with(src, input, json!({})),
            Ok(Some(expected.clone())),
            "{start}..{end} by {step}"
        );
    }
}

#[test]
fn range_shapes() {
    assert_eq!(value("$range(0, 10, 2)"), json!([0, 2, 4, 6, 8, 10]));
    assert_eq!(value("$range(0, 9, 3)"), json!([0, 3, 6, 9]));
    assert_eq!(value("$range(10, 0, -4)"), json!([10, 6, 2]));
    assert_eq!(value("$range(3, 3, 1)"), json!(3));
    // Arguments are truncated towards zero, not floored.
    assert_eq!(value("$range(-1.7, 2, 1)"), json!([-1, 0, 1, 2]));
    // A one-item range inside an array constructor stays an array.
    assert_eq!(value("[$range(1, 9, 9)]"), json!([1]));
    assert_eq!(value("$count($range(1, 200000, 1))"), json!(200000));
    // Near the ends of the integer range the count is exact.
    assert_eq!(value("$count($range(0, 9e18, 3e18))"), json!(4));
}

#[test]
fn range_undefined_cases() {
    undefined("$range(0, 10)");
    undefined("$range(0, 10, 0)");
    undefined("$range(0, 10, -1)");
    undefined("$range(10, 0, 1)");
}

#[test]
fn range_failures() {
    assert_eq!(failure("$range('0', 10, 1)"), signature("range", 1));
    assert_eq!(failure("$range(0, $nothing, 1)"), signature("range", 2));
    assert_eq!(failure("$range(0, 10, true)"), signature("range", 3));
    assert_eq!(failure("$range(0, 10, 1, 1)"), signature("range", 4));
}

// ── $hash ────────────────────────────────────────────────────────────────────

#[test]
fn hash_digests() {
    // Corpus (States.Hash, same algorithm): test_hash_calculations and the 'Hash this string' case.
    assert_eq!(
        value("$hash('input data', 'SHA-256')"),
        json!("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3")
    );
    assert_eq!(
        value("$hash('Hash this string', 'SHA-256')"),
        json!("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e")
    );
    // Published test vectors.
    assert_eq!(
        value("$hash('input', 'SHA-1')"),
        json!("140f86aae51ab9e1cda9b4254fe98a74eb54c1a1")
    );
    assert_eq!(
        value("$hash('abc', 'MD5')"),
        json!("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(
        value("$hash('', 'MD5')"),
        json!("d41d8cd98f00b204e9800998ecf8427e")
    );
    assert_eq!(
        value("$hash('abc', 'SHA-1')"),
        json!("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(
        value("$hash('abc', 'SHA-384')"),
        json!("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
    );
    assert_eq!(
        value("$hash('abc', 'SHA-512')"),
        json!("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    );
}

#[test]
fn hash_failures() {
    assert_eq!(
        failure("$hash('a', 'sha-256')"),
        "D3137: Hash algorithm 'sha-256' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
    );
    assert_eq!(failure("$hash(1, 'MD5')"), signature("hash", 1));
    assert_eq!(failure("$hash($nothing, 'MD5')"), signature("hash", 1));
    assert_eq!(failure("$hash('a', 256)"), signature("hash", 2));
    assert_eq!(failure("$hash('a', 'MD5', 1)"), signature("hash", 3));
    undefined("$hash('a')");
}

// ── $random ──────────────────────────────────────────────────────────────────

#[test]
fn seeded_random_is_java_util_random() {
    // new java.util.Random(42).nextDouble(), as AWS returns it for $random(42).
    assert_eq!(java_random_double(42), 0.727_563_680_032_868_1);
    assert_eq!(value("$random(42)"), json!(0.727_563_680_032_868_1));
    // new java.util.Random(0).nextDouble()
    assert_eq!(java_random_double(0), 0.730_967_787_376_657);
    // The seed is truncated towards zero.
    assert_eq!(value("$random(42.9) = $random(42)"), json!(true));
    assert_eq!(value("$random(7) = $random(7)"), json!(true));
    assert_eq!(value("$random(7) = $random(8)"), json!(false));
}

#[test]
fn unseeded_random_is_in_the_unit_interval() {
    assert_eq!(
        value("$count([1..200].$random()[$ >= 0 and $ < 1])"),
        json!(200)
    );
}

#[test]
fn random_failures() {
    assert_eq!(failure("$random('42')"), signature("random", 1));
    assert_eq!(failure("$random(1, 2)"), signature("random", 2));
}

// ── $uuid ────────────────────────────────────────────────────────────────────

#[test]
fn uuid_is_version_4() {
    let id = value("$uuid()");
    let id = id.as_str().expect("a string");
    let parsed = uuid::Uuid::parse_str(id).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
    assert_eq!(id, id.to_lowercase());
    assert_eq!(id.len(), 36);
}

#[test]
fn uuid_takes_no_argument() {
    assert_eq!(failure("$uuid(1)"), signature("uuid", 1));
}

// ── $parse ───────────────────────────────────────────────────────────────────

#[test]
fn parse_matches_the_corpus() {
    // Corpus: test_json_manipulation_jsonata.test_parse (exec_hist_resp_0 … _6).
    let cases: &[(&str, Value)] = &[
        ("-0", json!(0)),
        ("1.1", json!(1.1)),
        ("true", json!(true)),
        ("\"HelloWorld\"", json!("HelloWorld")),
        ("[1, 2, \"HelloWorld\"]", json!([1, 2, "HelloWorld"])),
        (
            "{\"Arg1\": 1, \"Arg2\": []}",
            json!({"Arg1": 1, "Arg2": []}),
        ),
    ];
    for (text, expected) in cases {
        let input = json!({"FunctionInput": text});
        assert_eq!(
            run_with("$parse($states.input.FunctionInput)", input, json!({})),
            Ok(Some(expected.clone())),
            "{text}"
        );
    }
}

#[test]
fn parse_results_are_navigable() {
    assert_eq!(value("$parse('{\"a\": {\"b\": [1, 2]}}').a.b[1]"), json!(2));
    assert_eq!(value("$parse('null')"), Value::Null);
    assert_eq!(value("$exists($parse('null'))"), json!(true));
    assert_eq!(value("'[1,2]' ~> $parse()"), json!([1, 2]));
    assert_eq!(value("$map(['1', '[2]'], $parse)"), json!([1, [2]]));
    undefined("$parse($nothing)");
}

#[test]
fn parse_failures() {
    for bad in [
        "''",
        "' '",
        "'{'",
        "'1 2'",
        "'{\"a\": 1, \"a\": 2}'",
        "'[1,]'",
        "'NaN'",
        "'1e400'",
    ] {
        assert_eq!(
            failure(&format!("$parse({bad})")),
            "D3137: Invalid JSON",
            "{bad}"
        );
    }
    assert_eq!(failure("$parse(1)"), signature("parse", 1));
    assert_eq!(failure("$parse('1', 2)"), signature("parse", 2));
    assert_eq!(failure("'1' ~> $parse(2)"), signature("parse", 2));
}

// ── arity and shadowing ──────────────────────────────────────────────────────

#[test]
fn a_function_the_expression_defines_is_not_checked() {
    assert_eq!(
        value("($parse := function($a, $b){ $a + $b }; $parse(1, 2))"),
        json!(3)
    );
}

#[test]
fn replaced_builtins_keep_their_arity_rules() {
    assert_eq!(failure("$pad('a', 3, '-', 1)"), signature("pad", 4));
    assert_eq!(failure("$shuffle([1], 2)"), signature("shuffle", 2));
    assert_eq!(failure("$now('[Y]', 'Z', 1)"), signature("now", 3));
    assert_eq!(value("$pad('a', -3, '#')"), json!("##a"));
    assert_eq!(value("$pad('ab', 4)"), json!("ab  "));
    assert_eq!(value("$pad('ab', 1)"), json!("ab"));
}
