/**
 * One topic's retained publications, stored without a JavaScript object per publication: payload
 * bytes are copied into one circular byte buffer and their offsets, lengths and times sit in typed
 * arrays. Retaining thousands of messages per topic then adds nothing for the garbage collector to
 * trace or copy (holding one object per message made every young-generation collection copy them,
 * which showed up as publish→deliver tail latency under load).
 *
 * Publications are consecutive: the log holds seqs `first … first + count - 1`. Oldest ones leave
 * first (size, TTL, memory), so both rings are plain FIFOs.
 */
import type { Tags } from '../../protocol/tags.js';
import type { Publication } from './history.js';

const MIN_ENTRIES = 16;
const MIN_BYTES = 1024;

export class TopicLog {
  /** Seq of the oldest retained publication (meaningless when empty). */
  first = 0;
  /** Retained publications. */
  count = 0;
  // Entry ring: slot of the oldest entry, and per slot the payload's offset, length and time.
  private head = 0;
  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  private times = new Float64Array(0);
  // Tags per slot, allocated only once a tagged publication is retained: a topic that never
  // carries tags keeps no object per publication (see above).
  private tags: Array<Tags | undefined> | undefined;
  // Byte ring: where the oldest payload starts and where the next one is written.
  private bytes = new Uint8Array(0);
  private byteHead = 0;
  private byteTail = 0;
  /** Payload bytes retained (what the publications themselves weigh). */
  liveBytes = 0;

  /** Bytes allocated for this log (what it costs in memory). */
  get allocatedBytes(): number {
    return this.bytes.byteLength + this.offsets.byteLength + this.lengths.byteLength + this.times.byteLength;
  }

  /** Time of the oldest retained publication. */
  oldestTime(): number {
    return this.times[this.head]!;
  }

  /** Appends the publication with seq `first + count` (the caller keeps seqs consecutive). */
  push(seq: number, payload: Uint8Array, time: number, tags?: Tags): void {
    if (this.count === 0) {
      this.first = seq;
      this.byteHead = 0;
      this.byteTail = 0;
    }
    if (this.count === this.offsets.length) this.growEntries();
    const length = payload.byteLength;
    let at = this.place(length);
    if (at < 0) {
      this.growBytes(length);
      at = this.place(length);
    }
    this.bytes.set(payload, at);
    this.byteTail = at + length;
    const slot = (this.head + this.count) % this.offsets.length;
    this.offsets[slot] = at;
    this.lengths[slot] = length;
    this.times[slot] = time;
    if (tags !== undefined) (this.tags ??= new Array<Tags | undefined>(this.offsets.length))[slot] = tags;
    else if (this.tags !== undefined) this.tags[slot] = undefined;
    this.count++;
    this.liveBytes += length;
  }

  /** Forgets the oldest publication. */
  shift(): void {
    if (this.count === 0) return;
    this.liveBytes -= this.lengths[this.head]!;
    if (this.tags !== undefined) this.tags[this.head] = undefined;
    this.head = (this.head + 1) % this.offsets.length;
    this.first++;
    this.count--;
    if (this.count === 0) {
      this.byteHead = 0;
      this.byteTail = 0;
    } else {
      this.byteHead = this.offsets[this.head]!;
    }
  }

  /** Forgets everything and gives the memory back. */
  clear(): void {
    this.count = 0;
    this.head = 0;
    this.liveBytes = 0;
    this.offsets = new Uint32Array(0);
    this.lengths = new Uint32Array(0);
    this.times = new Float64Array(0);
    this.tags = undefined;
    this.bytes = new Uint8Array(0);
    this.byteHead = 0;
    this.byteTail = 0;
  }

  /** Shrinks the buffers to what is retained (after heavy trimming). */
  compact(): void {
    if (this.count === 0) return this.clear();
    this.rebuild(Math.max(MIN_ENTRIES, this.count), Math.max(MIN_BYTES, this.liveBytes + 1));
  }

  /** Copies of the publications from seq `from` on (callers may keep them: the rings get reused). */
  slice(from: number): Publication[] {
    const out: Publication[] = [];
    const capacity = this.offsets.length;
    for (let seq = Math.max(from, this.first); seq < this.first + this.count; seq++) {
      const slot = (this.head + (seq - this.first)) % capacity;
      const at = this.offsets[slot]!;
      const tags = this.tags?.[slot];
      const payload = this.bytes.slice(at, at + this.lengths[slot]!);
      out.push(tags === undefined ? { seq, payload, time: this.times[slot]! } : { seq, payload, time: this.times[slot]!, tags });
    }
    return out;
  }

  /**
   * Where a payload of `length` bytes can go without touching live bytes, or -1. Live bytes run
   * from byteHead to byteTail, wrapping at the end of the buffer; one byte always stays free so a
   * full ring never looks empty.
   */
  private place(length: number): number {
    const size = this.bytes.byteLength;
    if (this.count === 0) return length < size ? 0 : -1;
    if (this.byteTail >= this.byteHead) {
      if (size - this.byteTail > length || (size - this.byteTail === length && this.byteHead > 0)) return this.byteTail;
      return length < this.byteHead ? 0 : -1; // wrap; the unused end is reclaimed when byteHead passes it
    }
    return this.byteHead - this.byteTail > length ? this.byteTail : -1;
  }

  private growEntries(): void {
    this.rebuild(Math.max(MIN_ENTRIES, this.offsets.length * 2), this.bytes.byteLength);
  }

  private growBytes(needed: number): void {
    this.rebuild(this.offsets.length, Math.max(MIN_BYTES, this.bytes.byteLength * 2, (this.liveBytes + needed) * 2));
  }

  /** Reallocates both rings, oldest entry first at slot 0 and byte 0. */
  private rebuild(entryCapacity: number, byteCapacity: number): void {
    const offsets = new Uint32Array(entryCapacity);
    const lengths = new Uint32Array(entryCapacity);
    const times = new Float64Array(entryCapacity);
    const tags = this.tags === undefined ? undefined : new Array<Tags | undefined>(entryCapacity);
    const bytes = new Uint8Array(byteCapacity);
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.offsets.length;
      const start = this.offsets[slot]!;
      const length = this.lengths[slot]!;
      bytes.set(this.bytes.subarray(start, start + length), at);
      offsets[i] = at;
      lengths[i] = length;
      times[i] = this.times[slot]!;
      if (tags !== undefined) tags[i] = this.tags![slot];
      at += length;
    }
    this.offsets = offsets;
    this.lengths = lengths;
    this.times = times;
    this.tags = tags;
    this.bytes = bytes;
    this.head = 0;
    this.byteHead = 0;
    this.byteTail = at;
  }
}
