//! Robustness: arbitrary text never panics the parser, the evaluator or the writer, and neither
//! deep documents nor long paths exhaust the stack.

use serde_json::{json, Map, Value};

use super::super::{JsonPath, Root, Step, WriteError};
use super::{doc, parse, STORE};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("below n")
    }
}

const CHARS: &[char] = &[
    '$', '$', '.', '.', '[', ']', '\'', '"', '*', '?', '(', ')', '@', ',', ':', '-', '0', '1', '9',
    'a', 'b', '_', ' ', '!', '=', '<', '>', '&', '|', '\\', 'u', 'é', 'e', 't', 'n',
];

const FRAGMENTS: &[&str] = &[
    ".a",
    ".b",
    ".1",
    ".detail-type",
    "[0]",
    "[-1]",
    "[1]",
    "[*]",
    ".*",
    "..a",
    "..*",
    "..[0]",
    "..['a','b']",
    "['a']",
    "['a','b']",
    "[0,1]",
    "[1:]",
    "[:2]",
    "[-2:1]",
    "[0:5:2]",
    "[?(@.a)]",
    "[?(@.a > 1)]",
    "[?(!@.b)]",
    "[?(@.a == 'x' || @.b)]",
    "[?(!(@.a != null))]",
    "[?(@.b[0] == @.a)]",
    "..[?(@.b)]",
];

