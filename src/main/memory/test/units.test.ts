/** Pure parts: migrations, judge bounds (property test), adaptation, canonical JSON, ids, keys. */
import fc from 'fast-check';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../../shared/errors';
import { emptyAdaptState, similarityThreshold, updateAdaptState, calibrate, DEFAULT_ADAPT } from '../adapt';
import { canonicalJson, canonicalJsonSpliced, linkHash, GENESIS_HASH } from '../canonical';
import { freshRandomBytes } from '../entropy';
import { uuidv7 } from '../ids';
import { checkOutcome, judgeOutcome } from '../judge';
import { envKeyProvider, Keyring, generateKey, aadFor } from '../keys';
import { migrate, openDb, schemaVersion, MIGRATIONS } from '../schema';
import { tempDir } from './tmp';

describe('migrations', () => {
  it('applies each version once, in its own transaction, and refuses a newer database', () => {
    const file = path.join(tempDir(), 'memory.sqlite');
    const db = openDb(file);
    expect(migrate(db)).toEqual([1]);
    expect(migrate(db)).toEqual([]);
    // A failing migration leaves no trace: no half-created table, version unchanged.
    const broken = [...MIGRATIONS, { version: 2, description: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT nonsense FROM nowhere;' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (9, 'future', 0)").run();
    expect(() => migrate(db)).toThrow(expect.objectContaining({ code: 'Unavailable' }));
    db.close();
  });
});

describe('judge', () => {
  const num = fc.double({ min: -0.9, max: 10, noNaN: true });
  it('keeps every score in [0, 1] for any valid outcome and analogs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('long', 'short', 'flat'),
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.option(num, { nil: null }), { maxLength: 20 }),
        num,
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: null }),
        (signal, horizon, analogReturns, r, mae, t) => {
          const v = judgeOutcome({ signal, horizon, analogReturns }, { realizedReturn: r, mae, timeToTarget: t });
          for (const s of [v.profitability, v.risk, v.timing, v.consistency, v.quality]) {
            expect(Number.isFinite(s)).toBe(true);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(1);
          }
          expect(v.success).toBe(v.profitability > 0.5);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('follows the documented formulas', () => {
    const v = judgeOutcome({ signal: 'long', horizon: 10, analogReturns: [0.01, 0.03] }, { realizedReturn: 0.02, mae: 0.01, timeToTarget: 5 });
    const sigma = Math.sqrt((0.01 ** 2 + 0.03 ** 2) / 2);
    expect(v.profitability).toBeCloseTo(0.5 + 0.5 * Math.tanh(0.02 / sigma), 12);
    expect(v.risk).toBeCloseTo(Math.exp(-0.01 / sigma), 12);
    expect(v.timing).toBeCloseTo(0.75, 12);
    expect(v.consistency).toBeCloseTo(1, 12); // r equals the analogs' mean
    expect(v.quality).toBeCloseTo(0.4 * v.profitability + 0.2 * v.risk + 0.15 * 0.75 + 0.25 * 1, 12);
  });

  it('rejects non-finite and out-of-range outcomes', () => {
    expect(() => checkOutcome({ realizedReturn: Infinity, mae: 0, timeToTarget: null })).toThrow(expect.objectContaining({ code: 'NonFinite' }));
    expect(() => checkOutcome({ realizedReturn: -1.5, mae: 0, timeToTarget: null })).toThrow(expect.objectContaining({ code: 'InvalidInput' }));
    expect(() => checkOutcome({ realizedReturn: 0, mae: 0, timeToTarget: -1 })).toThrow(expect.objectContaining({ code: 'InvalidInput' }));
    expect(() => checkOutcome('x')).toThrow(WarpdeskError);
  });
});

describe('adapt', () => {
  it('holds the initial threshold until there is evidence, then tracks the success boundary', () => {
    let s = emptyAdaptState();
    for (let i = 0; i < 4; i++) s = updateAdaptState(s, 0.9, 0.5, true);
    expect(similarityThreshold(s)).toBe(DEFAULT_ADAPT.initialThreshold);
    const seen: Array<[number, boolean]> = Array.from({ length: 4 }, () => [0.9, true] as [number, boolean]);
    for (let i = 0; i < 40; i++) seen.push([0.3 + (i % 10) * 0.02, false]);
    for (let i = 0; i < 40; i++) seen.push([0.85 + (i % 5) * 0.02, true]);
    for (const [sim, ok] of seen.slice(4)) s = updateAdaptState(s, sim, 0.5, ok);
    // The rule: the smallest 0.05 edge whose pooled posterior mean above it reaches 0.55.
    const posterior = (e: number): number => {
      const above = seen.filter(([x]) => x >= e - 1e-12);
      return (1 + above.filter(([, ok]) => ok).length) / (2 + above.length);
    };
    const t = similarityThreshold(s);
    expect(posterior(t)).toBeGreaterThanOrEqual(0.55);
    expect(posterior(t - 0.05)).toBeLessThan(0.55);
    expect(t).toBeCloseTo(0.35, 12);
    expect(calibrate(emptyAdaptState(), 0.75)).toBeCloseTo(0.75, 12); // prior centred on the bin
  });
});

describe('canonical JSON, chain links, ids, keys', () => {
  it('is independent of key order and rejects what JSON cannot carry exactly', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x', { d: -0, c: 1.5 }] })).toBe('{"a":[true,null,"x",{"c":1.5,"d":0}],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
    expect(() => canonicalJson(new Date())).toThrow();
    expect(linkHash(GENESIS_HASH, '{}')).toMatch(/^[0-9a-f]{64}$/);
    expect(linkHash(GENESIS_HASH, '{}')).not.toBe(linkHash('1'.repeat(64), '{}'));
  });

  it('property: splicing a member written once as canonical JSON gives the same bytes as writing it all', () => {
    const member = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    fc.assert(
      fc.property(fc.dictionary(fc.string(), member), member, fc.string(), (obj, payload, key) => {
        const whole = { ...obj, [key]: payload };
        expect(canonicalJsonSpliced(whole, key, canonicalJson(payload))).toBe(canonicalJson(whole));
      }),
    );
  });

  it('hands out fresh random bytes: right length, never the same, never aliased to the pool', () => {
    const seen = new Set<string>();
    const first = freshRandomBytes(12);
    const copy = Buffer.from(first);
    for (let i = 0; i < 3000; i++) {
      const b = freshRandomBytes(i % 2 ? 12 : 16);
      expect(b.length).toBe(i % 2 ? 12 : 16);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(3000);
    expect(first.equals(copy)).toBe(true);
    expect(() => freshRandomBytes(257)).toThrow(RangeError);
  });

  it('makes time-ordered, unique UUIDv7 ids', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 10)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('seals with a fresh nonce and opens only with the same key and associated data', () => {
    const k = generateKey();
    const ring = new Keyring([k]);
    const a = ring.seal(Buffer.from('hello'), aadFor('t', 'x'));
    const b = ring.seal(Buffer.from('hello'), aadFor('t', 'x'));
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(ring.open(a, aadFor('t', 'x'), 'r').toString()).toBe('hello');
    expect(() => ring.open(a, aadFor('t', 'y'), 'r')).toThrow(expect.objectContaining({ code: 'WrongKey' }));
    expect(() => new Keyring([generateKey()]).open(a, aadFor('t', 'x'), 'r')).toThrow(expect.objectContaining({ code: 'WrongKey' }));
    expect(envKeyProvider({ WARPDESK_MEMORY_KEY: k.key.toString('base64') }).keys()).toEqual([k]);
  });
});
