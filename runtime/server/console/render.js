// Draws a laid-out definition (graph.js) as SVG, optionally coloured by state status (status.js).

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, content, cls) {
  const t = el('text', { x, y, class: cls }, parent);
  t.textContent = content;
  return t;
}

/** Shortens `s` to what fits in `width` pixels at roughly `charW` per character. */
function fit(s, width, charW) {
  const max = Math.max(3, Math.floor(width / charW));
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

const xy = (p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;

function polyline(points) {
  return points.map((p, i) => `${i ? 'L' : 'M'}${xy(p)}`).join(' ');
}

/** A path through `points` that rounds each bend (quadratic curves between segment midpoints). */
function smooth(points) {
  if (points.length < 3) return polyline(points);
  let d = `M${xy(points[0])}`;
  for (let i = 1; i + 1 < points.length; i++) {
    const p = points[i];
    const q = points[i + 1];
    const mid = { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
    d += ` Q${xy(p)} ${i + 2 === points.length ? xy(q) : xy(mid)}`;
  }
  return d;
}

/**
 * Returns an `<svg>` for layout `l`. `statuses` maps state names to `{status, error, cause, entered}`;
 * when given, states without an entry are drawn as not reached. `onSelect(name)` is called on a click.
 */
export function drawGraph(l, statuses = null, onSelect = null, selected = null) {
  const pad = 12;
  const svg = el('svg', { width: l.w + 2 * pad, height: l.h + 2 * pad, viewBox: `${-pad} ${-pad} ${l.w + 2 * pad} ${l.h + 2 * pad}`, class: 'graph' });
  const defs = el('defs', {}, svg);
  for (const kind of ['next', 'choice', 'default', 'catch']) {
    const m = el('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrow kind-${kind}` }, m);
  }
  drawScope(svg, l, statuses, onSelect, selected);
  return svg;
}

function drawScope(parent, l, statuses, onSelect, selected) {
  const nodesLayer = el('g', { class: 'nodes' }, parent);
  const edgesLayer = el('g', { class: 'edges' }, parent);
  for (const n of l.nodes) {
    if (n.kind === 'marker') {
      const g = el('g', { class: 'marker', 'data-state': n.id }, nodesLayer);
      el('rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: n.h / 2 }, g);
      text(g, n.x + n.w / 2, n.y + n.h / 2 + 4, n.name, 'marker-label');
      continue;
    }
    const st = statuses ? statuses.get(n.name) : null;
    const status = statuses ? (st ? st.status : 'not-reached') : 'plain';
    const g = el('g', { class: `state type-${n.type} st-${status}${n.groups ? ' group' : ''}${n.name === selected ? ' selected' : ''}`, 'data-state': n.name, 'data-status': status, tabindex: 0 }, nodesLayer);
    const title = el('title', {}, g);
    title.textContent = `${n.name} (${n.type})` + (st ? ` — ${status}${st.entered > 1 ? `, entered ${st.entered} times` : ''}${st.error ? `\n${st.error}: ${st.cause || ''}` : ''}` : '');
    el('rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: n.groups ? 8 : 6 }, g);
    if (n.groups) {
      text(g, n.x + 10, n.y + 17, fit(`${n.name} · ${n.type}`, n.w - 20, 7), 'group-label');
      for (const gr of n.groups) {
        el('rect', { x: n.x + gr.x - 6, y: n.y + gr.y - 4, width: gr.layout.w + 12, height: gr.layout.h + 8, rx: 6, class: 'branch' }, g);
        const inner = el('g', { transform: `translate(${n.x + gr.x},${n.y + gr.y})` }, g);
        drawScope(inner, gr.layout, statuses, onSelect, selected);
      }
    } else {
      text(g, n.x + n.w / 2, n.y + 18, fit(n.name, n.w - 12, 7.2), 'state-name');
      text(g, n.x + n.w / 2, n.y + 34, n.type + (st && st.entered > 1 ? ` ×${st.entered}` : ''), 'state-type');
    }
    if (onSelect) {
      g.addEventListener('click', (ev) => {
        ev.stopPropagation();
        onSelect(n.name);
      });
      g.addEventListener('keydown', (ev) => {
        if (ev.key !== 'Enter' && ev.key !== ' ') return;
        ev.preventDefault();
        ev.stopPropagation();
        onSelect(n.name);
      });
    }
  }
  for (const e of l.edges) {
    const g = el('g', { class: `edge kind-${e.kind}${e.back ? ' back' : ''}`, 'data-from': e.from, 'data-to': e.to }, edgesLayer);
    const d = e.back ? polyline(e.points) : smooth(e.points);
    el('path', { d, 'marker-end': `url(#arrow-${e.kind})` }, g);
    if (e.label && e.labelBox) {
      const b = e.labelBox;
      el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 3, class: 'edge-label-bg' }, g);
      text(g, b.x + b.w / 2, b.y + b.h / 2 + 3.5, e.label, 'edge-label');
    }
  }
}
