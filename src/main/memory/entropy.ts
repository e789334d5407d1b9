/**
 * Random bytes for ids and nonces, drawn from the OS CSPRNG 6 KiB at a time (one `randomFillSync` call per
 * ~400 records instead of one per nonce or id, which cost as much as the AES-GCM seal itself). Every byte
 * is handed out once: a returned buffer is a fresh copy, never shared with the pool or another caller.
 * Must never return the same bytes twice or bytes from anything but node:crypto.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 6144;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let used = POOL_BYTES;

/** `n` fresh random bytes (n ≤ 256), as a new buffer the caller owns. */
export function freshRandomBytes(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new RangeError('freshRandomBytes: 0..256 bytes');
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.allocUnsafe(n);
  pool.copy(out, 0, used, used + n);
  pool.fill(0, used, used + n); // handed-out bytes leave the pool
  used += n;
  return out;
}
