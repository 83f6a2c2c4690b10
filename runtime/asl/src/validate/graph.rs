//! Transitions within one scope: targets that name no state, states nothing transitions to,
//! and a machine with no terminal state.

use std::collections::HashSet;

use serde_json::Value;

use crate::diagnostic::{codes, Diagnostic};

use super::fields::Msg;
use super::Validator;

/// The states of one scope and every transition that names a state in it.
#[derive(Debug, Default)]
pub(super) struct ScopeGraph {
    /// State names with their locations, in definition order.
    states: Vec<(String, String)>,
    /// Transition targets (`StartAt`, `Next`, `Default`, `Choices[i].Next`, `Catch[i].Next`)
    /// with the location of the field that names them, in definition order.
    targets: Vec<(String, String)>,
    /// Whether any state ends the execution (`End: true`, `Succeed`, `Fail`).
    has_terminal: bool,
}

impl ScopeGraph {
    pub(super) fn state(&mut self, name: &str, loc: &str) {
        self.states.push((name.to_owned(), loc.to_owned()));
    }

    pub(super) fn target(&mut self, name: &str, loc: String) {
        self.targets.push((name.to_owned(), loc));
    }

    /// A transition field (`Next`, `Default`): a string naming a state, recorded as a target.
    pub(super) fn target_field(&mut self, v: &mut Validator<'_>, value: &Value, loc: String) {
        match value.as_str() {
            Some(name) => self.target(name, loc),
            None => v.schema(loc, Msg::expected_type(&["STRING"])),
        }
    }

    pub(super) fn terminal(&mut self) {
        self.has_terminal = true;
    }

    /// Reports the scope's transition problems (into the transition phase). A top-level scope without any terminal state
    /// gets `MISSING_END_STATE` (without a location, as AWS gives it) instead of the
    /// unreachable-state reports, which a loop without an exit would make meaningless.
    pub(super) fn report(self, v: &mut Validator<'_>, top_level: bool) {
        let known: HashSet<&str> = self.states.iter().map(|(n, _)| n.as_str()).collect();
        let targeted: HashSet<&str> = self.targets.iter().map(|(t, _)| t.as_str()).collect();
        for (target, loc) in &self.targets {
            if !known.contains(target.as_str()) {
                v.graph_diags.push(Diagnostic::error(
                    codes::MISSING_TRANSITION_TARGET,
                    loc.clone(),
                    format!("Missing 'Next' target: {target}"),
                ));
            }
        }
        if top_level && !self.has_terminal && !self.states.is_empty() {
            v.graph_diags.push(Diagnostic::error(
                codes::MISSING_END_STATE,
                "",
                "Workflow has no terminal state",
            ));
            return;
        }
        for (name, loc) in &self.states {
            if !targeted.contains(name.as_str()) {
                v.graph_diags.push(Diagnostic::error(
                    codes::MISSING_TRANSITION_TARGET,
                    loc.clone(),
                    format!("State \"{name}\" is not reachable."),
                ));
            }
        }
    }
}
