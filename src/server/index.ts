/**
 * Public entry point of the server library (`import { createServer } from 'switchboard-rt'`): what
 * a user builds a server with, and nothing internal. Every name here is listed in docs/api.md
 * ("Exports"), and test/unit/server/public-api.test.ts holds the two lists equal.
 */
export { createServer, type Server, type ServerStats, type ListenInfo, type TopicHistory } from './server.js';
export { DEFAULTS, type ServerOptions, type ResolvedOptions, type LogLevel } from './config/options.js';
export { resolveOptions } from './config/resolve.js';
export { loadConfigFile, DEFAULT_CONFIG_FILE } from './config/config-file.js';
export type { Hooks, Identity, UpgradeRequest, RpcHandler } from './connection/hooks.js';
export type { BackendOptions } from './connection/backend-hooks/options.js';
export type { Client } from './connection/connection.js';
export type { DisconnectOptions } from './connection/control.js';
export type { PresenceInfo, PresenceMember, StreamPosition, TopicPosition } from '../protocol/index.js';
export type { Engine, EngineSink, PublishOptions, PublishResult, PresenceStore, PresenceSubject, ClusterControl, UserCommand } from './engine/engine.js';
export type { Tags } from '../protocol/tags.js';
export { MemoryEngine, type MemoryEngineOptions } from './engine/memory-engine.js';
export { RedisEngine } from './engine/redis/redis-engine.js';
export type { RedisEngineOptions } from './engine/redis/options.js';
export type { HistoryStore, HistoryRead, Publication, SyncAppendHistoryStore, MaybePromise } from './engine/history.js';
export { MemoryHistoryStore, type MemoryHistoryOptions } from './engine/memory-history.js';
export { DEFAULT_NAMESPACE_POLICY, type NamespacePolicy, type NamespacesConfig, type HistoryLimits, type SlowConsumerPolicy, type SubscribeRule, type PublishRule } from './namespaces/namespaces.js';
export {
  ErrorCode,
  CloseCode,
  ERROR_TABLE,
  CLOSE_TABLE,
  SwitchboardError,
  ProtocolError,
  AuthError,
  LimitError,
  OptionsError,
  RemoteError,
} from '../protocol/index.js';
