/**
 * The process's pino logger and its child loggers, one per capability (`logger('swarm', 'coordinator')`): JSON
 * lines or human-readable (pino-pretty, for a terminal) on stderr, or JSON lines to a size-capped rotating file
 * (pino-roll) under the workspace. Level from `--log-level`, else WARPDESK_LOG_LEVEL, else info. Must never
 * write to stdout: that is a command's own output (tables, JSON).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** The capabilities (and transports) that log; each gets one child logger of the process logger. */
export type LogCapability = 'swarm' | 'engine' | 'memory' | 'strategy' | 'data' | 'backtest' | 'host' | 'web' | 'cli' | 'electron' | 'test' | 'bench';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A rotating log file is cut at this size and this many earlier files are kept beside the active one. */
export const LOG_FILE_SIZE = '10m';
export const LOG_FILES_KEPT = 4;

/** Where and how this process logs: JSON lines or human-readable (pino-pretty), to stderr or a rotating file. */
export interface LogConfig {
  /** Format on stderr; a log file is always JSON lines. */
  format: 'json' | 'pretty';
  /** A log file (its folder is created); pino-roll numbers it (`coordinator.log` is written as `coordinator.1.log`, then `.2.log` past the size cap, ...); default stderr. */
  file?: string;
  /** Default level of every logger; default WARPDESK_LOG_LEVEL, else info. */
  level?: LogLevel;
}

let config: LogConfig = { format: 'json' };
let root: Logger | undefined;
/** The open log file transport (a worker thread: pino flushes it at exit), ended when the configuration changes. */
let fileTransport: ReturnType<typeof pino.transport> | undefined;

function defaultLevel(): string {
  return config.level ?? process.env['WARPDESK_LOG_LEVEL'] ?? 'info';
}

function stderrStream(): DestinationStream {
  if (config.format === 'pretty') {
    return pretty({ destination: 2, colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:yyyy-mm-dd HH:MM:ss', ignore: 'pid,hostname', sync: true });
  }
  return pino.destination({ dest: 2, sync: false });
}

function build(stream: DestinationStream): Logger {
  return pino({ level: defaultLevel(), base: { pid: process.pid } }, stream);
}

/**
 * Set once by the process entry (the CLI from --log-format/--log-file/--log-level); loggers created afterwards
 * follow it. A log file is written by pino-roll in pino's transport worker (the in-process pino-roll stream
 * neither rolled by size nor kept every line under load when measured; the transport did both).
 */
export function configureLogging(next: LogConfig): void {
  if (next.level !== undefined && !LOG_LEVELS.includes(next.level)) throw new Error(`Unknown log level "${String(next.level)}"; use one of ${LOG_LEVELS.join(', ')}.`);
  config = { ...next };
  fileTransport?.end();
  fileTransport = undefined;
  if (config.file) {
    fileTransport = pino.transport({ target: 'pino-roll', options: { file: config.file, size: LOG_FILE_SIZE, limit: { count: LOG_FILES_KEPT }, mkdir: true } });
    root = build(fileTransport);
  } else {
    root = build(stderrStream());
  }
}

export function loggingConfig(): LogConfig {
  return { ...config };
}

function processLogger(): Logger {
  root ??= build(stderrStream());
  return root;
}

/** The child logger of one capability (and optionally one component of it), at the process level unless `level` is given. */
export function logger(capability: LogCapability, component?: string, level?: string): Logger {
  const bindings = component ? { capability, name: `${capability}-${component}` } : { capability, name: capability };
  return processLogger().child(bindings, level ? { level } : {});
}

/**
 * A component's logger by name (`swarm-coordinator`, `browser-host`, ...): the child of the capability named
 * by the prefix before the first dash. Prefer `logger(capability, component)`.
 */
export function createLogger(name: string, level?: string): Logger {
  return processLogger().child({ name }, level ? { level } : {});
}

export type { Logger };
