/**
 * Minimal, strict command-line parsing shared by every `warpdesk` command: `--flag value`, `--flag=value`,
 * boolean flags, and positionals. Unknown flags are usage errors (exit 2), reported as one sentence.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** 'string' flags take a value; 'boolean' flags do not; 'optional' may take a value (e.g. `--json [FILE]`). */
  type: 'string' | 'boolean' | 'optional';
  description: string;
  repeatable?: boolean;
  /** An old spelling: refused with this hint (e.g. "use --window-ratio, a fraction of --window"); hidden from help. */
  replacedBy?: string;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[]>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const def = spec[name];
    if (!def) throw new UsageError(`Unknown option --${name}.`);
    if (def.replacedBy) throw new UsageError(`Option --${name} is no longer accepted: ${def.replacedBy}.`);
    let value: string | boolean;
    if (def.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`Option --${name} takes no value.`);
      value = true;
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      } else if (def.type === 'optional') {
        value = true;
      } else {
        throw new UsageError(`Option --${name} needs a value.`);
      }
    }
    if (def.repeatable) {
      const prev = flags[name];
      flags[name] = [...(Array.isArray(prev) ? prev : []), String(value)];
    } else {
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function requiredString(args: ParsedArgs, name: string): string {
  const v = stringFlag(args, name);
  if (v === undefined) throw new UsageError(`Option --${name} is required.`);
  return v;
}

export function intFlag(args: ParsedArgs, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`Option --${name} must be a whole number, got "${v}".`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`Option --${name} must be between ${min} and ${max}, got ${n}.`);
  return n;
}

/** The analog exclusion zone of the strategy commands (`--exclusion BARS`); undefined = the query length. */
export function exclusionFlag(args: ParsedArgs): number | undefined {
  return stringFlag(args, 'exclusion') === undefined ? undefined : intFlag(args, 'exclusion', 0, 0, 100_000);
}

/** The flag spec that goes with exclusionFlag, for every command that finds analogs. */
export const EXCLUSION_FLAG = {
  exclusion: { type: 'string' as const, description: "two analogs' starts differ by more than BARS bars (default: the query length, so analogs never overlap)" },
};

export function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`Option --${name} must be a number, got "${v}".`);
  return n;
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags[name] !== undefined && args.flags[name] !== false;
}

/** `--json` alone means JSON on stdout; `--json FILE` means JSON into FILE. */
export function jsonTarget(args: ParsedArgs): { enabled: boolean; file?: string } {
  const v = args.flags['json'];
  if (v === undefined || v === false) return { enabled: false };
  if (v === true) return { enabled: true };
  return { enabled: true, file: Array.isArray(v) ? v[v.length - 1] : v };
}

/** Flags every command accepts. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  'data-dir': { type: 'string', description: 'workspace folder (default: WARPDESK_DATA_DIR or the app data folder)' },
  json: { type: 'optional', description: 'machine-readable JSON on stdout, or into FILE' },
  'log-format': { type: 'string', description: 'logs as pretty (default on a terminal) or json lines (default otherwise); logs go to stderr, never into the output' },
  'log-file': { type: 'optional', description: 'write the logs as JSON lines to FILE instead of stderr, rotated at 10 MB, 4 kept (alone: <data-dir>/logs/<command>.log, written as <command>.1.log, ...)' },
  'log-level': { type: 'string', description: 'fatal, error, warn, info (default, or WARPDESK_LOG_LEVEL), debug, trace or silent' },
  help: { type: 'boolean', description: 'show this help' },
};
