// Fuzz and replay tests for the browser host (issue 12, attacks 1-3 and 6): malformed request lines, targets,
// percent-encoding, headers and WebSocket frames never end the process, and a legitimate client is still
// served afterwards. Runs in-process: an unhandled 'error' event or throw would fail the test run itself.
import fc from 'fast-check';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Host } from '../main/host/host';
import { browserHostMetrics, createLogger } from '../main/metrics';
import { MAX_MESSAGE_BYTES, type WsServerFrame } from '../shared/contract';
import { MAX_IN_FLIGHT, parseTarget, startBrowserHost, type BrowserHost } from './server';

const TOKEN = 'fuzz-token-0123456789';
let server: BrowserHost;
let dir: string;
let gate: Promise<void> | undefined;
const BIG = 'x'.repeat(1 << 20);
let bigCalls = 0;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-web-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
  const host = new Host();
  host.register({
    name: 'fake',
    handlers: {
      'datasets:list': async () => {
        await gate;
        return [];
      },
      'datasets:remove': () => {
        throw new TypeError('boom');
      },
      // A 1 MiB reply, for the backpressure test.
      'backtest:sessions': () => {
        bigCalls++;
        return [BIG] as never;
      },
    },
  });
  server = await startBrowserHost({ host, rendererDir: dir, token: TOKEN, logger: createLogger('test', 'silent') });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Sends raw bytes on a fresh TCP connection and returns whatever came back once the server closed it.
 * `end` half-closes our side at once (for inputs the server could otherwise wait on for more bytes).
 */
function raw(bytes: string | Buffer, end = true): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve(out));
    s.write(bytes);
    if (end) s.end();
  });
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

function get(target: string): Promise<number> {
  return raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`, false).then(statusOf);
}

function connect(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['warpdesk.v1', `warpdesk.token.${TOKEN}`], { origin: `http://127.0.0.1:${server.port}` });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

function invoke(ws: WebSocket, id: number, channel: string, request: unknown = {}): Promise<WsServerFrame> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const frame = JSON.parse(data.toString()) as WsServerFrame;
      if (frame.kind === 'result' && frame.id === id) {
        ws.off('message', onMessage);
        resolve(frame);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ kind: 'invoke', id, channel, request }));
  });
}

/** A legitimate client: the shell over HTTP and one request over an authenticated WebSocket. */
async function stillServes(): Promise<void> {
  expect(await get('/')).toBe(200);
  const ws = await connect();
  const r = await invoke(ws, 1, 'datasets:list');
  expect(r).toEqual({ kind: 'result', id: 1, result: { ok: true, value: [] } });
  ws.close();
}

