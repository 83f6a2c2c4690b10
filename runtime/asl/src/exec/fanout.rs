//! Parallel branches and Map iterations: child runs started within MaxConcurrency, their results
//! gathered in order, failures tolerated or propagated.

use serde_json::{Map, Value};

use super::dataflow::Extra;
use super::map_run::{End, MapRunInfo, MapRunStart};
use super::{Outcome, Phase, RunId, Stepper};
use crate::error::{compact, names, EvalError, Failure};
use crate::events::Details;
use crate::model::{GraphId, MapMode, MapState, Number, PathField, QueryLanguage, State, StateId};

#[derive(Debug)]
enum Kind {
    Parallel { branches: Vec<GraphId> },
    Map { processor: GraphId, mode: MapMode, items: Vec<Value> },
}

/// The results of the branches or iterations that succeeded, by position, when a Parallel or
/// Map state failed or was aborted. A redrive arms them ([`Kept::armed`]); entering that same
/// state again then starts with them and runs only the other children, as AWS's
/// RedriveExecution "reschedules and redrives only the iterations and branches that failed or
/// aborted". A child that runs again starts from its beginning. Any other entry of the state
/// (a Retry, a loop back to it) runs every child.
#[derive(Debug)]
pub(super) struct Kept {
    graph: GraphId,
    state: StateId,
    results: Vec<Option<Value>>,
    pub(super) armed: bool,
}

/// How many child executions a Distributed Map runs at once when its MaxConcurrency is 0 or
/// absent ("Step Functions runs 10,000 parallel child workflow executions" unless told).
const DISTRIBUTED_DEFAULT_CONCURRENCY: usize = 10_000;

/// The bookkeeping of a running Parallel or Map state.
#[derive(Debug)]
pub(super) struct Fanout {
    kind: Kind,
    /// Map: what ItemSelector sees as `$`; Parallel: every branch's input.
    effective: Value,
    results: Vec<Option<Value>>,
    /// Which children succeeded (a tolerated Map failure has a result too).
    succeeded: Vec<bool>,
    running: Vec<RunId>,
    next: usize,
    done: usize,
    /// 0 = unlimited.
    pub(super) max_concurrency: usize,
    pub(super) failed: usize,
    pub(super) tolerated_count: Option<u64>,
    pub(super) tolerated_percentage: Option<f64>,
    pub(super) failure: Option<Failure>,
    pumping: bool,
    /// Map: the event the next MapIterationStarted follows. AWS chains the iterations started
    /// at once to MapStateStarted, and one started when another ends to that iteration's last
    /// event (not to its MapIterationSucceeded).
    launch_from: u64,
    /// A Distributed Map's run: its iterations are child executions.
    pub(super) map_run: Option<MapRunInfo>,
    /// ItemSelector was applied to each item before the items were batched.
    items_selected: bool,
}

impl Fanout {
    fn total(&self) -> usize {
        self.results.len()
    }

    fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map { .. })
    }

    /// How many children may run at once: MaxConcurrency, where 0 (or none) means no limit for
    /// an inline Map and AWS's default of 10,000 child executions for a Distributed Map.
    fn concurrency_cap(&self) -> usize {
        match (self.max_concurrency, self.map_run.is_some()) {
            (0, true) => DISTRIBUTED_DEFAULT_CONCURRENCY,
            (0, false) => usize::MAX,
            (n, _) => n,
        }
    }

    /// Starts with the results a redrive kept: those children count as done and succeeded.
    fn prefill(&mut self, kept: Option<Vec<Option<Value>>>) {
        for (i, result) in kept.into_iter().flatten().enumerate() {
            if let Some(v) = result {
                self.results[i] = Some(v);
                self.succeeded[i] = true;
                self.done += 1;
            }
        }
    }
}

enum Pump {
    Pending,
    Done,
    Failed(Failure),
}

impl<'m> Stepper<'m> {
    pub(super) fn fanout_mut(&mut self, run: RunId) -> Option<&mut Fanout> {
        match &mut self.run_mut(run).phase {
            Phase::Fanout(f) => Some(f),
            _ => None,
        }
    }

