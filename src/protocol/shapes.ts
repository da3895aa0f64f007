/**
 * Frame shapes: turning decoded wire arrays into typed frames (with validation) and typed frames
 * back into wire arrays. Pure and format-independent: msgpack and JSON share it.
 */
import { ErrorCode } from './codes.js';
import { ProtocolError } from './errors.js';
import { readFilter, readTags } from './tags.js';
import { Kind, type ClientFrame, type Frame, type PublishFrame, type ServerFrame, type StreamPosition, type SubscribeFrame, type WelcomeLimits } from './frames.js';

function fail(message: string, id = 0): never {
  const err = new ProtocolError(ErrorCode.BadFrame, message);
  err.requestId = id;
  throw err;
}

function unknownKind(kind: number, id: number): ProtocolError {
  const err = new ProtocolError(ErrorCode.UnknownKind, `unknown client frame kind ${kind}`);
  err.requestId = id;
  return err;
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function needLength(arr: unknown[], length: number, what: string, id = 0): void {
  if (arr.length < length) fail(`${what} frame needs ${length} elements, got ${arr.length}`, id);
}

function readTopics(value: unknown, what: string, id: number): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(`${what} topics must be a non-empty array`, id);
  for (const topic of value) if (typeof topic !== 'string') fail(`${what} topics must be strings`, id);
  return value as string[];
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Runs a tags/filter reader, giving its BAD_FRAME the request id (a hostile shape is answered, not fatal). */
function withId<T>(id: number, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ProtocolError) err.requestId = id;
    throw err;
  }
}

/** Reads a publish frame's optional options map (its tags). */
function readPublishOptions(frame: PublishFrame, value: unknown): PublishFrame {
  if (value === undefined || value === null) return frame;
  if (!isPlainMap(value)) fail('publish options must be a map', frame.id);
  const tags = withId(frame.id, () => readTags(value.tags));
  if (tags !== undefined) frame.tags = tags;
  return frame;
}

/** Reads a subscribe frame's optional extras map (positions and tokens, keyed by topic; the latest flag; the filter). */
function readSubscribeExtras(frame: SubscribeFrame, value: unknown): SubscribeFrame {
  if (value === undefined || value === null) return frame;
  const id = frame.id;
  if (!isPlainMap(value)) fail('subscribe extras must be a map', id);
  const { positions, tokens, latest, filter } = value;
  if (positions !== undefined && positions !== null) {
    if (!isPlainMap(positions)) fail('subscribe positions must be a map of topic to [epoch, seq]', id);
    // fromEntries defines own properties, so a "__proto__" topic cannot reach the prototype.
    frame.positions = Object.fromEntries(
      Object.entries(positions).map(([topic, position]): [string, StreamPosition] => {
        if (!Array.isArray(position) || typeof position[0] !== 'string' || !isId(position[1])) {
          fail('subscribe position must be [epoch string, seq non-negative integer]', id);
        }
        return [topic, { epoch: position[0], seq: position[1] }];
      }),
    );
  }
  if (tokens !== undefined && tokens !== null) {
    if (!isPlainMap(tokens)) fail('subscribe tokens must be a map of topic to token', id);
    frame.tokens = Object.fromEntries(Object.entries(tokens).map(([topic, token]) => [topic, readString(token, 'subscription token', id)]));
  }
  if (latest !== undefined && latest !== null) {
    if (typeof latest !== 'boolean') fail('subscribe latest must be a boolean', id);
    if (latest) frame.latest = true;
  }
  if (filter !== undefined && filter !== null) frame.filter = withId(id, () => readFilter(filter));
  return frame;
}

function readString(value: unknown, field: string, id = 0): string {
  if (typeof value !== 'string') fail(`${field} must be a string`, id);
  return value;
}

function readHeader(value: unknown): { arr: unknown[]; kind: number } {
  if (!Array.isArray(value)) fail('frame must be an array');
  if (value.length === 0 || typeof value[0] !== 'number') fail('frame must start with a numeric kind');
  return { arr: value, kind: value[0] };
}

