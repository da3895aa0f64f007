/**
 * Topic names: what a valid one looks like. Pure; shared by server and client so a client can
 * reject a bad name before sending it.
 */
import { ErrorCode } from './codes.js';
import { ProtocolError } from './errors.js';

/** Default longest topic name, in bytes. @default 256 */
export const DEFAULT_MAX_TOPIC_BYTES = 256;

// Visible ASCII only (0x21–0x7E): no spaces, control characters or non-ASCII, so a topic is the
// same string in every language, log line and URL path segment (after percent-encoding).
const TOPIC_CHARS = /^[\x21-\x7e]+$/;

/** Why a topic is invalid, or null when it is valid. */
export function topicProblem(topic: unknown, maxBytes = DEFAULT_MAX_TOPIC_BYTES): string | null {
  if (typeof topic !== 'string') return 'topic must be a string';
  if (topic.length === 0) return 'topic must not be empty';
  if (topic.length > maxBytes) return `topic longer than ${maxBytes} bytes`;
  if (!TOPIC_CHARS.test(topic)) return 'topic may contain only visible ASCII characters (0x21-0x7E)';
  return null;
}

/** Throws ProtocolError(INVALID_TOPIC) unless `topic` is a valid topic name. */
export function assertTopic(topic: unknown, maxBytes = DEFAULT_MAX_TOPIC_BYTES): asserts topic is string {
  const problem = topicProblem(topic, maxBytes);
  if (problem !== null) throw new ProtocolError(ErrorCode.InvalidTopic, problem);
}
