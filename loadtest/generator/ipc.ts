/**
 * Messages between the coordinator (the `npm run loadtest` process) and its generator worker
 * processes. Workers are processes, not threads: the open-file limit applies per process.
 */
import type { DialectName } from '../dialects/dialect.js';
import type { PublicationShape } from '../dialects/probe-text.js';

/** What a worker process is for. Probes record latency; bulk subscribers only count. */
export type WorkerRole = 'subscribers' | 'probes' | 'publishers' | 'rpc';

/** Everything a worker needs to know, sent once when it starts. */
export interface WorkerPlan {
  role: WorkerRole;
  dialect: DialectName;
  host: string;
  port: number;
  connections: number;
  /** Global index of this worker's first connection; topics are assigned from it. */
  firstIndex: number;
  /** Topics each connection subscribes to (0 for publishers and rpc callers). */
  topicsPerConnection: number;
  /** Topics in the run: `lt.0` … `lt.<topicCount-1>`. */
  topicCount: number;
  /** Source addresses to spread connections over, round robin. */
  sourceAddresses: string[];
  /** Connections this worker opens per second. */
  connectRate: number;
  /** The worker exits by itself after this long, whatever the coordinator does. */
  lifetimeMs: number;
  /** What publishers send: the stamped bin, or the Pusher probe event (probe-text.ts). */
  publication: PublicationShape;
  /**
   * Reconnect like the SDK after a server closes a connection (1012: within 100 ms; anything else:
   * exponential backoff) and resubscribe from the last position seen; publishers ask for acks.
   * Switchboard dialect only (the drain scenario). @default false
   */
  reconnect?: boolean;
}

export type Command =
  | { type: 'connect' }
  /** Publish on a fixed schedule: `rate` msgs/s for `durationMs`, or exactly `count` messages. */
  | { type: 'publish'; rate: number; durationMs: number; count?: number; payloadBytes: number }
  /** Reconnecting workers: what the reconnects so far looked like. */
  | { type: 'reconnects' }
  /** Call the `echo` RPC on a fixed schedule. */
  | { type: 'rpc'; rate: number; durationMs: number; payloadBytes: number }
  /** Start a measurement window: reset window counters and the CPU baseline. */
  | { type: 'mark' }
  /** Counters of the current window. */
  | { type: 'snapshot' }
  /** Everything measured, with histograms encoded for merging. */
  | { type: 'report' }
  | { type: 'close' };

export interface ConnectResult {
  open: number;
  failed: number;
  /** Connect + upgrade + subscribe acknowledged, µs, hdr compressed base64. */
  connectHistogram: string;
  errors: string[];
}

export interface PublishResult {
  published: number;
  /** Messages published per topic index. */
  perTopic: number[];
  /** Worst lag of an actual send behind its intended time, µs. */
  maxLagUs: number;
}

export interface RpcResult {
  sent: number;
  answered: number;
  failed: number;
}

export interface Snapshot {
  /** Messages received since the last mark. */
  received: number;
  /** CPU time this process used since the last mark, µs (user + system). */
  cpuUs: number;
  /** Wall time since the last mark, µs. */
  wallUs: number;
  open: number;
  /** Connections that heard at least one message on each of their topics since the last mark. */
  alive: number;
}

/** Loss accounting for one topic, summed over this worker's subscriptions to it. */
export interface TopicTally {
  topic: number;
  subscriptions: number;
  unique: number;
  duplicated: number;
  outOfOrder: number;
  /** Lowest and highest seq seen on the topic (0 when none). */
  firstSeq: number;
  lastSeq: number;
}

export interface WorkerReport extends Snapshot {
  role: WorkerRole;
  receivedTotal: number;
  topics: TopicTally[];
  /** Latency histogram (µs) for probes and rpc callers; empty for bulk subscribers. */
  latencyHistogram: string;
  closedUnexpectedly: number;
  errors: string[];
  rpc?: RpcResult;
  /** Workers with `reconnect`: closes, reconnects and recovery. */
  reconnects?: ReconnectReport;
}

/** Closes seen on the connections of one server worker slot (from the Welcome's connection id `w<slot>.…`). */
export interface WorkerCloses {
  /** Closes of established connections. */
  closes: number;
  /** Distinct connections closed. */
  clients: number;
  /** Monotonic µs of the first and the last close. */
  firstUs: number;
  lastUs: number;
}

/** What reconnecting connections of one generator worker went through. */
export interface ReconnectReport {
  /** Close code → closes of established connections (1012 is a drain; anything else is a finding). */
  closeCodes: Record<string, number>;
  /** By the server worker slot each connection was on when it closed (`?` when unknown). */
  byWorker: Record<string, WorkerCloses>;
  /** Closes of established connections. */
  disconnects: number;
  /** Distinct connections closed at least once. */
  clientsAffected: number;
  /** Disconnects followed by a resubscribe the server answered (with or without recovery). */
  resubscribed: number;
  /** Resubscribes where some topic came back `recovered: false` (history could not fill the gap). */
  notRecovered: number;
  /** Reconnect attempts that did not even open (refused, timed out). */
  redialFailures: number;
  /** Connections closed and not (yet) resubscribed. */
  down: number;
  /** Connections whose seqs on some topic are not contiguous from the first they saw to the last. */
  clientsWithGap: number;
  /** Close → resubscribe answered, µs, per disconnect (hdr compressed base64). */
  resubscribeHistogram: string;
  /** Open connections per server worker slot right now. */
  openByWorker: Record<string, number>;
  /** Publishers: publications the server acknowledged, per topic index. */
  ackedPerTopic: number[];
  /** Publishers: publications sent and never acknowledged (in flight when their connection closed). */
  unacked: number;
}

/** Coordinator → worker. */
export interface Request {
  req: number;
  command: Command;
}

/** Worker → coordinator: an answer to a request, or a progress note. */
export type WorkerMessage =
  | { type: 'answer'; req: number; result: unknown }
  | { type: 'failed'; req: number; error: string }
  | { type: 'progress'; open: number; failed: number };
