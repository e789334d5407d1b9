/**
 * Per-record signatures of shared records. The agent that shares a record signs its canonical bytes
 * (`warpdesk-swarm-record-v1:` + canonical JSON of `{id, kind, createdAt, payload}`, keys sorted, after a JSON
 * round trip so the bytes are the ones every receiver rebuilds) with its Ed25519 identity key, and the record
 * travels with `sig` (base64). Every receiver verifies it against the PeerId the record is attributed to
 * (`origin`): the coordinator when an agent's `share` arrives (origin = the connection's PeerId), each agent
 * before its sink sees a record (origin as relayed by the coordinator). Ed25519 PeerIds embed the public key,
 * so verification needs nothing but the origin.
 * Must never report a record as valid when its signature is missing or does not verify against `origin`, and
 * never throw for bad input.
 */
import type { PrivateKey, PublicKey } from '@libp2p/interface';
import { canonicalJson } from './membership';
import type { SharedRecord } from './protocol';
import { loadStack } from './stack';

const DOMAIN = 'warpdesk-swarm-record-v1:';

/** The bytes a record's signature covers (everything but `sig`). */
export function recordSigningBytes(record: SharedRecord): Uint8Array {
  const body = JSON.parse(JSON.stringify({ id: record.id, kind: record.kind, createdAt: record.createdAt, payload: record.payload })) as unknown;
  return new TextEncoder().encode(DOMAIN + canonicalJson(body));
}

/** The record with `sig` = `key`'s signature of its canonical bytes (any previous `sig` is replaced). */
export async function signRecord(key: PrivateKey, record: SharedRecord): Promise<SharedRecord & { sig: string }> {
  const { sig: _old, ...unsigned } = record;
  const sig = await key.sign(recordSigningBytes(unsigned));
  return { ...unsigned, sig: Buffer.from(sig).toString('base64') };
}

export type RecordCheck = { ok: true } | { ok: false; reason: 'unsigned' | 'bad-origin' | 'bad-signature' };

const keys = new Map<string, PublicKey | null>();

async function publicKeyOf(origin: string): Promise<PublicKey | null> {
  let pub = keys.get(origin);
  if (pub !== undefined) return pub;
  try {
    const { peerId } = await loadStack();
    pub = peerId.peerIdFromString(origin).publicKey ?? null;
  } catch {
    pub = null;
  }
  if (keys.size >= 4096) keys.clear();
  keys.set(origin, pub);
  return pub;
}

/** Whether `record.sig` is `origin`'s signature of the record. */
export async function verifyRecord(record: SharedRecord, origin: string): Promise<RecordCheck> {
  if (typeof record.sig !== 'string' || record.sig.length === 0) return { ok: false, reason: 'unsigned' };
  const pub = await publicKeyOf(origin);
  if (!pub) return { ok: false, reason: 'bad-origin' };
  try {
    return (await pub.verify(recordSigningBytes(record), Buffer.from(record.sig, 'base64'))) ? { ok: true } : { ok: false, reason: 'bad-signature' };
  } catch {
    return { ok: false, reason: 'bad-signature' };
  }
}
