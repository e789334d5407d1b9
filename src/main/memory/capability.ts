/**
 * The pattern memory's capability for the app host: ranks a query's past experiences and serves the Learning
 * view (experiences with verdicts, trajectories, stats, the audit chain). Recording and judging happen in the
 * learning loop (src/main/strategy), which uses this memory. The memory is opened on first use with the given
 * KeyProvider (the Electron entry passes one backed by safeStorage; headless, the default env var or key file).
 * Must never: import Electron.
 */
import { WarpdeskError } from '../../shared/errors';
import type { Bars, Timeframe } from '../../shared/market';
import type { DataStore } from '../data';
import type { Capability } from '../platform/capability';
import { openMemory, rankedSummaries as ranked, thresholdSummary, type KeyProvider, type Memory } from '.';

export interface MemoryCapabilityOptions {
  dataDir: string;
  data: DataStore;
  keyProvider?: KeyProvider;
  agentId?: string;
}

/** The capability plus lazy access to the opened memory (for other capabilities, e.g. the swarm's sink). */
export function memoryCapability(options: MemoryCapabilityOptions): Capability & { memory(): Promise<Memory> } {
  let opening: Promise<Memory> | undefined;
  const memory = (): Promise<Memory> => {
    opening ??= openMemory({ dataDir: options.dataDir, keyProvider: options.keyProvider, agentId: options.agentId }).catch((err: unknown) => {
      opening = undefined; // let a later call retry (e.g. after the key is fixed)
      throw err;
    });
    return opening;
  };
  const query = (req: { datasetId: number; timeframe: Timeframe; queryStart: number; queryEnd: number }): { bars: Bars; values: Float64Array } => {
    const bars = options.data.bars(req.datasetId, req.timeframe);
    if (req.queryEnd >= bars.time.length) throw new WarpdeskError('InvalidDimensions', `The query ends at bar ${req.queryEnd}, but the data set has ${bars.time.length} bars at ${req.timeframe}.`);
    return { bars, values: bars.close.slice(req.queryStart, req.queryEnd + 1) };
  };
  return {
    name: 'memory',
    memory,
    handlers: {
      'memory:retrieve': async (req) => {
        const m = await memory();
        const { values } = query(req);
        const r = m.retrieve({ query: values, k: req.k, windowRatio: req.windowRatio, lambda: req.lambda, patternType: req.patternType });
        return { items: ranked(r.items), elapsedMs: r.stats.elapsedMs, exactDtw: r.stats.dtwComputed, rows: r.stats.rows };
      },
      'memory:experiences': async (req) => ({ items: (await memory()).listExperiences({ patternType: req.patternType, limit: req.limit, before: req.before }) }),
      'memory:trajectory': async (req) => {
        const m = await memory();
        const types = req.patternType ? [req.patternType] : m.stats().patternTypes;
        return {
          series: types.map((t) => ({
            threshold: thresholdSummary(m.threshold(t)),
            points: m.trajectory(t, { limit: req.limit }).map(({ patternType: _p, ...p }) => p),
          })),
        };
      },
      'memory:stats': async (req) => {
        const m = await memory();
        const s = m.stats();
        const chain = req.verify ? m.verifyChain() : null;
        return {
          experiences: s.experiences,
          verdicts: s.verdicts,
          distilled: s.distilled,
          patternTypes: s.patternTypes,
          chainLength: s.chainLength,
          chain: chain ? { ok: chain.ok, links: chain.links, message: chain.broken?.message ?? null } : null,
        };
      },
    },
    async close() {
      const m = await opening?.catch(() => undefined);
      m?.close();
    },
  };
}