/** One client-to-server WebSocket frame; `declaredLength` lies about the payload length when given. */
function wsFrame(opts: { fin?: boolean; opcode: number; payload?: Buffer; mask?: boolean; rsv?: number; declaredLength?: bigint }): Buffer {
  const payload = opts.payload ?? Buffer.alloc(0);
  const mask = opts.mask ?? true;
  const len = opts.declaredLength ?? BigInt(payload.length);
  const first = ((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opts.opcode;
  let header: Buffer;
  if (len < 126n) header = Buffer.from([first, (mask ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    header = Buffer.from([first, (mask ? 0x80 : 0) | 126, 0, 0]);
    header.writeUInt16BE(Number(len), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(len, 2);
  }
  // A zero mask keeps the payload readable; the server must still unmask it.
  return Buffer.concat([header, mask ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
}

/** Writes raw frames on an authenticated WebSocket and waits until the server has closed it. */
async function sendFrames(...frames: Buffer[]): Promise<number> {
  const ws = await connect();
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  const socket = (ws as unknown as { _socket: net.Socket })._socket;
  for (const f of frames) socket.write(f);
  return closed;
}

describe('browser host: request targets and percent-encoding (attacks 1 and 3)', () => {
  it('answers 400 to the targets that used to kill it, without a token', async () => {
    for (const target of ['//[', 'http://%zz/', '/%', '/%E0%A4%A', '/%00', '/..%2f..%2fetc%2fpasswd', '*']) {
      expect([400, 404]).toContain(await get(target));
    }
    expect(await get('//[')).toBe(400);
    expect(await get('/%')).toBe(400);
    await stillServes();
  });

  it('answers the same targets on the WebSocket upgrade with 400', async () => {
    for (const target of ['//[', 'http://%zz/', '/%', '/%E0%A4%A']) {
      const r = await raw(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: http://127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: warpdesk.v1, warpdesk.token.${TOKEN}\r\n\r\n`,
      );
      expect(statusOf(r)).toBe(400);
    }
    await stillServes();
  });

  it('parseTarget accepts origin-form paths only', () => {
    expect(parseTarget('/a%20b?x=1')).toBe('/a b');
    for (const bad of [undefined, '', '//[', 'http://%zz/', '/%', '/%E0%A4%A', '/%00', '*']) expect(parseTarget(bad)).toBeNull();
  });
});

describe('browser host: malformed request lines and headers', () => {
  it('survives a fixed corpus of broken HTTP', async () => {
    const corpus = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'GET / HTTP/1.1\r\nNo-Colon-Header\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: -1\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      'GET /\0 HTTP/1.1\r\n\r\n',
      '\r\n\r\n\r\n',
      `POST / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: 5\r\n\r\nabc`,
    ];
    for (const req of corpus) await raw(req);
    await stillServes();
  });

  it('survives random request lines, targets and header bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 64 }), async (target, headerBytes) => {
        await raw(Buffer.concat([Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX: `), Buffer.from(headerBytes), Buffer.from('\r\n\r\n')]));
        await raw(Buffer.from(headerBytes));
      }),
      { numRuns: 60 },
    );
    await stillServes();
  });
});

describe('browser host: WebSocket protocol errors on an authenticated socket (attack 2)', () => {
  it('closes the socket and keeps serving after each bad frame', async () => {
    const before = (await browserHostMetrics.errorsTotal.get()).values.find((v) => v.labels['kind'] === 'ws_protocol')?.value ?? 0;
    const text = (s: string, fin = true): Buffer => wsFrame({ opcode: 0x1, fin, payload: Buffer.from(s) });
    const cases: Array<[string, Buffer[], number]> = [
      ['8 bytes of invalid UTF-8', [wsFrame({ opcode: 0x1, payload: Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0x80, 0x81, 0x82, 0x83]) })], 1007],
      ['a message over the size limit (declared)', [wsFrame({ opcode: 0x1, declaredLength: BigInt(MAX_MESSAGE_BYTES + 1) })], 1009],
      ['a length beyond 2^53', [wsFrame({ opcode: 0x1, declaredLength: 2n ** 63n - 1n })], 1009],
      ['a reserved opcode', [wsFrame({ opcode: 0x3 })], 1002],
      ['RSV bits without an extension', [wsFrame({ opcode: 0x1, rsv: 0b011, payload: Buffer.from('{}') })], 1002],
      ['an unmasked client frame', [wsFrame({ opcode: 0x1, mask: false, payload: Buffer.from('{}') })], 1002],
      ['a continuation with nothing to continue', [wsFrame({ opcode: 0x0, payload: Buffer.from('x') })], 1002],
      ['a new message inside a fragmented one', [text('{"kind":', false), text('"x"}')], 1002],
      ['a fragmented control frame', [wsFrame({ opcode: 0x9, fin: false })], 1002],
      ['a binary frame', [wsFrame({ opcode: 0x2, payload: Buffer.from([1, 2, 3]) })], 1003],
      ['malformed JSON', [text('{not json')], 1003],
      ['JSON that is not an invoke frame', [text('null')], 1003],
    ];
    for (const [name, frames, code] of cases) {
      expect({ name, code: await sendFrames(...frames) }).toEqual({ name, code });
    }
    const after = (await browserHostMetrics.errorsTotal.get()).values.find((v) => v.labels['kind'] === 'ws_protocol')?.value ?? 0;
    expect(after - before).toBeGreaterThanOrEqual(8);
    await stillServes();
  });

  it('answers a valid message that arrives in fragments', async () => {
    const ws = await connect();
    const msg = JSON.stringify({ kind: 'invoke', id: 7, channel: 'datasets:list', request: {} });
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    const socket = (ws as unknown as { _socket: net.Socket })._socket;
    socket.write(wsFrame({ opcode: 0x1, fin: false, payload: Buffer.from(msg.slice(0, 10)) }));
    socket.write(wsFrame({ opcode: 0x9, payload: Buffer.from('ping') }));
    socket.write(wsFrame({ opcode: 0x0, fin: false, payload: Buffer.from(msg.slice(10, 20)) }));
    socket.write(wsFrame({ opcode: 0x0, payload: Buffer.from(msg.slice(20)) }));
    expect(JSON.parse(await reply)).toEqual({ kind: 'result', id: 7, result: { ok: true, value: [] } });
    ws.close();
  });
});

describe('browser host: handler failures and requests in flight (attack 6)', () => {
  it('answers a handler that throws with a typed Internal error and an unknown channel with InvalidInput', async () => {
    const ws = await connect();
    const thrown = await invoke(ws, 1, 'datasets:remove', { datasetId: 1 });
    expect(thrown.kind === 'result' && !thrown.result.ok && thrown.result.error.code).toBe('Internal');
    const unknown = await invoke(ws, 2, 'no:such', {});
    expect(unknown.kind === 'result' && !unknown.result.ok && unknown.result.error.code).toBe('InvalidInput');
    ws.close();
  });

  it(`refuses more than ${MAX_IN_FLIGHT} requests in flight on one connection, then serves again`, async () => {
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    const ws = await connect();
    const held = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => invoke(ws, 100 + i, 'datasets:list'));
    const over = await invoke(ws, 999, 'datasets:list');
    expect(over.kind === 'result' && !over.result.ok && over.result.error.code).toBe('Unavailable');
    open();
    gate = undefined;
    for (const r of await Promise.all(held)) expect(r.kind === 'result' && r.result.ok).toBe(true);
    expect((await invoke(ws, 1000, 'datasets:list')).kind).toBe('result');
    ws.close();
  });
});

describe('browser host: a client that does not read its replies (attack 6)', () => {
  it('holds a bounded amount of replies for it (requests in flight, then reading paused), and answers everything once it reads', async () => {
    const inFlightRefusals = async (): Promise<number> => (await browserHostMetrics.refusedTotal.get()).values.find((v) => v.labels['reason'] === 'in_flight')?.value ?? 0;
    const held = async (): Promise<boolean> => server.stats().pausedConnections > 0 || (await inFlightRefusals()) > refusedBefore;
    const refusedBefore = await inFlightRefusals();
    const ws = await connect();
    const socket = (ws as unknown as { _socket: net.Socket })._socket;
    socket.pause(); // the client stops reading: replies pile up in the kernel, then in the host
    const replies: WsServerFrame[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString()) as WsServerFrame));
    const callsBefore = bigCalls;
    let sent = 0;
    // One request at a time, each waiting until the host has run it, refused it, or stopped reading.
    while (!(await held())) {
      const calls = bigCalls;
      const refused = await inFlightRefusals();
      ws.send(JSON.stringify({ kind: 'invoke', id: 5000 + sent, channel: 'backtest:sessions', request: {} }));
      sent++;
      while (bigCalls === calls && (await inFlightRefusals()) === refused && server.stats().pausedConnections === 0) await new Promise((r) => setImmediate(r));
      expect(sent).toBeLessThan(200); // the kernel cannot absorb 200 MiB: the host must have held back long before
    }
    expect(bigCalls - callsBefore).toBeGreaterThanOrEqual(MAX_IN_FLIGHT);
    // What the host holds for this client is bounded by the replies in flight, not by what was asked.
    expect(server.stats().maxBufferedBytes).toBeLessThanOrEqual((MAX_IN_FLIGHT + 1) * (BIG.length + 1024));
    socket.resume();
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (replies.length === sent) resolve();
        else setImmediate(check);
      };
      check();
    });
    const served = bigCalls - callsBefore;
    const ok = replies.filter((r) => r.kind === 'result' && r.result.ok).length;
    const busy = replies.filter((r) => r.kind === 'result' && !r.result.ok && r.result.error.code === 'Unavailable').length;
    expect({ ok, busy }).toEqual({ ok: served, busy: sent - served });
    expect(server.stats().pausedConnections).toBe(0);
    ws.close();
  });
});
