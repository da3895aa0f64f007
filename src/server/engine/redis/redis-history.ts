/**
 * Topic streams in Redis: epoch and seq (the meta hash) and retained publications (the stream),
 * read by one script so a read is one consistent snapshot. Reads of a topic this node follows wait
 * until its live feed is subscribed and has delivered up to the position they answer: everything
 * after that position then reaches `deliver` exactly once, which is what the core's hold-and-merge
 * needs (engine.ts, "Followed topics").
 */
import type { StreamPosition } from '../../../protocol/frames.js';
import { isEmptyPosition, type HistoryRead, type HistoryStore } from '../history.js';
import { unavailable, type RedisLink } from './connections.js';
import { readEntries } from './stream-entries.js';
import type { KeySpace } from './keys.js';
import type { RedisEngineOptions } from './options.js';
import type { Subscriptions } from './subscriptions.js';

// A feed that has not delivered up to a read's position after this long fills from the stream.
const NUDGE_MS = 500;
// Reads again when the feed moved to another epoch while waiting, at most this often: each time
// Redis lost the stream the answer came from, which does not happen in a loop.
const MAX_REREADS = 3;

export class RedisHistory implements Omit<HistoryStore, 'append' | 'setActiveCheck'> {
  /** Set by the engine once started. */
  subscriptions: Subscriptions | undefined;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeySpace,
    private readonly options: RedisEngineOptions,
    private readonly newEpoch: () => string,
  ) {}

  /**
   * A followed topic whose feed is live answers from the feed's position, synchronously: no round
   * trip, and the core attaches at once (every later publication reaches it through the feed).
   * Otherwise one read, waiting for the feed as `read` does.
   */
  top(topic: string): StreamPosition | Promise<StreamPosition> {
    return this.subscriptions?.positionIfLive(topic) ?? this.readTop(topic);
  }

  private async readTop(topic: string): Promise<StreamPosition> {
    const { epoch, seq } = await this.read(topic, null, 0);
    return { epoch, seq };
  }

  /**
   * For a followed topic, answers once the feed delivered up to the answer's position. When the
   * feed moved to another epoch instead (Redis lost the stream this answer came from), reads again:
   * an answer in the old epoch would have the client drop the new epoch's publications as seen.
   */
  async read(topic: string, since: StreamPosition | null, limit: number): Promise<HistoryRead> {
    const feed = await this.liveFeed(topic);
    for (let attempt = 0; ; attempt++) {
      const read = await this.readNow(topic, since, limit);
      if (feed === undefined || (await feed.reached(read.epoch, read.seq, NUDGE_MS, this.options.commandTimeoutMs))) return inFirstEpoch(read, feed?.position);
      if (attempt === MAX_REREADS || feed.position?.epoch === read.epoch) return inFirstEpoch(read, feed.position);
    }
  }

  /** The stream's position now (the empty position for an unknown topic), without waiting for any feed. */
  async topNow(topic: string): Promise<StreamPosition> {
    const { epoch, seq } = await this.readNow(topic, null, 0);
    return { epoch, seq };
  }

  /**
   * One read script call, without waiting for any feed. `delivered`: `since` is a position this
   * node's feed delivered (never a client's), so Redis being behind it in the same epoch proves a
   * loss and ends the epoch.
   */
  async readNow(topic: string, since: StreamPosition | null, limit: number, delivered = false): Promise<HistoryRead> {
    const keys = this.keys.topic(topic);
    const reply = await this.link.run((client, server) =>
      client.sbReadBuffer(
        keys.meta,
        keys.stream,
        this.newEpoch(),
        this.options.streamMetaTtlMs,
        since === null ? '0' : '1',
        since?.epoch ?? '',
        since?.seq ?? 0,
        limit,
        server.stamp,
        delivered ? '1' : '0',
      ),
    );
    return { epoch: (reply[0] as Buffer).toString('latin1'), seq: reply[1] as number, recovered: reply[2] === 1, publications: readEntries(reply, 3) };
  }

  close(): void {}

  /** The live feed of a followed topic, waiting (bounded) while its channel is being (re)subscribed. */
  private async liveFeed(topic: string) {
    const subscriptions = this.subscriptions;
    if (subscriptions === undefined || !subscriptions.has(topic)) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable(new Error('topic channel not subscribed in time'))), this.options.commandTimeoutMs);
    });
    try {
      return await Promise.race([subscriptions.liveFeed(topic), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * An answer at the empty position for a topic whose feed has meanwhile entered its first epoch
 * becomes seq 0 of that epoch: the same point of the stream (nothing came before seq 1), and every
 * publication of the epoch reached `deliver` after the read started, so the core's hold-and-merge
 * has them. Answering the empty epoch instead would leave a new subscriber counting seqs in it.
 */
function inFirstEpoch<T extends StreamPosition>(answer: T, feed: StreamPosition | undefined): T {
  if (feed === undefined || !isEmptyPosition(answer) || isEmptyPosition(feed)) return answer;
  return { ...answer, epoch: feed.epoch };
}
