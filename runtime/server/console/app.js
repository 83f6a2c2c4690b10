// The console: hash routes for state machines, executions and functions, drawn from the API.
import { ApiError, call, all, functions, token, setToken } from './api.js';
import { modelFromDefinition, layout } from './graph.js';
import { drawGraph } from './render.js';
import { stateStatuses, eventStates, details } from './status.js';

const main = document.getElementById('main');
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
const POLL_MS = 1000;
let generation = 0;
let timers = [];

// ---------- small DOM helpers (text only goes through textContent) ----------

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

const link = (href, label) => h('a', { href }, label);
const machineHref = (arn) => `#/machine/${encodeURIComponent(arn)}`;
const executionHref = (arn) => `#/execution/${encodeURIComponent(arn)}`;
const badge = (status) => h('span', { class: `badge s-${String(status).toLowerCase()}`, 'data-status': status }, status);

function when(seconds) {
  if (seconds == null) return '';
  const d = new Date(seconds * 1000);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function duration(start, stop) {
  if (start == null || stop == null) return '';
  const ms = Math.round((stop - start) * 1000);
  return ms < 1000 ? `${ms} ms` : ms < 60000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** A JSON string pretty-printed, or as it is when it is not JSON. */
function pretty(s) {
  if (typeof s !== 'string') return JSON.stringify(s, null, 2);
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

/** Text made safe for HTML. */
function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const pre = (s, cls = 'json') => h('pre', { class: cls }, pretty(s));

function laterDo(fn, ms) {
  const id = setTimeout(fn, ms);
  timers.push(id);
}

// ---------- routing ----------

window.addEventListener('hashchange', route);
document.getElementById('token-button').addEventListener('click', () => askToken('Set the bearer token the API expects.'));
route();

async function route() {
  const gen = ++generation;
  timers.forEach(clearTimeout);
  timers = [];
  delete document.body.dataset.ready;
  const [page = 'machines', ...rest] = (location.hash.replace(/^#\/?/, '') || 'machines').split('/');
  const arg = decodeURIComponent(rest.join('/'));
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === page || (page !== 'functions' && a.dataset.nav === 'machines'));
  const view = h('div', { class: 'view' });
  const fresh = () => gen === generation;
  try {
    if (page === 'machine' && arg) await machinePage(view, arg, fresh);
    else if (page === 'execution' && arg) await executionPage(view, arg, fresh);
    else if (page === 'functions') await functionsPage(view);
    else await machinesPage(view);
  } catch (e) {
    if (!fresh()) return;
    view.replaceChildren(errorBox(e));
    if (e instanceof ApiError && e.unauthorized) askToken(token() ? 'The server refused the saved token.' : 'The server wants a bearer token.');
  }
  if (!fresh()) return;
  main.replaceChildren(view);
  if (view.attached) view.attached();
  document.title = `${view.dataset.title || 'console'} · stepwasm`;
  // Ready once the frame with the data has been laid out and painted.
  requestAnimationFrame(() => setTimeout(() => {
    if (!fresh()) return;
    window.consoleReadyAt = performance.now();
    document.body.dataset.ready = page;
  }, 0));
}

function errorBox(e) {
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, e instanceof ApiError ? e.code : 'Error'), ' ', e instanceof ApiError ? e.message.replace(`${e.code}: `, '') : String(e.message || e));
}

function askToken(reason) {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  document.getElementById('token-reason').textContent = `${reason} It is kept in this browser only.`;
  input.value = token();
  dialog.onclose = () => {
    if (dialog.returnValue === 'save') setToken(input.value.trim());
    if (dialog.returnValue === 'clear') setToken('');
    if (dialog.returnValue) route();
  };
  if (!dialog.open) dialog.showModal();
}

// ---------- pages ----------

async function machinesPage(view) {
  const machines = await all('ListStateMachines', {}, 'stateMachines');
  view.dataset.title = 'State machines';
  view.append(h('h1', {}, 'State machines'));
  if (!machines.length) {
    view.append(h('p', { class: 'muted' }, 'No state machines yet. Create one with CreateStateMachine (for example `stepwasm deploy` or the AWS CLI).'));
    return;
  }
  machines.sort((a, b) => a.name.localeCompare(b.name));
  view.append(h('table', { class: 'list', id: 'machines' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Type'), h('th', {}, 'Created'), h('th', {}, 'ARN'))),
    h('tbody', {}, machines.map((m) => h('tr', {},
      h('td', {}, link(machineHref(m.stateMachineArn), m.name)),
      h('td', {}, m.type),
      h('td', {}, when(m.creationDate)),
      h('td', { class: 'arn' }, m.stateMachineArn))))));
}

const WHOLE_KEY = 'stepwasm.wholeGraph';

function graphCard(definitionText, statuses, onSelect, selected = null) {
  let def;
  try {
    def = JSON.parse(definitionText);
  } catch (e) {
    return h('div', { class: 'error-box' }, `The definition is not JSON: ${e.message}`);
  }
  const svg = drawGraph(layout(modelFromDefinition(def)), statuses, onSelect, selected);
  const legend = statuses
    ? h('div', { class: 'legend' }, ['succeeded', 'failed', 'caught', 'running', 'aborted', 'not-reached'].map((s) => h('span', { class: `key st-${s}` }, s.replace('-', ' '))))
    : h('div');
  // A tall machine scrolls inside its box; "Whole graph" lets the page scroll it instead.
  const scroll = h('div', { class: 'graph-scroll' }, svg);
  const whole = h('button', { type: 'button', class: 'link', id: 'graph-size' });
  const setWhole = (on) => {
    scroll.classList.toggle('whole', on);
    whole.textContent = on ? 'Fit in a box' : 'Whole graph';
    whole.setAttribute('aria-pressed', String(on));
  };
  setWhole(localStorage.getItem(WHOLE_KEY) === 'yes');
  whole.addEventListener('click', () => {
    const on = !scroll.classList.contains('whole');
    localStorage.setItem(WHOLE_KEY, on ? 'yes' : 'no');
    setWhole(on);
  });
  return h('div', { class: 'graph-wrap' }, h('div', { class: 'graph-bar' }, legend, whole), scroll);
}

/** Scrolls the graph's box (not the page) so that the state named `name` is in view. */
function revealState(root, name) {
  const scroll = root.querySelector('.graph-scroll');
  const node = scroll && [...scroll.querySelectorAll('g.state')].find((g) => g.dataset.state === name);
  if (!node || scroll.classList.contains('whole')) return;
  const box = scroll.getBoundingClientRect();
  const r = node.getBoundingClientRect();
  if (r.top >= box.top && r.bottom <= box.bottom && r.left >= box.left && r.right <= box.right) return;
  scroll.scrollTop += r.top - box.top - (box.height - r.height) / 3;
  scroll.scrollLeft += r.left - box.left - (box.width - r.width) / 2;
}

/** The state an execution's reader wants to see first: a failed one, else a running, caught or aborted one. */
function focusState(statuses) {
  for (const want of ['failed', 'running', 'caught', 'aborted']) {
    for (const [name, st] of statuses) if (st.status === want) return name;
  }
  return null;
}

async function machinePage(view, arn, fresh) {
  const [m, first] = await Promise.all([
    call('DescribeStateMachine', { stateMachineArn: arn }),
    call('ListExecutions', { stateMachineArn: arn, maxResults: 50 }).catch((e) => e),
  ]);
  performance.mark('console-data');
  view.dataset.title = m.name;
  view.append(
    h('p', { class: 'crumbs' }, link('#/machines', 'State machines'), ' / '),
    h('h1', {}, m.name, ' ', h('span', { class: 'badge kind' }, m.type)),
    h('p', { class: 'arn' }, m.stateMachineArn),
  );
  if (m.description) view.append(h('p', {}, m.description));
  const graph = h('section', { class: 'card' }, h('h2', {}, 'Definition'), graphCard(m.definition, null, null),
    h('details', {}, h('summary', {}, 'Definition JSON'), pre(m.definition)));
  const executions = executionsCard(m, first, fresh);
  view.append(h('div', { class: 'columns' }, graph, h('div', { class: 'side' }, startCard(m, executions), executions)));
}

/** The start form. An Express run is synchronous: its result shows here, and `executions` (the list) is refreshed. */
function startCard(m, executions) {
  const key = `stepwasm.input.${m.stateMachineArn}`;
  const input = h('textarea', { id: 'start-input', rows: 8, spellcheck: 'false' });
  input.value = localStorage.getItem(key) || '{}';
  const name = h('input', { id: 'start-name', placeholder: 'name (optional)', maxlength: 80 });
  const message = h('div', { class: 'input-status', id: 'start-message' });
  const button = h('button', { type: 'submit', id: 'start-button' }, 'Start execution');
  const check = () => {
    try {
      JSON.parse(input.value);
      message.textContent = 'Valid JSON';
      message.className = 'input-status ok';
      button.disabled = false;
      return true;
    } catch (e) {
      message.textContent = `Invalid JSON: ${e.message}`;
      message.className = 'input-status bad';
      button.disabled = true;
      return false;
    }
  };
  input.addEventListener('input', check);
  check();
  const form = h('form', { class: 'card', id: 'start-form' }, h('h2', {}, 'Start an execution'), name, input, message, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!check()) return;
    button.disabled = true;
    try {
      const req = { stateMachineArn: m.stateMachineArn, input: input.value };
      if (name.value.trim()) req.name = name.value.trim();
      if (m.type === 'EXPRESS') {
        const out = await call('StartSyncExecution', req);
        localStorage.setItem(key, input.value);
        message.replaceChildren(h('strong', { 'data-status': out.status }, out.status), ' ', out.status === 'SUCCEEDED' ? out.output || '' : `${out.error || ''}: ${out.cause || ''}`,
          ...(executions.listed && out.executionArn ? [' ', link(executionHref(out.executionArn), 'Open')] : []));
        message.className = `input-status ${out.status === 'SUCCEEDED' ? 'ok' : 'bad'}`;
        button.disabled = false;
        if (executions.refresh) executions.refresh();
        return;
      }
      const out = await call('StartExecution', req);
      localStorage.setItem(key, input.value);
      location.hash = executionHref(out.executionArn);
    } catch (e) {
      message.replaceChildren(errorBox(e));
      message.className = 'input-status bad';
      button.disabled = false;
    }
  });
  return form;
}

function executionsCard(m, first, fresh) {
  const card = h('section', { class: 'card', id: 'executions' }, h('h2', {}, 'Executions'));
  if (m.type === 'EXPRESS') {
    // AWS lists no Express executions; stepwasm keeps the latest ones (its `express_history`).
    if (first instanceof Error) {
      card.append(h('p', { class: 'muted' }, 'This server keeps no Express executions; start one above to see its result.'));
      return card;
    }
    card.append(h('p', { class: 'muted' }, 'The latest Express executions this server keeps.'));
  }
  card.listed = true;
  const filter = h('select', { id: 'status-filter' }, h('option', { value: '' }, 'All statuses'), STATUSES.map((s) => h('option', { value: s }, s)));
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More');
  let next = null;
  const fill = (page, append) => {
    if (!append) body.replaceChildren();
    if (page instanceof Error) {
      body.append(h('tr', {}, h('td', { colspan: 4 }, errorBox(page))));
      return;
    }
    for (const x of page.executions || []) body.append(executionRow(x));
    if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No executions.')));
    next = page.nextToken || null;
    more.hidden = !next;
  };
  const load = async (append) => {
    const req = { stateMachineArn: m.stateMachineArn, maxResults: 50 };
    if (filter.value) req.statusFilter = filter.value;
    if (append && next) req.nextToken = next;
    const page = await call('ListExecutions', req).catch((e) => e);
    if (fresh()) fill(page, append);
  };
  filter.addEventListener('change', () => load(false));
  more.addEventListener('click', () => load(true));
  card.refresh = () => load(false);
  fill(first, false);
  card.append(h('label', {}, 'Status ', filter),
    executionsTable('Name', body), more);
  return card;
}

/** One execution of a list: its name (linked), status, start and duration. */
function executionRow(x) {
  return h('tr', { 'data-status': x.status },
    h('td', {}, link(executionHref(x.executionArn), x.name)),
    h('td', {}, badge(x.status)),
    h('td', {}, when(x.startDate)),
    h('td', {}, duration(x.startDate, x.stopDate)));
}

/** A table of `executionRow`s in `body`, the first column headed `first`. */
function executionsTable(first, body) {
  return h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', {}, first), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Duration'))), body);
}

