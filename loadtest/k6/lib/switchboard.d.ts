/** Types for switchboard.js (plain JavaScript so k6 can load it), for the TypeScript tests. */
export declare const JSON_SUBPROTOCOL: 'switchboard.v1.json';
export declare const Kind: { Subscribe: 1; Welcome: 16; Message: 20; Reply: 21; Error: 22 };
export declare function subscribeFrame(id: number, topics: string[]): string;
export declare function parseFrames(text: string): unknown[][];
export type SeqOutcome = 'first' | 'next' | 'gap' | 'duplicate' | 'out-of-order';
export declare class SeqTracker {
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  see(topic: string, seq: number): SeqOutcome;
}
export declare function durationMs(value: string | undefined, fallback: string): number;
export declare function intParam(env: Record<string, string | undefined>, name: string, fallback: number): number;
export declare function httpBaseFor(wsUrl: string): string;