/** Validates a decoded value as a client → server frame. Extra trailing elements are ignored. */
export function toClientFrame(value: unknown): ClientFrame {
  const { arr, kind } = readHeader(value);
  if (kind < Kind.Subscribe || kind > Kind.History) throw unknownKind(kind, isId(arr[1]) ? arr[1] : 0);
  if (!isId(arr[1])) fail('request id must be a non-negative integer');
  const id = arr[1];
  switch (kind) {
    case Kind.Subscribe:
      needLength(arr, 3, 'subscribe', id);
      return readSubscribeExtras({ kind, id, topics: readTopics(arr[2], 'subscribe', id) }, arr[3]);
    case Kind.Unsubscribe:
      needLength(arr, 3, 'unsubscribe', id);
      return { kind, id, topics: readTopics(arr[2], 'unsubscribe', id) };
    case Kind.Publish:
      needLength(arr, 4, 'publish', id);
      return readPublishOptions({ kind, id, topic: readString(arr[2], 'publish topic', id), data: arr[3] }, arr[4]);
    case Kind.Rpc:
      needLength(arr, 4, 'rpc', id);
      if (id === 0) fail('rpc request id must be greater than 0');
      return { kind, id, method: readString(arr[2], 'rpc method', id), data: arr[3] };
    case Kind.Ping:
      return { kind, id };
    case Kind.Send:
      needLength(arr, 3, 'send', id);
      return { kind, id, data: arr[2] };
    case Kind.Refresh:
      needLength(arr, 3, 'refresh', id);
      return { kind, id, token: readString(arr[2], 'refresh token', id) };
    case Kind.Presence:
      needLength(arr, 3, 'presence', id);
      return { kind, id, topic: readString(arr[2], 'presence topic', id) };
    case Kind.History:
      needLength(arr, 5, 'history', id);
      if (!isId(arr[4])) fail('history seq must be a non-negative integer', id);
      return { kind, id, topic: readString(arr[2], 'history topic', id), epoch: readString(arr[3], 'history epoch', id), seq: arr[4] };
    default:
      // Kinds 8–15 are reserved for future client frames.
      throw unknownKind(kind, id);
  }
}

function readLimits(value: unknown): WelcomeLimits {
  if (typeof value !== 'object' || value === null) fail('welcome limits must be a map');
  const limits = value as Record<string, unknown>;
  const out = {} as WelcomeLimits;
  for (const key of ['maxPayloadBytes', 'maxSubscriptions', 'maxTopicBytes'] as const) {
    const n = limits[key];
    if (typeof n !== 'number') fail(`welcome limits.${key} must be a number`);
    out[key] = n;
  }
  return out;
}

function readUserId(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return readString(value, 'user id');
}

