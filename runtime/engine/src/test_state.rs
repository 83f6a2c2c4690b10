//! TestState: runs one state on an input, once, and says what it would do next.
//!
//! The state is placed in a small machine of its own: its transition targets become `Succeed`
//! states (so the run stops as soon as the state is left), and its `Retry` and `Catch` are
//! taken out for a first run. If that run fails in the state, a matching retrier makes the
//! answer `RETRIABLE` (TestState never retries); a matching catcher makes it `CAUGHT_ERROR`,
//! and a second run with the `Catch` put back — its tasks answered from the first run, so no
//! function is called twice — gives the output and the next state. Waits take no time (the run
//! is simulated); Task states call the uploaded functions, or answer with the `mock`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use asl::error::Failure;
use asl::events::{Details, HistoryEvent};
use asl::exec::{ExecutionInfo, Status, TaskRequest};
use asl::simulate::{self, TaskAnswer};
use serde_json::{json, Map, Value};

use crate::resource::{self, Target};
use crate::tasks::{self, Call};
use crate::{now_ms, Engine, EngineError, Inner};

/// TestState's arguments.
#[derive(Clone, Debug, Default)]
pub struct TestStateRequest {
    /// One state's definition, or a whole machine's (then `state_name` picks the state; by
    /// default its `StartAt`).
    pub definition: String,
    pub state_name: Option<String>,
    /// The state's input (JSON text; `{}` when absent).
    pub input: Option<String>,
    /// Workflow variables the state sees (a JSON object text).
    pub variables: Option<String>,
    /// Answers every task of the state instead of calling a function.
    pub mock: Option<Mock>,
    pub role_arn: Option<String>,
    /// `inspectionLevel` DEBUG or TRACE: [`TestStateOutcome::inspection`] also shows the data
    /// processing, step by step. INFO (`false`) shows the outcome only.
    pub debug: bool,
    /// `inspectionLevel` TRACE: an HTTP Task's request and response are shown too.
    pub trace: bool,
    /// `revealSecrets`: the trace shows what the HTTP Task's connection adds (credentials,
    /// headers, parameters).
    pub reveal_secrets: bool,
}

/// A mocked task answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Mock {
    /// The task's result (JSON text).
    Result(String),
    /// The task fails with this error and cause.
    Error { error: String, cause: String },
}

/// What TestState found.
#[derive(Clone, Debug, PartialEq)]
pub struct TestStateOutcome {
    /// `SUCCEEDED`, `FAILED`, `RETRIABLE` or `CAUGHT_ERROR`.
    pub status: &'static str,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    /// Always: `variables` (after the state, when there are any) and `errorDetails`
    /// (`retryIndex`, `retryBackoffIntervalSeconds`, `catchIndex`). With
    /// [`TestStateRequest::debug`] also the data processing, each as JSON text: `input`, then
    /// for a JSONPath state `afterInputPath`, `afterParameters` (Task, Pass, Parallel), `result`
    /// (Task, Pass), `afterResultSelector` (Task) and `afterResultPath` (Task, Pass); for a
    /// JSONata Task `afterArguments` and `result`. A step the state did not reach is left out.
    pub inspection: Map<String, Value>,
}

/// The name of the Pass state that sets the given variables before the tested state.
const SETUP_STATE: &str = "TestState variables";
/// Bounds a state that loops on itself.
const MAX_STEPS: usize = 100_000;

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::InvalidDefinition(vec![asl::diagnostic::Diagnostic::schema("", message)])
}

impl Engine {
    /// TestState. Runs on the blocking pool (task functions are called synchronously).
    pub async fn test_state(&self, req: TestStateRequest) -> Result<TestStateOutcome, EngineError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || run(&inner, req))
            .await
            .map_err(|e| EngineError::Unavailable(format!("TestState panicked: {e}")))?
    }
}

/// The tested state and how to build machines around it.
#[derive(Clone)]
struct Plan {
    name: String,
    state: Map<String, Value>,
    query_language: Option<Value>,
    variables: Option<Map<String, Value>>,
    input: Value,
    input_text: String,
}

