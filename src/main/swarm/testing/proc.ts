/**
 * Drives harness child processes from tests and the bench: spawn with `node --import tsx` (or, for the bench's
 * coordinator, plain `node` on the harness compiled by esbuild: what a user runs carries no TypeScript loader),
 * wait for events, send commands and await replies, SIGKILL. Must never be used outside tests and benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export const HARNESS = path.join(__dirname, 'harness.ts');

/**
 * Compiles the harness to one CommonJS file under `out/bench/` (dependencies stay external, libp2p stays a real
 * dynamic `import()`, as in the app's main bundle) and returns its path: `startProc(..., { compiled })` runs it
 * with plain `node`, without tsx's loader and its source maps (59 MiB of the coordinator's idle RSS).
 */
export async function compileHarness(): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = path.resolve(__dirname, '..', '..', '..', '..', 'out', 'bench', 'harness.cjs');
  await esbuild.build({ entryPoints: [HARNESS], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
  return outfile;
}

export interface Proc {
  child: ChildProcess;
  events: Array<Record<string, unknown>>;
  stderr: string[];
  call<T = unknown>(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  waitEvent(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number, from?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * `nodeArgs`: extra Node flags for the child (e.g. `--cpu-prof`, which writes its profile on the `stop` command's
 * exit); `compiled`: a file from compileHarness(), run with plain `node` instead of the TypeScript source under tsx.
 */
export function startProc(role: string, opts: Record<string, unknown>, env: Record<string, string> = {}, nodeArgs: string[] = [], compiled?: string): Proc {
  const entry = compiled ? [compiled] : ['--import', 'tsx', HARNESS];
  const child = spawn(process.execPath, [...nodeArgs, ...entry, role, JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, WARPDESK_LOG_LEVEL: process.env['WARPDESK_LOG_LEVEL'] ?? 'warn', ...env },
  });
  const events: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  const replies = new Map<number, (r: Record<string, unknown>) => void>();
  let nextId = 1;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof o['reply'] === 'number') replies.get(o['reply'])?.(o);
    else {
      events.push(o);
      for (const w of [...waiters]) w();
    }
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 200) stderr.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    events,
    stderr,
    exited,
    call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => {
          replies.delete(id);
          reject(new Error(`${role}: no reply to ${cmd} within ${timeoutMs} ms; stderr: ${stderr.slice(-5).join(' | ')}`));
        }, timeoutMs);
        replies.set(id, (r) => {
          clearTimeout(t);
          replies.delete(id);
          if (r['ok']) resolve(r['result'] as T);
          else reject(new Error(String(r['error'])));
        });
        child.stdin!.write(JSON.stringify({ id, cmd, ...args }) + '\n');
      });
    },
    waitEvent(pred, timeoutMs = 60_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = events.slice(from).find(pred);
          if (hit) {
            waiters.delete(check as () => void);
            clearTimeout(t);
            resolve(hit);
            return true;
          }
          return false;
        };
        const t = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(new Error(`${role}: event not seen within ${timeoutMs} ms; events: ${JSON.stringify(events.slice(-5))}; stderr: ${stderr.slice(-5).join(' | ')}`));
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Asks the OS for free TCP and UDP ports (bound then released). */
export async function freePorts(): Promise<{ tcp: number; udp: number }> {
  const net = await import('node:net');
  const dgram = await import('node:dgram');
  const tcp = await new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const udp = await new Promise<number>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  return { tcp, udp };
}
