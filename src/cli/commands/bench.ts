/**
 * `warpdesk bench [name ...] [--quick]`: the benchmarks (`bench/*.bench.ts`: engine, data, memory, backtest)
 * from the CLI, the same runner as `npm run bench`: a table per section, JSON into bench-results/.
 * The swarm benchmark is separate (`npm run bench:swarm`): it starts processes and takes ~2 minutes.
 */
import { runBenchmarks } from '../../../bench/run';
import { boolFlag } from '../args';
import type { Command } from '../command';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Run the benchmarks (engine, data, memory, backtest): tables here, JSON in bench-results/.',
  usage: 'warpdesk bench [engine|data|memory|backtest ...] [--quick]',
  flags: {
    quick: { type: 'boolean', description: 'smaller sizes, for a smoke run (not for reported numbers)' },
  },
  async run(args, io) {
    const failed = await runBenchmarks({ only: args.positionals, quick: boolFlag(args, 'quick'), log: (line) => io.stdout(line + '\n') });
    return failed > 0 ? 1 : 0;
  },
};
