/**
 * The sending side of a generator worker: publications and RPC calls on a fixed schedule, each
 * stamped with its intended send time, spread round robin over the worker's open connections.
 */
import type { Dialect } from '../dialects/dialect.js';
import type { Command, PublishResult, RpcResult } from './ipc.js';
import { newPayload, stampPayload } from '../dialects/message-scan.js';
import { probeEvent, type PublicationShape } from '../dialects/probe-text.js';
import { runSchedule } from './schedule.js';
import type { RawWebSocket } from './ws/raw-websocket.js';

// Request id 1 is the subscribe of a connection; calls count up from here (ids only need to be > 0:
// answers are matched by the stamp they echo, not by id).
const FIRST_RPC_ID = 2;

/** Publishes on a fixed schedule; topics round robin over `topicNames`; `shape` says what the data is. */
export async function publishOnSchedule(
  senders: readonly RawWebSocket[],
  dialect: Dialect,
  topicNames: readonly string[],
  command: Extract<Command, { type: 'publish' }>,
  /** Last seq per topic, carried across commands (warm-up, window) of one worker. */
  seqs: number[] = [],
  shape: PublicationShape = 'bin',
): Promise<PublishResult> {
  if (senders.length === 0) throw new Error('no open publisher connection');
  // A probe event carries the publisher's seq, which Pusher subscribers check: keep each topic in order.
  const byTopic = dialect.numbersPublications || shape === 'event';
  const count = command.count ?? Math.round((command.rate * command.durationMs) / 1000);
  const perTopic = new Array<number>(topicNames.length).fill(0);
  const payload = newPayload(command.payloadBytes);
  let published = 0;
  const maxLagUs = await runSchedule({
    rate: command.rate,
    count,
    // One write per connection per tick, however many messages came due.
    beginBatch: () => senders.forEach((ws) => ws.socket.cork()),
    endBatch: () => senders.forEach((ws) => ws.socket.uncork()),
    send(m, intendedUs) {
      const topic = m % topicNames.length;
      const ws = senders[(byTopic ? topic : m) % senders.length]!;
      if (!ws.isOpen) return;
      const seq = (seqs[topic] ?? 0) + 1;
      seqs[topic] = seq;
      if (shape === 'event') dialect.publish(ws, topicNames[topic]!, probeEvent(seq, intendedUs, command.payloadBytes), seq);
      else {
        stampPayload(payload, intendedUs);
        dialect.publish(ws, topicNames[topic]!, payload, seq);
      }
      perTopic[topic]!++;
      published++;
    },
  });
  return { published, perTopic, maxLagUs };
}

/** Calls the server's `echo` RPC on a fixed schedule, counting into `counters`. */
export async function callOnSchedule(
  callers: readonly RawWebSocket[],
  dialect: Dialect,
  command: Extract<Command, { type: 'rpc' }>,
  counters: RpcResult,
): Promise<RpcResult> {
  if (callers.length === 0) throw new Error('no open rpc connection');
  const payload = newPayload(command.payloadBytes);
  await runSchedule({
    rate: command.rate,
    count: Math.round((command.rate * command.durationMs) / 1000),
    send(m, intendedUs) {
      const ws = callers[m % callers.length]!;
      if (!ws.isOpen) return;
      stampPayload(payload, intendedUs);
      dialect.rpc(ws, FIRST_RPC_ID + m, 'echo', payload);
      counters.sent++;
    },
  });
  return counters;
}
