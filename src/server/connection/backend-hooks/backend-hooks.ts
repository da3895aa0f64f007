/**
 * The backend hooks: builds each hook's request (who, what, the forwarded headers), calls it
 * (http-call.ts) through one gate that bounds the calls open and waiting (call-gate.ts), reads the
 * answer (answers.ts) and logs failures (failure-log.ts). The rest of the server sees four async
 * decisions and never an HTTP status.
 */
import type { Identity, UpgradeRequest } from '../hooks.js';
import { BackendError } from './backend-error.js';
import { connectIdentity, permission, rpcResult, type Permission } from './answers.js';
import { CallGate } from './call-gate.js';
import type { FailureLog, HookName } from './failure-log.js';
import { postJson, type HookAnswer, type HookCall } from './http-call.js';
import type { ResolvedBackendOptions } from './options.js';

/** What a hook call needs to know about the connection that caused it. */
export interface HookCaller {
  readonly id: string;
  readonly userId: string | null;
  readonly claims: Readonly<Record<string, unknown>>;
  /** The forwarded upgrade headers, kept at upgrade (see `BackendHooks.keep`). */
  readonly backendHeaders: Readonly<Record<string, string>> | undefined;
  /** True once the connection closed: its calls still waiting for a slot are then never made. */
  readonly closed?: boolean;
}

export interface BackendHooksDeps {
  options: ResolvedBackendOptions;
  log: FailureLog;
  /** The HTTP call; a parameter so the hooks can be tested without a network. @default postJson */
  post?: (call: HookCall) => Promise<HookAnswer>;
}

export class BackendHooks {
  private readonly options: ResolvedBackendOptions;
  private readonly log: FailureLog;
  private readonly post: (call: HookCall) => Promise<HookAnswer>;
  private readonly gate: CallGate;
  // Subscribe checks on their way, by connection and topic: one call answers every frame that asks
  // the same while it is out (a client repeating a Subscribe must not repeat the backend's work).
  private readonly subscribing = new Map<string, Promise<boolean>>();

  constructor(deps: BackendHooksDeps) {
    this.options = deps.options;
    this.log = deps.log;
    this.post = deps.post ?? postJson;
    const { maxConcurrentCalls, maxQueuedCalls, maxCallsPerConnection } = deps.options;
    this.gate = new CallGate({ maxConcurrent: maxConcurrentCalls, maxQueued: maxQueuedCalls, maxPerCaller: maxCallsPerConnection });
  }

  /** Hook calls open now and waiting for a slot (for tests and metrics). */
  get calls(): { open: number; waiting: number } {
    return { open: this.gate.inFlight, waiting: this.gate.queued };
  }

  /** Whether connections must keep their forwarded headers after the upgrade (a hook other than connect is configured). */
  get keepsHeaders(): boolean {
    return this.options.subscribeUrl !== undefined || this.options.publishUrl !== undefined || this.options.rpcUrl !== undefined;
  }

  get hasConnect(): boolean {
    return this.options.connectUrl !== undefined;
  }

  get hasRpc(): boolean {
    return this.options.rpcUrl !== undefined;
  }

  /** The forwarded headers among a request's headers (lower-case names, present ones only). */
  keep(headers: Readonly<Record<string, string>>): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const name of this.options.forwardHeaders) {
      const value = headers[name];
      if (value !== undefined && value !== '') kept[name] = value;
    }
    return kept;
  }

  /**
   * The connect hook, shaped as an `authenticate` hook (after the JWT check, whose claims it gets).
   * @throws AuthError when the backend refuses, BackendError when it fails.
   */
  async connect(request: UpgradeRequest): Promise<Identity> {
    const url = this.options.connectUrl!;
    const headers = this.keep(request.headers);
    const body = {
      remoteAddress: request.remoteAddress,
      url: request.url,
      query: Object.fromEntries(request.query),
      headers,
      ...(request.token !== undefined ? { token: request.token } : {}),
      ...(request.claims !== undefined ? { claims: request.claims } : {}),
    };
    const answer = await this.call('connect', url, body, headers, undefined);
    return this.decide('connect', () => connectIdentity(url, answer));
  }

  /** Whether `caller` may subscribe to `topic`. @throws BackendError when the backend fails. */
  subscribe(caller: HookCaller, topic: string): Promise<boolean> {
    const key = `${caller.id}\n${topic}`;
    const pending = this.subscribing.get(key);
    if (pending !== undefined) return pending;
    const asked = this.askSubscribe(caller, topic).finally(() => this.subscribing.delete(key));
    this.subscribing.set(key, asked);
    return asked;
  }

  private async askSubscribe(caller: HookCaller, topic: string): Promise<boolean> {
    const url = this.options.subscribeUrl!;
    const answer = await this.call('subscribe', url, { ...this.who(caller), topic }, caller.backendHeaders ?? {}, caller);
    return this.decide('subscribe', () => permission(url, answer, false)).allow;
  }

  /** Whether `caller` may publish `data` to `topic`, and the data to publish instead, if replaced. @throws BackendError */
  async publish(caller: HookCaller, topic: string, data: unknown): Promise<Permission> {
    const url = this.options.publishUrl!;
    const answer = await this.call('publish', url, { ...this.who(caller), topic, data }, caller.backendHeaders ?? {}, caller);
    return this.decide('publish', () => permission(url, answer, true));
  }

  /** The result of an RPC the backend handles. @throws RemoteError (the backend's error answer) or BackendError */
  async rpc(caller: HookCaller, method: string, data: unknown): Promise<unknown> {
    const url = this.options.rpcUrl!;
    const answer = await this.call('rpc', url, { ...this.who(caller), method, data }, caller.backendHeaders ?? {}, caller);
    return this.decide('rpc', () => rpcResult(url, answer));
  }

  private who(caller: HookCaller) {
    return { userId: caller.userId, connectionId: caller.id, claims: caller.claims, headers: caller.backendHeaders ?? {} };
  }

  private async call(hook: HookName, url: string, body: unknown, forwarded: Readonly<Record<string, string>>, caller: HookCaller | undefined): Promise<HookAnswer> {
    // Static headers last: the option validation already refuses overlaps, this keeps it true anyway.
    const headers = { ...forwarded, ...this.options.headers };
    const { timeoutMs, maxResponseBytes } = this.options;
    // Started before the wait for a slot: a call that waited long has that much less to answer in.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await this.gate.run(caller, { url, signal, timeoutMs }, () => this.post({ url, body, headers, timeoutMs, maxResponseBytes, signal }));
    } catch (err) {
      const failure = err instanceof BackendError ? err : new BackendError('unreachable', url, String(err), undefined, { cause: err });
      if (failure.failure !== 'abandoned') this.log(hook, failure);
      throw failure;
    }
  }

  private decide<T>(hook: HookName, read: () => T): T {
    try {
      return read();
    } catch (err) {
      if (err instanceof BackendError) this.log(hook, err);
      throw err;
    }
  }
}