fn run(inner: &Arc<Inner>, req: TestStateRequest) -> Result<TestStateOutcome, EngineError> {
    let plan = plan(&req)?;
    let kind = plan.state.get("Type").and_then(Value::as_str).unwrap_or_default();
    if req.mock.is_some() && !matches!(kind, "Task" | "Map" | "Parallel") {
        // AWS: "mock can only be specified for Task, Map, or Parallel states".
        return Err(EngineError::InvalidRequest(format!(
            "mock can only be given for a Task, Map or Parallel state; '{}' is a {kind} state",
            plan.name
        )));
    }
    let top_jsonata = plan.query_language.as_ref().and_then(Value::as_str) == Some("JSONata");
    let jsonata = top_jsonata || plan.state.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");

    // First run: no Retry, no Catch.
    let bare = build(&plan, false, top_jsonata)?;
    let mut answers: Vec<TaskAnswer> = Vec::new();
    let mut scheduled: Option<Value> = None;
    let mut trace = crate::http_task::Trace::default();
    let first = simulate_run(inner, &plan, &bare, |t| {
        scheduled.get_or_insert_with(|| (*t.input).clone());
        let a = answer(inner, &req, t, &mut trace);
        answers.push(clone_answer(&a));
        a
    });
    let mut inspection = Map::new();
    if req.debug {
        let result = match answers.first() {
            Some(TaskAnswer::Success(v)) => Some(v),
            _ => None,
        };
        data_processing(inner, &plan, top_jsonata, jsonata, scheduled.as_ref(), result, &mut inspection);
    }
    if req.trace {
        for (key, value) in [("request", trace.request), ("response", trace.response)] {
            if let Some(v) = value {
                inspection.insert(key.into(), v);
            }
        }
    }
    let failure = match &first.status {
        Status::Failed(f) | Status::Aborted(f) => Some(f.clone()),
        Status::TimedOut => Some(Failure::new("States.Timeout", "The state timed out")),
        _ => None,
    };
    let Some(failure) = failure else {
        let (output, next) = leave(&first.events, &plan.name, &first.status);
        add_variables(&mut inspection, &plan, &first.events);
        return Ok(TestStateOutcome { status: "SUCCEEDED", output, error: None, cause: None, next_state: next, inspection });
    };

    if let Some((i, retrier)) = retriers(&plan.state).into_iter().enumerate().find(|(_, r)| failure.matches(&r.0)) {
        if retrier.1 > 0 {
            inspection.insert("errorDetails".into(), json!({"retryIndex": i, "retryBackoffIntervalSeconds": retrier.2}));
            return Ok(outcome_failed("RETRIABLE", failure, inspection));
        }
    }
    let catch_index = catchers(&plan.state).into_iter().position(|c| failure.matches(&c));
    let Some(catch_index) = catch_index else {
        return Ok(outcome_failed("FAILED", failure, inspection));
    };

    // Second run: the Catch put back, the tasks answered as they were the first time.
    let caught = build(&plan, true, top_jsonata)?;
    let mut replay: VecDeque<TaskAnswer> = answers.into_iter().collect();
    let mut unused = crate::http_task::Trace::default();
    let second = simulate_run(inner, &plan, &caught, |t| replay.pop_front().unwrap_or_else(|| answer(inner, &req, t, &mut unused)));
    let (output, next) = leave(&second.events, &plan.name, &second.status);
    add_variables(&mut inspection, &plan, &second.events);
    inspection.insert("errorDetails".into(), json!({"catchIndex": catch_index}));
    Ok(TestStateOutcome {
        status: "CAUGHT_ERROR",
        output,
        error: failure.error,
        cause: failure.cause,
        next_state: next,
        inspection,
    })
}

