import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WarpdeskError } from '../../../shared/errors';
import { getEngine } from '../../engine';
import { envKeyProvider, fileKeyProvider, generateKey, openMemory, staticKeyProvider, type Memory } from '..';
import { similarityFromDistance, zNormalize } from '../../../shared/numerics';
import { experience, raw, rng, walk } from './helpers';
import { tempDir } from './tmp';

const open: Memory[] = [];
async function mem(dir: string, keys = staticKeyProvider([generateKey()]), extra: Record<string, unknown> = {}): Promise<Memory> {
  const m = await openMemory({ dataDir: dir, keyProvider: keys, agentId: 'agent-test', ...extra });
  open.push(m);
  return m;
}
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WarpdeskError);
    return (err as WarpdeskError).code;
  }
  return undefined;
}

async function codeAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WarpdeskError);
    return (err as WarpdeskError).code;
  }
  return undefined;
}

describe('store', () => {
  it('creates one WAL database per workspace with versioned migrations and a 0600 key file', async () => {
    const dir = tempDir();
    const m = await openMemory({ dataDir: dir });
    open.push(m);
    expect(m.file).toBe(path.join(dir, 'memory.sqlite'));
    m.recordExperience(experience(walk(32, rng(1))));
    const db = raw(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: 1 }]);
    db.close();
    if (process.platform !== 'win32') expect(fs.statSync(path.join(dir, 'memory.key')).mode & 0o777).toBe(0o600);
  });

  it('round-trips an experience through 8-bit quantization and encryption', async () => {
    const m = await mem(tempDir());
    const q = walk(128, rng(2));
    const e = m.recordExperience(experience(q, { context: { requestId: 'r1', queryStart: 5 } }));
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const back = m.getExperience(e.id);
    const lo = Math.min(...q);
    const hi = Math.max(...q);
    for (let i = 0; i < q.length; i++) expect(Math.abs(back.query[i]! - q[i]!)).toBeLessThanOrEqual((hi - lo) / 255 / 2 + 1e-9);
    expect(back.matches).toEqual(experience(q).matches);
    expect(back.context).toEqual({ requestId: 'r1', queryStart: 5 });
    expect(back.similarity).toBeCloseTo(0.7, 12);
    // Stored pattern is 16 + n bytes of plaintext (+ 16-byte tag): 8 bits per value.
    const db = raw(path.dirname(m.file));
    const row = db.prepare('SELECT length(data) AS bytes, length(nonce) AS nonce FROM patterns WHERE id = ?').get(e.id) as { bytes: number; nonce: number };
    db.close();
    expect(row).toEqual({ bytes: 16 + 128 + 16, nonce: 12 });
  });

  it('keeps pattern vectors and outcomes unreadable at rest and bound to their row', async () => {
    const dir = tempDir();
    const m = await mem(dir);
    const a = m.recordExperience(experience(walk(64, rng(3))));
    const b = m.recordExperience(experience(walk(64, rng(4))));
    m.settle(a.id, { realizedReturn: 0.0123456, mae: 0.002, timeToTarget: 3 });
    const db = raw(dir);
    const outcome = db.prepare('SELECT data FROM outcomes').get() as { data: Buffer };
    expect(outcome.data.toString('latin1')).not.toContain('0.0123456');
    expect(outcome.data.toString('latin1')).not.toContain('realizedReturn');
    // Fresh nonces: no two records share one.
    const nonces = db.prepare('SELECT nonce FROM patterns UNION ALL SELECT nonce FROM experiences UNION ALL SELECT nonce FROM outcomes').all() as Array<{ nonce: Buffer }>;
    expect(new Set(nonces.map((n) => n.nonce.toString('hex'))).size).toBe(nonces.length);
    // Swap two ciphertexts: the associated data (table + id) makes both unreadable.
    const pa = db.prepare('SELECT nonce, data FROM patterns WHERE id = ?').get(a.id) as { nonce: Buffer; data: Buffer };
    const pb = db.prepare('SELECT nonce, data FROM patterns WHERE id = ?').get(b.id) as { nonce: Buffer; data: Buffer };
    db.prepare('UPDATE patterns SET nonce = ?, data = ? WHERE id = ?').run(pb.nonce, pb.data, a.id);
    db.prepare('UPDATE patterns SET nonce = ?, data = ? WHERE id = ?').run(pa.nonce, pa.data, b.id);
    db.close();
    expect(code(() => m.getExperience(a.id))).toBe('WrongKey');
  });

  it('rejects bad input with typed errors and writes nothing', async () => {
    const dir = tempDir();
    const m = await mem(dir);
    const good = m.recordExperience(experience(walk(16, rng(5))));
    const before = m.stats();
    const q = walk(16, rng(6));
    expect(code(() => m.recordExperience(experience([1])))).toBe('InvalidDimensions');
    expect(code(() => m.recordExperience(experience([1, Number.NaN, 3])))).toBe('NonFinite');
    expect(code(() => m.recordExperience(experience([1, Infinity])))).toBe('NonFinite');
    expect(code(() => m.recordExperience(experience(q, { confidence: 1.5 })))).toBe('InvalidInput');
    expect(code(() => m.recordExperience(experience(q, { signal: 'up' as never })))).toBe('InvalidInput');
    expect(code(() => m.recordExperience(experience(q, { horizon: 0 })))).toBe('InvalidInput');
    expect(code(() => m.recordExperience(experience(q, { matches: [{ similarity: Number.NaN }] })))).toBe('NonFinite');
    expect(code(() => m.recordExperience(experience(q, { patternType: '' })))).toBe('InvalidInput');
    // One bad record in a batch: none of the batch is written.
    expect(code(() => m.recordExperiences([experience(q), experience([0, Number.NaN])]))).toBe('NonFinite');
    expect(code(() => m.recordOutcome('01890000-0000-7000-8000-000000000000', { realizedReturn: 0.01, mae: 0, timeToTarget: null }))).toBe('NotFound');
    expect(code(() => m.recordOutcome('not-an-id', { realizedReturn: 0.01, mae: 0, timeToTarget: null }))).toBe('NotFound');
    expect(code(() => m.judge(good.id))).toBe('NotFound'); // no outcome yet
    expect(code(() => m.recordOutcome(good.id, { realizedReturn: Number.NaN, mae: 0, timeToTarget: null }))).toBe('NonFinite');
    expect(code(() => m.recordOutcome(good.id, { realizedReturn: 0.01, mae: -1, timeToTarget: null }))).toBe('InvalidInput');
    expect(code(() => m.retrieve({ query: [1] }))).toBe('InvalidDimensions');
    expect(code(() => m.retrieve({ query: [1, 2, Number.NaN] }))).toBe('NonFinite');
    expect(code(() => m.retrieve({ query: [1, 2, 3], k: 0 }))).toBe('InvalidInput');
    const after = m.stats();
    expect({ ...after, bytes: 0, walBytes: 0 }).toEqual({ ...before, bytes: 0, walBytes: 0 });
    expect(m.verifyChain().ok).toBe(true);
  });

  it('records a verdict once, with every score in [0, 1]', async () => {
    const m = await mem(tempDir());
    const e = m.recordExperience(experience(walk(32, rng(7))));
    m.recordOutcome(e.id, { realizedReturn: -0.02, mae: 0.03, timeToTarget: null });
    expect(code(() => m.recordOutcome(e.id, { realizedReturn: 0.01, mae: 0, timeToTarget: null }))).toBe('Conflict');
    const v = m.judge(e.id);
    for (const s of [v.profitability, v.risk, v.timing, v.consistency, v.quality]) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    expect(v.success).toBe(false);
    expect(v.timing).toBe(0);
    expect(code(() => m.judge(e.id))).toBe('Conflict');
    expect(m.getVerdict(e.id)).toEqual(v);
    expect(m.trajectory()).toHaveLength(1);
  });
});

