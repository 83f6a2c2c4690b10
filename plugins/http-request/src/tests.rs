use serde_json::json;
use wasi::http::types::{DnsErrorPayload, ErrorCode, Method, Scheme};

use super::*;

fn request(value: serde_json::Value) -> HttpRequest {
    serde_json::from_value(value).expect("valid request JSON")
}

fn prepare_err(value: serde_json::Value) -> TaskError {
    prepare(request(value)).expect_err("should be rejected")
}

#[test]
fn url_is_split_into_scheme_authority_and_path() {
    let t = parse_url("HTTPS://api.example.com:8443/v1/orders?id=7#frag").expect("valid");
    assert!(matches!(t.scheme, Scheme::Https));
    assert_eq!(t.authority, "api.example.com:8443");
    assert_eq!(t.path_with_query, "/v1/orders?id=7");
    assert_eq!(t.display(), "https://api.example.com:8443/v1/orders");

    let t = parse_url("http://localhost?x=1").expect("valid");
    assert_eq!(t.path_with_query, "/?x=1");
    let t = parse_url("http://[::1]:8080").expect("valid");
    assert_eq!(t.authority, "[::1]:8080");
    assert_eq!(t.path_with_query, "/");
}

#[test]
fn bad_urls_are_invalid_requests_with_a_reason() {
    let cases = [
        ("ftp://example.com/f", "scheme \"ftp\" is not supported"),
        ("example.com/path", "must be absolute"),
        ("https:///path", "the host is missing"),
        (
            "https://user:pw@example.com/",
            "credentials in the URL are not supported",
        ),
        (
            "https://example.com:99999/",
            "port \"99999\" is not a number",
        ),
        ("https://example.com:0/", "port \"0\""),
        ("https://exa mple.com/", "contains the character ' '"),
        ("https://[::1/", "unclosed '['"),
        (
            "https://ex<ample.com/",
            "contains characters that are not allowed",
        ),
    ];
    for (url, expected) in cases {
        let e = parse_url(url).expect_err(url);
        assert_eq!(e.error(), "HttpInvalidRequest", "{url}");
        assert!(e.cause().contains(expected), "{url}: {}", e.cause());
    }
}

#[test]
fn invalid_url_messages_leave_out_the_query() {
    let e = parse_url("gopher://h/p?token=secret").expect_err("scheme");
    assert!(!e.cause().contains("secret"), "{}", e.cause());
}

#[test]
fn methods_are_normalised_and_checked() {
    assert!(matches!(parse_method("post"), Ok(Method::Post)));
    assert!(matches!(parse_method("PROPFIND"), Ok(Method::Other(m)) if m == "PROPFIND"));
    assert_eq!(
        parse_method("GET /").map(|_| ()).expect_err("space"),
        "method \"GET /\" is not a valid HTTP method name"
    );
}

#[test]
fn headers_are_lower_cased_and_repeated() {
    let r = request(json!({
        "url": "https://example.com",
        "headers": {"Accept": "application/json", "X-Tag": ["a", "b"]}
    }));
    let list = header_list(&r.headers).expect("valid headers");
    assert_eq!(
        list,
        vec![
            ("accept".to_string(), b"application/json".to_vec()),
            ("x-tag".to_string(), b"a".to_vec()),
            ("x-tag".to_string(), b"b".to_vec()),
        ]
    );
}

#[test]
fn header_injection_is_refused() {
    let e = prepare_err(
        json!({"url": "https://example.com/a?k=v", "headers": {"X-A": "1\r\nHost: evil"}}),
    );
    assert_eq!(e.error(), "HttpInvalidRequest");
    assert_eq!(
        e.cause(),
        "GET https://example.com/a: header \"X-A\" has a value with a line break or NUL"
    );
    let e = prepare_err(json!({"url": "https://example.com", "headers": {"Bad Name": "1"}}));
    assert!(
        e.cause()
            .contains("\"Bad Name\" is not a valid HTTP header name"),
        "{}",
        e.cause()
    );
}

