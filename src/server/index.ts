/** Public entry point of the server library (`import { createServer } from 'switchboard'`). */
export { createServer, type Server, type ServerStats, type ListenInfo } from './server.js';
export { DEFAULTS, resolveOptions, type ServerOptions, type ResolvedOptions, type LogLevel } from './options.js';
export { loadConfigFile, DEFAULT_CONFIG_FILE } from './config-file.js';
export type { Hooks, Identity, UpgradeRequest, RpcHandler } from './hooks.js';
export type { Client } from './connection.js';
export { MemoryBroker, type Broker, type DeliverFn } from './broker.js';
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
