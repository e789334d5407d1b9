/**
 * Issue 11, item 7: the CLI a new user meets. --version; one name per meaning (--length/--window in bars,
 * --window-ratio for fractions, old spellings refused with a hint); an empty workspace says "no experiences
 * yet" with exit 0; logs never in the output (stderr or a log file, JSON or pretty); an agent refused
 * definitively stops with exit 1 and the reason; unknown subcommands named; a busy port names its flag.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, version } from './main';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin/warpdesk.cjs');
const sample = path.join(root, 'resources/data/ttrc_daily.csv');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-cli-ux-'));
process.env['WARPDESK_DATA_DIR'] = path.join(tmp, 'default-workspace');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), interactive: false });
  return { code, out, err };
}

/** Runs the real bin in a child process (for what goes to which stream and exit codes). */
function run(args: string[], timeoutMs = 40_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: timeoutMs, env: { ...process.env, WARPDESK_LOG_LEVEL: 'info' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

async function busyPort(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

const dir = (name: string): string => {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

describe('warpdesk --version and names', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version()).toBe(pkg.version);
    for (const flag of ['--version', '-V', 'version']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`warpdesk ${pkg.version}\n`);
    }
  });

  it('unknown commands and subcommands are named', async () => {
    const top = await cli(['serch']);
    expect(top.code).toBe(2);
    expect(top.err).toMatch(/unknown command "serch"; the commands are agent, audit, backtest/);
    const mem = await cli(['memory', 'stat']);
    expect(mem.code).toBe(2);
    expect(mem.err).toMatch(/Unknown memory action "stat"; use one of stats, rotate-key, distill, consolidate/);
    expect((await cli(['audit', 'check'])).err).toMatch(/Unknown audit action "check"/);
    expect((await cli(['swarm', 'kick', '--data-dir', dir('swarm')])).err).toMatch(/Unknown subcommand "kick"/);
  });

  it('--window is bars everywhere: search takes it as --length, a fraction is refused with --window-ratio as the hint', async () => {
    const a = await cli(['search', '--data', sample, '--window', '20', '--top', '3', '--end', '2000-01-01', '--json']);
    const b = await cli(['search', '--data', sample, '--length', '20', '--top', '3', '--end', '2000-01-01', '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out).analogs).toEqual(JSON.parse(b.out).analogs);
    const old = await cli(['search', '--data', sample, '--length', '20', '--window', '0.2']);
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/--window is the query length in bars .*--window-ratio \(e\.g\. --window-ratio 0\.2\)/);
    const ratio = await cli(['search', '--data', sample, '--length', '20', '--top', '3', '--window-ratio', '0.2', '--end', '2000-01-01', '--json']);
    expect(ratio.code).toBe(0);
    expect((await cli(['search', '--data', sample, '--length', '20', '--window', '30'])).err).toMatch(/--length and --window both set the query length/);
  });

  it('backtest and sweep refuse the old --band with a hint to --window-ratio, and take --window-ratio', async () => {
    for (const cmd of ['backtest', 'sweep']) {
      const r = await cli([cmd, '--data', sample, '--band', '0.2']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/Option --band is no longer accepted: the Sakoe-Chiba band is --window-ratio/);
    }
    const help = await cli(['backtest', '--help']);
    expect(help.out).toMatch(/--window-ratio/);
    expect(help.out).not.toMatch(/--band/);
    const sweep = await cli(['sweep', '--data', sample, '--window-ratio', '0.2', '--window', '16', '--emit-jobs']);
    expect(JSON.parse(sweep.out)[0].params.bandRatio).toBe(0.2);
  });
});

describe('an empty workspace', () => {
  it('memory stats and audit verify say "no experiences yet" and exit 0, without creating the memory', async () => {
    const ws = dir('empty');
    const stats = await cli(['memory', 'stats', '--data-dir', ws]);
    expect(stats).toMatchObject({ code: 0, err: '' });
    expect(stats.out).toMatch(/^No experiences yet in /);
    const audit = await cli(['audit', 'verify', '--data-dir', ws]);
    expect(audit.code).toBe(0);
    expect(audit.out).toMatch(/^No experiences yet in .*no audit chain to verify/);
    expect(JSON.parse((await cli(['memory', 'stats', '--data-dir', ws, '--json'])).out)).toMatchObject({ experiences: 0, verdicts: 0, memory: null });
    expect(JSON.parse((await cli(['audit', 'verify', '--data-dir', ws, '--json'])).out)).toMatchObject({ ok: true, links: 0 });
    expect((await cli(['memory', 'distill', '--data-dir', ws])).out).toMatch(/No experiences yet.*Nothing to distill/);
    expect(fs.readdirSync(ws)).toEqual([]);
  });
});

