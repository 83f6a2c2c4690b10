//! Data-driven tests. Expected values come from Jayway JsonPath's documented and observed
//! behaviour (its source, and the json-path-comparison results for Jayway), from the AWS Step
//! Functions documentation, and from cases recorded against AWS.

use serde_json::{json, Value};

use super::{JsonPath, PathError, Root, WriteError};

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad test JSON {text}: {e}"))
}

/// Serialized form, so that object member order is compared too.
fn text(value: &Value) -> String {
    serde_json::to_string(value).expect("a Value always serializes")
}

fn parse(path: &str) -> JsonPath {
    JsonPath::parse(path).unwrap_or_else(|e| panic!("{path} should parse: {e}"))
}

const STORE: &str = r#"{"store":{"book":[
  {"category":"reference","author":"Nigel Rees","title":"Sayings","price":8.95},
  {"category":"fiction","author":"Evelyn Waugh","title":"Sword","price":12.99},
  {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553","price":8.99},
  {"category":"fiction","author":"J. R. R. Tolkien","title":"LOTR","isbn":"0-395","price":22.99}],
  "bicycle":{"color":"red","price":19.95}},"expensive":10}"#;
const THREE: &str = r#"["first","second","third"]"#;
const FIVE: &str = r#"["first","second","third","forth","fifth"]"#;
const SIX: &str = r#"[2,"a",4,5,100,"nice"]"#;
const CD: &str = r#"[{"c":"cc1","d":"dd1","e":"ee1"},{"c":"cc2","d":"dd2","e":"ee2"}]"#;
const ITEMS: &str = r#"{"items":[{"item_key":0},{"item_key":1},{"item_key":2},{"item_key":3},
  {"item_key":4},{"item_key":5},{"item_key":6},{"item_key":7},{"item_key":8},{"item_key":9},
  {"item_key":10}]}"#;
const KEYS: &str = r#"{"object":{"key":"value","array":[{"key":"something"},
  {"key":{"key":"russian dolls"}}]},"key":"top"}"#;
const KEY42: &str = r#"[{"key":0},{"key":42},{"key":-1},{"key":1},{"key":41},{"key":43},
  {"key":42.0001},{"key":41.9999},{"key":100},{"key":"some"},{"key":"42"},{"key":null},
  {"key":420},{"key":""},{"key":{}},{"key":[]},{"key":[42]},{"key":{"key":42}},
  {"key":{"some":42}},{"some":"value"}]"#;
const NULLS: &str = r#"[{"a":true},{"a":null},{"a":"true"},{}]"#;
const ABS: &str = r#"[{"a":1},{"a":2},{"a":3},{"a":4}]"#;

