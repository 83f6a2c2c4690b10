//! Mocked service integrations, as Step Functions Local takes them (its `MockConfigFile.json`):
//! an execution started on `STATE_MACHINE_ARN#TestCase` answers the Task states its test case
//! names from the mocked responses, without calling anything.
//!
//! ```json
//! {"StateMachines": {"orders": {"TestCases": {"HappyPath": {"Charge": "ChargeOk"}}}},
//!  "MockedResponses": {"ChargeOk": {"0": {"Throw": {"Error": "Busy", "Cause": "try again"}},
//!                                   "1-2": {"Return": {"id": 7}}}}}
//! ```
//!
//! A mocked response's keys number the invocations of the state in the execution, from 0: a
//! single number or a range (`"1-2"`), consecutive, each with exactly one of `Return` (the
//! task's result) or `Throw` (`Error`, `Cause`). A retry, and a loop that comes back to the
//! state, are further invocations; one past the last number fails the task with
//! `States.Runtime`. A mocked task is answered in the step that schedules it, so its events are
//! the task's usual ones and a restart finds no mocked task outstanding.

use std::collections::HashMap;
use std::sync::Arc;

use asl::exec::Input;
use serde_json::{Map, Value};

/// A task's mocked answer.
#[derive(Debug, Clone, PartialEq)]
pub enum MockAnswer {
    Return(Value),
    Throw { error: String, cause: String },
}

/// A loaded mock configuration.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MockConfig {
    /// State machine name → test case → state name → its answers, by invocation.
    machines: HashMap<String, HashMap<String, HashMap<String, Arc<Vec<MockAnswer>>>>>,
}

impl MockConfig {
    /// Reads the JSON text of a mock configuration; the error names what is wrong and where.
    pub fn parse(text: &str) -> Result<MockConfig, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let object = |v: &Value, at: &str| v.as_object().cloned().ok_or_else(|| format!("{at} must be an object"));
        let root = object(&root, "the mock configuration")?;
        let mut responses: HashMap<String, Arc<Vec<MockAnswer>>> = HashMap::new();
        for (name, by_number) in object(root.get("MockedResponses").unwrap_or(&Value::Null), "MockedResponses")? {
            let at = format!("MockedResponses.{name}");
            responses.insert(name, Arc::new(answers(&object(&by_number, &at)?, &at)?));
        }
        let mut machines = HashMap::new();
        for (machine, spec) in object(root.get("StateMachines").unwrap_or(&Value::Null), "StateMachines")? {
            let at = format!("StateMachines.{machine}");
            let spec = object(&spec, &at)?;
            let mut cases = HashMap::new();
            for (case, states) in object(spec.get("TestCases").unwrap_or(&Value::Null), &format!("{at}.TestCases"))? {
                let at = format!("{at}.TestCases.{case}");
                let mut by_state = HashMap::new();
                for (state, response) in object(&states, &at)? {
                    let response = response.as_str().ok_or_else(|| format!("{at}.{state} must name a mocked response"))?;
                    let found = responses.get(response).ok_or_else(|| format!("{at}.{state} names '{response}', which MockedResponses does not define"))?;
                    by_state.insert(state, found.clone());
                }
                cases.insert(case, by_state);
            }
            machines.insert(machine, cases);
        }
        Ok(MockConfig { machines })
    }

    /// The test case `case` of state machine `machine`, ready for an execution.
    pub fn test_case(&self, machine: &str, case: &str) -> Result<TestCase, String> {
        let cases = self.machines.get(machine).ok_or_else(|| format!("the mock configuration has no state machine '{machine}'"))?;
        let states = cases.get(case).ok_or_else(|| format!("the mock configuration has no test case '{case}' for state machine '{machine}'"))?;
        Ok(TestCase { name: case.to_string(), states: states.clone(), invocations: HashMap::new() })
    }
}

/// One mocked response's answers, by invocation number.
fn answers(by_number: &Map<String, Value>, at: &str) -> Result<Vec<MockAnswer>, String> {
    let mut ranges = Vec::new();
    for (key, answer) in by_number {
        let range = |s: &str| s.trim().parse::<usize>().map_err(|_| format!("{at}: '{key}' is not a number or a range like \"1-2\""));
        let (first, last) = match key.split_once('-') {
            Some((a, b)) => (range(a)?, range(b)?),
            None => (range(key)?, range(key)?),
        };
        if last < first {
            return Err(format!("{at}: the range '{key}' ends before it starts"));
        }
        let at = format!("{at}.{key}");
        let answer = match (answer.get("Return"), answer.get("Throw")) {
            (Some(v), None) => MockAnswer::Return(v.clone()),
            (None, Some(t)) => {
                let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
                MockAnswer::Throw {
                    error: text("Error").ok_or_else(|| format!("{at}.Throw needs an Error string"))?,
                    cause: text("Cause").unwrap_or_default(),
                }
            }
            _ => return Err(format!("{at} must have exactly one of Return and Throw")),
        };
        ranges.push((first, last, answer));
    }
    ranges.sort_by_key(|r| r.0);
    let mut out = Vec::new();
    for (first, last, answer) in ranges {
        if first != out.len() {
            return Err(format!("{at}: invocation {} has no response (the numbers must run from 0 without gaps or overlaps; the next starts at {first})", out.len()));
        }
        out.extend(std::iter::repeat_n(answer, last - first + 1));
    }
    if out.is_empty() {
        return Err(format!("{at} has no response"));
    }
    Ok(out)
}

