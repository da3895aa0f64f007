/**
 * Node module-resolution hook for the k6 harness: resolves the `k6` and `k6/...` specifiers a k6
 * script imports to the shims in ./modules, so the script file itself runs unmodified. Any k6
 * module the harness does not provide fails the import with a message saying so.
 */
import { existsSync } from 'node:fs';

const SHIMS = {
  k6: 'k6.ts',
  'k6/http': 'http.ts',
  'k6/metrics': 'metrics.ts',
  'k6/timers': 'timers.ts',
  'k6/execution': 'execution.ts',
  'k6/experimental/websockets': 'websockets.ts',
  'k6/websockets': 'websockets.ts',
};

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const file = SHIMS[specifier];
    if (file === undefined) throw new Error(`${specifier} is not provided by the k6 harness (loadtest/k6/harness/modules)`);
    // Through the rest of the chain, so tsx resolves (and later compiles) the TypeScript shim; the
    // test suite's compiled copy of the repository (scripts/compile-suite.mjs) has its .js beside it.
    const compiled = new URL(`./modules/${file.replace(/\.ts$/, '.js')}`, import.meta.url);
    return nextResolve(existsSync(compiled) ? compiled.href : new URL(`./modules/${file}`, import.meta.url).href, context);
  }
  return nextResolve(specifier, context);
}
