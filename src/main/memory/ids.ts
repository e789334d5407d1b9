/**
 * Globally unique, time-ordered record ids (UUIDv7, RFC 9562) so experiences from many agents can be merged
 * and deduplicated by id alone (swarm gossip). Monotonic within a process even when the clock stalls.
 * Must never: depend on anything but node:crypto.
 */
import { freshRandomBytes } from './entropy';

let lastMs = 0;
let seq = 0;

/** A new UUIDv7 string: 48-bit Unix ms, 12-bit in-ms counter seeded randomly, 62 random bits. */
export function uuidv7(now: number = Date.now()): string {
  const b = freshRandomBytes(16);
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    seq++;
    if (seq > 0xfff) {
      ms++;
      seq = b[6]! & 0x7f;
    }
  } else {
    seq = b[6]! & 0x7f;
  }
  lastMs = ms;
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Ids accepted from outside (imports): lowercase UUIDs. */
export function isRecordId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}
