/**
 * Checks merged options and answers the resolved, frozen copy; the input is never modified. Every
 * bad value throws an OptionsError naming its key, checked in a fixed order so the first bad key
 * is the one reported.
 */
import { OptionsError } from '../../protocol/errors.js';
import { resolveRedisOptions } from '../engine/redis/options.js';
import { addressList } from '../connection/client-address.js';
import { parsePublicKey, SUPPORTED_ALGORITHMS } from '../connection/token-verifier.js';
import { resolveBackendOptions, type ResolvedBackendOptions } from '../connection/backend-hooks/options.js';
import { validatePusherOptions } from '../fronts/pusher/apps.js';
import { LOG_LEVELS } from '../log/logger.js';
import { Namespaces } from '../namespaces/namespaces.js';
import type { ResolvedOptions, ServerOptions } from './options.js';
import { readPublicKey } from './public-key.js';

const INTEGER_KEYS = [
  'maxPayloadBytes',
  'maxSubscriptions',
  'maxTopicBytes',
  'maxHttpBodyBytes',
  'maxBackpressureBytes',
  'slowConsumerCheckMs',
  'maxReplayMessages',
  'historyMaxBytes',
  'idleTimeoutSeconds',
  'rpcTimeoutMs',
  'idempotencyWindowMs',
  'maxIdempotencyKeys',
  'authTimeoutMs',
] as const;

/** Limits where 0 switches the limit off. */
const OPTIONAL_LIMIT_KEYS = ['maxConnections', 'maxConnectionsPerIp', 'connectsPerSecond', 'messagesPerSecond', 'bytesPerSecond', 'httpRequestsPerSecond'] as const;

const HOOK_KEYS = ['authenticate', 'onOpen', 'onMessage', 'onClose', 'onError'] as const;

/**
 * Validates merged options (DEFAULTS already applied) and answers the resolved options: the
 * backend's defaults filled in, `jwtPublicKey` as PEM text, the namespace table built once.
 * @throws OptionsError naming the first bad key.
 */
export function validateOptions(options: ServerOptions): ResolvedOptions {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new OptionsError('port', `must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  if (typeof options.host !== 'string' || options.host === '') throw new OptionsError('host', 'must be a non-empty string');
  for (const key of INTEGER_KEYS) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value <= 0) throw new OptionsError(key, `must be a positive integer, got ${String(value)}`);
  }
  if (!Number.isSafeInteger(options.drainMs) || options.drainMs < 0) throw new OptionsError('drainMs', `must be a non-negative integer (ms), got ${String(options.drainMs)}`);
  // uWS aborts the process for idle timeouts over 960 s.
  if (options.idleTimeoutSeconds > 960) throw new OptionsError('idleTimeoutSeconds', `must be at most 960, got ${options.idleTimeoutSeconds}`);
  for (const key of ['apiKey', 'jwtSecret'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new OptionsError(key, 'must be a non-empty string');
  }
  if (options.jwtSecret !== undefined && options.jwtSecret.length < 16) {
    throw new OptionsError('jwtSecret', 'must be at least 16 characters (HS256 needs a strong shared secret)');
  }
  for (const key of OPTIONAL_LIMIT_KEYS) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value < 0) throw new OptionsError(key, `must be a non-negative integer (0 = no limit), got ${String(value)}`);
  }
  const jwtPublicKey = validateTokenKeys(options);
  if (!Array.isArray(options.trustedProxies) || options.trustedProxies.some((entry) => typeof entry !== 'string')) {
    throw new OptionsError('trustedProxies', 'must be an array of IP addresses or CIDR ranges');
  }
  addressList(options.trustedProxies, 'trustedProxies'); // throws naming a bad entry
  if (!Array.isArray(options.allowedOrigins) || options.allowedOrigins.some((origin) => typeof origin !== 'string')) {
    throw new OptionsError('allowedOrigins', 'must be an array of origin strings');
  }
  if (!LOG_LEVELS.includes(options.logLevel)) {
    throw new OptionsError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got "${String(options.logLevel)}"`);
  }
  for (const key of ['presence', 'clientPublish'] as const) {
    if (typeof options[key] !== 'boolean') throw new OptionsError(key, 'must be a boolean');
  }
  if (typeof options.namespaces !== 'object' || options.namespaces === null || Array.isArray(options.namespaces)) {
    throw new OptionsError('namespaces', 'must be an object of prefix → namespace settings');
  }
  const namespaceTable = buildNamespaces(options); // throws OptionsError naming the bad namespace setting
  if (options.redis !== undefined) resolveRedisOptions(options.redis); // throws naming the bad redis.* key
  if (options.pusher !== undefined) validatePusherOptions(options.pusher); // throws naming the bad pusher.* key
  for (const key of HOOK_KEYS) {
    if (options[key] !== undefined && typeof options[key] !== 'function') throw new OptionsError(key, 'must be a function');
  }
  if (options.rpc !== undefined) {
    if (typeof options.rpc !== 'object' || options.rpc === null) throw new OptionsError('rpc', 'must be an object of handlers');
    for (const [method, handler] of Object.entries(options.rpc)) {
      if (typeof handler !== 'function') throw new OptionsError(`rpc.${method}`, 'must be a function');
    }
  }
  const backend = resolveBackendOptions(options.backend);
  validateBackendUse(options, backend, namespaceTable);
  return Object.freeze({ ...options, jwtPublicKey, backend, namespaceTable });
}