async function executionPage(view, arn, fresh) {
  const [x, sm, events] = await Promise.all([
    call('DescribeExecution', { executionArn: arn }),
    call('DescribeStateMachineForExecution', { executionArn: arn }).catch(() => null),
    all('GetExecutionHistory', { executionArn: arn }, 'events', 100000),
  ]);
  const machine = sm || (await call('DescribeStateMachine', { stateMachineArn: x.stateMachineArn }));
  // A child execution of a map run belongs to its parent execution, not to a machine page.
  const parent = x.mapRunArn ? await call('DescribeMapRun', { mapRunArn: x.mapRunArn }).catch(() => null) : null;
  performance.mark('console-data');
  view.dataset.title = x.name;
  const state = { x, events, selected: null };
  const head = h('div');
  const graphSlot = h('section', { class: 'card' }, h('h2', {}, 'Graph'));
  const historyCard = h('section', { class: 'card', id: 'history' });
  const runsCard = h('section', { class: 'card', id: 'map-runs', hidden: true });
  const up = parent
    ? [link(machineHref(parent.executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]*$/, '')), parent.executionArn.split(':')[6]), ' / ',
       link(executionHref(parent.executionArn), parent.executionArn.split(':').pop()), ' / map run / ']
    : [link(machineHref(x.stateMachineArn), machine.name || x.stateMachineArn.split(':').pop()), ' / '];
  view.append(h('p', { class: 'crumbs' }, link('#/machines', 'State machines'), ' / ', ...up), head, graphSlot, runsCard, historyCard);
  const drawRuns = () => mapRunsCard(runsCard, state.events, fresh);
  const select = (name) => {
    state.selected = state.selected === name ? null : name;
    drawGraphNow();
    drawHistory();
  };
  // After Stop or Redrive: draw what the server says now and, if that is running again, poll.
  const drawHead = () => head.replaceChildren(...executionHead(state.x, () => reload().then(schedule)));
  const drawGraphNow = () => {
    const statuses = stateStatuses(state.events, state.x.status);
    const scroll = graphSlot.querySelector('.graph-scroll');
    const at = scroll ? [scroll.scrollLeft, scroll.scrollTop] : null;
    graphSlot.replaceChildren(h('h2', {}, 'Graph'), graphCard(machine.definition, statuses, select, state.selected));
    const again = graphSlot.querySelector('.graph-scroll');
    if (at && again) [again.scrollLeft, again.scrollTop] = at;
  };
  let history = null;
  const drawHistory = () => {
    history = historyTable(state.events, state.x.startDate, state.selected, () => select(state.selected));
    historyCard.replaceChildren(...history.nodes);
  };
  let asked = 0; // reloads started
  let shown = 0; // the latest reload whose answer is drawn
  const reload = async () => {
    const mine = ++asked;
    const [nx, got] = await Promise.all([call('DescribeExecution', { executionArn: arn }), newerEvents(arn, state.events)]);
    // A poll and a Stop or Redrive may overlap: an answer older than the one drawn is dropped,
    // and only events still newer than those we have are added.
    if (mine < shown) return;
    shown = mine;
    const lastId = state.events.length ? state.events[state.events.length - 1].id : 0;
    const fresh2 = got.filter((e) => e.id > lastId);
    const changed = fresh2.length > 0 || nx.status !== state.x.status;
    state.x = nx;
    if (fresh2.length) state.events = state.events.concat(fresh2);
    drawHead();
    if (changed) {
      drawGraphNow();
      history.append(state.events);
      drawRuns();
    }
  };
  let polling = false; // whether a poll is scheduled or under way
  const poll = async () => {
    if (!fresh()) return;
    try {
      await reload();
    } catch (e) {
      head.append(errorBox(e));
    }
    polling = false;
    schedule();
  };
  const schedule = () => {
    if (polling || !fresh() || state.x.status !== 'RUNNING') return;
    polling = true;
    laterDo(poll, POLL_MS);
  };
  drawHead();
  drawGraphNow();
  view.attached = () => {
    const name = focusState(stateStatuses(state.events, state.x.status));
    if (name) revealState(graphSlot, name);
  };
  performance.mark('console-graph');
  drawHistory();
  performance.mark('console-history');
  drawRuns();
  schedule();
}

