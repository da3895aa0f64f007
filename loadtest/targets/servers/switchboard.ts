/**
 * Switchboard as the load tests run it: defaults everywhere except what the scenarios need —
 * client publish on (fan-out publishers are WebSocket clients, as with every peer), an `echo` RPC
 * handler for the rpc scenario, logging off, and the abuse limits off (per-address connection cap,
 * connect rate, per-connection message/byte rates, HTTP rate): one generator on one host at
 * thousands of messages per second is exactly what they exist to refuse, and the harness measures
 * the engine. The HTTP API is loopback-only (no key).
 *
 * It always has a Pusher app (servers/pusher-app.ts): the `switchboard-pusher` kind is this same
 * server loaded by Pusher-protocol subscribers, so a compare of the two differs only in the
 * subscribers' protocol. With no Pusher socket on a topic the core encodes nothing for Pusher.
 */
import { preferSerialScavenge } from '../../../src/server/runtime/gc-settings.js';
import { runServerEntry } from './entry.js';
import { startSwitchboard } from './switchboard-entry.js';
import { LIMITS_OFF } from './limits-off.js';
import { LOADTEST_PUSHER_APP } from './pusher-app.js';

// As the switchboard command runs (src/server/runtime/gc-settings.ts); SWITCHBOARD_GC_TUNING=0 in the
// harness's environment measures V8's default instead. The memory reducer can only be turned off on
// the node command line: SWITCHBOARD_LOADTEST_SERVER_NODE_FLAGS (server-under-test.ts).
const serialScavenge = preferSerialScavenge();

// The harness passes --coalesce-ms through the environment (the server is a forked child).
const coalesceMs = Number(process.env.SWITCHBOARD_LOADTEST_COALESCE_MS ?? 0);

runServerEntry(() => {
  const settings = `, Pusher app ${LOADTEST_PUSHER_APP.key}${coalesceMs > 0 ? `, coalesceMs ${coalesceMs}` : ''}${serialScavenge ? ', serial scavenge' : ''}`;
  return startSwitchboard(
    {
      ...(coalesceMs > 0 ? { namespaces: { '': { coalesceMs } } } : {}),
      clientPublish: true,
      rpc: { echo: (_client, data) => data },
      ...LIMITS_OFF,
      pusher: { apps: [{ ...LOADTEST_PUSHER_APP }] },
    },
    settings,
  );
});
