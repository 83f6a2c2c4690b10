//! `stepwasm deploy DIR`: upload the functions, state machines and routes a project folder's
//! `stepwasm.toml` lists, in that order, creating what is new and updating what exists.
//!
//! ```toml
//! [[function]]
//! name = "validate-order"
//! path = "wasm/validate-order.wasm"        # relative to the project folder
//! [function.grants.limits]                 # the sandbox grants, as in X-Stepwasm-Grants
//! timeout_ms = 5000
//!
//! [[state_machine]]
//! name = "orders"
//! definition = "statemachine.asl.json"
//! type = "EXPRESS"                         # default STANDARD
//!
//! [[route]]
//! method = "POST"
//! path = "/orders"
//! state_machine = "orders"
//! errors = { InvalidOrder = 422 }
//! ```

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use serde_json::json;

use super::{Client, ClientError};
use crate::trigger::RouteSpec;

/// The project file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    #[serde(default, rename = "function")]
    pub functions: Vec<FunctionSpec>,
    #[serde(default, rename = "state_machine")]
    pub state_machines: Vec<MachineSpec>,
    #[serde(default, rename = "route")]
    pub routes: Vec<RouteSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    pub name: String,
    pub path: PathBuf,
    #[serde(default)]
    pub grants: sandbox::Grants,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineSpec {
    pub name: String,
    pub definition: PathBuf,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub role_arn: Option<String>,
}

/// The name of the project file in a project folder.
pub const PROJECT_FILE: &str = "stepwasm.toml";

impl Project {
    pub fn load(dir: &Path) -> Result<Project, String> {
        let path = dir.join(PROJECT_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// What was deployed, one line each.
pub async fn deploy(client: &Client, dir: &Path, show_progress: bool) -> Result<Vec<String>, String> {
    let project = Project::load(dir)?;
    let steps = (project.functions.len() + project.state_machines.len() + project.routes.len()) as u64;
    let bar = if show_progress { ProgressBar::new(steps) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut done = Vec::new();
    let fail = |what: &str, e: ClientError| format!("{what}: {e}");
    for f in &project.functions {
        bar.set_message(format!("function {}", f.name));
        let path = dir.join(&f.path);
        let wasm = std::fs::read(&path).map_err(|e| format!("function {}: reading {}: {e}", f.name, path.display()))?;
        let size = wasm.len();
        let info = client.put_function(&f.name, wasm, &f.grants).await.map_err(|e| fail(&format!("function {}", f.name), e))?;
        done.push(format!("function {} ({} KiB, {})", f.name, size / 1024, info["kind"].as_str().unwrap_or("?")));
        bar.inc(1);
    }
    for m in &project.state_machines {
        bar.set_message(format!("state machine {}", m.name));
        let path = dir.join(&m.definition);
        let definition = std::fs::read_to_string(&path).map_err(|e| format!("state machine {}: reading {}: {e}", m.name, path.display()))?;
        let kind = m.kind.clone().unwrap_or_else(|| "STANDARD".into()).to_ascii_uppercase();
        let role = m.role_arn.clone().unwrap_or_else(|| "arn:aws:iam::123456789012:role/stepwasm".into());
        let create = json!({"name": m.name, "definition": definition, "roleArn": role, "type": kind});
        let what = format!("state machine {}", m.name);
        match client.call("CreateStateMachine", create).await {
            Ok(v) => done.push(format!("{what}: {}", v["stateMachineArn"].as_str().unwrap_or("?"))),
            Err(e) if e.code == "StateMachineAlreadyExists" => {
                let arn = client.machine_arn(&m.name).await.map_err(|e| fail(&what, e))?;
                let described = client.call("DescribeStateMachine", json!({"stateMachineArn": arn})).await.map_err(|e| fail(&what, e))?;
                if described["type"].as_str() != Some(kind.as_str()) {
                    return Err(format!(
                        "{what} exists as a {} machine; a state machine's type cannot change (delete it first)",
                        described["type"].as_str().unwrap_or("?")
                    ));
                }
                client
                    .call("UpdateStateMachine", json!({"stateMachineArn": arn, "definition": definition, "roleArn": role}))
                    .await
                    .map_err(|e| fail(&what, e))?;
                done.push(format!("{what}: {arn} (updated)"));
            }
            Err(e) => return Err(fail(&what, e)),
        }
        bar.inc(1);
    }
    for r in &project.routes {
        let what = format!("route {} {}", r.method, r.path);
        bar.set_message(what.clone());
        client.put_route(r).await.map_err(|e| fail(&what, e))?;
        done.push(format!("{what} -> {}", r.state_machine));
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(done)
}
