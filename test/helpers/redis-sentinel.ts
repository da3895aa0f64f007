/**
 * A private Redis Sentinel deployment for one test file: one master, one (or two) replicas and one to three
 * sentinels, each a real process on a free loopback port, all killed by an `after()` hook. The
 * sentinels judge the master down after `downAfterMs` (1 s by default) so a test can watch a real
 * failover (a `kill -9` of the master, or `SENTINEL FAILOVER`) within its time budget. Without the
 * `redis-sentinel` binary the tests skip visibly, except under CI=true (then it fails the run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { freePort, untilListening, waitFor } from './server.js';

/** Why Sentinel tests cannot run here, or undefined when redis-server and redis-sentinel are available. */
export const sentinelMissing: string | undefined = (() => {
  const probe = (binary: string) => spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const found = [probe('redis-server'), probe('redis-sentinel')].every((run) => run.error === undefined && run.status === 0);
  if (found) return undefined;
  if (process.env.CI === 'true') throw new Error('redis-server and redis-sentinel are required under CI=true (apt-get install redis-server redis-sentinel)');
  return 'redis-server or redis-sentinel not installed (apt-get install redis-server redis-sentinel); Sentinel tests skipped';
})();

/** One redis-server of the deployment (its role changes with failovers). */
export interface SentinelRedis {
  readonly port: number;
  process: ChildProcess | undefined;
  /** Runs one command through redis-cli and returns its output. */
  cli(...args: string[]): string;
  /** `kill -9` and wait for the exit. */
  kill(): Promise<void>;
}

export interface TestSentinels {
  /** The master name the sentinels monitor. */
  readonly name: string;
  /** The redis-servers; `servers[0]` is the master at start, the others its replicas. */
  readonly servers: readonly SentinelRedis[];
  /** Sentinel addresses (127.0.0.1). */
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  /** `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2/<name>`: how Switchboard is pointed at them. */
  readonly url: string;
  /** The port the first sentinel names as master now. */
  masterPort(): number;
  /** The server the first sentinel names as master now. */
  master(): SentinelRedis;
  /**
   * Asks the first sentinel for a failover (`SENTINEL FAILOVER`, no agreement needed), again while
   * it answers NOGOODSLAVE (it has not yet seen a replica fit to promote), for up to 10 s.
   */
  failover(): Promise<void>;
  /**
   * Waits until every sentinel names a master other than `oldPort` and that server says
   * `role:master` (bounded by `timeoutMs`).
   */
  untilFailedOver(oldPort: number, timeoutMs?: number): Promise<void>;
  /** Waits until the master reports `connected_slaves:<n>`, every replica online and confirming writes (`WAIT`). */
  untilReplicas(n: number, timeoutMs?: number): Promise<void>;
}

