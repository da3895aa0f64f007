/**
 * The server's structure, checked: a table of layers (bottom to top) and which layers each may
 * import, held over every file of src/server and src/protocol (type-only imports count) and kept
 * equal to the picture in docs/architecture.md; no import cycles between files; and no
 * uWebSockets.js import or uWS type outside src/server/uws/ (everything else talks to the
 * interfaces of transport/, so it can be tested with fakes and a second transport or protocol
 * front plugs in).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVER = join(ROOT, 'src/server');
const PROTOCOL = join(ROOT, 'src/protocol');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Relative imports of a file: `import … from`, `export … from`, `import '…'` and `import('…')`,
 * type-only ones included (they are dependencies of the design too). Comment lines are skipped, so
 * an example in a doc comment is not an import.
 */
function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\*|\/\/)/.test(line))
    .join('\n');
  const found: string[] = [];
  for (const match of code.matchAll(/(?:(?:import|export)\s[^'"]*?from\s+|import\s*\(?\s*)'(\.[^']+)'/g)) {
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

/**
 * The layers, bottom to top, and what each may import (besides itself). docs/architecture.md shows
 * the same table; a layer imports only layers below it. A folder of src/server is the layer of its
 * name; of the files at the root of src/server, cli.ts and index.ts are layers of their own and the
 * rest (createServer and its parts) are `server`. `*` stands for every layer below.
 */
export const LAYERS: ReadonlyArray<readonly [layer: string, mayImport: readonly string[]]> = [
  ['protocol', []],
  ['transport', ['protocol']],
  ['runtime', []],
  ['log', []],
  ['namespaces', ['protocol']],
  ['engine', ['protocol', 'runtime', 'namespaces']],
  ['core', ['protocol', 'transport', 'namespaces', 'engine']],
  ['connection', ['protocol', 'transport', 'log', 'namespaces', 'engine', 'core']],
  ['http', ['protocol', 'transport', 'runtime', 'engine', 'core', 'connection']],
  // The uWS adapter implements the seam and nothing else; http/ only for errors.ts, the one place
  // an error becomes an HTTP answer, which the adapter writes for HttpExchange.fail.
  ['uws', ['protocol', 'transport', 'http']],
  ['fronts', ['protocol', 'transport', 'log', 'namespaces', 'engine', 'core', 'connection', 'http']],
  ['config', ['protocol', 'runtime', 'log', 'namespaces', 'engine', 'connection', 'fronts']],
  ['server', ['*']],
  ['index', ['*']],
  // The cluster supervisor forks workers that each run createServer.
  ['cluster', ['protocol', 'runtime', 'config', 'server']],
  ['cli', ['*']],
];

/**
 * Imports against the table that other work of this round removes: the lead deletes an entry once
 * its import is gone (the test fails while an entry is no longer needed, so the list cannot rot).
 */
export const PENDING: ReadonlyArray<{ from: string; to: string; why: string }> = [];

/** The layer of a source file (undefined outside src/server and src/protocol). */
export function layerOf(file: string): string | undefined {
  if (!relative(PROTOCOL, file).startsWith('..')) return 'protocol';
  const path = relative(SERVER, file);
  if (path.startsWith('..')) return undefined;
  const parts = path.split(sep);
  if (parts.length > 1) return parts[0];
  if (path === 'cli.ts' || path === 'index.ts') return path.slice(0, -3);
  return 'server';
}

/** What a layer may import, `*` expanded. */
function allowedImports(layer: string): readonly string[] {
  const index = LAYERS.findIndex(([name]) => name === layer);
  if (index < 0) return [];
  const mayImport = LAYERS[index]![1];
  return mayImport.includes('*') ? LAYERS.slice(0, index).map(([name]) => name) : mayImport;
}

/** Every import between two layers that the table does not allow, as `file → import (from → to)`, and the layer pairs seen. */
export function layerViolations(files: readonly string[]): { offenders: string[]; pairs: Set<string> } {
  const offenders: string[] = [];
  const pairs = new Set<string>();
  for (const file of files) {
    const from = layerOf(file);
    if (from === undefined) continue;
    if (!LAYERS.some(([name]) => name === from)) offenders.push(`${relative(ROOT, file)}: layer ${from} is not in the table`);
    for (const target of importsOf(file)) {
      const to = layerOf(target) ?? relative(ROOT, target);
      if (to === from) continue;
      pairs.add(`${from} → ${to}`);
      if (allowedImports(from).includes(to)) continue;
      if (PENDING.some((entry) => entry.from === from && entry.to === to)) continue;
      offenders.push(`${relative(ROOT, file)} → ${relative(ROOT, target)} (${from} may not import ${to})`);
    }
  }
  return { offenders, pairs };
}

test('the layer table is a layering: each layer imports only layers below it', () => {
  const names = LAYERS.map(([name]) => name);
  assert.equal(new Set(names).size, names.length, 'each layer once');
  const upward = LAYERS.flatMap(([name, mayImport], index) =>
    mayImport.filter((other) => other !== '*' && names.indexOf(other) >= index).map((other) => `${name} → ${other}`),
  );
  assert.deepEqual(upward, []);
});

test('every import of src/server and src/protocol follows the layer table', () => {
  const files = [...sourceFiles(SERVER), ...sourceFiles(PROTOCOL)];
  assert.ok(files.length > 100, `found ${files.length} files: the walk works`);
  const { offenders, pairs } = layerViolations(files);
  assert.deepEqual(offenders, []);
  // A pending exception whose import is gone must be deleted, and one the table allows is no exception.
  const stale = PENDING.filter((entry) => !pairs.has(`${entry.from} → ${entry.to}`) || allowedImports(entry.from).includes(entry.to));
  assert.deepEqual(stale, [], 'PENDING entries no longer needed: delete them');
});

/** The layer table of docs/architecture.md: its rows in order, with their "May import" column. */
export function documentedLayers(markdown: string): Array<[string, string[]]> {
  const rows: Array<[string, string[]]> = [];
  for (const line of markdown.split('\n')) {
    if (!/^\|\s*`[a-z-]+`\s*\|/.test(line)) continue;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const mayImport = cells.at(-1)!;
    rows.push([cells[0]!.replaceAll('`', ''), mayImport === '—' ? [] : mayImport.split(',').map((name) => name.trim().replaceAll('`', ''))]);
  }
  return rows;
}

test('docs/architecture.md shows the layer table of this test, bottom to top', () => {
  const documented = documentedLayers(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));
  const table = LAYERS.map(([name, mayImport]): [string, string[]] => [name, mayImport.includes('*') ? ['every layer below'] : [...mayImport]]);
  assert.deepEqual(documented, table);
});

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
