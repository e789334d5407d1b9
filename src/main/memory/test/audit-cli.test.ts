/** `warpdesk audit verify` and `warpdesk memory ...`: exit codes, readable and JSON output, a real process. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliArgs } from '../../../cli/testing/cli-process';
import { runCli } from '../../../cli/main';
import { openMemory } from '..';
import { experience, raw, rng, walk } from './helpers';
import { tempDir } from './tmp';

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), interactive: false });
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}

async function workspace(): Promise<{ dir: string; ids: string[] }> {
  const dir = tempDir('warpdesk-audit-');
  const m = await openMemory({ dataDir: dir });
  const r = rng(3);
  const ids = m.recordExperiences(Array.from({ length: 30 }, () => experience(walk(32, r)))).map((e) => e.id);
  for (const id of ids.slice(0, 12)) m.settle(id, { realizedReturn: (r() - 0.5) * 0.04, mae: 0.002, timeToTarget: null });
  m.close();
  return { dir, ids };
}

describe('warpdesk audit verify', () => {
  it('exits 0 on an intact chain and 1 at the first broken link, readable or JSON', async () => {
    const { dir, ids } = await workspace();
    const ok = await cli(['audit', 'verify', '--data-dir', dir]);
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toMatch(/Audit chain intact: 42 links/);
    const okJson = await cli(['audit', 'verify', '--data-dir', dir, '--json']);
    expect(JSON.parse(okJson.out)).toMatchObject({ ok: true, links: 42 });

    const db = raw(dir);
    db.prepare('UPDATE experiences SET signal = ? WHERE id = ?').run('short', ids[20]);
    db.close();
    const bad = await cli(['audit', 'verify', '--data-dir', dir]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(new RegExp(`BROKEN after \\d+ good links: The experience ${ids[20]} at link \\d+ was altered`));
    const badJson = await cli(['audit', 'verify', '--data-dir', dir, '--json']);
    expect(badJson.code).toBe(1);
    expect(JSON.parse(badJson.out)).toMatchObject({ ok: false, broken: { recordId: ids[20], reason: 'content-mismatch' } });
  });

  it('exits 2 on bad usage, 0 with "no experiences yet" when there is no memory (issue 11), 1 with one sentence when the key is wrong', async () => {
    expect((await cli(['audit'])).code).toBe(2);
    expect((await cli(['audit', 'frobnicate'])).code).toBe(2);
    const none = await cli(['audit', 'verify', '--data-dir', tempDir()]);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/^No experiences yet in .*no audit chain to verify/);
    const { dir } = await workspace();
    const wrong = await cli(['audit', 'verify', '--data-dir', dir], { WARPDESK_MEMORY_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/encrypted with key [0-9a-f]{16}, which the key provider .* does not hold/);
  });

  it('runs as a real process with the same exit codes', async () => {
    const { dir } = await workspace();
    const run = promisify(execFile);
    const good = await run(process.execPath, cliArgs('audit', 'verify', '--data-dir', dir, '--json'), { env: { ...process.env, WARPDESK_QUIET_NATIVE: '1' } });
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true });
    const db = raw(dir);
    db.prepare('DELETE FROM ledger WHERE seq = 3').run();
    db.close();
    await expect(run(process.execPath, cliArgs('audit', 'verify', '--data-dir', dir), { env: { ...process.env, WARPDESK_QUIET_NATIVE: '1' } })).rejects.toMatchObject({ code: 1 });
  });
});

describe('warpdesk memory', () => {
  it('prints stats, distills, consolidates and rotates the key', async () => {
    const { dir } = await workspace();
    const stats = await cli(['memory', 'stats', '--data-dir', dir, '--json']);
    expect(JSON.parse(stats.out)).toMatchObject({ experiences: 30, verdicts: 12, chainLength: 42 });
    const d = await cli(['memory', 'distill', '--data-dir', dir, '--ratio', '5']);
    expect(d.out).toMatch(/Distilled 30 experiences into 6 patterns \(5\.0:1\)/);
    expect((await cli(['memory', 'consolidate', '--data-dir', dir])).code).toBe(0);
    const rot = await cli(['memory', 'rotate-key', '--data-dir', dir, '--json']);
    expect(JSON.parse(rot.out)).toMatchObject({ reencrypted: 30 + 6 + 30 + 12 + 6 });
    expect((await cli(['audit', 'verify', '--data-dir', dir])).code).toBe(0);
    expect((await cli(['memory', 'nope', '--data-dir', dir])).code).toBe(2);
  });
});
