/**
 * Audit receipts: signed checkpoints of a pattern memory's chain head (issue 12, attack 5; ADR 0013). A
 * receipt says "at time `at`, link `seq` of my audit chain had hash `head`", signed with the agent's Ed25519
 * identity key (kept apart from the memory key: sealed in `<data>/swarm/agent.identity` by its own secret box,
 * safeStorage in the app). Receipts live outside the workspace (a file the user keeps, peers that witness
 * them), so someone who later rewrites the memory with its key cannot make the chain contain a receipted head.
 * Ed25519 PeerIds embed the public key, so a receipt verifies with nothing but its own `signer`.
 * Must never report a receipt as valid when its signature does not verify, and never throw for bad input.
 */
import type { PrivateKey } from '@libp2p/interface';
import { canonicalJson } from './membership';
import { loadStack } from './stack';

const DOMAIN = 'warpdesk-audit-receipt-v1:';
export const RECEIPT_TYPE = 'warpdesk-audit-receipt' as const;

export interface AuditReceipt {
  type: typeof RECEIPT_TYPE;
  v: 1;
  /** The link number of the receipted head (1-based; the chain's length at the time). */
  seq: number;
  /** SHA-256 hex of that link. */
  head: string;
  /** When the checkpoint was signed (UTC epoch ms). */
  at: number;
  /** The signing agent's PeerId (embeds its Ed25519 public key). */
  signer: string;
  /** Base64 Ed25519 signature of the canonical bytes of everything above. */
  sig: string;
}

export type ReceiptCheck = { ok: true; receipt: AuditReceipt } | { ok: false; reason: 'malformed' | 'bad-signer' | 'bad-signature'; message: string };

function signingBytes(r: Omit<AuditReceipt, 'sig'>): Uint8Array {
  return new TextEncoder().encode(DOMAIN + canonicalJson({ type: r.type, v: r.v, seq: r.seq, head: r.head, at: r.at, signer: r.signer }));
}

/** Signs a checkpoint of the head `{ seq, hash }` with the agent's identity key. */
export async function signReceipt(key: PrivateKey, signer: string, head: { seq: number; hash: string }, at: number): Promise<AuditReceipt> {
  const body = { type: RECEIPT_TYPE, v: 1 as const, seq: head.seq, head: head.hash, at, signer };
  const sig = await key.sign(signingBytes(body));
  return { ...body, sig: Buffer.from(sig).toString('base64') };
}

/** Checks the shape and the signature of something that claims to be a receipt. */
export async function verifyReceipt(value: unknown): Promise<ReceiptCheck> {
  const r = value as Partial<AuditReceipt> | null;
  if (
    !r ||
    typeof r !== 'object' ||
    r.type !== RECEIPT_TYPE ||
    r.v !== 1 ||
    !Number.isSafeInteger(r.seq) ||
    (r.seq as number) < 1 ||
    typeof r.head !== 'string' ||
    !/^[0-9a-f]{64}$/.test(r.head) ||
    !Number.isSafeInteger(r.at) ||
    typeof r.signer !== 'string' ||
    typeof r.sig !== 'string'
  ) {
    return { ok: false, reason: 'malformed', message: 'This is not a Warpdesk audit receipt (type, v, seq, head, at, signer and sig are required).' };
  }
  const receipt = r as AuditReceipt;
  let pub;
  try {
    const { peerId } = await loadStack();
    pub = peerId.peerIdFromString(receipt.signer).publicKey;
  } catch {
    pub = undefined;
  }
  if (!pub) return { ok: false, reason: 'bad-signer', message: `The receipt of link ${receipt.seq} names a signer (${receipt.signer.slice(0, 60)}) that is not an Ed25519 PeerId.` };
  try {
    if (await pub.verify(signingBytes(receipt), Buffer.from(receipt.sig, 'base64'))) return { ok: true, receipt };
  } catch {
    // fall through: a signature that cannot even be checked is a bad one
  }
  return { ok: false, reason: 'bad-signature', message: `The receipt of link ${receipt.seq} is not validly signed by ${receipt.signer}: it was altered or forged.` };
}

/** Receipts from a file's text: one JSON receipt, a JSON array of them, or one per line (JSONL). */
export function parseReceipts(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const v = JSON.parse(trimmed) as unknown;
    return Array.isArray(v) ? v : [v];
  } catch {
    return trimmed
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as unknown;
        } catch {
          return null;
        }
      });
  }
}
