/**
 * Messages between the coordinator (the `npm run loadtest` process) and its generator worker
 * processes. Workers are processes, not threads: the open-file limit applies per process.
 */
import type { DialectName } from './dialect.js';
import type { PublicationShape } from './probe-text.js';

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
}

export type Command =
  | { type: 'connect' }
  /** Publish on a fixed schedule: `rate` msgs/s for `durationMs`, or exactly `count` messages. */
  | { type: 'publish'; rate: number; durationMs: number; count?: number; payloadBytes: number }
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
