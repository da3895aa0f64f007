/**
 * Where the window's deliveries went: arrived in the window, arrived late (after it, while the run
 * waited for stragglers), or never arrived. "delivered 380,881, lost 0" alone reads as if the rest
 * vanished; these three add up to what was due.
 */
import type { ScenarioResult } from './result.js';

export interface Arrivals {
  /** Deliveries the window's publications owed (publications × subscriptions of their topic). */
  due: number;
  inWindow: number;
  late: number;
  lost: number;
  /**
   * due − (in window + late + lost). Not zero when a warm-up message arrived in the window or was
   * lost (the loss count covers the warm-up too), or when a message arrived twice.
   */
  unaccounted: number;
}

/** The arrivals of a result; null for results without the counts (other scenarios, older JSON). */
export function arrivals(r: ScenarioResult): Arrivals | null {
  if (r.deliveriesDue === undefined || r.deliveredLate === undefined) return null;
  const unaccounted = r.deliveriesDue - r.delivered - r.deliveredLate - r.lost;
  return { due: r.deliveriesDue, inWindow: r.delivered, late: r.deliveredLate, lost: r.lost, unaccounted };
}

const num = (value: number) => value.toLocaleString('en-US');

/**
 * "252,500 due: 252,500 arrived in the window, 0 late (after it), 0 lost"; for results without the
 * counts, what was measured and that late arrivals were not counted.
 */
export function arrivalsText(r: ScenarioResult): string {
  const a = arrivals(r);
  if (a === null) return `${num(r.delivered)} arrived in the window, ${num(r.lost)} lost (arrivals after the window not counted)`;
  const parts = `${num(a.due)} due: ${num(a.inWindow)} arrived in the window, ${num(a.late)} late (after it), ${num(a.lost)} lost`;
  if (a.unaccounted === 0) return parts;
  const why = a.unaccounted < 0 ? 'more than due: warm-up messages arriving in the window, warm-up losses or duplicates' : 'not seen arriving nor counted lost';
  return `${parts}; ${num(Math.abs(a.unaccounted))} ${why}`;
}
