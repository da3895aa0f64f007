/**
 * A real node:http backend for the backend hooks that answers whatever a test scripted: each
 * hostile answer gets a name, and the request says which one it wants (the connect query's
 * `answer`, the topic after `hook:`, the rpc method). Unnamed requests get the well-behaved answer,
 * so the bystander and ordinary clients connect as usual. It records how many calls were open at
 * once, the number the backend call caps must bound.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';

/** One scripted answer: status and raw body bytes (so a body may be anything, invalid UTF-8 included). */
export interface ScriptedAnswer {
  status: number;
  body: Uint8Array | string;
}

export interface HostileBackend {
  /** Base URL: hooks are `<base>/connect`, `/subscribe`, `/publish`, `/rpc`. */
  readonly base: string;
  /** Registers an answer and returns the name a request uses to ask for it. */
  script(answer: ScriptedAnswer): string;
  /** Calls answered so far, and the most that were open at once. */
  readonly stats: { calls: number; open: number; maxOpen: number };
}

export async function startHostileBackend(): Promise<HostileBackend> {
  const answers = new Map<string, ScriptedAnswer>();
  const stats = { calls: 0, open: 0, maxOpen: 0 };
  const server: Server = createServer((req, res) => {
    stats.calls++;
    stats.maxOpen = Math.max(stats.maxOpen, ++stats.open);
    res.once('close', () => stats.open--);
    void readJson(req).then((body) => {
      const name = scriptName(req.url ?? '', body);
      const answer = name === undefined ? undefined : answers.get(name);
      if (answer === undefined) {
        const fine = req.url === '/connect' ? {} : req.url === '/rpc' ? { result: 'ok' } : { allow: true };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fine));
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  // The server keeps sockets alive between calls; closing must not wait for them.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  let next = 0;
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    script(answer) {
      const name = `a${++next}`;
      answers.set(name, answer);
      return name;
    },
  };
}

/** The request's body as JSON, or undefined (never rejects: a broken request gets the default answer). */
function readJson(req: IncomingMessage): Promise<Record<string, any> | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => resolve(undefined));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** Which scripted answer a hook request names: `?answer=` at connect, `hook:<name>` topics, rpc methods. */
function scriptName(path: string, body: Record<string, any> | undefined): string | undefined {
  if (body === undefined) return undefined;
  if (path === '/connect') return typeof body.query?.answer === 'string' ? body.query.answer : undefined;
  if (path === '/rpc') return typeof body.method === 'string' ? body.method : undefined;
  const topic = typeof body.topic === 'string' ? body.topic : '';
  return topic.startsWith('hook:') ? topic.slice('hook:'.length) : undefined;
}