/// DEBUG's view of the data processing (see [`TestStateOutcome::inspection`]). Each JSONPath
/// step is computed by running a Pass state that does only that step, named and placed as the
/// tested state, so it follows the interpreter's own rules and sees the same variables and
/// context; no function is called again. A Map or Parallel state's raw result is not shown
/// (it would take running the branches a second time), nor anything computed from it.
fn data_processing(
    inner: &Arc<Inner>,
    plan: &Plan,
    top_jsonata: bool,
    jsonata: bool,
    scheduled: Option<&Value>,
    result: Option<&Value>,
    inspection: &mut Map<String, Value>,
) {
    let text = |v: &Value| Value::String(asl::error::compact(v));
    inspection.insert("input".into(), Value::String(plan.input_text.clone()));
    if jsonata {
        if let Some(p) = scheduled {
            inspection.insert("afterArguments".into(), text(p));
        }
        if let Some(r) = result {
            inspection.insert("result".into(), text(r));
        }
        return;
    }
    let field = |k: &str| plan.state.get(k).cloned();
    // The tested state's own fields named in `keys` (an explicit `null` included), and `more`.
    let fields = |keys: &[&str], more: &[(&str, Value)]| -> Map<String, Value> {
        let own = keys.iter().filter_map(|k| plan.state.get(*k).map(|v| (k.to_string(), v.clone())));
        own.chain(more.iter().map(|(k, v)| (k.to_string(), v.clone()))).collect()
    };
    let kind = plan.state.get("Type").and_then(Value::as_str).unwrap_or_default();
    let step = |fields: Map<String, Value>, input: &Value| pass_step(inner, plan, top_jsonata, fields, input);
    let Some(after_input_path) = step(fields(&["InputPath"], &[]), &plan.input) else { return };
    inspection.insert("afterInputPath".into(), text(&after_input_path));
    let after_parameters = match (kind, field("Parameters")) {
        ("Task", _) => scheduled.cloned(),
        ("Pass" | "Parallel", Some(_)) => step(fields(&["InputPath", "Parameters"], &[]), &plan.input),
        ("Pass" | "Parallel", None) => Some(after_input_path),
        _ => None,
    };
    if let Some(p) = &after_parameters {
        inspection.insert("afterParameters".into(), text(p));
    }
    let result = match kind {
        "Task" => result.cloned(),
        "Pass" => field("Result").or(after_parameters),
        _ => None,
    };
    let Some(result) = result else { return };
    inspection.insert("result".into(), text(&result));
    let selected = match (kind, field("ResultSelector")) {
        ("Task", Some(selector)) => step(fields(&[], &[("Parameters", selector)]), &result),
        _ => Some(result),
    };
    let Some(selected) = selected else { return };
    if kind == "Task" {
        inspection.insert("afterResultSelector".into(), text(&selected));
    }
    if let Some(merged) = step(fields(&["ResultPath"], &[("Result", selected)]), &plan.input) {
        inspection.insert("afterResultPath".into(), text(&merged));
    }
}

/// The output of a Pass state with `fields` (and the tested state's QueryLanguage) on `input`,
/// or `None` when it fails.
fn pass_step(inner: &Arc<Inner>, plan: &Plan, top_jsonata: bool, fields: Map<String, Value>, input: &Value) -> Option<Value> {
    let mut state = Map::new();
    state.insert("Type".into(), json!("Pass"));
    if let Some(q) = plan.state.get("QueryLanguage") {
        state.insert("QueryLanguage".into(), q.clone());
    }
    state.extend(fields);
    state.insert("End".into(), json!(true));
    let step = Plan { state, input: input.clone(), input_text: asl::error::compact(input), ..plan.clone() };
    let machine = build(&step, false, top_jsonata).ok()?;
    let run = simulate_run(inner, &step, &machine, |_| TaskAnswer::Failure { error: "States.Runtime".into(), cause: "a Pass state has no task".into() });
    let (output, _) = leave(&run.events, &step.name, &run.status);
    serde_json::from_str(&output?).ok()
}

fn outcome_failed(status: &'static str, f: Failure, inspection: Map<String, Value>) -> TestStateOutcome {
    TestStateOutcome { status, output: None, error: f.error, cause: f.cause, next_state: None, inspection }
}