/**
 * The map runs a history started (its MapRunStarted events): each run's status and counts, and
 * its child executions (the first 100), linked. Hidden when there is none.
 */
async function mapRunsCard(card, events, fresh) {
  const arns = events.filter((e) => e.type === 'MapRunStarted').map((e) => details(e).mapRunArn).filter(Boolean);
  if (!arns.length) return;
  const runs = await Promise.all(arns.map(async (mapRunArn) => {
    const [run, kids] = await Promise.all([
      call('DescribeMapRun', { mapRunArn }),
      call('ListExecutions', { mapRunArn, maxResults: 100 }),
    ]).catch((e) => [e, null]);
    return { mapRunArn, run, kids };
  }));
  if (!fresh()) return;
  card.hidden = false;
  card.replaceChildren(h('h2', {}, 'Map runs'));
  for (const { mapRunArn, run, kids } of runs) {
    if (run instanceof Error) {
      card.append(errorBox(run));
      continue;
    }
    const c = run.executionCounts || {};
    const counts = ['succeeded', 'failed', 'aborted', 'running', 'pending'].filter((k) => c[k]).map((k) => `${c[k]} ${k}`).join(' · ');
    const body = h('tbody', {}, (kids.executions || []).map(executionRow));
    card.append(h('div', { class: 'map-run', 'data-map-run': mapRunArn },
      h('p', {}, badge(run.status), ' ', h('span', { class: 'arn' }, mapRunArn)),
      h('p', { class: 'muted' }, `${c.total ?? 0} child executions: ${counts || 'none started'}`),
      executionsTable('Child execution', body),
      kids.nextToken ? h('p', { class: 'muted' }, 'The first 100 are shown.') : null));
  }
}

