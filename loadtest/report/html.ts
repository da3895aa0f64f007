/** Placeholder replaced below. */
import type { ScenarioResult } from '../result.js';
export function renderHtml(results: readonly ScenarioResult[]): string {
  return `<pre>${JSON.stringify(results, null, 2)}</pre>`;
}
