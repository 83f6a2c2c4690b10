// The graph of an ASL definition and its layered layout. Pure: no DOM, so node's test runner
// checks it. `modelFromDefinition` turns the definition into nested scopes of states and labelled
// transitions; `layout` places them (layers by longest path, order by barycentre sweeps,
// coordinates by isotonic regression), nesting Parallel branches and Map processors as groups.

const LEAF_H = 44;
const LAYER_GAP = 22; // between a row of states and the row of edge labels below it
const LABEL_H = 16;
const NODE_GAP = 28;
const GROUP_PAD = 16;
const GROUP_HEAD = 26;
const BRANCH_GAP = 20;
const DUMMY_W = 12;
const CHAR_W = 7.2;

/** The scopes of a definition: `{ startAt, states: [{id, name, type, scopes?, end}], edges: [{from, to, label, kind}] }`. */
export function modelFromDefinition(def) {
  return { ...scopeOf(def, ''), top: true };
}

function scopeOf(def, prefix) {
  const states = [];
  const edges = [];
  const entries = def && def.States && typeof def.States === 'object' ? Object.entries(def.States) : [];
  const known = new Set(entries.map(([n]) => n));
  const id = (name) => prefix + name;
  for (const [name, raw] of entries) {
    const s = raw && typeof raw === 'object' ? raw : {};
    const type = typeof s.Type === 'string' ? s.Type : '?';
    const node = { id: id(name), name, type, end: false, scopes: [] };
    if (type === 'Parallel') {
      (Array.isArray(s.Branches) ? s.Branches : []).forEach((b, i) => node.scopes.push(scopeOf(b, `${id(name)}/${i}/`)));
    } else if (type === 'Map') {
      const proc = s.ItemProcessor || s.Iterator;
      if (proc) node.scopes.push(scopeOf(proc, `${id(name)}/0/`));
    }
    const add = (to, label, kind) => {
      if (typeof to === 'string' && known.has(to)) edges.push({ from: id(name), to: id(to), label, kind });
    };
    if (type === 'Choice') {
      (Array.isArray(s.Choices) ? s.Choices : []).forEach((rule, i) => add(rule && rule.Next, choiceLabel(rule, i), 'choice'));
      add(s.Default, 'Default', 'default');
    } else {
      add(s.Next, '', 'next');
    }
    for (const c of Array.isArray(s.Catch) ? s.Catch : []) add(c && c.Next, 'Catch ' + [].concat((c && c.ErrorEquals) || []).join(', '), 'catch');
    node.end = s.End === true || type === 'Succeed' || type === 'Fail';
    states.push(node);
  }
  const startAt = def && known.has(def.StartAt) ? id(def.StartAt) : null;
  return { startAt, states, edges };
}

const OPS = [
  ['StringEquals', '=='], ['NumericEquals', '=='], ['BooleanEquals', '=='], ['TimestampEquals', '=='],
  ['StringLessThanEquals', '<='], ['NumericLessThanEquals', '<='], ['TimestampLessThanEquals', '<='],
  ['StringGreaterThanEquals', '>='], ['NumericGreaterThanEquals', '>='], ['TimestampGreaterThanEquals', '>='],
  ['StringLessThan', '<'], ['NumericLessThan', '<'], ['TimestampLessThan', '<'],
  ['StringGreaterThan', '>'], ['NumericGreaterThan', '>'], ['TimestampGreaterThan', '>'],
  ['StringMatches', 'matches'], ['IsPresent', 'present'], ['IsNull', 'null'], ['IsString', 'string'],
  ['IsNumeric', 'number'], ['IsBoolean', 'boolean'], ['IsTimestamp', 'timestamp'],
];

/** A short text for one Choice rule (JSONPath or JSONata), at most 40 characters. */
export function choiceLabel(rule, index) {
  const text = ruleText(rule);
  const label = text || `Rule ${index + 1}`;
  return label.length > 40 ? label.slice(0, 39) + '…' : label;
}

function ruleText(r) {
  if (!r || typeof r !== 'object') return '';
  if (typeof r.Condition === 'string') return r.Condition.replace(/^\{%\s*|\s*%\}$/g, '');
  if (Array.isArray(r.And)) return r.And.map(ruleText).join(' and ');
  if (Array.isArray(r.Or)) return r.Or.map(ruleText).join(' or ');
  if (r.Not) return 'not ' + ruleText(r.Not);
  for (const [key, op] of OPS) {
    for (const k of [key, key + 'Path']) {
      if (k in r) {
        const v = k.endsWith('Path') ? r[k] : JSON.stringify(r[k]);
        if (key.startsWith('Is')) return `${r.Variable} ${r[k] ? 'is' : 'is not'} ${op}`;
        return `${r.Variable} ${op} ${v}`;
      }
    }
  }
  return r.Variable || '';
}

