/**
 * The reference engine's async path ships its kernels to a worker as source text. This checks that it still
 * runs in a worker (not the in-process fallback) once the engine is bundled into one minified CommonJS file
 * with kept names, like electron-vite's out/main/index.js, and that the bundle finds the native addon from
 * the app root rather than from its own folder.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..', '..');

describe('engine inside a single CommonJS bundle', () => {
  it('async reference search runs in a worker thread and gives the sync answer', async () => {
    const esbuild = await import('esbuild');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-bundle-'));
    try {
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
      const out = path.join(dir, 'out', 'main', 'index.js');
      await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', minify: true, keepNames: true, outfile: out, logLevel: 'silent' });
      const stdout = execFileSync(process.execPath, [out], { cwd: root, env: { ...process.env, WARPDESK_QUIET_NATIVE: '1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { same: boolean; fallback: string | null; backend: string };
      expect(result.same).toBe(true);
      expect(result.fallback).toBeNull();
      const built = fs.existsSync(path.join(root, 'native', 'build', 'Release', 'warpdesk_native.node'));
      expect(result.backend).toBe(built ? 'native' : 'js');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30000);
});