/// The mocks of one execution: its test case, and how often each mocked state was invoked.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub(crate) name: String,
    states: HashMap<String, Arc<Vec<MockAnswer>>>,
    invocations: HashMap<String, usize>,
}

impl TestCase {
    /// The answer to the next invocation of `state_name`, if the test case mocks the state: its
    /// result, or its failure (error, cause). One past the last numbered response is a
    /// `States.Runtime` failure.
    pub fn next(&mut self, state_name: &str) -> Option<Result<Value, (String, String)>> {
        let answers = self.states.get(state_name)?;
        let n = self.invocations.entry(state_name.to_string()).or_insert(0);
        let answer = match answers.get(*n) {
            Some(MockAnswer::Return(v)) => Ok(v.clone()),
            Some(MockAnswer::Throw { error, cause }) => Err((error.clone(), cause.clone())),
            None => Err((
                "States.Runtime".to_string(),
                format!(
                    "the test case '{}' has no mocked response for invocation {n} of state '{state_name}' (it defines {})",
                    self.name,
                    answers.len()
                ),
            )),
        };
        *n += 1;
        Some(answer)
    }

    /// The inputs that answer a task of `state_name` (work `id`), if the test case mocks it:
    /// the task starts, then succeeds or fails as the invocation's response says.
    pub(crate) fn answer(&mut self, state_name: &str, id: asl::exec::WorkId) -> Option<[Input; 2]> {
        let end = match self.next(state_name)? {
            Ok(output) => Input::TaskSucceeded { id, output, logs: None },
            Err((error, cause)) => Input::TaskFailed { id, error: Some(error), cause: Some(cause) },
        };
        Some([Input::TaskStarted { id, worker: None }, end])
    }

    /// After a replay: each state has been invoked as often as its tasks were scheduled.
    pub(crate) fn set_invocations(&mut self, scheduled: &HashMap<String, usize>) {
        self.invocations = scheduled.iter().filter(|(s, _)| self.states.contains_key(*s)).map(|(s, n)| (s.clone(), *n)).collect();
    }
}

/// `ARN#TestCase` → (`ARN`, `TestCase`).
pub fn split_test_case(state_machine_arn: &str) -> (&str, Option<&str>) {
    match state_machine_arn.split_once('#') {
        Some((arn, case)) => (arn, Some(case)),
        None => (state_machine_arn, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONFIG: &str = r#"{
        "StateMachines": {"orders": {"TestCases": {"Happy": {"Charge": "Flaky"}, "Empty": {}}}},
        "MockedResponses": {"Flaky": {
            "0": {"Throw": {"Error": "Busy", "Cause": "try again"}},
            "1-2": {"Return": {"id": 7}}
        }}}"#;

    #[test]
    fn responses_are_numbered_by_invocation() {
        let config = MockConfig::parse(CONFIG).unwrap();
        let mut case = config.test_case("orders", "Happy").unwrap();
        let ends: Vec<Input> = (0..4).map(|i| case.answer("Charge", i).unwrap()[1].clone()).collect();
        assert!(matches!(&ends[0], Input::TaskFailed { id: 0, error: Some(e), cause: Some(c) } if e == "Busy" && c == "try again"));
        for (i, end) in ends[1..3].iter().enumerate() {
            assert!(matches!(end, Input::TaskSucceeded { id, output, .. } if *id == i as u64 + 1 && *output == json!({"id": 7})), "{end:?}");
        }
        assert!(matches!(&ends[3], Input::TaskFailed { error: Some(e), cause: Some(c), .. } if e == "States.Runtime" && c.contains("invocation 3 of state 'Charge'")));
        assert!(case.answer("Other", 9).is_none(), "a state the test case does not name runs for real");
        // After a replay the count goes on from the tasks scheduled.
        case.set_invocations(&HashMap::from([("Charge".to_string(), 1)]));
        assert!(matches!(case.answer("Charge", 5).unwrap()[1], Input::TaskSucceeded { .. }));
        assert!(config.test_case("orders", "Sad").unwrap_err().contains("no test case 'Sad'"));
        assert!(config.test_case("billing", "Happy").unwrap_err().contains("no state machine 'billing'"));
        assert_eq!(split_test_case("arn:sm#Happy"), ("arn:sm", Some("Happy")));
    }

    #[test]
    fn a_bad_configuration_says_where() {
        let bad = |text: &str| MockConfig::parse(text).unwrap_err();
        assert!(bad("[").contains("not JSON"));
        assert!(bad(r#"{"StateMachines": {"m": {"TestCases": {"t": {"S": "Nope"}}}}, "MockedResponses": {}}"#)
            .contains("StateMachines.m.TestCases.t.S names 'Nope', which MockedResponses does not define"));
        assert!(bad(r#"{"MockedResponses": {"R": {"0": {"Return": 1}, "2": {"Return": 2}}}}"#).contains("invocation 1 has no response"));
        assert!(bad(r#"{"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}"#).contains("exactly one of Return and Throw"));
        assert!(bad(r#"{"MockedResponses": {"R": {"x": {"Return": 1}}}}"#).contains("'x' is not a number"));
        assert!(bad(r#"{"MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}"#).contains("needs an Error"));
    }
}
