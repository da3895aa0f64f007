/** Public entry point of the server library (`import { createServer } from 'switchboard-rt'`). */
export { createServer, type Server, type ServerStats, type ListenInfo, type TopicHistory } from './server.js';
export { DEFAULTS, type ServerOptions, type ResolvedOptions, type LogLevel } from './config/options.js';
export { resolveOptions } from './config/resolve.js';
export { loadConfigFile, DEFAULT_CONFIG_FILE } from './config/config-file.js';
export type { Hooks, Identity, UpgradeRequest, RpcHandler } from './connection/hooks.js';
export type { BackendOptions } from './connection/backend-hooks/options.js';
export type { Client } from './connection/connection.js';
export type { DisconnectOptions } from './connection/control.js';
export type { PresenceInfo, PresenceMember } from '../protocol/index.js';
export type { Engine, EngineSink, PublishOptions, PublishResult, PresenceStore, PresenceSubject } from './engine/engine.js';
export { MemoryEngine, type MemoryEngineOptions } from './engine/memory-engine.js';
export type { HistoryStore, HistoryRead, Publication, SyncAppendHistoryStore, MaybePromise } from './engine/history.js';
export { MemoryHistoryStore, type MemoryHistoryOptions } from './engine/memory-history.js';
export { Namespaces, DEFAULT_NAMESPACE_POLICY, type NamespacePolicy, type NamespacesConfig, type Namespace, type HistoryLimits, type SlowConsumerPolicy, type SubscribeRule, type PublishRule } from './namespaces/namespaces.js';
export type { StreamPosition, TopicPosition } from '../protocol/index.js';
export { loadUws, describeUws, type UwsBinding } from './uws/binding.js';
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
