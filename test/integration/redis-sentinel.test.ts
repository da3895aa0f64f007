/**
 * The Redis engine through Redis Sentinel, on real processes: a master, replicas and sentinels
 * started here (test/helpers/redis-sentinel.ts), real failovers (`kill -9` of the master, or
 * `SENTINEL FAILOVER`) while a publisher streams publications through one node and a client
 * follows the topic on another. The oracle: every publication acknowledged with HTTP 200 reaches
 * the follower, or a `gap` event (a new epoch) stands between the messages it did get before and
 * after it; never silence. Publishes during the failover answer 503 or 504, then succeed again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SwitchboardClient } from '../../src/client/index.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import type { RedisEngineOptions } from '../../src/server/engine/redis/options.js';
import { runEngineConformance } from '../engine/engine.cases.js';
import { startCli } from '../helpers/cli-process.js';
import { connectClient } from '../helpers/clients.js';
import { sentinelMissing, startSentinels, type TestSentinels } from '../helpers/redis-sentinel.js';
import { freePort, postJson, sleep, startServer, waitFor, type TestServer } from '../helpers/server.js';

/** What a follower saw, in order: messages (the published numbers) and gap events. */
type Seen = { message: number } | { gap: 'epoch' | 'history' };

async function follow(client: SwitchboardClient, topic: string): Promise<Seen[]> {
  const seen: Seen[] = [];
  client.on('gap', (gap) => gap.topic === topic && seen.push({ gap: gap.reason }));
  await client.subscribe(topic, (value) => seen.push({ message: value as number }));
  return seen;
}

const messages = (seen: Seen[]) => seen.flatMap((entry) => ('message' in entry ? [entry.message] : []));

async function nodeOn(deployment: TestSentinels, options: Partial<RedisEngineOptions> = {}): Promise<TestServer & { engine: RedisEngine }> {
  const engine = new RedisEngine({ url: deployment.url, commandTimeoutMs: 1000, pingIntervalMs: 1000, lingerMs: 100, ...options });
  return { ...(await startServer({ engine })), engine };
}

