#!/usr/bin/env node
/**
 * The `switchboard` command (and `npm start`): flags and env into options, start, print where it
 * listens and which uWS build serves, drain on SIGTERM (1012 over drainMs), close on SIGINT. With
 * `--workers N` it supervises N such servers instead (cluster/supervisor.ts), and a process started
 * by that supervisor runs as one worker (cluster/worker.ts).
 */
import { parseArgs } from 'node:util';
import { Supervisor } from './cluster/supervisor.js';
import { runWorker } from './cluster/worker.js';
import { WORKER_ID_ENV } from './cluster/messages.js';
import { parseWorkers, workersRefusal } from './cluster/workers-option.js';
import { OptionsError } from '../protocol/errors.js';
import { findConfigFile, loadConfigFile } from './config/config-file.js';
import { createLogger } from './config/logger.js';
import { optionsFromEnv, parseIntOption, resolveOptions, splitList, type ServerOptions } from './config/options.js';
import { guardUnhandledRejections } from './unhandled-rejections.js';
import { mergeBackendOptions } from './connection/backend-hooks/options.js';
import { mergeRedisSettings } from './engine/redis/options.js';
import { preferSerialScavenge, workerExecArgv } from './gc-settings.js';
import { createServer, type Server } from './server.js';
import { describeUws, loadUws } from './uws/binding.js';

const HELP = `Usage: switchboard [options]

Realtime push server: WebSocket pub/sub (msgpack or JSON) plus an HTTP publish API, on uWebSockets.js.

Options (flags override environment variables, which override the config file):
      --config <file>          JSON file of server options (namespaces, limits, keys, ...)
                               (default ./switchboard.config.json when it exists)
  -p, --port <n>               port to listen on                        env PORT (default 9001)
      --host <addr>            interface to bind                        env HOST (default 0.0.0.0)
      --api-key <key>          HTTP API bearer key                      env SWITCHBOARD_API_KEY
                               (without one the API is loopback-only)
      --jwt-secret <secret>    HS256 secret for connection tokens       env SWITCHBOARD_JWT_SECRET
                               (without one connections are anonymous)
      --jwt-public-key <pem|file>  RS256/ES256 public key for tokens     env SWITCHBOARD_JWT_PUBLIC_KEY
      --jwks-url <url>         JWKS URL for RS256/ES256 tokens          env SWITCHBOARD_JWKS_URL
      --trusted-proxies <list> proxies whose X-Forwarded-For is trusted env SWITCHBOARD_TRUSTED_PROXIES
      --allowed-origins <list> comma-separated Origin allowlist         env SWITCHBOARD_ALLOWED_ORIGINS
      --max-payload <bytes>    largest WebSocket message (default 65536)
      --presence               send join/leave notices on every topic
      --client-publish         let WebSocket clients publish
      --log-level <level>      fatal|error|warn|info|debug|trace|silent env LOG_LEVEL (default warn)
      --redis <url>            share topics with other processes via Redis env SWITCHBOARD_REDIS_URL
                               (redis://host:6379, redis+sentinel://host:26379,host2/mymaster;
                               or env SWITCHBOARD_REDIS_SENTINELS + SWITCHBOARD_REDIS_MASTER;
                               more settings: "redis" in the config file)
      --workers <n|auto>       run n server processes sharing the port  env SWITCHBOARD_WORKERS
                               (auto: one per core; needs --redis; SIGHUP restarts them one by one)
      --drain-ms <ms>          SIGTERM: close sockets with 1012 over this window (default 2000)
  -h, --help                   show this help

uWS build: set SWITCHBOARD_UWS_MODULE to force a module; see README.
GC: young-generation collections on the main thread, and workers without V8's memory
reducer (fewer long pauses on busy cores); SWITCHBOARD_GC_TUNING=0 keeps V8's defaults.
`;

interface Args {
  options: Partial<ServerOptions>;
  config: string | undefined;
  workers: string | undefined;
}

