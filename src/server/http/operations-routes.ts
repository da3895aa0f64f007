/**
 * Routes for operators: Prometheus metrics and the dashboard's data (behind the API guard), the
 * dashboard page (dashboard/), the liveness check and the readiness check (open). Liveness stays 200 while the engine is down (restarting the process
 * would not bring Redis back and would drop every client); readiness says 503 so a load balancer
 * sends new clients elsewhere, and while the server drains (see drain.ts). One worker of several
 * (`--workers`) names itself in the bodies and an `X-Switchboard-Worker` header, and answers for
 * the whole box where that is what a scrape or a balancer means (see cluster/).
 */
import type { Registry } from 'prom-client';
import type { HttpExchange, HttpRouter } from '../transport/http.js';
import type { GuardedHandler } from './guard.js';
import type { HttpHandler } from '../transport/http.js';
import { registerDashboardRoutes } from './dashboard/dashboard-routes.js';

/** What /readyz answers: 200 when `ready`, else 503, with `status` in the body. */
export interface Readiness {
  ready: boolean;
  status: string;
}

export interface OperationsRouteDeps {
  router: HttpRouter;
  guarded: (handler: GuardedHandler) => HttpHandler;
  metrics: Registry;
  /** Open connections. */
  connections: () => number;
  /** Readiness now (engine up, not draining; for a worker, see cluster/box-view.ts). */
  readiness: () => Readiness;
  startedAt: number;
  /** This process's worker id when it is one of several (`--workers`). */
  workerId?: string;
  /** The Prometheus text to serve instead of `metrics` alone (every worker's). */
  metricsText?: () => Promise<string>;
}

export function registerOperationsRoutes({ router, guarded, metrics, connections, readiness, startedAt, workerId, metricsText }: OperationsRouteDeps): void {
  const headers: Record<string, string> = workerId === undefined ? {} : { 'X-Switchboard-Worker': workerId };
  const worker = workerId === undefined ? {} : { worker: workerId };
  const json = (exchange: HttpExchange, status: string, body: object) => exchange.send(status, 'application/json', JSON.stringify(body), false, headers);

  const text = () => (metricsText === undefined ? metrics.metrics() : metricsText());
  router.get('/metrics', guarded(async (exchange) => {
    exchange.send('200 OK', metrics.contentType, await text(), false, headers);
  }));
  registerDashboardRoutes({ router, guarded, metricsText: text, headers });

  router.get('/healthz', (exchange) => {
    json(exchange, '200 OK', { status: 'ok', connections: connections(), uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), ...worker });
  });

  router.get('/readyz', (exchange) => {
    const { ready, status } = readiness();
    json(exchange, ready ? '200 OK' : '503 Service Unavailable', { status, ...worker });
  });
}