    pub(super) fn start_parallel(&mut self, run: RunId, st: &State, branches: &[GraphId], data: &Value) -> Result<Outcome, EvalError> {
        let kept = self.take_kept(run, branches.len());
        let effective = self.effective_input(run, st, data, true)?;
        self.emit(Some(run), "ParallelStateStarted", Details::None);
        let mut fanout = Fanout {
            kind: Kind::Parallel { branches: branches.to_vec() },
            effective,
            results: vec![None; branches.len()],
            succeeded: vec![false; branches.len()],
            running: Vec::new(),
            next: 0,
            done: 0,
            max_concurrency: 0,
            failed: 0,
            tolerated_count: None,
            tolerated_percentage: None,
            failure: None,
            pumping: false,
            launch_from: 0,
            map_run: None,
            items_selected: false,
        };
        fanout.prefill(kept);
        self.run_mut(run).phase = Phase::Fanout(Box::new(fanout));
        let p = self.pump(run);
        Ok(self.fanout_outcome(run, p))
    }

    pub(super) fn start_map(&mut self, run: RunId, st: &State, ms: &MapState, data: &Value) -> Result<Outcome, EvalError> {
        // No S3 here: a Map that reads its items from, or writes its results to, an object
        // fails as AWS fails when it cannot, instead of iterating its input.
        if let Some(r) = &ms.item_reader {
            return Err(EvalError::new(
                names::ITEM_READER_FAILED,
                format!("The ItemReader ({r}) cannot be read: stepwasm has no S3, so a Map reads its items from its input (ItemsPath or Items)"),
            ));
        }
        if let Some(r) = &ms.result_writer {
            return Err(EvalError::new(
                names::RESULT_WRITER_FAILED,
                format!("The ResultWriter ({r}) cannot be written: stepwasm has no S3, so a Map returns its results as its output"),
            ));
        }
        let jsonata = st.query_language == QueryLanguage::Jsonata;
        let effective = self.effective_input(run, st, data, false)?;
        let items_value = match (&ms.items, jsonata) {
            (Some(t), _) => {
                let v = self.eval(run, t, data, Extra::default())?;
                if !v.is_array() {
                    let src = match t {
                        crate::template::Template::Jsonata { src, .. } => src.clone(),
                        _ => compact(&v),
                    };
                    return Err(EvalError::query(crate::jsonata::QueryError::unexpected_type(&src, "Items", "array", &v).cause));
                }
                v
            }
            (None, true) => data.clone(),
            (None, false) => match &ms.items_path {
                PathField::Path(p) => self.select(run, p, &effective).ok_or_else(|| {
                    EvalError::runtime(format!("Invalid path '{}' : No results for path: {}", p.as_str(), p.normalized()))
                })?,
                _ => effective.clone(),
            },
        };
        let Value::Array(mut items) = items_value else {
            let err = if jsonata { EvalError::query as fn(String) -> EvalError } else { EvalError::runtime as fn(String) -> EvalError };
            return Err(err(format!("Map state input must be an array but was: {}", compact(&items_value))));
        };
        let max_concurrency = match &ms.max_concurrency {
            Some(n) => self.integer_field(run, n, &effective, data, "MaxConcurrency")?,
            None => 0,
        };
        let item_count = items.len();
        // AWS applies ItemSelector to each item, then groups the selected items in batches.
        let items_selected = ms.item_batcher.is_some() && ms.item_selector.is_some();
        if items_selected {
            let scope = if jsonata { data } else { &effective };
            for (i, item) in items.iter_mut().enumerate() {
                *item = self.select_item_in(run, i, item, scope)?;
            }
        }
        if let Some(b) = &ms.item_batcher {
            let max_items = match &b.max_items_per_batch {
                Some(n) => self.integer_field(run, n, &effective, data, "MaxItemsPerBatch")?,
                None => 0,
            };
            let max_bytes = match &b.max_input_bytes_per_batch {
                Some(n) => self.integer_field(run, n, &effective, data, "MaxInputBytesPerBatch")?,
                None => 0,
            };
            let batch_input = match &b.batch_input {
                Some(t) => Some(self.eval(run, t, if jsonata { data } else { &effective }, Extra::default())?),
                None => None,
            };
            items = batch(items, max_items, max_bytes, batch_input);
        }
        let length = items.len();
        let started = self.emit(Some(run), "MapStateStarted", Details::MapStateStarted { length });
        // As recorded, a Distributed Map reads its tolerated failures as its map run starts:
        // a bad value fails the state after MapStateStarted.
        let tolerated_count = match &ms.tolerated_failure_count {
            Some(n) => {
                let c = self.integer_field(run, n, &effective, data, "ToleratedFailureCount")?;
                Some(c as u64)
            }
            None => None,
        };
        let tolerated_percentage = match &ms.tolerated_failure_percentage {
            Some(n) => Some(self.percentage_field(run, n, &effective, data)?),
            None => None,
        };
        let kept = self.take_kept(run, length);
        let map_run = (ms.mode == MapMode::Distributed).then(|| {
            // A redriven run runs only what the failed one did not finish.
            let kept_slots: Vec<usize> = kept.iter().flatten().enumerate().filter(|(_, r)| r.is_some()).map(|(i, _)| i).collect();
            let batched = ms.item_batcher.is_some();
            let kept_items: u64 = kept_slots.iter().map(|&i| super::map_run::items_in(&items[i], batched)).sum();
            let start = MapRunStart {
                arn: "".into(),
                execution_arn: None,
                state_name: st.name.clone(),
                state_machine_arn: String::new(),
                max_concurrency: max_concurrency as u64,
                tolerated_failure_count: tolerated_count,
                tolerated_failure_percentage: tolerated_percentage,
                item_count: (item_count as u64).saturating_sub(kept_items),
                execution_count: (length - kept_slots.len()) as u64,
                express_children: ms.express_children,
            };
            self.start_map_run(run, start, ms.label.as_deref(), batched)
        });
        let mut fanout = Fanout {
            kind: Kind::Map { processor: ms.processor, mode: ms.mode, items },
            effective: if jsonata { data.clone() } else { effective },
            results: vec![None; length],
            succeeded: vec![false; length],
            running: Vec::new(),
            next: 0,
            done: 0,
            max_concurrency,
            failed: 0,
            tolerated_count,
            tolerated_percentage,
            failure: None,
            pumping: false,
            launch_from: 0,
            map_run,
            items_selected,
        };
        fanout.prefill(kept);
        fanout.launch_from = started;
        self.run_mut(run).phase = Phase::Fanout(Box::new(fanout));
        let p = self.pump(run);
        Ok(self.fanout_outcome(run, p))
    }

