/** Routes for operators: Prometheus metrics (behind the API guard) and the liveness check (open). */
import type { Registry } from 'prom-client';
import type { HttpRouter } from '../transport.js';
import type { GuardedHandler } from './guard.js';
import type { HttpHandler } from '../transport.js';

export interface OperationsRouteDeps {
  router: HttpRouter;
  guarded: (handler: GuardedHandler) => HttpHandler;
  metrics: Registry;
  /** Open connections. */
  connections: () => number;
  startedAt: number;
}

export function registerOperationsRoutes({ router, guarded, metrics, connections, startedAt }: OperationsRouteDeps): void {
  router.get('/metrics', guarded(async (exchange) => {
    const text = await metrics.metrics();
    exchange.send('200 OK', metrics.contentType, text);
  }));

  router.get('/healthz', (exchange) => {
    exchange.json('200 OK', { status: 'ok', connections: connections(), uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  });
}
