//! The typed form of a state machine definition.
//!
//! Built once from JSON by [`crate::build`]; every path, template, intrinsic and JSONata expression
//! is parsed at that point, and every transition is an index, so stepping an execution never parses
//! text or looks a state up by name.

use std::sync::Arc;

use serde_json::Value;

use crate::choice;
use crate::jsonpath::JsonPath;
use crate::template::Template;

/// Index of a state within its [`Graph`].
pub type StateId = usize;
/// Index of a graph (the top level, a Parallel branch or a Map processor) within [`Machine::graphs`].
pub type GraphId = usize;

/// The query language a state uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

/// A parsed, validated state machine.
#[derive(Debug)]
pub struct Machine {
    /// Graph 0 is the top level; Parallel branches and Map processors follow.
    pub graphs: Vec<Graph>,
    /// The execution timeout (`TimeoutSeconds` at the top level).
    pub timeout_seconds: Option<u64>,
    pub query_language: QueryLanguage,
    pub comment: Option<String>,
}

impl Machine {
    /// The top-level graph.
    pub fn top(&self) -> &Graph {
        &self.graphs[0]
    }

    /// A state by graph and index.
    pub fn state(&self, graph: GraphId, state: StateId) -> &State {
        &self.graphs[graph].states[state]
    }
}

/// A set of states with a start: the top level, a Parallel branch, or a Map processor.
#[derive(Debug)]
pub struct Graph {
    pub start_at: StateId,
    pub states: Vec<State>,
}

impl Graph {
    /// Find a state by name.
    pub fn find(&self, name: &str) -> Option<StateId> {
        self.states.iter().position(|s| &*s.name == name)
    }
}

/// One state.
#[derive(Debug)]
pub struct State {
    /// Shared with the history events that name the state.
    pub name: Arc<str>,
    pub query_language: QueryLanguage,
    pub kind: Kind,
    pub io: Io,
    pub transition: Transition,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// `Assign`: variables to set when the state succeeds.
    pub assign: Option<Template>,
}

impl State {
    /// The type of the event written when the state is entered ("PassStateEntered", ...).
    pub fn entered_event_type(&self) -> &'static str {
        match &self.kind {
            Kind::Pass { .. } => "PassStateEntered",
            Kind::Task(_) => "TaskStateEntered",
            Kind::Choice { .. } => "ChoiceStateEntered",
            Kind::Wait(_) => "WaitStateEntered",
            Kind::Succeed => "SucceedStateEntered",
            Kind::Fail { .. } => "FailStateEntered",
            Kind::Parallel { .. } => "ParallelStateEntered",
            Kind::Map(_) => "MapStateEntered",
        }
    }

    /// The type of the event written when the state is left ("PassStateExited", ...).
    pub fn exited_event_type(&self) -> &'static str {
        match &self.kind {
            Kind::Pass { .. } => "PassStateExited",
            Kind::Task(_) => "TaskStateExited",
            Kind::Choice { .. } => "ChoiceStateExited",
            Kind::Wait(_) => "WaitStateExited",
            Kind::Succeed => "SucceedStateExited",
            Kind::Fail { .. } => "FailStateExited",
            Kind::Parallel { .. } => "ParallelStateExited",
            Kind::Map(_) => "MapStateExited",
        }
    }

    /// The type of the event written when the state is aborted while it retries or fans out
    /// ("TaskStateAborted", ...).
    pub fn aborted_event_type(&self) -> &'static str {
        match &self.kind {
            Kind::Pass { .. } => "PassStateAborted",
            Kind::Task(_) => "TaskStateAborted",
            Kind::Choice { .. } => "ChoiceStateAborted",
            Kind::Wait(_) => "WaitStateAborted",
            Kind::Succeed => "SucceedStateAborted",
            Kind::Fail { .. } => "FailStateAborted",
            Kind::Parallel { .. } => "ParallelStateAborted",
            Kind::Map(_) => "MapStateAborted",
        }
    }

    /// The AWS history-event prefix for this state's type ("Pass", "Task", ...).
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Pass { .. } => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice { .. } => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail { .. } => "Fail",
            Kind::Parallel { .. } => "Parallel",
            Kind::Map(_) => "Map",
        }
    }
}

/// Where a state goes when it succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next(StateId),
    End,
}

/// `InputPath` / `OutputPath`.
#[derive(Debug)]
pub enum PathField {
    /// Absent: the whole value (`$`).
    Whole,
    /// `null`: an empty object.
    Null,
    Path(JsonPath),
}

