/** Types of test-parts.mjs, for test/unit/suite/parts.test.ts. */
export declare const ROOT: string;
export declare const PARTS: Record<'unit' | 'integration' | 'e2e', string[]>;
export declare const SERIAL: string[];
export declare function testFilesUnder(folder: string): string[];
export declare function partFiles(part: string): string[];
export declare function rootRelative(path: string): string;
