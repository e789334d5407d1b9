/**
 * `warpdesk bench [name ...] [--quick]`: the benchmarks (`bench/*.bench.ts`: engine, data, memory, backtest)
 * from the CLI, the same runner as `npm run bench`: a table per section, JSON into bench-results/.
 * The runner (`bench/run.ts`) runs in a child Node process with tsx's loader, so nothing in src/ imports
 * bench/ (the layering check forbids it; see README "Layers"). The benchmarks are a development tool: they
 * need a checkout with dev dependencies (tsx); an installed or packaged Warpdesk says so in one sentence.
 * The swarm benchmark is separate (`npm run bench:swarm`): it starts processes and takes ~2 minutes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { WarpdeskError } from '../../shared/errors';
import { boolFlag } from '../args';
import type { Command } from '../command';
import { appPath } from '../../main/platform/resources';

/** Node flags loading tsx's loader by absolute URL (a bare `--import tsx` resolves from the current directory). */
function tsxExecArgv(runner: string): string[] {
  try {
    return ['--import', pathToFileURL(createRequire(runner).resolve('tsx')).href];
  } catch {
    throw new WarpdeskError('Unavailable', 'The benchmarks need tsx, a development dependency that is not installed here; run them from a source checkout after `npm install`.');
  }
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Run the benchmarks (engine, data, memory, backtest): tables here, JSON in bench-results/.',
  usage: 'warpdesk bench [engine|data|memory|backtest ...] [--quick]',
  flags: {
    quick: { type: 'boolean', description: 'smaller sizes, for a smoke run (not for reported numbers)' },
  },
  async run(args, io) {
    const runner = appPath('bench', 'run.ts');
    if (!fs.existsSync(runner)) throw new WarpdeskError('NotFound', `The benchmarks are not part of this installation (${runner} does not exist); run them from a source checkout.`);
    const runnerArgs = [...args.positionals, ...(boolFlag(args, 'quick') ? ['--quick'] : [])];
    const child = spawn(process.execPath, [...tsxExecArgv(runner), runner, ...runnerArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (text: string) => io.stdout(text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => io.stderr(text));
    return new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1)); // null: killed by a signal
    });
  },
};
