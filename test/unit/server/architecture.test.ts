/**
 * The server's structure, checked: no import cycles between files, and no uWebSockets.js import or
 * uWS type outside src/server/uws/ (everything else talks to the interfaces of transport/, so it
 * can be tested with fakes and a second transport or protocol front plugs in).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SERVER = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src/server');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file (type-only ones included: they are dependencies of the design too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
    found.push(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
  }
  return found;
}

/** Every cycle's file list (relative to src/server), found by depth-first search. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).concat(next));
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

test('the cycle finder finds a planted cycle (so a pass below means something)', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(findCycles(graph), [['a', 'b', 'c', 'a']]);
});

test('src/server has no import cycles', () => {
  const graph = new Map(sourceFiles(SERVER).map((file) => [file, importsOf(file)]));
  assert.ok(graph.size > 40, `found ${graph.size} files: the walk works`);
  const cycles = findCycles(graph).map((cycle) => cycle.map((file) => relative(SERVER, file)).join(' → '));
  assert.deepEqual(cycles, []);
});

test('only src/server/uws/ imports uWebSockets.js or names its types', () => {
  const uwsModule = /uwebsockets|uws-js-unofficial/i;
  const uwsTypes = /\b(TemplatedApp|HttpResponse|HttpRequest|WebSocketBehavior|us_listen_socket|us_socket_context_t|ListenSocket|SocketContext|UwsModule|UwsBinding)\b|\bWebSocket</;
  const offenders: string[] = [];
  for (const file of sourceFiles(SERVER)) {
    const path = relative(SERVER, file);
    if (path.startsWith('uws/')) continue;
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    const imports = [...code.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
    if (imports.some((name) => uwsModule.test(name))) offenders.push(`${path}: imports uWS`);
    // The public entry point may re-export the loader for callers who want to know the build.
    if (path === 'index.ts' || path === 'cli.ts') continue;
    if (imports.some((name) => name.includes('/uws/') && !/uws-transport\.js$/.test(name)) && path !== 'server.ts') offenders.push(`${path}: imports src/server/uws/`);
    const named = uwsTypes.exec(code);
    if (named !== null) offenders.push(`${path}: names ${named[0]}`);
  }
  assert.deepEqual(offenders, []);
});
