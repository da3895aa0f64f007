/**
 * The server side of bench/redis/pause-flood.ts, in a process of its own so that its memory is the
 * server's alone: a Switchboard server on the Redis engine whose library publisher
 * (`server.publish`) hammers its topics at a fixed rate (open loop), reporting its RSS, heap and
 * the publishes' answers every `sampleMs` over IPC. Not run by hand.
 */
import { createServer } from '../../src/server/index.js';
import { OpenLoopPublisher } from './open-loop-publisher.js';

/** Sent to the parent. */
export type FloodServerMessage =
  | { type: 'listening'; port: number }
  | { type: 'sample'; atMs: number; rss: number; heapUsed: number; pending: number; statuses: Record<number, number>; afterGc: boolean };

/** Sent by the parent. */
export type FloodServerCommand = { type: 'publish' } | { type: 'gc' } | { type: 'stop' };

/** The server's settings, from the parent (JSON in argv[2]). */
export interface FloodServerSettings {
  redisUrl: string;
  rate: number;
  topics: number;
  payloadBytes: number;
  sampleMs: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as FloodServerSettings;
const send = (message: FloodServerMessage) => process.send?.(message);
const server = createServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', redis: { url: settings.redisUrl }, maxConnections: 0, maxConnectionsPerIp: 0, connectsPerSecond: 0 });
const { port } = await server.listen();
const data = 'x'.repeat(settings.payloadBytes);
const publisher = new OpenLoopPublisher(settings.rate, (n) => server.publish(`memory-${n % settings.topics}`, data), () => Date.now());
// Counted as answered, so the totals grow with the run and the parent diffs them.
const statuses: Record<number, number> = {};
let counted = 0;
const sample = (afterGc = false) => {
  for (; counted < publisher.records.length && !Number.isNaN(publisher.records[counted]!.answeredMs); counted++) {
    const status = publisher.records[counted]!.status;
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  // Answered records are not needed any more: the bench must not measure its own bookkeeping.
  if (counted > 1000) {
    publisher.records.splice(0, counted);
    counted = 0;
  }
  const memory = process.memoryUsage();
  send({ type: 'sample', atMs: Date.now(), rss: memory.rss, heapUsed: memory.heapUsed, pending: publisher.pending, statuses: { ...statuses }, afterGc });
};
const sampler = setInterval(() => sample(), settings.sampleMs);
process.on('message', (command: FloodServerCommand) => {
  if (command.type === 'publish') publisher.start();
  else if (command.type === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    sample(true);
  } else if (command.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
send({ type: 'listening', port });

async function stop(): Promise<void> {
  clearInterval(sampler);
  await publisher.stop();
  await server.close();
  process.exit(0);
}
