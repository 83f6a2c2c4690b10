// Layout checks: run with `node --test runtime/server/console/test/`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { modelFromDefinition, layout, flatten, separate, choiceLabel } from '../graph.js';

const thirty = JSON.parse(readFileSync(new URL('./thirty-states.asl.json', import.meta.url)));

function boxesOverlap(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function onBorder(p, n) {
  const eps = 0.5;
  const inX = p.x >= n.x - eps && p.x <= n.x + n.w + eps;
  const inY = p.y >= n.y - eps && p.y <= n.y + n.h + eps;
  const onV = Math.abs(p.x - n.x) < eps || Math.abs(p.x - (n.x + n.w)) < eps;
  const onH = Math.abs(p.y - n.y) < eps || Math.abs(p.y - (n.y + n.h)) < eps;
  return inX && inY && (onV || onH);
}

function laidOut(def) {
  return flatten(layout(modelFromDefinition(def)));
}

/** A chain of `n` states where every fifth is a Choice jumping ahead and every seventh catches back. */
function generated(n) {
  const States = {};
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? `S${i + 1}` : null;
    if (i % 5 === 4 && i + 3 < n) {
      States[`S${i}`] = { Type: 'Choice', Choices: [{ Variable: '$.x', NumericEquals: i, Next: `S${i + 3}` }], Default: next };
    } else {
      const s = { Type: i % 7 === 6 ? 'Task' : 'Pass', ...(next ? { Next: next } : { End: true }) };
      if (i % 7 === 6) s.Catch = [{ ErrorEquals: ['States.ALL'], Next: `S${i - 4}` }];
      States[`S${i}`] = s;
    }
  }
  return { StartAt: 'S0', States };
}

for (const [name, def, count] of [
  ['the 30-state fixture', thirty, 30],
  ['a generated 30-state machine with jumps and loops', generated(30), 30],
  ['a generated 60-state machine', generated(60), 60],
]) {
  test(`${name}: every state is drawn once`, () => {
    const g = laidOut(def);
    const states = g.nodes.filter((n) => n.kind === 'state');
    assert.equal(states.length, count);
    assert.equal(new Set(states.map((n) => n.id)).size, count);
    for (const n of g.nodes) {
      for (const v of [n.x, n.y, n.w, n.h]) assert.ok(Number.isFinite(v), `${n.id} has a finite box`);
    }
  });

  test(`${name}: no two boxes in a scope overlap, and groups hold their children`, () => {
    const g = laidOut(def);
    const byParent = new Map();
    for (const n of g.nodes) {
      const k = n.parent ?? '';
      if (!byParent.has(k)) byParent.set(k, []);
      byParent.get(k).push(n);
    }
    for (const [parent, sibs] of byParent) {
      for (let i = 0; i < sibs.length; i++) {
        for (let j = i + 1; j < sibs.length; j++) {
          assert.ok(!boxesOverlap(sibs[i], sibs[j]), `${sibs[i].id} overlaps ${sibs[j].id}`);
        }
      }
      if (parent) {
        const p = g.nodes.find((n) => n.id === parent);
        for (const c of sibs) {
          assert.ok(c.x >= p.x && c.y >= p.y && c.x + c.w <= p.x + p.w && c.y + c.h <= p.y + p.h, `${c.id} lies inside ${p.id}`);
        }
      }
    }
  });

  test(`${name}: edge labels overlap no box and no other label`, () => {
    const g = laidOut(def);
    const labels = g.edges.filter((e) => e.label);
    assert.ok(labels.length > 0);
    for (const e of labels) {
      assert.ok(e.labelBox, `edge ${e.from} -> ${e.to} has a label box`);
      for (const n of g.nodes.filter((n) => n.parent === e.labelBox.parent)) {
        assert.ok(!boxesOverlap(e.labelBox, n), `label of ${e.from} -> ${e.to} overlaps ${n.id}`);
      }
      for (const f of labels) {
        if (f !== e) assert.ok(!boxesOverlap(e.labelBox, f.labelBox), `labels of ${e.from} -> ${e.to} and ${f.from} -> ${f.to} overlap`);
      }
    }
  });

  test(`${name}: every edge starts and ends on its nodes' borders`, () => {
    const g = laidOut(def);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    assert.ok(g.edges.length > 0);
    for (const e of g.edges) {
      const a = byId.get(e.from);
      const b = byId.get(e.to);
      assert.ok(a && b, `edge ${e.from} -> ${e.to} has both ends`);
      assert.ok(onBorder(e.points[0], a), `edge ${e.from} -> ${e.to} leaves ${e.from} at its border`);
      assert.ok(onBorder(e.points[e.points.length - 1], b), `edge ${e.from} -> ${e.to} reaches ${e.to} at its border`);
    }
  });

  test(`${name}: forward edges point down, and back edges are the loops`, () => {
    const g = laidOut(def);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    for (const e of g.edges) {
      const a = byId.get(e.from);
      const b = byId.get(e.to);
      if (e.back) assert.ok(b.y <= a.y, `back edge ${e.from} -> ${e.to} goes up`);
      else assert.ok(b.y >= a.y + a.h, `${e.to} is below ${e.from}`);
    }
  });
}

