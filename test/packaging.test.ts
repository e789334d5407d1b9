/**
 * The packaged app's file set, checked on a machine without the Electron binary (this one, CI).
 * electron-builder packs for real (`--dir`, this platform and architecture) with `electronDist` pointing at a
 * stand-in folder holding a fake `electron` executable, so it never downloads Electron; its dependency rebuild
 * is off (no Electron headers here: the file set is the same, only the ABI of better_sqlite3.node differs).
 * Then, on the app.asar it wrote:
 *  - every package the compiled main process, workers and CLI import is inside, and is a production dependency;
 *  - every native binary (*.node) is unpacked from the archive; no devDependency and no TypeScript is inside;
 *  - the shipped samples and their credits are inside; the package size is reported against a budget;
 *  - the CLI runs from the extracted file set under plain Node, outside this checkout: search, backtest,
 *    sweep --workers 2 (forking the compiled sweep worker), coordinator and an agent joining it over QUIC.
 * Linux only (the stand-in is a Linux Electron layout). Needs the build in out/ (`npm test` builds first; this
 * file builds when out/ is missing). Decisions: docs/adr/0011-packaging.md.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const req = createRequire(path.join(root, 'package.json'));
const pkg = req('./package.json') as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
/** Budget for app.asar + app.asar.unpacked (the app without Electron itself). Measured 2026-11: about 15 MB. */
const SIZE_BUDGET_MB = 40;
const SAMPLES = ['ttrc_daily.csv', 'usdchf_30min_1996_2001.csv', 'msft_daily_2000_2001.csv'];
const linux = process.platform === 'linux';

interface AsarApi {
  listPackage(archive: string, options?: { isPack: boolean }): string[];
  statFile(archive: string, filename: string): { unpacked?: boolean; size?: number; files?: unknown };
  extractAll(archive: string, dest: string): void;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-package-'));
const children: ChildProcess[] = [];
let resources = '';
let archive = '';
let files: string[] = [];
let asar: AsarApi;
let app = '';

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Bare module names the compiled main-side code loads (require() and import()), without node: builtins. */
function importedPackages(dir: string): Set<string> {
  const out = new Set<string>();
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || req('node:module').builtinModules.includes(spec)) continue;
      out.add(packageName(spec));
    }
  }
  return out;
}

