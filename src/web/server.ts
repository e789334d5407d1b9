/**
 * The browser host: serves the same renderer bundle as the Electron app (out/renderer) on 127.0.0.1 and
 * carries the typed contract over one WebSocket, for machines without the Electron binary.
 *
 * Security (see docs/adr/0003): binds loopback only; the Host header must name this loopback address and
 * port (defeats DNS rebinding); any Origin must be this server's own; strict CSP and no-store everywhere.
 * The static shell is public code and holds nothing secret. The per-run token is printed in the URL's
 * fragment (never sent over HTTP), kept by the page in sessionStorage (scoped to this origin, port included)
 * and required on the WebSocket, as a subprotocol (`warpdesk.token.<T>`) or an `Authorization: Bearer`
 * header. No cookie is ever set: cookies are not port-scoped, so a cookie would reach every other port of
 * 127.0.0.1 (issue 12, attack 4).
 *
 * Robustness (issue 12, attacks 1-3, 6): no input may end the process. Request targets and percent-encoding
 * are parsed defensively (400), every socket has an error listener, every handler failure is answered,
 * logged and counted; a connection has a bounded number of requests in flight and stops being read while
 * its replies are not drained. Never imports Electron.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX, type WsInvokeFrame, type WsServerFrame } from '../shared/contract';
import { toSerializedError, WarpdeskError } from '../shared/errors';
import type { Host } from '../main/host/host';
import { CONTENT_SECURITY_POLICY } from '../main/host/security';
import { browserHostMetrics, logger, type Logger } from '../main/metrics';

/**
 * Requests one WebSocket may have in flight, counted until their reply has been handed to the kernel; more
 * are answered at once with `Unavailable`. So a client that does not read holds at most this many replies in
 * the host's memory (issue 12, attack 6).
 */
export const MAX_IN_FLIGHT = 8;
/** Reading from a socket stops while more than this many reply bytes wait to be sent, and resumes below LOW. */
export const BUFFERED_HIGH = 8 * 1024 * 1024;
const BUFFERED_LOW = 1024 * 1024;

export interface BrowserHostOptions {
  host: Host;
  /** Folder with the built renderer (index.html + assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); random by default. */
  token?: string;
  /** Logger for refused input and handler failures (default: pino to stderr). */
  logger?: Logger;
}

export interface BrowserHost {
  /** The URL to open: the token is in the fragment, which browsers never send to any server. */
  url: string;
  port: number;
  token: string;
  /** Open WebSockets and the most reply bytes any of them is holding right now (tests, diagnostics). */
  stats(): { connections: number; maxBufferedBytes: number; pausedConnections: number };
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function baseHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

/** The path of an origin-form request target (`/a/b?c`), or null when it is anything else or malformed. */
export function parseTarget(target: string | undefined): string | null {
  if (!target || target[0] !== '/' || target.startsWith('//')) return null;
  let url: URL;
  try {
    url = new URL(target, 'http://127.0.0.1');
  } catch {
    return null;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  return pathname.includes('\0') ? null : pathname;
}

/** The token a WebSocket upgrade carries: a `warpdesk.token.<T>` subprotocol, or `Authorization: Bearer <T>`. */
function upgradeToken(req: http.IncomingMessage): string | undefined {
  for (const p of String(req.headers['sec-websocket-protocol'] ?? '').split(',')) {
    const v = p.trim();
    if (v.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return v.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  return undefined;
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
  const log = options.logger ?? logger('web', 'browser-host');
  const rendererDir = path.resolve(options.rendererDir);
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (${path.join(rendererDir, 'index.html')} is missing); run \`npm run build\` first.`);
  }
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const survived = (kind: string, err: unknown): void => {
    browserHostMetrics.errorsTotal.inc({ kind });
    log.warn({ kind, err: err instanceof Error ? err.message : String(err) }, 'browser host survived an error');
  };

  /** Returns null when the request may proceed, else the status and reason to refuse it. */
  function refuseOrigin(req: http.IncomingMessage): [number, string] | null {
    if (!allowedHosts().includes(req.headers.host ?? '')) return [421, 'This Warpdesk host only answers on its own loopback address.'];
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return [403, 'Requests from other origins are refused.'];
    return null;
  }

  function answer(res: http.ServerResponse, status: number, text: string, reason: string): void {
    browserHostMetrics.refusedTotal.inc({ reason });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text + '\n');
  }

  function serveStatic(req: http.IncomingMessage, res: http.ServerResponse): void {
    const pathname = parseTarget(req.url);
    if (pathname === null) return answer(res, 400, 'Bad request target.', 'bad_target');
    const refusal = refuseOrigin(req);
    if (refusal) return answer(res, refusal[0], refusal[1], `status_${refusal[0]}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      browserHostMetrics.refusedTotal.inc({ reason: 'method' });
      res.writeHead(405, { ...baseHeaders(), Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const file = path.resolve(rendererDir, '.' + (pathname === '/' ? '/index.html' : pathname));
    let isFile = false;
    try {
      isFile = file.startsWith(rendererDir + path.sep) && fs.statSync(file).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) return answer(res, 404, 'Not found.', 'not_found');
    res.writeHead(200, { ...baseHeaders(), 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file);
    stream.on('error', (err) => {
      survived('static_read', err);
      res.destroy();
    });
    stream.pipe(res);
  }

  const server = http.createServer((req, res) => {
    try {
      serveStatic(req, res);
    } catch (err) {
      survived('http_handler', err);
      answer(res, 500, 'Warpdesk could not answer this request.', 'internal');
    }
  });
  server.on('connection', (socket: Socket) => socket.on('error', (err) => survived('http_socket', err)));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Malformed request lines and headers: answer 400 (431 for huge headers) when the socket can still take it.
    browserHostMetrics.refusedTotal.inc({ reason: err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request' });
    if (socket.writable && !(socket as Socket).destroyed) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  });

  const wss = new WebSocketServer({
    noServer: true,
    // Big imports arrive in chunks (datasets:importChunk), so no message needs to be large (issue 12, item 3).
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const clients = new Set<WebSocket>();
  /** Sockets whose reading is paused because their replies are not drained. */
  const pausedSockets = new Set<WebSocket>();

  function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
    browserHostMetrics.refusedTotal.inc({ reason: `ws_${status}` });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Refused'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`);
  }

  function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => survived('ws_socket', err));
    const pathname = parseTarget(req.url);
    if (pathname === null) return refuseUpgrade(socket, 400, 'Bad request target.');
    if (pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not found.');
    const refusal = refuseOrigin(req);
    if (refusal) return refuseUpgrade(socket, refusal[0], refusal[1]);
    // A WebSocket must carry an Origin (browsers always send one) and it must be ours.
    if (req.headers.origin === undefined) return refuseUpgrade(socket, 403, 'WebSocket connections must come from the Warpdesk page.');
    const given = upgradeToken(req);
    if (!given || !safeEqual(given, token)) return refuseUpgrade(socket, 401, 'This Warpdesk host needs the token from the URL it printed at start.');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  }

