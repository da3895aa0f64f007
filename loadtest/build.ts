/**
 * Bundles the processes the harness forks (generator workers, servers under test, peers) into
 * loadtest/.build/ with esbuild before each run. Children then start as plain Node ESM: no
 * TypeScript loader thread in a server whose RSS we measure, and a worker starts in ~50 ms.
 * Packages stay external and resolve from the repository's node_modules.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const LOADTEST_DIR = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(LOADTEST_DIR, '.build');

/** Forkable entry points by name, relative to loadtest/. */
export const ENTRIES = {
  worker: 'generator/worker.ts',
  switchboard: 'targets/servers/switchboard.ts',
  // The same server: only the subscribers' protocol differs (targets/servers/switchboard.ts).
  'switchboard-pusher': 'targets/servers/switchboard.ts',
  // The real CLI, for clusters (`--server-workers`): its supervisor forks this same file as workers.
  'switchboard-cli': '../src/server/cli.ts',
  uws: 'targets/peers/uws.ts',
  relay: 'targets/peers/relay.ts',
  ws: 'targets/peers/ws.ts',
  socketio: 'targets/peers/socketio.ts',
  autocannon: 'autocannon/publish.ts',
} as const;

export type EntryName = keyof typeof ENTRIES;

let built: Promise<void> | undefined;

/** Bundles every entry once per coordinator process. */
export function buildEntries(): Promise<void> {
  built ??= (async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    await build({
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(LOADTEST_DIR, file)])),
      outdir: OUT_DIR,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      logLevel: 'error',
    });
  })();
  return built;
}

/** Path of a bundled entry (call buildEntries first). */
export function entryPath(name: EntryName): string {
  return join(OUT_DIR, `${name}.mjs`);
}
