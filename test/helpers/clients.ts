/**
 * SDK clients for integration tests, closed automatically when the test file ends, so a forgotten
 * reconnect timer can never keep the test process alive.
 */
import { after } from 'node:test';
import { connect, type ClientOptions, type SwitchboardClient } from '../../src/client/index.js';

const open: SwitchboardClient[] = [];
after(() => open.forEach((client) => client.close()));

/** `connect()` from the SDK, tracked for closing after the file's tests. */
export function connectClient(url: string, options: ClientOptions = {}): SwitchboardClient {
  const client = connect(url, options);
  open.push(client);
  return client;
}