    /// The armed [`Kept`] results of this run's current state, if they fit `len` children;
    /// any other kept results are dropped (this entry of the state is not a redrive's).
    fn take_kept(&mut self, run: RunId, len: usize) -> Option<Vec<Option<Value>>> {
        let r = self.run_mut(run);
        let k = r.kept.take()?;
        (k.armed && k.graph == r.graph && k.state == r.state && k.results.len() == len).then_some(k.results)
    }

    /// Remembers what the fanout of `run` had finished as it fails or is aborted (see [`Kept`]).
    pub(super) fn keep_finished(&mut self, run: RunId, f: &Fanout) {
        let r = self.run_mut(run);
        r.kept = f.succeeded.iter().any(|&ok| ok).then(|| {
            let results = f.results.iter().zip(&f.succeeded).map(|(v, &ok)| if ok { v.clone() } else { None }).collect();
            Box::new(Kept { graph: r.graph, state: r.state, results, armed: false })
        });
    }

    /// MaxConcurrency / ToleratedFailureCount / batch sizes: non-negative integers, with AWS's
    /// wording when a `...Path` value is not one.
    fn integer_field(&mut self, run: RunId, n: &Number, effective: &Value, data: &Value, field: &str) -> Result<usize, EvalError> {
        let input = if matches!(n, Number::Expr(_)) { data } else { effective };
        let v = self.number_value(run, n, input)?;
        // A `...Path` may reference a numeric string: AWS parses it.
        let int = match (&v, n) {
            (Value::String(s), Number::Path(_)) => s.trim().parse::<i64>().ok(),
            _ => v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        };
        match (int, n) {
            (Some(i), _) if i >= 0 => Ok(i as usize),
            (Some(_), _) => Err(EvalError::runtime(format!("{field} cannot be negative."))),
            (None, Number::Path(p)) => Err(EvalError::runtime(format!(
                "The {field}Path field refers to value \"{}\" which is not a valid integer: {}",
                display_value(&v),
                p.as_str()
            ))),
            (None, _) => Err(EvalError::new(
                if matches!(n, Number::Expr(_)) { names::QUERY_EVALUATION_ERROR } else { names::RUNTIME },
                format!("The {field} field must be a non-negative integer, but was: {}", compact(&v)),
            )),
        }
    }