/** Events newer than the ones we have: newest-first pages until a known id. */
async function newerEvents(arn, have) {
  const last = have.length ? have[have.length - 1].id : 0;
  const got = [];
  let nextToken;
  for (;;) {
    const page = await call('GetExecutionHistory', { executionArn: arn, reverseOrder: true, maxResults: 200, ...(nextToken ? { nextToken } : {}) });
    const evs = page.events || [];
    const newer = evs.filter((e) => e.id > last);
    got.push(...newer);
    if (newer.length < evs.length || !page.nextToken) break;
    nextToken = page.nextToken;
  }
  return got.sort((a, b) => a.id - b.id);
}

function executionHead(x, reload) {
  const actions = h('div', { class: 'actions' });
  const message = h('div', { class: 'action-message' });
  const act = (label, id, op, body) => {
    const b = h('button', { type: 'button', id, class: label === 'Stop' ? 'danger' : '' }, label);
    b.addEventListener('click', async () => {
      if (label === 'Stop' && !confirm(`Stop ${x.name}?`)) return;
      b.disabled = true;
      try {
        await call(op, body);
        await reload();
      } catch (e) {
        message.replaceChildren(errorBox(e));
        b.disabled = false;
      }
    });
    actions.append(b);
  };
  // Express executions can be neither stopped nor redriven.
  const express = x.executionArn.split(':')[5] === 'express';
  if (x.status === 'RUNNING' && !express) act('Stop', 'stop-button', 'StopExecution', { executionArn: x.executionArn, error: 'Console.Stopped', cause: 'Stopped from the console' });
  if (['FAILED', 'TIMED_OUT', 'ABORTED'].includes(x.status) && !express) act('Redrive', 'redrive-button', 'RedriveExecution', { executionArn: x.executionArn });
  const facts = [
    ['Started', when(x.startDate)],
    ['Stopped', when(x.stopDate)],
    ['Duration', duration(x.startDate, x.stopDate)],
    ['Redrives', x.redriveCount ? `${x.redriveCount} (last ${when(x.redriveDate)})` : ''],
  ].filter(([, v]) => v);
  const out = [
    h('h1', {}, x.name, ' ', h('span', { id: 'execution-status' }, badge(x.status))),
    h('p', { class: 'arn' }, x.executionArn),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    actions, message,
  ];
  if (x.error || x.cause) {
    out.push(h('div', { class: 'error-box', id: 'execution-error', role: 'alert' }, h('strong', { class: 'error-name' }, x.error || ''), h('pre', { class: 'cause' }, pretty(x.cause || ''))));
  }
  out.push(h('div', { class: 'io' },
    h('details', {}, h('summary', {}, 'Input'), pre(x.input ?? '')),
    x.output != null ? h('details', { open: x.status === 'SUCCEEDED' }, h('summary', {}, 'Output'), pre(x.output)) : null));
  return out;
}

