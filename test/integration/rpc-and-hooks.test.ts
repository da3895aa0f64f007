import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, RemoteError } from '../../src/protocol/index.js';
import type { Client, Engine, EngineSink } from '../../src/server/index.js';
import { MemoryHistoryStore } from '../../src/server/engine/memory-history.js';
import { PresenceRegistry } from '../../src/server/engine/presence.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';

const withCode = (code: number) => (err: unknown) => err instanceof RemoteError && err.code === code;

describe('rpc', async () => {
  const errors: Error[] = [];
  const { url } = await startServer({
    rpcTimeoutMs: 200,
    onError: (error) => errors.push(error),
    rpc: {
      add: (_client, data) => (data as { a: number; b: number }).a + (data as { a: number; b: number }).b,
      whoami: (client) => ({ id: client.id, format: client.format }),
      slowEcho: async (_client, data) => {
        await sleep(20);
        return data;
      },
      refuse: () => {
        throw new RemoteError(ErrorCode.Forbidden, 'not for you');
      },
      crash: () => {
        throw new Error('database password is hunter2');
      },
      hang: () => new Promise(() => {}),
    },
  });

  test('returns sync and async results in both formats', async () => {
    for (const format of ['msgpack', 'json'] as const) {
      const client = connectClient(url, { format });
      assert.equal(await client.rpc('add', { a: 2, b: 40 }), 42);
      assert.deepEqual(await client.rpc('slowEcho', { nested: [1, 'two'] }), { nested: [1, 'two'] });
      const me = await client.rpc<{ id: string; format: string }>('whoami');
      assert.equal(me.id, client.connectionId);
      assert.equal(me.format, format);
    }
  });

  test('many concurrent calls are matched to their answers', async () => {
    const client = connectClient(url);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.rpc('slowEcho', i)));
    assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i));
  });

  test('unknown methods (including Object.prototype names) are NOT_FOUND', async () => {
    const client = connectClient(url);
    for (const method of ['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      await assert.rejects(client.rpc(method), withCode(ErrorCode.NotFound), method);
    }
  });

  test('a handler chooses its error code with RemoteError; other errors stay on the server', async () => {
    const client = connectClient(url);
    await assert.rejects(client.rpc('refuse'), (err: unknown) => withCode(ErrorCode.Forbidden)(err) && (err as Error).message === 'not for you');
    await assert.rejects(client.rpc('crash'), (err: unknown) => withCode(ErrorCode.HandlerFailed)(err) && !(err as Error).message.includes('hunter2'));
    await waitFor(() => errors.some((error) => error.message.includes('hunter2')), 2000, 'onError');
  });

  test('a handler that never answers gets TIMEOUT from the server', async () => {
    const client = connectClient(url);
    await assert.rejects(client.rpc('hang', null, { timeoutMs: 5000 }), withCode(ErrorCode.Timeout));
    assert.equal(await client.rpc('add', { a: 1, b: 1 }), 2);
  });

  test('the client-side timeout rejects with TIMEOUT when the server is slower', async () => {
    const client = connectClient(url);
    await assert.rejects(client.rpc('hang', null, { timeoutMs: 50 }), withCode(ErrorCode.Timeout));
  });
});

describe('Ratchet-style hooks', async () => {
  const events: string[] = [];
  let last: Client | undefined;
  const { server, url } = await startServer({
    onOpen: (client) => {
      last = client;
      events.push(`open ${client.id}`);
      client.send(`welcome ${client.id}`);
    },
    onMessage: async (client, data) => {
      if (data === 'boom') throw new Error('hook failed');
      client.send(`Data received: ${String(data)}`);
    },
    onClose: (client, code) => {
      events.push(`close ${client.id} ${code}`);
    },
  });

  test('onOpen can greet, onMessage answers with client.send, onClose reports the code', async () => {
    const client = connectClient(url);
    const pushes: unknown[] = [];
    client.on('message', (data) => pushes.push(data));
    await client.ready();
    await client.send('hello', { ack: true });
    await client.send('fire and forget');
    await waitFor(() => pushes.length === 3, 3000, 'pushes');
    assert.deepEqual(pushes, [`welcome ${client.connectionId}`, 'Data received: hello', 'Data received: fire and forget']);
    const id = client.connectionId;
    client.close();
    await waitFor(() => events.includes(`close ${id} 1000`), 3000, 'onClose');
    assert.ok(events.includes(`open ${id}`));
  });

  test('a failing onMessage answers HANDLER_FAILED and the connection stays usable', async () => {
    const client = connectClient(url);
    await assert.rejects(client.send('boom', { ack: true }), withCode(ErrorCode.HandlerFailed));
    await client.send('still here', { ack: true });
  });

  test('the Client handle is inert after close (no throw, no send)', async () => {
    const client = connectClient(url);
    await client.ready();
    const handle = last!;
    assert.equal(handle.id, client.connectionId);
    client.close();
    await waitFor(() => handle.closed, 3000, 'closed');
    assert.equal(handle.send('late'), false);
    handle.subscribe('late');
    handle.close();
    assert.equal(server.clients.has(handle.id), false);
  });

  test('Send without an onMessage hook is UNSUPPORTED', async () => {
    const { url: bare } = await startServer();
    const client = connectClient(bare);
    await assert.rejects(client.send('x', { ack: true }), withCode(ErrorCode.Unsupported));
  });

  test('server-side subscribe through the Client handle', async () => {
    const client = connectClient(url);
    const got: unknown[] = [];
    // Register the handler locally first, then let the server subscribe the connection.
    await client.ready();
    await client.subscribe('pushed:topic', (data) => got.push(data));
    server.clients.get(client.connectionId!)!.subscribe('pushed:other');
    await server.publish('pushed:topic', 'a');
    await waitFor(() => got.length === 1, 2000, 'delivery');
    assert.ok(server.clients.get(client.connectionId!)!.topics.has('pushed:other'));
    // Invalid names are refused on this path too (the internal JSON topics stay unreachable).
    for (const topic of ['json pushed:topic', '', 'café']) {
      assert.throws(() => server.clients.get(client.connectionId!)!.subscribe(topic), (err: unknown) => (err as { code?: number }).code === ErrorCode.InvalidTopic, topic);
    }
  });
});

describe('engine failures', async () => {
  const errors: Error[] = [];
  let mode: 'throw' | 'reject' | 'ok' = 'throw';
  let sink: EngineSink | undefined;
  const engine: Engine = {
    start(next) {
      sink = next;
    },
    publish(topic, payload) {
      if (mode === 'throw') throw new Error('broker down (sync)');
      if (mode === 'reject') return Promise.reject(new Error('broker down (async)'));
      sink?.deliver(topic, 'e', 1, payload);
      return Promise.resolve({ seq: 1, duplicate: false });
    },
    history: new MemoryHistoryStore(),
    presence: new PresenceRegistry(),
    close() {
      this.history.close();
    },
  };
  const { url } = await startServer({ engine, clientPublish: true, onError: (error) => errors.push(error) });

  test('a failing engine answers INTERNAL without details, reports to onError, and the connection stays usable', async () => {
    const client = connectClient(url);
    for (const next of ['throw', 'reject'] as const) {
      mode = next;
      await assert.rejects(client.publish('t', 1, { ack: true }), (err: unknown) => withCode(ErrorCode.Internal)(err) && (err as Error).message === 'publish failed');
    }
    await waitFor(() => errors.length === 2, 2000, 'onError twice');
    assert.deepEqual(errors.map((error) => error.message), ['broker down (sync)', 'broker down (async)']);
    mode = 'ok';
    assert.equal(await client.publish('t', 1, { ack: true }), 1);
  });
});
