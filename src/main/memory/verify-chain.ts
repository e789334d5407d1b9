/**
 * The audit chain check: recomputes every link of the ledger from the records as stored now (decrypting them)
 * and reports the first broken one, and what a link hashes for an experience or a verdict.
 * Must never: write anything (it reads inside one deferred transaction) or stop at a record it cannot read
 * without reporting it as a broken link.
 */
import { performance } from 'node:perf_hooks';
import { learningMetrics } from '../metrics';
import { GENESIS_HASH, linkHash } from './canonical';
import { experienceContent, verdictContent, type ExperienceContentInput } from './chain';
import type { OutcomeInput } from './judge';
import type { DecodedPattern } from './pattern-codec';
import { fieldsOf, verdictFromRow, type ExperienceRow, type VerdictRow } from './rows';
import type { Db } from './schema';
import type { Statements } from './statements';
import type { ChainCheckpoint, ChainReport, ContextValue, MatchInput } from './types';

/** What reading a chained record's content needs of the store. */
export interface ContentHost {
  readonly st: Statements;
  readPattern(id: string): DecodedPattern;
  readPayload(row: ExperienceRow): { matches: MatchInput[]; context: Record<string, ContextValue> };
  readOutcome(experienceId: string): OutcomeInput | undefined;
}

/** What verifying the chain needs of the store. */
export interface ChainHost extends ContentHost {
  readonly db: Db;
  readonly file: string;
  /** Throws when the memory is closed. */
  open(): void;
}

/**
 * Recomputes the whole chain from the records (decrypting them) and reports the first broken link: a
 * record edited, deleted or reordered behind the app's back, or a record that was never chained.
 */
export function verifyChain(host: ChainHost, options: { receipts?: readonly ChainCheckpoint[] } = {}): ChainReport {
  host.open();
  const t0 = performance.now();
  let prev = GENESIS_HASH;
  let expected = 1;
  let links = 0;
  let head: ChainReport['head'] = null;
  // Receipts (signed checkpoints kept outside the workspace) by link number; several may name one link.
  const receipted = new Map<number, ChainCheckpoint[]>();
  for (const r of options.receipts ?? []) receipted.set(r.seq, [...(receipted.get(r.seq) ?? []), r]);
  let matched = 0;
  const done = (broken?: ChainReport['broken']): ChainReport => ({
    ok: !broken,
    links,
    head,
    ...(broken ? { broken } : {}),
    ...(options.receipts ? { receipts: { checked: options.receipts.length, matched } } : {}),
    elapsedMs: performance.now() - t0,
  });
  const by = (r: ChainCheckpoint): string => (r.signer ? ` signed by ${r.signer}` : '') + (r.at !== undefined ? ` at ${new Date(r.at).toISOString()}` : '');
  const result = host.db
    .transaction((): ChainReport => {
      for (const l of host.st.ledgerAll.iterate() as IterableIterator<{ seq: number; kind: 'experience' | 'verdict'; record_id: string; prev_hash: string; hash: string }>) {
        const at = { seq: l.seq, kind: l.kind, recordId: l.record_id };
        if (l.seq !== expected) return done({ ...at, reason: 'gap', message: `Link ${expected} of the audit chain is missing (the next one is ${l.seq}): a record was deleted.` });
        if (l.prev_hash !== prev) return done({ ...at, reason: 'prev-mismatch', message: `Link ${l.seq} does not follow link ${l.seq - 1}: the chain was reordered or a link was altered.` });
        let canonical: string | null;
        try {
          canonical = canonicalOf(host, l.kind, l.record_id);
        } catch (err) {
          return done({ ...at, reason: 'undecryptable', message: `Link ${l.seq} (${l.kind} ${l.record_id}) cannot be read: ${(err as Error).message}` });
        }
        if (canonical === null) return done({ ...at, reason: 'missing-record', message: `Link ${l.seq} points to ${l.kind} ${l.record_id}, which is gone: it was deleted.` });
        const h = linkHash(prev, canonical);
        if (h !== l.hash) return done({ ...at, reason: 'content-mismatch', message: `The ${l.kind} ${l.record_id} at link ${l.seq} was altered after it was recorded (or the links were reordered).` });
        prev = h;
        expected++;
        links++;
        head = { seq: l.seq, hash: h };
        for (const r of receipted.get(l.seq) ?? []) {
          if (r.head !== h)
            return done({
              seq: l.seq,
              kind: 'receipt',
              recordId: r.head,
              reason: 'receipt-mismatch',
              message: `Link ${l.seq} is not the head receipted${by(r)} (${r.head.slice(0, 16)}…, now ${h.slice(0, 16)}…): the chain was rewritten after that receipt.`,
            });
          matched++;
        }
      }
      const beyond = [...receipted.keys()].filter((seq) => seq > links).sort((a, b) => a - b)[0];
      if (beyond !== undefined) {
        const r = receipted.get(beyond)![0]!;
        return done({
          seq: beyond,
          kind: 'receipt',
          recordId: r.head,
          reason: 'receipt-beyond-head',
          message: `A receipt${by(r)} names link ${beyond}, but the chain ends at link ${links}: its newest records were deleted.`,
        });
      }
      const orphan = host.st.unchained.get() as { kind: 'experience' | 'verdict'; id: string } | undefined;
      if (orphan)
        return done({ seq: null, kind: orphan.kind, recordId: orphan.id, reason: 'unchained-record', message: `The ${orphan.kind} ${orphan.id} is not in the audit chain: it was inserted behind Warpdesk's back.` });
      return done();
    })
    .deferred();
  if (host.file !== ':memory:') learningMetrics.auditVerificationsTotal.inc({ result: result.ok ? 'ok' : 'broken' });
  return result;
}

/** What the chain hashes for a stored experience (decrypted): also its portable form without hashes. */
export function contentOf(host: ContentHost, row: ExperienceRow): ExperienceContentInput {
  const p = host.readPattern(row.id);
  // The chain covers every field but `origin` (local vs remote is where a copy lives, not its content).
  const { origin: _origin, ...fields } = fieldsOf(row);
  return {
    ...fields,
    pattern: { length: p.length, scale: p.scale, offset: p.offset, codes: Buffer.from(p.codes).toString('base64') },
    payload: host.readPayload(row),
  };
}

/** Canonical content of a chained record as stored now, or null when the record is gone. */
export function canonicalOf(host: ContentHost, kind: 'experience' | 'verdict', id: string): string | null {
  const row = host.st.experience.get(id) as ExperienceRow | undefined;
  if (!row) return null;
  if (kind === 'experience') return experienceContent(contentOf(host, row));
  const v = host.st.verdict.get(id) as VerdictRow | undefined;
  const outcome = v ? host.readOutcome(id) : undefined;
  if (!v || !outcome) return null;
  return verdictContent({ ...verdictFromRow(v), outcome });
}
