/**
 * The swarm's SQLite state (real files, WAL): gate decisions, one-time tokens, dedup of shared records,
 * the agent outbox and its contiguous catch-up cursor, and the change log another process writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentStore, CoordinatorStore } from './store';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-swarm-store-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const P1 = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const P2 = '12D3KooWHqmcM4TQfeYu2rM51jq5w62Uq8C9gsB6VUEUU1NwaMq9';
const rec = (id: string) => ({ id, kind: 'experience' as const, createdAt: 1, payload: { id } });

describe('coordinator store', () => {
  it('gates by allowlist, revocation, expiry and the enrollment window', () => {
    const s = new CoordinatorStore(path.join(tmp, 'c1.db'));
    const now = 1_000_000;
    expect(s.gate(P1, now)).toEqual({ allow: false, reason: 'not-allowed' });
    const token = s.createToken(1000, now);
    expect(s.gate(P1, now)).toEqual({ allow: true, enrolled: false });
    expect(s.gate(P1, now + 1000)).toEqual({ allow: false, reason: 'not-allowed' }); // token expired
    expect(s.redeemToken(token, P1, 'agent', now + 5000, now)).toBe(true);
    expect(s.redeemToken(token, P2, 'agent', now + 5000, now)).toBe(false); // one use
    expect(s.gate(P1, now)).toEqual({ allow: true, enrolled: true });
    expect(s.gate(P1, now + 5000)).toEqual({ allow: false, reason: 'expired' });
    s.extendMembership(P1, now + 10_000, now);
    expect(s.gate(P1, now + 5000)).toEqual({ allow: true, enrolled: true });
    s.revoke(P1, now);
    expect(s.gate(P1, now)).toEqual({ allow: false, reason: 'revoked' });
    expect(s.redeemToken(s.createToken(1000, now), P1, 'agent', now + 5000, now)).toBe(false); // a revoked peer cannot re-enroll
    s.allow(P1, 'agent', now + 5000, null, now);
    expect(s.gate(P1, now)).toEqual({ allow: true, enrolled: true });
    expect(s.changesAfter(0).map((c) => c.kind)).toEqual(['allow', 'revoke', 'allow']);
    expect(fs.readFileSync(path.join(tmp, 'c1.db')).includes(Buffer.from(token))).toBe(false);
    s.close();
  });

  it('stores each shared record once, in sequence', () => {
    const s = new CoordinatorStore(path.join(tmp, 'c2.db'));
    expect(s.putShared(P1, rec('a'))).toEqual({ seq: 1, inserted: true });
    expect(s.putShared(P2, rec('a'))).toEqual({ seq: 1, inserted: false });
    expect(s.putShared(P1, rec('b'))).toEqual({ seq: 2, inserted: true });
    expect(s.sharedAfter(0, 10).map((r) => [r.seq, r.origin, r.record.id])).toEqual([
      [1, P1, 'a'],
      [2, P1, 'b'],
    ]);
    expect(s.maxSeq()).toBe(2);
    s.close();
  });
});

describe('agent store', () => {
  it('keeps the outbox until acked, dedups received ids, and keeps a durable cursor', () => {
    const file = path.join(tmp, 'a.db');
    let s = new AgentStore(file);
    expect(s.enqueue(rec('x'))).toBe(true);
    expect(s.enqueue(rec('x'))).toBe(false);
    expect(s.enqueue(rec('y'))).toBe(true);
    s.close();
    s = new AgentStore(file); // survives a restart
    expect(s.pending(10).map((r) => r.id)).toEqual(['x', 'y']);
    s.acked(['x']);
    expect(s.pendingCount()).toBe(1);
    expect(s.markReceived('r1', 1, P1, rec('r1'), 'gossip')).toBe(true);
    expect(s.markReceived('r1', 1, P1, rec('r1'), 'catch-up')).toBe(false);
    s.advanceCursor(5);
    s.advanceCursor(3);
    expect(s.cursor()).toBe(5);
    s.close();
  });
});