test('the fixture has its labelled edges and its nested groups', () => {
  const g = laidOut(thirty);
  const label = (from, to) => g.edges.find((e) => e.from === from && e.to === to)?.label;
  assert.equal(label('Route', 'PrepareFailure'), '$.mode == "fail"');
  assert.equal(label('Route', 'Validate'), 'Default');
  assert.equal(label('Combine', 'Recover'), 'Catch States.ALL');
  assert.equal(label('CheckAmount', 'Review'), '$.amount > 100');
  assert.equal(g.nodes.find((n) => n.id === 'Combine/1/Grade').parent, 'Combine');
  assert.equal(g.nodes.find((n) => n.id === 'ForEach/0/Keep').parent, 'ForEach');
  assert.ok(g.edges.find((e) => e.from === 'LoopCheck' && e.to === 'Counter').back, 'the counter loop is a back edge');
  assert.ok(g.edges.some((e) => e.from === 'Done' && e.to === '__end'));
  assert.ok(g.edges.some((e) => e.from === '__start' && e.to === 'Init'));
});

test('parallel branches sit side by side inside their group', () => {
  const g = laidOut(thirty);
  const notify = g.nodes.find((n) => n.id === 'Combine/0/Notify');
  const score = g.nodes.find((n) => n.id === 'Combine/1/Score');
  assert.ok(notify.x + notify.w <= score.x, 'branch 0 is left of branch 1');
});

test('separate keeps the order and the gaps and stays near the wishes', () => {
  assert.deepEqual(separate([0, 500], [100, 100]), [0, 500]);
  const xs = separate([100, 100, 100], [50, 50, 50]);
  assert.ok(xs[1] - xs[0] >= 50 && xs[2] - xs[1] >= 50);
  // Least squares: the middle box stays where it wished, the others move out evenly.
  assert.ok(Math.abs(xs[1] - 100) < 1e-9 && Math.abs(100 - xs[0] - (xs[2] - 100)) < 1e-9);
});

test('choice labels read the rule', () => {
  assert.equal(choiceLabel({ Variable: '$.a', IsPresent: false }, 0), '$.a is not present');
  assert.equal(choiceLabel({ Condition: '{% $states.input.x > 1 %}' }, 0), '$states.input.x > 1');
  assert.equal(choiceLabel({ And: [{ Variable: '$.a', NumericLessThanPath: '$.b' }, { Variable: '$.c', BooleanEquals: true }] }, 0), '$.a < $.b and $.c == true');
  assert.equal(choiceLabel({}, 2), 'Rule 3');
});

test('an empty or odd definition lays out without throwing', () => {
  for (const def of [{}, { StartAt: 'X', States: {} }, { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'A' } } }, { States: { A: null } }]) {
    const g = laidOut(def);
    assert.ok(g.nodes.length >= 2);
  }
});