describe('keys', () => {
  it('refuses a wrong key with WrongKey and writes nothing', async () => {
    const dir = tempDir();
    const m = await mem(dir);
    m.recordExperience(experience(walk(16, rng(8))));
    m.close();
    const snapshot = (): string => {
      const db = raw(dir);
      const s = JSON.stringify([db.prepare('SELECT * FROM keys').all(), db.prepare('SELECT COUNT(*) AS n FROM ledger').get(), db.prepare('SELECT * FROM meta').all()]);
      db.close();
      return s;
    };
    const before = snapshot();
    expect(await codeAsync(() => openMemory({ dataDir: dir, keyProvider: staticKeyProvider([generateKey()]) }))).toBe('WrongKey');
    expect(await codeAsync(() => openMemory({ dataDir: dir, keyProvider: staticKeyProvider([]) }))).toBe('WrongKey');
    expect(snapshot()).toBe(before);
  });

  it('reads keys from WARPDESK_MEMORY_KEY and rotates to a new one given with the previous', async () => {
    const dir = tempDir();
    const k1 = generateKey().key.toString('base64');
    const k2 = generateKey().key.toString('base64');
    const m1 = await mem(dir, envKeyProvider({ WARPDESK_MEMORY_KEY: k1 }) as never);
    const e = m1.recordExperience(experience(walk(16, rng(9))));
    m1.close();
    expect(await codeAsync(() => openMemory({ dataDir: dir, keyProvider: envKeyProvider({ WARPDESK_MEMORY_KEY: k2 }) }))).toBe('WrongKey');
    expect(await codeAsync(() => openMemory({ dataDir: dir, keyProvider: envKeyProvider({ WARPDESK_MEMORY_KEY: 'short' }) }))).toBe('InvalidInput');
    const m2 = await mem(dir, envKeyProvider({ WARPDESK_MEMORY_KEY: k2, WARPDESK_MEMORY_KEY_PREVIOUS: k1 }) as never);
    const r = await m2.rotateKey({ batchSize: 1 });
    expect(r.reencrypted).toBe(2);
    m2.close();
    const m3 = await mem(dir, envKeyProvider({ WARPDESK_MEMORY_KEY: k2 }) as never);
    expect(m3.getExperience(e.id).id).toBe(e.id);
    expect(m3.verifyChain().ok).toBe(true);
  });

  it('rotates a key file: everything readable, old key retired, chain intact', async () => {
    const dir = tempDir();
    const provider = fileKeyProvider({ dataDir: dir });
    const m = await mem(dir, provider as never);
    const ids = Array.from({ length: 25 }, (_, i) => m.recordExperience(experience(walk(24, rng(100 + i)))).id);
    for (const id of ids.slice(0, 10)) m.settle(id, { realizedReturn: 0.01, mae: 0.001, timeToTarget: 2 });
    m.distill({ evaluateQueries: 0, ratio: 5 });
    const old = (await provider.keys())[0]!.id;
    const r = await m.rotateKey({ batchSize: 7 });
    expect(r.retired).toEqual([old]);
    expect(r.reencrypted).toBe(25 + 25 + 10 + 5 + 5); // patterns (incl. distilled), experiences, outcomes, distilled
    expect((await provider.keys()).map((k) => k.id)).toEqual([r.keyId]);
    m.close();
    const again = await mem(dir, fileKeyProvider({ dataDir: dir }) as never);
    for (const id of ids) expect(again.getExperience(id).id).toBe(id);
    expect(again.verifyChain().ok).toBe(true);
    expect(again.retrieve({ query: walk(24, rng(100)), source: 'distilled', k: 2 }).items.length).toBe(2);
  });

  it('refuses a key file readable by others', async () => {
    if (process.platform === 'win32') return;
    const dir = tempDir();
    (await mem(dir, fileKeyProvider({ dataDir: dir }) as never)).close();
    fs.chmodSync(path.join(dir, 'memory.key'), 0o644);
    expect(await codeAsync(() => openMemory({ dataDir: dir }))).toBe('Unauthorized');
  });
});

