/**
 * A well-behaved client that must keep receiving every message while a security test attacks the
 * same server. `check()` publishes the next number and asserts the bystander got exactly 1..n, in
 * order: proof that the attack neither crashed the server nor disturbed other connections.
 */
import assert from 'node:assert/strict';
import type { Server } from '../../src/server/index.js';
import type { ClientOptions } from '../../src/client/index.js';
import { connectClient } from './clients.js';
import { waitFor } from './server.js';

export interface Bystander {
  check(): Promise<void>;
}

export async function startBystander(server: Server, url: string, topic = 'bystander', options: ClientOptions = {}): Promise<Bystander> {
  const client = connectClient(url, options);
  const seen: number[] = [];
  await client.subscribe(topic, (data) => seen.push(data as number));
  let published = 0;
  return {
    async check() {
      published++;
      await server.publish(topic, published);
      await waitFor(() => seen.length === published, 3000, `bystander message ${published}`);
      assert.deepEqual(seen, Array.from({ length: published }, (_, i) => i + 1));
      assert.equal(client.state, 'open');
    },
  };
}