/**
 * The backend hooks against the rest of the configuration: one authentication decision (hook or
 * connectUrl, never both: which one would win is not obvious), and a URL for every namespace rule
 * that asks the backend (else every such subscribe or publish would be denied without a word).
 */
function validateBackendUse(options: ServerOptions, backend: ResolvedBackendOptions | undefined, namespaceTable: Namespaces): void {
  if (backend?.connectUrl !== undefined && options.authenticate !== undefined) {
    throw new OptionsError('backend.connectUrl', 'cannot be combined with the authenticate hook: choose one (call your backend from the hook, or drop the hook)');
  }
  for (const namespace of namespaceTable.all()) {
    const key = `namespaces["${namespace.prefix}"]`;
    if (namespace.subscribe === 'backend' && backend?.subscribeUrl === undefined) throw new OptionsError(`${key}.subscribe`, `'backend' needs backend.subscribeUrl`);
    if (namespace.publish === 'backend' && backend?.publishUrl === undefined) throw new OptionsError(`${key}.publish`, `'backend' needs backend.publishUrl`);
  }
}

/**
 * Checks the JWT settings: a readable public key, an http(s) JWKS URL, and an algorithm allowlist
 * whose every entry has a key of its family. Answers the public key as PEM text (read from its file
 * when the setting is a path).
 */
function validateTokenKeys(options: ServerOptions): string | undefined {
  for (const key of ['jwtPublicKey', 'jwksUrl', 'jwtIssuer', 'jwtAudience'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new OptionsError(key, 'must be a non-empty string');
  }
  const publicKey = options.jwtPublicKey === undefined ? undefined : readPublicKey(options.jwtPublicKey);
  if (publicKey !== undefined) parsePublicKey(publicKey);
  if (options.jwksUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.jwksUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new OptionsError('jwksUrl', `must be an http(s) URL, got "${options.jwksUrl}"`);
  }
  const algorithms = options.jwtAlgorithms;
  if (algorithms === undefined) return publicKey;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new OptionsError('jwtAlgorithms', 'must be a non-empty array of algorithm names');
  for (const alg of algorithms) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') throw new OptionsError('jwtAlgorithms', '"none" (unsigned tokens) is never accepted');
    if (!(SUPPORTED_ALGORITHMS as readonly unknown[]).includes(alg)) {
      throw new OptionsError('jwtAlgorithms', `unsupported algorithm ${JSON.stringify(alg)} (supported: ${SUPPORTED_ALGORITHMS.join(', ')})`);
    }
    if (alg.startsWith('HS') && options.jwtSecret === undefined) throw new OptionsError('jwtAlgorithms', `${alg} needs jwtSecret`);
    if (!alg.startsWith('HS') && options.jwtPublicKey === undefined && options.jwksUrl === undefined) {
      throw new OptionsError('jwtAlgorithms', `${alg} needs jwtPublicKey or jwksUrl`);
    }
  }
  return publicKey;
}

/** The namespace table for the options (the flat presence/clientPublish shorthands feed the default namespace). */
function buildNamespaces(options: Pick<ServerOptions, 'namespaces' | 'presence' | 'clientPublish'>): Namespaces {
  return new Namespaces(options.namespaces, {
    ...(options.presence ? { presence: true } : {}),
    ...(options.clientPublish ? { publish: 'anyone' as const } : {}),
  });
}
