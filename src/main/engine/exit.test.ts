// Issue 12, attack 10c: process.exit() while a native job runs must not wait for the job. The child starts an
// LCSS matrix of hours of work and exits at its first progress; without cancellation on exit it would hang
// (the addon joins its worker threads: about a minute here), so this test would hit its 20 s timeout.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNativeBinding } from '.';

describe.skipIf(!loadNativeBinding().binding)('native jobs on process exit', () => {
  it('are cancelled, so the process exits instead of waiting for them', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'testing', 'exit-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(out).toContain('started');
    expect(code).toBe(0);
  }, 20_000);
});
