/**
 * The one resources resolver: finds the app root from a module's folder in the three layouts (a checkout, a
 * production install, a packaged app.asar), maps packaged paths to their app.asar.unpacked twins, and reports a
 * missing shipped file as a NotFound error that names the path. Also the backtest worker's launch: compiled code
 * forks the compiled sweep-worker.js (never tsx), sources fork sweep-worker.ts with tsx.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WarpdeskError } from '../src/shared/errors';
import { appRoot, runMode, shippedPath, unpackedPath } from '../src/main/platform/resources';
import { DataStore, ensureSamples } from '../src/main/data';
import { workerLaunch } from '../src/main/backtest/worker-entry';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-resources-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function layout(rel: string, withSrc: boolean): string {
  const root = path.join(tmp, rel);
  fs.mkdirSync(path.join(root, 'out', 'main', 'chunks'), { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'warpdesk' }));
  if (withSrc) {
    fs.mkdirSync(path.join(root, 'src', 'cli'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'cli', 'main.ts'), '');
  }
  return root;
}

describe('resources resolver', () => {
  it('finds the root from source, out/main and a chunk, and tells the run mode', () => {
    const dev = layout('checkout', true);
    const installed = layout('node_modules/warpdesk', false);
    const packaged = layout('Warpdesk/resources/app.asar', false);
    expect(appRoot(path.join(dev, 'out', 'main', 'chunks'))).toBe(dev);
    expect(runMode(dev)).toBe('development');
    expect(appRoot(path.join(installed, 'out', 'main'))).toBe(installed);
    expect(runMode(installed)).toBe('installed');
    expect(appRoot(path.join(packaged, 'out', 'main'))).toBe(packaged);
    expect(runMode(packaged)).toBe('packaged');
    // this checkout, from this module
    expect(fs.existsSync(path.join(appRoot(), 'resources', 'data', 'SOURCES.md'))).toBe(true);
  });

  it('never falls back to the working directory: no root is an error naming where it looked', () => {
    const lost = path.join(tmp, 'nowhere', 'out', 'main');
    fs.mkdirSync(lost, { recursive: true });
    expect(() => appRoot(lost)).toThrow(WarpdeskError);
    expect(() => appRoot(lost)).toThrow(new RegExp(lost.replace(/[/\\]/g, '.')));
  });

  it('maps a packaged file to its unpacked twin when there is one', () => {
    const res = path.join(tmp, 'pk', 'resources');
    fs.mkdirSync(path.join(res, 'app.asar.unpacked', 'native'), { recursive: true });
    fs.writeFileSync(path.join(res, 'app.asar.unpacked', 'native', 'a.node'), '');
    expect(unpackedPath(path.join(res, 'app.asar', 'native', 'a.node'))).toBe(path.join(res, 'app.asar.unpacked', 'native', 'a.node'));
    expect(unpackedPath(path.join(res, 'app.asar', 'out', 'x.js'))).toBe(path.join(res, 'app.asar', 'out', 'x.js'));
    expect(unpackedPath('/plain/file.js')).toBe('/plain/file.js');
  });

  it('a missing shipped file is NotFound with its path; samples are never skipped silently', () => {
    expect(shippedPath('resources', 'data')).toBe(path.join(appRoot(), 'resources', 'data'));
    const err = (() => {
      try {
        shippedPath('resources', 'no-such-file.csv');
      } catch (e) {
        return e as WarpdeskError;
      }
    })();
    expect(err?.code).toBe('NotFound');
    expect(err?.message).toContain(path.join(appRoot(), 'resources', 'no-such-file.csv'));
    const store = DataStore.open(path.join(tmp, 'ws'));
    try {
      const empty = path.join(tmp, 'empty-resources');
      fs.mkdirSync(path.join(empty, 'data'), { recursive: true });
      expect(() => ensureSamples(store, empty)).toThrow(path.join(empty, 'data', 'ttrc_daily.csv'));
      expect(store.list()).toHaveLength(0);
    } finally {
      store.close();
    }
  });
});

describe('backtest worker launch', () => {
  it('compiled code forks sweep-worker.js next to the bundle or one folder up, with no loader', () => {
    const root = layout('built', false);
    fs.writeFileSync(path.join(root, 'out', 'main', 'sweep-worker.js'), '');
    const fromChunk = workerLaunch(path.join(root, 'out', 'main', 'chunks', 'data-x.js'));
    expect(fromChunk.file).toBe(path.join(root, 'out', 'main', 'sweep-worker.js'));
    expect(fromChunk.execArgv).toEqual([]);
    expect(workerLaunch(path.join(root, 'out', 'main', 'cli.js')).file).toBe(path.join(root, 'out', 'main', 'sweep-worker.js'));
  });

  it('a compiled build without the worker is an error naming the paths (no tsx fallback)', () => {
    const root = layout('broken', false);
    expect(() => workerLaunch(path.join(root, 'out', 'main', 'cli.js'))).toThrow(path.join(root, 'out', 'main', 'sweep-worker.js'));
  });

  it('from TypeScript sources (vitest) it forks sweep-worker.ts with tsx', () => {
    const l = workerLaunch();
    expect(l.file.endsWith(path.join('backtest', 'sweep-worker.ts'))).toBe(true);
    expect(l.execArgv[0]).toBe('--import');
    expect(l.execArgv[1]).toMatch(/tsx/);
  });
});
