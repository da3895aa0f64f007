/**
 * The one door into publishing, for every caller: the server library (`publish`, `broadcast`), the
 * HTTP API and client Publish frames. Validates the topic, packs the data once, applies the
 * namespace's retention and (for clients) its size limit, and hands the publication to the engine,
 * which sequences it and delivers it back through the core. Idempotency keys work on every path.
 */
import { packValue } from '../../protocol/msgpack-value.js';
import { ErrorCode } from '../../protocol/codes.js';
import { LimitError } from '../../protocol/errors.js';
import { readTags, type Tags } from '../../protocol/tags.js';
import { assertTopic } from '../../protocol/topic.js';
import type { Namespace, Namespaces } from '../namespaces/namespaces.js';
import type { Engine, PublishResult } from '../engine/engine.js';
import type { MaybePromise } from '../engine/history.js';

/** How one publication is made. */
export interface PublishRequest {
  /** Deduplicates retries: see `idempotencyWindowMs`. */
  idempotencyKey?: string;
  /** A WebSocket client's publish: the namespace's `maxPublishBytes` applies (PAYLOAD_TOO_LARGE). */
  fromClient?: boolean;
  /** The id of a connection (on any node) that does not get the publication: its sender (engine.ts `exclude`). */
  exclude?: string;
  /** The publication's tags (docs/protocol.md §5.6), checked here against the documented limits (BAD_FRAME). */
  tags?: Tags;
}

const NO_REQUEST: PublishRequest = Object.freeze({});

export class Publisher {
  constructor(
    private readonly engine: Engine,
    private readonly namespaces: Namespaces,
    private readonly maxTopicBytes: number,
  ) {}

  /** Publishes `data` to a topic. Throws INVALID_TOPIC, BAD_FRAME (tags) or PAYLOAD_TOO_LARGE before anything is published. */
  publish(topic: string, data: unknown, request: PublishRequest = NO_REQUEST): MaybePromise<PublishResult> {
    assertTopic(topic, this.maxTopicBytes);
    const tags = request.tags === undefined ? undefined : readTags(request.tags);
    const namespace = this.namespaces.match(topic);
    const payload = this.pack(namespace, data, request.fromClient === true);
    const options = { retain: namespace.history, idempotencyKey: request.idempotencyKey, exclude: request.exclude };
    // Untagged publications keep the options object they always had (no tags key to carry around).
    return this.engine.publish(topic, payload, tags === undefined ? options : { ...options, tags });
  }

  /**
   * The checks of `publish` without publishing: lets a caller refuse a publication before it asks
   * someone slow (the application's backend) about it. Returns the packed data.
   * @throws ProtocolError INVALID_TOPIC, LimitError PAYLOAD_TOO_LARGE
   */
  check(topic: string, data: unknown, request: Pick<PublishRequest, 'fromClient'> = NO_REQUEST): Uint8Array {
    assertTopic(topic, this.maxTopicBytes);
    return this.pack(this.namespaces.match(topic), data, request.fromClient === true);
  }

  /** Packs the data, with the namespace's size limit for a client's publication. */
  private pack(namespace: Namespace, data: unknown, fromClient: boolean): Uint8Array {
    const payload = packValue(data);
    if (fromClient && namespace.maxPublishBytes > 0 && payload.length > namespace.maxPublishBytes) {
      throw new LimitError(ErrorCode.PayloadTooLarge, `data larger than ${namespace.maxPublishBytes} bytes for this topic`);
    }
    return payload;
  }

  /**
   * Publishes the same data to several topics, packed once. With an idempotency key, each topic
   * remembers it, so retrying a broadcast publishes only where the first attempt did not.
   * Validates every topic before publishing anything.
   */
  broadcast(topics: readonly string[], data: unknown, request: Pick<PublishRequest, 'idempotencyKey'> = {}): Promise<PublishResult[]> {
    for (const topic of topics) assertTopic(topic, this.maxTopicBytes);
    const payload = packValue(data);
    const results = topics.map((topic) =>
      this.engine.publish(topic, payload, { retain: this.namespaces.match(topic).history, idempotencyKey: request.idempotencyKey }),
    );
    return Promise.all(results);
  }
}
