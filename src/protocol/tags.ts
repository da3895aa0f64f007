/**
 * Publication tags and subscription filters (docs/protocol.md §5.6): their bounded shapes, the
 * validation every entry point shares (client frames, the HTTP API, the server library), and the
 * matching of a filter against a publication's tags. Pure: no I/O, no server state.
 */
import { ErrorCode } from './codes.js';
import { ProtocolError } from './errors.js';

/** A publication's tags: a flat map of string to string. */
export type Tags = Readonly<Record<string, string>>;

/**
 * A subscription filter over tags, in its wire form: `{eq: [key, value]}` (the tag equals the
 * value), `{in: [key, [values]]}` (the tag is one of them), `{and: [filters]}` / `{or: [filters]}`.
 * A publication without the key never matches `eq` or `in`.
 */
export type TagFilter =
  | { readonly eq: readonly [string, string] }
  | { readonly in: readonly [string, readonly string[]] }
  | { readonly and: readonly TagFilter[] }
  | { readonly or: readonly TagFilter[] };

/** Whether a publication's tags (undefined: it has none) pass a compiled filter. */
export type TagMatcher = (tags: Tags | undefined) => boolean;

/** Documented limits on tags and filters (docs/protocol.md §5.6). Part of protocol v1. */
export const TagLimits = {
  /** Most tags on one publication. */
  maxTags: 16,
  /** Longest tag key or value, and any key or value in a filter, in UTF-8 bytes (keys are never empty). */
  maxTagBytes: 64,
  /** Most nodes (`eq`, `in`, `and`, `or`) in one filter. */
  maxFilterNodes: 32,
  /** Deepest nesting of `and`/`or` (a lone `eq` has depth 1). */
  maxFilterDepth: 4,
  /** Most values in one `in` list. */
  maxInValues: 64,
} as const;

function fail(message: string): never {
  throw new ProtocolError(ErrorCode.BadFrame, message);
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** UTF-8 length of a string without encoding it (the SDK runs where Buffer does not exist). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function readText(value: unknown, what: string, allowEmpty: boolean): string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  if (!allowEmpty && value.length === 0) fail(`${what} must not be empty`);
  if (utf8Length(value) > TagLimits.maxTagBytes) fail(`${what} longer than ${TagLimits.maxTagBytes} bytes`);
  return value;
}

/**
 * Validates a publication's tags. Undefined or null: no tags (undefined). An empty map is no tags
 * too, so it never changes what a publication looks like downstream.
 * @throws ProtocolError BAD_FRAME (HTTP 400) for a wrong shape or a limit passed
 */
export function readTags(value: unknown): Tags | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainMap(value)) fail('tags must be a map of string to string');
  const entries = Object.entries(value);
  if (entries.length === 0) return undefined;
  if (entries.length > TagLimits.maxTags) fail(`at most ${TagLimits.maxTags} tags`);
  // A null prototype: a "__proto__" key is an ordinary tag, never the prototype.
  const tags = Object.create(null) as Record<string, string>;
  for (const [key, tag] of entries) tags[readText(key, 'tag key', false)] = readText(tag, `tag "${key}"`, true);
  return tags;
}

/**
 * Validates a subscription filter (wire form) and returns a copy holding only what was checked.
 * @throws ProtocolError BAD_FRAME for a wrong shape or a limit passed
 */
export function readFilter(value: unknown): TagFilter {
  const budget = { nodes: 0 };
  return readNode(value, 1, budget);
}

function readNode(value: unknown, depth: number, budget: { nodes: number }): TagFilter {
  if (depth > TagLimits.maxFilterDepth) fail(`filter nested deeper than ${TagLimits.maxFilterDepth}`);
  if (++budget.nodes > TagLimits.maxFilterNodes) fail(`filter has more than ${TagLimits.maxFilterNodes} nodes`);
  if (!isPlainMap(value)) fail('filter must be a map with one of eq, in, and, or');
  const keys = Object.keys(value);
  if (keys.length !== 1) fail('filter must be a map with exactly one of eq, in, and, or');
  const op = keys[0]!;
  const operand = value[op];
  switch (op) {
    case 'eq': {
      if (!Array.isArray(operand) || operand.length !== 2) fail('filter eq must be [key, value]');
      return { eq: [readText(operand[0], 'filter key', false), readText(operand[1], 'filter value', true)] };
    }
    case 'in': {
      if (!Array.isArray(operand) || operand.length !== 2 || !Array.isArray(operand[1])) fail('filter in must be [key, [values]]');
      const values = operand[1] as unknown[];
      if (values.length === 0 || values.length > TagLimits.maxInValues) fail(`filter in needs 1 to ${TagLimits.maxInValues} values`);
      return { in: [readText(operand[0], 'filter key', false), values.map((one) => readText(one, 'filter value', true))] };
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(operand) || operand.length === 0) fail(`filter ${op} must be a non-empty array of filters`);
      const parts = (operand as unknown[]).map((part) => readNode(part, depth + 1, budget));
      return op === 'and' ? { and: parts } : { or: parts };
    }
    default:
      fail(`unknown filter operator "${op}"`);
  }
}

/** Compiles a validated filter into a matcher (built once per subscription, run per publication). */
export function compileFilter(filter: TagFilter): TagMatcher {
  if ('eq' in filter) {
    const [key, expected] = filter.eq;
    return (tags) => tags !== undefined && Object.hasOwn(tags, key) && tags[key] === expected;
  }
  if ('in' in filter) {
    const [key, values] = filter.in;
    const allowed = new Set(values);
    return (tags) => tags !== undefined && Object.hasOwn(tags, key) && allowed.has(tags[key]!);
  }
  if ('and' in filter) {
    const parts = filter.and.map(compileFilter);
    return (tags) => parts.every((part) => part(tags));
  }
  const parts = filter.or.map(compileFilter);
  return (tags) => parts.some((part) => part(tags));
}