    fn percentage_field(&mut self, run: RunId, n: &Number, effective: &Value, data: &Value) -> Result<f64, EvalError> {
        let input = if matches!(n, Number::Expr(_)) { data } else { effective };
        let v = self.number_value(run, n, input)?;
        let float = match (&v, n) {
            (Value::String(s), Number::Path(_)) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => v.as_f64(),
        };
        match (float, n) {
            (Some(f), _) if (0.0..=100.0).contains(&f) => Ok(f),
            (Some(_), _) => Err(EvalError::runtime("ToleratedFailurePercentage must be between 0 and 100.")),
            (None, Number::Path(p)) => Err(EvalError::runtime(format!(
                "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
                display_value(&v),
                p.as_str()
            ))),
            (None, _) => Err(EvalError::query(format!(
                "The ToleratedFailurePercentage field must be a number between 0 and 100, but was: {}",
                compact(&v)
            ))),
        }
    }

    /// Start children while there is room; report whether everything is done.
    fn pump(&mut self, run: RunId) -> Pump {
        if let Some(f) = self.fanout_mut(run) {
            f.pumping = true;
        }
        let result = loop {
            let Some(f) = self.fanout_mut(run) else { break Pump::Pending };
            if let Some(failure) = &f.failure {
                break Pump::Failed(failure.clone());
            }
            if f.done == f.total() {
                break Pump::Done;
            }
            if self.history_full() {
                break Pump::Pending;
            }
            let Some(f) = self.fanout_mut(run) else { break Pump::Pending };
            let room = f.running.len() < f.concurrency_cap();
            if f.next < f.total() && room {
                let i = f.next;
                f.next += 1;
                if !f.succeeded[i] {
                    self.launch(run, i);
                }
                continue;
            }
            break Pump::Pending;
        };
        if let Some(f) = self.fanout_mut(run) {
            f.pumping = false;
        }
        result
    }

    /// Start child `i` of the fanout of `run`.
    fn launch(&mut self, run: RunId, i: usize) {
        let (graph, input, sees_parent, mut map_item) = {
            let Some(f) = self.fanout_mut(run) else { return };
            match &f.kind {
                Kind::Parallel { branches } => (branches[i], f.effective.clone(), true, None),
                Kind::Map { processor, mode, items } => {
                    let item = items.get(i).cloned().unwrap_or(Value::Null);
                    (*processor, Value::Null, *mode == MapMode::Inline, Some((i, item)))
                }
            }
        };
        let input = match &mut map_item {
            Some((index, item)) => match self.select_item(run, *index, item) {
                Ok(v) => v,
                Err(e) => {
                    let st = self.state_of_run(run);
                    let failure = e.located(&st.name, self.run(run).entered_event);
                    if let Some(f) = self.fanout_mut(run) {
                        f.failure = Some(failure);
                    }
                    return;
                }
            },
            None => input,
        };
        if let Some(info) = self.fanout_mut(run).and_then(|f| f.map_run.take()) {
            // A child execution: nothing in the parent's history, and no `$$.Map` in its own
            // context (it is an execution of its own).
            let items = map_item.as_ref().map_or(1, |(_, item)| info.items_of(item));
            let child = self.new_run(graph, input, Some((run, i)), sees_parent, None);
            self.start_child_execution(child, &info, items);
            if let Some(f) = self.fanout_mut(run) {
                f.map_run = Some(info);
                f.running.push(child);
            }
            return self.enter_and_follow(child);
        }
        // The parent's own chain goes on from where it was; the child's starts at its
        // MapIterationStarted.
        let parent_last = self.run(run).last_event;
        if map_item.is_some() {
            let name = self.state_of_run(run).name.clone();
            if let Some(f) = self.fanout_mut(run) {
                let from = f.launch_from;
                self.run_mut(run).last_event = from;
            }
            self.emit(Some(run), "MapIterationStarted", Details::MapIteration { member: "mapIterationStartedEventDetails", name, index: i });
        }
        let child = self.new_run(graph, input, Some((run, i)), sees_parent, map_item);
        self.run_mut(run).last_event = parent_last;
        if let Some(f) = self.fanout_mut(run) {
            f.running.push(child);
        }
        self.enter_and_follow(child);
    }

