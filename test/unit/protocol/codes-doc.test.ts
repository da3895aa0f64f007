/**
 * docs/protocol.md is what client authors in other languages implement: its error-code table (§8)
 * and close-code table (§9) must say exactly what src/protocol/codes.ts says, row for row, so the
 * two cannot drift. The doc is parsed, and every number is compared as written on the wire.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLOSE_TABLE, CloseCode, ERROR_TABLE, ErrorCode, Kind, shouldReconnect, type CodeInfo } from '../../../src/protocol/index.js';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The text of one `## ` section, by its heading's start (`## 8. Error codes`). */
function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}`);
  assert.ok(start >= 0, `no section "${heading}"`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/**
 * The first Markdown table of a section as rows of cells. A table is a run of consecutive `|`
 * lines: a blank line inside it would end it (and leave rows out), which is exactly what must fail.
 */
function firstTable(text: string): string[][] {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  assert.ok(first >= 0, 'no table');
  const rows: string[][] = [];
  for (let i = first; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(lines[i]!.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows.slice(2); // header and separator
}

interface DocRow {
  code: number;
  name: string;
  retry: boolean;
  meaning: string;
}

function docRows(heading: string): DocRow[] {
  return firstTable(section(heading)).map(([code, name, retry, meaning]) => {
    assert.match(code!, /^\d+$/, `code cell "${code}"`);
    assert.match(name!, /^`[A-Z_]+`$/, `name cell "${name}"`);
    assert.match(retry!, /^(yes|no)\b/, `retry cell "${retry}"`);
    return { code: Number(code), name: name!.slice(1, -1), retry: retry!.startsWith('yes'), meaning: meaning!.replaceAll('`', '') };
  });
}

function codeRows(table: readonly CodeInfo[]): DocRow[] {
  return table.map(({ code, name, retry, description }) => ({ code, name, retry, meaning: description }));
}

test('§8 error codes: every documented row is in codes.ts and every codes.ts row is documented, identically', () => {
  const documented = docRows('## 8. Error codes');
  assert.deepEqual(documented, codeRows(ERROR_TABLE));
  assert.deepEqual(documented.map((row) => row.code).sort(), Object.values(ErrorCode).sort());
});

test('§9 close codes: every documented row is in codes.ts and every codes.ts row is documented, identically', () => {
  const documented = docRows('## 9. Close codes');
  assert.deepEqual(documented, codeRows(CLOSE_TABLE));
  assert.deepEqual(documented.map((row) => row.code).sort(), Object.values(CloseCode).sort());
  for (const row of documented) assert.equal(shouldReconnect(row.code), row.retry, `shouldReconnect(${row.code})`);
});

test('the wire numbers client authors rely on, as literals', () => {
  // Constants compared with constants would stay green if a number changed; these do not.
  assert.deepEqual(
    ERROR_TABLE.map((row) => [row.code, row.name]),
    [[100, 'INTERNAL'], [101, 'BAD_FRAME'], [102, 'UNKNOWN_KIND'], [103, 'INVALID_TOPIC'], [104, 'FORBIDDEN'], [105, 'NOT_FOUND'], [106, 'TIMEOUT'], [107, 'LIMIT_EXCEEDED'], [108, 'UNAUTHORIZED'], [109, 'PAYLOAD_TOO_LARGE'], [110, 'UNSUPPORTED'], [111, 'HANDLER_FAILED'], [112, 'DISCONNECTED'], [113, 'BAD_REQUEST'], [114, 'TOKEN_EXPIRED'], [115, 'RATE_LIMITED'], [116, 'OVERLOADED'], [120, 'NOT_SUBSCRIBED'], [121, 'ENGINE_UNAVAILABLE'], [122, 'PUBLISH_OUTCOME_UNKNOWN']],
  );
  assert.deepEqual(
    CLOSE_TABLE.map((row) => [row.code, row.name]),
    [[1000, 'NORMAL'], [1001, 'GOING_AWAY'], [1003, 'UNSUPPORTED_DATA'], [1009, 'MESSAGE_TOO_BIG'], [1011, 'INTERNAL_ERROR'], [1012, 'SERVICE_RESTART'], [4000, 'SERVER_CLOSED'], [4001, 'TOKEN_EXPIRED'], [4002, 'RATE_LIMITED'], [4003, 'SLOW_CONSUMER'], [4004, 'AUTH_TIMEOUT'], [4005, 'BACKEND_UNAVAILABLE'], [4500, 'PROTOCOL_VIOLATION'], [4501, 'KICKED'], [4503, 'FORBIDDEN'], [4504, 'UNAUTHORIZED'], [4505, 'ORIGIN_NOT_ALLOWED'], [4506, 'UNSUPPORTED_SUBPROTOCOL']],
  );
});

test('§3.1 frame kinds and the §7 unknown-kind rule match frames.ts', () => {
  const documented = firstTable(section('## 3. Frames')).map(([kind, name, dir]) => [Number(kind), name, dir]);
  const kinds = Object.entries(Kind).map(([name, kind]) => [kind, name, kind < 16 ? 'C→S' : 'S→C']);
  assert.deepEqual(documented, kinds);
  const clientKinds = kinds.filter(([, , dir]) => dir === 'C→S').map(([kind]) => kind as number);
  const range = `${Math.min(...clientKinds)}–${Math.max(...clientKinds)}`;
  assert.equal(clientKinds.length, Math.max(...clientKinds) - Math.min(...clientKinds) + 1, 'client kinds are contiguous');
  assert.match(section('## 7. Bad input'), new RegExp(`\\| kind not in ${range} \\(`), `§7 names the client kinds ${range}`);
});
