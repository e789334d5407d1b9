/**
 * The reference engine's async path runs in a real worker file (reference/worker-thread.ts). This checks that
 * it still runs in a worker (not the in-process fallback) once the engine is bundled into one minified
 * CommonJS file with kept names, like electron-vite's out/main/index.js, with the worker built as the
 * sibling entry reference-worker.js (as electron.vite.config.ts does); that a bundle without that file
 * falls back in-process with a reason and the same answer; and that the bundle finds the native addon from
 * the app root rather than from its own folder.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_WORKER_BUNDLE } from './reference/worker';

const root = path.resolve(__dirname, '..', '..', '..');

async function bundle(dir: string, withWorker: boolean): Promise<string> {
  const esbuild = await import('esbuild');
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(
    entry,
    `import { createReferenceEngine } from ${JSON.stringify(path.join(root, 'src/main/engine/reference'))};
import { workerFallbackReason } from ${JSON.stringify(path.join(root, 'src/main/engine/reference/worker'))};
import { getEngine } from ${JSON.stringify(path.join(root, 'src/main/engine'))};
const e = createReferenceEngine();
let x = 0; let s = 7;
const series = new Float64Array(20000).map(() => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (x += s / 2 ** 32 - 0.5); });
const q = series.slice(3000, 3064);
e.searchTopKAsync(series, q, { window: 6, k: 3 }).then((r) => {
  console.log(JSON.stringify({ same: JSON.stringify(r) === JSON.stringify(e.searchTopK(series, q, { window: 6, k: 3 })), fallback: workerFallbackReason() ?? null, backend: getEngine().backend }));
});
`,
  );
  const outdir = path.join(dir, 'out', 'main');
  const entryPoints: Record<string, string> = { index: entry };
  if (withWorker) entryPoints[REFERENCE_WORKER_BUNDLE.replace(/\.js$/, '')] = path.join(root, 'src/main/engine/reference/worker-thread.ts');
  await esbuild.build({ entryPoints, bundle: true, platform: 'node', format: 'cjs', minify: true, keepNames: true, outdir, logLevel: 'silent' });
  return path.join(outdir, 'index.js');
}

function run(out: string): { same: boolean; fallback: string | null; backend: string } {
  const stdout = execFileSync(process.execPath, [out], { cwd: root, env: { ...process.env, WARPDESK_QUIET_NATIVE: '1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { same: boolean; fallback: string | null; backend: string };
}

describe('engine inside a single CommonJS bundle', () => {
  it('async reference search runs in the sibling worker bundle and gives the sync answer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-bundle-'));
    try {
      const result = run(await bundle(dir, true));
      expect(result.same).toBe(true);
      expect(result.fallback).toBeNull();
      const built = fs.existsSync(path.join(root, 'native', 'build', 'Release', 'warpdesk_native.node'));
      expect(result.backend).toBe(built ? 'native' : 'js');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30000);

  it('without the worker file it runs in-process, says why, and gives the same answer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-bundle-'));
    try {
      const result = run(await bundle(dir, false));
      expect(result.same).toBe(true);
      expect(result.fallback).toMatch(new RegExp(REFERENCE_WORKER_BUNDLE.replace('.', '\\.')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30000);

  it('electron.vite.config.ts builds the worker as that sibling entry of the main bundle', async () => {
    const config = (await import('../../../electron.vite.config')).default as { main: { build: { rollupOptions: { input: Record<string, string> } } } };
    const input = config.main.build.rollupOptions.input;
    expect(input[REFERENCE_WORKER_BUNDLE.replace(/\.js$/, '')]).toBe(path.join(root, 'src/main/engine/reference/worker-thread.ts'));
  });
});