function eventSummary(e, stateName) {
  const d = details(e);
  const bits = [];
  if (stateName && !(e.type || '').startsWith('Execution')) bits.push(stateName);
  if (d.resource) bits.push(`${d.resourceType ? d.resourceType + ':' : ''}${d.resource}`);
  if (d.index != null) bits.push(`item ${d.index}`);
  if (d.length != null) bits.push(`${d.length} items`);
  if (d.error) bits.push(d.error);
  if (Array.isArray(d.logs) && d.logs.length) bits.push(`${d.logs.length} log line${d.logs.length > 1 ? 's' : ''}`);
  return bits.join(' · ');
}

function logLines(logs) {
  if (!Array.isArray(logs)) return h('pre', { class: 'logs' }, pretty(logs));
  return h('pre', { class: 'logs' }, logs.map((l) => {
    if (typeof l === 'string') return l + '\n';
    if (l && typeof l === 'object' && 'message' in l) return `${l.level ? `[${String(l.level).toUpperCase()}] ` : ''}${l.message}\n`;
    return JSON.stringify(l) + '\n';
  }).join(''));
}

function eventDetails(e) {
  const d = details(e);
  const parts = [];
  for (const k of ['input', 'parameters', 'output']) if (d[k] != null) parts.push(h('div', { class: 'field' }, h('h4', {}, k), pre(d[k])));
  if (d.error != null) parts.push(h('div', { class: 'field' }, h('h4', {}, 'error'), h('pre', { class: 'error-name' }, d.error)));
  if (d.cause != null) parts.push(h('div', { class: 'field' }, h('h4', {}, 'cause'), h('pre', { class: 'cause' }, pretty(d.cause))));
  if (d.logs != null) parts.push(h('div', { class: 'field' }, h('h4', {}, 'logs'), logLines(d.logs)));
  if (d.assignedVariables) parts.push(h('div', { class: 'field' }, h('h4', {}, 'variables'), pre(d.assignedVariables)));
  const rest = Object.entries(d).filter(([k, v]) => !['input', 'parameters', 'output', 'error', 'cause', 'logs', 'assignedVariables'].includes(k) && (typeof v !== 'object' || v === null));
  if (rest.length) parts.push(h('dl', { class: 'facts' }, rest.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])));
  return parts.length ? parts : [h('span', { class: 'muted' }, 'No details.')];
}

