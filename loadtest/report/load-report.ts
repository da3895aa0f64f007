/**
 * Everything one `npm run loadtest` produced: the runs, and for `compare` the summary over rounds
 * and the find-max searches. What --json writes for compare and --find-max, and what the HTML
 * report and the tables are drawn from.
 */
import type { SearchResult } from '../scenarios/find-max-search.js';
import type { MachineInfo, ScenarioResult } from './result.js';
import type { RepeatSummary } from './rounds.js';
import type { Spread } from './stats.js';

/** One server's find-max searches. */
export interface FindMaxServer {
  server: string;
  /** uWS build or library, as the server reported it in its first probe. */
  serverBuild: string;
  /** One search per repeat, in the order they ran, each with its round. */
  searches: Array<SearchResult & { round: number }>;
  /** Found rate over the searches, msg/s published. */
  foundRate: Spread | null;
  /** The same in deliveries/s offered (rate × subscriptions per topic). */
  foundDeliveriesPerSec: Spread | null;
  /** Set when the searches disagree widely: the knee is a band, not a line. */
  knee: string | null;
}

export interface FindMaxReport {
  p99BoundMs: number;
  probeDurationSec: number;
  /** Deliveries each publication makes (subscriptions per topic, probes included). */
  deliveriesPerPublication: number;
  rounds: Array<{ round: number; order: string[] }>;
  servers: FindMaxServer[];
}

export interface LoadReport {
  scenario: string;
  /** The offered load in words, and why it was chosen (compare). */
  load?: string;
  results: ScenarioResult[];
  /** Where and when it ran (find-max has no results of its own to carry it). */
  machine?: MachineInfo;
  startedAt?: string;
  repeat?: RepeatSummary;
  findMax?: FindMaxReport;
}
