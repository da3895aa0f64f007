/** The uWS implementation of the server transport: one uWS app, its fan-out, routes and listen socket. */
import type { ServerTransport } from '../transport/server-transport.js';
import { measureAnswerLayout } from './answer-layout.js';
import { closeListenSocket, describeUws, listenExclusive, listenPort, loadUws, type ListenSocket, type UwsModule } from './binding.js';
import type { AnswerLayout } from './refusal-answer.js';
import { UwsFanout } from './fanout.js';
import { uwsRouter } from './router.js';
import { createSocketBehavior } from './socket-behavior.js';
import type { RefusalAnswers } from './upgrade.js';

export function createUwsTransport(): ServerTransport {
  const binding = loadUws();
  const app = binding.uws.App();
  let listenSocket: ListenSocket | undefined;
  let leaving = false;
  const refusals: RefusalAnswers = { layout: undefined };

  return {
    build: {
      name: binding.name,
      version: binding.version,
      tls: binding.tls,
      compression: binding.compression,
      skipped: binding.skipped,
      description: describeUws(binding),
    },
    fanout: new UwsFanout(app),
    router: uwsRouter(app, () => leaving),

    websocket(pattern, handler, upgrader, limits) {
      app.ws(pattern, createSocketBehavior({ options: limits, handler, upgrader, compressionDisabled: binding.uws.DISABLED, refusals }));
    },

    async listen(host, port, exclusive) {
      if (listenSocket) throw new Error('server is already listening');
      // Before the first upgrade can arrive: how a refusal's answer must be laid out on this build.
      refusals.layout ??= await answerLayout(binding.uws);
      const socket = await new Promise<ListenSocket | false>((resolve) => {
        if (exclusive) listenExclusive(binding, app, host, port, resolve);
        else app.listen(host, port, resolve);
      });
      if (socket === false) throw new Error(`could not listen on ${host}:${port} (address in use or not permitted)`);
      listenSocket = socket;
      return listenPort(binding, socket);
    },

    stopListening() {
      leaving = true;
      if (listenSocket) closeListenSocket(binding, listenSocket);
      listenSocket = undefined;
    },

    close() {
      app.close?.();
    },
  };
}

let measured: Promise<AnswerLayout | undefined> | undefined;

/** Measured once per process: every app of a process runs the same uWS build. */
function answerLayout(uws: UwsModule): Promise<AnswerLayout | undefined> {
  measured ??= measureAnswerLayout(uws);
  return measured;
}