/** Publishes 1, 2, 3, ... through `node` until stopped, each number once, keeping every answer. */
function publisher(node: TestServer, topic: string) {
  const answers: Array<{ n: number; status: number; code?: string }> = [];
  let stopped = false;
  const running = (async () => {
    for (let n = 1; !stopped; n++) {
      const res = await postJson(`${node.http}/api/publish`, { topic, data: n });
      answers.push({ n, status: res.status, code: res.body?.code });
      // Refusals come at once while Redis is away: do not spin.
      if (res.status !== 200) await sleep(20);
    }
  })();
  return {
    answers,
    acked: () => answers.filter((a) => a.status === 200).map((a) => a.n),
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Publishes `data` until it is acknowledged (bounded). */
async function publishUntilAcked(node: TestServer, topic: string, data: number): Promise<void> {
  await waitForAsync(async () => (await postJson(`${node.http}/api/publish`, { topic, data })).status === 200, 10_000, `publication ${data} acknowledged`);
}

async function waitForAsync(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Every acknowledged number was received, or a gap event stands between the last message received
 * before it and the first received after it (the follower was told it may have missed it).
 */
function assertReceivedOrCoveredByGap(seen: Seen[], acked: number[]): void {
  const received = messages(seen);
  assert.deepEqual(received, [...received].sort((a, b) => a - b), 'messages in publish order');
  assert.equal(new Set(received).size, received.length, 'no message twice');
  for (const n of acked) {
    if (received.includes(n)) continue;
    let before = -1;
    seen.forEach((entry, i) => {
      if ('message' in entry && entry.message < n) before = i;
    });
    const after = seen.findIndex((entry) => 'message' in entry && entry.message > n);
    assert.ok(after !== -1, `acknowledged ${n} was neither received nor followed by anything`);
    const gap = seen.slice(before + 1, after).some((entry) => 'gap' in entry);
    assert.ok(gap, `acknowledged ${n} was lost silently (no gap between ${JSON.stringify(seen[before])} and ${JSON.stringify(seen[after])})`);
  }
}

if (sentinelMissing !== undefined) {
  describe('Redis through Sentinel', { skip: sentinelMissing }, () => {});
} else {
  const shared = await startSentinels();
  let next = 0;
  const retained = (engine: Engine) =>
    shared.master().cli('--scan', '--pattern', `{${(engine as RedisEngine).options.keyPrefix}:*`).split('\n').filter((line) => line !== '').length;
  runEngineConformance({ name: 'redis through sentinel', newEngine: (options) => new RedisEngine({ url: shared.url, keyPrefix: `s${next++}`, ...options }), retained });

  describe('Redis through Sentinel', () => {
    test('the engine writes to the master the sentinels name, never to its replica', async () => {
      const node = await nodeOn(shared, { keyPrefix: 'where' });
      assert.equal((await postJson(`${node.http}/api/publish`, { topic: 'where:t', data: 1 })).status, 200);
      const [master, replica] = [shared.master(), shared.servers.find((s) => s.port !== shared.masterPort())!];
      assert.match(master.cli('CLIENT', 'LIST'), / name=switchboard /);
      assert.match(master.cli('CLIENT', 'LIST'), / name=switchboard-sub /);
      assert.doesNotMatch(replica.cli('CLIENT', 'LIST'), /name=switchboard/);
      assert.equal(master.cli('HGET', '{where:where:t}:meta', 's'), '1');
    });

    test('unreachable sentinels make listen() fail instead of waiting forever', async () => {
      const engine = new RedisEngine({ url: `redis+sentinel://127.0.0.1:${await freePort()}/nobody`, commandTimeoutMs: 500 });
      await assert.rejects(startServer({ engine }), /sentinels are unreachable/);
    });

    test('a master refusing writes (min-replicas-to-write not met) or a node pointed at a replica: publishes answer 503 ENGINE_UNAVAILABLE, nothing published', async () => {
      const deployment = await startSentinels();
      const node = await nodeOn(deployment);
      assert.equal(deployment.master().cli('CONFIG', 'SET', 'min-replicas-to-write', '2'), 'OK');
      const refused = await postJson(`${node.http}/api/publish`, { topic: 'ro:t', data: 1 });
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'ENGINE_UNAVAILABLE');
      assert.equal(deployment.master().cli('EXISTS', '{sb:ro:t}:meta'), '0');
      assert.equal(deployment.master().cli('CONFIG', 'SET', 'min-replicas-to-write', '0'), 'OK');

      const replica = deployment.servers.find((s) => s.port !== deployment.masterPort())!;
      const misled = { ...(await startServer({ engine: new RedisEngine({ url: `redis://127.0.0.1:${replica.port}`, commandTimeoutMs: 1000 }) })) };
      const readOnly = await postJson(`${misled.http}/api/publish`, { topic: 'ro:t', data: 1 });
      assert.equal(readOnly.status, 503, JSON.stringify(readOnly.body));
      assert.equal(readOnly.body.code, 'ENGINE_UNAVAILABLE');
    });

    test('the CLI finds the master from SWITCHBOARD_REDIS_SENTINELS and SWITCHBOARD_REDIS_MASTER', async () => {
      const port = await freePort();
      const cli = startCli(['--port', String(port), '--host', '127.0.0.1'], {
        SWITCHBOARD_REDIS_SENTINELS: shared.sentinels.map((s) => `${s.host}:${s.port}`).join(','),
        SWITCHBOARD_REDIS_MASTER: shared.name,
      });
      await cli.line(/listening/, 15_000);
      const answer = await postJson(`http://127.0.0.1:${port}/api/publish`, { topic: 'env:t', data: 1 });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(shared.master().cli('HGET', '{sb:env:t}:meta', 's'), '1');
      cli.child.kill('SIGTERM');
      await cli.exited;
    });
  });

  describe('Redis Sentinel failover', () => {
    test('kill -9 of the master during a publish stream: every acknowledged publication reaches the follower or is covered by a gap; 503/504 meanwhile, 200 again after', async () => {
      const deployment = await startSentinels({ sentinels: 3 });
      const [publishing, following] = [await nodeOn(deployment), await nodeOn(deployment)];
      const seen = await follow(connectClient(following.url), 'fo:kill');
      const bystander = await follow(connectClient(following.url), 'fo:bystander');
      await publishUntilAcked(publishing, 'fo:bystander', 1);
      const stream = publisher(publishing, 'fo:kill');
      await waitFor(() => stream.acked().length >= 20, 10_000, '20 acknowledged before the failover');
      const oldMaster = deployment.masterPort();
      const killedAt = stream.answers.length;
      await deployment.master().kill();
      await deployment.untilFailedOver(oldMaster);
      await waitFor(() => stream.answers.slice(killedAt).filter((a) => a.status === 200).length >= 20, 15_000, '20 acknowledged after the failover');
      await stream.stop();
      const fence = stream.answers.length + 1;
      await publishUntilAcked(publishing, 'fo:kill', fence);
      await publishUntilAcked(publishing, 'fo:bystander', 2);
      await waitFor(() => messages(seen).includes(fence) && messages(bystander).includes(2), 10_000, 'the follower and the bystander to get the publications after the failover');

      const refused = stream.answers.filter((a) => a.status !== 200);
      assert.ok(refused.length > 0, 'some publishes were refused while there was no master');
      for (const a of refused) assert.ok((a.status === 503 && a.code === 'ENGINE_UNAVAILABLE') || (a.status === 504 && a.code === 'PUBLISH_OUTCOME_UNKNOWN'), JSON.stringify(a));
      assertReceivedOrCoveredByGap(seen, [...stream.acked(), fence]);
      assert.ok(seen.some((entry) => 'gap' in entry && entry.gap === 'epoch'), 'a failover is a new epoch: the follower was told');
    });

    test('waitReplicas 1 and a controlled failover (SENTINEL FAILOVER): no acknowledged publication is lost', async () => {
      // Two replicas: the one not promoted follows the new master at once, so WAIT 1 is met again
      // without waiting for Sentinel to turn the old master into a replica (about 10 s).
      const deployment = await startSentinels({ replicas: 2 });
      const settings = { waitReplicas: 1, waitTimeoutMs: 300 };
      const [publishing, following] = [await nodeOn(deployment, settings), await nodeOn(deployment, settings)];
      const seen = await follow(connectClient(following.url), 'fo:wait');
      const stream = publisher(publishing, 'fo:wait');
      await waitFor(() => stream.acked().length >= 20, 10_000, '20 acknowledged before the failover');
      const oldMaster = deployment.masterPort();
      const failedOverAt = stream.answers.length;
      await deployment.failover();
      await deployment.untilFailedOver(oldMaster);
      await waitFor(() => stream.answers.slice(failedOverAt).filter((a) => a.status === 200).length >= 20, 15_000, '20 acknowledged after the failover');
      await stream.stop();
      await waitFor(() => messages(seen).includes(stream.acked().at(-1)!), 10_000, 'the last acknowledged publication');

      for (const a of stream.answers.filter((answer) => answer.status !== 200)) {
        assert.ok((a.status === 503 && a.code === 'ENGINE_UNAVAILABLE') || (a.status === 504 && a.code === 'PUBLISH_OUTCOME_UNKNOWN'), JSON.stringify(a));
      }
      const received = new Set(messages(seen));
      const lost = stream.acked().filter((n) => !received.has(n));
      assert.deepEqual(lost, [], 'acknowledged publications lost');
      assertReceivedOrCoveredByGap(seen, stream.acked());
    });

    test('SENTINEL FAILOVER: both connections leave the demoted master while it still accepts writes, not when Sentinel finally reconfigures it', async () => {
      const deployment = await startSentinels();
      const node = await nodeOn(deployment);
      const oldMaster = deployment.master();
      await deployment.failover();
      await deployment.untilFailedOver(oldMaster.port);
      const newMaster = deployment.master();
      await waitFor(() => / name=switchboard .* name=switchboard-sub |name=switchboard-sub .* name=switchboard /s.test(newMaster.cli('CLIENT', 'LIST')), 10_000, 'both connections on the new master');
      await waitFor(() => node.engine.ready(), 10_000, 'the engine ready on the new master');
      // Sentinel turns the old master into a replica only about 10 s after the switch: until then
      // it takes writes that the new master will never have.
      assert.match(oldMaster.cli('INFO', 'replication'), /role:master/, 'the old master still takes writes');
      assert.doesNotMatch(oldMaster.cli('CLIENT', 'LIST'), /name=switchboard/);
      assert.equal((await postJson(`${node.http}/api/publish`, { topic: 'fo:moved', data: 1 })).status, 200);
      assert.equal(newMaster.cli('HGET', '{sb:fo:moved}:meta', 's'), '1');
    });

    test('waitReplicas 1 with the replica killed: a publish answers 504 PUBLISH_OUTCOME_UNKNOWN, yet was made on the master', async () => {
      const deployment = await startSentinels();
      const node = await nodeOn(deployment, { waitReplicas: 1, waitTimeoutMs: 200 });
      const seen = await follow(connectClient(node.url), 'fo:alone');
      const confirmed = await postJson(`${node.http}/api/publish`, { topic: 'fo:alone', data: 1 });
      assert.equal(confirmed.status, 200, `confirmed by the replica: ${JSON.stringify(confirmed.body)}`);
      await deployment.servers.find((s) => s.port !== deployment.masterPort())!.kill();
      const unconfirmed = await postJson(`${node.http}/api/publish`, { topic: 'fo:alone', data: 2 });
      assert.equal(unconfirmed.status, 504, JSON.stringify(unconfirmed.body));
      assert.equal(unconfirmed.body.code, 'PUBLISH_OUTCOME_UNKNOWN');
      await waitFor(() => messages(seen).includes(2), 5000, 'the unconfirmed publication, made on the master');
      assert.equal(deployment.master().cli('HGET', '{sb:fo:alone}:meta', 's'), '2');
    });
  });
}
