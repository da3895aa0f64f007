/**
 * Attempts a WebSocket upgrade and reports how the server answered: 101, or the status, headers
 * and body of a refusal. Security tests assert refusals (401/403/429/503/504) exactly, which the
 * SDK and RawClient cannot show because a refused upgrade never becomes a socket.
 */
import WebSocket from 'ws';

export interface UpgradeOutcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Parsed `{error, code}` body of a refusal. */
  json: { error?: string; code?: string } | undefined;
}

export function upgradeStatus(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, headers: {}, body: '', json: undefined });
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
