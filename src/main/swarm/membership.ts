/**
 * Signed statements of the swarm: membership records (the coordinator vouches that PeerId X may act as
 * ROLE until NOT_AFTER) and key-rotation statements (old key says "my successor is NEW"). Signatures are
 * Ed25519 over a canonical JSON encoding; verification needs only the signer's PeerId (Ed25519 PeerIds embed
 * the public key). Must never trust a field of a statement that the signature does not cover.
 */
import { z } from 'zod';
import type { PrivateKey } from '@libp2p/interface';
import { loadStack } from './stack';

export const PEER_ID_RE = /^(12D3KooW[1-9A-HJ-NP-Za-km-z]{44}|Qm[1-9A-HJ-NP-Za-km-z]{44})$/;
export const PeerIdString = z.string().regex(PEER_ID_RE, 'not a PeerId');

export const SwarmRole = z.enum(['agent', 'observer']);
export type SwarmRole = z.infer<typeof SwarmRole>;

export const MembershipBody = z
  .object({
    v: z.literal(1),
    type: z.literal('membership'),
    /** PeerId of the coordinator that issued (and signed) the record. */
    issuer: PeerIdString,
    peer: PeerIdString,
    role: SwarmRole,
    issuedAt: z.number().int(),
    notAfter: z.number().int(),
  })
  .strict();
export type MembershipBody = z.infer<typeof MembershipBody>;

export const RotationBody = z.object({ v: z.literal(1), type: z.literal('rotation'), old: PeerIdString, next: PeerIdString, at: z.number().int() }).strict();
export type RotationBody = z.infer<typeof RotationBody>;

export const Signed = <T extends z.ZodType>(body: T) => z.object({ body, sig: z.string().min(1).max(200) }).strict();
export const SignedMembership = Signed(MembershipBody);
export type SignedMembership = z.infer<typeof SignedMembership>;
export const SignedRotation = Signed(RotationBody);
export type SignedRotation = z.infer<typeof SignedRotation>;

/** Deterministic JSON: keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}

const DOMAIN = 'warpdesk-swarm-v1:';

export async function signBody<B extends { type: string }>(key: PrivateKey, body: B): Promise<{ body: B; sig: string }> {
  const bytes = new TextEncoder().encode(DOMAIN + canonicalJson(body));
  const sig = await key.sign(bytes);
  return { body, sig: Buffer.from(sig).toString('base64') };
}

/** True when `sig` is `signer`'s signature of `body`. Never throws for bad input. */
export async function verifyBody(signer: string, body: unknown, sig: string): Promise<boolean> {
  try {
    const { peerId } = await loadStack();
    const pid = peerId.peerIdFromString(signer);
    const pub = pid.publicKey;
    if (!pub) return false;
    const bytes = new TextEncoder().encode(DOMAIN + canonicalJson(body));
    return await pub.verify(bytes, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}

export async function issueMembership(coordinatorKey: PrivateKey, issuer: string, peer: string, role: SwarmRole, notAfter: number, now = Date.now()): Promise<SignedMembership> {
  return signBody(coordinatorKey, { v: 1, type: 'membership', issuer, peer, role, issuedAt: now, notAfter } as MembershipBody);
}

export type MembershipCheck = { ok: true; body: MembershipBody } | { ok: false; reason: 'malformed' | 'bad-signature' | 'wrong-issuer' | 'wrong-peer' | 'expired' };

export async function checkMembership(record: unknown, expectIssuer: string, expectPeer: string, now = Date.now()): Promise<MembershipCheck> {
  const parsed = SignedMembership.safeParse(record);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const { body, sig } = parsed.data;
  if (body.issuer !== expectIssuer) return { ok: false, reason: 'wrong-issuer' };
  if (body.peer !== expectPeer) return { ok: false, reason: 'wrong-peer' };
  if (!(await verifyBody(body.issuer, body, sig))) return { ok: false, reason: 'bad-signature' };
  if (body.notAfter <= now) return { ok: false, reason: 'expired' };
  return { ok: true, body };
}

export async function signRotation(oldKey: PrivateKey, old: string, next: string, at = Date.now()): Promise<SignedRotation> {
  return signBody(oldKey, { v: 1, type: 'rotation', old, next, at } as RotationBody);
}

export async function checkRotation(statement: unknown, expectOld: string): Promise<RotationBody | null> {
  const parsed = SignedRotation.safeParse(statement);
  if (!parsed.success || parsed.data.body.old !== expectOld) return null;
  return (await verifyBody(expectOld, parsed.data.body, parsed.data.sig)) ? parsed.data.body : null;
}
