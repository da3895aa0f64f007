/**
 * Routes for operators: Prometheus metrics (behind the API guard), the liveness check and the
 * readiness check (both open). Liveness stays 200 while the engine is down (restarting the process
 * would not bring Redis back and would drop every client); readiness says 503 so a load balancer
 * sends new clients elsewhere.
 */
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
  /** Whether the engine can publish now. */
  engineReady: () => boolean;
  startedAt: number;
}

export function registerOperationsRoutes({ router, guarded, metrics, connections, engineReady, startedAt }: OperationsRouteDeps): void {
  router.get('/metrics', guarded(async (exchange) => {
    const text = await metrics.metrics();
    exchange.send('200 OK', metrics.contentType, text);
  }));

  router.get('/healthz', (exchange) => {
    exchange.json('200 OK', { status: 'ok', connections: connections(), uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  });

  router.get('/readyz', (exchange) => {
    if (engineReady()) exchange.json('200 OK', { status: 'ready' });
    else exchange.json('503 Service Unavailable', { status: 'engine unavailable' });
  });
}