function optionsFromArgs(argv: string[]): Args | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'jwt-secret': { type: 'string' },
      'jwt-public-key': { type: 'string' },
      'jwks-url': { type: 'string' },
      'trusted-proxies': { type: 'string' },
      config: { type: 'string' },
      'allowed-origins': { type: 'string' },
      'max-payload': { type: 'string' },
      presence: { type: 'boolean' },
      'client-publish': { type: 'boolean' },
      'log-level': { type: 'string' },
      redis: { type: 'string' },
      workers: { type: 'string' },
      'drain-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const options: Partial<ServerOptions> = {};
  if (values.port !== undefined) options.port = parseIntOption('--port', values.port);
  if (values.host !== undefined) options.host = values.host;
  if (values['api-key'] !== undefined) options.apiKey = values['api-key'];
  if (values['jwt-secret'] !== undefined) options.jwtSecret = values['jwt-secret'];
  if (values['jwt-public-key'] !== undefined) options.jwtPublicKey = values['jwt-public-key'];
  if (values['jwks-url'] !== undefined) options.jwksUrl = values['jwks-url'];
  if (values['trusted-proxies'] !== undefined) options.trustedProxies = splitList(values['trusted-proxies']);
  if (values['allowed-origins'] !== undefined) options.allowedOrigins = splitList(values['allowed-origins']);
  if (values['max-payload'] !== undefined) options.maxPayloadBytes = parseIntOption('--max-payload', values['max-payload']);
  if (values.presence) options.presence = true;
  if (values['client-publish']) options.clientPublish = true;
  if (values['log-level'] !== undefined) options.logLevel = values['log-level'] as ServerOptions['logLevel'];
  if (values.redis !== undefined) options.redis = { url: values.redis };
  if (values['drain-ms'] !== undefined) options.drainMs = parseIntOption('--drain-ms', values['drain-ms']);
  return { options, config: values.config, workers: values.workers };
}

