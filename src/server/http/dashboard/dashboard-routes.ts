/**
 * The dashboard's two routes: the page (open: it holds neither data nor secret, and a browser
 * cannot add the key to a navigation) and its data, behind the API guard like /metrics and read
 * from the same text /metrics serves, so the two can never disagree.
 */
import type { HttpHandler, HttpRouter } from '../../transport/http.js';
import type { GuardedHandler } from '../guard.js';
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from './dashboard-page.js';
import { dashboardView } from './dashboard-view.js';

export interface DashboardRouteDeps {
  router: HttpRouter;
  guarded: (handler: GuardedHandler) => HttpHandler;
  /** The text /metrics serves (this server's, or the box's with `--workers`). */
  metricsText: () => Promise<string>;
  /** Headers every answer carries (`X-Switchboard-Worker`). */
  headers: Readonly<Record<string, string>>;
}

/** Registers `GET /dashboard` and `GET /dashboard/data`. */
export function registerDashboardRoutes({ router, guarded, metricsText, headers }: DashboardRouteDeps): void {
  router.get('/dashboard', (exchange) => {
    exchange.send('200 OK', 'text/html; charset=utf-8', DASHBOARD_HTML, false, { ...headers, ...DASHBOARD_HEADERS });
  });

  router.get('/dashboard/data', guarded(async (exchange) => {
    const view = dashboardView(await metricsText(), Date.now());
    exchange.send('200 OK', 'application/json', JSON.stringify(view), false, { ...headers, 'Cache-Control': 'no-store' });
  }));
}
