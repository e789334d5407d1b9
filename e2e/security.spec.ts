// The browser host refuses anyone without the per-run token, from another origin, or under another Host name.
import { expect, test } from '@playwright/test';
import http from 'node:http';
import WebSocket from 'ws';
import { startHost, type RunningHost } from './host';

let host: RunningHost;
test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host.stop();
});

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(u.port), path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsStatus(headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

test('HTTP requests without the token are refused', async () => {
  const r = await get('/');
  expect(r.status).toBe(401);
  expect(r.body).toContain('needs the token');
  expect((await get('/?token=wrong')).status).toBe(401);
  expect((await get('/assets/x.js', { cookie: 'warpdesk_token=nope' })).status).toBe(401);
});

test('the token is traded for an HttpOnly SameSite cookie, and the page carries a strict CSP', async () => {
  const r = await get(`/?token=${host.token}`);
  expect(r.status).toBe(303);
  expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
  const page = await get('/', { cookie: `warpdesk_token=${host.token}` });
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.body).toContain('<div id="app">');
});

test('DNS rebinding (foreign Host) and foreign origins are refused even with the token', async () => {
  expect((await get(`/?token=${host.token}`, { host: 'evil.example:80' })).status).toBe(421);
  expect((await get('/', { cookie: `warpdesk_token=${host.token}`, origin: 'http://evil.example' })).status).toBe(403);
});

test('WebSocket needs the token and our Origin', async () => {
  const port = new URL(host.origin).port;
  expect(await wsStatus({ origin: host.origin })).toBe(401);
  expect(await wsStatus({ origin: 'http://evil.example', cookie: `warpdesk_token=${host.token}` })).toBe(403);
  expect(await wsStatus({ cookie: `warpdesk_token=${host.token}` })).toBe(403);
  expect(await wsStatus({ origin: `http://127.0.0.1:${port}`, cookie: `warpdesk_token=${host.token}` })).toBe('open');
});
