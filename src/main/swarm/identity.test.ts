import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSecretBox, identityFile, loadOrCreateIdentity } from './identity';
import { canonicalJson, checkMembership, checkRotation, issueMembership, signRotation } from './membership';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-id-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('node identity', () => {
  it('is generated once, stored 0600 and encrypted, and reloads to the same PeerId', async () => {
    const dir = path.join(tmp, 'a');
    const first = await loadOrCreateIdentity(dir, 'agent');
    expect(first.created).toBe(true);
    const file = identityFile(dir, 'agent');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'swarm', 'identity.key')).mode & 0o777).toBe(0o600);
    const raw = fs.readFileSync(file);
    const pk = Buffer.from(first.privateKey.raw);
    expect(raw.includes(pk.subarray(0, 16))).toBe(false);
    expect(raw.includes(Buffer.from(pk.subarray(0, 16)).toString('base64').slice(0, 16))).toBe(false);
    const again = await loadOrCreateIdentity(dir, 'agent');
    expect(again.created).toBe(false);
    expect(again.peerId.toString()).toBe(first.peerId.toString());
    expect(first.peerId.toString()).toMatch(/^12D3KooW/);
  });

  it('refuses to open with another key, and works with WARPDESK_SWARM_KEY', async () => {
    const dir = path.join(tmp, 'b');
    const env = { WARPDESK_SWARM_KEY: 'correct horse battery staple' };
    const id = await loadOrCreateIdentity(dir, 'coordinator', fileSecretBox(dir, env));
    const same = await loadOrCreateIdentity(dir, 'coordinator', fileSecretBox(dir, env));
    expect(same.peerId.toString()).toBe(id.peerId.toString());
    await expect(loadOrCreateIdentity(dir, 'coordinator', fileSecretBox(dir, { WARPDESK_SWARM_KEY: 'wrong' }))).rejects.toMatchObject({ code: 'WrongKey' });
  });

  it('refuses a key file readable by others', async () => {
    const dir = path.join(tmp, 'c');
    await loadOrCreateIdentity(dir, 'agent');
    fs.chmodSync(path.join(dir, 'swarm', 'identity.key'), 0o644);
    expect(() => fileSecretBox(dir, {})).toThrow(/readable by other users/);
  });
});

describe('membership records and rotation statements', () => {
  it('verify when intact and fail when tampered, expired, or issued by someone else', async () => {
    const coord = await loadOrCreateIdentity(path.join(tmp, 'm1'), 'coordinator');
    const agent = await loadOrCreateIdentity(path.join(tmp, 'm2'), 'agent');
    const c = coord.peerId.toString();
    const a = agent.peerId.toString();
    const rec = await issueMembership(coord.privateKey, c, a, 'agent', Date.now() + 60_000);
    expect(await checkMembership(rec, c, a)).toMatchObject({ ok: true });
    expect(await checkMembership({ ...rec, body: { ...rec.body, notAfter: rec.body.notAfter + 1 } }, c, a)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(await checkMembership(rec, a, a)).toEqual({ ok: false, reason: 'wrong-issuer' });
    expect(await checkMembership(rec, c, c)).toEqual({ ok: false, reason: 'wrong-peer' });
    expect(await checkMembership(rec, c, a, rec.body.notAfter + 1)).toEqual({ ok: false, reason: 'expired' });
    // A record signed by the agent itself, claiming the coordinator as issuer, does not verify.
    const forged = await issueMembership(agent.privateKey, c, a, 'agent', Date.now() + 60_000);
    expect(await checkMembership(forged, c, a)).toEqual({ ok: false, reason: 'bad-signature' });

    const next = await loadOrCreateIdentity(path.join(tmp, 'm3'), 'agent');
    const st = await signRotation(agent.privateKey, a, next.peerId.toString());
    expect(await checkRotation(st, a)).toMatchObject({ next: next.peerId.toString() });
    const forgedRotation = await signRotation(next.privateKey, a, next.peerId.toString());
    expect(await checkRotation(forgedRotation, a)).toBeNull();
  });

  it('canonical JSON is key-order independent', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } })).toBe(canonicalJson({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });
});
