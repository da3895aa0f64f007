/**
 * Attempts a WebSocket upgrade and reports how the server answered: the HTTP status and body of a
 * refusal (429/503), or 101 and then either the first message (an accepted connection's Welcome)
 * or the close code and reason of a connection refused after the upgrade (authentication and
 * origin refusals, 4001/4004/4503/4504/4505). Security tests assert both exactly.
 */
import WebSocket from 'ws';

export interface UpgradeOutcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Parsed `{error, code}` body of a refusal. */
  json: { error?: string; code?: string } | undefined;
  /**
   * After 101: the close that came instead of a first message, if the server refused that way.
   * `abnormal` only for 1006: the connection ended without a close frame.
   */
  close?: { code: number; reason: string; abnormal?: string };
}

export function upgradeStatus(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    ws.on('open', () => {
      // Accepted connections are sent a Welcome first; refused ones are closed at once.
      ws.once('message', () => {
        ws.close();
        resolve({ status: 101, headers: {}, body: '', json: undefined });
      });
      ws.once('close', (code, reason) => {
        const close = { code, reason: reason.toString(), ...(code === 1006 ? { abnormal: 'the TCP connection ended without a close frame' } : {}) };
        resolve({ status: 101, headers: {}, body: '', json: undefined, close });
      });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    ws.on('error', (err) => resolve({ status: 0, headers: {}, body: String(err), json: undefined }));
  });
}