const cliOn = (port: number, args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();

/** Starts the deployment; everything is killed and its files removed when the test file ends. */
export async function startSentinels(options: { sentinels?: number; replicas?: number; downAfterMs?: number; failoverTimeoutMs?: number } = {}): Promise<TestSentinels> {
  const count = options.sentinels ?? 1;
  const replicas = options.replicas ?? 1;
  const name = 'sbmaster';
  const dir = mkdtempSync(join(tmpdir(), 'sb-sentinel-'));
  const children: ChildProcess[] = [];
  const startProcess = async (binary: string, args: string[], port: number, what: string) => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    children.push(child);
    await untilListening(port, what, () => child.exitCode !== null);
    return child;
  };

  const servers: SentinelRedis[] = [];
  for (let i = 0; i <= replicas; i++) {
    const port = await freePort();
    const data = join(dir, `redis-${i}`);
    spawnSync('mkdir', ['-p', data]);
    // No sync delay: by default a master waits 5 s for more replicas before a diskless sync.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', data, '--protected-mode', 'no', '--repl-diskless-sync-delay', '0'];
    if (i > 0) args.push('--replicaof', '127.0.0.1', String(servers[0]!.port));
    const server: SentinelRedis = {
      port,
      process: await startProcess('redis-server', args, port, `redis-server ${i}`),
      cli: (...command) => cliOn(port, command),
      async kill() {
        const child = server.process;
        if (child === undefined || child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        server.process = undefined;
      },
    };
    servers.push(server);
  }

  const sentinels: Array<{ host: string; port: number }> = [];
  const quorum = Math.floor(count / 2) + 1;
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    // Sentinel rewrites its config file (what it learned about the deployment): one each.
    const config = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `logfile ${join(dir, `sentinel-${i}.log`)}`,
        `sentinel monitor ${name} 127.0.0.1 ${servers[0]!.port} ${quorum}`,
        `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 3000}`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    await startProcess('redis-sentinel', [config], port, `redis-sentinel ${i}`);
    sentinels.push({ host: '127.0.0.1', port });
  }

  const masterPort = () => Number(cliOn(sentinels[0]!.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name]).split('\n')[1]);
  const deployment: TestSentinels = {
    name,
    servers,
    sentinels,
    url: `redis+sentinel://${sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${name}`,
    masterPort,
    master: () => servers.find((server) => server.port === masterPort())!,
    async failover() {
      let answer = '';
      await waitFor(() => {
        answer = cliOn(sentinels[0]!.port, ['SENTINEL', 'FAILOVER', name]);
        if (answer !== 'OK' && !answer.startsWith('NOGOODSLAVE')) throw new Error(`SENTINEL FAILOVER answered ${answer}`);
        return answer === 'OK';
      }, 10_000, `SENTINEL FAILOVER to be accepted (last answer: ${answer})`);
    },
    async untilFailedOver(oldPort, timeoutMs = 15_000) {
      await waitFor(
        () =>
          sentinels.every((s) => {
            const port = Number(cliOn(s.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name]).split('\n')[1]);
            return port !== oldPort && /role:master/.test(cliOn(port, ['INFO', 'replication']));
          }),
        timeoutMs,
        'the sentinels to promote another master',
      );
    },
    async untilReplicas(n, timeoutMs = 15_000) {
      await waitFor(() => {
        const info = cliOn(masterPort(), ['INFO', 'replication']);
        const online = info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length;
        if (!new RegExp(`connected_slaves:${n}\\b`).test(info) || online !== n) return false;
        // Online is not yet streaming: after a diskless sync the master sends a replica writes only
        // once it acknowledged (its once-a-second ACK), so a WAIT right away could time out.
        const port = String(masterPort());
        return spawnSync('redis-cli', ['-p', port], { input: `SET sentinel-helper-probe 1\nWAIT ${n} 100\n`, encoding: 'utf8' }).stdout.trim().endsWith(String(n));
      }, timeoutMs, `${n} online replica(s)`);
    },
  };
  // The sentinels must know the replica (learned from the master's INFO) before any failover.
  // A sentinel promotes only a replica it has itself seen healthy (its own INFO of it, link to the
  // master up), not one it merely heard of from the master.
  const fit = (port: number) => {
    const lines = cliOn(port, ['SENTINEL', 'REPLICAS', name]).split('\n');
    const values = (field: string) => lines.flatMap((line, i) => (line === field ? [lines[i + 1]] : []));
    return values('flags').length === replicas && values('flags').every((flags) => flags === 'slave') && values('master-link-status').every((status) => status === 'ok');
  };
  await waitFor(() => sentinels.every((s) => fit(s.port)), 15_000, 'sentinels to see the replicas fit for promotion');
  await deployment.untilReplicas(replicas);
  // And each other, when there are several (a failover needs a majority to elect a leader).
  if (count > 1) await waitFor(() => sentinels.every((s) => cliOn(s.port, ['SENTINEL', 'SENTINELS', name]).split('\n').filter((l) => l === 'name').length === count - 1), 15_000, 'sentinels to discover each other');

  after(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    if (process.env.SB_KEEP_SENTINEL_DIR === undefined) rmSync(dir, { recursive: true, force: true });
  });
  return deployment;
}
