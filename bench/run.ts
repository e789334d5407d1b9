/**
 * `npm run bench [-- name ...] [--quick]` (or `warpdesk bench [name ...] [--quick]`): discovers
 * `bench/*.bench.ts`, runs each (or only those named), prints a table per section and writes
 * `bench-results/<section>.json` with the machine's CPU, cores, versions and, where the engine reports it,
 * the SIMD level. Each table gets a `Δ prev` column against the JSON the previous run left there (`--noise 10`
 * sets the margin in percent beyond which a change is marked). Returns the number of benchmarks that failed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEngine } from '../src/main/engine';
import { machineInfo, reportSection, type BenchContext, type BenchSection } from './lib';

export async function runBenchmarks(options: { only?: string[]; quick?: boolean; noise?: number; log?: (line: string) => void } = {}): Promise<number> {
  const quick = options.quick ?? false;
  const noise = options.noise ?? 0.1;
  let regressions = 0;
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
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(path.join(benchDir, file)) as { default: (c: BenchContext) => Promise<BenchSection> };
      const section = await mod.default(ctx);
      const jsonFile = path.join(outDir, `${file.replace(/\.bench\.ts$/, '')}.json`);
      const cmp = reportSection({ ...section, quick }, jsonFile, log, noise);
      regressions += cmp.regressions;
      for (const note of section.notes ?? []) log(`  note: ${note}`);
      const json = { section: section.name, machine: { ...machine, simdLevel }, quick, rows: section.rows, notes: section.notes ?? [] };
      fs.writeFileSync(jsonFile, JSON.stringify(json, null, 2));
    } catch (err) {
      failed++;
      log(`\n## ${file} failed: ${err instanceof Error ? err.stack : String(err)}`);
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  log(`\nJSON written to ${path.relative(process.cwd(), outDir)}/ (the next run compares with it)${regressions > 0 ? `; ${regressions} row(s) slower than the previous run beyond ±${Math.round(noise * 100)}%` : ''}`);
  return failed;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const noiseAt = args.indexOf('--noise');
  const noise = noiseAt >= 0 ? Number(args[noiseAt + 1]) / 100 : undefined;
  const only = args.filter((a, i) => !a.startsWith('--') && !(noiseAt >= 0 && i === noiseAt + 1));
  void runBenchmarks({ quick: args.includes('--quick'), only, ...(noise !== undefined && Number.isFinite(noise) ? { noise } : {}) }).then((failed) => {
    process.exitCode = failed > 0 ? 1 : 0;
  });
}
