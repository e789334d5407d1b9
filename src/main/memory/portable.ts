/**
 * The swarm exchange of experiences: the portable form of a stored experience (with its verdict and content
 * hashes) and its import on another agent, deduplicated by id, checked against its content hashes and
 * chained and judged like a local record.
 * Must never: import a record whose content does not match its hash, or a verdict judged from another
 * outcome than the one recorded here; nor write outside the one transaction of an import.
 */
import { WarpdeskError } from '../../shared/errors';
import { learningMetrics } from '../metrics';
import { contentHash, experienceContent, verdictContent } from './chain';
import { isRecordId } from './ids';
import { checkOutcome, type OutcomeInput } from './judge';
import type { Sealed } from './keys';
import { encodePattern } from './pattern-codec';
import { verdictFromRow, type ExperienceRow, type VerdictRow } from './rows';
import type { Origin, PortableExperience, PortableVerdict, Verdict } from './types';
import { checkContext, checkFinite, checkInteger, checkMatch, checkSignal, checkText, checkUnit } from './validate';
import { contentOf, type ContentHost } from './verify-chain';

/** What exporting and importing experiences needs of the store. */
export interface PortableHost extends ContentHost {
  /** Throws when the memory is closed. */
  open(): void;
  /** Throws when the memory is closed or read-only. */
  writable(): void;
  /** The experience row of an id, or NotFound. */
  experienceRow(id: unknown): ExperienceRow;
  /** Runs fn in one write transaction (a savepoint inside a batch). */
  write<T>(fn: () => T): T;
  seal(table: string, id: string, plaintext: Buffer): Sealed;
  now(): number;
  appendLink(kind: 'experience' | 'verdict', recordId: string, canonical: string): { seq: number; hash: string };
  insertOutcome(id: string, o: OutcomeInput, recordedAt: number): void;
  judgeRow(row: ExperienceRow, origin: Origin, given?: PortableVerdict, known?: OutcomeInput): Verdict;
  /** Queues a metric update published when the transaction commits. */
  queueMetric(update: () => void): void;
  /** Marks the in-memory indexes stale and notes a committed write. */
  touch(): void;
}

/** An experience (and its verdict, when judged) in the portable form other agents import. */
export function exportExperience(host: PortableHost, id: string): PortableExperience {
  host.open();
  const row = host.experienceRow(id);
  const base = contentOf(host, row);
  const out: PortableExperience = { ...base, contentHash: contentHash(experienceContent(base)) };
  const v = host.st.verdict.get(row.id) as VerdictRow | undefined;
  if (v) {
    const verdict = { ...verdictFromRow(v), outcome: host.readOutcome(row.id)! };
    const { experienceId: _e, origin: _o, ...rest } = verdict;
    out.verdict = { ...rest, contentHash: contentHash(verdictContent(verdict)) };
  }
  return out;
}

/**
 * Imports an experience another agent recorded (swarm gossip). Deduplicated by id: returns false when it
 * is already here (a verdict it carries is still added if ours has none). The content hash is checked;
 * an imported verdict updates the thresholds like a local one.
 */
export function importRemoteExperience(host: PortableHost, input: PortableExperience): { imported: boolean; verdictImported: boolean } {
  host.writable();
  const e = checkPortable(input);
  const canonical = experienceContent(e);
  if (contentHash(canonical) !== e.contentHash) throw new WarpdeskError('InvalidInput', `The experience ${e.id} does not match its content hash: it was altered in transit.`, { id: e.id });
  let verdictCanonical: string | undefined;
  if (e.verdict) {
    verdictCanonical = verdictContent({ ...e.verdict, experienceId: e.id });
    if (contentHash(verdictCanonical) !== e.verdict.contentHash) throw new WarpdeskError('InvalidInput', `The verdict of experience ${e.id} does not match its content hash: it was altered in transit.`, { id: e.id });
  }
  let imported = false;
  let verdictImported = false;
  host.write(() => {
    if (!host.st.experience.get(e.id)) {
      const codes = Buffer.from(e.pattern.codes, 'base64');
      const sp = host.seal('patterns', e.id, encodePattern({ ...e.pattern, codes }));
      host.st.insertPattern.run(e.id, e.pattern.length, sp.keyId, sp.nonce, sp.data);
      const se = host.seal('experiences', e.id, Buffer.from(JSON.stringify(e.payload), 'utf8'));
      host.st.insertExperience.run(e.id, e.agentId, 'remote', e.patternType, e.dataset, e.timeframe, e.signal, e.confidence, e.similarity, e.horizon, e.at, host.now(), se.keyId, se.nonce, se.data);
      host.appendLink('experience', e.id, canonical);
      host.st.insertTrajectory.run(e.patternType, e.patternType, e.id);
      host.queueMetric(() => learningMetrics.experiencesTotal.inc({ origin: 'remote' }));
      imported = true;
    }
    if (e.verdict && !host.st.verdict.get(e.id)) {
      if (!host.st.outcome.get(e.id)) host.insertOutcome(e.id, e.verdict.outcome, host.now());
      else {
        const ours = host.readOutcome(e.id)!;
        if (ours.realizedReturn !== e.verdict.outcome.realizedReturn || ours.mae !== e.verdict.outcome.mae || ours.timeToTarget !== e.verdict.outcome.timeToTarget)
          throw new WarpdeskError('Conflict', `The imported verdict of ${e.id} was judged from another outcome than the one recorded here.`, { id: e.id });
      }
      host.judgeRow(host.st.experience.get(e.id) as ExperienceRow, 'remote', e.verdict);
      verdictImported = true;
    }
  });
  if (imported || verdictImported) host.touch();
  return { imported, verdictImported };
}

