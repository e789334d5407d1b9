/**
 * Browser host memory under load (issue 12, item 3): `warpdesk serve` in a child process, 4 WebSocket clients
 * each importing a 60 MiB CSV in 1 MiB chunks at the same time; reports the host's resident memory before,
 * its peak (VmHWM, Linux) and the import time. `--quick` uses 8 MiB per client.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { IMPORT_CHUNK_CHARS, type WsServerFrame } from '../src/shared/contract';
import type { BenchContext, BenchSection } from './lib';

function csvOf(bytes: number): string {
  const rows: string[] = ['time,close'];
  let size = 11;
  const t0 = Date.UTC(2000, 0, 1);
  for (let i = 0; size < bytes; i++) {
    const row = `${new Date(t0 + i * 60_000).toISOString().slice(0, 19)},${(1 + Math.sin(i / 500) * 0.1).toFixed(5)}`;
    rows.push(row);
    size += row.length + 1;
  }
  return rows.join('\n');
}

function memOf(pid: number): { rssMiB: number; peakMiB: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMiB: NaN, peakMiB: NaN };
  }
}

export default async function run(ctx: BenchContext): Promise<BenchSection> {
  const tmp = ctx.tmpDir ?? fs.mkdtempSync('/tmp/wd-bench-web-');
  const renderer = path.join(tmp, 'renderer');
  fs.mkdirSync(renderer, { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><div id="app"></div>');
  const child = spawn(process.execPath, [path.resolve(__dirname, '../bin/warpdesk.cjs'), 'serve', '--data-dir', path.join(tmp, 'ws'), '--renderer', renderer], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WARPDESK_LOG_LEVEL: 'silent' },
  });
  let out = '';
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      const r = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+)/.exec(out);
      if (r) resolve(r);
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (c) => reject(new Error(`warpdesk serve exited with ${c}: ${out}`)));
  });
  const [, port, token] = m;
  const perClient = (ctx.quick ? 8 : 60) * 2 ** 20;
  const csv = csvOf(perClient);
  const clients = 4;
  try {
    const before = memOf(child.pid!);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['warpdesk.v1', `warpdesk.token.${token}`], { origin: `http://127.0.0.1:${port}` });
        await new Promise((r, j) => ws.once('open', r).once('error', j));
        let id = 0;
        const pending = new Map<number, (f: WsServerFrame) => void>();
        ws.on('message', (d) => {
          const f = JSON.parse(d.toString()) as WsServerFrame;
          if (f.kind === 'result') pending.get(f.id)?.(f);
        });
        const call = async <T>(channel: string, request: unknown): Promise<T> => {
          const f = await new Promise<WsServerFrame>((resolve) => {
            pending.set(++id, resolve);
            ws.send(JSON.stringify({ kind: 'invoke', id, channel, request }));
          });
          if (f.kind !== 'result' || !f.result.ok) throw new Error(JSON.stringify(f));
          return f.result.value as T;
        };
        const { importId } = await call<{ importId: string }>('datasets:importBegin', { name: `bench-${c}`, totalChars: csv.length });
        for (let index = 0, at = 0; at < csv.length; index++, at += IMPORT_CHUNK_CHARS) await call('datasets:importChunk', { importId, index, chunk: csv.slice(at, at + IMPORT_CHUNK_CHARS) });
        await call('datasets:importEnd', { importId });
        ws.close();
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const after = memOf(child.pid!);
    return {
      name: 'browser host: memory with 4 clients importing at once',
      rows: [
        {
          case: `${clients} clients x ${(perClient / 2 ** 20).toFixed(0)} MiB CSV (1 MiB chunks)`,
          'rows/client': csv.split('\n').length - 1,
          'RSS before MiB': Math.round(before.rssMiB),
          'peak RSS MiB': Math.round(after.peakMiB),
          'RSS after MiB': Math.round(after.rssMiB),
          seconds: Number(seconds.toFixed(1)),
        },
      ],
      notes: ['Peak RSS is the host process high-water mark (VmHWM, Linux only; NaN elsewhere). Each import is parsed whole once its chunks are in.'],
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}
