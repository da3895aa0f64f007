/**
 * Switchboard as the memory measurement runs it: production defaults (per-connection rate limits
 * on, so each connection carries its limiter state as it would in service), except the admission
 * caps, which would refuse thousands of connections from one loopback address, and logging.
 */
import { runServerEntry } from '../../loadtest/targets/servers/entry.js';
import { startSwitchboard } from '../../loadtest/targets/servers/switchboard-entry.js';

runServerEntry(() => startSwitchboard({ maxConnections: 0, maxConnectionsPerIp: 0, connectsPerSecond: 0 }));
