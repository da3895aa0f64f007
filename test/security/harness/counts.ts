/**
 * Server-side state read back through the HTTP API (the backend's view): how many sockets a topic
 * has. Churn attacks end with these counts, so a subscription that outlives its frame or its
 * socket shows as a number, not as a guess.
 */
import { API_KEY, type Target } from './target.js';

/** Waits (bounded) until the HTTP API counts `want[i]` subscribers of `names[i]`; a description if it never does. */
export async function settle(target: Target, names: string[], want: number[], when = 'while open'): Promise<string | undefined> {
  let counts: number[] = [];
  try {
    await waitForAsync(async () => {
      counts = await Promise.all(names.map((topic) => subscriberCount(target, topic)));
      return counts.every((count, i) => count === want[i]);
    });
    return undefined;
  } catch {
    return `subscriber counts ${when}: ${JSON.stringify(Object.fromEntries(names.map((n, i) => [n.slice(0, 30), counts[i]])))}, want ${JSON.stringify(want)}`;
  }
}

export async function subscriberCount(target: Target, topic: string): Promise<number> {
  const res = await fetch(`${target.http}/api/topics/${encodeURIComponent(topic)}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  return ((await res.json()) as { subscribers: number }).subscribers;
}


/** Polls an async `check` until it holds, up to `timeoutMs` (throws after). */
export async function waitForAsync(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
