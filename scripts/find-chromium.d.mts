/** Types of find-chromium.mjs, for test/helpers/browser.ts. */
export declare const CHROMIUM_CANDIDATES: string[];
export declare function locateChromium(env?: Record<string, string | undefined>): { path: string } | { missing: string };
