//! Entering, executing and leaving each kind of state; Retry and Catch.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::dataflow::{apply_result_path, payload_too_large, result_path_failure, Extra, MAX_PAYLOAD_BYTES};
use super::{Family, Outcome, Phase, RunId, Stepper, TaskPhase, TaskRequest, Waiter, Work, WorkId};
use crate::error::{compact, names, EvalError, Failure};
use crate::events::Details;
use crate::model::{Condition, Jitter, Kind, QueryLanguage, ResultPath, Retrier, State, StateId, StringSource, Task, Transition, Wait};
use crate::template::Template;

/// AWS's limit on one variable's value and on one Assign block: 256 KiB.
pub const MAX_VARIABLE_BYTES: usize = 262_144;
/// AWS's limit on all variables of an execution together: 10 MiB.
pub const MAX_EXECUTION_VARIABLE_BYTES: usize = 10 * 1024 * 1024;

/// How a state leaves: its result and any override a Choice rule or Catch brings.
pub(super) struct Exit<'m> {
    pub result: Value,
    pub next: Option<StateId>,
    pub assign: Option<&'m Template>,
    pub output: Option<&'m Template>,
    pub error_output: Option<Value>,
}

impl Exit<'_> {
    pub(super) fn plain(result: Value) -> Self {
        Exit { result, next: None, assign: None, output: None, error_output: None }
    }
}

/// What executing a state gave: it is leaving now (its input no longer borrowed, so the exit can
/// update the run's data in place), or it already decided.
enum Flow<'m> {
    Exit(Exit<'m>),
    Done(Outcome),
}

/// A write made in place in a run's data, to take back if the state fails later.
enum PendingUndo<'m> {
    None,
    /// A ResultPath write.
    Path(&'m crate::jsonpath::JsonPath, crate::jsonpath::WriteUndo),
    /// The whole data replaced by the output; the data as it was.
    Whole(Value),
}

