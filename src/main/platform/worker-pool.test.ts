/**
 * The worker pool with tiny worker scripts: every task answered once whatever the number of children, results in
 * task order through the caller's handler, and a pool fails (never hangs) on a fatal reply, a child that dies
 * holding a task, or cancellation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWorkerPool, type WorkerEntry } from './worker-pool';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-pool-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): WorkerEntry {
  const file = path.join(dir, `${name}.cjs`);
  fs.writeFileSync(file, `process.send({ type: 'ready' });\nprocess.on('message', (m) => {\n${body}\n});\n`);
  return { file, execArgv: [], env: {} };
}

const threads = script('threads', `process.send({ type: 'done', threads: process.env.WARPDESK_THREADS });`);

const square = script('square', `process.send({ type: 'partial', x: m.x }); process.send({ type: 'done', y: m.x * m.x, pid: process.pid });`);

describe('worker pool', () => {
  it.each([1, 2, 5])('answers every task exactly once with %i worker(s)', async (workers) => {
    const tasks = Array.from({ length: 23 }, (_, i) => i);
    const out: number[] = new Array(tasks.length).fill(-1);
    const pids = new Set<number>();
    let partials = 0;
    await runWorkerPool({
      entry: square,
      tasks,
      workers,
      what: 'test',
      message: (x) => ({ x }),
      onReply: (reply, index) => {
        if (reply.type === 'partial') {
          expect(reply['x']).toBe(tasks[index]);
          partials++;
          return false;
        }
        expect(out[index]).toBe(-1);
        out[index] = reply['y'] as number;
        pids.add(reply['pid'] as number);
        return true;
      },
    });
    expect(out).toEqual(tasks.map((x) => x * x));
    expect(partials).toBe(tasks.length);
    expect(pids.size).toBeLessThanOrEqual(workers);
    expect(pids.size).toBeGreaterThanOrEqual(1);
  });

  it('gives each child its share of the cores for the native engine, unless WARPDESK_THREADS is set', async () => {
    const seen = async (workers: number, env?: Record<string, string>): Promise<Set<unknown>> => {
      const got = new Set<unknown>();
      await runWorkerPool({
        entry: threads,
        tasks: Array.from({ length: Math.max(4, workers) }, (_, i) => i),
        workers,
        what: 'test',
        message: (x) => ({ x }),
        onReply: (r) => (got.add(r['threads']), true),
        ...(env ? { env } : {}),
      });
      return got;
    };
    const saved = process.env['WARPDESK_THREADS'];
    delete process.env['WARPDESK_THREADS'];
    try {
      const cores = os.availableParallelism();
      expect(await seen(1)).toEqual(new Set([String(cores)]));
      expect(await seen(2)).toEqual(new Set([String(Math.max(1, Math.floor(cores / 2)))]));
      expect(await seen(cores * 2)).toEqual(new Set(['1']));
      expect(await seen(2, { WARPDESK_THREADS: '3' })).toEqual(new Set(['3']));
    } finally {
      if (saved !== undefined) process.env['WARPDESK_THREADS'] = saved;
    }
  });

  it('resolves at once with no tasks', async () => {
    await expect(runWorkerPool({ entry: square, tasks: [], workers: 2, what: 'test', message: () => ({}), onReply: () => true })).resolves.toBeUndefined();
  });

  it('fails on a fatal reply, naming what the workers do', async () => {
    const fatal = script('fatal', `process.send({ type: 'fatal', message: 'bad input ' + m.x });`);
    await expect(runWorkerPool({ entry: fatal, tasks: [7], workers: 1, what: 'sweep', message: (x) => ({ x }), onReply: () => true })).rejects.toThrow('A sweep worker failed: bad input 7');
  });

  it('fails when a child dies holding a task, with the end of its stderr', async () => {
    const dies = script('dies', `console.error('out of memory at task ' + m.x); process.exit(3);`);
    await expect(runWorkerPool({ entry: dies, tasks: [1, 2, 3], workers: 2, what: 'backtest', message: (x) => ({ x }), onReply: () => true })).rejects.toThrow(
      /A backtest worker exited early \(code 3\): out of memory at task \d/,
    );
  });

  it('fails when a child dies before it is ready', async () => {
    const file = path.join(dir, 'crash.cjs');
    fs.writeFileSync(file, `process.exit(4);\n`);
    await expect(runWorkerPool({ entry: { file, execArgv: [], env: {} }, tasks: [1], workers: 1, what: 'evaluation', message: (x) => ({ x }), onReply: () => true })).rejects.toThrow(/exited early \(code 4\)/);
  });

  it('is cancelled by its signal, before or while it runs', async () => {
    const never = script('never', `/* holds the task forever */`);
    const before = new AbortController();
    before.abort();
    await expect(runWorkerPool({ entry: never, tasks: [1], workers: 1, what: 'sweep', signal: before.signal, message: (x) => ({ x }), onReply: () => true })).rejects.toThrow('The sweep was cancelled.');
    const during = new AbortController();
    const stopOnFirstReply = (): boolean => {
      during.abort();
      return false;
    };
    const run = runWorkerPool({ entry: square, tasks: [1, 2, 3], workers: 1, what: 'sweep', signal: during.signal, cancelled: 'Stopped.', message: (x) => ({ x }), onReply: stopOnFirstReply });
    await expect(run).rejects.toThrow('Stopped.');
  });
});
