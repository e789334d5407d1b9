/**
 * The metrics capability: the one Prometheus registry of a Warpdesk process with every metric it exports
 * (registry.ts, documented in docs/metrics.md), the loopback-only `/metrics` endpoint (serve.ts) and the pino
 * logger with one child per capability (logging.ts). Never imports another capability or Electron.
 */
export * from './registry';
export * from './serve';
export * from './logging';
