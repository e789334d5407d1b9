// Issue 12, attack 5: someone holding the workspace files (database and the memory key beside it) edits a
// verdict and recomputes the chain; `audit verify` alone says "intact". Signed receipts of the chain head,
// kept outside the workspace, catch that rewrite and the deletion of the newest records (ADR 0013).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main';
import { openMemory, KEY_FILE, MEMORY_FILE, type PortableExperience } from '..';
import { contentHash, verdictContent } from '../chain';
import { experience, raw, rng, walk } from './helpers';
import { tempDir } from './tmp';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), interactive: false });
  return { code, out, err };
}

async function workspace(): Promise<{ dir: string; ids: string[] }> {
  const dir = tempDir('warpdesk-receipts-');
  const m = await openMemory({ dataDir: dir });
  const r = rng(11);
  const ids = m.recordExperiences(Array.from({ length: 12 }, () => experience(walk(32, r)))).map((e) => e.id);
  for (const id of ids.slice(0, 6)) m.settle(id, { realizedReturn: 0.01 + r() * 0.02, mae: 0.002, timeToTarget: null });
  m.close();
  return { dir, ids };
}

/**
 * The attack, with nothing but the workspace files and Warpdesk's own code: export every record, change one
 * verdict (and its content hash), import everything into a fresh memory under the same key file, mark the
 * copies local again (origin is not hashed) and put the new database in place of the old one.
 */
async function rewriteVerdict(dir: string, ids: string[], victim: string): Promise<void> {
  const original = await openMemory({ dataDir: dir, readonly: true });
  const records: PortableExperience[] = ids.map((id) => original.exportExperience(id));
  original.close();
  const forged = tempDir('warpdesk-forged-');
  fs.copyFileSync(path.join(dir, KEY_FILE), path.join(forged, KEY_FILE));
  const m = await openMemory({ dataDir: forged });
  for (const rec of records) {
    if (rec.id === victim && rec.verdict) {
      const { contentHash: _old, ...v } = rec.verdict;
      const edited = { ...v, outcome: { ...v.outcome, realizedReturn: -0.05 }, success: false, profitability: 0, quality: 0.05 };
      rec.verdict = { ...edited, contentHash: contentHash(verdictContent({ ...edited, experienceId: rec.id })) };
    }
    m.importRemoteExperience(rec);
  }
  m.close();
  const db = raw(forged);
  db.prepare("UPDATE experiences SET origin = 'local'").run();
  db.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(dir, MEMORY_FILE + suffix), { force: true });
  fs.copyFileSync(path.join(forged, MEMORY_FILE), path.join(dir, MEMORY_FILE));
}

describe('audit receipts (signed checkpoints of the chain head)', () => {
  it('catches a rewrite by someone holding the memory key, which verify alone calls intact', async () => {
    const { dir, ids } = await workspace();
    const receipts = tempDir('warpdesk-receipts-kept-');
    const cp = await cli(['audit', 'checkpoint', '--data-dir', dir, '--out', receipts, '--json']);
    expect(cp).toMatchObject({ code: 0, err: '' });
    const receipt = JSON.parse(cp.out) as { seq: number; head: string; signer: string; file: string };
    expect(receipt.seq).toBe(18);
    expect(fs.existsSync(receipt.file)).toBe(true);
    // The receipt is signed with the agent identity (sealed in swarm/), not with the memory key.
    expect(fs.existsSync(path.join(dir, 'swarm', 'agent.identity'))).toBe(true);
    expect((await cli(['audit', 'verify', '--data-dir', dir, '--receipts', receipts])).out).toMatch(/intact: 18 links.*all 1 receipted heads/);

    const victim = ids[2]!;
    const before = await openMemory({ dataDir: dir, readonly: true });
    expect(before.getVerdict(victim)?.success).toBe(true);
    before.close();
    await rewriteVerdict(dir, ids, victim);

    // The attack as reported: the verdict is changed and the chain alone verifies.
    const after = await openMemory({ dataDir: dir, readonly: true });
    expect(after.getVerdict(victim)?.success).toBe(false);
    after.close();
    const alone = await cli(['audit', 'verify', '--data-dir', dir]);
    expect(alone.code).toBe(0);
    expect(alone.out).toMatch(/Audit chain intact: 18 links/);

    // With the receipt kept outside the workspace, it is caught.
    const caught = await cli(['audit', 'verify', '--data-dir', dir, '--receipts', receipts]);
    expect(caught.code).toBe(1);
    expect(caught.out).toMatch(new RegExp(`BROKEN .*Link 18 is not the head receipted signed by ${receipt.signer}.*rewritten after that receipt`));
    const json = await cli(['audit', 'verify', '--data-dir', dir, '--receipts', receipt.file, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, broken: { seq: 18, kind: 'receipt', reason: 'receipt-mismatch' }, receipts: { checked: 1, matched: 0 } });
    // A fresh checkpoint refuses nothing here (the forged chain is self-consistent) but cannot hide the old receipt.
    expect((await cli(['audit', 'checkpoint', '--data-dir', dir, '--out', receipts])).code).toBe(0);
    expect((await cli(['audit', 'verify', '--data-dir', dir, '--receipts', receipts])).code).toBe(1);
  });

  it('catches the deletion of the newest records, and refuses an altered receipt', async () => {
    const { dir, ids } = await workspace();
    const file = path.join(tempDir('warpdesk-receipts-kept-'), 'head.json');
    expect((await cli(['audit', 'checkpoint', '--data-dir', dir, '--out', file])).out).toMatch(/Signed the head of link 18/);

    // Delete the newest link and its verdict: the shorter chain is still a valid chain.
    const db = raw(dir);
    const last = db.prepare('SELECT seq, record_id FROM ledger ORDER BY seq DESC LIMIT 1').get() as { seq: number; record_id: string };
    expect(last.record_id).toBe(ids[5]);
    db.prepare('DELETE FROM verdicts WHERE experience_id = ?').run(last.record_id);
    db.prepare('DELETE FROM outcomes WHERE experience_id = ?').run(last.record_id);
    db.prepare('DELETE FROM ledger WHERE seq = ?').run(last.seq);
    db.close();
    expect((await cli(['audit', 'verify', '--data-dir', dir])).code).toBe(0);
    const caught = await cli(['audit', 'verify', '--data-dir', dir, '--receipts', file]);
    expect(caught.code).toBe(1);
    expect(caught.out).toMatch(/names link 18, but the chain ends at link 17: its newest records were deleted/);

    // A receipt edited to match the rewritten chain no longer verifies.
    const edited = JSON.parse(fs.readFileSync(file, 'utf8')) as { seq: number };
    fs.writeFileSync(file, JSON.stringify({ ...edited, seq: 17 }));
    const bad = await cli(['audit', 'verify', '--data-dir', dir, '--receipts', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/is not validly signed by .*altered or forged/);
  });

  it('does not sign a broken chain; bad usage exits 2', async () => {
    const { dir, ids } = await workspace();
    const db = raw(dir);
    db.prepare('UPDATE experiences SET signal = ? WHERE id = ?').run('short', ids[1]);
    db.close();
    const r = await cli(['audit', 'checkpoint', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Not signing: the audit chain is BROKEN/);
    expect((await cli(['audit', 'checkpoint', '--data-dir', dir, '--receipts', 'x'])).code).toBe(2);
    expect((await cli(['audit', 'verify', '--data-dir', dir, '--out', 'x'])).code).toBe(2);
    expect((await cli(['audit', 'verify', '--data-dir', dir, '--receipts', path.join(dir, 'nope')])).err).toMatch(/There are no receipts at/);
  });
});