    fn state_of_run(&self, run: RunId) -> &'m State {
        let r = self.run(run);
        self.m.state(r.graph, r.state)
    }

    /// ItemSelector (or the legacy Parameters) for item `index`; the bare item without one.
    /// `item` is lent to the selector's `$$.Map.Item.Value` and comes back unchanged.
    fn select_item(&mut self, run: RunId, index: usize, item: &mut Value) -> Result<Value, EvalError> {
        if self.fanout_mut(run).is_some_and(|f| f.items_selected) {
            return Ok(item.clone());
        }
        // Lend the fanout's input to the evaluation instead of copying it.
        let effective = match self.fanout_mut(run) {
            Some(f) => std::mem::take(&mut f.effective),
            None => Value::Null,
        };
        let r = self.select_item_in(run, index, item, &effective);
        if let Some(f) = self.fanout_mut(run) {
            f.effective = effective;
        }
        r
    }

    /// ItemSelector for item `index` with `$` bound to `effective`; the bare item without one.
    /// `item` is lent to `$$.Map.Item.Value` and comes back unchanged.
    fn select_item_in(&mut self, run: RunId, index: usize, item: &mut Value, effective: &Value) -> Result<Value, EvalError> {
        let st = self.state_of_run(run);
        let crate::model::Kind::Map(ms) = &st.kind else { return Ok(item.clone()) };
        let Some(selector) = &ms.item_selector else { return Ok(item.clone()) };
        let saved = self.run_mut(run).map_item.replace((index, std::mem::take(item)));
        let r = self.eval(run, selector, effective, Extra::default());
        if let Some((_, lent)) = std::mem::replace(&mut self.run_mut(run).map_item, saved) {
            *item = lent;
        }
        r
    }

    /// A child run ended.
    pub(super) fn child_finished(&mut self, parent: RunId, slot: usize, child: RunId, result: Result<Value, Failure>) {
        let child_execution = self.run(child).hist != self.run(parent).hist;
        if child_execution {
            self.end_child_execution(child, Ok(&result));
        }
        let child_last = self.run(child).last_event;
        self.free_run(child);
        let name = self.state_of_run(parent).name.clone();
        let Some(f) = self.fanout_mut(parent) else { return };
        f.running.retain(|&c| c != child);
        f.done += 1;
        if !child_execution {
            f.launch_from = child_last;
        }
        // A child execution's end is in its own history, not in the parent's.
        let is_map = f.is_map();
        let iteration_events = is_map && !child_execution;
        match result {
            Ok(v) => {
                if let Some(r) = f.results.get_mut(slot) {
                    *r = Some(v);
                    f.succeeded[slot] = true;
                }
                if iteration_events {
                    self.emit_iteration(parent, child_last, "MapIterationSucceeded", "mapIterationSucceededEventDetails", name, slot);
                }
            }
            Err(failure) => {
                if is_map {
                    f.failed += 1;
                    let exceeded = tolerance_exceeded(f);
                    if let Some(r) = f.results.get_mut(slot) {
                        *r = Some(failure.to_output());
                    }
                    if exceeded {
                        // A Distributed Map tolerates no failure unless told otherwise, and says so.
                        let threshold = f.tolerated_count.is_some() || f.tolerated_percentage.is_some() || f.map_run.is_some();
                        f.failure = Some(if threshold {
                            Failure::new(
                                names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                                "The specified tolerated failure threshold was exceeded",
                            )
                        } else {
                            failure
                        });
                    }
                    if iteration_events {
                        self.emit_iteration(parent, child_last, "MapIterationFailed", "mapIterationFailedEventDetails", name, slot);
                    }
                } else if f.failure.is_none() {
                    f.failure = Some(failure);
                }
            }
        }
        let pumping = self.fanout_mut(parent).is_some_and(|f| f.pumping);
        if !pumping {
            self.pump_and_follow(parent);
        }
    }

    /// Starts what there is room for and goes on with the state if it is done.
    pub(super) fn pump_and_follow(&mut self, run: RunId) {
        let p = self.pump(run);
        let outcome = self.fanout_outcome(run, p);
        self.follow(run, outcome);
    }

    fn emit_iteration(&mut self, parent: RunId, child_last: u64, ty: &'static str, member: &'static str, name: std::sync::Arc<str>, index: usize) {
        // AWS chains an iteration's end to the iteration's last event.
        self.run_mut(parent).last_event = child_last;
        self.emit(Some(parent), ty, Details::MapIteration { member, name, index });
    }

    /// Turn a pump result into the state's outcome.
    fn fanout_outcome(&mut self, run: RunId, p: Pump) -> Outcome {
        match p {
            Pump::Pending => Outcome::Blocked,
            Pump::Done => {
                let Phase::Fanout(f) = std::mem::replace(&mut self.run_mut(run).phase, Phase::Idle) else {
                    return Outcome::Blocked;
                };
                if let Some(info) = &f.map_run {
                    self.end_map_run(run, info, End::Succeeded("".into()));
                }
                let ty = if f.is_map() { "MapStateSucceeded" } else { "ParallelStateSucceeded" };
                let before = self.run(run).last_event;
                self.emit(Some(run), ty, Details::None);
                if let Some(info) = &f.map_run {
                    // As AWS records it since November 2024 (recordings of earlier in 2024
                    // chain it as for an inline Map), MapStateExited follows MapRunStarted.
                    self.run_mut(run).last_event = info.started_event;
                } else if f.is_map() {
                    // As recorded, MapStateExited follows what MapStateSucceeded follows.
                    self.run_mut(run).last_event = before;
                }
                let results: Vec<Value> = f.results.into_iter().map(|r| r.unwrap_or(Value::Null)).collect();
                self.complete(run, super::states::Exit::plain(Value::Array(results)))
            }
            Pump::Failed(failure) => {
                let Phase::Fanout(f) = std::mem::replace(&mut self.run_mut(run).phase, Phase::Idle) else {
                    return Outcome::Blocked;
                };
                self.keep_finished(run, &f);
                if f.is_map() && f.map_run.is_none() && f.running.is_empty() && f.launch_from != 0 {
                    // As recorded, MapStateFailed follows the failed iteration's last event, as
                    // its MapIterationFailed does.
                    self.run_mut(run).last_event = f.launch_from;
                }
                self.abort_children(run, &f);
                if let Some(info) = &f.map_run {
                    self.end_map_run(run, info, End::Failed(failure.clone()));
                }
                // As recorded, a Map state that will be retried writes no MapStateFailed: its
                // next MapStateStarted follows the failed iteration.
                if !(f.is_map() && self.will_retry(run, &failure)) {
                    let ty = if f.is_map() { "MapStateFailed" } else { "ParallelStateFailed" };
                    self.emit(Some(run), ty, Details::None);
                }
                self.handle_failure(run, failure)
            }
        }
    }

    /// Abort every running child of a fanout.
    pub(super) fn abort_children(&mut self, run: RunId, f: &Fanout) {
        let name = self.state_of_run(run).name.clone();
        for &child in &f.running {
            if self.x.runs.get(child).and_then(Option::as_ref).is_none() {
                continue;
            }
            let slot = self.run(child).parent.map(|(_, s)| s).unwrap_or(0);
            self.abort_run(child);
            if f.map_run.is_some() {
                self.end_child_execution(child, Err(Failure::default()));
            } else if f.is_map() {
                let d = Details::MapIteration { member: "mapIterationAbortedEventDetails", name: name.clone(), index: slot };
                self.emit(Some(run), "MapIterationAborted", d);
            }
            self.free_run(child);
        }
    }
}

