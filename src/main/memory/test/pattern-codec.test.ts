/**
 * The stored pattern form (pattern-codec.ts): exact round trips of any scale, offset and codes, the size
 * check, decoding as a view (no copy), and the engine's quantization bound surviving storage.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../../shared/errors';
import { getEngine } from '../../engine';
import { decodePattern, dequantizeInto, encodePattern, type DecodedPattern } from '../pattern-codec';
import * as store from '../store';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const pattern = fc.record({ scale: finite, offset: finite, codes: fc.uint8Array({ minLength: 0, maxLength: 300 }) }).map((p): DecodedPattern => ({ ...p, length: p.codes.length }));

describe('pattern codec', () => {
  it('decodes exactly what it encoded (16 + n bytes; scale and offset bit for bit, -0 included)', () => {
    fc.assert(
      fc.property(pattern, (p) => {
        const buf = encodePattern(p);
        expect(buf.length).toBe(16 + p.length);
        const d = decodePattern(buf, p.length);
        expect(Object.is(d.scale, p.scale)).toBe(true);
        expect(Object.is(d.offset, p.offset)).toBe(true);
        expect(d.length).toBe(p.length);
        expect(Array.from(d.codes)).toEqual(Array.from(p.codes));
        // a view on the buffer, not a copy
        expect(d.codes.buffer).toBe(buf.buffer);
        expect(d.codes.byteOffset).toBe(buf.byteOffset + 16);
      }),
    );
  });

  it('refuses a buffer whose size does not match the declared length', () => {
    fc.assert(
      fc.property(
        pattern,
        fc.integer({ min: -16, max: 16 }).filter((d) => d !== 0),
        (p, delta) => {
          const length = p.length + delta;
          fc.pre(length >= 0);
          expect(() => decodePattern(encodePattern(p), length)).toThrow(WarpdeskError);
        },
      ),
    );
  });

  it('dequantizes each value to offset + scale x code', () => {
    fc.assert(
      fc.property(pattern, (p) => {
        const out = dequantizeInto(p, new Float64Array(p.length));
        for (let i = 0; i < p.length; i++) expect(Object.is(out[i], p.offset + p.scale * p.codes[i]!)).toBe(true);
      }),
    );
  });

  it("keeps the engine's quantization error bound through encode, decode and dequantize", () => {
    const engine = getEngine();
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 256 }), (values) => {
        const q = engine.quantize(Float64Array.from(values));
        const d = decodePattern(encodePattern({ length: values.length, scale: q.scale, offset: q.offset, codes: q.codes }), values.length);
        const out = dequantizeInto(d, new Float64Array(values.length));
        for (let i = 0; i < values.length; i++) expect(Math.abs(values[i]! - out[i]!)).toBeLessThanOrEqual(q.maxError);
      }),
      { numRuns: 200 },
    );
  });

  it('is still exported from ./store under the same names (the split kept the module API)', () => {
    expect(store.encodePattern).toBe(encodePattern);
    expect(store.decodePattern).toBe(decodePattern);
    expect(store.dequantizeInto).toBe(dequantizeInto);
    expect(store.ENCRYPTED_TABLES.map((t) => t.table)).toEqual(['patterns', 'experiences', 'outcomes', 'distilled']);
    expect(store.MEMORY_FILE).toBe('memory.sqlite');
  });
});
