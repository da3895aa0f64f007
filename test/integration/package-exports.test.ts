import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../helpers/server.js';

// Imports through the package name, as users do: this exercises package.json "exports" and the
// built dist/ (npm test builds first), not the TypeScript sources.
test('"switchboard-rt" and "switchboard-rt/client" resolve to the built library and work together', async () => {
  const { createServer } = await import('switchboard-rt');
  const { connect } = await import('switchboard-rt/client');
  const server = createServer({ logLevel: 'silent', host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  try {
    const client = connect(`ws://127.0.0.1:${port}/`);
    const got: unknown[] = [];
    await client.subscribe('exports', (data) => got.push(data));
    const res = await fetch(`http://127.0.0.1:${port}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'exports', data: 'curl-like' }) });
    assert.equal(res.status, 200);
    await waitFor(() => got.length === 1, 3000, 'delivery');
    assert.deepEqual(got, ['curl-like']);
    client.close();
  } finally {
    await server.close();
  }
});
