/**
 * Command-line options of `npm run loadtest`: one interface with units and defaults, defaults per
 * scenario, one parseOptions() that rejects bad values naming the flag. Every run is bounded: caps on
 * connections, duration and rate are checked here, and targets must be loopback.
 */
import { parseArgs } from 'node:util';
import { dialectOf, MAX_SERVER_WORKERS, parseServerSpec, SERVER_KINDS, splitServerSpec, type ServerKind, type ServerSpec } from './targets/server-under-test.js';
import { DEFAULT_P99_BOUND_MS } from './report/verdict.js';
import { checkRedisUrl } from './targets/redis-for-run.js';

export const SCENARIOS = ['fanout', 'capacity', 'rpc', 'http-publish', 'compare', 'drain'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface LoadOptions {
  scenario: ScenarioName;
  /** Subscribers (fanout, compare, http-publish), connections to hold (capacity) or RPC callers (rpc). */
  connections: number;
  /** Topics `lt.0` … `lt.<n-1>`. */
  topics: number;
  /** Topics each subscriber subscribes to. @default 1 */
  topicsPerConnection: number;
  /** Messages (or RPC calls) per second, in total, on a fixed schedule. */
  rate: number;
  /** Publication (or RPC) data size in bytes; at least 8 (the send timestamp). @default 64 */
  payload: number;
  /** Seconds of publishing (fanout, rpc, http-publish) or of holding connections (capacity). */
  duration: number;
  /** Processes for bulk subscribers; more are used when the open-file limit requires. @default 2 */
  workers: number;
  /** Latency probe connections, in their own process. @default 10 */
  probes: number;
  /** Publisher connections, in their own process. @default 1 */
  publishers: number;
  /** New connections per second while ramping up. @default 2000 */
  connectRate: number;
  /**
   * Spread connections over at least this many source addresses 127.0.0.1 … 127.0.0.N; more are
   * used when the ephemeral port range requires. @default 1
   */
  sourceAddresses: number;
  /** Server to start when there is no --target: a kind or `switchboard:<workers>`. @default switchboard (drain: always a cluster, at least switchboard:1) */
  server: ServerSpec;
  /** Servers `compare` runs, in order. @default switchboard,uws,relay,ws */
  servers: ServerSpec[];
  /**
   * Run Switchboard as this many worker processes sharing the port (`switchboard --workers N`,
   * on Redis): every plain `switchboard` in --server / --servers becomes `switchboard:N`; 0 = one
   * process. @default 0
   */
  serverWorkers: number;
  /** Redis for clusters (loopback redis:// URL); undefined = start a private redis-server per run. */
  redis: string | undefined;
  /** The workers' drain window (`switchboard --drain-ms`), clusters only. @default 2000 (the server's default) */
  serverDrainMs: number;
  /** drain: `hup` = rolling restart of every worker (SIGHUP to the supervisor); `term` = SIGTERM to one worker, which the supervisor replaces. @default hup */
  drainSignal: 'hup' | 'term';
  /** An already running loopback server to load instead of starting one. */
  target: string | undefined;
  /** PID of the --target server, to sample its RSS and CPU. */
  serverPid: number | undefined;
  /** Concurrent HTTP connections autocannon keeps (http-publish). @default 20 */
  httpConnections: number;
  /** Requests autocannon pipelines per connection (http-publish). @default 1 */
  httpPipelining: number;
  /** Seconds to wait after publishing for messages still in flight. @default 5 */
  drain: number;
  /** Stop the run if the server's RSS passes this many MiB. @default 2048 */
  maxServerRssMb: number;
  /** Write the result as JSON here. */
  json: string | undefined;
  /** Write a self-contained HTML report here. */
  html: string | undefined;
  /** Print nothing but the final table. @default false */
  quiet: boolean;
  /** compare: rounds, servers interleaved (rotated) each round; find-max: searches per server. @default 3 for compare and --find-max, else 1 */
  repeat: number;
  /** Search for the highest rate each server sustains instead of loading one fixed rate. @default false */
  findMax: boolean;
  /** p99 (ms) above which a run does not count as keeping up (find-max, knee and verdicts). @default 50 */
  p99BoundMs: number;
  /** Frame coalescing window of the Switchboard server under test (its default namespace's `coalesceMs`); 0 = off. @default 0 */
  coalesceMs: number;
  /** find-max: measurement window of each probe, seconds. @default 2 */
  probeDuration: number;
  /** find-max: most probes in one search. @default 10 */
  maxProbes: number;
  /** find-max: wall-clock budget for all searches together, seconds; searches stop with what they know. @default 900 */
  findMaxBudget: number;
}

/**
 * Servers compare runs by default. Socket.IO is left out: at compare's load it only measures its
 * unbounded buffering (464 MiB after 10 s at a fifth of this load), on a box shared with others.
 */
export const COMPARE_SERVERS = ['switchboard', 'uws', 'relay', 'ws'] as const satisfies readonly ServerKind[];

/** Hard caps: a run can never be unbounded. */
export const LIMITS = { connections: 120_000, durationSeconds: 600, rate: 2_000_000, payloadBytes: 60_000, topics: 100_000 } as const;

const COMMON = {
  topicsPerConnection: 1,
  payload: 64,
  workers: 2,
  probes: 10,
  publishers: 1,
  connectRate: 2000,
  sourceAddresses: 1,
  server: 'switchboard' as ServerSpec,
  servers: [...SERVER_KINDS] as ServerSpec[],
  serverWorkers: 0,
  redis: undefined,
  serverDrainMs: 2000,
  drainSignal: 'hup' as const,
  target: undefined,
  serverPid: undefined,
  httpConnections: 20,
  httpPipelining: 1,
  drain: 5,
  maxServerRssMb: 2048,
  json: undefined,
  html: undefined,
  quiet: false,
  repeat: 1,
  findMax: false,
  p99BoundMs: DEFAULT_P99_BOUND_MS,
  coalesceMs: 0,
  probeDuration: 2,
  maxProbes: 10,
  findMaxBudget: 900,
};

/**
 * compare's load: 1,000 subscribers on one topic at 250 msg/s = 250k deliveries/s offered. On this
 * project's 2-core box bare uWS collapses (millions lost, p99 in seconds) between 750 and 1,000 msg/s
 * at this shape (find-max, docs/benchmarks.md), so this is about a third of that: the uWS-based
 * servers keep up and their CPU per delivery compares them, while `ws` does not. Far below the knee
 * (the old default, 200k/s spread over 10 topics) delivered/s was the same for every server; at the
 * knee one run is a coin toss.
 */
export const COMPARE_LOAD = { connections: 1000, topics: 1, rate: 250, duration: 5, repeat: 3 } as const;

/** Defaults of each scenario (see loadtest/README.md for why these). */
export function defaultsFor(scenario: ScenarioName): LoadOptions {
  switch (scenario) {
    case 'fanout':
      return { ...COMMON, scenario, connections: 1000, topics: 10, rate: 2000, duration: 10 };
    case 'compare':
      return { ...COMMON, scenario, ...COMPARE_LOAD, servers: [...COMPARE_SERVERS] };
    case 'capacity':
      return { ...COMMON, scenario, connections: 10_000, topics: 100, rate: 0, duration: 5, probes: 0, connectRate: 2500 };
    case 'rpc':
      return { ...COMMON, scenario, connections: 50, topics: 1, rate: 10_000, duration: 10, probes: 0 };
    case 'http-publish':
      return { ...COMMON, scenario, connections: 100, topics: 10, rate: 0, duration: 10 };
    case 'drain':
      return { ...COMMON, scenario, connections: 1000, topics: 10, rate: 100, duration: 10 };
  }
}

export const USAGE = `Usage: npm run loadtest -- <scenario> [options]

Scenarios: ${SCENARIOS.join(', ')}
  drain: subscribers and a numbered stream, then a rolling restart (or one worker's drain); the
  generator reconnects like the SDK after 1012 and resubscribes from its last seq. Reports the
  drain duration, clients affected, close codes, disconnect -> resubscribed percentiles, gaps.

  --connections <n>      subscribers / connections held / rpc callers
  --topics <n>           number of topics (lt.0 … lt.<n-1>)
  --topics-per-conn <k>  topics each subscriber joins (default 1)
  --rate <n>             messages (or rpc calls) per second in total, fixed schedule
  --payload <bytes>      data size, at least 8 (default 64)
  --duration <s>         seconds publishing, or holding connections (capacity)
  --workers <n>          bulk subscriber processes (default 2; more if the fd limit needs)
  --probes <n>           latency probe connections in their own process (default 10)
  --publishers <n>       publisher connections in their own process (default 1)
  --connect-rate <n>     new connections per second while ramping (default 2000; capacity 2500)
  --source-addresses <n> spread connections over at least 127.0.0.1 … 127.0.0.<n> (default 1)
  --server <kind>        server to start: ${SERVER_KINDS.join(', ')} (default switchboard),
                         or switchboard:<n> for n worker processes on one port (on Redis)
  --servers <list>       compare: servers to run, comma-separated (default ${COMPARE_SERVERS.join(',')});
                         switchboard:1,switchboard:2 compares cluster sizes in one run
  --server-workers <n>   run switchboard as n workers sharing the port (switchboard --workers n):
                         every plain "switchboard" becomes switchboard:<n>; RSS and CPU are summed
                         over the workers and reported per worker (default 0: one process)
  --redis <url>          Redis for the workers (loopback redis:// only; default: a private
                         redis-server on a free port, started and stopped by the run)
  --server-drain-ms <ms> workers' drain window, 1012 closes spread over it (default 2000)
  --drain-signal <s>     drain: hup = SIGHUP the supervisor, a rolling restart of every worker
                         (default); term = SIGTERM one worker (the supervisor replaces it)
  --target <ws url>      load an already running loopback server instead of starting one
  --server-pid <pid>     with --target: sample this process's RSS and CPU
  --http-connections <n> http-publish: autocannon connections (default 20)
  --http-pipelining <n>  http-publish: requests pipelined per connection (default 1)
  --drain <s>            seconds to wait for in-flight messages after publishing (default 5)
  --max-server-rss <MiB> abort when the server's RSS passes this (default 2048)
  --json <file>          write the result as JSON
  --html <file>          write a self-contained HTML report
  --quiet                only the final table
  --repeat <n>           compare: rounds, servers rotated each round, medians reported (default 3);
                         --find-max: searches per server (default 3)
  --find-max             search the highest rate each server sustains (fanout, compare)
  --p99-bound <ms>       p99 above which a run does not keep up (default 50)
  --coalesce-ms <ms>     frame coalescing window of the switchboard server under test (default 0: off)
  --probe-duration <s>   --find-max: window of each probe run (default 2)
  --max-probes <n>       --find-max: probes per search (default 10)
  --find-max-budget <s>  --find-max: wall-clock budget for all searches (default 900)

switchboard-pusher is the switchboard server loaded by Pusher-protocol subscribers (/app/<key>, JSON
events); publishers stay native. Any run that includes it publishes Pusher events {event, data} to every
server, and every switchboard kind (switchboard:<n> clusters too) has the same Pusher app, so only the
subscribers' protocol differs. switchboard-pusher is always one process: --server-workers leaves it so.
  npm run loadtest -- compare --servers switchboard,switchboard-pusher --connections 1000 --topics 1 --rate 500 --repeat 3

compare default: ${COMPARE_LOAD.connections} subscribers on ${COMPARE_LOAD.topics} topic at ${COMPARE_LOAD.rate} msg/s (${(COMPARE_LOAD.connections * COMPARE_LOAD.rate / 1000).toFixed(0)}k deliveries/s
offered: about a third of where bare uWS collapses on a 2-core box), ${COMPARE_LOAD.duration} s, ${COMPARE_LOAD.repeat} rounds, servers ${COMPARE_SERVERS.join(',')}.
`;

function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`--${flag}: expected a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new Error(`--${flag}: must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** The kind a server spec starts (`switchboard:2` → `switchboard`). */
export const kindOf = (spec: ServerSpec): ServerKind => splitServerSpec(spec).kind;

/** `switchboard` → `switchboard:<workers>` (workers > 0); any other spec unchanged. */
const withWorkers = (spec: ServerSpec, workers: number): ServerSpec => (spec === 'switchboard' && workers > 0 ? `switchboard:${workers}` : spec);

/** Parses argv (after `npm run loadtest --`). Throws an Error naming the bad flag. */
export function parseOptions(argv: string[]): LoadOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      connections: { type: 'string' },
      topics: { type: 'string' },
      'topics-per-conn': { type: 'string' },
      rate: { type: 'string' },
      payload: { type: 'string' },
      duration: { type: 'string' },
      workers: { type: 'string' },
      probes: { type: 'string' },
      publishers: { type: 'string' },
      'connect-rate': { type: 'string' },
      'source-addresses': { type: 'string' },
      server: { type: 'string' },
      servers: { type: 'string' },
      target: { type: 'string' },
      'server-pid': { type: 'string' },
      'http-connections': { type: 'string' },
      'http-pipelining': { type: 'string' },
      drain: { type: 'string' },
      'max-server-rss': { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      quiet: { type: 'boolean' },
      repeat: { type: 'string' },
      'find-max': { type: 'boolean' },
      'p99-bound': { type: 'string' },
      'coalesce-ms': { type: 'string' },
      'probe-duration': { type: 'string' },
      'max-probes': { type: 'string' },
      'find-max-budget': { type: 'string' },
      'server-workers': { type: 'string' },
      redis: { type: 'string' },
      'server-drain-ms': { type: 'string' },
      'drain-signal': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const scenario = positionals[0];
  if (scenario === undefined) throw new Error(`missing scenario (one of ${SCENARIOS.join(', ')})`);
  if (!(SCENARIOS as readonly string[]).includes(scenario)) throw new Error(`unknown scenario "${scenario}" (one of ${SCENARIOS.join(', ')})`);
  if (positionals.length > 1) throw new Error(`unexpected argument "${positionals[1]}"`);
  const options = defaultsFor(scenario as ScenarioName);
  const set = <K extends keyof LoadOptions>(key: K, value: LoadOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('connections', integer('connections', values.connections, 0, LIMITS.connections));
  set('topics', integer('topics', values.topics, 1, LIMITS.topics));
  set('topicsPerConnection', integer('topics-per-conn', values['topics-per-conn'], 1, 1000));
  set('rate', integer('rate', values.rate, 1, LIMITS.rate));
  set('payload', integer('payload', values.payload, 8, LIMITS.payloadBytes));
  set('duration', integer('duration', values.duration, 1, LIMITS.durationSeconds));
  set('workers', integer('workers', values.workers, 1, 64));
  set('probes', integer('probes', values.probes, 0, 1000));
  set('publishers', integer('publishers', values.publishers, 1, 1000));
  set('connectRate', integer('connect-rate', values['connect-rate'], 1, 100_000));
  set('sourceAddresses', integer('source-addresses', values['source-addresses'], 1, 250));
  set('serverPid', integer('server-pid', values['server-pid'], 1, 2 ** 31));
  set('httpConnections', integer('http-connections', values['http-connections'], 1, 1000));
  set('httpPipelining', integer('http-pipelining', values['http-pipelining'], 1, 100));
  set('drain', integer('drain', values.drain, 0, 60));
  set('maxServerRssMb', integer('max-server-rss', values['max-server-rss'], 64, 65_536));
  if (values.server !== undefined) options.server = parseServerSpec('server', values.server);
  if (values.servers !== undefined) options.servers = values.servers.split(',').map((spec) => parseServerSpec('servers', spec.trim()));
  set('serverWorkers', integer('server-workers', values['server-workers'], 0, MAX_SERVER_WORKERS));
  set('redis', values.redis);
  set('serverDrainMs', integer('server-drain-ms', values['server-drain-ms'], 0, 60_000));
  if (values['drain-signal'] !== undefined) {
    if (values['drain-signal'] !== 'hup' && values['drain-signal'] !== 'term') throw new Error(`--drain-signal: hup or term, got "${values['drain-signal']}"`);
    options.drainSignal = values['drain-signal'];
  }
  set('target', values.target);
  set('json', values.json);
  set('html', values.html);
  if (values.quiet) options.quiet = true;
  if (values['find-max']) {
    options.findMax = true;
    options.repeat = 3;
  }
  set('repeat', integer('repeat', values.repeat, 1, 20));
  set('p99BoundMs', integer('p99-bound', values['p99-bound'], 1, 60_000));
  set('coalesceMs', integer('coalesce-ms', values['coalesce-ms'], 0, 1000));
  set('probeDuration', integer('probe-duration', values['probe-duration'], 1, 60));
  set('maxProbes', integer('max-probes', values['max-probes'], 1, 30));
  set('findMaxBudget', integer('find-max-budget', values['find-max-budget'], 10, LIMITS.durationSeconds * 6));
  if (options.findMax && options.scenario !== 'fanout' && options.scenario !== 'compare') throw new Error(`--find-max: only for fanout and compare, not ${options.scenario}`);
  if (options.findMax && options.target !== undefined) throw new Error('--find-max: starts a fresh server per probe, so it cannot use --target');
  if (options.repeat > 1 && !options.findMax && options.scenario !== 'compare') throw new Error('--repeat: only for compare and --find-max');
  if (options.target !== undefined && options.scenario === 'compare') throw new Error('--target: compare starts its own servers');
  if (options.serverPid !== undefined && options.target === undefined) throw new Error('--server-pid only makes sense with --target');
  if (options.scenario === 'http-publish' && dialectOf(kindOf(options.server)) === 'pusher') throw new Error(`--server ${options.server}: http-publish's autocannon posts stamped binary data, which Pusher subscribers cannot read; use fanout`);
  checkServers(options, values);
  if (options.topicsPerConnection > options.topics) throw new Error(`--topics-per-conn (${options.topicsPerConnection}) exceeds --topics (${options.topics})`);
  return options;
}

/** Applies --server-workers and rejects server choices a scenario cannot run. */
function checkServers(options: LoadOptions, values: { server?: string; 'server-workers'?: string; redis?: string; 'server-drain-ms'?: string; 'drain-signal'?: string }): void {
  const workersGiven = values['server-workers'] !== undefined && options.serverWorkers > 0;
  if (workersGiven) {
    if (options.target !== undefined) throw new Error('--server-workers: starts its own cluster, so it cannot use --target');
    if (options.scenario !== 'compare' && kindOf(options.server) !== 'switchboard') throw new Error(`--server-workers: only switchboard runs as workers, not ${options.server}`);
    if (options.scenario !== 'compare' && options.server !== 'switchboard' && options.server !== `switchboard:${options.serverWorkers}`) {
      throw new Error(`--server-workers ${options.serverWorkers} contradicts --server ${options.server}`);
    }
    options.server = withWorkers(options.server, options.serverWorkers);
    options.servers = options.servers.map((spec) => withWorkers(spec, options.serverWorkers));
  }
  if (options.scenario === 'drain') {
    if (options.target !== undefined) throw new Error('drain: restarts the server it started, so it cannot use --target');
    if (options.findMax) throw new Error('--find-max: only for fanout and compare, not drain');
    if (kindOf(options.server) !== 'switchboard') throw new Error(`drain: only switchboard drains with 1012, not ${options.server}`);
    // A restart needs the supervisor: one server without workers drains as one worker of one.
    options.server = withWorkers(options.server, 1);
    if (options.drainSignal === 'term' && splitServerSpec(options.server).workers < 2) throw new Error('--drain-signal term: needs --server-workers 2 or more (the clients of the drained worker need another worker while it drains)');
  } else if (values['drain-signal'] !== undefined) throw new Error('--drain-signal: only for the drain scenario');
  const specs = options.scenario === 'compare' ? options.servers : [options.server];
  const clustered = specs.some((spec) => splitServerSpec(spec).workers > 0);
  if (!clustered && values.redis !== undefined) throw new Error('--redis: only used by clusters (--server-workers or switchboard:<n>)');
  if (values.redis !== undefined) checkRedisUrl(values.redis);
  if (!clustered && values['server-drain-ms'] !== undefined) throw new Error('--server-drain-ms: only used by clusters (--server-workers or switchboard:<n>)');
  if (clustered && options.scenario === 'rpc') throw new Error('rpc: a cluster runs the real CLI, which has no echo RPC handler; run rpc on one process');
}
