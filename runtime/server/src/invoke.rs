//! Calling an uploaded function directly, outside any workflow:
//!
//! - `POST /functions/{name}/invoke` (the native API): the body is the payload; the answer is
//!   `{status: SUCCEEDED, output, logs, durationMs}` or `{status: FAILED, error, cause,
//!   durationMs}`, 200 either way (the function ran), as StartSyncExecution answers.
//! - `POST /2015-03-31/functions/{name}/invocations` (Lambda's Invoke, so `aws lambda invoke
//!   --endpoint-url` works): the body is the payload and the function's result is the answer;
//!   a failure is `X-Amz-Function-Error: Unhandled` with `{errorType, errorMessage}`;
//!   `X-Amz-Invocation-Type: Event` answers 202 at once and calls in the background, `DryRun`
//!   answers 204; `X-Amz-Log-Type: Tail` puts the last 4 KiB of the logs, base64, in
//!   `X-Amz-Log-Result`.
//!
//! Knows nothing of hyper: [`crate::http`] hands it the name, headers and body and writes the
//! [`Answer`].

use base64::Engine as _;
use engine::{Engine, EngineError, Invocation};
use serde_json::{json, Value};

/// What to send back: status, headers and body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer { status, headers: Vec::new(), body: Some(body) }
    }
}

/// The payload text of a request body: `{}` when empty.
fn payload(body: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the payload is not UTF-8".to_string())?;
    Ok(if text.trim().is_empty() { "{}".to_string() } else { text.to_string() })
}

/// `POST /functions/{name}/invoke`.
pub async fn native(engine: &Engine, name: &str, body: &[u8]) -> Answer {
    let payload = match payload(body) {
        Ok(p) => p,
        Err(m) => return Answer::json(400, json!({"error": "InvalidPayload", "cause": m})),
    };
    match engine.invoke_function(name, &payload).await {
        Ok(Invocation { output: Ok(v), logs, duration_ms }) => {
            Answer::json(200, json!({"status": "SUCCEEDED", "output": v, "logs": logs, "durationMs": duration_ms}))
        }
        Ok(Invocation { output: Err((error, cause)), duration_ms, .. }) => {
            Answer::json(200, json!({"status": "FAILED", "error": error, "cause": cause, "durationMs": duration_ms}))
        }
        Err(EngineError::FunctionDoesNotExist(_)) => Answer::json(404, json!({"error": "FunctionDoesNotExist", "cause": format!("no function named '{name}'")})),
        Err(EngineError::InvalidRequest(m)) => Answer::json(400, json!({"error": "InvalidPayload", "cause": m})),
        Err(e) => Answer::json(503, json!({"error": "ServiceUnavailable", "cause": e.to_string()})),
    }
}

/// The function a Lambda `FunctionName` path segment names: `NAME`, `NAME:QUALIFIER`, or a
/// function ARN.
pub fn lambda_function_name(segment: &str) -> &str {
    let parts: Vec<&str> = segment.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => name,
        [_, "function", name, ..] => name,
        [name, ..] => name,
        [] => segment,
    }
}

/// Lambda's error answer: the type in `x-amzn-ErrorType` (where the SDKs read it) and the body.
fn lambda_error(status: u16, kind: &str, message: String) -> Answer {
    Answer { status, headers: vec![("x-amzn-errortype", kind.to_string())], body: Some(json!({"Type": "User", "message": message})) }
}

/// `POST /2015-03-31/functions/{name}/invocations`. `header` reads a request header.
pub async fn lambda(engine: &Engine, segment: &str, header: &(dyn Fn(&str) -> Option<String> + Sync), body: &[u8]) -> Answer {
    let name = lambda_function_name(segment);
    let arn = format!("arn:aws:lambda:{}:{}:function:{name}", engine.arns().region, engine.arns().account);
    let payload = match payload(body) {
        Ok(p) => p,
        Err(m) => return lambda_error(400, "InvalidRequestContentException", m),
    };
    if serde_json::from_str::<Value>(&payload).is_err() {
        return lambda_error(400, "InvalidRequestContentException", "Could not parse request body into json".into());
    }
    if !engine.list_functions().is_ok_and(|fs| fs.iter().any(|f| f.name == name)) {
        return lambda_error(404, "ResourceNotFoundException", format!("Function not found: {arn}"));
    }
    let version = ("x-amz-executed-version", "$LATEST".to_string());
    match header("x-amz-invocation-type").as_deref().unwrap_or("RequestResponse") {
        "RequestResponse" => {}
        "DryRun" => return Answer { status: 204, headers: vec![version], body: None },
        "Event" => {
            let (engine, name) = (engine.clone(), name.to_string());
            tokio::spawn(async move {
                if let Ok(Invocation { output: Err((error, cause)), .. }) = engine.invoke_function(&name, &payload).await {
                    tracing::warn!(function = %name, %error, %cause, "an asynchronous invocation failed");
                }
            });
            return Answer { status: 202, headers: Vec::new(), body: None };
        }
        other => {
            return lambda_error(400, "InvalidParameterValueException", format!("X-Amz-Invocation-Type '{other}' is not RequestResponse, Event or DryRun"))
        }
    }
    let invocation = match engine.invoke_function(name, &payload).await {
        Ok(i) => i,
        Err(e) => return lambda_error(500, "ServiceException", e.to_string()),
    };
    let mut headers = vec![version];
    let (body, failed) = match &invocation.output {
        Ok(v) => (v.clone(), None),
        Err((error, cause)) => (json!({"errorType": error, "errorMessage": cause}), Some(cause.as_str())),
    };
    if failed.is_some() {
        headers.push(("x-amz-function-error", "Unhandled".to_string()));
    }
    if header("x-amz-log-type").as_deref() == Some("Tail") {
        headers.push(("x-amz-log-result", log_tail(&invocation.logs, failed)));
    }
    Answer { status: 200, headers, body: Some(body) }
}

/// The last 4 KiB of a call's log, base64 (Lambda's `X-Amz-Log-Result`): one line per log
/// entry, or a failure's cause (which quotes them).
fn log_tail(logs: &[Value], failure: Option<&str>) -> String {
    let text = match failure {
        Some(cause) => format!("{cause}\n"),
        None => logs
            .iter()
            .map(|l| format!("[{}] {}\n", l["level"].as_str().unwrap_or("info").to_ascii_uppercase(), l["message"].as_str().unwrap_or_default()))
            .collect(),
    };
    let bytes = text.as_bytes();
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    base64::engine::general_purpose::STANDARD.encode(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_in_each_form_lambda_takes() {
        for s in ["f", "f:live", "123456789012:function:f", "arn:aws:lambda:us-east-1:123456789012:function:f:3"] {
            assert_eq!(lambda_function_name(s), "f", "{s}");
        }
        let tail = log_tail(&[json!({"level": "info", "message": "hi"})], None);
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(tail).unwrap(), b"[INFO] hi\n");
        let long = "x".repeat(10_000);
        let tail = log_tail(&[], Some(&long));
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(tail).unwrap().len(), 4096);
    }
}