/** Estimated width of an edge label's box. */
export function labelWidth(label) {
  return Math.round(label.length * 6 + 10);
}

/** Estimated box size of a leaf state from its name and type. */
export function leafSize(name, type) {
  const chars = Math.max(String(name).length, String(type).length * 0.8);
  return { w: Math.round(Math.min(240, Math.max(110, chars * CHAR_W + 28))), h: LEAF_H };
}

/**
 * Lays out a model. Returns `{ w, h, nodes, edges }` in the scope's own coordinates; a group node
 * carries `groups: [{ x, y, layout }]` with its scopes laid out relative to the node's corner.
 * The top scope gains `__start` and `__end` markers.
 */
export function layout(scope) {
  const nodes = scope.states.map((s) => {
    const n = { id: s.id, name: s.name, type: s.type, kind: 'state' };
    if (s.scopes.length) {
      const inner = s.scopes.map(layout);
      let x = GROUP_PAD;
      n.groups = inner.map((l) => {
        const g = { x, y: GROUP_HEAD, layout: l };
        x += l.w + BRANCH_GAP;
        return g;
      });
      n.w = Math.max(x - BRANCH_GAP + GROUP_PAD, leafSize(s.name, s.type).w);
      n.h = GROUP_HEAD + Math.max(...inner.map((l) => l.h)) + GROUP_PAD;
      // Centre the branches when the title is wider than they are.
      const used = x - BRANCH_GAP + GROUP_PAD;
      for (const g of n.groups) g.x += (n.w - used) / 2;
    } else {
      Object.assign(n, leafSize(s.name, s.type));
    }
    return n;
  });
  const edges = scope.edges.map((e) => ({ ...e }));
  let start = scope.startAt;
  if (scope.top) {
    nodes.unshift({ id: '__start', name: 'Start', type: 'Start', kind: 'marker', w: 64, h: 28 });
    nodes.push({ id: '__end', name: 'End', type: 'End', kind: 'marker', w: 64, h: 28 });
    if (scope.startAt) edges.unshift({ from: '__start', to: scope.startAt, label: '', kind: 'next' });
    for (const s of scope.states) if (s.end) edges.push({ from: s.id, to: '__end', label: '', kind: 'next' });
    start = '__start';
  }
  return place(nodes, edges, start);
}

