/**
 * The browser host: serves the same renderer bundle as the Electron app (out/renderer) on 127.0.0.1 and
 * carries the typed contract over one WebSocket, for machines without the Electron binary.
 *
 * Security (see docs/adr/0003): binds loopback only; a random per-run token is required on every HTTP
 * request and WebSocket (given once in the printed URL, then kept in an HttpOnly, SameSite=Strict cookie);
 * the Host header must name this loopback address and port (defeats DNS rebinding); any Origin must be
 * this server's own (defeats other local pages and sites); strict CSP and no-store on every response.
 * Never imports Electron.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_IMPORT_BYTES, type WsInvokeFrame, type WsServerFrame } from '../shared/contract';
import type { Host } from '../main/host/host';
import { CONTENT_SECURITY_POLICY } from '../main/host/security';

export const TOKEN_COOKIE = 'warpdesk_token';

export interface BrowserHostOptions {
  host: Host;
  /** Folder with the built renderer (index.html + assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); random by default. */
  token?: string;
}

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
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

function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return v.join('=');
  }
  return undefined;
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

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
  const rendererDir = path.resolve(options.rendererDir);
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (${path.join(rendererDir, 'index.html')} is missing); run \`npm run build\` first.`);
  }
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  /** Returns null when the request may proceed, else the status and reason to refuse it. */
  function refuse(req: http.IncomingMessage, url: URL): [number, string] | null {
    if (!allowedHosts().includes(req.headers.host ?? '')) return [421, 'This Warpdesk host only answers on its own loopback address.'];
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return [403, 'Requests from other origins are refused.'];
    const given = url.searchParams.get('token') ?? cookieToken(req.headers.cookie);
    if (!given || !safeEqual(given, token)) return [401, 'This Warpdesk host needs the token from the URL it printed at start.'];
    return null;
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refusal = refuse(req, url);
    if (refusal) {
      res.writeHead(refusal[0], { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(refusal[1] + '\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...baseHeaders(), Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (url.searchParams.has('token')) {
      // Trade the URL token for a cookie and drop it from the address bar (and from any Referer).
      res.writeHead(303, {
        ...baseHeaders(),
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname === '' ? '/' : url.pathname,
      });
      res.end();
      return;
    }
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(rendererDir, '.' + rel);
    if (!file.startsWith(rendererDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found.\n');
      return;
    }
    res.writeHead(200, { ...baseHeaders(), 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_IMPORT_BYTES + 1024 * 1024 });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refusal = url.pathname !== '/ws' ? ([404, 'Not found.'] as [number, string]) : refuse(req, url);
    // A WebSocket must carry an Origin (browsers always send one) and it must be ours.
    const originMissing = req.headers.origin === undefined;
    if (refusal || originMissing) {
      const [status, reason] = refusal ?? [403, 'WebSocket connections must come from the Warpdesk page.'];
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Refused'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', (data) => {
        let frame: WsInvokeFrame;
        try {
          frame = JSON.parse(data.toString()) as WsInvokeFrame;
          if (frame.kind !== 'invoke' || typeof frame.id !== 'number' || typeof frame.channel !== 'string') throw new Error('bad frame');
        } catch {
          ws.close(1003, 'Malformed frame');
          return;
        }
        void options.host.invoke(frame.channel, frame.request).then((result) => {
          const out: WsServerFrame = { kind: 'result', id: frame.id, result };
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(out));
        });
      });
    });
  });
  const unsubscribe = options.host.onEvent((event, payload) => {
    const text = JSON.stringify({ kind: 'event', event, payload } satisfies WsServerFrame);
    for (const c of clients) if (c.readyState === c.OPEN) c.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
