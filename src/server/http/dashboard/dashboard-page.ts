/**
 * The dashboard page: one self-contained HTML document (inline script and style, no external
 * asset) that polls `dashboard/data` and draws rates from the difference between two readings.
 * It holds no data and no secret, so it is served without the API key; the data it polls is
 * behind the key like /metrics. The key reaches the page in the URL fragment (`#key=…`, which a
 * browser never sends to a server, so it lands in no access log) or through a form, is kept in
 * sessionStorage (this tab only), and goes out as `Authorization: Bearer`. Topic names are
 * anyone's input: the script writes them with textContent only, and the Content-Security-Policy
 * allows no script but this one.
 */
import { createHash } from 'node:crypto';

/** How often the page asks for data, in ms (2 s). */
export const POLL_MS = 2000;

const STYLE = `
:root { color-scheme: light dark; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 1.5rem; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
#status { color: GrayText; margin: 0 0 1rem; }
#status.bad { color: #c0392b; font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin-bottom: 1.5rem; }
.card { border: 1px solid #8884; border-radius: 6px; padding: .6rem .9rem; min-width: 9rem; }
.card b { display: block; font-size: 1.6rem; font-variant-numeric: tabular-nums; }
.card span { color: GrayText; font-size: .85rem; }
table { border-collapse: collapse; margin-bottom: 1.5rem; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: .25rem .7rem; border-bottom: 1px solid #8883; }
th:first-child, td:first-child { text-align: left; }
td.topic { font-family: ui-monospace, monospace; max-width: 40rem; overflow-wrap: anywhere; }
.down { color: #c0392b; font-weight: 600; }
[hidden] { display: none !important; }
`;

const SCRIPT = `
'use strict';
(() => {
  const KEY = 'switchboard-dashboard-key';
  const POLL_MS = ${POLL_MS};
  const $ = (id) => document.getElementById(id);
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('key')) {
    sessionStorage.setItem(KEY, fragment.get('key'));
    // Out of the address bar and the history, so a shared screen or a copied link does not show it.
    history.replaceState(null, '', location.pathname + location.search);
  }
  let previous;
  let waitingForKey = false;

  const status = (text, bad) => { $('status').textContent = text; $('status').className = bad ? 'bad' : ''; };
  const format = (n) => n === null ? '–' : Number.isInteger(n) || n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1);
  const cell = (row, text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.append(td);
  };
  // Per second between two readings of one worker; none after a worker restarted (its counters began again).
  const rate = (now, before, field, seconds) => {
    if (!before || seconds <= 0 || now[field] < before[field]) return null;
    return (now[field] - before[field]) / seconds;
  };
  const sum = (values) => values.some((v) => v === null) ? null : values.reduce((a, b) => a + b, 0);

  function render(view) {
    const seconds = previous ? (view.at - previous.at) / 1000 : 0;
    const before = new Map((previous ? previous.workers : []).map((w) => [w.worker, w]));
    const rates = view.workers.map((w) => {
      const b = before.get(w.worker);
      return {
        publications: rate(w, b, 'publications', seconds),
        deliveries: rate(w, b, 'deliveries', seconds),
        messagesIn: rate(w, b, 'messagesIn', seconds),
        httpPublishes: rate(w, b, 'httpPublishes', seconds),
        slowLagged: rate(w, b, 'slowLagged', seconds),
      };
    });
    const down = view.workers.filter((w) => w.engineReady !== 1);
    $('connections').textContent = format(view.workers.reduce((a, w) => a + w.connections, 0));
    $('publications-rate').textContent = format(sum(rates.map((r) => r.publications)));
    $('deliveries-rate').textContent = format(sum(rates.map((r) => r.deliveries)));
    $('messages-in-rate').textContent = format(sum(rates.map((r) => r.messagesIn)));
    $('http-publishes-rate').textContent = format(sum(rates.map((r) => r.httpPublishes)));
    $('slow-lagged-rate').textContent = format(sum(rates.map((r) => r.slowLagged)));
    $('slow-closed').textContent = format(view.workers.reduce((a, w) => a + w.slowClosed, 0));
    $('engine').textContent = view.workers.length === 0 ? 'no worker answered' : down.length === 0 ? 'ready' : 'unavailable';
    $('engine').className = down.length === 0 && view.workers.length > 0 ? '' : 'down';

    const boxed = view.workers.some((w) => w.worker !== null);
    $('workers').hidden = !boxed;
    const workerRows = $('workers').tBodies[0];
    workerRows.replaceChildren();
    view.workers.forEach((w, i) => {
      const row = workerRows.insertRow();
      cell(row, w.worker === null ? '' : w.worker);
      cell(row, w.engineReady === 1 ? 'ready' : 'unavailable', w.engineReady === 1 ? '' : 'down');
      cell(row, format(w.connections));
      cell(row, format(rates[i].publications));
      cell(row, format(rates[i].deliveries));
      cell(row, format(rates[i].messagesIn));
      cell(row, format(rates[i].httpPublishes));
      cell(row, format(rates[i].slowLagged));
      cell(row, format(w.slowClosed));
    });

    const topicRows = $('top-topics').tBodies[0];
    topicRows.replaceChildren();
    for (const t of view.topTopics) {
      const row = topicRows.insertRow();
      cell(row, t.topic, 'topic');
      cell(row, format(t.perSecond));
    }
    $('no-topics').hidden = view.topTopics.length > 0;
    previous = view;
    status('updated ' + new Date(view.at).toLocaleTimeString() + (boxed ? ' · ' + view.workers.length + ' workers' : ''), false);
  }

  async function poll() {
    if (waitingForKey) return;
    const key = sessionStorage.getItem(KEY);
    let response;
    try {
      response = await fetch('dashboard/data', { headers: key ? { authorization: 'Bearer ' + key } : {}, cache: 'no-store' });
    } catch {
      status('server unreachable: retrying', true);
      return;
    }
    if (response.status === 401) {
      sessionStorage.removeItem(KEY);
      waitingForKey = true;
      $('key-form').hidden = false;
      status(key ? 'the API key was refused: enter it again' : 'enter the API key', true);
      return;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status(response.status + ': ' + (body.error || response.statusText), true);
      return;
    }
    render(await response.json());
  }

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $('key').value);
    $('key').value = '';
    $('key-form').hidden = true;
    waitingForKey = false;
    poll().catch((err) => status(String(err), true));
  });

  const loop = () => poll().catch((err) => status(String(err), true)).finally(() => setTimeout(loop, POLL_MS));
  loop();
})();
`;

