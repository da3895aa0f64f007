/**
 * Source addresses and ports of the generator's bulk subscribers: every connection of a run gets
 * its own (address, port) pair, every port lies below the kernel's ephemeral range (so it never
 * meets a port the kernel picked for another socket), and a run that fits one address binds
 * nothing, leaving connect() to pick ports the fast way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceAddresses } from '../../loadtest/generator/pool.js';
import { EXPLICIT_PORT_BASE, explicitSourcePort } from '../../loadtest/generator/source-ports.js';

test('100,000 connections over the addresses the harness chooses: unique pairs, all below 32768', () => {
  for (const connections of [30_000, 100_000, 250_000]) {
    const addresses = sourceAddresses(connections);
    assert.ok(addresses.length >= 2, `${connections} connections need more than one address`);
    const pairs = new Set<string>();
    for (let index = 0; index < connections; index++) {
      const port = explicitSourcePort(index, addresses.length);
      assert.ok(port !== undefined && port >= EXPLICIT_PORT_BASE && port < 32_768, `connection ${index}: port ${port}`);
      pairs.add(`${addresses[index % addresses.length]}:${port}`);
    }
    assert.equal(pairs.size, connections, `${connections} connections, ${connections} distinct (address, port) pairs`);
  }
});

test('a run that fits one address needs one address (and the worker then binds nothing)', () => {
  assert.deepEqual(sourceAddresses(10_000), ['127.0.0.1']);
});

test('past the explicit range there is no explicit port (the kernel picks one)', () => {
  assert.equal(explicitSourcePort((32_768 - EXPLICIT_PORT_BASE) * 2, 2), undefined);
});
