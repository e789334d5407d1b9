/**
 * `npm run bench [-- name ...] [--quick]` (or `warpdesk bench [name ...] [--quick]`): discovers
 * `bench/*.bench.ts`, runs each (or only those named), prints a table per section and writes
 * `bench-results/<section>.json` with the machine's CPU, cores, versions and, where the engine reports it,
 * the SIMD level. Returns the number of benchmarks that failed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEngine } from '../src/main/engine';
import { formatTable, machineInfo, type BenchContext, type BenchSection } from './lib';

export async function runBenchmarks(options: { only?: string[]; quick?: boolean; log?: (line: string) => void } = {}): Promise<number> {
  const quick = options.quick ?? false;
  const only = options.only ?? [];
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const benchDir = path.resolve(__dirname);
  const files = fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')))
    .sort();
  const outDir = path.resolve(benchDir, '..', 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const machine = machineInfo();
  let simdLevel = 'unknown';
  try {
    simdLevel = getEngine().simdLevel();
  } catch {
    /* engine unavailable: leave unknown */
  }
  log(`Warpdesk benchmarks on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}, SIMD ${simdLevel}`);
  let failed = 0;
  for (const file of files) {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-bench-'));
    const ctx: BenchContext = { quick, tmpDir };
    try {
      // require, not import(): works under tsx's CommonJS hook (the `warpdesk` bin) and under `tsx` alike.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the line above
      const mod = require(path.join(benchDir, file)) as { default: (c: BenchContext) => Promise<BenchSection> };
      const section = await mod.default(ctx);
      log(`\n## ${section.name}\n${formatTable(section.rows)}`);
      for (const note of section.notes ?? []) log(`  note: ${note}`);
      const json = { section: section.name, machine: { ...machine, simdLevel }, quick, rows: section.rows, notes: section.notes ?? [] };
      fs.writeFileSync(path.join(outDir, `${file.replace(/\.bench\.ts$/, '')}.json`), JSON.stringify(json, null, 2));
    } catch (err) {
      failed++;
      log(`\n## ${file} failed: ${err instanceof Error ? err.stack : String(err)}`);
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  log(`\nJSON written to ${path.relative(process.cwd(), outDir)}/`);
  return failed;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  void runBenchmarks({ quick: args.includes('--quick'), only: args.filter((a) => !a.startsWith('--')) }).then((failed) => {
    process.exitCode = failed > 0 ? 1 : 0;
  });
}
