use check_component::{check, CheckError};

/// A component whose `handle` has the given result type (in component text format).
fn component(result: &str, extra_import: &str) -> Vec<u8> {
    let text = format!(
        r#"(component
            {extra_import}
            (type $task-error (record (field "error" string) (field "cause" string)))
            (export $te "task-error" (type $task-error))
            (core module $m
                (memory (export "memory") 1)
                (func (export "handle") (param i32 i32 i32 i32) (result i32) i32.const 0)
                (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 0))
            (core instance $i (instantiate $m))
            (type $handle-ty (func (param "input" string) (param "context" string) (result {result})))
            (func $handle (type $handle-ty)
                (canon lift (core func $i "handle") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
            (export "handle" (func $handle)))"#
    );
    wat::parse_str(&text).expect("test component text parses")
}

#[test]
fn accepts_a_task_component() {
    let bytes = component("(result string (error $te))", "");
    let report = check(&bytes).expect("valid task component");
    assert!(report.imports.is_empty());
}

#[test]
fn rejects_a_core_module() {
    let bytes = wat::parse_str("(module)").expect("module parses");
    assert!(matches!(check(&bytes), Err(CheckError::NotAComponent)));
    assert!(matches!(check(b"not wasm"), Err(CheckError::NotAComponent)));
}

#[test]
fn rejects_a_wrong_result_type() {
    let bytes = component("(result string (error string))", "");
    let e = check(&bytes).expect_err("wrong result");
    assert!(matches!(e, CheckError::WrongSignature(_)), "{e}");
}

#[test]
fn rejects_a_missing_handle() {
    let bytes = wat::parse_str("(component (core module))").expect("component parses");
    assert!(matches!(check(&bytes), Err(CheckError::MissingHandle)));
}

#[test]
fn rejects_foreign_imports_and_lists_allowed_ones() {
    let bytes = component(
        "(result string (error $te))",
        r#"(import "acme:db/query@1.0.0" (instance))"#,
    );
    let e = check(&bytes).expect_err("foreign import");
    assert_eq!(
        e.to_string(),
        "imports \"acme:db/query@1.0.0\", which is neither WASI nor stepwasm:task"
    );

    let bytes = component(
        "(result string (error $te))",
        r#"(import "wasi:random/random@0.2.0" (instance)) (import "some-type" (type (sub resource)))"#,
    );
    assert_eq!(
        check(&bytes).expect("allowed").imports,
        vec!["wasi:random/random@0.2.0"]
    );
}
