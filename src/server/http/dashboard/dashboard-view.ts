/**
 * The dashboard's JSON view: the handful of /metrics series it shows, read out of the very text
 * /metrics serves (one worker's, or the box's with `--workers`), grouped by worker. Counters stay
 * counters: the page turns them into rates from one reading to the next, as Prometheus would.
 */
import { readSamples, type Sample } from './exposition.js';

/** Which metric each field of a worker's view reads. */
export const VIEW_SERIES = {
  connections: 'switchboard_connections',
  engineReady: 'switchboard_engine_ready',
  publications: 'switchboard_publications_total',
  deliveries: 'switchboard_deliveries_total',
  messagesIn: 'switchboard_messages_in_total',
  httpPublishes: 'switchboard_http_publishes_total',
  slowLagged: 'switchboard_slow_consumers_lagged_total',
  slowClosed: 'switchboard_slow_consumers_closed_total',
  slowSkipped: 'switchboard_slow_consumer_skipped_total',
  slowConflated: 'switchboard_slow_consumer_conflated_total',
} as const;

/** The series of the busiest topics (core/topic-tally.ts), labelled `topic`. */
export const TOP_TOPIC_SERIES = 'switchboard_top_topic_publications_per_second';

/** Most topics the view lists (each worker exports at most this many too). */
const TOP_TOPICS_SHOWN = 10;

/** One worker's numbers (or the server's, without `--workers`): the metric values as read. */
export type WorkerView = { worker: string | null } & { -readonly [Field in keyof typeof VIEW_SERIES]: number };

/** What `GET /dashboard/data` answers. */
export interface DashboardView {
  /** When the metrics were read (ms since the epoch), for rates between two views. */
  at: number;
  /** One entry per worker that answered, by worker id; one with `worker: null` without `--workers`. */
  workers: WorkerView[];
  /** The busiest topics of the last window, box-wide (each worker's rates summed), busiest first. */
  topTopics: Array<{ topic: string; perSecond: number }>;
}

const FIELDS = Object.keys(VIEW_SERIES) as Array<keyof typeof VIEW_SERIES>;
const FIELD_OF = new Map<string, keyof typeof VIEW_SERIES>(FIELDS.map((field) => [VIEW_SERIES[field], field]));
const WANTED = new Set<string>([...FIELD_OF.keys(), TOP_TOPIC_SERIES]);

/** Builds the view from /metrics text read at `at`. */
export function dashboardView(text: string, at: number): DashboardView {
  const workers = new Map<string | null, WorkerView>();
  const topics = new Map<string, number>();
  for (const sample of readSamples(text, WANTED)) {
    if (sample.name === TOP_TOPIC_SERIES) {
      const topic = sample.labels.topic;
      if (topic !== undefined) topics.set(topic, (topics.get(topic) ?? 0) + sample.value);
      continue;
    }
    const view = workerOf(workers, sample);
    view[FIELD_OF.get(sample.name)!] = sample.value;
  }
  return {
    at,
    workers: [...workers.values()].sort((a, b) => Number(a.worker) - Number(b.worker)),
    topTopics: [...topics]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, TOP_TOPICS_SHOWN)
      .map(([topic, perSecond]) => ({ topic, perSecond })),
  };
}

function workerOf(workers: Map<string | null, WorkerView>, sample: Sample): WorkerView {
  const worker = sample.labels.worker ?? null;
  let view = workers.get(worker);
  if (view === undefined) {
    view = { worker, ...(Object.fromEntries(FIELDS.map((field) => [field, 0])) as Omit<WorkerView, 'worker'>) };
    workers.set(worker, view);
  }
  return view;
}
