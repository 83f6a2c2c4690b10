// State colouring from history: run with `node --test runtime/server/console/test/`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { stateStatuses, details } from '../status.js';

/** Builds events from [type, previousEventId, details?] rows, numbering them from 1. */
function history(rows) {
  return rows.map(([type, prev, d], i) => {
    const e = { id: i + 1, previousEventId: prev, type, timestamp: 1 };
    if (d) {
      const member = type.endsWith('StateEntered') ? 'stateEnteredEventDetails'
        : type.endsWith('StateExited') ? 'stateExitedEventDetails'
        : type[0].toLowerCase() + type.slice(1) + 'EventDetails';
      e[member] = d;
    }
    return e;
  });
}

const status = (events, exec) => Object.fromEntries([...stateStatuses(events, exec)].map(([k, v]) => [k, v.status]));

test('a caught task failure is "caught" and the handler ran', () => {
  const ev = history([
    ['ExecutionStarted', 0, { input: '{}' }],
    ['TaskStateEntered', 0, { name: 'Charge' }],
    ['TaskScheduled', 2, { resource: 'pay' }],
    ['TaskStarted', 3, { resource: 'pay' }],
    ['TaskFailed', 4, { error: 'Declined', cause: 'card' }],
    ['TaskStateExited', 5, { name: 'Charge' }],
    ['PassStateEntered', 6, { name: 'Handle' }],
    ['PassStateExited', 7, { name: 'Handle' }],
    ['ExecutionSucceeded', 8, { output: '{}' }],
  ]);
  assert.deepEqual(status(ev, 'SUCCEEDED'), { Charge: 'caught', Handle: 'succeeded' });
  assert.equal(stateStatuses(ev, 'SUCCEEDED').get('Charge').error, 'Declined');
});

test('a retried task that then succeeds is "succeeded"', () => {
  const ev = history([
    ['ExecutionStarted', 0, {}],
    ['TaskStateEntered', 0, { name: 'Charge' }],
    ['TaskScheduled', 2, {}],
    ['TaskStarted', 3, {}],
    ['TaskFailed', 4, { error: 'Timeout' }],
    ['TaskScheduled', 5, {}],
    ['TaskStarted', 6, {}],
    ['TaskSucceeded', 7, { output: '1' }],
    ['TaskStateExited', 8, { name: 'Charge' }],
  ]);
  assert.deepEqual(status(ev, 'RUNNING'), { Charge: 'succeeded' });
});

test('an uncaught failure inside a Parallel branch fails the branch state and the Parallel', () => {
  const ev = history([
    ['ExecutionStarted', 0, {}],
    ['ParallelStateEntered', 0, { name: 'P' }],
    ['ParallelStateStarted', 2],
    ['TaskStateEntered', 3, { name: 'A' }],
    ['PassStateEntered', 3, { name: 'B' }],
    ['PassStateExited', 5, { name: 'B' }],
    ['TaskScheduled', 4, {}],
    ['TaskFailed', 7, { error: 'Boom', cause: 'x' }],
    ['ParallelStateFailed', 8],
    ['ExecutionFailed', 9, { error: 'Boom', cause: 'x' }],
  ]);
  assert.deepEqual(status(ev, 'FAILED'), { P: 'failed', A: 'failed', B: 'succeeded' });
  assert.equal(stateStatuses(ev, 'FAILED').get('A').cause, 'x');
});

test('a Fail state is "failed" and carries the execution error', () => {
  const ev = history([
    ['ExecutionStarted', 0, {}],
    ['FailStateEntered', 0, { name: 'Explode' }],
    ['ExecutionFailed', 2, { error: 'Order.Rejected', cause: 'too big' }],
  ]);
  const s = stateStatuses(ev, 'FAILED');
  assert.equal(s.get('Explode').status, 'failed');
  assert.equal(s.get('Explode').error, 'Order.Rejected');
});

