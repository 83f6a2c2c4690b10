// What happened to each state of an execution, read from its history events. Pure: no DOM.

const FAILURES = new Set([
  'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed',
  'ActivityFailed', 'ActivityTimedOut', 'ActivityScheduleFailed',
  'LambdaFunctionFailed', 'LambdaFunctionTimedOut', 'LambdaFunctionStartFailed', 'LambdaFunctionScheduleFailed',
  'ParallelStateFailed', 'MapStateFailed', 'MapRunFailed', 'EvaluationFailed',
]);
const RECOVERIES = new Set(['TaskSucceeded', 'ActivitySucceeded', 'LambdaFunctionSucceeded', 'TaskSubmitted']);
const ABORTS = new Set(['TaskStateAborted', 'ParallelStateAborted', 'MapStateAborted', 'WaitStateAborted', 'MapRunAborted']);

/** The detail object of an event (its one `…EventDetails` member), or `{}`. */
export function details(e) {
  for (const k in e) if (k.endsWith('EventDetails')) return e[k] || {};
  return {};
}

/** For each event id, the name of the state it belongs to (by its chain of previousEventId links), if any. */
export function eventStates(events) {
  const names = new Map();
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const e of events) {
    const t = e.type || '';
    if (t.endsWith('StateEntered') || t.endsWith('StateExited')) names.set(e.id, details(e).name);
    else if (!t.startsWith('Execution') && !t.startsWith('MapIteration') && names.has(e.previousEventId)) {
      const prev = byId.get(e.previousEventId);
      if (prev && !(prev.type || '').endsWith('StateExited')) names.set(e.id, names.get(e.previousEventId));
    }
  }
  return names;
}

/**
 * Per state name: `{ status, entered, error, cause }` where status is one of `succeeded`, `failed`,
 * `caught`, `running`, `aborted`; states that were never entered are absent ("not reached").
 * `executionStatus` is DescribeExecution's status (RUNNING, SUCCEEDED, FAILED, ...).
 */
export function stateStatuses(events, executionStatus) {
  const byId = new Map(events.map((e) => [e.id, e]));
  const recs = new Map();
  const rec = (name) => {
    if (!recs.has(name)) recs.set(name, { entered: 0, open: 0, pending: null, last: null, outcome: null, failState: false, aborted: false, redriven: false });
    return recs.get(name);
  };
  // The state whose Entered event starts the chain of previousEventId links that `e` ends.
  const owner = (e) => {
    let cur = e;
    for (let steps = 0; cur && steps < 100000; steps++) {
      if (cur.type.endsWith('StateEntered')) return details(cur).name;
      if (!cur.previousEventId || cur.previousEventId === cur.id) break;
      cur = byId.get(cur.previousEventId);
    }
    return null;
  };
  // Open Parallel and Map states, innermost last: their Failed/Aborted events name no state and
  // may link to a branch's last event, so they belong to the innermost open one of their kind.
  const open = { Parallel: [], Map: [] };
  const kindOf = (t) => (t.startsWith('Parallel') ? 'Parallel' : t.startsWith('Map') ? 'Map' : null);
  // How the execution last ended (ExecutionFailed, ExecutionAborted, ...), for what a redrive closes.
  let ended = 'failed';
  for (const e of events) {
    const t = e.type || '';
    const d = details(e);
    const kind = kindOf(t);
    if (t.endsWith('StateEntered')) {
      const r = rec(d.name);
      r.entered++;
      r.open++;
      if (r.redriven) {
        // The state runs again after a redrive: its earlier attempt's error no longer colours it.
        r.redriven = false;
        r.last = null;
      }
      if (t === 'FailStateEntered') r.failState = true;
      if (kind) open[kind].push(d.name);
    } else if (t.endsWith('StateExited')) {
      if (kind) {
        const i = open[kind].lastIndexOf(d.name);
        if (i >= 0) open[kind].splice(i, 1);
      }
      const r = rec(d.name);
      r.open = Math.max(0, r.open - 1);
      r.outcome = r.pending ? 'caught' : 'succeeded';
      r.pending = null;
    } else if (FAILURES.has(t) || RECOVERIES.has(t) || ABORTS.has(t)) {
      const name = kind ? open[kind][open[kind].length - 1] : owner(e);
      if (name == null) continue;
      const r = rec(name);
      if (FAILURES.has(t)) {
        r.pending = { error: d.error, cause: d.cause };
        r.last = r.pending;
      } else if (RECOVERIES.has(t)) {
        r.pending = null;
      } else {
        r.aborted = true;
      }
    } else if (t === 'ExecutionFailed' || t === 'ExecutionTimedOut') {
      ended = 'failed';
      for (const r of recs.values()) {
        if (r.failState && !r.last) r.last = { error: d.error, cause: d.cause };
      }
    } else if (t === 'ExecutionAborted') {
      ended = 'aborted';
    } else if (t === 'ExecutionRedriven') {
      // The states left open by the run that ended are closed as it left them; the redrive enters
      // the unsuccessful ones again, and those entries open them anew.
      for (const r of recs.values()) {
        if (r.open === 0) continue;
        r.outcome = r.pending ? 'failed' : r.aborted ? 'aborted' : ended;
        r.open = 0;
        r.pending = null;
        r.aborted = false;
        r.redriven = true;
      }
      open.Parallel.length = 0;
      open.Map.length = 0;
    }
  }
  const out = new Map();
  for (const [name, r] of recs) {
    let status;
    if (r.failState) status = 'failed';
    else if (r.open > 0 && r.pending) status = 'failed';
    else if (r.open > 0 && r.aborted) status = 'aborted';
    else if (r.open > 0) status = executionStatus === 'RUNNING' ? 'running' : executionStatus === 'ABORTED' ? 'aborted' : 'failed';
    else status = r.outcome || 'succeeded';
    out.set(name, { status, entered: r.entered, error: r.last?.error, cause: r.last?.cause });
  }
  return out;
}
