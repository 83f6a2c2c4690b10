//! Definition validation: raw definition JSON in, every problem out, the way AWS's
//! `ValidateStateMachineDefinition` and `CreateStateMachine` report them.
//!
//! The validator works on the raw [`serde_json::Value`], not on a parsed model, so that it can
//! report every problem at once, each with the location AWS gives it. Locations follow AWS's
//! spelling rather than strict RFC 6901: object members are joined with `/` and array elements
//! are written `Name[i]` (`/States/C/Choices[0]/Next`, `/States/P/Branches[1]/States/X`). State
//! names appear as written. A diagnostic about the whole definition is located at `/`; one AWS
//! reports without a location (`MISSING_END_STATE`) has an empty location.
//!
//! Messages reuse AWS's wording wherever it is known (`These fields are required: [...]`,
//! `Field 'X' is not supported`, `Expected value of type [STRING]`, the QueryLanguage rules,
//! `Missing 'Next' target: X`, `State "X" is not reachable.`, `Workflow has no terminal state`,
//! `String does not match RFC3339 timestamp`, the Express restrictions). Where AWS's wording is
//! not known the message is our own, written in the same style.

mod fields;
mod graph;
mod map;
mod resource;
mod rules;
mod states;
mod text;
mod values;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cases;
#[cfg(test)]
mod tests_cases_more;
#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_fuzz;

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::diagnostic::{codes, Diagnostic};

use self::fields::{Lang, Msg};
use self::graph::ScopeGraph;

/// Code AWS uses when states are nested deeper than it accepts.
pub const TOO_DEEPLY_NESTED: &str = "TOO_DEEPLY_NESTED";
/// Code AWS uses for a Map `Label` that breaks the naming rules.
pub const INVALID_LABEL_NAME: &str = "INVALID_LABEL_NAME";
/// Code AWS uses for a Map `Label` used twice in one definition.
pub const DUPLICATE_LABEL_NAME: &str = "DUPLICATE_LABEL_NAME";

/// Deepest nesting of Parallel branches and Map processors that is checked. Deeper scopes are
/// reported as `TOO_DEEPLY_NESTED` and not descended into, so no input can exhaust the stack.
const MAX_SCOPE_DEPTH: usize = 40;

/// What kind of state machine the definition is for, and whether it is new.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidateOptions {
    /// `true` for an EXPRESS state machine: `.sync` and `.waitForTaskToken` integrations and
    /// activities are refused.
    pub express: bool,
    /// `true` for a definition that was accepted when it was created and is now loaded again
    /// (a stored state machine): checks that only decide admission, and may have been added
    /// since (which Task resources AWS recognises), are skipped, so that no upgrade strands a
    /// stored machine or its running executions.
    pub stored: bool,
}

/// Every problem in a definition given as JSON text.
///
/// Empty or blank text gives `MISSING_DESCRIPTION`; text that is not JSON gives
/// `INVALID_JSON_DESCRIPTION` with the parser's message. A state name written twice in the same
/// `States` object (which a parsed JSON value cannot show) gives `DUPLICATE_STATE_NAME`. Anything
/// else is checked by [`validate`].
pub fn validate_text(text: &str, opts: &ValidateOptions) -> Vec<Diagnostic> {
    if text.trim().is_empty() {
        return vec![Diagnostic::error(
            codes::MISSING_DESCRIPTION,
            "",
            "The state machine definition is empty",
        )];
    }
    match text::parse(text) {
        Ok((value, duplicates)) => {
            let mut out = duplicates;
            out.extend(validate(&value, opts));
            out
        }
        Err(message) => vec![Diagnostic::error(
            codes::INVALID_JSON_DESCRIPTION,
            "",
            message,
        )],
    }
}

/// Every problem in a parsed definition: errors and warnings, in a stable order. An empty list
/// means AWS would accept the definition.
pub fn validate(definition: &Value, opts: &ValidateOptions) -> Vec<Diagnostic> {
    let mut v = Validator::new(opts);
    match definition.as_object() {
        Some(root) => v.top_level(root),
        None => v.push(Diagnostic::schema("/", Msg::expected_type(&["OBJECT"]))),
    }
    v.finish()
}

/// Walks one definition and collects its diagnostics.
struct Validator<'o> {
    opts: &'o ValidateOptions,
    diags: Vec<Diagnostic>,
    /// Transition diagnostics, which AWS reports only for a definition that passed the schema
    /// checks (a definition without `StartAt` is not also told its states are unreachable).
    graph_diags: Vec<Diagnostic>,
    /// The machine's effective query language, which every state without its own setting uses,
    /// at any depth (a Map or Parallel does not pass its own setting down).
    machine_lang: Lang,
    /// `true` when the top-level `QueryLanguage` makes the whole machine JSONata.
    machine_jsonata: bool,
    /// First location of every state name, machine-wide, for `DUPLICATE_STATE_NAME`.
    state_names: HashMap<String, String>,
    /// First location of every Map `Label`, for `DUPLICATE_LABEL_NAME`.
    labels: HashMap<String, String>,
}