  function onConnection(ws: WebSocket): void {
    clients.add(ws);
    let inFlight = 0;
    let paused = false;
    ws.on('close', () => {
      clients.delete(ws);
      pausedSockets.delete(ws);
    });
    // Protocol errors (bad UTF-8, bad opcodes, oversized messages) arrive here; ws then closes the socket.
    ws.on('error', (err) => survived('ws_protocol', err));

    const drained = (err?: Error): void => {
      if (err) return;
      if (paused && ws.bufferedAmount < BUFFERED_LOW) {
        paused = false;
        pausedSockets.delete(ws);
        ws.resume();
      }
    };
    const send = (frame: WsServerFrame, written: (err?: Error) => void = drained): void => {
      if (ws.readyState !== ws.OPEN) return written(new Error('closed'));
      let text: string;
      try {
        text = JSON.stringify(frame);
      } catch (err) {
        survived('serialize', err);
        if (frame.kind !== 'result') return;
        text = JSON.stringify({ kind: 'result', id: frame.id, result: { ok: false, error: toSerializedError(err) } } satisfies WsServerFrame);
      }
      ws.send(text, written);
      if (!paused && ws.bufferedAmount > BUFFERED_HIGH) {
        // Backpressure: a client that does not read its replies gets no more requests read from it.
        paused = true;
        pausedSockets.add(ws);
        ws.pause();
      }
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      let frame: WsInvokeFrame;
      try {
        if (isBinary) throw new Error('binary frame');
        frame = JSON.parse(data.toString()) as WsInvokeFrame;
        if (!frame || frame.kind !== 'invoke' || typeof frame.id !== 'number' || typeof frame.channel !== 'string') throw new Error('bad frame');
      } catch (err) {
        survived('ws_frame', err);
        ws.close(1003, 'Malformed frame');
        return;
      }
      if (inFlight >= MAX_IN_FLIGHT) {
        browserHostMetrics.refusedTotal.inc({ reason: 'in_flight' });
        const busy = new WarpdeskError('Unavailable', `Too many requests at once on this connection (at most ${MAX_IN_FLIGHT}); wait for one to finish.`, { limit: MAX_IN_FLIGHT });
        send({ kind: 'result', id: frame.id, result: { ok: false, error: busy.toJSON() } });
        return;
      }
      inFlight++;
      options.host
        .invoke(frame.channel, frame.request)
        .catch((err: unknown) => {
          survived('handler', err);
          return { ok: false as const, error: toSerializedError(err) };
        })
        .then((result) => {
          if (!result.ok && result.error.code === 'Internal') survived('handler', result.error.message);
          // The request stays in flight until its reply has left for the kernel (or the socket is gone).
          send({ kind: 'result', id: frame.id, result }, (err) => {
            inFlight--;
            drained(err);
          });
        })
        .catch((err: unknown) => survived('reply', err));
    });
  }

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      onUpgrade(req, socket, head);
    } catch (err) {
      survived('upgrade', err);
      socket.destroy();
    }
  });
  const unsubscribe = options.host.onEvent((event, payload) => {
    let text: string;
    try {
      text = JSON.stringify({ kind: 'event', event, payload } satisfies WsServerFrame);
    } catch (err) {
      survived('serialize', err);
      return;
    }
    for (const c of clients) if (c.readyState === c.OPEN && c.bufferedAmount < BUFFERED_HIGH) c.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', (err) => survived('server', err));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    stats() {
      let maxBufferedBytes = 0;
      for (const c of clients) maxBufferedBytes = Math.max(maxBufferedBytes, c.bufferedAmount);
      return { connections: clients.size, maxBufferedBytes, pausedConnections: pausedSockets.size };
    },
    async close() {
      unsubscribe();
      for (const c of clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