fn plan(req: &TestStateRequest) -> Result<Plan, EngineError> {
    let def: Value = serde_json::from_str(&req.definition)
        .map_err(|e| EngineError::InvalidDefinition(vec![asl::diagnostic::Diagnostic::error(
            asl::diagnostic::codes::INVALID_JSON_DESCRIPTION,
            "",
            format!("the definition is not valid JSON: {e}"),
        )]))?;
    let Value::Object(def) = def else { return Err(invalid("the definition must be a JSON object")) };
    let (name, state, query_language) = if let Some(states) = def.get("States") {
        let Some(states) = states.as_object() else { return Err(invalid("States must be an object")) };
        let name = match (&req.state_name, def.get("StartAt").and_then(Value::as_str)) {
            (Some(n), _) => n.clone(),
            (None, Some(s)) => s.to_string(),
            (None, None) => return Err(invalid("give stateName: the definition has no StartAt")),
        };
        let Some(Value::Object(state)) = states.get(&name) else {
            return Err(invalid(format!("the definition has no state named '{name}'")));
        };
        (name, state.clone(), def.get("QueryLanguage").cloned())
    } else {
        let name = req.state_name.clone().unwrap_or_else(|| "TestState".to_string());
        (name, def.clone(), None)
    };
    let input_text = req.input.clone().unwrap_or_else(|| "{}".to_string());
    let input: Value = serde_json::from_str(&input_text)
        .map_err(|e| EngineError::InvalidExecutionInput(format!("the input is not valid JSON: {e}")))?;
    let variables = match &req.variables {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Some(m),
            Ok(_) => return Err(EngineError::InvalidExecutionInput("variables must be a JSON object".into())),
            Err(e) => return Err(EngineError::InvalidExecutionInput(format!("the variables are not valid JSON: {e}"))),
        },
    };
    if name == SETUP_STATE {
        return Err(invalid(format!("'{SETUP_STATE}' is a name TestState reserves")));
    }
    Ok(Plan { name, state, query_language, variables, input, input_text })
}

/// The state's transition targets.
fn targets(state: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |v: Option<&Value>| {
        if let Some(s) = v.and_then(Value::as_str) {
            out.push(s.to_string());
        }
    };
    push(state.get("Next"));
    push(state.get("Default"));
    for key in ["Choices", "Catch"] {
        if let Some(list) = state.get(key).and_then(Value::as_array) {
            for item in list {
                push(item.get("Next"));
            }
        }
    }
    out
}

/// The machine around the state: `catch` keeps its Catch; Retry is always taken out.
/// `jsonata`: the machine's query language is JSONata (the variables are set that way).
fn build(plan: &Plan, catch: bool, jsonata: bool) -> Result<asl::model::Machine, EngineError> {
    let mut state = plan.state.clone();
    state.remove("Retry");
    if !catch {
        state.remove("Catch");
    }
    let mut states = Map::new();
    let mut start = plan.name.clone();
    if let Some(vars) = &plan.variables {
        let mut assign = Map::new();
        for k in vars.keys() {
            if jsonata {
                assign.insert(k.clone(), Value::String(format!("{{% $states.input.variables.{} %}}", quote_name(k))));
            } else {
                assign.insert(format!("{k}.$"), Value::String(format!("$.variables['{}']", k.replace('\'', "\\'"))));
            }
        }
        let setup = if jsonata {
            json!({"Type": "Pass", "Assign": assign, "Output": "{% $states.input.input %}", "Next": plan.name})
        } else {
            json!({"Type": "Pass", "Assign": assign, "OutputPath": "$.input", "Next": plan.name})
        };
        states.insert(SETUP_STATE.into(), setup);
        start = SETUP_STATE.into();
    }
    for t in targets(&state) {
        if t != plan.name && !states.contains_key(&t) {
            states.insert(t, json!({"Type": "Succeed"}));
        }
    }
    states.insert(plan.name.clone(), Value::Object(state));
    let mut machine = Map::new();
    if let Some(q) = &plan.query_language {
        machine.insert("QueryLanguage".into(), q.clone());
    }
    machine.insert("StartAt".into(), Value::String(start));
    machine.insert("States".into(), Value::Object(states));
    asl::parse(&Value::Object(machine), &asl::ValidateOptions::default()).map_err(EngineError::InvalidDefinition)
}

/// A variable name as a JSONata path step.
fn quote_name(name: &str) -> String {
    format!("`{}`", name.replace('`', ""))
}

