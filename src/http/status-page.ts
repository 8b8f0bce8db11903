// The status page the HTTP listener serves at `/`: one HTML file with its CSS and script inline and
// nothing from elsewhere. Its script polls `status.json` (the document `hastmonctl status --json`
// prints) and `events.json` (the event record, newest last), and shows every resource, its holder,
// this node's state and role, the quorum, each node's view, and a timeline of recent changes. It
// only reads: nothing on it changes the cluster. When the daemon stops answering, it keeps the last
// answer on screen, marked stale with the time it came.
//
// Everything taken from the documents reaches the page as text (append of strings, textContent),
// never as markup. A Content-Security-Policy with the hashes of the inline script and style lets
// nothing else run, load or connect anywhere but the page's own origin.
import { createHash } from 'node:crypto';

/** How often the page asks: as often as the state file is rewritten, so both tell the same story. */
export const STATUS_PAGE_POLL_MS = 1000;

/**
 * How long the page waits for one answer before calling the data stale: a daemon answers in
 * milliseconds, so three polls' worth is a daemon that is wedged or gone, not one that is busy.
 */
export const STATUS_PAGE_FETCH_TIMEOUT_MS = 3000;

/** Changes shown per resource, newest first: a few failovers with their state changes. */
export const STATUS_PAGE_TIMELINE_LENGTH = 20;

const STYLE = `
body{font:15px/1.4 system-ui,sans-serif;margin:1em auto;max-width:60em;padding:0 1em;color:#111;background:#fff}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.2em;margin:0 0 .3em}h3{font-size:1em;margin:.8em 0 .2em}
#connection{padding:.3em .6em;border-radius:4px;background:#eef7ee}
#connection.bad{background:#fde8e8;color:#7a0000}
.stale main{opacity:.6}
section{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;margin:1em 0}
.holder{font-size:1.3em;margin:.2em 0}.holder.none{color:#7a0000}
dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.5em 0}dt{color:#555}dd{margin:0}
table{border-collapse:collapse;margin:.5em 0}caption{text-align:left;color:#555}
th,td{border:1px solid #ccc;padding:.15em .6em;text-align:left}thead th{background:#f3f3f3}
tr.self th{font-weight:bold}tr.timedout{color:#7a0000}
ol{margin:.2em 0;padding-left:1.5em}li.state-change{color:#555}time{font-variant-numeric:tabular-nums}
.note{color:#555;font-style:italic}
`;