test('an open state is "running" while the execution runs and "aborted" once stopped', () => {
  const ev = history([
    ['ExecutionStarted', 0, {}],
    ['PassStateEntered', 0, { name: 'A' }],
    ['PassStateExited', 2, { name: 'A' }],
    ['WaitStateEntered', 3, { name: 'W' }],
  ]);
  assert.deepEqual(status(ev, 'RUNNING'), { A: 'succeeded', W: 'running' });
  assert.deepEqual(status(ev, 'ABORTED'), { A: 'succeeded', W: 'aborted' });
});

test('states never entered are absent, and map iterations count their entries', () => {
  const ev = history([
    ['ExecutionStarted', 0, {}],
    ['MapStateEntered', 0, { name: 'M' }],
    ['MapStateStarted', 2, { length: 2 }],
    ['MapIterationStarted', 3, { name: 'M', index: 0 }],
    ['PassStateEntered', 4, { name: 'Item' }],
    ['PassStateExited', 5, { name: 'Item' }],
    ['MapIterationSucceeded', 6, { name: 'M', index: 0 }],
    ['MapIterationStarted', 6, { name: 'M', index: 1 }],
    ['PassStateEntered', 8, { name: 'Item' }],
  ]);
  const s = stateStatuses(ev, 'RUNNING');
  assert.equal(s.get('Item').entered, 2);
  assert.equal(s.get('Item').status, 'running');
  assert.equal(s.get('M').status, 'running');
  assert.equal(s.has('Never'), false);
});

test('a redriven execution colours the re-entered state by its new attempt', () => {
  const rows = [
    ['ExecutionStarted', 0, {}],
    ['PassStateEntered', 0, { name: 'A' }],
    ['PassStateExited', 2, { name: 'A' }],
    ['WaitStateEntered', 3, { name: 'Hold' }],
    ['WaitStateAborted', 4],
    ['ExecutionAborted', 5, {}],
    ['ExecutionRedriven', 6, { redriveCount: 1 }],
    ['WaitStateEntered', 7, { name: 'Hold' }],
  ];
  assert.deepEqual(status(history(rows.slice(0, 6)), 'ABORTED'), { A: 'succeeded', Hold: 'aborted' });
  assert.deepEqual(status(history(rows), 'RUNNING'), { A: 'succeeded', Hold: 'running' });
  const done = history([...rows, ['WaitStateExited', 8, { name: 'Hold' }], ['PassStateEntered', 9, { name: 'Finish' }], ['PassStateExited', 10, { name: 'Finish' }], ['ExecutionSucceeded', 11, {}]]);
  assert.deepEqual(status(done, 'SUCCEEDED'), { A: 'succeeded', Hold: 'succeeded', Finish: 'succeeded' });
  assert.equal(stateStatuses(done, 'SUCCEEDED').get('Hold').entered, 2);
});

test('a failed task state that a redrive runs again is "succeeded" once it does', () => {
  const ev = history([
    ['ExecutionStarted', 0, {}],
    ['TaskStateEntered', 0, { name: 'T' }],
    ['TaskScheduled', 2, {}],
    ['TaskFailed', 3, { error: 'Boom', cause: 'x' }],
    ['ExecutionFailed', 4, { error: 'Boom', cause: 'x' }],
    ['ExecutionRedriven', 5, { redriveCount: 1 }],
    ['TaskStateEntered', 6, { name: 'T' }],
    ['TaskScheduled', 7, {}],
  ]);
  assert.deepEqual(status(ev.slice(0, 5), 'FAILED'), { T: 'failed' });
  assert.deepEqual(status(ev, 'RUNNING'), { T: 'running' });
  const done = history([...ev.map((e) => [e.type, e.previousEventId, details(e)]), ['TaskSucceeded', 8, {}], ['TaskStateExited', 9, { name: 'T' }], ['ExecutionSucceeded', 10, {}]]);
  assert.deepEqual(status(done, 'SUCCEEDED'), { T: 'succeeded' });
});