/// (path, document, expected result; `None` when a definite path finds nothing).
const SELECT: &[(&str, &str, Option<&str>)] = &[
    // Names.
    ("$", r#"{"a":1}"#, Some(r#"{"a":1}"#)),
    ("$.a.b", r#"{"a":{"b":2}}"#, Some("2")),
    ("$.a.b", r#"{"a":{}}"#, None),
    ("$.a.b", r#"{"a":[{"b":1}]}"#, None),
    ("$.a", "[1]", None),
    ("$.key", r#"{"key":null}"#, Some("null")),
    ("$.key", r#"{"key":["first","second"]}"#, Some(r#"["first","second"]"#)),
    ("$.detail-type", r#"{"detail-type":"Object Created"}"#, Some(r#""Object Created""#)),
    ("$.sub-values", r#"{"sub-values":[1]}"#, Some("[1]")),
    ("$.a.1", r#"{"a":{"1":"one"}}"#, Some(r#""one""#)),
    ("$.2", r#"{"a":"first","2":"second","b":"third"}"#, Some(r#""second""#)),
    ("$.2", FIVE, None),
    ("$.a*b", r#"{"a*b":3}"#, Some("3")),
    ("$.'key'", r#"{"key":"value"}"#, None),
    ("$['key']", r#"{"key":"value"}"#, Some(r#""value""#)),
    (r#"$["key"]"#, r#"{"key":"value"}"#, Some(r#""value""#)),
    ("$.['key']", r#"{"key":"value"}"#, Some(r#""value""#)),
    ("$[ 'key' ]", r#"{"key":"value"}"#, Some(r#""value""#)),
    ("$['a b'].c", r#"{"a b":{"c":1}}"#, Some("1")),
    (r"$['it\'s']", r#"{"it's":1}"#, Some("1")),
    (r#"$['special:"chars']"#, r#"{"special:\"chars":"v"}"#, Some(r#""v""#)),
    (r"$['caf\u00e9']", r#"{"café":1}"#, Some("1")),
    ("$['*']", r#"{"*":"star","x":1}"#, Some(r#""star""#)),
    ("$['0']", r#"{"0":"value"}"#, Some(r#""value""#)),
    // Lists of names: merged when last, visited one by one otherwise.
    ("$['a','b']", r#"{"a":1,"b":2,"c":3}"#, Some(r#"{"a":1,"b":2}"#)),
    ("$['b', 'a']", r#"{"a":1,"b":2}"#, Some(r#"{"b":2,"a":1}"#)),
    ("$['missing','key']", r#"{"key":"value","another":"entry"}"#, Some(r#"{"key":"value"}"#)),
    ("$['a','b']", "[1]", None),
    ("$[0]['c','d']", CD, Some(r#"{"c":"cc1","d":"dd1"}"#)),
    ("$.*['c','d']", CD, Some(r#"[{"c":"cc1","d":"dd1"},{"c":"cc2","d":"dd2"}]"#)),
    ("$['a','b'].x", r#"{"a":{"x":1},"b":{"x":2},"c":{"x":3}}"#, Some("[1,2]")),
    // Indexes.
    ("$[0]", THREE, Some(r#""first""#)),
    ("$[2]", THREE, Some(r#""third""#)),
    ("$[3]", THREE, None),
    ("$[-1]", THREE, Some(r#""third""#)),
    ("$[-3]", THREE, Some(r#""first""#)),
    ("$[-4]", THREE, None),
    ("$[ 1 ]", THREE, Some(r#""second""#)),
    ("$[0]", r#"{"0":"value"}"#, None),
    ("$.items[0]", ITEMS, Some(r#"{"item_key":0}"#)),
    ("$.items[10]", ITEMS, Some(r#"{"item_key":10}"#)),
    ("$.items[10].item_key", ITEMS, Some("10")),
    ("$[0,1]", THREE, Some(r#"["first","second"]"#)),
    ("$[2,0,5]", THREE, Some(r#"["third","first"]"#)),
    ("$[0,0]", THREE, Some(r#"["first","first"]"#)),
    ("$[1, -1]", THREE, Some(r#"["second","third"]"#)),
    // Slices, Jayway quirks included.
    ("$[1:3]", FIVE, Some(r#"["second","third"]"#)),
    ("$[1:]", FIVE, Some(r#"["second","third","forth","fifth"]"#)),
    ("$[:2]", FIVE, Some(r#"["first","second"]"#)),
    ("$[1:10]", THREE, Some(r#"["second","third"]"#)),
    ("$[-1:]", THREE, Some(r#"["third"]"#)),
    ("$[-2:]", FIVE, Some(r#"["forth","fifth"]"#)),
    ("$[-10:]", THREE, Some(THREE)),
    ("$[:-2]", FIVE, Some(r#"["first","second","third"]"#)),
    ("$[:-10]", FIVE, Some("[]")),
    ("$[0:0]", THREE, Some("[]")),
    ("$[0:1]", THREE, Some(r#"["first"]"#)),
    ("$[7:10]", THREE, Some("[]")),
    ("$[0:3:2]", FIVE, Some(r#"["first","second","third"]"#)),
    ("$[0:5:2]", FIVE, Some(FIVE)),
    ("$[0:3:0]", FIVE, Some(r#"["first","second","third"]"#)),
    ("$[3:0:-2]", FIVE, Some("[]")),
    ("$[-4:1]", SIX, Some(r#"[4,5,100,"nice",2]"#)),
    ("$[-4:3]", SIX, Some(r#"[4,5,100,"nice",2,"a",4]"#)),
    ("$[-9:1]", SIX, Some(r#"[2,"a",4,5,100,"nice",2]"#)),
    ("$[3:-2]", SIX, Some("[]")),
    ("$[1:3]", r#"{"a":1,"1:3":2}"#, Some("[]")),
    ("$[1:]", "[]", Some("[]")),
    // Wildcards and indefinite paths over missing data give [].
    (
        "$[*]",
        r#"["string",42,{"key":"value"},[0,1]]"#,
        Some(r#"["string",42,{"key":"value"},[0,1]]"#),
    ),
    ("$.*", r#"["string",42]"#, Some(r#"["string",42]"#)),
    ("$.*", r#"{"some":"string","int":42,"array":[0,1]}"#, Some(r#"["string",42,[0,1]]"#)),
    ("$[*]", r#"{"some":"string","int":42}"#, Some(r#"["string",42]"#)),
    ("$[*]", "[40,null,42]", Some("[40,null,42]")),
    ("$[*].bar[*].baz", r#"[{"bar":[{"baz":"hello"}]}]"#, Some(r#"["hello"]"#)),
    ("$[*].a", r#"[{"a":1},{"b":2},{"a":3},5]"#, Some("[1,3]")),
    ("$.*", "42", Some("[]")),
    ("$.a.*", r#"{"a":1}"#, Some("[]")),
    ("$.item.items[*]", "{}", Some("[]")),
    ("$.item.items[1:5]", "{}", Some("[]")),
    ("$.item.items[1:5].itemValue", "{}", Some("[]")),
    ("$.item.items[1:]", "{}", Some("[]")),
    ("$.item.items[:1]", "{}", Some("[]")),
    ("$.items[*]", "{}", Some("[]")),
    ("$.items[*].itemValue", "{}", Some("[]")),
    ("$.items[1:]", "{}", Some("[]")),
    ("$.items[1:].itemValue", "{}", Some("[]")),
    ("$.items[:1].itemValue", "{}", Some("[]")),
    ("$.items[*].v", r#"{"items":[{"v":1},{"w":2},{"v":3}]}"#, Some("[1,3]")),
    // Deep scan: pre-order, each node's own match before its children.
    (
        "$..key",
        KEYS,
        Some(r#"["top","value","something",{"key":"russian dolls"},"russian dolls"]"#),
    ),
    (
        "$..['key']",
        KEYS,
        Some(r#"["top","value","something",{"key":"russian dolls"},"russian dolls"]"#),
    ),
    ("$..'key'", KEYS, Some("[]")),
    (
        "$..[0]",
        r#"["first",{"key":["first nested",{"more":[{"nested":["deepest","second"]},["more","values"]]}]}]"#,
        Some(r#"["first","first nested",{"nested":["deepest","second"]},"deepest","more"]"#),
    ),
    (
        "$..*",
        r#"{"key":"value","another key":{"complex":"string","primitives":[0,1]}}"#,
        Some(r#"["value",{"complex":"string","primitives":[0,1]},"string",[0,1],0,1]"#),
    ),
    ("$..*", "42", Some("[]")),
    ("$..*", "[40,null,42]", Some("[40,null,42]")),
    ("$.store..price", STORE, Some("[8.95,12.99,8.99,22.99,19.95]")),
    ("$..book[2].title", STORE, Some(r#"["Moby Dick"]"#)),
    ("$..book[-1:].title", STORE, Some(r#"["LOTR"]"#)),
    ("$..[?(@.isbn)].title", STORE, Some(r#"["Moby Dick","LOTR"]"#)),
    ("$..book[?(@.price < 10)].title", STORE, Some(r#"["Sayings","Moby Dick"]"#)),
    ("$..a", r#"{"a":{"a":1}}"#, Some(r#"[{"a":1},1]"#)),
    ("$..[0].a", r#"{"x":[{"a":1},{"a":2}]}"#, Some("[1,2]")),
    (
        "$..['c','d']",
        r#"[{"c":"cc1","d":"dd1","e":"ee1"},{"c":"cc2","child":{"d":"dd2"}},{"c":"cc3"},{"d":"dd4"},{"child":{"c":"cc5"}}]"#,
        Some(r#"[{"c":"cc1","d":"dd1"}]"#),
    ),
    // Filters.
    ("$.jar[?(@.a >= 5)]", r#"{"jar":[{"a":1},{"a":5},{"a":7}]}"#, Some(r#"[{"a":5},{"a":7}]"#)),
    ("$.nums[?(@ > 2)]", r#"{"nums":[1,5,9]}"#, Some("[]")),
    (
        "$.users[?(@.status == 0)]",
        r#"{"users":[{"year":1997,"status":0},{"year":1998,"status":1}]}"#,
        Some(r#"[{"year":1997,"status":0}]"#),
    ),
    ("$[?(@.key>42)]", KEY42, Some(r#"[{"key":43},{"key":42.0001},{"key":100},{"key":420}]"#)),
    (
        "$[?(@.key<42)]",
        r#"[{"key":0},{"key":42},{"key":-1},{"key":41.9999},{"some":"value"}]"#,
        Some(r#"[{"key":0},{"key":-1},{"key":41.9999}]"#),
    ),
    ("$[?(@.key<42)]", r#"[{"key":0},{"key":"value"}]"#, Some(r#"[{"key":0}]"#)),
    ("$[?(@.key<=42)]", r#"[{"key":42},{"key":43}]"#, Some(r#"[{"key":42}]"#)),
    ("$[?(@.key==42)]", KEY42, Some(r#"[{"key":42},{"key":"42"}]"#)),
    ("$[?(@.key)]", r#"[{"some":"some value"},{"key":"value"}]"#, Some(r#"[{"key":"value"}]"#)),
    (
        "$[?(@.key)]",
        r#"[{"key":null},{"key":false},{"nokey":1}]"#,
        Some(r#"[{"key":null},{"key":false}]"#),
    ),
    ("$[?(!@.key)]", r#"[{"key":null},{"nokey":1}]"#, Some(r#"[{"nokey":1}]"#)),
    ("$[?(!(@.key))]", r#"[{"key":null},{"nokey":1}]"#, Some(r#"[{"nokey":1}]"#)),
    ("$[?(@.id==2)]", r#"{"id":2}"#, Some(r#"[{"id":2}]"#)),
    ("$.o[?(@.a == 1)]", r#"{"o":{"a":1}}"#, Some(r#"[{"a":1}]"#)),
    ("$[?(@.a)]", "5", Some("[]")),
    ("$.*[?(@.key)]", r#"[{"some":"some value"},{"key":"value"}]"#, Some(r#"[{"key":"value"}]"#)),
    ("$[?(@.a == 'x')]", r#"[{"a":"x"},{"a":"y"}]"#, Some(r#"[{"a":"x"}]"#)),
    (r#"$[?(@.a == "x")]"#, r#"[{"a":"x"},{"a":"y"}]"#, Some(r#"[{"a":"x"}]"#)),
    (r"$[?(@.a == 'it\'s')]", r#"[{"a":"it's"},{"a":"y"}]"#, Some(r#"[{"a":"it's"}]"#)),
    ("$[?(@.a == true)]", NULLS, Some(r#"[{"a":true}]"#)),
    ("$[?(@.a == false)]", NULLS, Some("[]")),
    ("$[?(@.a == null)]", NULLS, Some(r#"[{"a":null}]"#)),
    ("$[?(@.a != null)]", NULLS, Some(r#"[{"a":true},{"a":"true"},{}]"#)),
    ("$[?(@.a > 1 && @.a < 4)]", ABS, Some(r#"[{"a":2},{"a":3}]"#)),
    ("$[?(@.a == 1 || @.a == 4)]", ABS, Some(r#"[{"a":1},{"a":4}]"#)),
    ("$[?(@.a==1||@.a==4)]", ABS, Some(r#"[{"a":1},{"a":4}]"#)),
    ("$[?(!(@.a == 1))]", r#"[{"a":1},{"a":2},{}]"#, Some(r#"[{"a":2},{}]"#)),
    (
        "$[?(@.a == 1 || @.a == 2 && @.b)]",
        r#"[{"a":1},{"a":2},{"a":2,"b":0}]"#,
        Some(r#"[{"a":1},{"a":2,"b":0}]"#),
    ),
    (
        "$[?((@.a == 1 || @.a == 2) && @.b)]",
        r#"[{"a":1},{"a":2},{"a":2,"b":0}]"#,
        Some(r#"[{"a":2,"b":0}]"#),
    ),
    ("$[?(@.a) && (@.b)]", r#"[{"a":1},{"a":1,"b":2}]"#, Some(r#"[{"a":1,"b":2}]"#)),
    ("$[ ?( @.a == 1 ) ]", ABS, Some(r#"[{"a":1}]"#)),
    ("$[?(@.a.b == 1)]", r#"[{"a":{"b":1}},{"a":{"b":2}},{"a":[1]}]"#, Some(r#"[{"a":{"b":1}}]"#)),
    ("$[?(@['a b'] == 1)]", r#"[{"a b":1},{"a":1}]"#, Some(r#"[{"a b":1}]"#)),
    (
        "$[?(@.list[0] == 'x')]",
        r#"[{"list":["x","z"]},{"list":["y"]}]"#,
        Some(r#"[{"list":["x","z"]}]"#),
    ),
    (
        "$[?(@.list[-1] == 'z')]",
        r#"[{"list":["x","z"]},{"list":["y"]}]"#,
        Some(r#"[{"list":["x","z"]}]"#),
    ),
    (
        "$[?(@.detail-type == 'x')]",
        r#"[{"detail-type":"x"},{"detail-type":"y"}]"#,
        Some(r#"[{"detail-type":"x"}]"#),
    ),
    (
        "$[?(@.a == @.b)]",
        r#"[{"a":1,"b":1},{"a":1,"b":2},{"a":{"x":[1]},"b":{"x":[1]}},{}]"#,
        Some(r#"[{"a":1,"b":1},{"a":{"x":[1]},"b":{"x":[1]}}]"#),
    ),
    ("$[?(@.a != @.b)]", r#"[{"a":1,"b":1},{"a":1,"b":2},{}]"#, Some(r#"[{"a":1,"b":2},{}]"#)),
    (
        "$[?(@.n == 1)]",
        r#"[{"n":1.0},{"n":1},{"n":"1"},{"n":2}]"#,
        Some(r#"[{"n":1.0},{"n":1},{"n":"1"}]"#),
    ),
    ("$[?(@.n == '5')]", r#"[{"n":5},{"n":"5"},{"n":"five"}]"#, Some(r#"[{"n":5},{"n":"5"}]"#)),
    ("$[?(@.n > -1.5e1)]", r#"[{"n":-20},{"n":-15},{"n":0}]"#, Some(r#"[{"n":0}]"#)),
    ("$[?(@.n < 0.5)]", r#"[{"n":0},{"n":1}]"#, Some(r#"[{"n":0}]"#)),
    (
        "$[?(@.s < 'b')]",
        r#"[{"s":"a"},{"s":"c"},{"s":"B"},{"s":1}]"#,
        Some(r#"[{"s":"a"},{"s":"B"}]"#),
    ),
    ("$[?(@.s >= 'b')]", r#"[{"s":"a"},{"s":"b"},{"s":"c"}]"#, Some(r#"[{"s":"b"},{"s":"c"}]"#)),
    ("$[?(@.a)].b", r#"[{"a":1,"b":2},{"b":3}]"#, Some("[2]")),
    ("$[?(@)]", r#"[{"a":1},2,[3]]"#, Some(r#"[{"a":1}]"#)),
    ("$[?(1 == 1)]", r#"[{"a":1},2]"#, Some(r#"[{"a":1}]"#)),
    (
        "$[?(@.big == 18446744073709551615)]",
        r#"[{"big":18446744073709551615},{"big":1}]"#,
        Some(r#"[{"big":18446744073709551615}]"#),
    ),
];

#[test]
fn select_table() {
    for (path, input, expected) in SELECT {
        let parsed = parse(path);
        let input = doc(input);
        let actual = parsed.select(&input);
        let expected = expected.map(doc);
        assert_eq!(
            actual.as_ref().map(text),
            expected.as_ref().map(text),
            "select {path} on {}",
            text(&input)
        );
        if !parsed.is_definite() {
            assert!(matches!(actual, Some(Value::Array(_))), "{path} is indefinite");
        }
        if parsed.is_reference() {
            assert_eq!(parsed.get(&input).map(text), expected.as_ref().map(text), "get {path}");
        }
    }
}

/// (path, character position, part of the message).
const ERRORS: &[(&str, usize, &str)] = &[
    ("", 0, "must start with '$'"),
    ("a.b", 0, "must start with '$'"),
    ("@.a", 0, "must start with '$'"),
    (" $.a", 0, "must start with '$'"),
    ("$.", 1, "must not end with '.'"),
    ("$.a.", 3, "must not end with '.'"),
    ("$..", 1, "must not end with '..'"),
    ("$.a..", 3, "must not end with '..'"),
    ("$...a", 3, "empty name"),
    ("$.a...b", 5, "empty name"),
    ("$.a b", 3, "cannot contain a space"),
    ("$.a ", 3, "cannot contain a space"),
    ("$. a", 2, "cannot contain a space"),
    ("$.a.length()", 4, "functions such as 'length()'"),
    ("$.bar.length()", 6, "not supported"),
    ("$.data.sum()", 7, "not supported"),
    ("$.a[0]x", 6, "unexpected 'x'"),
    ("$.a[0]]", 6, "unexpected ']'"),
    ("$['a']b", 6, "unexpected 'b'"),
    ("$.*a", 3, "unexpected 'a'"),
    ("$[*]a", 4, "unexpected 'a'"),
    ("$a-b", 2, "unexpected '-'"),
    ("$$$", 2, "unexpected '$'"),
    ("$$a", 2, "unexpected 'a'"),
    ("$1", 1, "unexpected '1'"),
    ("$[", 1, "never closed"),
    ("$[0", 1, "never closed"),
    ("$['a'", 1, "never closed"),
    ("$['a", 2, "never closed"),
    ("$[a]", 2, "unexpected 'a' after '['"),
    ("$[key]", 2, "unexpected 'k' after '['"),
    ("$[]", 2, "unexpected ']' after '['"),
    ("$[*", 3, "expected ']' after '*'"),
    ("$[* 1]", 4, "expected ']' after '*'"),
    ("$['a',]", 6, "expected a quoted name"),
    ("$['a' 'b']", 6, "expected ',' or ']'"),
    ("$['single'quote']", 10, "expected ',' or ']'"),
    ("$[:]", 2, "needs a start or an end"),
    ("$[::2]", 2, "needs a start or an end"),
    ("$[::]", 2, "needs a start or an end"),
    ("$[1 : 2]", 3, "cannot contain spaces"),
    ("$[1:2:3:4]", 2, "at most three parts"),
    ("$[0:1,2]", 2, "cannot be combined"),
    ("$[0,]", 4, "is not an index"),
    ("$[1-2]", 2, "is not an index"),
    ("$[--1]", 2, "is not an index"),
    ("$[-]", 2, "is not an index"),
    ("$[1 2]", 2, "is not an index"),
    ("$[2147483648]", 2, "does not fit in 32 bits"),
    ("$[-113667776004:2]", 2, "does not fit in 32 bits"),
    ("$[1.5]", 3, "unexpected '.' in an index"),
    ("$[(@.length-1)]", 2, "unexpected '('"),
    ("$[?]", 3, "expected '(' after '[?'"),
    ("$[?@.a]", 3, "expected '(' after '[?'"),
    ("$[?(@.a)", 8, "expected ']' after the filter"),
    ("$[?(@.a) && @.b]", 15, "must be written [?( … )]"),
    ("$[?(@.a in [1,2])]", 8, "operator 'in' is not supported"),
    ("$[?(@.a nin [1])]", 8, "operator 'nin' is not supported"),
    ("$[?(@.a subsetof [1])]", 8, "operator 'subsetof' is not supported"),
    ("$[?(@.a anyof [1])]", 8, "operator 'anyof' is not supported"),
    ("$[?(@.a size 2)]", 8, "operator 'size' is not supported"),
    ("$[?(@.a =~ /x/)]", 8, "'=~'"),
    ("$[?(@.a = 1)]", 8, "unknown operator '='"),
    ("$[?(@.a === 1)]", 8, "unknown operator '==='"),
    ("$[?(@.a <> 1)]", 8, "unknown operator '<>'"),
    ("$[?(@.a foo 1)]", 8, "expected a comparison operator"),
    ("$[?(@.a == $.b)]", 11, "cannot refer to the root"),
    ("$[?($.a)]", 4, "cannot refer to the root"),
    ("$[?(@.a.length() > 1)]", 8, "functions such as 'length()'"),
    ("$[?(@.length() == 4)]", 6, "functions such as 'length()'"),
    ("$[?(@.a ==)]", 10, "unexpected ')'"),
    ("$[?(@.a == )]", 11, "unexpected ')'"),
    ("$[?(@.a == 1]", 12, "expected ')'"),
    ("$[?(@.a == 1", 12, "unexpected end"),
    ("$[?(5)]", 4, "a literal alone"),
    ("$[?('x')]", 4, "a literal alone"),
    ("$[?(@.a == maybe)]", 11, "unexpected 'maybe'"),
    ("$[?(@.a == 1.2.3)]", 11, "not a valid number"),
    ("$[?(@.a == -)]", 11, "not a valid number"),
    ("$[?(@.a == 'x)]", 11, "never closed"),
    ("$[?(@.a == [1])]", 11, "JSON literals"),
    ("$[?(@.a == {})]", 11, "JSON literals"),
    ("$[?(@.a == /x/)]", 11, "regular expressions"),
    ("$[?(!@.a == 1)]", 4, "'!' cannot negate a comparison"),
    ("$[?(@..a)]", 5, "deep scan"),
    ("$[?(@.*)]", 6, "wildcards"),
    ("$[?(@.a[*])]", 8, "wildcards"),
    ("$[?(@.a[0,1])]", 9, "no unions or slices"),
    ("$[?(@.a[0:1])]", 9, "no unions or slices"),
    ("$[?(@.a[?(@.b)])]", 8, "another filter"),
    ("$[?(@.)]", 6, "expected a name after '.'"),
    ("$[?(@.a @.b)]", 8, "expected ')', '&&' or '||'"),
    ("$[?(@.a &)]", 8, "expected ')', '&&' or '||'"),
    ("$[?(@.a && )]", 11, "unexpected ')'"),
    ("$[?()]", 4, "unexpected ')'"),
];

#[test]
fn error_table() {
    for (path, position, fragment) in ERRORS {
        match JsonPath::parse(path) {
            Ok(parsed) => panic!("{path:?} should not parse, got {parsed:?}"),
            Err(PathError { position: actual, message }) => {
                assert!(
                    message.contains(fragment),
                    "{path:?}: message {message:?} lacks {fragment:?}"
                );
                assert_eq!(actual, *position, "{path:?}: position of {message:?}");
            }
        }
    }
}

#[test]
fn error_display_names_the_position() {
    let err = JsonPath::parse("$.a.length()").expect_err("functions are rejected");
    assert_eq!(err.to_string(), "functions such as 'length()' are not supported at character 4");
    // Positions count characters, not bytes.
    let err = JsonPath::parse("$.é b").expect_err("spaces are rejected");
    assert_eq!(err.position, 3);
}

#[test]
fn filters_nest_only_so_deep() {
    let ok = format!("$[?({}@.a{})]", "(".repeat(20), ")".repeat(20));
    assert_eq!(parse(&ok).select(&doc(r#"[{"a":1},{"b":1}]"#)), Some(doc(r#"[{"a":1}]"#)));
    for depth in [40, 100_000] {
        let parens = format!("$[?({}@.a{})]", "(".repeat(depth), ")".repeat(depth));
        let bangs = format!("$[?({}(@.a))]", "!".repeat(depth));
        for path in [parens, bangs] {
            let err = JsonPath::parse(&path).expect_err("too deep");
            assert!(err.message.contains("nests too deeply"), "{}", err.message);
        }
    }
    // An even number of negations cancels out.
    let twice = parse("$[?(!!(@.a))]");
    assert_eq!(twice.select(&doc(r#"[{"a":1},{"b":1}]"#)), Some(doc(r#"[{"a":1}]"#)));
}

/// (path, definite, reference, root).
const FLAGS: &[(&str, bool, bool, &str)] = &[
    ("$", true, true, "input"),
    ("$$", true, true, "context"),
    ("$x", true, true, "x"),
    ("$_x1.a[0]", true, true, "_x1"),
    ("$$.Execution.Input", true, true, "context"),
    ("$$.Map.Item.Value", true, true, "context"),
    ("$.a['b'][0][-1]", true, true, "input"),
    ("$['a','b']", true, false, "input"),
    ("$['a','b'].c", false, false, "input"),
    ("$[0,1]", false, false, "input"),
    ("$[1:]", false, false, "input"),
    ("$[:1]", false, false, "input"),
    ("$.*", false, false, "input"),
    ("$[*]", false, false, "input"),
    ("$..a", false, false, "input"),
    ("$[?(@.a)]", false, false, "input"),
    ("$items[*]", false, false, "items"),
];

#[test]
fn flags_and_roots() {
    for (path, definite, reference, root) in FLAGS {
        let parsed = parse(path);
        assert_eq!(parsed.is_definite(), *definite, "is_definite {path}");
        assert_eq!(parsed.is_reference(), *reference, "is_reference {path}");
        let expected = match *root {
            "input" => Root::Input,
            "context" => Root::Context,
            name => Root::Variable(name.to_owned()),
        };
        assert_eq!(parsed.root(), &expected, "root {path}");
        assert_eq!(parsed.as_str(), *path);
        assert_eq!(parsed.to_string(), *path);
    }
}

#[test]
fn roots_read_the_value_the_caller_hands_in() {
    let context = doc(r#"{"Execution":{"Id":"arn:x","Input":{"k":1}},"Map":{"Item":{"Index":3}}}"#);
    assert_eq!(parse("$$.Execution.Id").select(&context), Some(json!("arn:x")));
    assert_eq!(parse("$$.Execution.Input.k").select(&context), Some(json!(1)));
    assert_eq!(parse("$$.Execution.Input.no_such_jsonpath").select(&context), None);
    assert_eq!(parse("$$.Map.Item.Index").get(&context), Some(&json!(3)));
    let variable = doc(r#"{"items":[1,2,3]}"#);
    assert_eq!(parse("$answer").select(&json!(42)), Some(json!(42)));
    assert_eq!(parse("$v.items[1]").select(&variable), Some(json!(2)));
    assert_eq!(parse("$v.items[*]").select(&variable), Some(json!([1, 2, 3])));
}

/// (path, Jayway's normalized form).
const NORMALIZED: &[(&str, &str)] = &[
    ("$", "$"),
    ("$.a.b", "$['a']['b']"),
    ("$.NoSuchInputPath", "$['NoSuchInputPath']"),
    ("$['a','b']", "$['a','b']"),
    (r#"$["it's"]"#, r"$['it\'s']"),
    (r"$['back\\slash']", r"$['back\\slash']"),
    ("$[0,2]", "$[0,2]"),
    ("$[-1]", "$[-1]"),
    ("$[1:]", "$[1:]"),
    ("$[:2]", "$[:2]"),
    ("$[1:3]", "$[1:3]"),
    ("$[0:5:2]", "$[0:5]"),
    ("$.*", "$[*]"),
    ("$..name", "$..['name']"),
    ("$..[0]", "$..[0]"),
    ("$..*", "$..[*]"),
    ("$.a[?(@.a)].b", "$['a'][?]['b']"),
    ("$$.Execution.Id", "$$['Execution']['Id']"),
    ("$x.y", "$x['y']"),
];

#[test]
fn normalized_form() {
    for (path, expected) in NORMALIZED {
        let parsed = parse(path);
        assert_eq!(parsed.normalized(), *expected, "normalized {path}");
        if !expected.contains("[?]") {
            assert_eq!(parse(expected).steps(), parsed.steps(), "{expected} reads as {path}");
        }
    }
}

/// (path, document, value, expected document, member order included).
const WRITES: &[(&str, &str, &str, &str)] = &[
    ("$", r#"{"a":1}"#, "5", "5"),
    ("$.result", r#"{"a":1}"#, r#"{"x":1}"#, r#"{"a":1,"result":{"x":1}}"#),
    ("$.a", r#"{"a":1,"b":2}"#, "3", r#"{"a":3,"b":2}"#),
    ("$.a", r#"{"a":null}"#, "1", r#"{"a":1}"#),
    ("$.a.b.c", "{}", "1", r#"{"a":{"b":{"c":1}}}"#),
    ("$.a.b", r#"{"a":{"x":0},"z":1}"#, "1", r#"{"a":{"x":0,"b":1},"z":1}"#),
    (
        "$.result_path.merged",
        r#"{"result_path":{"a":1}}"#,
        "true",
        r#"{"result_path":{"a":1,"merged":true}}"#,
    ),
    ("$.arr[1]", r#"{"arr":[0,1,2]}"#, r#""x""#, r#"{"arr":[0,"x",2]}"#),
    ("$.arr[-1]", r#"{"arr":[0,1,2]}"#, r#""x""#, r#"{"arr":[0,1,"x"]}"#),
    ("$.arr[0].k", r#"{"arr":[{}]}"#, "1", r#"{"arr":[{"k":1}]}"#),
    ("$.arr[0].k.l", r#"{"arr":[{}]}"#, "1", r#"{"arr":[{"k":{"l":1}}]}"#),
    ("$[0]", "[1,2]", "9", "[9,2]"),
    ("$['a b'].c", "{}", "1", r#"{"a b":{"c":1}}"#),
    ("$.detail-type", "{}", r#""t""#, r#"{"detail-type":"t"}"#),
];

#[test]
fn write_table() {
    for (path, input, value, expected) in WRITES {
        let written = parse(path)
            .write(doc(input), doc(value))
            .unwrap_or_else(|e| panic!("write {path} into {input}: {e}"));
        assert_eq!(text(&written), text(&doc(expected)), "write {path} into {input}");
        // In place: the same result, and the undo record restores the input exactly.
        let mut in_place = doc(input);
        let undo = parse(path)
            .write_in_place(&mut in_place, doc(value))
            .unwrap_or_else(|e| panic!("write {path} in place into {input}: {e}"));
        assert_eq!(text(&in_place), text(&doc(expected)), "write {path} in place into {input}");
        undo.undo(&parse(path), &mut in_place);
        assert_eq!(text(&in_place), text(&doc(input)), "undo {path} in {input}");
    }
}

#[test]
fn undoing_a_write_keeps_key_order() {
    let input = r#"{"a":1,"b":{"x":[1,{"y":2}],"z":3},"c":3}"#;
    for path in ["$.a", "$.b", "$.b.x", "$.b.x[1].y", "$.b.x[-1].y", "$.b.x[0]", "$.b.new.deeper", "$.c", "$.d.e", "$"] {
        let mut d = doc(input);
        let undo = parse(path).write_in_place(&mut d, json!({"w": true})).expect(path);
        assert_ne!(text(&d), text(&doc(input)), "{path} changed nothing");
        undo.undo(&parse(path), &mut d);
        assert_eq!(text(&d), text(&doc(input)), "undo {path}");
    }
}

#[test]
fn a_write_says_when_it_appended_a_top_level_member() {
    let input = r#"{"a":1,"b":{"x":2}}"#;
    for (path, appended) in
        [("$.new", Some("new")), ("$.n.m", Some("n")), ("$.a", None), ("$.b.x", None), ("$.b.new", None), ("$", None)]
    {
        let mut d = doc(input);
        let undo = parse(path).write_in_place(&mut d, json!(0)).expect(path);
        assert_eq!(undo.appended_member(&parse(path)), appended, "{path}");
        if let Some(name) = appended {
            let last = d.as_object().and_then(|m| m.keys().next_back()).map(String::as_str);
            assert_eq!(last, Some(name), "{path} appends at the end");
        }
    }
}

#[test]
fn write_failures() {
    let string = |s: &str| s.to_owned();
    let cases: Vec<(&str, &str, WriteError)> = vec![
        ("$.a[*]", "{}", WriteError::NotReference { path: string("$.a[*]") }),
        ("$..a", "{}", WriteError::NotReference { path: string("$..a") }),
        ("$['a','b']", "{}", WriteError::NotReference { path: string("$['a','b']") }),
        ("$[?(@.a)]", "[]", WriteError::NotReference { path: string("$[?(@.a)]") }),
        // The context object and variables are not the document written to, even by a path
        // that reads like `$.a`.
        ("$$.a", "{}", WriteError::NotStateData { path: string("$$.a") }),
        ("$$", "{}", WriteError::NotStateData { path: string("$$") }),
        ("$var", "{}", WriteError::NotStateData { path: string("$var") }),
        ("$var.a", "{}", WriteError::NotStateData { path: string("$var.a") }),
        (
            "$.a.b",
            r#"{"a":"str"}"#,
            WriteError::NotAnObject {
                path: string("$.a.b"),
                at: string("$['a']"),
                found: "a string",
            },
        ),
        (
            "$.a",
            "[1]",
            WriteError::NotAnObject { path: string("$.a"), at: string("$"), found: "an array" },
        ),
        (
            "$.a",
            r#""x""#,
            WriteError::NotAnObject { path: string("$.a"), at: string("$"), found: "a string" },
        ),
        (
            "$.a.b.c",
            r#"{"a":{"b":7}}"#,
            WriteError::NotAnObject {
                path: string("$.a.b.c"),
                at: string("$['a']['b']"),
                found: "a number",
            },
        ),
        (
            "$.a.b",
            r#"{"a":null}"#,
            WriteError::NotAnObject { path: string("$.a.b"), at: string("$['a']"), found: "null" },
        ),
        (
            "$.a[0]",
            r#"{"a":{}}"#,
            WriteError::NotAnArray {
                path: string("$.a[0]"),
                at: string("$['a']"),
                found: "an object",
            },
        ),
        (
            "$.a[0]",
            "{}",
            WriteError::NotAnArray {
                path: string("$.a[0]"),
                at: string("$['a']"),
                found: "an object",
            },
        ),
        (
            "$.a[3]",
            r#"{"a":[1]}"#,
            WriteError::IndexOutOfRange {
                path: string("$.a[3]"),
                at: string("$['a']"),
                index: 3,
                len: 1,
            },
        ),
        (
            "$.a[-2]",
            r#"{"a":[1]}"#,
            WriteError::IndexOutOfRange {
                path: string("$.a[-2]"),
                at: string("$['a']"),
                index: -2,
                len: 1,
            },
        ),
        (
            "$.a[1].b",
            r#"{"a":[1]}"#,
            WriteError::IndexOutOfRange {
                path: string("$.a[1].b"),
                at: string("$['a']"),
                index: 1,
                len: 1,
            },
        ),
    ];
    for (path, input, expected) in cases {
        let err = parse(path).write(doc(input), json!(1)).expect_err(path);
        assert_eq!(err, expected, "write {path} into {input}");
        let mut in_place = doc(input);
        let err = parse(path).write_in_place(&mut in_place, json!(1)).expect_err(path);
        assert_eq!(err, expected, "write {path} in place into {input}");
        assert_eq!(text(&in_place), text(&doc(input)), "a failed write changed {input}");
    }
    let err = parse("$.a.b").write(doc(r#"{"a":"str"}"#), json!(1)).expect_err("through a string");
    assert_eq!(err.to_string(), "cannot write at '$.a.b': $['a'] is a string, not an object");
}

/// Every path of the recorded AWS conformance cases (Parameters, `*Path` fields, Choice
/// `Variable`, variables and the context object).
const CORPUS_PATHS: &[&str] = &[
    "$",
    "$$",
    "$$.Execution",
    "$$.Execution.Id",
    "$$.Execution.Input",
    "$$.Execution.Input.no_such_jsonpath",
    "$$.Execution.Name",
    "$$.Execution.RoleArn",
    "$$.Execution.StartTime",
    "$$.Map.Item.Index",
    "$$.Map.Item.Value",
    "$$.State",
    "$$.State.EnteredTime",
    "$$.State.Name",
    "$$.StateMachine",
    "$$.StateMachine.Id",
    "$$.StateMachine.Name",
    "$$.Task.Token",
    "$.AnnouncePokemon",
    "$.Cause",
    "$.Error",
    "$.ErrorX",
    "$.Input",
    "$.Items",
    "$.Iterations",
    "$.MaxConcurrencyValue",
    "$.Message",
    "$.Name",
    "$.NoSuchInputPath",
    "$.NoSuchOutputPath",
    "$.QueueUrl",
    "$.StateMachineArn",
    "$.TimestampValue",
    "$.ToleratedFailureCount",
    "$.ToleratedFailurePercentage",
    "$.TopicArn",
    "$.Value",
    "$.Values",
    "$.Variable",
    "$.answer",
    "$.arr",
    "$.body.arg1",
    "$.body.arg2",
    "$.content",
    "$.content.bucket",
    "$.content.values",
    "$.delivery-partner",
    "$.detail",
    "$.detail.shipped_output",
    "$.input",
    "$.input.waitSeconds",
    "$.input_value",
    "$.item.items[*]",
    "$.item.items[1:5]",
    "$.item.items[1:5].itemValue",
    "$.item.items[1:]",
    "$.item.items[:1]",
    "$.items[*]",
    "$.items[*].itemValue",
    "$.items[0]",
    "$.items[10]",
    "$.items[1:]",
    "$.items[1:].itemValue",
    "$.items[:1].itemValue",
    "$.jsonpath",
    "$.query_values_1",
    "$.query_values_2",
    "$.result",
    "$.result.done",
    "$.result_path",
    "$.result_path.merged",
    "$.result_value",
    "$.shipped",
    "$.sub-values",
    "$.type",
    "$.users[?(@.status == 0)]",
    "$.value",
    "$.values",
    "$PokemonList",
    "$Question",
    "$[0]",
    "$[1]",
    "$[2]",
    "$answer",
    "$causeVar",
    "$errorVar",
    "$guess",
    "$items",
    "$startAt",
    "$status",
    "$theAnswer",
    "$theAnswerVar",
    "$toleratedFailureCount",
    "$toleratedFailurePercentage",
    "$waitTime",
    "$x",
];

#[test]
fn corpus_paths_parse() {
    for path in CORPUS_PATHS {
        let parsed = parse(path);
        let expected_root = if path.starts_with("$$") {
            Root::Context
        } else if path.starts_with("$.") || path.starts_with("$[") || *path == "$" {
            Root::Input
        } else {
            let name: String = path[1..].chars().take_while(char::is_ascii_alphanumeric).collect();
            Root::Variable(name)
        };
        assert_eq!(parsed.root(), &expected_root, "{path}");
        let indefinite = ["[*]", ":", "[?("].iter().any(|marker| path.contains(marker));
        assert_eq!(parsed.is_reference(), !indefinite, "{path}");
        assert_eq!(parsed.is_definite(), !indefinite, "{path}");
    }
}

mod fuzz;