describe('audit chain', () => {
  async function chained(): Promise<{ dir: string; m: Memory; ids: string[] }> {
    const dir = tempDir();
    const m = await mem(dir);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const e = m.recordExperience(experience(walk(16, rng(200 + i))));
      ids.push(e.id);
      if (i % 2 === 0) m.settle(e.id, { realizedReturn: 0.01 * (i - 2), mae: 0.004, timeToTarget: i });
    }
    expect(m.verifyChain()).toMatchObject({ ok: true, links: 9 });
    return { dir, m, ids };
  }

  it('finds an edited experience', async () => {
    const { dir, m, ids } = await chained();
    const db = raw(dir);
    db.prepare('UPDATE experiences SET confidence = 0.99 WHERE id = ?').run(ids[3]);
    db.close();
    const r = m.verifyChain();
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ kind: 'experience', recordId: ids[3], reason: 'content-mismatch', seq: 6 });
  });

  it('finds an edited verdict score', async () => {
    const { dir, m, ids } = await chained();
    const db = raw(dir);
    db.prepare('UPDATE verdicts SET quality = 1 WHERE experience_id = ?').run(ids[2]);
    db.close();
    expect(m.verifyChain().broken).toMatchObject({ kind: 'verdict', recordId: ids[2], reason: 'content-mismatch' });
  });

  it('finds a deleted verdict and a deleted link', async () => {
    const { dir, m, ids } = await chained();
    const db = raw(dir);
    db.prepare('DELETE FROM verdicts WHERE experience_id = ?').run(ids[4]);
    db.close();
    expect(m.verifyChain().broken).toMatchObject({ recordId: ids[4], reason: 'missing-record' });
    const c = await chained();
    const db2 = raw(c.dir);
    db2.prepare('DELETE FROM ledger WHERE seq = 4').run();
    db2.close();
    expect(c.m.verifyChain().broken).toMatchObject({ seq: 5, reason: 'gap' });
  });

  it('finds reordered links', async () => {
    const { dir, m } = await chained();
    const db = raw(dir);
    const a = db.prepare('SELECT kind, record_id FROM ledger WHERE seq = 2').get() as { kind: string; record_id: string };
    const b = db.prepare('SELECT kind, record_id FROM ledger WHERE seq = 5').get() as { kind: string; record_id: string };
    db.prepare('UPDATE ledger SET kind = ?, record_id = ? WHERE seq = 2').run('experience', 'tmp');
    db.prepare('UPDATE ledger SET kind = ?, record_id = ? WHERE seq = 5').run(a.kind, a.record_id);
    db.prepare('UPDATE ledger SET kind = ?, record_id = ? WHERE seq = 2').run(b.kind, b.record_id);
    db.close();
    expect(m.verifyChain().broken).toMatchObject({ seq: 2, reason: 'content-mismatch' });
  });

  it('finds a record inserted behind the app and survives key rotation untouched', async () => {
    const { dir, m, ids } = await chained();
    await m.rotateKey();
    expect(m.verifyChain().ok).toBe(true);
    const db = raw(dir);
    db.prepare('DELETE FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger)').run();
    db.close();
    expect(m.verifyChain().broken).toMatchObject({ recordId: ids[5], reason: 'unchained-record', seq: null });
  });
});

