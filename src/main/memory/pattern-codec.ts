/**
 * The stored form of a pattern: 8-bit quantized values (`value ≈ offset + scale × code`) as 16 + n bytes
 * (scale f64, offset f64, codes u8 × n), the plaintext that `patterns` rows seal (README "Storage").
 * Must never: copy the codes when decoding (they are a view on the unsealed buffer) or touch the database.
 */
import { WarpdeskError } from '../../shared/errors';

export interface DecodedPattern {
  length: number;
  scale: number;
  offset: number;
  codes: Uint8Array;
}

export function encodePattern(p: DecodedPattern): Buffer {
  const buf = Buffer.alloc(16 + p.codes.length);
  buf.writeDoubleLE(p.scale, 0);
  buf.writeDoubleLE(p.offset, 8);
  buf.set(p.codes, 16);
  return buf;
}

export function decodePattern(buf: Buffer, length: number): DecodedPattern {
  if (buf.length !== 16 + length) throw new WarpdeskError('Internal', 'A stored pattern has the wrong size.');
  return { length, scale: buf.readDoubleLE(0), offset: buf.readDoubleLE(8), codes: new Uint8Array(buf.buffer, buf.byteOffset + 16, length) };
}

export function dequantizeInto(p: DecodedPattern, out: Float64Array): Float64Array {
  for (let i = 0; i < p.length; i++) out[i] = p.offset + p.scale * p.codes[i]!;
  return out;
}
