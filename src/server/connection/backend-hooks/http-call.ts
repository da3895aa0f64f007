/**
 * One POST of JSON to a backend hook with Node's fetch: bounded in time (AbortSignal.timeout covers
 * connecting, sending and reading the answer) and in size (the body is read in chunks and dropped
 * past the limit). Returns the status and parsed answer; every way of getting no usable answer
 * throws BackendError. Redirects are not followed: a hook that answers 302 (a login page) is
 * misconfigured, and following it would turn a POST into a GET of some HTML page.
 */
import { BackendError } from './backend-error.js';

/** What one call needs. */
export interface HookCall {
  readonly url: string;
  readonly body: unknown;
  /** Request headers (forwarded and static); content-type is set here. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Aborts the call; when given, it carries the timeout (started before any wait for a slot). @default AbortSignal.timeout(timeoutMs) */
  readonly signal?: AbortSignal;
}

/** A backend answer that arrived in time: its status (2xx or 4xx) and its JSON body (undefined when empty or, for 4xx, not JSON). */
export interface HookAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * POSTs `call.body` as JSON.
 * @throws BackendError `timeout`, `unreachable`, `status` (3xx, 5xx, 1xx), `too-large`, or `malformed` (a 2xx answer that is not JSON).
 */
export async function postJson(call: HookCall): Promise<HookAnswer> {
  const signal = call.signal ?? AbortSignal.timeout(call.timeoutMs);
  const fail = (err: unknown): never => {
    if (err instanceof BackendError) throw err;
    if (signal.aborted) throw new BackendError('timeout', call.url, `no answer within ${call.timeoutMs} ms`, undefined, { cause: err, timeoutMs: call.timeoutMs });
    throw new BackendError('unreachable', call.url, describeNetworkError(err), undefined, { cause: err });
  };
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: 'POST',
      headers: { ...call.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(call.body),
      redirect: 'manual',
      signal,
    });
  } catch (err) {
    return fail(err);
  }
  const { status } = response;
  if (status < 200 || status >= 500 || (status >= 300 && status < 400)) {
    await response.body?.cancel().catch(() => undefined);
    throw new BackendError('status', call.url, `HTTP ${status}`, status);
  }
  let text: string;
  try {
    text = await readBounded(response, call);
  } catch (err) {
    return fail(err);
  }
  if (text.trim() === '') return { status, body: undefined };
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch (err) {
    // A 4xx answer is a refusal whatever its body says (a framework's HTML error page is common).
    if (status >= 400) return { status, body: undefined };
    throw new BackendError('malformed', call.url, `answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`, status, { cause: err });
  }
}

async function readBounded(response: Response, call: HookCall): Promise<string> {
  const tooLarge = () => new BackendError('too-large', call.url, `answer larger than ${call.maxResponseBytes} bytes`, response.status);
  const declared = Number(response.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > call.maxResponseBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > call.maxResponseBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// fetch reports every network failure as `TypeError: fetch failed` with the system error as cause.
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause !== undefined && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? `: ${cause.message}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