impl<'m> Stepper<'m> {
    fn state_of(&self, run: RunId) -> &'m State {
        let r = self.run(run);
        self.m.state(r.graph, r.state)
    }

    /// Enter the current state of `run` and execute it. With the history full the run stops
    /// short of it (and the execution fails when the step ends).
    pub(super) fn enter(&mut self, run: RunId) -> Outcome {
        if self.history_full() {
            return Outcome::Blocked;
        }
        if let Some(failure) = self.child_history_full(run) {
            return Outcome::Failed(failure);
        }
        let st = self.state_of(run);
        let input = match self.run_mut(run).data_text.take() {
            Some(text) => text,
            None => crate::json_text::shared_text(&self.run(run).data),
        };
        self.run_mut(run).entered_text = Some(input.clone());
        let prev = self.run(run).last_event;
        let id = self.emit(Some(run), st.entered_event_type(), Details::StateEntered { name: st.name.clone(), input });
        let now = self.now;
        let r = self.run_mut(run);
        r.entered_event = id;
        r.entered_prev = prev;
        r.entered_ms = now;
        r.retry_counts.clear();
        r.retry_counts.resize(st.retry.len(), 0);
        r.retries_total = 0;
        r.task_token = None;
        self.execute(run)
    }

    /// The output that replaces a run's data: written into the data where it stands when
    /// nothing else shares it (`undo` keeps what it held), in a new allocation otherwise.
    fn replace_data(&mut self, run: RunId, output: Value, undo: &mut PendingUndo<'m>) -> Arc<Value> {
        let data = &mut self.run_mut(run).data;
        match Arc::get_mut(data) {
            Some(slot) => {
                *undo = PendingUndo::Whole(std::mem::replace(slot, output));
                data.clone()
            }
            None => Arc::new(output),
        }
    }

    /// The input text the current state's Entered event quotes. The run's data is still
    /// exactly that input but for the state's own write as it leaves: nothing else changes it
    /// between entering and leaving, however many steps later that is (a task's result, a
    /// timer, a retry), and a failure after that write undoes it.
    fn entered_text(&self, run: RunId) -> Option<&str> {
        self.run(run).entered_text.as_deref()
    }

    /// A field evaluation failed: report it as AWS does, naming the state and its entry event.
    pub(super) fn eval_failed(&mut self, run: RunId, e: EvalError) -> Outcome {
        let st = self.state_of(run);
        let f = e.located(&st.name, self.run(run).entered_event);
        if e.error == names::QUERY_EVALUATION_ERROR {
            // AWS records a failed JSONata evaluation in an EvaluationFailed event before acting
            // on the failure. As recorded, it follows the event before the state's Entered event,
            // except in a Wait state, where it follows the Entered event.
            if !matches!(st.kind, Kind::Wait(_)) {
                let prev = self.run(run).entered_prev;
                self.run_mut(run).last_event = prev;
            }
            let location = field_of(&e.detail);
            let (error, cause) = (f.error.clone().unwrap_or_default(), f.cause.clone().unwrap_or_default());
            self.emit(Some(run), "EvaluationFailed", Details::EvaluationFailed { error, cause, location, state: st.name.to_string() });
            // A Map state whose items (or other fields) fail to evaluate also fails as a Map.
            if matches!(st.kind, Kind::Map(_)) {
                self.emit(Some(run), "MapStateFailed", Details::None);
            }
        }
        self.handle_failure(run, f)
    }

    /// Do what the current state does (again, after a retry).
    pub(super) fn execute(&mut self, run: RunId) -> Outcome {
        let st = self.state_of(run);
        let data = self.run(run).data.clone();
        let r = match &st.kind {
            Kind::Pass { result } => self.pass(run, st, result.as_ref(), &data),
            Kind::Succeed => self.effective_input(run, st, &data, false).map(|eff| Flow::Exit(Exit::plain(eff))),
            Kind::Fail { error, cause } => self.fail(run, error.as_ref(), cause.as_ref(), &data).map(Flow::Done),
            Kind::Choice { choices, default } => self.choice(run, st, choices, *default, &data),
            Kind::Wait(w) => self.wait(run, st, w, &data),
            Kind::Task(t) => self.schedule_task(run, st, t, &data).map(Flow::Done),
            Kind::Parallel { branches } => self.start_parallel(run, st, branches, &data).map(Flow::Done),
            Kind::Map(ms) => self.start_map(run, st, ms, &data).map(Flow::Done),
        };
        drop(data);
        match r {
            Ok(Flow::Exit(exit)) => self.complete(run, exit),
            Ok(Flow::Done(outcome)) => outcome,
            Err(e) => self.eval_failed(run, e),
        }
    }

    /// InputPath, then (when `with_parameters`) Parameters / Arguments.
    pub(super) fn effective_input(&mut self, run: RunId, st: &State, data: &Value, with_parameters: bool) -> Result<Value, EvalError> {
        self.effective_input_ref(run, st, data, with_parameters).map(Cow::into_owned)
    }

    /// [`Self::effective_input`] without copying the input when nothing changes it.
    pub(super) fn effective_input_ref<'v>(
        &mut self,
        run: RunId,
        st: &State,
        data: &'v Value,
        with_parameters: bool,
    ) -> Result<Cow<'v, Value>, EvalError> {
        match st.query_language {
            QueryLanguage::JsonPath => {
                let eff = match &st.io.input_path {
                    crate::model::PathField::Whole => Cow::Borrowed(data),
                    other => Cow::Owned(self.path_field(run, data, other)?),
                };
                match (&st.io.parameters, with_parameters) {
                    (Some(p), true) => self.eval(run, p, &eff, Extra::default()).map(Cow::Owned),
                    _ => Ok(eff),
                }
            }
            QueryLanguage::Jsonata => match (&st.io.arguments, with_parameters) {
                (Some(a), true) => self.eval(run, a, data, Extra::default()).map(Cow::Owned),
                _ => Ok(Cow::Borrowed(data)),
            },
        }
    }

    fn pass(&mut self, run: RunId, st: &State, result: Option<&Value>, data: &Value) -> Result<Flow<'m>, EvalError> {
        let value = match (st.query_language, result) {
            (QueryLanguage::JsonPath, Some(r)) => {
                // InputPath still applies (and can fail) even though Result ignores it.
                self.effective_input_ref(run, st, data, false)?;
                r.clone()
            }
            _ => self.effective_input(run, st, data, true)?,
        };
        Ok(Flow::Exit(Exit::plain(value)))
    }

    fn fail(&mut self, run: RunId, error: Option<&StringSource>, cause: Option<&StringSource>, data: &Value) -> Result<Outcome, EvalError> {
        let error = self.string_source(run, error, data)?;
        let cause = self.string_source(run, cause, data)?;
        Ok(Outcome::Failed(Failure { error, cause }))
    }

    fn string_source(&mut self, run: RunId, s: Option<&StringSource>, data: &Value) -> Result<Option<String>, EvalError> {
        match s {
            None => Ok(None),
            Some(StringSource::Literal(v)) => Ok(Some(v.clone())),
            Some(StringSource::Dynamic { field, template }) => {
                let v = match template {
                    Template::Path { path, .. } => self.select(run, path, data).ok_or_else(|| {
                        EvalError::runtime(format!(
                            "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                            path.as_str(),
                            compact(data)
                        ))
                    })?,
                    t => self.eval(run, t, data, Extra::default())?,
                };
                match v {
                    Value::String(s) => Ok(Some(s)),
                    other => Ok(Some(compact(&other))),
                }
            }
        }
    }

    fn choice(
        &mut self,
        run: RunId,
        st: &'m State,
        choices: &'m [crate::model::ChoiceBranch],
        default: Option<StateId>,
        data: &Value,
    ) -> Result<Flow<'m>, EvalError> {
        let eff = self.effective_input(run, st, data, false)?;
        for c in choices {
            let matched = match &c.condition {
                Condition::Rule(rule) => self.with_env(run, &eff, Extra::default(), |env| {
                    let mut ce = ChoiceEnvAdapter { env };
                    crate::choice::evaluate(rule, &mut ce)
                })
                .map_err(|e| match e {
                    crate::choice::ChoiceError::Env(e) => e,
                    other => EvalError::runtime(other.to_string()),
                })?,
                Condition::Jsonata(t) => match self.eval(run, t, data, Extra::default())? {
                    Value::Bool(b) => b,
                    other => {
                        return Err(EvalError::query(format!(
                            "The JSONata expression specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '{}' for value: {}",
                            crate::jsonata::json_type_name(&other),
                            compact(&other)
                        )))
                    }
                },
            };
            if matched {
                let exit = Exit { result: eff, next: Some(c.next), assign: c.assign.as_ref(), output: c.output.as_ref(), error_output: None };
                return Ok(Flow::Exit(exit));
            }
        }
        match default {
            Some(d) => Ok(Flow::Exit(Exit { next: Some(d), ..Exit::plain(eff) })),
            None => Ok(Flow::Done(self.handle_failure(
                run,
                Failure::new(names::NO_CHOICE_MATCHED, format!("No Matches! (state '{}')", st.name)),
            ))),
        }
    }

    fn wait(&mut self, run: RunId, st: &State, w: &Wait, data: &Value) -> Result<Flow<'m>, EvalError> {
        let eff = self.effective_input(run, st, data, false)?;
        let fire_at = match w {
            Wait::Seconds(n) => {
                let v = self.number_value(run, n, &eff)?;
                let secs = wait_seconds(&v, n)?;
                self.now.saturating_add(secs.saturating_mul(1000))
            }
            Wait::TimestampLiteral(s) => timestamp_ms(s).ok_or_else(|| {
                EvalError::runtime(format!("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {s}"))
            })?,
            Wait::TimestampPath(p) => {
                let v = self.select(run, p, &eff).ok_or_else(|| {
                    EvalError::runtime(format!("Invalid path '{}' : No results for path: {}", p.as_str(), p.normalized()))
                })?;
                let text = match &v {
                    Value::String(s) => s.clone(),
                    other => compact(other),
                };
                v.as_str().and_then(timestamp_ms).ok_or_else(|| {
                    EvalError::runtime(format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {text}",
                        p.as_str()
                    ))
                })?
            }
            Wait::TimestampExpr(t) => {
                let v = self.eval(run, t, data, Extra::default())?;
                let text = match &v {
                    Value::String(s) => s.clone(),
                    other => compact(other),
                };
                v.as_str().and_then(timestamp_ms).ok_or_else(|| {
                    EvalError::query(format!("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"))
                })?
            }
        };
        if fire_at <= self.now {
            return Ok(Flow::Exit(Exit::plain(eff)));
        }
        let timer = self.timer(Waiter::Wait(run), fire_at);
        self.run_mut(run).phase = Phase::Wait { timer, result: eff };
        Ok(Flow::Done(Outcome::Blocked))
    }

    fn schedule_task(&mut self, run: RunId, st: &State, t: &Task, data: &Value) -> Result<Outcome, EvalError> {
        if t.waits_for_token() {
            let token = self.rng.uuid();
            self.run_mut(run).task_token = Some(token);
        }
        // The input is the state's data itself unless InputPath or Parameters make another:
        // then it is shared, not copied, and its text is the one the Entered event quotes.
        let (input, input_text) = match self.effective_input_ref(run, st, data, true)? {
            Cow::Borrowed(_) => {
                let text = self.entered_text(run).map_or_else(|| compact(data), str::to_string);
                (self.run(run).data.clone(), text)
            }
            Cow::Owned(v) => {
                let text = compact(&v);
                (Arc::new(v), text)
            }
        };
        let timeout_seconds = match &t.timeout {
            Some(n) => Some(self.positive_seconds(run, n, data, "TimeoutSeconds")?),
            None => None,
        };
        let heartbeat_seconds = match &t.heartbeat {
            Some(n) => Some(self.positive_seconds(run, n, data, "HeartbeatSeconds")?),
            None => None,
        };
        let context = self.with_env(run, data, Extra::default(), |env| env.context.text());
        let work = self.work_id();
        self.x.waits.insert(work, Waiter::Task(run));
        let (resource_type, resource) = split_resource(&t.resource);
        let family = Family::of(&t.resource);
        let details = match family {
            Family::Task => Details::TaskScheduled {
                resource_type: resource_type.clone(),
                resource: resource.clone(),
                region: region_of(&t.resource, &self.x.info.state_machine_arn),
                parameters: input_text.clone(),
                timeout_seconds,
                heartbeat_seconds,
            },
            Family::Lambda => Details::LambdaScheduled { resource: t.resource.clone(), input: input_text.clone(), timeout_seconds },
            Family::Activity => Details::ActivityScheduled {
                resource: t.resource.clone(),
                input: input_text.clone(),
                timeout_seconds,
                heartbeat_seconds,
            },
        };
        self.emit(Some(run), family.scheduled(), details);
        let task_token = self.run(run).task_token.clone();
        self.out.work.push(Work::RunTask(TaskRequest {
            id: work,
            state_name: st.name.to_string(),
            resource: t.resource.clone(),
            input,
            input_text,
            context,
            timeout_seconds,
            heartbeat_seconds,
            task_token,
        }));
        let timeout_timer = timeout_seconds.map(|s| self.timer(Waiter::TaskTimeout(run), self.now.saturating_add(s as i64 * 1000)));
        let heartbeat_timer = heartbeat_seconds.map(|s| self.timer(Waiter::Heartbeat(run), self.now.saturating_add(s as i64 * 1000)));
        self.run_mut(run).phase =
            Phase::Task(TaskPhase { work, family, resource_type, resource, timeout_timer, heartbeat_timer, heartbeat_seconds, submitted: false });
        Ok(Outcome::Blocked)
    }

    fn positive_seconds(&mut self, run: RunId, n: &crate::model::Number, data: &Value, field: &str) -> Result<u64, EvalError> {
        let selected;
        let input = if matches!(n, crate::model::Number::Path(_)) {
            selected = self.path_field(run, data, &self.state_of(run).io.input_path)?;
            &selected
        } else {
            data
        };
        let v = self.number_value(run, n, input)?;
        match v.as_f64() {
            Some(f) if f >= 1.0 && f.fract() == 0.0 && f <= 99_999_999.0 => Ok(f as u64),
            _ => Err(EvalError::runtime(format!("The {field} value '{}' is not a valid positive integer", compact(&v)))),
        }
    }

    /// Leave the current state with `exit`: ResultSelector, ResultPath, OutputPath (or JSONata
    /// Output), Assign, the payload limit, the Exited event, and the transition.
    pub(super) fn complete(&mut self, run: RunId, exit: Exit<'m>) -> Outcome {
        match self.try_complete(run, exit) {
            Ok(o) => o,
            Err(Ok(e)) => self.eval_failed(run, e),
            Err(Err(f)) => self.handle_failure(run, f),
        }
    }

    fn try_complete(&mut self, run: RunId, exit: Exit<'m>) -> Result<Outcome, Result<EvalError, Failure>> {
        let mut undo = PendingUndo::None;
        let r = self.try_complete_in_place(run, exit, &mut undo);
        if r.is_err() {
            // A Catch sees the state's input as it was.
            match undo {
                PendingUndo::None => {}
                PendingUndo::Path(path, undo) => undo.undo(path, Arc::make_mut(&mut self.run_mut(run).data)),
                PendingUndo::Whole(old) => *Arc::make_mut(&mut self.run_mut(run).data) = old,
            }
        }
        r
    }

    /// [`Self::try_complete`], writing ResultPath into the run's data in place (a copy only
    /// when something else shares it); `undo` records that write.
    fn try_complete_in_place(
        &mut self,
        run: RunId,
        exit: Exit<'m>,
        undo: &mut PendingUndo<'m>,
    ) -> Result<Outcome, Result<EvalError, Failure>> {
        let st = self.state_of(run);
        // A Catch replaces the state's own Assign: only the catcher's runs.
        let assign = if exit.error_output.is_some() { exit.assign } else { exit.assign.or(st.assign.as_ref()) };
        // Set when ResultPath appended one member to the state's input object in place and
        // OutputPath keeps everything: the output's text is then the input's plus that member.
        let mut appended: Option<&'m str> = None;
        let (output, assigned) = match st.query_language {
            QueryLanguage::JsonPath => {
                let selected = match (&st.io.result_selector, exit.error_output.is_some()) {
                    (Some(rs), false) => self.eval(run, rs, &exit.result, Extra::default()).map_err(Ok)?,
                    _ => exit.result,
                };
                let assigned = match assign {
                    Some(a) => Some(self.eval(run, a, &selected, Extra::default()).map_err(Ok)?),
                    None => None,
                };
                let merged = match (&st.io.result_path, exit.error_output.is_some()) {
                    // A Catch already applied its own ResultPath to build `result`.
                    (_, true) => Arc::new(selected),
                    (ResultPath::Replace, false) => self.replace_data(run, selected, undo),
                    (ResultPath::Discard, false) => self.run(run).data.clone(),
                    (ResultPath::Path(p), false) => {
                        let data = Arc::make_mut(&mut self.run_mut(run).data);
                        match p.write_in_place(data, selected) {
                            Ok(u) => {
                                appended = u.appended_member(p);
                                *undo = PendingUndo::Path(p, u);
                            }
                            Err(_) => return Err(Ok(result_path_failure(p, data))),
                        }
                        self.run(run).data.clone()
                    }
                };
                let output = match &st.io.output_path {
                    crate::model::PathField::Whole => merged,
                    other if exit.error_output.is_none() => {
                        appended = None;
                        Arc::new(self.path_field(run, &merged, other).map_err(Ok)?)
                    }
                    _ => merged,
                };
                (output, assigned)
            }
            QueryLanguage::Jsonata => {
                let is_result_state = matches!(st.kind, Kind::Task(_) | Kind::Map(_) | Kind::Parallel { .. });
                let extra = Extra {
                    result: if is_result_state && exit.error_output.is_none() { Some(&exit.result) } else { None },
                    error_output: exit.error_output.as_ref(),
                };
                let output_t = if exit.error_output.is_some() { exit.output } else { exit.output.or(st.io.output.as_ref()) };
                let data = self.run(run).data.clone();
                let output = match output_t {
                    Some(t) => self.eval(run, t, &data, extra).map_err(Ok)?,
                    None => exit.result.clone(),
                };
                let assigned = match assign {
                    Some(a) => Some(self.eval(run, a, &data, extra).map_err(Ok)?),
                    None => None,
                };
                drop(data);
                (self.replace_data(run, output, undo), assigned)
            }
        };
        // Bounded before anything recursive writes or copies it. An appended member is all
        // that is new: the input is within the bound already.
        let too_deep = match appended.and_then(|key| output.as_object()?.get(key)) {
            Some(added) => super::dataflow::nesting_exceeds(added, super::dataflow::MAX_NESTING - 1),
            None => super::dataflow::nesting_exceeds(&output, super::dataflow::MAX_NESTING),
        };
        if too_deep {
            return Err(Err(super::dataflow::nested_too_deeply(&st.name, None)));
        }
        if let Some((k, _)) = assigned.as_ref().and_then(Value::as_object).and_then(|vars| {
            vars.iter().find(|(_, v)| super::dataflow::nesting_exceeds(v, super::dataflow::MAX_NESTING))
        }) {
            return Err(Err(super::dataflow::nested_too_deeply(&st.name, Some(k))));
        }
        // The history needs the output as text anyway; its length is the payload size.
        let output_text = match appended.and_then(|key| Some((key, self.entered_text(run)?))) {
            Some((key, input_text)) => {
                // The appended member is the object's last.
                let text = match output.as_object().and_then(|m| m.iter().next_back()) {
                    Some((k, added)) if k == key => crate::json_text::append_member(input_text, key, added),
                    _ => None,
                };
                let text = text.unwrap_or_else(|| crate::json_text::shared_text(&output));
                debug_assert_eq!(*text, *compact(&output), "the output's text is the text of the output");
                text
            }
            None => crate::json_text::shared_text(&output),
        };
        if output_text.len() > MAX_PAYLOAD_BYTES {
            return Err(Err(payload_too_large(Some(&st.name))));
        }
        let assigned_text = match assigned {
            Some(Value::Object(vars)) => {
                let mut texts = Map::new();
                let mut block = 0usize;
                let mut added = 0usize;
                let mut removed = 0usize;
                for (k, v) in &vars {
                    let text = compact(v);
                    if text.len() > MAX_VARIABLE_BYTES {
                        return Err(Err(Failure::new(
                            names::DATA_LIMIT_EXCEEDED,
                            format!("The variable '{k}' assigned in state '{}' has a size exceeding the maximum of {MAX_VARIABLE_BYTES} bytes.", st.name),
                        )));
                    }
                    block += text.len() + k.len();
                    added += text.len();
                    if let Some(old) = self.run(run).vars.get(k) {
                        removed += compact(old).len();
                    }
                    texts.insert(k.clone(), Value::String(text));
                }
                if block > MAX_VARIABLE_BYTES {
                    return Err(Err(Failure::new(
                        names::DATA_LIMIT_EXCEEDED,
                        format!("The Assign field of state '{}' has a size exceeding the maximum of {MAX_VARIABLE_BYTES} bytes.", st.name),
                    )));
                }
                let total = (self.x.variable_bytes + added).saturating_sub(removed);
                if total > MAX_EXECUTION_VARIABLE_BYTES {
                    return Err(Err(Failure::new(
                        names::DATA_LIMIT_EXCEEDED,
                        format!(
                            "The variables of the execution would exceed the maximum total size of {MAX_EXECUTION_VARIABLE_BYTES} bytes in state '{}'.",
                            st.name
                        ),
                    )));
                }
                self.x.variable_bytes = total;
                let r = self.run_mut(run);
                for (k, v) in vars {
                    r.vars.insert(k, v);
                }
                Some(texts)
            }
            _ => None,
        };
        let next = exit.next.map(Transition::Next).unwrap_or(st.transition);
        // The next state's Entered event, or the execution's end, quotes this same text: keep a
        // copy. A branch or an iteration that ends has no use for it.
        let keep_text = matches!(next, Transition::Next(_)) || self.run(run).parent.is_none();
        let (event_text, kept) = if keep_text { (output_text.clone(), Some(output_text)) } else { (output_text, None) };
        self.emit(
            Some(run),
            st.exited_event_type(),
            Details::StateExited { name: st.name.clone(), output: event_text, assigned_variables: assigned_text },
        );
        self.run_mut(run).data_text = kept;
        Ok(match next {
            Transition::Next(s) => Outcome::Next(s, output),
            Transition::End => {
                // The run's data is not needed any more: let go of it so the output need not be copied.
                let null = self.x.null.clone();
                self.run_mut(run).data = null;
                Outcome::End(Arc::try_unwrap(output).unwrap_or_else(|shared| (*shared).clone()))
            }
        })
    }

    /// An error in the current state: retry it, catch it, or fail the run.
    /// Whether `failure` of the current state of `run` will be retried (a matching retrier has
    /// attempts left).
    pub(super) fn will_retry(&self, run: RunId, failure: &Failure) -> bool {
        self.retry_for(run, failure).is_some()
    }

    /// The retrier of the current state of `run` that retries `failure` (the first whose
    /// ErrorEquals matches it, if that one has attempts left), its index and the attempts made.
    fn retry_for(&self, run: RunId, failure: &Failure) -> Option<(usize, &'m Retrier, u64)> {
        let st = self.state_of(run);
        let (i, retrier) = st.retry.iter().enumerate().find(|(_, r)| failure.matches(&r.error_equals))?;
        let attempts = self.run(run).retry_counts.get(i).copied().unwrap_or(0);
        (attempts < retrier.max_attempts).then_some((i, retrier, attempts))
    }

    pub(super) fn handle_failure(&mut self, run: RunId, failure: Failure) -> Outcome {
        let st = self.state_of(run);
        if let Some((i, retrier, attempts)) = self.retry_for(run, &failure) {
            let mut delay = retrier.interval_seconds * retrier.backoff_rate.powi(attempts.min(1000) as i32);
            if let Some(max) = retrier.max_delay_seconds {
                delay = delay.min(max);
            }
            if retrier.jitter == Jitter::Full {
                delay *= self.rng.next_f64();
            }
            let delay_ms = (delay * 1000.0).clamp(0.0, 1e15) as i64;
            let r = self.run_mut(run);
            if let Some(c) = r.retry_counts.get_mut(i) {
                *c += 1;
            }
            r.retries_total += 1;
            let timer = self.timer(Waiter::Retry(run), self.now.saturating_add(delay_ms));
            self.run_mut(run).phase = Phase::Retry { timer };
            return Outcome::Blocked;
        }
        if let Some(c) = st.catch.iter().find(|c| failure.matches(&c.error_equals)) {
            let error_output = failure.to_output();
            let result = match st.query_language {
                QueryLanguage::JsonPath => {
                    let data = self.run(run).data.clone();
                    match apply_result_path(&data, &c.result_path, error_output.clone()) {
                        Ok(v) => v,
                        Err(e) => {
                            let f = e.located(&st.name, self.run(run).entered_event);
                            return Outcome::Failed(f);
                        }
                    }
                }
                QueryLanguage::Jsonata => error_output.clone(),
            };
            let exit = Exit {
                result,
                next: Some(c.next),
                assign: c.assign.as_ref(),
                output: c.output.as_ref(),
                error_output: Some(error_output),
            };
            let entered = self.run(run).entered_event;
            return match self.try_complete(run, exit) {
                Ok(o) => o,
                Err(Ok(e)) => Outcome::Failed(e.located(&st.name, entered)),
                Err(Err(f)) => Outcome::Failed(f),
            };
        }
        Outcome::Failed(failure)
    }

    // ---- task events -------------------------------------------------------------------

    fn task_phase(&mut self, id: WorkId) -> Option<RunId> {
        match self.x.waits.get(&id) {
            Some(Waiter::Task(run)) => Some(*run),
            _ => None,
        }
    }

    pub(super) fn task_started(&mut self, id: WorkId, worker: Option<String>) {
        let Some(run) = self.task_phase(id) else { return };
        if let Phase::Task(t) = &self.run(run).phase {
            let d = match t.family {
                Family::Task => Details::TaskStarted { resource_type: t.resource_type.clone(), resource: t.resource.clone() },
                Family::Lambda => Details::None,
                Family::Activity => Details::ActivityStarted { worker_name: worker },
            };
            let ty = t.family.started();
            self.emit(Some(run), ty, d);
        }
    }

    /// The integration of a `.waitForTaskToken` or `.sync` Task answered: AWS records its
    /// response in a TaskSubmitted event; the task keeps waiting for its token or its job.
    pub(super) fn task_submitted(&mut self, id: WorkId, output: Value) {
        let Some(run) = self.task_phase(id) else { return };
        if let Phase::Task(t) = &mut self.run_mut(run).phase {
            if t.family != Family::Task || t.submitted {
                return;
            }
            t.submitted = true;
            let d = Details::TaskSubmitted { resource_type: t.resource_type.clone(), resource: t.resource.clone(), output: compact(&output) };
            self.emit(Some(run), "TaskSubmitted", d);
        }
    }

    fn take_task(&mut self, run: RunId) -> Option<TaskPhase> {
        match std::mem::replace(&mut self.run_mut(run).phase, Phase::Idle) {
            Phase::Task(t) => {
                self.x.waits.remove(&t.work);
                if let Some(id) = t.timeout_timer {
                    self.cancel(id);
                }
                if let Some(id) = t.heartbeat_timer {
                    self.cancel(id);
                }
                Some(t)
            }
            other => {
                self.run_mut(run).phase = other;
                None
            }
        }
    }

    pub(super) fn task_succeeded(&mut self, id: WorkId, output: Value, logs: Option<Value>) {
        let Some(run) = self.task_phase(id) else { return };
        let Some(t) = self.take_task(run) else { return };
        let (ty, member) = t.family.succeeded();
        let text = compact(&output);
        // The text the event quotes is the result's size: no second walk over the result.
        let too_large = text.len() > MAX_PAYLOAD_BYTES;
        let d = match t.family {
            Family::Task => Details::TaskSucceeded { resource_type: t.resource_type, resource: t.resource, output: text, logs },
            _ => Details::Output { member, output: text, logs },
        };
        self.emit(Some(run), ty, d);
        let outcome = if too_large {
            let f = payload_too_large(Some(&self.state_of(run).name));
            self.handle_failure(run, f)
        } else {
            self.complete(run, Exit::plain(output))
        };
        self.follow(run, outcome);
    }

    pub(super) fn task_failed(&mut self, id: WorkId, failure: Failure) {
        let Some(run) = self.task_phase(id) else { return };
        let Some(t) = self.take_task(run) else { return };
        let (event_type, member) = t.family.failed();
        let d = Details::ErrorCause {
            member,
            resource: (t.family == Family::Task).then_some((t.resource_type, t.resource)),
            error: failure.error.clone(),
            cause: failure.cause.clone(),
        };
        self.emit(Some(run), event_type, d);
        let outcome = self.handle_failure(run, failure);
        self.follow(run, outcome);
    }

    pub(super) fn task_timed_out(&mut self, run: RunId, error: &'static str) {
        if self.x.runs.get(run).and_then(Option::as_ref).is_none() {
            return;
        }
        let work = match &self.run(run).phase {
            Phase::Task(t) => t.work,
            _ => return,
        };
        self.out.work.push(Work::Cancel { id: work });
        let Some(t) = self.take_task(run) else { return };
        let (event_type, member) = t.family.timed_out();
        let d = Details::ErrorCause {
            member,
            resource: (t.family == Family::Task).then_some((t.resource_type, t.resource)),
            error: Some(error.to_string()),
            cause: None,
        };
        self.emit(Some(run), event_type, d);
        let outcome = self.handle_failure(run, Failure { error: Some(error.to_string()), cause: None });
        self.follow(run, outcome);
    }

    pub(super) fn task_heartbeat(&mut self, id: WorkId) {
        let Some(run) = self.task_phase(id) else { return };
        let (old, secs) = match &self.run(run).phase {
            Phase::Task(t) => (t.heartbeat_timer, t.heartbeat_seconds),
            _ => return,
        };
        let (Some(old), Some(secs)) = (old, secs) else { return };
        self.cancel(old);
        let new = self.timer(Waiter::Heartbeat(run), self.now.saturating_add(secs as i64 * 1000));
        if let Phase::Task(t) = &mut self.run_mut(run).phase {
            t.heartbeat_timer = Some(new);
        }
    }
}

