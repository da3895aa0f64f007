/**
 * Requests waiting for their answer, by request id: one timer each, settled by the server's Reply
 * or Error frame, failed together when the connection drops.
 */
import { ErrorCode } from '../protocol/codes.js';
import { RemoteError } from '../protocol/errors.js';

/** How an answer (or failure) reaches whoever waits for it. */
export interface Settler {
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
}

interface Pending extends Settler {
  timer: ReturnType<typeof setTimeout>;
}

export class RequestTable {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /**
   * Registers a request and returns its fresh id (never 0). After `timeoutMs` without an answer
   * the settler is rejected with TIMEOUT and forgotten.
   */
  add(settler: Settler, timeoutMs: number): number {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      this.pending.delete(id);
      settler.reject(new RemoteError(ErrorCode.Timeout, `no answer within ${timeoutMs} ms`));
    }, Math.max(0, timeoutMs));
    this.pending.set(id, { ...settler, timer });
    return id;
  }

  /** Answers request `id` with data (a Reply). Unknown or already settled ids are ignored. */
  resolve(id: number, data: unknown): void {
    this.take(id)?.resolve(data);
  }

  /** Fails request `id` (an Error frame, or a send that could not happen). */
  reject(id: number, error: Error): void {
    this.take(id)?.reject(error);
  }

  /** Fails every waiting request, e.g. with DISCONNECTED when the socket closed. */
  rejectAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const entry of all) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  }

  private take(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }
}
