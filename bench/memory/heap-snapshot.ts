/**
 * Reads a V8 heap snapshot file (`v8.writeHeapSnapshot`) into object counts and self sizes grouped
 * by what the objects are: constructor name for objects, function name for closures, one group per
 * string kind, V8's own names for internal nodes. Two snapshots subtract, so a group's growth can
 * be divided by the connections opened between them.
 */
import { readFileSync } from 'node:fs';

/** How many nodes of one group a snapshot holds, and their summed self size in bytes. */
export interface HeapGroup {
  count: number;
  bytes: number;
}

/** Groups by key (`Connection`, `closure <name>`, `(string)`, `(system) Context`, …). */
export type HeapCensus = Map<string, HeapGroup>;

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

// Strings are grouped by kind, not content: per-connection ids and addresses are all different.
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** The group a node belongs to, from its V8 node type and name. */
export function groupKey(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name;
  if (STRING_TYPES.has(type)) return `(${type})`;
  if (type === 'closure') return `closure ${name || '(anonymous)'}`;
  if (type === 'code') return '(code)';
  return `(${type}) ${name}`;
}

/** Counts a snapshot's nodes by group. */
export function censusOf(snapshot: SnapshotFile): HeapCensus {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const census: HeapCensus = new Map();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += stride) {
    const key = groupKey(types[nodes[i + typeAt]!] ?? 'unknown', strings[nodes[i + nameAt]!] ?? '');
    const group = census.get(key);
    if (group === undefined) census.set(key, { count: 1, bytes: nodes[i + sizeAt]! });
    else {
      group.count++;
      group.bytes += nodes[i + sizeAt]!;
    }
  }
  return census;
}

/** Reads and counts a snapshot file. */
export function readCensus(path: string): HeapCensus {
  return censusOf(JSON.parse(readFileSync(path, 'utf8')) as SnapshotFile);
}

/** `after - before` per group (groups that did not change are left out). */
export function diffCensus(before: HeapCensus, after: HeapCensus): HeapCensus {
  const diff: HeapCensus = new Map();
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key) ?? { count: 0, bytes: 0 };
    const b = after.get(key) ?? { count: 0, bytes: 0 };
    if (a.count !== b.count || a.bytes !== b.bytes) diff.set(key, { count: b.count - a.count, bytes: b.bytes - a.bytes });
  }
  return diff;
}

/** Summed self size of every node in a census. */
export function totalBytes(census: HeapCensus): number {
  let sum = 0;
  for (const group of census.values()) sum += group.bytes;
  return sum;
}