function place(nodes, edges, start) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) out.get(e.from).push(e);

  // 1. Back edges: those closing a cycle in a depth-first walk from the start (then from any node left).
  const back = new Set();
  const mark = new Map();
  const order = [];
  const dfs = (root) => {
    const stack = [[root, 0]];
    mark.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const list = out.get(top[0]);
      if (top[1] < list.length) {
        const e = list[top[1]++];
        const m = mark.get(e.to);
        if (m === 1) back.add(e);
        else if (!m) {
          mark.set(e.to, 1);
          stack.push([e.to, 0]);
        }
      } else {
        mark.set(top[0], 2);
        order.push(top[0]);
        stack.pop();
      }
    }
  };
  if (start && byId.has(start)) dfs(start);
  for (const n of nodes) if (!mark.has(n.id) && n.id !== '__end') dfs(n.id);
  if (byId.has('__end') && !mark.has('__end')) dfs('__end');
  const topo = order.reverse();

  // 2. Layers: longest path over forward edges, on even rows (odd rows hold the edge labels);
  //    the end marker goes below everything.
  const layer = new Map(nodes.map((n) => [n.id, 0]));
  for (const id of topo) {
    for (const e of out.get(id)) {
      if (!back.has(e) && e.from !== e.to) layer.set(e.to, Math.max(layer.get(e.to), layer.get(id) + 2));
    }
  }
  if (byId.has('__end')) {
    let max = 0;
    for (const [id, l] of layer) if (id !== '__end') max = Math.max(max, l);
    layer.set('__end', max + 2);
  }

  // 3. Dummy nodes on edges that span layers, so ordering and routing see them.
  const layers = [];
  const put = (n, l) => {
    (layers[l] ||= []).push(n);
    n.layer = l;
  };
  for (const id of topo) put(byId.get(id), layer.get(id));
  const chains = new Map();
  const links = []; // { a: upper, b: lower, seq } between adjacent layers
  let dummyCount = 0;
  for (const e of edges) {
    if (e.from === e.to || back.has(e)) continue;
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    const chain = [a];
    for (let l = a.layer + 1; l < b.layer; l++) {
      // The edge's label rides on its first dummy, which is as wide as the text.
      const labelled = l === a.layer + 1 && e.label;
      const d = labelled
        ? { id: `__d${dummyCount++}`, kind: 'label', w: labelWidth(e.label), h: LABEL_H }
        : { id: `__d${dummyCount++}`, kind: 'dummy', w: DUMMY_W, h: l % 2 ? 0 : LEAF_H };
      put(d, l);
      chain.push(d);
      if (labelled) chain.label = d;
    }
    chain.push(b);
    for (let i = 0; i + 1 < chain.length; i++) {
      const link = { a: chain[i], b: chain[i + 1], seq: links.length };
      links.push(link);
      if (i === 0) chain.link0 = link;
      if (i + 2 === chain.length) chain.linkN = link;
    }
    chains.set(e, chain);
  }
  for (let l = 0; l < layers.length; l++) layers[l] ||= [];

  // 4. Order within layers: barycentre sweeps, keeping the order with the fewest crossings.
  const up = new Map();
  const down = new Map();
  for (const n of layers.flat()) {
    up.set(n, []);
    down.set(n, []);
  }
  const outLinks = new Map(nodes.map((n) => [n, []]));
  const inLinks = new Map(nodes.map((n) => [n, []]));
  for (const link of links) {
    down.get(link.a).push(link.b);
    up.get(link.b).push(link.a);
    outLinks.get(link.a)?.push(link);
    inLinks.get(link.b)?.push(link);
  }
  const setPos = () => layers.forEach((row) => row.forEach((n, i) => (n.pos = i)));
  setPos();
  let best = layers.map((r) => r.slice());
  let bestCross = crossings(layers, down);
  for (let iter = 0; iter < 12 && bestCross > 0; iter++) {
    const downward = iter % 2 === 0;
    const range = downward ? [...layers.keys()].slice(1) : [...layers.keys()].reverse().slice(1);
    for (const l of range) {
      const nb = downward ? up : down;
      const row = layers[l];
      const bc = new Map(row.map((n) => {
        const ns = nb.get(n);
        return [n, ns.length ? ns.reduce((s, m) => s + m.pos, 0) / ns.length : n.pos];
      }));
      row.sort((p, q) => bc.get(p) - bc.get(q) || p.pos - q.pos);
      row.forEach((n, i) => (n.pos = i));
    }
    const c = crossings(layers, down);
    if (c < bestCross) {
      bestCross = c;
      best = layers.map((r) => r.slice());
    }
  }
  layers.splice(0, layers.length, ...best);
  setPos();

  // 5. Coordinates: y by layer; x by sweeps pulling each node towards its neighbours' centres.
  let y = 0;
  for (const row of layers) {
    const h = Math.max(0, ...row.map((n) => n.h));
    for (const n of row) {
      // A dummy spans its whole row, so a long edge runs straight past tall groups beside it.
      if (n.kind === 'dummy' && n.h) n.h = h;
      n.y = y + (h - n.h) / 2;
    }
    y += h + LAYER_GAP;
  }
  for (const row of layers) {
    let x = 0;
    for (const n of row) {
      n.x = x;
      x += n.w + NODE_GAP;
    }
  }
  const centre = (n) => n.x + n.w / 2;
  for (let iter = 0; iter < 8; iter++) {
    const downward = iter % 2 === 0;
    const ls = downward ? [...layers.keys()] : [...layers.keys()].reverse();
    for (const l of ls) {
      const row = layers[l];
      // Links between dummies weigh more, so long edges run straight.
      const weight = (a, b) => (a.kind !== 'state' && a.kind !== 'marker' ? 4 : 1) * (b.kind !== 'state' && b.kind !== 'marker' ? 4 : 1);
      const desired = row.map((n) => {
        const ns = [...up.get(n), ...down.get(n)];
        if (!ns.length) return n.x;
        let sum = 0;
        let total = 0;
        for (const m of ns) {
          const wgt = weight(n, m);
          sum += wgt * centre(m);
          total += wgt;
        }
        return sum / total - n.w / 2;
      });
      const xs = separate(desired, row.map((n) => n.w));
      row.forEach((n, i) => (n.x = xs[i]));
    }
  }
  const all = layers.flat();
  const minX = Math.min(0, ...all.map((n) => n.x));
  for (const n of all) n.x -= minX;
  let w = Math.max(0, ...all.map((n) => n.x + n.w));
  const h = Math.max(0, y - LAYER_GAP);

  // 6. Edges: forward ones through their dummies; back edges and self loops around the right side.
  let lane = w + 18;
  const routed = [];
  for (const e of edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (chains.has(e)) {
      const chain = chains.get(e);
      const pts = [port(a, a.y + a.h, outLinks.get(a), chain.link0, (l) => l.b)];
      for (const d of chain.slice(1, -1)) {
        pts.push({ x: centre(d), y: d.y });
        if (d.h) pts.push({ x: centre(d), y: d.y + d.h });
      }
      pts.push(port(b, b.y, inLinks.get(b), chain.linkN, (l) => l.a));
      const r = { ...e, points: pts };
      if (chain.label) r.labelBox = { x: chain.label.x, y: chain.label.y, w: chain.label.w, h: chain.label.h };
      routed.push(r);
    } else {
      const top = Math.min(a.y, b.y);
      const bottom = Math.max(a.y + a.h, b.y + b.h);
      const between = all.filter((n) => n.y < bottom && n.y + n.h > top);
      const x = Math.max(lane, ...between.map((n) => n.x + n.w + 18));
      lane = x + 14;
      const ay = a.y + a.h / 2 + (a === b ? -8 : 0);
      const by = b.y + b.h / 2 + (a === b ? 8 : 0);
      const r = { ...e, back: true, points: [{ x: a.x + a.w, y: ay }, { x, y: ay }, { x, y: by }, { x: b.x + b.w, y: by }] };
      if (e.label) {
        const lw = labelWidth(e.label);
        r.labelBox = { x: x + 4, y: (ay + by) / 2 - LABEL_H / 2, w: lw, h: LABEL_H };
        lane = Math.max(lane, x + lw + 18);
      }
      routed.push(r);
    }
  }
  w = Math.max(w, lane - 14 + 4, ...routed.filter((r) => r.labelBox).map((r) => r.labelBox.x + r.labelBox.w));
  const placed = nodes.map((n) => {
    const { layer: _l, pos: _p, ...rest } = n;
    return rest;
  });
  return { w, h, nodes: placed, edges: routed };
}