describe('learning loop', () => {
  it('adapts the similarity threshold from verdicts and keeps the trajectory', async () => {
    const m = await mem(tempDir());
    const r = rng(11);
    // Only searches with similarity above 0.85 pay off. The threshold is the lowest 0.05 edge above which
    // the posterior success rate reaches 55%: (0.95 - 0.85) / (0.95 - e) >= 0.55 gives e ~ 0.77-0.8.
    for (let i = 0; i < 80; i++) {
      const sim = 0.3 + 0.65 * r();
      const e = m.recordExperience(experience(walk(16, r), { matches: [{ similarity: sim, forwardReturn: 0.01 }], confidence: 0.7 }));
      const good = sim > 0.85;
      m.settle(e.id, { realizedReturn: good ? 0.012 : -0.012, mae: good ? 0.001 : 0.01, timeToTarget: good ? 2 : null });
    }
    const t = m.threshold('analog:1h');
    expect(t.version).toBe(80);
    expect(t.similarityThreshold).toBeGreaterThanOrEqual(0.7);
    expect(t.similarityThreshold).toBeLessThanOrEqual(0.85);
    const traj = m.trajectory('analog:1h');
    expect(traj.map((p) => p.version)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(traj[0]!.similarityThreshold).toBe(0.5); // not enough evidence yet
    expect(m.calibrate('analog:1h', 0.7)).toBeLessThan(0.4); // stated 0.7, ~15% succeeded
    expect(t.calibrationError).toBeGreaterThan(0.4);
    expect(m.threshold('never-seen').similarityThreshold).toBe(0.5);
  });

  it('retrieves the exact top-k by score (same answer as brute force over all rows)', async () => {
    const m = await mem(tempDir());
    const engine = getEngine();
    const r = rng(12);
    const now = 1_700_000_000_000;
    const inputs = Array.from({ length: 400 }, (_, i) => experience(walk(48, r), { at: now - Math.floor(r() * 400) * 86_400_000, patternType: i % 4 === 0 ? 'other' : 'analog:1h' }));
    const recs = m.recordExperiences(inputs);
    for (let i = 0; i < 150; i++) m.settle(recs[i]!.id, { realizedReturn: (r() - 0.5) * 0.04, mae: r() * 0.01, timeToTarget: r() < 0.5 ? null : 3 });
    for (let trial = 0; trial < 5; trial++) {
      const q = walk(48, r);
      const res = m.retrieve({ query: q, k: 10, lambda: 1, now, patternType: 'analog:1h' });
      // Brute force: exact DTW over every stored pattern of the type, same score formula.
      const zq = Float32Array.from(zNormalize(q));
      const w = Math.ceil(0.1 * 48);
      const typeRows = recs.filter((e) => e.patternType === 'analog:1h');
      const verdicts = typeRows.map((e) => m.getVerdict(e.id));
      const judged = verdicts.filter((v) => v);
      const meanQ = judged.reduce((s, v) => s + v!.quality, 0) / judged.length;
      const scored = typeRows.map((e, i) => {
        const d = engine.dtwBatch(zq, Float32Array.from(zNormalize(m.getExperience(e.id).query)), { window: w })[0]!;
        const rec = 0.5 + 0.5 * Math.pow(2, -Math.max(0, now - e.at) / (90 * 86_400_000));
        const rel = 0.5 + 0.5 * (verdicts[i]?.quality ?? meanQ);
        return { id: e.id, score: similarityFromDistance(d, 48) * rec * rel };
      });
      scored.sort((a, b) => b.score - a.score);
      expect(res.items.map((i) => i.id)).toEqual(scored.slice(0, 10).map((s) => s.id));
      for (let i = 0; i < 10; i++) expect(res.items[i]!.score).toBeCloseTo(scored[i]!.score, 4);
      expect(res.stats.dtwComputed).toBeLessThanOrEqual(res.stats.rows);
    }
  });

  it('diversifies with MMR and filters by pattern type', async () => {
    const m = await mem(tempDir());
    const base = walk(32, rng(13));
    // Five near-copies of one shape and a few other shapes.
    for (let i = 0; i < 5; i++) m.recordExperience(experience(base.map((x, j) => x + 0.001 * i * j)));
    for (let i = 0; i < 5; i++) m.recordExperience(experience(walk(32, rng(300 + i))));
    m.recordExperience(experience(base, { patternType: 'elsewhere' }));
    const plain = m.retrieve({ query: base, k: 3, lambda: 1 });
    const diverse = m.retrieve({ query: base, k: 3, lambda: 0.3 });
    expect(plain.items.every((i) => i.similarity > 0.99)).toBe(true);
    expect(diverse.items[0]!.id).toBe(plain.items[0]!.id);
    expect(diverse.items.filter((i) => i.similarity > 0.99).length).toBeLessThan(3);
    expect(m.retrieve({ query: base, k: 5, patternType: 'elsewhere' }).items).toHaveLength(1);
    expect(m.retrieve({ query: base, k: 5, patternType: 'nothing' }).items).toHaveLength(0);
    expect(m.retrieve({ query: walk(20, rng(1)), k: 5 }).items).toHaveLength(0); // no pattern of that length
  });

  it('sees what another process committed (incremental index refresh)', async () => {
    const dir = tempDir();
    const keys = staticKeyProvider([generateKey()]);
    const a = await mem(dir, keys);
    const b = await mem(dir, keys);
    const q = walk(32, rng(14));
    a.recordExperience(experience(walk(32, rng(15))));
    expect(b.retrieve({ query: q, k: 5 }).items).toHaveLength(1);
    const e = a.recordExperience(experience(q));
    expect(b.retrieve({ query: q, k: 1 }).items[0]!.id).toBe(e.id);
    a.settle(e.id, { realizedReturn: 0.02, mae: 0, timeToTarget: 1 });
    expect(b.retrieve({ query: q, k: 1 }).items[0]!.verdict).toMatchObject({ success: true });
  });

  it('distills about 10:1 and reports the recall lost', async () => {
    const m = await mem(tempDir());
    const r = rng(16);
    const protos = Array.from({ length: 30 }, () => walk(64, r));
    const inputs = [];
    for (let i = 0; i < 300; i++) {
      const p = protos[i % 30]!;
      inputs.push(
        experience(
          p.map((x) => x + (r() - 0.5) * 0.3),
          { signal: i % 3 === 0 ? 'short' : 'long' },
        ),
      );
    }
    const recs = m.recordExperiences(inputs);
    for (const e of recs.slice(0, 100)) m.settle(e.id, { realizedReturn: 0.01, mae: 0.001, timeToTarget: 1 });
    const rep = m.distill({ evaluateQueries: 40, k: 10 });
    expect(rep.experiences).toBe(300);
    expect(rep.ratio).toBeGreaterThanOrEqual(8);
    expect(rep.ratio).toBeLessThanOrEqual(12);
    expect(rep.recallAtK).not.toBeNull();
    expect(rep.recallAtK!).toBeGreaterThan(0.6);
    expect(rep.recallLost).toBeCloseTo(1 - rep.recallAtK!, 12);
    const d = m.retrieve({ query: protos[0]!, k: 3, source: 'distilled' });
    expect(d.items[0]!.source).toBe('distilled');
    expect(d.items[0]!.members).toBeGreaterThan(0);
    expect(d.items[0]!.stats!.members).toBe(d.items[0]!.members);
    // A second distillation replaces the first; the experiences and chain are untouched.
    const rep2 = m.distill({ evaluateQueries: 0 });
    expect(rep2.generation).toBe(2);
    expect(m.stats()).toMatchObject({ experiences: 300, distilled: rep2.distilled });
    expect(m.verifyChain().ok).toBe(true);
  });

  it('consolidates: duplicates, contradictions, pruning; never deletes the audit trail', async () => {
    const m = await mem(tempDir());
    const now = 1_800_000_000_000;
    const q = walk(32, rng(17));
    const a = m.recordExperience(experience(q, { at: now - 1000 }));
    const dup = m.recordExperience(experience(q, { at: now - 500 }));
    const near = m.recordExperience(
      experience(
        q.map((x, i) => x + 0.0005 * i),
        { signal: 'short', at: now - 400 },
      ),
    );
    m.settle(a.id, { realizedReturn: 0.02, mae: 0, timeToTarget: 1 });
    m.settle(near.id, { realizedReturn: -0.02, mae: 0.03, timeToTarget: null });
    const old = m.recordExperience(experience(walk(32, rng(18)), { at: now - 800 * 86_400_000 }));
    const bad = m.recordExperience(experience(walk(32, rng(19)), { at: now - 400 * 86_400_000 }));
    m.settle(bad.id, { realizedReturn: -0.05, mae: 0.08, timeToTarget: null });
    const chainBefore = m.verifyChain();
    const rep = m.consolidate({ now });
    expect(rep.duplicates).toBe(1);
    expect(rep.contradictions).toBe(1);
    expect(rep.pruned).toBe(2);
    expect(rep.sample.duplicates).toEqual([dup.id]);
    expect(new Set(rep.sample.pruned)).toEqual(new Set([old.id, bad.id]));
    const ids = m.retrieve({ query: q, k: 10, now }).items.map((i) => i.id);
    expect(ids).toContain(a.id);
    expect(ids).not.toContain(dup.id);
    expect(ids).not.toContain(old.id);
    expect(m.listExperiences().find((e) => e.id === near.id)!.flags).toEqual([expect.objectContaining({ kind: 'contradiction', relatedId: a.id })]);
    // Nothing deleted; chain identical; running again adds nothing.
    expect(m.stats().experiences).toBe(5);
    expect(m.verifyChain()).toMatchObject({ ok: true, links: chainBefore.links, head: chainBefore.head });
    expect(m.consolidate({ now })).toMatchObject({ duplicates: 0, contradictions: 0, pruned: 0 });
  });
});

describe('swarm exchange', () => {
  it('imports a remote experience once (dedup by id), checks its hash and learns from its verdict', async () => {
    const a = await mem(tempDir());
    const b = await mem(tempDir());
    const e = a.recordExperience(experience(walk(32, rng(20))));
    a.settle(e.id, { realizedReturn: 0.03, mae: 0.001, timeToTarget: 2 });
    const portable = a.exportExperience(e.id);
    expect(b.importRemoteExperience(portable)).toEqual({ imported: true, verdictImported: true });
    expect(b.importRemoteExperience(portable)).toEqual({ imported: false, verdictImported: false });
    expect(b.getExperience(e.id).agentId).toBe('agent-test');
    expect(b.getVerdict(e.id)).toMatchObject({ origin: 'remote', quality: a.getVerdict(e.id)!.quality });
    expect(b.threshold('analog:1h').version).toBe(1);
    expect(b.exportExperience(e.id)).toEqual(portable);
    expect(b.verifyChain().ok).toBe(true);
    const tampered = { ...a.exportExperience(e.id), confidence: 0.99, id: '01890000-0000-7000-8000-000000000001' };
    expect(code(() => b.importRemoteExperience(tampered))).toBe('InvalidInput');
    const badDims = { ...portable, id: '01890000-0000-7000-8000-000000000002', pattern: { ...portable.pattern, length: 31 } };
    expect(code(() => b.importRemoteExperience(badDims))).toBe('InvalidDimensions');
    expect(b.stats().experiences).toBe(1);
  });
});

describe('read-only', () => {
  it('opens read-only without writing and refuses writes', async () => {
    const dir = tempDir();
    const keys = staticKeyProvider([generateKey()]);
    const m = await mem(dir, keys);
    m.recordExperience(experience(walk(16, rng(21))));
    m.close();
    const ro = await mem(dir, keys, { readonly: true });
    expect(ro.verifyChain().ok).toBe(true);
    expect(code(() => ro.recordExperience(experience(walk(16, rng(22)))))).toBe('Unavailable');
    expect(await codeAsync(() => openMemory({ dataDir: tempDir(), readonly: true }))).toBe('NotFound');
  });
});