struct ChoiceEnvAdapter<'e, 'a> {
    env: &'e mut crate::env::Env<'a>,
}

impl crate::choice::ChoiceEnv for ChoiceEnvAdapter<'_, '_> {
    type Error = EvalError;
    fn resolve(&mut self, path: &str) -> Result<Option<Value>, EvalError> {
        let p = crate::jsonpath::JsonPath::parse(path).map_err(|e| EvalError::runtime(format!("Invalid path '{path}': {e}")))?;
        Ok(self.env.select(&p))
    }
}

fn wait_seconds(v: &Value, n: &crate::model::Number) -> Result<i64, EvalError> {
    let path = match n {
        crate::model::Number::Path(p) => p.as_str().to_string(),
        _ => String::new(),
    };
    let shown = match v {
        Value::String(s) => s.clone(),
        other => compact(other),
    };
    let as_int = match v {
        Value::Number(num) => num.as_i64().or_else(|| num.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18).map(|f| f as i64)),
        _ => None,
    };
    match (as_int, n) {
        (Some(i), _) if i >= 0 => Ok(i),
        (Some(_), crate::model::Number::Path(_)) => {
            Err(EvalError::runtime(format!("The SecondsPath parameter references a negative value: {path} == {shown}")))
        }
        (None, crate::model::Number::Path(_)) => {
            Err(EvalError::runtime(format!("The SecondsPath parameter cannot be parsed as a long value: {path} == {shown}")))
        }
        (_, crate::model::Number::Expr(_)) => Err(EvalError::query(format!(
            "The Seconds field must be a non-negative integer, but was: {shown}"
        ))),
        _ => Err(EvalError::runtime(format!("The Seconds value must be a non-negative integer, but was: {shown}"))),
    }
}