fn simulate_run(
    inner: &Arc<Inner>,
    plan: &Plan,
    machine: &asl::model::Machine,
    handle: impl FnMut(&TaskRequest) -> TaskAnswer,
) -> simulate::Finished {
    let input = match &plan.variables {
        Some(vars) => json!({"input": plan.input, "variables": vars}),
        None => plan.input.clone(),
    };
    let name = inner.uuid();
    let info = ExecutionInfo {
        execution_arn: inner.arns.execution("TestState", &name),
        name,
        state_machine_arn: inner.arns.state_machine("TestState"),
        state_machine_name: "TestState".into(),
        state_machine_version_arn: None,
        state_machine_alias_arn: None,
        role_arn: format!("arn:aws:iam::{}:role/stepwasm", inner.arns.account),
        start_time_ms: now_ms(),
        input,
        redrive_count: 0,
        express: false,
    };
    simulate::run(machine, info, inner.entropy(), MAX_STEPS, handle)
}

fn clone_answer(a: &TaskAnswer) -> TaskAnswer {
    match a {
        TaskAnswer::Success(v) => TaskAnswer::Success(v.clone()),
        TaskAnswer::Failure { error, cause } => TaskAnswer::Failure { error: error.clone(), cause: cause.clone() },
    }
}

/// Answers one task: the mock, or a call of the uploaded function.
fn answer(inner: &Arc<Inner>, req: &TestStateRequest, t: &TaskRequest, trace: &mut crate::http_task::Trace) -> TaskAnswer {
    match &req.mock {
        Some(Mock::Result(text)) => {
            return match serde_json::from_str(text) {
                Ok(v) => TaskAnswer::Success(v),
                Err(e) => TaskAnswer::Failure { error: "States.Runtime".into(), cause: format!("the mock result is not valid JSON: {e}") },
            }
        }
        Some(Mock::Error { error, cause }) => return TaskAnswer::Failure { error: error.clone(), cause: cause.clone() },
        None => {}
    }
    let fail = |cause: String| TaskAnswer::Failure { error: "States.TaskFailed".into(), cause };
    let (name, payload, via) = match resource::resolve(&t.resource, &t.input, t.input_text.clone()) {
        Ok(Target::Function { callback: true, .. }) | Ok(Target::Activity { .. }) => {
            return TaskAnswer::Failure {
                error: "States.Runtime".into(),
                cause: format!("TestState cannot wait for a callback or an activity worker (resource '{}'): give a mock", t.resource),
            }
        }
        // On the blocking pool (see `Engine::test_state`): the integration's future is run here.
        Ok(Target::Http { call }) => {
            let (result, t) = inner.runtime.block_on(crate::http_task::call_for_test(inner, &call, req.reveal_secrets));
            *trace = t;
            return match result {
                Ok(v) => TaskAnswer::Success(v),
                Err((error, cause)) => TaskAnswer::Failure { error, cause },
            };
        }
        Ok(Target::Execution { start, pattern: resource::Pattern::RequestResponse }) => {
            let engine = Engine { inner: inner.clone() };
            return match inner.runtime.block_on(crate::nested::start_once(&engine, &start, &t.context, t.id)) {
                Ok(v) => TaskAnswer::Success(v),
                Err((error, cause)) => TaskAnswer::Failure { error, cause },
            };
        }
        Ok(Target::LambdaAsync { name, payload, dry_run }) => {
            let Some(function) = inner.function(&name) else {
                let (error, cause) = inner.missing_function(&name, &t.resource, resource::Via::LambdaInvoke);
                return TaskAnswer::Failure { error, cause };
            };
            if !dry_run {
                tasks::spawn_detached(Call::event(function, payload, t.context.clone(), t.state_name.clone()), inner);
            }
            return TaskAnswer::Success(resource::lambda_async_response(dry_run, &inner.uuid()));
        }
        Ok(Target::Sfn { call }) => {
            let engine = Engine { inner: inner.clone() };
            return match inner.runtime.block_on(crate::sdk_sfn::answer(&engine, &call)) {
                Ok(v) => TaskAnswer::Success(v),
                Err((error, cause)) => TaskAnswer::Failure { error, cause },
            };
        }
        Ok(Target::Execution { .. }) => {
            return TaskAnswer::Failure {
                error: "States.Runtime".into(),
                cause: format!("TestState cannot wait for a child execution or its callback (resource '{}'): give a mock", t.resource),
            }
        }
        Ok(Target::Function { name, payload, via, .. }) => (name, payload, via),
        Err(e) => return fail(e.0),
    };
    let Some(function) = inner.function(&name) else {
        let (error, cause) = inner.missing_function(&name, &t.resource, via);
        return TaskAnswer::Failure { error, cause };
    };
    let call = Call {
        function,
        payload,
        context: t.context.clone(),
        timeout: t.timeout_seconds.map(Duration::from_secs),
        timeout_at: None,
        via,
        state_name: t.state_name.clone(),
        callback: false,
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    match tasks::run(0, &call, &tx, None, &inner.uuid(), &*inner.observer) {
        Some(asl::exec::Input::TaskSucceeded { output, .. }) => TaskAnswer::Success(output),
        Some(asl::exec::Input::TaskFailed { error, cause, .. }) => TaskAnswer::Failure {
            error: error.unwrap_or_else(|| "States.TaskFailed".into()),
            cause: cause.unwrap_or_default(),
        },
        _ => fail("the function gave no answer".into()),
    }
}

/// The state's output and the state entered after it (none when the machine ended there).
fn leave(events: &[HistoryEvent], name: &str, status: &Status) -> (Option<String>, Option<String>) {
    let entered = events
        .iter()
        .position(|e| matches!(&e.details, Details::StateEntered { name: n, .. } if **n == *name) && e.event_type.ends_with("StateEntered"));
    let Some(entered) = entered else { return (None, None) };
    let kind = events[entered].event_type.trim_end_matches("StateEntered").to_string();
    let exit = events[entered + 1..]
        .iter()
        .position(|e| e.event_type == format!("{kind}StateExited") && matches!(&e.details, Details::StateExited { name: n, .. } if **n == *name))
        .map(|i| i + entered + 1);
    let output = exit.and_then(|i| match &events[i].details {
        Details::StateExited { output, .. } => Some(output.to_string()),
        _ => None,
    });
    let next = exit.and_then(|i| {
        events[i + 1..].iter().find_map(|e| match &e.details {
            Details::StateEntered { name, .. } if e.event_type.ends_with("StateEntered") => Some(name.to_string()),
            _ => None,
        })
    });
    let output = output.or_else(|| match status {
        Status::Succeeded(v) => Some(asl::error::compact(v)),
        _ => None,
    });
    (output, next)
}

/// The variables after the state: those given, with the state's assignments over them.
fn add_variables(inspection: &mut Map<String, Value>, plan: &Plan, events: &[HistoryEvent]) {
    let mut vars = plan.variables.clone().unwrap_or_default();
    let mut assigned = false;
    for e in events {
        if let Details::StateExited { name, assigned_variables: Some(a), .. } = &e.details {
            if **name == *plan.name {
                assigned = true;
                for (k, v) in a {
                    // History events carry each assigned value as JSON text.
                    let value = v.as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_else(|| v.clone());
                    vars.insert(k.clone(), value);
                }
            }
        }
    }
    if assigned || plan.variables.is_some() {
        inspection.insert("variables".into(), Value::String(Value::Object(vars).to_string()));
    }
}

/// `(ErrorEquals, MaxAttempts, IntervalSeconds)` of each retrier, with AWS's defaults.
fn retriers(state: &Map<String, Value>) -> Vec<(Vec<String>, u64, f64)> {
    let Some(list) = state.get("Retry").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .map(|r| {
            let errors = strings(r.get("ErrorEquals"));
            let max = r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3);
            let interval = r.get("IntervalSeconds").and_then(Value::as_f64).unwrap_or(1.0);
            (errors, max, interval)
        })
        .collect()
}

fn catchers(state: &Map<String, Value>) -> Vec<Vec<String>> {
    let Some(list) = state.get("Catch").and_then(Value::as_array) else { return Vec::new() };
    list.iter().map(|c| strings(c.get("ErrorEquals"))).collect()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}