const SCRIPT = `
'use strict';
const POLL_MS = ${STATUS_PAGE_POLL_MS}, TIMEOUT_MS = ${STATUS_PAGE_FETCH_TIMEOUT_MS}, TIMELINE = ${STATUS_PAGE_TIMELINE_LENGTH};
let status = null, statusAt = null, failure = null, failedAt = null, events = null, eventsNote = '';

function el(tag, cls, ...kids) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.append(...kids.filter((k) => k !== null && k !== undefined && k !== ''));
  return e;
}
const str = (v) => (v === null || v === undefined ? '' : String(v));
const pad = (n) => String(n).padStart(2, '0');
function when(v) {
  const d = v instanceof Date ? v : new Date(str(v));
  if (isNaN(d.getTime())) return str(v);
  const day = d.toDateString() === new Date().toDateString() ? '' : d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ';
  const t = el('time', null, day + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()));
  t.dateTime = d.toISOString();
  return t;
}

async function getJson(path) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const answer = await fetch(path, { cache: 'no-store', signal: abort.signal, headers: { accept: 'application/json' } });
    if (!answer.ok) throw new Error('HTTP ' + answer.status);
    return await answer.json();
  } catch (e) {
    throw new Error(abort.signal.aborted ? 'no answer within ' + TIMEOUT_MS / 1000 + ' s' : str(e && e.message) || str(e));
  } finally {
    clearTimeout(timer);
  }
}

async function poll() {
  // The time of each answer is taken when it comes, not when the slower of the two does.
  const [s, ev] = await Promise.allSettled([getJson('status.json').then((doc) => ({ doc, at: new Date() })), getJson('events.json')]);
  if (s.status === 'fulfilled' && s.value.doc && typeof s.value.doc.node === 'string' && Array.isArray(s.value.doc.resources)) {
    status = s.value.doc; statusAt = s.value.at; failure = null;
  } else {
    if (failure === null) failedAt = new Date();
    failure = s.status === 'rejected' ? s.reason.message : 'the answer is not a status document';
  }
  if (ev.status === 'fulfilled' && ev.value && Array.isArray(ev.value.events)) {
    events = ev.value.events; eventsNote = '';
  } else {
    eventsNote = 'The events record did not answer (' + (ev.status === 'rejected' ? ev.reason.message : 'not an events document') + ')' +
      (events ? '; these are the last ones read.' : '.');
  }
  try { render(); } catch (e) { document.getElementById('detail').textContent = 'this page could not show the answer: ' + str(e && e.message); }
  setTimeout(poll, POLL_MS);
}

function render() {
  const health = failure !== null ? (status === null ? 'No answer' : 'Stale') : status === null ? 'Waiting' : 'Live';
  const shown = document.getElementById('health');
  if (shown.textContent !== health) shown.textContent = health; // announced only when it changes
  document.getElementById('connection').className = failure === null ? 'ok' : 'bad';
  document.body.classList.toggle('stale', failure !== null);
  const detail = document.getElementById('detail');
  if (status === null) {
    detail.replaceChildren(failure === null ? 'waiting for the first answer from the daemon.' :
      'from the daemon yet (' + failure + '); asking again every ' + POLL_MS / 1000 + ' s.');
    return;
  }
  const node = str(status.node);
  document.title = 'hastmon: ' + node + (failure === null ? '' : ' (stale)');
  document.getElementById('title').textContent = 'hastmon on ' + node;
  if (failure === null) {
    detail.replaceChildren('last answer at ', when(statusAt), ' from ' + node + ' (pid ' + str(status.pid) + '); asking every ' + POLL_MS / 1000 + ' s.');
  } else {
    detail.replaceChildren('the daemon stopped answering at ', when(failedAt), ' (' + failure + '). Shown below is its last answer, from ', when(statusAt), '.');
  }
  const sections = status.resources.map(resourceSection);
  document.getElementById('resources').replaceChildren(...(sections.length ? sections : [el('p', 'note', 'This node has no resources.')]));
}

function resourceSection(r) {
  const holder = str(r.holder);
  const held = holder === '' ? el('p', 'holder none', 'held by nobody')
    : el('p', 'holder', 'held by ', el('strong', null, holder), holder === status.node ? ' (this node)' : '');
  const facts = el('dl');
  const fact = (name, ...value) => facts.append(el('dt', null, name), el('dd', null, ...value));
  fact('here, on ' + str(status.node), str(r.state) + ', ' + str(r.role) + (r.forced ? ', forced' : '') + (r.offlineSec > 0 ? ', offline for ' + r.offlineSec + ' s more' : ''));
  const quorum = 'quorum ' + str(r.quorum) + ' of ' + str(r.voters) + ' voters';
  fact('quorum', typeof r.endorsements === 'number' ? r.endorsements + ' endorsements, ' + quorum : quorum);
  fact('reason', str(r.reason));
  const etcd = status.etcd && Array.isArray(status.etcd.resources) ? status.etcd : null;
  const key = etcd ? etcd.resources.find((k) => k && k.name === r.name) : undefined;
  if (key) fact('etcd', etcdWords(key, str(etcd.lastError)));
  return el('section', null, el('h2', null, str(r.name)), held, facts, viewTable(r), timeline(str(r.name)));
}

// The words of hastmonctl status and the state file (src/io/etcd/etcd-words.ts).
function etcdWords(k, lastError) {
  const ms = typeof k.countsForMs === 'number' ? k.countsForMs : 0;
  if (k.claim === 'ours') return ms > 0 ? 'ours, counts ' + (ms / 1000).toFixed(1) + ' s more' : 'ours, not counted here';
  if (k.claim === 'theirs') return 'held by ' + (str(k.owner) || 'a value hastmon does not know');
  if (k.claim === 'free') return 'free';
  if (k.claim === 'unreachable') return 'unreachable' + (lastError ? ' (' + lastError + ')' : '');
  return 'not heard yet';
}

function viewTable(r) {
  const row = (cls, cells) => {
    const name = el('th', null, cells[0]);
    name.scope = 'row';
    return el('tr', cls, name, ...cells.slice(1).map((c) => el('td', null, c)));
  };
  const head = el('tr', null, ...['node', 'state', 'role', 'priority', 'endorses', 'heard'].map((h) => { const th = el('th', null, h); th.scope = 'col'; return th; }));
  const rows = [row('self', [str(status.node) + ' (this node)', str(r.state), str(r.role), '', '', 'here'])];
  for (const p of Array.isArray(r.peers) ? r.peers : []) {
    const heard = typeof p.heardAgoMs === 'number' ? (p.heardAgoMs / 1000).toFixed(1) + ' s ago' : 'never';
    rows.push(row(p.state === 'TIMEDOUT' ? 'timedout' : null,
      [str(p.node), str(p.state) + (p.offline ? ' (offline)' : ''), str(p.role), str(p.priority), str(p.vote) || 'nobody', heard]));
  }
  return el('table', null, el('caption', null, 'Each node as ' + str(status.node) + ' sees it'), el('thead', null, head), el('tbody', null, ...rows));
}

function timeline(name) {
  const box = el('div', null, el('h3', null, 'Recent changes of ' + name));
  if (eventsNote) box.append(el('p', 'note', eventsNote));
  const mine = (events || []).filter((e) => e && e.resource === name).slice(-TIMELINE).reverse();
  if (mine.length === 0) {
    if (events) box.append(el('p', 'note', 'None recorded since the daemon started.'));
    return box;
  }
  box.append(el('ol', null, ...mine.map((e) => {
    const holder = e.subject === 'holder';
    const change = holder ? 'holder ' + (str(e.from) || 'nobody') + ' → ' + (str(e.to) || 'nobody')
      : 'state here ' + str(e.from) + ' → ' + str(e.to);
    return el('li', holder ? 'holder-change' : 'state-change', when(e.time), ' ', holder ? el('strong', null, change) : change, e.reason ? ': ' + str(e.reason) : '');
  })));
  return box;
}

poll();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page's policy: its own script and style (by hash) and requests to its own origin, nothing
 * else. The server may send it as a header as well, with `frame-ancestors 'none'`, which a meta
 * element cannot carry.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const STATUS_PAGE_CONTENT_TYPE = 'text/html; charset=utf-8';

/** The page, served as it is at `/`. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${STATUS_PAGE_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>hastmon</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1 id="title">hastmon</h1>
<p id="connection"><strong id="health" role="status">Waiting</strong>: <span id="detail">waiting for the first answer from the daemon.</span></p>
</header>
<noscript><p>This page needs JavaScript to ask the daemon every second. Without it, read
<a href="status.json">status.json</a> and <a href="events.json">events.json</a>, or run <code>hastmonctl status</code>.</p></noscript>
<main id="resources"></main>
<footer><p class="note">Read-only: this page only reads <a href="status.json">status.json</a> and
<a href="events.json">events.json</a>; nothing on it changes the cluster.</p></footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
