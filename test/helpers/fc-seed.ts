/**
 * fast-check with a seed that is always printed and can be replayed: a property failure on a
 * shared CI box is only useful if the run can be repeated. Every fc.assert and fc.sample in the
 * protocol and fuzz suites takes its parameters from here.
 *
 *   FC_SEED=1234 node --import tsx --test test/unit/protocol/msgpack-oracle.test.ts
 */
import fc from 'fast-check';

/** The seed for one run: FC_SEED when set, else a fresh one. */
function nextSeed(): number {
  const fixed = process.env.FC_SEED;
  if (fixed !== undefined && fixed !== '') {
    const seed = Number(fixed);
    if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${fixed}`);
    return seed;
  }
  return (Math.random() * 0x7fffffff) | 0;
}

/** fc.assert / fc.check parameters with a seed, logged with `label`. */
export function seeded<T>(label: string, params: fc.Parameters<T> = {}): fc.Parameters<T> {
  const seed = nextSeed();
  console.log(`# fast-check "${label}": seed ${seed} (replay: FC_SEED=${seed})`);
  return { ...params, seed };
}

/** fc.sample with a logged, replayable seed. */
export function sample<T>(label: string, arbitrary: fc.Arbitrary<T>, numRuns: number): T[] {
  return fc.sample(arbitrary, seeded<T>(label, { numRuns }));
}