/**
 * The history card for `events`, only those of state `selected` when one is. Returns the card's
 * nodes and `append(all)`, which adds the rows of events in `all` newer than those drawn (for live
 * updates: rows the user opened stay open).
 */
function historyTable(events, start, selected, clear) {
  let names = eventStates(events);
  const keep = (e) => !selected || names.get(e.id) === selected;
  const shown = events.filter(keep);
  const title = h('h2');
  const filterNote = h('p');
  const caption = (total, count) => {
    title.textContent = `History (${total} events)`;
    if (selected) {
      filterNote.className = 'filter-note';
      filterNote.replaceChildren(`Showing the ${count} event${count === 1 ? '' : 's'} of state “${selected}”. `, h('button', { type: 'button', class: 'link', onclick: clear }, 'Show all'));
    } else {
      filterNote.className = 'muted';
      filterNote.textContent = 'Click a state in the graph to see only its events; click a row for its data.';
    }
  };
  caption(events.length, shown.length);
  const row = (e) => {
    const t = String(e.type || '');
    const cls = /Failed|TimedOut|Aborted/.test(t) ? 'ev-bad' : /Succeeded/.test(t) ? 'ev-good' : '';
    const elapsed = start != null && e.timestamp != null ? `${Math.round((e.timestamp - start) * 1000)} ms` : '';
    return `<div class="ev ${cls}" role="row" data-id="${esc(e.id)}" data-type="${esc(t)}"><span class="num">${esc(e.id)}</span><span class="type">${esc(t)}</span>` +
      `<span class="summary">${esc(eventSummary(e, names.get(e.id)))}</span><span class="num">${esc(elapsed)}</span><span>${esc(when(e.timestamp))}</span></div>`;
  };
  // Rows are built as escaped HTML with one click handler for all. A long history skips the
  // layout of rows out of view (`long` in the CSS), so every row is drawn with the page.
  const body = h('div', { class: shown.length > 200 ? 'rows long' : 'rows' });
  body.innerHTML = shown.map(row).join('');
  const byId = new Map(shown.map((e) => [String(e.id), e]));
  let lastId = events.length ? events[events.length - 1].id : 0;
  let count = shown.length;
  body.addEventListener('click', (ev) => {
    const r = ev.target.closest('.ev');
    if (!r) return;
    const next = r.nextElementSibling;
    if (next && next.classList.contains('ev-details')) {
      next.remove();
      r.classList.remove('open');
    } else {
      r.after(h('div', { class: 'ev-details' }, eventDetails(byId.get(r.dataset.id))));
      r.classList.add('open');
    }
  });
  const append = (all) => {
    const added = all.filter((e) => e.id > lastId);
    if (!added.length) return;
    names = eventStates(all);
    lastId = added[added.length - 1].id;
    const rows = added.filter(keep);
    for (const e of rows) byId.set(String(e.id), e);
    count += rows.length;
    caption(all.length, count);
    body.insertAdjacentHTML('beforeend', rows.map(row).join(''));
  };
  const header = h('div', { class: 'ev head', role: 'row' }, ['#', 'Type', 'Detail', 'Elapsed', 'Time'].map((c) => h('span', {}, c)));
  return { nodes: [title, filterNote, h('div', { class: 'history', role: 'table' }, header, body)], append };
}

