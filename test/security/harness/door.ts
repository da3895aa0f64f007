/**
 * What every door of the adversarial suite offers: the same hostile classes in, the door's
 * documented answers judged, and a proof afterwards that the door still serves a legitimate
 * request. One interface, so the suite is one loop over doors and classes (the shared behaviour
 * suite pattern of test/engine/engine.cases.ts).
 */
import type { Hostile, HostileClass } from './hostile.js';
import { describeHostile } from './hostile.js';

export interface Door {
  readonly name: string;
  /** Classes this door has no form for, each with the reason (listed by the suite as skipped). */
  readonly notApplicable: Partial<Record<HostileClass, string>>;
  /** Sends one input and returns what came back, in the door's outcome words ("error 103", "close 1009", "http 400"). */
  send(input: Hostile): Promise<string>;
  /** The outcomes the docs promise for `input` (any one of them). */
  expected(input: Hostile): readonly string[];
  /** A legitimate request through this door still gets its normal answer (throws otherwise). */
  stillServes(): Promise<void>;
  /** Called once after a class ran, e.g. to check state the class could have leaked (subscriptions). */
  afterClass?(cls: HostileClass): Promise<void>;
}

/** Runs `inputs` through `door` one after the other; one line per input whose outcome was not documented. */
export async function attack(door: Door, inputs: readonly Hostile[]): Promise<string[]> {
  const findings: string[] = [];
  for (const input of inputs) {
    let got: string;
    try {
      got = await door.send(input);
    } catch (err) {
      got = `threw ${(err as Error).message.slice(0, 300)}`;
    }
    const expected = door.expected(input);
    if (!expected.includes(got)) findings.push(`${describeHostile(input)}: got "${got}", documented ${expected.map((e) => `"${e}"`).join(' or ')}`);
  }
  return findings;
}