/// `ResultPath`.
#[derive(Debug)]
pub enum ResultPath {
    /// Absent or `$`: the result replaces the input.
    Replace,
    /// `null`: the result is discarded and the input passes through.
    Discard,
    Path(JsonPath),
}

/// The data-flow fields of a state. JSONPath states use the first five, JSONata states the last two.
#[derive(Debug)]
pub struct Io {
    pub input_path: PathField,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    pub output_path: PathField,
    /// JSONata `Arguments`.
    pub arguments: Option<Template>,
    /// JSONata `Output`.
    pub output: Option<Template>,
}

impl Io {
    /// No data-flow fields at all.
    pub fn empty() -> Io {
        Io {
            input_path: PathField::Whole,
            parameters: None,
            result_selector: None,
            result_path: ResultPath::Replace,
            output_path: PathField::Whole,
            arguments: None,
            output: None,
        }
    }
}

/// What kind of state, with its specific fields.
#[derive(Debug)]
pub enum Kind {
    Pass { result: Option<Value> },
    Task(Task),
    Choice { choices: Vec<ChoiceBranch>, default: Option<StateId> },
    Wait(Wait),
    Succeed,
    Fail { error: Option<StringSource>, cause: Option<StringSource> },
    Parallel { branches: Vec<GraphId> },
    Map(Box<MapState>),
}

/// A value given as a literal, a reference path, an intrinsic function or a JSONata expression.
#[derive(Debug)]
pub enum StringSource {
    Literal(String),
    /// `ErrorPath`/`CausePath`: a path or intrinsic, with the field name for error texts.
    Dynamic { field: &'static str, template: Template },
}

/// A number that may come from the definition, a path, or a JSONata expression.
#[derive(Debug)]
pub enum Number {
    Literal(f64),
    Path(JsonPath),
    Expr(Template),
}

/// A Task state's own fields.
#[derive(Debug)]
pub struct Task {
    pub resource: String,
    pub timeout: Option<Number>,
    pub heartbeat: Option<Number>,
    pub credentials: Option<Template>,
}

impl Task {
    /// `.waitForTaskToken` integration pattern.
    pub fn waits_for_token(&self) -> bool {
        self.resource.ends_with(".waitForTaskToken")
    }
}

/// One branch of a Choice state.
#[derive(Debug)]
pub struct ChoiceBranch {
    pub condition: Condition,
    pub next: StateId,
    pub assign: Option<Template>,
    pub output: Option<Template>,
}

/// A Choice condition in either query language.
#[derive(Debug)]
pub enum Condition {
    Rule(choice::Rule),
    /// JSONata `Condition`: a template that must evaluate to a boolean.
    Jsonata(Template),
}

/// How long a Wait state waits.
#[derive(Debug)]
pub enum Wait {
    Seconds(Number),
    TimestampLiteral(String),
    TimestampPath(JsonPath),
    TimestampExpr(Template),
}

/// Inline or distributed Map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapMode {
    Inline,
    Distributed,
}

/// A Map state's own fields.
#[derive(Debug)]
pub struct MapState {
    pub mode: MapMode,
    /// A Distributed Map's `ProcessorConfig.ExecutionType` is `EXPRESS` (its child workflow
    /// executions are Express ones); `false` for `STANDARD` and for an inline Map.
    pub express_children: bool,
    pub processor: GraphId,
    /// `ItemsPath` (JSONPath).
    pub items_path: PathField,
    /// `Items` (JSONata).
    pub items: Option<Template>,
    /// `ItemSelector`, or the legacy `Parameters` of a Map.
    pub item_selector: Option<Template>,
    pub max_concurrency: Option<Number>,
    pub tolerated_failure_count: Option<Number>,
    pub tolerated_failure_percentage: Option<Number>,
    pub item_batcher: Option<ItemBatcher>,
    pub label: Option<String>,
    /// The `Resource` of `ItemReader` and of `ResultWriter`, when given: S3 integrations this
    /// runtime does not carry out (the state fails when it runs, rather than iterate or answer
    /// something else).
    pub item_reader: Option<String>,
    pub result_writer: Option<String>,
}

/// Distributed Map `ItemBatcher`.
#[derive(Debug)]
pub struct ItemBatcher {
    pub max_items_per_batch: Option<Number>,
    pub max_input_bytes_per_batch: Option<Number>,
    pub batch_input: Option<Template>,
}

/// `JitterStrategy` of a retrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
}

/// One `Retry` entry.
#[derive(Debug)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub jitter: Jitter,
}

/// One `Catch` entry.
#[derive(Debug)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: StateId,
    pub result_path: ResultPath,
    pub assign: Option<Template>,
    pub output: Option<Template>,
}