async function main(): Promise<number> {
  // Before the server allocates anything; workers run this same main (see gc-settings.ts).
  preferSerialScavenge();
  let args: Args | 'help';
  try {
    args = optionsFromArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`switchboard: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(HELP);
    return 0;
  }

  // Settings errors answer 2 with the usage; what fails after this (Redis unreachable, the port
  // taken) rejects main, which says so and exits 1.
  let mode: { kind: 'worker'; id: string; options: Partial<ServerOptions> } | { kind: 'supervisor'; workers: number; drainMs: number } | { kind: 'single'; server: Server };
  try {
    const configFile = findConfigFile(args.config);
    const { workers: fileWorkers, ...fromFile } = configFile === undefined ? {} : loadConfigFile(configFile);
    const workersSetting = args.workers ?? (process.env.SWITCHBOARD_WORKERS || undefined) ?? fileWorkers;
    const workers = workersSetting === undefined ? undefined : parseWorkers(workersSetting, args.workers !== undefined ? '--workers' : 'workers');
    // config file < environment < flags (createServer applies DEFAULTS < environment < input).
    const fromEnv = optionsFromEnv(process.env);
    // `backend` merges key by key: SWITCHBOARD_BACKEND_SECRET must not drop the file's backend URLs.
    const merged: Partial<ServerOptions> = { ...fromFile, ...fromEnv, ...args.options, backend: mergeBackendOptions(fromFile.backend, fromEnv.backend) };
    // Where Redis is, from env or flags, keeps the file's other Redis settings (keyPrefix, sharded, ...).
    const redisLocation = args.options.redis ?? fromEnv.redis;
    if (redisLocation !== undefined && fromFile.redis !== undefined) merged.redis = mergeRedisSettings(fromFile.redis, redisLocation);
    const workerId = process.env[WORKER_ID_ENV];
    if (workerId !== undefined && process.send !== undefined) {
      mode = { kind: 'worker', id: workerId, options: merged };
    } else if (workers !== undefined) {
      const refusal = workersRefusal({ redis: merged.redis, port: resolveOptions(merged).port });
      if (refusal !== undefined) {
        process.stderr.write(`switchboard: ${refusal}\n`);
        return 2;
      }
      const resolved = resolveOptions(merged);
      guardUnhandledRejections(createLogger(resolved.logLevel));
      mode = { kind: 'supervisor', workers, drainMs: resolved.drainMs };
    } else {
      const server = createServer(merged);
      guardUnhandledRejections(server.logger);
      mode = { kind: 'single', server };
    }
  } catch (err) {
    const prefix = err instanceof OptionsError ? 'invalid option ' : '';
    process.stderr.write(`switchboard: ${prefix}${(err as Error).message}\n`);
    return 2;
  }
  if (mode.kind === 'worker') {
    await runWorker(mode.id, mode.options);
    return -1;
  }
  if (mode.kind === 'supervisor') return await supervise(mode.workers, mode.drainMs);
  const server = mode.server;
  const info = await server.listen();
  const everywhere = info.host === '0.0.0.0' || info.host === '::';
  // Say what is bound, not only the loopback URL: 0.0.0.0 is reachable from other machines too.
  const bound = everywhere ? ` and every other interface (bound to ${info.host}:${info.port})` : '';
  process.stdout.write(`Switchboard listening on ${info.url}${bound}\nHTTP API: http://${new URL(info.url).host}/api\n`);
  process.stdout.write(`uWS build: ${describeUws(loadUws())}\n`);

  const shutdown = (signal: string, leave: () => Promise<void>, deadlineMs: number) => {
    process.stdout.write(`${signal}: ${signal === 'SIGTERM' ? `draining connections (1012 over ${server.options.drainMs} ms)` : 'closing connections'}\n`);
    // Leave even if something hangs: a few seconds, never forever.
    setTimeout(() => process.exit(0), deadlineMs).unref();
    leave().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT', () => server.close(), 5000));
  process.once('SIGTERM', () => shutdown('SIGTERM', () => server.drain(), server.options.drainMs + 5000));
  // Node's default for SIGHUP is to exit at once, dropping every client without 1012. Operators
  // send it out of habit (systemctl reload, a closing terminal): one process has nothing to
  // reload in place, so say so and keep serving.
  process.on('SIGHUP', () => process.stdout.write('SIGHUP: ignored (a rolling restart needs --workers; SIGTERM drains this process)\n'));
  return -1;
}

/** Runs the supervisor of `workers` processes until SIGTERM/SIGINT has drained them all. */
async function supervise(workers: number, drainMs: number): Promise<number> {
  const say = (line: string) => process.stdout.write(`supervisor: ${line}\n`);
  const supervisor = new Supervisor({ workers, drainMs, script: process.argv[1]!, args: process.argv.slice(2), execArgv: workerExecArgv(process.execArgv), say });
  const leave = (signal: string) => {
    say(`${signal}: draining every worker (1012 over ${drainMs} ms)`);
    supervisor.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => leave('SIGINT'));
  process.once('SIGTERM', () => leave('SIGTERM'));
  process.on('SIGHUP', () => {
    say('SIGHUP: rolling restart, one worker at a time');
    supervisor.rollingRestart().catch((err: unknown) => say(`rolling restart failed: ${err instanceof Error ? err.message : String(err)}`));
  });
  const url = await supervisor.start();
  process.stdout.write(`Switchboard listening on ${url} with ${workers} workers (pid ${process.pid} supervises)\n`);
  process.stdout.write(`uWS build: ${describeUws(loadUws())}\n`);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n`);
    // Exit now: the transport and engine handles made before the failure would keep the process
    // alive without listening, and a supervisor (systemd, the --workers supervisor) restarts it.
    process.exit(1);
  },
);
