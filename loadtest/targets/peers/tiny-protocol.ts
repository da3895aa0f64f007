/**
 * The protocol subset every peer server implements, written once on top of src/protocol:
 * Subscribe (acked), Publish (sequenced per topic, fanned out as a Message frame) and Rpc `echo`.
 * The peers differ only in the socket library underneath.
 */
import { Kind, msgpackCodec, msgpackMessageFrame, packValue, toClientFrame } from '../../../src/protocol/index.js';

/** What a peer does for each frame; `reply` sends bytes to the requesting socket only. */
export interface PeerActions<S> {
  subscribe(socket: S, topics: string[]): void;
  publish(topic: string, frame: Uint8Array): void;
  reply(socket: S, bytes: Uint8Array): void;
}

/** Creates the frame handler of a peer. Per-topic sequence numbers live here. */
export function createTinyProtocol<S>(actions: PeerActions<S>) {
  const seqs = new Map<string, number>();
  const answer = (socket: S, id: number, data: unknown) => {
    if (id > 0) actions.reply(socket, msgpackCodec.encode({ kind: Kind.Reply, id, data }) as Uint8Array);
  };
  return {
    /** Handles every frame of one binary message. Invalid input is dropped: peers are not hardened. */
    onMessage(socket: S, message: Uint8Array): void {
      let values: unknown[];
      try {
        values = msgpackCodec.decode(message);
      } catch {
        return;
      }
      for (const value of values) {
        let frame;
        try {
          frame = toClientFrame(value);
        } catch {
          continue;
        }
        switch (frame.kind) {
          case Kind.Subscribe:
            actions.subscribe(socket, frame.topics);
            answer(socket, frame.id, null);
            break;
          case Kind.Publish: {
            const seq = (seqs.get(frame.topic) ?? 0) + 1;
            seqs.set(frame.topic, seq);
            actions.publish(frame.topic, msgpackMessageFrame(frame.topic, seq, packValue(frame.data)));
            answer(socket, frame.id, seq);
            break;
          }
          case Kind.Rpc:
            answer(socket, frame.id, frame.data);
            break;
          default:
            break;
        }
      }
    },
  };
}

/** Bytes one socket may have queued before publications to it are skipped (uWS's maxBackpressure; Switchboard's default). */
export const MAX_BACKPRESSURE_BYTES = 1024 * 1024;