fn documents() -> Vec<Value> {
    vec![
        doc(
            r#"{"a":{"a":[1,{"a":2,"b":"x"}],"b":[{"a":"x"},{"b":null}]},"b":[[0,1],{"a":{"b":3}}],"1":true,"detail-type":"t"}"#,
        ),
        doc(r#"[{"a":1,"b":2},{"a":[{"a":3}]},5,"s",null,[[{"b":[2]}]]]"#),
        doc(STORE),
        json!("scalar"),
        json!(null),
    ]
}

/// Evaluates and writes `path` on every document and checks the invariants that hold for any path.
fn exercise(path: &JsonPath, documents: &[Value]) {
    for document in documents {
        let selected = path.select(document);
        if !path.is_definite() {
            assert!(matches!(selected, Some(Value::Array(_))), "{} is indefinite", path.as_str());
        }
        if path.is_reference() {
            assert_eq!(path.get(document).cloned(), selected, "get and select {}", path.as_str());
        }
        match path.write(document.clone(), json!("written")) {
            Ok(written) => {
                assert!(path.is_reference(), "{} wrote though not a reference", path.as_str());
                assert_eq!(path.root(), &Root::Input, "{} wrote outside the state's data", path.as_str());
                assert_eq!(
                    path.get(&written),
                    Some(&json!("written")),
                    "read back {}",
                    path.as_str()
                );
            }
            Err(WriteError::NotStateData { .. }) => assert_ne!(path.root(), &Root::Input),
            Err(WriteError::NotReference { .. }) => assert!(!path.is_reference()),
            Err(_) => assert!(path.is_reference() && path.root() == &Root::Input),
        }
    }
    let has_filter = path.steps().iter().any(|step| {
        matches!(step, Step::Filter(_))
            || matches!(step, Step::Scan(t) if matches!(**t, Step::Filter(_)))
    });
    if !has_filter {
        let again = parse(&path.normalized());
        assert_eq!(
            again.steps(),
            path.steps(),
            "{} normalized to {}",
            path.as_str(),
            path.normalized()
        );
        assert_eq!(again.root(), path.root());
    }
}

/// A path built from valid fragments after `$`, `$$` or `$v`.
fn fragment_path(rng: &mut Rng) -> String {
    let mut text = ["$", "$$", "$v"][rng.below(3)].to_owned();
    for _ in 0..rng.below(6) {
        text.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
    }
    text
}

/// Random characters, or a valid path with a few characters inserted, replaced or deleted.
fn random_text(rng: &mut Rng) -> String {
    if rng.below(2) == 0 {
        let mut text = if rng.below(4) == 0 { String::new() } else { "$".to_owned() };
        for _ in 0..rng.below(24) {
            text.push(CHARS[rng.below(CHARS.len())]);
        }
        return text;
    }
    let mut chars: Vec<char> = fragment_path(rng).chars().collect();
    for _ in 0..rng.below(3) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 => chars.insert(at, CHARS[rng.below(CHARS.len())]),
            1 if at < chars.len() => chars[at] = CHARS[rng.below(CHARS.len())],
            _ if at < chars.len() => {
                chars.remove(at);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

#[test]
fn random_text_never_panics() {
    let documents = documents();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut parsed, mut rejected) = (0, 0);
    for _ in 0..5000 {
        let text = random_text(&mut rng);
        match JsonPath::parse(&text) {
            Ok(path) => {
                parsed += 1;
                assert_eq!(path.as_str(), text);
                exercise(&path, &documents);
            }
            Err(err) => {
                rejected += 1;
                assert!(err.position <= text.chars().count(), "{text:?}: {err}");
                assert!(!err.message.is_empty());
            }
        }
    }
    // The generator must reach both outcomes for this test to mean anything.
    assert!(parsed > 1000 && rejected > 1000, "{parsed} parsed, {rejected} rejected");
}

#[test]
fn random_valid_paths_evaluate() {
    let documents = documents();
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..3000 {
        let path = parse(&fragment_path(&mut rng));
        exercise(&path, &documents);
    }
}

/// Runs `f` on a thread with a small stack, so recursion over data or path length would show.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the thread does not panic");
}

/// `{"a":{"a":…{"leaf":1}}}`, built without recursion.
fn deep_object(depth: usize) -> Value {
    let mut value = json!({"leaf": 1});
    for _ in 0..depth {
        let mut map = Map::new();
        map.insert("a".to_owned(), value);
        value = Value::Object(map);
    }
    value
}

#[test]
fn deep_documents_do_not_exhaust_the_stack() {
    on_small_stack(|| {
        let deep = deep_object(100_000);
        assert_eq!(parse("$..leaf").select(&deep), Some(json!([1])));
        assert_eq!(parse("$..[?(@.leaf == 1)].leaf").select(&deep), Some(json!([1])));
        assert_eq!(parse("$..missing").select(&deep), Some(json!([])));

        let mut nested = json!(["end"]);
        for _ in 0..100_000 {
            nested = Value::Array(vec![nested]);
        }
        assert_eq!(parse("$..[?(@.x)]").select(&nested), Some(json!([])));
        assert_eq!(parse("$..x").select(&nested), Some(json!([])));

        let mut pair = Map::new();
        pair.insert("a".to_owned(), deep_object(100_000));
        pair.insert("b".to_owned(), deep_object(100_000));
        pair.insert("c".to_owned(), json!("same"));
        let pairs = Value::Array(vec![Value::Object(pair)]);
        assert_eq!(parse("$[?(@.a == @.b)].c").select(&pairs), Some(json!(["same"])));
        assert_eq!(parse("$[?(@.a != @.b)].c").select(&pairs), Some(json!([])));

        // Dropping these would recurse in serde_json itself; leak them instead.
        std::mem::forget(deep);
        std::mem::forget(nested);
        std::mem::forget(pairs);
    });
}

#[test]
fn long_paths_do_not_exhaust_the_stack() {
    on_small_stack(|| {
        let long = format!("${}", ".a".repeat(100_000));
        let path = parse(&long);
        assert!(path.is_reference());
        assert_eq!(path.select(&json!({"a": 1})), None);
        let written = path.write(json!({}), json!(1)).expect("objects are created");
        assert_eq!(path.get(&written), Some(&json!(1)));
        std::mem::forget(written);

        let scans = format!("${}", "..a".repeat(10_000));
        assert_eq!(parse(&scans).select(&json!({"a": {"a": 1}})), Some(json!([])));
    });
}
