/**
 * What the topic core asks of a protocol front: the bytes of each thing it sends to subscribers,
 * in one wire format. The core encodes a publication once per format that has subscribers on the
 * topic and hands those bytes to the transport's native fan-out; it never builds frames itself, so
 * a second wire protocol plugs in by adding formats.
 */
import type { JoinFrame, LeaveFrame } from '../../protocol/frames.js';

export interface WireFormat {
  /** Fan-out name of the format; unique per server (sockets follow topics per format). */
  readonly name: string;
  /** Whether its messages travel as binary WebSocket messages. */
  readonly binary: boolean;
  /** A publication. */
  message(topic: string, seq: number, payload: Uint8Array): Uint8Array | string;
  /** A Join or Leave notice on a presence topic. */
  presence(notice: JoinFrame | LeaveFrame): Uint8Array | string;
  /**
   * A gap notice: the socket may have missed publications of `topic` up to `seq` (of `epoch`, when
   * given: the stream restarted, so a seq below the client's last one is news too).
   */
  gap(topic: string, seq: number, epoch?: string): Uint8Array | string;
  /**
   * Several of this format's messages as one WebSocket message (the protocol allows several frames
   * per message). Absent for a protocol that reads one message per WebSocket message (Pusher): the
   * core never coalesces such a format, each publication goes out as its own message.
   */
  join?(messages: ReadonlyArray<Uint8Array | string>): Uint8Array | string;
  /**
   * True when this format's front keeps presence itself (its members are not connections, e.g.
   * Pusher's per-channel `channel_data`): the core then skips namespace presence for its sockets.
   */
  readonly ownPresence?: boolean;
  /**
   * The close code this format's clients must get for one of ours (1012 restart, 1001 shutdown),
   * when their protocol reads codes differently: pusher-js waits before reconnecting on 1012 but
   * reconnects at once on 4200. Absent: codes go out as they are.
   */
  closeCode?(code: number): number;
}