async function functionsPage(view) {
  const fns = await functions();
  view.dataset.title = 'Functions';
  view.append(h('h1', {}, 'Functions'));
  if (!fns.length) {
    view.append(h('p', { class: 'muted' }, 'No functions uploaded. Upload one with PUT /functions/{name} (for example `stepwasm deploy`).'));
    return;
  }
  const table = h('table', { class: 'list', id: 'functions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Module'), h('th', {}, 'Grants'), h('th', {}, 'Limits'))));
  const body = h('tbody');
  for (const f of fns.slice().sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
    const facts = [];
    if (f.kind) facts.push(['kind', f.kind]);
    if (f.size != null) facts.push(['size', `${Math.round(f.size / 1024)} KiB`]);
    if (f.sha256) facts.push(['sha256', String(f.sha256).slice(0, 16) + '…']);
    if (f.updated != null || f.updatedDate != null) facts.push(['updated', when(f.updated ?? f.updatedDate)]);
    const grants = f.grants ?? {};
    const limits = f.limits ?? grants.limits ?? null;
    const grantsShown = limits && grants.limits ? Object.fromEntries(Object.entries(grants).filter(([k]) => k !== 'limits')) : grants;
    body.append(h('tr', { 'data-function': f.name },
      h('td', {}, h('strong', {}, f.name)),
      h('td', {}, h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
      h('td', {}, pre(JSON.stringify(grantsShown))),
      h('td', {}, limits ? pre(JSON.stringify(limits)) : h('span', { class: 'muted' }, 'defaults'))));
  }
  table.append(body);
  view.append(table);
}