impl<'o> Validator<'o> {
    fn new(opts: &'o ValidateOptions) -> Self {
        Validator {
            opts,
            diags: Vec::new(),
            graph_diags: Vec::new(),
            machine_lang: Lang::JsonPath,
            machine_jsonata: false,
            state_names: HashMap::new(),
            labels: HashMap::new(),
        }
    }

    /// All diagnostics: the schema phase's, then the transition phase's if the schema phase
    /// found no structural error.
    fn finish(mut self) -> Vec<Diagnostic> {
        let structural = self
            .diags
            .iter()
            .any(|d| d.code == codes::SCHEMA_VALIDATION_FAILED || d.code == TOO_DEEPLY_NESTED);
        if !structural {
            self.diags.append(&mut self.graph_diags);
        }
        self.diags
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn schema(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic::schema(location, message));
    }

    fn warn(
        &mut self,
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::warning(code, location, message));
    }

    fn top_level(&mut self, root: &Map<String, Value>) {
        // The machine's language comes first: every state below depends on it.
        if let Some(ql) = root.get("QueryLanguage") {
            self.machine_lang = Lang::resolve(ql);
            self.machine_jsonata = self.machine_lang == Lang::Jsonata;
            fields::check_query_language_value(self, ql, "/QueryLanguage");
        }
        let allowed = [
            "Comment",
            "StartAt",
            "States",
            "Version",
            "TimeoutSeconds",
            "QueryLanguage",
        ];
        for key in root.keys() {
            if !allowed.contains(&key.as_str()) {
                self.schema("/", Msg::not_supported(key));
            }
        }
        if let Some(version) = root.get("Version") {
            match version.as_str() {
                Some("1.0") => {}
                Some(_) => self.schema("/Version", Msg::one_of(&["1.0"])),
                None => self.schema("/Version", Msg::expected_type(&["STRING"])),
            }
        }
        if let Some(timeout) = root.get("TimeoutSeconds") {
            values::check_int_range(self, timeout, "/TimeoutSeconds", 1, values::MAX_SECONDS);
        }
        if let Some(comment) = root.get("Comment") {
            values::check_string(self, comment, "/Comment");
        }
        let graph = self.scope(root, "", 0);
        if let Some(graph) = graph {
            graph.report(self, true);
        }
    }

    /// Checks `StartAt`, `States` and every state of one scope (the machine, a Parallel branch
    /// or a Map processor). Returns the scope's transition graph for the caller to report, or
    /// `None` when there is no `States` object to build one from.
    fn scope(&mut self, obj: &Map<String, Value>, loc: &str, depth: usize) -> Option<ScopeGraph> {
        let here = if loc.is_empty() { "/" } else { loc };
        fields::require(self, obj, here, &["States", "StartAt"]);
        let mut graph = ScopeGraph::default();
        if let Some(start) = obj.get("StartAt") {
            match start.as_str() {
                Some(name) => graph.target(name, format!("{loc}/StartAt")),
                None => self.schema(format!("{loc}/StartAt"), Msg::expected_type(&["STRING"])),
            }
        }
        let states = match obj.get("States") {
            Some(Value::Object(states)) => states,
            Some(_) => {
                self.schema(format!("{loc}/States"), Msg::expected_type(&["OBJECT"]));
                return None;
            }
            None => return None,
        };
        for (name, state) in states {
            let state_loc = format!("{loc}/States/{name}");
            states::check_state(self, &mut graph, name, state, &state_loc, depth);
        }
        Some(graph)
    }

    /// Checks a nested scope (Parallel branch, Map `ItemProcessor`/`Iterator`): its own fields,
    /// then its states, then its transitions.
    fn nested_scope(&mut self, value: &Value, loc: &str, depth: usize, allowed: &[&str]) {
        let Some(obj) = value.as_object() else {
            self.schema(loc, Msg::expected_type(&["OBJECT"]));
            return;
        };
        if depth >= MAX_SCOPE_DEPTH {
            self.push(Diagnostic::error(
                TOO_DEEPLY_NESTED,
                loc,
                format!("States are nested more than {MAX_SCOPE_DEPTH} levels deep"),
            ));
            return;
        }
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.schema(loc, Msg::not_supported(key));
            }
        }
        if let Some(comment) = obj.get("Comment") {
            values::check_string(self, comment, &format!("{loc}/Comment"));
        }
        if let Some(graph) = self.scope(obj, loc, depth + 1) {
            graph.report(self, false);
        }
    }

    /// Records a state name machine-wide; a second use is `DUPLICATE_STATE_NAME`.
    fn record_state_name(&mut self, name: &str, loc: &str) {
        if self.state_names.contains_key(name) {
            self.push(Diagnostic::error(
                codes::DUPLICATE_STATE_NAME,
                loc,
                format!("Duplicate State name: {name}"),
            ));
        } else {
            self.state_names.insert(name.to_owned(), loc.to_owned());
        }
    }

    /// Records a Map label machine-wide; a second use is `DUPLICATE_LABEL_NAME`.
    fn record_label(&mut self, label: &str, loc: &str) {
        if self.labels.contains_key(label) {
            self.push(Diagnostic::error(
                DUPLICATE_LABEL_NAME,
                loc,
                format!("Duplicate Label name: {label}"),
            ));
        } else {
            self.labels.insert(label.to_owned(), loc.to_owned());
        }
    }
}