const BODY = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Switchboard dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Switchboard</h1>
<p id="status">loading…</p>
<form id="key-form" hidden autocomplete="off">
  <label>API key <input id="key" type="password" autocomplete="off" required></label>
  <button>Show</button>
</form>
<div class="cards">
  <div class="card"><b id="connections">–</b><span>connections</span></div>
  <div class="card"><b id="publications-rate">–</b><span>publications / s</span></div>
  <div class="card"><b id="deliveries-rate">–</b><span>deliveries / s</span></div>
  <div class="card"><b id="messages-in-rate">–</b><span>client messages / s</span></div>
  <div class="card"><b id="http-publishes-rate">–</b><span>HTTP publishes / s</span></div>
  <div class="card"><b id="slow-lagged-rate">–</b><span>slow consumers lagging / s</span></div>
  <div class="card"><b id="slow-closed">–</b><span>slow consumers closed (total)</span></div>
  <div class="card"><b id="engine">–</b><span>engine</span></div>
</div>
<table id="workers" hidden>
  <thead><tr><th>worker</th><th>engine</th><th>connections</th><th>publications / s</th><th>deliveries / s</th><th>client messages / s</th><th>HTTP publishes / s</th><th>lagging / s</th><th>closed slow</th></tr></thead>
  <tbody></tbody>
</table>
<table id="top-topics">
  <thead><tr><th>top topics (last window)</th><th>publications / s</th></tr></thead>
  <tbody></tbody>
</table>
<p id="no-topics">No publications in the last window.</p>
<script>${SCRIPT}</script>
</body>
</html>
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The page's HTML. */
export const DASHBOARD_HTML = BODY;

/** Headers the page goes out with: only its own inline script and style may run, and nothing may frame it. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `default-src 'none'; script-src ${hash(SCRIPT)}; style-src ${hash(STYLE)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
