/**
 * The loopback-only `/metrics` HTTP endpoint over the one registry. Must never listen on anything but a
 * loopback address.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from './registry';

export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on 127.0.0.1:port (0 = any free port). Refuses non-loopback hosts. */
export async function serveMetrics(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') throw new Error(`Metrics are served on loopback only, not on ${host}.`);
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found. Try /metrics.\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://${host}:${actual}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
