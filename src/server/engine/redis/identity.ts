/**
 * Which Redis server process the command connection talks to, learned on every (re)connect before
 * any script runs on it. Scripts stamp it on a topic's meta hash; a topic stamped by another
 * process predates a restart or failover, and may have lost writes Redis acknowledged (an older
 * RDB, `appendfsync everysec`, a lagging replica), so it starts a new epoch (scripts.ts).
 *
 * Why a connection-scoped fetch is enough: a restart or failover ends the TCP connection (the old
 * process is gone, or the address moved), so a node cannot send a script stamped with the old
 * process's identity to the new one: the identity is cleared on `close` and fetched again on the
 * next `ready`, and scripts are refused as "not sent" meanwhile. The subscriber connection runs no
 * scripts: after it reconnects, its feeds reconcile through the command connection, which carries
 * the identity. (A proxy that keeps the client's connection while switching Redis servers behind
 * it would defeat this; docs/operations.md says so.)
 */
import type { Redis } from 'ioredis';

/** The server process the command connection reaches now. */
export interface ServerIdentity {
  /**
   * `INFO server` run_id (new on every start), suffixed `+` when that server's acknowledged writes
   * survive its own restart (see `durable`), `-` otherwise. Passed to scripts as is.
   */
  readonly stamp: string;
  /**
   * Redis says `appendonly yes` and `appendfsync always`, is a master and was not promoted from a
   * replica (`master_replid2` unset): a restart of this server loses nothing it acknowledged. A
   * refused `CONFIG GET` (managed Redis) counts as not durable.
   */
  readonly durable: boolean;
}

// Refetch pace when the fetch itself failed on a connection that stayed up.
const REFETCH_MS = 250;
const NO_REPLID = /^0+$/;

/** Parses `INFO` text into its `field:value` lines. */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Reads the identity of the server behind `client` (three commands on that connection). */
export async function fetchIdentity(client: Redis): Promise<ServerIdentity> {
  const info = infoFields(`${await client.info('server')}\r\n${await client.info('replication')}`);
  const runId = info.get('run_id');
  if (runId === undefined || runId === '') throw new Error('INFO server has no run_id');
  let fsyncAlways = false;
  try {
    const config = (await client.config('GET', 'append*')) as string[];
    const value = (name: string) => config[config.indexOf(name) + 1];
    fsyncAlways = config.includes('appendonly') && value('appendonly') === 'yes' && value('appendfsync') === 'always';
  } catch (err) {
    // CONFIG renamed or refused: durability cannot be known, so it is not trusted. A dropped
    // connection is another matter: the caller fetches again after the reconnect.
    if (!(err instanceof Error && err.name === 'ReplyError')) throw err;
  }
  const durable = fsyncAlways && info.get('role') === 'master' && NO_REPLID.test(info.get('master_replid2') ?? '0');
  return { stamp: `${runId}${durable ? '+' : '-'}`, durable };
}

/**
 * Keeps the identity of the server behind one connection: cleared when the connection closes,
 * fetched again when it is ready. `current` is undefined in between.
 */
export class IdentityWatch {
  /** The identity read on the connection as it is now; undefined until read after its last (re)connect. */
  current: ServerIdentity | undefined;
  private generation = 0;
  private fetching: Promise<void> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly client: Redis) {
    client.on('close', () => this.forget());
    client.on('ready', () => void this.refresh().catch(() => this.refetchLater()));
  }

  /**
   * Resolves once the identity is known after the first connect, or rejects with why it could not
   * be read (no INFO permission, say), so `listen()` fails loudly.
   */
  async first(): Promise<void> {
    if (this.current === undefined) await (this.fetching ?? this.refresh());
  }

  /** Stops re-reading (the connections are closing). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }

  private forget(): void {
    this.generation++;
    this.current = undefined;
    clearTimeout(this.retry);
  }

  private refresh(): Promise<void> {
    const generation = ++this.generation;
    const fetching = fetchIdentity(this.client).then((identity) => {
      // A close since then: this answer may describe the previous server.
      if (generation === this.generation) this.current = identity;
    });
    this.fetching = fetching;
    return fetching;
  }

  private refetchLater(): void {
    if (this.closed || this.client.status !== 'ready') return; // a reconnect fetches on its `ready`
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.refresh().catch(() => this.refetchLater()), REFETCH_MS);
    this.retry.unref();
  }
}
