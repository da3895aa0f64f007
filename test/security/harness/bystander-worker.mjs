/**
 * The timed bystander, in a worker thread: its own event loop, so the attacking test's work (fast-check
 * generation, big buffers) cannot be mistaken for server latency. It subscribes to one topic over the
 * native JSON door and publishes {n, t} there through the HTTP API every `periodMs`, one publish at a
 * time (concurrent requests could overtake each other on the way in, which is not the server's fault).
 * Plain JavaScript on purpose: a worker must not depend on the parent's TypeScript loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

const { url, http, apiKey, token, topic, periodMs } = workerData;
const report = { subscribed: false, published: 0, received: 0, maxLatencyMs: 0, problems: [], closed: undefined };
const problem = (text) => {
  if (report.problems.length < 20) report.problems.push(text);
};

const ws = new WebSocket(`${url}?token=${token}`, ['switchboard.v1.json']);
ws.on('open', () => ws.send(JSON.stringify([1, 1, [topic]])));
ws.on('error', (err) => problem(`socket error: ${err.message}`));
ws.on('close', (code, reason) => {
  report.closed = { code, reason: reason.toString() };
  problem(`bystander socket closed ${code} ${reason.toString()}`);
});
ws.on('message', (data) => {
  const now = Date.now();
  for (const line of data.toString('utf8').split('\n')) {
    const frame = JSON.parse(line);
    if (frame[0] === 21 && frame[1] === 1) report.subscribed = true;
    if (frame[0] === 22) problem(`error frame ${line}`);
    if (frame[0] !== 20 || frame[1] !== topic) continue;
    const { n, t } = frame[3];
    if (n !== report.received + 1) problem(`message ${n} arrived after ${report.received}`);
    report.received = n;
    const latency = now - t;
    report.maxLatencyMs = Math.max(report.maxLatencyMs, latency);
    if (latency > workerData.maxLatencyMs) problem(`message ${n} took ${latency} ms`);
  }
});

let running = true;
async function publishLoop() {
  while (!report.subscribed) await new Promise((resolve) => setTimeout(resolve, 10));
  parentPort.postMessage({ ready: true });
  while (running) {
    const started = Date.now();
    const n = report.published + 1;
    try {
      const res = await fetch(`${http}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ topic, data: { n, t: started } }),
      });
      const text = await res.text();
      if (res.status === 200) report.published = n;
      else problem(`publish ${n}: ${res.status} ${text.slice(0, 200)}`);
    } catch (err) {
      problem(`publish ${n} failed: ${err.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, periodMs - (Date.now() - started))));
  }
}
publishLoop().catch((err) => problem(`publish loop: ${err.message}`));

parentPort.on('message', (message) => {
  if (message === 'report') parentPort.postMessage({ report: structuredClone(report) });
  if (message === 'stop') {
    running = false;
    ws.close();
    parentPort.close();
  }
});
