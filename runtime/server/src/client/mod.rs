//! The `stepwasm` commands that talk to a running server: `deploy`, `start`, `history`,
//! `logs`. A small HTTP/1.1 client for the AWS JSON API and the native API, with the bearer
//! token.

mod deploy;
mod timeline;

pub use deploy::{deploy, Project};
pub use timeline::{log_lines, timeline};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// A failed call: the HTTP status, the error code and the message.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ClientError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ClientError {
    fn transport(message: String) -> ClientError {
        ClientError { status: 0, code: "ConnectionFailed".into(), message }
    }
}

/// A connection to one server.
pub struct Client {
    base: String,
    token: Option<String>,
    http: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
}

impl Client {
    /// `endpoint` is `http://HOST:PORT`.
    pub fn new(endpoint: &str, token: Option<String>) -> Result<Client, ClientError> {
        let base = endpoint.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            return Err(ClientError::transport(format!(
                "endpoint '{endpoint}' must start with http:// (put a TLS proxy in front for https)"
            )));
        }
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
        Ok(Client { base, token, http })
    }

    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<(u16, Bytes), ClientError> {
        let mut req = Request::builder().method(method).uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req.body(Full::new(Bytes::from(body))).map_err(|e| ClientError::transport(e.to_string()))?;
        let resp = self
            .http
            .request(req)
            .await
            .map_err(|e| ClientError::transport(format!("{}: {e} (is `stepwasm serve` running there?)", self.base)))?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.map_err(|e| ClientError::transport(e.to_string()))?.to_bytes();
        Ok((status, body))
    }

    fn error(status: u16, body: &[u8]) -> ClientError {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let code = v
            .get("__type")
            .or_else(|| v.get("error"))
            .and_then(Value::as_str)
            .map(|c| c.rsplit('#').next().unwrap_or(c).to_string())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let message = v
            .get("message")
            .or_else(|| v.get("cause"))
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect());
        ClientError { status, code, message }
    }

    /// Calls a Step Functions operation.
    pub async fn call(&self, op: &str, body: Value) -> Result<Value, ClientError> {
        let target = format!("AWSStepFunctions.{op}");
        let headers = [("x-amz-target", target.as_str()), ("content-type", "application/x-amz-json-1.0")];
        let (status, bytes) = self.send("POST", "/", &headers, body.to_string().into_bytes()).await?;
        if status != 200 {
            return Err(Self::error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::transport(format!("the answer is not JSON: {e}")))
    }

    /// Uploads a function.
    pub async fn put_function(&self, name: &str, wasm: Vec<u8>, grants: &sandbox::Grants) -> Result<Value, ClientError> {
        let grants = serde_json::to_string(grants).unwrap_or_else(|_| "{}".into());
        let path = format!("/functions/{}", percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC));
        let headers = [("content-type", "application/wasm"), ("x-stepwasm-grants", grants.as_str())];
        let (status, bytes) = self.send("PUT", &path, &headers, wasm).await?;
        if status != 200 {
            return Err(Self::error(status, &bytes));
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Adds or replaces an HTTP route.
    pub async fn put_route(&self, spec: &crate::trigger::RouteSpec) -> Result<Value, ClientError> {
        let body = serde_json::to_vec(spec).unwrap_or_default();
        let (status, bytes) = self.send("PUT", "/routes", &[("content-type", "application/json")], body).await?;
        if status != 200 {
            return Err(Self::error(status, &bytes));
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// `POST /functions/{name}/invoke`: the function's answer (`{status, output | error,
    /// cause, logs, durationMs}`).
    pub async fn invoke(&self, function: &str, payload: &str) -> Result<Value, ClientError> {
        let path = format!("/functions/{}/invoke", percent_encoding::utf8_percent_encode(function, percent_encoding::NON_ALPHANUMERIC));
        let (status, bytes) = self.send("POST", &path, &[("content-type", "application/json")], payload.as_bytes().to_vec()).await?;
        if status != 200 {
            return Err(Self::error(status, &bytes));
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// The ARN of the state machine called `name` (or `name` itself when it is an ARN).
    pub async fn machine_arn(&self, name: &str) -> Result<String, ClientError> {
        if name.starts_with("arn:") {
            return Ok(name.to_string());
        }
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({"maxResults": 1000});
            if let Some(t) = &token {
                body["nextToken"] = json!(t);
            }
            let page = self.call("ListStateMachines", body).await?;
            for m in page["stateMachines"].as_array().into_iter().flatten() {
                if m["name"] == name {
                    return Ok(m["stateMachineArn"].as_str().unwrap_or_default().to_string());
                }
            }
            match page["nextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => {
                    return Err(ClientError {
                        status: 400,
                        code: "StateMachineDoesNotExist".into(),
                        message: format!("no state machine named '{name}' (deploy it first)"),
                    })
                }
            }
        }
    }

    /// Whether the state machine `arn` names (itself, or one of its versions or aliases) is
    /// `EXPRESS` or `STANDARD`: every version of a machine has its type.
    pub async fn machine_type(&self, arn: &str) -> Result<String, ClientError> {
        // arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|:ALIAS]
        let base = arn.split(':').take(7).collect::<Vec<_>>().join(":");
        let d = self.call("DescribeStateMachine", json!({"stateMachineArn": base})).await?;
        match d["type"].as_str() {
            Some(t) => Ok(t.to_string()),
            None => Err(ClientError {
                status: 200,
                code: "InvalidResponse".into(),
                message: format!("DescribeStateMachine of {base} answered no type: {d}"),
            }),
        }
    }

    /// The whole history of an execution, oldest first.
    pub async fn history(&self, execution_arn: &str) -> Result<Vec<Value>, ClientError> {
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({"executionArn": execution_arn, "maxResults": 1000});
            if let Some(t) = &token {
                body["nextToken"] = json!(t);
            }
            let page = self.call("GetExecutionHistory", body).await?;
            events.extend(page["events"].as_array().cloned().unwrap_or_default());
            match page["nextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => return Ok(events),
            }
        }
    }
}
