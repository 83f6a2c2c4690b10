//! Uploaded Wasm functions: validated and compiled by the sandbox before they are stored,
//! loaded again when the engine opens.

use sandbox::{FunctionHandle, FunctionKind, Grants};
use serde_json::{json, Value};
use sha2::Digest;
use store::FunctionRecord;

use crate::resource::Via;
use crate::tasks::{self, Call};
use crate::{now_ms, Engine, EngineError, FunctionInfo};

/// What one direct call of a function answered ([`Engine::invoke_function`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    /// The result, or the failure (error, cause) a Task calling the function would get.
    pub output: Result<Value, (String, String)>,
    /// The call's log lines (`{level, message}`; stdout and stderr line by line) of a call
    /// that succeeded; a failure's cause quotes them.
    pub logs: Vec<Value>,
    pub duration_ms: f64,
}

impl Engine {
    /// Uploads (or replaces) a function. The sandbox validates and compiles it first: a
    /// module it refuses is [`EngineError::InvalidFunction`] and nothing is stored.
    pub async fn put_function(&self, name: &str, bytes: Vec<u8>, grants: Grants) -> Result<FunctionInfo, EngineError> {
        store::arn::validate_name(name).map_err(|e| EngineError::InvalidName(format!("function name '{name}': {e}")))?;
        let sandbox = self.inner.sandbox.clone();
        let (n, g) = (name.to_string(), grants.clone());
        let (handle, bytes) = tokio::task::spawn_blocking(move || {
            let h = sandbox.load(&n, &bytes, g);
            (h, bytes)
        })
        .await
        .map_err(|e| EngineError::Unavailable(format!("compiling the function panicked: {e}")))?;
        let handle = handle.map_err(|e| EngineError::InvalidFunction(e.to_string()))?;
        let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
        let grants_json = serde_json::to_string(&grants).map_err(|e| EngineError::InvalidFunction(e.to_string()))?;
        let now = now_ms();
        let size = bytes.len() as u64;
        let record = FunctionRecord { name: name.to_string(), wasm: bytes, sha256: sha256.clone(), grants_json, created_ms: now, updated_ms: now };
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || store.put_function(record))
            .await
            .map_err(|e| EngineError::Unavailable(format!("the store call panicked: {e}")))??;
        let stored = self.inner.store.function(name)?;
        let kind = kind_name(handle.kind());
        self.inner.functions.write().unwrap_or_else(|e| e.into_inner()).insert(name.to_string(), handle);
        Ok(FunctionInfo {
            name: name.to_string(),
            sha256,
            size,
            kind: kind.to_string(),
            grants,
            created_ms: stored.as_ref().map(|f| f.created_ms).unwrap_or(now),
            updated_ms: stored.as_ref().map(|f| f.updated_ms).unwrap_or(now),
        })
    }

    /// Calls function `name` once with `payload` (JSON text), outside any execution: what a
    /// Task calling it would get, under the function's own grants and limits. Its context
    /// object names a synthetic execution (`…:execution:invoke:UUID`, state `Invoke`).
    pub async fn invoke_function(&self, name: &str, payload: &str) -> Result<Invocation, EngineError> {
        let function = self.inner.function(name).ok_or_else(|| EngineError::FunctionDoesNotExist(name.to_string()))?;
        serde_json::from_str::<Value>(payload).map_err(|e| EngineError::InvalidRequest(format!("the payload is not JSON: {e}")))?;
        let id = self.inner.uuid();
        let now = asl::exec::iso_millis(now_ms());
        let context = json!({
            "Execution": {"Id": self.inner.arns.execution("invoke", &id), "Name": id, "StartTime": now, "RedriveCount": 0},
            "State": {"Name": "Invoke", "EnteredTime": now, "RetryCount": 0},
        })
        .to_string();
        let call = Call {
            function,
            payload: payload.to_string(),
            context,
            timeout: None,
            timeout_at: None,
            via: Via::Native,
            state_name: "Invoke".into(),
            callback: false,
        };
        let (done, answer) = tokio::sync::oneshot::channel();
        let inner = self.inner.clone();
        self.inner.calls.run(move || {
            // Heartbeats have no task to keep alive here.
            let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
            let started = std::time::Instant::now();
            let input = tasks::run(0, &call, &tx, None, &inner.uuid(), &*inner.observer);
            let _ = done.send((input, started.elapsed()));
        });
        let (input, took) = answer.await.map_err(|_| EngineError::Unavailable("the call thread ended without an answer".into()))?;
        let duration_ms = took.as_secs_f64() * 1000.0;
        Ok(match input {
            Some(asl::exec::Input::TaskSucceeded { output, logs, .. }) => Invocation {
                output: Ok(output),
                logs: match logs {
                    Some(Value::Array(l)) => l,
                    _ => Vec::new(),
                },
                duration_ms,
            },
            Some(asl::exec::Input::TaskFailed { error, cause, .. }) => Invocation {
                output: Err((error.unwrap_or_else(|| sandbox::STATES_TASK_FAILED.into()), cause.unwrap_or_default())),
                logs: Vec::new(),
                duration_ms,
            },
            _ => return Err(EngineError::Unavailable("the call gave no answer".into())),
        })
    }

    /// Deletes a function; `false` when there was none. Tasks already running finish.
    pub fn delete_function(&self, name: &str) -> Result<bool, EngineError> {
        let existed = self.inner.store.delete_function(name)?;
        self.inner.functions.write().unwrap_or_else(|e| e.into_inner()).remove(name);
        Ok(existed)
    }

    /// Every uploaded function, by name.
    pub fn list_functions(&self) -> Result<Vec<FunctionInfo>, EngineError> {
        let metas = self.inner.store.list_functions()?;
        Ok(metas
            .into_iter()
            .map(|m| {
                let kind = self.inner.function(&m.name).map(|h| kind_name(h.kind())).unwrap_or("not-loaded");
                FunctionInfo {
                    grants: serde_json::from_str(&m.grants_json).unwrap_or_default(),
                    name: m.name,
                    sha256: m.sha256,
                    size: m.size,
                    kind: kind.to_string(),
                    created_ms: m.created_ms,
                    updated_ms: m.updated_ms,
                }
            })
            .collect())
    }

    /// Loads every stored function into the sandbox. A function that no longer loads is
    /// skipped and reported in [`Engine::warnings`]; tasks calling it fail with a cause saying
    /// it does not exist.
    pub(crate) async fn load_functions(&self) -> Result<(), EngineError> {
        let inner = self.inner.clone();
        let loaded = tokio::task::spawn_blocking(move || -> Result<Vec<(String, Result<FunctionHandle, String>)>, EngineError> {
            let mut out = Vec::new();
            for meta in inner.store.list_functions()? {
                let Some(rec) = inner.store.function(&meta.name)? else { continue };
                let handle = serde_json::from_str::<Grants>(&rec.grants_json)
                    .map_err(|e| format!("stored grants do not parse: {e}"))
                    .and_then(|g| inner.sandbox.load(&rec.name, &rec.wasm, g).map_err(|e| e.to_string()));
                out.push((rec.name, handle));
            }
            Ok(out)
        })
        .await
        .map_err(|e| EngineError::Unavailable(format!("loading functions panicked: {e}")))??;
        let mut functions = self.inner.functions.write().unwrap_or_else(|e| e.into_inner());
        for (name, handle) in loaded {
            match handle {
                Ok(h) => {
                    functions.insert(name, h);
                }
                Err(e) => self.inner.warn(format!("function {name} was not loaded: {e}")),
            }
        }
        Ok(())
    }
}

fn kind_name(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::TaskComponent => "task-component",
        FunctionKind::CommandComponent => "command-component",
        FunctionKind::CommandModule => "command-module",
    }
}
