/** Types of test-parts.mjs, for test/unit/suite/parts.test.ts. */
export declare const ROOT: string;
export declare const PARTS: Record<'unit' | 'integration' | 'e2e', string[]>;
export declare const HEAVY: string[];
export declare const HEAVY_CONCURRENCY: number;
export declare function testFilesUnder(folder: string): string[];
export declare function partFiles(part: string): string[];
export declare function rootRelative(path: string): string;
export declare const SHARED_PROCESS_PARTS: string[];
export declare function shareProcesses(files: string[], count: number): string[][];
export declare function sharedEntrySource(files: string[], pathOf?: (file: string) => string): string;
