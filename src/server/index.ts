/** Public entry point of the server library (`import { createServer } from 'switchboard'`). */
export { createServer, type Server, type ServerStats, type ListenInfo, type TopicHistory } from './server.js';
export { DEFAULTS, resolveOptions, type ServerOptions, type ResolvedOptions, type LogLevel } from './options.js';
export { loadConfigFile, DEFAULT_CONFIG_FILE } from './config-file.js';
export type { Hooks, Identity, UpgradeRequest, RpcHandler } from './hooks.js';
export type { Client } from './connection.js';
export type { DisconnectOptions } from './control.js';
export type { PresenceInfo, PresenceMember } from '../protocol/index.js';
export { MemoryBroker, type Broker, type DeliverFn, type SyncAppendHistoryStore } from './broker.js';
export { MemoryHistoryStore, type HistoryStore, type HistoryRead, type Publication, type MemoryHistoryOptions } from './history.js';
export { Namespaces, DEFAULT_NAMESPACE_POLICY, type NamespacePolicy, type NamespacesConfig, type Namespace, type HistoryLimits, type SlowConsumerPolicy, type SubscribeRule, type PublishRule } from './namespaces.js';
export type { StreamPosition, TopicPosition } from '../protocol/index.js';
export { loadUws, describeUws, type UwsBinding } from './uws.js';
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
