/**
 * Durability: a writer killed with SIGKILL at random points loses nothing it reported as committed and
 * leaves no partial record; the chain still verifies; a key rotation killed half way leaves everything
 * readable and a rerun finishes it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileKeyProvider, openMemory } from '..';
import { experience, raw, rng, walk } from './helpers';
import { tempDir } from './tmp';

const WRITER = path.join(__dirname, 'writer.ts');

/** Starts the writer, kills it `delayMs` after a line matching `killAfter`, returns every line it printed. */
function runAndKill(args: string[], killAfter: RegExp, delayMs: number): Promise<{ lines: string[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARPDESK_QUIET_NATIVE: '1' } });
    let out = '';
    let stderr = '';
    let armed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (!armed && killAfter.test(out)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      // Only complete lines were written before the kill (fs.writeSync of whole lines).
      resolve({ lines: out.split('\n').filter((l) => l.length > 0), signal, stderr });
    });
  });
}

function checkNoPartialRecords(dir: string): void {
  const db = raw(dir);
  const one = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(one('SELECT COUNT(*) AS n FROM experiences e LEFT JOIN patterns p ON p.id = e.id WHERE p.id IS NULL')).toBe(0);
  expect(one("SELECT COUNT(*) AS n FROM experiences e WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.kind = 'experience' AND l.record_id = e.id)")).toBe(0);
  expect(one('SELECT COUNT(*) AS n FROM experiences e WHERE NOT EXISTS (SELECT 1 FROM trajectories t WHERE t.experience_id = e.id)')).toBe(0);
  expect(one("SELECT COUNT(*) AS n FROM verdicts v WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.kind = 'verdict' AND l.record_id = v.experience_id)")).toBe(0);
  expect(one('SELECT COUNT(*) AS n FROM verdicts v WHERE NOT EXISTS (SELECT 1 FROM threshold_history h WHERE h.experience_id = v.experience_id)')).toBe(0);
  expect(one('SELECT COUNT(*) AS n FROM verdicts v LEFT JOIN outcomes o ON o.experience_id = v.experience_id WHERE o.experience_id IS NULL')).toBe(0);
  expect(one('SELECT COUNT(*) AS n FROM ledger')).toBe(one('SELECT COUNT(*) AS n FROM experiences') + one('SELECT COUNT(*) AS n FROM verdicts'));
  expect(one('SELECT COUNT(*) AS n FROM patterns')).toBe(one('SELECT COUNT(*) AS n FROM experiences') + one('SELECT COUNT(*) AS n FROM distilled'));
  db.close();
}

describe('durability under SIGKILL', () => {
  it('loses nothing committed and leaves no partial record, at random kill points', async () => {
    const dir = tempDir('warpdesk-kill-');
    const r = rng(42);
    const committed = { E: new Set<string>(), O: new Set<string>(), V: new Set<string>() };
    for (let round = 0; round < 6; round++) {
      const { lines, signal, stderr } = await runAndKill([dir, 'records', String(round + 1)], /ready\n/, 40 + Math.floor(r() * 400));
      expect(stderr).not.toMatch(/Error/); // the writer itself never failed
      expect(signal).toBe('SIGKILL');
      for (const l of lines) {
        const [kind, id] = l.split(' ') as ['E' | 'O' | 'V', string];
        if (kind in committed) committed[kind].add(id);
      }
      checkNoPartialRecords(dir);
      const m = await openMemory({ dataDir: dir, keyProvider: fileKeyProvider({ dataDir: dir }) });
      try {
        for (const id of committed.E) expect(m.getExperience(id).id).toBe(id);
        const withOutcome = new Set(
          m
            .listExperiences({ limit: 10_000 })
            .filter((e) => e.hasOutcome)
            .map((e) => e.id),
        );
        for (const id of committed.O) expect(withOutcome.has(id)).toBe(true);
        for (const id of committed.V) expect(m.getVerdict(id)).not.toBeNull();
        const chain = m.verifyChain();
        expect(chain.ok).toBe(true);
        expect(chain.links).toBeGreaterThanOrEqual(committed.E.size + committed.V.size);
        // Thresholds history is one row per verdict: the trajectory is whole.
        const verdicts = m.stats().verdicts;
        expect(m.trajectory().length).toBe(verdicts);
      } finally {
        m.close();
      }
    }
    expect(committed.E.size).toBeGreaterThan(50);
    expect(committed.V.size).toBeGreaterThan(10);
  });

  it('survives a key rotation killed half way: all readable meanwhile, a rerun finishes it', async () => {
    const dir = tempDir('warpdesk-rotkill-');
    const provider = fileKeyProvider({ dataDir: dir });
    const m = await openMemory({ dataDir: dir, keyProvider: provider });
    const r = rng(7);
    const recs = m.recordExperiences(Array.from({ length: 1500 }, () => experience(walk(32, r))));
    for (const e of recs.slice(0, 500)) m.settle(e.id, { realizedReturn: (r() - 0.5) * 0.04, mae: 0.001, timeToTarget: null });
    const oldKey = (await provider.keys())[0]!.id;
    m.close();

    const { lines, signal } = await runAndKill([dir, 'rotate'], /P \d+\n/, Math.floor(r() * 20));
    expect(signal).toBe('SIGKILL');
    expect(lines).not.toContain('done');

    // Half way: records under both keys, the provider holds both, everything reads.
    const keys = (await provider.keys()).map((k) => k.id);
    expect(keys).toContain(oldKey);
    expect(keys.length).toBe(2);
    const db = raw(dir);
    const used = (db.prepare('SELECT DISTINCT key_id FROM patterns').all() as Array<{ key_id: string }>).map((x) => x.key_id);
    db.close();
    expect(used.length).toBe(2);
    const mid = await openMemory({ dataDir: dir, keyProvider: fileKeyProvider({ dataDir: dir }) });
    expect(mid.verifyChain()).toMatchObject({ ok: true, links: 2000 });
    // Writing meanwhile uses the new key.
    const extra = mid.recordExperience(experience(walk(32, r)));
    const done = await mid.rotateKey({ batchSize: 100 });
    expect(done.resumed).toBe(true);
    expect(done.retired).toEqual([oldKey]);
    expect((await provider.keys()).map((k) => k.id)).toEqual([done.keyId]);
    expect(mid.getExperience(extra.id).id).toBe(extra.id);
    expect(mid.verifyChain()).toMatchObject({ ok: true, links: 2001 });
    mid.close();
    const db2 = raw(dir);
    for (const t of ['patterns', 'experiences', 'outcomes']) expect((db2.prepare(`SELECT DISTINCT key_id FROM ${t}`).all() as Array<{ key_id: string }>).map((x) => x.key_id)).toEqual([done.keyId]);
    expect((db2.prepare('SELECT key_id FROM keys').all() as Array<{ key_id: string }>).map((x) => x.key_id)).toEqual([done.keyId]);
    db2.close();
    checkNoPartialRecords(dir);
  });
});