/** Validates a decoded value as a server → client frame. Extra trailing elements are ignored. */
export function toServerFrame(value: unknown): ServerFrame {
  const { arr, kind } = readHeader(value);
  switch (kind) {
    case Kind.Welcome:
      needLength(arr, 5, 'welcome');
      if (typeof arr[2] !== 'number' || typeof arr[3] !== 'number') fail('welcome time and version must be numbers');
      return { kind, connectionId: readString(arr[1], 'connection id'), serverTime: arr[2], version: arr[3], limits: readLimits(arr[4]) };
    case Kind.Message:
      needLength(arr, 4, 'message');
      if (typeof arr[2] !== 'number') fail('message seq must be a number');
      return { kind, topic: readString(arr[1], 'message topic'), seq: arr[2], data: arr[3] };
    case Kind.Reply:
      needLength(arr, 3, 'reply');
      if (!isId(arr[1])) fail('reply id must be a non-negative integer');
      return { kind, id: arr[1], data: arr[2] };
    case Kind.Error:
      needLength(arr, 4, 'error');
      if (!isId(arr[1]) || typeof arr[2] !== 'number') fail('error id and code must be numbers');
      return { kind, id: arr[1], code: arr[2], message: readString(arr[3], 'error message') };
    case Kind.Join:
    case Kind.Leave:
      needLength(arr, 4, 'presence');
      return {
        kind,
        topic: readString(arr[1], 'presence topic'),
        connectionId: readString(arr[2], 'connection id'),
        userId: readUserId(arr[3]),
        ...(arr[4] === undefined || arr[4] === null ? {} : { info: arr[4] }),
      };
    case Kind.Push:
      needLength(arr, 2, 'push');
      return { kind, data: arr[1] };
    case Kind.Gap:
      needLength(arr, 3, 'gap');
      if (!isId(arr[2])) fail('gap seq must be a non-negative integer');
      if (arr.length > 3) return { kind, topic: readString(arr[1], 'gap topic'), seq: arr[2], epoch: readString(arr[3], 'gap epoch') };
      return { kind, topic: readString(arr[1], 'gap topic'), seq: arr[2] };
    default:
      throw new ProtocolError(ErrorCode.UnknownKind, `unknown server frame kind ${kind}`);
  }
}

/** The wire array for a frame (the inverse of toClientFrame / toServerFrame). */
export function toWire(frame: Frame): unknown[] {
  switch (frame.kind) {
    case Kind.Subscribe: {
      if (frame.positions === undefined && frame.tokens === undefined && frame.latest !== true && frame.filter === undefined) return [frame.kind, frame.id, frame.topics];
      const extras: Record<string, unknown> = {};
      if (frame.positions !== undefined) {
        extras.positions = Object.fromEntries(Object.entries(frame.positions).map(([topic, p]) => [topic, [p.epoch, p.seq]]));
      }
      if (frame.tokens !== undefined) extras.tokens = frame.tokens;
      if (frame.latest === true) extras.latest = true;
      if (frame.filter !== undefined) extras.filter = frame.filter;
      return [frame.kind, frame.id, frame.topics, extras];
    }
    case Kind.Unsubscribe:
      return [frame.kind, frame.id, frame.topics];
    case Kind.Publish:
      // Without tags, the frame an older client sends, byte for byte.
      return frame.tags === undefined ? [frame.kind, frame.id, frame.topic, frame.data] : [frame.kind, frame.id, frame.topic, frame.data, { tags: frame.tags }];
    case Kind.Rpc:
      return [frame.kind, frame.id, frame.method, frame.data];
    case Kind.Ping:
      return [frame.kind, frame.id];
    case Kind.Send:
      return [frame.kind, frame.id, frame.data];
    case Kind.Refresh:
      return [frame.kind, frame.id, frame.token];
    case Kind.Presence:
      return [frame.kind, frame.id, frame.topic];
    case Kind.History:
      return [frame.kind, frame.id, frame.topic, frame.epoch, frame.seq];
    case Kind.Welcome:
      return [frame.kind, frame.connectionId, frame.serverTime, frame.version, frame.limits];
    case Kind.Message:
      return [frame.kind, frame.topic, frame.seq, frame.data];
    case Kind.Reply:
      return [frame.kind, frame.id, frame.data];
    case Kind.Error:
      return [frame.kind, frame.id, frame.code, frame.message];
    case Kind.Join:
    case Kind.Leave:
      return frame.info === undefined
        ? [frame.kind, frame.topic, frame.connectionId, frame.userId]
        : [frame.kind, frame.topic, frame.connectionId, frame.userId, frame.info];
    case Kind.Push:
      return [frame.kind, frame.data];
    case Kind.Gap:
      return frame.epoch === undefined ? [frame.kind, frame.topic, frame.seq] : [frame.kind, frame.topic, frame.seq, frame.epoch];
    default: {
      const unreachable: never = frame;
      throw new ProtocolError(ErrorCode.UnknownKind, `cannot encode frame ${JSON.stringify(unreachable)}`);
    }
  }
}