export function checkPortable(input: unknown): PortableExperience {
  if (!input || typeof input !== 'object') throw new WarpdeskError('InvalidInput', 'The imported experience must be an object.');
  const e = input as PortableExperience;
  if (!isRecordId(e.id)) throw new WarpdeskError('InvalidInput', 'The imported experience needs a UUID id.', { field: 'id' });
  const p = e.pattern;
  if (!p || typeof p !== 'object') throw new WarpdeskError('InvalidInput', 'The imported experience needs its quantized pattern.', { field: 'pattern' });
  const length = checkInteger(p.length, 'pattern length', 2, 65_536);
  if (typeof p.codes !== 'string') throw new WarpdeskError('InvalidInput', 'The pattern codes must be base64 text.', { field: 'pattern.codes' });
  const codes = Buffer.from(p.codes, 'base64');
  if (codes.length !== length) throw new WarpdeskError('InvalidDimensions', `The pattern has ${codes.length} codes, not the ${length} it declares.`, { field: 'pattern.codes' });
  const scale = checkFinite(p.scale, 'pattern scale');
  if (scale < 0) throw new WarpdeskError('InvalidInput', 'The pattern scale must be 0 or more.', { field: 'pattern.scale' });
  const payload = e.payload;
  if (!payload || typeof payload !== 'object' || !Array.isArray(payload.matches)) throw new WarpdeskError('InvalidInput', 'The imported experience needs its matches.', { field: 'payload' });
  const out: PortableExperience = {
    id: e.id,
    agentId: checkText(e.agentId, 'agent id'),
    patternType: checkText(e.patternType, 'pattern type'),
    dataset: checkText(e.dataset, 'data set'),
    timeframe: checkText(e.timeframe, 'timeframe'),
    signal: checkSignal(e.signal),
    confidence: checkUnit(e.confidence, 'confidence'),
    similarity: checkUnit(e.similarity, 'similarity'),
    horizon: checkInteger(e.horizon, 'horizon', 1, 1_000_000),
    at: checkInteger(e.at, 'time (at)', 0, 8.64e15),
    pattern: { length, scale, offset: checkFinite(p.offset, 'pattern offset'), codes: p.codes },
    payload: { matches: payload.matches.map(checkMatch), context: checkContext(payload.context) },
    contentHash: checkText(e.contentHash, 'content hash'),
  };
  if (e.verdict !== undefined) {
    const v = e.verdict;
    if (!v || typeof v !== 'object') throw new WarpdeskError('InvalidInput', 'The imported verdict must be an object.', { field: 'verdict' });
    out.verdict = {
      outcome: checkOutcome(v.outcome),
      profitability: checkUnit(v.profitability, 'profitability'),
      risk: checkUnit(v.risk, 'risk'),
      timing: checkUnit(v.timing, 'timing'),
      consistency: checkUnit(v.consistency, 'consistency'),
      quality: checkUnit(v.quality, 'quality'),
      success:
        typeof v.success === 'boolean'
          ? v.success
          : (() => {
              throw new WarpdeskError('InvalidInput', 'The verdict success must be true or false.');
            })(),
      judgedAt: checkInteger(v.judgedAt, 'judged at', 0, 8.64e15),
      contentHash: checkText(v.contentHash, 'verdict content hash'),
    };
  }
  return out;
}