fn timestamp_ms(s: &str) -> Option<i64> {
    crate::timestamp::parse_timestamp(s).map(|t| t.as_millisecond())
}

/// `arn:aws:states:::lambda:invoke` → ("lambda", "invoke"); `arn:aws:lambda:..:function:f` →
/// ("lambda", "invoke"); `wasm:name` → ("wasm", "name"); activities → ("activity", name).
pub fn split_resource(resource: &str) -> (String, String) {
    let parts: Vec<&str> = resource.split(':').collect();
    if parts.len() >= 6 && parts[0] == "arn" {
        match parts[2] {
            "states" if parts[5] == "activity" => return ("activity".into(), parts[6..].join(":")),
            "states" => return (parts[5].to_string(), parts[6..].join(":")),
            "lambda" => return ("lambda".into(), "invoke".into()),
            other => return (other.to_string(), parts[5..].join(":")),
        }
    }
    match resource.split_once(':') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => ("wasm".to_string(), resource.to_string()),
    }
}

/// The region a Task's resource is in, as TaskScheduled reports it: the resource ARN's; for an
/// ARN without one (`arn:aws:states:::lambda:invoke`), the region of the execution's state
/// machine ARN (where the execution runs); for a resource that is no ARN (`wasm:f`), "local".
fn region_of(resource: &str, state_machine_arn: &str) -> String {
    let arn_region = |arn: &str| {
        let parts: Vec<&str> = arn.split(':').collect();
        (parts[0] == "arn").then(|| parts.get(3).copied().unwrap_or_default().to_string())
    };
    match arn_region(resource) {
        Some(r) if !r.is_empty() => r,
        Some(_) => arn_region(state_machine_arn).filter(|r| !r.is_empty()).unwrap_or_else(|| "local".to_string()),
        None => "local".to_string(),
    }
}

/// The field an evaluation error's detail names (`… specified for the field 'Output/a' …`).
fn field_of(detail: &str) -> Option<String> {
    let rest = detail.split_once("for the field '")?.1;
    rest.split_once('\'').map(|(field, _)| field.to_string())
}