describe('busy ports', () => {
  it('serve names --port', async () => {
    const busy = await busyPort();
    const renderer = dir('renderer');
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>');
    try {
      const r = await cli(['serve', '--port', String(busy.port), '--renderer', renderer, '--data-dir', dir('serve')]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`warpdesk serve: Port ${busy.port} is already in use, so the browser host cannot listen there; choose another with --port PORT (or --port 0 for any free port).\n`);
    } finally {
      busy.close();
    }
  });

  it('the coordinator names --ws-port and --metrics-port; its logs stay out of stdout (stderr as JSON lines, or a log file)', async () => {
    const busy = await busyPort();
    try {
      const ws = await run(['coordinator', '--ws-port', String(busy.port), '--quic-port', '0', '--data-dir', dir('coord-ws')]);
      expect(ws.code).toBe(1);
      expect(ws.err).toMatch(new RegExp(`Port ${busy.port} is already in use, so the coordinator \\(WebSockets\\) cannot listen there; choose another with --ws-port PORT`));
      const metrics = await run(['coordinator', '--ws-port', '0', '--quic-port', '0', '--metrics-port', String(busy.port), '--log-format', 'json', '--data-dir', dir('coord-m')]);
      expect(metrics.code).toBe(1);
      expect(metrics.out).toBe('');
      // stderr: the one sentence, and the logs as JSON lines (the async log stream may flush after the sentence).
      const lines = metrics.err.trim().split('\n');
      const sentences = lines.filter((l) => !l.startsWith('{'));
      expect(sentences).toHaveLength(1);
      expect(sentences[0]).toMatch(/choose another with --metrics-port PORT/);
      const logs = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { name: string; msg: string });
      expect(logs.map((l) => l.msg)).toContain('coordinator listening');
      const ws2 = dir('coord-file');
      const filed = await run(['coordinator', '--ws-port', '0', '--quic-port', '0', '--metrics-port', String(busy.port), '--log-file', '--data-dir', ws2]);
      expect(filed.code).toBe(1);
      expect(filed.err.trim().split('\n')).toHaveLength(1);
      // pino-roll numbers the file (coordinator.1.log, then .2.log past the size cap).
      expect(fs.readFileSync(path.join(ws2, 'logs', 'coordinator.1.log'), 'utf8')).toMatch(/"msg":"coordinator listening"/);
    } finally {
      busy.close();
    }
  }, 90_000);

  it('--log-format takes pretty or json only, --log-level a pino level', async () => {
    expect((await cli(['memory', 'stats', '--log-format', 'xml', '--data-dir', dir('lf')])).err).toMatch(/--log-format must be pretty or json/);
    expect((await cli(['memory', 'stats', '--log-level', 'loud', '--data-dir', dir('ll')])).err).toMatch(/--log-level must be one of fatal, error, warn, info, debug, trace, silent/);
  });
});

describe('an agent refused definitively', () => {
  it('stops with exit 1 and the reason instead of redialing forever (bad token; revoked while connected)', async () => {
    const coordinator = spawn(process.execPath, [bin, 'coordinator', '--ws-port', '0', '--quic-port', '0', '--data-dir', dir('coord'), '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(coordinator);
    const first = await new Promise<string>((resolve, reject) => {
      let buf = '';
      coordinator.stdout!.setEncoding('utf8').on('data', (t: string) => {
        buf += t;
        if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
      });
      coordinator.on('exit', (code) => reject(new Error(`coordinator exited with ${code}`)));
    });
    const { multiaddrs, token } = JSON.parse(first) as { multiaddrs: string[]; token: string };
    const joins = multiaddrs.flatMap((a) => ['--join', a]);
    const r = await run(['agent', ...joins, '--token', 'not-a-real-token', '--data-dir', dir('agent'), '--log-format', 'json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /warpdesk agent: the coordinator refused this agent \(BadToken: .*\); the enrollment token is wrong, already used or expired; create a new one on the coordinator with `warpdesk swarm token`.* Stopped\./,
    );
    expect(r.out).toMatch(/Refused by the coordinator \(BadToken\)/);

    // Revoked while connected: the coordinator says so, and the agent stops instead of redialing.
    const agent = spawn(process.execPath, [bin, 'agent', ...joins, '--token', token, '--data-dir', dir('agent2'), '--log-format', 'json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(agent);
    let out = '';
    let err = '';
    agent.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
    const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
    const peer = await new Promise<string>((resolve) => {
      agent.stdout!.setEncoding('utf8').on('data', (t: string) => {
        out += t;
        const m = /^Agent (\S+) joining[\s\S]*\nConnected over /.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    const revoked = await cli(['swarm', 'revoke', peer, '--data-dir', dir('coord')]);
    expect(revoked.code).toBe(0);
    expect(await exited).toBe(1);
    expect(out).toMatch(/Refused by the coordinator \(Revoked\)/);
    expect(out).not.toMatch(/redialing/);
    expect(err).toMatch(/the coordinator refused this agent \(Revoked: .*\); the coordinator revoked this agent; only `warpdesk swarm allow PEER_ID` on the coordinator admits it again\. Stopped\./);
    coordinator.kill('SIGTERM');
  }, 90_000);
});