beforeAll(async () => {
  if (!linux) return;
  if (!fs.existsSync(path.join(root, 'out', 'main', 'cli.js'))) execFileSync(process.execPath, [req.resolve('electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'ignore' });
  const standIn = path.join(tmp, 'electron-stand-in');
  fs.mkdirSync(standIn);
  fs.writeFileSync(path.join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary"\n', { mode: 0o755 });
  const output = path.join(tmp, 'dist');
  const arch = process.arch === 'arm64' ? '--arm64' : '--x64';
  await promisify(execFile)(
    process.execPath,
    [req.resolve('electron-builder/cli.js'), '--dir', '--linux', arch, '--publish', 'never', `-c.electronDist=${standIn}`, '-c.npmRebuild=false', `-c.directories.output=${output}`],
    { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } },
  );
  resources = path.join(output, process.arch === 'arm64' ? 'linux-arm64-unpacked' : 'linux-unpacked', 'resources');
  archive = path.join(resources, 'app.asar');
  asar = createRequire(req.resolve('electron-builder/package.json'))('@electron/asar') as AsarApi;
  files = asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
  app = path.join(tmp, 'app');
  asar.extractAll(archive, app);
}, 600_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

const has = (p: string): boolean => files.includes(p);

describe.skipIf(!linux)('the packaged app (electron-builder --dir with a stand-in Electron)', () => {
  it('holds every package the compiled main process, workers and CLI import, all production dependencies', () => {
    for (const f of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/cli.js',
      '/out/main/sweep-worker.js',
      '/out/main/fold-worker.js',
      '/out/main/reference-worker.js',
      '/out/preload/index.js',
      '/out/renderer/index.html',
      '/bin/warpdesk.cjs',
      '/native/index.js',
      '/native/package.json',
    ])
      expect(has(f), f).toBe(true);
    const imported = [...importedPackages(path.join(root, 'out', 'main'))].filter((p) => p !== 'electron');
    expect(imported.length).toBeGreaterThan(5);
    for (const name of imported) {
      expect(Object.keys(pkg.dependencies), `${name} is imported at run time but is not a dependency`).toContain(name);
      expect(has(`/node_modules/${name}/package.json`), `${name} is missing from app.asar`).toBe(true);
    }
  });

  it('unpacks every native binary and holds no devDependency, TypeScript source or tsx', () => {
    const natives = files.filter((f) => f.endsWith('.node'));
    for (const f of ['/native/build/Release/warpdesk_native.node', '/node_modules/better-sqlite3/build/Release/better_sqlite3.node']) expect(natives, f).toContain(f);
    expect(
      natives.some((f) => /^\/node_modules\/@chainsafe\/libp2p-quic-[^/]+\/.*\.node$/.test(f)),
      'the libp2p-quic platform binary',
    ).toBe(true);
    for (const f of natives) {
      expect(asar.statFile(archive, f.slice(1)).unpacked, `${f} is not unpacked`).toBe(true);
      expect(fs.existsSync(path.join(resources, 'app.asar.unpacked', f)), `${f} is not in app.asar.unpacked`).toBe(true);
    }
    const quicPkg = files.find((f) => /^\/node_modules\/@chainsafe\/libp2p-quic-[^/]+\/package\.json$/.test(f))!;
    expect(asar.statFile(archive, quicPkg.slice(1)).unpacked, 'the libp2p-quic platform package is unpacked whole').toBe(true);
    for (const name of [...Object.keys(pkg.devDependencies), 'esbuild', 'typescript', 'vite', 'rolldown']) expect(has(`/node_modules/${name}`), `devDependency ${name} is inside the package`).toBe(false);
    expect(files.filter((f) => !f.startsWith('/node_modules/') && /\.(?:m|c)?ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((f) => f.startsWith('/src/'))).toBe(false);
  });

  it('ships the samples with their credits, within the size budget', () => {
    expect(has('/resources/data/SOURCES.md')).toBe(true);
    for (const s of SAMPLES) expect(has(`/resources/data/${s}`), s).toBe(true);
    const du = (p: string): number => (fs.statSync(p).isDirectory() ? (fs.readdirSync(p) as string[]).reduce((n, e) => n + du(path.join(p, e)), 0) : fs.statSync(p).size);
    const asarMB = fs.statSync(archive).size / 2 ** 20;
    const unpackedMB = du(path.join(resources, 'app.asar.unpacked')) / 2 ** 20;
    const total = asarMB + unpackedMB;
    const report = { asarMB: +asarMB.toFixed(2), unpackedMB: +unpackedMB.toFixed(2), totalMB: +total.toFixed(2), budgetMB: SIZE_BUDGET_MB, files: files.length };
    console.log(`package size (without Electron): ${JSON.stringify(report)}`);
    fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'test-results', 'package-size.json'), JSON.stringify(report, null, 2) + '\n');
    expect(total).toBeLessThan(SIZE_BUDGET_MB);
  });

  describe('the CLI from the extracted file set, under plain Node, outside this checkout', () => {
    const env = (): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = { ...process.env, WARPDESK_LOG_LEVEL: 'warn', WARPDESK_QUIET_NATIVE: '1' };
      for (const k of ['WARPDESK_APP_ROOT', 'WARPDESK_NATIVE_PATH', 'NODE_PATH', 'NODE_OPTIONS']) delete e[k];
      return e;
    };
    const cli = async (...args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, [path.join(app, 'bin', 'warpdesk.cjs'), ...args], { cwd: tmp, env: env(), maxBuffer: 16 * 1024 * 1024 })).stdout;
    const sample = (): string => path.join(app, 'resources', 'data', 'ttrc_daily.csv');

    it('search (on the native engine) and backtest run', async () => {
      const out = JSON.parse(await cli('search', '--data', sample(), '--length', '32', '--top', '5', '--end', '2001-09-10', '--data-dir', path.join(tmp, 'ws'), '--json')) as { analogs: unknown[]; backend: string };
      expect(out.analogs).toHaveLength(5);
      // the addon loads from the package's own native/ folder (built in this checkout, so it must load)
      expect(out.backend).toBe('native');
      const bt = await cli('backtest', '--data', sample(), '--window', '16', '--top', '5', '--horizon', '5', '--data-dir', path.join(tmp, 'ws'), '--json');
      expect(JSON.parse(bt)).toBeTypeOf('object');
    }, 120_000);

    it('sweep --workers 2 forks the compiled sweep worker', async () => {
      const out = JSON.parse(
        await cli('sweep', '--data', sample(), '--window', '16,24', '--top', '5', '--horizon', '5', '--threshold', '0.55,0.6', '--workers', '2', '--data-dir', path.join(tmp, 'ws'), '--json'),
      ) as unknown;
      const rows = Array.isArray(out) ? out : ((out as { results?: unknown[] }).results ?? []);
      expect(rows).toHaveLength(4);
    }, 180_000);

    it('coordinator and agent join over QUIC', async () => {
      const launch = (args: string[]): { next: (pred: (o: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> } => {
        const child = spawn(process.execPath, [path.join(app, 'bin', 'warpdesk.cjs'), ...args], { cwd: tmp, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        const lines: Array<Record<string, unknown>> = [];
        const waiters: Array<() => void> = [];
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        readline.createInterface({ input: child.stdout! }).on('line', (l) => {
          try {
            lines.push(JSON.parse(l) as Record<string, unknown>);
            waiters.splice(0).forEach((w) => w());
          } catch {
            /* not JSON */
          }
        });
        const next = (pred: (o: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
          new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`no matching line from ${args[0]}: ${JSON.stringify(lines)} ${stderr}`)), 60_000);
            const check = (): void => {
              const hit = lines.find(pred);
              if (hit) {
                clearTimeout(t);
                resolve(hit);
              } else waiters.push(check);
            };
            check();
          });
        return { next };
      };
      const c = launch(['coordinator', '--listen', '127.0.0.1', '--quic-port', '0', '--ws-port', '0', '--data-dir', path.join(tmp, 'coord'), '--json']);
      const listening = await c.next((o) => o['event'] === 'listening');
      const addrs = listening['multiaddrs'] as string[];
      const a = launch(['agent', ...addrs.flatMap((x) => ['--join', x]), '--token', String(listening['token']), '--data-dir', path.join(tmp, 'agent'), '--json']);
      const connected = await a.next((o) => o['event'] === 'connected');
      expect(connected['transport']).toBe('quic');
    }, 120_000);
  });
});
