#!/usr/bin/env node
/**
 * The `switchboard` command (and `npm start`): flags and env into options, start, print where it
 * listens and which uWS build serves, drain on SIGTERM (1012 over drainMs), close on SIGINT. With
 * `--workers N` it supervises N such servers instead (cluster/supervisor.ts), and a process started
 * by that supervisor runs as one worker (cluster/worker.ts).
 */
import { Supervisor } from './cluster/supervisor.js';
import { runWorker } from './cluster/worker.js';
import { WORKER_ID_ENV } from './cluster/messages.js';
import { parseWorkers, workersRefusal } from './cluster/workers-option.js';
import { OptionsError } from '../protocol/errors.js';
import { findConfigFile, loadConfigFile } from './config/config-file.js';
import { createLogger } from './log/logger.js';
import { mergeCommandSources } from './config/command-sources.js';
import { optionsFromEnv } from './config/env.js';
import { parseFlags, type CommandArgs } from './config/flags.js';
import { renderHelp } from './config/help.js';
import type { ResolvedOptions, ServerOptions } from './config/options.js';
import { resolveOptions } from './config/resolve.js';
import { guardUnhandledRejections } from './runtime/unhandled-rejections.js';
import { preferSerialScavenge, workerExecArgv } from './runtime/gc-settings.js';
import { createServer, type Server } from './server.js';
import { startupSummary } from './server-parts.js';
import { connectionsWithinDescriptors } from './server-watch.js';
import { openFileLimit } from './runtime/descriptor-limit.js';
import { describeUws, loadUws } from './uws/binding.js';

async function main(): Promise<number> {
  // Before the server allocates anything; workers run this same main (see gc-settings.ts).
  preferSerialScavenge();
  let args: CommandArgs | 'help';
  try {
    args = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`switchboard: ${(err as Error).message}\n\n${renderHelp()}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(renderHelp());
    return 0;
  }

  // Settings errors answer 2 with the usage; what fails after this (Redis unreachable, the port
  // taken) rejects main, which says so and exits 1.
  let mode: { kind: 'worker'; id: string; options: Partial<ServerOptions> } | { kind: 'supervisor'; workers: number; resolved: ResolvedOptions } | { kind: 'single'; server: Server };
  try {
    const configFile = findConfigFile(args.config);
    const { workers: fileWorkers, ...fromFile } = configFile === undefined ? {} : loadConfigFile(configFile);
    const workersSetting = args.workers ?? (process.env.SWITCHBOARD_WORKERS || undefined) ?? fileWorkers;
    const workers = workersSetting === undefined ? undefined : parseWorkers(workersSetting, args.workers !== undefined ? '--workers' : 'workers');
    const merged = mergeCommandSources(fromFile, optionsFromEnv(process.env), args.options);
    const workerId = process.env[WORKER_ID_ENV];
    if (workerId !== undefined && process.send !== undefined) {
      mode = { kind: 'worker', id: workerId, options: merged };
    } else if (workers !== undefined) {
      const resolved = resolveOptions(merged);
      const refusal = workersRefusal({ redis: merged.redis, port: resolved.port });
      if (refusal !== undefined) {
        process.stderr.write(`switchboard: ${refusal}\n`);
        return 2;
      }
      guardUnhandledRejections(createLogger(resolved.logLevel));
      mode = { kind: 'supervisor', workers, resolved };
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
  if (mode.kind === 'supervisor') return await supervise(mode.workers, mode.resolved);
  const server = mode.server;
  const info = await server.listen();
  const everywhere = info.host === '0.0.0.0' || info.host === '::';
  // Say what is bound, not only the loopback URL: 0.0.0.0 is reachable from other machines too.
  const bound = everywhere ? ` and every other interface (bound to ${info.host}:${info.port})` : '';
  process.stdout.write(`Switchboard listening on ${info.url}${bound}\n`);
  // A URL that answers: the API has no index page, so name its main route (docs/api.md has them all).
  process.stdout.write(`HTTP API: POST http://${new URL(info.url).host}/api/publish (every route: docs/api.md)\n`);
  process.stdout.write(describeSetup(server.options));
  process.stdout.write(`uWS build: ${describeUws(loadUws())}\n`);

  const shutdown = (signal: string, leave: () => Promise<void>, deadlineMs: number) => {
    process.stdout.write(`${signal}: ${signal === 'SIGTERM' ? `draining connections (1012 over ${server.options.drainMs} ms)` : 'closing connections'}\n`);
    // Leave even if something hangs: a few seconds, never forever.
    setTimeout(() => process.exit(0), deadlineMs).unref();
    const started = Date.now();
    leave().then(
      () => {
        process.stdout.write(`${signal}: ${signal === 'SIGTERM' ? 'drained' : 'closed'} in ${Date.now() - started} ms; exiting\n`);
        process.exit(0);
      },
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
async function supervise(workers: number, resolved: ResolvedOptions): Promise<number> {
  const drainMs = resolved.drainMs;
  const say = (line: string) => process.stdout.write(`supervisor: ${line}\n`);
  const supervisor = new Supervisor({ workers, drainMs, script: process.argv[1]!, args: process.argv.slice(2), execArgv: workerExecArgv(process.execArgv), say });
  const leave = (signal: string) => {
    say(`${signal}: draining every worker (1012 over ${drainMs} ms)`);
    const started = Date.now();
    supervisor.shutdown().then(
      () => {
        say(`every worker drained and exited in ${Date.now() - started} ms; exiting`);
        process.exit(0);
      },
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
  process.stdout.write(describeSetup(resolved));
  process.stdout.write(`uWS build: ${describeUws(loadUws())}\n`);
  return -1;
}

/** The startup lines after "listening": what runs (engine, fronts, hooks) and the limits that matter. */
function describeSetup(options: ResolvedOptions): string {
  const { engine, fronts, hooks } = startupSummary(options);
  const descriptors = openFileLimit();
  const room = connectionsWithinDescriptors(descriptors);
  const files = descriptors === undefined ? 'open-file limit unknown' : `open files ${descriptors} (room for about ${room} connections${room! < options.maxConnections ? ': LESS than maxConnections, raise ulimit -n' : ''})`;
  return [
    `engine: ${engine}`,
    `fronts: ${fronts.join(', ')}`,
    `hooks: ${hooks.length === 0 ? 'none' : hooks.join(', ')}`,
    `limits: maxConnections ${options.maxConnections}, ${files}`,
  ].join('\n') + '\n';
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