#[test]
fn json_bodies_get_a_content_type_unless_one_is_given() {
    let p = prepare(request(
        json!({"method": "post", "url": "https://example.com", "body": {"a": 1}}),
    ))
    .expect("valid");
    assert_eq!(p.body.as_deref(), Some(&br#"{"a":1}"#[..]));
    assert_eq!(
        p.headers,
        vec![("content-type".to_string(), b"application/json".to_vec())]
    );
    assert_eq!(p.label, "POST https://example.com/");

    let p = prepare(request(json!({
        "method": "PUT", "url": "https://example.com",
        "headers": {"Content-Type": "application/vnd.api+json"}, "body": [1]
    })))
    .expect("valid");
    assert_eq!(
        p.headers,
        vec![(
            "content-type".to_string(),
            b"application/vnd.api+json".to_vec()
        )]
    );

    let p = prepare(request(
        json!({"url": "https://example.com", "body": "plain text"}),
    ))
    .expect("valid");
    assert_eq!(p.body.as_deref(), Some(&b"plain text"[..]));
    assert!(p.headers.is_empty());

    let p = prepare(request(json!({"url": "https://example.com", "body": null}))).expect("valid");
    assert!(p.body.is_none());
}

#[test]
fn unknown_input_fields_are_rejected_by_the_sdk() {
    let e = stepwasm_guest::run_handler(r#"{"url":"https://example.com","header":{}}"#, "", run)
        .expect_err("typo in field name");
    assert_eq!(e.error(), "InvalidInput");
    assert!(
        e.cause().contains("unknown field `header`"),
        "{}",
        e.cause()
    );
}

#[test]
fn json_responses_are_parsed() {
    let out = into_response(RawResponse {
        status: 201,
        headers: vec![
            (
                "Content-Type".into(),
                b"application/json; charset=utf-8".to_vec(),
            ),
            ("set-cookie".into(), b"a=1".to_vec()),
            ("set-cookie".into(), b"b=2".to_vec()),
        ],
        body: br#"{"id": 42}"#.to_vec(),
    });
    assert_eq!(out.status_code, 201);
    assert_eq!(out.body, json!({"id": 42}));
    assert_eq!(
        out.headers.get("set-cookie").map(String::as_str),
        Some("a=1, b=2")
    );
    assert_eq!(
        serde_json::to_value(&out).expect("serializable"),
        json!({"statusCode": 201, "headers": {"content-type": "application/json; charset=utf-8",
               "set-cookie": "a=1, b=2"}, "body": {"id": 42}})
    );
}

#[test]
fn text_and_binary_responses() {
    let (body, b64) = decode_body(b"not json".to_vec(), Some("application/json"));
    assert_eq!((body, b64), (json!("not json"), false));
    let (body, b64) = decode_body(br#"{"a":1}"#.to_vec(), Some("text/plain"));
    assert_eq!((body, b64), (json!(r#"{"a":1}"#), false));
    let (body, b64) = decode_body(vec![0xff, 0x00, 0x10], None);
    assert_eq!((body, b64), (json!("/wAQ"), true));
    let out = into_response(RawResponse {
        status: 200,
        headers: vec![],
        body: vec![0xff],
    });
    assert_eq!(
        serde_json::to_value(&out).expect("ok")["isBase64Encoded"],
        json!(true)
    );
}

#[test]
fn transport_errors_get_names_a_workflow_can_catch() {
    let label = "GET https://example.com/";
    let e = classify(label, &ErrorCode::HttpRequestDenied);
    assert_eq!(e.error(), "HttpHostNotAllowed");
    assert_eq!(
        e.cause(),
        "GET https://example.com/: the destination is not on the runtime's list of allowed hosts"
    );
    assert_eq!(
        classify(label, &ErrorCode::ConnectionTimeout).error(),
        "HttpTimeout"
    );
    assert_eq!(
        classify(label, &ErrorCode::HttpResponseBodySize(Some(10))).error(),
        "HttpResponseTooLarge"
    );
    let e = classify(
        label,
        &ErrorCode::DnsError(DnsErrorPayload {
            rcode: Some("NXDOMAIN".into()),
            info_code: None,
        }),
    );
    assert_eq!(e.error(), "HttpError");
    assert!(
        e.cause().ends_with("could not be resolved (NXDOMAIN)"),
        "{}",
        e.cause()
    );
    assert_eq!(
        classify(label, &ErrorCode::LoopDetected).error(),
        "HttpError"
    );
}
