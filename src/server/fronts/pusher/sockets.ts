/**
 * The Pusher sockets of this server: by socket id (the HTTP API's `socket_id` exclusion) and by
 * signed-in user (`terminate_connections`). A Pusher socket id is its connection's id, so one id
 * names the socket in logs, in `server.clients` and on the Pusher wire.
 */
import { randomInt } from 'node:crypto';
import type { Connection } from '../../connection/connection.js';
import type { PresenceSubject } from '../../engine/engine.js';
import type { PusherApp } from './apps.js';

/** What the Pusher front keeps for one socket. */
export interface PusherSocket {
  readonly app: PusherApp;
  readonly connection: Connection;
  /** The presence identity (`channel_data`) this socket joined each presence channel with. */
  readonly members: Map<string, PresenceSubject>;
  /** The user it signed in as (`pusher:signin`), if it did. */
  userId: string | undefined;
  /** Its client-event bucket: when it is full again (ms since the epoch; see takeFromDue). */
  clientEventsDue: number;
}

export class PusherSockets {
  private readonly byId = new Map<string, PusherSocket>();
  private readonly byUser = new Map<string, Set<PusherSocket>>();
  // Pusher socket ids are `<digits>.<digits>`; a random first part keeps ids of other processes and
  // restarted servers apart. An excluded socket_id is looked up on every node of a cluster, so two
  // processes sharing a prefix could exclude an innocent socket: 48 bits (randomInt's widest, still
  // a safe integer) make that about N²/2^49 for N processes, against N²/2^32 with 31 bits.
  private readonly prefix = randomInt(1, 2 ** 48);
  private next = 1;

  /** A fresh socket id. */
  nextId(): string {
    return `${this.prefix}.${this.next++}`;
  }

  add(socket: PusherSocket): void {
    this.byId.set(socket.connection.id, socket);
  }

  get(socketId: string): PusherSocket | undefined {
    return this.byId.get(socketId);
  }

  /** Records the user a socket signed in as. */
  signIn(socket: PusherSocket, userId: string): void {
    if (socket.userId !== undefined) this.byUser.get(socket.userId)?.delete(socket);
    socket.userId = userId;
    let set = this.byUser.get(userId);
    if (set === undefined) this.byUser.set(userId, (set = new Set()));
    set.add(socket);
  }

  /** A snapshot of a user's sockets (safe to close them while iterating). */
  ofUser(userId: string): PusherSocket[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  delete(socket: PusherSocket): void {
    this.byId.delete(socket.connection.id);
    if (socket.userId === undefined) return;
    const set = this.byUser.get(socket.userId);
    set?.delete(socket);
    if (set?.size === 0) this.byUser.delete(socket.userId);
  }
}
