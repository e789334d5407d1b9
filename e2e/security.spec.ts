// The browser host refuses anyone without the per-run token, from another origin, or under another Host name,
// and (issue 12, attack 4) nothing of the token ever reaches another port of 127.0.0.1 in Chromium.
import { expect, test } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

function wsStatus(headers: Record<string, string>, protocols?: string[]): Promise<number | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws`, protocols, { headers });
    ws.on('open', () => {
      resolve(`open:${ws.protocol}`);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

test('the static shell holds nothing secret and sets no cookie; it carries a strict CSP', async () => {
  const page = await get('/');
  expect(page.status).toBe(200);
  expect(page.headers['set-cookie']).toBeUndefined();
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.body).toContain('<div id="app">');
  expect(page.body).not.toContain(host.token);
  // A token in the query string is not a credential anywhere (it would end up in logs and histories).
  expect((await get(`/?token=${host.token}`)).headers['set-cookie']).toBeUndefined();
});

test('DNS rebinding (foreign Host) and foreign origins are refused', async () => {
  expect((await get('/', { host: 'evil.example:80' })).status).toBe(421);
  expect((await get('/', { origin: 'http://evil.example' })).status).toBe(403);
});

test('the WebSocket needs the token (subprotocol or bearer header) and our Origin; the token is never echoed', async () => {
  const origin = host.origin;
  expect(await wsStatus({ origin })).toBe(401);
  expect(await wsStatus({ origin }, ['warpdesk.v1', 'warpdesk.token.wrong'])).toBe(401);
  expect(await wsStatus({ origin, cookie: `warpdesk_token=${host.token}` })).toBe(401);
  expect(await wsStatus({ origin: 'http://evil.example' }, ['warpdesk.v1', `warpdesk.token.${host.token}`])).toBe(403);
  expect(await wsStatus({}, ['warpdesk.v1', `warpdesk.token.${host.token}`])).toBe(403);
  expect(await wsStatus({ origin }, ['warpdesk.v1', `warpdesk.token.${host.token}`])).toBe('open:warpdesk.v1');
  expect(await wsStatus({ origin, authorization: `Bearer ${host.token}` })).toBe('open:');
});

test('token scope: a second loopback server never receives anything of the token from Chromium', async ({ page, context }) => {
  // The second server stands for any other local web page or service: it records every byte it is sent.
  const seen: string[] = [];
  const other = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${body}`);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>other</title><p id="other">other service</p>');
    });
  });
  other.on('upgrade', (req, socket) => {
    seen.push(`UPGRADE ${req.url}\n${JSON.stringify(req.headers)}`);
    socket.destroy();
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  try {
    // The app opens from the printed URL, connects (the sample's bars arrive over the WebSocket) and drops
    // the fragment from the address bar.
    await page.goto(host.url);
    await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', /\d+/);
    await expect(page).toHaveURL(`${host.origin}/`);
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await context.cookies()).toEqual([]);

    // Control: Chromium does send a 127.0.0.1 cookie to every port; this is the attack the design avoids.
    await context.addCookies([{ name: 'control', value: 'portless', domain: '127.0.0.1', path: '/' }]);

    // Every way the page and the browser reach the other port: navigation (with Referer policy), the other
    // page's own fetch and WebSocket, then a reload of our app that still works from session storage.
    await page.goto(`${otherOrigin}/navigated`);
    await expect(page.locator('#other')).toHaveText('other service');
    expect(await page.evaluate("sessionStorage.getItem('warpdesk.token')")).toBeNull();
    await page.evaluate(`(async () => {
      await fetch('/fetched', { method: 'POST', body: 'x', credentials: 'include' });
      await new Promise((resolve) => {
        const ws = new WebSocket('ws://' + location.host + '/ws');
        ws.onerror = resolve;
        ws.onclose = resolve;
      });
    })()`);
    await page.goto(`${host.origin}/`);
    await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', /\d+/);
  } finally {
    await new Promise<void>((r) => other.close(() => r()));
  }
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen.join('\n')).toContain('control=portless');
  for (const request of seen) expect(request).not.toContain(host.token);
});
