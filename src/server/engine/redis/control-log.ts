/**
 * The short-lived log that makes cluster control commands reliable. PUBLISH reaches only the nodes
 * whose subscriber connection is up at that moment: a node reconnecting then would never
 * disconnect a banned user. So each command is also appended to one Redis stream, in the same
 * script as its PUBLISH (a node that missed the message finds the entry), and every node reads the
 * entries after its cursor whenever its node channels are subscribed again. A command is run at
 * most once per node: ids run are remembered as long as the log keeps entries.
 *
 * Bounded both ways: the stream keeps at most `CONTROL_LOG_MAX` entries (approximately: `MAXLEN
 * ~`) of the last `CONTROL_LOG_TTL_MS`, and expires whole after that long without commands; a
 * node remembers as many ids for as long.
 */

/** Commands kept in the log (about: trimmed with `MAXLEN ~`). */
export const CONTROL_LOG_MAX = 1000;
/** How long a command stays in the log (and its id in each node's memory), in ms: 5 min. */
export const CONTROL_LOG_TTL_MS = 5 * 60_000;

/**
 * KEYS: log stream. ARGV: channel, message, max entries, ttl ms. Appends the message, trims
 * entries older than the TTL, publishes it. Returns { entry id, nodes that received it }.
 */
export const CONTROL_SEND = `
local id = redis.call('xadd', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[2])
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('xtrim', KEYS[1], 'MINID', '~', now - tonumber(ARGV[4]))
redis.call('pexpire', KEYS[1], ARGV[4])
return { id, redis.call('publish', ARGV[1], ARGV[2]) }
`;

/** The ids of commands this node ran recently, with what each answered (for a late live copy). */
export class RanCommands {
  private readonly ran = new Map<string, { at: number; connections: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** What `id` answered when it was run here, or undefined when it was not (recently). */
  get(id: string): number | undefined {
    this.prune();
    return this.ran.get(id)?.connections;
  }

  record(id: string, connections: number): void {
    this.ran.set(id, { at: this.now(), connections });
    this.prune();
  }

  get size(): number {
    return this.ran.size;
  }

  // Insertion order is age order: the oldest go first, past the TTL or past the count.
  private prune(): void {
    const oldest = this.now() - CONTROL_LOG_TTL_MS;
    for (const [id, entry] of this.ran) {
      if (entry.at > oldest && this.ran.size <= CONTROL_LOG_MAX * 2) break;
      this.ran.delete(id);
    }
  }
}
