/**
 * A live feed's fill read in bounded pages. One READ script over 10,000 publications holds Redis
 * (single-threaded) for the whole copy; every other node's publishes wait behind it. So a fill
 * starts with one READ of at most one page (which also does the epoch and stamp checks and
 * answers a small gap at once), and a larger gap is read in pages of `FILL_PAGE` by a read-only
 * script (scripts.ts READ_PAGE) that checks the epoch each time. All or nothing across pages, as
 * one READ was: one page that cannot be read makes the whole fill unrecovered, and what the stream
 * is then is read again so the feed learns the right position (or epoch).
 */
import type { StreamPosition } from '../../../protocol/frames.js';
import { isEmptyPosition, type HistoryRead, type Publication } from '../history.js';
import type { RedisLink } from './connections.js';
import type { KeySpace } from './keys.js';
import { readEntries } from './stream-entries.js';

/** Publications read per script call by a fill. */
export const FILL_PAGE = 1000;

/** The page script as an ioredis command (defined by the engine at start). */
export interface PageCommand {
  sbReadPageBuffer(...args: Array<string | number>): Promise<Array<Buffer | number>>;
}

/** One READ of the stream after `since` (redis-history.ts `readNow`, with `delivered`). */
export type FillFirstRead = (topic: string, since: StreamPosition, limit: number) => Promise<HistoryRead>;

export class PagedFill {
  /** Page script calls made (for tests and metrics). */
  pages = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeySpace,
    private readonly first: FillFirstRead,
    private readonly pageSize: number = FILL_PAGE,
  ) {}

  /** Publications after `since`, at most `limit`, all or none (`FeedHost.read`). */
  async read(topic: string, since: StreamPosition, limit: number): Promise<HistoryRead> {
    const head = await this.first(topic, since, Math.min(limit, this.pageSize));
    // The empty position recovers into the topic's current epoch from its seq 1.
    const from = isEmptyPosition(since) ? { epoch: head.epoch, seq: 0 } : since;
    const missed = head.seq - from.seq;
    if (head.recovered || head.epoch !== from.epoch || missed <= this.pageSize || missed > limit) return head;
    const publications: Publication[] = [];
    const keys = this.keys.topic(topic);
    for (let after = from.seq; after < head.seq; ) {
      this.pages++;
      const reply = await this.link.run((client) =>
        (client as unknown as PageCommand).sbReadPageBuffer(keys.meta, keys.stream, head.epoch, after, head.seq, this.pageSize),
      );
      // Trimmed, expired or another epoch meanwhile: what the stream says now is the answer.
      if (reply[0] !== 1) return this.first(topic, since, 0);
      publications.push(...readEntries(reply, 1));
      after = publications.at(-1)!.seq;
    }
    return { epoch: head.epoch, seq: head.seq, recovered: true, publications };
  }
}