pub(super) fn tolerance_exceeded(f: &Fanout) -> bool {
    let count_ok = f.tolerated_count.map(|c| f.failed as u64 <= c);
    let pct_ok = f.tolerated_percentage.map(|p| {
        let total = f.total().max(1) as f64;
        (f.failed as f64) * 100.0 / total <= p
    });
    match (count_ok, pct_ok) {
        (None, None) => true,
        (Some(a), None) => !a,
        (None, Some(b)) => !b,
        (Some(a), Some(b)) => !(a || b),
    }
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => compact(other),
    }
}

/// Group items for a Distributed Map `ItemBatcher`: `{"Items": [...], "BatchInput": ...}`.
fn batch(items: Vec<Value>, max_items: usize, max_bytes: usize, batch_input: Option<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cur: Vec<Value> = Vec::new();
    let mut cur_bytes = 0usize;
    let finish = |cur: &mut Vec<Value>, out: &mut Vec<Value>| {
        if cur.is_empty() {
            return;
        }
        let mut m = Map::new();
        m.insert("Items".into(), Value::Array(std::mem::take(cur)));
        if let Some(b) = &batch_input {
            m.insert("BatchInput".into(), b.clone());
        }
        out.push(Value::Object(m));
    };
    for item in items {
        let size = compact(&item).len();
        let full_items = max_items > 0 && cur.len() >= max_items;
        let full_bytes = max_bytes > 0 && !cur.is_empty() && cur_bytes + size > max_bytes;
        if full_items || full_bytes {
            finish(&mut cur, &mut out);
            cur_bytes = 0;
        }
        cur_bytes += size;
        cur.push(item);
    }
    finish(&mut cur, &mut out);
    out
}
