/**
 * Walks a node's presence entries in batches for the refresh script, with a bounded number of
 * calls in flight. Pure over a `send` callback, so the batching and the bound are unit-testable.
 */

/** One refresh call: a topic and a flat list of (connection id, stored entry) pairs. */
export type RefreshSend = (topic: string, batch: string[]) => Promise<unknown>;

/**
 * Sends every entry of `local` (topic → connection id → entry), at most `batchSize` entries per
 * call and `inFlight` calls at once. A failed call does not stop the others (Redis may be away for
 * a moment; the next run refreshes again). Resolves with the number of failed calls.
 */
export async function refreshInBatches(local: ReadonlyMap<string, ReadonlyMap<string, string>>, batchSize: number, inFlight: number, send: RefreshSend): Promise<number> {
  // A snapshot: joins and leaves during the run change the live maps, not this walk.
  const calls: Array<[string, string[]]> = [];
  for (const [topic, entries] of local) {
    let batch: string[] = [];
    for (const [id, entry] of entries) {
      batch.push(id, entry);
      if (batch.length >= batchSize * 2) {
        calls.push([topic, batch]);
        batch = [];
      }
    }
    if (batch.length > 0) calls.push([topic, batch]);
  }
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const [topic, batch] = calls[next++]!;
      try {
        await send(topic, batch);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, calls.length) }, worker));
  return failed;
}
