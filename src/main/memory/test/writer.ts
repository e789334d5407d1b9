/**
 * Child process for the durability test: writes to the memory as fast as it can and reports each record
 * on stdout only after its transaction committed. The parent kills it with SIGKILL at a random moment.
 *   node --import tsx writer.ts <dataDir> records <seed>
 *   node --import tsx writer.ts <dataDir> rotate
 */
import fs from 'node:fs';
import { fileKeyProvider, openMemory } from '..';
import { experience, rng, walk } from './helpers';

const [dir, mode, seedArg] = process.argv.slice(2);
const say = (line: string): void => {
  fs.writeSync(1, line + '\n'); // synchronous: what the parent reads was committed before it was written
};

async function main(): Promise<void> {
  const memory = await openMemory({ dataDir: dir!, keyProvider: fileKeyProvider({ dataDir: dir! }), agentId: `writer-${process.pid}` });
  if (mode === 'rotate') {
    say('ready');
    await memory.rotateKey({ batchSize: 25, onProgress: (n) => say(`P ${n}`) });
    say('done');
    return;
  }
  const r = rng(Number(seedArg ?? 1));
  say('ready');
  for (;;) {
    const roll = r();
    if (roll < 0.15) {
      const batch = memory.recordExperiences(Array.from({ length: 5 }, () => experience(walk(32, r), { at: 1_700_000_000_000 + Math.floor(r() * 1e9) })));
      for (const e of batch) say(`E ${e.id}`);
      continue;
    }
    const e = memory.recordExperience(experience(walk(32, r), { signal: r() < 0.5 ? 'long' : 'short' }));
    say(`E ${e.id}`);
    const outcome = { realizedReturn: (r() - 0.5) * 0.05, mae: r() * 0.02, timeToTarget: r() < 0.5 ? null : Math.floor(r() * 10) };
    if (roll < 0.6) {
      memory.settle(e.id, outcome);
      say(`V ${e.id}`);
    } else if (roll < 0.8) {
      memory.recordOutcome(e.id, outcome);
      say(`O ${e.id}`);
      memory.judge(e.id);
      say(`V ${e.id}`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
  process.exit(1);
});