/** Where `link` meets the side of `n` at height `y`: the side is shared by `links`, in the order of the nodes at their other ends. */
function port(n, y, links, link, other) {
  const sorted = [...links].sort((p, q) => other(p).x - other(q).x || p.seq - q.seq);
  const i = sorted.indexOf(link);
  return { x: n.x + (n.w * (i + 1)) / (sorted.length + 1), y };
}

/** Edge crossings between adjacent layers, counting each pair of links once. */
function crossings(layers, down) {
  let count = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const pairs = [];
    for (const a of layers[l]) for (const b of down.get(a)) pairs.push([a.pos, b.pos]);
    for (let i = 0; i < pairs.length; i++) {
      for (let j = i + 1; j < pairs.length; j++) {
        const [a1, b1] = pairs[i];
        const [a2, b2] = pairs[j];
        if ((a1 - a2) * (b1 - b2) < 0) count++;
      }
    }
  }
  return count;
}

/**
 * The x positions closest (least squares) to `desired` that keep the row's order with at least
 * NODE_GAP between boxes: pool-adjacent-violators on the positions shifted by the widths before them.
 */
export function separate(desired, widths) {
  const offset = [];
  let acc = 0;
  for (let i = 0; i < desired.length; i++) {
    offset.push(acc);
    acc += widths[i] + NODE_GAP;
  }
  const blocks = []; // { sum, count }
  for (let i = 0; i < desired.length; i++) {
    blocks.push({ sum: desired[i] - offset[i], count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.count <= b.sum / b.count) break;
      blocks.pop();
      a.sum += b.sum;
      a.count += b.count;
    }
  }
  const xs = [];
  for (const b of blocks) for (let k = 0; k < b.count; k++) xs.push(b.sum / b.count + offset[xs.length]);
  return xs;
}

/**
 * Every state box in absolute coordinates, outermost first: `{ id, name, type, x, y, w, h, parent, group }`.
 * `parent` is the enclosing group node's id (or null).
 */
export function flatten(l, dx = 0, dy = 0, parent = null, out = { nodes: [], edges: [] }) {
  for (const n of l.nodes) {
    out.nodes.push({ id: n.id, name: n.name, type: n.type, kind: n.kind, x: n.x + dx, y: n.y + dy, w: n.w, h: n.h, parent, group: !!n.groups });
  }
  for (const e of l.edges) {
    const moved = { ...e, points: e.points.map((p) => ({ x: p.x + dx, y: p.y + dy })) };
    if (e.labelBox) moved.labelBox = { ...e.labelBox, x: e.labelBox.x + dx, y: e.labelBox.y + dy, parent };
    out.edges.push(moved);
  }
  for (const n of l.nodes) {
    for (const g of n.groups || []) flatten(g.layout, dx + n.x + g.x, dy + n.y + g.y, n.id, out);
  }
  return out;
}
