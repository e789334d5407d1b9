/**
 * `npm run bench [-- name ...] [--quick]`: discovers `bench/*.bench.ts`, runs each (or only those named),
 * prints a table per section and writes `bench-results/<section>.json` with the machine's CPU, cores,
 * versions and, where the engine reports it, the SIMD level.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatTable, machineInfo, type BenchContext, type BenchSection } from './lib';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.filter((a) => !a.startsWith('--'));
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
    const engine = await import('../src/main/engine');
    simdLevel = engine.getEngine().simdLevel();
  } catch {
    /* engine unavailable: leave unknown */
  }
  console.log(`Warpdesk benchmarks on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}, SIMD ${simdLevel}`);
  let failed = 0;
  for (const file of files) {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-bench-'));
    const ctx: BenchContext = { quick, tmpDir };
    try {
      const mod = (await import(pathToFileURL(path.join(benchDir, file)).href)) as { default: (c: BenchContext) => Promise<BenchSection> };
      const section = await mod.default(ctx);
      console.log(`\n## ${section.name}\n${formatTable(section.rows)}`);
      for (const note of section.notes ?? []) console.log(`  note: ${note}`);
      const json = { section: section.name, machine: { ...machine, simdLevel }, quick, rows: section.rows, notes: section.notes ?? [] };
      fs.writeFileSync(path.join(outDir, `${file.replace(/\.bench\.ts$/, '')}.json`), JSON.stringify(json, null, 2));
    } catch (err) {
      failed++;
      console.error(`\n## ${file} failed: ${err instanceof Error ? err.stack : String(err)}`);
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  console.log(`\nJSON written to ${path.relative(process.cwd(), outDir)}/`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
