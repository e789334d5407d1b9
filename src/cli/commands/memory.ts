/**
 * `warpdesk memory <action>`: maintenance of the workspace's pattern memory, headless.
 *   stats        counts, pattern types, key ids, size
 *   rotate-key   re-encrypt everything under a fresh key (resumable: rerun after an interruption)
 *   distill      compress experiences ~ratio:1 into distilled patterns; prints ratio and recall lost
 *   consolidate  flag duplicates, contradictions and stale experiences (nothing chained is deleted)
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveDataDir } from '../../main/platform/workspace';
import { MEMORY_FILE, openMemory } from '../../main/memory';
import { intFlag, jsonTarget, stringFlag, UsageError } from '../args';
import type { Command } from '../command';

const ACTIONS = ['stats', 'rotate-key', 'distill', 'consolidate'] as const;

export const memoryCommand: Command = {
  name: 'memory',
  summary: 'Pattern memory maintenance: stats, rotate-key, distill, consolidate.',
  usage: 'warpdesk memory stats|rotate-key|distill|consolidate [--data-dir DIR] [--ratio N] [--batch N] [--json [FILE]]',
  flags: {
    ratio: { type: 'string', description: 'distill: experiences per distilled pattern (default 10)' },
    batch: { type: 'string', description: 'rotate-key: records re-encrypted per transaction (default 500)' },
  },
  async run(args, io) {
    const [action, ...rest] = args.positionals;
    if (action === undefined) throw new UsageError(`Say what to do: one of ${ACTIONS.join(', ')}.`);
    if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) throw new UsageError(`Unknown memory action "${action}"; use one of ${ACTIONS.join(', ')}.`);
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const json = jsonTarget(args);
    const write = (result: object, text: string): number => {
      if (json.enabled) {
        const out = JSON.stringify(result, null, 2) + '\n';
        if (json.file) fs.writeFileSync(json.file, out);
        else io.stdout(out);
      } else io.stdout(text + '\n');
      return 0;
    };
    // A fresh workspace has no memory yet: every action says so (and none creates it).
    if (!fs.existsSync(path.join(dataDir, MEMORY_FILE))) {
      return write(
        { dataDir, memory: null, experiences: 0, verdicts: 0, outcomes: 0, distilled: 0, chainLength: 0, patternTypes: [], keyIds: [], bytes: 0 },
        `No experiences yet in ${dataDir}: the memory starts with the first recorded search (\`warpdesk search --record\`), \`warpdesk learn\`, a swarm agent or the app.${action === 'stats' ? '' : ` Nothing to ${action}.`}`,
      );
    }
    const memory = await openMemory({ dataDir, readonly: action === 'stats' });
    let result: object;
    let text: string;
    try {
      switch (action) {
        case 'stats': {
          const s = memory.stats();
          // The learning trajectory per pattern type: where the thresholds started and where they are now.
          const trajectories = s.patternTypes.map((patternType) => {
            const points = memory.trajectory(patternType, { limit: 100_000 });
            const t = memory.threshold(patternType);
            return {
              patternType,
              points: points.length,
              first: points[0] ?? null,
              last: points.at(-1) ?? null,
              similarityThreshold: t.similarityThreshold,
              successRate: t.successRate,
              calibrationError: t.calibrationError,
            };
          });
          result = { ...s, trajectories };
          text =
            s.experiences === 0
              ? `No experiences yet (${memory.file}).`
              : [
                  `${s.experiences} experiences (${s.verdicts} judged, ${s.outcomes} with outcomes), ${s.distilled} distilled patterns, chain of ${s.chainLength} links; pattern types: ${s.patternTypes.join(', ') || 'none'}; keys: ${s.keyIds.join(', ')}; ${(s.bytes / 1e6).toFixed(1)} MB.`,
                  ...trajectories.map(
                    (t) =>
                      `  ${t.patternType}: trajectory of ${t.points} verdicts; similarity threshold ${t.first ? t.first.similarityThreshold.toFixed(2) : '-'} → ${t.similarityThreshold.toFixed(2)}, success rate ${t.first ? (t.first.successRate * 100).toFixed(1) : '-'}% → ${(t.successRate * 100).toFixed(1)}%, calibration error ${t.calibrationError.toFixed(3)}.`,
                  ),
                ].join('\n');
          break;
        }
        case 'rotate-key': {
          const r = await memory.rotateKey({ batchSize: intFlag(args, 'batch', 500, 1, 100_000) });
          result = r;
          text = `${r.resumed ? 'Finished an interrupted rotation' : 'Rotated'}: ${r.reencrypted} records re-encrypted under key ${r.keyId}; retired ${r.retired.join(', ') || 'none'} (${r.elapsedMs.toFixed(0)} ms).`;
          break;
        }
        case 'distill': {
          const r = memory.distill({ ratio: intFlag(args, 'ratio', 10, 2, 10_000) });
          result = r;
          text = `Distilled ${r.experiences} experiences into ${r.distilled} patterns (${r.ratio.toFixed(1)}:1) in ${r.elapsedMs.toFixed(0)} ms; recall@${r.k} ${r.recallAtK === null ? '-' : r.recallAtK.toFixed(3)} over ${r.queries} queries.`;
          break;
        }
        default: {
          const r = memory.consolidate();
          result = r;
          text = `Examined ${r.examined}: ${r.duplicates} duplicates, ${r.contradictions} contradicting pairs, ${r.pruned} pruned (flagged; nothing deleted).`;
        }
      }
    } finally {
      memory.close();
    }
    return write(result, text);
  },
};
